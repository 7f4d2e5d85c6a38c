// ferry's CrossGuard rules. This module only declares them: `policy/index.ts` is the one place that
// serves them (`new PolicyPack`), so tests import and call every rule directly with hand-built arguments.
//
// Resource-level rules (`validateResource`) see one resource's inputs at a time. Stack-level rules
// (`validateStack`) see every resource of the stack with its outputs, parent and per-property dependencies:
// they check relationships (a bucket and its public access block, a repository and its lifecycle policy, an
// ECS service and the ingress rules of its security groups, a certificate and the load balancer's listeners).
//
// Preview: values that depend on resources not yet created are unknown. A rule that reads one throws, and
// the policy SDK reports "can't run policy during preview" (advisory) instead of a verdict; the rule runs on
// the real values at `pulumi up`. Stack rules find related resources through `propertyDependencies` first,
// so a missing public access block or lifecycle policy is reported in the preview of a brand-new stack too.
//
// The pack is self-contained: it imports nothing from the program (its own package.json, installed with
// `npm ci --prefix policy`) and reads resources by type token and property name, not through @pulumi/aws.
import { gunzipSync } from "node:zlib";
import type {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------------------
// Resource types the rules look at
// ---------------------------------------------------------------------------------------------------------

export const TYPES = {
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  volume: "aws:ebs/volume:Volume",
  natGateway: "aws:ec2/natGateway:NatGateway",
  bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  bucketEncryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  repository: "aws:ecr/repository:Repository",
  lifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  iamPolicy: "aws:iam/policy:Policy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  role: "aws:iam/role:Role",
  policyAttachments: [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
  ],
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  ssmParameter: "aws:ssm/parameter:Parameter",
  loadBalancer: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
  listener: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
  listenerRule: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
  certificate: ["aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation"],
  distribution: "aws:cloudfront/distribution:Distribution",
} as const;

const isOneOf = (type: string, types: string | readonly string[]) =>
  typeof types === "string" ? type === types : types.includes(type);

// ---------------------------------------------------------------------------------------------------------
// Reading values that may be unknown during preview
// ---------------------------------------------------------------------------------------------------------

/** Stands for a value that is unknown during preview (it depends on a resource not created yet). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
type Known<T> = T | typeof UNKNOWN;

/**
 * True for the error the policy SDK's property proxy throws when a rule reads a value unknown during preview.
 * Recognised by shape, not `instanceof`: the class is internal to @pulumi/policy (absent from its typings).
 */
export function isUnknownValueError(e: unknown): boolean {
  return e instanceof Error && "unknownTypeSentinel" in e;
}

/** `read()`, or UNKNOWN when it touches a value unknown during preview. */
function known<T>(read: () => T): Known<T> {
  try {
    return read();
  } catch (e) {
    if (isUnknownValueError(e)) return UNKNOWN;
    throw e;
  }
}

/** One property of a resource, or UNKNOWN. */
const prop = (r: { props: Record<string, unknown> }, key: string): Known<unknown> =>
  known((): unknown => r.props[key]);

/** `value[path[0]][path[1]]…`, undefined where the path leaves objects. Throws (as above) on unknowns. */
function get(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** A scalar as text ("" for anything else), for messages and comparisons. */
const text = (v: unknown): string =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";
/** A value as a list: arrays as they are, one value as a list of one, nothing as []. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? [...(v as unknown[])] : v == null ? [] : [v]);
const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === "string");
const num = (v: unknown): number | undefined =>
  typeof v === "number"
    ? v
    : typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))
      ? Number(v)
      : undefined;
const isTrue = (v: unknown) => v === true || v === "true";

const NOT_JSON: unique symbol = Symbol("not JSON");
/** A JSON document given as a string (or already as an object). */
function parseDocument(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return NOT_JSON;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Stack helpers: how one resource refers to another
// ---------------------------------------------------------------------------------------------------------

/**
 * Whether `from.props[prop]` refers to `to`: through the engine's per-property dependencies (known even in
 * preview), or by value against one of `to`'s identifying outputs (`keys`).
 */
export function refersTo(
  from: PolicyResource,
  property: string,
  to: PolicyResource,
  keys: readonly string[],
): boolean {
  if ((from.propertyDependencies?.[property] ?? []).some((d) => d.urn === to.urn)) return true;
  const values = known(() => strings(from.props[property]));
  if (values === UNKNOWN || values.length === 0) return false;
  return keys.some((k) => {
    const target = prop(to, k);
    return typeof target === "string" && target !== "" && values.includes(target);
  });
}

/** "set" when the property holds a value or is fed by another resource, "unset" when empty, else UNKNOWN. */
function presence(
  r: { props: Record<string, unknown>; propertyDependencies?: Record<string, PolicyResource[]> },
  property: string,
): Known<"set" | "unset"> {
  if ((r.propertyDependencies?.[property] ?? []).length > 0) return "set";
  const v = prop(r, property);
  if (v === UNKNOWN) return UNKNOWN;
  if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) return "unset";
  return "set";
}

const ofType = (resources: readonly PolicyResource[], types: string | readonly string[]) =>
  resources.filter((r) => isOneOf(r.type, types));

// ---------------------------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------------------------

/** Ports that must never be open to the internet: SSH and RDP. */
export const ADMIN_PORTS = [22, 3389] as const;
const isAnywhere = (cidr: string) => /\/0$/.test(cidr.trim());

/** Admin ports a rule opens, given its protocol and port range (protocol "-1"/"all" opens every port). */
function adminPortsOpened(protocol: unknown, from: unknown, to: unknown): number[] {
  const p = text(protocol).toLowerCase();
  if (p === "-1" || p === "all") return [...ADMIN_PORTS];
  if (!["tcp", "udp", "6", "17"].includes(p)) return [];
  const lo = num(from);
  const hi = num(to) ?? lo;
  if (lo === undefined || hi === undefined) return [];
  return ADMIN_PORTS.filter((port) => lo <= port && port <= hi);
}

/** Problems of one ingress permission: admin ports from a CIDR that is all of IPv4 or IPv6. */
function adminIngressProblems(rule: {
  protocol: unknown;
  from: unknown;
  to: unknown;
  cidrs: string[];
}): string[] {
  const open = adminPortsOpened(rule.protocol, rule.from, rule.to);
  const anywhere = rule.cidrs.filter(isAnywhere);
  return open.flatMap((port) => anywhere.map((cidr) => `port ${port} is open to ${cidr}`));
}

const noAdminPortsFromAnywhere: ResourceValidationPolicy = {
  name: "security-group-no-admin-ports-from-anywhere",
  description: "No security group admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    const problems: string[] = [];
    if (args.type === TYPES.ingressRule)
      problems.push(
        ...adminIngressProblems({
          protocol: p.ipProtocol,
          from: p.fromPort,
          to: p.toPort,
          cidrs: [...strings(p.cidrIpv4), ...strings(p.cidrIpv6)],
        }),
      );
    else if (args.type === TYPES.securityGroupRule && p.type === "ingress")
      problems.push(
        ...adminIngressProblems({
          protocol: p.protocol,
          from: p.fromPort,
          to: p.toPort,
          cidrs: [...strings(p.cidrBlocks), ...strings(p.ipv6CidrBlocks)],
        }),
      );
    else if (args.type === TYPES.securityGroup)
      for (const rule of list(p.ingress))
        problems.push(
          ...adminIngressProblems({
            protocol: get(rule, "protocol"),
            from: get(rule, "fromPort"),
            to: get(rule, "toPort"),
            cidrs: [...strings(get(rule, "cidrBlocks")), ...strings(get(rule, "ipv6CidrBlocks"))],
          }),
        );
    for (const problem of problems)
      report(
        `${problem}: reach instances through SSM Session Manager, or open the port to your own address (/32) only`,
      );
  },
};

const noNatGateway: ResourceValidationPolicy = {
  name: "no-nat-gateway",
  description:
    "No NAT gateway: tasks and instances use public subnets (a NAT gateway costs ~$33/month per AZ).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === TYPES.natGateway)
      report(
        "NAT gateways are not used by ferry (P1, D1): they cost about $33/month per AZ plus data; use public " +
          "subnets with assignPublicIp, or VPC endpoints",
      );
  },
};

