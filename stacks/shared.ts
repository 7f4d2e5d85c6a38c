// The pieces both topologies share: the AWS provider every resource uses, the image, secrets and DNS.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { Dns } from "../components/dns";
import { RUNTIME_TAGS } from "../components/runtimeTags";
import { AppImage } from "../components/image";
import { stackPrefix } from "../components/names";
import { AppSecrets } from "../components/secrets";
import { resolveSourceTag } from "../components/sourceTag";

export interface Shared {
  readonly prefix: string;
  readonly image: AppImage;
  readonly secrets: AppSecrets;
  readonly dns?: Dns;
}

/**
 * The one AWS provider of the program: region, account pin (S7) and tags on every resource. Components get
 * it through `providers`, so nothing falls back to an untagged default provider.
 */
export function createProvider(cfg: FerryConfig): aws.Provider {
  return new aws.Provider("aws", {
    region: cfg.aws.region as aws.Region,
    allowedAccountIds: [...cfg.aws.allowedAccountIds],
    profile: cfg.aws.profile,
    defaultTags: { tags: { ...cfg.tags } },
    // Written at run time by the demo instance (its boot progress) and the wake page (its start count): they
    // belong to them, so neither a `pulumi up` nor a refresh in the drift check treats them as drift.
    ignoreTags: { keys: [...RUNTIME_TAGS] },
  });
}

export function createShared(cfg: FerryConfig, opts: pulumi.ComponentResourceOptions): Shared {
  const prefix = stackPrefix(cfg.app.name, cfg.stack);
  let sourceTag = "external";
  if (cfg.image.kind === "build") {
    const resolved = resolveSourceTag(cfg.image.context);
    sourceTag = resolved.tag;
    if (resolved.source !== "git")
      void pulumi.log.info(
        resolved.source === "git-dirty"
          ? `image tag ${sourceTag}: the build context has uncommitted changes, so the commit SHA alone would mislabel it`
          : `image tag ${sourceTag}: the build context is not in a git checkout; tagging by content hash`,
      );
  }
  const image = new AppImage(
    `${prefix}-image`,
    { repositoryName: cfg.registry.name, keepImages: cfg.registry.keepImages, image: cfg.image, sourceTag },
    opts,
  );
  const secrets = new AppSecrets(
    `${prefix}-secrets`,
    { secrets: cfg.app.secrets, store: cfg.topology === "ec2-demo" ? "ssm" : "secretsmanager", prefix },
    opts,
  );
  const dns = cfg.dns
    ? new Dns(
        `${prefix}-dns`,
        // The Fargate ALB terminates TLS with ACM; the demo has no load balancer to hold a certificate.
        { domain: cfg.dns.domain, fqdn: cfg.dns.fqdn, certificate: cfg.topology === "fargate-ha" },
        opts,
      )
    : undefined;
  return { prefix, image, secrets, dns };
}
