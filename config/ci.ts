// `ferry:ci`: the AWS access GitHub Actions uses for this stack (requirement C2). Absent = no CI access.
//
//   ferry:ci:
//     repository: vibejudge/dashboard        # the only repository whose workflows may assume the roles
//     ownerId: 123456                        # optional: GitHub's numeric ids, for the immutable `sub` claim
//     repositoryId: 987654321
//     subjectClaims: default                 # or "workflow": the repository's customized OIDC subject
//     deploy:                                # the deploy role trusts jobs in ONE GitHub environment
//       environment: prod                    # default: the stack name
//       branches: [main]                     # the environment's deployment rules (not trust): which
//       tags: ["deploy-*"]                   #   branches and tags may deploy; the settings check verifies them
//     preview: { pullRequests: true }        # pull requests may `pulumi preview` with the preview role
//     drift: { branch: main }                # the scheduled refresh runs on this branch with the drift role
//
// A GitHub `sub` claim names the repository and one context: `environment:<name>` (deploy), `pull_request`
// (preview), `ref:refs/heads/<branch>` (drift). docs/security.md says why and what each role may do.
import { z } from "zod";
import { bool, s3BucketName } from "./fields";

const ownerName = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const repoName = /^[A-Za-z0-9._-]{1,100}$/;

/** Git ref names (branches, tags) as `sub` patterns: `*` only after a literal first character, never alone. */
const refPattern = (what: string, example: string) =>
  z
    .string({ error: `a ${what} name or pattern such as "${example}"` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/*-]{0,199}$/, {
      error: `a ${what} name or pattern such as "${example}" (starts with a letter or digit; then . _ - / and *)`,
    });

const environmentName = z
  .string({ error: 'a GitHub environment name such as "prod"' })
  .regex(/^[A-Za-z0-9._-]{1,255}$/, {
    error: 'a GitHub environment name such as "prod" (letters, digits, . _ -)',
  });

const githubId = (what: string) =>
  z
    .number({ error: `GitHub's numeric ${what} id, a positive integer (gh api repos/OWNER/REPO)` })
    .int({ error: `GitHub's numeric ${what} id, a positive integer (gh api repos/OWNER/REPO)` })
    .positive({ error: `GitHub's numeric ${what} id, a positive integer (gh api repos/OWNER/REPO)` });

/** A key of an earlier ferry version: refused with what replaced it (never silently ignored). */
const replaced = (by: string) => z.never({ error: by });

const deploySchema = z.strictObject({
  /** The GitHub environment whose jobs may deploy (its protection rules gate the deploy). @default the stack name */
  environment: environmentName.optional(),
  /** Branches the environment lets deploy (its deployment branch policy). @default ["main"] */
  branches: z.array(refPattern("branch", "main"), { error: "a list of branch names" }).default(["main"]),
  /** Tag patterns the environment lets deploy (its deployment tag policy). @default ["deploy-*"] */
  tags: z.array(refPattern("tag", "deploy-*"), { error: "a list of tag patterns" }).default(["deploy-*"]),
  /** Replaced by `environment` (one GitHub environment); refused with a message that says so. */
  environments: replaced(
    'no "environments" list: one "environment" (a string; default the stack name) — branches and tags are now its deployment rules',
  ).optional(),
});

const previewSchema = z.strictObject({
  /** Pull requests from this repository (never forks: GitHub gives them no OIDC token) may preview. @default true */
  pullRequests: bool().default(true),
  /** Replaced by `drift.branch`; refused with a message that says so. */
  branches: replaced(
    'no "preview.branches": the scheduled refresh has its own role now, set its branch with "drift.branch"',
  ).optional(),
});

const driftSchema = z.strictObject({
  /** The branch whose scheduled job may refresh (the repository's default branch). @default "main" */
  branch: refPattern("branch", "main")
    .refine((b) => !b.includes("*"), { error: 'one branch name such as "main" (no pattern)' })
    .default("main"),
});

export const ciSchema = z
  .strictObject({
    /** "oidc": roles GitHub assumes with its OIDC token; "user": an ECR-push-only IAM user with access keys. */
    mode: z.enum(["oidc", "user"], { error: '"oidc" or "user"' }).default("oidc"),
    /** GitHub repository allowed to assume the roles, "owner/name". */
    repository: z.string({ error: 'a GitHub repository "owner/name"' }).refine(
      (v) => {
        const [owner, name, ...rest] = v.split("/");
        return rest.length === 0 && ownerName.test(owner ?? "") && repoName.test(name ?? "");
      },
      { error: 'a GitHub repository "owner/name"' },
    ),
    /**
     * Numeric id of the repository owner. With repositoryId, the roles also trust the immutable `sub` form
     * (repo:OWNER@ID/REPO@ID:…), exactly; without them only repo:OWNER/REPO:… is trusted.
     */
    ownerId: githubId("owner").optional(),
    /** Numeric id of the repository. Set with ownerId. */
    repositoryId: githubId("repository").optional(),
    /**
     * "default": GitHub's default subject (repo + context). "workflow": the repository's customized subject,
     * include_claim_keys ["repo", "context", "job_workflow_ref"], so each role is also bound to its
     * workflow file (deploy.yml, preview.yml, drift.yml). @default "default"
     */
    subjectClaims: z.enum(["default", "workflow"], { error: '"default" or "workflow"' }).default("default"),
    /** The deploy role's GitHub environment and that environment's deployment rules. */
    deploy: deploySchema.default({ branches: ["main"], tags: ["deploy-*"] }),
    /** Who may assume the preview role; pullRequests false = no preview role. */
    preview: previewSchema.default({ pullRequests: true }),
    /** The branch of the scheduled drift check. */
    drift: driftSchema.default({ branch: "main" }),
    /** An existing GitHub OIDC provider (one per account): its ARN. Unset = this stack creates it. */
    oidcProviderArn: z
      .string({ error: "an IAM OIDC provider ARN" })
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, {
        error:
          'the ARN of the GitHub OIDC provider, such as "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"',
      })
      .optional(),
    /** S3 bucket of a self-managed Pulumi backend (s3://<bucket>): the roles get this stack's state objects. */
    stateBucket: s3BucketName().optional(),
    /** KMS key of an `awskms://` secrets provider: the roles may decrypt stack secrets with it. */
    secretsKmsKeyArn: z
      .string({ error: "a KMS key ARN" })
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, {
        error: 'a KMS key ARN such as "arn:aws:kms:us-east-1:123456789012:key/<uuid>"',
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.ownerId === undefined) !== (c.repositoryId === undefined))
      ctx.addIssue({
        code: "custom",
        path: [c.ownerId === undefined ? "ownerId" : "repositoryId"],
        message: "ownerId and repositoryId set together (both appear in the immutable sub claim)",
      });
  });

export type CiConfig = z.output<typeof ciSchema>;
export type CiDeploySettings = z.output<typeof deploySchema>;
export type CiPreviewSettings = z.output<typeof previewSchema>;

/** The GitHub environment the deploy role trusts: `deploy.environment`, else the stack name (its last part). */
export function deployEnvironment(ci: Pick<CiConfig, "deploy">, stack: string): string {
  return ci.deploy.environment ?? stack.split("/").pop()!;
}
