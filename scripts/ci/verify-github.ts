// `npm run ci:verify -- [stack ...]`: checks, through GitHub's REST API, that the repository settings the CI
// roles' trust relies on are really there. The AWS side trusts "a job in environment <env> of this
// repository"; only GitHub's settings decide who can start such a job, so a missing setting is a hole:
//
//   - the stack's deploy environment exists (`ferry:ci.deploy.environment`, default the stack name);
//   - its deployment branches and tags are exactly `ferry:ci.deploy.branches` / `.tags` (not "any branch",
//     not "protected branches", no extra pattern), so a pushed branch with an edited workflow cannot enter it;
//   - it has required reviewers, unless the stack is the cheap EC2 demo (which deploys on every push to main
//     by design; then a warning says what protects it instead);
//   - the repository's OIDC subject template matches `ferry:ci.subjectClaims` ("workflow" needs exactly
//     repo, context, job_workflow_ref; "default" needs GitHub's default), or no role would ever match.
//
// Needs GITHUB_TOKEN: a token that can read the repository's environments and Actions settings (a fine-grained
// token with the repository permissions "Actions: read" and "Administration: read", or `gh auth token`).
// Exits 1 naming every missing setting; warnings alone exit 0. No stack argument = every CI stack.
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import * as fs from "node:fs";
import { ciStacks } from "./stacks";
import { ciSettingsOf, type CiSettings } from "./settings";

/** The OIDC subject template `subjectClaims: workflow` stands for (the roles' trust is written for it). */
export const WORKFLOW_CLAIM_KEYS = ["repo", "context", "job_workflow_ref"] as const;

/** The few fields of GitHub's responses the check reads (GitHub REST API, version 2022-11-28). */
interface EnvironmentResponse {
  readonly name: string;
  readonly can_admins_bypass?: boolean;
  readonly protection_rules?: readonly {
    readonly type: string;
    readonly prevent_self_review?: boolean;
    readonly reviewers?: readonly unknown[];
  }[];
  readonly deployment_branch_policy?: {
    readonly protected_branches: boolean;
    readonly custom_branch_policies: boolean;
  } | null;
}
interface BranchPoliciesResponse {
  readonly total_count: number;
  readonly branch_policies: readonly { readonly name: string; readonly type?: "branch" | "tag" }[];
}
interface SubjectTemplateResponse {
  readonly use_default: boolean;
  readonly include_claim_keys?: readonly string[];
}

export interface Finding {
  readonly level: "error" | "warning";
  readonly message: string;
}

/** The part of `fetch` the check uses, so tests can replay recorded responses. */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string> },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/** Read-only GitHub REST client: GET only, one cached answer per path. */
export class GitHubApi {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    private readonly token: string,
    private readonly fetchFn: FetchLike = globalThis.fetch,
    private readonly baseUrl = "https://api.github.com",
  ) {}

  /** The JSON body, or undefined for 404; any other non-2xx status is an error naming the path. */
  get<T>(apiPath: string): Promise<T | undefined> {
    let answer = this.cache.get(apiPath);
    if (!answer) {
      answer = this.fetchFn(`${this.baseUrl}${apiPath}`, {
        headers: {
          Accept: "application/vnd.github+json",
          Authorization: `Bearer ${this.token}`,
          "X-GitHub-Api-Version": "2022-11-28",
        },
      }).then(async (r) => {
        if (r.status === 404) return undefined;
        if (r.status === 401 || r.status === 403)
          throw new Error(
            `GitHub answered ${r.status} for GET ${apiPath}: the token cannot read it (needs the repository permissions "Actions: read" and "Administration: read", or a classic token with repo scope)`,
          );
        if (r.status < 200 || r.status > 299)
          throw new Error(`GitHub answered ${r.status} for GET ${apiPath}`);
        return r.json();
      });
      this.cache.set(apiPath, answer);
    }
    return answer as Promise<T | undefined>;
  }
}

