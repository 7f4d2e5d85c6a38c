// Every rule of the policy pack (policy/rules.ts), called directly with hand-built arguments shaped like the
// ones @pulumi/policy's analyzer server passes (props behind the SDK's unknown-checking proxy): a violating
// resource and the message it gets, and compliant ones that get none. The program's own policy documents
// (components/*.ts pure helpers) are run through the IAM rules, so "precise" is tested against real use.
import { gzipSync } from "node:zlib";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import {
  deployNetworkPolicy,
  deployPolicy,
  driftPolicy,
  ecrPushPolicy,
  previewPolicy,
  subjectPatterns,
  trustPolicy,
  type CiScope,
} from "../components/ciAccess";
import { tlsOnlyPolicy } from "../components/dataBucket";
import { instancePolicyDocument } from "../components/ec2Demo";
import { ecsTasksTrustPolicy, executionRolePolicy, taskRolePolicy } from "../components/fargateService";
import { ecrPullStatements, lifecyclePolicy } from "../components/image";
import { SECRET_LOOKING_NAME as CONFIG_SECRET_NAME } from "../config/schema";
import {
  DATA_READ_ACTIONS,
  deniesInsecureTransport,
  isWildcardResource,
  keyKindsIn,
  policies,
  REGION_SCOPED_ACTIONS,
  SECRET_LOOKING_NAME,
  secretAssignmentsIn,
  STAR_ONLY_ACTIONS,
  trustProblems,
  wildcardGrantProblems,
} from "../policy/rules";
import {
  messagesOf,
  runPolicies,
  UNKNOWN_VALUE,
  urnOf,
  type Policy,
  type TestResource,
} from "./support/policy";

/** AWS's documented example access key id, assembled at run time so secret scanners leave the repo alone. */
const EXAMPLE_ACCESS_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");

/** A rule by name. */
function rule(name: string): Policy {
  const found = policies.find((p) => p.name === name);
  assert.ok(found, `no rule ${name}`);
  return found;
}
const res = (type: string, name: string, props: Record<string, any>, extra: Partial<TestResource> = {}) => ({
  type,
  name,
  props,
  ...extra,
});
const T = {
  sg: "aws:ec2/securityGroup:SecurityGroup",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  volume: "aws:ebs/volume:Volume",
  nat: "aws:ec2/natGateway:NatGateway",
  igw: "aws:ec2/internetGateway:InternetGateway",
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  repo: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  param: "aws:ssm/parameter:Parameter",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  cert: "aws:acm/certificate:Certificate",
  topic: "aws:sns/topic:Topic",
} as const;
const u = (type: string, name: string) => urnOf(type, name);
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const REGION = { StringEquals: { "aws:RequestedRegion": "us-east-1" } };
const OWN_TAGS = {
  StringEquals: {
    "aws:RequestedRegion": "us-east-1",
    "aws:ResourceTag/app": "vibejudge",
    "aws:ResourceTag/stack": "prod",
  },
};

