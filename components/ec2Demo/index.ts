// The cheap EC2 demo (D1–D10): one instance in a public subnet, normally stopped, that runs the newest pushed
// image at a constant name whenever it starts. No load balancer, NAT gateway, Elastic IP or auto scaling
// group: while stopped only the EBS volume (plus the shared hosted zone and ECR storage) is billed.
//
// Who owns what after creation (what the next `pulumi up` does):
// - the A record's VALUE belongs to the instance (its start script UPSERTs its current public IPv4 at every
//   boot); the program creates the record once and ignores later changes to it;
// - the POWER STATE belongs to whoever starts/stops the instance (a person, the idle alarm), unless
//   `powerState` is set, in which case `pulumi up` enforces it;
// - the AMI is chosen at creation; a newer Amazon Linux release does not replace a running demo;
// - the IMAGE is an SSM parameter the program updates; the instance reads it at every start, and a running
//   instance is told to re-read it (SSM Run Command) when the digest changes.
//
// This file holds the component; its pure helpers live next to it (policy, userData, commands, ami, url …).
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config/errors";
import { NAME_LIMITS, physicalName } from "../names";
import type { SecretEntry } from "../secrets";
import { amiFilters, architectureOf, isBurstable } from "./ami";
import { ROLLOUT_SCRIPT } from "./commands";
import { alarmResetPolicyDocument, instancePolicyDocument, statusPolicyDocument } from "./policy";
import { DnsParking } from "./parking";
import { idleAlarmName, imageParameterName } from "./resourceNames";
import { rolloutDocumentContent, rolloutDocumentName } from "./rolloutDocument";
import { demoUrl, PUBLIC_DNS_TOKEN } from "./url";
import {
  packUserData,
  PLACEHOLDER_IP,
  renderStartScript,
  renderUserData,
  type HttpsValues,
} from "./userData";

// The pure helpers live in files named after what they hold; re-exported so callers import one module.
export * from "../runtimeTags";
export * from "./ami";
export * from "./commands";
export * from "./parking";
export * from "./policy";
export * from "./resourceNames";
export * from "./rolloutDocument";
export * from "./template";
export * from "./url";
export * from "./userData";

export interface IdleStopArgs {
  /** Stop the instance after `minutes` of average CPU below `cpuPercent`. */
  readonly enabled: boolean;
  readonly cpuPercent: number;
  /** A multiple of 5 (basic monitoring reports every 5 minutes). */
  readonly minutes: number;
}

export interface Ec2DemoArgs {
  /** Stack prefix every name derives from, e.g. "ragstream-demo". */
  readonly prefix: string;
  /** The stack's region: the idle alarm's stop action and the printed commands name it. */
  readonly region: string;
  /** Container name on the instance. */
  readonly containerName: string;
  /** Port the container listens on (published on the same host port). */
  readonly port: number;
  /** Path that answers 200 when the app is healthy. */
  readonly healthPath: string;
  /** Plain (non-secret) environment of the container. */
  readonly env: Readonly<Record<string, string>>;
  /** Secrets the start script reads at every start (from AppSecrets). */
  readonly secrets: readonly SecretEntry[];
  /**
   * The image to deploy: `ref` is "repo@sha256:…", `digest` "sha256:…"; `pullRepositoryArn` the ECR
   * repository it is pulled from (AppImage publishes it), undefined for an image outside ECR (nothing to grant).
   */
  readonly image: {
    readonly ref: pulumi.Input<string>;
    readonly digest: pulumi.Input<string>;
    readonly pullRepositoryArn?: pulumi.Input<string>;
  };
  /** DNS record the instance keeps pointed at itself; without it the app answers on the EC2 public DNS name. */
  readonly dns?: {
    readonly zoneId: pulumi.Input<string>;
    readonly zoneArn: pulumi.Input<string>;
    readonly fqdn: string;
  };
  readonly instanceType: string;
  /** Root volume (gp3, encrypted) in GiB. */
  readonly rootVolumeGb: number;
  /** Subnet to launch in; must give instances a route to an internet gateway. @default a default-VPC subnet */
  readonly subnetId?: string;
  /** Who may reach the app: its port (and 80 with `openHttp`), or 443 with `https`. */
  readonly ingressCidrs: readonly string[];
  /**
   * Caddy on the instance terminates TLS for `dns.fqdn` with a Let's Encrypt certificate; the app port is then
   * closed to the internet, 443 is open to `ingressCidrs` and 80 (redirect, ACME challenge) to everyone.
   * Needs `dns`. @default undefined (no proxy: the app port is published)
   */
  readonly https?: HttpsValues;
  /** Also publish the app on port 80. */
  readonly openHttp: boolean;
  /** SSH (22) from these CIDRs; closed when empty (SSM Session Manager needs no open port). */
  readonly sshCidrs: readonly string[];
  /** Power state `pulumi up` enforces; unset = leave it to whoever starts/stops the instance. */
  readonly powerState?: "running" | "stopped";
  /** Idle auto-stop alarm. */
  readonly idleStop: IdleStopArgs;
  /** Hard cap per boot: the host powers itself off (= stop) `minutes` after booting, unless disabled. */
  readonly maxRuntime: { readonly enabled: boolean; readonly minutes: number };
  /**
   * CPU credits of a burstable type (t2, t3, t3a, t4g); refused for other types.
   * @default "standard" for burstable types (derived here: it depends on the instance type)
   */
  readonly cpuCredits?: "standard" | "unlimited";
  /** Re-run the start script on a running instance when the digest changes (needs the AWS CLI). */
  readonly rollout: boolean;
  /** AWS CLI profile for the rollout command, when the program's provider uses one. */
  readonly awsProfile?: string;
}

