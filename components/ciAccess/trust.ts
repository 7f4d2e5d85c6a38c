// Who may assume each CI role: GitHub's OIDC provider, the audience pinned to STS, and the `sub` claim
// limited to one repository and one context per role (the contract with .github/workflows):
//   deploy  `environment:<deploy.environment>`   a job that names the stack's GitHub environment; which
//                                                 branches and tags may use it are the environment's own
//                                                 deployment rules (scripts/ci/check-settings verifies them)
//   preview `pull_request`                        pull requests of this repository (forks get no token)
//   drift   `ref:refs/heads/<drift.branch>`        the scheduled refresh on the default branch
// With the repository's customized subject ("workflow" shape: include_claim_keys repo, context,
// job_workflow_ref) the `sub` also names the workflow file, so a job in any other workflow cannot assume it.
import { policy, type PolicyDocument } from "./document";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials requests (its `audience` input's default). */
export const STS_AUDIENCE = "sts.amazonaws.com";

export type CiRoleKind = "deploy" | "preview" | "drift";

/** The workflow file each role is bound to in the "workflow" subject shape. */
export const ROLE_WORKFLOWS: Readonly<Record<CiRoleKind, string>> = {
  deploy: ".github/workflows/deploy.yml",
  preview: ".github/workflows/preview.yml",
  drift: ".github/workflows/drift.yml",
};

export interface GithubRepository {
  /** "owner/name", exactly as GitHub spells it: `sub` matching is case-sensitive. */
  readonly repository: string;
  /** Numeric owner and repository ids (`gh api repos/OWNER/REPO --jq '.owner.id, .id'`). */
  readonly ownerId?: number;
  readonly repositoryId?: number;
  /**
   * "default": GitHub's default `sub` (repo + context). "workflow": the repository's customized subject with
   * include_claim_keys ["repo", "context", "job_workflow_ref"]. @default "default"
   */
  readonly subjectClaims?: "default" | "workflow";
}

/** The one context a role accepts. */
export type RoleSubject =
  | { readonly kind: "deploy"; readonly environment: string }
  | { readonly kind: "preview" }
  | { readonly kind: "drift"; readonly branch: string };

export function subjectContext(s: RoleSubject): string {
  switch (s.kind) {
    case "deploy":
      return `environment:${s.environment}`;
    case "preview":
      return "pull_request";
    case "drift":
      return `ref:refs/heads/${s.branch}`;
  }
}

/**
 * Every `sub` value a role accepts, in both repository shapes GitHub issues (configure-aws-credentials
 * README; GitHub's "immutable subject claims"):
 *   repo:OWNER/REPO:<context>                      repositories not opted in to immutable claims
 *   repo:OWNER@OWNER_ID/REPO@REPO_ID:<context>     repositories created, renamed or transferred after the
 *                                                  cut-over, or opted in
 * The second shape is emitted only with `ownerId` and `repositoryId` configured, and then it is exact. A
 * wildcard in place of the ids would let it span ":" and "/" in a customized subject, so a sibling
 * repository's `sub` ("repo:OWNER@1/other@2:ref:refs/heads/x/REPO@3:environment:…") would match.
 * In the "workflow" shape each value continues with `:job_workflow_ref:OWNER/REPO/<workflow>@<ref>`; the ref
 * is `*` because the environment's deployment rules, not the trust, say which refs may deploy.
 */
export function subjectPatterns(repo: GithubRepository, subject: RoleSubject): string[] {
  const [owner, name] = repo.repository.split("/");
  if (!owner || !name || repo.repository.split("/").length !== 2 || /[*?@:]/.test(repo.repository))
    throw new Error(`ciAccess: repository must be "owner/name", got "${repo.repository}"`);
  const context = subjectContext(subject);
  const ids =
    repo.ownerId !== undefined && repo.repositoryId !== undefined
      ? { owner: String(repo.ownerId), repo: String(repo.repositoryId) }
      : undefined;
  const workflow =
    (repo.subjectClaims ?? "default") === "workflow"
      ? `:job_workflow_ref:${owner}/${name}/${ROLE_WORKFLOWS[subject.kind]}@*`
      : "";
  return [
    `repo:${owner}/${name}:${context}${workflow}`,
    ...(ids ? [`repo:${owner}@${ids.owner}/${name}@${ids.repo}:${context}${workflow}`] : []),
  ];
}

/** Trust policy: GitHub's OIDC provider, audience pinned to STS, `sub` limited to this repository's subjects. */
export function trustPolicy(providerArn: string, subs: readonly string[]): PolicyDocument {
  if (subs.length === 0) throw new Error("ciAccess: a role needs at least one allowed sub");
  return policy([
    {
      Sid: "GitHubActionsOidc",
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE },
        // StringLike because the workflow's ref is "*" (the only wildcard); every value is anchored on this
        // repository and one context, so it never widens the owner, the repository or the context.
        StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: [...subs] },
      },
    },
  ]);
}
