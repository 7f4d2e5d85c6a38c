// `ferry:fargate`: settings of the HA Fargate topology (requirements P1–P11).
import { z } from "zod";
import { parseEcrRef } from "../components/image";
import { hasPrivateSubnetRoom, largestPrefixWithPrivateRoom } from "../components/network";
import {
  bool,
  cidr,
  egressCidr,
  email,
  envName,
  int,
  isIpv6Cidr,
  port,
  sgDescription,
  subnetId,
} from "./fields";

/** CPU units → allowed memory (MiB) for Fargate. AWS rejects any other pair. */
export const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * How the container checks itself. No probe works in every image (slim images lack curl and wget, distroless
 * ones have no shell or interpreter at all), so the default is "none": the load balancer's health check on
 * `app.healthPath` is the gate (a task that fails it is replaced, and a deployment whose tasks fail it rolls
 * back). "python", "curl" and "wget" add an ECS container health check for images known to have that tool.
 */
export const CONTAINER_PROBES = ["python", "curl", "wget", "none"] as const;
export type ContainerProbe = (typeof CONTAINER_PROBES)[number];

/** How Fargate tasks reach AWS and the internet (`ferry:fargate.taskNetwork`). */
export const TASK_NETWORKS = ["public-ipv4", "ipv6-only"] as const;
export type TaskNetwork = (typeof TASK_NETWORKS)[number];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

