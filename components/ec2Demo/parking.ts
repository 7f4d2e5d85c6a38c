// Parking the DNS record from outside the instance: an EventBridge rule on this instance's state changes into
// stopping/stopped/shutting-down/terminated invokes a small function (functions/park/handler.ts) that points the
// A record at the never-routed placeholder, only while it still holds this instance's last address (the
// ADDRESS_TAG the start script writes). The instance's own ferry-park unit stays the fast path.
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NODE_RUNTIME, transpileHandler } from "../lambdaCode";
import { NAME_LIMITS, physicalName } from "../names";

export const PARK_HANDLER_SOURCE = path.resolve(__dirname, "..", "..", "functions", "park", "handler.ts");

/** The states that leave the record pointing at an address the instance no longer holds (or soon won't). */
export const PARK_STATES = ["stopping", "stopped", "shutting-down", "terminated"] as const;

/** The parking function's (and its role's) name. */
export function parkFunctionName(prefix: string): string {
  return physicalName(prefix, "park", NAME_LIMITS.lambdaFunction);
}

/** The handler as CommonJS (index.js). */
export function parkFunctionCode(source = fs.readFileSync(PARK_HANDLER_SOURCE, "utf8")): string {
  return transpileHandler(source, "functions/park/handler.ts");
}

/** The EventBridge pattern: this instance, these states, nothing else. */
export function parkEventPattern(instanceId: string): string {
  return JSON.stringify({
    source: ["aws.ec2"],
    "detail-type": ["EC2 Instance State-change Notification"],
    detail: { "instance-id": [instanceId], state: [...PARK_STATES] },
  });
}

/** Route 53 compares the lower-case name without the trailing dot in its condition keys. */
export function normalizedRecordName(fqdn: string): string {
  return fqdn.toLowerCase().replace(/\.$/, "");
}

export interface ParkPolicyInput {
  readonly region: string;
  readonly zoneArn: string;
  readonly fqdn: string;
  readonly logGroupArn: string;
}

/**
 * Least privilege: DELETE/CREATE of this one A record (Route 53's normalized-name, type and action condition
 * keys), DescribeInstances in this region (EC2's Describe* actions take no resource-level permissions, so
 * "*" is the only Resource they accept; they read only), and its own log group.
 */
export function parkPolicyDocument(i: ParkPolicyInput): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ParkThisRecord",
        Effect: "Allow",
        Action: ["route53:ChangeResourceRecordSets"],
        Resource: [i.zoneArn],
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [normalizedRecordName(i.fqdn)],
            "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
            "route53:ChangeResourceRecordSetsActions": ["DELETE", "CREATE"],
          },
        },
      },
      {
        Sid: "ReadInstanceState",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances"],
        Resource: ["*"],
        Condition: { StringEquals: { "aws:RequestedRegion": i.region } },
      },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${i.logGroupArn}:*`],
      },
    ],
  });
}

export interface ParkingArgs {
  readonly prefix: string;
  readonly region: string;
  readonly instanceId: pulumi.Input<string>;
  readonly dns: {
    readonly zoneId: pulumi.Input<string>;
    readonly zoneArn: pulumi.Input<string>;
    readonly fqdn: string;
  };
  /** The parked value (PLACEHOLDER_IP). */
  readonly parkIp: string;
}

/** The rule, the function, its role and log group (a child of the Ec2Demo). */
export class DnsParking extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly ruleArn: pulumi.Output<string>;

  constructor(name: string, args: ParkingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:demo:DnsParking", name, {}, opts);
    const { fn, rule } = createParking(name, args, this);
    this.functionName = fn.name;
    this.ruleArn = rule.arn;
    this.registerOutputs({ functionName: this.functionName, ruleArn: this.ruleArn });
  }
}

function createParking(
  name: string,
  args: ParkingArgs,
  parent: pulumi.Resource,
): { fn: aws.lambda.Function; rule: aws.cloudwatch.EventRule } {
  const opts = { parent };
  const functionName = parkFunctionName(args.prefix);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: `/aws/lambda/${functionName}`, retentionInDays: 14 },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      name: physicalName(args.prefix, "park", NAME_LIMITS.iamRole),
      description: `ferry ${args.prefix}: parks the demo's DNS record when its instance stops`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.name,
      policy: pulumi
        .all([pulumi.output(args.dns.zoneArn), logGroup.arn])
        .apply(([zoneArn, logGroupArn]) =>
          parkPolicyDocument({ region: args.region, zoneArn, fqdn: args.dns.fqdn, logGroupArn }),
        ),
    },
    opts,
  );
  const fn = new aws.lambda.Function(
    `${name}-function`,
    {
      name: functionName,
      description: `ferry ${args.prefix}: parks ${args.dns.fqdn} when the demo instance stops`,
      runtime: NODE_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(parkFunctionCode()) }),
      role: role.arn,
      memorySize: 128,
      timeout: 15,
      loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
      environment: {
        variables: {
          INSTANCE_ID: args.instanceId,
          ZONE_ID: args.dns.zoneId,
          RECORD_NAME: normalizedRecordName(args.dns.fqdn),
          PARK_IP: args.parkIp,
        },
      },
    },
    { parent, dependsOn: [policy, logGroup] },
  );
  const rule = new aws.cloudwatch.EventRule(
    `${name}-rule`,
    {
      name: physicalName(args.prefix, "park", 64),
      description: `ferry ${args.prefix}: the demo instance stops or terminates -> park ${args.dns.fqdn}`,
      eventPattern: pulumi.output(args.instanceId).apply(parkEventPattern),
    },
    opts,
  );
  // Only this rule may invoke the function.
  const permission = new aws.lambda.Permission(
    `${name}-invoke`,
    {
      function: fn.name,
      statementId: "EventBridgeParkRule",
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-target`,
    { rule: rule.name, arn: fn.arn, targetId: "park" },
    { parent, dependsOn: [permission] },
  );
  return { fn, rule };
}