/** Stack rule: every ECS service's security groups admit traffic only from other security groups. */
const taskIngressFromSecurityGroups: StackValidationPolicy = {
  name: "ecs-task-ingress-from-security-groups-only",
  description:
    "The security groups of an ECS service admit traffic only from other security groups (the load balancer's), never from CIDRs.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const groups = ofType(args.resources, TYPES.securityGroup);
    for (const service of ofType(args.resources, TYPES.service)) {
      const sgIds = known(() => strings(get(service.props.networkConfiguration, "securityGroups")));
      const taskGroups = groups.filter(
        (sg) =>
          (service.propertyDependencies?.networkConfiguration ?? []).some((d) => d.urn === sg.urn) ||
          (sgIds !== UNKNOWN && sgIds.some((id) => id === prop(sg, "id"))),
      );
      for (const sg of taskGroups) {
        const where = `security group "${sg.name}" of ECS service "${service.name}"`;
        // Inline rules of the group itself.
        const inline = known(() =>
          list(sg.props.ingress).map((rule) => [
            ...strings(get(rule, "cidrBlocks")),
            ...strings(get(rule, "ipv6CidrBlocks")),
            ...strings(get(rule, "prefixListIds")),
          ]),
        );
        if (inline !== UNKNOWN)
          for (const cidrs of inline) {
            if (cidrs.length > 0)
              report(
                `${where} admits ${cidrs.join(", ")} (inline ingress); admit the load balancer's group only`,
                sg.urn,
              );
          }
        // Separate rule resources attached to the group.
        for (const rule of args.resources) {
          const standalone = rule.type === TYPES.ingressRule;
          const legacy = rule.type === TYPES.securityGroupRule && prop(rule, "type") === "ingress";
          if (!(standalone || legacy) || !refersTo(rule, "securityGroupId", sg, ["id"])) continue;
          const sourceProps = standalone
            ? ["cidrIpv4", "cidrIpv6", "prefixListId"]
            : ["cidrBlocks", "ipv6CidrBlocks", "prefixListIds"];
          const bySource = standalone ? "referencedSecurityGroupId" : "sourceSecurityGroupId";
          const cidrSet = sourceProps.filter((key) => presence(rule, key) === "set");
          const source = presence(rule, bySource);
          const self = !standalone && isTrue(prop(rule, "self"));
          if (cidrSet.length > 0)
            report(
              `${where} admits ${cidrSet.join("/")} through rule "${rule.name}"; admit the load balancer's group only`,
              rule.urn,
            );
          else if (source === "unset" && !self)
            report(`${where}: rule "${rule.name}" names no source security group (${bySource})`, rule.urn);
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// EC2
// ---------------------------------------------------------------------------------------------------------

const imdsV2Required: ResourceValidationPolicy = {
  name: "ec2-imdsv2-required",
  description: "EC2 instances and launch templates require IMDSv2 (metadataOptions.httpTokens = required).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== TYPES.instance && args.type !== TYPES.launchTemplate) return;
    const options: unknown = args.props.metadataOptions;
    if (get(options, "httpEndpoint") === "disabled") return;
    if (get(options, "httpTokens") !== "required")
      report(
        `metadataOptions.httpTokens is ${JSON.stringify(get(options, "httpTokens") ?? null)}: set it to "required" ` +
          "(IMDSv1 hands the instance role's credentials to any request forgery on the host)",
      );
  },
};

const ebsEncrypted: ResourceValidationPolicy = {
  name: "ec2-ebs-encrypted",
  description:
    "EBS volumes are encrypted: instance root and data volumes, launch templates, standalone volumes.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === TYPES.instance) {
      if (!isTrue(get(p.rootBlockDevice, "encrypted")))
        report("rootBlockDevice.encrypted is not true: declare the root volume with encrypted: true");
      list(p.ebsBlockDevices).forEach((d, i) => {
        if (!isTrue(get(d, "encrypted")))
          report(`ebsBlockDevices[${i}] (${text(get(d, "deviceName"))}) is not encrypted`);
      });
    } else if (args.type === TYPES.launchTemplate) {
      list(p.blockDeviceMappings).forEach((m, i) => {
        if (get(m, "ebs") !== undefined && !isTrue(get(m, "ebs", "encrypted")))
          report(`blockDeviceMappings[${i}].ebs.encrypted is not "true"`);
      });
    } else if (args.type === TYPES.volume && !isTrue(p.encrypted)) report("the volume is not encrypted");
  },
};

// ---------------------------------------------------------------------------------------------------------
// S3 (stack rules: the settings are resources of their own that name the bucket)
// ---------------------------------------------------------------------------------------------------------

const BUCKET_KEYS = ["bucket", "id"] as const;
const ENCRYPTION_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The bucket's settings resources of `types`, found through the `bucket` property. */
const settingsOf = (args: StackValidationArgs, bucket: PolicyResource, types: string | readonly string[]) =>
  ofType(args.resources, types).filter((r) => refersTo(r, "bucket", bucket, BUCKET_KEYS));

const s3Encrypted: StackValidationPolicy = {
  name: "s3-bucket-encrypted",
  description: "Every S3 bucket has default encryption (SSE-S3 or SSE-KMS) declared.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const bucket of ofType(args.resources, TYPES.bucket)) {
      const inline = known(() =>
        strings(
          get(
            bucket.props.serverSideEncryptionConfiguration,
            "rule",
            "applyServerSideEncryptionByDefault",
            "sseAlgorithm",
          ),
        ),
      );
      if (inline !== UNKNOWN && inline.some((a) => ENCRYPTION_ALGORITHMS.includes(a))) continue;
      const configs = settingsOf(args, bucket, TYPES.bucketEncryption);
      if (configs.length === 0) {
        report(`bucket "${bucket.name}" has no BucketServerSideEncryptionConfiguration`, bucket.urn);
        continue;
      }
      for (const c of configs) {
        const algorithms = known(() =>
          list(c.props.rules).map((r) => str(get(r, "applyServerSideEncryptionByDefault", "sseAlgorithm"))),
        );
        if (algorithms === UNKNOWN) continue;
        if (
          algorithms.length === 0 ||
          algorithms.some((a) => a === undefined || !ENCRYPTION_ALGORITHMS.includes(a))
        )
          report(`bucket "${bucket.name}": "${c.name}" sets no AES256 or aws:kms default encryption`, c.urn);
      }
    }
  },
};

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
];

