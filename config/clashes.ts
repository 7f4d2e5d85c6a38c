// Clashes between stack files: two stacks that would claim the same AWS name, or that cannot both exist in one
// account. A copied stack file keeps the original's DNS name, repository, cluster, log group, bucket and CI
// settings; each deploys fine alone and fails (or, worse, takes over the other's resources) next to the first.
// Pure: the caller evaluates each stack and hands over what it declared; nothing here reads files or AWS.
import { awsSafe, stackPrefix } from "../components/names";

/** What a name is unique within: AWS's own rule for that kind of name. */
export type Scope = "global" | "account" | "account+region";

export type ClaimKind = "dns" | "ecr" | "cluster" | "logGroup" | "bucket" | "prefix" | "oidcProvider";

export interface Claim {
  readonly kind: ClaimKind;
  /** The name claimed (folded the way AWS compares it). */
  readonly value: string;
}

/** One stack as the clash check sees it. */
export interface StackClaims {
  readonly stack: string;
  /** The stack file, for messages (e.g. "Pulumi.demo.yaml"). */
  readonly file: string;
  readonly account: string;
  readonly region: string;
  readonly topology: string;
  /** `ferry:budget.monthlyUsd`, when set. */
  readonly budgetUsd?: number;
  readonly claims: readonly Claim[];
}

export interface Clash {
  readonly kind: ClaimKind | "budget";
  /** The config key a user changes to resolve it. */
  readonly key: string;
  readonly value: string;
  readonly stacks: readonly [string, string];
  readonly files: readonly [string, string];
  readonly message: string;
}

const KINDS: Readonly<Record<ClaimKind, { scope: Scope; key: string; what: string }>> = {
  dns: { scope: "global", key: "ferry:dns", what: "DNS name" },
  ecr: {
    scope: "account+region",
    key: "ferry:registry.name",
    what: "ECR repository",
  },
  cluster: {
    scope: "account+region",
    key: "ferry:fargate.clusterName (or ferry:app.name, its default)",
    what: "ECS cluster",
  },
  logGroup: {
    scope: "account+region",
    key: "ferry:fargate.logGroupName (or ferry:app.name, the default of every log group name)",
    what: "CloudWatch log group",
  },
  // S3 bucket names are unique across all of AWS, not only in one account.
  bucket: { scope: "global", key: "ferry:app.dataBucket", what: "S3 bucket" },
  // IAM role and policy names derive from the prefix, and IAM names are account-wide.
  prefix: {
    scope: "account",
    key: "ferry:app.name (or the stack name)",
    what: "physical-name prefix (app name + folded stack name)",
  },
  // AWS allows one OIDC provider per URL and account: a second CreateOpenIDConnectProvider fails with
  // EntityAlreadyExists.
  oidcProvider: {
    scope: "account",
    key: "ferry:ci.oidcProviderArn",
    what: "GitHub OIDC provider (token.actions.githubusercontent.com)",
  },
};

function scopeKey(s: StackClaims, scope: Scope): string {
  return scope === "global" ? "*" : scope === "account" ? s.account : `${s.account}/${s.region}`;
}

function where(s: StackClaims, scope: Scope): string {
  return scope === "global"
    ? ""
    : scope === "account"
      ? ` in account ${s.account}`
      : ` in ${s.account}/${s.region}`;
}

/** Every clash between the given stacks, each pair once, in a stable order. */
export function findClashes(stacks: readonly StackClaims[]): Clash[] {
  const out: Clash[] = [];
  const sorted = [...stacks].sort((a, b) => a.file.localeCompare(b.file));
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++) {
      const [a, b] = [sorted[i], sorted[j]];
      const seen = new Set<string>();
      for (const ca of a.claims) {
        const k = KINDS[ca.kind];
        if (scopeKey(a, k.scope) !== scopeKey(b, k.scope)) continue;
        if (!b.claims.some((cb) => cb.kind === ca.kind && cb.value === ca.value)) continue;
        const id = `${ca.kind} ${ca.value}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const message =
          ca.kind === "oidcProvider"
            ? `${a.file} and ${b.file} both create the ${k.what}${where(a, k.scope)}: AWS refuses the second ` +
              `(EntityAlreadyExists). Let one create it and set ${k.key} in the other.`
            : `${a.file} and ${b.file} both claim the ${k.what} "${ca.value}"${where(a, k.scope)}: change ` +
              `${k.key} in one of them.`;
        out.push({
          kind: ca.kind,
          key: k.key,
          value: ca.value,
          stacks: [a.stack, b.stack],
          files: [a.file, b.file],
          message,
        });
      }
      // A budget is sized for one topology: the demo's few dollars say nothing about an HA service. The same
      // figure in stacks of different topologies is most likely a copied file.
      if (a.budgetUsd !== undefined && a.budgetUsd === b.budgetUsd && a.topology !== b.topology)
        out.push({
          kind: "budget",
          key: "ferry:budget.monthlyUsd",
          value: String(a.budgetUsd),
          stacks: [a.stack, b.stack],
          files: [a.file, b.file],
          message:
            `${a.file} (${a.topology}) and ${b.file} (${b.topology}) carry the same ferry:budget.monthlyUsd ` +
            `${a.budgetUsd}: a budget copied from another topology? Set it from \`npm run plan\` for this one.`,
        });
    }
  return out;
}

/** A declared resource, as much of it as the claims need. */
export interface DeclaredResource {
  readonly type: string;
  readonly inputs: Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The names a stack claims, read from the resources it declares (the names the program derived, defaults
 * included) and its app name (the prefix every other name derives from).
 */
export function claimsOf(stack: string, appName: string, resources: readonly DeclaredResource[]): Claim[] {
  const claims: Claim[] = [{ kind: "prefix", value: stackPrefix(awsSafe(appName), stack) }];
  const add = (kind: ClaimKind, v: unknown, fold: (s: string) => string = (s) => s) => {
    const s = str(v);
    if (s) claims.push({ kind, value: fold(s) });
  };
  for (const r of resources)
    switch (r.type) {
      case "aws:route53/record:Record":
        // Certificate validation records (_…) derive from the domain and clash only when it does.
        if (!str(r.inputs.name)?.startsWith("_"))
          add("dns", r.inputs.name, (s) => s.toLowerCase().replace(/\.$/, ""));
        break;
      case "aws:ecr/repository:Repository":
        add("ecr", r.inputs.name);
        break;
      case "aws:ecs/cluster:Cluster":
        add("cluster", r.inputs.name);
        break;
      case "aws:cloudwatch/logGroup:LogGroup":
        add("logGroup", r.inputs.name);
        break;
      case "aws:s3/bucket:Bucket":
        add("bucket", r.inputs.bucket);
        break;
      case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        add("oidcProvider", r.inputs.url, (s) => s.replace(/^https:\/\//, "").replace(/\/$/, ""));
        break;
    }
  return claims;
}