const list = (items: readonly string[]) => (items.length ? items.join(", ") : "none");

/** What the environment's "Deployment branches and tags" should say, for messages. */
function wanted(ci: CiSettings): string {
  const parts = [
    ci.branches.length ? `branches ${ci.branches.join(", ")}` : "",
    ci.tags.length ? `tags ${ci.tags.join(", ")}` : "",
  ].filter(Boolean);
  return parts.length ? parts.join(" and ") : "no branch and no tag";
}

async function branchPolicies(
  api: GitHubApi,
  base: string,
): Promise<BranchPoliciesResponse["branch_policies"]> {
  const all: BranchPoliciesResponse["branch_policies"][number][] = [];
  for (let page = 1; ; page++) {
    const r = await api.get<BranchPoliciesResponse>(
      `${base}/deployment-branch-policies?per_page=100&page=${page}`,
    );
    if (!r) return all;
    all.push(...r.branch_policies);
    if (r.branch_policies.length === 0 || all.length >= r.total_count) return all;
  }
}

/**
 * Checks one stack's GitHub settings. `reviewersRequired` is false only for stacks that deploy unreviewed by
 * design (the EC2 demo); their missing reviewers are a warning.
 */
export async function verifyStack(
  api: GitHubApi,
  ci: CiSettings,
  reviewersRequired: boolean,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const error = (message: string) => out.push({ level: "error", message });
  const warning = (message: string) => out.push({ level: "warning", message });
  const repo = ci.repository;
  const env = ci.environment;
  const envPath = `/repos/${repo}/environments/${encodeURIComponent(env)}`;

  const environment = await api.get<EnvironmentResponse>(envPath);
  if (!environment) {
    error(
      `${ci.stack}: environment ${env} does not exist in ${repo}: create it (Settings > Environments > New environment "${env}") with required reviewers and deployment ${wanted(ci)}; the deploy role trusts only jobs in it`,
    );
  } else {
    const reviewers = (environment.protection_rules ?? []).find((r) => r.type === "required_reviewers");
    if (!reviewers || (reviewers.reviewers ?? []).length === 0) {
      if (reviewersRequired)
        error(
          `${ci.stack}: environment ${env} has no required reviewers: add them (Settings > Environments > ${env})`,
        );
      else
        warning(
          `${ci.stack}: environment ${env} has no required reviewers: whoever can push ${list(ci.branches)} or create a ${list(ci.tags)} tag deploys it; protect those with rulesets`,
        );
    } else {
      if (reviewers.prevent_self_review !== true)
        warning(
          `${ci.stack}: environment ${env} lets a reviewer approve their own deploy: enable "Prevent self-review"`,
        );
      if (environment.can_admins_bypass !== false)
        warning(
          `${ci.stack}: repository admins can bypass the protection rules of environment ${env}: clear "Allow administrators to bypass configured protection rules"`,
        );
    }

    const policy = environment.deployment_branch_policy;
    if (!policy) {
      error(
        `${ci.stack}: environment ${env} allows any branch: set deployment ${wanted(ci)} ("Selected branches and tags")`,
      );
    } else if (policy.protected_branches) {
      error(
        `${ci.stack}: environment ${env} allows every protected branch and no tag: choose "Selected branches and tags" and set ${wanted(ci)}`,
      );
    } else if (policy.custom_branch_policies) {
      const policies = await branchPolicies(api, envPath);
      const names = (type: "branch" | "tag") =>
        new Set(policies.filter((p) => (p.type ?? "branch") === type).map((p) => p.name));
      for (const [type, configured, key] of [
        ["branch", ci.branches, "branches"],
        ["tag", ci.tags, "tags"],
      ] as const) {
        const actual = names(type);
        for (const name of actual)
          if (!configured.includes(name))
            error(
              `${ci.stack}: environment ${env} allows ${type} "${name}", which ferry:ci.deploy.${key} does not list (${list(configured)}): remove it`,
            );
        for (const name of configured)
          if (!actual.has(name))
            error(
              `${ci.stack}: environment ${env} does not allow ${type} "${name}" (ferry:ci.deploy.${key}): add it, or its deploys wait for ever`,
            );
      }
    }
  }

  const template = await api.get<SubjectTemplateResponse>(`/repos/${repo}/actions/oidc/customization/sub`);
  const keys = template && !template.use_default ? [...(template.include_claim_keys ?? [])] : undefined;
  if (ci.subjectClaims === "workflow") {
    if (!keys || keys.join(",") !== WORKFLOW_CLAIM_KEYS.join(","))
      error(
        `${ci.stack}: Pulumi.${ci.stack}.yaml sets ferry:ci.subjectClaims: workflow, but ${repo} ${keys ? `customizes the OIDC subject as ${keys.join(", ")}` : "uses the default OIDC subject"}: run gh api -X PUT repos/${repo}/actions/oidc/customization/sub -F use_default=false ${WORKFLOW_CLAIM_KEYS.map((k) => `-f "include_claim_keys[]=${k}"`).join(" ")}`,
      );
  } else if (keys) {
    error(
      `${ci.stack}: ${repo} customizes the OIDC subject (${keys.join(", ")}), but Pulumi.${ci.stack}.yaml expects the default (ferry:ci.subjectClaims: default): set subjectClaims: workflow with repo, context, job_workflow_ref, or reset the template (gh api -X PUT repos/${repo}/actions/oidc/customization/sub -F use_default=true)`,
    );
  }
  return out;
}