describe("policy rules: network", () => {
  const p = () => rule("security-group-no-admin-ports-from-anywhere");
  const ssh =
    "port 22 is open to 0.0.0.0/0: reach instances through SSM Session Manager, or open the port to your own address (/32) only";

  it("SSH or RDP from anywhere, in every rule shape, is a violation", async () => {
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.ingress, "ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }),
      ),
      [ssh],
    );
    assert.deepEqual(await messagesOf(p(), res(T.ingress, "all", { ipProtocol: "-1", cidrIpv6: "::/0" })), [
      "port 22 is open to ::/0: reach instances through SSM Session Manager, or open the port to your own address (/32) only",
      "port 3389 is open to ::/0: reach instances through SSM Session Manager, or open the port to your own address (/32) only",
    ]);
    assert.equal(
      (
        await messagesOf(
          p(),
          res(T.ingress, "range", { ipProtocol: "tcp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0" }),
        )
      ).length,
      2,
    );
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.sg, "inline", {
          ingress: [{ protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"] }],
        }),
      ),
      [
        "port 3389 is open to 0.0.0.0/0: reach instances through SSM Session Manager, or open the port to your own address (/32) only",
      ],
    );
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.sgRule, "legacy", {
          type: "ingress",
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ["0.0.0.0/0"],
        }),
      ),
      [ssh],
    );
  });

  it("SSH from one address, the app port from anywhere, and egress pass", async () => {
    for (const r of [
      res(T.ingress, "ssh-me", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32" }),
      res(T.ingress, "app", { ipProtocol: "tcp", fromPort: 8501, toPort: 8501, cidrIpv4: "0.0.0.0/0" }),
      res(T.sgRule, "out", {
        type: "egress",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      }),
      res(T.egress, "out2", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
    ])
      assert.deepEqual(await messagesOf(p(), r), [], r.name);
  });

  it("no-nat-gateway: a NAT gateway is refused, an internet gateway is not", async () => {
    assert.deepEqual(await messagesOf(rule("no-nat-gateway"), res(T.nat, "nat", { subnetId: "subnet-1" })), [
      "NAT gateways are not used by ferry (P1, D1): they cost about $33/month per AZ plus data; use public subnets with assignPublicIp, or VPC endpoints",
    ]);
    assert.deepEqual(await messagesOf(rule("no-nat-gateway"), res(T.igw, "igw", { vpcId: "vpc-1" })), []);
  });

  describe("ecs-task-ingress-from-security-groups-only (stack)", () => {
    const p = () => rule("ecs-task-ingress-from-security-groups-only");
    const albSg = res(T.sg, "alb-sg", { id: "sg-alb" });
    const taskSg = res(T.sg, "task-sg", { id: "sg-task" });
    const service = res(
      T.service,
      "svc",
      { networkConfiguration: { securityGroups: ["sg-task"], subnets: ["subnet-1"] } },
      { propertyDependencies: { networkConfiguration: [u(T.sg, "task-sg")] } },
    );
    const fromAlb = res(
      T.ingress,
      "tasks-in",
      {
        securityGroupId: "sg-task",
        referencedSecurityGroupId: "sg-alb",
        ipProtocol: "tcp",
        fromPort: 8501,
        toPort: 8501,
      },
      {
        propertyDependencies: {
          securityGroupId: [u(T.sg, "task-sg")],
          referencedSecurityGroupId: [u(T.sg, "alb-sg")],
        },
      },
    );
    const albFromAnywhere = res(T.ingress, "alb-in-80", {
      securityGroupId: "sg-alb",
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
    });

    it("the task group admitting a CIDR (rule resource, by dependency or by id; inline) is a violation", async () => {
      const open = res(
        T.ingress,
        "tasks-open",
        {
          securityGroupId: "sg-task",
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: 8501,
          toPort: 8501,
        },
        { propertyDependencies: { securityGroupId: [u(T.sg, "task-sg")] } },
      );
      assert.deepEqual(await messagesOf(p(), [albSg, taskSg, service, fromAlb, open]), [
        'security group "task-sg" of ECS service "svc" admits cidrIpv4 through rule "tasks-open"; admit the load balancer\'s group only',
      ]);
      // Outputs only (no dependencies recorded): matched by the group's id.
      const byId = res(T.ingress, "v6", {
        securityGroupId: "sg-task",
        cidrIpv6: "::/0",
        ipProtocol: "tcp",
        fromPort: 1,
        toPort: 1,
      });
      const svcById = res(T.service, "svc", { networkConfiguration: { securityGroups: ["sg-task"] } });
      assert.deepEqual(await messagesOf(p(), [taskSg, svcById, byId]), [
        'security group "task-sg" of ECS service "svc" admits cidrIpv6 through rule "v6"; admit the load balancer\'s group only',
      ]);
      const inline = res(T.sg, "task-sg", {
        id: "sg-task",
        ingress: [{ protocol: "tcp", cidrBlocks: ["10.0.0.0/8"] }],
      });
      assert.deepEqual(await messagesOf(p(), [inline, svcById]), [
        'security group "task-sg" of ECS service "svc" admits 10.0.0.0/8 (inline ingress); admit the load balancer\'s group only',
      ]);
      const noSource = res(T.sgRule, "legacy", {
        type: "ingress",
        securityGroupId: "sg-task",
        protocol: "tcp",
        fromPort: 1,
        toPort: 1,
      });
      assert.deepEqual(await messagesOf(p(), [taskSg, svcById, noSource]), [
        'security group "task-sg" of ECS service "svc": rule "legacy" names no source security group (sourceSecurityGroupId)',
      ]);
    });

    it("ingress from the load balancer's group only passes; other groups may admit CIDRs", async () => {
      assert.deepEqual(await messagesOf(p(), [albSg, taskSg, service, fromAlb, albFromAnywhere]), []);
      const legacy = res(T.sgRule, "legacy", {
        type: "ingress",
        securityGroupId: "sg-task",
        sourceSecurityGroupId: "sg-alb",
        protocol: "tcp",
        fromPort: 1,
        toPort: 1,
      });
      assert.deepEqual(await messagesOf(p(), [taskSg, service, legacy]), []);
    });

    it("preview of a new stack: ids unknown, the rule still finds the group and its source by dependency", async () => {
      const unknownIds = (r: TestResource, keys: string[]) => ({
        ...r,
        props: { ...r.props, ...Object.fromEntries(keys.map((k) => [k, UNKNOWN_VALUE])) },
      });
      const svc = unknownIds(service, ["networkConfiguration"]);
      const ok = unknownIds(fromAlb, ["securityGroupId", "referencedSecurityGroupId"]);
      assert.deepEqual(
        await messagesOf(p(), [unknownIds(albSg, ["id"]), unknownIds(taskSg, ["id"]), svc, ok]),
        [],
      );
      const open = res(
        T.ingress,
        "tasks-open",
        { securityGroupId: UNKNOWN_VALUE, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 1, toPort: 1 },
        { propertyDependencies: { securityGroupId: [u(T.sg, "task-sg")] } },
      );
      assert.equal((await messagesOf(p(), [unknownIds(taskSg, ["id"]), svc, open])).length, 1);
    });
  });
});

describe("policy rules: EC2", () => {
  it("ec2-imdsv2-required: httpTokens optional or unset is a violation; required or IMDS off passes", async () => {
    const p = rule("ec2-imdsv2-required");
    assert.deepEqual(
      await messagesOf(p, res(T.instance, "i", { metadataOptions: { httpTokens: "optional" } })),
      [
        'metadataOptions.httpTokens is "optional": set it to "required" (IMDSv1 hands the instance role\'s credentials to any request forgery on the host)',
      ],
    );
    assert.match((await messagesOf(p, res(T.instance, "i", {})))[0], /^metadataOptions\.httpTokens is null/);
    assert.equal((await messagesOf(p, res(T.launchTemplate, "lt", { metadataOptions: {} }))).length, 1);
    assert.deepEqual(
      await messagesOf(p, res(T.instance, "i", { metadataOptions: { httpTokens: "required" } })),
      [],
    );
    assert.deepEqual(
      await messagesOf(p, res(T.instance, "i", { metadataOptions: { httpEndpoint: "disabled" } })),
      [],
    );
  });

  it("ec2-ebs-encrypted: unencrypted or undeclared root, data, template and standalone volumes are violations", async () => {
    const p = rule("ec2-ebs-encrypted");
    assert.deepEqual(await messagesOf(p, res(T.instance, "i", {})), [
      "rootBlockDevice.encrypted is not true: declare the root volume with encrypted: true",
    ]);
    assert.deepEqual(
      await messagesOf(
        p,
        res(T.instance, "i", {
          rootBlockDevice: { encrypted: true },
          ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: false }],
        }),
      ),
      ["ebsBlockDevices[0] (/dev/sdf) is not encrypted"],
    );
    assert.deepEqual(await messagesOf(p, res(T.volume, "v", { size: 10 })), ["the volume is not encrypted"]);
    assert.deepEqual(
      await messagesOf(
        p,
        res(T.launchTemplate, "lt", { blockDeviceMappings: [{ ebs: { encrypted: "false" } }] }),
      ),
      ['blockDeviceMappings[0].ebs.encrypted is not "true"'],
    );
    for (const r of [
      res(T.instance, "i", { rootBlockDevice: { encrypted: true, volumeType: "gp3" } }),
      res(T.volume, "v", { encrypted: true }),
      res(T.launchTemplate, "lt", { blockDeviceMappings: [{ ebs: { encrypted: "true" } }] }),
    ])
      assert.deepEqual(await messagesOf(p, r), [], r.type);
  });
});

