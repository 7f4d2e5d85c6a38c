// fargate-ha wiring. First version: the shared components only (the service lands with the Fargate topology).
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import type { Shared } from "./shared";

export function deployFargate(
  _cfg: FerryConfig,
  shared: Shared,
  _opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Output<unknown>> {
  return {
    imageRef: shared.image.ref,
    imageDigest: shared.image.digest,
    repositoryUrl: shared.image.repositoryUrl,
    secretRefs: pulumi.all(shared.secrets.entries.map((e) => e.ref)),
  };
}
