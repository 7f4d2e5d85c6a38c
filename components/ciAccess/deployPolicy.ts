// The deploy role's own policy: the changes `pulumi up` of this one stack makes, and nothing in IAM.
//
// Design: no IAM changes from CI. Every role, policy, instance profile and the OIDC provider is created by
// a person running `pulumi up` locally with administrator credentials (docs/security.md). CI may hand the
// stack's own roles to the one service each is for (iam:PassRole with iam:PassedToService) and nothing
// else in IAM: an explicit Deny covers every IAM write, so no later Allow (here, in a managed policy someone
// attaches, or in a future edit) can turn the role into an administrator.
//
// Everything else is scoped to this stack:
// - named resources by exact name (never "<prefix>*", which reaches stack "demo2" from "demo");
// - resources with generated ids (EC2, load balancing, certificates, scalable targets, CloudFront) by ferry's own
//   `stack`/`app` tags, which a stack file cannot override, and which CI can set only while creating a
//   resource (ec2:CreateAction / elasticloadbalancing:CreateAction): nothing that exists can be adopted;
// - creates that act on an existing resource (RunInstances into a subnet with security groups, a listener
//   on a load balancer, a rule on a listener, a subnet in a VPC) need that resource to be this stack's.
import { policy, type ConditionBlock, type PolicyDocument, type PolicyStatement } from "./document";
import {
  arnsOf,
  FERRY_TAG_KEYS,
  inCertificateRegion,
  inCloudFrontRegion,
  inRegion,
  requestTags,
  resourceTags,
  STACK_TAG,
  type CiScope,
} from "./scope";
import { stateUpdateStatements } from "./state";

/** Every IAM action that changes something (and role chaining): denied to the deploy role outright. */
export const IAM_WRITES: readonly string[] = [
  "iam:Add*",
  "iam:Attach*",
  "iam:Change*",
  "iam:Create*",
  "iam:Deactivate*",
  "iam:Delete*",
  "iam:Detach*",
  "iam:Enable*",
  "iam:Put*",
  "iam:Remove*",
  "iam:Reset*",
  "iam:Resync*",
  "iam:Set*",
  "iam:Tag*",
  "iam:Untag*",
  "iam:Update*",
  "iam:Upload*",
  "sts:AssumeRole",
];

/** What managing one log group takes. */
const LOG_GROUP_ACTIONS = [
  "logs:CreateLogGroup",
  "logs:DeleteLogGroup",
  "logs:PutRetentionPolicy",
  "logs:DeleteRetentionPolicy",
  "logs:TagResource",
  "logs:UntagResource",
  "logs:TagLogGroup",
  "logs:UntagLogGroup",
] as const;

/** EC2 create calls whose new resource must carry this stack's tags (TagSpecifications). */
const EC2_TAGGED_CREATES = {
  "ec2:CreateVpc": ["vpc"],
  "ec2:CreateInternetGateway": ["internet-gateway"],
  "ec2:CreateSubnet": ["subnet"],
  "ec2:CreateRouteTable": ["route-table"],
  "ec2:CreateSecurityGroup": ["security-group"],
} as const;

/** With IPv6-only tasks: the egress-only gateway (created in the stack's VPC, tagged) and the IPv6 blocks. */
const EC2_IPV6_CREATES = {
  "ec2:CreateEgressOnlyInternetGateway": ["egress-only-internet-gateway"],
} as const;
// Only what a deploy of an IPv6-only stack calls. Switching an existing stack's taskNetwork (which associates or
// removes IPv6 blocks) changes these permissions, so that deploy is a local administrator's anyway (CI makes no
// IAM changes): CI needs no Associate/Disassociate calls, and AssociateVpcCidrBlock could not be limited to
// IPv6 blocks.
const EC2_IPV6_OWN_CHANGES = ["ec2:DeleteEgressOnlyInternetGateway"];

