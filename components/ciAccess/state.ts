// The stack's Pulumi state in a self-managed S3 backend and its awskms:// secrets key: every CI role reads
// (and locks) its own stack's objects only; the deploy role also writes them.
import type { PolicyStatement } from "./document";
import type { CiScope } from "./scope";

/** This stack's objects in a self-managed S3 backend (Pulumi's project-scoped layout under .pulumi/). */
function stateObjects(s: CiScope) {
  if (!s.state) return undefined;
  const bucket = `arn:${s.partition}:s3:::${s.state.bucket}`;
  const { project, stack } = s.state;
  return {
    bucket,
    // ".json*" covers "<stack>.json" and its ".bak"/".gz" siblings, not "<stack>2.json": "." delimits it.
    own: [
      `${bucket}/.pulumi/stacks/${project}/${stack}.json*`,
      `${bucket}/.pulumi/history/${project}/${stack}/*`,
      `${bucket}/.pulumi/backups/${project}/${stack}/*`,
    ],
    locks: `${bucket}/.pulumi/locks/${project}/${stack}/*`,
  };
}

/** Reading the stack's state and secrets; even a preview takes (writes) the stack's lock. */
export function stateReadStatements(s: CiScope): PolicyStatement[] {
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
export function stateUpdateStatements(s: CiScope): PolicyStatement[] {
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
