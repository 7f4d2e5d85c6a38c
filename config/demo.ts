// `ferry:demo`: settings of the cheap EC2 demo topology (requirements D1–D10).
import { z } from "zod";
import { bool, cidr, int } from "./fields";

export const demoSchema = z.strictObject({
  /** EC2 instance type. A type whose family ends in "g" (t4g, m7g) is arm64 and needs image.platform linux/arm64. */
  instanceType: z
    .string({ error: 'an EC2 instance type such as "t3.small"' })
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'an EC2 instance type such as "t3.small"' })
    .default("t3.small"),
  /** Root volume size in GiB (gp3, encrypted). */
  rootVolumeGb: int(8, 1024, "a size in GiB: an integer").default(20),
  /** Subnet to launch in; default: a public subnet of the default VPC. */
  subnetId: z
    .string({ error: 'a subnet id such as "subnet-0123456789abcdef0"' })
    .regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'a subnet id such as "subnet-0123456789abcdef0"' })
    .optional(),
  /** Who may reach the app port (and port 80 when openHttp). */
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
});

export type DemoConfig = z.output<typeof demoSchema>;