/** Changes to an existing EC2 resource of this stack (its tags say so). */
const EC2_OWN_CHANGES = [
  "ec2:DeleteTags",
  "ec2:StartInstances",
  "ec2:StopInstances",
  "ec2:RebootInstances",
  "ec2:TerminateInstances",
  "ec2:ModifyInstanceAttribute",
  "ec2:ModifyInstanceMetadataOptions",
  "ec2:ModifyVolume",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:AuthorizeSecurityGroupEgress",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:RevokeSecurityGroupEgress",
  "ec2:ModifySecurityGroupRules",
  "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
  "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
  "ec2:DeleteSecurityGroup",
  "ec2:ModifyVpcAttribute",
  "ec2:DeleteVpc",
  "ec2:ModifySubnetAttribute",
  "ec2:DeleteSubnet",
  "ec2:AttachInternetGateway",
  "ec2:DetachInternetGateway",
  "ec2:DeleteInternetGateway",
  "ec2:CreateRoute",
  "ec2:ReplaceRoute",
  "ec2:DeleteRoute",
  "ec2:AssociateRouteTable",
  "ec2:DisassociateRouteTable",
  "ec2:DeleteRouteTable",
];

/** Load-balancing creates, the tags they set at creation, and changes to this stack's load-balancing resources. */
const ELB_OWN_CHANGES = [
  "elasticloadbalancing:RemoveTags",
  "elasticloadbalancing:ModifyLoadBalancerAttributes",
  "elasticloadbalancing:ModifyListener",
  "elasticloadbalancing:ModifyListenerAttributes",
  "elasticloadbalancing:ModifyRule",
  "elasticloadbalancing:ModifyTargetGroup",
  "elasticloadbalancing:ModifyTargetGroupAttributes",
  "elasticloadbalancing:SetSecurityGroups",
  "elasticloadbalancing:SetSubnets",
  "elasticloadbalancing:SetIpAddressType",
  "elasticloadbalancing:DeleteLoadBalancer",
  "elasticloadbalancing:DeleteListener",
  "elasticloadbalancing:DeleteRule",
  "elasticloadbalancing:DeleteTargetGroup",
  "elasticloadbalancing:RegisterTargets",
  "elasticloadbalancing:DeregisterTargets",
  "elasticloadbalancing:AddListenerCertificates",
  "elasticloadbalancing:RemoveListenerCertificates",
];

/** The ELB create calls that may tag what they create. */
export const ELB_CREATE_ACTIONS = ["CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"];

const allOf = (...blocks: ConditionBlock[]): ConditionBlock => {
  const out: Record<string, Record<string, string | readonly string[]>> = {};
  for (const b of blocks)
    for (const [op, keys] of Object.entries(b)) out[op] = { ...(out[op] ?? {}), ...keys };
  return out;
};

/** Tagging an existing resource of this stack, but never its ferry tags (they say whose it is). */
const keepsFerryTags: ConditionBlock = {
  "ForAllValues:StringNotEquals": { "aws:TagKeys": [...FERRY_TAG_KEYS] },
};

