// Turns schema issues into one message a person can act on: the key, the value given, what is expected.
import type { z } from "zod";

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid stack config: ${problems[0]}`
        : `Invalid stack config (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
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

export function describeValue(v: unknown): string {
  if (v === undefined) return "missing";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
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
    const d = key.toLowerCase() === lower ? 0 : distance(lower, key.toLowerCase());
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

export function problemsFrom(error: z.ZodError, input: unknown, schema: z.ZodType): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) out.push(unknownKeyProblem(keyOf(issue.path), key, known));
      continue;
    }
    let value = describeValue(valueAt(input, issue.path));
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
