// AWS access for GitHub Actions (requirement C2). Two modes:
//
// - "oidc": the GitHub OIDC provider (one per account; created here or referenced by ARN) and two roles that
//   only this repository's workflows can assume, with short-lived credentials and no stored keys:
//     deploy  — `pulumi up` for this one stack; trusted by the configured branches, tags and environments.
//     preview — read-only (`pulumi preview`, the nightly `preview --refresh`); trusted by pull requests and
//               the configured branches. Kept apart because pull-request code is not yet reviewed.
//   Both share one managed read policy; the deploy role adds its own inline policy of changes.
// - "user": the seeds' model (seed 001 §5): an IAM user that may push to exactly this stack's ECR repository,
//   with an access key whose secret is only ever a secret stack output.
//
// Both roles and the user live under the IAM path /ferry-ci/, so their ARNs (`role/ferry-ci/...`) can never
// match the `role/<prefix>*` pattern the deploy role may manage: it cannot edit its own permissions. An
// explicit Deny says the same for the CI identities and the shared OIDC provider.
//
// The policies are built by the pure functions below (tests read them directly) from a `CiScope`: the names
// and tags this stack's resources carry. What AWS does not let us scope is scoped by region and said so.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName, NAME_LIMITS } from "./names";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials requests (its `audience` input's default). */
export const STS_AUDIENCE = "sts.amazonaws.com";
/** IAM path of every CI identity; outside every pattern the deploy role may manage. */
export const CI_PATH = "/ferry-ci/";
/** The tag key that says which stack a resource belongs to (the provider's default tags set it). */
export const STACK_TAG = "stack";
/** IAM user names, like role names, are at most 64 characters; managed policy names 128. */
const IAM_USER_NAME_LIMIT = 64;
const IAM_POLICY_NAME_LIMIT = 128;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: { readonly Federated: string };
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

// ---------------------------------------------------------------------------------------------------------
// Trust: who may assume a role
// ---------------------------------------------------------------------------------------------------------

export interface GithubRepository {
  /** "owner/name", exactly as GitHub spells it: `sub` matching is case-sensitive. */
  readonly repository: string;
  /** Numeric owner and repository ids (`gh api repos/OWNER/REPO --jq '.owner.id, .id'`). */
  readonly ownerId?: number;
  readonly repositoryId?: number;
}

/** Who may assume a role, as the context part of GitHub's `sub` claim. */
export interface GithubSubjects {
  /** Branch names or patterns → `ref:refs/heads/<branch>`. */
  readonly branches?: readonly string[];
  /** Tag names or patterns → `ref:refs/tags/<tag>`. */
  readonly tags?: readonly string[];
  /** GitHub environments → `environment:<name>` (a job with `environment:` gets this, whatever its ref). */
  readonly environments?: readonly string[];
  /** Workflows triggered by `pull_request` → `pull_request`. */
  readonly pullRequests?: boolean;
}

/** The context part of each allowed `sub`. */
export function subjectContexts(s: GithubSubjects): string[] {
  return [
    ...(s.branches ?? []).map((b) => `ref:refs/heads/${b}`),
    ...(s.tags ?? []).map((t) => `ref:refs/tags/${t}`),
    ...(s.environments ?? []).map((e) => `environment:${e}`),
    ...(s.pullRequests ? ["pull_request"] : []),
  ];
}

/**
 * Every `sub` value a role accepts, in both shapes GitHub issues (configure-aws-credentials README, GitHub
 * changelog 2026-04-23 "immutable subject claims"):
 *   repo:OWNER/REPO:<context>                      repositories created before the cut-over, not opted in
 *   repo:OWNER@OWNER_ID/REPO@REPO_ID:<context>     repositories created, renamed or transferred after it,
 *                                                  or opted in
 * With the ids configured the second shape is exact. Without them the ids are `*`; since GitHub names
 * cannot contain "@", "/" or ":", the pattern still names this owner and repository only — but it is then
 * no stronger than the legacy shape against a deleted-and-re-registered name, which the ids exist to stop.
 */
