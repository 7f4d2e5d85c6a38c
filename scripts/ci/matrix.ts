// The job matrix of each workflow: the stacks scripts/ci/stacks.ts selects, with what each job needs to know
// about a stack beyond its name and region — the GitHub environment its deploy runs in, whether pull requests
// preview it, whether this branch may check it for drift, and how its secrets are encrypted.
//
//   ts-node scripts/ci/matrix.ts deploy  <stacks.ts arguments>   the selected stacks whose environment admits
//                                                                 this run's branch or tag ($GITHUB_REF_TYPE/_NAME)
//   ts-node scripts/ci/matrix.ts preview <stacks.ts arguments>   those with ferry:ci.preview.pullRequests
//   ts-node scripts/ci/matrix.ts drift   <stacks.ts arguments>   those whose ferry:ci.drift.branch is this run's
//                                                                 branch ($GITHUB_REF_NAME)
//
// Writes `stacks=<JSON array of MatrixEntry>` and `names=<JSON array>` to $GITHUB_OUTPUT (and stdout), and a
// `::notice::` for every selected stack it leaves out, so a missing preview or drift check is never silent.
import * as path from "node:path";
import {
  argsForEvent,
  changedFiles,
  ciStacks,
  emitOutputs,
  eventFromEnvironment,
  runMain,
  select,
  type CiStack,
} from "./stacks";
import { readCiSettings, type CiSettings, type SecretsProvider } from "./settings";

export type Purpose = "deploy" | "preview" | "drift";

export interface MatrixEntry extends CiStack {
  /** GitHub environment of the stack's deploy job (`environment: ${{ matrix.environment }}`). */
  readonly environment: string;
  /** How the stack's secrets are encrypted; PR previews and drift never get the passphrase. */
  readonly secrets: SecretsProvider;
  /** Runner label of the stack's job: one that builds the image natively (ubuntu-24.04-arm for arm64). */
  readonly runner: string;
}

/** The run's ref: a branch or a tag, by name (GITHUB_REF_TYPE, GITHUB_REF_NAME). */
export interface RunRef {
  readonly type: "branch" | "tag" | "";
  readonly name: string;
}

/**
 * GitHub's deployment branch/tag patterns (File.fnmatch with FNM_PATHNAME): `*` matches within one path segment,
 * `**` across segments; everything else is literal.
 */
export function refPatternMatches(pattern: string, name: string): boolean {
  const source = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${source}$`).test(name);
}

export interface MatrixResult {
  readonly entries: MatrixEntry[];
  /** Why each left-out stack was left out, one line each. */
  readonly notices: string[];
}

/**
 * Filters the selected stacks for one workflow, for a run on `ref`.
 * - preview: not when `preview.pullRequests` is false (the stack has no preview role), nor for a passphrase-
 *   encrypted stack (pull-request jobs never receive the passphrase; see docs/ci-cd.md);
 * - drift: only on the stack's drift branch (its drift role trusts no other), and not for a passphrase stack;
 * - deploy: the stacks whose `deploy.branches` / `deploy.tags` (the environment's deployment rules) admit the
 *   ref; GitHub would refuse the others' jobs anyway, and a `deploy-*` tag meant for every stack should not
 *   fail the run for a stack that deploys from main only. With no ref (a local run) every stack.
 */
export function matrixFor(
  purpose: Purpose,
  selected: readonly CiStack[],
  settings: (stack: string) => CiSettings | undefined,
  ref: RunRef = { type: "", name: "" },
): MatrixResult {
  const entries: MatrixEntry[] = [];
  const notices: string[] = [];
  for (const s of selected) {
    const ci = settings(s.stack);
    if (!ci) continue; // stacks.ts only selects stacks with a ferry:ci block; a `mode: user` block has no roles
    if (purpose === "preview" && !ci.pullRequests) {
      notices.push(`${s.stack}: no preview (ferry:ci.preview.pullRequests is false)`);
      continue;
    }
    if (purpose === "deploy" && ref.type !== "") {
      const patterns = ref.type === "tag" ? ci.tags : ci.branches;
      if (!patterns.some((p) => refPatternMatches(p, ref.name))) {
        notices.push(
          `${s.stack}: not deployed from ${ref.type} "${ref.name}" (ferry:ci.deploy.${ref.type === "tag" ? "tags" : "branches"}: ${patterns.join(", ") || "none"})`,
        );
        continue;
      }
    }
    if (purpose === "drift" && (ref.type !== "branch" || ci.driftBranch !== ref.name)) {
      notices.push(
        `${s.stack}: no drift check on ${ref.type || "ref"} "${ref.name}" (ferry:ci.drift.branch is "${ci.driftBranch}")`,
      );
      continue;
    }
    if (purpose !== "deploy" && ci.secrets === "passphrase") {
      notices.push(
        `${s.stack}: no ${purpose} (passphrase secrets provider; the passphrase lives only in the "${ci.environment}" environment — use awskms:// to enable it)`,
      );
      continue;
    }
    entries.push({ ...s, environment: ci.environment, secrets: ci.secrets, runner: ci.runner });
  }
  return { entries, notices };
}

function runRef(type: string | undefined, name: string | undefined): RunRef {
  return { type: type === "branch" || type === "tag" ? type : "", name: name ?? "" };
}

function main(): void {
  const root = path.resolve(__dirname, "..", "..");
  const [purpose, ...rest] = process.argv.slice(2);
  if (purpose !== "deploy" && purpose !== "preview" && purpose !== "drift")
    throw new Error(`usage: matrix.ts deploy|preview|drift <stacks.ts arguments> (got "${purpose ?? ""}")`);
  const args = rest[0] === "event" ? argsForEvent(eventFromEnvironment()) : rest;
  const selected = select(args, ciStacks(root), (base, head) => changedFiles(root, base, head));
  const { entries, notices } = matrixFor(
    purpose,
    selected,
    (stack) => readCiSettings(root, stack),
    runRef(process.env.GITHUB_REF_TYPE, process.env.GITHUB_REF_NAME),
  );
  for (const n of notices) process.stdout.write(`::notice::${n}\n`);
  const lines = [`stacks=${JSON.stringify(entries)}`, `names=${JSON.stringify(entries.map((e) => e.stack))}`];
  emitOutputs(lines);
}

if (require.main === module) runMain(main);
