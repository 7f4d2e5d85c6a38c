// Picks the topology from config and returns the stack outputs.
import type * as pulumi from "@pulumi/pulumi";
import { isOffline, loadConfig, type FerryConfig } from "../config";
import { deployCi } from "./ci";
import { deployDemo } from "./demo";
import { deployFargate } from "./fargate";
import { needsPreflight, preflight } from "./preflight";
import { createProvider, createShared } from "./shared";

export type StackOutputs = Record<string, pulumi.Output<unknown> | string>;

export function deploy(cfg: FerryConfig): StackOutputs {
  const provider = createProvider(cfg);
  const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };
  const shared = createShared(cfg, opts);
  const outputs =
    cfg.topology === "ec2-demo" ? deployDemo(cfg, shared, opts) : deployFargate(cfg, shared, opts);
  return { topology: cfg.topology, region: cfg.aws.region, ...outputs, ...deployCi(cfg, shared, opts) };
}

/**
 * Entry: validate the whole config first, so a bad value stops before any resource is declared (S6). Checks
 * that need the network (stacks/preflight.ts) run next, in `pulumi preview` and `up` only; offline runs
 * (`npm run plan`, tests) declare at once.
 */
export function main(): StackOutputs | Promise<StackOutputs> {
  const cfg = loadConfig();
  if (isOffline() || !needsPreflight(cfg)) return deploy(cfg);
  return preflight(cfg).then(() => deploy(cfg));
}
