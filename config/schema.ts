// The whole stack config as one schema. Keys are the full Pulumi config keys ("ferry:app", "aws:region"),
// so an issue's path is already the name a person types in `pulumi config set`.
//
// Where defaults live (one rule for every block and component):
// - A setting a person can configure gets its default here, in the schema (`.default(...)`), and nowhere
//   else. The component Arg it feeds is then required: components take already-defaulted values and carry
//   no `?? default` of their own, so a default cannot drift between the schema, a component and the docs.
// - A default that is derived from other settings (the cluster name from the app name, a physical name from
//   the stack prefix) belongs to the one function that derives it (components/fargateNames.ts, names.ts);
//   the config leaves the key optional and passes an override through.
// - Only component options the config does not expose (e.g. `protect`, timeouts) keep a documented
//   `@default` in the component's Args.
// - Field formats (bucket names, ARNs, parameter names, image references) are defined once in fields.ts.
import { z } from "zod";
import { ciSchema } from "./ci";
import { demoSchema } from "./demo";
import {
  FARGATE_SIZES as FARGATE_MEMORY,
  fargateCrossIssues,
  ipv6EnvIssues,
  fargateEnvIssues,
  fargateSchema,
} from "./fargate";
import { instanceArchitecture } from "./awsData";
import { suggest } from "./errors";
import {
  awsAccountId,
  awsRegion,
  bool,
  domain,
  envName,
  imageRef,
  int,
  kmsKeyArn,
  port,
  recordName,
  s3BucketName,
  secretConfigKey,
  ssmParameterName,
} from "./fields";

export const TOPOLOGIES = ["ec2-demo", "fargate-ha"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** Env var names that must come from `app.secrets`, never from plain `app.env`. */
export const SECRET_LOOKING_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|ACCESS_KEY)/i;

const secretSourceSchema = z
  .strictObject({
    /** Existing SSM parameter (SecureString), by name ("/app/prod/KEY"). */
    ssmParameter: ssmParameterName("/app/prod/API_KEY").optional(),
    /** Existing Secrets Manager secret, by name or full ARN. */
    secretsManager: z
      .string({ error: "a Secrets Manager secret name or ARN" })
      .regex(/^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/, {
        error: 'a Secrets Manager secret name such as "app/api-key", or its ARN',
      })
      .optional(),
    /** A secret stack config key in this project (`pulumi config set --secret <key> <value>`). */
    fromConfig: secretConfigKey("openaiApiKey").optional(),
    /** Customer-managed KMS key that encrypts the secret; readers get kms:Decrypt on it. */
    kmsKeyArn: kmsKeyArn().optional(),
  })
  .superRefine((s, ctx) => {
    const set = [s.ssmParameter, s.secretsManager, s.fromConfig].filter((v) => v !== undefined).length;
    if (set !== 1)
      ctx.addIssue({ code: "custom", message: "exactly one of ssmParameter, secretsManager, fromConfig" });
  });

/** The app's defaults (a Streamlit app, like the sample in app/); `npm run new` offers the same. */
export const APP_DEFAULTS = { port: 8501, healthPath: "/_stcore/health" } as const;

/** The platform a built image targets when `ferry:image.platform` is unset. */
export const IMAGE_DEFAULTS = { platform: "linux/amd64" } as const;

