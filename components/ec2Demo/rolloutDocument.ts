// The rollout without a shell: an SSM Command document of this stack that can do one thing only, re-run the
// app's deploy for an image digest (`ferry-start --rollout <digest>` on the instance). `pulumi up` (and so
// CI) may run this document on this instance, never AWS-RunShellScript: a deploy credential that leaks can
// roll the app out again, but cannot run arbitrary commands as root on the instance.
import { physicalName } from "../names";

/** SSM document names: 3–128 of [A-Za-z0-9_.-]; names starting with "aws", "amazon" or "amzn" are reserved. */
export const SSM_DOCUMENT_NAME_LIMIT = 128;

/** The only value the document accepts: an image digest. SSM refuses anything else before it reaches the instance. */
export const DIGEST_PATTERN = "^sha256:[0-9a-f]{64}$";

/** Where the start script lives on the instance (written there by cloud-init). */
export const START_SCRIPT_PATH = "/usr/local/bin/ferry-start";

/** Seconds the rollout may run on the instance: a boot run to wait for, a pull and the health wait. */
export const ROLLOUT_TIMEOUT_SECONDS = 1800;

/** The document's name; "ferry-" first, so that no app name can make it start with a reserved word. */
export function rolloutDocumentName(prefix: string): string {
  return physicalName(`ferry-${prefix}`, "rollout", SSM_DOCUMENT_NAME_LIMIT);
}

/**
 * The document (schema 2.2, JSON). One parameter, `digest`, held to DIGEST_PATTERN by SSM itself; it is the
 * only text that reaches the command line, inside single quotes, so nothing a caller sends can become a
 * command. The instance's SSM agent runs the step as root with the instance role, not the caller's.
 */
export function rolloutDocumentContent(prefix: string): string {
  return JSON.stringify({
    schemaVersion: "2.2",
    description: `ferry ${prefix}: roll the demo's app out to an image digest (${START_SCRIPT_PATH} --rollout). Nothing else.`,
    parameters: {
      digest: {
        type: "String",
        description: "The image digest (sha256:...) the image parameter names; the instance checks it does.",
        allowedPattern: DIGEST_PATTERN,
      },
    },
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "rollout",
        inputs: {
          timeoutSeconds: String(ROLLOUT_TIMEOUT_SECONDS),
          runCommand: [`${START_SCRIPT_PATH} --rollout '{{ digest }}'`],
        },
      },
    ],
  });
}