describe("policy rules: S3 (stack rules)", () => {
  const bucket = res(T.bucket, "data", { bucket: "data-1", arn: "arn:aws:s3:::data-1" }, { protect: true });
  const dep = { propertyDependencies: { bucket: [u(T.bucket, "data")] } };
  const sse = (alg: string) =>
    res(
      T.sse,
      "sse",
      { bucket: "data-1", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg } }] },
      dep,
    );
  const pab = (flags: Partial<Record<string, boolean>> = {}) =>
    res(
      T.pab,
      "pab",
      {
        bucket: "data-1",
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        ...flags,
      },
      dep,
    );

  it("s3-bucket-encrypted: a bucket without default encryption is a violation", async () => {
    const p = rule("s3-bucket-encrypted");
    assert.deepEqual(await messagesOf(p, [bucket]), [
      'bucket "data" has no BucketServerSideEncryptionConfiguration',
    ]);
    assert.deepEqual(await messagesOf(p, [bucket, sse("none")]), [
      'bucket "data": "sse" sets no AES256 or aws:kms default encryption',
    ]);
    assert.deepEqual(await messagesOf(p, [bucket, sse("AES256")]), []);
    assert.deepEqual(await messagesOf(p, [bucket, sse("aws:kms")]), []);
    const inline = res(T.bucket, "old", {
      serverSideEncryptionConfiguration: {
        rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      },
    });
    assert.deepEqual(await messagesOf(p, [inline]), []);
  });

  it("s3-public-access-blocked: missing, or any of the four settings off, is a violation", async () => {
    const p = rule("s3-public-access-blocked");
    assert.deepEqual(await messagesOf(p, [bucket]), ['bucket "data" has no BucketPublicAccessBlock']);
    assert.deepEqual(await messagesOf(p, [bucket, pab({ blockPublicPolicy: false })]), [
      'bucket "data": blockPublicPolicy must be true in "pab"',
    ]);
    assert.deepEqual(await messagesOf(p, [bucket, pab()]), []);
    // Another bucket's block does not count.
    const other = res(T.pab, "pab", { bucket: "other", blockPublicAcls: true });
    assert.deepEqual(await messagesOf(p, [bucket, other]), ['bucket "data" has no BucketPublicAccessBlock']);
    // Preview of a new stack: the bucket's name is unknown, the dependency still ties the block to it.
    const unknownName = { ...pab(), props: { ...pab().props, bucket: UNKNOWN_VALUE } };
    assert.deepEqual(await messagesOf(p, [{ ...bucket, props: { bucket: UNKNOWN_VALUE } }, unknownName]), []);
  });

  it("s3-tls-only: no policy, or one that does not deny insecure transport, is a violation", async () => {
    const p = rule("s3-tls-only");
    const policy = (document: object | string) =>
      res(
        T.bucketPolicy,
        "tls",
        { bucket: "data-1", policy: typeof document === "string" ? document : JSON.stringify(document) },
        dep,
      );
    assert.deepEqual(await messagesOf(p, [bucket]), [
      'bucket "data" has no bucket policy denying requests without TLS',
    ]);
    const allowOnly = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::data-1/*",
        },
      ],
    };
    assert.deepEqual(await messagesOf(p, [bucket, policy(allowOnly)]), [
      'bucket "data": no policy statement denies s3:* to everyone when aws:SecureTransport is false, on the bucket and its objects',
    ]);
    assert.deepEqual(await messagesOf(p, [bucket, policy(tlsOnlyPolicy("arn:aws:s3:::data-1"))]), []);
    // Objects only is not enough.
    const objectsOnly = tlsOnlyPolicy("arn:aws:s3:::data-1") as any;
    objectsOnly.Statement[0].Resource = ["arn:aws:s3:::data-1/*"];
    assert.equal((await messagesOf(p, [bucket, policy(objectsOnly)])).length, 1);
    // A document built from the new bucket's ARN is unknown in preview: judged at `pulumi up`, not refused.
    assert.deepEqual(
      await messagesOf(p, [
        bucket,
        { ...policy({}), props: { bucket: UNKNOWN_VALUE, policy: UNKNOWN_VALUE } },
      ]),
      [],
    );
  });

  it("deniesInsecureTransport: needs Deny, everyone, s3:*, SecureTransport false, bucket and objects", () => {
    const good = tlsOnlyPolicy("arn:aws:s3:::b");
    assert.equal(deniesInsecureTransport(good, "arn:aws:s3:::b"), true);
    assert.equal(deniesInsecureTransport(good), true, "shape check when the ARN is unknown");
    assert.equal(deniesInsecureTransport(good, "arn:aws:s3:::other"), false);
    const tweak = (f: (s: any) => void) => {
      const d = tlsOnlyPolicy("arn:aws:s3:::b") as any;
      f(d.Statement[0]);
      return deniesInsecureTransport(d, "arn:aws:s3:::b");
    };
    assert.equal(
      tweak((s) => (s.Effect = "Allow")),
      false,
    );
    assert.equal(
      tweak((s) => (s.Principal = { AWS: "arn:aws:iam::1:root" })),
      false,
    );
    assert.equal(
      tweak((s) => (s.Action = "s3:GetObject")),
      false,
    );
    assert.equal(
      tweak((s) => (s.Condition = { Bool: { "aws:SecureTransport": "true" } })),
      false,
    );
    assert.equal(
      tweak((s) => (s.Condition = { Bool: { "aws:SecureTransport": false } })),
      true,
    );
  });
});

describe("policy rules: ECR and logs", () => {
  it("ecr-scan-on-push: a repository without scan on push is a violation", async () => {
    const p = rule("ecr-scan-on-push");
    assert.deepEqual(await messagesOf(p, res(T.repo, "r", { name: "app" })), [
      "imageScanningConfiguration.scanOnPush is not true: images must be scanned on push (S1)",
    ]);
    assert.deepEqual(
      await messagesOf(p, res(T.repo, "r", { imageScanningConfiguration: { scanOnPush: true } })),
      [],
    );
  });

  it("ecr-lifecycle-policy (stack): a repository without a lifecycle policy that expires images is a violation", async () => {
    const p = rule("ecr-lifecycle-policy");
    const repo = res(T.repo, "repo", { name: "app" });
    assert.deepEqual(await messagesOf(p, [repo]), [
      'repository "repo" has no lifecycle policy: images would accumulate forever (S1)',
    ]);
    const byName = res(T.lifecycle, "lc", { repository: "app", policy: lifecyclePolicy(10) });
    assert.deepEqual(await messagesOf(p, [repo, byName]), []);
    const byDependency = res(
      T.lifecycle,
      "lc",
      { repository: UNKNOWN_VALUE, policy: lifecyclePolicy(3) },
      { propertyDependencies: { repository: [u(T.repo, "repo")] } },
    );
    assert.deepEqual(await messagesOf(p, [repo, byDependency]), []);
    const keepsAll = res(T.lifecycle, "lc", { repository: "app", policy: JSON.stringify({ rules: [] }) });
    assert.deepEqual(await messagesOf(p, [repo, keepsAll]), [
      'repository "repo": lifecycle policy "lc" has no expire rule',
    ]);
  });

  it("log-group-retention-set: no retention (or 0 = forever) is a violation", async () => {
    const p = rule("log-group-retention-set");
    const msg =
      "retentionInDays is not set: the log group would keep (and bill) every event forever (P3: 7 days)";
    assert.deepEqual(await messagesOf(p, res(T.logGroup, "l", { name: "/ecs/app" })), [msg]);
    assert.deepEqual(await messagesOf(p, res(T.logGroup, "l", { retentionInDays: 0 })), [msg]);
    assert.deepEqual(await messagesOf(p, res(T.logGroup, "l", { retentionInDays: 7 })), []);
  });
});

describe("policy rules: IAM", () => {
  const p = () => rule("iam-no-wildcard-grants");
  const statement = (
    Action: string | string[],
    Resource: string | string[],
    Condition?: object,
    Sid = "S",
  ) => ({
    Sid,
    Effect: "Allow",
    Action,
    Resource,
    ...(Condition ? { Condition } : {}),
  });
  const problems = (...s: object[]) => wildcardGrantProblems(doc(...s));

  it('"*" actions, service wildcards and NotAction/NotResource in an Allow are violations', async () => {
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.rolePolicy, "admin", { policy: doc(statement("*", "*", undefined, "Admin")) }),
      ),
      ['statement "Admin": Action "*" grants every action'],
    );
    assert.deepEqual(problems(statement("s3:*", "arn:aws:s3:::b/*")), [
      'statement "S": Action "s3:*" grants every action of s3',
    ]);
    assert.deepEqual(problems({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }), [
      "statement #1: NotAction in an Allow grants every other action",
    ]);
    assert.deepEqual(problems({ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::b/*" }), [
      "statement #1: NotResource in an Allow grants every other resource",
    ]);
    assert.deepEqual(wildcardGrantProblems("{not json"), ["the policy document is not valid JSON"]);
  });

  it('Resource "*": only the listed actions, under the listed conditions', () => {
    // Actions AWS accepts only on "*" and that grant nothing alone: no condition needed.
    assert.deepEqual(problems(statement(["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"], "*")), []);
    assert.deepEqual(
      problems(statement(["ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel"], "*")),
      [],
    );
    // Metadata reads: pinned to a region, or of a global service.
    assert.deepEqual(problems(statement("ec2:Describe*", "*")), [
      'statement "S": "ec2:Describe*" on Resource "*" needs an aws:RequestedRegion condition',
    ]);
    assert.deepEqual(problems(statement("ec2:Describe*", "*", REGION)), []);
    assert.deepEqual(problems(statement(["iam:GetRole", "route53:ListHostedZones"], "*")), []);
    assert.deepEqual(
      problems(statement("ec2:Describe*", "*", { StringLike: { "aws:RequestedRegion": "us-*" } })),
      ['statement "S": "ec2:Describe*" on Resource "*" needs an aws:RequestedRegion condition'],
    );
    // Data reads: never on "*", whatever the condition; wildcards that cover one too.
    assert.deepEqual(problems(statement("s3:GetObject", "*", REGION)), [
      'statement "S": "s3:GetObject" reads data (s3:GetObject) on Resource "*"',
    ]);
    assert.deepEqual(problems(statement("ssm:Get*", "*", REGION)), [
      'statement "S": "ssm:Get*" reads data (ssm:GetParameter, ssm:GetParameters, ssm:GetParametersByPath) on Resource "*"',
    ]);
    assert.deepEqual(
      problems(statement("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:*")),
      [
        'statement "S": "secretsmanager:GetSecretValue" reads data (secretsmanager:GetSecretValue) on Resource "arn:aws:secretsmanager:us-east-1:1:secret:*"',
      ],
    );
    // Changes AWS cannot scope (creates, tagging at creation, no resource-level permissions): region only.
    assert.deepEqual(
      problems(statement(["ec2:RunInstances", "ecs:RegisterTaskDefinition"], "*", REGION)),
      [],
    );
    assert.deepEqual(problems(statement("ec2:RunInstances", "*")), [
      'statement "S": "ec2:RunInstances" on Resource "*" needs an aws:RequestedRegion condition',
    ]);
    // Everything else on "*" must be scoped by the stack's tags (and region), else it is a violation.
    assert.deepEqual(problems(statement("ec2:TerminateInstances", "*", OWN_TAGS)), []);
    const nameTheArns = (a: string) =>
      `statement "S": "${a}" on Resource "*": name the ARNs (or condition on this stack's tags); only actions AWS cannot scope may use "*"`;
    assert.deepEqual(problems(statement("ec2:TerminateInstances", "*", REGION)), [
      nameTheArns("ec2:TerminateInstances"),
    ]);
    assert.deepEqual(problems(statement("iam:CreateRole", "*", REGION)), [nameTheArns("iam:CreateRole")]);
    assert.deepEqual(problems(statement("kms:Decrypt", "*")), [nameTheArns("kms:Decrypt")]);
    // Every resource of a type is "*" too; a bucket's objects or a name prefix are not.
    assert.deepEqual(problems(statement("s3:PutObject", "arn:aws:s3:::*")), [
      'statement "S": "s3:PutObject" on Resource "arn:aws:s3:::*": name the ARNs (or condition on this stack\'s tags); only actions AWS cannot scope may use "*"',
    ]);
    for (const [r, wild] of [
      ["arn:aws:s3:::*/*", true],
      ["arn:aws:iam::1:role/*", true],
      ["arn:aws:ec2:us-east-1:1:instance/*", true],
      ["arn:aws:s3:::data-1/*", false],
      ["arn:aws:iam::1:role/app-prod*", false],
      ["arn:aws:ecs:us-east-1:1:service/cluster/*", false],
      ["arn:aws:logs:us-east-1:1:log-group:/ecs/app:*", false],
    ] as const)
      assert.equal(isWildcardResource(r), wild, r);
    // Deny statements restrict; they are never a grant.
    assert.deepEqual(problems({ Effect: "Deny", Action: "*", Resource: "*" }), []);
  });

  it("the lists are explicit: star-only, region-scoped and data-read actions", () => {
    assert.deepEqual(STAR_ONLY_ACTIONS, [
      "ecr:GetAuthorizationToken",
      "sts:GetCallerIdentity",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]);
    for (const a of [
      "ec2:RunInstances",
      "ec2:CreateTags",
      "ecs:RegisterTaskDefinition",
      "elasticloadbalancing:CreateLoadBalancer",
    ])
      assert.ok(REGION_SCOPED_ACTIONS.includes(a), a);
    // Nothing that changes or deletes a named existing resource of EC2/ELB/IAM is region-scoped: those need tags or ARNs.
    for (const a of REGION_SCOPED_ACTIONS)
      assert.doesNotMatch(a, /^(ec2|elasticloadbalancing):(Delete|Terminate|Modify)|^iam:/, a);
    for (const a of ["secretsmanager:GetSecretValue", "ssm:GetParameter", "s3:GetObject"])
      assert.ok(DATA_READ_ACTIONS.includes(a), a);
  });

  it("the program's own policy documents pass (CI roles in every option, runtime roles, the push user)", () => {
    const scope = (over: Partial<CiScope> = {}): CiScope => ({
      partition: "aws",
      region: "us-east-1",
      accountId: "123456789012",
      prefix: "vibejudge-prod",
      tags: { app: "vibejudge", stack: "prod", "managed-by": "ferry" },
      topology: "fargate-ha",
      repositoryName: "vibejudge-dashboard",
      alarmNames: ["vibejudge-prod-latency"],
      topicNames: ["vibejudge-prod-alarms"],
      logGroupNames: ["/ecs/vibejudge-dashboard"],
      functionNames: [],
      eventRuleNames: [],
      clusterName: "vibejudge-cluster",
      serviceNames: ["vibejudge-prod"],
      taskFamilies: ["vibejudge-prod"],
      dataBucket: { namePrefix: "vibejudge-prod-data-" },
      parameterPaths: [],
      secretPaths: ["vibejudge-prod/"],
      lookedUpSecrets: ["prod/db"],
      passRoles: [{ name: "vibejudge-prod-task", service: "ecs-tasks.amazonaws.com" }],
      instanceProfileNames: [],
      ownVpc: true,
      cloudfront: true,
      dns: {
        zoneArn: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
        records: [{ name: "app.example.com", types: ["A", "AAAA"] }],
        certificateFor: "app.example.com",
        certificateRegion: "us-east-1",
      },
      secretKmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"],
      state: { bucket: "ferry-state-123456789012", project: "ferry", stack: "prod" },
      secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000001",
      ...over,
    });
    const demoScope = scope({
      topology: "ec2-demo",
      region: "eu-central-1",
      instance: { type: "t3.small" },
      instanceProfileNames: ["app-demo-instance"],
      passRoles: [{ name: "app-demo-instance", service: "ec2.amazonaws.com" }],
      ownVpc: false,
      rolloutDocumentName: "ferry-app-demo-rollout",
    });
    const ci = {
      roles: ["arn:aws:iam::123456789012:role/ferry-ci/x"],
      policies: ["arn:aws:iam::123456789012:policy/ferry-ci/x"],
      oidcProvider: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    };
    const repo = "arn:aws:ecr:us-east-1:123456789012:repository/app";
    const documents: Record<string, unknown> = {
      deployFargate: deployPolicy(scope()),
      networkFargate: deployNetworkPolicy(scope()),
      deployDemo: deployPolicy(demoScope),
      networkDemo: deployNetworkPolicy(demoScope),
      preview: previewPolicy(scope()),
      previewMinimal: previewPolicy(scope({ dns: undefined, state: undefined, secretsKmsKeyArn: undefined })),
      drift: driftPolicy(scope(), ci),
      // Outside us-east-1: CloudFront and its certificate still pinned to us-east-1.
      deployFargateEu: deployPolicy(scope({ region: "eu-west-1" })),
      previewFargateEu: previewPolicy(scope({ region: "eu-west-1" })),
      driftFargateEu: driftPolicy(scope({ region: "eu-west-1" }), ci),
      driftDemo: driftPolicy(demoScope, ci),
      push: ecrPushPolicy(repo),
      execution: executionRolePolicy({
        repositoryArn: repo,
        logGroupArn: "arn:aws:logs:us-east-1:1:log-group:/ecs/app",
      }),
      task: taskRolePolicy({ bucketArn: "arn:aws:s3:::data-1", ecsExec: true }),
      pull: { Version: "2012-10-17", Statement: ecrPullStatements(repo) },
      instance: JSON.parse(
        instancePolicyDocument({
          repositoryArn: repo,
          imageParameterArn: "arn:aws:ssm:eu-central-1:1:parameter/ferry/app-demo/image",
          secrets: [{ kind: "ssm", arn: "arn:aws:ssm:eu-central-1:1:parameter/app/KEY" }],
          dns: { zoneArn: "arn:aws:route53:::hostedzone/Z1", fqdn: "demo.example.com" },
        }),
      ),
    };
    for (const [name, d] of Object.entries(documents)) assert.deepEqual(wildcardGrantProblems(d), [], name);
  });

  it("admin-grade managed policies are violations, wherever they are attached", async () => {
    const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    assert.deepEqual(await messagesOf(p(), res(T.attachment, "a", { role: "r", policyArn: admin })), [
      `${admin} grants (nearly) every action: write a policy scoped to what the role needs`,
    ]);
    assert.equal(
      (
        await messagesOf(
          p(),
          res(T.attachment, "a", { policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" }),
        )
      ).length,
      1,
    );
    assert.equal((await messagesOf(p(), res(T.role, "r", { managedPolicyArns: [admin] }))).length, 1);
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.attachment, "a", { policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }),
      ),
      [],
    );
    // A role's inline policies are documents like any other.
    assert.equal(
      (
        await messagesOf(
          p(),
          res(T.role, "r", { inlinePolicies: [{ name: "x", policy: doc(statement("*", "*")) }] }),
        )
      ).length,
      1,
    );
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.policy, "ok", { policy: doc(statement("s3:GetObject", "arn:aws:s3:::b/*")) }),
      ),
      [],
    );
  });

  it("a document unknown during preview is not judged (the server reports that as advisory), never a violation", async () => {
    const outcome = await runPolicies(
      [res(T.rolePolicy, "later", { role: "r", policy: UNKNOWN_VALUE })],
      [p()],
    );
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(
      outcome.notJudged.map((f) => [f.policy, f.message]),
      [["iam-no-wildcard-grants", "string value at .policy can't be known during preview"]],
    );
  });

  describe("iam-trust-scoped", () => {
    const t = () => rule("iam-trust-scoped");
    const provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    const github = (Condition: object) =>
      doc({
        Effect: "Allow",
        Principal: { Federated: provider },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition,
      });

    it("everyone, or a GitHub trust without aud/sub pins or with a wildcard repository, is a violation", async () => {
      assert.deepEqual(
        await messagesOf(
          t(),
          res(T.role, "r", {
            assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }),
          }),
        ),
        ['statement #1: Principal "*" lets any AWS account assume the role'],
      );
      assert.deepEqual(
        trustProblems(
          github({
            StringLike: { "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main" },
          }),
        ),
        [
          "statement #1: GitHub OIDC trust must pin token.actions.githubusercontent.com:aud to sts.amazonaws.com (StringEquals)",
        ],
      );
      assert.deepEqual(
        trustProblems(
          github({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } }),
        ),
        [
          "statement #1: GitHub OIDC trust without a token.actions.githubusercontent.com:sub condition trusts every repository",
        ],
      );
      const aud = { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" };
      for (const sub of ["repo:*", "repo:o/*:ref:refs/heads/main", "repo:*/r:pull_request", "*"])
        assert.deepEqual(
          trustProblems(
            github({ StringEquals: aud, StringLike: { "token.actions.githubusercontent.com:sub": [sub] } }),
          ),
          [`statement #1: sub ${JSON.stringify(sub)} does not name one repository (repo:OWNER/REPO:…)`],
          sub,
        );
    });

    it("the program's trusts pass: GitHub OIDC (both sub shapes), ECS tasks, EC2", async () => {
      const subs = [
        ...subjectPatterns({ repository: "vibejudge/dashboard" }, { kind: "deploy", environment: "prod" }),
        ...subjectPatterns({ repository: "vibejudge/dashboard" }, { kind: "preview" }),
        ...subjectPatterns(
          { repository: "vibejudge/dashboard", subjectClaims: "workflow" },
          { kind: "drift", branch: "main" },
        ),
      ];
      const withIds = subjectPatterns(
        { repository: "o/r", ownerId: 1, repositoryId: 2 },
        { kind: "deploy", environment: "demo" },
      );
      for (const d of [
        trustPolicy(provider, subs),
        trustPolicy(provider, withIds),
        ecsTasksTrustPolicy("123456789012"),
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        },
      ])
        assert.deepEqual(
          await messagesOf(t(), res(T.role, "r", { assumeRolePolicy: JSON.stringify(d) })),
          [],
        );
    });
  });
});

