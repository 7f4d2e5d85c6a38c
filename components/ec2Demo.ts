// The cheap EC2 demo (D1–D10): one instance in a public subnet, normally stopped, that runs the newest pushed
// image at a constant name whenever it starts. No load balancer, NAT gateway, Elastic IP or auto scaling
// group: while stopped only the EBS volume (plus the shared hosted zone and ECR storage) is billed.
//
// Who owns what after creation (AWS-REALITY.md, "what does the next `pulumi up` do"):
// - the A record's VALUE belongs to the instance (its start script UPSERTs its current public IPv4 at every
//   boot); the program creates the record once and ignores later changes to it;
// - the POWER STATE belongs to whoever starts/stops the instance (a person, the idle alarm), unless
//   `powerState` is set, in which case `pulumi up` enforces it;
// - the AMI is chosen at creation; a newer Amazon Linux release does not replace a running demo;
// - the IMAGE is an SSM parameter the program updates; the instance reads it at every start, and a running
//   instance is told to re-read it (SSM Run Command) when the digest changes.
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { gzipSync } from "fflate";
import { instanceArchitecture } from "../config/awsData";
import { physicalName, NAME_LIMITS } from "./names";
import { ecrPullStatements } from "./image";
import { readStatements, type SecretEntry } from "./secrets";

/** The systemd unit that runs the start script on every boot. */
export const UNIT_NAME = "ferry-app";
/** First value of the A record, before the instance writes its own: TEST-NET-1 (RFC 5737), never routed. */
export const PLACEHOLDER_IP = "192.0.2.1";
/** EC2 rejects user-data above 16 KB (the raw bytes, here gzipped, before base64). */
export const USER_DATA_LIMIT = 16384;
/** Instance tag the start script writes its progress to ("<stage> <UTC time>"); the wake page reads it. */
export const STATUS_TAG = "ferry:status";
/** Instance tag the wake page counts its starts of the day in ("<YYYY-MM-DD> <n>"). */
export const WAKE_STARTS_TAG = "ferry:wake-starts";
/** Tags written at run time by the instance and the wake page: the provider ignores them (stacks/shared.ts). */
export const RUNTIME_TAGS = [STATUS_TAG, WAKE_STARTS_TAG] as const;
/** Where the shell files that run on the instance (and the rollout) live. */
export const INSTANCE_SCRIPTS_DIR = path.resolve(__dirname, "..", "scripts", "instance");
/** The rollout script, relative to the project root (where `pulumi up` runs local commands). */
export const ROLLOUT_SCRIPT = "scripts/instance/rollout.sh";

