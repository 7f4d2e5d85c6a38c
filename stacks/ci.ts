// CI access wiring (C2): turns `ferry:ci` and the stack's names into one CiAccess component, and returns the
// stack outputs a person copies into the repository settings (README, CI/CD section).
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { deployEnvironment } from "../config/ci";
import { CiAccess, CLOUDFRONT_REGION, type CiScopeArgs } from "../components/ciAccess";
import { fargateNames } from "../components/fargateNames";
import { NAME_LIMITS, physicalName } from "../components/names";
import { parkFunctionName } from "../components/ec2Demo/parking";
import { rolloutDocumentName } from "../components/ec2Demo/rolloutDocument";
import { wakeFunctionName } from "../components/wakePage";
import type { Shared } from "./shared";

/** The alarms components/alarms.ts declares for a Fargate service: "<alarmPrefix>-<suffix>". */
const FARGATE_ALARMS = ["healthy-hosts", "latency", "target-5xx-rate", "elb-5xx", "cpu-high", "memory-high"];

/**
 * The names and tags this stack's resources carry, as the components name them (each with the same helper
 * and suffix as its component; test/iam-simulation.test.ts fails when a declared resource falls outside).
 */
export function ciScope(cfg: FerryConfig, prefix: string): Omit<CiScopeArgs, "dns"> {
  const ci = cfg.ci;
  const fargate = cfg.topology === "fargate-ha" ? cfg.fargate : undefined;
  // A fargate stack that builds its own VPC (not ferry:fargate.vpcId): its VPC-scoped creates need its tags.
  const ownVpc = fargate !== undefined && fargate.vpcId === undefined;
  const demo = cfg.topology === "ec2-demo" ? cfg.demo : undefined;
  // The very names components/fargateService.ts gives its resources (one naming function for both).
  const names =
    fargate &&
    fargateNames({
      prefix,
      appName: cfg.app.name,
      clusterName: fargate.clusterName,
      logGroupName: fargate.logGroupName,
    });
  const wake = demo?.wake ? wakeFunctionName(prefix) : undefined;
  // components/ec2Demo/parking.ts: with a domain, a function parks the DNS record when the demo stops.
  const park = demo && cfg.dns ? parkFunctionName(prefix) : undefined;
  const lambdas = [wake, park].filter((n): n is string => n !== undefined);
  const role = (suffix: string) => physicalName(prefix, suffix, NAME_LIMITS.iamRole);
  return {
    region: cfg.aws.region,
    prefix,
    // ferry's own tags (config refuses aws:defaultTags that override them): every resource carries them.
    tags: { app: cfg.tags.app, stack: cfg.tags.stack },
    topology: cfg.topology,
    repositoryName: cfg.registry.name,
    // components/ec2Demo.ts (idle-stop alarm), components/alarms.ts (Fargate service alarms and topic).
    alarmNames: names
      ? FARGATE_ALARMS.map((s) => `${names.alarmPrefix}-${s}`)
      : demo?.idleStop.enabled
        ? [physicalName(prefix, "idle-stop", 255)]
        : [],
    topicNames: names ? [`${names.alarmPrefix}-alarms`] : [],
    // The service's log group; the wake page's is the one Lambda writes to.
    logGroupNames: names ? [names.logGroup] : lambdas.map((n) => `/aws/lambda/${n}`),
    functionNames: lambdas,
    eventRuleNames: park ? [physicalName(prefix, "park", 64)] : [],
    // components/wakePage.ts: a public function URL; components/ec2Demo/parking.ts: EventBridge only.
    functionInvokers: [
      ...(wake ? [{ name: wake, principal: "*" }] : []),
      ...(park ? [{ name: park, principal: "events.amazonaws.com" }] : []),
    ],
    eventTargetFunctionNames: park ? [park] : [],
    clusterName: names?.cluster,
    serviceNames: names ? [names.service] : [],
    taskFamilies: names ? [names.taskFamily] : [],
    dataBucket:
      names && cfg.app.dataBucket
        ? { name: cfg.app.dataBucket.name, namePrefix: names.dataBucketPrefix }
        : undefined,
    // components/secrets.ts: "/<prefix>/NAME" parameters (demo) or "<prefix>/NAME-…" secrets (Fargate);
    // components/ec2Demo.ts and wakePage.ts: "/ferry/<prefix>/…" (image reference, wake passcode).
    parameterPaths: demo ? [`/${prefix}/`, `/ferry/${prefix}/`] : [],
    secretPaths: fargate ? [`${prefix}/`] : [],
    lookedUpSecrets: cfg.app.secrets.flatMap((s) =>
      s.source.kind === "secretsmanager" ? [s.source.nameOrArn] : [],
    ),
    // The app roles: the instance role (ec2Demo.ts), the wake page's (wakePage.ts), the task roles
    // (fargateService.ts). CI passes exactly these, each to its service.
    passRoles: names
      ? [
          { name: names.executionRole, service: "ecs-tasks.amazonaws.com" },
          { name: names.taskRole, service: "ecs-tasks.amazonaws.com" },
        ]
      : [
          { name: role("instance"), service: "ec2.amazonaws.com" },
          ...(wake ? [{ name: role("wake"), service: "lambda.amazonaws.com" }] : []),
          ...(park ? [{ name: role("park"), service: "lambda.amazonaws.com" }] : []),
        ],
    instanceProfileNames: demo ? [role("instance")] : [],
    instance: demo ? { type: demo.instanceType, subnetId: demo.subnetId } : undefined,
    // The demo's rollout runs this document (components/ec2Demo/rolloutDocument.ts) and no other.
    rolloutDocumentName: demo ? rolloutDocumentName(prefix) : undefined,
    // components/edge.ts: CloudFront in front of the service unless the plain-HTTP opt-out is set.
    cloudfront: fargate !== undefined && !fargate.insecureHttpOnly,
    vpcId: fargate?.vpcId,
    ownVpc,
    // The config allows ipv6-only only in the VPC the stack creates; required here too, not only assumed.
    ipv6Tasks: ownVpc && fargate.taskNetwork === "ipv6-only",
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
  const fqdn = shared.dns?.fqdn.toLowerCase().replace(/\.$/, "");
  const access = new CiAccess(
    `${shared.prefix}-ci`,
    {
      mode: ci.mode,
      github: {
        repository: ci.repository,
        ownerId: ci.ownerId,
        repositoryId: ci.repositoryId,
        subjectClaims: ci.subjectClaims,
      },
      deploy: { environment: deployEnvironment(ci, cfg.stack) },
      preview: { pullRequests: ci.preview.pullRequests },
      drift: { branch: ci.drift.branch },
      oidcProviderArn: ci.oidcProviderArn,
      scope: {
        ...ciScope(cfg, shared.prefix),
        dns:
          shared.dns && fqdn
            ? {
                zoneArn: shared.dns.zoneArn,
                // The demo's A record (ec2Demo.ts) or the CloudFront aliases (dns.ts, stacks/fargate.ts): A and
                // AAAA at the stack's name.
                records: [{ name: fqdn, types: cfg.topology === "fargate-ha" ? ["A", "AAAA"] : ["A"] }],
                certificateFor: cfg.topology === "fargate-ha" ? fqdn : undefined,
                // CloudFront serves certificates from us-east-1 only (stacks/shared.ts).
                certificateRegion: cfg.topology === "fargate-ha" ? CLOUDFRONT_REGION : undefined,
              }
            : undefined,
      },
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
    ciDriftRoleArn: access.driftRoleArn!,
    ciOidcProviderArn: access.oidcProviderArn!,
  };
}
