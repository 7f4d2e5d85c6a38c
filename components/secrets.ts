// The app's secrets (S4): values from encrypted stack config are stored in SSM SecureString or Secrets
// Manager; existing parameters/secrets are referenced by name or ARN. Values never leave Output secrets,
// and read access is granted to one role at a time, on exact ARNs.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SecretSpec } from "../config";

export type SecretStore = "ssm" | "secretsmanager";

export interface AppSecretsArgs {
  readonly secrets: readonly SecretSpec[];
  /** Where secrets from stack config are stored. */
  readonly store: SecretStore;
  /** Name prefix for stored secrets, e.g. "ragstream-demo" → "/ragstream-demo/OPENAI_API_KEY" (SSM). */
  readonly prefix: string;
}

export interface SecretEntry {
  readonly envName: string;
  readonly kind: SecretStore;
  readonly arn: pulumi.Output<string>;
  /** SSM parameter name or Secrets Manager ARN: what `get-parameter --name` and ECS `valueFrom` take. */
  readonly ref: pulumi.Output<string>;
  readonly kmsKeyArn?: string;
}

interface Statement {
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/** IAM statements that read exactly these secrets. Pure, so tests check it directly. */
export function readStatements(
  entries: ReadonlyArray<{ kind: SecretStore; arn: string; kmsKeyArn?: string }>,
): Statement[] {
  const of = (kind: SecretStore) => entries.filter((e) => e.kind === kind).map((e) => e.arn);
  const statements: Statement[] = [];
  if (of("ssm").length)
    statements.push({
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: of("ssm"),
    });
  if (of("secretsmanager").length)
    statements.push({
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: of("secretsmanager"),
    });
  // AWS-managed keys (aws/ssm, aws/secretsmanager) need no grant; a customer key does.
  const keys = [...new Set(entries.map((e) => e.kmsKeyArn).filter((k): k is string => k !== undefined))];
  if (keys.length) statements.push({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: keys });
  return statements;
}

/** Where an account's ARNs come from: the lookups a component makes once, parented to itself. */
export interface AccountLookups {
  readonly partition: pulumi.Output<aws.GetPartitionResult>;
  readonly region: pulumi.Output<aws.GetRegionResult>;
  readonly identity: pulumi.Output<aws.GetCallerIdentityResult>;
}

/** The ARN of an existing SSM parameter of this account and region (its ARN drops the name's leading "/"). */
export function ssmParameterArn(name: string, a: AccountLookups): pulumi.Output<string> {
  return pulumi.interpolate`arn:${a.partition.partition}:ssm:${a.region.region}:${a.identity.accountId}:parameter/${name.replace(/^\//, "")}`;
}

export class AppSecrets extends pulumi.ComponentResource {
  public readonly entries: readonly SecretEntry[];
  /** Policy document (JSON) granting read of exactly these secrets; "{}"-free: undefined when there are none. */
  public readonly readPolicyJson: pulumi.Output<string> | undefined;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:secrets:AppSecrets", name, {}, opts);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    this.entries = args.secrets.map((spec): SecretEntry => {
      const base = { envName: spec.envName, kmsKeyArn: spec.kmsKeyArn };
      const src = spec.source;
      switch (src.kind) {
        case "ssm":
          return {
            ...base,
            kind: "ssm",
            arn: ssmParameterArn(src.name, { partition, region, identity }),
            ref: pulumi.output(src.name),
          };
        case "secretsmanager": {
          if (src.nameOrArn.startsWith("arn:"))
            return {
              ...base,
              kind: "secretsmanager",
              arn: pulumi.output(src.nameOrArn),
              ref: pulumi.output(src.nameOrArn),
            };
          // Secrets Manager appends a random suffix to every ARN: look the exact one up.
          const found = aws.secretsmanager.getSecretOutput({ name: src.nameOrArn }, { parent: this });
          return { ...base, kind: "secretsmanager", arn: found.arn, ref: found.arn };
        }
        case "config":
          return { ...base, ...this.store(name, args, spec.envName, src.value, spec.kmsKeyArn) };
      }
    });

    this.readPolicyJson =
      this.entries.length === 0
        ? undefined
        : pulumi.all(this.entries.map((e) => e.arn)).apply((arns) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: readStatements(
                this.entries.map((e, i) => ({ kind: e.kind, arn: arns[i], kmsKeyArn: e.kmsKeyArn })),
              ),
            }),
          );
    this.registerOutputs({});
  }

  private store(
    name: string,
    args: AppSecretsArgs,
    envName: string,
    value: pulumi.Output<string>,
    kmsKeyArn: string | undefined,
  ): Pick<SecretEntry, "kind" | "arn" | "ref"> {
    const logical = `${name}-${envName.toLowerCase().replace(/_/g, "-")}`;
    if (args.store === "ssm") {
      const param = new aws.ssm.Parameter(
        logical,
        {
          name: `/${args.prefix}/${envName}`,
          type: "SecureString",
          value: pulumi.secret(value),
          keyId: kmsKeyArn,
          description: `${envName} for ${args.prefix} (from encrypted stack config)`,
        },
        { parent: this },
      );
      return { kind: "ssm", arn: param.arn, ref: param.name };
    }
    const secret = new aws.secretsmanager.Secret(
      logical,
      {
        // A deleted secret's name stays reserved during its recovery window; a prefix avoids the clash on re-create.
        namePrefix: `${args.prefix}/${envName}-`,
        kmsKeyId: kmsKeyArn,
        description: `${envName} for ${args.prefix} (from encrypted stack config)`,
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      `${logical}-value`,
      { secretId: secret.id, secretString: pulumi.secret(value) },
      { parent: this },
    );
    return { kind: "secretsmanager", arn: secret.arn, ref: secret.arn };
  }

  /** Lets `role` read exactly these secrets. Undefined when the app has none. */
  public grantRead(name: string, role: aws.iam.Role): aws.iam.RolePolicy | undefined {
    if (!this.readPolicyJson) return undefined;
    return new aws.iam.RolePolicy(name, { role: role.name, policy: this.readPolicyJson }, { parent: this });
  }
}
