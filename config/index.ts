// Reads the whole stack config once, validates it, and returns one typed object. Nothing else in the
// program reads `pulumi.Config`; components get what they need as args.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { CiConfig } from "./ci";
import { demoSchema, MIN_PASSCODE_LENGTH, type DemoConfig } from "./demo";
import {
  ConfigError,
  describeValue,
  keyOf,
  problemsFrom,
  problemText,
  suggest,
  unknownKeyProblem,
} from "./errors";
import { fargateSchema, type FargateConfig } from "./fargate";
import { limitProblems } from "./limits";
import { demoHttps, IMAGE_DEFAULTS, rootSchema, type ParsedConfig, type Topology } from "./schema";
import { SecretPaths, showValue } from "./secrets";
import { foldingClashes, identityOf, stackOfFileName, type StackIdentity } from "./stackNames";
import { parseStackFile, pathKey, StackFileError, type StackFile } from "./yaml";

export { ConfigError } from "./errors";
export type { CiConfig, DemoConfig, FargateConfig, Topology };

/** The wake page's settings, with the passcode's source resolved (a config value stays an Output secret). */
export interface WakeConfig {
  readonly dailyStartLimit: number;
  /** Concurrent executions reserved for the function; false: none reserved. */
  readonly reservedConcurrency: number | false;
  readonly passcode?:
    | { readonly kind: "config"; readonly key: string; readonly value: pulumi.Output<string> }
    | { readonly kind: "ssm"; readonly name: string };
}

/** `ferry:demo` with its defaults resolved: `https` decided, `wake` present only when enabled. */
export interface DemoSettings extends Omit<DemoConfig, "https" | "wake"> {
  readonly https: boolean;
  readonly wake?: WakeConfig;
}

/** Where a secret's value lives. Values from config stay `Output` secrets end to end. */
export type SecretSource =
  | { readonly kind: "ssm"; readonly name: string }
  | { readonly kind: "secretsmanager"; readonly nameOrArn: string }
  | { readonly kind: "config"; readonly key: string; readonly value: pulumi.Output<string> };

export interface SecretSpec {
  /** Environment variable the app reads. */
  readonly envName: string;
  readonly source: SecretSource;
  readonly kmsKeyArn?: string;
}

export interface AppConfig {
  readonly name: string;
  readonly port: number;
  readonly healthPath: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretSpec[];
  readonly cpu: number;
  readonly memory: number;
  readonly dataBucket?: { readonly name?: string; readonly envVar: string };
}

export type ImageConfig =
  | {
      readonly kind: "build";
      /** Absolute path of the build context. */
      readonly context: string;
      /** Absolute path of the Dockerfile. */
      readonly dockerfile: string;
      readonly platform: "linux/amd64" | "linux/arm64";
      readonly buildArgs: Readonly<Record<string, string>>;
      readonly target?: string;
      readonly buildOnPreview: boolean;
    }
  | { readonly kind: "existing"; readonly uri: string };

export interface DnsConfig {
  readonly domain: string;
  /** Record name inside the zone; "@" is the apex. */
  readonly record: string;
  /** Fully qualified name the app answers on. */
  readonly fqdn: string;
}

export interface FerryConfig {
  readonly project: string;
  readonly stack: string;
  readonly topology: Topology;
  readonly aws: {
    readonly region: string;
    readonly allowedAccountIds: readonly string[];
    readonly profile?: string;
    readonly extraTags: Readonly<Record<string, string>>;
  };
  /** Tags on every resource (via the provider's defaultTags). */
  readonly tags: Readonly<Record<string, string>>;
  readonly app: AppConfig;
  readonly image: ImageConfig;
  readonly registry: { readonly name: string; readonly keepImages: number };
  readonly dns?: DnsConfig;
  readonly demo?: DemoSettings;
  readonly fargate?: FargateConfig;
  readonly ci?: CiConfig;
  /** Monthly cost budget the offline estimate is checked against (`npm run plan`, `npm test`). */
  readonly budget?: { readonly monthlyUsd: number };
}

