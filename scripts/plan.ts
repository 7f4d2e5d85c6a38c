// `npm run plan -- <stack> [--format text|json|markdown] [--hours H]`: what `pulumi up` would declare for a
// stack, offline, what it would cost a month, and its architecture as a Mermaid diagram. Evaluates the real
// program with Pulumi.<stack>.yaml under the mock runtime (no AWS account, no Pulumi CLI, no Docker) — the
// same evaluation the stack tests assert on.
import { ConfigError } from "../config";
import { dualStackImageRef } from "../components/image";
import { budgetSchema } from "../config/schema";
import {
  evaluateStack,
  stackFilePath,
  stackFiles,
  type Evaluation,
  type Overrides,
  type Recorded,
} from "./plan/engine";
import { estimate, type Estimate } from "./plan/cost";
import * as fs from "node:fs";
import { clashesOf, stackClaims, type Clash, type StackClaims } from "./plan/clashCheck";
import { estimateText, planMarkdown } from "./plan/markdown";
import { architecture, diagram, type Architecture } from "./plan/mermaid";
import { renderSvg } from "./plan/svg";
import { WIDTH, wrap, wrapCommand } from "./plan/text";

type Summary = (r: Recorded) => Record<string, unknown>;

const parse = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

/**
 * The container's own health check as the plan shows it: the probe's program, or "none" when the load
 * balancer's health check is the only gate (a probe would need a tool the image may lack).
 */
function containerProbe(definitions: unknown): string | undefined {
  if (typeof definitions !== "string") return undefined;
  const command = (JSON.parse(definitions) as { healthCheck?: { command?: string[] } }[])[0]?.healthCheck
    ?.command;
  return command ? command[1] : "none (load balancer check)";
}

/** "dual-stack" when the container pulls through ECR's dual-stack endpoint (IPv6-only tasks). */
function imagePull(definitions: unknown): string | undefined {
  if (typeof definitions !== "string") return undefined;
  const image = (JSON.parse(definitions) as { image?: string }[])[0]?.image;
  return typeof image === "string" && dualStackImageRef(image) === image ? "ECR dual-stack" : undefined;
}

