// `ferry:ci`: the AWS access GitHub Actions uses for this stack (requirement C2). Absent = no CI access.
//
//   ferry:ci:
//     repository: vibejudge/dashboard        # the only repository whose workflows may assume the roles
//     ownerId: 123456                        # optional: GitHub's numeric ids, for the immutable `sub` claim
//     repositoryId: 987654321
//     deploy: { environments: [prod] }       # who may `pulumi up`: branches / tags / environments
//     preview: { pullRequests: true }        # who may preview (read-only role): pull requests / branches
//
// A GitHub `sub` claim names the repository and one of: a branch or tag ref, an environment, or
// `pull_request` (README, CI/CD section). Each list below becomes exact `sub` values in the role's trust policy.
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

const deploySchema = z
  .strictObject({
    /** Branches whose runs may deploy (push, workflow_dispatch). @default ["main"] */
    branches: z.array(refPattern("branch", "main"), { error: "a list of branch names" }).default(["main"]),
    /** Tag patterns whose pushes may deploy. @default ["deploy-*"] */
    tags: z.array(refPattern("tag", "deploy-*"), { error: "a list of tag patterns" }).default(["deploy-*"]),
    /** GitHub environments whose jobs may deploy (required reviewers live there). @default [] */
    environments: z.array(environmentName, { error: "a list of GitHub environment names" }).default([]),
  })
  .refine((d) => d.branches.length + d.tags.length + d.environments.length > 0, {
    error: "at least one branch, tag or environment that may deploy",
  });

const previewSchema = z.strictObject({
  /** Pull requests from this repository (never forks: GitHub gives them no OIDC token) may preview. @default true */
  pullRequests: bool().default(true),
  /** Branches whose runs may preview: the nightly drift check runs on the default branch. @default ["main"] */
  branches: z.array(refPattern("branch", "main"), { error: "a list of branch names" }).default(["main"]),
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
    /** Numeric id of the repository owner: makes the immutable `sub` form exact. Set with repositoryId. */
    ownerId: githubId("owner").optional(),
    /** Numeric id of the repository. Set with ownerId. */
    repositoryId: githubId("repository").optional(),
    /** Who may assume the deploy role. */
    deploy: deploySchema.default({ branches: ["main"], tags: ["deploy-*"], environments: [] }),
    /** Who may assume the read-only preview role; with no pull requests and no branches there is none. */
    preview: previewSchema.default({ pullRequests: true, branches: ["main"] }),
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
export type CiDeploySubjects = z.output<typeof deploySchema>;
export type CiPreviewSubjects = z.output<typeof previewSchema>;
