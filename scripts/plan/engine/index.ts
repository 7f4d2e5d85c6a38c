// The offline evaluation engine: evaluates the real program (index.ts) with a committed Pulumi.<stack>.yaml
// under Pulumi's mock runtime and records every resource with its inputs, parent, provider, dependencies and
// resource options. `npm run plan` prices and draws what it records; the tests assert on it (they import it
// through test/support/harness.ts). It lives on the program side because program code never imports tests.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, offlineStandIn, useStackFileDirectory } from "../../../config";
import { stackOfFileName } from "../../../config/stackNames";
import { parseStackFile, StackFileError } from "../../../config/yaml";
import { RecordingMocks, type RecordedCall } from "./mocks";

export const ROOT = path.resolve(__dirname, "..", "..", "..");

export interface Recorded {
  type: string;
  name: string;
  urn: string;
  /** URN of the parent; "" for top-level resources. */
  parent: string;
  /** Provider reference "urn::id"; "" when the default provider is used. */
  provider: string;
  custom: boolean;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /** URNs this resource depends on (explicit dependsOn and input dependencies). */
  dependencies: string[];
  /** Per input property: URNs of the resources whose outputs flowed into it (what policy packs receive). */
  propertyDependencies: Record<string, string[]>;
  options: {
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    customTimeouts: { create?: string; update?: string; delete?: string };
  };
}

export interface Evaluation {
  stack: string;
  config: Record<string, string>;
  resources: Recorded[];
  calls: RecordedCall[];
  outputs: Record<string, unknown>;
  ofType(type: string): Recorded[];
  /** Exactly one resource of `type` (whose name includes `nameIncludes`), or a failed assertion. */
  one(type: string, nameIncludes?: string): Recorded;
  byUrn(urn: string): Recorded | undefined;
}

export interface Overrides {
  /** Config keys to set (objects replace the whole key's value). */
  config?: Record<string, unknown>;
  /** Config keys to remove. */
  remove?: string[];
  /** Evaluate as `pulumi preview` (unknown values stay unknown). @default false */
  preview?: boolean;
  /**
   * Evaluate the program again even when nothing is overridden. Without overrides, evaluateStack returns the
   * one shared (frozen) evaluation of the committed stack file, so a test that compares two evaluations of
   * the same config asks for a fresh one. @default false
   */
  fresh?: boolean;
  /**
   * Directory holding Pulumi.<stack>.yaml (and the other stack files the program compares it with), for
   * stack files that are not committed, e.g. a test's own. @default the project root
   */
  dir?: string;
}

/** Stack files kept outside the project root (e.g. test fixtures), registered by whoever keeps them. */
const elsewhere = new Map<string, string>();

/** Lets `stack` be evaluated from `file` instead of Pulumi.<stack>.yaml at the project root. */
export function registerStackFile(stack: string, file: string): void {
  elsewhere.set(stack, path.resolve(file));
}

/** The file a stack's config is read from: in `overrides.dir` when given. */
function stackFileOf(stack: string, overrides: Overrides): string {
  return overrides.dir ? path.join(overrides.dir, `Pulumi.${stack}.yaml`) : stackFilePath(stack);
}

/** The file a stack's config is read from. */
export function stackFilePath(stack: string): string {
  return elsewhere.get(stack) ?? path.join(ROOT, `Pulumi.${stack}.yaml`);
}

