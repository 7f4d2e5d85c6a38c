// AWS access for GitHub Actions (requirement C2). Two modes:
//
// - "oidc": the GitHub OIDC provider (one per account; created here or referenced by ARN) and three roles
//   only this repository's workflows can assume, with short-lived credentials and no stored keys:
//     deploy  — `pulumi up` for this one stack; trusted only by jobs in the stack's GitHub environment.
//     preview — a pull request's `pulumi preview` (no refresh): the program's lookups and nothing else.
//     drift   — the scheduled `pulumi preview --refresh` on the default branch: reads every resource back.
//   No role may change IAM: roles, policies and this provider come from a local, admin-run `pulumi up`
//   (docs/security.md). The deploy role only passes the stack's own roles to their services.
// - "user": the key-based model: an IAM user that may push to exactly this stack's ECR repository, with an
//   access key whose secret is only ever a secret stack output.
//
// Every CI identity lives under the IAM path /ferry-ci/. The documents are pure functions of a `CiScope`
// (scope.ts): trust.ts, previewPolicy.ts, driftPolicy.ts, deployPolicy.ts; tests and the IAM simulation
// read them directly and from the evaluated program.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName, NAME_LIMITS } from "../names";
import {
  deployEdgePolicy,
  deployLoadBalancingPolicy,
  deployNetworkPolicy,
  deployPolicy,
} from "./deployPolicy";
import { driftPolicy, type CiIdentityArns } from "./driftPolicy";
import { previewPolicy } from "./previewPolicy";
import { arnsOf, STACK_TAG, APP_TAG, type CiScope } from "./scope";
import { ecrPushPolicy } from "./pushUser";
import {
  GITHUB_OIDC_URL,
  STS_AUDIENCE,
  subjectPatterns,
  trustPolicy,
  type CiRoleKind,
  type GithubRepository,
  type RoleSubject,
} from "./trust";

export * from "./document";
export * from "./scope";
export * from "./trust";
export { previewPolicy, previewStatements, PREVIEW_LOOKUPS } from "./previewPolicy";
export { driftPolicy, driftStatements, REGIONAL_DESCRIBES, type CiIdentityArns } from "./driftPolicy";
export {
  deployEdgePolicy,
  deployLoadBalancingPolicy,
  deployPolicy,
  deployNetworkPolicy,
  IAM_WRITES,
  ELB_CREATE_ACTIONS,
} from "./deployPolicy";
export { ecrPushPolicy } from "./pushUser";

/** IAM path of every CI identity. */
export const CI_PATH = "/ferry-ci/";
/** IAM user names, like role names, are at most 64 characters; managed policy names 128. */
const IAM_USER_NAME_LIMIT = 64;
const IAM_POLICY_NAME_LIMIT = 128;

/** Physical names of the CI identities: one place, so the policies can name them before they exist. */
export function ciNames(prefix: string) {
  return {
    role: (kind: CiRoleKind) => physicalName(`${prefix}-ci`, kind, NAME_LIMITS.iamRole),
    previewPolicy: physicalName(`${prefix}-ci`, "read", IAM_POLICY_NAME_LIMIT),
    driftPolicy: physicalName(`${prefix}-ci`, "refresh-read", IAM_POLICY_NAME_LIMIT),
    networkPolicy: physicalName(`${prefix}-ci`, "deploy-network", IAM_POLICY_NAME_LIMIT),
    edgePolicy: physicalName(`${prefix}-ci`, "deploy-edge", IAM_POLICY_NAME_LIMIT),
    loadBalancingPolicy: physicalName(`${prefix}-ci`, "deploy-elb", IAM_POLICY_NAME_LIMIT),
    pushUser: physicalName(`${prefix}-ci`, "push", IAM_USER_NAME_LIMIT),
  };
}

/** `CiScope` as the stack knows it: the account and partition are looked up by the component. */
export type CiScopeArgs = Omit<CiScope, "accountId" | "partition" | "dns"> & {
  readonly dns?: Omit<NonNullable<CiScope["dns"]>, "zoneArn"> & { readonly zoneArn: pulumi.Input<string> };
};

export interface CiAccessArgs {
  /** "oidc": roles assumed with GitHub's OIDC token; "user": an ECR-push IAM user with an access key. @default "oidc" */
  readonly mode?: "oidc" | "user";
  /** The only repository whose workflows may assume the roles, and the shape of its `sub` claim. */
  readonly github: GithubRepository;
  /** The GitHub environment whose jobs may deploy. */
  readonly deploy: { readonly environment: string };
  /** Pull requests may preview with the preview role; false = no preview role. @default true */
  readonly preview?: { readonly pullRequests: boolean };
  /** The branch whose scheduled job may refresh with the drift role. @default "main" */
  readonly drift?: { readonly branch: string };
  /** ARN of the account's existing GitHub OIDC provider. @default a new provider (one per account) */
  readonly oidcProviderArn?: pulumi.Input<string>;
  /** The stack's names, tags and places the permissions are scoped to. */
  readonly scope: CiScopeArgs;
}

