// The cheap EC2 demo topology (D1–D10): the real program evaluated with Pulumi.demo.yaml (and variants of it)
// under mocks, asserting on every declared resource; plus the pure helpers the component is built from.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import {
  amiFilters,
  architectureOf,
  demoCommands,
  DIGEST_PATTERN,
  fillTemplate,
  idlePeriods,
  idleAlarmName,
  imageParameterName,
  instancePolicyDocument,
  isBurstable,
  parkFunctionCode,
  parkFunctionName,
  PLACEHOLDER_IP,
  renderStartScript,
  packUserData,
  renderUserData,
  rolloutDocumentName,
  shellQuote,
  START_SCRIPT_PATH,
  USER_DATA_LIMIT,
  type StartScriptValues,
} from "../components/ec2Demo";
import { ROOT, evaluateStack, json, type Evaluation, type Recorded } from "./support/harness";

/** The HTTPS settings the config defaults to (production CA, security headers with a one-year HSTS). */
const TLS_DEFAULTS = { acmeStaging: false, securityHeaders: { enabled: true, hstsMaxAgeSeconds: 31536000 } };

const T = {
  instance: "aws:ec2/instance:Instance",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  param: "aws:ssm/parameter:Parameter",
  record: "aws:route53/record:Record",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  power: "aws:ec2transitgateway/instanceState:InstanceState",
  command: "command:local:Command",
  document: "aws:ssm/document:Document",
  parking: "ferry:demo:DnsParking",
  fn: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  component: "ferry:demo:Ec2Demo",
} as const;

/** Ids as test/support/mocks.ts makes them (its ec2-demo section). */
const hex = (text: string, n: number) => createHash("sha256").update(text).digest("hex").slice(0, n);
const mockId = (kind: string, seed: string) => `${kind}-${hex(seed, 17)}`;
const mockZoneId = (domain: string) => `Z${hex(domain, 20).toUpperCase()}`;

const ACCOUNT = "108782059508";
const REGION = "eu-central-1";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}
/** Resources of `type` under the Ec2Demo component (other parts of a stack, e.g. CI access, have roles too). */
function own(e: Evaluation, type: string, nameIncludes?: string): Recorded {
  const component = e.one(T.component);
  const found = e.resources.filter(
    (r) => r.type === type && r.parent === component.urn && (!nameIncludes || r.name.includes(nameIncludes)),
  );
  if (found.length !== 1)
    throw new Error(
      `expected one ${type}${nameIncludes ? ` *${nameIncludes}*` : ""} in Ec2Demo, found ${found.length}`,
    );
  return found[0];
}

const statementsOf = (e: Evaluation): Statement[] =>
  json<{ Statement: Statement[] }>(own(e, T.rolePolicy, "-policy").inputs.policy, "instance policy")
    .Statement;
/** What the instance role is allowed (the Deny that fences the managed policy is tested on its own). */
const policyOf = (e: Evaluation): Statement[] => statementsOf(e).filter((s) => s.Effect === "Allow");
const resources = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const grantsOf = (st: Statement[], action: string) =>
  st
    .filter((s) => s.Action.includes(action))
    .flatMap(resources)
    .sort();

interface CloudConfig {
  write_files: { path: string; content: string; permissions: string; owner: string }[];
  runcmd: string[][];
}
/** The instance's user-data as cloud-init sees it: gunzipped from userDataBase64. */
const userDataOf = (e: Evaluation) => {
  const instance = own(e, T.instance);
  assert.equal(instance.inputs.userData, undefined, "plain userData and userDataBase64 both set");
  return gunzipSync(Buffer.from(String(instance.inputs.userDataBase64), "base64")).toString("utf8");
};
const cloudConfig = (userData: string) => parseYaml(userData) as CloudConfig;
const startScriptOf = (e: Evaluation) =>
  cloudConfig(userDataOf(e)).write_files.find((f) => f.path === "/usr/local/bin/ferry-start")!.content;

/** Values anywhere in a resource's inputs (walks objects and arrays), outside Pulumi secrets. */
function plaintext(r: Recorded, needle: string): boolean {
  const walk = (v: unknown): boolean =>
    typeof v === "string"
      ? v.includes(needle)
      : Array.isArray(v)
        ? v.some(walk)
        : v && typeof v === "object"
          ? !(SECRET_SIG in v) && Object.values(v).some(walk)
          : false;
  return walk(r.inputs);
}