function ec2Statements(s: CiScope): PolicyStatement[] {
  const a = arnsOf(s);
  const own = { StringEquals: { ...inRegion(s), ...resourceTags(s) } };
  const tagged = { StringEquals: { ...inRegion(s), ...requestTags(s) } };
  /** The VPC a create happens in: this stack's (tagged), the configured one, or (demo) the untagged default VPC. */
  const vpcCondition: ConditionBlock = s.ownVpc
    ? own
    : a.vpc
      ? { StringEquals: inRegion(s) }
      : // The demo's default VPC carries no tags; a VPC tagged for another stack is still refused.
        {
          StringEquals: inRegion(s),
          StringEqualsIfExists: { [`aws:ResourceTag/${STACK_TAG}`]: s.tags[STACK_TAG] },
        };
  const statements: PolicyStatement[] = [];
  const creates = Object.entries({ ...EC2_TAGGED_CREATES, ...(s.ipv6Tasks ? EC2_IPV6_CREATES : {}) }).filter(
    ([action]) => (s.topology === "fargate-ha" ? true : action === "ec2:CreateSecurityGroup"),
  );
  statements.push({
    // The new resource's ARN: it must be created with this stack's tags.
    Sid: "Ec2CreateTagged",
    Effect: "Allow",
    Action: creates.map(([action]) => action),
    Resource: [...new Set(creates.flatMap(([, types]) => types.map(a.ec2)))],
    Condition: tagged,
  });
  const inVpc = creates.filter(([action]) =>
    [
      "ec2:CreateSubnet",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateEgressOnlyInternetGateway",
    ].includes(action),
  );
  statements.push({
    // The VPC these are created in: this stack's.
    Sid: "Ec2CreateInOwnVpc",
    Effect: "Allow",
    Action: inVpc.map(([action]) => action),
    Resource: a.vpc ?? a.ec2("vpc"),
    Condition: vpcCondition,
  });
  statements.push(
    {
      // Tag-on-create only: the tags a create call sets, and they must be this stack's. An existing resource
      // (someone else's instance or VPC) can never be tagged as this stack's.
      Sid: "Ec2TagOnCreate",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: "*",
      Condition: {
        StringEquals: {
          ...inRegion(s),
          ...requestTags(s),
          "ec2:CreateAction": [
            ...creates.map(([action]) => action.replace(/^ec2:/, "")),
            // Security group rules (aws.vpc.SecurityGroupIngressRule/EgressRule) are tagged as they are made.
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            ...(s.instance ? ["RunInstances"] : []),
          ],
        },
      },
    },
    {
      Sid: "Ec2TagOwn",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: "*",
      Condition: allOf(own, keepsFerryTags),
    },
    {
      Sid: "Ec2OwnResources",
      Effect: "Allow",
      Action: [...EC2_OWN_CHANGES, ...(s.ipv6Tasks ? EC2_IPV6_OWN_CHANGES : [])],
      Resource: "*",
      Condition: own,
    },
    {
      // IMDSv2 only (components/ec2Demo sets httpTokens "required"): no launch of, or change to, optional
      // tokens, which would hand the instance role's credentials to any SSRF in the app.
      Sid: "ImdsV2Only",
      Effect: "Deny",
      Action: ["ec2:RunInstances", "ec2:ModifyInstanceMetadataOptions"],
      Resource: a.instances,
      Condition: { StringNotEquals: { "ec2:MetadataHttpTokens": "required" } },
    },
    {
      // User data runs as root at boot; the program replaces the instance when it changes
      // (userDataReplaceOnChange), so a deploy never modifies it in place.
      Sid: "NoUserDataChanges",
      Effect: "Deny",
      Action: ["ec2:ModifyInstanceAttribute"],
      Resource: a.instances,
      Condition: { StringEqualsIgnoreCase: { "ec2:Attribute": "userData" } },
    },
    {
      // A security group rule is its own resource (tagged at creation by the provider's default tags).
      Sid: "Ec2SecurityGroupRules",
      Effect: "Allow",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"],
      Resource: a.ec2("security-group-rule"),
      Condition: tagged,
    },
  );
  if (s.instance) {
    // RunInstances, one statement per resource type it touches.
    statements.push(
      {
        Sid: "RunInstancesInstance",
        Effect: "Allow",
        Action: ["ec2:RunInstances"],
        Resource: a.ec2("instance"),
        Condition: {
          StringEquals: { ...inRegion(s), ...requestTags(s), "ec2:InstanceType": s.instance.type },
          ArnEquals: { "ec2:InstanceProfile": s.instanceProfileNames.map(a.instanceProfile) },
        },
      },
      {
        // The root volume is encrypted (components/ec2Demo): never launched with an unencrypted one.
        Sid: "RunInstancesVolume",
        Effect: "Allow",
        Action: ["ec2:RunInstances"],
        Resource: a.ec2("volume"),
        Condition: { StringEquals: inRegion(s), Bool: { "ec2:Encrypted": "true" } },
      },
      {
        Sid: "RunInstancesAmazonImage",
        Effect: "Allow",
        Action: ["ec2:RunInstances"],
        Resource: a.amazonImages,
        Condition: { StringEquals: { ...inRegion(s), "ec2:Owner": "amazon" } },
      },
      {
        Sid: "RunInstancesOwnSecurityGroup",
        Effect: "Allow",
        Action: ["ec2:RunInstances"],
        Resource: a.ec2("security-group"),
        Condition: own,
      },
      {
        // The configured subnet exactly; else a default-VPC subnet, which carries no stack tag — a subnet
        // tagged for another stack is refused, and AWS keeps the instance in its security group's VPC.
        Sid: "RunInstancesSubnet",
        Effect: "Allow",
        Action: ["ec2:RunInstances"],
        Resource: a.subnet ?? a.ec2("subnet"),
        Condition: a.subnet
          ? { StringEquals: inRegion(s) }
          : {
              StringEquals: inRegion(s),
              StringEqualsIfExists: { [`aws:ResourceTag/${STACK_TAG}`]: s.tags[STACK_TAG] },
            },
      },
      {
        // The new interface RunInstances creates (no tags yet); an existing one tagged for another stack is
        // refused (an untagged existing one is not: docs/security.md, limits).
        Sid: "RunInstancesNetworkInterface",
        Effect: "Allow",
        Action: ["ec2:RunInstances"],
        Resource: a.ec2("network-interface"),
        Condition: {
          StringEquals: inRegion(s),
          StringEqualsIfExists: resourceTags(s),
          ...(a.subnet ? { ArnEquals: { "ec2:Subnet": a.subnet } } : {}),
        },
      },

      {
        // Passing the instance profile's role is checked as iam:PassRole (below); attaching it here.
        Sid: "InstanceProfileAssociation",
        Effect: "Allow",
        Action: ["ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation"],
        Resource: a.instances,
        Condition: {
          ...own,
          ArnEquals: { "ec2:NewInstanceProfile": s.instanceProfileNames.map(a.instanceProfile) },
        },
      },
    );
  }
  return statements;
}