describe("policy rules: secrets", () => {
  const p = () => rule("no-plaintext-secrets");
  const task = (environment: object[], extra: object = {}) =>
    res(T.taskDef, "td", { containerDefinitions: JSON.stringify([{ name: "app", environment, ...extra }]) });

  it("the secret-looking names are exactly the ones config refuses in ferry:app.env", () => {
    assert.equal(SECRET_LOOKING_NAME.source, CONFIG_SECRET_NAME.source);
    assert.equal(SECRET_LOOKING_NAME.flags, CONFIG_SECRET_NAME.flags);
  });

  it("task definitions: a secret-looking env name, or a known key shape anywhere, is a violation (value never echoed)", async () => {
    assert.deepEqual(await messagesOf(p(), task([{ name: "GROQ_API_KEY", value: "x" }])), [
      'container "app" sets GROQ_API_KEY as a plain environment variable: pass it in "secrets" (valueFrom Secrets Manager or SSM) so the value never enters the task definition',
    ]);
    const key = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2";
    const found = await messagesOf(p(), task([{ name: "LLM", value: key }]));
    assert.deepEqual(found, [
      "the container definitions contain an OpenAI/Anthropic-style API key (sk-…) in plain text",
    ]);
    assert.ok(!found.join().includes(key), "messages never print the value");
    assert.deepEqual(
      await messagesOf(
        p(),
        task([{ name: "S3_BUCKET", value: "data-1" }], {
          secrets: [
            { name: "GROQ_API_KEY", valueFrom: "arn:aws:secretsmanager:us-east-1:1:secret:groq-AbCdEf" },
          ],
          image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/task-runner@sha256:" + "0".repeat(64),
        }),
      ),
      [],
    );
  });

  it("user-data: literal secret assignments and known key shapes are violations; references are not", async () => {
    const ud = (userData: string) => res(T.instance, "i", { userData });
    assert.deepEqual(await messagesOf(p(), ud("#!/bin/bash\nexport DB_PASSWORD=hunter22\n")), [
      "user-data assigns a literal value to DB_PASSWORD: read it at boot from SSM SecureString or Secrets Manager",
    ]);
    assert.deepEqual(await messagesOf(p(), ud("#cloud-config\nchpasswd:\n  password: hunter22\n")), [
      "user-data assigns a literal value to password: read it at boot from SSM SecureString or Secrets Manager",
    ]);
    assert.deepEqual(
      await messagesOf(p(), ud(`aws configure set aws_access_key_id ${EXAMPLE_ACCESS_KEY_ID}`)),
      ["user-data contains an AWS access key id (AKIA…/ASIA…) in plain text"],
    );
    const template = res(T.launchTemplate, "lt", {
      userData: Buffer.from(`GROQ_API_KEY=gsk_${"x".repeat(24)}\n`).toString("base64"),
    });
    assert.deepEqual(await messagesOf(p(), template), [
      "user-data assigns a literal value to GROQ_API_KEY: read it at boot from SSM SecureString or Secrets Manager",
      "user-data contains a Groq API key (gsk_…) in plain text",
    ]);
    // Gzipped user-data (what the demo instance gets) is unpacked before it is read: compression hides nothing.
    const gzipped = res(T.instance, "i", {
      userDataBase64: gzipSync(Buffer.from("#!/bin/bash\nexport DB_PASSWORD=hunter22\n")).toString("base64"),
    });
    assert.deepEqual(await messagesOf(p(), gzipped), [
      "user-data assigns a literal value to DB_PASSWORD: read it at boot from SSM SecureString or Secrets Manager",
    ]);
    const references = [
      "SECRETS=('OPENAI_API_KEY=ssm:/ragstream/prod/OPENAI_API_KEY' 'JWT_SECRET=secretsmanager:arn:aws:secretsmanager:eu-central-1:1:secret:x')",
      'TOKEN=$(curl -fsS -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")',
      "TOKEN=",
      'API_KEY="$VALUE"',
      "PASSWORD_FILE=/run/secrets/db",
      "      - path: /usr/local/bin/ferry-start",
    ].join("\n");
    assert.deepEqual(await messagesOf(p(), ud(references)), []);
  });

  it("SSM parameters: a secret-looking String, or a key in a String, is a violation; SecureString passes", async () => {
    assert.deepEqual(
      await messagesOf(p(), res(T.param, "p", { name: "/app/API_KEY", type: "String", value: "x" })),
      ["parameter /app/API_KEY looks like a secret but is a String: use type SecureString"],
    );
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.param, "p", { name: "/app/github", type: "String", value: `ghp_${"a".repeat(36)}` }),
      ),
      ["parameter /app/github (String) holds a GitHub token (ghp_…/github_pat_…): use SecureString"],
    );
    assert.deepEqual(
      await messagesOf(p(), res(T.param, "p", { name: "/app/API_KEY", type: "SecureString", value: "sk-x" })),
      [],
    );
    assert.deepEqual(
      await messagesOf(
        p(),
        res(T.param, "p", {
          name: "/ferry/app-demo/image",
          type: "String",
          insecureValue: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web@sha256:${"a".repeat(64)}`,
        }),
      ),
      [],
    );
  });

  it("secretAssignmentsIn / keyKindsIn: the building blocks", () => {
    assert.deepEqual(secretAssignmentsIn("export APP_SECRET='s3cr3t-value'\nOTHER=1"), ["APP_SECRET"]);
    assert.deepEqual(secretAssignmentsIn("JWT_SECRET=short"), [], "shorter than 6: not judged a secret");
    assert.deepEqual(keyKindsIn("-----BEGIN RSA PRIVATE KEY-----"), [
      "a private key (-----BEGIN … PRIVATE KEY-----)",
    ]);
    assert.deepEqual(
      keyKindsIn("task-definition/ragstream-demo-sk-1234567890abcdefghij"),
      [],
      "sk- inside a word",
    );
  });
});

describe("policy rules: load balancer and ECS", () => {
  it("alb-drop-invalid-headers: an ALB passing malformed headers is a violation; an NLB is not judged", async () => {
    const p = rule("alb-drop-invalid-headers");
    assert.deepEqual(await messagesOf(p, res(T.lb, "alb", { loadBalancerType: "application" })), [
      "dropInvalidHeaderFields is not true: malformed headers would reach the app",
    ]);
    assert.equal((await messagesOf(p, res(T.lb, "alb", {}))).length, 1, "application is the default type");
    assert.deepEqual(await messagesOf(p, res(T.lb, "alb", { dropInvalidHeaderFields: true })), []);
    assert.deepEqual(await messagesOf(p, res(T.lb, "nlb", { loadBalancerType: "network" })), []);
  });

  it("alb-listener-tls-1-2: HTTPS with an old or default TLS policy is a violation", async () => {
    const p = rule("alb-listener-tls-1-2");
    assert.deepEqual(
      await messagesOf(
        p,
        res(T.listener, "l", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" }),
      ),
      [
        'sslPolicy "ELBSecurityPolicy-2016-08" allows TLS older than 1.2: use e.g. "ELBSecurityPolicy-TLS13-1-2-2021-06"',
      ],
    );
    assert.match(
      (await messagesOf(p, res(T.listener, "l", { protocol: "HTTPS" })))[0],
      /default ELBSecurityPolicy-2016-08/,
    );
    assert.deepEqual(
      await messagesOf(
        p,
        res(T.listener, "l", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }),
      ),
      [],
    );
    assert.deepEqual(await messagesOf(p, res(T.listener, "l", { protocol: "HTTP", port: 80 })), []);
  });

  describe("alb-https-when-certificate (stack)", () => {
    const p = () => rule("alb-https-when-certificate");
    const alb = res(T.lb, "alb", { arn: "arn:alb", internal: false, loadBalancerType: "application" });
    const onAlb = { propertyDependencies: { loadBalancerArn: [u(T.lb, "alb")] } };
    const forward = [{ type: "forward", targetGroupArn: "arn:tg" }];
    const http = (defaultActions: object[]) =>
      res(
        T.listener,
        "http",
        { port: 80, protocol: "HTTP", loadBalancerArn: "arn:alb", defaultActions },
        onAlb,
      );
    const https = res(
      T.listener,
      "https",
      {
        port: 443,
        protocol: "HTTPS",
        loadBalancerArn: "arn:alb",
        certificateArn: "arn:cert",
        defaultActions: forward,
      },
      onAlb,
    );
    const redirect = [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ];
    const cert = res(T.cert, "cert", { domainName: "app.example.com" });

    it("without a certificate, plain HTTP forwarding is allowed (no domain yet)", async () => {
      assert.deepEqual(await messagesOf(p(), [alb, http(forward)]), []);
    });

    it("with a certificate: no HTTPS listener, or HTTP serving the app, is a violation", async () => {
      assert.deepEqual(await messagesOf(p(), [cert, alb, http(forward)]), [
        'load balancer "alb" has no HTTPS listener although the stack has a certificate (P5)',
        'listener "http" (HTTP) serves the app in plain text: its default action must redirect to HTTPS',
      ]);
      assert.deepEqual(await messagesOf(p(), [alb, https, http(forward)]), [
        'listener "http" (HTTP) serves the app in plain text: its default action must redirect to HTTPS',
      ]);
      const rule80 = res(
        T.listenerRule,
        "api",
        { listenerArn: "arn:http", actions: forward },
        { propertyDependencies: { listenerArn: [u(T.listener, "http")] } },
      );
      assert.deepEqual(await messagesOf(p(), [cert, alb, https, http(redirect), rule80]), [
        'listener rule "api" on HTTP listener "http" does not redirect to HTTPS',
      ]);
    });

    it("HTTPS plus an HTTP listener that only redirects passes; internal load balancers are not judged", async () => {
      assert.deepEqual(await messagesOf(p(), [cert, alb, https, http(redirect)]), []);
      const internal = res(T.lb, "alb", { internal: true });
      assert.deepEqual(await messagesOf(p(), [cert, internal, http(forward)]), []);
    });
  });

  describe("internet-entries-https (stack)", () => {
    const p = () => rule("internet-entries-https");
    const dist = "aws:cloudfront/distribution:Distribution";
    const cdn = (viewerProtocolPolicy: string, ordered: object[] = []) =>
      res(dist, "cdn", {
        defaultCacheBehavior: { viewerProtocolPolicy },
        orderedCacheBehaviors: ordered,
      });
    const alb = (props: object = {}) =>
      res(T.lb, "alb", { arn: "arn:alb", loadBalancerType: "application", ...props });
    const onAlb = { propertyDependencies: { loadBalancerArn: [u(T.lb, "alb")] } };
    const http = (defaultActions: object[]) =>
      res(
        T.listener,
        "http",
        { port: 80, protocol: "HTTP", loadBalancerArn: "arn:alb", defaultActions },
        onAlb,
      );
    const forward = [{ type: "forward", targetGroupArn: "arn:tg" }];
    const redirect = [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ];

    it("fires on a distribution that serves plain HTTP, in the default or an ordered behavior", async () => {
      assert.deepEqual(await messagesOf(p(), [cdn("allow-all")]), [
        'distribution "cdn": the default cache behavior has viewerProtocolPolicy "allow-all"; it must be redirect-to-https or https-only',
      ]);
      assert.deepEqual(
        await messagesOf(p(), [
          cdn("redirect-to-https", [{ pathPattern: "/api/*", viewerProtocolPolicy: "allow-all" }]),
        ]),
        [
          'distribution "cdn": the cache behavior "/api/*" has viewerProtocolPolicy "allow-all"; it must be redirect-to-https or https-only',
        ],
      );
    });

    it("fires on an internet-facing HTTP listener that forwards, even without any certificate", async () => {
      assert.deepEqual(await messagesOf(p(), [alb(), http(forward)]), [
        'internet-facing load balancer "alb": HTTP listener "http" serves the app in plain text (it may only redirect to HTTPS; a deliberate plain-HTTP stack sets ferry:fargate.insecureHttpOnly)',
      ]);
    });

    it("passes HTTPS distributions, redirecting listeners, internal load balancers and the explicit opt-out", async () => {
      assert.deepEqual(await messagesOf(p(), [cdn("redirect-to-https"), cdn("https-only")]), []);
      assert.deepEqual(await messagesOf(p(), [alb(), http(redirect)]), []);
      assert.deepEqual(await messagesOf(p(), [alb({ internal: true }), http(forward)]), []);
      assert.deepEqual(
        await messagesOf(p(), [alb({ tags: { "ferry:insecure-http-only": "true" } }), http(forward)]),
        [],
      );
      // A tag with another value is no opt-out.
      assert.equal(
        (await messagesOf(p(), [alb({ tags: { "ferry:insecure-http-only": "no" } }), http(forward)])).length,
        1,
      );
    });
  });

  it("ecs-circuit-breaker-rollback: a rolling service without breaker and rollback is a violation", async () => {
    const p = rule("ecs-circuit-breaker-rollback");
    const msg =
      "deploymentCircuitBreaker must be { enable: true, rollback: true }: a failing deployment would never roll back";
    assert.deepEqual(await messagesOf(p, res(T.service, "s", {})), [msg]);
    assert.deepEqual(
      await messagesOf(
        p,
        res(T.service, "s", { deploymentCircuitBreaker: { enable: true, rollback: false } }),
      ),
      [msg],
    );
    assert.deepEqual(
      await messagesOf(
        p,
        res(T.service, "s", { deploymentCircuitBreaker: { enable: true, rollback: true } }),
      ),
      [],
    );
    assert.deepEqual(
      await messagesOf(p, res(T.service, "s", { deploymentController: { type: "CODE_DEPLOY" } })),
      [],
    );
  });
});

describe("policy rules: stateful resources", () => {
  it("stateful-resources-protected: an unprotected repository or bucket, or one emptied on delete, is a violation", async () => {
    const p = rule("stateful-resources-protected");
    assert.deepEqual(await messagesOf(p, res(T.repo, "r", { name: "app" })), [
      "the ECR repository (the images the service runs) is not protected: `pulumi destroy` or a rename would delete it; declare it with protect: true",
    ]);
    assert.deepEqual(await messagesOf(p, res(T.bucket, "b", {})), [
      "the S3 bucket (the app's documents) is not protected: `pulumi destroy` or a rename would delete it; declare it with protect: true",
    ]);
    assert.deepEqual(await messagesOf(p, res(T.repo, "r", { forceDelete: true }, { protect: true })), [
      "forceDelete is true: a delete would also delete every image",
    ]);
    assert.deepEqual(await messagesOf(p, res(T.bucket, "b", { forceDestroy: true }, { protect: true })), [
      "forceDestroy is true: a delete would also delete every object",
    ]);
    assert.deepEqual(await messagesOf(p, res(T.repo, "r", { forceDelete: false }, { protect: true })), []);
    assert.deepEqual(await messagesOf(p, res(T.bucket, "b", { forceDestroy: false }, { protect: true })), []);
    assert.deepEqual(await messagesOf(p, res(T.logGroup, "l", {})), [], "other types are not judged");
  });
});

describe("policy rules: every rule", () => {
  it("has its own test in this file", () => {
    const source = fs.readFileSync(__filename, "utf8");
    assert.deepEqual(
      policies.map((p) => p.name).filter((n) => !source.includes(`rule("${n}")`)),
      [],
    );
  });

  it("ignores resource types it is not about", async () => {
    const unrelated = [
      res(T.topic, "topic", { name: "alarms" }),
      res("aws:route53/record:Record", "r", { type: "A" }),
    ];
    const outcome = await runPolicies(unrelated);
    assert.deepEqual(outcome, { violations: [], notJudged: [] });
  });

  it("states a description and mandatory enforcement", () => {
    for (const p of policies) {
      assert.ok(p.description.length > 20, p.name);
      assert.equal(p.enforcementLevel, "mandatory", p.name);
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
    }
  });
});
