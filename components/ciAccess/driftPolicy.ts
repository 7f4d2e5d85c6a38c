// The drift role's policy: the reads `pulumi preview --refresh` needs on top of a preview — reading back
// every resource the stack holds. Only the scheduled job on the default branch (reviewed code) assumes the
// drift role; a pull request never does, because some of these reads exist only on "*" (a task
// definition's environment, any instance's attributes) or return values (the stack's own parameters).
// The deploy role has these reads too: `pulumi up` reads each resource back after changing it.
import { policy, type PolicyDocument, type PolicyStatement } from "./document";
import {
  arnsOf,
  inCertificateRegion,
  inCloudFrontRegion,
  inRegion,
  resourceTags,
  type CiScope,
} from "./scope";

/** The CI identities of this stack (a refresh reads them back too). */
export interface CiIdentityArns {
  readonly roles: readonly string[];
  readonly policies: readonly string[];
  readonly oidcProvider: string;
}

/** Metadata reads AWS grants only on "*" (or that the refresh needs across the stack's generated ids). */
export const REGIONAL_DESCRIBES: readonly string[] = [
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeInstanceCreditSpecifications",
  "ec2:DescribeVolumes",
  "ec2:DescribeTags",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSecurityGroupRules",
  "ec2:DescribeVpcAttribute",
  "ec2:DescribeRouteTables",
  "ec2:DescribeInternetGateways",
  "ec2:DescribeEgressOnlyInternetGateways",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeNetworkAcls",
  "ec2:DescribeAccountAttributes",
  // Creating a CloudFront VPC origin checks the caller may describe the origin's region, VPC and load balancer.
  "ec2:DescribeRegions",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeLoadBalancerAttributes",
  "elasticloadbalancing:DescribeListeners",
  "elasticloadbalancing:DescribeListenerAttributes",
  "elasticloadbalancing:DescribeListenerCertificates",
  "elasticloadbalancing:DescribeRules",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetGroupAttributes",
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DescribeTags",
  "application-autoscaling:DescribeScalableTargets",
  "application-autoscaling:DescribeScalingPolicies",
  "ecs:DescribeTaskDefinition",
  "ecs:DescribeCapacityProviders",
  "cloudwatch:DescribeAlarms",
  "logs:DescribeLogGroups",
  "ssm:DescribeParameters",
  "acm:ListCertificates",
];

