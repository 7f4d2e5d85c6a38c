// The HA Fargate topology (P1-P10): an ECS service on Fargate/Fargate Spot in public subnets behind an ALB
// that only CloudFront reaches (HTTPS for every viewer, with or without a domain), rolling deploys guarded by
// a circuit breaker and alarms, CPU target-tracking scaling, and an optional S3 data bucket. Every child
// hangs under this component and inherits its provider.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerProbe } from "../config/fargate";
import { isIpv6Cidr } from "../config/fields";
import { ServiceAlarms } from "./alarms";
import { DataBucket, readWriteStatements } from "./dataBucket";
import { CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST, Edge } from "./edge";
import { ecrPullStatements } from "./image";
import { fargateNames, type FargateNames } from "./fargateNames";
import { KEPT_AFTER_IPV6, Network, type NetworkArgs, type TaskSubnets } from "./network";

/** Where the app's secrets come from; the shared AppSecrets component satisfies this. */
export interface SecretSource {
  readonly entries: ReadonlyArray<{ readonly envName: string; readonly ref: pulumi.Input<string> }>;
  /** Grants `role` read of exactly these secrets; undefined when there are none. */
  grantRead(name: string, role: aws.iam.Role): aws.iam.RolePolicy | undefined;
}

export interface CapacitySplit {
  /** Tasks that always run on on-demand FARGATE. */
  readonly onDemandBase: number;
  /** Share of the tasks beyond the base on FARGATE ... */
  readonly onDemandWeight: number;
  /** ... and on FARGATE_SPOT (x86 and, on platform 1.4.0+, ARM64). */
  readonly spotWeight: number;
}

export interface FargateServiceArgs {
  /** Prefix of every physical name, `${app}-${stack}`; made AWS-safe and shortened where limits apply. */
  readonly prefix: string;
  /** Region of the stack, for the awslogs driver. */
  readonly region: string;
  readonly app: {
    readonly name: string;
    readonly port: number;
    readonly healthPath: string;
    /** Plain environment variables. */
    readonly env: Readonly<Record<string, string>>;
    /** Task CPU units. */
    readonly cpu: number;
    /** Task memory, MiB. */
    readonly memory: number;
  };
  readonly image: {
    /** Immutable `repo@sha256:…` reference: a new digest means a new task definition revision. */
    readonly ref: pulumi.Input<string>;
    /** The same image through ECR's dual-stack endpoint; needed when `taskNetwork` is "ipv6-only". */
    readonly dualStackRef?: pulumi.Input<string | undefined>;
    /** ECR repository the execution role may pull from. @default none (a public image needs no grant) */
    readonly ecrRepositoryArn?: pulumi.Input<string>;
    readonly cpuArchitecture: "X86_64" | "ARM64";
  };
  /** Secrets injected by ECS as environment variables. */
  readonly secrets: SecretSource;
  /** New VPC (cidr, azCount) or an existing one (vpcId, subnetIds). */
  readonly network: NetworkArgs;
  /**
   * How tasks reach AWS and the internet (`ferry:fargate.taskNetwork`): a public IPv4 address each, or
   * IPv6-only subnets of a new VPC behind CloudFront (the image is then pulled through `image.dualStackRef`).
   */
  readonly taskNetwork: TaskSubnets;
  /** Overrides the cluster name. @default fargateNames(): "<app.name>-cluster" */
  readonly clusterName?: string;
  /** Tasks at creation; auto-scaling owns the count afterwards. */
  readonly desiredCount: number;
  readonly minCount: number;
  readonly maxCount: number;
  /** Target average CPU %. */
  readonly cpuTarget: number;
  readonly scaleOutCooldown: number;
  readonly scaleInCooldown: number;
  readonly capacity: CapacitySplit;
  /** Seconds the service ignores failing ALB health checks of a new task. */
  readonly healthCheckGraceSeconds: number;
  /** How long `pulumi up` waits for a deployment to reach steady state. */
  readonly deployTimeoutMinutes: number;
  /** Container Insights mode of the cluster. */
  readonly containerInsights: "enabled" | "enhanced" | "disabled";
  /** ECS Exec (`aws ecs execute-command`). */
  readonly ecsExec: boolean;
  /** The alarm topic always exists; `email` (optional) subscribes an address to it. */
  readonly alarms: {
    readonly email?: string;
    readonly errorRatePercent: number;
    readonly latencySeconds: number;
  };
  /** Task egress beyond HTTPS to anywhere. */
  readonly extraEgress: ReadonlyArray<{
    readonly port: number;
    readonly cidr: string;
    readonly description?: string;
  }>;
  /**
   * How the internet reaches the app (`ferry:fargate.insecureHttpOnly`, `ferry:dns`). "cloudfront": a
   * CloudFront distribution serves HTTPS (on `domain` with its us-east-1 certificate, else on its own
   * *.cloudfront.net name) and reaches an internal load balancer through a VPC origin. "insecure-http": the
   * load balancer is internet-facing and forwards plain HTTP on port 80 (the explicit opt-out).
   */
  readonly entry: PublicEntry;
  /** S3 bucket for the app's data; its name reaches the app as `envVar`. @default none */
  readonly dataBucket?: { readonly name?: string; readonly envVar: string };
  /** Overrides the log group name. @default fargateNames(): "/ecs/<app.name>" */
  readonly logGroupName?: string;
  readonly logRetentionDays: number;
  readonly containerHealthCheck: { readonly probe: ContainerProbe; readonly startPeriodSeconds: number };
  readonly readonlyRootFilesystem: boolean;
  /** ALB cookie stickiness (Streamlit keeps each session in one task's memory). */
  readonly stickySessions: boolean;
  /** Env var that receives the public URL. @default none */
  readonly appUrlEnvVar?: string;
}

