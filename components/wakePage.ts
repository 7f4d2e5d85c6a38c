// The demo's wake page: a constant public URL where a visitor sees whether the
// normally-stopped demo runs, may start it (with a passcode, if one is set), watches it boot and is sent on
// once the instance reports "ready". A Lambda function URL: nothing is billed while nobody visits (no load
// balancer, no API Gateway), and the URL stays the same for the life of the stack.
//
// Guard rails: the function's role can start, tag (one key) and describe only this instance; a daily limit of
// starts lives in a tag on the instance itself; the idle alarm still stops every run. The code is
// functions/wake/handler.ts, shipped as one transpiled file (the Node.js runtime provides the AWS SDK v3).
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { STATUS_TAG, WAKE_LOCKOUT_TAG, WAKE_STARTS_TAG } from "./runtimeTags";
import { transpileHandler } from "./lambdaCode";
import { NAME_LIMITS, physicalName } from "./names";
import { ssmParameterArn } from "./secrets";

/** The handler's source, transpiled at deploy time: one file, no bundler, no build step before `pulumi up`. */
export const WAKE_HANDLER_SOURCE = path.resolve(__dirname, "..", "functions", "wake", "handler.ts");
/** Lambda's Node.js runtime; it ships the AWS SDK v3 the handler imports. */
export const WAKE_RUNTIME = "nodejs22.x";

/** The function's name: the CI deploy role is scoped to it (stacks/ci.ts). */
export function wakeFunctionName(prefix: string): string {
  return physicalName(prefix, "wake", NAME_LIMITS.lambdaFunction);
}

export interface WakePageArgs {
  /** Stack prefix every name derives from. */
  readonly prefix: string;
  /** The instance's region (the one place its Describe call may go). */
  readonly region: string;
  /** Shown on the page. */
  readonly appName: string;
  /** The one instance the page may start. */
  readonly instanceId: pulumi.Input<string>;
  readonly instanceArn: pulumi.Input<string>;
  /**
   * Where a visitor goes once the demo is ready. "{publicDnsName}" is replaced by the instance's current EC2
   * name (a demo without a domain gets a new one at every start).
   */
  readonly demoUrl: pulumi.Input<string>;
  /** Starts through this page per UTC day. */
  readonly dailyStartLimit: number;
  /** Shown on the page ("stops itself after N idle minutes"); unset when the idle stop is off. */
  readonly idleStopMinutes?: number;
  /**
   * The passcode a visitor must enter: a value (kept as a SecureString parameter the function reads) or an
   * existing SecureString parameter's name. @default none: anyone with the URL may start the demo
   */
  readonly passcode?:
    | { readonly kind: "value"; readonly value: pulumi.Input<string> }
    | { readonly kind: "ssm"; readonly name: string };
  /**
   * Concurrent executions reserved for the function, which also caps it: a flood runs at most this many at
   * once (each environment describes the instance at most once per 5 s). false: none reserved, for accounts
   * whose unreserved minimum (AWS keeps at least 100 unreserved; new accounts may have a quota of only 10)
   * leaves nothing to reserve: then only the account's limit caps the function.
   */
  readonly reservedConcurrency: number | false;
  /** Days the function's log group keeps its logs. @default 7 */
  readonly logRetentionDays?: number;
}

/** The handler as CommonJS: what Lambda runs as index.js. Deterministic for a given source and TypeScript. */
export function wakeFunctionCode(source = fs.readFileSync(WAKE_HANDLER_SOURCE, "utf8")): string {
  return transpileHandler(source, "functions/wake/handler.ts");
}

export interface WakePolicyInput {
  readonly region: string;
  readonly instanceArn: string;
  readonly logGroupArn: string;
  readonly passcodeParameterArn?: string;
}