export function subjectPatterns(repo: GithubRepository, subjects: GithubSubjects): string[] {
  const [owner, name] = repo.repository.split("/");
  if (!owner || !name || repo.repository.split("/").length !== 2 || /[*?@:]/.test(repo.repository))
    throw new Error(`ciAccess: repository must be "owner/name", got "${repo.repository}"`);
  const contexts = subjectContexts(subjects);
  const ids =
    repo.ownerId !== undefined && repo.repositoryId !== undefined
      ? { owner: String(repo.ownerId), repo: String(repo.repositoryId) }
      : { owner: "*", repo: "*" };
  return [
    ...contexts.map((c) => `repo:${owner}/${name}:${c}`),
    ...contexts.map((c) => `repo:${owner}@${ids.owner}/${name}@${ids.repo}:${c}`),
  ];
}

/** Trust policy: GitHub's OIDC provider, audience pinned to STS, `sub` limited to this repository's subjects. */
export function trustPolicy(providerArn: string, subs: readonly string[]): PolicyDocument {
  if (subs.length === 0) throw new Error("ciAccess: a role needs at least one allowed sub");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE },
          // StringLike because branch/tag patterns and unset ids use "*"; every value is anchored on this
          // repository, so "*" never widens the owner or the repository.
          StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: [...subs] },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Permissions: what each identity may do
// ---------------------------------------------------------------------------------------------------------

/** Names, tags and places of one stack's resources: what the CI policies are scoped to. */
export interface CiScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** "<app>-<stack>": the start of the name of every resource the stack names itself. */
  readonly prefix: string;
  /** Tags the provider puts on every resource of this stack; must include STACK_TAG (and should `app`). */
  readonly tags: Readonly<Record<string, string>>;
  readonly topology: "ec2-demo" | "fargate-ha";
  /** ECR repository name. */
  readonly repositoryName: string;
  /** ECS cluster name (fargate-ha). */
  readonly clusterName?: string;
  /** CloudWatch log group of the service (fargate-ha). */
  readonly logGroupName?: string;
  /** S3 data bucket: its exact name, else the prefix of its generated name. */
  readonly dataBucket?: { readonly name?: string; readonly namePrefix: string };
  /** The demo's wake page function (ec2-demo with demo.wake); its log group is /aws/lambda/<name>. */
  readonly wakeFunctionName?: string;
  /** The demo's DNS parking function and its EventBridge rule (ec2-demo with a DNS record); same name. */
  readonly parkFunctionName?: string;
  /** Hosted zone the stack writes records in. */
  readonly hostedZoneArn?: string;
  /** Customer KMS keys of secrets the program stores from stack config. */
  readonly secretKmsKeyArns: readonly string[];
  /** Self-managed backend: the S3 bucket and the project, to reach this stack's state objects only. */
  readonly state?: { readonly bucket: string; readonly project: string; readonly stack: string };
  /** KMS key of an awskms:// secrets provider. */
  readonly secretsKmsKeyArn?: string;
}

/** What managing one log group (the service's, the wake page's) takes. */
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

