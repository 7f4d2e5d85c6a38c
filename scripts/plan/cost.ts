// The offline monthly cost estimate. Every quantity comes from the resources the program declared (their
// recorded inputs), not from stack config, so the estimate follows the program: a new alarm, a second NAT
// gateway or a bigger task shows up here without anyone editing this file. Every custom resource ends up in
// exactly one of three places: a priced line, the free list (with the reason it costs nothing of its own), or
// the "not priced" list (billable, but no figure in the table) — never a silent $0.
import type { Recorded } from "./engine";
import { PRICES, weakest, type Confidence, type Price, type PriceTable } from "./priceTable";

/** Resource types the estimate reads. */
export const T = {
  instance: "aws:ec2/instance:Instance",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  service: "aws:ecs/service:Service",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  cluster: "aws:ecs/cluster:Cluster",
  clusterCapacity: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  repository: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  secret: "aws:secretsmanager/secret:Secret",
  zone: "aws:route53/zone:Zone",
  record: "aws:route53/record:Record",
  bucket: "aws:s3/bucket:Bucket",
  parameter: "aws:ssm/parameter:Parameter",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  lambda: "aws:lambda/function:Function",
  distribution: "aws:cloudfront/distribution:Distribution",
  vpcOrigin: "aws:cloudfront/vpcOrigin:VpcOrigin",
} as const;

/**
 * Quantities no declaration can tell: traffic, log volume, image sizes. Each is stated next to the line it
 * feeds, so a reader can redo the arithmetic with their own figure.
 */
export const ASSUMPTIONS = {
  /** Average load balancer capacity units: a low-traffic app stays far below one LCU on every dimension. */
  lcuPerLoadBalancer: 0.25,
  /** Log data ingested per log group and month. */
  logIngestGbPerGroup: 1,
  /** ECR storage per repository: the kept images share their base layers. */
  ecrStoredGbPerRepository: 1,
  /** S3 Standard storage per bucket the stack creates (an app's uploads and documents). */
  s3StoredGbPerBucket: 1,
  /** Alarms a target-tracking scaling policy creates for itself (scale out, scale in). */
  targetTrackingAlarms: 2,
  /**
   * Metrics classic Container Insights publishes for Fargate (CloudWatch's ECS Container Insights metric list:
   * CPU/memory utilized and reserved, network rx/tx, storage read/write at cluster, service and task-family
   * level, plus task, service and deployment counts). Counted from the docs, not measured: an estimate.
   */
  containerInsights: { cluster: 10, perService: 13, perTaskFamily: 8 },
  /**
   * Requests a month to a Lambda function (the demo's wake page): a shared link opened a few times a day,
   * plus the progress page reloading every 5 s during each ~3-minute boot.
   */
  lambdaRequestsPerMonth: 1000,
  /** Billed duration of one request: two or three EC2 calls. */
  lambdaSecondsPerRequest: 0.3,
  /** Log lines a request writes to its function's log group (START, END, REPORT and one line of its own). */
  lambdaLogKbPerRequest: 1,
  /**
   * Traffic through a CloudFront distribution a month: a low-traffic dashboard (Streamlit's page, its
   * WebSocket frames and API calls). The free tier (1 TB out and 10 M requests a month, per account, always
   * free: CloudFront pricing page) is assumed to be this stack's alone; another distribution in the account
   * shares it.
   */
  cloudfront: { transferOutGb: 50, requests: 2_000_000, freeTransferOutGb: 1000, freeRequests: 10_000_000 },
} as const;
export type Assumptions = typeof ASSUMPTIONS;

export interface Scenario {
  readonly id: string;
  readonly label: string;
  /** Hours an EC2 instance runs in the month. */
  readonly instanceHours: number;
  /** Task count of each Fargate service: its autoscaling minimum or maximum. */
  readonly tasks: "min" | "max";
}

export type Category = "compute" | "storage" | "network" | "monitoring" | "registry" | "secrets" | "dns";
const CATEGORY_ORDER: readonly Category[] = [
  "compute",
  "storage",
  "network",
  "monitoring",
  "registry",
  "secrets",
  "dns",
];

export interface CostLine {
  readonly category: Category;
  /** What is billed, e.g. "EC2 t3.medium". */
  readonly item: string;
  /** Names of the declared resources the line is derived from. */
  readonly from: readonly string[];
  readonly unit: string;
  /** USD per unit (for Spot, the on-demand rate less the discount). */
  readonly unitUsd: number;
  /** How the unit price is made, e.g. "$0.04048 less 70 %". */
  readonly priceText: string;
  /** The weakest confidence of the prices the line uses. */
  readonly confidence: Confidence;
  readonly sources: readonly Price[];
  /** Units per scenario (same order as Estimate.scenarios). */
  readonly quantities: readonly number[];
  /** quantities × unitUsd. */
  readonly usd: readonly number[];
  /** The assumption behind the quantity, when it is not read from a declaration. */
  readonly assumption?: string;
}

export interface NotPriced {
  readonly type: string;
  readonly name: string;
  readonly reason: string;
}

export interface FreeGroup {
  readonly group: string;
  readonly why: string;
  readonly count: number;
}

export interface Estimate {
  readonly region: string;
  readonly scenarios: readonly Scenario[];
  readonly lines: readonly CostLine[];
  /** Sum of the priced lines per scenario. Not-priced items are not in it: see `notPriced`. */
  readonly totals: readonly number[];
  readonly notPriced: readonly NotPriced[];
  readonly free: readonly FreeGroup[];
  /** Every custom resource and where it ended up. */
  readonly coverage: ReadonlyArray<{ type: string; name: string; as: "priced" | "free" | "not priced" }>;
  readonly notes: readonly string[];
  readonly collected: string;
  /**
   * True when every billable resource has a line (nothing in `notPriced`). An incomplete estimate is a lower
   * bound: no budget can be "within" it.
   */
  readonly complete: boolean;
  /** Whether the price table has entries for this region at all (a region outside it prices almost nothing). */
  readonly regionInTable: boolean;
}

/** What the estimate reads from an evaluation (the engine's evaluateStack). */
export interface PlanInput {
  readonly resources: readonly Recorded[];
}

export interface EstimateOptions {
  readonly region: string;
  /** Hours a month the demo instance runs in the "running" scenario. @default 20 */
  readonly hours?: number;
  readonly prices?: PriceTable;
  readonly assumptions?: Assumptions;
}