/** Idle alarm periods: basic monitoring has one datapoint per 5 minutes. */
export function idlePeriods(minutes: number): { period: number; evaluationPeriods: number } {
  if (!Number.isInteger(minutes) || minutes < 5 || minutes % 5 !== 0 || minutes > 1440)
    throw new Error(`idle minutes must be a multiple of 5 from 5 to 1440, got ${minutes}`);
  return { period: 300, evaluationPeriods: minutes / 5 };
}

/** Logical-name-safe form of a CIDR: "203.0.113.0/24" → "203-0-113-0-24". */
const cidrSlug = (cidr: string) => cidr.replace(/[./]/g, "-");

// ---------------------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------------------

export class Ec2Demo extends pulumi.ComponentResource {
  public readonly instanceId: pulumi.Output<string>;
  public readonly instanceArn: pulumi.Output<string>;
  /** EC2 public DNS name at creation; it changes on every stop/start (the A record does not). */
  public readonly publicDns: pulumi.Output<string>;
  /** SSM parameter the instance reads its image reference from. */
  public readonly imageParameterName: string;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;
  /**
   * Where the app answers: `https://<fqdn>` with HTTPS, else `http://<fqdn or EC2 public DNS name>[:port]`.
   * Without a domain it holds the EC2 name at creation, which changes on every stop/start.
   */
  public readonly url: pulumi.Output<string>;
  /**
   * The SSM Command document that rolls the app out (and does nothing else): what the rollout sends, and the
   * only document a deploy role needs `ssm:SendCommand` on for this instance (with `instanceArn`).
   */
  public readonly rolloutDocumentArn: pulumi.Output<string>;
  public readonly rolloutDocumentName: pulumi.Output<string>;
  /** `url` with PUBLIC_DNS_TOKEN in place of the host when there is no domain (the wake page fills it in). */
  public readonly urlTemplate: string;

