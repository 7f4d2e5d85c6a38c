// `npm run plan -- <stack> [--format text|json]`: what `pulumi up` would declare for a stack, offline.
// Evaluates the real program with Pulumi.<stack>.yaml under the mock runtime (no AWS account, no Pulumi CLI,
// no Docker) — the same evaluation the stack tests assert on.
import { ConfigError } from "../config";
import { evaluateStack, stackFiles, type Evaluation, type Recorded } from "../test/support/harness";

type Summary = (r: Recorded) => Record<string, unknown>;

const parse = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

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
      (r.inputs.referencedSecurityGroupId ? "security group" : undefined),
  }),
  "aws:ecs/service:Service": (r) => ({ desiredCount: r.inputs.desiredCount }),
  "aws:ecs/taskDefinition:TaskDefinition": (r) => ({ cpu: r.inputs.cpu, memory: r.inputs.memory }),
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

export async function run(argv: string[]): Promise<number> {
  const formatArg = argv.indexOf("--format");
  const fmt = formatArg >= 0 ? argv[formatArg + 1] : "text";
  const stack = argv.find((a, i) => !a.startsWith("--") && (formatArg < 0 || i !== formatArg + 1));
  const stacks = stackFiles();
  if (!stack || !stacks.includes(stack) || !["text", "json"].includes(fmt ?? "")) {
    process.stderr.write(
      `usage: npm run plan -- <stack> [--format text|json]\nstacks: ${stacks.join(", ")}\n`,
    );
    return 2;
  }
  try {
    const e = await evaluateStack(stack);
    const roots = planTree(e);
    process.stdout.write(
      fmt === "json"
        ? `${JSON.stringify({ stack, outputs: e.outputs, resources: roots }, null, 2)}\n`
        : `${renderText(e, roots)}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
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