function loadBalancingStatements(s: CiScope): PolicyStatement[] {
  const a = arnsOf(s);
  const own = { StringEquals: { ...inRegion(s), ...resourceTags(s) } };
  const tagged = { StringEquals: { ...inRegion(s), ...requestTags(s) } };
  return [
    {
      Sid: "ElbCreateTagged",
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      Resource: [a.elb("loadbalancer/app"), a.elb("targetgroup")],
      Condition: tagged,
    },
    {
      // A listener only on this stack's load balancer, a rule only on this stack's listener.
      Sid: "ElbListenersOnOwn",
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule"],
      Resource: [a.elb("loadbalancer/app"), a.elb("listener/app")],
      Condition: own,
    },
    {
      // Only inside a create call (CreateAction), only this stack's tags: "*" adopts nothing.
      Sid: "ElbTagOnCreate",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags"],
      Resource: "*",
      Condition: {
        StringEquals: {
          ...inRegion(s),
          ...requestTags(s),
          "elasticloadbalancing:CreateAction": [...ELB_CREATE_ACTIONS],
        },
      },
    },
    {
      Sid: "ElbTagOwn",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags"],
      Resource: "*",
      Condition: allOf(own, keepsFerryTags),
    },
    {
      Sid: "ElbOwnResources",
      Effect: "Allow",
      Action: [...ELB_OWN_CHANGES],
      Resource: "*",
      Condition: own,
    },
  ];
}

/** The one scalable target kind the program declares (components/fargateService.ts). */
const ecsScaling = {
  "application-autoscaling:service-namespace": "ecs",
  "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
};

