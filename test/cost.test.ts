// The cost arithmetic of `npm run plan` on hand-built resources: every expected figure is written out as the
// hand computation it stands for (price × quantity), so a wrong multiplication, a lost Spot discount or a
// forgotten line shows up as a number that differs from the sum on the page.
import * as assert from "node:assert/strict";
import {
  checkBudget,
  estimate,
  splitTasks,
  withNatGateways,
  type CostLine,
  type Estimate,
} from "../scripts/plan/cost";
import * as fs from "node:fs";
import * as path from "node:path";
import { estimateMarkdown, estimateText } from "../scripts/plan/markdown";
import {
  COMMON_REGIONS,
  GLOBAL,
  PRICE_IDS,
  PRICES,
  PriceTable,
  weakest,
  type Price,
} from "../scripts/plan/priceTable";
import type { Recorded } from "./support/harness";

const H = 730;

/** A recorded custom resource as the harness would record it. */
function res(
  type: string,
  name: string,
  inputs: Record<string, any> = {},
  state: Record<string, any> = {},
): Recorded {
  return {
    type,
    name,
    urn: `urn:pulumi:test::ferry::${type}::${name}`,
    parent: "",
    provider: "",
    custom: true,
    inputs,
    state: { ...inputs, ...state },
    dependencies: [],
    options: {
      protect: false,
      retainOnDelete: false,
      deleteBeforeReplace: false,
      ignoreChanges: [],
      replaceOnChanges: [],
      customTimeouts: {},
    },
  } as unknown as Recorded;
}

function line(e: Estimate, startsWith: string): CostLine {
  const found = e.lines.filter((l) => l.item.startsWith(startsWith));
  assert.strictEqual(
    found.length,
    1,
    `one line starting "${startsWith}"; lines: ${e.lines.map((l) => l.item).join(" | ")}`,
  );
  return found[0];
}

function near(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.strictEqual(actual.length, expected.length, what);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) < 1e-6, `${what} [${i}]: got ${a}, expected ${expected[i]}`),
  );
}

const demoInstance = (inputs: Record<string, any> = {}) =>
  res("aws:ec2/instance:Instance", "demo-instance", {
    instanceType: "t3.medium",
    associatePublicIpAddress: true,
    rootBlockDevice: { volumeType: "gp3", volumeSize: 12, encrypted: true },
    ...inputs,
  });

describe("cost estimate: EC2 demo arithmetic (eu-central-1)", () => {
  const e = estimate({ resources: [demoInstance()] }, { region: "eu-central-1", hours: 20 });

  it("shows the demo stopped and running H hours a month", () => {
    assert.deepStrictEqual(
      e.scenarios.map((s) => [s.id, s.label, s.instanceHours]),
      [
        ["stopped", "stopped", 0],
        ["running", "running 20 h a month", 20],
      ],
    );
  });

  it("bills instance hours and its public IPv4 only while running, the disk always", () => {
    near(line(e, "EC2 t3.medium").usd, [0 * 0.048, 20 * 0.048], "t3.medium, Frankfurt");
    near(line(e, "public IPv4 of the instance").usd, [0 * 0.005, 20 * 0.005], "public IPv4");
    near(line(e, "EBS gp3 root volume, 12 GB").usd, [12 * 0.0952, 12 * 0.0952], "gp3 GB-month");
    near(line(e, "NAT gateways: 0").usd, [0, 0], "no NAT gateway");
    near(e.totals, [12 * 0.0952, 12 * 0.0952 + 20 * 0.048 + 20 * 0.005], "totals");
    assert.strictEqual(
      line(e, "EC2 t3.medium").confidence,
      "third-party",
      "Frankfurt t3.medium is confirmed by a third-party catalog (SkyPilot's AWS price catalog)",
    );
  });

  it("scales the running column with --hours", () => {
    const e40 = estimate({ resources: [demoInstance()] }, { region: "eu-central-1", hours: 40 });
    near(line(e40, "EC2 t3.medium").usd, [0, 40 * 0.048], "40 hours");
    near(e40.totals, [12 * 0.0952, 12 * 0.0952 + 40 * 0.048 + 40 * 0.005], "totals at 40 h");
    const month = estimate({ resources: [demoInstance()] }, { region: "eu-central-1", hours: 730 });
    near(line(month, "EC2 t3.medium").usd, [0, 730 * 0.048], "a whole month");
  });

  it("prices the same instance with us-east-1 figures in us-east-1", () => {
    const us = estimate({ resources: [demoInstance()] }, { region: "us-east-1", hours: 20 });
    near(line(us, "EC2 t3.medium").usd, [0, 20 * 0.0416], "t3.medium, N. Virginia");
    near(line(us, "EBS gp3").usd, [12 * 0.08, 12 * 0.08], "gp3, N. Virginia");
  });
});