export interface IdleStopArgs {
  /** Stop the instance after `minutes` of average CPU below `cpuPercent`. @default true */
  readonly enabled?: boolean;
  /** @default 5 */
  readonly cpuPercent?: number;
  /** A multiple of 5 (basic monitoring reports every 5 minutes). @default 60 */
  readonly minutes?: number;
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
  /** Plain (non-secret) environment of the container. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Secrets the start script reads at every start (from AppSecrets). @default [] */
  readonly secrets?: readonly SecretEntry[];
  /** The image to deploy: `ref` is "repo@sha256:…", `digest` "sha256:…". */
  readonly image: { readonly ref: pulumi.Input<string>; readonly digest: pulumi.Input<string> };
  /** DNS record the instance keeps pointed at itself; without it the app answers on the EC2 public DNS name. */
  readonly dns?: {
    readonly zoneId: pulumi.Input<string>;
    readonly zoneArn: pulumi.Input<string>;
    readonly fqdn: string;
  };
  /** @default "t3.small" */
  readonly instanceType?: string;
  /** Root volume (gp3, encrypted) in GiB. @default 20 */
  readonly rootVolumeGb?: number;
  /** Subnet to launch in; must give instances a route to an internet gateway. @default a default-VPC subnet */
  readonly subnetId?: string;
  /** Who may reach the app: its port (and 80 with `openHttp`), or 443 with `https`. @default ["0.0.0.0/0"] */
  readonly ingressCidrs?: readonly string[];
  /**
   * Caddy on the instance terminates TLS for `dns.fqdn` with a Let's Encrypt certificate; the app port is then
   * closed to the internet, 443 is open to `ingressCidrs` and 80 (redirect, ACME challenge) to everyone.
   * Needs `dns`. @default undefined (no proxy: the app port is published)
   */
  readonly https?: HttpsValues;
  /** Also publish the app on port 80. @default false */
  readonly openHttp?: boolean;
  /** SSH (22) from these CIDRs; closed when empty (SSM Session Manager needs no open port). @default [] */
  readonly sshCidrs?: readonly string[];
  /** Power state `pulumi up` enforces; unset = leave it to whoever starts/stops the instance. */
  readonly powerState?: "running" | "stopped";
  /** Idle auto-stop alarm. @default { enabled: true, cpuPercent: 5, minutes: 60 } */
  readonly idleStop?: IdleStopArgs;
  /** Re-run the start script on a running instance when the digest changes (needs the AWS CLI). @default true */
  readonly rollout?: boolean;
  /** AWS CLI profile for the rollout command, when the program's provider uses one. */
  readonly awsProfile?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Pure helpers (tested directly)
// ---------------------------------------------------------------------------------------------------------

/** SSM String parameter holding the image reference the instance runs. The one place this name is made. */
export function imageParameterName(prefix: string): string {
  return `/ferry/${prefix}/image`;
}

/** "arm64" for Graviton families (t4g, m7g, c6gn …), else "x86_64": picks the AMI's architecture. */
export function architectureOf(instanceType: string): "arm64" | "x86_64" {
  // The config gate admits only types in the table (a1.* is Graviton too); the pattern is for other callers.
  return (
    instanceArchitecture(instanceType) ??
    (/^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType) ? "arm64" : "x86_64")
  );
}

/**
 * Filters for the newest Amazon Linux 2023 AMI of an architecture. AL2023 rather than Ubuntu 24.04: it ships
 * the AWS CLI and the SSM agent, and Docker is one `dnf install` away, so the start script has nothing to
 * bootstrap. The "al2023-ami-2023.*" pattern excludes the minimal and ECS-optimised variants.
 */
export function amiFilters(arch: "arm64" | "x86_64"): { name: string; values: string[] }[] {
  return [
    { name: "name", values: [`al2023-ami-2023.*-kernel-*-${arch}`] },
    { name: "architecture", values: [arch] },
    { name: "virtualization-type", values: ["hvm"] },
    { name: "root-device-type", values: ["ebs"] },
  ];
}

/** ECR repository ARN of an image reference in ECR ("acct.dkr.ecr.region.amazonaws.com/repo@…"), else undefined. */
export function ecrRepositoryArn(imageRef: string): string | undefined {
  const m =
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(@sha256:[0-9a-f]{64}|:[\w.-]+)?$/.exec(
      imageRef,
    );
  return m ? `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}

/** A single-quoted shell word: safe for any value, including quotes, `$` and spaces. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Replaces every `@@NAME@@` in `template`. A placeholder alone on its line is a block: each line of the
 * value is indented like the placeholder (for YAML block scalars). Throws on a placeholder without a value,
 * a value without a placeholder, or a multi-line value used inline, so a template and its caller cannot
 * drift apart silently.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const take = (key: string): string => {
    if (!Object.prototype.hasOwnProperty.call(values, key))
      throw new Error(`template placeholder @@${key}@@ has no value`);
    used.add(key);
    return values[key];
  };
  const out = template.replace(
    /^([ \t]*)@@([A-Z][A-Z0-9_]*)@@[ \t]*$|@@([A-Z][A-Z0-9_]*)@@/gm,
    (_m, indent: string | undefined, blockKey: string | undefined, inlineKey: string | undefined) => {
      if (blockKey !== undefined) {
        const value = take(blockKey).replace(/\n$/, "");
        return value
          .split("\n")
          .map((line) => (line === "" ? "" : `${indent ?? ""}${line}`))
          .join("\n");
      }
      const value = take(inlineKey!);
      if (value.includes("\n"))
        throw new Error(`template placeholder @@${inlineKey}@@ is inline; its value has a newline`);
      return value;
    },
  );
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`template has no placeholder for: ${unused.join(", ")}`);
  return out;
}

/**
 * Drops full-line comments (keeping the shebang and shellcheck directives) and puts one pointer line after
 * the first line. EC2 limits user-data to 16 KB and the commented script alone is close to that; the
 * comments stay in the repository. Deterministic (no compression: a gzip header or zlib version that differs
 * between machines would change the user-data and so replace the instance).
 */
export function stripComments(text: string, pointer: string): string {
  const lines = text.split("\n");
  const kept = lines.slice(1).filter((line) => !/^\s*#/.test(line) || /^\s*# shellcheck /.test(line));
  return [lines[0], `# ${pointer} (comments stripped: EC2 user-data is limited to 16 KB).`, ...kept].join(
    "\n",
  );
}

