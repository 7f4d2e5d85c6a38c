// Reusable field schemas. Each message is the "expected ..." half of an error, so it reads as a
// description of a valid value; config/errors.ts adds the key and the value that was given.
import { z } from "zod";
import { AWS_REGIONS as REGIONS, INSTANCE_TYPES, instanceArchitecture } from "./awsData";
import { suggest } from "./errors";
import { ipv6Groups, ipv6Text } from "./ipv6";

/** Regions the installed AWS provider knows (config/awsData.ts); a typo gets "did you mean". */
export const AWS_REGIONS = REGIONS as [string, ...string[]];

export const awsRegion = () =>
  z.enum(AWS_REGIONS, {
    error: (issue) => {
      const hint = typeof issue.input === "string" ? suggest(issue.input, AWS_REGIONS) : undefined;
      return hint
        ? `an AWS region; did you mean "${hint}"? (pulumi config set aws:region ${hint})`
        : 'an AWS region such as "eu-central-1" (pulumi config set aws:region <region>)';
    },
  });

export const int = (min: number, max: number, what = "an integer") =>
  z
    .number({ error: `${what} from ${min} to ${max}` })
    .int({ error: `${what} from ${min} to ${max}` })
    .min(min, { error: `${what} from ${min} to ${max}` })
    .max(max, { error: `${what} from ${min} to ${max}` });

export const port = () => int(1, 65535, "a port number: an integer");

export const bool = () => z.boolean({ error: "true or false" });

// JSON Schema patterns (`.meta()` puts them into schema/ferry.schema.json, for editors): the shape each
// check below refines. What a pattern cannot say (host bits, reserved names) only the program checks.
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const CIDR_PATTERN = `^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?[0-9])$`;
const DOMAIN_PATTERN = "^((?!-)[a-z0-9-]{1,63}(?<!-)\\.)+[a-z]{2,63}$";
const ACME_EMAIL_PATTERN = "^(?!#)[^@\\s'\"{}`\\\\]+@[^@\\s'\"{}`\\\\]+\\.[A-Za-z]{2,}$";
const S3_JSON_PATTERN =
  "^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$)(?![0-9]{1,3}(\\.[0-9]{1,3}){3}$)(?!.*\\.\\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";

/** IPv4 CIDR in canonical form: AWS rejects (or silently rewrites) host bits, so we ask for the network. */
export const cidr = () =>
  z
    .string({ error: 'an IPv4 CIDR such as "203.0.113.0/24"' })
    .superRefine((value, ctx) => {
      const problem = cidrProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ pattern: CIDR_PATTERN });

const IPV6_CIDR_PATTERN = "[0-9a-f:]*:[0-9a-f:]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])";

/**
 * A task egress destination (`ferry:fargate.extraEgress[].cidr`): an IPv4 CIDR, or an IPv6 CIDR for IPv6-only
 * tasks; both canonical, host bits zero.
 */
export const egressCidr = () =>
  z
    .string({ error: 'an IPv4 CIDR such as "203.0.113.0/24" or an IPv6 CIDR such as "2001:db8::/32"' })
    .superRefine((value, ctx) => {
      const problem = value.includes(":") ? ipv6CidrProblem(value) : cidrProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ pattern: `^(${CIDR_PATTERN.slice(1, -1)}|${IPV6_CIDR_PATTERN})$` });

/** Whether a CIDR is IPv6 (the only other kind egressCidr admits is IPv4). */
export const isIpv6Cidr = (value: string) => value.includes(":");

/**
 * An IPv6 CIDR in the canonical text AWS stores (RFC 5952: lower case, no leading zeros, the longest run of
 * zero groups as "::"), with the host bits zero; else what is expected.
 */
export function ipv6CidrProblem(value: string): string | undefined {
  const expected = 'an IPv6 CIDR such as "2001:db8::/32"';
  const m = /^([0-9A-Fa-f:]+)\/(\d{1,3})$/.exec(value);
  const bits = m ? Number(m[2]) : -1;
  const groups = m ? ipv6Groups(m[1]) : undefined;
  if (!groups || bits > 128) return expected;
  const n = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  const network = n & mask;
  const canonical = `${ipv6Text(Array.from({ length: 8 }, (_, i) => Number((network >> BigInt(112 - 16 * i)) & 0xffffn)))}/${bits}`;
  if (network !== n) return `a CIDR with the host bits zero ("${canonical}")`;
  if (canonical !== value) return `the canonical form "${canonical}" (AWS stores that text)`;
  return undefined;
}

export function cidrProblem(value: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits > 32) return 'an IPv4 CIDR such as "203.0.113.0/24"';
  // "010.0.0.0/16" is octal to some parsers and decimal to others; AWS stores the canonical text.
  if (m.slice(1, 6).some((part) => part.length > 1 && part.startsWith("0")))
    return `a CIDR without leading zeros ("${octets.join(".")}/${bits}")`;
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
  z
    .string({ error: 'a domain name such as "example.com"' })
    .superRefine((value, ctx) => {
      const problem = domainProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ pattern: DOMAIN_PATTERN, maxLength: 253 });

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

/** An EC2 instance type ferry knows the architecture of (config/awsData.ts); a typo gets "did you mean". */
export const instanceType = () =>
  z
    .string({ error: 'an EC2 instance type such as "t3.small"' })
    .superRefine((value, ctx) => {
      if (instanceArchitecture(value) !== undefined) return;
      const hint = suggest(value, INSTANCE_TYPES);
      ctx.addIssue({
        code: "custom",
        message: hint
          ? `an EC2 instance type; did you mean "${hint}"?`
          : 'an EC2 instance type such as "t3.small" (the types ferry knows are listed in config/awsData.ts)',
      });
    })
    .meta({ enum: [...INSTANCE_TYPES] });

/**
 * The ACME contact e-mail goes into the Caddyfile as one word: a leading "#" starts a comment there, and a
 * space, brace, quote or backslash splits or escapes the word.
 */
export const acmeEmail = () =>
  email()
    .superRefine((value, ctx) => {
      if (value.startsWith("#"))
        ctx.addIssue({
          code: "custom",
          message: 'an e-mail address not starting with "#" (Caddy reads the rest of the line as a comment)',
        });
      else if (/[{}\\`]/.test(value))
        ctx.addIssue({
          code: "custom",
          message: "an e-mail address without braces, backquotes or backslashes (Caddy would misread it)",
        });
    })
    .meta({ pattern: ACME_EMAIL_PATTERN });

/** Security group rule descriptions: what EC2 accepts (ASCII letters, digits, space and ._-:/()#,@[]+=&;{}!$*). */
export const SG_DESCRIPTION = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

export const sgDescription = () =>
  z.string({ error: "a short description" }).regex(SG_DESCRIPTION, {
    error:
      "a description of at most 255 ASCII letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (what EC2 accepts)",
  });

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
  z
    .string({ error: "an S3 bucket name" })
    .superRefine((value, ctx) => {
      const problem = s3NameProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ pattern: S3_JSON_PATTERN });

/** Every S3 naming rule for general purpose buckets, each with its own message; undefined when valid. */
export function s3NameProblem(name: string): string | undefined {
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"])
    if (name.startsWith(prefix)) return `an S3 bucket name not starting with "${prefix}" (reserved by AWS)`;
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"])
    if (name.endsWith(suffix)) return `an S3 bucket name not ending in "${suffix}" (reserved by AWS)`;
  if (!S3_BUCKET_NAME.test(name)) return "an S3 bucket name: 3-63 lower-case letters, digits, dots, hyphens";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "an S3 bucket name not formatted as an IP address";
  return undefined;
}

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
