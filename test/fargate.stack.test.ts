// The HA Fargate topology (P1-P10) evaluated with the real program under mocks: the committed VibeJudge
// (Pulumi.prod.yaml) and CarePolicy Hub (Pulumi.carepolicy.yaml) stacks, and variants of them through config
// overrides (domain, ECS Exec, existing VPC, long names, ...). Assertions read the declared inputs, parse the
// JSON documents (container definitions, IAM policies) and check resource options.
import * as assert from "node:assert/strict";
import { evaluateStack, json, stackConfig, type Evaluation, type Recorded } from "./support/harness";

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  igw: "aws:ec2/internetGateway:InternetGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  rtAssoc: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  cluster: "aws:ecs/cluster:Cluster",
  capacity: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  tg: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  bucket: "aws:s3/bucket:Bucket",
  repo: "aws:ecr/repository:Repository",
} as const;

interface Container {
  name: string;
  image: string;
  essential: boolean;
  user?: string;
  portMappings: { containerPort: number; hostPort: number; protocol: string }[];
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  healthCheck?: {
    command: string[];
    interval: number;
    timeout: number;
    retries: number;
    startPeriod: number;
  };
  readonlyRootFilesystem: boolean;
  mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  linuxParameters?: { initProcessEnabled: boolean };
  logConfiguration: { logDriver: string; options: Record<string, string> };
}

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string>>;
}

const container = (e: Evaluation): Container => {
  const defs = json<Container[]>(e.one(T.taskDef).inputs.containerDefinitions, "containerDefinitions");
  assert.strictEqual(defs.length, 1, "one container per task");
  return defs[0];
};
const envOf = (c: Container) => Object.fromEntries(c.environment.map((x) => [x.name, x.value]));
const statements = (r: Recorded): PolicyStatement[] =>
  json<{ Statement: PolicyStatement[] }>(r.inputs.policy, `${r.name}.policy`).Statement;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
/** Role policies attached to `role` (by its name). */
const policiesOf = (e: Evaluation, role: Recorded) =>
  e.ofType(T.rolePolicy).filter((p) => p.inputs.role === role.state.name);
const rulesOf = (e: Evaluation, type: string, sg: Recorded) =>
  e.ofType(type).filter((r) => r.inputs.securityGroupId === sg.state.id);
const alarmNamed = (e: Evaluation, suffix: string) =>
  e.ofType(T.alarm).find((a) => String(a.inputs.name).endsWith(suffix)) ??
  assert.fail(`no alarm named *${suffix}`);

/** Every "*" Resource in a policy must be one of the commented exceptions. */
const STAR_ALLOWED = new Set([
  "ecr:GetAuthorizationToken",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
]);
/** True when `r` sits (at any depth) under a component of type `type`. */
function under(e: Evaluation, r: Recorded, type: string): boolean {
  for (let p = r.parent; p; p = e.byUrn(p)?.parent ?? "") if (e.byUrn(p)?.type === type) return true;
  return false;
}
/** The CI access roles live in the same stack; their scoping is tested in test/ci.test.ts. */
const notCi = (e: Evaluation) => (r: Recorded) => !under(e, r, "ferry:ci:CiAccess");

function assertNoStrayStar(e: Evaluation) {
  for (const p of e.ofType(T.rolePolicy).filter(notCi(e)))
    for (const s of statements(p))
      if (list(s.Resource).includes("*"))
        for (const a of list(s.Action)) assert.ok(STAR_ALLOWED.has(a), `${p.name}: ${a} on "*"`);
}