export interface StartScriptValues {
  readonly region: string;
  readonly containerName: string;
  readonly port: number;
  readonly openHttp: boolean;
  readonly healthPath: string;
  readonly imageParameter: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: ReadonlyArray<{
    readonly envName: string;
    readonly kind: "ssm" | "secretsmanager";
    readonly ref: string;
  }>;
  readonly dns?: { readonly zoneId: string; readonly fqdn: string };
  /** Caddy in front of the app with a Let's Encrypt certificate for `dns.fqdn`; needs `dns`. */
  readonly https?: HttpsValues;
}

export interface HttpsValues {
  /** The proxy image, e.g. "public.ecr.aws/docker/library/caddy:2.10.2". */
  readonly proxyImage: string;
  /** ACME account contact e-mail; optional for Let's Encrypt. */
  readonly acmeEmail?: string;
  /** Use Let's Encrypt's staging CA (untrusted certificates, generous limits) to try things out. */
  readonly acmeStaging?: boolean;
}

/** Let's Encrypt's staging directory: certificates browsers do not trust, under much higher rate limits. */
export const ACME_STAGING_CA = "https://acme-staging-v02.api.letsencrypt.org/directory";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** scripts/instance/ferry-start.sh with this stack's values, each a quoted shell word. */
export function renderStartScript(v: StartScriptValues, template?: string): string {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(v.containerName))
    problems.push(`container name "${v.containerName}"`);
  if (!Number.isInteger(v.port) || v.port < 1 || v.port > 65535) problems.push(`port ${v.port}`);
  if (!v.healthPath.startsWith("/")) problems.push(`health path "${v.healthPath}"`);
  if (v.https) {
    if (!v.dns) problems.push("https without a DNS name (Let's Encrypt certifies names, not addresses)");
    if (v.port === 80 || v.port === 443)
      problems.push(`port ${v.port} with https (the proxy listens on 80 and 443)`);
    if (v.openHttp) problems.push("openHttp with https (port 80 redirects to HTTPS)");
    if (!/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/.test(v.https.proxyImage))
      problems.push(`proxy image "${v.https.proxyImage}"`);
    if (v.https.acmeEmail !== undefined && !/^[^\s@'"]+@[^\s@'"]+\.[^\s@'"]+$/.test(v.https.acmeEmail))
      problems.push(`ACME e-mail "${v.https.acmeEmail}"`);
  }
  for (const [k, val] of Object.entries(v.env)) {
    if (!ENV_NAME.test(k)) problems.push(`env name "${k}"`);
    // Docker env files are one line per variable, taken literally.
    if (/[\r\n]/.test(val)) problems.push(`env ${k}: a value with a newline cannot go in an env file`);
  }
  for (const s of v.secrets) {
    if (!ENV_NAME.test(s.envName)) problems.push(`secret name "${s.envName}"`);
    if (!s.ref || /\s/.test(s.ref)) problems.push(`secret ${s.envName}: reference "${s.ref}"`);
  }
  if (problems.length) throw new Error(`cannot render the start script: ${problems.join("; ")}`);
  const words = (items: string[]) => items.map(shellQuote).join(" ");
  const source = template ?? fs.readFileSync(path.join(INSTANCE_SCRIPTS_DIR, "ferry-start.sh"), "utf8");
  return fillTemplate(
    stripComments(source, "ferry-start: rendered by ferry from scripts/instance/ferry-start.sh"),
    {
      REGION: shellQuote(v.region),
      CONTAINER: shellQuote(v.containerName),
      PORT: shellQuote(String(v.port)),
      // Port 80 twice would make `docker run` fail: an app already on 80 needs no second mapping.
      OPEN_HTTP: shellQuote(String(v.openHttp && v.port !== 80)),
      HEALTH_PATH: shellQuote(v.healthPath),
      IMAGE_PARAM: shellQuote(v.imageParameter),
      ZONE_ID: shellQuote(v.dns?.zoneId ?? ""),
      FQDN: shellQuote(v.dns?.fqdn ?? ""),
      ENV_VARS: words(Object.entries(v.env).map(([k, val]) => `${k}=${val}`)),
      SECRETS: words(v.secrets.map((s) => `${s.envName}=${s.kind}:${s.ref}`)),
      HTTPS: shellQuote(String(v.https !== undefined)),
      PROXY_IMAGE: shellQuote(v.https?.proxyImage ?? ""),
      ACME_EMAIL: shellQuote(v.https?.acmeEmail ?? ""),
      ACME_CA: shellQuote(v.https?.acmeStaging ? ACME_STAGING_CA : ""),
      PARK_IP: shellQuote(PLACEHOLDER_IP),
    },
  );
}

