// The program's one user-facing error type, and the helpers that turn schema issues into messages a person
// can act on: the file (when known), the key, the value given (never a secret's), what is expected.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { showValue } from "./secrets";

/** One problem with one config key. */
export interface Problem {
  /** Full config key path, e.g. "ferry:fargate.azCount". */
  readonly key: string;
  /** The value in force; omit when there is none to show. */
  readonly value?: unknown;
  /** The "expected ..." half: a description of a valid value. */
  readonly expected: string;
  /** The value is (or may be) secret: the message says so instead of echoing it. */
  readonly secret?: boolean;
}

/** `<key>: got <value>, expected <what>`: the one shape of every problem line. */
export function problemText(p: Problem): string {
  const got = p.secret ? "a secret value (not shown)" : describeValue(p.value);
  return `${p.key}: got ${got}, expected ${p.expected}`;
}

/**
 * Raised for every mistake a person can fix in the stack config: by the config parser (all problems at
 * once) and by components that find a config value unusable only once they run (e.g. more Availability
 * Zones asked for than the region has). Anything else is a bug in the program and stays a plain Error.
 * A RunError, so `pulumi preview` prints the message alone: no stack trace for a mistake in the stack file.
 */
export class ConfigError extends pulumi.RunError {
  public readonly problems: string[];
  /** The stack file the problems are in (Pulumi.<stack>.yaml), when the raiser knows it. */
  public readonly file?: string;

  constructor(problems: ReadonlyArray<string | Problem>, options: { readonly file?: string } = {}) {
    const lines = problems.map((p) => (typeof p === "string" ? p : problemText(p)));
    const where = options.file ? ` in ${options.file}` : "";
    super(
      lines.length === 1
        ? `Invalid stack config${where}: ${lines[0]}`
        : `Invalid stack config${where} (${lines.length} problems):\n${lines.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = lines;
    this.file = options.file;
  }

  /** One problem with one key. */
  static of(problem: Problem, options: { readonly file?: string } = {}): ConfigError {
    return new ConfigError([problem], options);
  }
}

/** `["ferry:app", "secrets", "X", "ssmParameter"]` → `ferry:app.secrets.X.ssmParameter`; indices as `[0]`. */
export function keyOf(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A value for a message: JSON cut at 60 characters; a value that looks like a credential is never shown. */
export function describeValue(v: unknown): string {
  return showValue(v, false);
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

export function suggest(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    // A known value the typed one begins ("fargate" → "fargate-ha") counts as one edit away.
    const k = key.toLowerCase();
    const d = k === lower ? 0 : lower.length >= 3 && k.startsWith(lower) ? 1 : distance(lower, k);
    if (d <= Math.max(2, Math.floor(key.length / 4)) && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}

/** `where` is the enclosing key ("ferry:app"), or "" for a top-level config key. */
export function unknownKeyProblem(where: string, key: string, known: readonly string[]): string {
  const hint = suggest(key, known);
  const head = where ? `${where}: unknown key "${key}"` : `unknown config key "${key}"`;
  return hint ? `${head}, did you mean "${hint}"?` : `${head}, expected one of: ${known.join(", ")}`;
}

/** Known keys of the object schema at `path`, looking through optional/default/pipe wrappers. */
function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let s: unknown = schema;
  const unwrap = () => {
    for (;;) {
      const def = (s as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } })._zod?.def;
      if (def?.innerType) s = def.innerType;
      else if (def?.type === "pipe" && def.in) s = def.in;
      else return;
    }
  };
  unwrap();
  for (const p of path) {
    const def = (
      s as { _zod: { def: { type: string; shape?: Record<string, unknown>; valueType?: unknown } } }
    )._zod.def;
    if (def.type === "object" && def.shape) s = def.shape[String(p)];
    else if (def.type === "record") s = def.valueType;
    else return [];
    unwrap();
  }
  const shape = (s as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

export function problemsFrom(
  error: z.ZodError,
  input: unknown,
  schema: z.ZodType,
  isSecret: (path: ReadonlyArray<string | number>) => boolean = () => false,
): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) out.push(unknownKeyProblem(keyOf(issue.path), key, known));
      continue;
    }
    const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    let value = isSecret(path) ? "a secret value (not shown)" : describeValue(valueAt(input, issue.path));
    // A check that must not echo the whole value (a URL whose query may carry a token) says what to show.
    const shown = (issue as { params?: { show?: string } }).params?.show;
    if (shown !== undefined && !isSecret(path)) value = describeValue(shown);
    // Cross-field checks run on defaulted values the person never wrote: show the value in force.
    const effective = (issue as { input?: unknown }).input;
    if (
      value === "missing" &&
      issue.code === "custom" &&
      effective !== undefined &&
      typeof effective !== "object"
    )
      value = `${describeValue(effective)} (the default)`;
    // zod's own text for a missing/wrong-typed block is not for people; say which keys the block takes.
    const expected =
      issue.code === "invalid_type" && issue.expected === "object"
        ? `a map with the keys ${knownKeysAt(schema, issue.path).join(", ")}`
        : issue.message;
    out.push(`${keyOf(issue.path)}: got ${value}, expected ${expected}`);
  }
  return out;
}
