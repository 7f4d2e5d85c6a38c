// Sharing the demo: HTTPS on the constant name (Caddy + Let's Encrypt on the instance), the wake page
// (a Lambda function URL that starts the stopped demo) and no dangling DNS (the record is parked at shutdown).
// The real program evaluated with Pulumi.demo.yaml and variants, under mocks.
import * as assert from "node:assert/strict";
import * as vm from "node:vm";
import { gunzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { ACME_STAGING_CA, PUBLIC_DNS_TOKEN } from "../components/ec2Demo";
import {
  ADDRESS_TAG,
  RUNTIME_TAGS,
  STATUS_TAG,
  WAKE_LOCKOUT_TAG,
  WAKE_STARTS_TAG,
} from "../components/runtimeTags";
import { WAKE_RUNTIME, wakeFunctionCode, wakeFunctionName } from "../components/wakePage";
import { DEFAULT_PROXY_IMAGE, MIN_PASSCODE_LENGTH } from "../config/demo";
import * as handler from "../functions/wake/handler";
import { estimate } from "../scripts/plan/cost";
import { evaluateStack, json, type Evaluation, type Recorded } from "./support/harness";

const T = {
  instance: "aws:ec2/instance:Instance",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  role: "aws:iam/role:Role",
  param: "aws:ssm/parameter:Parameter",
  fn: "aws:lambda/function:Function",
  url: "aws:lambda/functionUrl:FunctionUrl",
  permission: "aws:lambda/permission:Permission",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  wake: "ferry:demo:WakePage",
} as const;
const ACCOUNT = "108782059508";
const REGION = "eu-central-1";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
}
interface CloudConfig {
  write_files: { path: string; content: string }[];
}

const userData = (e: Evaluation) =>
  gunzipSync(Buffer.from(String(e.one(T.instance).inputs.userDataBase64), "base64")).toString("utf8");
const file = (e: Evaluation, p: string) =>
  (parseYaml(userData(e)) as CloudConfig).write_files.find((f) => f.path === p)!.content;
const startScript = (e: Evaluation) => file(e, "/usr/local/bin/ferry-start");
const statements = (r: Recorded) => json<{ Statement: Statement[] }>(r.inputs.policy, r.name).Statement;
/** Resources under the WakePage component. */
const wakeChildren = (e: Evaluation, type: string) => {
  const wake = e.one(T.wake);
  return e.resources.filter((r) => r.type === type && r.parent === wake.urn);
};

