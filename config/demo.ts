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
   * Hard cap on each run: the instance schedules its own shutdown (which stops it) this long after every boot,
   * from the host, outside the app's container, so no load on the app keeps it running. The idle stop usually
   * ends a run first; this ends a run that is kept busy.
   */
  maxRuntime: z
    .strictObject({
      /** false only on purpose: the demo then runs as long as something keeps its CPU busy. */
      enabled: bool().default(true),
      minutes: int(15, 10080, "a number of minutes (10080 is a week): an integer").default(240),
    })
    .default({ enabled: true, minutes: 240 }),
  /**
   * CPU credit mode of a burstable type (t2, t3, t3a, t4g). "unlimited" lets a busy instance run above its
   * baseline at extra cost; "standard" throttles it instead. Not allowed for other types.
   * @default "standard" for burstable types
   */
  cpuCredits: z.enum(["standard", "unlimited"], { error: '"standard" or "unlimited"' }).optional(),
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
  /**
   * Security headers Caddy adds to every HTTPS answer: Strict-Transport-Security (without includeSubDomains:
   * the demo's name only), X-Content-Type-Options, Referrer-Policy, X-Frame-Options; the app's own values win.
   */
  securityHeaders: z
    .strictObject({
      enabled: bool().default(true),
      /** HSTS max-age in seconds; 0 sends no HSTS header (the other headers stay). */
      hstsMaxAgeSeconds: int(0, 63072000, "seconds (63072000 is two years): an integer").default(31536000),
    })
    .default({ enabled: true, hstsMaxAgeSeconds: 31536000 }),
  /** The HTTPS proxy's image (ECR Public mirrors Docker Hub's official images without its pull limits). */
  proxyImage: imageRef("public.ecr.aws/docker/library/caddy:2.10.2-alpine").optional(),
  /** Wake page: a constant public URL where visitors see the demo's state and may start it. Opt-in. */
  wake: z
    .strictObject({
      /** Set false to remove the wake page but keep its settings. */
      enabled: bool().default(true),
      /** Starts through the wake page per UTC day; the idle auto-stop ends each run. */
      dailyStartLimit: int(1, 48, "a number of starts per day: an integer").default(5),
      /**
       * Concurrent executions reserved for (and capping) the wake function, so a flood cannot run up more than
       * this many at once. false: no reservation, for accounts whose unreserved minimum (100 by default, lower
       * on new accounts' quotas) leaves nothing to reserve; the function is then capped by the account only.
       */
      reservedConcurrency: z
        .union(
          [int(1, 20, "a number of concurrent executions (or false for none): an integer"), z.literal(false)],
          {
            error: "a number of concurrent executions from 1 to 20, or false for no reservation",
          },
        )
        .default(2),
      /** Where the passcode visitors must enter lives; unset = anyone with the URL may start the demo.
       * It must be at least 8 characters long. */
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

/** Shortest passcode the config and the wake function accept (the function also locks out repeated guesses). */
export const MIN_PASSCODE_LENGTH = 8;

/** The default proxy image: Caddy's official image, from ECR Public. */
export const DEFAULT_PROXY_IMAGE = "public.ecr.aws/docker/library/caddy:2.10.2-alpine";

export type DemoConfig = z.output<typeof demoSchema>;
