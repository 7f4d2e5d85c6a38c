// What the CI policies are scoped to: the exact names, tags and places of one stack's resources.
// stacks/ci.ts builds it from the config with the same naming helpers the components use; the IAM
// simulation (test/iam-*.test.ts) checks every name against the resources the program really declares.

/** The tag keys ferry itself sets on every resource (provider default tags); a stack file cannot override them. */
export const STACK_TAG = "stack";
export const APP_TAG = "app";
export const FERRY_TAG_KEYS: readonly string[] = [STACK_TAG, APP_TAG];

/**
 * The region of every CloudFront request (a global service whose endpoint is in us-east-1, so that is its
 * aws:RequestedRegion) and of the ACM certificates CloudFront serves.
 */
export const CLOUDFRONT_REGION = "us-east-1";

/** A role the stack declares and hands to one AWS service (iam:PassRole). */
export interface PassableRole {
  /** Role name (path "/"): the program names every role it creates. */
  readonly name: string;
  /** The service principal it is passed to, e.g. "ec2.amazonaws.com". */
  readonly service: string;
}

/** One DNS record the stack writes in its hosted zone. */
export interface OwnRecord {
  /** Fully qualified name as Route 53 normalizes it: lower case, no trailing dot. */
  readonly name: string;
  readonly types: readonly string[];
}

export interface CiScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** "<app>-<stack>": the start of the names the stack gives its resources. */
  readonly prefix: string;
  /** ferry's own tags on every resource of this stack: STACK_TAG and APP_TAG. */
  readonly tags: Readonly<Record<string, string>>;
  readonly topology: "ec2-demo" | "fargate-ha";
  /** ECR repository name. */
  readonly repositoryName: string;

  // Exact names (never a "<prefix>*" pattern: "ragstream-demo*" would match stack demo2's and demo-eu's).
  readonly alarmNames: readonly string[];
  readonly topicNames: readonly string[];
  readonly logGroupNames: readonly string[];
  /** Lambda functions (the demo's wake page and DNS parking). */
  readonly functionNames: readonly string[];
  /** EventBridge rules (the demo's DNS parking). */
  readonly eventRuleNames: readonly string[];
  /**
   * Who each function lets invoke it (lambda:AddPermission's principal): the wake page's URL is public
   * ("*", auth type NONE), the park function is invoked by EventBridge. A function not listed gets none.
   */
  readonly functionInvokers?: readonly { readonly name: string; readonly principal: string }[];
  /** The one function the stack's EventBridge rules target (the park function). */
  readonly eventTargetFunctionNames?: readonly string[];
  /** ECS (fargate-ha): the cluster, its services and task definition families. */
  readonly clusterName?: string;
  readonly serviceNames: readonly string[];
  readonly taskFamilies: readonly string[];
  /**
   * S3 data bucket: its exact name, else the prefix of its generated name (the provider appends exactly
   * BUCKET_SUFFIX_LENGTH characters).
   */
  readonly dataBucket?: { readonly name?: string; readonly namePrefix: string };
  /** SSM parameter paths such as "/<prefix>/": the "/" delimiter is what keeps another stack out. */
  readonly parameterPaths: readonly string[];
  /** Secrets Manager name paths such as "<prefix>/". */
  readonly secretPaths: readonly string[];
  /** Secrets the program only looks up (ferry:app.secrets from Secrets Manager): names or ARNs. */
  readonly lookedUpSecrets: readonly string[];

  /** The app roles the stack declares; CI may pass exactly these, to exactly these services. */
  readonly passRoles: readonly PassableRole[];
  /** Instance profiles (ec2-demo) a new instance may be launched with. */
  readonly instanceProfileNames: readonly string[];

  /** ec2-demo: the one instance type RunInstances may use, and the configured subnet (if any). */
  readonly instance?: { readonly type: string; readonly subnetId?: string };
  /**
   * fargate-ha with `ferry:fargate.vpcId`: the existing VPC (its id) the stack builds in. Without it a
   * fargate stack creates and tags its own VPC; the demo uses the default VPC (untagged).
   */
  readonly vpcId?: string;
  /** Whether every VPC-scoped create must happen in a VPC that carries this stack's tags. */
  readonly ownVpc: boolean;
  /**
   * fargate-ha with `ferry:fargate.taskNetwork: ipv6-only` in the VPC it creates: an egress-only internet gateway
   * in that VPC. @default false
   */
  readonly ipv6Tasks?: boolean;

  /**
   * fargate-ha behind CloudFront (components/edge.ts): a distribution, a VPC origin and a response headers
   * policy, and the lookup of CloudFront's origin-facing prefix list. @default false
   */
  readonly cloudfront?: boolean;

  /** Hosted zone and the records the stack writes in it. */
  readonly dns?: {
    readonly zoneArn: string;
    readonly records: readonly OwnRecord[];
    /** fargate-ha with a domain: the ACM validation CNAME "_<32 hex>.<fqdn>". */
    readonly certificateFor?: string;
    /** Region of that certificate: us-east-1 for CloudFront. @default the stack's region */
    readonly certificateRegion?: string;
  };

  /**
   * ec2-demo: the name of the stack's own SSM document that does the rollout and nothing else
   * (components/ec2Demo/rolloutDocument.ts). CI may run it, never change it.
   */
  readonly rolloutDocumentName?: string;

  /** Customer KMS keys of secrets the program stores from stack config. */
  readonly secretKmsKeyArns: readonly string[];
  /** Self-managed backend: the S3 bucket and the project, to reach this stack's state objects only. */
  readonly state?: { readonly bucket: string; readonly project: string; readonly stack: string };
  /** KMS key of an awskms:// secrets provider. */
  readonly secretsKmsKeyArn?: string;
}