const regional = (s: CiScope) => ({ StringEquals: { "aws:RequestedRegion": s.region } });
/** EC2/ELB ids are random, so "this stack's" is the tags the provider puts on everything it creates. */
const ownTags = (s: CiScope) => ({
  StringEquals: {
    "aws:RequestedRegion": s.region,
    ...Object.fromEntries(Object.entries(s.tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
  },
});

function arns(s: CiScope) {
  const p = s.partition;
  const at = `${s.region}:${s.accountId}`;
  return {
    ecrRepository: `arn:${p}:ecr:${at}:repository/${s.repositoryName}`,
    roles: `arn:${p}:iam::${s.accountId}:role/${s.prefix}*`,
    instanceProfiles: `arn:${p}:iam::${s.accountId}:instance-profile/${s.prefix}*`,
    serviceLinkedRoles: `arn:${p}:iam::${s.accountId}:role/aws-service-role/*`,
    // Parameters the program writes: secrets from config (/<prefix>/NAME) and the demo's image reference.
    parameters: [
      `arn:${p}:ssm:${at}:parameter/${s.prefix}/*`,
      `arn:${p}:ssm:${at}:parameter/ferry/${s.prefix}/*`,
    ],
    // Secrets Manager appends "-XXXXXX" to the name "<prefix>/NAME-…": the pattern covers both.
    secrets: `arn:${p}:secretsmanager:${at}:secret:${s.prefix}/*`,
    alarms: `arn:${p}:cloudwatch:${at}:alarm:${s.prefix}-*`,
    topics: [`arn:${p}:sns:${at}:${s.prefix}-*`],
    cluster: s.clusterName ? `arn:${p}:ecs:${at}:cluster/${s.clusterName}` : undefined,
    services: s.clusterName ? `arn:${p}:ecs:${at}:service/${s.clusterName}/*` : undefined,
    taskDefinitions: `arn:${p}:ecs:${at}:task-definition/${s.prefix}*:*`,
    logGroup: s.logGroupName
      ? [
          `arn:${p}:logs:${at}:log-group:${s.logGroupName}`,
          `arn:${p}:logs:${at}:log-group:${s.logGroupName}:*`,
        ]
      : undefined,
    dataBucket: s.dataBucket
      ? `arn:${p}:s3:::${s.dataBucket.name ?? `${s.dataBucket.namePrefix}*`}`
      : undefined,
    instances: `arn:${p}:ec2:${at}:instance/*`,
    runShellScript: `arn:${p}:ssm:${s.region}::document/AWS-RunShellScript`,
    // The demo's functions (wake page, DNS parking) and their log groups, for one set of statements.
    demoFunctions: [s.wakeFunctionName, s.parkFunctionName]
      .filter((n): n is string => n !== undefined)
      .map((n) => `arn:${p}:lambda:${at}:function:${n}`),
    demoLogGroups: [s.wakeFunctionName, s.parkFunctionName]
      .filter((n): n is string => n !== undefined)
      .flatMap((n) => [
        `arn:${p}:logs:${at}:log-group:/aws/lambda/${n}`,
        `arn:${p}:logs:${at}:log-group:/aws/lambda/${n}:*`,
      ]),
    parkRule: s.parkFunctionName ? `arn:${p}:events:${at}:rule/${s.parkFunctionName}` : undefined,
  };
}

/** Reads a preview or refresh needs. Describe/List/Get calls of these services accept only Resource "*". */
function readStatements(s: CiScope): PolicyStatement[] {
  const a = arns(s);
  const statements: PolicyStatement[] = [
    {
      // No resource-level permissions exist for GetCallerIdentity (it reveals only the caller itself).
      Sid: "Identity",
      Effect: "Allow",
      Action: ["sts:GetCallerIdentity"],
      Resource: "*",
    },
    {
      Sid: "DescribeInRegion",
      Effect: "Allow",
      Action: [
        "ec2:Describe*",
        "ecs:Describe*",
        "ecs:List*",
        "elasticloadbalancing:Describe*",
        "application-autoscaling:Describe*",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "logs:DescribeLogGroups",
        "logs:ListTagsForResource",
        "logs:ListTagsLogGroup",
        "sns:GetTopicAttributes",
        "sns:GetSubscriptionAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:ListTagsForResource",
        "ssm:DescribeParameters",
        "ssm:ListTagsForResource",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:ListSecrets",
        "acm:DescribeCertificate",
        "acm:ListCertificates",
        "acm:ListTagsForCertificate",
        "ecr:DescribeRepositories",
        "ecr:DescribeImages",
        "ecr:ListImages",
        "ecr:ListTagsForResource",
        "ecr:GetLifecyclePolicy",
        "ecr:GetRepositoryPolicy",
      ],
      Resource: "*",
      Condition: regional(s),
    },
    ...(a.demoFunctions.length
      ? [
          {
            Sid: "WakeFunctionRead",
            Effect: "Allow" as const,
            Action: [
              "lambda:GetFunction",
              "lambda:GetFunctionConfiguration",
              "lambda:GetFunctionCodeSigningConfig",
              "lambda:GetFunctionUrlConfig",
              "lambda:GetPolicy",
              "lambda:ListVersionsByFunction",
              "lambda:ListTags",
            ],
            Resource: a.demoFunctions,
          },
        ]
      : []),
    ...(a.parkRule
      ? [
          {
            Sid: "ParkRuleRead",
            Effect: "Allow" as const,
            Action: ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"],
            Resource: a.parkRule,
          },
        ]
      : []),
    {
      // IAM and Route 53 are global: requests carry no region to condition on.
      Sid: "DescribeGlobal",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:GetInstanceProfile",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetOpenIDConnectProvider",
        "iam:GetUser",
        "iam:ListAccessKeys",
        "iam:GetUserPolicy",
        "iam:ListUserPolicies",
        "route53:GetHostedZone",
        "route53:ListHostedZones",
        "route53:ListHostedZonesByName",
        "route53:ListResourceRecordSets",
        "route53:ListTagsForResource",
        "route53:GetChange",
      ],
      Resource: "*",
    },
    {
      // ecr:GetAuthorizationToken accepts only Resource "*"; the token is useless without repository access.
      Sid: "EcrLogin",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: "*",
    },
    {
      // Pulls the build cache during a preview build.
      Sid: "EcrPull",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: a.ecrRepository,
    },
  ];
  if (s.dataBucket)
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
      Resource: a.dataBucket!,
    });
  return statements;
}

