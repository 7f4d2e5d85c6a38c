// The config gate refuses everything AWS (or the engine) would refuse, and every setting that would be
// silently ignored, before the first resource: one table per category, each case with its exact message,
// each evaluated through the real program under the mock runtime, asserting that nothing was registered.
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config";
import { ROOT, evaluateStack, stackConfig } from "./support/harness";

export interface GateCase {
  readonly title: string;
  readonly stack: string;
  /** Keys replaced whole. */
  readonly set?: Record<string, unknown>;
  /** Fields merged into an object key of the committed file. */
  readonly merge?: Record<string, Record<string, unknown>>;
  readonly remove?: readonly string[];
  /** A stack file written for the case (YAML text as typed): `stack` names it. */
  readonly yaml?: string;
  /** Other stack files that exist next to it during the case: name → YAML text. */
  readonly others?: Record<string, string>;
  readonly message: string;
}

/** Overrides for evaluateStack: `set` as is, `merge` onto the committed object. */
function overridesOf(c: GateCase): { config: Record<string, unknown>; remove: string[] } {
  const config: Record<string, unknown> = { ...(c.set ?? {}) };
  if (c.merge) {
    const base = stackConfig(c.stack).config;
    for (const [k, v] of Object.entries(c.merge))
      config[k] = { ...(JSON.parse(base[k] ?? "{}") as object), ...v };
  }
  return { config, remove: [...(c.remove ?? [])] };
}

/**
 * Writes stack files into a directory of their own for the duration of `run` (never the project root: test
 * files run in parallel, and another file listing the committed stacks must not see these).
 */