/**
 * Types that cost nothing of their own, with the reason. Anything billable they cause is priced on the
 * resource that bills it (a listener through its load balancer, a task definition through the tasks).
 */
export const FREE: Readonly<Record<string, { group: string; why: string }>> = {
  "aws:iam/role:Role": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/rolePolicy:RolePolicy": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/policy:Policy": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/instanceProfile:InstanceProfile": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/user:User": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/userPolicy:UserPolicy": { group: "IAM", why: "IAM has no charge" },
  "aws:iam/accessKey:AccessKey": { group: "IAM", why: "IAM has no charge" },
  "aws:ec2/securityGroup:SecurityGroup": { group: "security groups", why: "no charge" },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { group: "security groups", why: "no charge" },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { group: "security groups", why: "no charge" },
  "aws:ec2/vpc:Vpc": { group: "VPC", why: "no charge (data transfer out is billed separately)" },
  "aws:ec2/subnet:Subnet": { group: "VPC", why: "no charge" },
  "aws:ec2/internetGateway:InternetGateway": { group: "VPC", why: "no charge (data transfer is)" },
  "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": {
    group: "VPC",
    why: "no charge (data transfer is)",
  },
  "aws:ec2/routeTable:RouteTable": { group: "VPC", why: "no charge" },
  "aws:ec2/route:Route": { group: "VPC", why: "no charge" },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": { group: "VPC", why: "no charge" },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": { group: "ECR lifecycle policy", why: "no charge" },
  "aws:ecs/taskDefinition:TaskDefinition": { group: "ECS", why: "billed through the tasks that run it" },
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": { group: "ECS", why: "no charge" },
  "aws:ecs/cluster:Cluster": { group: "ECS", why: "no charge without Container Insights" },
  "aws:appautoscaling/target:Target": { group: "autoscaling", why: "no charge" },
  "aws:appautoscaling/policy:Policy": { group: "autoscaling", why: "step scaling: its alarms are declared" },
  "aws:lb/targetGroup:TargetGroup": { group: "load balancer parts", why: "billed through the load balancer" },
  "aws:lb/listener:Listener": { group: "load balancer parts", why: "billed through the load balancer" },
  "aws:lb/listenerRule:ListenerRule": {
    group: "load balancer parts",
    why: "billed through the load balancer (the first 10 rules evaluate free)",
  },
  "aws:acm/certificate:Certificate": { group: "ACM", why: "public certificates have no charge" },
  "aws:acm/certificateValidation:CertificateValidation": { group: "ACM", why: "no charge" },
  "aws:route53/record:Record": { group: "DNS records", why: "records are free; their zone is priced" },
  "aws:sns/topic:Topic": {
    group: "SNS",
    why: "no charge per topic; alarm notifications are within the free tier",
  },
  "aws:sns/topicSubscription:TopicSubscription": { group: "SNS", why: "first 1,000 e-mails a month free" },
  "aws:ssm/parameter:Parameter": { group: "SSM parameters", why: "standard tier is free" },
  "aws:secretsmanager/secretVersion:SecretVersion": { group: "secret values", why: "part of its secret" },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": { group: "S3 bucket settings", why: "no charge" },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { group: "S3 bucket settings", why: "no charge" },
  "aws:s3/bucketVersioning:BucketVersioning": {
    group: "S3 bucket settings",
    why: "no charge (old versions are billed as bucket storage)",
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    group: "S3 bucket settings",
    why: "SSE-S3 has no charge",
  },
  "aws:s3/bucketPolicy:BucketPolicy": { group: "S3 bucket settings", why: "no charge" },
  "aws:ec2transitgateway/instanceState:InstanceState": { group: "power state", why: "a start/stop switch" },
  "command:local:Command": { group: "local commands", why: "runs where `pulumi up` runs" },
  "aws:lambda/functionUrl:FunctionUrl": {
    group: "Lambda function URL",
    why: "no charge of its own; its requests are billed as the function's",
  },
  "aws:lambda/permission:Permission": { group: "Lambda permissions", why: "no charge" },
  "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {
    group: "CloudFront policies",
    why: "no charge; requests are billed on the distribution",
  },
  "aws:cloudwatch/eventRule:EventRule": {
    group: "EventBridge rules",
    why: "AWS service events (EC2 state changes) on the default bus are free; the function is priced",
  },
  "aws:cloudwatch/eventTarget:EventTarget": { group: "EventBridge rules", why: "part of its rule" },
  "aws:ssm/document:Document": { group: "SSM documents", why: "no charge; Run Command on EC2 is free" },
  "docker-build:index:Image": {
    group: "image build",
    why: "built where `pulumi up` runs; storage is the ECR line",
  },
};

/** Rounds away float noise (0.1 + 0.2), never a cent: display rounds to cents, sums use these values. */
const round = (v: number) => Math.round(v * 1e9) / 1e9;

/** How many tasks run on FARGATE and FARGATE_SPOT for `count` tasks under a capacity provider strategy. */
export function splitTasks(
  count: number,
  strategy: ReadonlyArray<{ capacityProvider: string; base?: number; weight?: number }>,
): Record<string, number> {
  // ECS fills the base (only one provider may have one) first, then shares the rest in proportion to weights.
  const out: Record<string, number> = {};
  let remaining = count;
  for (const s of strategy) {
    const base = Math.min(s.base ?? 0, remaining);
    out[s.capacityProvider] = (out[s.capacityProvider] ?? 0) + base;
    remaining -= base;
  }
  const total = strategy.reduce((a, s) => a + (s.weight ?? 0), 0);
  if (remaining > 0) {
    if (total === 0)
      throw new Error("capacity provider strategy: every weight is 0, nothing beyond the base");
    for (const s of strategy)
      out[s.capacityProvider] = (out[s.capacityProvider] ?? 0) + (remaining * (s.weight ?? 0)) / total;
  }
  return out;
}

