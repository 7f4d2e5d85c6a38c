// `ferry:demo`: settings of the cheap EC2 demo topology (requirements D1–D10).
import { z } from "zod";
import {
  acmeEmail,
  bool,
  cidr,
  imageRef,
  instanceType,
  int,
  secretConfigKey,
  ssmParameterName,
  subnetId,
} from "./fields";

export const demoSchema = z.strictObject({
  /** EC2 instance type. Graviton types (a1, t4g, m7g, c6gn …) are arm64 and need image.platform linux/arm64. */
  instanceType: instanceType().default("t3.small"),
  /** Root volume size in GiB (gp3, encrypted). */
  rootVolumeGb: int(8, 1024, "a size in GiB: an integer").default(20),
  /** Subnet to launch in; default: a public subnet of the default VPC. */
  subnetId: subnetId().optional(),
  /** Who may reach the app: its port (and 80 with openHttp), or 443 with HTTPS. */
  ingressCidrs: z
    .array(cidr(), { error: 'a list of IPv4 CIDRs such as ["0.0.0.0/0"]' })
    .min(1, { error: 'at least one CIDR (use ["0.0.0.0/0"] for anyone)' })
    .default(["0.0.0.0/0"]),
  /** Also publish the app on port 80. */
  openHttp: bool().default(false),
  /** SSH is closed unless CIDRs are listed here; SSM Session Manager needs no open port. */
  sshCidrs: z.array(cidr(), { error: 'a list of IPv4 CIDRs such as ["198.51.100.7/32"]' }).default([]),
  /** Desired power state enforced by `pulumi up`; unset = leave it to whoever started or stopped it. */
  powerState: z.enum(["running", "stopped"], { error: '"running" or "stopped" (or leave unset)' }).optional(),
  /** Idle auto-stop: stop the instance after `minutes` of average CPU below `cpuPercent`. */
  idleStop: z
    .strictObject({
      enabled: bool().default(true),
      cpuPercent: int(1, 99, "a CPU percentage: an integer").default(5),
      /** Basic EC2 monitoring reports CPU every 5 minutes, so the alarm counts in 5-minute periods. */
      minutes: int(5, 1440, "a number of minutes: an integer")
        .refine((m) => m % 5 === 0, {
          error: "a multiple of 5 from 5 to 1440 (EC2 basic monitoring reports every 5 minutes)",
        })
        .default(60),
    })
    .default({ enabled: true, cpuPercent: 5, minutes: 60 }),
  /**
   * On a new image digest, re-run the start script on a running instance through SSM Run Command. Runs where
   * `pulumi up` runs and needs the AWS CLI there; with false, a new image reaches the instance at its next start.
   */
  rollout: bool().default(true),
  /**
   * HTTPS on the constant name: Caddy on the instance with a Let's Encrypt certificate, port 80 redirecting.
   * @default true when ferry:dns is set (it needs a name), false otherwise
   */
  https: bool().optional(),
  /** ACME account contact e-mail (Let's Encrypt sends no expiry notices since 2025). Optional. */
  acmeEmail: acmeEmail().optional(),
  /** Let's Encrypt's staging CA: untrusted certificates under far higher rate limits, for trying things out. */
  acmeStaging: bool().optional(),
  /** The HTTPS proxy's image (ECR Public mirrors Docker Hub's official images without its pull limits). */
  proxyImage: imageRef("public.ecr.aws/docker/library/caddy:2.10.2-alpine").optional(),
  /** Wake page: a constant public URL where visitors see the demo's state and may start it. Opt-in. */
  wake: z
    .strictObject({
      /** Set false to remove the wake page but keep its settings. */
      enabled: bool().default(true),
      /** Starts through the wake page per UTC day; the idle auto-stop ends each run. */
      dailyStartLimit: int(1, 48, "a number of starts per day: an integer").default(5),
      /** Where the passcode visitors must enter lives; unset = anyone with the URL may start the demo. */
      passcode: z
        .strictObject({
          /** A secret config key of this project (`pulumi config set --secret <key> <value>`). */
          fromConfig: secretConfigKey("wakePasscode").optional(),
          /** An existing SSM SecureString parameter, by name. */
          ssmParameter: ssmParameterName("/demo/wake-passcode").optional(),
        })
        .superRefine((p, ctx) => {
          if ((p.fromConfig === undefined) === (p.ssmParameter === undefined))
            ctx.addIssue({ code: "custom", message: "exactly one of fromConfig, ssmParameter" });
        })
        .optional(),
    })
    .optional(),
});

/** The default proxy image: Caddy's official image, from ECR Public. */
export const DEFAULT_PROXY_IMAGE = "public.ecr.aws/docker/library/caddy:2.10.2-alpine";

export type DemoConfig = z.output<typeof demoSchema>;
