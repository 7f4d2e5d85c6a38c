// ec2-demo wiring. First version: the shared components only (the instance lands with the demo topology).
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import type { Shared } from "./shared";

export function deployDemo(
  _cfg: FerryConfig,
  shared: Shared,
  _opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Output<unknown>> {
  return {
    imageRef: shared.image.ref,
    imageDigest: shared.image.digest,
    repositoryUrl: shared.image.repositoryUrl,
    ...(shared.dns ? { zoneId: shared.dns.zoneId } : {}),
    secretRefs: pulumi.all(shared.secrets.entries.map((e) => e.ref)),
  };
}