function fargateStatements(s: CiScope): PolicyStatement[] {
  const a = arnsOf(s);
  const own = { StringEquals: { ...inRegion(s), ...resourceTags(s) } };
  const statements: PolicyStatement[] = [];
  if (a.cluster)
    statements.push(
      {
        Sid: "EcsCluster",
        Effect: "Allow",
        Action: [
          "ecs:CreateCluster",
          "ecs:DeleteCluster",
          "ecs:UpdateCluster",
          "ecs:UpdateClusterSettings",
          "ecs:PutClusterCapacityProviders",
          "ecs:TagResource",
          "ecs:UntagResource",
        ],
        Resource: [a.cluster, ...a.services, ...a.taskDefinitions],
      },
      {
        // Only this stack's task family: a service never runs another stack's task definition (and role).
        // UpdateService names a task definition only when it changes, hence IfExists.
        Sid: "EcsService",
        Effect: "Allow",
        Action: ["ecs:CreateService", "ecs:UpdateService"],
        Resource: a.services,
        Condition: {
          ArnEquals: { "ecs:cluster": a.cluster },
          ArnLikeIfExists: { "ecs:task-definition": a.taskDefinitions },
        },
      },
      {
        Sid: "EcsServiceDelete",
        Effect: "Allow",
        Action: ["ecs:DeleteService"],
        Resource: a.services,
        Condition: { ArnEquals: { "ecs:cluster": a.cluster } },
      },
    );
  if (a.taskDefinitions.length)
    statements.push(
      {
        Sid: "EcsTaskDefinitions",
        Effect: "Allow",
        Action: ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
        Resource: a.taskDefinitions,
      },
      {
        // DeregisterTaskDefinition has no resource-level permissions; it only marks a revision inactive.
        Sid: "EcsTaskDefinitionRetire",
        Effect: "Allow",
        Action: ["ecs:DeregisterTaskDefinition"],
        Resource: "*",
        Condition: { StringEquals: inRegion(s) },
      },
    );
  statements.push(
    {
      // Scalable targets of this stack's ECS service: created with its tags, changed only with them.
      // Application Auto Scaling has no "create action" key: a target tagged for another stack is refused
      // (IfExists), an untagged one is not (docs/security.md, limits).
      Sid: "ScalingCreate",
      Effect: "Allow",
      Action: ["application-autoscaling:RegisterScalableTarget"],
      Resource: a.scalableTargets,
      Condition: {
        StringEquals: { ...inRegion(s), ...requestTags(s), ...ecsScaling },
        StringEqualsIfExists: { [`aws:ResourceTag/${STACK_TAG}`]: s.tags[STACK_TAG] },
      },
    },
    {
      Sid: "ScalingTagOnCreate",
      Effect: "Allow",
      Action: ["application-autoscaling:TagResource"],
      Resource: a.scalableTargets,
      Condition: {
        StringEquals: { ...inRegion(s), ...requestTags(s) },
        StringEqualsIfExists: { [`aws:ResourceTag/${STACK_TAG}`]: s.tags[STACK_TAG] },
      },
    },
    {
      // Only an ECS service's desired count: a DynamoDB table or RDS cluster target tagged as this stack's
      // (TagResource has no namespace key) still cannot be scaled, registered or deregistered.
      Sid: "ScalingOwn",
      Effect: "Allow",
      Action: [
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:DeleteScalingPolicy",
      ],
      Resource: a.scalableTargets,
      Condition: { StringEquals: { ...inRegion(s), ...resourceTags(s), ...ecsScaling } },
    },
    {
      Sid: "ScalingOwnTags",
      Effect: "Allow",
      Action: ["application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource"],
      Resource: a.scalableTargets,
      Condition: own,
    },
  );
  if (a.logGroups.length)
    statements.push({ Sid: "Logs", Effect: "Allow", Action: [...LOG_GROUP_ACTIONS], Resource: a.logGroups });
  if (a.dataBucket)
    statements.push(
      {
        // Exactly what a deploy of components/dataBucket.ts calls. No ACL, CORS, website, logging,
        // notification, object lock or lifecycle: each could expose or destroy the documents.
        Sid: "DataBucket",
        Effect: "Allow",
        Action: [
          "s3:CreateBucket",
          "s3:DeleteBucket",
          "s3:PutBucketTagging",
          "s3:PutBucketOwnershipControls",
          "s3:PutBucketVersioning",
          "s3:PutEncryptionConfiguration",
        ],
        Resource: a.dataBucket,
      },
      {
        // S3 has no condition key on a policy's content: like IAM, only a person with administrator
        // credentials changes a bucket policy or public access block (scripts/ci/iam-gate.ts stops CI first).
        // PutBucketPublicAccessBlock is also the permission for DeletePublicAccessBlock.
        Sid: "NoDataExposureChanges",
        Effect: "Deny",
        Action: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock"],
        Resource: "*",
      },
    );
  if (s.dns?.certificateFor)
    statements.push(
      {
        // RequestCertificate has no resource: pinned to the stack's name and the certificate's region (us-east-1,
        // where CloudFront takes certificates from).
        Sid: "CertificateRequest",
        Effect: "Allow",
        Action: ["acm:RequestCertificate"],
        Resource: "*",
        Condition: {
          StringEquals: inCertificateRegion(s),
          "ForAllValues:StringEquals": { "acm:DomainNames": [s.dns.certificateFor] },
        },
      },
      {
        // Like scaling: no "create action" key; another stack's certificate is refused, an untagged one not.
        Sid: "CertificateTagOnCreate",
        Effect: "Allow",
        Action: ["acm:AddTagsToCertificate"],
        Resource: a.certificates,
        Condition: {
          StringEquals: { ...inCertificateRegion(s), ...requestTags(s) },
          StringEqualsIfExists: { [`aws:ResourceTag/${STACK_TAG}`]: s.tags[STACK_TAG] },
        },
      },
      {
        Sid: "CertificateOwn",
        Effect: "Allow",
        Action: ["acm:DeleteCertificate", "acm:RemoveTagsFromCertificate"],
        Resource: a.certificates,
        Condition: { StringEquals: { ...inCertificateRegion(s), ...resourceTags(s) } },
      },
    );
  return statements;
}