/**
 * A refresh reads back the parameters and secrets the program stored: the image reference and the values the
 * stack's config already holds encrypted (which CI decrypts anyway). Secrets that exist outside the program
 * (ssmParameter / secretsManager in ferry:app.secrets) are never read by CI.
 */
function storedSecretReadStatements(s: CiScope): PolicyStatement[] {
  const a = arns(s);
  const statements: PolicyStatement[] = [
    {
      Sid: "StackParametersRead",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "secretsmanager:GetSecretValue"],
      Resource: [...a.parameters, a.secrets],
    },
  ];
  if (s.secretKmsKeyArns.length)
    statements.push({
      Sid: "StoredSecretsKey",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [...s.secretKmsKeyArns],
    });
  return statements;
}

/** This stack's objects in a self-managed S3 backend (Pulumi's project-scoped layout under .pulumi/). */
function stateObjects(s: CiScope) {
  if (!s.state) return undefined;
  const bucket = `arn:${s.partition}:s3:::${s.state.bucket}`;
  const { project, stack } = s.state;
  return {
    bucket,
    own: [
      `${bucket}/.pulumi/stacks/${project}/${stack}.json*`,
      `${bucket}/.pulumi/history/${project}/${stack}/*`,
      `${bucket}/.pulumi/backups/${project}/${stack}/*`,
    ],
    locks: `${bucket}/.pulumi/locks/${project}/${stack}/*`,
  };
}

/** Reading the stack's state and secrets; even a preview takes (writes) the stack's lock. */
function stateReadStatements(s: CiScope): PolicyStatement[] {
  const o = stateObjects(s);
  const statements: PolicyStatement[] = [];
  if (o)
    statements.push(
      { Sid: "StateBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: o.bucket },
      {
        Sid: "StateList",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: o.bucket,
        Condition: { StringLike: { "s3:prefix": [".pulumi/*", ".pulumi"] } },
      },
      {
        Sid: "StateRead",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`${o.bucket}/.pulumi/meta.yaml`, ...o.own, o.locks],
      },
      { Sid: "StateLock", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: o.locks },
    );
  if (s.secretsKmsKeyArn)
    statements.push({
      Sid: "StackSecretsDecrypt",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: s.secretsKmsKeyArn,
    });
  return statements;
}

/** Writing the stack's state (checkpoints, history, backups) and encrypting new stack secrets. */
function stateUpdateStatements(s: CiScope): PolicyStatement[] {
  const o = stateObjects(s);
  const statements: PolicyStatement[] = [];
  if (o)
    statements.push({
      Sid: "StateWrite",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: o.own,
    });
  if (s.secretsKmsKeyArn)
    statements.push({
      Sid: "StackSecretsEncrypt",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: s.secretsKmsKeyArn,
    });
  return statements;
}

/**
 * What both roles may read: enough for `pulumi preview` and `pulumi preview --refresh`. A managed policy
 * (attached to the preview and the deploy role), so the deploy role's inline policy stays under IAM's size
 * limit. Its only write is the stack's lock in a self-managed backend.
 */
export function readPolicy(s: CiScope): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [...readStatements(s), ...storedSecretReadStatements(s), ...stateReadStatements(s)],
  };
}

/**
 * The deploy role's own policy: the changes `pulumi up` of this one stack makes, scoped to it where AWS
 * allows (the role also has readPolicy). `protectedArns`: the CI identities, their read policy and the OIDC
 * provider, which only a person changes.
 */