/** The unit that parks the DNS record (and stops the proxy) at shutdown. */
export const PARK_UNIT_NAME = "ferry-park";

/**
 * The cloud-config user-data: installs the rendered start script and both units, enables them and starts the
 * app unit. Plain text (tests and `npm run plan` read it); `packUserData` compresses it for EC2.
 */
export function renderUserData(v: { prefix: string; imageParameter: string; startScript: string }): string {
  const read = (file: string) => fs.readFileSync(path.join(INSTANCE_SCRIPTS_DIR, file), "utf8");
  const unit = (name: string) =>
    stripComments(read(`${name}.service`), `${name}.service: from scripts/instance in ferry`);
  return fillTemplate(read("user-data.yaml"), {
    PREFIX: v.prefix,
    IMAGE_PARAM: v.imageParameter,
    START_SCRIPT: v.startScript,
    UNIT: unit(UNIT_NAME),
    PARK_UNIT: unit(PARK_UNIT_NAME),
  });
}

/**
 * Gzip (cloud-init unpacks it) and base64 for `userDataBase64`: the script with HTTPS, the status reports and
 * the shutdown path no longer fits EC2's 16 KB uncompressed. Compressed by fflate, a pure-JS deflate pinned
 * in package.json, with a zero timestamp: the same text gives the same bytes on every machine and Node
 * version (Node's own zlib may differ by build and CPU), so the user-data, which replaces the instance when
 * it changes, changes only when the text does.
 */
export function packUserData(text: string): string {
  const packed = gzipSync(Buffer.from(text, "utf8"), { level: 9, mtime: 0 });
  if (packed.byteLength > USER_DATA_LIMIT)
    throw new Error(
      `user-data is ${packed.byteLength} bytes gzipped; EC2 accepts at most ${USER_DATA_LIMIT} before base64`,
    );
  return Buffer.from(packed).toString("base64");
}

export interface InstancePolicyInput {
  /** ECR repository the image comes from; undefined when the image is not in ECR (nothing to grant). */
  readonly repositoryArn?: string;
  readonly imageParameterArn: string;
  readonly secrets: ReadonlyArray<{ kind: "ssm" | "secretsmanager"; arn: string; kmsKeyArn?: string }>;
  readonly dns?: { readonly zoneArn: string; readonly fqdn: string };
}

