// Checks of limits AWS documents and of settings that would be silently ignored, run by the config gate
// after the schema and before any resource exists. Each mistake here used to pass the gate and fail later:
// in AWS (a 65-character certificate name, 17 KB of user-data), in the engine (two resources of one name),
// or never (a setting nothing reads). Pure: the parsed config and the raw input in, problems out.
import { gzipSync } from "fflate";
import {
  renderStartScript,
  renderUserData,
  USER_DATA_LIMIT,
  imageParameterName,
} from "../components/ec2Demo";
import { containerDefinition, containerEnvironment, healthCheckCommand } from "../components/fargateService";
import { stackPrefix } from "../components/names";
import { REGION_AZ_COUNT } from "./awsData";
import { DEFAULT_PROXY_IMAGE, demoSchema } from "./demo";
import type { ParsedConfig } from "./schema";

export interface LimitProblem {
  /** Config path, e.g. ["ferry:app", "env"]. */
  readonly path: (string | number)[];
  /** The value shown after "got" (masked later when secret). Undefined: no "got" part. */
  readonly value?: unknown;
  /** The "expected ..." half, with the fix. */
  readonly message: string;
}

/** ACM refuses a certificate whose domain name is longer than 64 characters. */
export const ACM_DOMAIN_LIMIT = 64;
/** A DNS name: 253 characters, 63 per label. */
export const FQDN_LIMIT = 253;
/** ECS: the container definitions of one task definition, serialized. */
export const CONTAINER_DEFINITIONS_LIMIT = 65536;

function duplicates<T>(items: readonly T[], key: (t: T) => string): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
}

export interface LimitContext {
  readonly stack: string;
  /** The config as written (before defaults), to tell a setting someone wrote from a default. */
  readonly input: Record<string, unknown>;
}

/** Every limit and silent-ignore problem of a config the schema accepted. */
export function limitProblems(c: ParsedConfig, ctx: LimitContext): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const add = (path: (string | number)[], value: unknown, message: string) =>
    problems.push({ path, value, message });
  const app = c["ferry:app"];
  const topology = c["ferry:topology"];
  const region = c["aws:region"];
  const accounts = c["aws:allowedAccountIds"];
  const prefix = stackPrefix(app.name, ctx.stack);

  // DNS: the name the app answers on, and (Fargate) the certificate ACM issues for it.
  const dns = c["ferry:dns"];
  if (dns) {
    const record = dns.record ?? app.name;
    const fqdn = record === "@" ? dns.domain : `${record}.${dns.domain}`;
    if (fqdn.length > FQDN_LIMIT)
      add(
        ["ferry:dns", "record"],
        fqdn,
        `a record and domain of at most ${FQDN_LIMIT} characters together (a DNS name's limit)`,
      );
    else if (topology === "fargate-ha" && fqdn.length > ACM_DOMAIN_LIMIT)
      add(
        ["ferry:dns", "record"],
        fqdn,
        `a name of at most ${ACM_DOMAIN_LIMIT} characters (${fqdn.length} now): ACM issues no certificate for a longer domain name; use a shorter record or domain`,
      );
  }

  // Secrets: one resource per name, named in lower case; a customer key must be usable where the secret lives.
  const secretNames = Object.keys(app.secrets);
  for (const i of duplicates(secretNames, (n) => n.toLowerCase()))
    add(
      ["ferry:app", "secrets", secretNames[i]],
      undefined,
      `a name that differs from ${secretNames.find((n) => n.toLowerCase() === secretNames[i].toLowerCase())} in more than letter case (both would become the same resource)`,
    );
  for (const [name, s] of Object.entries(app.secrets)) {
    if (s.kmsKeyArn === undefined) continue;
    const [, , , keyRegion, keyAccount] = s.kmsKeyArn.split(":");
    if (keyRegion !== region)
      add(
        ["ferry:app", "secrets", name, "kmsKeyArn"],
        s.kmsKeyArn,
        `a KMS key in this stack's region ${region} (SSM and Secrets Manager encrypt with a key of their own region)`,
      );
    else if (!accounts.includes(keyAccount))
      add(
        ["ferry:app", "secrets", name, "kmsKeyArn"],
        s.kmsKeyArn,
        `a KMS key in this stack's account (${accounts.join(", ")})`,
      );
  }

  if (topology === "ec2-demo") demoProblems(c, ctx, prefix, add);
  else fargateProblems(c, prefix, add);

  // CI in user mode is an ECR-push user: the OIDC settings would be ignored.
  const ciIn = ctx.input["ferry:ci"] as Record<string, unknown> | undefined;
  if (c["ferry:ci"]?.mode === "user" && ciIn)
    for (const k of [
      "deploy",
      "preview",
      "drift",
      "subjectClaims",
      "ownerId",
      "repositoryId",
      "oidcProviderArn",
    ])
      if (ciIn[k] !== undefined)
        add(
          ["ferry:ci", k],
          ciIn[k],
          'unset with mode "user" (an ECR-push user has no roles; the setting would be ignored), or mode "oidc"',
        );
  return problems;
}

