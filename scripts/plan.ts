// `npm run plan -- <stack> [--format text|json|markdown] [--hours H]`: what `pulumi up` would declare for a
// stack, offline, what it would cost a month, and its architecture as a Mermaid diagram. Evaluates the real
// program with Pulumi.<stack>.yaml under the mock runtime (no AWS account, no Pulumi CLI, no Docker) — the
// same evaluation the stack tests assert on.
import { ConfigError } from "../config";
import { budgetSchema } from "../config/schema";
import { evaluateStack, stackFiles, type Evaluation, type Overrides, type Recorded } from "./plan/engine";
import { estimate, type Estimate } from "./plan/cost";
import { estimateText, planMarkdown } from "./plan/markdown";
import { diagram } from "./plan/mermaid";

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
  "aws:ecs/service:Service": (r) => ({ desiredCount: r.inputs.desiredCount }),
  "aws:ecs/taskDefinition:TaskDefinition": (r) => ({
    cpu: r.inputs.cpu,
    memory: r.inputs.memory,
    arch: r.inputs.runtimePlatform?.cpuArchitecture,
    probe: containerProbe(r.inputs.containerDefinitions),
  }),
  "aws:lb/loadBalancer:LoadBalancer": (r) => ({
    name: r.inputs.name,
    scheme: r.inputs.internal ? "internal" : "internet-facing",
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
  "aws:lb/targetGroup:TargetGroup": (r) => ({
    name: r.inputs.name,
    port: r.inputs.port,
    health: r.inputs.healthCheck?.path,
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

export function renderText(e: Evaluation, roots: PlanNode[]): string {
  const lines: string[] = [];
  const count = e.resources.filter((r) => r.custom).length;
  lines.push(
    `Stack ${e.stack} (${String(e.outputs.topology)}, ${String(e.outputs.region)}): ${count} resources`,
  );
  const walk = (n: PlanNode, depth: number) => {
    const settings = Object.entries(n.settings)
      .map(([k, v]) => `${k}=${format(v)}`)
      .join("  ");
    lines.push(`${"  ".repeat(depth + 1)}${n.type}  ${n.name}${settings ? `  [${settings}]` : ""}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(e.outputs))
    lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  lines.push(
    "",
    "IDs, ARNs, addresses and digests above are stand-ins computed offline; AWS assigns the real ones.",
  );
  return lines.join("\n");
}

export interface Plan {
  readonly stack: string;
  readonly evaluation: Evaluation;
  readonly tree: PlanNode[];
  readonly estimate: Estimate;
  readonly mermaid: string;
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
    budgetUsd: budget?.monthlyUsd,
  };
}

/** `--format markdown`: the block the README holds between `<!-- plan:<stack>:start/end -->`. */
export function renderMarkdown(p: Plan): string {
  return planMarkdown(p.stack, p.mermaid, p.estimate, p.budgetUsd);
}

export const USAGE = "usage: npm run plan -- <stack> [--format text|json|markdown] [--hours H]";

interface Args {
  stack?: string;
  format: string;
  hours: number;
  problems: string[];
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { format: "text", hours: 20, problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--format") args.format = argv[++i] ?? "";
    else if (a === "--hours") {
      const v = argv[++i];
      const h = Number(v);
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v) || h > 730)
        args.problems.push(`--hours: got ${v ?? "nothing"}, expected hours a month from 0 to 730`);
      else args.hours = h;
    } else if (a.startsWith("--")) args.problems.push(`unknown option ${a}`);
    else if (args.stack === undefined) args.stack = a;
    else args.problems.push(`unexpected argument ${a}`);
  }
  if (!["text", "json", "markdown"].includes(args.format))
    args.problems.push(`--format: got ${args.format || "nothing"}, expected text, json or markdown`);
  return args;
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
  if (!args.stack || !stacks.includes(args.stack) || args.problems.length > 0) {
    io.err(
      `${USAGE}\nstacks: ${stacks.join(", ")}\n${args.problems.map((p) => `${p}\n`).join("")}` +
        (args.stack && !stacks.includes(args.stack) ? `no stack file Pulumi.${args.stack}.yaml\n` : ""),
    );
    return 2;
  }
  try {
    const p = await planStack(args.stack, { hours: args.hours });
    const e = p.evaluation;
    if (args.format === "json")
      io.out(
        `${JSON.stringify(
          {
            stack: p.stack,
            outputs: e.outputs,
            resources: p.tree,
            estimate: p.estimate,
            budgetUsd: p.budgetUsd,
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
          `Architecture (Mermaid; paste into https://mermaid.live or a Markdown file):\n${p.mermaid}\n`,
      );
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