  constructor(name: string, args: Ec2DemoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:demo:Ec2Demo", name, {}, opts);
    if (args.https && !args.dns) throw new Error("Ec2Demo: https needs dns (Let's Encrypt certifies a name)");
    const instanceType = args.instanceType;
    const secrets = args.secrets;
    if (args.cpuCredits !== undefined && !isBurstable(instanceType))
      throw ConfigError.of({
        key: "ferry:demo.cpuCredits",
        value: args.cpuCredits,
        expected: `unset for instance type ${instanceType} (CPU credits apply to t2, t3, t3a and t4g only)`,
      });
    this.imageParameterName = imageParameterName(args.prefix);

    const network = this.network(name, args);
    const imageParam = this.imageParameter(name, args);
    const role = this.role(name, args, secrets, imageParam);
    const record = this.record(name, args);
    const instance = this.instance(name, args, instanceType, secrets, network, role, imageParam, record);
    this.statusGrant(name, role.role, instance);
    const power = this.powerState(name, args, instance);
    const alarm = this.idleAlarm(name, args, instance);
    if (alarm) this.alarmResetGrant(name, role.role, alarm);
    // Parks the record on every kind of stop, including those that skip the instance's own shutdown unit.
    if (args.dns)
      new DnsParking(
        `${name}-park`,
        {
          prefix: args.prefix,
          region: args.region,
          instanceId: instance.id,
          dns: args.dns,
          parkIp: PLACEHOLDER_IP,
        },
        { parent: this },
      );
    const rolloutDocument = this.rolloutDocument(name, args);
    if (args.rollout) this.rollout(name, args, instance, imageParam, power, rolloutDocument);

    this.instanceId = instance.id;
    this.instanceArn = instance.arn;
    this.publicDns = instance.publicDns;
    const shape = { https: args.https !== undefined, openHttp: args.openHttp, port: args.port };
    this.urlTemplate = demoUrl(args.dns?.fqdn ?? PUBLIC_DNS_TOKEN, shape);
    this.url = args.dns
      ? pulumi.output(this.urlTemplate)
      : instance.publicDns.apply((host) => demoUrl(host, shape));
    this.securityGroupId = network.securityGroupId;
    this.roleName = role.role.name;
    this.rolloutDocumentArn = rolloutDocument.arn;
    this.rolloutDocumentName = rolloutDocument.name;
    this.registerOutputs({
      instanceId: this.instanceId,
      instanceArn: this.instanceArn,
      imageParameterName: this.imageParameterName,
      url: this.url,
      rolloutDocumentArn: this.rolloutDocumentArn,
    });
  }

