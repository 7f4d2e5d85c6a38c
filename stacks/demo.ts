// ec2-demo wiring (D1–D10): the shared image, secrets and DNS feed one Ec2Demo component; the outputs are
// the handles a person needs (D9): the URL, the instance id and the exact commands to start, stop and read logs.
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { demoCommands, Ec2Demo, UNIT_NAME } from "../components/ec2Demo";
import { WakePage } from "../components/wakePage";
import { DEFAULT_PROXY_IMAGE } from "../config/demo";
import type { Shared } from "./shared";

export function deployDemo(
  cfg: FerryConfig,
  shared: Shared,
  opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Output<unknown>> {
  const demo = cfg.demo;
  if (!demo) throw new Error("deployDemo needs the ferry:demo settings (topology ec2-demo)");
  const region = cfg.aws.region;

  const ec2 = new Ec2Demo(
    // Children are named from this (e.g. "ragstream-demo-instance"): one prefix for every name.
    shared.prefix,
    {
      prefix: shared.prefix,
      region,
      containerName: cfg.app.name,
      port: cfg.app.port,
      healthPath: cfg.app.healthPath,
      env: cfg.app.env,
      secrets: shared.secrets.entries,
      image: {
        ref: shared.image.ref,
        digest: shared.image.digest,
        pullRepositoryArn: shared.image.pullRepositoryArn,
      },
      dns: shared.dns && { zoneId: shared.dns.zoneId, zoneArn: shared.dns.zoneArn, fqdn: shared.dns.fqdn },
      instanceType: demo.instanceType,
      rootVolumeGb: demo.rootVolumeGb,
      subnetId: demo.subnetId,
      ingressCidrs: demo.ingressCidrs,
      https: demo.https
        ? {
            proxyImage: demo.proxyImage ?? DEFAULT_PROXY_IMAGE,
            acmeEmail: demo.acmeEmail,
            acmeStaging: demo.acmeStaging ?? false,
            securityHeaders: demo.securityHeaders,
          }
        : undefined,
      openHttp: demo.openHttp,
      sshCidrs: demo.sshCidrs,
      powerState: demo.powerState,
      idleStop: demo.idleStop,
      maxRuntime: demo.maxRuntime,
      cpuCredits: demo.cpuCredits,
      rollout: demo.rollout,
      awsProfile: cfg.aws.profile,
    },
    opts,
  );

  const commands = ec2.instanceId.apply((id) => demoCommands(region, id, cfg.aws.profile));

  const wake = demo.wake && wakePage(cfg, shared, ec2, opts);
  return {
    url: ec2.url,
    ...(shared.dns
      ? {}
      : {
          urlNote: pulumi.output(
            "EC2 public DNS name at creation: it changes on every stop/start. Set ferry:dns for a constant URL.",
          ),
        }),
    ...(wake ? { wakeUrl: wake.url } : {}),
    instanceId: ec2.instanceId,
    startCommand: commands.startCommand,
    stopCommand: commands.stopCommand,
    logsCommand: commands.logsCommand,
    shellCommand: commands.shellCommand,
    logsHint: pulumi.output(
      `on the instance: journalctl -u ${UNIT_NAME} (start script), sudo docker logs ${cfg.app.name} (the app)`,
    ),
    imageDigest: shared.image.digest,
    imageRef: shared.image.ref,
    imageParameter: pulumi.output(ec2.imageParameterName),
    repositoryUrl: shared.image.repositoryUrl,
  };
}

/** The wake page (ferry:demo.wake): a constant URL that shows the demo's state and starts it on request. */
function wakePage(
  cfg: FerryConfig,
  shared: Shared,
  ec2: Ec2Demo,
  opts: pulumi.ComponentResourceOptions,
): WakePage {
  const demo = cfg.demo!;
  const wake = demo.wake!;
  const passcode = wake.passcode;
  return new WakePage(
    `${shared.prefix}-wake`,
    {
      prefix: shared.prefix,
      region: cfg.aws.region,
      appName: cfg.app.name,
      instanceId: ec2.instanceId,
      instanceArn: ec2.instanceArn,
      // Without a domain the instance gets a new EC2 name at every start: the page fills it in.
      demoUrl: ec2.urlTemplate,
      dailyStartLimit: wake.dailyStartLimit,
      reservedConcurrency: wake.reservedConcurrency,
      idleStopMinutes: demo.idleStop.enabled ? demo.idleStop.minutes : undefined,
      passcode:
        passcode?.kind === "config"
          ? { kind: "value", value: passcode.value }
          : passcode?.kind === "ssm"
            ? { kind: "ssm", name: passcode.name }
            : undefined,
    },
    opts,
  );
}
