// fargate-ha wiring: turns the validated config and the shared components into one FargateService, points
// the domain (if any) at its CloudFront distribution, and returns the stack outputs (S8).
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { taskArchitecture } from "../config/fargate";
import { FargateService } from "../components/fargateService";
import type { Shared } from "./shared";

export function deployFargate(
  cfg: FerryConfig,
  shared: Shared,
  opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Output<unknown>> {
  const f = cfg.fargate;
  if (!f)
    throw new Error("deployFargate needs the ferry:fargate settings (config/index.ts fills the defaults)");
  // AWS documents IPv6-only tasks but not how the Fargate agent fetches secrets there (docs/fargate.md): said
  // in every preview and plan, not refused.
  if (f.taskNetwork === "ipv6-only" && shared.secrets.entries.length > 0)
    void pulumi.log.warn(
      `ferry:fargate.taskNetwork ipv6-only with ${shared.secrets.entries.length} secret(s) in ferry:app.secrets: ` +
        "AWS does not document how Fargate fetches Secrets Manager/SSM secrets from IPv6-only subnets; " +
        "if tasks stop with ResourceInitializationError, use taskNetwork: public-ipv4 (docs/fargate.md)",
    );
  if (f.taskNetwork === "ipv6-only" && f.ecsExec)
    void pulumi.log.warn(
      "ferry:fargate.taskNetwork ipv6-only with ecsExec: whether ECS Exec's agent reaches Systems Manager from " +
        "IPv6-only subnets is not documented; if `aws ecs execute-command` cannot connect, use public-ipv4",
    );
  const service = new FargateService(
    `${shared.prefix}-fargate`,
    {
      prefix: shared.prefix,
      region: cfg.aws.region,
      app: cfg.app,
      image: {
        ref: shared.image.ref,
        dualStackRef: shared.image.dualStackRef,
        // The image component owns where the image is pulled from (undefined: outside ECR, no pull grant).
        ecrRepositoryArn: shared.image.pullRepositoryArn,
        // Set, or derived from the built image's platform (the config refuses a mismatch); an existing image
        // must match it.
        cpuArchitecture: taskArchitecture(cfg.image, f),
      },
      secrets: shared.secrets,
      network:
        f.vpcId !== undefined && f.subnetIds !== undefined
          ? { vpcId: f.vpcId, subnetIds: f.subnetIds }
          : { cidr: f.vpcCidr, azCount: f.azCount },
      taskNetwork: f.taskNetwork,
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
      // stacks/shared.ts requests the certificate (in us-east-1) for fargate-ha whenever a domain is set; the
      // config refuses the plain-HTTP opt-out together with a domain.
      entry: f.insecureHttpOnly
        ? { kind: "insecure-http" }
        : {
            kind: "cloudfront",
            domain:
              shared.dns?.certificateArn !== undefined
                ? { fqdn: shared.dns.fqdn, certificateArn: shared.dns.certificateArn }
                : undefined,
          },
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
  if (shared.dns && service.edge)
    shared.dns.alias(`${shared.prefix}-alias`, {
      dnsName: service.edge.domainName,
      zoneId: service.edge.hostedZoneId,
      evaluateTargetHealth: false,
      ipv6: true,
    });

  return {
    url: service.url,
    ...(service.edge
      ? { distributionId: service.edge.distributionId, distributionDomainName: service.edge.domainName }
      : {}),
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