export function deployPolicy(s: CiScope, protectedArns: readonly string[]): PolicyDocument {
  const a = arns(s);
  const fargate = s.topology === "fargate-ha";
  const statements: PolicyStatement[] = [
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
    {
      // Only the stack's own roles ("<prefix>…", path /). AttachRolePolicy is limited to the one managed
      // policy the program attaches, so AdministratorAccess & co. cannot be attached.
      Sid: "IamRoles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:UntagInstanceProfile",
      ],
      Resource: [a.roles, a.instanceProfiles],
    },
    {
      Sid: "IamManagedPolicies",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: a.roles,
      Condition: {
        ArnEquals: { "iam:PolicyARN": [`arn:${s.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`] },
      },
    },
    {
      // Hands the stack's roles to EC2 (instance profile) or ECS (task and execution roles) only.
      Sid: "IamPassRole",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: a.roles,
      Condition: {
        StringEquals: {
          "iam:PassedToService": [
            "ec2.amazonaws.com",
            "ecs-tasks.amazonaws.com",
            ...(s.wakeFunctionName || s.parkFunctionName ? ["lambda.amazonaws.com"] : []),
          ],
        },
      },
    },
    {
      // First use of ECS, load balancing, ECS auto scaling or an alarm's EC2 action in an account creates
      // these AWS-defined roles; nothing else can be created here.
      Sid: "IamServiceLinkedRoles",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: a.serviceLinkedRoles,
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": [
            "ecs.amazonaws.com",
            "elasticloadbalancing.amazonaws.com",
            "ecs.application-autoscaling.amazonaws.com",
            "events.amazonaws.com",
          ],
        },
      },
    },
    {
      Sid: "SsmParameters",
      Effect: "Allow",
      Action: [
        "ssm:PutParameter",
        "ssm:DeleteParameter",
        "ssm:AddTagsToResource",
        "ssm:RemoveTagsFromResource",
      ],
      Resource: a.parameters,
    },
    {
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
    },
    {
      // Run*/Create* name no existing resource (ids are random until created): region is all AWS lets us
      // scope them by. Everything that changes or deletes an existing resource is in Ec2OwnResources.
      Sid: "Ec2Create",
      Effect: "Allow",
      Action: [
        "ec2:RunInstances",
        "ec2:CreateSecurityGroup",
        "ec2:CreateVpc",
        "ec2:CreateSubnet",
        "ec2:CreateInternetGateway",
        "ec2:CreateRouteTable",
      ],
      Resource: "*",
      Condition: regional(s),
    },
    {
      // Tags are how this policy recognises the stack's EC2 resources, so tagging is allowed only on what
      // is already this stack's, or on what carries no stack tag yet (being created). A resource tagged
      // for another stack can be neither re-tagged nor, below, changed.
      Sid: "Ec2TagOwn",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: "*",
      Condition: ownTags(s),
    },
    {
      Sid: "Ec2TagNew",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: "*",
      Condition: { ...regional(s), Null: { [`aws:ResourceTag/${STACK_TAG}`]: "true" } },
    },
    {
      Sid: "Ec2OwnResources",
      Effect: "Allow",
      Action: [
        "ec2:DeleteTags",
        "ec2:StartInstances",
        "ec2:StopInstances",
        "ec2:RebootInstances",
        "ec2:TerminateInstances",
        "ec2:ModifyInstanceAttribute",
        "ec2:ModifyInstanceMetadataOptions",
        "ec2:AssociateIamInstanceProfile",
        "ec2:ReplaceIamInstanceProfileAssociation",
        "ec2:DisassociateIamInstanceProfile",
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
      ],
      Resource: "*",
      Condition: ownTags(s),
    },
    {
      Sid: "Alarms",
      Effect: "Allow",
      Action: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      Resource: a.alarms,
    },
  ];

  if (s.hostedZoneArn)
    statements.push({
      Sid: "DnsRecords",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: s.hostedZoneArn,
    });

  if (s.secretKmsKeyArns.length)
    statements.push({
      Sid: "StoredSecretsEncrypt",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: [...s.secretKmsKeyArns],
    });

  if (s.topology === "ec2-demo")
    statements.push(
      {
        // D8 rollout (scripts/instance/rollout.sh): Run Command's shell document on the stack's instance.
        Sid: "RolloutDocument",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: a.runShellScript,
      },
      {
        Sid: "RolloutInstance",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: a.instances,
        Condition: ownTags(s),
      },
      {
        // Command ids are random; these reads accept only Resource "*".
        Sid: "RolloutStatus",
        Effect: "Allow",
        Action: ["ssm:GetCommandInvocation", "ssm:ListCommandInvocations", "ssm:ListCommands"],
        Resource: "*",
        Condition: regional(s),
      },
    );

  if (a.demoFunctions.length)
    statements.push(
      {
        Sid: "WakeFunction",
        Effect: "Allow",
        Action: [
          "lambda:CreateFunction",
          "lambda:DeleteFunction",
          "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration",
          "lambda:CreateFunctionUrlConfig",
          "lambda:UpdateFunctionUrlConfig",
          "lambda:DeleteFunctionUrlConfig",
          "lambda:AddPermission",
          "lambda:RemovePermission",
          "lambda:TagResource",
          "lambda:UntagResource",
        ],
        Resource: a.demoFunctions,
      },
      {
        Sid: "WakeLogs",
        Effect: "Allow",
        Action: [...LOG_GROUP_ACTIONS],
        Resource: a.demoLogGroups,
      },
    );
  if (a.parkRule)
    statements.push({
      // The demo's DNS parking rule: EC2 state changes of the stack's instance to its function.
      Sid: "ParkRule",
      Effect: "Allow",
      Action: [
        "events:PutRule",
        "events:DeleteRule",
        "events:PutTargets",
        "events:RemoveTargets",
        "events:TagResource",
        "events:UntagResource",
      ],
      Resource: a.parkRule,
    });

  if (fargate) {
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
        Resource: [a.cluster!, a.services!, a.taskDefinitions],
      },
      {
        Sid: "EcsService",
        Effect: "Allow",
        Action: ["ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService"],
        Resource: a.services!,
        Condition: { ArnEquals: { "ecs:cluster": a.cluster! } },
      },
      {
        // RegisterTaskDefinition and DeregisterTaskDefinition support no resource-level permissions.
        Sid: "EcsTaskDefinitions",
        Effect: "Allow",
        Action: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"],
        Resource: "*",
        Condition: regional(s),
      },
      {
        // Load balancer, target group and listener ids are generated by AWS; creation can only be region-
        // scoped. Changes need the stack's tags (the provider tags at creation).
        Sid: "LoadBalancingCreate",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:CreateLoadBalancer",
          "elasticloadbalancing:CreateTargetGroup",
          "elasticloadbalancing:CreateListener",
          "elasticloadbalancing:CreateRule",
        ],
        Resource: "*",
        Condition: regional(s),
      },
      {
        Sid: "LoadBalancingTagNew",
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags"],
        Resource: "*",
        Condition: { ...regional(s), Null: { [`aws:ResourceTag/${STACK_TAG}`]: "true" } },
      },
      {
        Sid: "LoadBalancingOwn",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:AddTags",
          "elasticloadbalancing:RemoveTags",
          "elasticloadbalancing:Modify*",
          "elasticloadbalancing:Set*",
          "elasticloadbalancing:Delete*",
          "elasticloadbalancing:RegisterTargets",
          "elasticloadbalancing:DeregisterTargets",
          "elasticloadbalancing:AddListenerCertificates",
          "elasticloadbalancing:RemoveListenerCertificates",
        ],
        Resource: "*",
        Condition: ownTags(s),
      },
      {
        // Scalable targets are identified by service ids, not ARNs the stack names: region only.
        Sid: "ServiceAutoScaling",
        Effect: "Allow",
        Action: [
          "application-autoscaling:RegisterScalableTarget",
          "application-autoscaling:DeregisterScalableTarget",
          "application-autoscaling:PutScalingPolicy",
          "application-autoscaling:DeleteScalingPolicy",
          "application-autoscaling:TagResource",
          "application-autoscaling:UntagResource",
          "application-autoscaling:ListTagsForResource",
        ],
        Resource: "*",
        Condition: regional(s),
      },
      {
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
        Resource: [...a.topics, ...a.topics.map((t) => `${t}:*`)],
      },
      {
        // ACM certificate ids are random; request/delete are region-scoped.
        Sid: "Certificates",
        Effect: "Allow",
        Action: [
          "acm:RequestCertificate",
          "acm:DeleteCertificate",
          "acm:AddTagsToCertificate",
          "acm:RemoveTagsFromCertificate",
        ],
        Resource: "*",
        Condition: regional(s),
      },
    );
    if (a.logGroup)
      statements.push({
        Sid: "Logs",
        Effect: "Allow",
        Action: [...LOG_GROUP_ACTIONS],
        Resource: a.logGroup,
      });
    if (a.dataBucket)
      statements.push({
        Sid: "DataBucket",
        Effect: "Allow",
        Action: [
          "s3:CreateBucket",
          "s3:DeleteBucket",
          "s3:PutBucket*",
          "s3:DeleteBucketPolicy",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
        ],
        Resource: a.dataBucket,
      });
  }

  statements.push({
    // Belt and braces to the /ferry-ci/ path: the CI identities and the account's shared OIDC provider are
    // changed only by a person running `pulumi up` locally (README, CI/CD section).
    Sid: "NeverOwnAccess",
    Effect: "Deny",
    Action: [
      "iam:Put*",
      "iam:Attach*",
      "iam:Detach*",
      "iam:Delete*",
      "iam:Update*",
      "iam:Create*",
      "iam:Tag*",
      "iam:Untag*",
      "iam:PassRole",
      "iam:AddClientIDToOpenIDConnectProvider",
      "iam:RemoveClientIDFromOpenIDConnectProvider",
    ],
    Resource: [...protectedArns],
  });
  return { Version: "2012-10-17", Statement: statements };
}