export function driftStatements(s: CiScope, ci: CiIdentityArns): PolicyStatement[] {
  const a = arnsOf(s);
  const roles = s.passRoles.map((r) => a.passRole(r.name));
  const statements: PolicyStatement[] = [
    {
      Sid: "DescribeInRegion",
      Effect: "Allow",
      Action: [...REGIONAL_DESCRIBES],
      Resource: "*",
      Condition: { StringEquals: inRegion(s) },
    },
    {
      // Instance attributes include user data: this stack's instances only.
      Sid: "OwnInstanceAttributes",
      Effect: "Allow",
      Action: ["ec2:DescribeInstanceAttribute"],
      Resource: a.instances,
      Condition: { StringEquals: { ...inRegion(s), ...resourceTags(s) } },
    },
    {
      Sid: "RegistryRead",
      Effect: "Allow",
      Action: [
        "ecr:DescribeRepositories",
        "ecr:DescribeImages",
        "ecr:ListImages",
        "ecr:ListTagsForResource",
        "ecr:GetLifecyclePolicy",
        "ecr:GetRepositoryPolicy",
      ],
      Resource: a.ecrRepository,
    },
    {
      // The stack's roles and the CI identities, read back exactly; no other role, user or access key.
      Sid: "IamRead",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
      ],
      Resource: [...roles, ...ci.roles],
    },
    {
      Sid: "IamPolicyRead",
      Effect: "Allow",
      Action: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
      Resource: [...ci.policies],
    },
    {
      Sid: "OidcProviderRead",
      Effect: "Allow",
      Action: ["iam:GetOpenIDConnectProvider"],
      Resource: ci.oidcProvider,
    },
  ];
  if (a.parameters.length)
    statements.push({
      // The stack stores these itself (image reference, config secrets, the wake passcode): reading them
      // back is reading values the stack's encrypted config already holds.
      Sid: "StoredValuesRead",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"],
      Resource: a.parameters,
    });
  if (s.instanceProfileNames.length)
    statements.push({
      Sid: "InstanceProfileRead",
      Effect: "Allow",
      Action: ["iam:GetInstanceProfile"],
      Resource: s.instanceProfileNames.map(a.instanceProfile),
    });
  if (a.secrets.length)
    statements.push({
      Sid: "StoredSecretsRead",
      Effect: "Allow",
      Action: [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:GetSecretValue",
      ],
      Resource: a.secrets,
    });
  if (s.secretKmsKeyArns.length)
    statements.push({
      Sid: "StoredSecretsKey",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [...s.secretKmsKeyArns],
    });
  if (a.alarms.length)
    statements.push({
      Sid: "AlarmRead",
      Effect: "Allow",
      Action: ["cloudwatch:ListTagsForResource"],
      Resource: a.alarms,
    });
  if (a.topics.length)
    statements.push({
      Sid: "TopicRead",
      Effect: "Allow",
      Action: [
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:ListSubscriptionsByTopic",
        "sns:GetSubscriptionAttributes",
      ],
      Resource: a.topics,
    });
  if (a.logGroups.length)
    statements.push({
      Sid: "LogGroupRead",
      Effect: "Allow",
      Action: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
      Resource: a.logGroups,
    });
  if (a.functions.length)
    statements.push({
      Sid: "FunctionRead",
      Effect: "Allow",
      Action: [
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:GetFunctionUrlConfig",
        "lambda:GetPolicy",
        "lambda:ListVersionsByFunction",
        "lambda:ListTags",
      ],
      Resource: a.functions,
    });
  if (a.eventRules.length)
    statements.push({
      Sid: "EventRuleRead",
      Effect: "Allow",
      Action: ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"],
      Resource: a.eventRules,
    });
  if (a.cluster)
    statements.push({
      Sid: "EcsRead",
      Effect: "Allow",
      Action: ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:ListTagsForResource"],
      Resource: [a.cluster, ...a.services],
    });
  if (s.dns)
    statements.push({
      Sid: "RecordsRead",
      Effect: "Allow",
      Action: ["route53:ListResourceRecordSets", "route53:GetChange"],
      Resource: [s.dns.zoneArn, `arn:${s.partition}:route53:::change/*`],
    });
  if (s.dns?.certificateFor)
    statements.push({
      Sid: "CertificateRead",
      Effect: "Allow",
      Action: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"],
      Resource: a.certificates,
      Condition: { StringEquals: { ...inCertificateRegion(s), ...resourceTags(s) } },
    });
  if (s.cloudfront)
    statements.push(
      {
        Sid: "CloudFrontRead",
        Effect: "Allow",
        Action: [
          "cloudfront:GetDistribution",
          "cloudfront:GetDistributionConfig",
          "cloudfront:GetVpcOrigin",
          "cloudfront:ListTagsForResource",
        ],
        Resource: [a.distributions, a.vpcOrigins],
        Condition: { StringEquals: { ...inCloudFrontRegion(), ...resourceTags(s) } },
      },
      {
        // Untagged (CloudFront cannot tag them): any response headers policy's configuration, no data.
        Sid: "CloudFrontHeadersPolicyRead",
        Effect: "Allow",
        Action: ["cloudfront:GetResponseHeadersPolicy", "cloudfront:GetResponseHeadersPolicyConfig"],
        Resource: a.responseHeadersPolicies,
        Condition: { StringEquals: inCloudFrontRegion() },
      },
    );
  if (a.dataBucket)
    statements.push({
      Sid: "DataBucketRead",
      Effect: "Allow",
      Action: [
        "s3:GetBucket*",
        "s3:GetEncryptionConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:GetAccelerateConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
      ],
      Resource: a.dataBucket,
    });
  return statements;
}

/** The drift role's refresh reads (it also has the preview policy); attached to the deploy role as well. */
export function driftPolicy(s: CiScope, ci: CiIdentityArns): PolicyDocument {
  return policy(driftStatements(s, ci));
}