describe("ec2-demo stack (Pulumi.demo.yaml): RAGstream on demo.rusbehabtahi.com", function () {
  let e: Evaluation;
  before(async () => {
    e = await evaluateStack("demo");
  });

  describe("D1: one instance, default VPC public subnet, nothing billed beyond it", () => {
    it("one instance of the configured type on the newest Amazon Linux 2023 AMI (looked up, not hard-coded)", () => {
      const instance = own(e, T.instance);
      const demo = JSON.parse(e.config["ferry:demo"]) as { instanceType: string };
      assert.equal(instance.inputs.instanceType, demo.instanceType);
      const ami = e.calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi");
      assert.equal(ami.length, 1);
      assert.deepEqual(ami[0].inputs.owners, ["amazon"]);
      assert.equal(ami[0].inputs.mostRecent, true);
      assert.deepEqual(ami[0].inputs.filters, amiFilters("x86_64"));
      assert.match(instance.inputs.ami, /^ami-[0-9a-f]{17}$/);
      assert.ok(
        instance.options.ignoreChanges.includes("ami"),
        "a newer AMI must not replace a working demo",
      );
    });

    it("launches in a default-for-az subnet of the default VPC with a public IPv4", () => {
      const vpc = e.calls.find((c) => c.token === "aws:ec2/getVpc:getVpc");
      assert.deepEqual(vpc?.inputs, { default: true });
      const vpcId = own(e, T.sg).inputs.vpcId as string;
      assert.equal(vpcId, mockId("vpc", `default-${REGION}`), "the security group lives in the default VPC");
      const subnets = e.calls.find((c) => c.token === "aws:ec2/getSubnets:getSubnets");
      assert.deepEqual(subnets?.inputs.filters, [
        { name: "vpc-id", values: [vpcId] },
        { name: "default-for-az", values: ["true"] },
      ]);
      // The mock returns three default subnets out of order; the choice is the lowest id, stable across runs.
      const listed = ["c", "a", "b"].map((z) => mockId("subnet", `default-${REGION}${z}`));
      const instance = own(e, T.instance);
      assert.equal(instance.inputs.subnetId, [...listed].sort()[0]);
      assert.equal(instance.inputs.associatePublicIpAddress, true);
      assert.ok(instance.options.ignoreChanges.includes("subnetId"), "a new default subnet must not move it");
      assert.deepEqual(instance.inputs.vpcSecurityGroupIds, [own(e, T.sg).state.id]);
    });

    it("declares no Elastic IP, NAT gateway, load balancer, auto scaling group or launch template (D1, D10)", () => {
      const forbidden =
        /^aws:(ec2\/eip:|ec2\/eipAssociation:|ec2\/natGateway:|lb\/|alb\/|elb\/|autoscaling\/|ec2\/launchTemplate:|ec2\/spotInstanceRequest:)/;
      assert.deepEqual(
        e.resources.filter((r) => forbidden.test(r.type)).map((r) => r.type),
        [],
      );
      assert.equal(e.ofType(T.instance).length, 1);
    });

    it("puts every resource of the topology under the Ec2Demo component, on the stack's AWS provider", () => {
      const component = e.one(T.component);
      assert.equal(component.name, "ragstream-demo");
      const provider = e.one("pulumi:providers:aws");
      const mine = e.resources.filter((r) => r.parent === component.urn);
      assert.ok(mine.length >= 12, `${mine.length} children`);
      for (const r of e.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:")))
        assert.ok(r.parent, `${r.type} ${r.name} has no parent`);
      for (const r of mine.filter((x) => x.type.startsWith("aws:")))
        assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.type} ${r.name}`);
      for (const r of mine) assert.match(r.name, /^ragstream-demo-/, "names derive from the stack prefix");
    });
  });

  describe("D2: security group", () => {
    const rules = () =>
      e
        .ofType(T.ingress)
        .map((r) => `${r.inputs.ipProtocol}/${r.inputs.fromPort}-${r.inputs.toPort} ${r.inputs.cidrIpv4}`);

    it("with HTTPS (on by default with ferry:dns): 443 and 80 from anywhere, the app port closed", () => {
      assert.deepEqual(rules().sort(), ["tcp/443-443 0.0.0.0/0", "tcp/80-80 0.0.0.0/0"]);
      const sg = own(e, T.sg);
      for (const r of e.ofType(T.ingress)) {
        assert.equal(r.inputs.securityGroupId, sg.state.id);
        assert.match(r.inputs.description, /from 0\.0\.0\.0\/0$/);
      }
      assert.match(sg.inputs.description, /^ferry ragstream-demo: demo instance/);
      assert.equal(sg.inputs.tags.Name, "ragstream-demo-instance");
    });

    it("allows all outbound traffic explicitly (ECR, SSM, Route 53, dnf, the app's APIs)", () => {
      const egress = own(e, T.egress);
      assert.deepEqual(
        [egress.inputs.ipProtocol, egress.inputs.cidrIpv4, egress.inputs.securityGroupId],
        ["-1", "0.0.0.0/0", own(e, T.sg).state.id],
      );
    });

    it("has no SSH rule unless a CIDR is configured, and then only from it", async () => {
      assert.ok(!rules().some((r) => r.includes("/22-22")));
      const v = await evaluateStack("demo", {
        config: {
          "ferry:demo": {
            sshCidrs: ["198.51.100.7/32"],
            ingressCidrs: ["203.0.113.0/24", "198.51.100.0/24"],
          },
        },
      });
      const got = v
        .ofType(T.ingress)
        .map((r) => `${r.inputs.fromPort} ${r.inputs.cidrIpv4}`)
        .sort();
      // HTTPS to the listed CIDRs only; 80 from anywhere: Let's Encrypt's HTTP-01 check comes from addresses
      // it does not publish, and 80 serves nothing but that and a redirect.
      assert.deepEqual(got, [
        "22 198.51.100.7/32",
        "443 198.51.100.0/24",
        "443 203.0.113.0/24",
        "80 0.0.0.0/0",
      ]);
    });

    it("without HTTPS: the app port (and 80 with openHttp) from ingressCidrs, no 443", async () => {
      const v = await evaluateStack("demo", {
        config: { "ferry:demo": { https: false, openHttp: true, ingressCidrs: ["203.0.113.0/24"] } },
      });
      const got = v
        .ofType(T.ingress)
        .map((r) => `${r.inputs.fromPort} ${r.inputs.cidrIpv4}`)
        .sort();
      assert.deepEqual(got, ["80 203.0.113.0/24", "8501 203.0.113.0/24"]);
    });
  });

  describe("D3: instance role and profile", () => {
    it("is assumable by EC2 only and attached through an instance profile", () => {
      const role = own(e, T.role, "ragstream-demo");
      assert.equal(role.inputs.name, "ragstream-demo-instance");
      assert.deepEqual(json(role.inputs.assumeRolePolicy, "trust").Statement, [
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      const profile = own(e, T.profile);
      assert.equal(profile.inputs.role, role.state.name);
      assert.equal(own(e, T.instance).inputs.iamInstanceProfile, profile.state.name);
    });

    it("has the AmazonSSMManagedInstanceCore managed policy (Session Manager, Run Command)", () => {
      const a = own(e, T.attachment);
      assert.equal(a.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
      assert.equal(a.inputs.role, own(e, T.role).state.name);
    });

    it("pulls from its own ECR repository only; '*' only for ecr:GetAuthorizationToken", () => {
      const st = policyOf(e);
      const repoArn = e.one("aws:ecr/repository:Repository").state.arn as string;
      assert.equal(repoArn, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/ragstream-web`);
      for (const a of ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"])
        assert.deepEqual(grantsOf(st, a), [repoArn], a);
      const star = st.filter((s) =>
        resources(s).some((r) => r.includes("*") && !r.startsWith("arn:aws:route53:::change/")),
      );
      assert.deepEqual(
        star.map((s) => [s.Action, s.Resource]),
        [[["ecr:GetAuthorizationToken"], "*"]],
      );
      for (const s of st) {
        assert.equal(s.Effect, "Allow");
        for (const a of s.Action) assert.ok(!a.includes("*"), `wildcard action ${a}`);
      }
    });

    it("denies reading any other SSM parameter, which AmazonSSMManagedInstanceCore would allow on *", () => {
      const deny = statementsOf(e).filter((s) => s.Effect === "Deny");
      assert.deepEqual(deny, [
        {
          Sid: "OnlyOwnParameters",
          Effect: "Deny",
          Action: [
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:GetParametersByPath",
            "ssm:GetParameterHistory",
          ],
          NotResource: [
            `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ferry/ragstream-demo/image`,
            `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ragstream/prod/OPENAI_API_KEY`,
          ],
        },
      ]);
    });

    it("reads exactly its SSM parameters: the image reference and the app's secret", () => {
      assert.deepEqual(grantsOf(policyOf(e), "ssm:GetParameter"), [
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ferry/ragstream-demo/image`,
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ragstream/prod/OPENAI_API_KEY`,
      ]);
      assert.deepEqual(grantsOf(policyOf(e), "kms:Decrypt"), [], "aws/ssm key: no KMS grant needed");
    });

    it("changes exactly its hosted zone, only its own name, only type A, UPSERT/DELETE/CREATE; GetChange on change ARNs", () => {
      const st = policyOf(e);
      const zoneId = mockZoneId("rusbehabtahi.com");
      const change = st.find((s) => s.Action.includes("route53:ChangeResourceRecordSets"))!;
      assert.deepEqual(change.Action, ["route53:ChangeResourceRecordSets"]);
      assert.deepEqual(change.Resource, [`arn:aws:route53:::hostedzone/${zoneId}`]);
      assert.deepEqual(change.Condition, {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["demo.rusbehabtahi.com"],
          "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
          // UPSERT at boot; DELETE + CREATE in one batch parks the record at shutdown.
          "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE", "CREATE"],
        },
      });
      assert.deepEqual(grantsOf(st, "route53:GetChange"), ["arn:aws:route53:::change/*"]);
      assert.equal(st.filter((s) => s.Action.some((a) => a.startsWith("route53:"))).length, 2);
    });

    it("the instance waits for its permissions and its image parameter (the first boot reads them)", () => {
      const deps = own(e, T.instance).dependencies;
      for (const r of [own(e, T.rolePolicy, "-policy"), own(e, T.attachment), own(e, T.param, "image-ref")])
        assert.ok(deps.includes(r.urn), `${r.name}`);
    });
  });

  describe("D4: instance metadata and root volume", () => {
    it("requires IMDSv2 tokens with a hop limit of 1 (the container never reaches the instance role)", () => {
      assert.deepEqual(own(e, T.instance).inputs.metadataOptions, {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      });
    });

    it("has an encrypted gp3 root volume of the configured size", async () => {
      const demo = JSON.parse(e.config["ferry:demo"]) as { rootVolumeGb: number };
      assert.deepEqual(own(e, T.instance).inputs.rootBlockDevice, {
        volumeType: "gp3",
        volumeSize: demo.rootVolumeGb,
        encrypted: true,
        deleteOnTermination: true,
      });
      const v = await evaluateStack("demo", { config: { "ferry:demo": { rootVolumeGb: 40 } } });
      assert.equal(own(v, T.instance).inputs.rootBlockDevice.volumeSize, 40);
    });

    it("stops (not terminates) on an OS shutdown, and carries no power state of its own", () => {
      const inputs = own(e, T.instance).inputs;
      assert.equal(inputs.instanceInitiatedShutdownBehavior, "stop");
      assert.equal(inputs.instanceState, undefined);
    });
  });

  describe("S2 image delivery: the digest goes through an SSM parameter, never through user-data", () => {
    it("keeps the image reference (repo@sha256:…) in /ferry/ragstream-demo/image", () => {
      const p = own(e, T.param, "image-ref");
      assert.equal(p.inputs.name, "/ferry/ragstream-demo/image");
      assert.equal(p.inputs.type, "String");
      assert.equal(p.inputs.insecureValue, e.outputs.imageRef, "plain: the digest change shows in previews");
      assert.equal(p.inputs.value, undefined);
      assert.match(String(p.inputs.insecureValue), /@sha256:[0-9a-f]{64}$/);
    });

    it("user-data has neither the digest nor the reference, and does not change when the digest does", async () => {
      const ud = userDataOf(e);
      assert.ok(!ud.includes(String(e.outputs.imageDigest).slice(7)), "digest in user-data");
      const a = await evaluateStack("demo", {
        config: {
          "ferry:image": {
            uri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ragstream-web@sha256:${"a".repeat(64)}`,
          },
        },
      });
      const b = await evaluateStack("demo", {
        config: {
          "ferry:image": {
            uri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ragstream-web@sha256:${"b".repeat(64)}`,
          },
        },
      });
      assert.equal(userDataOf(a), userDataOf(b));
      assert.notEqual(
        own(a, T.param, "image-ref").inputs.insecureValue,
        own(b, T.param, "image-ref").inputs.insecureValue,
      );
      assert.notDeepEqual(own(a, T.command).inputs.triggers, own(b, T.command).inputs.triggers);
    });

    it("a changed start script replaces the instance (cloud-init writes files on the first boot only)", () => {
      assert.equal(own(e, T.instance).inputs.userDataReplaceOnChange, true);
    });
  });

  describe("D5: user-data installs the start script and a systemd unit that runs on every boot", () => {
    it("is gzipped cloud-config under EC2's 16 KB limit: the script, both units, enable + non-blocking start", () => {
      const ud = userDataOf(e);
      assert.ok(ud.startsWith("#cloud-config\n"));
      const raw = Buffer.from(String(own(e, T.instance).inputs.userDataBase64), "base64");
      assert.deepEqual([...raw.subarray(0, 2)], [0x1f, 0x8b], "gzip magic: cloud-init unpacks it");
      assert.ok(raw.byteLength < USER_DATA_LIMIT, `${raw.byteLength} bytes`);
      const cc = cloudConfig(ud);
      assert.deepEqual(
        cc.write_files.map((f) => [f.path, f.permissions, f.owner]),
        [
          ["/usr/local/bin/ferry-start", "0755", "root:root"],
          ["/etc/systemd/system/ferry-app.service", "0644", "root:root"],
          ["/etc/systemd/system/ferry-park.service", "0644", "root:root"],
        ],
      );
      assert.deepEqual(cc.runcmd, [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "ferry-app.service"],
        ["systemctl", "enable", "--now", "--no-block", "ferry-park.service"],
        ["systemctl", "start", "--no-block", "ferry-app.service"],
      ]);
    });

    it("installs exactly the start script rendered for this stack", () => {
      const zoneId = own(e, T.record).inputs.zoneId as string;
      const expected = renderStartScript({
        region: REGION,
        containerName: "ragstream",
        port: 8501,
        openHttp: false,
        healthPath: "/_stcore/health",
        imageParameter: "/ferry/ragstream-demo/image",
        env: {},
        secrets: [{ envName: "OPENAI_API_KEY", kind: "ssm", ref: "/ragstream/prod/OPENAI_API_KEY" }],
        dns: { zoneId, fqdn: "demo.rusbehabtahi.com" },
        https: {
          ...TLS_DEFAULTS,
          proxyImage: "public.ecr.aws/docker/library/caddy:2.10.2-alpine",
          acmeStaging: false,
        },
        maxRuntimeMinutes: 240,
        idleAlarmName: "ragstream-demo-idle-stop",
      });
      assert.equal(startScriptOf(e), expected);
      assert.doesNotMatch(expected, /@@[A-Z_]+@@/);
    });

    it("the unit is a oneshot that stays active, after network-online and docker, enabled for multi-user", () => {
      const unit = cloudConfig(userDataOf(e)).write_files[1].content;
      for (const line of [
        "Type=oneshot",
        "RemainAfterExit=yes",
        "Wants=network-online.target docker.service",
        "After=network-online.target docker.service",
        "ExecStart=/usr/local/bin/ferry-start",
        "WantedBy=multi-user.target",
        "StandardOutput=journal",
        "SyslogIdentifier=ferry-app",
      ])
        assert.ok(unit.split("\n").includes(line), line);
    });

    it("user-data and outputs hold no secret value, even for a secret from encrypted config (S4)", async () => {
      const v = await evaluateStack("demo", {
        config: {
          "ferry:app": { name: "ragstream", secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } },
          "ferry:openaiApiKey": { secure: "v1:ciphertext" },
        },
      });
      const value = "mock-secret-value-of-ferry:openaiApiKey";
      assert.deepEqual(
        v.resources.filter((r) => plaintext(r, value)).map((r) => r.name),
        [],
      );
      assert.ok(!JSON.stringify(v.outputs).includes(value));
      // The script reads the SecureString the program stored, by name.
      assert.match(startScriptOf(v), /SECRETS=\('OPENAI_API_KEY=ssm:\/ragstream-demo\/OPENAI_API_KEY'\)/);
      assert.deepEqual(grantsOf(policyOf(v), "ssm:GetParameter"), [
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ferry/ragstream-demo/image`,
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ragstream-demo/OPENAI_API_KEY`,
      ]);
    });
  });

  describe("D6: the A record is created once and then belongs to the instance", () => {
    it("type A, TTL 60, placeholder value, ignoreChanges on records, created before the instance", () => {
      const r = own(e, T.record);
      assert.equal(r.parent, e.one(T.component).urn);
      assert.deepEqual(
        [r.inputs.name, r.inputs.type, r.inputs.ttl, r.inputs.records, r.inputs.allowOverwrite],
        ["demo.rusbehabtahi.com", "A", 60, [PLACEHOLDER_IP], true],
      );
      assert.equal(r.inputs.zoneId, mockZoneId("rusbehabtahi.com"), "the zone the Dns component looked up");
      assert.deepEqual(r.options.ignoreChanges, ["records"]);
      assert.ok(
        own(e, T.instance).dependencies.includes(r.urn),
        "record first: the boot UPSERT cannot race it",
      );
      assert.equal(PLACEHOLDER_IP, "192.0.2.1");
    });
  });

  describe("D7: power state and idle auto-stop", () => {
    it("manages no power state when ferry:demo.powerState is unset", () => {
      assert.equal(e.ofType(T.power).length, 0);
    });

    for (const state of ["running", "stopped"] as const)
      it(`enforces powerState ${state} with one InstanceState resource`, async () => {
        const v = await evaluateStack("demo", { config: { "ferry:demo": { powerState: state } } });
        const p = own(v, T.power);
        assert.deepEqual([p.inputs.instanceId, p.inputs.state], [own(v, T.instance).state.id, state]);
        assert.equal(p.parent, v.one(T.component).urn);
        assert.ok(own(v, T.command).dependencies.includes(p.urn), "rollout sees the enforced state");
      });

    it("stops the instance after 60 idle minutes: Average CPU < 5 % for 12 × 300 s, missing data not breaching", () => {
      const a = own(e, T.alarm);
      assert.deepEqual(
        {
          name: a.inputs.name,
          namespace: a.inputs.namespace,
          metricName: a.inputs.metricName,
          dimensions: a.inputs.dimensions,
          statistic: a.inputs.statistic,
          period: a.inputs.period,
          evaluationPeriods: a.inputs.evaluationPeriods,
          datapointsToAlarm: a.inputs.datapointsToAlarm,
          threshold: a.inputs.threshold,
          comparisonOperator: a.inputs.comparisonOperator,
          treatMissingData: a.inputs.treatMissingData,
          alarmActions: a.inputs.alarmActions,
        },
        {
          name: "ragstream-demo-idle-stop",
          namespace: "AWS/EC2",
          metricName: "CPUUtilization",
          dimensions: { InstanceId: own(e, T.instance).state.id },
          statistic: "Average",
          period: 300,
          evaluationPeriods: 12,
          datapointsToAlarm: 12,
          threshold: 5,
          comparisonOperator: "LessThanThreshold",
          treatMissingData: "notBreaching",
          alarmActions: ["arn:aws:automate:eu-central-1:ec2:stop"],
        },
      );
    });

    it("follows ferry:demo.idleStop, and can be switched off", async () => {
      const v = await evaluateStack("demo", {
        config: { "ferry:demo": { idleStop: { cpuPercent: 10, minutes: 15 } } },
      });
      const a = own(v, T.alarm);
      assert.deepEqual([a.inputs.threshold, a.inputs.period, a.inputs.evaluationPeriods], [10, 300, 3]);
      const off = await evaluateStack("demo", { config: { "ferry:demo": { idleStop: { enabled: false } } } });
      assert.equal(off.ofType(T.alarm).length, 0);
    });

    it("rejects idle minutes that are not a multiple of 5, naming the key", async () => {
      await assert.rejects(
        evaluateStack("demo", { config: { "ferry:demo": { idleStop: { minutes: 7 } } } }),
        /ferry:demo\.idleStop\.minutes: got 7, expected a multiple of 5 from 5 to 1440/,
      );
    });
  });

  describe("D8: a new digest reaches a running instance through SSM Run Command", () => {
    it("runs scripts/instance/rollout.sh locally, triggered by the digest alone, after the parameter is updated", () => {
      const c = own(e, T.command);
      assert.equal(c.parent, e.one(T.component).urn);
      assert.equal(c.inputs.create, "bash scripts/instance/rollout.sh");
      assert.ok(fs.existsSync(path.join(ROOT, "scripts/instance/rollout.sh")));
      assert.match(c.inputs.update, /^echo /, "other input changes do not restart the app");
      assert.deepEqual(c.inputs.triggers, [e.outputs.imageDigest]);
      assert.deepEqual(c.inputs.environment, {
        INSTANCE_ID: own(e, T.instance).state.id,
        AWS_REGION: REGION,
        IMAGE_REF: e.outputs.imageRef,
        IMAGE_DIGEST: e.outputs.imageDigest,
        ROLLOUT_DOCUMENT: own(e, T.document).state.name,
      });
      for (const dep of [own(e, T.param, "image-ref"), own(e, T.instance), own(e, T.document)])
        assert.ok(c.dependencies.includes(dep.urn), dep.name);
      assert.equal(c.options.customTimeouts.create, "40m");
    });

    it("is absent with ferry:demo.rollout false (the document stays: it costs nothing and only rolls out)", async () => {
      const v = await evaluateStack("demo", { config: { "ferry:demo": { rollout: false } } });
      assert.equal(v.ofType(T.command).length, 0);
      assert.equal(v.ofType(T.document).length, 1);
    });

    it("sends a Command document of this stack that runs only `ferry-start --rollout '<digest>'`", () => {
      const d = own(e, T.document);
      assert.equal(d.parent, e.one(T.component).urn);
      assert.equal(d.inputs.documentType, "Command");
      assert.equal(d.inputs.targetType, "/AWS::EC2::Instance");
      const prefix = e.one(T.component).name;
      assert.equal(d.inputs.name, rolloutDocumentName(prefix));
      assert.match(d.inputs.name, /^[A-Za-z0-9_.-]{3,128}$/);
      assert.doesNotMatch(d.inputs.name, /^(aws|amazon|amzn)/i, "reserved prefixes");
      const doc = JSON.parse(d.inputs.content);
      assert.equal(doc.schemaVersion, "2.2");
      assert.deepEqual(Object.keys(doc.parameters), ["digest"], "no parameter that could carry a command");
      assert.equal(doc.parameters.digest.type, "String");
      assert.equal(doc.parameters.digest.allowedPattern, DIGEST_PATTERN);
      assert.equal(doc.mainSteps.length, 1);
      const step = doc.mainSteps[0];
      assert.equal(step.action, "aws:runShellScript");
      assert.deepEqual(step.inputs.runCommand, [`${START_SCRIPT_PATH} --rollout '{{ digest }}'`]);
      // The only parameter reference is the digest, and the pattern admits no quote, space or ; to break out.
      assert.deepEqual(JSON.stringify(doc).match(/\{\{[^}]*\}\}/g), ["{{ digest }}"]);
      const pattern = new RegExp(DIGEST_PATTERN);
      assert.ok(pattern.test(`sha256:${"0a".repeat(32)}`), "positive control: a digest passes");
      for (const bad of [
        `sha256:${"0a".repeat(32)}'; reboot; '`,
        `sha256:${"0a".repeat(32)}\nreboot`,
        "latest",
        "",
      ])
        assert.ok(!pattern.test(bad), JSON.stringify(bad));
      // The path the document runs is where cloud-init installs the start script.
      assert.ok(cloudConfig(userDataOf(e)).write_files.some((f) => f.path === START_SCRIPT_PATH));
    });

    it("names fit SSM's 128-character limit and stay stack-scoped for any prefix", () => {
      const long = `${"a".repeat(60)}-${"b".repeat(100)}`;
      assert.ok(rolloutDocumentName(long).length <= 128);
      assert.notEqual(rolloutDocumentName(long), rolloutDocumentName(`${long}x`));
      assert.equal(rolloutDocumentName("aws-demo"), "ferry-aws-demo-rollout");
    });
  });

  describe("D9: stack outputs", () => {
    it("gives the constant URL, the instance id, the start/stop/logs commands and the image", () => {
      const id = own(e, T.instance).state.id as string;
      assert.match(id, /^i-[0-9a-f]{17}$/);
      assert.equal(e.outputs.url, "https://demo.rusbehabtahi.com");
      assert.equal(e.outputs.instanceId, id);
      assert.equal(
        e.outputs.startCommand,
        `aws ec2 start-instances --region eu-central-1 --instance-ids ${id}`,
      );
      assert.equal(
        e.outputs.stopCommand,
        `aws ec2 stop-instances --region eu-central-1 --instance-ids ${id}`,
      );
      assert.equal(
        e.outputs.logsCommand,
        `aws ssm start-session --region eu-central-1 --target ${id} --document-name AWS-StartInteractiveCommand ` +
          `--parameters '{"command":["sudo journalctl -u ferry-app -n 200 -f"]}'`,
      );
      assert.equal(e.outputs.imageParameter, "/ferry/ragstream-demo/image");
      assert.match(String(e.outputs.imageDigest), /^sha256:[0-9a-f]{64}$/);
      assert.match(
        String(e.outputs.imageRef),
        /^108782059508\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/ragstream-web@sha256:/,
      );
    });

    it("without HTTPS the URL carries the port when port 80 is not published", async () => {
      const v = await evaluateStack("demo", { config: { "ferry:demo": { https: false } } });
      assert.equal(v.outputs.url, "http://demo.rusbehabtahi.com:8501");
      assert.deepEqual(
        v.ofType(T.ingress).map((r) => r.inputs.fromPort),
        [8501],
      );
      assert.match(startScriptOf(v), /^OPEN_HTTP='false'$/m);
      assert.match(startScriptOf(v), /^HTTPS='false'$/m);
      const w = await evaluateStack("demo", { config: { "ferry:demo": { https: false, openHttp: true } } });
      assert.equal(w.outputs.url, "http://demo.rusbehabtahi.com");
    });
  });

  describe("without a domain (ferry:dns removed)", () => {
    let v: Evaluation;
    before(async () => {
      v = await evaluateStack("demo", { remove: ["ferry:dns"] });
    });

    it("has no record and no Route 53 permission; the script skips DNS", () => {
      assert.equal(v.ofType(T.record).length, 0);
      assert.ok(!policyOf(v).some((s) => s.Action.some((a) => a.startsWith("route53:"))));
      assert.match(startScriptOf(v), /^ZONE_ID=''$/m);
      assert.match(startScriptOf(v), /^FQDN=''$/m);
    });

    it("serves on the instance's public DNS name, with a note that it changes on every start", () => {
      const dns = own(v, T.instance).state.publicDns as string;
      assert.match(dns, /^ec2-[0-9-]+\.eu-central-1\.compute\.amazonaws\.com$/);
      // No name to certify: no HTTPS, so the app port is in the URL.
      assert.equal(v.outputs.url, `http://${dns}:8501`);
      assert.match(startScriptOf(v), /^HTTPS='false'$/m);
      assert.match(String(v.outputs.urlNote), /changes on every stop\/start/);
      assert.equal(v.ofType(T.instance).length, 1);
    });
  });

  describe("a configured subnet", () => {
    it("is used as given, with the security group in that subnet's VPC, and no default-VPC lookup", async () => {
      const v = await evaluateStack("demo", {
        config: { "ferry:demo": { subnetId: "subnet-0123456789abcdef0" } },
      });
      const instance = own(v, T.instance);
      assert.equal(instance.inputs.subnetId, "subnet-0123456789abcdef0");
      assert.ok(!instance.options.ignoreChanges.includes("subnetId"), "moving it on purpose is allowed");
      const lookup = v.calls.find((c) => c.token === "aws:ec2/getSubnet:getSubnet");
      assert.deepEqual(lookup?.inputs, { id: "subnet-0123456789abcdef0" });
      assert.equal(own(v, T.sg).inputs.vpcId, mockId("vpc", "subnet-0123456789abcdef0"), "the subnet's VPC");
      assert.equal(v.calls.filter((c) => c.token === "aws:ec2/getVpc:getVpc").length, 0);
    });
  });

  describe("a Graviton instance type", () => {
    it("looks up the arm64 AMI", async () => {
      const v = await evaluateStack("demo", {
        config: { "ferry:demo": { instanceType: "t4g.small" }, "ferry:image": { platform: "linux/arm64" } },
      });
      const ami = v.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
      assert.deepEqual(ami?.inputs.filters, amiFilters("arm64"));
    });
  });
});