/** The instance role's own permissions, on exact ARNs. (SSM agent access comes from the AWS managed policy.) */
export function instancePolicyDocument(i: InstancePolicyInput): string {
  const statements: Record<string, unknown>[] = [];
  if (i.repositoryArn) statements.push(...ecrPullStatements(i.repositoryArn));
  statements.push({
    Sid: "ImageReference",
    Effect: "Allow",
    Action: ["ssm:GetParameter"],
    Resource: [i.imageParameterArn],
  });
  statements.push(...readStatements(i.secrets).map((s, n) => ({ Sid: `Secrets${n}`, ...s })));
  // AmazonSSMManagedInstanceCore (needed for Session Manager and Run Command) also allows reading every
  // SSM parameter in the account. An explicit Deny outranks that Allow: this host reads its own parameters
  // and nothing else (S4: read access for exactly the role that needs it).
  statements.push({
    Sid: "OnlyOwnParameters",
    Effect: "Deny",
    Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
    NotResource: [i.imageParameterArn, ...i.secrets.filter((e) => e.kind === "ssm").map((e) => e.arn)],
  });
  if (i.dns) {
    statements.push({
      Sid: "DnsRecord",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: [i.dns.zoneArn],
      // Only its own name (Route 53 compares the lower-case name without the trailing dot), only type A:
      // a leaked instance credential cannot repoint or delete the rest of the zone. UPSERT at boot; DELETE
      // plus CREATE in one batch at shutdown, to park the record only while it still holds this host's address.
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            i.dns.fqdn.toLowerCase().replace(/\.$/, ""),
          ],
          "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
          "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE", "CREATE"],
        },
      },
    });
    // Change IDs are not known in advance; this action reads the status of a submitted change only.
    statements.push({
      Sid: "DnsChangeStatus",
      Effect: "Allow",
      Action: ["route53:GetChange"],
      Resource: ["arn:aws:route53:::change/*"],
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The instance may write one tag, STATUS_TAG, on itself and on nothing else. */
export function statusPolicyDocument(instanceArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnStatusTag",
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: [instanceArn],
        Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [STATUS_TAG] } },
      },
    ],
  });
}

/** Idle alarm periods: basic monitoring has one datapoint per 5 minutes. */
export function idlePeriods(minutes: number): { period: number; evaluationPeriods: number } {
  if (!Number.isInteger(minutes) || minutes < 5 || minutes % 5 !== 0 || minutes > 1440)
    throw new Error(`idle minutes must be a multiple of 5 from 5 to 1440, got ${minutes}`);
  return { period: 300, evaluationPeriods: minutes / 5 };
}