export type PublicEntry =
  | {
      readonly kind: "cloudfront";
      readonly domain?: { readonly fqdn: string; readonly certificateArn: pulumi.Input<string> };
    }
  | { readonly kind: "insecure-http" };

/** The AWS SDKs' shared setting for dual-stack (IPv4 and IPv6) service endpoints. */
export const DUALSTACK_ENV = "AWS_USE_DUALSTACK_ENDPOINT";

/** Tag on a load balancer that deliberately serves plain HTTP; the policy pack's HTTPS rule honours it. */
export const INSECURE_HTTP_ONLY_TAG = "ferry:insecure-http-only";

// ---------------------------------------------------------------------------------------------------------
// Pure helpers: policy documents, the container definition. Tests call them directly. Names: fargateNames.ts.

export { loadBalancerName, securityGroupNamePrefix, targetGroupName } from "./fargateNames";

/**
 * The container's plain environment: `app.env`, the data bucket's name, the public URL and, for IPv6-only
 * tasks, `AWS_USE_DUALSTACK_ENDPOINT=true` (the AWS SDKs' shared setting: the app's S3, Bedrock, ... calls go
 * to dual-stack endpoints) unless the app sets that itself, plainly or as a secret. Pure: the component and the
 * config gate's size check (config/limits.ts) build it here.
 */
export function containerEnvironment<T>(a: {
  readonly env: Readonly<Record<string, string>>;
  readonly dataBucket?: { readonly envVar: string; readonly name: T };
  readonly appUrl?: { readonly envVar: string; readonly value: T };
  readonly ipv6Tasks: boolean;
  readonly secretNames: readonly string[];
}): Record<string, T | string> {
  const environment: Record<string, T | string> = { ...a.env };
  if (a.dataBucket) environment[a.dataBucket.envVar] = a.dataBucket.name;
  if (a.appUrl) environment[a.appUrl.envVar] = a.appUrl.value;
  if (a.ipv6Tasks && !(DUALSTACK_ENV in environment) && !a.secretNames.includes(DUALSTACK_ENV))
    environment[DUALSTACK_ENV] = "true";
  return environment;
}

/** FARGATE keeps `onDemandBase` tasks; the rest are split by weight. Spot is omitted at weight 0. */
export function capacityStrategy(
  c: CapacitySplit,
): { capacityProvider: string; base?: number; weight: number }[] {
  const strategy: { capacityProvider: string; base?: number; weight: number }[] = [
    { capacityProvider: "FARGATE", base: c.onDemandBase, weight: c.onDemandWeight },
  ];
  if (c.spotWeight > 0) strategy.push({ capacityProvider: "FARGATE_SPOT", weight: c.spotWeight });
  return strategy;
}