/**
 * The deploy role's CloudFront changes: a managed policy of its own (attached only when the stack has the
 * CloudFront edge), because with them the inline policy would pass IAM's 10,240-character limit.
 */
export function deployEdgePolicy(s: CiScope): PolicyDocument {
  return { Version: "2012-10-17", Statement: edgeStatements(s) };
}

/**
 * CloudFront in front of the service (components/edge.ts): a distribution and a VPC origin, created with this
 * stack's tags and changed only with them; the response headers policy, which CloudFront cannot tag. CloudFront
 * is global: its requests carry aws:RequestedRegion us-east-1. Its VPC origins work through the service-linked
 * role AWSServiceRoleForCloudFrontVPCOrigin, which CI cannot create (no IAM changes): the first local `pulumi
 * up` does (docs/security.md).
 */
function edgeStatements(s: CiScope): PolicyStatement[] {
  const a = arnsOf(s);
  const cloudfront = [a.distributions, a.vpcOrigins];
  return [
    {
      // The create calls have no resource (the ids are generated): only with this stack's tags.
      Sid: "CloudFrontCreateTagged",
      Effect: "Allow",
      Action: ["cloudfront:CreateDistribution", "cloudfront:CreateVpcOrigin"],
      Resource: "*",
      Condition: { StringEquals: { ...inCloudFrontRegion(), ...requestTags(s) } },
    },
    {
      // Tags set with a create (CreateDistributionWithTags needs TagResource). CloudFront has no "create
      // action" key: like certificates, another stack's resource is refused, an untagged one is not.
      Sid: "CloudFrontTagOnCreate",
      Effect: "Allow",
      Action: ["cloudfront:TagResource"],
      Resource: cloudfront,
      Condition: {
        StringEquals: { ...inCloudFrontRegion(), ...requestTags(s) },
        StringEqualsIfExists: { [`aws:ResourceTag/${STACK_TAG}`]: s.tags[STACK_TAG] },
      },
    },
    {
      Sid: "CloudFrontTagOwn",
      Effect: "Allow",
      Action: ["cloudfront:TagResource", "cloudfront:UntagResource"],
      Resource: cloudfront,
      Condition: allOf({ StringEquals: { ...inCloudFrontRegion(), ...resourceTags(s) } }, keepsFerryTags),
    },
    {
      Sid: "CloudFrontOwn",
      Effect: "Allow",
      Action: [
        "cloudfront:UpdateDistribution",
        "cloudfront:DeleteDistribution",
        "cloudfront:UpdateVpcOrigin",
        "cloudfront:DeleteVpcOrigin",
      ],
      Resource: cloudfront,
      Condition: { StringEquals: { ...inCloudFrontRegion(), ...resourceTags(s) } },
    },
    {
      Sid: "CloudFrontHeadersPolicyCreate",
      Effect: "Allow",
      Action: ["cloudfront:CreateResponseHeadersPolicy"],
      Resource: "*",
      Condition: { StringEquals: inCloudFrontRegion() },
    },
    {
      // No tags and no name in the ARN: any response headers policy of the account (docs/security.md).
      Sid: "CloudFrontHeadersPolicy",
      Effect: "Allow",
      Action: ["cloudfront:UpdateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy"],
      Resource: a.responseHeadersPolicies,
      Condition: { StringEquals: inCloudFrontRegion() },
    },
  ];
}