export async function withStackFiles<T>(
  files: Record<string, string>,
  run: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-config-"));
  for (const [stack, text] of Object.entries(files))
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
  try {
    return await run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resources the mock engine holds: the monitor setMocks installed for the last evaluation. */
function registeredCount(): number {
  const monitor = pulumi.runtime.getMonitor() as unknown as { resources?: Map<string, unknown> };
  assert.ok(monitor.resources instanceof Map, "the mock monitor of the last evaluation");
  return monitor.resources.size;
}

export async function assertRefused(c: GateCase): Promise<void> {
  const files: Record<string, string> = { ...(c.others ?? {}) };
  if (c.yaml !== undefined) files[c.stack] = c.yaml;
  let evaluated = false;
  await withStackFiles(files, (dir) =>
    assert.rejects(
      evaluateStack(c.stack, c.yaml !== undefined ? { dir } : overridesOf(c)).then(() => (evaluated = true)),
      (err: unknown) => {
        assert.equal((err as Error).message, c.message);
        // A RunError: `pulumi preview` prints the message alone, no stack trace.
        assert.ok(err instanceof ConfigError && pulumi.RunError.isInstance(err), String(err));
        return true;
      },
    ),
  );
  assert.equal(evaluated, false);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(registeredCount(), 0, "no resource registered before the error");
}

const demoFile = (extra: string, app = "ragstream") =>
  `config:
  aws:region: eu-central-1
  aws:allowedAccountIds: ["108782059508"]
  ferry:topology: ec2-demo
  ferry:app:
    name: ${app}
${extra}`;

const KMS_OTHER_REGION = "arn:aws:kms:us-west-2:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const KMS_OTHER_ACCOUNT = "arn:aws:kms:us-east-1:210987654321:key/0123abcd-0123-4567-89ab-0123456789ab";
const longLabel = "a".repeat(60);
/** Deterministic, incompressible text: gzip cannot shrink it below the user-data limit. */
const noise = (n: number) => {
  let out = "";
  for (let i = 0; out.length < n; i++) out += createHash("sha256").update(String(i)).digest("base64");
  return out.slice(0, n);
};

export const GATE_CASES: Record<string, GateCase[]> = {
  "AWS limits": [
    {
      title: "an ACM certificate name over 64 characters",
      stack: "prod",
      set: { "ferry:dns": { domain: "example.com", record: `${longLabel}` } },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:dns.record: got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..., expected a name of at most 64 characters (72 now): ACM issues no certificate for a longer domain name; use a shorter record or domain',
    },
    {
      title: "a DNS name over 253 characters",
      stack: "demo",
      set: {
        "ferry:dns": {
          domain: "example.com",
          record: [longLabel, longLabel, longLabel, longLabel].join("."),
        },
      },
      message:
        "Invalid stack config in Pulumi.demo.yaml: ferry:dns.record: got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..., expected a record and domain of at most 253 characters together (a DNS name's limit)",
    },
    {
      title: "a DNS label over 63 characters",
      stack: "demo",
      set: { "ferry:dns": { domain: "example.com", record: "a".repeat(64) } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:dns.record: got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..., expected a record name such as "demo" (lower-case letters, digits, hyphens), or "@" for the zone apex',
    },
    {
      title: "a health path over 1,024 characters",
      stack: "prod",
      merge: { "ferry:app": { healthPath: `/${"h".repeat(1024)}` } },
      message:
        "Invalid stack config in Pulumi.prod.yaml: ferry:app.healthPath: got \"/hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh..., expected a path of at most 1024 characters (the load balancer's health check limit)",
    },
    {
      title: "container definitions over 64 KiB",
      stack: "prod",
      merge: {
        "ferry:app": {
          env: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`VALUE_${i}`, "x".repeat(1000)])),
        },
      },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:app.env: got "72706 bytes of container definitions", expected at most 65536 bytes (the ECS task definition limit): move long values to app.secrets or into the image',
    },
    {
      title: "user-data over 16 KiB after gzip",
      stack: "demo",
      merge: { "ferry:app": { env: { BIG: noise(24000) } } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:app.env: got "27297 bytes of user-data after gzip", expected at most 16384 bytes (EC2\'s user-data limit): move long values to app.secrets (read at start, not carried in user-data) or into the image',
    },
    {
      title: "a bucket name formatted as an IP address",
      stack: "carepolicy",
      merge: { "ferry:app": { dataBucket: { name: "192.168.10.1" } } },
      message:
        'Invalid stack config in Pulumi.carepolicy.yaml: ferry:app.dataBucket.name: got "192.168.10.1", expected an S3 bucket name not formatted as an IP address',
    },
    {
      title: "a bucket name with the xn-- prefix",
      stack: "carepolicy",
      merge: { "ferry:app": { dataBucket: { name: "xn--bucket" } } },
      message:
        'Invalid stack config in Pulumi.carepolicy.yaml: ferry:app.dataBucket.name: got "xn--bucket", expected an S3 bucket name not starting with "xn--" (reserved by AWS)',
    },
    {
      title: "a bucket name with the -s3alias suffix",
      stack: "carepolicy",
      merge: { "ferry:app": { dataBucket: { name: "care-docs-s3alias" } } },
      message:
        'Invalid stack config in Pulumi.carepolicy.yaml: ferry:app.dataBucket.name: got "care-docs-s3alias", expected an S3 bucket name not ending in "-s3alias" (reserved by AWS)',
    },
    {
      title: "a state bucket with the sthree- prefix",
      stack: "prod",
      merge: { "ferry:ci": { stateBucket: "sthree-state" } },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:ci.stateBucket: got "sthree-state", expected an S3 bucket name not starting with "sthree-" (reserved by AWS)',
    },
    {
      title: "a security group description with non-ASCII characters",
      stack: "prod",
      merge: {
        "ferry:fargate": {
          taskNetwork: "public-ipv4",
          extraEgress: [{ port: 5432, cidr: "10.20.0.0/16", description: "Datenbank für Berichte" }],
        },
      },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:fargate.extraEgress[0].description: got "Datenbank für Berichte", expected a description of at most 255 ASCII letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (what EC2 accepts)',
    },
    {
      title: "a security group description over 255 characters",
      stack: "prod",
      merge: {
        "ferry:fargate": {
          taskNetwork: "public-ipv4",
          extraEgress: [{ port: 5432, cidr: "10.20.0.0/16", description: "d".repeat(256) }],
        },
      },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:fargate.extraEgress[0].description: got "dddddddddddddddddddddddddddddddddddddddddddddddddddddddd..., expected a description of at most 255 ASCII letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (what EC2 accepts)',
    },
    {
      title: "a zero-padded CIDR",
      stack: "prod",
      merge: { "ferry:fargate": { vpcCidr: "010.0.0.0/16" } },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:fargate.vpcCidr: got "010.0.0.0/16", expected a CIDR without leading zeros ("10.0.0.0/16")',
    },
    {
      title: "a zero-padded prefix length",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "t3.medium", ingressCidrs: ["0.0.0.0/00"] } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.ingressCidrs[0]: got "0.0.0.0/00", expected a CIDR without leading zeros ("0.0.0.0/0")',
    },
    {
      title: "more Availability Zones than the region has",
      stack: "prod",
      set: { "aws:region": "us-west-1" },
      merge: { "ferry:fargate": { azCount: 3 } },
      message:
        "Invalid stack config in Pulumi.prod.yaml: ferry:fargate.azCount: got 3, expected at most 2: us-west-1 has 2 Availability Zones a new account can use",
    },
    {
      title: "a KMS key in another region",
      stack: "prod",
      merge: {
        "ferry:app": {
          secrets: { API_TOKEN: { ssmParameter: "/vibejudge/API_TOKEN", kmsKeyArn: KMS_OTHER_REGION } },
        },
      },
      message:
        "Invalid stack config in Pulumi.prod.yaml: ferry:app.secrets.API_TOKEN.kmsKeyArn: got \"arn:aws:kms:us-west-2:123456789012:key/0123abcd-0123-456..., expected a KMS key in this stack's region us-east-1 (SSM and Secrets Manager encrypt with a key of their own region)",
    },
    {
      title: "a KMS key in another account",
      stack: "prod",
      merge: {
        "ferry:app": {
          secrets: { API_TOKEN: { ssmParameter: "/vibejudge/API_TOKEN", kmsKeyArn: KMS_OTHER_ACCOUNT } },
        },
      },
      message:
        "Invalid stack config in Pulumi.prod.yaml: ferry:app.secrets.API_TOKEN.kmsKeyArn: got \"arn:aws:kms:us-east-1:210987654321:key/0123abcd-0123-456..., expected a KMS key in this stack's account (123456789012)",
    },
    {
      title: "an empty dockerfile",
      stack: "demo",
      merge: { "ferry:image": { dockerfile: "" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:image.dockerfile: got "", expected a file name such as "Dockerfile" (or leave it unset): an empty one names the directory',
    },
    {
      title: "a dockerfile that is a directory",
      stack: "demo",
      merge: { "ferry:image": { dockerfile: "." } },
      message: `Invalid stack config in Pulumi.demo.yaml: ferry:image.dockerfile: got ".", expected a file in the build context (${ROOT}/app is a directory)`,
    },
    {
      title: "an ACME e-mail starting with #",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "t3.medium", acmeEmail: "#ops@example.com" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.acmeEmail: got "#ops@example.com", expected an e-mail address not starting with "#" (Caddy reads the rest of the line as a comment)',
    },
    {
      title: "an ACME e-mail with braces",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "t3.medium", acmeEmail: "{ops}@example.com" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.acmeEmail: got "{ops}@example.com", expected an e-mail address without braces, backquotes or backslashes (Caddy would misread it)',
    },
  ],
  "instance types and regions": [
    {
      title: "an instance type with a typo",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "t3.mediun" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.instanceType: got "t3.mediun", expected an EC2 instance type; did you mean "t3.medium"?',
    },
    {
      title: "an instance type that does not exist",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "t9.large" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.instanceType: got "t9.large", expected an EC2 instance type; did you mean "t2.large"?',
    },
    {
      title: "a Graviton a1 type with an x86 image",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "a1.large" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:image.platform: got "linux/amd64", expected "linux/arm64" to run on instance type a1.large',
    },
    {
      title: "a Graviton c6gn type with an x86 image",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "c6gn.large" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:image.platform: got "linux/amd64", expected "linux/arm64" to run on instance type c6gn.large',
    },
    {
      title: "an x86 type with an arm64 image",
      stack: "demo",
      merge: { "ferry:demo": { instanceType: "t3.medium" }, "ferry:image": { platform: "linux/arm64" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:image.platform: got "linux/arm64", expected "linux/amd64" to run on instance type t3.medium',
    },
    {
      title: "a region typo",
      stack: "prod",
      set: { "aws:region": "us-est-1" },
      message:
        'Invalid stack config in Pulumi.prod.yaml: aws:region: got "us-est-1", expected an AWS region; did you mean "us-east-1"? (pulumi config set aws:region us-east-1)',
    },
    {
      title: "a region that does not exist",
      stack: "prod",
      set: { "aws:region": "moon-base-1" },
      message:
        'Invalid stack config in Pulumi.prod.yaml: aws:region: got "moon-base-1", expected an AWS region such as "eu-central-1" (pulumi config set aws:region <region>)',
    },
    {
      title: "a topology typo",
      stack: "prod",
      set: { "ferry:topology": "fargate" },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:topology: got "fargate", expected "ec2-demo" or "fargate-ha"; did you mean "fargate-ha"?',
    },
  ],
  uniqueness: [
    {
      title: "two secrets whose names differ only in case",
      stack: "carepolicy",
      merge: {
        "ferry:app": {
          secrets: {
            SECRET_KEY: { secretsManager: "carepolicy-hub/secret-key" },
            secret_key: { secretsManager: "carepolicy-hub/secret-key-2" },
          },
        },
      },
      message:
        "Invalid stack config in Pulumi.carepolicy.yaml: ferry:app.secrets.secret_key: expected a name that differs from SECRET_KEY in more than letter case (both would become the same resource)",
    },
    {
      title: "the same ingress CIDR twice",
      stack: "demo",
      merge: {
        "ferry:demo": {
          instanceType: "t3.medium",
          ingressCidrs: ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24"],
        },
      },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.ingressCidrs[2]: got "203.0.113.0/24", expected each CIDR once (a second rule with the same CIDR and port is refused by EC2)',
    },
    {
      title: "the same SSH CIDR twice",
      stack: "demo",
      merge: {
        "ferry:demo": { instanceType: "t3.medium", sshCidrs: ["198.51.100.7/32", "198.51.100.7/32"] },
      },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:demo.sshCidrs[1]: got "198.51.100.7/32", expected each CIDR once (a second rule with the same CIDR and port is refused by EC2)',
    },
    {
      title: "the same subnet twice",
      stack: "prod",
      merge: {
        "ferry:fargate": {
          taskNetwork: "public-ipv4",
          vpcId: "vpc-0123456789abcdef0",
          subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"],
        },
      },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:fargate.subnetIds[1]: got "subnet-0123456789abcdef0", expected each subnet once (the load balancer needs two different subnets)',
    },
    {
      title: "the same egress rule twice",
      stack: "prod",
      merge: {
        "ferry:fargate": {
          taskNetwork: "public-ipv4",
          extraEgress: [
            { port: 5432, cidr: "10.20.0.0/16" },
            { port: 5432, cidr: "10.20.0.0/16", description: "again" },
          ],
        },
      },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:fargate.extraEgress[1]: got {"port":5432,"cidr":"10.20.0.0/16","description":"again"}, expected each port and CIDR once (EC2 refuses a duplicate security group rule)',
    },
  ],
  "silently ignored settings": [
    {
      title: "a data bucket on the demo",
      stack: "demo",
      merge: { "ferry:app": { dataBucket: { envVar: "S3_BUCKET" } } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:app.dataBucket: got {"envVar":"S3_BUCKET"}, expected no dataBucket with topology "ec2-demo" (the demo creates no bucket; it would be ignored)',
    },
    {
      title: "a namespace typo (ferrry:dns)",
      stack: "demo",
      set: { "ferrry:dns": { domain: "example.com" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: unknown config namespace in "ferrry:dns", did you mean "ferry:dns"?',
    },
    {
      title: "a block without the ferry: prefix (app:)",
      stack: "demo",
      set: { app: { name: "ragstream" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: config key "app" has no namespace, did you mean "ferry:app"?',
    },
    {
      title: "an aws: key nothing reads (aws:assumeRole)",
      stack: "demo",
      set: { "aws:assumeRole": { roleArn: "arn:aws:iam::108782059508:role/deploy" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: unknown config key "aws:assumeRole", expected one of: aws:region, aws:allowedAccountIds, aws:profile, aws:defaultTags (the program\'s AWS provider reads only these; any other aws: key would be ignored)',
    },
    {
      title: "a tag set without --path (aws:defaultTags.tag)",
      stack: "demo",
      set: { "aws:defaultTags.tag": "web" },
      message:
        'Invalid stack config in Pulumi.demo.yaml: unknown config key "aws:defaultTags.tag", did you mean "aws:defaultTags"? (set a nested value with pulumi config set --path \'aws:defaultTags.tags.tag\' <value>)',
    },
    {
      title: "a null aws:defaultTags",
      stack: "demo",
      set: { "aws:defaultTags": null },
      message:
        "Invalid stack config in Pulumi.demo.yaml: aws:defaultTags: got null, expected a map with the keys tags",
    },
    {
      title: "aws:defaultTags without the tags map",
      stack: "demo",
      set: { "aws:defaultTags": { team: "web" } },
      message:
        'Invalid stack config in Pulumi.demo.yaml (2 problems):\n  - aws:defaultTags.tags: got missing, expected a map of tag key: value\n  - aws:defaultTags: unknown key "team", expected one of: tags',
    },
    {
      title: "an unknown namespace",
      stack: "demo",
      set: { "myapp:region": "eu-west-1" },
      message:
        'Invalid stack config in Pulumi.demo.yaml: unknown config namespace in "myapp:region", expected ferry: or aws: keys (nothing reads myapp: keys)',
    },
    {
      title: "ci.mode user with deploy settings",
      stack: "prod",
      set: {
        "ferry:ci": { mode: "user", repository: "vibejudge/dashboard", deploy: { environment: "prod" } },
      },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:ci.deploy: got {"environment":"prod"}, expected unset with mode "user" (an ECR-push user has no roles; the setting would be ignored), or mode "oidc"',
    },
    {
      title: "an env value of 20 digits rounded by YAML",
      stack: "prod",
      merge: { "ferry:app": { env: { ACCOUNT_REF: Number("12345678901234567890") } } },
      message:
        'Invalid stack config in Pulumi.prod.yaml: ferry:app.env.ACCOUNT_REF: got a number too large to keep exactly (12345678901234567000), expected a string: quote the digits in the stack file (ACCOUNT_REF: "...")',
    },
    {
      title: "an env value 1.10 read as 1.1",
      stack: "gate-num",
      yaml: demoFile("    env:\n      RELEASE: 1.10\n"),
      message:
        'Invalid stack config in Pulumi.gate-num.yaml: ferry:app.env.RELEASE: got 1.10 (YAML reads it as the number 1.1), expected a string: quote it (RELEASE: "1.10") so the app receives what was typed',
    },
    {
      title: "an env value 01234 read as 1234",
      stack: "gate-num",
      yaml: demoFile("    env:\n      ZIP: 01234\n"),
      message:
        'Invalid stack config in Pulumi.gate-num.yaml: ferry:app.env.ZIP: got 01234 (YAML reads it as the number 1234), expected a string: quote it (ZIP: "01234") so the app receives what was typed',
    },
  ],
  secrets: [
    {
      title: "fromConfig naming a block key (app)",
      stack: "demo",
      merge: { "ferry:app": { secrets: { OPENAI_API_KEY: { fromConfig: "app" } } } },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:app.secrets.OPENAI_API_KEY.fromConfig: got "app", expected a secret config key of its own, not the ferry:app block; set one with: pulumi config set --secret app <value>',
    },
    {
      title: "fromConfig naming a plain key",
      stack: "demo",
      merge: { "ferry:app": { secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } } },
      // Assembled at run time, so secret scanners do not flag a test fixture as a leaked key.
      set: { "ferry:openaiApiKey": ["sk", "proj", "abcdefghijklmnopqrstuvwxyz0123456789"].join("-") },
      message:
        'Invalid stack config in Pulumi.demo.yaml: ferry:app.secrets.OPENAI_API_KEY.fromConfig: config key "ferry:openaiApiKey" holds a plain value (not shown); expected a secret, set with: pulumi config set --secret openaiApiKey <value>',
    },
    {
      title: "a secure value outside app.env",
      stack: "gate-sec",
      yaml: demoFile(
        "  ferry:demo:\n    acmeEmail:\n      secure: v1:abc\n  ferry:dns:\n    domain: example.com\n",
      ),
      message:
        "Invalid stack config in Pulumi.gate-sec.yaml (2 problems):\n  - ferry:demo.acmeEmail: got a secret value (not shown), expected a plain value: only ferry:app.env values and fromConfig keys may be secret (pulumi config set --path 'ferry:demo.acmeEmail' <value>, without --secret)\n  - ferry:demo.acmeEmail: got a secret value (not shown), expected an e-mail address such as \"ops@example.com\"",
    },
    {
      title: "a secret-looking env value under a secret-looking name is masked",
      stack: "prod",
      merge: { "ferry:app": { env: { GITHUB_TOKEN: "ghp_Abcdefghijklmnopqrstuvwxyz0123456789" } } },
      message:
        "Invalid stack config in Pulumi.prod.yaml: ferry:app.env.GITHUB_TOKEN: got a secret-looking value (not shown), expected no plain value for a secret-looking name; move it to app.secrets.GITHUB_TOKEN",
    },
    {
      title: "a secure env value also listed in app.secrets",
      stack: "gate-sec",
      yaml: demoFile(
        "    env:\n      API_KEY:\n        secure: v1:abc\n    secrets:\n      API_KEY:\n        ssmParameter: /x/API_KEY\n",
      ),
      message:
        "Invalid stack config in Pulumi.gate-sec.yaml: ferry:app.env.API_KEY: got a secret value (not shown), expected a name not also listed in app.secrets",
    },
  ],
  "stack files and names": [
    {
      title: "stack DEMO next to stack demo",
      stack: "DEMO",
      yaml: demoFile(""),
      others: { demo: demoFile("") },
      message:
        'Invalid stack config in Pulumi.DEMO.yaml: stack "DEMO" (Pulumi.DEMO.yaml) and stack "demo" (Pulumi.demo.yaml) both fold to the resource prefix "ragstream-demo" in account 108782059508, eu-central-1: expected stack names that still differ in lower case with "_" and "." read as "-" (rename one stack, or change its ferry:app.name)',
    },
    {
      title: "a YAML syntax error",
      stack: "gate-yaml",
      yaml: "config:\n  aws:region: eu-central-1\n  ferry:app: [name: x\n  ferry:topology: ec2-demo\n",
      message:
        "Invalid stack config: Pulumi.gate-yaml.yaml:4:3: Flow sequence in block collection must be sufficiently indented and end with a ]\n  4 |   ferry:topology: ec2-demo\n        ^",
    },
    {
      title: "a key twice",
      stack: "gate-yaml",
      yaml: "config:\n  aws:region: eu-central-1\n  aws:region: eu-west-1\n",
      message:
        "Invalid stack config: Pulumi.gate-yaml.yaml:3:3: Map keys must be unique\n  3 |   aws:region: eu-west-1\n        ^",
    },
    {
      title: "two stacks folding to the same names (gate.fold and gate_fold)",
      stack: "gate.fold",
      yaml: demoFile(""),
      others: { gate_fold: demoFile("") },
      message:
        'Invalid stack config in Pulumi.gate.fold.yaml: stack "gate.fold" (Pulumi.gate.fold.yaml) and stack "gate_fold" (Pulumi.gate_fold.yaml) both fold to the resource prefix "ragstream-gate-fold" in account 108782059508, eu-central-1: expected stack names that still differ in lower case with "_" and "." read as "-" (rename one stack, or change its ferry:app.name)',
    },
  ],
};

for (const [category, cases] of Object.entries(GATE_CASES))
  describe(`config gate: ${category}`, () => {
    for (const c of cases) it(`${c.stack}: ${c.title}`, () => assertRefused(c));
  });

describe("config gate: the tables hold at least 40 cases", () => {
  it("counts", () => {
    const n = Object.values(GATE_CASES).flat().length;
    assert.ok(n >= 40, `${n} cases`);
  });
});

export { demoFile, KMS_OTHER_ACCOUNT, KMS_OTHER_REGION, longLabel, noise };
