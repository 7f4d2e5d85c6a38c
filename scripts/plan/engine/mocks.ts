// Realistic provider outputs for the mock runtime: ARNs in the right shape for the stack's region and account,
// repository URLs, digests, DNS names. A test that reads an ARN sees what AWS would return, not "undefined".
import { createHash } from "node:crypto";
import { ipv6Text } from "../../../config/ipv6";
import type * as pulumi from "@pulumi/pulumi";

export interface MockContext {
  region: string;
  account: string;
}

const hex = (text: string, n: number) => createHash("sha256").update(text).digest("hex").slice(0, n);

type Outputs = (name: string, inputs: Record<string, any>, ctx: MockContext) => Record<string, unknown>;

/** Outputs per resource type, merged over the inputs (the engine echoes inputs back as state). */
const RESOURCES: Record<string, Outputs> = {
  "aws:ecr/repository:Repository": (name, i, c) => ({
    name: i.name ?? name,
    arn: `arn:aws:ecr:${c.region}:${c.account}:repository/${i.name ?? name}`,
    registryId: c.account,
    repositoryUrl: `${c.account}.dkr.ecr.${c.region}.amazonaws.com/${i.name ?? name}`,
  }),
  "docker-build:index:Image": (name, i) => {
    // Same inputs → same digest, like a reproducible build: tests can check "unchanged build, no rollout".
    const digest = `sha256:${createHash("sha256")
      .update(JSON.stringify({ name, context: i.context, dockerfile: i.dockerfile }))
      .digest("hex")}`;
    return {
      digest,
      ref: `${String(i.tags?.[0] ?? "").split(":")[0]}@${digest}`,
      contextHash: hex(name, 64),
    };
  },
  "aws:iam/role:Role": (name, i, c) => ({
    name: i.name ?? `${name}-${hex(name, 7)}`,
    arn: `arn:aws:iam::${c.account}:role/${i.name ?? `${name}-${hex(name, 7)}`}`,
    uniqueId: `AROA${hex(name, 16).toUpperCase()}`,
  }),
  "aws:iam/instanceProfile:InstanceProfile": (name, i, c) => ({
    name: i.name ?? `${name}-${hex(name, 7)}`,
    arn: `arn:aws:iam::${c.account}:instance-profile/${i.name ?? `${name}-${hex(name, 7)}`}`,
  }),
  "aws:iam/policy:Policy": (name, i, c) => ({
    arn: `arn:aws:iam::${c.account}:policy/${i.name ?? `${name}-${hex(name, 7)}`}`,
  }),
  "aws:ssm/parameter:Parameter": (name, i, c) => ({
    arn: `arn:aws:ssm:${c.region}:${c.account}:parameter/${String(i.name ?? name).replace(/^\//, "")}`,
  }),
  "aws:secretsmanager/secret:Secret": (name, i, c) => {
    const secretName = i.name ?? `${i.namePrefix ?? name}${hex(name, 8)}`;
    return {
      name: secretName,
      arn: `arn:aws:secretsmanager:${c.region}:${c.account}:secret:${secretName}-${hex(secretName, 6)}`,
    };
  },
  "aws:acm/certificate:Certificate": (name, i, c) => ({
    arn: `arn:aws:acm:${c.region}:${c.account}:certificate/${hex(name, 8)}-0000-4000-8000-${hex(name, 12)}`,
    domainValidationOptions: [
      {
        domainName: i.domainName,
        resourceRecordName: `_${hex(i.domainName, 32)}.${i.domainName}.`,
        resourceRecordType: "CNAME",
        resourceRecordValue: `_${hex(name, 32)}.acm-validations.aws.`,
      },
    ],
  }),
  "aws:acm/certificateValidation:CertificateValidation": (_n, i) => ({ certificateArn: i.certificateArn }),
  "aws:route53/record:Record": (_n, i) => ({ fqdn: i.name }),

  // ---- fargate-ha (HA Fargate topology) --------------------------------------------------------------------
  "aws:ec2/vpc:Vpc": (name, i, c) => ({
    id: `vpc-${hex(name, 17)}`,
    arn: `arn:aws:ec2:${c.region}:${c.account}:vpc/vpc-${hex(name, 17)}`,
    // An Amazon-provided /56 like AWS's (2600:1f18:<16 bits>:<8 bits>00::/56), written canonically as AWS does.
    ...(i.assignGeneratedIpv6CidrBlock
      ? {
          ipv6CidrBlock: `${ipv6Text([
            0x2600,
            0x1f18,
            parseInt(hex(name, 4), 16),
            parseInt(hex(`${name}/56`, 2), 16) << 8,
            0,
            0,
            0,
            0,
          ])}/56`,
        }
      : {}),
  }),
  "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": (name) => ({ id: `eigw-${hex(name, 17)}` }),
  "aws:ec2/subnet:Subnet": (name) => ({ id: `subnet-${hex(name, 17)}` }),
  "aws:ec2/internetGateway:InternetGateway": (name) => ({ id: `igw-${hex(name, 17)}` }),
  "aws:ec2/routeTable:RouteTable": (name) => ({ id: `rtb-${hex(name, 17)}` }),
  "aws:ec2/securityGroup:SecurityGroup": (name, i, c) => ({
    id: `sg-${hex(name, 17)}`,
    name: i.name ?? `${i.namePrefix ?? name}${hex(name, 26)}`,
    arn: `arn:aws:ec2:${c.region}:${c.account}:security-group/sg-${hex(name, 17)}`,
  }),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (name) => ({ id: `sgr-${hex(name, 17)}` }),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (name) => ({ id: `sgr-${hex(name, 17)}` }),
  "aws:lb/loadBalancer:LoadBalancer": (name, i, c) => {
    const suffix = `app/${i.name ?? name}/${hex(name, 16)}`;
    const arn = `arn:aws:elasticloadbalancing:${c.region}:${c.account}:loadbalancer/${suffix}`;
    return {
      id: arn,
      arn,
      arnSuffix: suffix,
      dnsName: `${i.name ?? name}-${parseInt(hex(name, 8), 16)}.${c.region}.elb.amazonaws.com`,
      // The ALB alias hosted zone of us-east-1; any fixed id serves the tests.
      zoneId: "Z35SXDOTRQ7X7K",
    };
  },
  "aws:lb/targetGroup:TargetGroup": (name, i, c) => {
    const suffix = `targetgroup/${i.name ?? name}/${hex(name, 16)}`;
    const arn = `arn:aws:elasticloadbalancing:${c.region}:${c.account}:${suffix}`;
    return { id: arn, arn, arnSuffix: suffix };
  },
  "aws:lb/listener:Listener": (name, i, c) => {
    // listener/app/<load balancer name>/<load balancer id>/<listener id>, under the listener's load balancer.
    const lb =
      String(i.loadBalancerArn ?? "").split(":loadbalancer/")[1] ?? `app/${hex(name, 8)}/${hex(name, 16)}`;
    const arn = `arn:aws:elasticloadbalancing:${c.region}:${c.account}:listener/${lb}/${hex(name, 16)}`;
    return { id: arn, arn };
  },
  "aws:lb/listenerRule:ListenerRule": (name, i, c) => {
    // listener-rule/app/<load balancer name>/<load balancer id>/<listener id>/<rule id>.
    const listener =
      String(i.listenerArn ?? "").split(":listener/")[1] ??
      `app/${hex(name, 8)}/${hex(name, 16)}/${hex(name, 16)}`;
    const arn = `arn:aws:elasticloadbalancing:${c.region}:${c.account}:listener-rule/${listener}/${hex(name, 16)}`;
    return { id: arn, arn };
  },
  "aws:ecs/cluster:Cluster": (name, i, c) => {
    const arn = `arn:aws:ecs:${c.region}:${c.account}:cluster/${i.name ?? name}`;
    return { id: arn, arn, name: i.name ?? name };
  },
  "aws:ecs/taskDefinition:TaskDefinition": (name, i, c) => {
    const base = `arn:aws:ecs:${c.region}:${c.account}:task-definition/${i.family ?? name}`;
    return { id: i.family ?? name, arn: `${base}:1`, arnWithoutRevision: base, revision: 1 };
  },
  "aws:ecs/service:Service": (name, i, c) => {
    const cluster = String(i.cluster ?? "default").replace(/^.*:cluster\//, "");
    const arn = `arn:aws:ecs:${c.region}:${c.account}:service/${cluster}/${i.name ?? name}`;
    return { id: arn, arn, name: i.name ?? name };
  },
  "aws:cloudwatch/logGroup:LogGroup": (name, i, c) => ({
    id: i.name ?? name,
    arn: `arn:aws:logs:${c.region}:${c.account}:log-group:${i.name ?? name}`,
  }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, i, c) => ({
    arn: `arn:aws:cloudwatch:${c.region}:${c.account}:alarm:${i.name ?? name}`,
  }),
  "aws:sns/topic:Topic": (name, i, c) => ({
    id: `arn:aws:sns:${c.region}:${c.account}:${i.name ?? name}`,
    arn: `arn:aws:sns:${c.region}:${c.account}:${i.name ?? name}`,
  }),
  "aws:s3/bucket:Bucket": (name, i) => {
    const bucket = i.bucket ?? `${i.bucketPrefix ?? ""}${hex(name, 26)}`;
    return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}` };
  },
  // ---- end fargate-ha ----------------------------------------------------------------------------------------

  // ---- ec2-demo (cheap EC2 demo topology) ------------------------------------------------
  "aws:ec2/instance:Instance": (name, _i, c) => {
    const id = `i-${hex(name, 17)}`;
    const ip = `198.51.100.${(parseInt(hex(name, 2), 16) % 254) + 1}`;
    return {
      id,
      arn: `arn:aws:ec2:${c.region}:${c.account}:instance/${id}`,
      publicIp: ip,
      publicDns: `ec2-${ip.replace(/\./g, "-")}.${c.region}.compute.amazonaws.com`,
      instanceState: "running",
    };
  },
  "aws:ec2transitgateway/instanceState:InstanceState": (_n, i) => ({ id: i.instanceId }),
  "aws:ssm/document:Document": (name, i, c) => ({
    id: i.name ?? name,
    arn: `arn:aws:ssm:${c.region}:${c.account}:document/${i.name ?? name}`,
  }),
  // ---- end ec2-demo --------------------------------------------------------------------------------------------

  // ---- fargate edge (CloudFront in front of the internal load balancer) ---------------------------------------
  "aws:cloudfront/distribution:Distribution": (name, _i, c) => ({
    id: `E${hex(name, 13).toUpperCase()}`,
    arn: `arn:aws:cloudfront::${c.account}:distribution/E${hex(name, 13).toUpperCase()}`,
    domainName: `d${hex(name, 13)}.cloudfront.net`,
    // The one hosted zone of every CloudFront distribution (Route 53 alias targets).
    hostedZoneId: "Z2FDTNDATAQYW2",
  }),
  "aws:cloudfront/vpcOrigin:VpcOrigin": (name, _i, c) => ({
    id: `vo_${hex(name, 22)}`,
    arn: `arn:aws:cloudfront::${c.account}:vpcorigin/vo_${hex(name, 22)}`,
  }),
  "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (name) => ({
    id: `${hex(name, 8)}-${hex(name, 4)}-4${hex(name, 3)}-8${hex(name, 3)}-${hex(name, 12)}`,
  }),
  // ---- end fargate edge ---------------------------------------------------------------------------------------
  // ---- ci (CI access) -------------------------------------------------------------------------
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_n, i, c) => ({
    arn: `arn:aws:iam::${c.account}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`,
  }),
  "aws:iam/user:User": (_n, i, c) => ({ arn: `arn:aws:iam::${c.account}:user${i.path ?? "/"}${i.name}` }),
  "aws:iam/accessKey:AccessKey": (name) => ({
    id: `AKIA${hex(name, 16).toUpperCase()}`,
    secret: `mock-secret-access-key-${hex(name, 24)}`,
  }),
  // ---- end ci ---------------------------------------------------------------------------------------------------
};

/** Outputs per function token. */
const CALLS: Record<string, (inputs: Record<string, any>, ctx: MockContext) => Record<string, unknown>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": (_i, c) => ({
    accountId: c.account,
    arn: `arn:aws:iam::${c.account}:user/mock`,
    userId: "AIDAMOCK",
    id: c.account,
  }),
  "aws:index/getRegion:getRegion": (_i, c) => ({ name: c.region, region: c.region, id: c.region }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  "aws:route53/getZone:getZone": (i) => ({
    zoneId: `Z${hex(String(i.name), 20).toUpperCase()}`,
    id: `Z${hex(String(i.name), 20).toUpperCase()}`,
    name: i.name,
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (i, c) => ({
    userName: "AWS",
    password: "mock-ecr-token",
    proxyEndpoint: `https://${i.registryId ?? c.account}.dkr.ecr.${c.region}.amazonaws.com`,
  }),
  "aws:secretsmanager/getSecret:getSecret": (i, c) => ({
    name: i.name,
    arn: `arn:aws:secretsmanager:${c.region}:${c.account}:secret:${i.name}-${hex(String(i.name), 6)}`,
  }),
  "aws:ecr/getImage:getImage": (i) => ({
    imageDigest: `sha256:${hex(`${i.repositoryName}:${i.imageTag}`, 64)}`,
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": (_i, c) => ({
    names: ["a", "b", "c"].map((z) => `${c.region}${z}`),
    zoneIds: ["1", "2", "3"].map((z) => `use1-az${z}`),
  }),

  "aws:ec2/getManagedPrefixList:getManagedPrefixList": (i) => ({
    id: `pl-${hex(String(i.name), 8)}`,
    name: i.name,
    maxEntries: 55,
  }),
  // ---- ec2-demo (cheap EC2 demo topology) ------------------------------------------------
  "aws:ec2/getAmi:getAmi": (i) => {
    const arch = (i.filters as { name: string; values: string[] }[] | undefined)?.find(
      (f) => f.name === "architecture",
    )?.values[0];
    return {
      id: `ami-${hex(`al2023-${arch}`, 17)}`,
      imageId: `ami-${hex(`al2023-${arch}`, 17)}`,
      name: `al2023-ami-2023.9.20251117.1-kernel-6.1-${arch}`,
      architecture: arch,
    };
  },
  "aws:ec2/getVpc:getVpc": (_i, c) => ({ id: `vpc-${hex(`default-${c.region}`, 17)}`, default: true }),
  "aws:ec2/getSubnets:getSubnets": (_i, c) => ({
    ids: ["c", "a", "b"].map((z) => `subnet-${hex(`default-${c.region}${z}`, 17)}`),
  }),
  "aws:ec2/getSubnet:getSubnet": (i) => ({ id: i.id, vpcId: `vpc-${hex(String(i.id), 17)}` }),
  // ---- end ec2-demo --------------------------------------------------------------------------------------------
};

export interface RecordedCall {
  token: string;
  inputs: Record<string, any>;
  provider?: string;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  public readonly calls: RecordedCall[] = [];
  constructor(public readonly ctx: MockContext) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const extra = RESOURCES[args.type]?.(args.name, args.inputs, this.ctx) ?? genericOutputs(args, this.ctx);
    const id = typeof extra.id === "string" ? extra.id : `${args.name}-id`;
    return { id, state: { ...args.inputs, ...extra } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    this.calls.push({ token: args.token, inputs: args.inputs, provider: args.provider });
    const fn = CALLS[args.token];
    return fn ? fn(args.inputs, this.ctx) : args.inputs;
  }
}

/** An ARN of the usual `arn:aws:<service>:<region>:<account>:<resource>/<name>` shape for any other type. */
function genericOutputs(args: pulumi.runtime.MockResourceArgs, c: MockContext): Record<string, unknown> {
  const [pkg, mod] = args.type.split(":");
  if (pkg !== "aws") return {};
  const service = mod.split("/")[0];
  return {
    arn: `arn:aws:${service}:${c.region}:${c.account}:${mod.split("/")[1] ?? "resource"}/${args.name}`,
  };
}