export class CiAccess extends pulumi.ComponentResource {
  /** Role the deploy job assumes (oidc). */
  public readonly deployRoleArn?: pulumi.Output<string>;
  /** Role pull-request previews assume (oidc, unless preview.pullRequests is false). */
  public readonly previewRoleArn?: pulumi.Output<string>;
  /** Role the scheduled drift check assumes (oidc). */
  public readonly driftRoleArn?: pulumi.Output<string>;
  /** The GitHub OIDC provider the roles trust (oidc). */
  public readonly oidcProviderArn?: pulumi.Output<string>;
  /** The ECR-push user (user mode). */
  public readonly userName?: pulumi.Output<string>;
  public readonly accessKeyId?: pulumi.Output<string>;
  /** Always a secret Output. */
  public readonly secretAccessKey?: pulumi.Output<string>;

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:ci:CiAccess", name, {}, opts);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const { dns, ...rest } = args.scope;
    const scope: pulumi.Output<CiScope> = pulumi
      .all([identity.accountId, partition.partition, pulumi.output(dns?.zoneArn)])
      .apply(([accountId, p, zoneArn]) => ({
        ...rest,
        accountId,
        partition: p,
        dns: dns && zoneArn ? { ...dns, zoneArn } : undefined,
      }));

    if ((args.mode ?? "oidc") === "user") {
      const user = this.createPushUser(name, args, scope);
      this.userName = user.name;
      this.accessKeyId = user.accessKeyId;
      this.secretAccessKey = user.secretAccessKey;
      this.registerOutputs({ userName: this.userName, accessKeyId: this.accessKeyId });
      return;
    }

    for (const key of [STACK_TAG, APP_TAG])
      if (!(key in args.scope.tags))
        throw new Error(
          `ciAccess: scope.tags needs the "${key}" tag; the EC2 and ELB statements depend on it`,
        );
    const names = ciNames(args.scope.prefix);
    const providerArn = this.provider(name, args);
    this.oidcProviderArn = providerArn;
    const role = (kind: CiRoleKind, subject: RoleSubject) =>
      this.createRole(name, args, providerArn, kind, subject, names.role(kind));
    const deploy = role("deploy", { kind: "deploy", environment: args.deploy.environment });
    const preview = (args.preview?.pullRequests ?? true) ? role("preview", { kind: "preview" }) : undefined;
    const drift = role("drift", { kind: "drift", branch: args.drift?.branch ?? "main" });

    // The CI identities by ARN, for the drift reads (a refresh reads them back too).
    const ciArns: pulumi.Output<CiIdentityArns> = pulumi
      .all([scope, deploy.arn, preview?.arn, drift.arn, providerArn])
      .apply(([s, ...arns]) => ({
        roles: arns.slice(0, 3).filter((a): a is string => a !== undefined),
        policies: [
          names.previewPolicy,
          names.driftPolicy,
          names.networkPolicy,
          ...(args.scope.cloudfront ? [names.edgePolicy] : []),
        ].map((n) => `arn:${s.partition}:iam::${s.accountId}:policy${CI_PATH}${n}`),
        oidcProvider: arns[3],
      }));