const appSchema = z
  .strictObject({
    /** Short app name: prefixes every resource name. */
    name: z
      .string({ error: "a name of 2-40 lower-case letters, digits and hyphens, starting with a letter" })
      .regex(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/, {
        error: "a name of 2-40 lower-case letters, digits and hyphens, starting with a letter",
      }),
    /** Port the container listens on. */
    port: port().default(APP_DEFAULTS.port),
    /** HTTP path that answers 200 when the app is healthy. */
    healthPath: z
      .string({ error: 'a path starting with "/", such as "/health"' })
      .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, { error: 'a path starting with "/", such as "/health"' })
      .max(1024, { error: "a path of at most 1024 characters (the load balancer's health check limit)" })
      .default(APP_DEFAULTS.healthPath),
    /** Plain environment variables (numbers and booleans are passed as strings). */
    env: z
      .record(
        z.string().regex(envName, { error: "environment variable names of letters, digits, underscores" }),
        z.union([z.string(), z.number(), z.boolean()], { error: "a string, number or boolean" }),
        { error: 'a map of NAME: value, such as { API_BASE_URL: "https://..." }' },
      )
      .default({}),
    /** Secret environment variables by name → where the value lives. */
    secrets: z
      .record(
        z.string().regex(envName, { error: "environment variable names of letters, digits, underscores" }),
        secretSourceSchema,
        { error: "a map of NAME: { ssmParameter | secretsManager | fromConfig }" },
      )
      .default({}),
    /** Fargate task CPU units / memory MiB (the EC2 demo sizes by instance type instead). */
    cpu: int(256, 16384, "CPU units: an integer").default(512),
    /** Fargate task memory in MiB: one of the sizes Fargate pairs with `cpu`. */
    memory: int(512, 122880, "memory in MiB: an integer").default(1024),
    /** Optional S3 bucket for the app's data; its name reaches the app as `envVar`. */
    dataBucket: z
      .strictObject({
        /** Bucket name. Default: derived from the stack prefix. */
        name: s3BucketName().optional(),
        /** Environment variable that receives the bucket's name. */
        envVar: z.string().regex(envName, { error: "an environment variable name" }).default("S3_BUCKET"),
      })
      .optional(),
  })
  .superRefine((app, ctx) => {
    for (const [name, value] of Object.entries(app.env))
      if (typeof value === "string" && /[\r\n\0]/.test(value))
        ctx.addIssue({
          code: "custom",
          path: ["env", name],
          message:
            "a single-line value (no newline or NUL: env files and task definitions cannot carry them)",
        });
    for (const name of Object.keys(app.env)) {
      if (SECRET_LOOKING_NAME.test(name))
        ctx.addIssue({
          code: "custom",
          path: ["env", name],
          message: `no plain value for a secret-looking name; move it to app.secrets.${name}`,
        });
      if (name in app.secrets)
        ctx.addIssue({
          code: "custom",
          path: ["env", name],
          message: "a name not also listed in app.secrets",
        });
    }
  });

const imageSchema = z
  .strictObject({
    /** Use an image built elsewhere: "registry/repo:tag" or "registry/repo@sha256:<64 hex>". */
    uri: imageRef("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1").optional(),
    /** Build context, relative to the project root. @default "./app" */
    context: z.string({ error: "a directory relative to the project root" }).optional(),
    /** Dockerfile, relative to the context. @default "Dockerfile" */
    dockerfile: z
      .string({ error: "a file path relative to the build context" })
      .regex(/\S/, {
        error: 'a file name such as "Dockerfile" (or leave it unset): an empty one names the directory',
      })
      .optional(),
    /** Target platform: must match the compute (the instance type, or the Fargate CPU architecture). @default "linux/amd64" */
    platform: z.enum(["linux/amd64", "linux/arm64"], { error: '"linux/amd64" or "linux/arm64"' }).optional(),
    buildArgs: z
      .record(z.string(), z.string({ error: "string values" }), { error: "a map of NAME: value" })
      .optional(),
    /** Multi-stage target to build. */
    target: z.string({ error: "a stage name" }).optional(),
    /** Build (not push) during `pulumi preview`, so a broken Dockerfile fails the PR. @default true */
    buildOnPreview: bool().optional(),
  })
  .superRefine((img, ctx) => {
    if (img.uri === undefined) return;
    for (const k of ["context", "dockerfile", "platform", "buildArgs", "target", "buildOnPreview"] as const)
      if (img[k] !== undefined)
        ctx.addIssue({ code: "custom", path: [k], message: "unset when image.uri names an existing image" });
  });

const registrySchema = z.strictObject({
  /** ECR repository name. @default app.name */
  name: z
    .string({ error: "an ECR repository name" })
    .regex(/^(?=.{2,256}$)[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
      error: 'an ECR repository name such as "ragstream-web" (lower-case, digits, . _ - /)',
    })
    .optional(),
  /** How many images the lifecycle policy keeps. */
  keepImages: int(1, 1000, "an image count: an integer").default(10),
});