const s3PublicAccessBlocked: StackValidationPolicy = {
  name: "s3-public-access-blocked",
  description: "Every S3 bucket has a BucketPublicAccessBlock with all four settings true.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const bucket of ofType(args.resources, TYPES.bucket)) {
      const blocks = settingsOf(args, bucket, TYPES.bucketPublicAccessBlock);
      if (blocks.length === 0) {
        report(`bucket "${bucket.name}" has no BucketPublicAccessBlock`, bucket.urn);
        continue;
      }
      for (const block of blocks) {
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => {
          const v = prop(block, f);
          return v !== UNKNOWN && !isTrue(v);
        });
        if (off.length > 0)
          report(`bucket "${bucket.name}": ${off.join(", ")} must be true in "${block.name}"`, block.urn);
      }
    }
  },
};

/** Whether a bucket policy document denies every request that does not use TLS, on the bucket and its objects. */
export function deniesInsecureTransport(doc: unknown, bucketArn?: string): boolean {
  return policyStatements(doc).some((s) => {
    if (s.effect !== "Deny") return false;
    const everyone = s.principal === "*" || strings(get(s.principal, "AWS")).includes("*");
    const allActions = s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*");
    const bool = conditionValues(s.condition, "Bool", "aws:SecureTransport");
    const insecure = bool !== undefined && bool.length > 0 && bool.every((v) => text(v) === "false");
    const covers = bucketArn
      ? s.resources.includes(bucketArn) && s.resources.includes(`${bucketArn}/*`)
      : s.resources.some((r) => /^arn:[^:]+:s3:::[^/]+$/.test(r)) &&
        s.resources.some((r) => /^arn:[^:]+:s3:::[^/]+\/\*$/.test(r));
    return everyone && allActions && insecure && covers;
  });
}

const s3TlsOnly: StackValidationPolicy = {
  name: "s3-tls-only",
  description: "Every S3 bucket has a policy that denies requests without TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const bucket of ofType(args.resources, TYPES.bucket)) {
      const arn = known(() => str(bucket.props.arn));
      const inline = prop(bucket, "policy");
      // A document built from the bucket's ARN is unknown until the bucket exists: judged at `pulumi up`.
      if (inline === UNKNOWN) continue;
      const documents: unknown[] = inline !== undefined && inline !== "" ? [inline] : [];
      const policies = settingsOf(args, bucket, TYPES.bucketPolicy);
      if (documents.length === 0 && policies.length === 0) {
        report(`bucket "${bucket.name}" has no bucket policy denying requests without TLS`, bucket.urn);
        continue;
      }
      const docs = policies.map((p) => known(() => parseDocument(p.props.policy)));
      if (docs.some((d) => d === UNKNOWN)) continue;
      documents.push(...docs);
      const denies = known(() =>
        documents.some((d) => deniesInsecureTransport(d, arn === UNKNOWN ? undefined : arn)),
      );
      if (denies === false)
        report(
          `bucket "${bucket.name}": no policy statement denies s3:* to everyone when aws:SecureTransport is ` +
            "false, on the bucket and its objects",
          (policies[0] ?? bucket).urn,
        );
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// ECR
// ---------------------------------------------------------------------------------------------------------

const ecrScanOnPush: ResourceValidationPolicy = {
  name: "ecr-scan-on-push",
  description: "ECR repositories scan every pushed image (imageScanningConfiguration.scanOnPush).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === TYPES.repository && !isTrue(get(args.props.imageScanningConfiguration, "scanOnPush")))
      report("imageScanningConfiguration.scanOnPush is not true: images must be scanned on push (S1)");
  },
};