  /** Subnet (configured, or a default-VPC default subnet) and the security group. */
  private network(name: string, args: Ec2DemoArgs) {
    let subnetId: pulumi.Output<string>;
    let vpcId: pulumi.Output<string>;
    if (args.subnetId) {
      subnetId = pulumi.output(args.subnetId);
      vpcId = aws.ec2.getSubnetOutput({ id: args.subnetId }, { parent: this }).vpcId;
    } else {
      const vpc = aws.ec2.getVpcOutput({ default: true }, { parent: this });
      const subnets = aws.ec2.getSubnetsOutput(
        {
          filters: [
            { name: "vpc-id", values: [vpc.id] },
            // Default subnets map public IPs on launch and route to the default VPC's internet gateway.
            { name: "default-for-az", values: ["true"] },
          ],
        },
        { parent: this },
      );
      vpcId = vpc.id;
      subnetId = subnets.ids.apply((ids) => {
        if (ids.length === 0)
          throw ConfigError.of({
            key: "ferry:demo.subnetId",
            expected: "a public subnet id: the default VPC has no default subnets to choose from",
          });
        // Sorted so the choice is stable between runs.
        return [...ids].sort()[0];
      });
    }

    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId,
        // The description cannot change without replacing the group, so it names no ports or CIDRs.
        description: `ferry ${args.prefix}: demo instance (app port, optional HTTP/SSH from configured CIDRs)`,
        tags: { Name: `${args.prefix}-instance` },
      },
      { parent: this },
    );
    const ingress = (port: number, cidrs: readonly string[], what: string) => {
      for (const cidr of cidrs)
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-in-${port}-${cidrSlug(cidr)}`,
          {
            securityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrIpv4: cidr,
            description: `${what} from ${cidr}`,
          },
          { parent: this },
        );
    };
    const cidrs = args.ingressCidrs;
    if (args.https) {
      // The app port stays closed: only the proxy, on the host, reaches it (on loopback).
      ingress(443, cidrs, `HTTPS to the app (${args.containerName})`);
      // From anywhere whatever ingressCidrs says: Let's Encrypt validates from addresses it does not publish,
      // and port 80 serves nothing but that challenge and a redirect to HTTPS.
      ingress(80, ["0.0.0.0/0"], "HTTP: redirect to HTTPS, Let's Encrypt challenge");
    } else {
      ingress(args.port, cidrs, `app (${args.containerName})`);
      if (args.openHttp && args.port !== 80) ingress(80, cidrs, `HTTP to the app (${args.containerName})`);
    }
    // Closed unless asked for: Session Manager (`aws ssm start-session`) reaches the instance without it.
    ingress(22, args.sshCidrs, "SSH");
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-all`,
      {
        securityGroupId: sg.id,
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
        description: "outbound: ECR, SSM, Route 53, package repositories and the app's own API calls",
      },
      { parent: this },
    );
    return { subnetId, securityGroupId: sg.id, subnetChosenByUs: !args.subnetId };
  }

  /** The image reference the instance runs; updated in place on every new digest. */
  private imageParameter(name: string, args: Ec2DemoArgs): aws.ssm.Parameter {
    return new aws.ssm.Parameter(
      `${name}-image-ref`,
      {
        name: this.imageParameterName,
        type: "String",
        // Not a secret: `insecureValue` keeps the new digest visible in `pulumi preview` (`value` is always masked).
        insecureValue: args.image.ref,
        description: `Image (repo@sha256:...) the ${args.prefix} demo instance runs; read at every start`,
      },
      { parent: this },
    );
  }

  private role(
    name: string,
    args: Ec2DemoArgs,
    secrets: readonly SecretEntry[],
    imageParam: aws.ssm.Parameter,
  ) {
    const roleName = physicalName(args.prefix, "instance", NAME_LIMITS.iamRole);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: roleName,
        description: `ferry ${args.prefix}: the demo instance (ECR pull, its SSM parameters, its DNS record)`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([
            pulumi.output(args.image.pullRepositoryArn ?? ""),
            imageParam.arn,
            pulumi.all(secrets.map((s) => s.arn)),
            pulumi.output(args.dns?.zoneArn ?? ""),
          ])
          .apply(([repositoryArn, paramArn, secretArns, zoneArn]) =>
            instancePolicyDocument({
              repositoryArn: repositoryArn || undefined,
              imageParameterArn: paramArn,
              secrets: secrets.map((s, i) => ({ kind: s.kind, arn: secretArns[i], kmsKeyArn: s.kmsKeyArn })),
              dns: args.dns ? { zoneArn, fqdn: args.dns.fqdn } : undefined,
            }),
          ),
      },
      { parent: this },
    );
    // The SSM agent's own channel: Session Manager (logs, a shell) and Run Command (the rollout).
    const ssmCore = new aws.iam.RolePolicyAttachment(
      `${name}-ssm-core`,
      { role: role.name, policyArn: aws.iam.ManagedPolicy.AmazonSSMManagedInstanceCore },
      { parent: this },
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { name: roleName, role: role.name },
      { parent: this },
    );
    return { role, profile, grants: [policy, ssmCore] };
  }

  /**
   * The A record, created once with a placeholder: the instance writes its real address at every boot, and
   * `ignoreChanges` keeps `pulumi up` from writing the placeholder back. Created before the instance, so the
   * instance's first UPSERT can never race the record's creation.
   */
  private record(name: string, args: Ec2DemoArgs): aws.route53.Record | undefined {
    if (!args.dns) return undefined;
    return new aws.route53.Record(
      `${name}-record`,
      {
        zoneId: args.dns.zoneId,
        name: args.dns.fqdn,
        type: "A",
        ttl: 60,
        records: [PLACEHOLDER_IP],
        // Adopts a record someone made by hand under the same name instead of failing on it.
        allowOverwrite: true,
      },
      { parent: this, ignoreChanges: ["records"] },
    );
  }

  private instance(
    name: string,
    args: Ec2DemoArgs,
    instanceType: string,
    secrets: readonly SecretEntry[],
    network: ReturnType<Ec2Demo["network"]>,
    role: ReturnType<Ec2Demo["role"]>,
    imageParam: aws.ssm.Parameter,
    record: aws.route53.Record | undefined,
  ): aws.ec2.Instance {
    const ami = aws.ec2.getAmiOutput(
      { owners: ["amazon"], mostRecent: true, filters: amiFilters(architectureOf(instanceType)) },
      { parent: this },
    );
    // Secret references (parameter names / ARNs) and the zone id are not secret; their values never are here.
    const userData = pulumi
      .all([pulumi.all(secrets.map((s) => s.ref)), pulumi.output(args.dns?.zoneId ?? "")])
      .apply(([refs, zoneId]) =>
        renderUserData({
          prefix: args.prefix,
          imageParameter: this.imageParameterName,
          startScript: renderStartScript({
            region: args.region,
            containerName: args.containerName,
            port: args.port,
            openHttp: args.openHttp,
            healthPath: args.healthPath,
            imageParameter: this.imageParameterName,
            env: args.env,
            secrets: secrets.map((s, i) => ({ envName: s.envName, kind: s.kind, ref: refs[i] })),
            dns: args.dns ? { zoneId, fqdn: args.dns.fqdn } : undefined,
            https: args.https,
            maxRuntimeMinutes: args.maxRuntime.enabled ? args.maxRuntime.minutes : undefined,
            idleAlarmName: args.idleStop.enabled ? idleAlarmName(args.prefix) : undefined,
          }),
        }),
      );

    return new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.id,
        instanceType,
        subnetId: network.subnetId,
        vpcSecurityGroupIds: [network.securityGroupId],
        // A public IPv4 while running (billed per hour); released on stop, unlike an Elastic IP.
        associatePublicIpAddress: true,
        iamInstanceProfile: role.profile.name,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          // 1: only the host (the start script) reaches IMDS. The container gets its secrets as env vars and
          // needs no instance credentials; a hop limit of 2 would hand it the instance role.
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: args.rootVolumeGb,
          encrypted: true,
          deleteOnTermination: true,
        },
        // Gzipped (see packUserData); on the instance: /usr/local/bin/ferry-start and the two units.
        userDataBase64: userData.apply(packUserData),
        // cloud-init writes files only on an instance's first boot, so a changed start script (a new port,
        // env var or secret; never a new image) reaches the instance only through a new one.
        userDataReplaceOnChange: true,
        // `sudo poweroff`, the maximum-runtime power-off and the idle alarm stop the demo; nothing terminates
        // it except the program.
        instanceInitiatedShutdownBehavior: "stop",
        // Standard credits: a demo kept busy is throttled to its baseline instead of billed for surplus credits.
        ...(isBurstable(instanceType)
          ? { creditSpecification: { cpuCredits: args.cpuCredits ?? "standard" } }
          : {}),
        tags: { Name: args.prefix },
      },
      {
        parent: this,
        // The image parameter and the permissions must exist before the first boot reads them.
        dependsOn: [imageParam, ...role.grants, ...(record ? [record] : [])],
        // A newer AMI must not replace a demo that works; a new default subnet must not move it.
        ignoreChanges: ["ami", ...(network.subnetChosenByUs ? ["subnetId"] : [])],
      },
    );
  }

  /**
   * The start script reports its progress in the STATUS_TAG of its own instance (the wake page shows it).
   * A policy of its own, made once the instance exists, so it names the exact instance ARN: a boot that
   * runs before it exists loses a few progress reports, never the app.
   */
  private statusGrant(name: string, role: aws.iam.Role, instance: aws.ec2.Instance): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
      `${name}-status`,
      {
        role: role.name,
        policy: instance.arn.apply(statusPolicyDocument),
      },
      { parent: this },
    );
  }

  /**
   * The first run of each boot sets the idle alarm to OK (see ferry-start's reset_idle_alarm), so an alarm left
   * in ALARM by a quick restart fires again. Its own policy, made once the alarm exists, on its exact ARN.
   */
  private alarmResetGrant(
    name: string,
    role: aws.iam.Role,
    alarm: aws.cloudwatch.MetricAlarm,
  ): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
      `${name}-alarm-reset`,
      { role: role.name, policy: alarm.arn.apply(alarmResetPolicyDocument) },
      { parent: this },
    );
  }

  /** Only with `powerState` set: otherwise `pulumi up` never starts or stops the instance. */
  private powerState(
    name: string,
    args: Ec2DemoArgs,
    instance: aws.ec2.Instance,
  ): aws.ec2transitgateway.InstanceState | undefined {
    if (!args.powerState) return undefined;
    // (The Pulumi AWS provider files EC2's InstanceState under the ec2transitgateway module.)
    return new aws.ec2transitgateway.InstanceState(
      `${name}-power`,
      { instanceId: instance.id, state: args.powerState },
      { parent: this },
    );
  }

  /**
   * Stops a forgotten demo. Missing data counts as "not idle": a stopped instance sends none, so the alarm
   * returns to OK while stopped and can fire again after the next start (an alarm acts only on a change
   * into ALARM; "breaching" would leave it stuck in ALARM and never stop the next run).
   */
  private idleAlarm(
    name: string,
    args: Ec2DemoArgs,
    instance: aws.ec2.Instance,
  ): aws.cloudwatch.MetricAlarm | undefined {
    const { enabled, minutes, cpuPercent } = args.idleStop;
    if (!enabled) return undefined;
    const { period, evaluationPeriods } = idlePeriods(minutes);
    return new aws.cloudwatch.MetricAlarm(
      `${name}-idle-stop`,
      {
        name: idleAlarmName(args.prefix),
        alarmDescription: `ferry ${args.prefix}: stops the demo instance after ${minutes} min of average CPU below ${cpuPercent}% (ferry:demo.idleStop)`,
        namespace: "AWS/EC2",
        metricName: "CPUUtilization",
        dimensions: { InstanceId: instance.id },
        statistic: "Average",
        period,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        threshold: cpuPercent,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [`arn:aws:automate:${args.region}:ec2:stop`],
      },
      { parent: this },
    );
  }

  /**
   * The rollout's SSM document (see rolloutDocument.ts). Made whether or not `rollout` is on: it costs
   * nothing, runs only the rollout, and keeps `rolloutDocumentArn` defined for the deploy role's policy.
   */
  private rolloutDocument(name: string, args: Ec2DemoArgs): aws.ssm.Document {
    return new aws.ssm.Document(
      `${name}-rollout-doc`,
      {
        name: rolloutDocumentName(args.prefix),
        documentType: "Command",
        documentFormat: "JSON",
        // Only EC2 instances may be targeted (the deploy role's policy names this one).
        targetType: "/AWS::EC2::Instance",
        content: rolloutDocumentContent(args.prefix),
      },
      { parent: this },
    );
  }

  /**
   * D8: on a new digest, run the rollout document on a running instance (SSM Run Command) and wait for it.
   * Runs where `pulumi up` runs; `triggers` makes the digest the only thing that re-runs it.
   */
  private rollout(
    name: string,
    args: Ec2DemoArgs,
    instance: aws.ec2.Instance,
    imageParam: aws.ssm.Parameter,
    power: aws.ec2transitgateway.InstanceState | undefined,
    document: aws.ssm.Document,
  ): command.local.Command {
    return new command.local.Command(
      `${name}-rollout`,
      {
        // A path relative to the project root: an absolute one would differ between machines (CI, laptop).
        create: `bash ${ROLLOUT_SCRIPT}`,
        // Any other input change (a replaced instance boots with the new reference anyway, a different CLI
        // profile) must not restart the app.
        update: "echo 'rollout inputs changed without a new image digest: nothing to roll out'",
        environment: {
          INSTANCE_ID: instance.id,
          AWS_REGION: args.region,
          IMAGE_REF: args.image.ref,
          IMAGE_DIGEST: args.image.digest,
          ROLLOUT_DOCUMENT: document.name,
          ...(args.awsProfile ? { AWS_PROFILE: args.awsProfile } : {}),
        },
        triggers: [args.image.digest],
      },
      {
        parent: this,
        // The parameter holds the new reference before the instance is told to re-read it; an enforced
        // power state is applied first, so a "stopped" demo is not woken just to be stopped.
        dependsOn: [imageParam, instance, document, ...(power ? [power] : [])],
        customTimeouts: { create: "40m", update: "5m" },
      },
    );
  }
}
