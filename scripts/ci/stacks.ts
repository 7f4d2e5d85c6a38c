// Decides which stacks a workflow run acts on (C1, C4). The workflows call this instead of holding the rules
// in YAML, so the rules have tests (test/ci-stacks.test.ts) and one home.
//
//   ts-node scripts/ci/stacks.ts changed <base> <head>   stacks a diff affects (pull requests, pushes to main)
//   ts-node scripts/ci/stacks.ts tag <tag>               stacks a `deploy-*` tag names (all when it names none)
//   ts-node scripts/ci/stacks.ts only <stack>            one stack (workflow_dispatch)
//   ts-node scripts/ci/stacks.ts all                     every CI-enabled stack (nightly drift)
//   ts-node scripts/ci/stacks.ts event                   from the triggering event (deploy.yml): dispatch input,
//                                                        deploy-* tag, or the pushed commits
//
// Writes `stacks=<JSON array of {stack, key, region}>` and `names=<JSON array of names>` to $GITHUB_OUTPUT
// (or stdout outside Actions), plus `stack`, `key` and `region` when exactly one stack is chosen. Only stacks whose Pulumi.<stack>.yaml has a `ferry:ci` block take part: that
// block is what creates the stack's CI roles, so a stack without it has nothing CI could assume.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

export interface CiStack {
  /** Stack name, as in Pulumi.<stack>.yaml. */
  readonly stack: string;
  /** Upper-case suffix of the repository variables that hold this stack's role ARNs (AWS_DEPLOY_ROLE_ARN_<key>). */
  readonly key: string;
  /** The stack's `aws:region`: the region the AWS credentials are configured for. */
  readonly region: string;
}

/**
 * Paths whose change can alter every stack's preview: the program, its config schema, its dependencies, the
 * default app image, a policy pack. A directory entry ends in "/" and matches everything below it.
 */
export const ALL_STACK_PATHS: readonly string[] = [
  "index.ts",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "components/",
  "stacks/",
  "config/",
  "app/",
  "policy/",
];

/** Any stack name Pulumi accepts, dots included ("eu.staging"). */
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]{1,100})\.yaml$/;

/** `demo` → `DEMO`, `eu-west` → `EU_WEST`: GitHub variable names allow only letters, digits and `_`. */
export function variableKey(stack: string): string {
  return stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** True when a change to `file` (repository-relative, `/`-separated) affects every stack. */
export function affectsAllStacks(file: string): boolean {
  return ALL_STACK_PATHS.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p));
}

/** The stack a changed file belongs to, when it is a stack file in the repository root. */
export function stackOfFile(file: string): string | undefined {
  return STACK_FILE.exec(file)?.[1];
}

/** Stacks affected by a list of changed files, in the order of `stacks`. */
export function affectedStacks(changed: readonly string[], stacks: readonly CiStack[]): CiStack[] {
  if (changed.some(affectsAllStacks)) return [...stacks];
  const touched = new Set(changed.map(stackOfFile).filter((s): s is string => s !== undefined));
  return stacks.filter((s) => touched.has(s.stack));
}

/**
 * Stacks a `deploy-*` tag deploys: `deploy-prod` and `deploy-prod-2026-05-01` name prod; a tag that names no
 * CI stack (`deploy-2026-05-01`) deploys all of them. The longest matching name wins (`deploy-prod-eu` with
 * stacks prod and prod-eu → prod-eu).
 */