/** The `ferry:` keys this program reads; anything else in the namespace is a typo or a secret value. */
const KNOWN_KEYS = Object.keys(rootSchema.shape).filter((k) => k.startsWith("ferry:"));
/** The `aws:` keys this program reads. Other `aws:` keys would configure the default provider, which no resource uses. */
const AWS_KEYS = Object.keys(rootSchema.shape).filter((k) => k.startsWith("aws:"));
/** Namespaces of providers whose default instance the program may use: their keys are theirs to check. */
const PROVIDER_NAMESPACES = ["docker-build", "command", "pulumi"];

export interface ParseContext {
  readonly project: string;
  readonly stack: string;
  /** Directory relative paths (image.context) are resolved against. */
  readonly projectRoot: string;
  /** Reads a secret config value of this project as an Output secret. */
  readonly readSecret: (key: string) => pulumi.Output<string>;
  /** Whether Pulumi marks a top-level key secret (PULUMI_CONFIG_SECRET_KEYS). @default no key is secret */
  readonly isSecret?: (key: string) => boolean;
  /** The stack file as written, when it could be read: its name in messages, `secure:` paths, number text. */
  readonly stackFile?: StackFile;
  /** The project's other stack files, for the stack-name folding check. @default none */
  readonly otherStacks?: readonly StackIdentity[];
  /**
   * Offline evaluation (`npm run plan`, tests): a `fromConfig` key that is unset plans with a stand-in value
   * and a warning instead of failing; a real `pulumi preview` still fails. @default false
   */
  readonly offline?: boolean;
  /** Receives warnings (stand-ins, conservative secret handling). @default pulumi.log.warn */
  readonly warn?: (message: string) => void;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** What a stand-in for an unreadable secret looks like offline: marked, never a plausible value. */
export const offlineStandIn = (fullKey: string) => `mock-secret-value-of-${fullKey}`;

/** Unknown namespaces and keys outside `ferry:` (a typo drops a whole block; an `aws:` key nothing reads). */
function namespaceProblems(raw: Readonly<Record<string, string>>, project: string): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(raw).sort()) {
    const colon = key.indexOf(":");
    if (colon < 0) {
      const full = `${project}:${key}`;
      problems.push(
        KNOWN_KEYS.includes(full)
          ? `config key "${key}" has no namespace, did you mean "${full}"?`
          : `config key "${key}" has no namespace, expected "<namespace>:<key>" such as "${full}"`,
      );
      continue;
    }
    const ns = key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (ns === project || PROVIDER_NAMESPACES.includes(ns)) continue;
    if (ns === "aws") {
      if (AWS_KEYS.includes(key)) continue;
      const base = name.split(".")[0];
      const rest = name.slice(base.length + 1);
      const nested = base === "defaultTags" && !rest.startsWith("tags.") ? `tags.${rest}` : rest;
      problems.push(
        AWS_KEYS.includes(`aws:${base}`)
          ? `unknown config key "${key}", did you mean "aws:${base}"? (set a nested value with ` +
              `pulumi config set --path 'aws:${base}.${nested}' <value>)`
          : `unknown config key "${key}", expected one of: ${AWS_KEYS.join(", ")} ` +
              "(the program's AWS provider reads only these; any other aws: key would be ignored)",
      );
      continue;
    }
    const hint = suggest(ns, [project, "aws"]);
    problems.push(
      hint
        ? `unknown config namespace in "${key}", did you mean "${hint}:${name}"?`
        : `unknown config namespace in "${key}", expected ${project}: or aws: keys (nothing reads ${ns}: keys)`,
    );
  }
  return problems;
}

/**
 * Env values as typed: YAML makes `1.10` the number 1.1 and `01234` the number 1234 before the program sees
 * them, so a number whose text in the stack file differs from the number (or that is too large to keep) is
 * refused with a hint to quote it.
 */