    // Managed policies have their own size budget (6,144 characters each), so the reads are two of them.
    const read = new aws.iam.Policy(
      `${name}-read`,
      {
        name: names.previewPolicy,
        path: CI_PATH,
        // Unchanged text on purpose: a managed policy's description cannot be updated in place (a new one
        // would mean replacing the policy under the same name).
        description: `ferry ${args.scope.prefix}: what CI may read for preview, refresh and deploy`,
        policy: pulumi.jsonStringify(scope.apply(previewPolicy)),
      },
      { parent: this },
    );
    const refresh = new aws.iam.Policy(
      `${name}-refresh-read`,
      {
        name: names.driftPolicy,
        path: CI_PATH,
        description: `ferry ${args.scope.prefix}: what a refresh (drift check, deploy) may read`,
        policy: pulumi.jsonStringify(pulumi.all([scope, ciArns]).apply(([s, ci]) => driftPolicy(s, ci))),
      },
      { parent: this },
    );
    const network = new aws.iam.Policy(
      `${name}-deploy-network`,
      {
        name: names.networkPolicy,
        path: CI_PATH,
        description: `ferry ${args.scope.prefix}: the network changes (EC2) a deploy makes`,
        policy: pulumi.jsonStringify(scope.apply(deployNetworkPolicy)),
      },
      { parent: this },
    );
    const loadBalancing =
      args.scope.topology === "fargate-ha"
        ? new aws.iam.Policy(
            `${name}-deploy-elb`,
            {
              name: names.loadBalancingPolicy,
              path: CI_PATH,
              description: `ferry ${args.scope.prefix}: the load-balancing changes a deploy makes`,
              policy: pulumi.jsonStringify(scope.apply(deployLoadBalancingPolicy)),
            },
            { parent: this },
          )
        : undefined;
    const edge = args.scope.cloudfront
      ? new aws.iam.Policy(
          `${name}-deploy-edge`,
          {
            name: names.edgePolicy,
            path: CI_PATH,
            description: `ferry ${args.scope.prefix}: the CloudFront changes a deploy makes`,
            policy: pulumi.jsonStringify(scope.apply(deployEdgePolicy)),
          },
          { parent: this },
        )
      : undefined;
    const attachments: [string, aws.iam.Role | undefined, aws.iam.Policy | undefined][] = [
      ["deploy-network-policy", deploy, network],
      ["deploy-elb-policy", deploy, loadBalancing],
      ["deploy-edge-policy", deploy, edge],
      ["deploy-read", deploy, read],
      ["preview-read", preview, read],
      ["drift-read", drift, read],
      ["deploy-refresh-read", deploy, refresh],
      ["drift-refresh-read", drift, refresh],
    ];
    for (const [suffix, r, p] of attachments)
      if (r && p)
        new aws.iam.RolePolicyAttachment(
          `${name}-${suffix}`,
          { role: r.name, policyArn: p.arn },
          { parent: this },
        );

    new aws.iam.RolePolicy(
      `${name}-deploy-policy`,
      { role: deploy.name, policy: pulumi.jsonStringify(scope.apply(deployPolicy)) },
      { parent: this },
    );

    this.deployRoleArn = deploy.arn;
    this.previewRoleArn = preview?.arn;
    this.driftRoleArn = drift.arn;
    this.registerOutputs({
      deployRoleArn: this.deployRoleArn,
      previewRoleArn: this.previewRoleArn,
      driftRoleArn: this.driftRoleArn,
      oidcProviderArn: this.oidcProviderArn,
    });
  }

  /** One GitHub provider per account: reuse the configured one, or create it and keep it on destroy. */
  private provider(name: string, args: CiAccessArgs): pulumi.Output<string> {
    if (args.oidcProviderArn !== undefined) return pulumi.output(args.oidcProviderArn);
    return new aws.iam.OpenIdConnectProvider(
      `${name}-github-oidc`,
      {
        url: GITHUB_OIDC_URL,
        clientIdLists: [STS_AUDIENCE],
        // No thumbprints: IAM validates GitHub's certificate against its own trusted CAs.
      },
      // Other stacks of the account may trust it by then: destroying this stack must not remove it.
      { parent: this, retainOnDelete: true },
    ).arn;
  }

  private createRole(
    name: string,
    args: CiAccessArgs,
    providerArn: pulumi.Output<string>,
    kind: CiRoleKind,
    subject: RoleSubject,
    roleName: string,
  ) {
    const subs = subjectPatterns(args.github, subject);
    return new aws.iam.Role(
      `${name}-${kind}`,
      {
        name: roleName,
        path: CI_PATH,
        description: `ferry ${args.scope.prefix}: GitHub Actions of ${args.github.repository} (${kind})`,
        assumeRolePolicy: pulumi.jsonStringify(providerArn.apply((arn) => trustPolicy(arn, subs))),
      },
      { parent: this },
    );
  }

  private createPushUser(name: string, args: CiAccessArgs, scope: pulumi.Output<CiScope>) {
    const user = new aws.iam.User(
      `${name}-push-user`,
      { name: ciNames(args.scope.prefix).pushUser, path: CI_PATH },
      { parent: this },
    );
    const repositoryArn = scope.apply((s) => arnsOf(s).ecrRepository);
    new aws.iam.UserPolicy(
      `${name}-push-policy`,
      { user: user.name, policy: pulumi.jsonStringify(repositoryArn.apply(ecrPushPolicy)) },
      { parent: this },
    );
    const key = new aws.iam.AccessKey(`${name}-push-key`, { user: user.name }, { parent: this });
    return { name: user.name, accessKeyId: key.id, secretAccessKey: pulumi.secret(key.secret) };
  }
}