describe("sharing the demo: Pulumi.demo.yaml", () => {
  let e: Evaluation;
  before(async () => {
    e = await evaluateStack("demo");
  });

  describe("HTTPS on the constant name", () => {
    it("is on by default with ferry:dns: the start script runs the proxy for demo.rusbehabtahi.com", () => {
      const script = startScript(e);
      assert.match(script, /^HTTPS='true'$/m);
      assert.match(script, new RegExp(`^PROXY_IMAGE='${DEFAULT_PROXY_IMAGE.replace(/[.]/g, "\\.")}'$`, "m"));
      assert.match(script, /^FQDN='demo\.rusbehabtahi\.com'$/m);
      assert.match(script, /^ACME_EMAIL=''$/m);
      assert.match(script, /^ACME_CA=''$/m, "production Let's Encrypt unless acmeStaging");
      assert.match(script, /^OPEN_HTTP='false'$/m);
      assert.match(DEFAULT_PROXY_IMAGE, /^public\.ecr\.aws\/docker\/library\/caddy:\d+\.\d+\.\d+-alpine$/);
    });

    it("the URL output is https://demo.<domain>, with no port", () => {
      assert.equal(e.outputs.url, "https://demo.rusbehabtahi.com");
    });

    it("the app port is closed to the internet; 443 from ingressCidrs; 80 from anywhere (redirect, ACME)", () => {
      const rules = e.ofType(T.ingress).map((r) => ({
        port: r.inputs.fromPort,
        to: r.inputs.toPort,
        cidr: r.inputs.cidrIpv4,
        protocol: r.inputs.ipProtocol,
      }));
      assert.ok(!rules.some((r) => r.port === 8501 || r.to === 8501), "no rule for the app port");
      assert.deepEqual(rules.map((r) => `${r.protocol}/${r.port}-${r.to} ${r.cidr}`).sort(), [
        "tcp/443-443 0.0.0.0/0",
        "tcp/80-80 0.0.0.0/0",
      ]);
    });

    it("e-mail and the staging CA reach the script when configured", async () => {
      const v = await evaluateStack("demo", {
        config: {
          "ferry:demo": {
            instanceType: "t3.medium",
            acmeEmail: "ops@rusbehabtahi.com",
            acmeStaging: true,
            proxyImage: "public.ecr.aws/docker/library/caddy:2.10.2",
          },
        },
      });
      const script = startScript(v);
      assert.match(script, /^ACME_EMAIL='ops@rusbehabtahi\.com'$/m);
      assert.equal(ACME_STAGING_CA, "https://acme-staging-v02.api.letsencrypt.org/directory");
      assert.ok(script.includes(`ACME_CA='${ACME_STAGING_CA}'`));
      assert.match(script, /^PROXY_IMAGE='public\.ecr\.aws\/docker\/library\/caddy:2\.10\.2'$/m);
    });

    it("https: false keeps the app port published and the URL on http with the port", async () => {
      const v = await evaluateStack("demo", { config: { "ferry:demo": { https: false } } });
      assert.match(startScript(v), /^HTTPS='false'$/m);
      assert.deepEqual(
        v.ofType(T.ingress).map((r) => r.inputs.fromPort),
        [8501],
      );
      assert.equal(v.outputs.url, "http://demo.rusbehabtahi.com:8501");
    });
  });

  describe("no dangling DNS: the record is parked at shutdown", () => {
    it("a second unit runs `ferry-start --stop` as its ExecStop, before the network and Docker go down", () => {
      const unit = file(e, "/etc/systemd/system/ferry-park.service").split("\n");
      for (const line of [
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/bin/true",
        "ExecStop=/usr/local/bin/ferry-start --stop",
        "After=network-online.target docker.service",
        // Stops after ferry-app: a boot run still going cannot UPSERT the record after it was parked.
        "Before=ferry-app.service",
        "TimeoutStopSec=120",
        "WantedBy=multi-user.target",
      ])
        assert.ok(unit.includes(line), line);
      // Not an ExecStop of ferry-app: systemd skips ExecStop for a unit whose start failed.
      assert.ok(!file(e, "/etc/systemd/system/ferry-app.service").includes("ExecStop"));
    });

    it("the parked value is TEST-NET-1, the record's placeholder", () => {
      assert.match(startScript(e), /^PARK_IP='192\.0\.2\.1'$/m);
    });

    it("the instance may DELETE and CREATE only its own A record (the park is one conditional batch)", () => {
      const policy = statements(e.one(T.rolePolicy, "ragstream-demo-policy"));
      const dns = policy.find((s) => s.Sid === "DnsRecord")!;
      assert.deepEqual(dns.Condition, {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["demo.rusbehabtahi.com"],
          "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
          "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE", "CREATE"],
        },
      });
    });
  });

  describe("boot progress: the instance tags itself", () => {
    it("may write the ferry:status and ferry:address tags on its own instance ARN and nothing else", () => {
      const grant = e.one(T.rolePolicy, "ragstream-demo-status");
      const instance = e.one(T.instance);
      assert.equal(grant.inputs.role, e.one(T.role, "ragstream-demo-role").state.name);
      assert.deepEqual(statements(grant), [
        {
          Sid: "OwnStatusTag",
          Effect: "Allow",
          Action: ["ec2:CreateTags"],
          Resource: [instance.state.arn],
          Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["ferry:status", "ferry:address"] } },
        },
      ]);
      assert.match(String(instance.state.arn), new RegExp(`^arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-`));
    });

    it("the provider ignores the run-time tags, so neither `pulumi up` nor a refresh fights over them", () => {
      const provider = e.one("pulumi:providers:aws");
      const ignore = json<{ keys: string[] }>(provider.inputs.ignoreTags, "ignoreTags");
      assert.deepEqual(ignore.keys, [
        "ferry:status",
        "ferry:wake-starts",
        "ferry:address",
        "ferry:wake-lockout",
      ]);
      assert.deepEqual([...RUNTIME_TAGS], [STATUS_TAG, WAKE_STARTS_TAG, ADDRESS_TAG, WAKE_LOCKOUT_TAG]);
    });

    it("the handler reads the very tags the instance and the program use", () => {
      assert.equal(handler.STATUS_TAG, STATUS_TAG);
      assert.equal(handler.WAKE_STARTS_TAG, WAKE_STARTS_TAG);
    });
  });

  describe("the wake page", () => {
    it("is a Node.js 22 arm64 function with the instance, the URL, the limit and the idle minutes in its env", () => {
      const fn = e.one(T.fn, "wake");
      assert.equal(fn.parent, e.one(T.wake).urn);
      assert.deepEqual(
        [fn.inputs.name, fn.inputs.runtime, fn.inputs.handler, fn.inputs.architectures, fn.inputs.memorySize],
        ["ragstream-demo-wake", WAKE_RUNTIME, "index.handler", ["arm64"], 128],
      );
      assert.equal(WAKE_RUNTIME, "nodejs22.x");
      assert.equal(fn.inputs.timeout, 15);
      assert.deepEqual(fn.inputs.environment.variables, {
        INSTANCE_ID: e.one(T.instance).state.id,
        DEMO_URL: "https://demo.rusbehabtahi.com",
        DAILY_START_LIMIT: "3",
        APP_NAME: "ragstream",
        IDLE_STOP_MINUTES: "60",
      });
      assert.equal(wakeFunctionName("ragstream-demo"), "ragstream-demo-wake");
      // The settings the function will parse are valid ones.
      const settings = handler.readSettings(fn.inputs.environment.variables);
      assert.equal(settings.dailyStartLimit, 3);
      assert.equal(settings.passcodeParameter, undefined);
    });

    it("ships functions/wake/handler.ts transpiled to one CommonJS index.js that exports the handler", async () => {
      const code = e.one(T.fn, "wake").inputs.code as pulumi.asset.AssetArchive;
      const assets = await code.assets;
      assert.deepEqual(Object.keys(assets), ["index.js"]);
      const text = await (assets["index.js"] as pulumi.asset.StringAsset).text;
      assert.equal(text, wakeFunctionCode());
      assert.doesNotMatch(text, /^import /m, "no ES import left: Lambda loads index.js as CommonJS");
      const required: string[] = [];
      const mod = { exports: {} as Record<string, unknown> };
      vm.runInNewContext(text, {
        module: mod,
        exports: mod.exports,
        require: (id: string) => {
          required.push(id);
          return id.startsWith("node:") ? (require(id) as unknown) : {};
        },
        process,
      });
      assert.equal(typeof mod.exports.handler, "function");
      // Only what the Lambda runtime provides: Node built-ins and the AWS SDK v3.
      for (const id of required) assert.match(id, /^(node:|@aws-sdk\/client-(ec2|ssm)$)/, id);
    });

    it("a transpile error names the handler file", () => {
      assert.throws(
        () => wakeFunctionCode("const x: = 1;"),
        /functions\/wake\/handler\.ts does not transpile/,
      );
    });

    it("its role may start and tag (one key) only this instance, describe in this region, write its own logs", () => {
      const [role] = wakeChildren(e, T.role);
      assert.equal(role.inputs.name, "ragstream-demo-wake");
      assert.deepEqual(json(role.inputs.assumeRolePolicy, "trust").Statement, [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      const [policy] = wakeChildren(e, T.rolePolicy);
      assert.equal(policy.inputs.role, role.state.name);
      const instanceArn = e.one(T.instance).state.arn;
      const logGroup = e.one(T.logGroup, "wake");
      assert.deepEqual(statements(policy), [
        {
          Sid: "StartThisInstance",
          Effect: "Allow",
          Action: ["ec2:StartInstances"],
          Resource: [instanceArn],
        },
        {
          Sid: "CountStarts",
          Effect: "Allow",
          Action: ["ec2:CreateTags"],
          Resource: [instanceArn],
          Condition: {
            "ForAllValues:StringEquals": { "aws:TagKeys": ["ferry:wake-starts", "ferry:wake-lockout"] },
          },
        },
        {
          Sid: "ReadState",
          Effect: "Allow",
          Action: ["ec2:DescribeInstances"],
          Resource: ["*"],
          Condition: { StringEquals: { "aws:RequestedRegion": REGION } },
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`${logGroup.state.arn}:*`],
        },
      ]);
      assert.ok(!statements(policy).some((s) => s.Action.includes("ec2:StopInstances")));
      assert.ok(!statements(policy).some((s) => s.Action.some((a) => a.startsWith("ssm:"))), "no passcode");
    });

    it("its log group keeps 7 days and exists before the function; so do its permissions", () => {
      const logGroup = e.one(T.logGroup, "wake");
      assert.deepEqual(
        [logGroup.inputs.name, logGroup.inputs.retentionInDays],
        ["/aws/lambda/ragstream-demo-wake", 7],
      );
      const fn = e.one(T.fn, "wake");
      assert.equal(fn.inputs.loggingConfig.logGroup, logGroup.state.name);
      for (const r of [logGroup, ...wakeChildren(e, T.rolePolicy)])
        assert.ok(fn.dependencies.includes(r.urn), r.name);
    });

    it("the function URL is public (auth NONE) with exactly the two grants a URL needs since October 2025", () => {
      const url = e.one(T.url);
      const fn = e.one(T.fn, "wake");
      assert.deepEqual(
        [url.inputs.authorizationType, url.inputs.invokeMode, url.inputs.functionName],
        ["NONE", "BUFFERED", fn.state.name],
      );
      assert.equal(
        url.inputs.cors,
        undefined,
        "no CORS: browsers load the page itself, never call it cross-site",
      );
      const grants = wakeChildren(e, T.permission)
        .map((p) => ({
          action: p.inputs.action,
          principal: p.inputs.principal,
          fn: p.inputs.function,
          authType: p.inputs.functionUrlAuthType,
          viaUrl: p.inputs.invokedViaFunctionUrl,
        }))
        .sort((a, b) => String(a.action).localeCompare(String(b.action)));
      assert.deepEqual(grants, [
        {
          action: "lambda:InvokeFunction",
          principal: "*",
          fn: fn.state.name,
          authType: undefined,
          viaUrl: true,
        },
        {
          action: "lambda:InvokeFunctionUrl",
          principal: "*",
          fn: fn.state.name,
          authType: "NONE",
          viaUrl: undefined,
        },
      ]);
      assert.equal(e.outputs.wakeUrl, url.state.functionUrl);
    });

    it("the daily limit comes from config", async () => {
      const v = await evaluateStack("demo", {
        config: {
          "ferry:demo": {
            instanceType: "t3.medium",
            wake: { dailyStartLimit: 7 },
            idleStop: { minutes: 30 },
          },
        },
      });
      const vars = v.one(T.fn, "wake").inputs.environment.variables;
      assert.equal(vars.DAILY_START_LIMIT, "7");
      assert.equal(vars.IDLE_STOP_MINUTES, "30");
      const est = estimate({ resources: v.resources }, { region: REGION });
      const worst = est.scenarios.find((s) => s.id === "wake-limit")!;
      assert.equal(worst.instanceHours, 7 * 30 * 0.5, "7 starts a day × 30 days × 30 min");
    });

    it("a passcode from secret config is stored as a SecureString the function alone reads; never in plain text", async () => {
      const v = await evaluateStack("demo", {
        config: {
          "ferry:demo": { instanceType: "t3.medium", wake: { passcode: { fromConfig: "wakePasscode" } } },
          "ferry:wakePasscode": { secure: "v1:ciphertext" },
        },
      });
      const [param] = wakeChildren(v, T.param);
      assert.deepEqual(
        [param.inputs.name, param.inputs.type],
        ["/ferry/ragstream-demo/wake-passcode", "SecureString"],
      );
      assert.ok(SECRET_SIG in param.inputs.value, "the value stays a Pulumi secret");
      const value = "mock-secret-value-of-ferry:wakePasscode";
      assert.deepEqual(
        v.resources
          .filter((r) => JSON.stringify(r.inputs).includes(value) && !(r === param))
          .map((r) => r.name),
        [],
      );
      assert.ok(!JSON.stringify(v.outputs).includes(value));
      assert.equal(
        v.one(T.fn, "wake").inputs.environment.variables.PASSCODE_PARAMETER,
        "/ferry/ragstream-demo/wake-passcode",
      );
      const [policy] = wakeChildren(v, T.rolePolicy);
      assert.deepEqual(
        statements(policy).find((s) => s.Sid === "Passcode"),
        { Sid: "Passcode", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [param.state.arn] },
      );
    });

    it("an existing SSM parameter can hold the passcode instead, granted by its exact ARN", async () => {
      const v = await evaluateStack("demo", {
        config: {
          "ferry:demo": {
            instanceType: "t3.medium",
            wake: { passcode: { ssmParameter: "/ragstream/prod/WAKE_CODE" } },
          },
        },
      });
      assert.equal(wakeChildren(v, T.param).length, 0);
      assert.equal(
        v.one(T.fn, "wake").inputs.environment.variables.PASSCODE_PARAMETER,
        "/ragstream/prod/WAKE_CODE",
      );
      const [policy] = wakeChildren(v, T.rolePolicy);
      assert.deepEqual(statements(policy).find((s) => s.Sid === "Passcode")!.Resource, [
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ragstream/prod/WAKE_CODE`,
      ]);
    });

    it("without a domain it sends visitors to the instance's EC2 name of the moment, on the app port", async () => {
      const v = await evaluateStack("demo", { remove: ["ferry:dns"] });
      assert.equal(v.one(T.fn, "wake").inputs.environment.variables.DEMO_URL, "http://{publicDnsName}:8501");
      assert.equal(handler.DNS_PLACEHOLDER, "{publicDnsName}");
    });

    it("enabled: false removes it; no wake block means no wake page", async () => {
      for (const demo of [
        { instanceType: "t3.medium", wake: { enabled: false } },
        { instanceType: "t3.medium" },
      ]) {
        const v = await evaluateStack("demo", { config: { "ferry:demo": demo } });
        assert.equal(v.ofType(T.wake).length, 0);
        assert.equal(v.ofType(T.url).length, 0);
        assert.equal(v.outputs.wakeUrl, undefined);
      }
    });

    it("reserves (and so caps) its concurrency: 2 by default, from config, or none with false", async () => {
      assert.equal(e.one(T.fn, "wake").inputs.reservedConcurrentExecutions, 2);
      const four = await evaluateStack("demo", {
        config: { "ferry:demo": { instanceType: "t3.medium", wake: { reservedConcurrency: 4 } } },
      });
      assert.equal(four.one(T.fn, "wake").inputs.reservedConcurrentExecutions, 4);
      const none = await evaluateStack("demo", {
        config: { "ferry:demo": { instanceType: "t3.medium", wake: { reservedConcurrency: false } } },
      });
      assert.equal(none.one(T.fn, "wake").inputs.reservedConcurrentExecutions, undefined);
    });

    it("the handler's own constants match the program's (tags, passcode length, URL placeholder)", () => {
      assert.equal(handler.WAKE_LOCKOUT_TAG, WAKE_LOCKOUT_TAG);
      assert.equal(handler.MIN_PASSCODE_LENGTH, MIN_PASSCODE_LENGTH);
      assert.equal(handler.DNS_PLACEHOLDER, PUBLIC_DNS_TOKEN);
    });

    it("the plan prices it and shows the most it can run the demo", () => {
      const est = estimate({ resources: e.resources }, { region: REGION });
      assert.deepEqual(
        est.scenarios.map((s) => [s.id, s.instanceHours]),
        [
          ["stopped", 0],
          ["running", 20],
          ["wake-limit", 90],
        ],
      );
      const items = est.lines.map((l) => l.item);
      assert.ok(items.some((i) => i.startsWith("Lambda requests")));
      assert.ok(items.some((i) => /^Lambda duration of \S+, arm64 128 MB/.test(i)));
      assert.ok(items.some((i) => i.startsWith("CloudWatch Logs ingestion, Lambda log groups")));
      assert.deepEqual(est.notPriced, []);
      const free = est.free.map((f) => f.group);
      assert.ok(free.includes("Lambda function URL") && free.includes("Lambda permissions"));
    });
  });
});