describe("cost estimate: Fargate arithmetic (us-east-1)", () => {
  const taskDefArn = "arn:aws:ecs:us-east-1:123456789012:task-definition/app-prod:1";
  const service = (inputs: Record<string, any> = {}) =>
    res("aws:ecs/service:Service", "app-service", {
      name: "app-prod",
      cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/app-cluster",
      taskDefinition: taskDefArn,
      desiredCount: 2,
      capacityProviderStrategies: [
        { capacityProvider: "FARGATE", base: 1, weight: 0 },
        { capacityProvider: "FARGATE_SPOT", weight: 1 },
      ],
      networkConfiguration: { assignPublicIp: true, subnets: ["subnet-a", "subnet-b"] },
      ...inputs,
    });
  const taskDef = (inputs: Record<string, any> = {}) =>
    res(
      "aws:ecs/taskDefinition:TaskDefinition",
      "app-taskdef",
      {
        family: "app-prod",
        cpu: "512",
        memory: "1024",
        runtimePlatform: { cpuArchitecture: "X86_64" },
        ...inputs,
      },
      { arn: taskDefArn },
    );
  const scaling = res("aws:appautoscaling/target:Target", "app-scaling", {
    serviceNamespace: "ecs",
    scalableDimension: "ecs:service:DesiredCount",
    resourceId: "service/app-cluster/app-prod",
    minCapacity: 2,
    maxCapacity: 10,
  });
  const alb = res("aws:lb/loadBalancer:LoadBalancer", "app-alb", {
    name: "app-alb",
    loadBalancerType: "application",
    internal: false,
    subnets: ["subnet-a", "subnet-b"],
  });
  const cluster = (mode?: string) =>
    res("aws:ecs/cluster:Cluster", "app-cluster", {
      name: "app-cluster",
      settings: mode ? [{ name: "containerInsights", value: mode }] : [],
    });
  const base = [service(), taskDef(), scaling, alb, cluster("disabled")];
  const e = estimate({ resources: base }, { region: "us-east-1" });

  it("shows baseline (autoscaling minimum) and maximum scale", () => {
    assert.deepStrictEqual(
      e.scenarios.map((s) => [s.id, s.label, s.tasks]),
      [
        ["baseline", "baseline: 2 tasks", "min"],
        ["max", "at maximum scale: 10 tasks", "max"],
      ],
    );
  });

  it("splits tasks by the capacity provider strategy: the base on FARGATE, the rest by weight", () => {
    assert.deepStrictEqual(splitTasks(2, base[0].inputs.capacityProviderStrategies), {
      FARGATE: 1,
      FARGATE_SPOT: 1,
    });
    assert.deepStrictEqual(splitTasks(10, base[0].inputs.capacityProviderStrategies), {
      FARGATE: 1,
      FARGATE_SPOT: 9,
    });
    // base 2, then weights 1:3 → of the 8 beyond the base, 2 on FARGATE and 6 on Spot.
    const weighted = [
      { capacityProvider: "FARGATE", base: 2, weight: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3 },
    ];
    assert.deepStrictEqual(splitTasks(10, weighted), { FARGATE: 2 + 8 * (1 / 4), FARGATE_SPOT: 8 * (3 / 4) });
    assert.deepStrictEqual(splitTasks(1, weighted), { FARGATE: 1, FARGATE_SPOT: 0 }, "the base takes all");
    assert.throws(
      () => splitTasks(3, [{ capacityProvider: "FARGATE", base: 1, weight: 0 }]),
      /every weight is 0/,
    );
  });

  it("prices on-demand and Spot vCPU and memory hours, Spot at the table's discount", () => {
    // baseline: 1 on FARGATE + 1 on Spot; maximum: 1 + 9.
    near(
      line(e, "Fargate vCPU, on-demand").usd,
      [1 * 0.5 * H * 0.04048, 1 * 0.5 * H * 0.04048],
      "vCPU on-demand",
    );
    near(
      line(e, "Fargate memory, on-demand").usd,
      [1 * 1 * H * 0.004445, 1 * 1 * H * 0.004445],
      "GB on-demand",
    );
    near(
      line(e, "Fargate vCPU, Spot").usd,
      [1 * 0.5 * H * 0.04048 * (1 - 0.7), 9 * 0.5 * H * 0.04048 * (1 - 0.7)],
      "vCPU Spot",
    );
    near(
      line(e, "Fargate memory, Spot").usd,
      [1 * 1 * H * 0.004445 * (1 - 0.7), 9 * 1 * H * 0.004445 * (1 - 0.7)],
      "GB Spot",
    );
    const spot = line(e, "Fargate memory, Spot");
    assert.match(spot.priceText, /^\$0\.004445 less up to 70 % = \$0\.0013335 per GB-hour$/);
    assert.strictEqual(spot.confidence, "third-party", "the weaker of the memory rate and the Spot discount");
    assert.ok(e.notes.some((n) => /"up to 70 %" discount, the best case/.test(n)));
  });

  it("prices an all-on-demand strategy with no Spot lines, and ARM64 at the ARM rates", () => {
    const onDemand = estimate(
      {
        resources: [
          service({ capacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }] }),
          taskDef({ runtimePlatform: { cpuArchitecture: "ARM64" } }),
          scaling,
        ],
      },
      { region: "us-east-1" },
    );
    assert.ok(!onDemand.lines.some((l) => l.item.includes("Spot")));
    near(
      line(onDemand, "Fargate vCPU, on-demand").usd,
      [2 * 0.5 * H * 0.03238, 10 * 0.5 * H * 0.03238],
      "ARM vCPU",
    );
    near(
      line(onDemand, "Fargate memory, on-demand").usd,
      [2 * 1 * H * 0.00356, 10 * 1 * H * 0.00356],
      "ARM GB",
    );
  });

  it("counts public IPv4 per ALB AZ and per public task, and the ALB's hours and assumed LCUs", () => {
    near(line(e, "public IPv4 of the load balancer").usd, [2 * H * 0.005, 2 * H * 0.005], "ALB in 2 AZs");
    near(line(e, "public IPv4 of the tasks").usd, [2 * H * 0.005, 10 * H * 0.005], "a public IP per task");
    near(line(e, "Application Load Balancer app-alb").usd, [H * 0.0225, H * 0.0225], "ALB hours");
    const lcu = line(e, "ALB capacity units");
    near(lcu.usd, [0.25 * H * 0.008, 0.25 * H * 0.008], "0.25 LCU");
    assert.match(lcu.assumption ?? "", /0\.25 LCU averaged over the month/);
  });

  it("prices Container Insights only when the cluster enables it", () => {
    assert.ok(!e.lines.some((l) => l.item.startsWith("Container Insights")));
    assert.ok(
      e.notes.includes(
        "Container Insights is disabled on app-cluster: enabling it would add about 31 metrics × $0.30 = $9.30 a month.",
      ),
    );
    const on = estimate(
      { resources: [service(), taskDef(), scaling, cluster("enabled")] },
      { region: "us-east-1" },
    );
    // 10 cluster metrics + 13 for the one service + 8 for its one task family.
    near(
      line(on, "Container Insights on app-cluster").usd,
      [(10 + 13 + 8) * 0.3, (10 + 13 + 8) * 0.3],
      "31 metrics",
    );
    const enhanced = estimate(
      { resources: [service(), taskDef(), scaling, cluster("enhanced")] },
      { region: "us-east-1" },
    );
    assert.deepStrictEqual(
      enhanced.notPriced.map((n) => [n.name, n.reason]),
      [
        [
          "app-cluster",
          "Container Insights enhanced: billed per observation, a rate the table does not confirm",
        ],
      ],
    );
  });

  it("bills every metric of an alarm and says target tracking adds two hidden alarms per policy", () => {
    const alarms = [
      res("aws:cloudwatch/metricAlarm:MetricAlarm", "a-single", { metricName: "CPUUtilization", period: 60 }),
      res("aws:cloudwatch/metricAlarm:MetricAlarm", "b-math", {
        metricQueries: [
          { id: "errors", metric: { metricName: "HTTPCode_Target_5XX_Count" } },
          { id: "requests", metric: { metricName: "RequestCount" } },
          { id: "rate", expression: "100 * errors / requests", returnData: true },
        ],
      }),
      res("aws:appautoscaling/policy:Policy", "tracking", { policyType: "TargetTrackingScaling" }),
    ];
    const a = estimate({ resources: [...base, ...alarms] }, { region: "us-east-1" });
    near(
      line(a, "CloudWatch alarms declared: 2 (3 metrics").usd,
      [(1 + 2) * 0.1, (1 + 2) * 0.1],
      "3 alarm metrics",
    );
    const hidden = line(a, "CloudWatch alarms created by target tracking: 1 policy × 2");
    near(hidden.usd, [2 * 0.1, 2 * 0.1], "2 hidden alarms");
    assert.match(hidden.item, /not declared; AWS creates them/);
  });

  it("estimates logs from the assumed ingestion and the declared retention, and ECR from the assumed size", () => {
    const more = [
      res("aws:cloudwatch/logGroup:LogGroup", "logs", { name: "/ecs/app", retentionInDays: 7 }),
      res("aws:ecr/repository:Repository", "repo", { name: "app" }),
    ];
    const l = estimate({ resources: [...base, ...more] }, { region: "us-east-1" });
    near(line(l, "CloudWatch Logs ingestion").usd, [1 * 0.5, 1 * 0.5], "1 GB ingested");
    near(
      line(l, "CloudWatch Logs storage (retention 7 days").usd,
      [((1 * 7) / 30) * 0.03, ((1 * 7) / 30) * 0.03],
      "stored",
    );
    near(line(l, "ECR storage (assumed 1 GB").usd, [1 * 0.1, 1 * 0.1], "ECR");
  });

  it("counts secrets created by the stack and existing ones the app reads", () => {
    const created = res(
      "aws:secretsmanager/secret:Secret",
      "created",
      { namePrefix: "app-prod/TOKEN-" },
      { arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-prod/TOKEN-abc123" },
    );
    const td = taskDef({
      containerDefinitions: JSON.stringify([
        {
          name: "app",
          secrets: [
            {
              name: "TOKEN",
              valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-prod/TOKEN-abc123",
            },
            { name: "A", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/a-Xy12Zq" },
            // The same secret through a JSON key: still one secret.
            {
              name: "B",
              valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/a-Xy12Zq:b::",
            },
            { name: "C", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/c-Pq34Rs" },
            { name: "D", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/app/D" },
          ],
        },
      ]),
    });
    const s = estimate({ resources: [service(), td, scaling, created] }, { region: "us-east-1" });
    near(line(s, "Secrets Manager: 1 secret(s) created").usd, [1 * 0.4, 1 * 0.4], "created");
    const referenced = line(s, "Secrets Manager: 2 existing secret(s)");
    near(referenced.usd, [2 * 0.4, 2 * 0.4], "referenced");
    assert.match(referenced.item, /shared\/a, shared\/c/);
  });

  it("prices a hosted zone the records use, and NAT gateways per hour when there are any", () => {
    const record = res("aws:route53/record:Record", "alias", {
      zoneId: "Z123",
      name: "app.example.com",
      type: "A",
    });
    const nats = [
      res("aws:ec2/natGateway:NatGateway", "nat-a"),
      res("aws:ec2/natGateway:NatGateway", "nat-b"),
    ];
    const z = estimate({ resources: [...base, record, ...nats] }, { region: "us-east-1" });
    near(line(z, "Route 53 hosted zone holding app.example.com").usd, [0.5, 0.5], "one looked-up zone");
    assert.match(line(z, "Route 53 hosted zone").item, /may be shared/);
    near(line(z, "NAT gateways: 2 declared").usd, [2 * H * 0.045, 2 * H * 0.045], "2 NAT gateways");
  });

  it("adds NAT gateways' hours for the comparison configuration of npm run bench", () => {
    const nat = withNatGateways(e, 2);
    near(nat.totals, [e.totals[0] + 2 * H * 0.045, e.totals[1] + 2 * H * 0.045], "plus two NAT gateways");
    assert.strictEqual(
      nat.lines.filter((l) => l.item.startsWith("NAT gateways:")).length,
      1,
      "replaces the 0-NAT line",
    );
  });
});

describe("cost estimate: nothing silently zero", () => {
  it("lists billable resources it has no price for as not priced, outside the totals", () => {
    const resources = [
      demoInstance({ instanceType: "m7i.large" }),
      res("aws:kms/key:Key", "key"),
      res("aws:s3/bucket:Bucket", "bucket", { bucketPrefix: "data-" }),
      res("aws:lb/loadBalancer:LoadBalancer", "nlb", { loadBalancerType: "network", subnets: ["a", "b"] }),
      res("aws:iam/role:Role", "role"),
    ];
    const e = estimate({ resources }, { region: "eu-central-1", hours: 20 });
    assert.deepStrictEqual(
      e.notPriced.map((n) => [n.type, n.name, n.reason]),
      [
        [
          "aws:ec2/instance:Instance",
          "demo-instance",
          'EC2 m7i.large: no "ec2:m7i.large" price for eu-central-1 in the table',
        ],
        [
          "aws:kms/key:Key",
          "key",
          "a billable type with no price in the table (or a type this estimate does not know)",
        ],
        [
          "aws:lb/loadBalancer:LoadBalancer",
          "nlb",
          "network load balancer: only application load balancers are in the table",
        ],
      ],
    );
    // The disk of the unpriced instance type is still priced; nothing unpriced is in the total.
    near(e.totals, [12 * 0.0952 + 0.0245, 12 * 0.0952 + 0.0245 + 20 * 0.005], "disk, bucket and IPv4 only");
    near(line(e, "S3 Standard storage (assumed 1 GB per bucket × 1)").usd, [0.0245, 0.0245], "the bucket");
    assert.deepStrictEqual(e.free, [{ group: "IAM", why: "IAM has no charge", count: 1 }]);
  });

  it("lists an ALB in a region without ALB prices as not priced rather than $0, and calls the estimate incomplete", () => {
    const alb = res("aws:lb/loadBalancer:LoadBalancer", "alb", {
      loadBalancerType: "application",
      subnets: ["a", "b"],
    });
    const prices = PRICES.with([]);
    const noAlb = new PriceTable(
      prices.prices.filter((p) => !(p.id.startsWith("elb:") && p.region === "eu-central-1")),
      prices.hoursPerMonth,
      prices.collected,
    );
    const e = estimate({ resources: [alb] }, { region: "eu-central-1", prices: noAlb });
    assert.deepStrictEqual(
      e.notPriced.map((n) => n.reason),
      [
        'Application Load Balancer alb (hours): no "elb:alb" price for eu-central-1 in the table',
        'ALB capacity units: no "elb:alb-lcu" price for eu-central-1 in the table',
      ],
    );
    near(line(e, "public IPv4 of the load balancer").usd, [2 * H * 0.005], "its IPv4 is still priced");
    assert.strictEqual(e.complete, false);
    assert.strictEqual(e.regionInTable, true);
    // Even a generous budget cannot be "within" an estimate that leaves something out.
    assert.deepStrictEqual([checkBudget(e, 1000).verdict, checkBudget(e, 1000).within], ["unknown", false]);
    // …but a budget the priced part alone exceeds is over, whatever the rest costs.
    assert.strictEqual(checkBudget(e, 1).verdict, "over");
    assert.match(
      estimateText(e, 1000),
      /^ {2}ESTIMATE INCOMPLETE: 2 billable resource\(s\) have no price for eu-central-1/m,
    );
    assert.match(
      estimateText(e, 1000).replace(/\n +/g, " "),
      /cannot be checked: the estimate is incomplete/,
    );
  });

  it("a region outside the table: only global prices apply, the plan says the estimate is incomplete", () => {
    const alb = res("aws:lb/loadBalancer:LoadBalancer", "alb", {
      loadBalancerType: "application",
      subnets: ["a"],
    });
    const zone = res("aws:route53/zone:Zone", "zone", { name: "example.com" });
    const e = estimate({ resources: [alb, zone] }, { region: "me-central-1" });
    assert.strictEqual(e.regionInTable, false);
    assert.strictEqual(e.complete, false);
    assert.ok(line(e, "Route 53 hosted zone"), "Route 53 has a global price");
    assert.match(estimateText(e, 50), /region me-central-1 is not in the price table/);
    assert.match(estimateMarkdown(e, 50), /^\*\*ESTIMATE INCOMPLETE: region me-central-1/);
    assert.strictEqual(checkBudget(e, 50).within, false);
  });

  it("puts every custom resource in exactly one of priced, free, not priced; providers and components in none", () => {
    const provider = { ...res("pulumi:providers:aws", "aws"), custom: true } as Recorded;
    const component = { ...res("ferry:demo:Ec2Demo", "demo"), custom: false } as Recorded;
    const resources = [
      provider,
      component,
      demoInstance(),
      res("aws:iam/role:Role", "role"),
      res("aws:x/y:Z", "z"),
    ];
    const e = estimate({ resources }, { region: "eu-central-1" });
    assert.deepStrictEqual(
      e.coverage.map((c) => [c.type, c.as]),
      [
        ["aws:ec2/instance:Instance", "priced"],
        ["aws:iam/role:Role", "free"],
        ["aws:x/y:Z", "not priced"],
      ],
    );
  });
});

describe("budget check", () => {
  const e = estimate({ resources: [demoInstance()] }, { region: "eu-central-1", hours: 20 });
  it("compares the first scenario (the stopped demo) with the budget", () => {
    assert.deepStrictEqual(
      { ...checkBudget(e, 2), scenario: checkBudget(e, 2).scenario.id },
      { monthlyUsd: 2, scenario: "stopped", estimateUsd: e.totals[0], verdict: "within", within: true },
    );
    assert.strictEqual(checkBudget(e, 12 * 0.0952 - 0.01).within, false);
  });
});

describe("price table", () => {
  const p: Price = {
    id: "x",
    region: "us-east-1",
    unit: "hour",
    usd: 1,
    source: "s",
    date: "2026-11-21",
    confidence: "aws",
  };

  it("carries region, unit, price, source, date and confidence on every entry, each (id, region) once", () => {
    assert.ok(PRICES.prices.length >= 30);
    for (const x of PRICES.prices)
      assert.ok(
        x.id && x.region && x.unit && x.source && /^\d{4}-\d{2}-\d{2}$/.test(x.date) && x.confidence,
        x.id,
      );
    assert.strictEqual(PRICES.hoursPerMonth, 730);
    assert.strictEqual(PRICES.collected, "2026-12-02");
  });

  it("holds the collected figures the estimate uses", () => {
    const get = (id: string, region: string) => PRICES.get(id, region)?.usd;
    assert.deepStrictEqual(
      [
        get("ec2:t3.medium", "eu-central-1"),
        get("ebs:gp3", "eu-central-1"),
        get("vpc:public-ipv4", "us-east-1"),
        get("elb:alb", "us-east-1"),
        get("elb:alb-lcu", "us-east-1"),
        get("fargate:x86-vcpu", "us-east-1"),
        get("fargate:x86-gb", "us-east-1"),
        get("fargate:spot-discount", "us-east-1"),
        get("cloudwatch:container-insights-metric", "us-east-1"),
        get("ec2:nat-gateway", "us-east-1"),
        get("elb:alb", "eu-central-1"),
      ],
      [0.048, 0.0952, 0.005, 0.0225, 0.008, 0.04048, 0.004445, 0.7, 0.3, 0.045, 0.027],
    );
  });

  it("has every price a ferry resource needs in every common region (regional, or global for a global service)", () => {
    const missing = COMMON_REGIONS.flatMap((r) =>
      PRICE_IDS.filter((id) => PRICES.get(id, r) === undefined).map((id) => `${id}@${r}`),
    );
    assert.deepStrictEqual(missing, []);
  });

  it("lists every price id the estimate asks for (cost.ts), so the region check above covers them all", () => {
    const src = fs.readFileSync(path.join(__dirname, "..", "scripts", "plan", "cost.ts"), "utf8");
    const asked = new Set(
      [
        ...src.matchAll(
          /"((?:ec2|ebs|vpc|elb|fargate|logs|cloudwatch|ecr|secretsmanager|ssm|sns|route53|lambda|cloudfront|s3):[a-z0-9.-]+)"/g,
        ),
      ]
        .map((m) => m[1])
        .filter((id) => !id.includes("amazonaws") && !/:(?:getsecretvalue|getparameters?)$/.test(id)),
    );
    // Instance and volume prices are asked for by type ("ec2:" + instanceType): PRICE_IDS names the usual ones.
    assert.deepStrictEqual(
      [...asked].filter((id) => !(PRICE_IDS as readonly string[]).includes(id)),
      [],
      "price ids cost.ts uses but PRICE_IDS does not list",
    );
  });

  it("applies a global entry in every region, and a regional entry wins over it", () => {
    const t = new PriceTable([
      { ...p, id: "g", region: GLOBAL, usd: 1 },
      { ...p, id: "g", region: "eu-west-1", usd: 2 },
    ]);
    assert.strictEqual(t.get("g", "ap-south-1")?.usd, 1);
    assert.strictEqual(t.get("g", "eu-west-1")?.usd, 2);
    assert.deepStrictEqual(t.regions(), ["eu-west-1"]);
  });

  it("marks how far each entry can be trusted: a source, a date and a confidence on each", () => {
    for (const x of PRICES.prices) {
      assert.ok(x.source.length > 5, `${x.id}@${x.region}: source`);
      assert.ok(x.date >= "2026-01-01", `${x.id}@${x.region}: date ${x.date}`);
    }
    // What could not be confirmed says so.
    assert.ok(PRICES.prices.some((x) => x.confidence === "unconfirmed" && /not confirmed/.test(x.source)));
  });

  it("rejects a duplicate or malformed entry when loaded", () => {
    assert.throws(() => new PriceTable([p, p]), /x@us-east-1 is listed twice/);
    assert.throws(() => new PriceTable([{ ...p, confidence: "sure" as never }]), /confidence not one of aws/);
    assert.throws(() => new PriceTable([{ ...p, usd: -1 }]), /usd not a number >= 0/);
    assert.throws(() => new PriceTable([{ ...p, date: "yesterday" }]), /date not YYYY-MM-DD/);
    assert.strictEqual(new PriceTable([p]).with([{ ...p, usd: 2 }]).get("x", "us-east-1")?.usd, 2);
  });

  it("ranks confidence aws > third-party > unconfirmed > weak", () => {
    assert.strictEqual(weakest("aws", "third-party"), "third-party");
    assert.strictEqual(weakest("unconfirmed", "third-party", "aws"), "unconfirmed");
    assert.strictEqual(weakest("weak", "aws"), "weak");
  });
});