const ecrLifecyclePolicy: StackValidationPolicy = {
  name: "ecr-lifecycle-policy",
  description: "Every ECR repository has a lifecycle policy that expires old images.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const repo of ofType(args.resources, TYPES.repository)) {
      const policies = ofType(args.resources, TYPES.lifecyclePolicy).filter((p) =>
        refersTo(p, "repository", repo, ["name", "id"]),
      );
      if (policies.length === 0) {
        report(
          `repository "${repo.name}" has no lifecycle policy: images would accumulate forever (S1)`,
          repo.urn,
        );
        continue;
      }
      for (const p of policies) {
        const expires = known(() =>
          list(get(parseDocument(p.props.policy), "rules")).some(
            (r) => get(r, "action", "type") === "expire",
          ),
        );
        if (expires === false)
          report(`repository "${repo.name}": lifecycle policy "${p.name}" has no expire rule`, p.urn);
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------------------

const logRetention: ResourceValidationPolicy = {
  name: "log-group-retention-set",
  description: "CloudWatch log groups expire their events (retentionInDays set, never 0 = forever).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== TYPES.logGroup) return;
    const days = num(args.props.retentionInDays);
    if (days === undefined || days <= 0)
      report(
        "retentionInDays is not set: the log group would keep (and bill) every event forever (P3: 7 days)",
      );
  },
};

// ---------------------------------------------------------------------------------------------------------
// IAM
// ---------------------------------------------------------------------------------------------------------

interface Statement {
  readonly label: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notAction: boolean;
  readonly resources: string[];
  readonly notResource: boolean;
  readonly principal: unknown;
  readonly condition: unknown;
}

/** The statements of a policy document (string or object), normalised. */
export function policyStatements(doc: unknown): Statement[] {
  const parsed = parseDocument(doc);
  return list(get(parsed, "Statement")).map((s, i) => {
    const sid = str(get(s, "Sid"));
    return {
      label: sid ? `statement "${sid}"` : `statement #${i + 1}`,
      effect: text(get(s, "Effect")),
      actions: strings(get(s, "Action") ?? get(s, "NotAction")),
      notAction: get(s, "NotAction") !== undefined,
      resources: strings(get(s, "Resource") ?? get(s, "NotResource")),
      notResource: get(s, "NotResource") !== undefined,
      principal: get(s, "Principal"),
      condition: get(s, "Condition"),
    };
  });
}

/** Values of `condition[operator][key]` (keys compared case-insensitively, as IAM does), else undefined. */
function conditionValues(condition: unknown, operator: string, key: string): unknown[] | undefined {
  const block = get(condition, operator);
  if (block === null || typeof block !== "object") return undefined;
  const entry = Object.entries(block).find(([k]) => k.toLowerCase() === key.toLowerCase());
  return entry ? list(entry[1]) : undefined;
}

/**
 * Actions AWS accepts only with `Resource: "*"` (they have no resource-level permissions) and that grant
 * nothing on their own: always allowed on "*".
 */
export const STAR_ONLY_ACTIONS: readonly string[] = [
  // Registry login; the token reaches nothing without permissions on a repository.
  "ecr:GetAuthorizationToken",
  // Returns the caller's own identity.
  "sts:GetCallerIdentity",
  // ECS Exec / Session Manager channels of the task's or instance's own agent.
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/**
 * Changes allowed on `Resource: "*"` only under an `aws:RequestedRegion` condition, because AWS gives no ARN
 * to scope them to before the call: they create a resource (its id is random), tag one at creation (it carries
 * no stack tag yet), or have no resource-level permissions at all. These are what components/ciAccess/'s
 * deploy role needs; anything else on "*" must be scoped by ARN or by the stack's tags.
 */
export const REGION_SCOPED_ACTIONS: readonly string[] = [
  // Create calls: the resource's id does not exist before the call.
  "ec2:RunInstances",
  "ec2:CreateSecurityGroup",
  "ec2:CreateVpc",
  "ec2:CreateSubnet",
  "ec2:CreateInternetGateway",
  "ec2:CreateRouteTable",
  "elasticloadbalancing:CreateLoadBalancer",
  "elasticloadbalancing:CreateTargetGroup",
  "acm:RequestCertificate",
  "cloudfront:CreateDistribution",
  "cloudfront:CreateVpcOrigin",
  "cloudfront:CreateResponseHeadersPolicy",
  // CloudFront response headers policies carry no tags and no name in their ARN: the stack's own cannot be
  // told apart from the account's others (docs/security.md, limits).
  "cloudfront:UpdateResponseHeadersPolicy",
  "cloudfront:DeleteResponseHeadersPolicy",
  // (A listener or rule is created on an existing load balancer or listener: those need its tags.)
  // Tagging at creation (the statements add an ec2:CreateAction / elasticloadbalancing:CreateAction condition).
  "ec2:CreateTags",
  "elasticloadbalancing:AddTags",
  "acm:AddTagsToCertificate",
  // No resource-level permissions (ciAccess names the task family all the same).
  "ecs:RegisterTaskDefinition",
  "ecs:DeregisterTaskDefinition",
  // Certificates and scalable targets (random ids) are changed only under this stack's tags: not listed here.
];

/** Reads of data (not metadata): never on "*", whatever the condition. Wildcards are matched against these. */
export const DATA_READ_ACTIONS: readonly string[] = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "secretsmanager:GetSecretValue",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ecr:GetDownloadUrlForLayer",
  "logs:GetLogEvents",
  "dynamodb:GetItem",
  "kms:GetPublicKey",
];

/** Services without regions (their calls carry no region a condition could pin). */
export const GLOBAL_SERVICES: readonly string[] = ["iam", "route53", "sts"];

/** AWS managed policies that grant (nearly) everything; never attached. */
export const BROAD_MANAGED_POLICY =
  /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]*FullAccess)$/;