/** The seeds' CI user: push (and list) images in exactly one repository. */
export function ecrPushPolicy(repositoryArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        // GetAuthorizationToken accepts only Resource "*"; the token grants nothing beyond this policy.
        Sid: "EcrLogin",
        Effect: "Allow",
        Action: ["ecr:GetAuthorizationToken"],
        Resource: "*",
      },
      {
        Sid: "EcrPush",
        Effect: "Allow",
        Action: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:DescribeImages",
          "ecr:ListImages",
          "ecr:DescribeRepositories",
        ],
        Resource: repositoryArn,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------------------

/** `CiScope` as the stack knows it: the account and partition are looked up by the component. */
export type CiScopeArgs = Omit<CiScope, "accountId" | "partition" | "hostedZoneArn"> & {
  readonly hostedZoneArn?: pulumi.Input<string>;
};

export interface CiAccessArgs {
  /** "oidc": roles assumed with GitHub's OIDC token; "user": an ECR-push IAM user with an access key. @default "oidc" */
  readonly mode?: "oidc" | "user";
  /** The only repository whose workflows may assume the roles. */
  readonly github: GithubRepository;
  /** Who may assume the deploy role (oidc). */
  readonly deploy: GithubSubjects;
  /** Who may assume the read-only preview role (oidc); no subjects = no preview role. @default {} */
  readonly preview?: GithubSubjects;
  /** ARN of the account's existing GitHub OIDC provider. @default a new provider (one per account) */
  readonly oidcProviderArn?: pulumi.Input<string>;
  /** The stack's names, tags and places the permissions are scoped to. */
  readonly scope: CiScopeArgs;
}

