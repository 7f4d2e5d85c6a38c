// Reads the whole stack config once, validates it, and returns one typed object. Nothing else in the
// program reads `pulumi.Config`; components get what they need as args.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { CiConfig } from "./ci";
import { demoSchema, MIN_PASSCODE_LENGTH, type DemoConfig } from "./demo";
import { ConfigError, describeValue, problemsFrom, problemText, unknownKeyProblem } from "./errors";
import { fargateSchema, type FargateConfig } from "./fargate";
import { demoHttps, rootSchema, type ParsedConfig, type Topology } from "./schema";

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

export interface ParseContext {
  readonly project: string;
  readonly stack: string;
  /** Directory relative paths (image.context) are resolved against. */
  readonly projectRoot: string;
  /** Reads a secret config value of this project as an Output secret. */
  readonly readSecret: (key: string) => pulumi.Output<string>;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Pure: raw config map (as `pulumi config` stores it: every value a string) → typed config, or ConfigError. */
export function parseConfig(raw: Readonly<Record<string, string>>, ctx: ParseContext): FerryConfig {
  const input: Record<string, unknown> = {};
  for (const key of [...KNOWN_KEYS, "aws:region", "aws:allowedAccountIds"])
    if (raw[key] !== undefined) input[key] = key === "ferry:topology" ? raw[key] : parseValue(raw[key]);

  const problems: string[] = [];
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

  // ferry's own `stack` and `app` tags say whose a resource is, and the CI roles' tag conditions rely on them:
  // a stack file may not set them through aws:defaultTags (IAM compares tag keys case-insensitively).
  const extraTags = (parseValue(raw["aws:defaultTags"] ?? "{}") as { tags?: Record<string, unknown> }).tags;
  for (const key of Object.keys(extraTags ?? {}).filter((k) => ["stack", "app"].includes(k.toLowerCase())))
    problems.push(
      `aws:defaultTags.tags.${key}: got ${describeValue(extraTags![key])}, expected no "${key}" tag: ` +
        `ferry sets "stack" and "app" on every resource itself (docs/security.md)`,
    );

  const result = rootSchema.safeParse(input, { reportInput: true });
  if (!result.success) problems.push(...problemsFrom(result.error, input, rootSchema));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const c = result.data;

  for (const [envName, s] of Object.entries(c["ferry:app"].secrets))
    if (s.fromConfig !== undefined && raw[`${ctx.project}:${s.fromConfig}`] === undefined)
      problems.push(
        `ferry:app.secrets.${envName}.fromConfig: config key "${ctx.project}:${s.fromConfig}" is not set; ` +
          `expected it set with: pulumi config set --secret ${s.fromConfig} <value>`,
      );

  const wakeFromConfig = c["ferry:demo"]?.wake?.passcode?.fromConfig;
  if (wakeFromConfig !== undefined && raw[`${ctx.project}:${wakeFromConfig}`] === undefined)
    problems.push(
      `ferry:demo.wake.passcode.fromConfig: config key "${ctx.project}:${wakeFromConfig}" is not set; ` +
        `expected it set with: pulumi config set --secret ${wakeFromConfig} <value>`,
    );

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
  if (problems.length > 0) throw new ConfigError(problems);
  return toFerryConfig(c, image, raw, ctx);
}

function resolveImage(c: ParsedConfig, root: string, problems: string[]): ImageConfig {
  const img = c["ferry:image"];
  if (img.uri !== undefined) return { kind: "existing", uri: img.uri };
  const contextRel = img.context ?? "./app";
  const context = path.resolve(root, contextRel);
  const dockerfile = path.resolve(context, img.dockerfile ?? "Dockerfile");
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory())
    problems.push(`ferry:image.context: got "${contextRel}", expected a directory (not found at ${context})`);
  else if (!fs.existsSync(dockerfile))
    problems.push(
      `ferry:image.dockerfile: got "${img.dockerfile ?? "Dockerfile"}", expected a file in the build context (not found at ${dockerfile})`,
    );
  return {
    kind: "build",
    context,
    dockerfile,
    platform: img.platform ?? "linux/amd64",
    buildArgs: img.buildArgs ?? {},
    target: img.target,
    buildOnPreview: img.buildOnPreview ?? true,
  };
}

function toFerryConfig(
  c: ParsedConfig,
  image: ImageConfig,
  raw: Readonly<Record<string, string>>,
  ctx: ParseContext,
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
  const dnsIn = c["ferry:dns"];
  const record = dnsIn?.record ?? a.name;
  const defaultTags = parseValue(raw["aws:defaultTags"] ?? "{}") as { tags?: Record<string, string> };
  return {
    project: ctx.project,
    stack: ctx.stack,
    topology,
    aws: {
      region: c["aws:region"],
      allowedAccountIds: c["aws:allowedAccountIds"],
      profile: raw["aws:profile"],
      extraTags: defaultTags.tags ?? {},
    },
    tags: { app: a.name, stack: ctx.stack, "managed-by": "ferry", ...(defaultTags.tags ?? {}) },
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

/** Reads and validates this stack's config from the Pulumi runtime. */
export function loadConfig(projectRoot: string = process.cwd()): FerryConfig {
  const project = pulumi.getProject();
  const secretConfig = new pulumi.Config(project);
  return parseConfig(pulumi.runtime.allConfig(), {
    project,
    stack: pulumi.getStack(),
    projectRoot,
    readSecret: (key) => secretConfig.requireSecret(key),
  });
}