function envNumberProblems(appIn: unknown, stackFile: StackFile | undefined): string[] {
  const env = isObject(appIn) ? appIn.env : undefined;
  if (!isObject(env)) return [];
  const fileEnv = (stackFile?.config["ferry:app"] as { env?: Record<string, unknown> } | undefined)?.env;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "number") continue;
    const written =
      fileEnv?.[name] === value
        ? stackFile?.numberSources.get(pathKey(["ferry:app", "env", name]))
        : undefined;
    const key = `ferry:app.env.${name}`;
    if (written !== undefined && written !== String(value))
      problems.push(
        `${key}: got ${written} (YAML reads it as the number ${String(value)}), expected a string: quote it ` +
          `(${name}: "${written}") so the app receives what was typed`,
      );
    else if (written === undefined && Number.isInteger(value) && !Number.isSafeInteger(value))
      problems.push(
        `${key}: got a number too large to keep exactly (${String(value)}), expected a string: quote the digits ` +
          `in the stack file (${name}: "...")`,
      );
  }
  return problems;
}

/** Pure: raw config map (as `pulumi config` stores it: every value a string) → typed config, or ConfigError. */
export function parseConfig(raw: Readonly<Record<string, string>>, ctx: ParseContext): FerryConfig {
  const file = ctx.stackFile?.name;
  const fail = (problems: string[]) => new ConfigError(problems, { file });
  const isSecretKey = ctx.isSecret ?? (() => false);
  const warn = ctx.warn ?? ((m: string) => void pulumi.log.warn(m));

  const input: Record<string, unknown> = {};
  for (const key of [...KNOWN_KEYS, ...AWS_KEYS])
    if (raw[key] !== undefined) input[key] = key === "ferry:topology" ? raw[key] : parseValue(raw[key]);

  const problems: string[] = namespaceProblems(raw, ctx.project);

  // Which values are secret: Pulumi marks whole top-level keys; the stack file says where `secure:` sat.
  const marked = new Set(Object.keys(raw).filter((k) => isSecretKey(k)));
  // Offline, the engine's stand-ins name their own path: they say where a `secure:` value sat even when a
  // test's override, not the stack file, put it there.
  const securePaths = [...(ctx.stackFile?.securePaths ?? [])];
  if (ctx.offline) securePaths.push(...standInPaths(input));
  const seen = new Set<string>();
  const secretPaths = new SecretPaths(
    marked,
    securePaths.filter((p) => marked.has(String(p[0])) && !seen.has(keyOf(p)) && seen.add(keyOf(p))),
  );
  const secretEnv = takeSecretEnv(input, secretPaths, marked, problems, warn);

  const secretKeys = new Set<string>();
  const appInput = input["ferry:app"] as { secrets?: Record<string, { fromConfig?: unknown }> } | undefined;
  for (const s of Object.values(appInput?.secrets ?? {}))
    if (typeof s?.fromConfig === "string") secretKeys.add(`${ctx.project}:${s.fromConfig}`);
  const wakeKey = (input["ferry:demo"] as { wake?: { passcode?: { fromConfig?: unknown } } } | undefined)
    ?.wake?.passcode?.fromConfig;
  if (typeof wakeKey === "string") secretKeys.add(`${ctx.project}:${wakeKey}`);

  for (const key of Object.keys(raw).sort()) {
    if (!key.startsWith(`${ctx.project}:`) || KNOWN_KEYS.includes(key) || secretKeys.has(key)) continue;
    problems.push(unknownKeyProblem("", key, KNOWN_KEYS));
  }
  problems.push(...envNumberProblems(input["ferry:app"], ctx.stackFile));

  // ferry's own `stack` and `app` tags say whose a resource is, and the CI roles' tag conditions rely on them:
  // a stack file may not set them through aws:defaultTags (IAM compares tag keys case-insensitively).
  // (A malformed value is the schema's to report.)
  const defaultTags = parseValue(raw["aws:defaultTags"] ?? "{}") as { tags?: unknown } | null;
  const extraTags =
    defaultTags && typeof defaultTags === "object" && defaultTags.tags && typeof defaultTags.tags === "object"
      ? (defaultTags.tags as Record<string, unknown>)
      : {};
  for (const key of Object.keys(extraTags).filter((k) => ["stack", "app"].includes(k.toLowerCase())))
    problems.push(
      `aws:defaultTags.tags.${key}: got ${describeValue(extraTags[key])}, expected no "${key}" tag: ` +
        `ferry sets "stack" and "app" on every resource itself (docs/security.md)`,
    );

  const result = rootSchema.safeParse(input, { reportInput: true });
  if (!result.success)
    problems.push(...problemsFrom(result.error, input, rootSchema, (path) => secretPaths.isSecret(path)));
  if (problems.length > 0 || !result.success) throw fail(problems);
  const c = result.data;

  for (const name of Object.keys(secretEnv))
    if (name in c["ferry:app"].secrets)
      problems.push(
        `ferry:app.env.${name}: got a secret value (not shown), expected a name not also listed in app.secrets`,
      );

  // fromConfig: a secret key of its own, set (offline: a marked stand-in), never a plain or a block key.
  const references: { where: string; key: string }[] = [
    ...Object.entries(c["ferry:app"].secrets)
      .filter(([, s]) => s.fromConfig !== undefined)
      .map(([envName, s]) => ({ where: `ferry:app.secrets.${envName}.fromConfig`, key: s.fromConfig! })),
  ];
  const wakeFromConfig = c["ferry:demo"]?.wake?.passcode?.fromConfig;
  if (wakeFromConfig !== undefined)
    references.push({ where: "ferry:demo.wake.passcode.fromConfig", key: wakeFromConfig });
  const standIns = new Set<string>();
  for (const { where, key } of references) {
    const full = `${ctx.project}:${key}`;
    const setIt = `pulumi config set --secret ${key} <value>`;
    if (KNOWN_KEYS.includes(full) || AWS_KEYS.includes(full))
      problems.push(
        `${where}: got "${key}", expected a secret config key of its own, not the ${full} block; set one with: ${setIt}`,
      );
    else if (raw[full] === undefined) {
      if (ctx.offline) {
        standIns.add(key);
        warn(
          `${where}: config key "${full}" is not set; planned offline with the stand-in "${offlineStandIn(full)}" (pulumi preview and up need it: ${setIt})`,
        );
      } else problems.push(`${where}: config key "${full}" is not set; expected it set with: ${setIt}`);
    } else if (!isSecretKey(full))
      problems.push(
        `${where}: config key "${full}" holds a plain value (not shown); expected a secret, set with: ${setIt}`,
      );
    else if (ctx.offline)
      warn(`${where}: "${full}" is encrypted; planned offline with the stand-in "${offlineStandIn(full)}"`);
  }

  for (const p of limitProblems(c, { stack: ctx.stack, input }))
    problems.push(
      p.value === undefined
        ? `${keyOf(p.path)}: expected ${p.message}`
        : `${keyOf(p.path)}: got ${showValue(p.value, secretPaths.isSecret(p.path))}, expected ${p.message}`,
    );

  if (ctx.otherStacks?.length) {
    const self = identityOf(file ?? `Pulumi.${ctx.stack}.yaml`, ctx.stack, input);
    problems.push(...foldingClashes(self, ctx.otherStacks));
  }
  const wakeValue = wakeFromConfig === undefined ? undefined : raw[`${ctx.project}:${wakeFromConfig}`];
  if (wakeValue !== undefined && wakeValue.trim().length < MIN_PASSCODE_LENGTH)
    problems.push(
      problemText({
        key: `${ctx.project}:${wakeFromConfig}`,
        secret: true,
        expected: `a passcode of at least ${MIN_PASSCODE_LENGTH} characters (ferry:demo.wake.passcode)`,
      }),
    );

  const image = resolveImage(c, ctx.projectRoot, problems);
  if (problems.length > 0) throw fail(problems);
  const readSecret = (key: string) =>
    standIns.has(key) ? pulumi.secret(offlineStandIn(`${ctx.project}:${key}`)) : ctx.readSecret(key);
  return toFerryConfig(c, image, { ...ctx, readSecret }, secretEnv);
}

