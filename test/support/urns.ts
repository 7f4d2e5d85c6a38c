// The URN pin: every committed stack's set of resource URNs, kept in test/fixtures/urns/<stack>.json. A URN is
// what Pulumi identifies a live resource by (type token, logical name, parent chain); when it changes, the
// next `pulumi up` deletes the old resource and creates a new one, unless the resource declares `aliases`.
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, evaluateStack } from "./harness";

export const URN_DIR = path.join(ROOT, "test", "fixtures", "urns");
export const UPDATE_COMMAND = "npm run urns:update";

export interface UrnPin {
  readonly stack: string;
  readonly urns: readonly string[];
}

export const pinFile = (stack: string) => path.join(URN_DIR, `${stack}.json`);

export function readPin(stack: string): UrnPin | undefined {
  const file = pinFile(stack);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as UrnPin) : undefined;
}

/** The URNs the program declares for the committed stack file, sorted. */
export async function currentUrns(stack: string): Promise<string[]> {
  const e = await evaluateStack(stack);
  return [...new Set(e.resources.map((r) => r.urn))].sort();
}

export function pinText(stack: string, urns: readonly string[]): string {
  return `${JSON.stringify({ stack, urns } satisfies UrnPin, null, 2)}\n`;
}

/**
 * What changed between the pinned and the current URN set, as the failure message a person acts on;
 * undefined when nothing did.
 */
export function urnChangeMessage(
  stack: string,
  pinned: readonly string[],
  now: readonly string[],
): string | undefined {
  const before = new Set(pinned);
  const after = new Set(now);
  const gone = pinned.filter((u) => !after.has(u));
  const added = now.filter((u) => !before.has(u));
  if (gone.length === 0 && added.length === 0) return undefined;
  const lines = [
    `The resource URNs of stack "${stack}" changed (pinned in ${path.relative(ROOT, pinFile(stack))}).`,
  ];
  if (gone.length > 0)
    lines.push(
      "",
      `No longer declared (${gone.length}): a live \`pulumi up\` would DELETE these resources, or REPLACE them`,
      'where a URN below under "now declared" is the same resource under a new type, name or parent. Protected',
      "resources (the ECR repository, the data bucket) make that `pulumi up` fail. If a resource only moved or",
      "was renamed, declare `aliases: [{ name/type/parent it had }]` on it so Pulumi keeps the live resource:",
      ...gone.map((u) => `  - ${u}`),
    );
  if (added.length > 0)
    lines.push(
      "",
      `Now declared (${added.length}): a live \`pulumi up\` would CREATE these:`,
      ...added.map((u) => `  + ${u}`),
    );
  lines.push(
    "",
    `If the change is deliberate (new resources, or aliases declared for moved ones), run \`${UPDATE_COMMAND}\``,
    "and commit test/fixtures/urns/ with it, so the review sees the URN change.",
  );
  return lines.join("\n");
}