/** The rollout: the stack's own SSM document on the stack's own instance; no shell. */
function rolloutStatements(s: CiScope): PolicyStatement[] {
  const a = arnsOf(s);
  const statements: PolicyStatement[] = [
    {
      // AWS-RunShellScript (or any document but the stack's rollout) would run anything as root there.
      Sid: "NoShellDocuments",
      Effect: "Deny",
      Action: ["ssm:SendCommand", "ssm:StartSession"],
      NotResource: [...(a.rolloutDocument ? [a.rolloutDocument] : []), a.instances],
    },
    {
      Sid: "NoRunShellScript",
      Effect: "Deny",
      Action: ["ssm:SendCommand"],
      Resource: a.runShellScript,
    },
    {
      // The rollout document's content is a command run as root: changing it is as privileged as IAM, so
      // only a local, admin-run `pulumi up` does (scripts/ci/iam-gate.ts stops a CI deploy that would).
      Sid: "NoDocumentChanges",
      Effect: "Deny",
      Action: [
        "ssm:CreateDocument",
        "ssm:UpdateDocument",
        "ssm:UpdateDocumentDefaultVersion",
        "ssm:UpdateDocumentMetadata",
        "ssm:DeleteDocument",
        "ssm:ModifyDocumentPermission",
      ],
      Resource: "*",
    },
  ];
  if (a.rolloutDocument)
    statements.push(
      {
        Sid: "RolloutDocument",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: a.rolloutDocument,
      },
      {
        Sid: "RolloutInstance",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: a.instances,
        Condition: { StringEquals: { ...inRegion(s), ...resourceTags(s) } },
      },
      {
        // Command ids are random; these reads accept only "*".
        Sid: "RolloutStatus",
        Effect: "Allow",
        Action: ["ssm:GetCommandInvocation", "ssm:ListCommandInvocations", "ssm:ListCommands"],
        Resource: "*",
        Condition: { StringEquals: inRegion(s) },
      },
    );
  return statements;
}