/** Paths of values that are the offline engine's stand-ins for `secure:` values. */
function standInPaths(input: Record<string, unknown>): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (typeof v === "string" && v === offlineStandIn(keyOf(path))) out.push(path);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  for (const [k, v] of Object.entries(input)) if (typeof v === "object") walk(v, [k]);
  return out;
}

/**
 * Moves `ferry:app.env` values that are secret (`pulumi config set --secret --path 'ferry:app.env.X'`) out of
 * the plain env: they become secrets stored like a `fromConfig` secret, so they never reach user-data or the
 * task definition in plain text. A `secure:` value anywhere else in a block is refused.
 */
function takeSecretEnv(
  input: Record<string, unknown>,
  secretPaths: SecretPaths,
  marked: ReadonlySet<string>,
  problems: string[],
  warn: (m: string) => void,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const top of marked) {
    if (!KNOWN_KEYS.includes(top) && !AWS_KEYS.includes(top)) continue;
    const nested = secretPaths.nestedUnder(top);
    for (const p of nested)
      if (!(top === "ferry:app" && p[1] === "env" && p.length === 3))
        problems.push(
          `${keyOf(p)}: got a secret value (not shown), expected a plain value: only ferry:app.env values and ` +
            `fromConfig keys may be secret (pulumi config set --path '${keyOf(p)}' <value>, without --secret)`,
        );
  }
  const app = input["ferry:app"];
  if (!marked.has("ferry:app") || !isObject(app) || !isObject(app.env)) return out;
  const env: Record<string, unknown> = { ...app.env };
  if (secretPaths.nestedUnder("ferry:app").length === 0)
    warn(
      "ferry:app is marked secret, but the stack file does not say which values are: every ferry:app.env value is treated as a secret",
    );
  for (const [name, value] of Object.entries(env))
    if (
      secretPaths.isSecret(["ferry:app", "env", name]) &&
      (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    ) {
      out[name] = String(value);
      delete env[name];
    }
  input["ferry:app"] = { ...app, env };
  return out;
}