type Add = (path: (string | number)[], value: unknown, message: string) => void;

function demoProblems(c: ParsedConfig, ctx: LimitContext, prefix: string, add: Add): void {
  const app = c["ferry:app"];
  const demo = c["ferry:demo"];
  const appIn = ctx.input["ferry:app"] as Record<string, unknown> | undefined;
  if (appIn?.dataBucket !== undefined)
    add(
      ["ferry:app", "dataBucket"],
      appIn.dataBucket,
      'no dataBucket with topology "ec2-demo" (the demo creates no bucket; it would be ignored)',
    );

  for (const key of ["ingressCidrs", "sshCidrs"] as const) {
    const list = demo?.[key] ?? [];
    for (const i of duplicates(list, (x) => x))
      add(
        ["ferry:demo", key, i],
        list[i],
        "each CIDR once (a second rule with the same CIDR and port is refused by EC2)",
      );
  }

  // The user-data EC2 receives: rendered as the component renders it, with stand-ins of the longest kind for
  // what only AWS knows (the zone id, secret ARNs), then gzipped like packUserData.
  if (problemsOnlyAfterRender(app)) return;
  const https = demo?.https ?? c["ferry:dns"] !== undefined;
  const dns = c["ferry:dns"];
  const record = dns?.record ?? app.name;
  try {
    const imageParameter = imageParameterName(prefix);
    const text = renderUserData({
      prefix,
      imageParameter,
      startScript: renderStartScript({
        region: c["aws:region"],
        containerName: app.name,
        port: app.port,
        openHttp: demo?.openHttp ?? false,
        healthPath: app.healthPath,
        imageParameter,
        env: Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, String(v)])),
        secrets: Object.entries(app.secrets).map(([envName, s]) => ({
          envName,
          kind: s.secretsManager !== undefined ? "secretsmanager" : "ssm",
          ref:
            s.ssmParameter ??
            (s.secretsManager !== undefined
              ? `arn:aws:secretsmanager:${c["aws:region"]}:123456789012:secret:${s.secretsManager}-AbCdEf`
              : `/${prefix}/${envName}`),
        })),
        dns: dns && {
          zoneId: "Z0123456789ABCDEFGHIJ",
          fqdn: record === "@" ? dns.domain : `${record}.${dns.domain}`,
        },
        https: https
          ? {
              proxyImage: demo?.proxyImage ?? DEFAULT_PROXY_IMAGE,
              acmeEmail: demo?.acmeEmail,
              acmeStaging: demo?.acmeStaging ?? false,
              // The schema's default when the block is absent: defaults live in the schema only.
              securityHeaders: (demo ?? demoSchema.parse({})).securityHeaders,
            }
          : undefined,
      }),
    });
    const size = gzipSync(Buffer.from(text, "utf8"), { level: 9, mtime: 0 }).byteLength;
    if (size > USER_DATA_LIMIT)
      add(
        ["ferry:app", "env"],
        `${size} bytes of user-data after gzip`,
        `at most ${USER_DATA_LIMIT} bytes (EC2's user-data limit): move long values to app.secrets (read at start, not carried in user-data) or into the image`,
      );
  } catch (err) {
    add(["ferry:app"], undefined, `values the instance start script can carry (${(err as Error).message})`);
  }
}