export function stacksForTag(tag: string, stacks: readonly CiStack[]): CiStack[] {
  const rest = tag.replace(/^refs\/tags\//, "");
  if (!rest.startsWith("deploy-")) throw new Error(`not a deploy tag: "${tag}" (expected deploy-*)`);
  const named = rest.slice("deploy-".length);
  const match = [...stacks]
    .sort((a, b) => b.stack.length - a.stack.length)
    .find((s) => named === s.stack || named.startsWith(`${s.stack}-`));
  return match ? [match] : [...stacks];
}

/** Reads every Pulumi.<stack>.yaml in `root` and returns the stacks with a `ferry:ci` block, sorted by name. */
export function ciStacks(root: string): CiStack[] {
  return fs
    .readdirSync(root)
    .map((f) => ({ file: f, stack: stackOfFile(f) }))
    .filter((f): f is { file: string; stack: string } => f.stack !== undefined)
    .map(({ file, stack }) => {
      const doc = parseYaml(fs.readFileSync(path.join(root, file), "utf8")) as {
        config?: Record<string, unknown>;
      } | null;
      const config = doc?.config ?? {};
      return { stack, config };
    })
    .filter(({ config }) => config["ferry:ci"] !== undefined)
    .map(({ stack, config }) => {
      const region = config["aws:region"];
      if (typeof region !== "string")
        throw new Error(`Pulumi.${stack}.yaml: aws:region is missing; CI needs it to configure credentials`);
      return { stack, key: variableKey(stack), region };
    })
    .sort((a, b) => a.stack.localeCompare(b.stack));
}

/** Files changed between two commits; a null/zero base (a new branch) means "everything changed". */
export function changedFiles(root: string, base: string, head: string): string[] | "all" {
  if (!base || /^0+$/.test(base)) return "all";
  const out = execFileSync("git", ["diff", "--name-only", "--no-renames", base, head], {
    cwd: root,
    encoding: "utf8",
  });
  return out.split("\n").filter((l) => l.length > 0);
}

/** The subset of a GitHub event payload `event` mode reads. */
export interface EventInfo {
  /** GITHUB_EVENT_NAME: "workflow_dispatch", "push", ... */
  readonly name: string;
  /** GITHUB_REF_TYPE: "branch" or "tag". */
  readonly refType: string;
  /** GITHUB_REF_NAME: branch or tag name. */
  readonly refName: string;
  /** GITHUB_SHA. */
  readonly sha: string;
  /** The event payload (GITHUB_EVENT_PATH). */
  readonly payload: { readonly before?: string; readonly inputs?: { readonly stack?: string } };
}

/** Maps a deploy.yml trigger to the CLI mode that picks its stacks. */
export function argsForEvent(event: EventInfo): string[] {
  if (event.name === "workflow_dispatch") return ["only", event.payload.inputs?.stack ?? ""];
  if (event.name === "push" && event.refType === "tag") return ["tag", event.refName];
  if (event.name === "push") return ["changed", event.payload.before ?? "", event.sha];
  throw new Error(`deploy.yml does not handle "${event.name}" events`);
}

/** The triggering event, from the variables and payload file GitHub Actions provides. */
export function eventFromEnvironment(): EventInfo {
  const env = process.env;
  const payloadPath = env.GITHUB_EVENT_PATH;
  return {
    name: env.GITHUB_EVENT_NAME ?? "",
    refType: env.GITHUB_REF_TYPE ?? "",
    refName: env.GITHUB_REF_NAME ?? "",
    sha: env.GITHUB_SHA ?? "",
    payload: payloadPath ? (JSON.parse(fs.readFileSync(payloadPath, "utf8")) as EventInfo["payload"]) : {},
  };
}

/** Pure dispatcher for the CLI, so tests can run every mode without git or $GITHUB_OUTPUT. */
export function select(
  argv: readonly string[],
  stacks: readonly CiStack[],
  diff: (base: string, head: string) => string[] | "all",
): CiStack[] {
  const [mode, a, b] = argv;
  switch (mode) {
    case "event":
      throw new Error("event mode is resolved by the CLI before select()");
    case "all":
      return [...stacks];
    case "only": {
      const found = stacks.find((s) => s.stack === a);
      if (!found)
        throw new Error(
          `stack "${a ?? ""}" has no Pulumi.${a ?? "<stack>"}.yaml with a ferry:ci block; CI stacks: ${stacks.map((s) => s.stack).join(", ") || "none"}`,
        );
      return [found];
    }
    case "tag":
      return stacksForTag(a ?? "", stacks);
    case "changed": {
      if (a === undefined || b === undefined) throw new Error("usage: stacks.ts changed <base> <head>");
      const files = diff(a, b);
      return files === "all" ? [...stacks] : affectedStacks(files, stacks);
    }
    default:
      throw new Error(`unknown mode "${mode ?? ""}": expected changed, tag, only or all`);
  }
}

function main(): void {
  const root = path.resolve(__dirname, "..", "..");
  const argv = process.argv.slice(2);
  const args = argv[0] === "event" ? argsForEvent(eventFromEnvironment()) : argv;
  const chosen = select(args, ciStacks(root), (base, head) => changedFiles(root, base, head));
  const lines = [`stacks=${JSON.stringify(chosen)}`, `names=${JSON.stringify(chosen.map((s) => s.stack))}`];
  if (chosen.length === 1)
    lines.push(`stack=${chosen[0].stack}`, `key=${chosen[0].key}`, `region=${chosen[0].region}`);
  emitOutputs(lines);
}

/** Step outputs: appended to $GITHUB_OUTPUT in a workflow, and printed for a person or a log. */
export function emitOutputs(lines: readonly string[]): void {
  const target = process.env.GITHUB_OUTPUT;
  if (target) fs.appendFileSync(target, `${lines.join("\n")}\n`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Runs a workflow helper's main: an error becomes one `::error::` annotation and exit status 1. */
export function runMain(main: () => void): void {
  try {
    main();
  } catch (err) {
    process.stderr.write(`::error::${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) runMain(main);