describe("fargate-ha: VibeJudge (Pulumi.prod.yaml)", function () {
  let e: Evaluation;
  before(async () => {
    e = await evaluateStack("prod");
  });

  it("P1: new VPC in 2 AZs, no NAT gateway; IPv6-only task subnets (taskNetwork ipv6-only), the ALB in private dual-stack ones", () => {
    // The IPv6 details are asserted for every stack that asks for them in test/fargate.edge.test.ts.
    const vpc = e.one(T.vpc);
    assert.strictEqual(vpc.inputs.cidrBlock, "10.0.0.0/16");
    assert.strictEqual(vpc.inputs.assignGeneratedIpv6CidrBlock, true);
    // While ipv6-only, the IPv6 inputs are managed, not ignored.
    for (const r of [vpc, e.one(T.alb), ...e.ofType(T.subnet)])
      assert.deepStrictEqual(r.options.ignoreChanges, [], r.name);
    const tasks = e.ofType(T.subnet).filter((x) => x.name.includes("-tasks-"));
    assert.deepStrictEqual(
      tasks.map((s) => [s.inputs.ipv6Native, s.inputs.availabilityZone]),
      [
        [true, "us-east-1a"],
        [true, "us-east-1b"],
      ],
    );
    const privates = e.ofType(T.subnet).filter((x) => x.name.includes("-private-"));
    assert.deepStrictEqual(
      privates.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]),
      [
        ["10.0.32.0/20", "us-east-1a"],
        ["10.0.48.0/20", "us-east-1b"],
      ],
    );
    assert.strictEqual(e.ofType(T.subnet).length, 4, "no public subnets: nothing needs a public IPv4");
    // The internet gateway stays (a CloudFront VPC origin needs one on the VPC); no route uses it.
    assert.strictEqual(e.one(T.igw).inputs.vpcId, vpc.state.id);
    assert.ok(e.ofType(T.route).every((r) => r.inputs.gatewayId === undefined));
    const nat = e.resources.filter((r) => /natGateway|\/eip:Eip|awsx:/i.test(r.type));
    assert.deepStrictEqual(nat, [], "no NAT gateway, Elastic IP or awsx component anywhere");
    const net = e.one(T.service).inputs.networkConfiguration;
    assert.strictEqual(net.assignPublicIp, false, "no public IPv4 for the tasks");
    assert.deepStrictEqual(
      net.subnets,
      tasks.map((s) => s.state.id),
    );
    assert.deepStrictEqual(
      e.one(T.alb).inputs.subnets,
      privates.map((s) => s.state.id),
    );
  });

  it("P2: cluster vibejudge-cluster with Container Insights, FARGATE + FARGATE_SPOT, base 1 on FARGATE", async () => {
    const cluster = e.one(T.cluster);
    assert.strictEqual(cluster.inputs.name, "vibejudge-cluster");
    // The committed prod runs Container Insights (within its $60 budget: test/cost-budget.test.ts).
    assert.deepStrictEqual(cluster.inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
    const existing = JSON.parse(stackConfig("prod").config["ferry:fargate"]) as Record<string, unknown>;
    const off = await evaluateStack("prod", {
      config: { "ferry:fargate": { ...existing, containerInsights: "disabled" } },
    });
    assert.deepStrictEqual(off.one(T.cluster).inputs.settings, [
      { name: "containerInsights", value: "disabled" },
    ]);
    const cp = e.one(T.capacity);
    assert.strictEqual(cp.inputs.clusterName, "vibejudge-cluster");
    assert.deepStrictEqual(cp.inputs.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
    const strategy = [
      { capacityProvider: "FARGATE", base: 1, weight: 0 },
      { capacityProvider: "FARGATE_SPOT", weight: 1 },
    ];
    assert.deepStrictEqual(cp.inputs.defaultCapacityProviderStrategies, strategy);
    assert.deepStrictEqual(e.one(T.service).inputs.capacityProviderStrategies, strategy);
  });

  it("P3: task definition 0.5 vCPU / 1 GB, ARM64, awsvpc, the pushed digest (dual-stack endpoint), port, env, no container probe, 7-day logs", () => {
    const td = e.one(T.taskDef);
    assert.deepStrictEqual(
      [td.inputs.family, td.inputs.cpu, td.inputs.memory, td.inputs.networkMode],
      ["vibejudge-prod", "512", "1024", "awsvpc"],
    );
    assert.deepStrictEqual(td.inputs.requiresCompatibilities, ["FARGATE"]);
    assert.deepStrictEqual(td.inputs.runtimePlatform, {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: "ARM64",
    });
    assert.deepStrictEqual(e.one("docker-build:index:Image").inputs.platforms, ["linux/arm64"]);
    assert.strictEqual(td.inputs.skipDestroy, true, "old revisions stay registered for rollbacks");
    assert.strictEqual(td.inputs.executionRoleArn, e.one(T.role, "-exec").state.arn);
    assert.strictEqual(td.inputs.taskRoleArn, e.one(T.role, "-task").state.arn);

    const c = container(e);
    // The pushed digest, pulled through ECR's dual-stack endpoint (the tasks have only IPv6).
    assert.strictEqual(
      c.image,
      String(e.outputs.imageRef).replace(".dkr.ecr.us-east-1.amazonaws.com/", ".dkr-ecr.us-east-1.on.aws/"),
      "deploys the digest reference, never a tag",
    );
    assert.match(
      c.image,
      /^123456789012\.dkr-ecr\.us-east-1\.on\.aws\/vibejudge-dashboard@sha256:[0-9a-f]{64}$/,
    );
    assert.strictEqual(c.essential, true);
    assert.strictEqual(c.user, undefined, "the image's non-root USER is honoured");
    assert.deepStrictEqual(c.portMappings, [{ containerPort: 8501, hostPort: 8501, protocol: "tcp" }]);
    assert.deepStrictEqual(envOf(c), {
      API_BASE_URL: "https://2nu0j4n648.execute-api.us-east-1.amazonaws.com/dev",
      AWS_USE_DUALSTACK_ENDPOINT: "true",
    });
    assert.deepStrictEqual(c.secrets, []);
    // No probe that assumes a tool inside the image: the ALB's health check on the same path is the gate.
    assert.strictEqual(c.healthCheck, undefined);
    assert.strictEqual(c.readonlyRootFilesystem, false);

    const logs = e.one(T.logGroup);
    assert.deepStrictEqual([logs.inputs.name, logs.inputs.retentionInDays], ["/ecs/vibejudge-dashboard", 7]);
    assert.deepStrictEqual(c.logConfiguration, {
      logDriver: "awslogs",
      options: {
        "awslogs-group": "/ecs/vibejudge-dashboard",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "app",
      },
    });
  });

  it("P4: execution role trusts ECS tasks of this account only, pulls exactly its repo, writes exactly its log group", () => {
    const exec = e.one(T.role, "-exec");
    const trust = json<{ Statement: PolicyStatement[] }>(exec.inputs.assumeRolePolicy, "trust").Statement;
    assert.deepStrictEqual(trust, [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
    ]);
    const policies = policiesOf(e, exec);
    assert.strictEqual(policies.length, 1, "no secrets → no secrets policy");
    assert.deepStrictEqual(statements(policies[0]), [
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: [e.one(T.repo).state.arn],
      },
      {
        Sid: "WriteAppLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: ["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/vibejudge-dashboard:*"],
      },
    ]);
    assertNoStrayStar(e);
  });

  it("P4: task role has no permissions at all (the dashboard needs no AWS access), and no managed policies anywhere", () => {
    const task = e.one(T.role, "-task");
    assert.deepStrictEqual(policiesOf(e, task), []);
    assert.strictEqual(
      e.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(notCi(e)).length,
      0,
    );
    assert.ok(String(task.inputs.assumeRolePolicy).includes("ecs-tasks.amazonaws.com"));
  });

  it("P5: internal ALB with invalid headers dropped; target group ip/8501/HTTP with the seed's health check", () => {
    const alb = e.one(T.alb);
    assert.deepStrictEqual(
      [alb.inputs.name, alb.inputs.internal, alb.inputs.loadBalancerType, alb.inputs.dropInvalidHeaderFields],
      ["vibejudge-prod-alb", true, "application", true],
    );
    assert.deepStrictEqual(alb.inputs.securityGroups, [e.one(T.sg, "alb-sg").state.id]);
    const tg = e.one(T.tg);
    assert.match(tg.inputs.name, /^vibejudge-prod-tg-[0-9a-f]{6}$/);
    assert.deepStrictEqual(
      [
        tg.inputs.targetType,
        tg.inputs.port,
        tg.inputs.protocol,
        tg.inputs.vpcId,
        tg.inputs.deregistrationDelay,
      ],
      ["ip", 8501, "HTTP", e.one(T.vpc).state.id, 30],
    );
    assert.deepStrictEqual(tg.inputs.healthCheck, {
      enabled: true,
      path: "/_stcore/health",
      protocol: "HTTP",
      port: "traffic-port",
      interval: 30,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      matcher: "200",
    });
    assert.deepStrictEqual(tg.inputs.stickiness, { type: "lb_cookie", enabled: true, cookieDuration: 86400 });
  });

  it("P5: without a domain, one HTTP 80 listener forwards to the target group; the URL is CloudFront's name", () => {
    const listener = e.one(T.listener);
    assert.deepStrictEqual(
      [listener.inputs.port, listener.inputs.protocol, listener.inputs.loadBalancerArn],
      [80, "HTTP", e.one(T.alb).state.arn],
    );
    assert.deepStrictEqual(listener.inputs.defaultActions, [
      { type: "forward", targetGroupArn: e.one(T.tg).state.arn },
    ]);
    const cdn = e.one("aws:cloudfront/distribution:Distribution");
    assert.strictEqual(e.outputs.url, `https://${String(cdn.state.domainName)}`);
    assert.strictEqual(
      e.resources.filter((r) => r.type.startsWith("aws:acm/") || r.type.startsWith("aws:route53/")).length,
      0,
    );
  });

  it("P6: rolling deploys 100/200 with circuit breaker and alarm rollback, grace 60 s, Spot strategy, steady-state wait", () => {
    const s = e.one(T.service);
    const i = s.inputs;
    assert.deepStrictEqual(
      [i.name, i.cluster, i.taskDefinition, i.desiredCount],
      ["vibejudge-prod", e.one(T.cluster).state.arn, e.one(T.taskDef).state.arn, 2],
    );
    assert.match(
      i.taskDefinition,
      /:task-definition\/vibejudge-prod:\d+$/,
      "a revision ARN: follows the newest",
    );
    assert.deepStrictEqual(
      [i.deploymentMinimumHealthyPercent, i.deploymentMaximumPercent, i.healthCheckGracePeriodSeconds],
      [100, 200, 60],
    );
    assert.deepStrictEqual(i.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.deepStrictEqual(i.deploymentController, { type: "ECS" });
    assert.deepStrictEqual(i.alarms, {
      alarmNames: ["vibejudge-prod-target-5xx-rate", "vibejudge-prod-latency"],
      enable: true,
      rollback: true,
    });
    assert.strictEqual(i.launchType, undefined, "capacity providers and launchType are mutually exclusive");
    assert.deepStrictEqual(i.networkConfiguration.securityGroups, [e.one(T.sg, "task-sg").state.id]);
    assert.deepStrictEqual(i.loadBalancers, [
      { targetGroupArn: e.one(T.tg).state.arn, containerName: "vibejudge", containerPort: 8501 },
    ]);
    assert.deepStrictEqual(
      [i.waitForSteadyState, i.enableExecuteCommand, i.propagateTags],
      [true, false, "SERVICE"],
    );
  });

  it("P6: the service ignores desiredCount after creation and waits for listener, capacity providers and exec policy", () => {
    const s = e.one(T.service);
    assert.deepStrictEqual(s.options.ignoreChanges, ["desiredCount"]);
    assert.deepStrictEqual(s.options.customTimeouts, { create: "20m", update: "20m", delete: "20m" });
    for (const dep of [e.one(T.listener), e.one(T.capacity), e.one(T.rolePolicy, "exec-policy")])
      assert.ok(s.dependencies.includes(dep.urn), `service depends on ${dep.name}`);
  });

  it("P7: auto-scaling 2-10 tasks on 70 % average CPU, cooldowns 60 s out / 300 s in", () => {
    const target = e.one(T.scalingTarget);
    assert.deepStrictEqual(
      [target.inputs.serviceNamespace, target.inputs.scalableDimension, target.inputs.resourceId],
      ["ecs", "ecs:service:DesiredCount", "service/vibejudge-cluster/vibejudge-prod"],
    );
    assert.deepStrictEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [2, 10]);
    const policy = e.one(T.scalingPolicy);
    assert.strictEqual(policy.inputs.policyType, "TargetTrackingScaling");
    assert.strictEqual(policy.inputs.resourceId, "service/vibejudge-cluster/vibejudge-prod");
    assert.deepStrictEqual(policy.inputs.targetTrackingScalingPolicyConfiguration, {
      predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
      targetValue: 70,
      scaleOutCooldown: 60,
      scaleInCooldown: 300,
    });
  });

  it("P8: ALB in 80 from CloudFront only and out only to the tasks; tasks in 8501 from the ALB only, out 443 over IPv6; no SSH", () => {
    const albSg = e.one(T.sg, "alb-sg");
    const taskSg = e.one(T.sg, "task-sg");
    for (const sg of [albSg, taskSg]) {
      assert.strictEqual(sg.inputs.vpcId, e.one(T.vpc).state.id);
      assert.strictEqual(sg.inputs.ingress, undefined, "no inline rules");
      assert.strictEqual(sg.inputs.egress, undefined, "no inline rules");
      assert.ok(String(sg.inputs.description).length > 20, "descriptive");
    }
    assert.strictEqual(albSg.inputs.namePrefix, "vibejudge-prod-alb-");
    assert.strictEqual(taskSg.inputs.namePrefix, "vibejudge-prod-tasks-");
    const pick = (r: Recorded) => ({
      port: [r.inputs.fromPort, r.inputs.toPort],
      proto: r.inputs.ipProtocol,
      cidr: r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6,
      sg: r.inputs.referencedSecurityGroupId,
    });
    const originFacing = e.calls.find((c) => c.token === "aws:ec2/getManagedPrefixList:getManagedPrefixList");
    assert.strictEqual(originFacing?.inputs.name, "com.amazonaws.global.cloudfront.origin-facing");
    const albIn = rulesOf(e, T.ingress, albSg);
    assert.deepStrictEqual(albIn.map(pick), [
      { port: [80, 80], proto: "tcp", cidr: undefined, sg: undefined },
    ]);
    assert.match(String(albIn[0].inputs.prefixListId), /^pl-[0-9a-f]+$/, "CloudFront's prefix list, no CIDR");
    assert.deepStrictEqual(rulesOf(e, T.egress, albSg).map(pick), [
      { port: [8501, 8501], proto: "tcp", cidr: undefined, sg: taskSg.state.id },
    ]);
    assert.deepStrictEqual(rulesOf(e, T.ingress, taskSg).map(pick), [
      { port: [8501, 8501], proto: "tcp", cidr: undefined, sg: albSg.state.id },
    ]);
    assert.deepStrictEqual(rulesOf(e, T.egress, taskSg).map(pick), [
      { port: [443, 443], proto: "tcp", cidr: "::/0", sg: undefined },
    ]);
    for (const r of [...e.ofType(T.ingress), ...e.ofType(T.egress)]) {
      assert.ok(r.inputs.description, `${r.name} has a description`);
      assert.ok(!(r.inputs.fromPort <= 22 && 22 <= r.inputs.toPort), `${r.name} opens SSH`);
      assert.notStrictEqual(r.inputs.ipProtocol, "-1", `${r.name} opens all protocols`);
    }
  });

  it("P9: SNS topic and six alarms, all notifying it on ALARM and OK", () => {
    const topic = e.one(T.topic);
    assert.strictEqual(topic.inputs.name, "vibejudge-prod-alarms");
    assert.strictEqual(e.ofType(T.subscription).length, 0, "no e-mail configured");
    const alarms = e.ofType(T.alarm);
    assert.deepStrictEqual(
      alarms.map((a) => a.inputs.name).sort(),
      ["cpu-high", "elb-5xx", "healthy-hosts", "latency", "memory-high", "target-5xx-rate"].map(
        (s) => `vibejudge-prod-${s}`,
      ),
    );
    for (const a of alarms) {
      assert.deepStrictEqual(a.inputs.alarmActions, [topic.state.arn], a.name);
      assert.deepStrictEqual(a.inputs.okActions, [topic.state.arn], a.name);
    }
    assert.strictEqual(e.outputs.alarmTopicArn, topic.state.arn);
  });

  it("P9: healthy hosts < 1, response time > 5 s, 5xx rate > 5 %, on the ALB/target-group dimensions; ECS CPU/memory", () => {
    const lb = { LoadBalancer: e.one(T.alb).state.arnSuffix, TargetGroup: e.one(T.tg).state.arnSuffix };
    assert.match(lb.LoadBalancer, /^app\/vibejudge-prod-alb\/[0-9a-f]+$/);
    const healthy = alarmNamed(e, "healthy-hosts").inputs;
    assert.deepStrictEqual(
      [
        healthy.namespace,
        healthy.metricName,
        healthy.statistic,
        healthy.comparisonOperator,
        healthy.threshold,
      ],
      ["AWS/ApplicationELB", "HealthyHostCount", "Minimum", "LessThanThreshold", 1],
    );
    assert.deepStrictEqual(healthy.dimensions, lb);
    const latency = alarmNamed(e, "latency").inputs;
    assert.deepStrictEqual(
      [latency.metricName, latency.statistic, latency.comparisonOperator, latency.threshold],
      ["TargetResponseTime", "Average", "GreaterThanThreshold", 5],
    );
    assert.deepStrictEqual(latency.dimensions, lb);
    const rate = alarmNamed(e, "target-5xx-rate").inputs;
    assert.strictEqual(rate.threshold, 5);
    const q = Object.fromEntries((rate.metricQueries as { id: string }[]).map((x) => [x.id, x])) as Record<
      string,
      any
    >;
    assert.deepStrictEqual(
      [q.errors.metric.metricName, q.requests.metric.metricName],
      ["HTTPCode_Target_5XX_Count", "RequestCount"],
    );
    assert.deepStrictEqual(q.errors.metric.dimensions, lb);
    assert.strictEqual(q.rate.expression, "IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)");
    assert.strictEqual(q.rate.returnData, true);
    for (const [suffix, metric] of [
      ["cpu-high", "CPUUtilization"],
      ["memory-high", "MemoryUtilization"],
    ]) {
      const a = alarmNamed(e, suffix).inputs;
      assert.deepStrictEqual([a.namespace, a.metricName], ["AWS/ECS", metric]);
      assert.deepStrictEqual(a.dimensions, {
        ClusterName: "vibejudge-cluster",
        ServiceName: "vibejudge-prod",
      });
    }
  });

  it("S8: outputs the URL, ALB, cluster, service, image, log group and alarm topic handles; no data bucket", () => {
    const s = e.one(T.service);
    assert.deepStrictEqual(
      {
        albDnsName: e.outputs.albDnsName,
        albArn: e.outputs.albArn,
        clusterName: e.outputs.clusterName,
        clusterArn: e.outputs.clusterArn,
        serviceName: e.outputs.serviceName,
        serviceArn: e.outputs.serviceArn,
        logGroupName: e.outputs.logGroupName,
      },
      {
        albDnsName: e.one(T.alb).state.dnsName,
        albArn: e.one(T.alb).state.arn,
        clusterName: "vibejudge-cluster",
        clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/vibejudge-cluster",
        serviceName: "vibejudge-prod",
        serviceArn: s.state.arn,
        logGroupName: "/ecs/vibejudge-dashboard",
      },
    );
    assert.match(String(e.outputs.imageDigest), /^sha256:[0-9a-f]{64}$/);
    assert.ok(!("dataBucketName" in e.outputs));
  });

  it("puts every Fargate resource under the FargateService component, directly or through its children", () => {
    const root = e.one("ferry:fargate:FargateService");
    assert.strictEqual(root.parent, "", "top-level component");
    const byUrn = new Map(e.resources.map((r) => [r.urn, r]));
    const underRoot = (r: Recorded) => {
      for (let p = r.parent; p; p = byUrn.get(p)?.parent ?? "") if (p === root.urn) return true;
      return false;
    };
    const shared = new Set([
      "ferry:registry:AppImage",
      "ferry:secrets:AppSecrets",
      "ferry:dns:Dns",
      "ferry:ci:CiAccess",
    ]);
    const sharedUrns = new Set(e.resources.filter((r) => shared.has(r.type)).map((r) => r.urn));
    for (const r of e.resources) {
      if (
        r === root ||
        r.type.startsWith("pulumi:providers:") ||
        shared.has(r.type) ||
        sharedUrns.has(r.parent) ||
        !notCi(e)(r)
      )
        continue;
      assert.ok(underRoot(r), `${r.type} ${r.name} is not under the FargateService`);
    }
  });
});

