// CI access wiring (C2): turns `ferry:ci` and the stack's names into one CiAccess component, and returns the
// stack outputs a person copies into the repository settings (README, CI/CD section).
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { CiAccess, type CiScopeArgs } from "../components/ciAccess";
import { fargateNames } from "../components/fargateNames";
import { parkFunctionName } from "../components/ec2Demo/parking";
import { wakeFunctionName } from "../components/wakePage";
import type { Shared } from "./shared";

/** The names and tags this stack's resources carry, as the components name them (see each component). */
export function ciScope(cfg: FerryConfig, prefix: string): Omit<CiScopeArgs, "hostedZoneArn"> {
  const ci = cfg.ci;
  const fargate = cfg.topology === "fargate-ha" ? cfg.fargate : undefined;
  // The very names components/fargateService.ts gives its resources (one naming function for both).
  const names =
    fargate &&
    fargateNames({
      prefix,
      appName: cfg.app.name,
      clusterName: fargate.clusterName,
      logGroupName: fargate.logGroupName,
    });
  return {
    region: cfg.aws.region,
    prefix,
    // The provider's default tags (stacks/shared.ts): every resource carries them.
    tags: { app: cfg.tags.app, stack: cfg.tags.stack },
    topology: cfg.topology,
    repositoryName: cfg.registry.name,
    clusterName: names?.cluster,
    logGroupName: names?.logGroup,
    wakeFunctionName: cfg.topology === "ec2-demo" && cfg.demo?.wake ? wakeFunctionName(prefix) : undefined,
    parkFunctionName: cfg.topology === "ec2-demo" && cfg.dns ? parkFunctionName(prefix) : undefined,
    dataBucket:
      names && cfg.app.dataBucket
        ? { name: cfg.app.dataBucket.name, namePrefix: names.dataBucketPrefix }
        : undefined,
    // Only secrets the program stores from config are encrypted with a key the deploy must use.
    secretKmsKeyArns: [
      ...new Set(
        cfg.app.secrets
          .filter((s) => s.source.kind === "config" && s.kmsKeyArn !== undefined)
          .map((s) => s.kmsKeyArn!),
      ),
    ],
    state: ci?.stateBucket ? { bucket: ci.stateBucket, project: cfg.project, stack: cfg.stack } : undefined,
    secretsKmsKeyArn: ci?.secretsKmsKeyArn,
  };
}

/** Creates the stack's CI access when `ferry:ci` is set; returns the extra stack outputs. */
export function deployCi(
  cfg: FerryConfig,
  shared: Shared,
  opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Output<unknown>> {
  const ci = cfg.ci;
  if (!ci) return {};
  const access = new CiAccess(
    `${shared.prefix}-ci`,
    {
      mode: ci.mode,
      github: { repository: ci.repository, ownerId: ci.ownerId, repositoryId: ci.repositoryId },
      deploy: ci.deploy,
      preview: ci.preview,
      oidcProviderArn: ci.oidcProviderArn,
      scope: { ...ciScope(cfg, shared.prefix), hostedZoneArn: shared.dns?.zoneArn },
    },
    opts,
  );
  if (ci.mode === "user")
    return {
      ciUserName: access.userName!,
      ciAccessKeyId: access.accessKeyId!,
      // A secret output: `pulumi stack output ciSecretAccessKey --show-secrets` reveals it to a person.
      ciSecretAccessKey: access.secretAccessKey!,
    };
  return {
    ciDeployRoleArn: access.deployRoleArn!,
    ...(access.previewRoleArn ? { ciPreviewRoleArn: access.previewRoleArn } : {}),
    ciOidcProviderArn: access.oidcProviderArn!,
  };
}