/** Characters the AWS provider appends to a `bucketPrefix` (a 26-character unique suffix). */
export const BUCKET_SUFFIX_LENGTH = 26;

/** ARNs (and ARN patterns delimited so they cannot reach another stack) of the stack's resources. */
export function arnsOf(s: CiScope) {
  const p = s.partition;
  const at = `${s.region}:${s.accountId}`;
  const logGroup = (n: string) => [
    `arn:${p}:logs:${at}:log-group:${n}`,
    `arn:${p}:logs:${at}:log-group:${n}:*`,
  ];
  return {
    ecrRepository: `arn:${p}:ecr:${at}:repository/${s.repositoryName}`,
    passRole: (name: string) => `arn:${p}:iam::${s.accountId}:role/${name}`,
    instanceProfile: (name: string) => `arn:${p}:iam::${s.accountId}:instance-profile/${name}`,
    parameters: s.parameterPaths.map((path) => `arn:${p}:ssm:${at}:parameter${path}*`),
    // Secrets Manager appends "-XXXXXX" to a name: "<prefix>/NAME" becomes "<prefix>/NAME-abc123".
    secrets: s.secretPaths.map((path) => `arn:${p}:secretsmanager:${at}:secret:${path}*`),
    lookedUpSecrets: s.lookedUpSecrets.map((n) =>
      n.startsWith("arn:") ? n : `arn:${p}:secretsmanager:${at}:secret:${n}-??????`,
    ),
    alarms: s.alarmNames.map((n) => `arn:${p}:cloudwatch:${at}:alarm:${n}`),
    topics: s.topicNames.map((n) => `arn:${p}:sns:${at}:${n}`),
    logGroups: s.logGroupNames.flatMap(logGroup),
    functions: s.functionNames.map((n) => `arn:${p}:lambda:${at}:function:${n}`),
    function: (n: string) => `arn:${p}:lambda:${at}:function:${n}`,
    eventRules: s.eventRuleNames.map((n) => `arn:${p}:events:${at}:rule/${n}`),
    cluster: s.clusterName ? `arn:${p}:ecs:${at}:cluster/${s.clusterName}` : undefined,
    services: s.clusterName
      ? s.serviceNames.map((n) => `arn:${p}:ecs:${at}:service/${s.clusterName}/${n}`)
      : [],
    taskDefinitions: s.taskFamilies.map((f) => `arn:${p}:ecs:${at}:task-definition/${f}:*`),
    // "<prefix>" + exactly 26 characters: "<prefix>*" would also match stack "<stack>-data"'s bucket.
    dataBucket: s.dataBucket
      ? `arn:${p}:s3:::${s.dataBucket.name ?? `${s.dataBucket.namePrefix}${"?".repeat(BUCKET_SUFFIX_LENGTH)}`}`
      : undefined,
    /** Any resource of an EC2 type in this region and account (the conditions say whose). */
    ec2: (type: string) => `arn:${p}:ec2:${at}:${type}/*`,
    elb: (type: string) => `arn:${p}:elasticloadbalancing:${at}:${type}/*`,
    vpc: s.vpcId ? `arn:${p}:ec2:${at}:vpc/${s.vpcId}` : undefined,
    subnet: s.instance?.subnetId ? `arn:${p}:ec2:${at}:subnet/${s.instance.subnetId}` : undefined,
    amazonImages: `arn:${p}:ec2:${s.region}::image/*`,
    scalableTargets: `arn:${p}:application-autoscaling:${at}:scalable-target/*`,
    /** Certificates in the region the stack's certificate lives in (us-east-1 for CloudFront). */
    certificates: `arn:${p}:acm:${certificateRegion(s)}:${s.accountId}:certificate/*`,
    /** CloudFront ids are generated: every distribution / VPC origin of the account (the tags say whose). */
    distributions: `arn:${p}:cloudfront::${s.accountId}:distribution/*`,
    vpcOrigins: `arn:${p}:cloudfront::${s.accountId}:vpcorigin/*`,
    /** Response headers policies carry no tags: every one of the account (docs/security.md, limits). */
    responseHeadersPolicies: `arn:${p}:cloudfront::${s.accountId}:response-headers-policy/*`,
    /** AWS-managed prefix lists (owner "aws") of the stack's region, e.g. CloudFront's origin-facing one. */
    awsPrefixLists: `arn:${p}:ec2:${s.region}:aws:prefix-list/*`,
    instances: `arn:${p}:ec2:${at}:instance/*`,
    documents: `arn:${p}:ssm:${s.region}::document/*`,
    ownDocuments: `arn:${p}:ssm:${at}:document/*`,
    runShellScript: `arn:${p}:ssm:${s.region}::document/AWS-RunShellScript`,
    rolloutDocument: s.rolloutDocumentName
      ? `arn:${p}:ssm:${at}:document/${s.rolloutDocumentName}`
      : undefined,
  };
}