/** Commands a person runs against the instance (stack outputs). */
export function demoCommands(region: string, instanceId: string, profile?: string) {
  const p = profile ? ` --profile ${profile}` : "";
  const session = `aws ssm start-session${p} --region ${region} --target ${instanceId}`;
  return {
    startCommand: `aws ec2 start-instances${p} --region ${region} --instance-ids ${instanceId}`,
    stopCommand: `aws ec2 stop-instances${p} --region ${region} --instance-ids ${instanceId}`,
    logsCommand: `${session} --document-name AWS-StartInteractiveCommand --parameters '{"command":["sudo journalctl -u ${UNIT_NAME} -n 200 -f"]}'`,
    shellCommand: session,
  };
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

  constructor(name: string, args: Ec2DemoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:demo:Ec2Demo", name, {}, opts);
    if (args.https && !args.dns) throw new Error("Ec2Demo: https needs dns (Let's Encrypt certifies a name)");
    const instanceType = args.instanceType ?? "t3.small";
    const secrets = args.secrets ?? [];
    this.imageParameterName = imageParameterName(args.prefix);

    const network = this.network(name, args);
    const imageParam = this.imageParameter(name, args);
    const role = this.role(name, args, secrets, imageParam);
    const record = this.record(name, args);
    const instance = this.instance(name, args, instanceType, secrets, network, role, imageParam, record);
    this.statusGrant(name, role.role, instance);
    const power = this.powerState(name, args, instance);
    this.idleAlarm(name, args, instance);
    if (args.rollout ?? true) this.rollout(name, args, instance, imageParam, power);

    this.instanceId = instance.id;
    this.instanceArn = instance.arn;
    this.publicDns = instance.publicDns;
    this.securityGroupId = network.securityGroupId;
    this.roleName = role.role.name;
    this.registerOutputs({ instanceId: this.instanceId, imageParameterName: this.imageParameterName });
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
          throw new Error(
            "the default VPC has no default subnets; set ferry:demo.subnetId to a public subnet",
          );
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
    const cidrs = args.ingressCidrs ?? ["0.0.0.0/0"];
    if (args.https) {
      // The app port stays closed: only the proxy, on the host, reaches it (on loopback).
      ingress(443, cidrs, `HTTPS to the app (${args.containerName})`);
      // From anywhere whatever ingressCidrs says: Let's Encrypt validates from addresses it does not publish,
      // and port 80 serves nothing but that challenge and a redirect to HTTPS.
      ingress(80, ["0.0.0.0/0"], "HTTP: redirect to HTTPS, Let's Encrypt challenge");
    } else {
      ingress(args.port, cidrs, `app (${args.containerName})`);
      if ((args.openHttp ?? false) && args.port !== 80)
        ingress(80, cidrs, `HTTP to the app (${args.containerName})`);
    }
    // Closed unless asked for: Session Manager (`aws ssm start-session`) reaches the instance without it.
    ingress(22, args.sshCidrs ?? [], "SSH");
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
            pulumi.output(args.image.ref),
            imageParam.arn,
            pulumi.all(secrets.map((s) => s.arn)),
            pulumi.output(args.dns?.zoneArn ?? ""),
          ])
          .apply(([ref, paramArn, secretArns, zoneArn]) =>
            instancePolicyDocument({
              repositoryArn: ecrRepositoryArn(ref),
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
        // Adopts a record someone made by hand (the seeds' demo.<domain>) instead of failing on it.
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
            openHttp: args.openHttp ?? false,
            healthPath: args.healthPath,
            imageParameter: this.imageParameterName,
            env: args.env ?? {},
            secrets: secrets.map((s, i) => ({ envName: s.envName, kind: s.kind, ref: refs[i] })),
            dns: args.dns ? { zoneId, fqdn: args.dns.fqdn } : undefined,
            https: args.https,
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
          volumeSize: args.rootVolumeGb ?? 20,
          encrypted: true,
          deleteOnTermination: true,
        },
        // Gzipped (see packUserData); on the instance: /usr/local/bin/ferry-start and the two units.
        userDataBase64: userData.apply(packUserData),
        // cloud-init writes files only on an instance's first boot, so a changed start script (a new port,
        // env var or secret; never a new image) reaches the instance only through a new one.
        userDataReplaceOnChange: true,
        // `sudo poweroff` (and the idle alarm) stop the demo; nothing terminates it except the program.
        instanceInitiatedShutdownBehavior: "stop",
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
  private idleAlarm(name: string, args: Ec2DemoArgs, instance: aws.ec2.Instance): void {
    const idle = args.idleStop ?? {};
    if (!(idle.enabled ?? true)) return;
    const minutes = idle.minutes ?? 60;
    const cpuPercent = idle.cpuPercent ?? 5;
    const { period, evaluationPeriods } = idlePeriods(minutes);
    new aws.cloudwatch.MetricAlarm(
      `${name}-idle-stop`,
      {
        name: physicalName(args.prefix, "idle-stop", 255),
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
   * D8: on a new digest, re-run the start script on a running instance (SSM Run Command) and wait for it.
   * Runs where `pulumi up` runs; `triggers` makes the digest the only thing that re-runs it.
   */
  private rollout(
    name: string,
    args: Ec2DemoArgs,
    instance: aws.ec2.Instance,
    imageParam: aws.ssm.Parameter,
    power: aws.ec2transitgateway.InstanceState | undefined,
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
          ...(args.awsProfile ? { AWS_PROFILE: args.awsProfile } : {}),
        },
        triggers: [args.image.digest],
      },
      {
        parent: this,
        // The parameter holds the new reference before the instance is told to re-read it; an enforced
        // power state is applied first, so a "stopped" demo is not woken just to be stopped.
        dependsOn: [imageParam, instance, ...(power ? [power] : [])],
        customTimeouts: { create: "40m", update: "5m" },
      },
    );
  }
}