const READ_VERB = /^[a-z0-9-]+:(Describe|List|Get)/i;
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** IAM-style wildcard match (`*` and `?`), case-insensitive like IAM action names. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(action);
}

/**
 * A resource that means "all of them": "*", or an ARN whose resource part is "*" or "<type>/*" / "<type>:*"
 * (every role, every secret, every instance of the account and region). S3 ARNs name buckets directly: there
 * only arn:aws:s3:::* (every bucket) and the same followed by "/*" (every object) are wildcards.
 */
export function isWildcardResource(r: string): boolean {
  if (r === "*") return true;
  const m = /^arn:[^:]*:([^:]*):[^:]*:[^:]*:(.*)$/.exec(r);
  if (!m) return false;
  const [, service, resource] = m;
  if (service === "s3") return resource === "*" || resource === "*/*";
  return resource === "*" || /^[A-Za-z-]+[/:]\*$/.test(resource);
}

/** A concrete aws:RequestedRegion (StringEquals, no wildcards). */
function regionPinned(condition: unknown): boolean {
  const regions = conditionValues(condition, "StringEquals", "aws:RequestedRegion");
  return (
    regions !== undefined &&
    regions.length > 0 &&
    regions.every((r) => typeof r === "string" && /^[a-z]{2}(-[a-z]+)+-\d$/.test(r))
  );
}

/**
 * Conditioned on this stack's tags (StringEquals with concrete values): aws:ResourceTag/<key> for an existing
 * resource, or aws:RequestTag/<key> for one the call creates with those tags (a security group rule).
 */
function tagScoped(condition: unknown): boolean {
  const block = get(condition, "StringEquals");
  if (block === null || typeof block !== "object") return false;
  return Object.entries(block).some(
    ([k, v]) =>
      /^aws:(ResourceTag|RequestTag)\//i.test(k) &&
      strings(v).length > 0 &&
      strings(v).every((x) => !/[*?]/.test(x)),
  );
}

/**
 * What is wrong with an identity policy: Allow statements with `NotAction`/`NotResource`, with `"*"` or
 * `"<service>:*"` as an action, or with a resource of `"*"` for anything but
 * - STAR_ONLY_ACTIONS (always),
 * - metadata reads (Describe/List/Get, not DATA_READ_ACTIONS) pinned to a region, or of a global service,
 * - REGION_SCOPED_ACTIONS pinned to a region,
 * - anything conditioned on this stack's resource tags and pinned to a region.
 */
export function wildcardGrantProblems(doc: unknown): string[] {
  if (parseDocument(doc) === NOT_JSON) return ["the policy document is not valid JSON"];
  const problems: string[] = [];
  for (const s of policyStatements(doc)) {
    if (s.effect !== "Allow") continue;
    if (s.notAction) problems.push(`${s.label}: NotAction in an Allow grants every other action`);
    if (s.notResource) problems.push(`${s.label}: NotResource in an Allow grants every other resource`);
    if (s.notAction || s.notResource) continue;
    const broad = s.actions.filter((a) => a === "*" || /^[^:]+:\*$/.test(a));
    for (const a of broad)
      problems.push(
        `${s.label}: Action "${a}" grants every action${a === "*" ? "" : ` of ${a.split(":")[0]}`}`,
      );
    const wildcard = s.resources.find(isWildcardResource);
    if (wildcard === undefined) continue;
    const on = `on Resource "${wildcard}"`;
    const region = regionPinned(s.condition);
    const tags = tagScoped(s.condition);
    for (const a of s.actions.filter((x) => !broad.includes(x))) {
      const service = a.split(":")[0].toLowerCase();
      if (STAR_ONLY_ACTIONS.some((x) => eq(x, a))) continue;
      if (READ_VERB.test(a)) {
        const data = DATA_READ_ACTIONS.filter((d) => actionMatches(a, d));
        if (data.length > 0) problems.push(`${s.label}: "${a}" reads data (${data.join(", ")}) ${on}`);
        else if (!region && !GLOBAL_SERVICES.includes(service))
          problems.push(`${s.label}: "${a}" ${on} needs an aws:RequestedRegion condition`);
        continue;
      }
      if (REGION_SCOPED_ACTIONS.some((x) => eq(x, a))) {
        if (!region) problems.push(`${s.label}: "${a}" ${on} needs an aws:RequestedRegion condition`);
        continue;
      }
      if (tags && region) continue;
      problems.push(
        `${s.label}: "${a}" ${on}: name the ARNs (or condition on this stack's tags); only actions ` +
          'AWS cannot scope may use "*"',
      );
    }
  }
  return problems;
}

const iamNoWildcardGrants: ResourceValidationPolicy = {
  name: "iam-no-wildcard-grants",
  description:
    'IAM policies grant no "*" action, and "*" resources only for actions AWS cannot scope (listed in policy/rules.ts); no admin-grade managed policies.',
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    const documents: unknown[] = [];
    if ([TYPES.iamPolicy, TYPES.rolePolicy, TYPES.userPolicy, TYPES.groupPolicy].some((t) => t === args.type))
      documents.push(p.policy);
    if (args.type === TYPES.role)
      for (const inline of list(p.inlinePolicies)) documents.push(get(inline, "policy"));
    for (const doc of documents) for (const problem of wildcardGrantProblems(doc)) report(problem);

    // An ARN unknown during preview is a policy this stack creates: its own document is judged above.
    const attached = known(() =>
      isOneOf(args.type, TYPES.policyAttachments)
        ? strings(p.policyArn)
        : args.type === TYPES.role
          ? strings(p.managedPolicyArns)
          : [],
    );
    for (const arn of attached === UNKNOWN ? [] : attached.filter((a) => BROAD_MANAGED_POLICY.test(a)))
      report(`${arn} grants (nearly) every action: write a policy scoped to what the role needs`);
  },
};

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** `repo:OWNER[@ID]/REPO[@ID]:<context>` with a literal owner and repository (ids may be "*"). */
const GITHUB_SUB = /^repo:[A-Za-z0-9][A-Za-z0-9-]*(@(\d+|\*))?\/[A-Za-z0-9._-]+(@(\d+|\*))?:\S+$/;