function resolveImage(c: ParsedConfig, root: string, problems: string[]): ImageConfig {
  const img = c["ferry:image"];
  if (img.uri !== undefined) return { kind: "existing", uri: img.uri };
  const contextRel = img.context ?? "./app";
  const context = path.resolve(root, contextRel);
  const dockerfile = path.resolve(context, img.dockerfile ?? "Dockerfile");
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory())
    problems.push(`ferry:image.context: got "${contextRel}", expected a directory (not found at ${context})`);
  else if (fs.existsSync(dockerfile) && !fs.statSync(dockerfile).isFile())
    problems.push(
      `ferry:image.dockerfile: got "${img.dockerfile ?? "Dockerfile"}", expected a file in the build context (${dockerfile} is a directory)`,
    );
  else if (!fs.existsSync(dockerfile))
    problems.push(
      `ferry:image.dockerfile: got "${img.dockerfile ?? "Dockerfile"}", expected a file in the build context (not found at ${dockerfile})`,
    );
  return {
    kind: "build",
    context,
    dockerfile,
    platform: img.platform ?? IMAGE_DEFAULTS.platform,
    buildArgs: img.buildArgs ?? {},
    target: img.target,
    buildOnPreview: img.buildOnPreview ?? true,
  };
}

function toFerryConfig(
  c: ParsedConfig,
  image: ImageConfig,
  ctx: ParseContext,
  secretEnv: Readonly<Record<string, string>>,
): FerryConfig {
  const a = c["ferry:app"];
  const topology = c["ferry:topology"];
  const secrets: SecretSpec[] = Object.entries(a.secrets).map(([envName, s]) => ({
    envName,
    kmsKeyArn: s.kmsKeyArn,
    source:
      s.ssmParameter !== undefined
        ? { kind: "ssm", name: s.ssmParameter }
        : s.secretsManager !== undefined
          ? { kind: "secretsmanager", nameOrArn: s.secretsManager }
          : { kind: "config", key: s.fromConfig!, value: ctx.readSecret(s.fromConfig!) },
  }));
  for (const [envName, value] of Object.entries(secretEnv))
    secrets.push({
      envName,
      source: { kind: "config", key: `app.env.${envName}`, value: pulumi.secret(value) },
    });
  const dnsIn = c["ferry:dns"];
  const record = dnsIn?.record ?? a.name;
  const extraTags = c["aws:defaultTags"]?.tags ?? {};
  return {
    project: ctx.project,
    stack: ctx.stack,
    topology,
    aws: {
      region: c["aws:region"],
      allowedAccountIds: c["aws:allowedAccountIds"],
      profile: c["aws:profile"],
      extraTags,
    },
    tags: { app: a.name, stack: ctx.stack, "managed-by": "ferry", ...extraTags },
    app: {
      name: a.name,
      port: a.port,
      healthPath: a.healthPath,
      env: Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, String(v)])),
      secrets,
      cpu: a.cpu,
      memory: a.memory,
      dataBucket: a.dataBucket,
    },
    image,
    registry: { name: c["ferry:registry"].name ?? a.name, keepImages: c["ferry:registry"].keepImages },
    dns: dnsIn && {
      domain: dnsIn.domain,
      record,
      fqdn: record === "@" ? dnsIn.domain : `${record}.${dnsIn.domain}`,
    },
    demo: topology === "ec2-demo" ? demoSettings(c, ctx) : undefined,
    fargate: topology === "fargate-ha" ? (c["ferry:fargate"] ?? fargateDefaults()) : undefined,
    ci: c["ferry:ci"],
    budget: c["ferry:budget"],
  };
}

