// The demo instance role's own IAM documents (exact ARNs; SSM agent access comes from the AWS managed policy).
import { ecrPullStatements } from "../image";
import { ADDRESS_TAG, STATUS_TAG } from "../runtimeTags";
import { readStatements } from "../secrets";

export interface InstancePolicyInput {
  /** ECR repository the image comes from; undefined when the image is not in ECR (nothing to grant). */
  readonly repositoryArn?: string;
  readonly imageParameterArn: string;
  readonly secrets: ReadonlyArray<{ kind: "ssm" | "secretsmanager"; arn: string; kmsKeyArn?: string }>;
  readonly dns?: { readonly zoneArn: string; readonly fqdn: string };
}

/** The instance role's own permissions, on exact ARNs. (SSM agent access comes from the AWS managed policy.) */
export function instancePolicyDocument(i: InstancePolicyInput): string {
  const statements: Record<string, unknown>[] = [];
  if (i.repositoryArn) statements.push(...ecrPullStatements(i.repositoryArn));
  statements.push({
    Sid: "ImageReference",
    Effect: "Allow",
    Action: ["ssm:GetParameter"],
    Resource: [i.imageParameterArn],
  });
  statements.push(...readStatements(i.secrets).map((s, n) => ({ Sid: `Secrets${n}`, ...s })));
  // AmazonSSMManagedInstanceCore (needed for Session Manager and Run Command) also allows reading every
  // SSM parameter in the account. An explicit Deny outranks that Allow: this host reads its own parameters
  // and nothing else (S4: read access for exactly the role that needs it).
  statements.push({
    Sid: "OnlyOwnParameters",
    Effect: "Deny",
    Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
    NotResource: [i.imageParameterArn, ...i.secrets.filter((e) => e.kind === "ssm").map((e) => e.arn)],
  });
  if (i.dns) {
    statements.push({
      Sid: "DnsRecord",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: [i.dns.zoneArn],
      // Only its own name (Route 53 compares the lower-case name without the trailing dot), only type A:
      // a leaked instance credential cannot repoint or delete the rest of the zone. UPSERT at boot; DELETE
      // plus CREATE in one batch at shutdown, to park the record only while it still holds this host's address.
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            i.dns.fqdn.toLowerCase().replace(/\.$/, ""),
          ],
          "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
          "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE", "CREATE"],
        },
      },
    });
    // Change IDs are not known in advance; this action reads the status of a submitted change only.
    statements.push({
      Sid: "DnsChangeStatus",
      Effect: "Allow",
      Action: ["route53:GetChange"],
      Resource: ["arn:aws:route53:::change/*"],
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * The instance may write two tags on itself and on nothing else: STATUS_TAG (its boot progress) and
 * ADDRESS_TAG (the address it pointed the DNS record at, which the parking function checks).
 */
export function statusPolicyDocument(instanceArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnStatusTag",
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: [instanceArn],
        Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [STATUS_TAG, ADDRESS_TAG] } },
      },
    ],
  });
}

/** The instance may set its own idle-stop alarm's state (to OK at each boot) and no other alarm's. */
export function alarmResetPolicyDocument(alarmArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ResetOwnIdleAlarm",
        Effect: "Allow",
        Action: ["cloudwatch:SetAlarmState"],
        Resource: [alarmArn],
      },
    ],
  });
}