/** What is wrong with a role's trust policy: anyone may assume it, or a GitHub OIDC trust without aud/sub pins. */
export function trustProblems(doc: unknown): string[] {
  if (parseDocument(doc) === NOT_JSON) return ["the trust policy is not valid JSON"];
  const problems: string[] = [];
  for (const s of policyStatements(doc)) {
    if (s.effect !== "Allow") continue;
    if (s.principal === "*" || strings(get(s.principal, "AWS")).includes("*"))
      problems.push(`${s.label}: Principal "*" lets any AWS account assume the role`);
    if (!strings(get(s.principal, "Federated")).some((f) => f.includes(GITHUB_OIDC_HOST))) continue;
    const aud = conditionValues(s.condition, "StringEquals", `${GITHUB_OIDC_HOST}:aud`);
    if (!aud || aud.length === 0 || !aud.every((v) => v === "sts.amazonaws.com"))
      problems.push(
        `${s.label}: GitHub OIDC trust must pin ${GITHUB_OIDC_HOST}:aud to sts.amazonaws.com (StringEquals)`,
      );
    const subs = [
      ...(conditionValues(s.condition, "StringEquals", `${GITHUB_OIDC_HOST}:sub`) ?? []),
      ...(conditionValues(s.condition, "StringLike", `${GITHUB_OIDC_HOST}:sub`) ?? []),
    ];
    if (subs.length === 0)
      problems.push(
        `${s.label}: GitHub OIDC trust without a ${GITHUB_OIDC_HOST}:sub condition trusts every repository`,
      );
    for (const sub of subs)
      if (typeof sub !== "string" || !GITHUB_SUB.test(sub))
        problems.push(
          `${s.label}: sub ${JSON.stringify(sub)} does not name one repository (repo:OWNER/REPO:…)`,
        );
  }
  return problems;
}

const iamTrustScoped: ResourceValidationPolicy = {
  name: "iam-trust-scoped",
  description:
    "Role trust policies never trust everyone; GitHub OIDC trusts pin the audience and one repository's subjects.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== TYPES.role) return;
    for (const problem of trustProblems(args.props.assumeRolePolicy)) report(problem);
  },
};

// ---------------------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------------------

/** Names that hold secrets; the same pattern config/schema.ts refuses in ferry:app.env (a test keeps them equal). */
export const SECRET_LOOKING_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|ACCESS_KEY)/i;