export class CiAccess extends pulumi.ComponentResource {
  /** Role the deploy workflow assumes (oidc). */
  public readonly deployRoleArn?: pulumi.Output<string>;
  /** Read-only role for pull-request previews and drift checks (oidc, when it has subjects). */
  public readonly previewRoleArn?: pulumi.Output<string>;
  /** The GitHub OIDC provider the roles trust (oidc). */
  public readonly oidcProviderArn?: pulumi.Output<string>;
  /** The ECR-push user (user mode). */
  public readonly userName?: pulumi.Output<string>;
  public readonly accessKeyId?: pulumi.Output<string>;
  /** Always a secret Output. */
  public readonly secretAccessKey?: pulumi.Output<string>;

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:ci:CiAccess", name, {}, opts);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const scope: pulumi.Output<CiScope> = pulumi
      .all([identity.accountId, partition.partition, pulumi.output(args.scope.hostedZoneArn)])
      .apply(([accountId, p, zone]) => ({ ...args.scope, accountId, partition: p, hostedZoneArn: zone }));

    if ((args.mode ?? "oidc") === "user") {
      const user = this.createPushUser(name, args, scope);
      this.userName = user.name;
      this.accessKeyId = user.accessKeyId;
      this.secretAccessKey = user.secretAccessKey;
      this.registerOutputs({ userName: this.userName, accessKeyId: this.accessKeyId });
      return;
    }