/** Reviewers may be missing only for the EC2 demo, which deploys every push to main by design. */
export function reviewersRequired(doc: unknown): boolean {
  const config = ((doc ?? {}) as { config?: Record<string, unknown> }).config ?? {};
  return config["ferry:topology"] !== "ec2-demo";
}

/** Checks the named stacks (all CI stacks when none is named) and returns every finding. */
export async function verify(root: string, stacks: readonly string[], api: GitHubApi): Promise<Finding[]> {
  const names = stacks.length ? stacks : ciStacks(root).map((s) => s.stack);
  if (names.length === 0) throw new Error("no stack file has a ferry:ci block: nothing to check");
  const findings: Finding[] = [];
  for (const stack of names) {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`Pulumi.${stack}.yaml does not exist`);
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as unknown;
    const ci = ciSettingsOf(stack, doc);
    if (!ci) throw new Error(`Pulumi.${stack}.yaml has no ferry:ci block (with roles): nothing to check`);
    findings.push(...(await verifyStack(api, ci, reviewersRequired(doc))));
  }
  return findings;
}

async function main(): Promise<number> {
  const token = process.env.GITHUB_TOKEN ?? "";
  if (!token)
    throw new Error(
      'set GITHUB_TOKEN to a token that can read the repository\'s settings, e.g. GITHUB_TOKEN="$(gh auth token)" npm run ci:verify -- prod',
    );
  const root = path.resolve(__dirname, "..", "..");
  const stacks = process.argv.slice(2);
  const api = new GitHubApi(token, undefined, process.env.GITHUB_API_URL || "https://api.github.com");
  const findings = await verify(root, stacks, api);
  const annotate = process.env.GITHUB_ACTIONS === "true";
  for (const f of findings)
    process.stdout.write(annotate ? `::${f.level}::${f.message}\n` : `${f.level}: ${f.message}\n`);
  const errors = findings.filter((f) => f.level === "error").length;
  process.stdout.write(
    errors
      ? `GitHub settings: ${errors} missing or wrong (see above); the CI roles' trust relies on them.\n`
      : `GitHub settings match the stack files (${findings.length} warning(s)).\n`,
  );
  return errors ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(
        `${process.env.GITHUB_ACTIONS === "true" ? "::error::" : "error: "}${err.message}\n`,
      );
      process.exit(1);
    },
  );
}