describe("fargate-ha: CarePolicy Hub (Pulumi.carepolicy.yaml)", function () {
  let e: Evaluation;
  before(async () => {
    e = await evaluateStack("carepolicy");
  });

  it("P3: 1 vCPU / 2 GB, port 5001, /health in the container and target group health checks", () => {
    const td = e.one(T.taskDef);
    assert.deepStrictEqual([td.inputs.cpu, td.inputs.memory], ["1024", "2048"]);
    const c = container(e);
    assert.deepStrictEqual(c.portMappings, [{ containerPort: 5001, hostPort: 5001, protocol: "tcp" }]);
    assert.strictEqual(c.healthCheck, undefined, "no container probe by default: the ALB check gates");
    assert.strictEqual(e.one(T.tg).inputs.healthCheck.path, "/health");
    assert.strictEqual(e.one(T.tg).inputs.port, 5001);
    assert.strictEqual(e.one(T.tg).inputs.stickiness, undefined, "Flask keeps no session in memory");
    assert.strictEqual(e.one(T.logGroup).inputs.name, "/ecs/carepolicy-hub");
    assert.strictEqual(e.one(T.cluster).inputs.name, "carepolicy-hub-cluster");
  });

  it("P3/S4: injects SECRET_KEY, JWT_SECRET, GROQ_API_KEY from the existing secrets' exact ARNs", () => {
    const arn = (n: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:carepolicy-hub/${n}-`;
    const secrets = container(e).secrets;
    assert.deepStrictEqual(
      secrets.map((s) => s.name),
      ["GROQ_API_KEY", "JWT_SECRET", "SECRET_KEY"],
    );
    const byName = Object.fromEntries(secrets.map((s) => [s.name, s.valueFrom]));
    assert.ok(byName.SECRET_KEY.startsWith(arn("secret-key")));
    assert.ok(byName.JWT_SECRET.startsWith(arn("jwt-secret")));
    assert.ok(byName.GROQ_API_KEY.startsWith(arn("groq-api-key")));
    for (const v of Object.values(byName))
      assert.match(v, /-[0-9a-f]{6}$/, "full ARN with the random suffix");
    assert.deepStrictEqual(
      e.calls
        .filter((c) => c.token === "aws:secretsmanager/getSecret:getSecret")
        .map((c) => c.inputs.name)
        .sort(),
      ["carepolicy-hub/groq-api-key", "carepolicy-hub/jwt-secret", "carepolicy-hub/secret-key"],
    );
    assert.strictEqual(
      e.ofType("aws:secretsmanager/secret:Secret").length,
      0,
      "existing secrets, none created",
    );
  });

  it("P4: the execution role (and only it) reads exactly those three secrets", () => {
    const exec = e.one(T.role, "-exec");
    const policies = policiesOf(e, exec);
    assert.strictEqual(policies.length, 2);
    const read = policies
      .flatMap(statements)
      .filter((s) => list(s.Action).includes("secretsmanager:GetSecretValue"));
    assert.strictEqual(read.length, 1);
    assert.deepStrictEqual(
      list(read[0].Resource).sort(),
      container(e)
        .secrets.map((s) => s.valueFrom)
        .sort(),
    );
    assert.deepStrictEqual(list(read[0].Action), ["secretsmanager:GetSecretValue"]);
    const task = e.one(T.role, "-task");
    for (const p of policiesOf(e, task))
      for (const s of statements(p))
        assert.ok(!JSON.stringify(s).includes("secretsmanager"), "task role reads no secret");
    assert.ok(
      e.one(T.service).dependencies.includes(e.one(T.rolePolicy, "exec-secrets").urn),
      "no task starts before the execution role may read its secrets",
    );
    assertNoStrayStar(e);
  });

  it("P10: data bucket versioned, AES256, public access blocked, ACLs off, TLS-only, protected", () => {
    const bucket = e.one(T.bucket);
    assert.strictEqual(bucket.options.protect, true);
    assert.strictEqual(bucket.inputs.forceDestroy, false);
    assert.ok(String(bucket.inputs.bucketPrefix).length <= 37, "S3 limit for bucketPrefix");
    assert.match(bucket.inputs.bucketPrefix, /^carepolicy-hub-carepolicy-data-$/);
    const id = bucket.state.id;
    const arn = bucket.state.arn;
    assert.deepStrictEqual(e.one("aws:s3/bucketVersioning:BucketVersioning").inputs, {
      bucket: id,
      versioningConfiguration: { status: "Enabled" },
    });
    assert.deepStrictEqual(
      e.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs
        .rules,
      [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    );
    const pab = e.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
    assert.deepStrictEqual(
      [
        pab.bucket,
        pab.blockPublicAcls,
        pab.blockPublicPolicy,
        pab.ignorePublicAcls,
        pab.restrictPublicBuckets,
      ],
      [id, true, true, true, true],
    );
    assert.deepStrictEqual(e.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule, {
      objectOwnership: "BucketOwnerEnforced",
    });
    const policy = e.one("aws:s3/bucketPolicy:BucketPolicy");
    assert.deepStrictEqual(statements(policy), [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    assert.ok(
      policy.dependencies.includes(e.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").urn),
      "policy after the public access block",
    );
    assert.strictEqual(e.outputs.dataBucketName, bucket.state.bucket);
  });

  it("P10: the task role reads and writes exactly the bucket; the app gets its name as S3_BUCKET", () => {
    const arn = e.one(T.bucket).state.arn;
    const task = e.one(T.role, "-task");
    const policies = policiesOf(e, task);
    assert.strictEqual(policies.length, 1);
    assert.deepStrictEqual(statements(policies[0]), [
      { Sid: "ListDataBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [arn] },
      {
        Sid: "ReadWriteDataObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`${arn}/*`],
      },
    ]);
    assert.strictEqual(envOf(container(e)).S3_BUCKET, e.one(T.bucket).state.bucket);
  });

  it("passes the seed's plain settings, and APP_BASE_URL follows the public URL", () => {
    assert.deepStrictEqual(envOf(container(e)), {
      APP_BASE_URL: e.outputs.url,
      DEBUG: "false",
      ENVIRONMENT: "production",
      PORT: "5001",
      S3_BUCKET: e.one(T.bucket).state.bucket,
      STORAGE_BACKEND: "s3",
    });
    assert.match(String(e.outputs.url), /^https:\/\/d[0-9a-f]+\.cloudfront\.net$/);
  });

  it("builds the Gunicorn stand-in (port 5001, /health) until the real checkout is configured", () => {
    assert.deepStrictEqual(e.one("docker-build:index:Image").inputs.context, {
      location: "examples/carepolicy-hub",
    });
  });
});

describe("fargate-ha: variants through config", function () {
  it("P5: with a domain, CloudFront serves it with the validated certificate; alias A/AAAA to the distribution; https URL", async () => {
    const e = await evaluateStack("prod", {
      config: { "ferry:dns": { domain: "example.com", record: "dashboard" } },
    });
    const cdn = e.one("aws:cloudfront/distribution:Distribution");
    const validated = e.one("aws:acm/certificateValidation:CertificateValidation");
    assert.deepStrictEqual(cdn.inputs.aliases, ["dashboard.example.com"]);
    assert.deepStrictEqual(cdn.inputs.viewerCertificate, {
      acmCertificateArn: validated.state.certificateArn,
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    });
    // us-east-1 stack: the certificate comes from the stack's own provider (already us-east-1).
    assert.match(String(e.one("aws:acm/certificate:Certificate").state.arn), /^arn:aws:acm:us-east-1:/);
    const listeners = e.ofType(T.listener);
    assert.deepStrictEqual(
      listeners.map((l) => [l.inputs.port, l.inputs.protocol]),
      [[80, "HTTP"]],
      "TLS ends at CloudFront; the internal ALB keeps its one HTTP listener",
    );
    assert.strictEqual(e.one(T.alb).inputs.internal, true);
    const records = e.ofType("aws:route53/record:Record").filter((r) => r.name.includes("alias"));
    assert.deepStrictEqual(records.map((r) => [r.inputs.name, r.inputs.type]).sort(), [
      ["dashboard.example.com", "A"],
      ["dashboard.example.com", "AAAA"],
    ]);
    for (const r of records)
      assert.deepStrictEqual(r.inputs.aliases, [
        { name: cdn.state.domainName, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false },
      ]);
    assert.strictEqual(e.outputs.url, "https://dashboard.example.com");
  });

  it("CarePolicy with a domain: APP_BASE_URL becomes https://<fqdn>", async () => {
    const e = await evaluateStack("carepolicy", {
      config: { "ferry:dns": { domain: "example.com", record: "app" } },
    });
    assert.strictEqual(envOf(container(e)).APP_BASE_URL, "https://app.example.com");
  });

  it("fits every name into AWS limits for a 40-character app name", async () => {
    const name = "a234567890-b234567890-c234567890-d234567";
    assert.strictEqual(name.length, 40);
    const e = await evaluateStack("carepolicy", {
      config: { "ferry:app": { ...carepolicyApp(), name }, "ferry:registry": { name } },
    });
    const alb = e.one(T.alb).inputs.name as string;
    const tg = e.one(T.tg).inputs.name as string;
    const lbName = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
    assert.ok(alb.length <= 32 && lbName.test(alb) && !alb.startsWith("internal-"), alb);
    assert.ok(tg.length <= 32 && lbName.test(tg), tg);
    for (const r of e.ofType(T.role)) assert.ok(String(r.inputs.name).length <= 64, r.inputs.name);
    assert.ok(String(e.one(T.bucket).inputs.bucketPrefix).length <= 37);
    assert.ok(String(e.one(T.sg, "alb-sg").inputs.namePrefix).length <= 100);
    assert.ok(String(e.one(T.service).inputs.name).length <= 255);
    assert.ok(String(e.one(T.taskDef).inputs.family).length <= 255);
    assert.ok(String(e.one(T.cluster).inputs.name).length <= 255);
    assert.strictEqual(e.one(T.logGroup).inputs.name, `/ecs/${name}`);
    for (const a of e.ofType(T.alarm)) assert.ok(String(a.inputs.name).length <= 255);
    assert.notStrictEqual(alb, tg);
  });

  it("ECS Exec: enables execute-command, an init process, and only the ssmmessages channels on the task role", async () => {
    const e = await evaluateStack("prod", {
      config: { "ferry:fargate": { clusterName: "vibejudge-cluster", ecsExec: true } },
    });
    assert.strictEqual(e.one(T.service).inputs.enableExecuteCommand, true);
    assert.deepStrictEqual(container(e).linuxParameters, { initProcessEnabled: true });
    const policies = policiesOf(e, e.one(T.role, "-task"));
    assert.strictEqual(policies.length, 1);
    assert.deepStrictEqual(statements(policies[0]), [
      {
        Sid: "EcsExecChannels",
        Effect: "Allow",
        Action: [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ],
        Resource: "*",
      },
    ]);
    assertNoStrayStar(e);
  });

  it("P1: an existing VPC by id: no network resources, the given subnets for ALB and tasks", async () => {
    const subnets = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
    const e = await evaluateStack("prod", {
      config: { "ferry:fargate": { vpcId: "vpc-0123456789abcdef0", subnetIds: subnets } },
    });
    for (const t of [T.vpc, T.subnet, T.igw, T.routeTable, T.route])
      assert.strictEqual(e.ofType(t).length, 0, t);
    assert.strictEqual(e.one(T.tg).inputs.vpcId, "vpc-0123456789abcdef0");
    assert.strictEqual(e.one(T.sg, "task-sg").inputs.vpcId, "vpc-0123456789abcdef0");
    assert.deepStrictEqual(e.one(T.alb).inputs.subnets, subnets);
    assert.deepStrictEqual(e.one(T.service).inputs.networkConfiguration.subnets, subnets);
    assert.strictEqual(
      e.calls.filter((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones").length,
      0,
    );
  });

  it("P1 (taskNetwork public-ipv4): one public subnet per AZ in 2 AZs, routed to an internet gateway, no NAT gateway", async () => {
    const existing = JSON.parse(stackConfig("prod").config["ferry:fargate"]) as Record<string, unknown>;
    const e = await evaluateStack("prod", {
      config: { "ferry:fargate": { ...existing, taskNetwork: "public-ipv4" } },
    });
    const vpc = e.one(T.vpc);
    assert.strictEqual(vpc.inputs.assignGeneratedIpv6CidrBlock, undefined, "no IPv6 asked for");
    assert.strictEqual(e.one(T.alb).inputs.ipAddressType, "ipv4");
    // Back from ipv6-only, what AWS would not release in a workable order stays (free): those inputs are
    // ignored once set, so no later `pulumi up` stops at the VPC. A new public-ipv4 stack creates none of it.
    assert.deepStrictEqual(vpc.options.ignoreChanges, ["assignGeneratedIpv6CidrBlock"]);
    assert.deepStrictEqual(e.one(T.alb).options.ignoreChanges, ["ipAddressType"]);
    for (const subnet of e.ofType(T.subnet).filter((x) => x.name.includes("-private-"))) {
      assert.deepStrictEqual(subnet.options.ignoreChanges, ["ipv6CidrBlock", "assignIpv6AddressOnCreation"]);
      assert.strictEqual(subnet.inputs.ipv6CidrBlock, undefined);
    }
    assert.strictEqual(vpc.inputs.cidrBlock, "10.0.0.0/16");
    const subnets = e.ofType(T.subnet).filter((x) => x.name.includes("-public-"));
    assert.deepStrictEqual(
      subnets.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]),
      [
        ["10.0.0.0/20", "us-east-1a"],
        ["10.0.16.0/20", "us-east-1b"],
      ],
    );
    for (const s of subnets) assert.strictEqual(s.inputs.vpcId, vpc.state.id);
    const route = e.one(T.route);
    const publicRoutes = e.one(T.routeTable, "-public");
    assert.deepStrictEqual(
      [route.inputs.destinationCidrBlock, route.inputs.gatewayId, route.inputs.routeTableId],
      ["0.0.0.0/0", e.one(T.igw).state.id, publicRoutes.state.id],
    );
    assert.deepStrictEqual(
      e
        .ofType(T.rtAssoc)
        .filter((a) => a.inputs.routeTableId === publicRoutes.state.id)
        .map((a) => [a.inputs.subnetId, a.inputs.routeTableId])
        .sort(),
      subnets.map((s) => [s.state.id, publicRoutes.state.id]).sort(),
    );
    // Behind CloudFront: one private subnet per AZ after the public ones, with no route out of the VPC.
    const privates = e.ofType(T.subnet).filter((x) => x.name.includes("-private-"));
    assert.deepStrictEqual(
      privates.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]),
      [
        ["10.0.32.0/20", "us-east-1a"],
        ["10.0.48.0/20", "us-east-1b"],
      ],
    );
    const privateRoutes = e.one(T.routeTable, "-private");
    assert.ok(
      e.ofType(T.route).every((r) => r.inputs.routeTableId !== privateRoutes.state.id),
      "the private route table has only the VPC's local route",
    );
    const nat = e.resources.filter((r) => /natGateway|\/eip:Eip|awsx:/i.test(r.type));
    assert.deepStrictEqual(nat, [], "no NAT gateway, Elastic IP or awsx component anywhere");
    assert.strictEqual(route.inputs.natGatewayId, undefined);
    const net = e.one(T.service).inputs.networkConfiguration;
    assert.strictEqual(net.assignPublicIp, true, "tasks reach ECR/Secrets Manager through their public IP");
    assert.deepStrictEqual(
      rulesOf(e, T.egress, e.one(T.sg, "task-sg")).map((r) => [r.inputs.cidrIpv4, r.inputs.cidrIpv6]),
      [["0.0.0.0/0", undefined]],
    );
    assert.match(container(e).image, /\.dkr\.ecr\.us-east-1\.amazonaws\.com\//);
    assert.ok(!("AWS_USE_DUALSTACK_ENDPOINT" in envOf(container(e))));
    assert.deepStrictEqual(
      net.subnets,
      subnets.map((s) => s.state.id),
    );
    assert.deepStrictEqual(
      e.one(T.alb).inputs.subnets,
      privates.map((s) => s.state.id),
    );
  });

  it("P1: azCount 3 spreads three public and three private /20 subnets over three zones", async () => {
    const e = await evaluateStack("prod", { config: { "ferry:fargate": { azCount: 3 } } });
    assert.deepStrictEqual(
      e
        .ofType(T.subnet)
        .map((s) => [
          s.name.replace(/^.*-(public|private)-/, "$1-"),
          s.inputs.cidrBlock,
          s.inputs.availabilityZone,
        ]),
      [
        ["public-0", "10.0.0.0/20", "us-east-1a"],
        ["public-1", "10.0.16.0/20", "us-east-1b"],
        ["public-2", "10.0.32.0/20", "us-east-1c"],
        ["private-0", "10.0.48.0/20", "us-east-1a"],
        ["private-1", "10.0.64.0/20", "us-east-1b"],
        ["private-2", "10.0.80.0/20", "us-east-1c"],
      ],
    );
  });

  it("P8: extraEgress adds exactly the declared task egress rules", async () => {
    const e = await evaluateStack("prod", {
      config: {
        "ferry:fargate": { extraEgress: [{ port: 5432, cidr: "10.20.0.0/16", description: "Postgres" }] },
      },
    });
    const rules = rulesOf(e, T.egress, e.one(T.sg, "task-sg")).map((r) => [
      r.inputs.fromPort,
      r.inputs.toPort,
      r.inputs.cidrIpv4,
      r.inputs.description,
    ]);
    assert.deepStrictEqual(rules, [
      [443, 443, "0.0.0.0/0", "HTTPS: ECR, Secrets Manager, CloudWatch Logs, S3 and the app's APIs"],
      [5432, 5432, "10.20.0.0/16", "Postgres"],
    ]);
  });

  it("P8: with IPv6-only tasks, extraEgress takes IPv6 destinations (cidrIpv6)", async () => {
    const e = await evaluateStack("prod", {
      config: {
        "ferry:fargate": {
          taskNetwork: "ipv6-only",
          extraEgress: [{ port: 5432, cidr: "2600:1f18:abc::/48", description: "Postgres, dual-stack" }],
        },
      },
    });
    const rules = rulesOf(e, T.egress, e.one(T.sg, "task-sg")).map((r) => [
      r.inputs.fromPort,
      r.inputs.cidrIpv6,
      r.inputs.cidrIpv4,
    ]);
    assert.deepStrictEqual(rules, [
      [443, "::/0", undefined],
      [5432, "2600:1f18:abc::/48", undefined],
    ]);
  });

  it("P9: alarms.email subscribes the address to the topic", async () => {
    const e = await evaluateStack("prod", {
      config: { "ferry:fargate": { alarms: { email: "ops@example.com" } } },
    });
    const sub = e.one(T.subscription);
    assert.deepStrictEqual(
      [sub.inputs.protocol, sub.inputs.endpoint, sub.inputs.topic],
      ["email", "ops@example.com", e.one(T.topic).state.arn],
    );
  });

  it("P2/P6: an on-demand-only split (spotWeight 0) names only FARGATE", async () => {
    const e = await evaluateStack("prod", {
      config: { "ferry:fargate": { capacity: { onDemandBase: 0, onDemandWeight: 1, spotWeight: 0 } } },
    });
    assert.deepStrictEqual(e.one(T.service).inputs.capacityProviderStrategies, [
      { capacityProvider: "FARGATE", base: 0, weight: 1 },
    ]);
  });

  it("P3: cpuArchitecture ARM64 with an arm64 build runs on Graviton, Spot included", async () => {
    const e = await evaluateStack("prod", {
      config: {
        "ferry:image": { context: "./app", platform: "linux/arm64" },
        "ferry:fargate": { cpuArchitecture: "ARM64" },
      },
    });
    assert.deepStrictEqual(e.one(T.taskDef).inputs.runtimePlatform, {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: "ARM64",
    });
    assert.deepStrictEqual(e.one("docker-build:index:Image").inputs.platforms, ["linux/arm64"]);
    assert.deepStrictEqual(
      e
        .one(T.service)
        .inputs.capacityProviderStrategies.map((x: { capacityProvider: string }) => x.capacityProvider),
      ["FARGATE", "FARGATE_SPOT"],
    );
  });

  it("P2: containerInsights can be switched (cost lever); the alarms' AWS/ECS metrics do not depend on it", async () => {
    const e = await evaluateStack("prod", { config: { "ferry:fargate": { containerInsights: "disabled" } } });
    assert.deepStrictEqual(e.one(T.cluster).inputs.settings, [
      { name: "containerInsights", value: "disabled" },
    ]);
    assert.strictEqual(alarmNamed(e, "cpu-high").inputs.namespace, "AWS/ECS");
  });

  it("P3: readonlyRootFilesystem mounts a writable /tmp volume", async () => {
    const e = await evaluateStack("carepolicy", {
      config: { "ferry:fargate": { readonlyRootFilesystem: true } },
    });
    const c = container(e);
    assert.strictEqual(c.readonlyRootFilesystem, true);
    assert.deepStrictEqual(c.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
    assert.deepStrictEqual(e.one(T.taskDef).inputs.volumes, [{ name: "tmp" }]);
  });

  it("IPv6-only: the app's own AWS_USE_DUALSTACK_ENDPOINT wins over the default the program adds", async () => {
    const existing = JSON.parse(stackConfig("prod").config["ferry:app"]) as { env: Record<string, string> };
    const e = await evaluateStack("prod", {
      config: {
        "ferry:app": { ...existing, env: { ...existing.env, AWS_USE_DUALSTACK_ENDPOINT: "false" } },
      },
    });
    const vars = (container(e).environment as { name: string }[]).filter(
      (v) => v.name === "AWS_USE_DUALSTACK_ENDPOINT",
    );
    assert.deepStrictEqual(vars, [{ name: "AWS_USE_DUALSTACK_ENDPOINT", value: "false" }]);
  });

  it("P4: an existing ECR image is pulled from its own repository", async () => {
    const uri = `210987654321.dkr.ecr.us-east-1.amazonaws.com/team/dashboard@sha256:${"c".repeat(64)}`;
    const e = await evaluateStack("prod", { config: { "ferry:image": { uri } } });
    const pull = statements(e.one(T.rolePolicy, "exec-policy")).find((s) => s.Sid === "EcrPull");
    assert.deepStrictEqual(pull?.Resource, ["arn:aws:ecr:us-east-1:210987654321:repository/team/dashboard"]);
    // prod's tasks are IPv6-only: the same image through ECR's dual-stack endpoint.
    assert.strictEqual(
      container(e).image,
      `210987654321.dkr-ecr.us-east-1.on.aws/team/dashboard@sha256:${"c".repeat(64)}`,
    );
  });

  it('P4: a public non-ECR image needs no ECR statement at all (and so no "*")', async () => {
    const uri = `ghcr.io/acme/dashboard@sha256:${"d".repeat(64)}`;
    const e = await evaluateStack("prod", {
      config: { "ferry:image": { uri }, "ferry:fargate": { taskNetwork: "public-ipv4" } },
    });
    assert.deepStrictEqual(
      statements(e.one(T.rolePolicy, "exec-policy")).map((s) => s.Sid),
      ["WriteAppLogs"],
    );
  });
});

describe("fargate-ha: bad configurations stop the program before any Fargate resource", function () {
  const rejects = async (config: Record<string, unknown>, message: string, stack = "prod") => {
    let evaluated = false;
    await assert.rejects(
      evaluateStack(stack, { config }).then(() => (evaluated = true)),
      (err: unknown) => {
        assert.strictEqual((err as Error).message, message);
        return true;
      },
    );
    assert.strictEqual(evaluated, false);
  };

  it("minCount above desiredCount", () =>
    rejects(
      { "ferry:fargate": { desiredCount: 2, minCount: 3 } },
      "Invalid stack config in Pulumi.prod.yaml: ferry:fargate.desiredCount: got 2, expected between minCount (3) and maxCount (10)",
    ));

  it("a Spot weight without an on-demand base", () =>
    rejects(
      { "ferry:fargate": { capacity: { onDemandBase: 0, onDemandWeight: 0, spotWeight: 3 } } },
      "Invalid stack config in Pulumi.prod.yaml: ferry:fargate.capacity.onDemandBase: got 0, expected at least 1 when spotWeight > 0, so a Spot interruption never takes every task",
    ));

  it("a CPU/memory pair Fargate does not offer", () =>
    rejects(
      { "ferry:app": { ...carepolicyApp(), cpu: 1024, memory: 1024 } },
      "Invalid stack config in Pulumi.carepolicy.yaml: ferry:app.memory: got 1024, expected a memory size Fargate allows with cpu 1024: 2048 to 8192 in steps of 1024",
      "carepolicy",
    ));

  it("the URL variable colliding with a plain env var", () =>
    rejects(
      { "ferry:fargate": { appUrlEnvVar: "API_BASE_URL" } },
      'Invalid stack config in Pulumi.prod.yaml: ferry:fargate.appUrlEnvVar: got "API_BASE_URL", expected a variable name not also set by ferry:app.env.API_BASE_URL',
    ));
});

/** The committed CarePolicy app block, for overrides that change one field of it. */
function carepolicyApp(): Record<string, unknown> {
  return JSON.parse(stackConfig("carepolicy").config["ferry:app"]) as Record<string, unknown>;
}