function demoSettings(c: ParsedConfig, ctx: ParseContext): DemoSettings {
  const parsed = c["ferry:demo"] ?? demoDefaults();
  const wake = parsed.wake;
  const p = wake?.passcode;
  return {
    ...parsed,
    https: demoHttps(c),
    wake: wake?.enabled
      ? {
          dailyStartLimit: wake.dailyStartLimit,
          reservedConcurrency: wake.reservedConcurrency,
          passcode:
            p?.fromConfig !== undefined
              ? { kind: "config", key: p.fromConfig, value: ctx.readSecret(p.fromConfig) }
              : p?.ssmParameter !== undefined
                ? { kind: "ssm", name: p.ssmParameter }
                : undefined,
        }
      : undefined,
  };
}

// Parse an empty block so the defaults live in one place: the schema.
const demoDefaults = (): DemoConfig => demoSchema.parse({});
const fargateDefaults = (): FargateConfig => fargateSchema.parse({});

/** True under Pulumi's mock runtime: the offline engine (`npm run plan`, tests), never `pulumi preview`. */
export function isOffline(): boolean {
  return pulumi.runtime.getMonitor() instanceof MockMonitor;
}

/** Pulumi's own record of which top-level keys are secret (internal to the SDK, stable since 3.x). */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret?.(key) ?? false;
}

/** This stack's file and the project's other stack files; unreadable other files are skipped. */
function readStackFiles(projectRoot: string, stack: string): { self?: StackFile; others: StackIdentity[] } {
  const name = `Pulumi.${stack}.yaml`;
  const file = path.join(projectRoot, name);
  // A syntax error here names the file, line and column (StackFileError → ConfigError below).
  const self = fs.existsSync(file) ? parseStackFile(name, fs.readFileSync(file, "utf8")) : undefined;
  const others: StackIdentity[] = [];
  for (const other of fs.readdirSync(projectRoot).sort()) {
    const otherStack = stackOfFileName(other);
    if (otherStack === undefined || other === name) continue;
    try {
      const parsed = parseStackFile(other, fs.readFileSync(path.join(projectRoot, other), "utf8"));
      others.push(identityOf(other, otherStack, parsed.config));
    } catch {
      // Another stack's broken file is that stack's problem; its own run reports it.
    }
  }
  return { self, others };
}

let stackFileDirectory: string | undefined;

/**
 * Where loadConfig reads Pulumi.<stack>.yaml and the other stack files: the offline engine evaluates stack
 * files kept outside the project root (a test's own) and says so here. @default the project root
 */
export function useStackFileDirectory(dir: string | undefined): void {
  stackFileDirectory = dir;
}

/** Reads and validates this stack's config from the Pulumi runtime. */
export function loadConfig(projectRoot: string = process.cwd()): FerryConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const secretConfig = new pulumi.Config(project);
  let files: ReturnType<typeof readStackFiles>;
  try {
    files = readStackFiles(stackFileDirectory ?? projectRoot, stack.split("/").pop()!);
  } catch (err) {
    if (err instanceof StackFileError) throw new ConfigError([err.message]);
    throw err;
  }
  return parseConfig(pulumi.runtime.allConfig(), {
    project,
    stack,
    projectRoot,
    readSecret: (key) => secretConfig.requireSecret(key),
    isSecret: isConfigSecret,
    stackFile: files.self,
    otherStacks: files.others,
    offline: isOffline(),
  });
}