/** StringEquals on the request's region. */
export const inRegion = (s: CiScope) => ({ "aws:RequestedRegion": s.region });

/** The region of the stack's ACM certificate (us-east-1 for CloudFront). */
export const certificateRegion = (s: CiScope) => s.dns?.certificateRegion ?? s.region;

/** StringEquals on the certificate's region. */
export const inCertificateRegion = (s: CiScope) => ({ "aws:RequestedRegion": certificateRegion(s) });

/** StringEquals on CloudFront's region (us-east-1, whatever the stack's). */
export const inCloudFrontRegion = () => ({ "aws:RequestedRegion": CLOUDFRONT_REGION });

/** The resource carries this stack's ferry tags. */
export const resourceTags = (s: CiScope) =>
  Object.fromEntries(FERRY_TAG_KEYS.map((k) => [`aws:ResourceTag/${k}`, tagValue(s, k)]));

/** The request sets this stack's ferry tags (tag-on-create). */
export const requestTags = (s: CiScope) =>
  Object.fromEntries(FERRY_TAG_KEYS.map((k) => [`aws:RequestTag/${k}`, tagValue(s, k)]));

function tagValue(s: CiScope, key: string): string {
  const v = s.tags[key];
  if (v === undefined) throw new Error(`ciAccess: scope.tags needs the "${key}" tag`);
  return v;
}