/**
 * The container's health check command, exec form (no shell needed), or undefined for "none" (the default:
 * no probe works in every image, so the load balancer's check is the gate). 127.0.0.1 rather than
 * "localhost", which may resolve to ::1 while the app listens on IPv4 only. "python" uses the standard
 * library (slim Python images lack curl and wget); urlopen raises on any non-2xx/3xx answer, so Python exits 1.
 */
export function healthCheckCommand(probe: ContainerProbe, port: number, path: string): string[] | undefined {
  const url = `http://127.0.0.1:${port}${path}`;
  switch (probe) {
    case "python":
      return [
        "CMD",
        "python3",
        "-c",
        `import urllib.request; urllib.request.urlopen(${JSON.stringify(url)}, timeout=4)`,
      ];
    case "curl":
      return [
        "CMD",
        "curl",
        "--fail",
        "--silent",
        "--show-error",
        "--max-time",
        "4",
        "--output",
        "/dev/null",
        url,
      ];
    case "wget":
      return ["CMD", "wget", "--quiet", "--timeout=4", "--output-document=/dev/null", url];
    case "none":
      return undefined;
  }
}

export interface ContainerDefinitionArgs {
  readonly name: string;
  readonly image: pulumi.Input<string>;
  readonly port: number;
  readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
  readonly secrets: ReadonlyArray<{ readonly envName: string; readonly ref: pulumi.Input<string> }>;
  readonly healthCheck?: { readonly command: string[]; readonly startPeriodSeconds: number };
  readonly logGroupName: pulumi.Input<string>;
  readonly region: string;
  readonly readonlyRootFilesystem: boolean;
  readonly ecsExec: boolean;
}

/** Volume mounted at /tmp when the root filesystem is read-only (Gunicorn and Streamlit write temp files). */
export const TMP_VOLUME = "tmp";

/** One container definition (Inputs inside; serialize with pulumi.jsonStringify). */
export function containerDefinition(a: ContainerDefinitionArgs): Record<string, unknown> {
  return {
    name: a.name,
    image: a.image,
    essential: true,
    // No `user`: the image's USER (non-root in the sample Dockerfile) is what runs.
    portMappings: [{ containerPort: a.port, hostPort: a.port, protocol: "tcp" }],
    // Sorted, so the same settings always serialize the same and never show a spurious diff.
    environment: Object.keys(a.environment)
      .sort()
      .map((name) => ({ name, value: a.environment[name] })),
    // ECS fetches these with the execution role at start and sets them as env vars; values never touch state.
    secrets: [...a.secrets]
      .sort((x, y) => x.envName.localeCompare(y.envName))
      .map((s) => ({ name: s.envName, valueFrom: s.ref })),
    healthCheck: a.healthCheck && {
      command: a.healthCheck.command,
      interval: 30,
      timeout: 5,
      retries: 3,
      startPeriod: a.healthCheck.startPeriodSeconds,
    },
    readonlyRootFilesystem: a.readonlyRootFilesystem,
    mountPoints: a.readonlyRootFilesystem
      ? [{ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false }]
      : [],
    // ECS Exec's agent spawns processes in the container; an init process reaps them.
    linuxParameters: a.ecsExec ? { initProcessEnabled: true } : undefined,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": a.logGroupName,
        "awslogs-region": a.region,
        "awslogs-stream-prefix": "app",
      },
    },
  };
}

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
}

