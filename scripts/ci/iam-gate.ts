// The deploy job's IAM gate: CI may not change IAM, nor the demo's rollout document (its content is a command
// run as root on the instance), nor a data-exposure setting (the data bucket's policy and public access
// block: S3 has no condition key on their content) — docs/security.md. Before `pulumi up` the deploy workflow runs
// `pulumi preview --json` and pipes it here. Any step that would create, change, replace or delete such a
// resource stops the deploy with the resources named and the fix, instead of a deploy that fails half-way
// with AccessDenied.
//
//   pulumi preview --stack <stack> --json | ts-node scripts/ci/iam-gate.ts [<stack>]
//
// Exit 0: no IAM change. Exit 1: IAM changes (listed). Exit 2: the input is not `pulumi preview --json`.
import * as fs from "node:fs";

/** One step of `pulumi preview --json` (Pulumi's preview digest): what the engine would do to a resource. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly newState?: { readonly type?: string };
  readonly oldState?: { readonly type?: string };
}

/** Steps that change nothing in AWS. */
const NO_CHANGE_OPS = new Set([
  "same",
  "read",
  "refresh",
  "discard",
  "read-discard",
  "remove-pending-replace",
]);

/**
 * What only a person with administrator credentials changes: IAM in the AWS provider (roles, policies,
 * attachments, instance profiles, users, OIDC providers, …), SSM documents (the demo's rollout), and the
 * data-exposure settings of a bucket (its policy and public access block).
 */
export const PRIVILEGED_TYPE =
  /^aws:iam\/|^aws:ssm\/document:Document$|^aws:s3\/bucketPolicy:BucketPolicy$|^aws:s3\/bucketPublicAccessBlock:BucketPublicAccessBlock$/;

/** The resource type of a step: its new or old state's, else the last type in its URN. */
export function stepType(step: PreviewStep): string {
  const fromState = step.newState?.type ?? step.oldState?.type;
  if (fromState) return fromState;
  // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
  const qualified = step.urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

export interface IamChange {
  readonly op: string;
  readonly type: string;
  readonly urn: string;
}

/** The IAM changes a preview contains. Throws when the input is not a preview digest. */
export function iamChanges(previewJson: string): IamChange[] {
  let digest: unknown;
  try {
    digest = JSON.parse(previewJson);
  } catch {
    throw new Error("iam-gate: stdin is not JSON; pipe `pulumi preview --json` into it");
  }
  const steps = (digest as { steps?: unknown })?.steps;
  if (!Array.isArray(steps))
    throw new Error('iam-gate: no "steps" array; pipe `pulumi preview --json` (not `pulumi up`) into it');
  const changes: IamChange[] = [];
  for (const raw of steps as PreviewStep[]) {
    if (typeof raw?.op !== "string" || typeof raw.urn !== "string")
      throw new Error('iam-gate: a step without "op" and "urn"; is this `pulumi preview --json` output?');
    if (NO_CHANGE_OPS.has(raw.op)) continue;
    const type = stepType(raw);
    if (PRIVILEGED_TYPE.test(type)) changes.push({ op: raw.op, type, urn: raw.urn });
  }
  return changes;
}

/** The message a person reads in the job log: what, and how to apply it. */
export function gateMessage(changes: readonly IamChange[], stack = "<stack>"): string {
  const lines = changes.map((c) => `  ${c.op.padEnd(18)} ${c.type}  ${c.urn.split("::").pop()}`);
  return [
    `This deploy would change IAM or a data-exposure setting (${changes.length} resource${changes.length === 1 ? "" : "s"}):`,
    ...lines,
    "",
    "CI may not change these: roles, policies, instance profiles, the rollout document and a bucket's policy",
    "and public access block are changed only by a person with administrator credentials. Apply this change",
    "locally, then run the deploy again:",
    `  pulumi up --stack ${stack}`,
    '(docs/security.md, "What a CI deploy can and cannot change").',
  ].join("\n");
}

if (require.main === module) {
  const stack = process.argv[2];
  const input = fs.readFileSync(0, "utf8");
  try {
    const changes = iamChanges(input);
    if (changes.length === 0) {
      process.stdout.write("iam-gate: no IAM changes\n");
    } else {
      const message = gateMessage(changes, stack);
      process.stderr.write(`::error title=IAM change needs a local pulumi up::${message.split("\n")[0]}\n`);
      process.stderr.write(`${message}\n`);
      process.exitCode = 1;
    }
  } catch (err) {
    process.stderr.write(`::error::${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