/** Shapes of well-known credentials. Messages name the kind, never the value. */
export const KEY_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["an OpenAI/Anthropic-style API key (sk-…)", /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/],
  ["a Groq API key (gsk_…)", /(?<![A-Za-z0-9_-])gsk_[A-Za-z0-9]{20,}/],
  ["an AWS access key id (AKIA…/ASIA…)", /(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/],
  [
    "a GitHub token (ghp_…/github_pat_…)",
    /(?<![A-Za-z0-9_-])(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/,
  ],
  ["a Slack token (xox…)", /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/],
  ["a Stripe live key (sk_live_…)", /(?<![A-Za-z0-9_-])[rs]k_live_[A-Za-z0-9]{16,}/],
  ["a private key (-----BEGIN … PRIVATE KEY-----)", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** Kinds of well-known credentials found in `text`. */
export function keyKindsIn(text: string): string[] {
  return KEY_PATTERNS.filter(([, re]) => re.test(text)).map(([kind]) => kind);
}

/** A value that is a reference to a secret or computed at run time, not the secret itself. */
function isReference(value: string): boolean {
  return (
    value === "" ||
    /^[$(`{[<%|>&*]/.test(value) ||
    value.includes("$(") ||
    value.includes("${") ||
    /^(ssm|secretsmanager|arn|ssm-parameter):/i.test(value) ||
    value.startsWith("/") ||
    /^(none|null|true|false|\d+)$/i.test(value)
  );
}

/**
 * Names of secret-looking variables that `text` (a shell script, cloud-config or env file) assigns a literal
 * value: `NAME=value` (also `export NAME=…`) and YAML `name: value`. References (`ssm:/path`, an ARN, `$VAR`,
 * `$(command)`) and empty values are not secrets.
 */
export function secretAssignmentsIn(text: string): string[] {
  const found = new Set<string>();
  const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, "$2");
  const shell = /(?:^|[\s;'"(|&])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;'")|&]*)/gm;
  for (const m of text.matchAll(shell))
    if (SECRET_LOOKING_NAME.test(m[1]) && !isReference(unquote(m[2])) && unquote(m[2]).length >= 6)
      found.add(m[1]);
  const yaml = /^[ \t]*-?[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]+(\S[^#\n]*?)[ \t]*(#.*)?$/gm;
  for (const m of text.matchAll(yaml))
    if (SECRET_LOOKING_NAME.test(m[1]) && !isReference(unquote(m[2])) && unquote(m[2]).length >= 6)
      found.add(m[1]);
  return [...found];
}

/** Base64 user-data as text; gzipped user-data (cloud-init unpacks it) is unpacked too, so it hides nothing. */
function decodeBase64(v: string): string {
  const bytes = Buffer.from(v, "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString("utf8");
    } catch {
      return bytes.toString("utf8");
    }
  }
  return bytes.toString("utf8");
}

const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description:
    "No secret in plain text: not in ECS task environment variables, EC2 user-data, or non-SecureString SSM parameters (S4).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === TYPES.taskDefinition) {
      const defs = parseDocument(p.containerDefinitions);
      for (const c of list(defs))
        for (const e of list(get(c, "environment"))) {
          const name = str(get(e, "name")) ?? "";
          if (SECRET_LOOKING_NAME.test(name))
            report(
              `container "${text(get(c, "name"))}" sets ${name} as a plain environment variable: pass it in ` +
                '"secrets" (valueFrom Secrets Manager or SSM) so the value never enters the task definition',
            );
        }
      const json =
        typeof p.containerDefinitions === "string" ? p.containerDefinitions : JSON.stringify(defs ?? null);
      for (const kind of keyKindsIn(json)) report(`the container definitions contain ${kind} in plain text`);
    } else if (args.type === TYPES.instance || args.type === TYPES.launchTemplate) {
      const raw = str(p.userData);
      const base64 = str(p.userDataBase64);
      // Launch templates hold user-data base64-encoded; instances take it plain (or as userDataBase64).
      const userData =
        args.type === TYPES.launchTemplate ? decodeBase64(raw ?? "") : (raw ?? decodeBase64(base64 ?? ""));
      for (const name of secretAssignmentsIn(userData))
        report(
          `user-data assigns a literal value to ${name}: read it at boot from SSM SecureString or Secrets Manager`,
        );
      for (const kind of keyKindsIn(userData)) report(`user-data contains ${kind} in plain text`);
    } else if (args.type === TYPES.ssmParameter && p.type !== "SecureString") {
      const name = str(p.name) ?? "";
      const leaf = name.split("/").pop() ?? "";
      if (SECRET_LOOKING_NAME.test(leaf))
        report(`parameter ${name} looks like a secret but is a ${text(p.type)}: use type SecureString`);
      const value = [str(p.value), str(p.insecureValue)]
        .filter((v): v is string => v !== undefined)
        .join("\n");
      for (const kind of keyKindsIn(value))
        report(`parameter ${name} (${text(p.type)}) holds ${kind}: use SecureString`);
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// Load balancer
// ---------------------------------------------------------------------------------------------------------

const isApplicationLb = (p: Record<string, unknown>) =>
  p.loadBalancerType === undefined || p.loadBalancerType === "application";

const albDropInvalidHeaders: ResourceValidationPolicy = {
  name: "alb-drop-invalid-headers",
  description:
    "Application load balancers drop requests with invalid HTTP header fields (request smuggling).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (
      isOneOf(args.type, TYPES.loadBalancer) &&
      isApplicationLb(args.props) &&
      !isTrue(args.props.dropInvalidHeaderFields)
    )
      report("dropInvalidHeaderFields is not true: malformed headers would reach the app");
  },
};

/** TLS policies of ELB that allow TLS 1.2 and newer only. */
export const MODERN_TLS_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

const albListenerTls: ResourceValidationPolicy = {
  name: "alb-listener-tls-1-2",
  description: "HTTPS/TLS listeners use an ELB security policy that allows TLS 1.2 and newer only.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!isOneOf(args.type, TYPES.listener)) return;
    const protocol = text(args.props.protocol).toUpperCase();
    if (protocol !== "HTTPS" && protocol !== "TLS") return;
    const policy = str(args.props.sslPolicy);
    if (!policy || !MODERN_TLS_POLICY.test(policy))
      report(
        `sslPolicy ${JSON.stringify(policy ?? "(default ELBSecurityPolicy-2016-08)")} allows TLS older than 1.2: ` +
          'use e.g. "ELBSecurityPolicy-TLS13-1-2-2021-06"',
      );
  },
};

/** Whether every action of a listener (or rule) redirects to HTTPS. */
function onlyRedirectsToHttps(actions: unknown): boolean {
  const all = list(actions);
  return (
    all.length > 0 &&
    all.every(
      (a) => get(a, "type") === "redirect" && text(get(a, "redirect", "protocol")).toUpperCase() === "HTTPS",
    )
  );
}

const albHttpsWithCertificate: StackValidationPolicy = {
  name: "alb-https-when-certificate",
  description:
    "When the stack has a certificate, every internet-facing application load balancer serves HTTPS and its HTTP listeners only redirect to HTTPS.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const listeners = ofType(args.resources, TYPES.listener);
    const hasCertificate =
      ofType(args.resources, TYPES.certificate).length > 0 ||
      listeners.some((l) => presence(l, "certificateArn") === "set");
    if (!hasCertificate) return;
    for (const lb of ofType(args.resources, TYPES.loadBalancer)) {
      const internal = prop(lb, "internal");
      const type = prop(lb, "loadBalancerType");
      if (internal === true || (type !== undefined && type !== "application")) continue;
      const own = listeners.filter((l) => refersTo(l, "loadBalancerArn", lb, ["arn", "id"]));
      // ALB listeners default to HTTP.
      const protocols = own.map((l) => ({
        l,
        protocol: known(() => (text(l.props.protocol) || "HTTP").toUpperCase()),
      }));
      if (protocols.some((x) => x.protocol === UNKNOWN)) continue;
      if (!protocols.some((x) => x.protocol === "HTTPS"))
        report(
          `load balancer "${lb.name}" has no HTTPS listener although the stack has a certificate (P5)`,
          lb.urn,
        );
      for (const { l, protocol } of protocols) {
        if (protocol !== "HTTP") continue;
        if (known(() => onlyRedirectsToHttps(l.props.defaultActions)) === false)
          report(
            `listener "${l.name}" (HTTP) serves the app in plain text: its default action must redirect to HTTPS`,
            l.urn,
          );
        for (const rule of ofType(args.resources, TYPES.listenerRule).filter((r) =>
          refersTo(r, "listenerArn", l, ["arn", "id"]),
        )) {
          if (known(() => onlyRedirectsToHttps(rule.props.actions)) === false)
            report(
              `listener rule "${rule.name}" on HTTP listener "${l.name}" does not redirect to HTTPS`,
              rule.urn,
            );
        }
      }
    }
  },
};

/** Tag a stack sets on a load balancer it deliberately serves over plain HTTP (ferry:fargate.insecureHttpOnly). */
export const INSECURE_HTTP_ONLY_TAG = "ferry:insecure-http-only";
/** CloudFront viewer protocol policies that never serve the app over plain HTTP. */
const HTTPS_VIEWER_POLICIES = ["redirect-to-https", "https-only"];

const internetEntriesHttps: StackValidationPolicy = {
  name: "internet-entries-https",
  description:
    "Every internet-facing entry of the stack is HTTPS: CloudFront cache behaviors redirect HTTP to HTTPS (or refuse it), and an internet-facing application load balancer's HTTP listeners only redirect to HTTPS, unless the load balancer carries the explicit plain-HTTP opt-out tag.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const d of ofType(args.resources, TYPES.distribution)) {
      const behaviors = known(() => [
        {
          where: "default cache behavior",
          policy: get(d.props.defaultCacheBehavior, "viewerProtocolPolicy"),
        },
        ...list(d.props.orderedCacheBehaviors).map((b) => ({
          where: `cache behavior "${text(get(b, "pathPattern"))}"`,
          policy: get(b, "viewerProtocolPolicy"),
        })),
      ]);
      if (behaviors === UNKNOWN) continue;
      for (const b of behaviors)
        if (!HTTPS_VIEWER_POLICIES.includes(text(b.policy)))
          report(
            `distribution "${d.name}": the ${b.where} has viewerProtocolPolicy "${text(b.policy) || "(unset)"}"; ` +
              "it must be redirect-to-https or https-only",
            d.urn,
          );
    }
    const listeners = ofType(args.resources, TYPES.listener);
    for (const lb of ofType(args.resources, TYPES.loadBalancer)) {
      const internal = prop(lb, "internal");
      const type = prop(lb, "loadBalancerType");
      if (internal === true || internal === UNKNOWN || (type !== undefined && type !== "application"))
        continue;
      if (known(() => isTrue(get(lb.props.tags, INSECURE_HTTP_ONLY_TAG))) === true) continue;
      for (const l of listeners.filter((x) => refersTo(x, "loadBalancerArn", lb, ["arn", "id"]))) {
        const protocol = known(() => (text(l.props.protocol) || "HTTP").toUpperCase());
        if (protocol !== "HTTP") continue;
        const redirects = known(() => onlyRedirectsToHttps(l.props.defaultActions));
        const rules = ofType(args.resources, TYPES.listenerRule).filter((r) =>
          refersTo(r, "listenerArn", l, ["arn", "id"]),
        );
        if (
          redirects === false ||
          rules.some((r) => known(() => onlyRedirectsToHttps(r.props.actions)) === false)
        )
          report(
            `internet-facing load balancer "${lb.name}": HTTP listener "${l.name}" serves the app in plain text ` +
              `(it may only redirect to HTTPS; a deliberate plain-HTTP stack sets ferry:fargate.insecureHttpOnly)`,
            l.urn,
          );
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// ECS
// ---------------------------------------------------------------------------------------------------------

const ecsCircuitBreaker: ResourceValidationPolicy = {
  name: "ecs-circuit-breaker-rollback",
  description:
    "ECS services with rolling deployments have the deployment circuit breaker on, with rollback (P6).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== TYPES.service) return;
    const controller = get(args.props.deploymentController, "type");
    if (controller !== undefined && controller !== "ECS") return;
    const breaker: unknown = args.props.deploymentCircuitBreaker;
    if (!isTrue(get(breaker, "enable")) || !isTrue(get(breaker, "rollback")))
      report(
        "deploymentCircuitBreaker must be { enable: true, rollback: true }: a failing deployment would never roll back",
      );
  },
};

// ---------------------------------------------------------------------------------------------------------
// Stateful resources
// ---------------------------------------------------------------------------------------------------------

const statefulProtected: ResourceValidationPolicy = {
  name: "stateful-resources-protected",
  description:
    "The ECR repository and S3 buckets are protected (`protect`), and neither is emptied by a delete (forceDelete/forceDestroy off).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const repo = args.type === TYPES.repository;
    const bucket = isOneOf(args.type, TYPES.bucket);
    if (!repo && !bucket) return;
    const what = repo ? "ECR repository (the images the service runs)" : "S3 bucket (the app's documents)";
    if (!args.opts.protect)
      report(
        `the ${what} is not protected: \`pulumi destroy\` or a rename would delete it; declare it with protect: true`,
      );
    if (repo && isTrue(args.props.forceDelete))
      report("forceDelete is true: a delete would also delete every image");
    if (bucket && isTrue(args.props.forceDestroy))
      report("forceDestroy is true: a delete would also delete every object");
  },
};

// ---------------------------------------------------------------------------------------------------------
// The rules, as the pack serves them
// ---------------------------------------------------------------------------------------------------------

/** Rules that judge one resource's inputs. */
export const resourcePolicies: readonly ResourceValidationPolicy[] = [
  noAdminPortsFromAnywhere,
  noNatGateway,
  imdsV2Required,
  ebsEncrypted,
  ecrScanOnPush,
  logRetention,
  iamNoWildcardGrants,
  iamTrustScoped,
  noPlaintextSecrets,
  albDropInvalidHeaders,
  albListenerTls,
  ecsCircuitBreaker,
  statefulProtected,
];

/** Rules that judge relationships between resources. */
export const stackPolicies: readonly StackValidationPolicy[] = [
  taskIngressFromSecurityGroups,
  s3Encrypted,
  s3PublicAccessBlocked,
  s3TlsOnly,
  ecrLifecyclePolicy,
  albHttpsWithCertificate,
  internetEntriesHttps,
];

/** Every rule of the pack; policy/index.ts serves exactly this list. */
export const policies: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...resourcePolicies,
  ...stackPolicies,
];