/** The schema already refuses these; rendering would only repeat them. */
function problemsOnlyAfterRender(app: ParsedConfig["ferry:app"]): boolean {
  return Object.values(app.env).some((v) => typeof v === "string" && /[\r\n\0]/.test(v));
}

function fargateProblems(c: ParsedConfig, prefix: string, add: Add): void {
  const app = c["ferry:app"];
  const f = c["ferry:fargate"];
  const region = c["aws:region"];
  const azs = REGION_AZ_COUNT[region];
  const azCount = f?.azCount ?? 2;
  if (f?.vpcId === undefined && azs !== undefined && azCount > azs)
    add(
      ["ferry:fargate", "azCount"],
      azCount,
      `at most ${azs}: ${region} has ${azs} Availability Zones a new account can use`,
    );

  const subnets = f?.subnetIds ?? [];
  for (const i of duplicates(subnets, (s) => s))
    add(
      ["ferry:fargate", "subnetIds", i],
      subnets[i],
      "each subnet once (the load balancer needs two different subnets)",
    );

  const egress = f?.extraEgress ?? [];
  for (const i of duplicates(egress, (r) => `${r.port} ${r.cidr}`))
    add(
      ["ferry:fargate", "extraEgress", i],
      egress[i],
      "each port and CIDR once (EC2 refuses a duplicate security group rule)",
    );
  // The task definition's container definitions, serialized the way the component serializes them, with the
  // longest stand-ins for what AWS assigns (image digest, secret ARNs, the load balancer's name).
  const environment = containerEnvironment<string>({
    env: Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, String(v)])),
    dataBucket: app.dataBucket ? { envVar: app.dataBucket.envVar, name: "b".repeat(63) } : undefined,
    appUrl: f?.appUrlEnvVar
      ? { envVar: f.appUrlEnvVar, value: `https://${"a".repeat(32)}-1234567890.${region}.elb.amazonaws.com` }
      : undefined,
    ipv6Tasks: f?.taskNetwork === "ipv6-only",
    secretNames: Object.keys(app.secrets),
  });
  const probe = f?.containerHealthCheck.probe ?? "python";
  const command = healthCheckCommand(probe, app.port, app.healthPath);
  const definition = containerDefinition({
    name: app.name,
    image: `123456789012.dkr.ecr.${region}.amazonaws.com/${c["ferry:registry"].name ?? app.name}@sha256:${"0".repeat(64)}`,
    port: app.port,
    environment,
    secrets: Object.entries(app.secrets).map(([envName, s]) => ({
      envName,
      ref:
        s.ssmParameter !== undefined
          ? `arn:aws:ssm:${region}:123456789012:parameter${s.ssmParameter}`
          : `arn:aws:secretsmanager:${region}:123456789012:secret:${s.secretsManager ?? `${prefix}/${envName}-0123456789abcdef0123456789`}-AbCdEf`,
    })),
    healthCheck: command && { command, startPeriodSeconds: 30 },
    logGroupName: f?.logGroupName ?? `/ecs/${app.name}`,
    region,
    readonlyRootFilesystem: f?.readonlyRootFilesystem ?? false,
    ecsExec: f?.ecsExec ?? false,
  });
  const size = Buffer.byteLength(JSON.stringify([definition]), "utf8");
  if (size > CONTAINER_DEFINITIONS_LIMIT)
    add(
      ["ferry:app", "env"],
      `${size} bytes of container definitions`,
      `at most ${CONTAINER_DEFINITIONS_LIMIT} bytes (the ECS task definition limit): move long values to app.secrets or into the image`,
    );
}
