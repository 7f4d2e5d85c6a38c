// `ferry:ci`: the AWS access GitHub Actions uses to deploy this stack (requirement C2).
import { z } from "zod";

export const ciSchema = z.strictObject({
  /** "oidc": a role GitHub assumes with its OIDC token; "user": an ECR-push-only IAM user with keys. */
  mode: z.enum(["oidc", "user"], { error: '"oidc" or "user"' }).default("oidc"),
  /** GitHub repository allowed to assume the role. */
  repository: z
    .string({ error: 'a GitHub repository "owner/name"' })
    .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, { error: 'a GitHub repository "owner/name"' }),
});

export type CiConfig = z.output<typeof ciSchema>;
