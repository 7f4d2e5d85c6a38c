// The preview role's policy: exactly what a pull request's `pulumi preview` (no refresh) calls. A preview
// diffs the program against the stored state, so AWS is asked only for the program's lookups (the caller's
// account, the AMI, the default VPC and its subnets, availability zones, the hosted zone, secrets named by
// config), the registry login and the build cache. No user data, task definitions, policies, access keys,
// parameter or secret values: a pull request's code runs with these credentials before anyone reviews it.
import { policy, type PolicyDocument, type PolicyStatement } from "./document";
import { arnsOf, inRegion, type CiScope } from "./scope";
import { stateReadStatements } from "./state";

/** Lookups the program makes on every run (data sources / invokes) that AWS grants only on "*". */
export const PREVIEW_LOOKUPS: readonly string[] = [
  "ec2:DescribeImages",
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeVpcs",
  "ec2:DescribeSubnets",
];

export function previewStatements(s: CiScope): PolicyStatement[] {
  const a = arnsOf(s);
  const statements: PolicyStatement[] = [
    {
      // Reveals only the caller itself; the provider checks the account against aws:allowedAccountIds.
      Sid: "Identity",
      Effect: "Allow",
      Action: ["sts:GetCallerIdentity"],
      Resource: "*",
    },
    {
      // Metadata only; these calls have no resource-level permissions.
      Sid: "Lookups",
      Effect: "Allow",
      Action: [...PREVIEW_LOOKUPS],
      Resource: "*",
      Condition: { StringEquals: inRegion(s) },
    },
    {
      // GetAuthorizationToken accepts only "*"; the token reaches no repository without the statement below.
      Sid: "EcrLogin",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: "*",
    },
    {
      // The image build's cache comes from the stack's own repository.
      Sid: "EcrPull",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: a.ecrRepository,
    },
  ];
  if (s.cloudfront)
    statements.push(
      {
        // aws.ec2.getManagedPrefixList (CloudFront's origin-facing servers): the listing accepts only "*".
        Sid: "PrefixListLookup",
        Effect: "Allow",
        Action: ["ec2:DescribeManagedPrefixLists"],
        Resource: "*",
        Condition: { StringEquals: inRegion(s) },
      },
      {
        // ...and its entries: AWS-managed lists only (owner "aws"), public address ranges.
        Sid: "PrefixListEntries",
        Effect: "Allow",
        Action: ["ec2:GetManagedPrefixListEntries"],
        Resource: a.awsPrefixLists,
        Condition: { StringEquals: inRegion(s) },
      },
    );
  if (s.dns)
    statements.push(
      {
        // aws.route53.getZone by name: the listing calls accept only "*" and return zone names and ids.
        Sid: "ZoneLookup",
        Effect: "Allow",
        Action: ["route53:ListHostedZones", "route53:ListHostedZonesByName"],
        Resource: "*",
      },
      {
        Sid: "ZoneRead",
        Effect: "Allow",
        Action: ["route53:GetHostedZone", "route53:ListTagsForResource"],
        Resource: s.dns.zoneArn,
      },
    );
  if (a.lookedUpSecrets.length)
    statements.push({
      // aws.secretsmanager.getSecret for secrets named in config: their metadata, never their value.
      Sid: "SecretLookups",
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
      Resource: a.lookedUpSecrets,
    });
  return statements;
}

/** The preview role's only policy; the deploy and drift roles have it too. */
export function previewPolicy(s: CiScope): PolicyDocument {
  return policy([...previewStatements(s), ...stateReadStatements(s)]);
}