/** The scenarios a stack is shown in: a demo stopped and running H hours; a service at minimum and maximum. */
export function scenariosFor(
  resources: readonly Recorded[],
  hours: number,
  hoursPerMonth: number,
): Scenario[] {
  if (resources.some((r) => r.type === T.service))
    return [
      { id: "baseline", label: "baseline", instanceHours: hoursPerMonth, tasks: "min" },
      { id: "max", label: "at maximum scale", instanceHours: hoursPerMonth, tasks: "max" },
    ];
  if (resources.some((r) => r.type === T.instance)) {
    const scenarios: Scenario[] = [
      { id: "stopped", label: "stopped", instanceHours: 0, tasks: "min" },
      { id: "running", label: `running ${hours} h a month`, instanceHours: hours, tasks: "min" },
    ];
    const wake = wakeLimit(resources);
    if (wake)
      scenarios.push({
        id: "wake-limit",
        label: `wake page at its limit: ${wake.starts} starts a day × ${wake.minutes} min (${wake.hours} h)`,
        instanceHours: wake.hours,
        tasks: "min",
      });
    return scenarios;
  }
  return [{ id: "monthly", label: "a month", instanceHours: hoursPerMonth, tasks: "min" }];
}

/**
 * The most a wake page can run the demo: its daily start limit × 30 days × the idle-stop minutes (a run no
 * one uses ends then; one someone uses lasts longer, which is the point of starting it).
 */
export function wakeLimit(
  resources: readonly Recorded[],
): { starts: number; minutes: number; hours: number } | undefined {
  const fn = resources.find((r) => r.type === T.lambda && r.inputs.environment?.variables?.DAILY_START_LIMIT);
  if (!fn) return undefined;
  const vars = fn.inputs.environment.variables;
  const starts = Number(vars.DAILY_START_LIMIT);
  // Without an idle stop a run has no end: count a full day per start, the honest worst case.
  const minutes = vars.IDLE_STOP_MINUTES ? Number(vars.IDLE_STOP_MINUTES) : 1440;
  return { starts, minutes, hours: round(Math.min((starts * 30 * minutes) / 60, 30 * 24)) };
}

