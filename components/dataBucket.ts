// The app's optional S3 data bucket (P10): versioned, encrypted, private, TLS-only, and protected from
// deletion, because it holds the only copy of user data (CarePolicy Hub's documents).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DataBucketArgs {
  /** Exact bucket name (globally unique). @default a generated name starting with `namePrefix` */
  readonly bucketName?: string;
  /** Prefix of the generated name when `bucketName` is unset (≤ 37 characters, S3's limit for prefixes). */
  readonly namePrefix: string;
  /** Protect the bucket from `pulumi destroy` and replacement. @default true */
  readonly protect?: boolean;
}

/** Statements of the bucket policy: refuse every request that does not use TLS. Pure, for tests. */
export function tlsOnlyPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** Read/write on exactly this bucket, for the task role. Pure, for tests. */
export function readWriteStatements(bucketArn: string): object[] {
  return [
    { Sid: "ListDataBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] },
    {
      Sid: "ReadWriteDataObjects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: [`${bucketArn}/*`],
    },
  ];
}

export class DataBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:storage:DataBucket", name, {}, opts);

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        bucket: args.bucketName,
        bucketPrefix: args.bucketName === undefined ? args.namePrefix : undefined,
        // A bucket with objects is never emptied by the program: deleting data is a person's decision.
        forceDestroy: false,
      },
      // Protected: `pulumi destroy` and any replacement stop with an error instead of deleting the data.
      { parent: this, protect: args.protect ?? true },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      // ACLs disabled: access is decided by IAM and the bucket policy alone.
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      // Versions let a person recover a document the app overwrote or deleted.
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        // SSE-S3 (AES256): no KMS key to pay for or grant; S3 encrypts every new object with it anyway.
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))) },
      // S3 can reject a policy and a public access block changed at once (OperationAborted); order them.
      { parent: this, dependsOn: [publicAccess] },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
