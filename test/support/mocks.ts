// Realistic provider outputs for the mock runtime: ARNs in the right shape for the stack's region and account,
// repository URLs, digests, DNS names. A test that reads an ARN sees what AWS would return, not "undefined".
import { createHash } from "node:crypto";
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