const dnsSchema = z.strictObject({
  /** Route 53 hosted zone's domain (the zone must already exist in this account). */
  domain: domain(),
  /** Record in that zone. @default app.name; "@" = the apex. */
  record: recordName().optional(),
});

/** `ferry:budget`: the monthly estimate `npm test` holds this stack to (scripts/plan/cost.ts). */
export const budgetSchema = z.strictObject({
  /** USD a month; the demo is checked while stopped, a Fargate service at its minimum task count. */
  monthlyUsd: z
    .number({ error: "a monthly amount in USD: a positive number" })
    .positive({ error: "a monthly amount in USD: a positive number" }),
});

export const rootSchema = z
  .strictObject({
    /** The region every resource of the stack is created in. */
    "aws:region": awsRegion(),
    /** The account(s) this stack may deploy to: the AWS provider refuses credentials of any other. */
    "aws:allowedAccountIds": z
      .array(awsAccountId(), { error: 'a list with this stack\'s account id, such as ["123456789012"]' })
      .min(1, { error: 'a list with this stack\'s account id, such as ["123456789012"]' }),
    /** AWS CLI profile the provider uses (local runs; CI uses OIDC credentials instead). */
    "aws:profile": z
      .string({ error: 'an AWS CLI profile name such as "ferry-admin"' })
      .min(1, { error: 'an AWS CLI profile name such as "ferry-admin"' })
      .optional(),
    /** Extra tags on every resource, next to app, stack and managed-by. */
    "aws:defaultTags": z
      .strictObject(
        {
          /** Tag key → value. */
          tags: z.record(
            z
              .string()
              .regex(/^[\p{L}\p{N}\s_.:/=+\-@]{1,128}$/u, { error: "tag keys of at most 128 characters" }),
            z
              .string({ error: "a tag value (a string)" })
              .max(256, { error: "a tag value of at most 256 characters" }),
            { error: "a map of tag key: value" },
          ),
        },
        { error: "a map with the key tags, such as { tags: { team: web } }" },
      )
      .optional(),
    /** Which topology this stack deploys: one normally-stopped EC2 instance, or ECS Fargate behind a load balancer. */
    "ferry:topology": z.enum(TOPOLOGIES, {
      error: (issue) => {
        const hint = typeof issue.input === "string" ? suggest(issue.input, TOPOLOGIES) : undefined;
        return `"ec2-demo" or "fargate-ha"${hint ? `; did you mean "${hint}"?` : ""}`;
      },
    }),
    /** The app: its name, port, health path, environment and secrets. */
    "ferry:app": appSchema,
    /** How the app's image is built (or which existing image runs). */
    "ferry:image": imageSchema.default({}),
    /** The ECR repository the built image is pushed to. */
    "ferry:registry": registrySchema.default({ keepImages: 10 }),
    /** A constant name in an existing Route 53 hosted zone (HTTPS on it). */
    "ferry:dns": dnsSchema.optional(),
    /** Settings of the ec2-demo topology. */
    "ferry:demo": demoSchema.optional(),
    /** Settings of the fargate-ha topology. */
    "ferry:fargate": fargateSchema.optional(),
    /** AWS access for GitHub Actions (roles assumed with OIDC, or an ECR-push user). */
    "ferry:ci": ciSchema.optional(),
    /** The monthly estimate `npm test` holds this stack to. */
    "ferry:budget": budgetSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const topology = c["ferry:topology"];
    const wrongBlock = topology === "ec2-demo" ? "ferry:fargate" : "ferry:demo";
    if (c[wrongBlock] !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [wrongBlock],
        message: `no ${wrongBlock} block with topology "${topology}" (it would be ignored)`,
      });

    const platform = c["ferry:image"].platform ?? IMAGE_DEFAULTS.platform;
    if (topology === "ec2-demo") {
      const type = c["ferry:demo"]?.instanceType ?? "t3.small";
      const arch = instanceArchitecture(type);
      const arm = arch === "arm64";
      if (arch !== undefined && c["ferry:image"].uri === undefined && arm !== (platform === "linux/arm64"))
        ctx.addIssue({
          code: "custom",
          path: ["ferry:image", "platform"],
          message: `"${arm ? "linux/arm64" : "linux/amd64"}" to run on instance type ${type}`,
        });
      for (const issue of demoIssues(c)) ctx.addIssue({ code: "custom", ...issue });
    } else {
      const { cpu, memory } = c["ferry:app"];
      const allowed = FARGATE_MEMORY[cpu];
      if (!allowed)
        ctx.addIssue({
          code: "custom",
          path: ["ferry:app", "cpu"],
          message: `a Fargate CPU size: one of ${Object.keys(FARGATE_MEMORY).join(", ")}`,
        });
      else if (!allowed.includes(memory))
        ctx.addIssue({
          code: "custom",
          path: ["ferry:app", "memory"],
          message: `a memory size Fargate allows with cpu ${cpu}: ${rangeText(allowed)}`,
        });
      for (const issue of fargateEnvIssues(c["ferry:app"], c["ferry:fargate"]))
        ctx.addIssue({ code: "custom", path: issue.path, input: issue.value, message: issue.message });
      const fargate = c["ferry:fargate"] ?? { insecureHttpOnly: false, taskNetwork: "public-ipv4" as const };
      for (const issue of ipv6EnvIssues(c["ferry:app"].env, fargate.taskNetwork))
        ctx.addIssue({ code: "custom", ...issue });
      for (const issue of fargateCrossIssues({
        image: { uri: c["ferry:image"].uri, platform },
        fargate,
        hasDns: c["ferry:dns"] !== undefined,
      }))
        ctx.addIssue({ code: "custom", ...issue });
    }
  });

