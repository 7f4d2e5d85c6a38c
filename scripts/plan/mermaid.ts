// The architecture as a Mermaid flowchart, drawn from the declared resources: internet → DNS → load balancer
// or instance → tasks / container → ECR, SSM, Secrets Manager, S3, CloudWatch. Deterministic (sorted, fixed
// node ids, no generated names or digests), so the README can hold it and a test can compare.
import type { Recorded } from "./engine";
import {
  T,
  parameterName,
  parametersRead,
  policyStatements,
  secretName,
  secretsRead,
  taskRange,
  type PlanInput,
} from "./cost";

export type Shape = "box" | "round" | "circle" | "db";

export interface FlowNode {
  readonly id: string;
  readonly shape: Shape;
  /** Label lines (plain text; escaped when rendered). */
  readonly lines: readonly string[];
  /** Drawn inside the region's subgraph. @default true */
  readonly inAws?: boolean;
}

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly dotted?: boolean;
}

/**
 * Text safe inside a quoted Mermaid label: `#` starts an entity code in Mermaid and `"` would end the label,
 * so both are written as entity codes, like `<` and `>` (which Mermaid would otherwise read as HTML).
 */
export function escapeLabel(text: string): string {
  return text.replace(/#/g, "#35;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

const OPEN: Record<Shape, [string, string]> = {
  box: ["[", "]"],
  round: ["(", ")"],
  circle: ["((", "))"],
  db: ["[(", ")]"],
};

export function renderFlowchart(
  title: string,
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): string {
  const node = (n: FlowNode) => {
    const [open, close] = OPEN[n.shape];
    return `${n.id}${open}"${n.lines.map(escapeLabel).join("<br/>")}"${close}`;
  };
  const out = ["flowchart LR"];
  for (const n of nodes.filter((x) => x.inAws === false)) out.push(`  ${node(n)}`);
  out.push(`  subgraph aws ["${escapeLabel(title)}"]`);
  for (const n of nodes.filter((x) => x.inAws !== false)) out.push(`    ${node(n)}`);
  out.push("  end");
  for (const e of edges)
    out.push(
      `  ${e.from} ${e.dotted ? "-.->" : "-->"}${e.label ? `|"${escapeLabel(e.label)}"|` : ""} ${e.to}`,
    );
  return out.join("\n");
}

const list = <X>(v: X | X[] | undefined): X[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const OPS: Record<string, string> = {
  GreaterThanThreshold: ">",
  GreaterThanOrEqualToThreshold: ">=",
  LessThanThreshold: "<",
  LessThanOrEqualToThreshold: "<=",
};

function alarmText(r: Recorded): string {
  const op = OPS[String(r.inputs.comparisonOperator)] ?? String(r.inputs.comparisonOperator);
  const what =
    r.inputs.metricName !== undefined
      ? String(r.inputs.metricName)
      : ((list<any>(r.inputs.metricQueries).find((q) => q?.returnData)?.label as string | undefined) ??
        "metric math");
  const minutes = (Number(r.inputs.period) * Number(r.inputs.evaluationPeriods)) / 60;
  const stops = list<string>(r.inputs.alarmActions).some((a) => /:ec2:stop$/.test(String(a)));
  return `${what} ${op} ${String(r.inputs.threshold)}${stops ? ` for ${minutes} min: stop the instance` : ""}`;
}

/** The architecture as nodes and edges, for any renderer (Mermaid here, Graphviz in svg.ts). */
export interface Architecture {
  readonly title: string;
  readonly nodes: readonly FlowNode[];
  readonly edges: readonly FlowEdge[];
}

/** The architecture of an evaluated stack as Mermaid source. */
export function diagram(input: PlanInput, region: string): string {
  const a = architecture(input, region);
  return renderFlowchart(a.title, a.nodes, a.edges);
}

/** The architecture of an evaluated stack. */
export function architecture(input: PlanInput, region: string): Architecture {
  const rs = input.resources.filter((r) => r.custom);
  const of = (type: string) => rs.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
  const nodes: FlowNode[] = [{ id: "internet", shape: "circle", lines: ["Internet"], inAws: false }];
  const edges: FlowEdge[] = [];
  const statements = policyStatements(rs);

  // DNS: the records a browser resolves (not ACM's validation CNAMEs).
  const records = of(T.record).filter((r) => !String(r.inputs.name).startsWith("_"));
  const hasDns = records.length > 0;
  if (hasDns)
    nodes.push({
      id: "dns",
      shape: "box",
      lines: [
        "Route 53",
        ...sorted(
          records.map(
            (r) =>
              `${String(r.inputs.name)} ${String(r.inputs.type)}${list(r.inputs.aliases).length ? " alias" : r.inputs.ttl ? `, TTL ${String(r.inputs.ttl)}` : ""}`,
          ),
        ),
      ],
    });
  const dnsNames = sorted(records.map((r) => String(r.inputs.name)));

  // CloudFront in front of internal load balancers (VPC origins): the viewers' entry.
  const distributions = of("aws:cloudfront/distribution:Distribution");
  distributions.forEach((d, i) => {
    const behavior = d.inputs.defaultCacheBehavior ?? {};
    const viewer = String(behavior.viewerProtocolPolicy ?? "");
    nodes.push({
      id: `cdn${i}`,
      shape: "box",
      lines: [
        // The distribution's own name is assigned by AWS at creation: shown as a pattern, not a stand-in.
        `CloudFront ${list(d.inputs.aliases).length ? list(d.inputs.aliases).join(", ") : "(its own *.cloudfront.net name)"}`,
        viewer === "redirect-to-https" ? "HTTPS; HTTP → 301 HTTPS" : viewer,
        d.inputs.viewerCertificate?.cloudfrontDefaultCertificate
          ? "*.cloudfront.net certificate"
          : "ACM certificate (us-east-1)",
        "caching off, all viewer headers/cookies forwarded",
      ],
    });
    if (hasDns) edges.push({ from: "dns", to: `cdn${i}`, label: "alias: HTTPS" });
    else edges.push({ from: "internet", to: `cdn${i}`, label: "HTTPS on its *.cloudfront.net name" });
  });

  // Load balancers, their listeners and target groups.
  const lbs = of(T.lb);
  const services = of(T.service);
  lbs.forEach((lb, i) => {
    const id = `alb${i}`;
    const listeners = of("aws:lb/listener:Listener")
      .filter((l) => l.inputs.loadBalancerArn === lb.state.arn)
      .map((l) => {
        const action = list<any>(l.inputs.defaultActions)[0];
        const does =
          action?.type === "redirect"
            ? `redirect to ${String(action.redirect?.protocol ?? "")} ${String(action.redirect?.port ?? "")}`.trim()
            : String(action?.type ?? "");
        return `${String(l.inputs.protocol)} ${String(l.inputs.port)}: ${does}`;
      });
    const azs = list(lb.inputs.subnets).length;
    nodes.push({
      id,
      shape: "box",
      lines: [
        `ALB ${String(lb.inputs.name ?? lb.name)}`,
        ...sorted(listeners),
        `${lb.inputs.internal ? "internal" : "internet-facing"}, ${azs} AZs`,
      ],
    });
    const ports = sorted(
      of("aws:lb/listener:Listener")
        .filter((l) => l.inputs.loadBalancerArn === lb.state.arn)
        .map((l) => `${String(l.inputs.protocol)} ${String(l.inputs.port)}`),
    ).join(", ");
    if (lb.inputs.internal && distributions.length > 0)
      distributions.forEach((_, d) => edges.push({ from: `cdn${d}`, to: id, label: `VPC origin: ${ports}` }));
    else if (hasDns) edges.push({ from: "dns", to: id, label: `alias: ${ports}` });
    else edges.push({ from: "internet", to: id, label: `${ports} on the ALB's DNS name` });
  });
  if (hasDns) edges.unshift({ from: "internet", to: "dns", label: dnsNames.join(", ") });

  // Fargate services.
  services.forEach((svc, i) => {
    const id = `svc${i}`;
    const td = rs.find((r) => r.type === T.taskDef && r.state.arn === svc.inputs.taskDefinition);
    const container = list<any>(
      typeof td?.inputs.containerDefinitions === "string" ? JSON.parse(td.inputs.containerDefinitions) : [],
    )[0];
    const range = taskRange(svc, rs);
    const strategy = list<any>(svc.inputs.capacityProviderStrategies)
      .map(
        (s) =>
          `${String(s.capacityProvider)}${s.base ? ` base ${String(s.base)}` : ""}${s.weight ? ` weight ${String(s.weight)}` : ""}`,
      )
      .join(", ");
    const tracking = of(T.scalingPolicy).find((p) => p.inputs.policyType === "TargetTrackingScaling");
    const target = tracking?.inputs.targetTrackingScalingPolicyConfiguration?.targetValue;
    const arch = td?.inputs.runtimePlatform?.cpuArchitecture === "ARM64" ? "ARM64" : "x86";
    nodes.push({
      id,
      shape: "box",
      lines: [
        `ECS Fargate service ${String(svc.inputs.name ?? svc.name)}`,
        `${range.min === range.max ? range.min : `${range.min}-${range.max}`} tasks × ${Number(td?.inputs.cpu) / 1024} vCPU / ${Number(td?.inputs.memory) / 1024} GB ${arch}`,
        ...(strategy ? [strategy] : []),
        ...(target !== undefined ? [`scales on CPU ${String(target)} %`] : []),
        ...(container
          ? [
              `container ${String(container.name)} :${String(container.portMappings?.[0]?.containerPort ?? "")}`,
              container.healthCheck?.command
                ? `container probe: ${String(container.healthCheck.command[1])}`
                : "container probe: none (the ALB check gates)",
            ]
          : []),
        ...(svc.inputs.networkConfiguration?.assignPublicIp ? ["public IP per task, no NAT"] : []),
        ...(!svc.inputs.networkConfiguration?.assignPublicIp &&
        of("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway").length > 0
          ? ["IPv6 only: out through an egress-only gateway, no public IPv4, no NAT"]
          : []),
      ],
    });
    for (const lb of svc.inputs.loadBalancers ?? []) {
      const tg = rs.find(
        (r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.state.arn === lb.targetGroupArn,
      );
      const lbIndex = lbs.findIndex((l) =>
        of("aws:lb/listener:Listener").some(
          (x) =>
            x.inputs.loadBalancerArn === l.state.arn &&
            list<any>(x.inputs.defaultActions).some((a) => a?.targetGroupArn === lb.targetGroupArn),
        ),
      );
      if (lbIndex >= 0)
        edges.push({
          from: `alb${lbIndex}`,
          to: id,
          label: `HTTP :${String(lb.containerPort)} to task IPs${tg?.inputs.healthCheck?.path ? `, health ${String(tg.inputs.healthCheck.path)}` : ""}`,
        });
    }
  });

  // EC2 instances.
  const instances = of(T.instance);
  instances.forEach((inst, i) => {
    const id = `ec2_${i}`;
    const groups = new Set(list<string>(inst.inputs.vpcSecurityGroupIds));
    const ports = sorted(
      of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .filter((r) => groups.has(String(r.inputs.securityGroupId)))
        .map((r) => String(r.inputs.fromPort)),
    ).sort((a, b) => Number(a) - Number(b));
    const root = inst.inputs.rootBlockDevice ?? {};
    nodes.push({
      id,
      shape: "box",
      lines: [
        `EC2 ${String(inst.inputs.instanceType)}${inst.inputs.associatePublicIpAddress ? ", public IPv4" : ""}`,
        `${String(root.volumeSize ?? "?")} GB ${String(root.volumeType ?? "")} root${inst.inputs.metadataOptions?.httpTokens === "required" ? ", IMDSv2" : ""}`,
        "systemd unit runs the app container on every boot",
        ...(ports.includes("443") ? ["Caddy: HTTPS with Let's Encrypt, 80 redirects"] : []),
        ...(ports.length ? [`inbound ${ports.join(", ")}`] : []),
      ],
    });
    edges.push(
      hasDns
        ? { from: "dns", to: id, label: `A record to its public IP: ${ports.join(", ")}` }
        : { from: "internet", to: id, label: `public DNS name: ${ports.join(", ")}` },
    );
    if (hasDns && statements.some((s) => s.actions.includes("route53:changeresourcerecordsets")))
      edges.push({
        from: id,
        to: "dns",
        label: "UPSERTs its IP at boot, parks it at shutdown",
        dotted: true,
      });
  });

  // The demo's wake page: a Lambda function URL that starts the instance on a visitor's request.
  of(T.lambda)
    .filter((fn) => fn.inputs.environment?.variables?.DAILY_START_LIMIT)
    .forEach((fn, i) => {
      const vars = fn.inputs.environment.variables;
      const id = `wake${i}`;
      nodes.push({
        id,
        shape: "box",
        lines: [
          "Lambda wake page (function URL)",
          `at most ${String(vars.DAILY_START_LIMIT)} starts a day${vars.PASSCODE_PARAMETER ? ", passcode" : ""}`,
        ],
      });
      edges.push({ from: "internet", to: id, label: "wake URL" });
      instances.forEach((_, n) =>
        edges.push({ from: id, to: `ec2_${n}`, label: "start, read state", dotted: true }),
      );
    });

  const computes = [...services.map((_, i) => `svc${i}`), ...instances.map((_, i) => `ec2_${i}`)];
  const fromAll = (to: string, label: string) => computes.forEach((c) => edges.push({ from: c, to, label }));

  const repos = of(T.repository);
  if (repos.length) {
    nodes.push({
      id: "ecr",
      shape: "db",
      lines: ["ECR", ...sorted(repos.map((r) => String(r.inputs.name ?? r.name)))],
    });
    fromAll("ecr", "pull by digest");
  }

  const params = sorted([
    ...of(T.parameter).map((r) => String(r.inputs.name ?? r.name)),
    ...parametersRead(rs).map(parameterName),
  ]);
  if (params.length) {
    nodes.push({ id: "ssm", shape: "db", lines: ["SSM Parameter Store", ...params] });
    fromAll("ssm", instances.length ? "image reference, secrets at every start" : "secrets at task start");
  }

  const createdSecrets = of(T.secret).map((r) =>
    String(r.inputs.name ?? r.inputs.namePrefix ?? r.name).replace(/-$/, ""),
  );
  const secretNames = sorted([...createdSecrets, ...secretsRead(rs).map(secretName)]);
  if (secretNames.length) {
    nodes.push({ id: "secrets", shape: "db", lines: ["Secrets Manager", ...secretNames] });
    fromAll("secrets", services.length ? "injected at task start" : "read at start");
  }

  const buckets = of(T.bucket);
  if (buckets.length) {
    nodes.push({
      id: "s3",
      shape: "db",
      lines: [
        "S3",
        ...sorted(
          buckets.map((b) => String(b.inputs.bucket ?? `${String(b.inputs.bucketPrefix ?? b.name)}…`)),
        ),
      ],
    });
    services.forEach((_, i) => edges.push({ from: `svc${i}`, to: "s3", label: "read/write (task role)" }));
  }

  const logGroups = of(T.logGroup);
  if (logGroups.length) {
    nodes.push({
      id: "logs",
      shape: "db",
      lines: [
        "CloudWatch Logs",
        ...sorted(
          logGroups.map(
            (g) =>
              `${String(g.inputs.name ?? g.name)}${g.inputs.retentionInDays ? `, ${String(g.inputs.retentionInDays)} days` : ""}`,
          ),
        ),
      ],
    });
    services.forEach((_, i) => edges.push({ from: `svc${i}`, to: "logs", label: "awslogs" }));
  }

  const alarms = of(T.alarm);
  if (alarms.length) {
    nodes.push({
      id: "alarms",
      shape: "round",
      lines: ["CloudWatch alarms", ...sorted(alarms.map(alarmText))],
    });
    const namespaces = new Set(alarms.map((a) => String(a.inputs.namespace ?? "AWS/ApplicationELB")));
    if (namespaces.has("AWS/ApplicationELB"))
      lbs.forEach((_, i) => edges.push({ from: "alarms", to: `alb${i}`, label: "watch", dotted: true }));
    if (namespaces.has("AWS/ECS"))
      services.forEach((_, i) => edges.push({ from: "alarms", to: `svc${i}`, label: "watch", dotted: true }));
    if (alarms.some((a) => list<string>(a.inputs.alarmActions).some((x) => /:ec2:stop$/.test(String(x)))))
      instances.forEach((_, i) =>
        edges.push({ from: "alarms", to: `ec2_${i}`, label: "stop when idle", dotted: true }),
      );
  }
  const topics = of("aws:sns/topic:Topic");
  if (topics.length) {
    const email = of(T.subscription).some((s) => s.inputs.protocol === "email");
    nodes.push({
      id: "sns",
      shape: "round",
      lines: [
        `SNS ${sorted(topics.map((t) => String(t.inputs.name ?? t.name))).join(", ")}`,
        email ? "e-mail subscription" : "no subscription yet",
      ],
    });
    if (alarms.length) edges.push({ from: "alarms", to: "sns", label: "notify" });
  }

  const nats = of(T.nat);
  if (nats.length) {
    nodes.push({ id: "nat", shape: "box", lines: [`NAT gateway × ${nats.length}`] });
    computes.forEach((c) => edges.push({ from: c, to: "nat" }));
    edges.push({ from: "nat", to: "internet" });
  }

  return { title: `AWS ${region}`, nodes, edges };
}