/** A JSON policy or container-definition input, parsed (inputs arrive as JSON strings). */
function parsed(v: unknown): any {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

const list = <X>(v: X | X[] | undefined): X[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM statements of every inline or managed policy the program declares. */
export function policyStatements(
  resources: readonly Recorded[],
): { actions: string[]; resources: string[] }[] {
  return resources
    .filter((r) => r.type === T.rolePolicy || r.type === T.policy || r.type === T.userPolicy)
    .flatMap((r) => list<any>(parsed(r.inputs.policy)?.Statement))
    .filter((s) => s && s.Effect === "Allow")
    .map((s) => ({
      actions: list<string>(s.Action).map((a) => String(a).toLowerCase()),
      resources: list<string>(s.Resource).map(String),
    }));
}

/** `arn:…:secret:name-AbCdEf[:json-key:…]` → the secret's ARN. */
const secretArn = (ref: string) => ref.split(":").slice(0, 7).join(":");

/** Secrets Manager ARNs the program reads at runtime: task definitions' `valueFrom` and exact IAM grants. */
export function secretsRead(resources: readonly Recorded[]): string[] {
  const arns = new Set<string>();
  for (const td of resources.filter((r) => r.type === T.taskDef))
    for (const c of list<any>(parsed(td.inputs.containerDefinitions)))
      for (const s of list<any>(c?.secrets))
        if (typeof s?.valueFrom === "string" && s.valueFrom.includes(":secretsmanager:"))
          arns.add(secretArn(s.valueFrom));
  for (const st of policyStatements(resources))
    if (st.actions.includes("secretsmanager:getsecretvalue"))
      for (const arn of st.resources)
        if (arn.includes(":secretsmanager:") && !arn.includes("*")) arns.add(secretArn(arn));
  return [...arns].sort();
}

/** SSM parameter ARNs the program reads at runtime through exact IAM grants or task definitions. */
export function parametersRead(resources: readonly Recorded[]): string[] {
  const arns = new Set<string>();
  for (const td of resources.filter((r) => r.type === T.taskDef))
    for (const c of list<any>(parsed(td.inputs.containerDefinitions)))
      for (const s of list<any>(c?.secrets))
        if (typeof s?.valueFrom === "string" && !s.valueFrom.includes(":secretsmanager:"))
          arns.add(s.valueFrom);
  for (const st of policyStatements(resources))
    if (st.actions.some((a) => a === "ssm:getparameter" || a === "ssm:getparameters"))
      for (const arn of st.resources) if (arn.includes(":parameter/") && !arn.includes("*")) arns.add(arn);
  return [...arns].sort();
}

/** The name part of an SSM parameter ARN ("/app/prod/KEY"), or the reference itself. */
export const parameterName = (ref: string) =>
  ref.includes(":parameter/") ? `/${ref.split(":parameter/")[1]}` : ref;

/** The name of a Secrets Manager secret ARN, without AWS's random 6-character suffix. */
export const secretName = (arn: string) => (arn.split(":secret:")[1] ?? arn).replace(/-[A-Za-z0-9]{6}$/, "");

/** Min/max task count of a service: from its scalable target when it has one, else its desired count. */
export function taskRange(service: Recorded, resources: readonly Recorded[]): { min: number; max: number } {
  const clusterName = String(service.inputs.cluster ?? "").replace(/^.*:cluster\//, "");
  const target = resources.find(
    (r) =>
      r.type === T.scalingTarget &&
      r.inputs.scalableDimension === "ecs:service:DesiredCount" &&
      r.inputs.resourceId === `service/${clusterName}/${String(service.inputs.name)}`,
  );
  const desired = Number(service.inputs.desiredCount ?? 1);
  return target
    ? { min: Number(target.inputs.minCapacity), max: Number(target.inputs.maxCapacity) }
    : { min: desired, max: desired };
}

/** Classic Container Insights metrics for a cluster running `services` services of `families` task families. */
export function containerInsightsMetrics(services: number, families: number, a = ASSUMPTIONS): number {
  const m = a.containerInsights;
  return m.cluster + m.perService * services + m.perTaskFamily * families;
}

const money = (v: number) => `$${v.toFixed(2)}`;
export function unitPrice(v: number): string {
  const s = v.toFixed(7).replace(/0+$/, "");
  const [whole, frac = ""] = s.split(".");
  return `$${whole}.${frac.padEnd(2, "0")}`;
}

interface LineSpec {
  category: Category;
  item: string;
  from: readonly Recorded[];
  qty: (s: Scenario) => number;
  assumption?: string;
}

class Accumulator {
  readonly lines: CostLine[] = [];
  readonly notPriced: NotPriced[] = [];
  readonly notes: string[] = [];
  readonly as = new Map<Recorded, "priced" | "free" | "not priced">();
  readonly hours: number;

  constructor(
    readonly resources: readonly Recorded[],
    readonly region: string,
    readonly scenarios: readonly Scenario[],
    readonly prices: PriceTable,
    readonly a: Assumptions,
  ) {
    this.hours = prices.hoursPerMonth;
  }

  of(type: string): Recorded[] {
    return this.resources.filter((r) => r.type === type);
  }

  price(id: string): Price | undefined {
    return this.prices.get(id, this.region);
  }

  mark(rs: Recorded | readonly Recorded[], as: "priced" | "free"): void {
    for (const r of list(rs as Recorded | Recorded[])) if (!this.as.has(r)) this.as.set(r, as);
  }

  skip(r: Recorded, reason: string): void {
    this.as.set(r, "not priced");
    this.notPriced.push({ type: r.type, name: r.name, reason });
  }

  /** A line with one price; `qty` gives the units in each scenario. */
  add(l: LineSpec & { price: Price }, discount?: Price): void {
    const unitUsd = discount ? round(l.price.usd * (1 - discount.usd)) : l.price.usd;
    const quantities = this.scenarios.map((s) => round(l.qty(s)));
    this.lines.push({
      category: l.category,
      item: l.item,
      from: l.from.map((r) => r.name),
      unit: l.price.unit,
      unitUsd,
      priceText: discount
        ? `${unitPrice(l.price.usd)} less up to ${Math.round(discount.usd * 100)} % = ${unitPrice(unitUsd)} per ${l.price.unit}`
        : `${unitPrice(unitUsd)} per ${l.price.unit}`,
      confidence: discount ? weakest(l.price.confidence, discount.confidence) : l.price.confidence,
      sources: discount ? [l.price, discount] : [l.price],
      quantities,
      usd: quantities.map((q) => round(q * unitUsd)),
      assumption: l.assumption,
    });
    this.mark(l.from, "priced");
  }

  /** Adds a line when its price exists; otherwise lists each resource as not priced, naming the price. */
  addOrSkip(l: LineSpec & { priceId: string; what?: string }): void {
    const p = this.price(l.priceId);
    if (p) this.add({ ...l, price: p });
    else
      for (const r of l.from)
        this.skip(r, `${l.what ?? l.item}: no "${l.priceId}" price for ${this.region} in the table`);
  }
}

function priceInstances(c: Accumulator): void {
  for (const r of c.of(T.instance)) {
    const type = String(r.inputs.instanceType);
    const p = c.price(`ec2:${type}`);
    if (p)
      c.add({
        category: "compute",
        item: `EC2 ${type} (instance hours)`,
        from: [r],
        price: p,
        qty: (s) => s.instanceHours,
      });
    else c.skip(r, `EC2 ${type}: no "ec2:${type}" price for ${c.region} in the table`);

    const root = r.inputs.rootBlockDevice ?? {};
    const volumeType = String(root.volumeType ?? "");
    const gb = Number(root.volumeSize);
    const ebs = c.price(`ebs:${volumeType}`);
    if (!ebs || !Number.isFinite(gb))
      c.skip(
        r,
        `root volume: ${gb || "AMI-default"} GB ${volumeType || "AMI-default type"} has no price in the table`,
      );
    else
      c.add({
        category: "storage",
        item: `EBS ${volumeType} root volume, ${gb} GB (billed while stopped too)`,
        from: [r],
        price: ebs,
        qty: () => gb,
      });
    for (const d of list<any>(r.inputs.ebsBlockDevices)) {
      const p2 = c.price(`ebs:${String(d.volumeType)}`);
      if (p2 && Number.isFinite(Number(d.volumeSize)))
        c.add({
          category: "storage",
          item: `EBS ${String(d.volumeType)} volume ${String(d.deviceName)}, ${Number(d.volumeSize)} GB`,
          from: [r],
          price: p2,
          qty: () => Number(d.volumeSize),
        });
      else c.skip(r, `EBS volume ${String(d.deviceName)}: no price for its type/size in the table`);
    }
    if (r.inputs.associatePublicIpAddress === true)
      c.addOrSkip({
        category: "network",
        item: "public IPv4 of the instance (while running; released when stopped)",
        from: [r],
        priceId: "vpc:public-ipv4",
        qty: (s) => s.instanceHours,
      });
  }
}

function priceNatAndIps(c: Accumulator): void {
  const nats = c.of(T.nat);
  const nat = c.price("ec2:nat-gateway");
  if (nat)
    c.add({
      category: "network",
      item: `NAT gateways: ${nats.length} declared (per-GB processing not included)`,
      from: nats,
      price: nat,
      qty: () => nats.length * c.hours,
    });
  else for (const r of nats) c.skip(r, `NAT gateway: no "ec2:nat-gateway" price for ${c.region}`);
  const eips = c.of(T.eip);
  if (eips.length > 0)
    c.addOrSkip({
      category: "network",
      item: `Elastic IPs: ${eips.length} (public IPv4)`,
      from: eips,
      priceId: "vpc:public-ipv4",
      qty: () => eips.length * c.hours,
    });
}

function priceLoadBalancers(c: Accumulator): void {
  for (const r of c.of(T.lb)) {
    const type = String(r.inputs.loadBalancerType ?? "application");
    if (type !== "application") {
      c.skip(r, `${type} load balancer: only application load balancers are in the table`);
      continue;
    }
    c.addOrSkip({
      category: "network",
      item: `Application Load Balancer ${String(r.inputs.name ?? r.name)} (hours)`,
      from: [r],
      priceId: "elb:alb",
      qty: () => c.hours,
    });
    const lcu = c.a.lcuPerLoadBalancer;
    c.addOrSkip({
      category: "network",
      item: `ALB capacity units (assumed ${lcu} LCU on average)`,
      what: "ALB capacity units",
      from: [r],
      priceId: "elb:alb-lcu",
      qty: () => lcu * c.hours,
      assumption:
        `${lcu} LCU averaged over the month: a low-traffic app stays far below one LCU on every dimension ` +
        "(25 new connections/s, 3,000 active connections/min, 1 GB/h processed, 1,000 rule evaluations/s). " +
        "Busy traffic raises this line.",
    });
    if (r.inputs.internal !== true) {
      const azs = list(r.inputs.subnets).length || list(r.inputs.subnetMappings).length;
      c.addOrSkip({
        category: "network",
        item: `public IPv4 of the load balancer: one per AZ (${azs})`,
        from: [r],
        priceId: "vpc:public-ipv4",
        qty: () => azs * c.hours,
      });
    }
  }
}

function priceServices(c: Accumulator): void {
  for (const svc of c.of(T.service)) {
    const td = c.resources.find(
      (r) =>
        r.type === T.taskDef &&
        (r.state.arn === svc.inputs.taskDefinition || r.urn === svc.inputs.taskDefinition),
    );
    if (!td) {
      c.skip(svc, "no task definition of this program matches the service's taskDefinition");
      continue;
    }
    const clusterCapacity = c.resources.find(
      (r) =>
        r.type === T.clusterCapacity &&
        String(svc.inputs.cluster ?? "").endsWith(`:cluster/${String(r.inputs.clusterName)}`),
    );
    const strategy: { capacityProvider: string; base?: number; weight?: number }[] =
      list<any>(svc.inputs.capacityProviderStrategies).length > 0
        ? list<any>(svc.inputs.capacityProviderStrategies)
        : svc.inputs.launchType === "FARGATE"
          ? [{ capacityProvider: "FARGATE", weight: 1 }]
          : list<any>(clusterCapacity?.inputs.defaultCapacityProviderStrategies);
    const unknown = strategy
      .map((s) => s.capacityProvider)
      .filter((p) => p !== "FARGATE" && p !== "FARGATE_SPOT");
    if (strategy.length === 0 || unknown.length > 0) {
      c.skip(
        svc,
        `capacity ${unknown.join(", ") || svc.inputs.launchType || "unknown"}: only Fargate is in the table`,
      );
      continue;
    }
    const range = taskRange(svc, c.resources);
    const count = (s: Scenario) => (s.tasks === "max" ? range.max : range.min);
    const split = (s: Scenario) => splitTasks(count(s), strategy);
    const vcpu = Number(td.inputs.cpu) / 1024;
    const gb = Number(td.inputs.memory) / 1024;
    const arm = td.inputs.runtimePlatform?.cpuArchitecture === "ARM64";
    const arch = arm ? "arm" : "x86";
    const size = `${vcpu} vCPU / ${gb} GB${arm ? " ARM" : ""}`;
    const name = String(svc.inputs.name ?? svc.name);
    const from = [svc, td];
    const onDemand = (s: Scenario) => split(s).FARGATE ?? 0;
    const spot = (s: Scenario) => split(s).FARGATE_SPOT ?? 0;
    const tasksText = (f: (s: Scenario) => number) => c.scenarios.map((s) => `${round(f(s))}`).join(" / ");
    c.addOrSkip({
      category: "compute",
      item: `Fargate vCPU, on-demand: ${tasksText(onDemand)} tasks × ${size}`,
      what: "Fargate vCPU",
      from,
      priceId: `fargate:${arch}-vcpu`,
      qty: (s) => onDemand(s) * vcpu * c.hours,
    });
    c.addOrSkip({
      category: "compute",
      item: `Fargate memory, on-demand: ${tasksText(onDemand)} tasks × ${size}`,
      what: "Fargate memory",
      from,
      priceId: `fargate:${arch}-gb`,
      qty: (s) => onDemand(s) * gb * c.hours,
    });
    if (c.scenarios.some((s) => spot(s) > 0)) {
      const discount = c.price("fargate:spot-discount");
      // FARGATE_SPOT places ARM64 tasks on platform 1.4.0+ (ECS API reference, CapacityProviderStrategyItem);
      // the table's discount is applied to the ARM rate as to the x86 one.
      const cpuPrice = c.price(`fargate:${arch}-vcpu`);
      const memPrice = c.price(`fargate:${arch}-gb`);
      if (!discount || !cpuPrice || !memPrice)
        c.skip(svc, `Fargate Spot: no Fargate ${arch} or Spot discount price for ${c.region} in the table`);
      else {
        c.add(
          {
            category: "compute",
            item: `Fargate vCPU, Spot: ${tasksText(spot)} tasks × ${size}`,
            from,
            price: cpuPrice,
            qty: (s) => spot(s) * vcpu * c.hours,
          },
          discount,
        );
        c.add(
          {
            category: "compute",
            item: `Fargate memory, Spot: ${tasksText(spot)} tasks × ${size}`,
            from,
            price: memPrice,
            qty: (s) => spot(s) * gb * c.hours,
          },
          discount,
        );
        c.notes.push(
          `Fargate Spot is priced at the table's "up to ${Math.round(discount.usd * 100)} %" discount, the ` +
            "best case; the actual discount varies by hour and zone.",
        );
      }
    }
    if (svc.inputs.networkConfiguration?.assignPublicIp === true)
      c.addOrSkip({
        category: "network",
        item: `public IPv4 of the tasks: one each (${tasksText(count)})`,
        from: [svc],
        priceId: "vpc:public-ipv4",
        qty: (s) => count(s) * c.hours,
      });
    // Said rather than left out: the reader comparing with a public-ipv4 stack sees where the line went.
    else if (c.of("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway").length > 0)
      c.addOrSkip({
        category: "network",
        item: "public IPv4 of the tasks: none (IPv6-only subnets, out through an egress-only gateway)",
        from: [svc],
        priceId: "vpc:public-ipv4",
        qty: () => 0,
      });
    c.notes.push(
      `Service ${name}: ${range.min}–${range.max} tasks (its autoscaling range); a rolling deploy briefly runs ` +
        "up to twice the count, which this estimate leaves out.",
    );
  }
}

function priceClusters(c: Accumulator): void {
  for (const cluster of c.of(T.cluster)) {
    const mode = list<any>(cluster.inputs.settings).find((s) => s?.name === "containerInsights")?.value;
    const name = String(cluster.inputs.name ?? cluster.name);
    const services = c
      .of(T.service)
      .filter(
        (s) => String(s.inputs.cluster ?? "").endsWith(`:cluster/${name}`) || s.inputs.cluster === name,
      );
    const families = new Set(
      services.map((s) => String(s.inputs.taskDefinition ?? "").replace(/^.*task-definition\/|:\d+$/g, "")),
    );
    const metrics = containerInsightsMetrics(services.length, families.size, c.a);
    const price = c.price("cloudwatch:container-insights-metric");
    const m = c.a.containerInsights;
    const assumption =
      `classic Container Insights publishes about ${m.cluster} metrics per cluster, ${m.perService} per service ` +
      `and ${m.perTaskFamily} per task family (${services.length} service(s), ${families.size} family(ies) here: ` +
      `${metrics} metrics); counted from CloudWatch's metric list, not measured.`;
    if (mode === "enabled") {
      if (price)
        c.add({
          category: "monitoring",
          item: `Container Insights on ${name}: ~${metrics} custom metrics (estimated count)`,
          from: [cluster],
          price,
          qty: () => metrics,
          assumption,
        });
      else
        c.skip(
          cluster,
          `Container Insights: no "cloudwatch:container-insights-metric" price for ${c.region}`,
        );
    } else if (mode === "enhanced") {
      c.skip(
        cluster,
        "Container Insights enhanced: billed per observation, a rate the table does not confirm",
      );
    } else {
      c.mark(cluster, "free");
      c.notes.push(
        `Container Insights is ${mode === "disabled" ? "disabled" : "not set (the account default applies)"} on ${name}` +
          (price
            ? `: enabling it would add about ${metrics} metrics × ${unitPrice(price.usd)} = ${money(metrics * price.usd)} a month.`
            : "."),
      );
    }
  }
}

function priceAlarms(c: Accumulator): void {
  const alarms = c.of(T.alarm);
  const standard = alarms.filter((r) => !(Number(r.inputs.period) < 60));
  for (const r of alarms.filter((x) => !standard.includes(x)))
    c.skip(r, "high-resolution alarm (period under 60 s): its rate is not in the table");
  const metricsOf = (r: Recorded) =>
    list<any>(r.inputs.metricQueries).length > 0
      ? list<any>(r.inputs.metricQueries).filter((q) => q?.metric).length
      : 1;
  const metrics = standard.reduce((a, r) => a + metricsOf(r), 0);
  if (standard.length > 0)
    c.addOrSkip({
      category: "monitoring",
      item: `CloudWatch alarms declared: ${standard.length} (${metrics} metric${metrics === 1 ? "" : "s"}; a metric-math alarm bills each metric)`,
      what: "CloudWatch alarm",
      from: standard,
      priceId: "cloudwatch:alarm-metric",
      qty: () => metrics,
    });
  const tracking = c.of(T.scalingPolicy).filter((r) => r.inputs.policyType === "TargetTrackingScaling");
  const hidden = tracking.length * c.a.targetTrackingAlarms;
  if (tracking.length > 0)
    c.addOrSkip({
      category: "monitoring",
      item: `CloudWatch alarms created by target tracking: ${tracking.length} polic${tracking.length === 1 ? "y" : "ies"} × ${c.a.targetTrackingAlarms} (not declared; AWS creates them)`,
      what: "target-tracking alarms",
      from: tracking,
      priceId: "cloudwatch:alarm-metric",
      qty: () => hidden,
    });
}

function priceFunctions(c: Accumulator): void {
  const fns = c.of(T.lambda);
  if (fns.length === 0) return;
  const requests = c.a.lambdaRequestsPerMonth * fns.length;
  c.addOrSkip({
    category: "compute",
    item: `Lambda requests (assumed ${c.a.lambdaRequestsPerMonth} a month per function × ${fns.length}; the free tier's 1 million a month is not subtracted)`,
    what: "Lambda requests",
    from: fns,
    priceId: "lambda:requests",
    qty: () => requests,
    assumption: `${c.a.lambdaRequestsPerMonth} requests a month: a shared link opened a few times a day, plus reloads while the demo boots.`,
  });
  for (const fn of fns) {
    if (!(fn.inputs.architectures ?? []).includes("arm64")) {
      c.skip(fn, "Lambda duration on x86: only the arm64 rate is in the table");
      continue;
    }
    const gb = Number(fn.inputs.memorySize ?? 128) / 1024;
    c.addOrSkip({
      category: "compute",
      item: `Lambda duration of ${String(fn.inputs.name ?? fn.name)}, arm64 ${Number(fn.inputs.memorySize ?? 128)} MB (${c.a.lambdaSecondsPerRequest} s a request)`,
      what: "Lambda duration",
      from: [fn],
      priceId: "lambda:arm64-gb-second",
      qty: () => c.a.lambdaRequestsPerMonth * c.a.lambdaSecondsPerRequest * gb,
    });
  }
}

function priceLogs(c: Accumulator): void {
  const all = c.of(T.logGroup);
  // A function's own group holds a few lines per request, not an app's access log.
  const fnGroups = all.filter((r) => String(r.inputs.name ?? "").startsWith("/aws/lambda/"));
  if (fnGroups.length > 0) {
    const gb = (c.a.lambdaRequestsPerMonth * c.a.lambdaLogKbPerRequest) / 1e6;
    c.addOrSkip({
      category: "monitoring",
      item: `CloudWatch Logs ingestion, Lambda log groups × ${fnGroups.length} (${c.a.lambdaLogKbPerRequest} KB a request)`,
      what: "CloudWatch Logs ingestion",
      from: fnGroups,
      priceId: "logs:ingest",
      qty: () => gb * fnGroups.length,
    });
    c.addOrSkip({
      category: "monitoring",
      item: "CloudWatch Logs storage, Lambda log groups (at most a month's ingestion)",
      what: "CloudWatch Logs storage",
      from: fnGroups,
      priceId: "logs:storage",
      qty: () => gb * fnGroups.length,
    });
  }
  const groups = all.filter((r) => !fnGroups.includes(r));
  if (groups.length === 0) return;
  const gb = c.a.logIngestGbPerGroup;
  c.addOrSkip({
    category: "monitoring",
    item: `CloudWatch Logs ingestion (assumed ${gb} GB a month per log group × ${groups.length})`,
    what: "CloudWatch Logs ingestion",
    from: groups,
    priceId: "logs:ingest",
    qty: () => gb * groups.length,
    assumption: `${gb} GB of logs a month per log group: a low-traffic app's access and error lines.`,
  });
  const stored = groups.reduce((a, r) => {
    const days = Number(r.inputs.retentionInDays);
    return a + (Number.isFinite(days) && days > 0 ? (gb * days) / 30 : gb);
  }, 0);
  const retention = groups.map((r) =>
    r.inputs.retentionInDays ? `${r.inputs.retentionInDays} days` : "never expires",
  );
  if (retention.includes("never expires"))
    c.notes.push("A log group without retention keeps growing: its storage line is the first month's.");
  c.addOrSkip({
    category: "monitoring",
    item: `CloudWatch Logs storage (retention ${[...new Set(retention)].join(", ")}: ingestion × days / 30)`,
    what: "CloudWatch Logs storage",
    from: groups,
    priceId: "logs:storage",
    qty: () => stored,
  });
}

function priceRepositories(c: Accumulator): void {
  const repos = c.of(T.repository);
  if (repos.length === 0) return;
  const gb = c.a.ecrStoredGbPerRepository;
  const kept = c
    .of(T.lifecycle)
    .flatMap((r) => list<any>(parsed(r.inputs.policy)?.rules))
    .filter(
      (rule) => rule?.selection?.tagStatus === "any" && rule?.selection?.countType === "imageCountMoreThan",
    )
    .map((rule) => Number(rule.selection.countNumber));
  const keptText = kept.length > 0 ? `, up to ${Math.max(...kept)} images kept by the lifecycle policy` : "";
  c.addOrSkip({
    category: "registry",
    item: `ECR storage (assumed ${gb} GB per repository × ${repos.length}${keptText})`,
    what: "ECR storage",
    from: repos,
    priceId: "ecr:storage",
    qty: () => gb * repos.length,
    assumption:
      `${gb} GB stored per repository: the kept images share their base layers, so storage is about one ` +
      "image plus the layers that changed between builds. A large image (ML models) raises it.",
  });
}

function priceSecrets(c: Accumulator): void {
  const created = c.of(T.secret);
  const createdArns = new Set(created.map((r) => String(r.state.arn)));
  const referenced = secretsRead(c.resources).filter((arn) => !createdArns.has(arn));
  if (created.length > 0)
    c.addOrSkip({
      category: "secrets",
      item: `Secrets Manager: ${created.length} secret(s) created by the stack`,
      what: "Secrets Manager secret",
      from: created,
      priceId: "secretsmanager:secret",
      qty: () => created.length,
    });
  if (referenced.length > 0) {
    const p = c.price("secretsmanager:secret");
    if (p) {
      const readers = c.resources.filter(
        (r) =>
          (r.type === T.taskDef || r.type === T.rolePolicy || r.type === T.policy) &&
          referenced.some((arn) => JSON.stringify(r.inputs).includes(arn)),
      );
      c.add({
        category: "secrets",
        item: `Secrets Manager: ${referenced.length} existing secret(s) the app reads (${referenced.map(secretName).join(", ")}; billed where they live)`,
        from: readers,
        price: p,
        qty: () => referenced.length,
      });
    } else
      c.notes.push(
        `${referenced.length} existing Secrets Manager secret(s) are read: no price for ${c.region}.`,
      );
  }
  if (created.length + referenced.length > 0)
    c.notes.push("Secrets Manager API calls (a few per task start, $0.05 per 10,000) are left out: cents.");
}

function priceZones(c: Accumulator): void {
  const zones = c.of(T.zone);
  const createdIds = new Set(zones.map((z) => String(z.state.zoneId ?? z.state.id)));
  const records = c.of(T.record);
  const lookedUp = [...new Set(records.map((r) => String(r.inputs.zoneId)))].filter(
    (id) => !createdIds.has(id),
  );
  if (zones.length > 0)
    c.addOrSkip({
      category: "dns",
      item: `Route 53 hosted zones created: ${zones.length}`,
      what: "Route 53 hosted zone",
      from: zones,
      priceId: "route53:hosted-zone",
      qty: () => zones.length,
    });
  if (lookedUp.length > 0) {
    const names = records
      .filter((r) => lookedUp.includes(String(r.inputs.zoneId)) && r.inputs.type === "A")
      .map((r) => String(r.inputs.name));
    const p = c.price("route53:hosted-zone");
    if (p)
      c.add({
        category: "dns",
        item: `Route 53 hosted zone holding ${names.join(", ") || "the records"} (looked up, not created: may be shared with other records and stacks)`,
        from: [],
        price: p,
        qty: () => lookedUp.length,
      });
    c.notes.push(
      "DNS queries ($0.40 per million standard queries; alias queries to AWS resources are free) are left out.",
    );
  }
  c.mark(records, "free");
}

/**
 * CloudFront: data transfer out and HTTPS requests beyond the always-free tier (an assumed traffic figure),
 * and each VPC origin. Their prices do not depend on the stack's region: the table lists them as "global".
 */
function priceDistributions(c: Accumulator): void {
  const distributions = c.of(T.distribution);
  const global = (id: string) => c.prices.get(id, "global");
  if (distributions.length > 0) {
    const cf = c.a.cloudfront;
    const n = distributions.length;
    const transfer = global("cloudfront:transfer-out");
    const requests = global("cloudfront:https-requests");
    const gbBeyond = Math.max(0, cf.transferOutGb * n - cf.freeTransferOutGb);
    const requestsBeyond = Math.max(0, cf.requests * n - cf.freeRequests);
    if (transfer)
      c.add({
        category: "network",
        item: `CloudFront data transfer out beyond the free ${cf.freeTransferOutGb} GB (assumed ${cf.transferOutGb} GB a month × ${n})`,
        from: distributions,
        price: transfer,
        qty: () => gbBeyond,
        assumption:
          `${cf.transferOutGb} GB out and ${cf.requests.toLocaleString("en-US")} requests a month per distribution, ` +
          `inside CloudFront's always-free ${cf.freeTransferOutGb} GB and ${cf.freeRequests.toLocaleString("en-US")} ` +
          "requests when this is the account's only distribution. Heavier traffic, or other distributions in the " +
          "account, make these lines non-zero.",
      });
    else for (const d of distributions) c.skip(d, 'CloudFront transfer: no "cloudfront:transfer-out" price');
    if (requests)
      c.add({
        category: "network",
        item: `CloudFront HTTPS requests beyond the free ${cf.freeRequests / 1e6} M (assumed ${cf.requests / 1e6} M a month × ${n})`,
        from: distributions,
        price: requests,
        qty: () => requestsBeyond / 10000,
      });
  }
  const origins = c.of(T.vpcOrigin);
  if (origins.length > 0) {
    const vpcOrigin = global("cloudfront:vpc-origin");
    if (vpcOrigin)
      c.add({
        category: "network",
        item: `CloudFront VPC origins: ${origins.length}`,
        from: origins,
        price: vpcOrigin,
        qty: () => origins.length,
      });
    else for (const o of origins) c.skip(o, 'CloudFront VPC origin: no "cloudfront:vpc-origin" price');
  }
}

function priceOthers(c: Accumulator): void {
  const buckets = c.of(T.bucket);
  if (buckets.length) {
    const gb = c.a.s3StoredGbPerBucket;
    c.addOrSkip({
      category: "storage",
      item: `S3 Standard storage (assumed ${gb} GB per bucket × ${buckets.length})`,
      what: "S3 storage",
      from: buckets,
      priceId: "s3:standard-storage",
      qty: () => gb * buckets.length,
      assumption:
        `${gb} GB stored per bucket (the app's files; old versions count too). Requests are left out: ` +
        "a small app's few thousand a month cost a cent or less.",
    });
  }
  for (const r of c.of(T.parameter))
    if (r.inputs.tier && r.inputs.tier !== "Standard")
      c.skip(r, `SSM ${String(r.inputs.tier)} parameter: not in the table`);
  for (const r of c.of(T.subscription))
    if (r.inputs.protocol !== "email" && r.inputs.protocol !== "email-json")
      c.skip(r, `SNS ${String(r.inputs.protocol)} deliveries: not in the table`);
}

/** The estimate for an evaluated stack. */
export function estimate(input: PlanInput, opts: EstimateOptions): Estimate {
  const prices = opts.prices ?? PRICES;
  const a = opts.assumptions ?? ASSUMPTIONS;
  const hours = opts.hours ?? 20;
  const resources = input.resources
    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
    .slice()
    .sort((x, y) => (x.type === y.type ? x.name.localeCompare(y.name) : x.type.localeCompare(y.type)));
  let scenarios = scenariosFor(resources, hours, prices.hoursPerMonth);
  const services = resources.filter((r) => r.type === T.service);
  if (services.length === 1) {
    const range = taskRange(services[0], resources);
    scenarios = scenarios.map((s) =>
      s.id === "baseline"
        ? { ...s, label: `baseline: ${range.min} tasks` }
        : s.id === "max"
          ? { ...s, label: `at maximum scale: ${range.max} tasks` }
          : s,
    );
  }
  const c = new Accumulator(resources, opts.region, scenarios, prices, a);
  priceInstances(c);
  priceNatAndIps(c);
  priceLoadBalancers(c);
  priceDistributions(c);
  priceServices(c);
  priceClusters(c);
  priceAlarms(c);
  priceFunctions(c);
  priceLogs(c);
  priceRepositories(c);
  priceSecrets(c);
  priceZones(c);
  priceOthers(c);

  const freeCounts = new Map<string, FreeGroup>();
  for (const r of resources) {
    if (c.as.has(r)) continue;
    const free = FREE[r.type];
    if (free) c.as.set(r, "free");
    else c.skip(r, "a billable type with no price in the table (or a type this estimate does not know)");
  }
  for (const r of resources)
    if (c.as.get(r) === "free") {
      const f = FREE[r.type] ?? { group: "ECS", why: "no charge" };
      const g = freeCounts.get(f.group);
      freeCounts.set(f.group, { group: f.group, why: g?.why ?? f.why, count: (g?.count ?? 0) + 1 });
    }

  const lines = c.lines
    .map((l, i) => ({ l, i }))
    .sort((x, y) => CATEGORY_ORDER.indexOf(x.l.category) - CATEGORY_ORDER.indexOf(y.l.category) || x.i - y.i)
    .map((x) => x.l);
  return {
    region: opts.region,
    scenarios,
    lines,
    totals: scenarios.map((_, i) => round(lines.reduce((sum, l) => sum + l.usd[i], 0))),
    notPriced: c.notPriced
      .slice()
      .sort((x, y) => x.type.localeCompare(y.type) || x.name.localeCompare(y.name)),
    free: [...freeCounts.values()],
    coverage: resources.map((r) => ({ type: r.type, name: r.name, as: c.as.get(r)! })),
    notes: [...new Set(c.notes)],
    collected: prices.collected,
    complete: c.notPriced.length === 0,
    regionInTable: prices.regions().includes(opts.region),
  };
}

/**
 * The same estimate with `n` NAT gateways running all month: the comparison configuration of `npm run bench`
 * (the CDK default VPC puts one NAT gateway in each of two AZs). Hours only; per-GB processing is extra.
 */
export function withNatGateways(e: Estimate, n: number, prices: PriceTable = PRICES): Estimate {
  const nat = prices.get("ec2:nat-gateway", e.region);
  if (!nat) throw new Error(`no NAT gateway price for ${e.region}`);
  const qty = round(n * prices.hoursPerMonth);
  const line: CostLine = {
    category: "network",
    item: `NAT gateways: ${n} (comparison configuration; per-GB processing not included)`,
    from: [],
    unit: nat.unit,
    unitUsd: nat.usd,
    priceText: `${unitPrice(nat.usd)} per ${nat.unit}`,
    confidence: nat.confidence,
    sources: [nat],
    quantities: e.scenarios.map(() => qty),
    usd: e.scenarios.map(() => round(qty * nat.usd)),
  };
  const lines = [...e.lines.filter((l) => !l.item.startsWith("NAT gateways:")), line];
  return { ...e, lines, totals: e.scenarios.map((_, i) => round(lines.reduce((s, l) => s + l.usd[i], 0))) };
}

export interface BudgetCheck {
  readonly monthlyUsd: number;
  /** The scenario compared: the first (demo stopped, service baseline). */
  readonly scenario: Scenario;
  readonly estimateUsd: number;
  /**
   * "within" or "over" when the estimate is complete; "unknown" when something billable is not priced (the
   * total is then only a lower bound), unless the priced part alone is already over.
   */
  readonly verdict: "within" | "over" | "unknown";
  /** verdict === "within": an incomplete estimate is never within a budget. */
  readonly within: boolean;
}

/** Compares the first scenario's total with the budget. */
export function checkBudget(e: Estimate, monthlyUsd: number): BudgetCheck {
  const estimateUsd = e.totals[0];
  const verdict = estimateUsd > monthlyUsd ? "over" : e.complete ? "within" : "unknown";
  return { monthlyUsd, scenario: e.scenarios[0], estimateUsd, verdict, within: verdict === "within" };
}

export { money };