export function stackFiles(): string[] {
  return fs
    .readdirSync(ROOT)
    .map(stackOfFileName)
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Raw config map as the Pulumi CLI passes it to a program: every value a string, `secure:` values decrypted. */
export function stackConfig(
  stack: string,
  overrides: Overrides = {},
): { config: Record<string, string>; secretKeys: string[] } {
  const file = stackFileOf(stack, overrides);
  // A syntax error names the file, line and column with the line shown, as the program's own gate does.
  let parsed: ReturnType<typeof parseStackFile>;
  try {
    parsed = parseStackFile(path.basename(file), fs.readFileSync(file, "utf8"));
  } catch (err) {
    if (err instanceof StackFileError) throw new ConfigError([err.message]);
    throw err;
  }
  const merged: Record<string, unknown> = { ...parsed.config, ...(overrides.config ?? {}) };
  for (const k of overrides.remove ?? []) delete merged[k];
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  // Ciphertext cannot be decrypted here; a marked stand-in takes each `secure:` value's place, and the
  // top-level key is marked secret, as the CLI marks a key holding a nested secret (`--secret --path`).
  const decrypt = (value: unknown, key: string, top: string): unknown => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if ("secure" in value && Object.keys(value).length === 1) {
        if (!secretKeys.includes(top)) secretKeys.push(top);
        return offlineStandIn(key);
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decrypt(v, `${key}.${k}`, top)]));
    }
    if (Array.isArray(value)) return value.map((v, i) => decrypt(v, `${key}[${i}]`, top));
    return value;
  };
  for (const [key, value] of Object.entries(merged)) {
    const plain = decrypt(value, key, key);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  return { config, secretKeys };
}

type Req = {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getObject(): unknown;
};
type Resp = { getUrn(): string; getObject(): unknown };

function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

async function resolveDeep(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) return resolveDeep(await unwrap(v));
  if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await resolveDeep(x);
    return out;
  }
  return v;
}

/** Internal to the SDK (not in its .d.ts): resolves once every queued RPC to the (mock) monitor is done. */
const waitForRPCs = () => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

type PrepareStackTrace = (this: void, error: Error, frames: NodeJS.CallSite[]) => unknown;
type StackHook = { prepareStackTrace?: PrepareStackTrace & { [CHEAP]?: true } };
const CHEAP: unique symbol = Symbol.for("ferry.cheapPulumiPromiseStacks") as never;
const PULUMI_DEBUGGABLE = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

/**
 * The Pulumi SDK records `new Error().stack` on every promise it creates (for its leak report), and under
 * ts-node each such stack goes through source-map-support, which maps every frame back to TypeScript: about
 * a third of an evaluation's CPU time. Those stacks are only printed when the SDK finds a leaked promise, so
 * they are kept short and unmapped; every other stack keeps its source-mapped frames.
 */
function skipSourceMapsForPulumiPromiseStacks(): void {
  const hook = Error as unknown as StackHook;
  const installed = hook.prepareStackTrace;
  if (!installed || installed[CHEAP]) return;
  const cheap: PrepareStackTrace & { [CHEAP]?: true } = (error, frames) => {
    const top = frames[0];
    if (top?.getFunctionName() === "debuggablePromise" && PULUMI_DEBUGGABLE.test(top.getFileName() ?? ""))
      // The SDK's own frame and its two callers: enough to find a leaked promise, cheap to format.
      return `${String(error)}\n${frames
        .slice(0, 3)
        .map(
          (f) => `    at ${f.getFunctionName() ?? "<anonymous>"} (${f.getFileName()}:${f.getLineNumber()})`,
        )
        .join("\n")}`;
    return installed(error, frames);
  };
  cheap[CHEAP] = true;
  hook.prepareStackTrace = cheap;
}

/** Evaluations of the committed stack files as they are, one per stack and process. */
const committed = new Map<string, Promise<Evaluation>>();

/**
 * Freezes the plain data of an evaluation (objects, arrays) all the way down, so a caller that changes the
 * shared evaluation fails at once instead of changing what the next test sees. Class instances the program
 * exported (assets, archives) keep their own state.
 */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || typeof value !== "object" || seen.has(value) || ArrayBuffer.isView(value))
    return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  seen.add(value);
  for (const v of Object.values(value as object)) deepFreeze(v, seen);
  return Object.freeze(value);
}

const shareable = (o: Overrides) =>
  o.config === undefined && o.remove === undefined && !o.preview && !o.fresh && o.dir === undefined;

