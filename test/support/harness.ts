// The tests' view of the offline evaluation engine. The engine itself is program code (`npm run plan` uses it)
// and lives in scripts/plan/engine; tests import it from here so their imports stay stable.
export * from "../../scripts/plan/engine";

import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, registerStackFile, stackFiles as committedStackFiles } from "../../scripts/plan/engine";

/**
 * Extra stack files the whole suite runs against like committed ones (other regions, minimal files, both
 * topologies): stack-wide tests must hold for any valid stack file, not only the committed ones.
 */
export const FIXTURES = path.join(ROOT, "test", "fixtures");

export function fixtureStackFiles(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
    .sort();
}

for (const s of fixtureStackFiles()) registerStackFile(s, path.join(FIXTURES, `Pulumi.${s}.yaml`));

/** The committed stacks and the fixture stacks: what every stack-wide test iterates over. */
export function stackFiles(): string[] {
  return [...committedStackFiles(), ...fixtureStackFiles()].sort();
}

export { committedStackFiles };