/** The function's own permissions: this one instance, its log group, its passcode parameter. */
export function wakePolicyDocument(i: WakePolicyInput): string {
  const statements: Record<string, unknown>[] = [
    {
      Sid: "StartThisInstance",
      Effect: "Allow",
      Action: ["ec2:StartInstances"],
      Resource: [i.instanceArn],
    },
    {
      // The daily count and the passcode lockout live on the instance: two tag keys, on this instance only.
      Sid: "CountStarts",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: [i.instanceArn],
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [WAKE_STARTS_TAG, WAKE_LOCKOUT_TAG] } },
    },
    {
      // EC2's Describe* actions support no resource-level permissions: "*" is the only Resource they accept.
      // They read; nothing here can change another instance.
      Sid: "ReadState",
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
  ];
  // A SecureString under the AWS-managed aws/ssm key needs no KMS statement.
  if (i.passcodeParameterArn)
    statements.push({
      Sid: "Passcode",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [i.passcodeParameterArn],
    });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export class WakePage extends pulumi.ComponentResource {
  /** The constant public URL to share. */
  public readonly url: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: WakePageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:demo:WakePage", name, {}, opts);
    const functionName = wakeFunctionName(args.prefix);
    const limit = args.dailyStartLimit;
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`WakePage: dailyStartLimit ${limit}`);

    // Created here (not by Lambda on first use) so it has a retention and goes away with the stack.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays ?? 7 },
      { parent: this },
    );

    let passcodeName: pulumi.Input<string> | undefined;
    let passcodeArn: pulumi.Input<string> | undefined;
    if (args.passcode?.kind === "value") {
      const param = new aws.ssm.Parameter(
        `${name}-passcode`,
        {
          name: `/ferry/${args.prefix}/wake-passcode`,
          type: "SecureString",
          value: pulumi.secret(args.passcode.value),
          description: `Passcode visitors enter on the ${args.prefix} wake page`,
        },
        { parent: this },
      );
      passcodeName = param.name;
      passcodeArn = param.arn;
    } else if (args.passcode?.kind === "ssm") {
      passcodeName = args.passcode.name;
      passcodeArn = ssmParameterArn(args.passcode.name, {
        partition: aws.getPartitionOutput({}, { parent: this }),
        region: aws.getRegionOutput({}, { parent: this }),
        identity: aws.getCallerIdentityOutput({}, { parent: this }),
      });
    }

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: physicalName(args.prefix, "wake", NAME_LIMITS.iamRole),
        description: `ferry ${args.prefix}: the wake page (start, tag and describe one demo instance)`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([pulumi.output(args.instanceArn), logGroup.arn, pulumi.output(passcodeArn ?? "")])
          .apply(([instanceArn, logGroupArn, paramArn]) =>
            wakePolicyDocument({
              region: args.region,
              instanceArn,
              logGroupArn,
              passcodeParameterArn: paramArn || undefined,
            }),
          ),
      },
      { parent: this },
    );

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: `ferry ${args.prefix}: wake page of the demo (shows its state, starts it on request)`,
        runtime: WAKE_RUNTIME,
        // Graviton: the same work for about 20% less per GB-second.
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(wakeFunctionCode()) }),
        role: role.arn,
        memorySize: 128,
        // Two or three EC2 calls, an SSM read and at most 8 s of delay after a wrong passcode; a hung call
        // must end before the visitor gives up.
        timeout: 15,
        ...(args.reservedConcurrency === false
          ? {}
          : { reservedConcurrentExecutions: args.reservedConcurrency }),
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        environment: {
          variables: {
            INSTANCE_ID: args.instanceId,
            DEMO_URL: args.demoUrl,
            DAILY_START_LIMIT: String(limit),
            APP_NAME: args.appName,
            ...(args.idleStopMinutes !== undefined
              ? { IDLE_STOP_MINUTES: String(args.idleStopMinutes) }
              : {}),
            ...(passcodeName !== undefined ? { PASSCODE_PARAMETER: passcodeName } : {}),
          },
        },
      },
      // The role's permissions and the log group exist before the first request can arrive.
      { parent: this, dependsOn: [policy, logGroup] },
    );

    // Public on purpose: the page is what visitors open. What it can do is limited by its role and the daily
    // limit, not by who calls it.
    const fnUrl = new aws.lambda.FunctionUrl(
      `${name}-url`,
      { functionName: fn.name, authorizationType: "NONE", invokeMode: "BUFFERED" },
      { parent: this },
    );
    // Since October 2025 a function URL needs both grants: InvokeFunctionUrl, and InvokeFunction limited to
    // calls that come through the URL.
    new aws.lambda.Permission(
      `${name}-public-url`,
      {
        function: fn.name,
        statementId: "FunctionUrlPublicAccess",
        action: "lambda:InvokeFunctionUrl",
        principal: "*",
        functionUrlAuthType: "NONE",
      },
      { parent: this },
    );
    new aws.lambda.Permission(
      `${name}-public-invoke`,
      {
        function: fn.name,
        statementId: "FunctionUrlInvokeFunction",
        action: "lambda:InvokeFunction",
        principal: "*",
        invokedViaFunctionUrl: true,
      },
      { parent: this },
    );

    this.url = fnUrl.functionUrl;
    this.functionName = fn.name;
    this.roleName = role.name;
    this.registerOutputs({ url: this.url, functionName: this.functionName });
  }
}

/** The tags the handler reads and writes; test/wake.test.ts checks they match the handler's own constants. */
export const WAKE_TAGS = { status: STATUS_TAG, starts: WAKE_STARTS_TAG, lockout: WAKE_LOCKOUT_TAG } as const;