export const fargateSchema = z
  .strictObject({
    /** ECS cluster name. @default "<app.name>-cluster" */
    clusterName: z
      .string({ error: "a cluster name: 1-255 letters, digits, hyphens, underscores" })
      .regex(/^[A-Za-z0-9_-]{1,255}$/, {
        error: "a cluster name: 1-255 letters, digits, hyphens, underscores",
      })
      .optional(),
    /**
     * Existing VPC; needs `subnetIds` (public subnets in at least two AZs, routed to an internet gateway: the
     * tasks and the internal load balancer use them). Default: a new VPC.
     */
    vpcId: z
      .string({ error: 'a VPC id such as "vpc-0123456789abcdef0"' })
      .regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'a VPC id such as "vpc-0123456789abcdef0"' })
      .optional(),
    subnetIds: z.array(subnetId(), { error: "a list of subnet ids" }).optional(),
    /**
     * CIDR of the VPC the program creates when `vpcId` is unset: one task subnet and (behind CloudFront) one
     * private subnet per AZ, all of the same size. /16 to /22 for two AZs (/24 with insecureHttpOnly).
     */
    vpcCidr: cidr().default("10.0.0.0/16"),
    /** Availability Zones the new VPC's subnets spread over (an ALB needs two). */
    azCount: int(2, 6, "a number of Availability Zones: an integer").default(2),
    desiredCount: int(1, 100, "a task count: an integer").default(2),
    minCount: int(1, 100, "a task count: an integer").default(2),
    maxCount: int(1, 100, "a task count: an integer").default(10),
    /** Target average CPU % for scaling. */
    cpuTarget: int(10, 95, "a CPU percentage: an integer").default(70),
    scaleOutCooldown: int(0, 3600, "seconds: an integer").default(60),
    scaleInCooldown: int(0, 3600, "seconds: an integer").default(300),
    /** Capacity provider strategy: `onDemandBase` tasks on FARGATE, the rest split by weight. */
    capacity: z
      .strictObject({
        onDemandBase: int(0, 100, "a task count: an integer").default(1),
        onDemandWeight: int(0, 1000, "a weight: an integer").default(0),
        spotWeight: int(0, 1000, "a weight: an integer").default(1),
      })
      .default({ onDemandBase: 1, onDemandWeight: 0, spotWeight: 1 }),
    healthCheckGraceSeconds: int(0, 2147483647, "seconds: an integer").default(60),
    /** How long `pulumi up` waits for the service to reach steady state. */
    deployTimeoutMinutes: int(5, 120, "minutes: an integer").default(20),
    /**
     * CloudWatch Container Insights on the cluster: "enabled" (classic per-cluster/service/task-family metrics,
     * billed as custom metrics), "enhanced" (also per task and container, more metrics), or "disabled" (the
     * free AWS/ECS service CPU/memory metrics, which the alarms use, remain).
     */
    containerInsights: z
      .enum(["enabled", "enhanced", "disabled"], { error: '"enabled", "enhanced" or "disabled"' })
      .default("enabled"),
    /** ECS Exec (`aws ecs execute-command`); adds SSM messages permissions to the task role. */
    ecsExec: bool().default(false),
    /** Alarms; the SNS topic exists either way, the e-mail subscription only when `email` is set. */
    alarms: z
      .strictObject({
        email: email().optional(),
        /** Target 5xx responses as % of requests (over 1-minute periods) that raise the error-rate alarm. */
        errorRatePercent: int(1, 100, "a percentage: an integer").default(5),
        /** Average target response time (seconds) that raises the latency alarm. */
        latencySeconds: int(1, 60, "seconds: an integer").default(5),
      })
      .default({ errorRatePercent: 5, latencySeconds: 5 }),
    /** Log group of the container's stdout/stderr. @default "/ecs/<app.name>" */
    logGroupName: z
      .string({ error: 'a log group name such as "/ecs/my-app"' })
      .regex(/^[A-Za-z0-9_./#-]{1,512}$/, {
        error: 'a log group name such as "/ecs/my-app" (letters, digits, _ - / . #)',
      })
      .optional(),
    logRetentionDays: z
      .number({ error: `a retention CloudWatch Logs accepts: one of ${LOG_RETENTION_DAYS.join(", ")}` })
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        error: `a retention CloudWatch Logs accepts: one of ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(7),
    /** The container's own health check (the ALB checks the same path independently). */
    containerHealthCheck: z
      .strictObject({
        probe: z.enum(CONTAINER_PROBES, { error: `one of ${CONTAINER_PROBES.join(", ")}` }).default("none"),
        /** Failures during this time after start do not count. */
        startPeriodSeconds: int(0, 300, "seconds: an integer").default(30),
      })
      .default({ probe: "none", startPeriodSeconds: 30 }),
    /**
     * CPU architecture of the task. "ARM64" (Graviton) costs about 20 % less per vCPU and GB. Default: what a
     * built image is built for (linux/arm64 → ARM64); an existing image runs on X86_64. When set, a built
     * image's platform must match it (the config checks).
     */
    cpuArchitecture: z.enum(["X86_64", "ARM64"], { error: '"X86_64" or "ARM64"' }).optional(),
    /**
     * The loud opt-out of HTTPS: an internet-facing load balancer serving plain HTTP on port 80, no CloudFront.
     * Logins, cookies and tokens then cross the internet unencrypted. Refused together with ferry:dns.
     * Default: HTTPS through CloudFront, the load balancer internal.
     */
    insecureHttpOnly: bool().default(false),
    /**
     * How tasks reach AWS and the internet. "public-ipv4": a public IPv4 address per task in public subnets
     * (no NAT gateway), $3.65 a month each. "ipv6-only": tasks in IPv6-only subnets with no IPv4 at all, out
     * through a free egress-only internet gateway; the image is pulled from ECR's dual-stack endpoint and AWS
     * SDKs in the app are told to use dual-stack endpoints. Every address the app calls must then answer on
     * IPv6 (there is no NAT64): check your APIs first (docs/fargate.md). Needs the VPC ferry creates, the HTTPS
     * entry (not insecureHttpOnly) and an image in Amazon ECR.
     */
    taskNetwork: z.enum(TASK_NETWORKS, { error: '"public-ipv4" or "ipv6-only"' }).default("public-ipv4"),
    /**
     * With ipv6-only tasks, `pulumi preview` and `up` look up an IPv6 address (AAAA record) for every http(s)
     * URL in `ferry:app.env` and stop when a host has none. false skips the lookups (an upstream that lost its
     * AAAA record must not block an urgent deploy); IPv4 literals are refused either way.
     */
    ipv6UrlCheck: bool().default(true),
    /** Mount the root filesystem read-only (a writable /tmp is mounted). Incompatible with ecsExec. */
    readonlyRootFilesystem: bool().default(false),
    /** ALB cookie stickiness: apps that keep per-user state in process memory (Streamlit sessions) need it. */
    stickySessions: bool().default(false),
    /** Env var that receives the public URL (https://<fqdn>, or https://<distribution>.cloudfront.net). */
    appUrlEnvVar: z.string().regex(envName, { error: "an environment variable name" }).optional(),
    /**
     * Outbound rules for tasks beyond HTTPS (443) to anywhere, e.g. a database port: IPv4 CIDRs with
     * public-ipv4 tasks, IPv6 CIDRs with ipv6-only tasks.
     */
    extraEgress: z
      .array(
        z.strictObject({
          port: port(),
          cidr: egressCidr(),
          description: sgDescription().optional(),
        }),
        { error: "a list of { port, cidr } rules" },
      )
      .default([]),
  })
  .superRefine((f, ctx) => {
    if (f.minCount > f.maxCount)
      ctx.addIssue({
        code: "custom",
        path: ["minCount"],
        input: f.minCount,
        message: `at most maxCount (${f.maxCount})`,
      });
    if (f.desiredCount < f.minCount || f.desiredCount > f.maxCount)
      ctx.addIssue({
        code: "custom",
        path: ["desiredCount"],
        input: f.desiredCount,
        message: `between minCount (${f.minCount}) and maxCount (${f.maxCount})`,
      });
    if (f.capacity.spotWeight > 0 && f.capacity.onDemandBase < 1)
      ctx.addIssue({
        code: "custom",
        path: ["capacity", "onDemandBase"],
        input: f.capacity.onDemandBase,
        message: "at least 1 when spotWeight > 0, so a Spot interruption never takes every task",
      });
    if (f.capacity.spotWeight === 0 && f.capacity.onDemandWeight === 0)
      ctx.addIssue({
        code: "custom",
        path: ["capacity", "onDemandWeight"],
        message: "greater than 0 when spotWeight is 0, or no task beyond the base can be placed",
      });
    if ((f.vpcId === undefined) !== (f.subnetIds === undefined))
      ctx.addIssue({
        code: "custom",
        path: [f.vpcId === undefined ? "vpcId" : "subnetIds"],
        message: "vpcId and subnetIds set together (an existing VPC needs its public subnets named)",
      });
    const prefixLength = Number(f.vpcCidr.split("/")[1]);
    if (f.vpcId === undefined && (prefixLength < 16 || prefixLength > 24))
      ctx.addIssue({
        code: "custom",
        path: ["vpcCidr"],
        message:
          "a VPC CIDR from /16 to /24 (AWS allows /16 to /28; the program cuts one subnet per AZ out of it)",
      });
    // Behind CloudFront the load balancer gets private subnets of its own, as large as the task subnets.
    if (
      f.vpcId === undefined &&
      !f.insecureHttpOnly &&
      prefixLength >= 16 &&
      prefixLength <= 24 &&
      !hasPrivateSubnetRoom(f.vpcCidr, f.azCount)
    )
      ctx.addIssue({
        code: "custom",
        path: ["vpcCidr"],
        message: `a VPC CIDR with room for ${f.azCount} task and ${f.azCount} private subnets of the same size (a /${largestPrefixWithPrivateRoom(f.azCount)} or larger)`,
      });
    if (f.readonlyRootFilesystem && f.ecsExec)
      ctx.addIssue({
        code: "custom",
        path: ["readonlyRootFilesystem"],
        message: "false while ecsExec is true (the ECS Exec agent writes to the container filesystem)",
      });
    if (f.taskNetwork === "ipv6-only") {
      if (f.vpcId !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["taskNetwork"],
          input: f.taskNetwork,
          message:
            '"public-ipv4" while vpcId is set (ipv6-only builds its own IPv6-only subnets in the VPC ferry creates: remove vpcId and subnetIds to keep ipv6-only)',
        });
      if (f.insecureHttpOnly)
        ctx.addIssue({
          code: "custom",
          path: ["taskNetwork"],
          input: f.taskNetwork,
          message:
            '"public-ipv4" while insecureHttpOnly is true (ipv6-only puts the load balancer behind CloudFront: remove insecureHttpOnly to keep ipv6-only)',
        });
    }
    f.extraEgress.forEach((rule, i) => {
      if (f.taskNetwork === "ipv6-only" && !isIpv6Cidr(rule.cidr))
        ctx.addIssue({
          code: "custom",
          path: ["extraEgress", i, "cidr"],
          input: rule.cidr,
          message:
            "an IPv6 CIDR while taskNetwork is ipv6-only (tasks have no IPv4 address or route; an IPv6 destination, or taskNetwork: public-ipv4)",
        });
      if (f.taskNetwork === "public-ipv4" && isIpv6Cidr(rule.cidr))
        ctx.addIssue({
          code: "custom",
          path: ["extraEgress", i, "cidr"],
          input: rule.cidr,
          message:
            "an IPv4 CIDR while taskNetwork is public-ipv4 (tasks have no IPv6 address; an IPv4 destination, or taskNetwork: ipv6-only)",
        });
    });
    if (f.subnetIds !== undefined && f.subnetIds.length < 2)
      ctx.addIssue({
        code: "custom",
        path: ["subnetIds"],
        message: "at least two subnets in different Availability Zones (an ALB needs two)",
      });
  });

export type FargateConfig = z.output<typeof fargateSchema>;

export interface EnvIssue {
  /** Full config path, e.g. ["ferry:fargate", "appUrlEnvVar"]. */
  readonly path: string[];
  readonly value: string;
  /** The "expected ..." text. */
  readonly message: string;
}

/**
 * Variables the Fargate topology adds to the container (the data bucket's name, the public URL) must not
 * reuse a name from `app.env` or `app.secrets`: ECS would keep one of the two without a word. Pure, so the
 * root schema can run it next to its other cross-block checks.
 */
export function fargateEnvIssues(
  app: {
    readonly env: Readonly<Record<string, unknown>>;
    readonly secrets: Readonly<Record<string, unknown>> | ReadonlyArray<{ readonly envName: string }>;
    readonly dataBucket?: { readonly envVar: string };
  },
  fargate: { readonly appUrlEnvVar?: string } | undefined,
): EnvIssue[] {
  const taken = new Map<string, string>();
  for (const name of Object.keys(app.env)) taken.set(name, `ferry:app.env.${name}`);
  const secretNames = Array.isArray(app.secrets)
    ? (app.secrets as ReadonlyArray<{ envName: string }>).map((s) => s.envName)
    : Object.keys(app.secrets);
  for (const name of secretNames) taken.set(name, `ferry:app.secrets.${name}`);
  const issues: EnvIssue[] = [];
  const claim = (path: string[], name: string | undefined) => {
    if (name === undefined) return;
    const owner = taken.get(name);
    if (owner) issues.push({ path, value: name, message: `a variable name not also set by ${owner}` });
    else taken.set(name, path.join("."));
  };
  claim(["ferry:app", "dataBucket", "envVar"], app.dataBucket?.envVar);
  claim(["ferry:fargate", "appUrlEnvVar"], fargate?.appUrlEnvVar);
  return issues;
}

/**
 * Rules between ferry:fargate and the other blocks, pure so the root schema runs them with its other
 * cross-block checks: the image must be built for the task's CPU architecture (an amd64 image on an ARM64
 * task, or the reverse, fails at start with "exec format error"), the plain-HTTP opt-out cannot go with a
 * domain (a domain is always served over HTTPS), and IPv6-only tasks pull from ECR only.
 */
export function fargateCrossIssues(c: {
  /** `platform` with its default applied by the caller (the root schema). */
  readonly image: { readonly uri?: string; readonly platform: string };
  readonly fargate: {
    readonly cpuArchitecture?: "X86_64" | "ARM64";
    readonly insecureHttpOnly: boolean;
    readonly taskNetwork: TaskNetwork;
  };
  readonly hasDns: boolean;
}): { path: string[]; input?: unknown; message: string }[] {
  const issues: { path: string[]; input?: unknown; message: string }[] = [];
  const platform = c.image.platform;
  const wanted = c.fargate.cpuArchitecture === "ARM64" ? "linux/arm64" : "linux/amd64";
  if (c.image.uri === undefined && c.fargate.cpuArchitecture !== undefined && platform !== wanted)
    issues.push({
      path: ["ferry:image", "platform"],
      input: platform,
      message: `"${wanted}" to run on ferry:fargate.cpuArchitecture ${c.fargate.cpuArchitecture} (or change cpuArchitecture)`,
    });
  if (c.fargate.insecureHttpOnly && c.hasDns)
    issues.push({
      path: ["ferry:fargate", "insecureHttpOnly"],
      input: true,
      message:
        "false or unset while ferry:dns is set (a domain is always served over HTTPS through CloudFront)",
    });
  // An IPv6-only task pulls through ECR's dual-stack endpoint; other registries are not known to answer on
  // IPv6, and the task has no IPv4 route to try instead.
  if (c.fargate.taskNetwork === "ipv6-only" && c.image.uri !== undefined && !parseEcrRef(c.image.uri))
    issues.push({
      path: ["ferry:image", "uri"],
      input: c.image.uri,
      message:
        'an image in Amazon ECR ("<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>"), or a build, while ferry:fargate.taskNetwork is ipv6-only',
    });
  return issues;
}

/** `ferry:app.env` entries whose value is an http(s) URL, with its host (brackets of an IPv6 literal removed). */
export function envUrlHosts(
  env: Readonly<Record<string, string | number | boolean>>,
): { name: string; host: string }[] {
  const out: { name: string; host: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string") continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (url.protocol === "http:" || url.protocol === "https:")
      out.push({ name, host: url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase() });
  }
  return out;
}

/** Inside the task itself (a sidecar, a local collector): reachable whatever the network. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * IPv6-only tasks reach no IPv4 address: a URL in `ferry:app.env` on an IPv4 literal (or an IPv4-mapped IPv6
 * one, "::ffff:10.0.0.5") is refused offline; names are looked up by `pulumi preview` (stacks/preflight.ts).
 * Only the host is shown (`params.show`): a URL's path or query may carry a token. Pure.
 */
export function ipv6EnvIssues(
  env: Readonly<Record<string, string | number | boolean>>,
  taskNetwork: TaskNetwork,
): { path: string[]; input: string; params: { show: string }; message: string }[] {
  if (taskNetwork !== "ipv6-only") return [];
  return envUrlHosts(env)
    .filter(
      ({ host }) => !isLoopbackHost(host) && (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^::ffff:/.test(host)),
    )
    .map(({ name, host }) => ({
      path: ["ferry:app", "env", name],
      input: host,
      params: { show: host },
      message:
        "a URL on a host that answers on IPv6 while ferry:fargate.taskNetwork is ipv6-only (this is an IPv4 address; the tasks have no IPv4), or taskNetwork: public-ipv4",
    }));
}

/**
 * The task's CPU architecture: `ferry:fargate.cpuArchitecture` when set, else what a built image is built for
 * (linux/arm64 → ARM64), else X86_64 (an existing image cannot be inspected offline). Pure.
 */
export function taskArchitecture(
  image: { readonly kind: "build"; readonly platform: string } | { readonly kind: string },
  fargate: { readonly cpuArchitecture?: "X86_64" | "ARM64" },
): "X86_64" | "ARM64" {
  if (fargate.cpuArchitecture) return fargate.cpuArchitecture;
  return image.kind === "build" && "platform" in image && image.platform === "linux/arm64"
    ? "ARM64"
    : "X86_64";
}