/** The deploy role's own inline policy (it also has deployNetworkPolicy and the preview and drift reads). */
export function deployPolicy(s: CiScope): PolicyDocument {
  const a = arnsOf(s);
  const byService = new Map<string, string[]>();
  for (const r of s.passRoles)
    byService.set(r.service, [...(byService.get(r.service) ?? []), a.passRole(r.name)]);
  const statements: PolicyStatement[] = [
    {
      Sid: "NoIamChanges",
      Effect: "Deny",
      Action: [...IAM_WRITES],
      Resource: "*",
    },
    ...[...byService].map(([service, roles], i): PolicyStatement => ({
      // Exactly the roles the stack declares, each only to the service it is for.
      Sid: `PassOwnRole${i}`,
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: roles,
      Condition: { StringEquals: { "iam:PassedToService": service } },
    })),
    ...stateUpdateStatements(s),
    {
      Sid: "EcrRepository",
      Effect: "Allow",
      Action: [
        "ecr:CreateRepository",
        "ecr:DeleteRepository",
        "ecr:PutLifecyclePolicy",
        "ecr:DeleteLifecyclePolicy",
        "ecr:PutImageScanningConfiguration",
        "ecr:PutImageTagMutability",
        "ecr:TagResource",
        "ecr:UntagResource",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        "ecr:BatchDeleteImage",
      ],
      Resource: a.ecrRepository,
    },
  ];
  if (a.parameters.length)
    statements.push({
      Sid: "SsmParameters",
      Effect: "Allow",
      Action: [
        "ssm:PutParameter",
        "ssm:DeleteParameter",
        "ssm:AddTagsToResource",
        "ssm:RemoveTagsFromResource",
      ],
      Resource: a.parameters,
    });
  if (a.secrets.length)
    statements.push({
      Sid: "SecretsManager",
      Effect: "Allow",
      Action: [
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:UpdateSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
      ],
      Resource: a.secrets,
    });
  if (s.secretKmsKeyArns.length)
    statements.push({
      Sid: "StoredSecretsEncrypt",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: [...s.secretKmsKeyArns],
    });
  if (a.alarms.length)
    statements.push({
      Sid: "Alarms",
      Effect: "Allow",
      Action: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      Resource: a.alarms,
    });
  if (a.topics.length)
    statements.push({
      Sid: "AlarmTopic",
      Effect: "Allow",
      Action: [
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:Unsubscribe",
        "sns:SetSubscriptionAttributes",
        "sns:TagResource",
        "sns:UntagResource",
      ],
      Resource: a.topics,
    });
  if (s.dns && s.dns.records.length)
    statements.push({
      // Only this stack's record names and types; CREATE/UPSERT/DELETE of nothing else in the zone.
      Sid: "DnsRecords",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: s.dns.zoneArn,
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            ...new Set(s.dns.records.map((r) => r.name)),
          ],
          "route53:ChangeResourceRecordSetsRecordTypes": [...new Set(s.dns.records.flatMap((r) => r.types))],
          "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
        },
      },
    });
  if (s.dns?.certificateFor)
    statements.push({
      // ACM's DNS validation record: "_" + 32 hex characters under the stack's name, a CNAME. The fixed
      // length keeps out "_acme-challenge" (someone else's certificate authority).
      Sid: "DnsValidationRecord",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: s.dns.zoneArn,
      Condition: {
        "ForAllValues:StringLike": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            `_${"?".repeat(32)}.${s.dns.certificateFor}`,
          ],
        },
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME"],
          "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
        },
      },
    });
  if (a.functions.length)
    statements.push({
      Sid: "Functions",
      Effect: "Allow",
      Action: [
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:CreateFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig",
        "lambda:DeleteFunctionUrlConfig",
        "lambda:RemovePermission",
        "lambda:TagResource",
        "lambda:UntagResource",
      ],
      Resource: a.functions,
    });
  // Each function may be invoked only by the principal the program grants it (lambda:Principal).
  for (const [i, principal] of [...new Set((s.functionInvokers ?? []).map((x) => x.principal))].entries()) {
    const names = (s.functionInvokers ?? []).filter((x) => x.principal === principal).map((x) => x.name);
    statements.push({
      Sid: `FunctionInvokers${i}`,
      Effect: "Allow",
      Action: ["lambda:AddPermission"],
      Resource: names.map(a.function),
      Condition: { StringEquals: { "lambda:Principal": principal } },
    });
  }
  if (a.eventRules.length) {
    statements.push(
      {
        Sid: "EventRules",
        Effect: "Allow",
        Action: ["events:DeleteRule", "events:RemoveTargets", "events:TagResource", "events:UntagResource"],
        Resource: a.eventRules,
      },
      {
        // The park rule matches EC2 instance state changes (components/ec2Demo/parking.ts) and nothing else.
        Sid: "EventRulePattern",
        Effect: "Allow",
        Action: ["events:PutRule"],
        Resource: a.eventRules,
        Condition: {
          "ForAllValues:StringEquals": {
            "events:source": ["aws.ec2"],
            "events:detail-type": ["EC2 Instance State-change Notification"],
          },
          Null: { "events:source": "false", "events:detail-type": "false" },
        },
      },
    );
    const targets = (s.eventTargetFunctionNames ?? []).map(a.function);
    if (targets.length)
      statements.push({
        // Only the park function as a target: never another stack's (or account's) function or queue.
        Sid: "EventRuleTargets",
        Effect: "Allow",
        Action: ["events:PutTargets"],
        Resource: a.eventRules,
        Condition: {
          "ForAllValues:ArnEquals": { "events:TargetArn": targets },
          Null: { "events:TargetArn": "false" },
        },
      });
  }
  if (s.topology === "ec2-demo" && a.logGroups.length)
    statements.push({ Sid: "Logs", Effect: "Allow", Action: [...LOG_GROUP_ACTIONS], Resource: a.logGroups });
  if (s.topology === "fargate-ha") statements.push(...fargateStatements(s));
  if (s.topology === "ec2-demo") statements.push(...rolloutStatements(s));
  return policy(statements);
}

/**
 * The deploy role's EC2 changes: a managed policy of its own, because the role's inline policies share one
 * 10,240-character budget and the tag conditions are long (a managed policy has 6,144).
 */
export function deployNetworkPolicy(s: CiScope): PolicyDocument {
  return policy(ec2Statements(s));
}

/**
 * fargate-ha: the deploy role's load-balancing changes, in a managed policy of their own. Together with the EC2
 * statements they passed 6,144 characters for long app and stack names in a long region name.
 */
export function deployLoadBalancingPolicy(s: CiScope): PolicyDocument {
  return policy(loadBalancingStatements(s));
}