/** HTTPS is on when asked for, or by default whenever there is a name to certify. */
export function demoHttps(c: { "ferry:demo"?: { https?: boolean }; "ferry:dns"?: unknown }): boolean {
  return c["ferry:demo"]?.https ?? c["ferry:dns"] !== undefined;
}

/** Cross-field rules of the demo's HTTPS and wake settings. */
function demoIssues(c: ParsedConfig): { path: (string | number)[]; input?: unknown; message: string }[] {
  const demo = c["ferry:demo"];
  const issues: { path: (string | number)[]; input?: unknown; message: string }[] = [];
  const https = demoHttps(c);
  const why = demo?.https === undefined ? " (demo.https is on by default with ferry:dns)" : "";
  if (demo?.https === true && c["ferry:dns"] === undefined)
    issues.push({
      path: ["ferry:demo", "https"],
      message: "false or unset without ferry:dns (Let's Encrypt certifies a domain name, not an IP address)",
    });
  if (https) {
    if (demo?.openHttp === true)
      issues.push({
        path: ["ferry:demo", "openHttp"],
        message: `false while HTTPS is on${why}: port 80 then redirects to HTTPS`,
      });
    const port = c["ferry:app"].port;
    if (port === 80 || port === 443)
      issues.push({
        path: ["ferry:app", "port"],
        message: `a port other than 80 and 443 while HTTPS is on${why}: the proxy listens on them`,
      });
  } else
    for (const key of ["acmeEmail", "acmeStaging", "proxyImage"] as const)
      if (demo?.[key] !== undefined)
        issues.push({
          path: ["ferry:demo", key],
          message: "unset while demo.https is off (it would be ignored)",
        });
  if (demo?.wake?.enabled && demo.powerState === "stopped")
    issues.push({
      path: ["ferry:demo", "powerState"],
      message:
        'unset while demo.wake is on ("stopped" makes every pulumi up, a CI deploy included, stop a demo a visitor just started)',
    });
  if (demo?.wake?.enabled && !demo.idleStop.enabled)
    issues.push({
      path: ["ferry:demo", "idleStop", "enabled"],
      message: "true while demo.wake is on (every start by a visitor must end by itself)",
    });
  return issues;
}

function rangeText(values: number[]): string {
  if (values.length <= 4) return values.join(", ");
  const step = values[1] - values[0];
  return `${values[0]} to ${values[values.length - 1]} in steps of ${step}`;
}

export type RawConfig = z.input<typeof rootSchema>;
export type ParsedConfig = z.output<typeof rootSchema>;
