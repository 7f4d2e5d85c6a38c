// Every physical name the Fargate topology chooses, in one pure function. The FargateService component names
// its resources with it, and the CI scope (stacks/ci.ts) grants on exactly the same names, so the two can
// never drift apart.
import { NAME_LIMITS, awsSafe, physicalName, shortHash } from "./names";

/** ALB name: ≤ 32, letters/digits/hyphens, and never starting with "internal-" (AWS reserves it). */
export function loadBalancerName(prefix: string): string {
  const safe = awsSafe(prefix);
  return physicalName(safe.startsWith("internal-") ? `lb-${safe}` : safe, "alb", NAME_LIMITS.loadBalancer);
}

/** What forces a target group's replacement; its name carries a hash of these. */
export interface TargetGroupKey {
  readonly port: number;
  readonly protocol: string;
  readonly targetType: string;
  readonly vpcId: string;
  /** @default "ipv4" */
  readonly ipAddressType?: "ipv4" | "ipv6";
}

/**
 * Target group name: ≤ 32 and carrying a hash of the inputs that force a replacement (port, protocol, target
 * type, VPC). A changed input gives a new name, so Pulumi can create the new group, move the listener and
 * the service over, and only then delete the old one (a fixed name would collide with itself).
 */
export function targetGroupName(prefix: string, key: TargetGroupKey): string {
  // IPv4 groups keep the hash they always had; an IPv6 group (a replacement) needs a name of its own.
  const family = key.ipAddressType === "ipv6" ? "/ipv6" : "";
  const hash = shortHash(`${key.port}/${key.protocol}/${key.targetType}/${key.vpcId}${family}`);
  return physicalName(awsSafe(prefix), `tg-${hash}`, NAME_LIMITS.targetGroup);
}

/** Security group name prefix (AWS rejects group names that start with "sg-"). */
export function securityGroupNamePrefix(prefix: string, role: string): string {
  const safe = awsSafe(prefix);
  return `${safe.startsWith("sg-") ? `app-${safe}` : safe}-${role}-`;
}

export interface FargateNameArgs {
  /** The stack prefix, `${app}-${stack}` (folded to AWS-safe characters here). */
  readonly prefix: string;
  /** `ferry:app.name`: the cluster and log group are named after the app unless configured. */
  readonly appName: string;
  /** `ferry:fargate.clusterName`, if set. @default "<appName>-cluster" */
  readonly clusterName?: string;
  /** `ferry:fargate.logGroupName`, if set. @default "/ecs/<appName>" */
  readonly logGroupName?: string;
}

export interface FargateNames {
  readonly cluster: string;
  readonly service: string;
  readonly taskFamily: string;
  readonly logGroup: string;
  /** Prefix of a generated data bucket name (S3 appends 26 characters; a prefix may have 37). */
  readonly dataBucketPrefix: string;
  readonly loadBalancer: string;
  readonly executionRole: string;
  readonly taskRole: string;
  /** Prefix of the alarm topic and alarm names. */
  readonly alarmPrefix: string;
  readonly scalingPolicy: string;
  securityGroupPrefix(role: "alb" | "tasks"): string;
  targetGroup(key: TargetGroupKey): string;
}

/** Pure: the same inputs give the same names on every run. */
export function fargateNames(a: FargateNameArgs): FargateNames {
  const safe = awsSafe(a.prefix);
  return {
    cluster: a.clusterName ?? `${a.appName}-cluster`,
    service: physicalName(safe, "", NAME_LIMITS.ecsService),
    taskFamily: physicalName(safe, "", NAME_LIMITS.ecsTaskFamily),
    logGroup: a.logGroupName ?? `/ecs/${a.appName}`,
    dataBucketPrefix: `${physicalName(safe, "data", 36)}-`,
    loadBalancer: loadBalancerName(a.prefix),
    executionRole: physicalName(safe, "exec", NAME_LIMITS.iamRole),
    taskRole: physicalName(safe, "task", NAME_LIMITS.iamRole),
    alarmPrefix: safe,
    scalingPolicy: `${safe}-cpu-target`,
    securityGroupPrefix: (role) => securityGroupNamePrefix(a.prefix, role),
    targetGroup: (key) => targetGroupName(a.prefix, key),
  };
}