/** Trust policy for a role ECS tasks assume, limited to this account (confused-deputy protection). */
export function ecsTasksTrustPolicy(accountId: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** Execution role: pull exactly this image's repository, write exactly this log group. */
export function executionRolePolicy(a: { repositoryArn?: string; logGroupArn: string }): object {
  const statements: Statement[] = [];
  if (a.repositoryArn !== undefined) statements.push(...ecrPullStatements(a.repositoryArn));
  statements.push({
    Sid: "WriteAppLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    // Log streams are `<group ARN>:log-stream:<name>`.
    Resource: [`${a.logGroupArn}:*`],
  });
  return { Version: "2012-10-17", Statement: statements };
}

/** ECS Exec's control and data channels. */
export const ECS_EXEC_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** Task role: what the app's code may do. Undefined (no policy at all) without a bucket or ECS Exec. */
export function taskRolePolicy(a: { bucketArn?: string; ecsExec: boolean }): object | undefined {
  const statements: object[] = [];
  if (a.bucketArn !== undefined) statements.push(...readWriteStatements(a.bucketArn));
  if (a.ecsExec)
    // ssmmessages channels have no resource-level permissions: "*" is the only Resource AWS accepts.
    statements.push({ Sid: "EcsExecChannels", Effect: "Allow", Action: ECS_EXEC_ACTIONS, Resource: "*" });
  return statements.length === 0 ? undefined : { Version: "2012-10-17", Statement: statements };
}

// ---------------------------------------------------------------------------------------------------------

export class FargateService extends pulumi.ComponentResource {
  /** https://<fqdn> or https://<distribution>.cloudfront.net; http://<ALB DNS name> only when insecure. */
  public readonly url: pulumi.Output<string>;
  public readonly albDnsName: pulumi.Output<string>;
  public readonly albZoneId: pulumi.Output<string>;
  public readonly albArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly serviceArn: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmTopicArn: pulumi.Output<string>;
  public readonly vpcId: pulumi.Output<string>;
  public readonly dataBucketName?: pulumi.Output<string>;
  /** The CloudFront distribution in front of the load balancer (absent with the plain-HTTP opt-out). */
  public readonly edge?: Edge;

  private readonly name: string;
  private readonly args: FargateServiceArgs;
  private readonly names: FargateNames;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:fargate:FargateService", name, {}, opts);
    this.name = name;
    this.args = args;
    this.names = fargateNames({
      prefix: args.prefix,
      appName: args.app.name,
      clusterName: args.clusterName,
      logGroupName: args.logGroupName,
    });

    const cloudfront = args.entry.kind === "cloudfront";
    if (args.taskNetwork === "ipv6-only" && (!cloudfront || "vpcId" in args.network))
      throw new Error(
        "FargateService: ipv6-only tasks need a new VPC and the CloudFront entry (config/fargate.ts refuses the rest)",
      );
    const network = new Network(
      `${name}-net`,
      // Behind CloudFront the load balancer gets subnets of its own with no route to the internet.
      "vpcId" in args.network
        ? args.network
        : { ...args.network, privateSubnets: cloudfront, taskSubnets: args.taskNetwork },
      { parent: this },
    );
    const bucket = this.createDataBucket();
    const logs = this.createLogGroup();
    const { albSg, taskSg } = this.createSecurityGroups(network.vpcId);
    const { alb, targetGroup, listeners } = this.createLoadBalancer(network, albSg);
    const entry = args.entry;
    if (entry.kind === "cloudfront")
      this.edge = new Edge(
        `${name}-edge`,
        {
          prefix: args.prefix,
          loadBalancer: { arn: alb.arn, dnsName: alb.dnsName },
          originHttpPort: 80,
          domain: entry.domain,
        },
        // The origin needs a listener to answer; the distribution is only useful once one exists.
        { parent: this, dependsOn: listeners },
      );
    const url = this.edge ? this.edge.url : pulumi.interpolate`http://${alb.dnsName}`;
    const { cluster, capacityProviders } = this.createCluster();
    const { executionRole, executionPolicies, taskRole } = this.createRoles(logs, bucket);
    const taskDefinition = this.createTaskDefinition(logs, executionRole, taskRole, bucket, url);

    const serviceName = this.names.service;
    const alarms = new ServiceAlarms(
      `${name}-alarms`,
      {
        namePrefix: this.names.alarmPrefix,
        loadBalancerArnSuffix: alb.arnSuffix,
        targetGroupArnSuffix: targetGroup.arnSuffix,
        clusterName: cluster.name,
        serviceName,
        email: args.alarms.email,
        errorRatePercent: args.alarms.errorRatePercent,
        latencySeconds: args.alarms.latencySeconds,
      },
      { parent: this },
    );
    const service = this.createService({
      serviceName,
      cluster,
      taskDefinition,
      targetGroup,
      taskSg,
      subnetIds: network.taskSubnetIds,
      deploymentAlarmNames: alarms.deploymentAlarmNames,
      // AWS: the service fails to create until a listener forwards to its target group, the cluster
      // must have its capacity providers before a strategy names them, and a task cannot start before its
      // execution role may read the secrets.
      dependsOn: [...listeners, capacityProviders, ...executionPolicies],
    });
    this.createTrafficRule(listeners[0], targetGroup, service);
    this.createAutoScaling(cluster, service);

    this.url = url;
    this.albDnsName = alb.dnsName;
    this.albZoneId = alb.zoneId;
    this.albArn = alb.arn;
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.serviceName = service.name;
    this.serviceArn = service.arn;
    this.taskDefinitionArn = taskDefinition.arn;
    this.logGroupName = logs.name;
    this.alarmTopicArn = alarms.topicArn;
    this.vpcId = network.vpcId;
    this.dataBucketName = bucket?.bucketName;
    this.registerOutputs({
      url: this.url,
      albDnsName: this.albDnsName,
      distributionDomainName: this.edge?.domainName,
      clusterName: this.clusterName,
      serviceName: this.serviceName,
      alarmTopicArn: this.alarmTopicArn,
    });
  }

  private createDataBucket(): DataBucket | undefined {
    const spec = this.args.dataBucket;
    if (!spec) return undefined;
    return new DataBucket(
      `${this.name}-data`,
      { bucketName: spec.name, namePrefix: this.names.dataBucketPrefix },
      { parent: this },
    );
  }

  private createLogGroup(): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
      `${this.name}-logs`,
      {
        name: this.names.logGroup,
        retentionInDays: this.args.logRetentionDays,
      },
      { parent: this },
    );
  }

  /** P8. Rules are separate resources: the two groups refer to each other, which inline rules cannot do. */
  private createSecurityGroups(vpcId: pulumi.Output<string>) {
    const port = this.args.app.port;
    // A new group's default allow-all egress rule is removed by the provider, so egress is only what is
    // declared below.
    const albSg = new aws.ec2.SecurityGroup(
      `${this.name}-alb-sg`,
      {
        namePrefix: this.names.securityGroupPrefix("alb"),
        description:
          this.args.entry.kind === "cloudfront"
            ? `Load balancer of ${this.args.prefix}: HTTP from CloudFront only, out to the tasks only`
            : `Load balancer of ${this.args.prefix}: HTTP from anywhere (insecureHttpOnly), out to the tasks only`,
        vpcId,
      },
      { parent: this },
    );
    const taskSg = new aws.ec2.SecurityGroup(
      `${this.name}-task-sg`,
      {
        namePrefix: this.names.securityGroupPrefix("tasks"),
        description: `Tasks of ${this.args.prefix}: app port from the load balancer only, out to HTTPS`,
        vpcId,
      },
      { parent: this },
    );

    // Port 80 is the load balancer's only listener. Behind CloudFront it admits CloudFront's origin-facing
    // servers only (AWS's managed prefix list; the VPC origin connects from them), and the load balancer is
    // internal besides: nothing on the internet can address it. One rule: the list weighs 55 of the group's
    // 60-rule quota.
    const originFacing =
      this.args.entry.kind === "cloudfront"
        ? aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST }, { parent: this })
        : undefined;
    new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-alb-in-80`,
      {
        securityGroupId: albSg.id,
        ipProtocol: "tcp",
        fromPort: 80,
        toPort: 80,
        ...(originFacing
          ? { prefixListId: originFacing.id, description: "HTTP from CloudFront (VPC origin) only" }
          : { cidrIpv4: "0.0.0.0/0", description: "HTTP from anywhere (ferry:fargate.insecureHttpOnly)" }),
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${this.name}-alb-out-tasks`,
      {
        securityGroupId: albSg.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: taskSg.id,
        description: `Requests and health checks to the tasks on ${port}`,
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-tasks-in-alb`,
      {
        securityGroupId: taskSg.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: albSg.id,
        description: `App port ${port} from the load balancer only`,
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${this.name}-tasks-out-https`,
      {
        securityGroupId: taskSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        // IPv6-only tasks have no IPv4 to send from; their way out is the egress-only gateway.
        ...(this.ipv6Tasks() ? { cidrIpv6: "::/0" } : { cidrIpv4: "0.0.0.0/0" }),
        description: "HTTPS: ECR, Secrets Manager, CloudWatch Logs, S3 and the app's APIs",
      },
      { parent: this },
    );
    this.args.extraEgress.forEach(
      (rule, i) =>
        new aws.vpc.SecurityGroupEgressRule(
          `${this.name}-tasks-out-${i}`,
          {
            securityGroupId: taskSg.id,
            ipProtocol: "tcp",
            fromPort: rule.port,
            toPort: rule.port,
            // The config admits IPv6 CIDRs for IPv6-only tasks and IPv4 ones otherwise.
            ...(isIpv6Cidr(rule.cidr) ? { cidrIpv6: rule.cidr } : { cidrIpv4: rule.cidr }),
            description: rule.description ?? `Declared by ferry:fargate.extraEgress[${i}]`,
          },
          { parent: this },
        ),
    );
    return { albSg, taskSg };
  }

  /** P5. */
  private createLoadBalancer(network: Network, albSg: aws.ec2.SecurityGroup) {
    const { port, healthPath } = this.args.app;
    const ipAddressType = this.ipv6Tasks() ? "ipv6" : "ipv4";
    const alb = new aws.lb.LoadBalancer(
      `${this.name}-alb`,
      {
        name: this.names.loadBalancer,
        loadBalancerType: "application",
        // Internal: no public IPv4 addresses (none billed), reachable only inside the VPC and through the
        // CloudFront VPC origin.
        internal: this.args.entry.kind === "cloudfront",
        subnets: this.args.entry.kind === "cloudfront" ? network.privateSubnetIds : network.publicSubnetIds,
        // IPv6-only tasks are reachable only over IPv6, so the load balancer needs IPv6 addresses too; it keeps
        // its private IPv4 ones for CloudFront's VPC origin.
        ipAddressType: this.ipv6Tasks() ? "dualstack" : "ipv4",
        securityGroups: [albSg.id],
        // Requests with malformed headers are dropped rather than passed to the app (request smuggling).
        dropInvalidHeaderFields: true,
        tags: this.args.entry.kind === "insecure-http" ? { [INSECURE_HTTP_ONLY_TAG]: "true" } : undefined,
      },
      // The name is fixed, so switching between internal and internet-facing (a replacement) must delete the
      // old load balancer first: a short outage, once, when a stack moves behind CloudFront. Back from
      // ipv6-only it stays dual-stack (network.ts, KEPT_AFTER_IPV6).
      {
        parent: this,
        deleteBeforeReplace: true,
        ignoreChanges: this.ipv6Tasks() ? [] : [...KEPT_AFTER_IPV6.loadBalancer],
      },
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${this.name}-tg`,
      {
        name: network.vpcId.apply((vpcId) =>
          this.names.targetGroup({ port, protocol: "HTTP", targetType: "ip", vpcId, ipAddressType }),
        ),
        // awsvpc tasks register by IP address: their IPv6 address when they have nothing else.
        targetType: "ip",
        ipAddressType,
        port,
        protocol: "HTTP",
        vpcId: network.vpcId,
        // Connections to a stopping task get 30 s to finish (the default 300 s only slows every deploy).
        deregistrationDelay: 30,
        healthCheck: {
          enabled: true,
          path: healthPath,
          protocol: "HTTP",
          port: "traffic-port",
          interval: 30,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
          matcher: "200",
        },
        stickiness: this.args.stickySessions
          ? { type: "lb_cookie", enabled: true, cookieDuration: 86400 }
          : undefined,
      },
      { parent: this },
    );

    // One listener: HTTP 80 forwarding to the tasks. Behind CloudFront, TLS ends at the edge (viewers never
    // reach this listener); the hop from CloudFront to it stays inside AWS through the VPC origin.
    const listeners = [
      new aws.lb.Listener(
        `${this.name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent: this },
      ),
    ];
    return { alb, targetGroup, listeners };
  }

  /**
   * The rule that sends every request to the tasks (path "/*", ahead of the listener's default action, which
   * forwards to the same group). It depends on the service, so when the target group is replaced (a new port,
   * or `taskNetwork` switched: an IPv4 group cannot hold IPv6 tasks) the listener's default moves to the new,
   * still empty group at once while this rule keeps traffic on the old tasks until ECS reports the new ones
   * healthy and steady; only then does the rule move. If the new tasks never become healthy, the circuit
   * breaker rolls the service back and this rule never moves: the app keeps answering. The default action
   * exists so the group is attached to the load balancer before the service registers tasks in it (ECS
   * refuses a group without one).
   */
  private createTrafficRule(
    listener: aws.lb.Listener,
    targetGroup: aws.lb.TargetGroup,
    service: aws.ecs.Service,
  ): aws.lb.ListenerRule {
    return new aws.lb.ListenerRule(
      `${this.name}-app-rule`,
      {
        listenerArn: listener.arn,
        priority: 1,
        conditions: [{ pathPattern: { values: ["/*"] } }],
        actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      { parent: this, dependsOn: [service] },
    );
  }

  /** P2. */
  private createCluster() {
    const cluster = new aws.ecs.Cluster(
      `${this.name}-cluster`,
      {
        name: this.names.cluster,
        settings: [{ name: "containerInsights", value: this.args.containerInsights }],
      },
      { parent: this },
    );
    const capacityProviders = new aws.ecs.ClusterCapacityProviders(
      `${this.name}-capacity`,
      {
        clusterName: cluster.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: capacityStrategy(this.capacity()),
      },
      { parent: this },
    );
    return { cluster, capacityProviders };
  }

  /** The image through ECR's dual-stack endpoint: an IPv6-only task has no way to the IPv4-only one. */
  private dualStackImage(): pulumi.Output<string> {
    return pulumi.output(this.args.image.dualStackRef).apply((ref) => {
      if (ref === undefined)
        throw new Error(
          "FargateService: ipv6-only tasks pull from ECR's dual-stack endpoint; image.dualStackRef is unset (config/fargate.ts refuses images outside ECR)",
        );
      return ref;
    });
  }

  private ipv6Tasks(): boolean {
    return this.args.taskNetwork === "ipv6-only";
  }

  private capacity(): CapacitySplit {
    return this.args.capacity;
  }

  /** P4. */
  private createRoles(logs: aws.cloudwatch.LogGroup, bucket: DataBucket | undefined) {
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const trust = identity.accountId.apply((id) => JSON.stringify(ecsTasksTrustPolicy(id)));

    const executionRole = new aws.iam.Role(
      `${this.name}-exec`,
      {
        name: this.names.executionRole,
        description: `ECS agent for ${this.args.prefix}: pulls the image, writes logs, reads the secrets`,
        assumeRolePolicy: trust,
      },
      { parent: this },
    );
    const repositoryArn = this.args.image.ecrRepositoryArn;
    const executionPolicies: aws.iam.RolePolicy[] = [
      new aws.iam.RolePolicy(
        `${this.name}-exec-policy`,
        {
          role: executionRole.name,
          policy: pulumi
            .all([repositoryArn, logs.arn])
            .apply(([repo, logGroupArn]) =>
              JSON.stringify(executionRolePolicy({ repositoryArn: repo, logGroupArn })),
            ),
        },
        { parent: this },
      ),
    ];
    const secretsPolicy = this.args.secrets.grantRead(`${this.name}-exec-secrets`, executionRole);
    if (secretsPolicy) executionPolicies.push(secretsPolicy);

    const taskRole = new aws.iam.Role(
      `${this.name}-task`,
      {
        name: this.names.taskRole,
        description: `The app's own AWS identity in ${this.args.prefix}`,
        assumeRolePolicy: trust,
      },
      { parent: this },
    );
    const ecsExec = this.args.ecsExec;
    if (bucket || ecsExec)
      new aws.iam.RolePolicy(
        `${this.name}-task-policy`,
        {
          role: taskRole.name,
          policy: pulumi
            .output(bucket?.bucketArn)
            .apply((bucketArn) => JSON.stringify(taskRolePolicy({ bucketArn, ecsExec }))),
        },
        { parent: this },
      );
    return { executionRole, executionPolicies, taskRole };
  }

  /** P3. */
  private createTaskDefinition(
    logs: aws.cloudwatch.LogGroup,
    executionRole: aws.iam.Role,
    taskRole: aws.iam.Role,
    bucket: DataBucket | undefined,
    url: pulumi.Output<string>,
  ): aws.ecs.TaskDefinition {
    const { app } = this.args;
    const environment = containerEnvironment<pulumi.Input<string>>({
      env: app.env,
      dataBucket:
        bucket && this.args.dataBucket
          ? { envVar: this.args.dataBucket.envVar, name: bucket.bucketName }
          : undefined,
      appUrl: this.args.appUrlEnvVar ? { envVar: this.args.appUrlEnvVar, value: url } : undefined,
      ipv6Tasks: this.ipv6Tasks(),
      secretNames: this.args.secrets.entries.map((e) => e.envName),
    });
    const probe = this.args.containerHealthCheck;
    const command = healthCheckCommand(probe.probe, app.port, app.healthPath);
    const readonlyRoot = this.args.readonlyRootFilesystem;

    return new aws.ecs.TaskDefinition(
      `${this.name}-taskdef`,
      {
        family: this.names.taskFamily,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(app.cpu),
        memory: String(app.memory),
        runtimePlatform: {
          operatingSystemFamily: "LINUX",
          cpuArchitecture: this.args.image.cpuArchitecture,
        },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        volumes: readonlyRoot ? [{ name: TMP_VOLUME }] : undefined,
        // Each change registers a new revision. The old one stays registered (not deregistered on replace),
        // so a circuit-breaker or alarm rollback, or a person, can always return to the previous revision.
        skipDestroy: true,
        containerDefinitions: pulumi.jsonStringify([
          containerDefinition({
            name: app.name,
            image: this.ipv6Tasks() ? this.dualStackImage() : this.args.image.ref,
            port: app.port,
            environment,
            secrets: this.args.secrets.entries,
            healthCheck: command && { command, startPeriodSeconds: probe.startPeriodSeconds },
            logGroupName: logs.name,
            region: this.args.region,
            readonlyRootFilesystem: readonlyRoot,
            ecsExec: this.args.ecsExec,
          }),
        ]),
      },
      { parent: this },
    );
  }

  /** P6. */
  private createService(a: {
    serviceName: string;
    cluster: aws.ecs.Cluster;
    taskDefinition: aws.ecs.TaskDefinition;
    targetGroup: aws.lb.TargetGroup;
    taskSg: aws.ec2.SecurityGroup;
    subnetIds: pulumi.Output<string[]>;
    deploymentAlarmNames: pulumi.Output<string>[];
    dependsOn: pulumi.Resource[];
  }): aws.ecs.Service {
    const timeout = `${this.args.deployTimeoutMinutes}m`;
    return new aws.ecs.Service(
      `${this.name}-service`,
      {
        name: a.serviceName,
        cluster: a.cluster.arn,
        // The ARN includes the revision: a new image digest → a new revision → a rolling deployment.
        taskDefinition: a.taskDefinition.arn,
        desiredCount: this.args.desiredCount,
        // Not launchType: the two are mutually exclusive, and the strategy is what puts tasks on Spot.
        capacityProviderStrategies: capacityStrategy(this.capacity()),
        platformVersion: "LATEST",
        deploymentController: { type: "ECS" },
        // Rolling: start a full new set next to the old one, stop old tasks only once new ones are healthy.
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // Also roll back when the error-rate or latency alarm fires during the deployment.
        alarms: { alarmNames: a.deploymentAlarmNames, enable: true, rollback: true },
        healthCheckGracePeriodSeconds: this.args.healthCheckGraceSeconds,
        networkConfiguration: {
          subnets: a.subnetIds,
          securityGroups: [a.taskSg.id],
          // Public subnets without a NAT gateway: the public IP is how tasks reach ECR and Secrets Manager.
          // IPv6-only subnets: the egress-only gateway is, and there is no IPv4 address to assign.
          assignPublicIp: !this.ipv6Tasks(),
        },
        loadBalancers: [
          {
            targetGroupArn: a.targetGroup.arn,
            containerName: this.args.app.name,
            containerPort: this.args.app.port,
          },
        ],
        enableExecuteCommand: this.args.ecsExec,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        // `pulumi up` returns only when the new tasks are healthy (or fails when the circuit breaker trips).
        waitForSteadyState: true,
      },
      {
        parent: this,
        dependsOn: a.dependsOn,
        // Auto-scaling owns the task count after creation; the next `pulumi up` must not reset it.
        ignoreChanges: ["desiredCount"],
        customTimeouts: { create: timeout, update: timeout, delete: "20m" },
      },
    );
  }

  /** P7. */
  private createAutoScaling(cluster: aws.ecs.Cluster, service: aws.ecs.Service): void {
    const target = new aws.appautoscaling.Target(
      `${this.name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
        minCapacity: this.args.minCount,
        maxCapacity: this.args.maxCount,
      },
      { parent: this },
    );
    new aws.appautoscaling.Policy(
      `${this.name}-cpu-tracking`,
      {
        name: this.names.scalingPolicy,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          targetValue: this.args.cpuTarget,
          scaleOutCooldown: this.args.scaleOutCooldown,
          scaleInCooldown: this.args.scaleInCooldown,
        },
      },
      { parent: this },
    );
  }
}