describe("ec2-demo hard limits: credits, runtime cap, alarm reset, DNS parked from outside", function () {
  let e: Evaluation;
  before(async () => {
    e = await evaluateStack("demo");
  });
  /** The one resource of `type` under the DnsParking component. */
  const parked = (v: Evaluation, type: string) => {
    const parking = v.one(T.parking);
    const found = v.resources.filter((r) => r.type === type && r.parent === parking.urn);
    assert.equal(found.length, 1, `${type} under DnsParking`);
    return found[0];
  };

  it("a burstable type runs with standard CPU credits unless configured; other types get no credit setting", async () => {
    assert.deepEqual(own(e, T.instance).inputs.creditSpecification, { cpuCredits: "standard" });
    const unlimited = await evaluateStack("demo", { config: { "ferry:demo": { cpuCredits: "unlimited" } } });
    assert.deepEqual(own(unlimited, T.instance).inputs.creditSpecification, { cpuCredits: "unlimited" });
    const m7i = await evaluateStack("demo", { config: { "ferry:demo": { instanceType: "m7i.large" } } });
    assert.equal(own(m7i, T.instance).inputs.creditSpecification, undefined);
    await assert.rejects(
      evaluateStack("demo", {
        config: { "ferry:demo": { instanceType: "m7i.large", cpuCredits: "standard" } },
      }),
      /ferry:demo\.cpuCredits: got "standard", expected unset for instance type m7i\.large/,
    );
    for (const t of ["t2.micro", "t3.small", "t3a.medium", "t4g.small"]) assert.ok(isBurstable(t), t);
    for (const t of ["m7i.large", "c7g.large", "t3", "mt3.large"]) assert.ok(!isBurstable(t), t);
  });

  it("the start script caps each boot at maxRuntime (240 min by default) and knows the idle alarm to reset", async () => {
    const script = startScriptOf(e);
    assert.match(script, /^MAX_RUNTIME='240'$/m);
    assert.match(script, /^IDLE_ALARM='ragstream-demo-idle-stop'$/m);
    assert.equal(own(e, T.alarm).inputs.name, idleAlarmName("ragstream-demo"));
    const off = await evaluateStack("demo", {
      config: {
        "ferry:demo": {
          maxRuntime: { enabled: false },
          idleStop: { enabled: false },
          wake: { enabled: false },
        },
      },
    });
    assert.match(startScriptOf(off), /^MAX_RUNTIME=''$/m);
    assert.match(startScriptOf(off), /^IDLE_ALARM=''$/m);
    const eight = await evaluateStack("demo", { config: { "ferry:demo": { maxRuntime: { minutes: 480 } } } });
    assert.match(startScriptOf(eight), /^MAX_RUNTIME='480'$/m);
  });

  it("the instance role may set the state of its own idle alarm and of no other", async () => {
    const grant = own(e, T.rolePolicy, "alarm-reset");
    assert.equal(grant.inputs.role, own(e, T.role).state.name);
    assert.deepEqual(json<{ Statement: Statement[] }>(grant.inputs.policy, "alarm-reset").Statement, [
      {
        Sid: "ResetOwnIdleAlarm",
        Effect: "Allow",
        Action: ["cloudwatch:SetAlarmState"],
        Resource: [own(e, T.alarm).state.arn],
      },
    ]);
    const off = await evaluateStack("demo", {
      config: { "ferry:demo": { idleStop: { enabled: false }, wake: { enabled: false } } },
    });
    assert.equal(off.ofType(T.rolePolicy).filter((r) => r.name.includes("alarm-reset")).length, 0);
  });

  it("an EventBridge rule on this instance's stopping/stopped/shutting-down/terminated invokes the parking function", () => {
    const rule = parked(e, T.rule);
    const pattern = JSON.parse(rule.inputs.eventPattern);
    assert.deepEqual(pattern, {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: {
        "instance-id": [own(e, T.instance).state.id],
        state: ["stopping", "stopped", "shutting-down", "terminated"],
      },
    });
    const fn = parked(e, T.fn);
    const target = parked(e, T.target);
    assert.equal(target.inputs.rule, rule.state.name);
    assert.equal(target.inputs.arn, fn.state.arn);
    const permission = parked(e, T.permission);
    assert.deepEqual(
      [
        permission.inputs.action,
        permission.inputs.principal,
        permission.inputs.sourceArn,
        permission.inputs.function,
      ],
      ["lambda:InvokeFunction", "events.amazonaws.com", rule.state.arn, fn.state.name],
    );
    assert.ok(
      target.dependencies.includes(permission.urn),
      "the target exists only once the rule may invoke",
    );
    assert.deepEqual(fn.inputs.environment.variables, {
      INSTANCE_ID: own(e, T.instance).state.id,
      ZONE_ID: own(e, T.record).inputs.zoneId,
      RECORD_NAME: "demo.rusbehabtahi.com",
      PARK_IP: PLACEHOLDER_IP,
    });
    assert.equal(fn.inputs.reservedConcurrentExecutions, undefined, "no reservation: events are few");
    assert.equal(fn.inputs.name, parkFunctionName("ragstream-demo"));
    assert.ok(String(fn.inputs.name).length <= 64);
  });

  it("the parking function's role changes only this A record (DELETE+CREATE) and reads instance state in this region", () => {
    const policy = parked(e, T.rolePolicy);
    const zoneArn = `arn:aws:route53:::hostedzone/${own(e, T.record).inputs.zoneId}`;
    const logGroup = parked(e, "aws:cloudwatch/logGroup:LogGroup");
    assert.deepEqual(json<{ Statement: Statement[] }>(policy.inputs.policy, "park").Statement, [
      {
        Sid: "ParkThisRecord",
        Effect: "Allow",
        Action: ["route53:ChangeResourceRecordSets"],
        Resource: [zoneArn],
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["demo.rusbehabtahi.com"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
            "route53:ChangeResourceRecordSetsActions": ["DELETE", "CREATE"],
          },
        },
      },
      {
        Sid: "ReadInstanceState",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances"],
        Resource: ["*"],
        Condition: { StringEquals: { "aws:RequestedRegion": REGION } } as never,
      },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${logGroup.state.arn}:*`],
      },
    ]);
    const role = parked(e, T.role);
    assert.equal(policy.inputs.role, role.state.name);
    assert.equal(parked(e, T.fn).inputs.role, role.state.arn);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, {
      Service: "lambda.amazonaws.com",
    });
    // No managed policy, no other grant on the role.
    assert.equal(e.resources.filter((r) => r.inputs.role === role.state.name).length, 1);
  });

  it("ships functions/park/handler.ts transpiled; no parking without a DNS record", async () => {
    const code = parkFunctionCode();
    assert.match(code, /exports\.handler = /);
    assert.doesNotMatch(code, /from "\.\.?\//, "no project imports: one file");
    const noDns = await evaluateStack("demo", { remove: ["ferry:dns"] });
    assert.equal(noDns.ofType(T.parking).length, 0);
    assert.equal(noDns.ofType(T.rule).length, 0);
  });
});

describe("the instance artifacts through real validators (Debian packages in CI: systemd, cloud-init)", function () {
  let e: Evaluation;
  let dir: string;
  before(async () => {
    e = await evaluateStack("demo");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-validate-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The tool's path; in CI a missing tool fails, locally the test is skipped with the reason shown. */
  function tool(ctx: Mocha.Context, name: string, pkg: string): string {
    const found = spawnSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
    if (process.env.CI === "true")
      assert.fail(`${name} is required in CI (Debian package ${pkg}, see .ci/run)`);
    ctx.test!.title += ` (skipped: ${name} not installed; apt-get install ${pkg})`;
    ctx.skip();
  }

  it("the rendered user-data passes `cloud-init schema`", function () {
    const cloudInit = tool(this, "cloud-init", "cloud-init");
    const check = (text: string) => {
      const file = path.join(dir, `user-data-${Math.random().toString(36).slice(2)}.yaml`);
      fs.writeFileSync(file, text);
      return spawnSync(cloudInit, ["schema", "-c", file], { encoding: "utf8", timeout: 60_000 });
    };
    const r = check(userDataOf(e));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Valid cloud-config/);
    // Positive control: a broken cloud-config is refused.
    assert.notEqual(check("#cloud-config\nwrite_files: 3\n").status, 0);
  });

  it("both units pass `systemd-analyze verify` as cloud-init installs them (with the start script in place)", function () {
    const analyze = tool(this, "systemd-analyze", "systemd");
    // A root with the host's unit library (for the targets the units name), the installed files and the
    // binaries they run, so "not executable" and unknown-key findings are real.
    const root = path.join(dir, "root");
    fs.mkdirSync(path.join(root, "usr/lib/systemd"), { recursive: true });
    fs.cpSync("/lib/systemd/system", path.join(root, "usr/lib/systemd/system"), { recursive: true });
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.copyFileSync("/bin/true", path.join(root, "bin/true"));
    const files = cloudConfig(userDataOf(e)).write_files;
    for (const f of files) {
      const target = path.join(root, f.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content, { mode: parseInt(f.permissions, 8) });
    }
    const units = files.map((f) => f.path).filter((p) => p.endsWith(".service"));
    assert.deepEqual(units, [
      "/etc/systemd/system/ferry-app.service",
      "/etc/systemd/system/ferry-park.service",
    ]);
    const verify = () =>
      spawnSync(analyze, ["verify", `--root=${root}`, ...units], { encoding: "utf8", timeout: 60_000 });
    const r = verify();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), "", "no warnings either");
    // Positive control: a misspelt key is reported.
    const park = path.join(root, units[1]);
    fs.writeFileSync(park, fs.readFileSync(park, "utf8").replace("TimeoutStopSec=", "TimeoutStopSecs="));
    assert.match(verify().stderr, /Unknown key 'TimeoutStopSecs'/);
  });
});

describe("ec2Demo pure helpers", () => {
  it("imageParameterName: one name per stack under /ferry/", () => {
    assert.equal(imageParameterName("ragstream-demo"), "/ferry/ragstream-demo/image");
  });

  it("architectureOf: Graviton families are arm64", () => {
    for (const t of ["t4g.small", "m7g.large", "c6gn.xlarge", "r8g.medium"])
      assert.equal(architectureOf(t), "arm64", t);
    for (const t of ["t3.small", "t3a.medium", "m7i.large", "c5n.large"])
      assert.equal(architectureOf(t), "x86_64", t);
  });

  it("amiFilters: AL2023 standard image only (not minimal, not ECS-optimised)", () => {
    const pattern = amiFilters("x86_64")[0].values[0];
    const re = new RegExp(`^${pattern.replace(/\./g, "\\.").replace(/\*/g, ".*")}$`);
    assert.ok(re.test("al2023-ami-2023.9.20251117.1-kernel-6.1-x86_64"));
    assert.ok(!re.test("al2023-ami-minimal-2023.9.20251117.1-kernel-6.1-x86_64"));
    assert.ok(!re.test("al2023-ami-ecs-hvm-2023.0.20251117-kernel-6.1-x86_64"));
    assert.ok(!re.test("al2023-ami-2023.9.20251117.1-kernel-6.1-arm64"));
  });

  it("shellQuote: bash reads back exactly the value, whatever it holds", () => {
    for (const value of ["", "plain", "it's", `a"b`, "$HOME `id` $(id) \\n", "tab\there", "ümlaut €"]) {
      const r = spawnSync("bash", ["-c", `printf %s ${shellQuote(value)}`], { encoding: "utf8" });
      assert.equal(r.stdout, value);
    }
  });

  it("fillTemplate: inline and block placeholders; refuses missing, unused and multi-line inline values", () => {
    assert.equal(fillTemplate("a=@@A@@\n  @@B@@\nz", { A: "1", B: "x\n\ny\n" }), "a=1\n  x\n\n  y\nz");
    assert.throws(() => fillTemplate("@@A@@ @@B@@", { A: "1" }), /@@B@@ has no value/);
    assert.throws(() => fillTemplate("@@A@@", { A: "1", C: "2" }), /no placeholder for: C/);
    assert.throws(() => fillTemplate("x=@@A@@", { A: "1\n2" }), /inline; its value has a newline/);
  });

  const VALUES: StartScriptValues = {
    region: "eu-central-1",
    containerName: "ragstream",
    port: 8501,
    openHttp: true,
    healthPath: "/_stcore/health",
    imageParameter: "/ferry/ragstream-demo/image",
    env: {},
    secrets: [],
  };

  it("renderStartScript: quoted values, comments stripped, the shebang and shellcheck directives kept", () => {
    const s = renderStartScript({ ...VALUES, env: { A: "x y" } });
    assert.ok(
      s.startsWith(
        "#!/usr/bin/env bash\n# ferry-start: rendered by ferry from scripts/instance/ferry-start.sh",
      ),
    );
    assert.match(s, /^REGION='eu-central-1'$/m);
    assert.match(s, /^ENV_VARS=\('A=x y'\)$/m);
    assert.match(s, /^SECRETS=\(\)$/m);
    assert.match(s, /^# shellcheck disable=SC2317$/m);
    assert.doesNotMatch(s, /^\s*# (Steps|Exit status):/m, "long comments stay in the repository");
    assert.match(
      renderStartScript({ ...VALUES, port: 80 }),
      /^OPEN_HTTP='false'$/m,
      "80 is not published twice",
    );
  });

  it("renderStartScript: refuses values an env file or the script cannot carry", () => {
    assert.throws(() => renderStartScript({ ...VALUES, env: { A: "1\n2" } }), /a value with a newline/);
    assert.throws(() => renderStartScript({ ...VALUES, env: { "A-B": "1" } }), /env name "A-B"/);
    assert.throws(() => renderStartScript({ ...VALUES, containerName: "-x" }), /container name/);
    assert.throws(
      () => renderStartScript({ ...VALUES, secrets: [{ envName: "K", kind: "ssm", ref: "/a b" }] }),
      /secret K: reference/,
    );
  });

  it("packUserData: stays under 16 KB gzipped with room for a larger app (10 env vars, 5 secrets, HTTPS)", () => {
    const env = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`SETTING_${i}`, "https://api.example.com/v1/some/path"]),
    );
    const secrets = Array.from({ length: 5 }, (_, i) => ({
      envName: `SECRET_${i}`,
      kind: "secretsmanager" as const,
      ref: `arn:aws:secretsmanager:us-east-1:123456789012:secret:carepolicy-hub/secret-${i}-AbCdEf`,
    }));
    const script = renderStartScript({
      ...VALUES,
      openHttp: false,
      env,
      secrets,
      dns: { zoneId: "Z0123456789ABCDEFGHIJ", fqdn: "demo.example.com" },
      https: {
        ...TLS_DEFAULTS,
        proxyImage: "public.ecr.aws/docker/library/caddy:2.10.2-alpine",
        acmeEmail: "ops@example.com",
      },
    });
    const ud = renderUserData({
      prefix: "carepolicy-hub-demo",
      imageParameter: imageParameterName("carepolicy-hub-demo"),
      startScript: script,
    });
    const packed = Buffer.from(packUserData(ud), "base64");
    // Half the limit: gzip leaves room for years of growth; the text alone is near the 16 KB now.
    assert.ok(packed.byteLength < USER_DATA_LIMIT / 2, `${packed.byteLength} bytes gzipped`);
    assert.equal(gunzipSync(packed).toString("utf8"), ud, "cloud-init gets the text back byte for byte");
    assert.equal(packUserData(ud), packUserData(ud), "deterministic: the same text, the same bytes");
    assert.deepEqual([...packed.subarray(4, 8)], [0, 0, 0, 0], "no timestamp in the gzip header");
    assert.throws(
      () =>
        packUserData(
          Array.from({ length: 4000 }, (_, i) => createHash("sha256").update(String(i)).digest("hex")).join(
            "\n",
          ),
        ),
      /user-data is \d+ bytes gzipped; EC2 accepts at most 16384 before base64/,
    );
    assert.equal(
      (parseYaml(ud) as CloudConfig).write_files[0].content,
      script,
      "the YAML block scalar carries the script byte for byte",
    );
  });

  it("instancePolicyDocument: no Route 53 and no ECR statements when there is nothing to grant", () => {
    const doc = JSON.parse(
      instancePolicyDocument({
        imageParameterArn: "arn:aws:ssm:eu-central-1:1:parameter/ferry/x/image",
        secrets: [],
      }),
    ) as { Statement: Statement[] };
    assert.deepEqual(
      doc.Statement.map((s) => s.Sid),
      ["ImageReference", "OnlyOwnParameters"],
    );
  });

  it("instancePolicyDocument: Secrets Manager secrets and customer KMS keys on exact ARNs", () => {
    const doc = JSON.parse(
      instancePolicyDocument({
        imageParameterArn: "arn:aws:ssm:eu-central-1:1:parameter/ferry/x/image",
        secrets: [
          { kind: "secretsmanager", arn: "arn:aws:secretsmanager:eu-central-1:1:secret:a-AbCdEf" },
          {
            kind: "ssm",
            arn: "arn:aws:ssm:eu-central-1:1:parameter/k",
            kmsKeyArn: "arn:aws:kms:eu-central-1:1:key/k1",
          },
        ],
      }),
    ) as { Statement: Statement[] };
    assert.deepEqual(grantsOf(doc.Statement, "secretsmanager:GetSecretValue"), [
      "arn:aws:secretsmanager:eu-central-1:1:secret:a-AbCdEf",
    ]);
    assert.deepEqual(grantsOf(doc.Statement, "kms:Decrypt"), ["arn:aws:kms:eu-central-1:1:key/k1"]);
  });

  it("idlePeriods: 5-minute periods, minutes/5 of them", () => {
    assert.deepEqual(idlePeriods(60), { period: 300, evaluationPeriods: 12 });
    assert.deepEqual(idlePeriods(5), { period: 300, evaluationPeriods: 1 });
    assert.throws(() => idlePeriods(7), /multiple of 5/);
  });

  it("demoCommands: carries the CLI profile when the stack uses one", () => {
    const c = demoCommands("eu-central-1", "i-0123456789abcdef0", "ragstream");
    assert.equal(
      c.startCommand,
      "aws ec2 start-instances --profile ragstream --region eu-central-1 --instance-ids i-0123456789abcdef0",
    );
    assert.equal(
      c.shellCommand,
      "aws ssm start-session --profile ragstream --region eu-central-1 --target i-0123456789abcdef0",
    );
  });
});