    if (!(STACK_TAG in args.scope.tags))
      throw new Error(
        `ciAccess: scope.tags needs the "${STACK_TAG}" tag; the EC2 and ELB statements depend on it`,
      );
    const providerArn = this.provider(name, args);
    this.oidcProviderArn = providerArn;
    const deploy = this.createRole(name, args, providerArn, "deploy", args.deploy);
    const previewSubjects = subjectContexts(args.preview ?? {});
    const preview = previewSubjects.length
      ? this.createRole(name, args, providerArn, "preview", args.preview ?? {})
      : undefined;

    // Reads both roles need, as one managed policy (managed policies have their own size budget).
    const read = new aws.iam.Policy(
      `${name}-read`,
      {
        name: physicalName(`${args.scope.prefix}-ci`, "read", IAM_POLICY_NAME_LIMIT),
        path: CI_PATH,
        description: `ferry ${args.scope.prefix}: what CI may read for preview, refresh and deploy`,
        policy: pulumi.jsonStringify(scope.apply(readPolicy)),
      },
      { parent: this },
    );
    for (const [kind, role] of [
      ["deploy", deploy],
      ["preview", preview],
    ] as const)
      if (role)
        new aws.iam.RolePolicyAttachment(
          `${name}-${kind}-read`,
          { role: role.name, policyArn: read.arn },
          { parent: this },
        );

    const protectedArns = pulumi.all([deploy.arn, ...(preview ? [preview.arn] : []), read.arn, providerArn]);
    new aws.iam.RolePolicy(
      `${name}-deploy-policy`,
      {
        role: deploy.name,
        policy: pulumi.jsonStringify(
          pulumi.all([scope, protectedArns]).apply(([s, arns]) => deployPolicy(s, arns)),
        ),
      },
      { parent: this },
    );

    this.deployRoleArn = deploy.arn;
    this.previewRoleArn = preview?.arn;
    this.registerOutputs({
      deployRoleArn: this.deployRoleArn,
      previewRoleArn: this.previewRoleArn,
      oidcProviderArn: this.oidcProviderArn,
    });
  }

  /** One GitHub provider per account: reuse the configured one, or create it and keep it on destroy. */
  private provider(name: string, args: CiAccessArgs): pulumi.Output<string> {
    if (args.oidcProviderArn !== undefined) return pulumi.output(args.oidcProviderArn);
    return new aws.iam.OpenIdConnectProvider(
      `${name}-github-oidc`,
      {
        url: GITHUB_OIDC_URL,
        clientIdLists: [STS_AUDIENCE],
        // No thumbprints: IAM validates GitHub's certificate against its own trusted CAs.
      },
      // Other stacks of the account may trust it by then: destroying this stack must not remove it.
      { parent: this, retainOnDelete: true },
    ).arn;
  }

  private createRole(
    name: string,
    args: CiAccessArgs,
    providerArn: pulumi.Output<string>,
    kind: "deploy" | "preview",
    subjects: GithubSubjects,
  ) {
    const subs = subjectPatterns(args.github, subjects);
    return new aws.iam.Role(
      `${name}-${kind}`,
      {
        name: physicalName(`${args.scope.prefix}-ci`, kind, NAME_LIMITS.iamRole),
        path: CI_PATH,
        description: `ferry ${args.scope.prefix}: GitHub Actions of ${args.github.repository} (${kind})`,
        assumeRolePolicy: pulumi.jsonStringify(providerArn.apply((arn) => trustPolicy(arn, subs))),
      },
      { parent: this },
    );
  }

  private createPushUser(name: string, args: CiAccessArgs, scope: pulumi.Output<CiScope>) {
    const user = new aws.iam.User(
      `${name}-push-user`,
      { name: physicalName(`${args.scope.prefix}-ci`, "push", IAM_USER_NAME_LIMIT), path: CI_PATH },
      { parent: this },
    );
    const repositoryArn = scope.apply((s) => arns(s).ecrRepository);
    new aws.iam.UserPolicy(
      `${name}-push-policy`,
      { user: user.name, policy: pulumi.jsonStringify(repositoryArn.apply(ecrPushPolicy)) },
      { parent: this },
    );
    const key = new aws.iam.AccessKey(`${name}-push-key`, { user: user.name }, { parent: this });
    return { name: user.name, accessKeyId: key.id, secretAccessKey: pulumi.secret(key.secret) };
  }
}