/** The settings a person checks first, per resource type. Anything else shows its name, if it has one. */
const SUMMARIES: Record<string, Summary> = {
  "pulumi:providers:aws": (r) => ({
    region: r.inputs.region,
    allowedAccountIds: parse(r.inputs.allowedAccountIds),
  }),
  "aws:ecr/repository:Repository": (r) => ({
    name: r.inputs.name,
    scanOnPush: r.inputs.imageScanningConfiguration?.scanOnPush,
  }),
  "docker-build:index:Image": (r) => ({
    platforms: r.inputs.platforms,
    tags: r.inputs.tags,
    context: r.inputs.context?.location,
  }),
  "aws:ec2/instance:Instance": (r) => ({
    instanceType: r.inputs.instanceType,
    imdsv2: r.inputs.metadataOptions?.httpTokens,
    rootVolume:
      r.inputs.rootBlockDevice &&
      `${r.inputs.rootBlockDevice.volumeSize} GiB ${r.inputs.rootBlockDevice.volumeType}`,
  }),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (r) => ({
    port:
      r.inputs.fromPort === r.inputs.toPort ? r.inputs.fromPort : `${r.inputs.fromPort}-${r.inputs.toPort}`,
    from:
      r.inputs.cidrIpv4 ??
      r.inputs.cidrIpv6 ??
      (r.inputs.referencedSecurityGroupId
        ? "security group"
        : r.inputs.prefixListId
          ? `prefix list ${String(r.inputs.prefixListId)}`
          : undefined),
  }),
  "aws:ecs/service:Service": (r) => ({
    desiredCount: r.inputs.desiredCount,
    publicIp: r.inputs.networkConfiguration?.assignPublicIp,
  }),
  "aws:ecs/taskDefinition:TaskDefinition": (r) => ({
    cpu: r.inputs.cpu,
    memory: r.inputs.memory,
    arch: r.inputs.runtimePlatform?.cpuArchitecture,
    probe: containerProbe(r.inputs.containerDefinitions),
    pull: imagePull(r.inputs.containerDefinitions),
  }),
  "aws:ec2/subnet:Subnet": (r) => ({
    ipv6: r.inputs.ipv6Native ? "only" : r.inputs.ipv6CidrBlock !== undefined ? "dual-stack" : undefined,
  }),
  "aws:lb/loadBalancer:LoadBalancer": (r) => ({
    name: r.inputs.name,
    scheme: r.inputs.internal ? "internal" : "internet-facing",
    ip: r.inputs.ipAddressType === "dualstack" ? "dualstack" : undefined,
  }),
  "aws:cloudfront/distribution:Distribution": (r) => ({
    viewer: r.inputs.defaultCacheBehavior?.viewerProtocolPolicy,
    aliases: r.inputs.aliases?.length ? r.inputs.aliases.join(", ") : undefined,
    certificate: r.inputs.viewerCertificate?.cloudfrontDefaultCertificate ? "*.cloudfront.net" : "ACM",
  }),
  "aws:cloudfront/vpcOrigin:VpcOrigin": (r) => ({
    protocol: r.inputs.vpcOriginEndpointConfig?.originProtocolPolicy,
    port: r.inputs.vpcOriginEndpointConfig?.httpPort,
  }),
  "aws:lb/listener:Listener": (r) => ({ port: r.inputs.port, protocol: r.inputs.protocol }),
  "aws:lb/listenerRule:ListenerRule": (r) => ({
    priority: r.inputs.priority,
    path: r.inputs.conditions?.[0]?.pathPattern?.values,
    action: r.inputs.actions?.[0]?.type,
  }),
  "aws:lb/targetGroup:TargetGroup": (r) => ({
    name: r.inputs.name,
    port: r.inputs.port,
    health: r.inputs.healthCheck?.path,
    targets: r.inputs.ipAddressType === "ipv6" ? "IPv6" : undefined,
  }),
  "aws:appautoscaling/target:Target": (r) => ({ min: r.inputs.minCapacity, max: r.inputs.maxCapacity }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (r) => ({
    metric: r.inputs.metricName,
    when: `${r.inputs.comparisonOperator} ${r.inputs.threshold}`,
  }),
  "aws:route53/record:Record": (r) => ({ name: r.inputs.name, type: r.inputs.type }),
  "aws:acm/certificate:Certificate": (r) => ({
    domain: r.inputs.domainName,
    validation: r.inputs.validationMethod,
  }),
  "aws:ssm/parameter:Parameter": (r) => ({ name: r.inputs.name, type: r.inputs.type }),
  "aws:cloudwatch/logGroup:LogGroup": (r) => ({
    name: r.inputs.name,
    retentionDays: r.inputs.retentionInDays,
  }),
};

function summary(r: Recorded): Record<string, unknown> {
  const fields = SUMMARIES[r.type]?.(r) ?? (typeof r.inputs.name === "string" ? { name: r.inputs.name } : {});
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function format(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(", ") : String(v);
}

export interface PlanNode {
  type: string;
  name: string;
  settings: Record<string, unknown>;
  children: PlanNode[];
}

export function planTree(e: Evaluation): PlanNode[] {
  const nodes = new Map<string, PlanNode>();
  for (const r of e.resources)
    nodes.set(r.urn, { type: r.type, name: r.name, settings: summary(r), children: [] });
  const roots: PlanNode[] = [];
  for (const r of e.resources) {
    const node = nodes.get(r.urn)!;
    const parent = r.parent ? nodes.get(r.parent) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/**
 * Why an output has no value offline, by output name: the mock runtime cannot know what AWS assigns at
 * deploy. Anything not listed gets the generic reason.
 */
const UNKNOWN_OFFLINE: Record<string, string> = {
  wakeUrl:
    "the wake page's Lambda function URL (https://<id>.lambda-url.<region>.on.aws/), assigned by AWS at deploy",
};

/** An output as the plan shows it: its value, or why it has none offline (never "undefined"). */
export function outputText(key: string, v: unknown): string {
  if (v === undefined || v === null)
    return `(unknown offline: ${UNKNOWN_OFFLINE[key] ?? "AWS assigns it at deploy"})`;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Outputs with the offline stand-in text in place of missing values (what JSON and text both show). */
export function outputsOf(e: Evaluation): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(e.outputs).map(([k, v]) => [k, v === undefined || v === null ? outputText(k, v) : v]),
  );
}

export function renderText(e: Evaluation, roots: PlanNode[]): string {
  const lines: string[] = [];
  const count = e.resources.filter((r) => r.custom).length;
  lines.push(
    ...wrap(
      `Stack ${e.stack} (${String(e.outputs.topology)}, ${String(e.outputs.region)}): ${count} resources`,
    ),
  );
  const walk = (n: PlanNode, depth: number) => {
    const pad = "  ".repeat(depth + 1);
    const settings = Object.entries(n.settings).map(([k, v]) => `${k}=${format(v)}`);
    const one = `${pad}${n.type}  ${n.name}${settings.length ? `  [${settings.join("  ")}]` : ""}`;
    if (one.length <= WIDTH) lines.push(one);
    else {
      lines.push(...wrap(`${n.type}  ${n.name}`, WIDTH, pad, `${pad}    `));
      for (const st of settings) lines.push(...wrap(st, WIDTH, `${pad}    `, `${pad}      `));
    }
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(e.outputs)) {
    const text = outputText(k, v);
    lines.push(
      ...(/Command$/.test(k)
        ? wrapCommand(text, WIDTH, `  ${k}: `, "      ")
        : wrap(text, WIDTH, `  ${k}: `, "      ")),
    );
  }
  lines.push(
    "",
    "IDs, ARNs, addresses and digests above are stand-ins computed offline; AWS assigns the real ones.",
  );
  return lines.join("\n");
}

/** The architecture as text: each part with its details, then the arrows. */
export function architectureText(a: Architecture): string {
  const label = new Map(a.nodes.map((n) => [n.id, n.lines[0]]));
  const out = [`Architecture (${a.title}; --format markdown prints it as Mermaid, --svg <file> draws it):`];
  for (const n of a.nodes) {
    out.push(...wrap(n.lines[0], WIDTH, "  ", "    "));
    for (const l of n.lines.slice(1)) out.push(...wrap(l, WIDTH, "      ", "        "));
  }
  out.push("  arrows:");
  for (const e of a.edges)
    out.push(
      ...wrap(
        `${label.get(e.from)} ${e.dotted ? "- ->" : "-->"} ${label.get(e.to)}${e.label ? ` (${e.label})` : ""}`,
        WIDTH,
        "    ",
        "      ",
      ),
    );
  return out.join("\n");
}

export interface Plan {
  readonly stack: string;
  readonly evaluation: Evaluation;
  readonly tree: PlanNode[];
  readonly estimate: Estimate;
  readonly mermaid: string;
  readonly architecture: Architecture;
  /** `ferry:budget.monthlyUsd`, when the stack sets it. */
  readonly budgetUsd?: number;
}

/** The stack's region: its AWS provider's, as the program declared it. */
export function regionOf(e: Evaluation): string {
  const provider = e.resources.find((r) => r.type === "pulumi:providers:aws");
  return String(provider?.inputs.region ?? e.config["aws:region"] ?? "us-east-1");
}

/** Evaluates a stack (optionally with config overrides) and derives everything `plan` prints. */
export async function planStack(
  stack: string,
  opts: { hours?: number; overrides?: Overrides } = {},
): Promise<Plan> {
  const e = await evaluateStack(stack, opts.overrides);
  const region = regionOf(e);
  // The program has validated the whole config already; this only reads the typed value.
  const budget = e.config["ferry:budget"]
    ? budgetSchema.parse(JSON.parse(e.config["ferry:budget"]))
    : undefined;
  return {
    stack,
    evaluation: e,
    tree: planTree(e),
    estimate: estimate(e, { region, hours: opts.hours }),
    mermaid: diagram(e, region),
    architecture: architecture(e, region),
    budgetUsd: budget?.monthlyUsd,
  };
}

/** `--format markdown`: the block the README holds between `<!-- plan:<stack>:start/end -->`. */
export function renderMarkdown(p: Plan): string {
  return planMarkdown(p.stack, p.mermaid, p.estimate, p.budgetUsd);
}

export const USAGE =
  "usage: npm run -s plan -- <stack> [--format text|json|markdown] [--hours H] [--svg FILE] [--no-clash-check]";

interface Args {
  stack?: string;
  format: string;
  hours: number;
  svg?: string;
  clashCheck: boolean;
  problems: string[];
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { format: "text", hours: 20, clashCheck: true, problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--format") args.format = argv[++i] ?? "";
    else if (a === "--hours") {
      const v = argv[++i];
      const h = Number(v);
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v) || h > 730)
        args.problems.push(`--hours: got ${v ?? "nothing"}, expected hours a month from 0 to 730`);
      else args.hours = h;
    } else if (a === "--svg") {
      const v = argv[++i];
      if (!v || v.startsWith("--"))
        args.problems.push(`--svg: got ${v ?? "nothing"}, expected a file name such as plan.svg`);
      else args.svg = v;
    } else if (a === "--no-clash-check") args.clashCheck = false;
    else if (a.startsWith("--")) args.problems.push(`unknown option ${a}`);
    else if (args.stack === undefined) args.stack = a;
    else args.problems.push(`unexpected argument ${a}`);
  }
  if (!["text", "json", "markdown"].includes(args.format))
    args.problems.push(`--format: got ${args.format || "nothing"}, expected text, json or markdown`);
  return args;
}

/**
 * The clashes between `p`'s stack and every other stack file (each evaluated offline, like `p`). A stack that
 * fails to evaluate is skipped: its own plan reports why.
 */
export async function planClashes(p: Plan, others: readonly string[]): Promise<Clash[]> {
  const all: StackClaims[] = [stackClaims(p.evaluation)];
  for (const s of others.filter((x) => x !== p.stack))
    try {
      all.push(stackClaims(await evaluateStack(s)));
    } catch {
      // reported by that stack's own plan
    }
  return clashesOf(p.stack, all);
}

function clashText(clashes: readonly Clash[]): string {
  if (clashes.length === 0) return "Clashes with other stack files: none.";
  return [
    `WARNING: ${clashes.length} clash(es) with other stack files:`,
    ...clashes.flatMap((c) => wrap(c.message, WIDTH, "  - ", "    ")),
  ].join("\n");
}

/**
 * Runs `fn` with console output sent to stderr: in JSON mode stdout carries the JSON document only (the Pulumi
 * runtime and the program may log while the stack is evaluated).
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug };
  const toErr = (...a: unknown[]) => console.error(...a);
  Object.assign(console, { log: toErr, info: toErr, warn: toErr, debug: toErr });
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

export async function run(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
  },
): Promise<number> {
  const args = parseArgs(argv);
  const stacks = stackFiles();
  // A stack file registered elsewhere (registerStackFile) is planned too; the clash check compares it with
  // the project's stack files.
  const known = (s: string) => stacks.includes(s) || fs.existsSync(stackFilePath(s));
  if (!args.stack || !known(args.stack) || args.problems.length > 0) {
    io.err(
      `${USAGE}\nstacks: ${stacks.join(", ")}\n${args.problems.map((p) => `${p}\n`).join("")}` +
        (args.stack && !known(args.stack) ? `no stack file Pulumi.${args.stack}.yaml\n` : ""),
    );
    return 2;
  }
  try {
    const stack = args.stack;
    const { p, clashes } = await quietly(async () => {
      const p = await planStack(stack, { hours: args.hours });
      return { p, clashes: args.clashCheck ? await planClashes(p, stacks) : [] };
    });
    const e = p.evaluation;
    if (args.svg) {
      fs.writeFileSync(args.svg, await renderSvg(p.architecture));
      io.err(`info: wrote the architecture diagram to ${args.svg}\n`);
    }
    if (args.format === "json")
      io.out(
        `${JSON.stringify(
          {
            stack: p.stack,
            outputs: outputsOf(e),
            resources: p.tree,
            estimate: p.estimate,
            budgetUsd: p.budgetUsd,
            clashes,
            mermaid: p.mermaid,
          },
          null,
          2,
        )}\n`,
      );
    else if (args.format === "markdown") io.out(`${renderMarkdown(p)}\n`);
    else
      io.out(
        `${renderText(e, p.tree)}\n\n${estimateText(p.estimate, p.budgetUsd)}\n\n` +
          (args.clashCheck ? `${clashText(clashes)}\n\n` : "") +
          `${architectureText(p.architecture)}\n`,
      );
    if (clashes.length > 0 && args.format !== "text")
      for (const c of clashes) io.err(`warning: ${c.message}\n`);
    return 0;
  } catch (err) {
    io.err(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