/**
 * Evaluates the program for `stack`. Without overrides the result is shared: the first call evaluates the
 * committed stack file, later calls in the same process get the same frozen evaluation (evaluating a stack
 * is the slow part of the suite; tests only read it).
 */
export function evaluateStack(stack: string, overrides: Overrides = {}): Promise<Evaluation> {
  if (!shareable(overrides)) return evaluate(stack, overrides);
  let found = committed.get(stack);
  if (!found) {
    found = evaluate(stack, {}).then((e) => deepFreeze(e));
    // A failed evaluation is not kept: the next caller sees the error again, not a stale rejection.
    found.catch(() => committed.delete(stack));
    committed.set(stack, found);
  }
  return found;
}

async function evaluate(stack: string, overrides: Overrides): Promise<Evaluation> {
  skipSourceMapsForPulumiPromiseStacks();
  const { config, secretKeys } = stackConfig(stack, overrides);
  const region = config["aws:region"] ?? "us-east-1";
  const account =
    (JSON.parse(config["aws:allowedAccountIds"] ?? '["123456789012"]') as string[])[0] ?? "123456789012";
  const mocks = new RecordingMocks({ region, account });
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(mocks, "ferry", stack, overrides.preview ?? false);

  const resources: Recorded[] = [];
  const pending: Promise<void>[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Req, cb: (err: unknown, resp?: Resp) => void): void;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const timeouts = req.getCustomtimeouts();
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => (propertyDependencies[key] = deps.getUrnsList()));
    const rec: Recorded = {
      type: req.getType(),
      name: req.getName(),
      urn: "",
      parent: req.getParent(),
      provider: req.getProvider(),
      custom: req.getCustom(),
      inputs: {},
      state: {},
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      options: {
        protect: req.getProtect(),
        retainOnDelete: req.getRetainondelete(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        customTimeouts: timeouts
          ? {
              create: timeouts.getCreate() || undefined,
              update: timeouts.getUpdate() || undefined,
              delete: timeouts.getDelete() || undefined,
            }
          : {},
      },
    };
    resources.push(rec);
    let done!: () => void;
    pending.push(new Promise<void>((r) => (done = r)));
    original(req, (err, resp) => {
      if (resp) {
        rec.urn = resp.getUrn();
        rec.inputs = pulumi.runtime.deserializeProperties(req.getObject() as never) as Record<string, any>;
        const state = resp.getObject();
        rec.state = state
          ? (pulumi.runtime.deserializeProperties(state as never) as Record<string, any>)
          : {};
      }
      cb(err, resp);
      done();
    });
  };

  const entry = require.resolve(path.join(ROOT, "index.ts"));
  delete require.cache[entry];
  // The program reads the stack file itself (secure: paths, numbers as typed, clashes): from here.
  useStackFileDirectory(path.dirname(stackFileOf(stack, overrides)));
  let exported: Record<string, unknown>;
  try {
    exported = require(entry) as Record<string, unknown>;
  } finally {
    useStackFileDirectory(undefined);
  }
  const outputs = (await resolveDeep(exported)) as Record<string, unknown>;
  await waitForRPCs();
  await Promise.all(pending);
  await waitForRPCs();

  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return {
    stack,
    config,
    resources,
    calls: mocks.calls,
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    one(type, nameIncludes) {
      const found = resources.filter(
        (r) => r.type === type && (!nameIncludes || r.name.includes(nameIncludes)),
      );
      if (found.length !== 1)
        throw new Error(
          `expected exactly one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
        );
      return found[0];
    },
    byUrn: (urn) => byUrn.get(urn),
  };
}

/** Parses a JSON string input (policies, container definitions) with a clear failure. */
export function json<T = any>(value: unknown, what: string): T {
  if (typeof value !== "string") throw new Error(`${what}: expected a JSON string, got ${typeof value}`);
  return JSON.parse(value) as T;
}
