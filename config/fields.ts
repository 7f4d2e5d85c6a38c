// Reusable field schemas. Each message is the "expected ..." half of an error, so it reads as a
// description of a valid value; config/errors.ts adds the key and the value that was given.
import { z } from "zod";

export const AWS_REGIONS = [
  "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
  "ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
  "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
  "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
  "us-west-2",
] as const; // prettier-ignore

export const int = (min: number, max: number, what = "an integer") =>
  z
    .number({ error: `${what} from ${min} to ${max}` })
    .int({ error: `${what} from ${min} to ${max}` })
    .min(min, { error: `${what} from ${min} to ${max}` })
    .max(max, { error: `${what} from ${min} to ${max}` });

export const port = () => int(1, 65535, "a port number: an integer");

export const bool = () => z.boolean({ error: "true or false" });

/** IPv4 CIDR in canonical form: AWS rejects (or silently rewrites) host bits, so we ask for the network. */
export const cidr = () =>
  z.string({ error: 'an IPv4 CIDR such as "203.0.113.0/24"' }).superRefine((value, ctx) => {
    const problem = cidrProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export function cidrProblem(value: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits > 32) return 'an IPv4 CIDR such as "203.0.113.0/24"';
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const network = ip - (ip % size);
  if (network !== ip) {
    const n = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join(".");
    return `a CIDR with the host bits zero ("${n}/${bits}")`;
  }
  return undefined;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function domainProblem(value: string): string | undefined {
  const labels = value.split(".");
  const ok =
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every((l) => LABEL.test(l)) &&
    /^[a-z]{2,63}$/.test(labels[labels.length - 1]);
  return ok ? undefined : 'a lower-case domain name such as "example.com" (no scheme, no trailing dot)';
}

export const domain = () =>
  z.string({ error: 'a domain name such as "example.com"' }).superRefine((value, ctx) => {
    const problem = domainProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A record name inside the zone: one or more labels, or "@" for the zone apex. */
export const recordName = () =>
  z
    .string({ error: 'a record name such as "demo", or "@" for the zone apex' })
    .regex(/^(@|(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*)$/, {
      error: 'a record name such as "demo" (lower-case letters, digits, hyphens), or "@" for the zone apex',
    });

export const email = () =>
  z
    .string({ error: 'an e-mail address such as "ops@example.com"' })
    .regex(/^[^@\s'"]+@[^@\s'"]+\.[a-z]{2,}$/i, { error: 'an e-mail address such as "ops@example.com"' });

export const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const awsAccountId = () =>
  z.string({ error: 'a 12-digit AWS account id in quotes, such as "123456789012"' }).regex(/^\d{12}$/, {
    error: 'a 12-digit AWS account id in quotes, such as "123456789012"',
  });

// ---- Names and references that several config blocks (and components checking their own Args) accept. ----
// One definition each: a block that takes such a value uses the builder, code that checks a plain string uses
// the exported pattern. The `example` argument only changes the example in the message.

/** S3 bucket name rules (3-63 characters; no "xn--" prefix, no "..", letters/digits at both ends). */
export const S3_BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const s3BucketName = () =>
  z.string({ error: "an S3 bucket name" }).regex(S3_BUCKET_NAME, {
    error: "an S3 bucket name: 3-63 lower-case letters, digits, dots, hyphens",
  });

/** A customer-managed KMS key, by key ARN (aliases cannot be granted kms:Decrypt on). */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;

export const kmsKeyArn = () =>
  z.string({ error: "a KMS key ARN" }).regex(KMS_KEY_ARN, {
    error: 'a KMS key ARN such as "arn:aws:kms:us-east-1:123456789012:key/<uuid>"',
  });

/** An SSM parameter name: absolute path, ≤ 1011 characters after the slash. */
export const SSM_PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;

export const ssmParameterName = (example = "/app/prod/API_KEY") =>
  z
    .string({ error: 'an SSM parameter name starting with "/"' })
    .regex(SSM_PARAMETER_NAME, { error: `an SSM parameter name such as "${example}"` });

/** A config key of this project that holds a secret (`pulumi config set --secret <key> <value>`). */
export const SECRET_CONFIG_KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;

export const secretConfigKey = (example = "openaiApiKey") =>
  z
    .string({ error: `the name of a secret config key in this project, such as ${example}` })
    .regex(SECRET_CONFIG_KEY, {
      error: `the name of a secret config key in this project, such as ${example}`,
    });

/** A container image reference with a tag or a digest: "registry/repo:tag" or "registry/repo@sha256:<64 hex>". */
export const IMAGE_REF =
  /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/;

export const imageRef = (example = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1") =>
  z
    .string({ error: `an image reference such as "${example}"` })
    .regex(IMAGE_REF, { error: `an image reference with a tag or digest, such as "${example}"` });

export const subnetId = () =>
  z
    .string({ error: 'a subnet id such as "subnet-0123456789abcdef0"' })
    .regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'a subnet id such as "subnet-0123456789abcdef0"' });
