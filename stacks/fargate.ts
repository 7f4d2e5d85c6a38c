// fargate-ha wiring: turns the validated config and the shared components into one FargateService, points
// the domain (if any) at its load balancer, and returns the stack outputs (S8).
import type * as pulumi from "@pulumi/pulumi";
import { ConfigError, type FerryConfig } from "../config";
import { describeValue, keyOf } from "../config/errors";
import { fargateEnvIssues } from "../config/fargate";
import { FargateService } from "../components/fargateService";
import type { Shared } from "./shared";

/** Repository ARN of an ECR image reference ("<acct>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]"). */
export function ecrRepositoryArnOf(uri: string): string | undefined {
  const m =
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(:[^@/]+)?(@sha256:[0-9a-f]{64})?$/.exec(
      uri,
    );
  return m ? `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}

/** Env-name clashes as config problems (`<key>: got <value>, expected <what>`). */
export function envProblems(cfg: FerryConfig): string[] {
  return fargateEnvIssues(cfg.app, cfg.fargate).map(
    (i) => `${keyOf(i.path)}: got ${describeValue(i.value)}, expected ${i.message}`,
  );
}

export function deployFargate(
  cfg: FerryConfig,
  shared: Shared,
  opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Output<unknown>> {
  const f = cfg.fargate;
  if (!f)
    throw new Error("deployFargate needs the ferry:fargate settings (config/index.ts fills the defaults)");
  // Normally caught by the config parser already; kept here so this entry point never builds a clashing task.
  const problems = envProblems(cfg);
  if (problems.length > 0) throw new ConfigError(problems);

  const image = cfg.image;
  const service = new FargateService(
    `${shared.prefix}-fargate`,
    {
      prefix: shared.prefix,
      region: cfg.aws.region,
      app: cfg.app,
      image: {
        ref: shared.image.ref,
        // A built image lives in this stack's repository; an existing one wherever its URI says (a non-ECR
        // image needs no pull grant).
        ecrRepositoryArn: image.kind === "build" ? shared.image.repositoryArn : ecrRepositoryArnOf(image.uri),
        // An existing image's architecture is not known here; Fargate Spot (the default) is x86 anyway.
        cpuArchitecture: image.kind === "build" && image.platform === "linux/arm64" ? "ARM64" : "X86_64",
      },
      secrets: shared.secrets,
      network:
        f.vpcId !== undefined && f.subnetIds !== undefined
          ? { vpcId: f.vpcId, subnetIds: f.subnetIds }
          : { cidr: f.vpcCidr, azCount: f.azCount },
      clusterName: f.clusterName,
      desiredCount: f.desiredCount,
      minCount: f.minCount,
      maxCount: f.maxCount,
      cpuTarget: f.cpuTarget,
      scaleOutCooldown: f.scaleOutCooldown,
      scaleInCooldown: f.scaleInCooldown,
      capacity: f.capacity,
      healthCheckGraceSeconds: f.healthCheckGraceSeconds,
      deployTimeoutMinutes: f.deployTimeoutMinutes,
      containerInsights: f.containerInsights,
      ecsExec: f.ecsExec,
      alarms: f.alarms,
      extraEgress: f.extraEgress,
      // stacks/shared.ts requests the certificate for fargate-ha whenever a domain is configured.
      https:
        shared.dns?.certificateArn !== undefined
          ? { certificateArn: shared.dns.certificateArn, fqdn: shared.dns.fqdn }
          : undefined,
      dataBucket: cfg.app.dataBucket,
      logGroupName: f.logGroupName,
      logRetentionDays: f.logRetentionDays,
      containerHealthCheck: f.containerHealthCheck,
      readonlyRootFilesystem: f.readonlyRootFilesystem,
      stickySessions: f.stickySessions,
      appUrlEnvVar: f.appUrlEnvVar,
    },
    opts,
  );
  shared.dns?.alias(`${shared.prefix}-alias`, { dnsName: service.albDnsName, zoneId: service.albZoneId });

  return {
    url: service.url,
    albDnsName: service.albDnsName,
    albArn: service.albArn,
    clusterName: service.clusterName,
    clusterArn: service.clusterArn,
    serviceName: service.serviceName,
    serviceArn: service.serviceArn,
    logGroupName: service.logGroupName,
    alarmTopicArn: service.alarmTopicArn,
    imageRef: shared.image.ref,
    imageDigest: shared.image.digest,
    repositoryUrl: shared.image.repositoryUrl,
    ...(service.dataBucketName ? { dataBucketName: service.dataBucketName } : {}),
  };
}
