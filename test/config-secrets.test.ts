// Secrets through the config gate: a value set with `pulumi config set --secret --path 'ferry:app.env.X'`
// stays a secret end to end (stored as a secret, referenced by user-data and the task definition, never in
// them); fromConfig plans offline with a marked stand-in; no refusal ever echoes a secret value; and the
// valid inputs the gate once refused (a new region, a dotted stack name, Graviton a1) plan.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { gunzipSync } from "fflate";
import { ConfigError, offlineStandIn, parseConfig } from "../config";
import { looksSecret } from "../config/secrets";
import { parseStackFile } from "../config/yaml";
import { foldingClashes, stackOfFileName } from "../config/stackNames";
import { demoFile, withStackFiles } from "./config-gate.test";
import { ROOT, evaluateStack, stackConfig, type Evaluation } from "./support/harness";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** True when `needle` appears in plain text anywhere in the inputs (inside a secret wrapper does not count). */
function inPlainText(v: unknown, needle: string): boolean {
  if (typeof v === "string") return v.includes(needle);
  if (Array.isArray(v)) return v.some((x) => inPlainText(x, needle));
  if (v && typeof v === "object")
    return !(SECRET_SIG in v) && Object.values(v).some((x) => inPlainText(x, needle));
  return false;
}

function userDataText(e: Evaluation): string {
  const b64 = e.one("aws:ec2/instance:Instance").inputs.userDataBase64 as string;
  return Buffer.from(gunzipSync(Buffer.from(b64, "base64"))).toString("utf8");
}

/** The demo stack file as `pulumi config set --secret --path 'ferry:app.env.LICENSE_KEY' …` leaves it. */
const NESTED_SECRET_DEMO = demoFile(`    env:
      LOG_LEVEL: info
      LICENSE_KEY:
        secure: v1:ZmVycnk=
`);
const NESTED_SECRET_PROD = `config:
  aws:region: us-east-1
  aws:allowedAccountIds: ["123456789012"]
  ferry:topology: fargate-ha
  ferry:app:
    name: vibejudge
    env:
      LOG_LEVEL: info
      LICENSE_KEY:
        secure: v1:ZmVycnk=
  ferry:fargate:
    containerInsights: disabled
`;

describe("secrets: a nested --secret --path env value stays secret end to end", () => {
  const standIn = offlineStandIn("ferry:app.env.LICENSE_KEY");

  it("demo: stored as an SSM SecureString (secret input), referenced by user-data, never in it", () =>
    withStackFiles({ "gate-nested": NESTED_SECRET_DEMO }, async (dir) => {
      const e = await evaluateStack("gate-nested", { dir });
      const param = e
        .ofType("aws:ssm/parameter:Parameter")
        .find((p) => p.inputs.name === "/ragstream-gate-nested/LICENSE_KEY");
      assert.ok(param, "an SSM parameter for the nested secret");
      assert.equal(param.inputs.type, "SecureString");
      assert.ok(SECRET_SIG in param.inputs.value, "the parameter's value is a Pulumi secret");
      const userData = userDataText(e);
      assert.ok(
        userData.includes("LICENSE_KEY=ssm:/ragstream-gate-nested/LICENSE_KEY"),
        "user-data names the parameter",
      );
      assert.ok(userData.includes("LOG_LEVEL=info"), "the plain value stays a plain env value");
      assert.deepEqual(
        e.resources.filter((r) => inPlainText(r.inputs, standIn)).map((r) => r.name),
        [],
      );
      assert.ok(!userData.includes(standIn));
    }));

  it("fargate: stored in Secrets Manager (secret input), injected by ECS, never in the task definition", () =>
    withStackFiles({ "gate-nested-f": NESTED_SECRET_PROD }, async (dir) => {
      const e = await evaluateStack("gate-nested-f", { dir });
      const version = e.one("aws:secretsmanager/secretVersion:SecretVersion");
      assert.ok(SECRET_SIG in version.inputs.secretString, "the secret's value is a Pulumi secret");
      const defs = JSON.parse(
        e.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions as string,
      );
      assert.deepEqual(
        defs[0].secrets.map((s: { name: string }) => s.name),
        ["LICENSE_KEY"],
      );
      assert.deepEqual(
        defs[0].environment.map((v: { name: string }) => v.name),
        ["LOG_LEVEL"],
      );
      assert.deepEqual(
        e.resources.filter((r) => inPlainText(r.inputs, standIn)).map((r) => r.name),
        [],
      );
    }));

  it("the same through a test override (the engine's stand-in names its own path)", async () => {
    const app = JSON.parse(stackConfig("demo").config["ferry:app"]) as Record<string, unknown>;
    const e = await evaluateStack("demo", {
      config: { "ferry:app": { ...app, env: { LICENSE_KEY: { secure: "v1:x" }, MODE: "demo" } } },
    });
    const param = e
      .ofType("aws:ssm/parameter:Parameter")
      .find((p) => p.inputs.name === "/ragstream-demo/LICENSE_KEY");
    assert.ok(param && SECRET_SIG in param.inputs.value);
    assert.ok(userDataText(e).includes("MODE=demo"), "MODE stays plain: only the secure value moved");
  });

  it("the value Pulumi hands the program is an Output secret (parseConfig with the runtime's marking)", async () => {
    const file = parseStackFile("Pulumi.x.yaml", NESTED_SECRET_DEMO);
    const raw = { ...stackConfig("demo").config };
    raw["ferry:app"] = JSON.stringify({
      name: "ragstream",
      env: { LOG_LEVEL: "info", LICENSE_KEY: "real-license" },
    });
    const cfg = parseConfig(raw, {
      project: "ferry",
      stack: "x",
      projectRoot: ROOT,
      readSecret: (k) => pulumi.secret(k),
      isSecret: (k) => k === "ferry:app",
      stackFile: file,
    });
    assert.deepEqual(cfg.app.env, { LOG_LEVEL: "info" });
    const spec = cfg.app.secrets.find((s) => s.envName === "LICENSE_KEY");
    assert.ok(spec && spec.source.kind === "config");
    if (spec.source.kind !== "config") return;
    assert.equal(await pulumi.isSecret(spec.source.value), true);
  });
});

describe("secrets: fromConfig plans offline with a marked stand-in", () => {
  it("an unset fromConfig key plans with a warning; parseConfig outside the offline engine still refuses it", async () => {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (m: string) => (
      warnings.push(m),
      Promise.resolve()
    );
    let e: Evaluation;
    try {
      e = await evaluateStack("demo", {
        config: {
          "ferry:app": { name: "ragstream", secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } },
        },
      });
    } finally {
      (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
    }
    const param = e
      .ofType("aws:ssm/parameter:Parameter")
      .find((p) => p.inputs.name === "/ragstream-demo/OPENAI_API_KEY");
    assert.ok(param && SECRET_SIG in param.inputs.value);
    assert.equal(param.inputs.value.value, offlineStandIn("ferry:openaiApiKey"));
    assert.ok(
      warnings.some((w) => w.includes('"ferry:openaiApiKey" is not set; planned offline with the stand-in')),
      warnings.join("\n"),
    );
    assert.throws(
      () =>
        parseConfig(
          {
            ...stackConfig("demo").config,
            "ferry:app": JSON.stringify({ name: "ragstream", secrets: { K: { fromConfig: "k" } } }),
          },
          { project: "ferry", stack: "demo", projectRoot: ROOT, readSecret: (k) => pulumi.secret(k) },
        ),
      /config key "ferry:k" is not set; expected it set with: pulumi config set --secret k <value>/,
    );
  });
});

describe("secrets: no refusal echoes a secret value", () => {
  // Assembled at run time, so secret scanners do not flag test fixtures as leaked credentials.
  const TOKEN = ["ghp", "R4nd0mL00k1ngT0k3nV4lu3Xy9Zq8Wv7Ut6"].join("_");
  const AWS_KEY = ["AKIA", "Z7Q3EXAMPLEKEY4PLAINTEXTVALUE"].join("");
  const raw = (change: (r: Record<string, string>) => void) => {
    const r = { ...stackConfig("prod").config };
    change(r);
    return r;
  };
  const app = (extra: Record<string, unknown>) =>
    JSON.stringify({ ...(JSON.parse(stackConfig("prod").config["ferry:app"]) as object), ...extra });
  const cases: { title: string; raw: Record<string, string>; secrets: string[] }[] = [
    {
      title: "a token under a secret-looking env name",
      raw: raw((r) => (r["ferry:app"] = app({ env: { API_TOKEN: TOKEN } }))),
      secrets: [TOKEN],
    },
    {
      title: "a token with a newline",
      raw: raw((r) => (r["ferry:app"] = app({ env: { NOTE: `${AWS_KEY}\n` } }))),
      secrets: [AWS_KEY],
    },
    {
      title: "a token as an e-mail",
      raw: raw((r) => (r["ferry:fargate"] = JSON.stringify({ alarms: { email: TOKEN } }))),
      secrets: [TOKEN],
    },
    {
      title: "a plain key fromConfig names",
      raw: raw(
        (r) => (
          (r["ferry:app"] = app({ secrets: { K: { fromConfig: "apiKey" } } })),
          (r["ferry:apiKey"] = "hunter2-plain-password")
        ),
      ),
      secrets: ["hunter2-plain-password"],
    },
    {
      title: "an unknown key holding a secret",
      raw: raw((r) => (r["ferry:openaiKey"] = TOKEN)),
      secrets: [TOKEN],
    },
    {
      title: "a secret block with a wrong value",
      raw: raw((r) => (r["ferry:app"] = app({ env: { X: ["not", "scalar", "pa55word-Secret-Value"] } }))),
      secrets: ["pa55word-Secret-Value"],
    },
  ];
  for (const c of cases)
    it(c.title, () => {
      assert.throws(
        () =>
          parseConfig(c.raw, {
            project: "ferry",
            stack: "prod",
            projectRoot: ROOT,
            readSecret: (k) => pulumi.secret(k),
            isSecret: (k) => k === "ferry:app" && c.title.startsWith("a secret block"),
            warn: () => undefined,
          }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          for (const s of c.secrets) assert.ok(!e.message.includes(s), e.message);
          return true;
        },
      );
    });

  it("positive control: a plain wrong value is echoed, so the check above can fail", () => {
    assert.throws(
      () =>
        parseConfig(
          raw((r) => (r["ferry:app"] = app({ port: 99999 }))),
          { project: "ferry", stack: "prod", projectRoot: ROOT, readSecret: (k) => pulumi.secret(k) },
        ),
      /got 99999/,
    );
  });

  it("recognises credentials, not ids", () => {
    for (const s of [
      TOKEN,
      AWS_KEY,
      "sk-proj-abcdefghijklmnop",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
      "Xy7pQ2mN9vR4tL8kW3zB5cD6",
    ])
      assert.ok(looksSecret(s), s);
    for (const s of [
      "subnet-0123456789abcdef0",
      "arn:aws:kms:us-east-1:123456789012:key/0123abcd",
      "https://Example.com/Path123abcXYZ",
      "/ragstream/prod/OPENAI_API_KEY",
      "vibejudge-dashboard",
      "108782059508",
    ])
      assert.ok(!looksSecret(s), s);
  });
});

describe("valid input the gate accepts", () => {
  it("stacks that fold alike in different accounts, regions or apps do not clash", () => {
    const self = {
      file: "Pulumi.DEMO.yaml",
      stack: "DEMO",
      appName: "shop",
      region: "eu-west-1",
      accounts: ["111111111111"],
    };
    const other = { ...self, file: "Pulumi.demo.yaml", stack: "demo" };
    assert.equal(foldingClashes(self, [other]).length, 1, "positive control: same app, account and region");
    assert.deepEqual(foldingClashes(self, [{ ...other, accounts: ["222222222222"] }]), []);
    assert.deepEqual(foldingClashes(self, [{ ...other, region: "eu-west-2" }]), []);
    assert.deepEqual(foldingClashes(self, [{ ...other, appName: "shop2" }]), []);
    assert.deepEqual(foldingClashes(self, [{ ...other, stack: "demo2", file: "Pulumi.demo2.yaml" }]), []);
  });

  it("a recently opened region (ap-southeast-6) plans", async () => {
    const e = await evaluateStack("demo", { config: { "aws:region": "ap-southeast-6" } });
    assert.equal(e.one("pulumi:providers:aws").inputs.region, "ap-southeast-6");
  });

  it("a Graviton a1 type with an arm64 image plans on an arm64 AMI", async () => {
    const base = JSON.parse(stackConfig("demo").config["ferry:demo"]) as object;
    const e = await evaluateStack("demo", {
      config: {
        "ferry:demo": { ...base, instanceType: "a1.large" },
        "ferry:image": { context: "./app", platform: "linux/arm64" },
      },
    });
    const ami = e.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
    assert.ok(JSON.stringify(ami?.inputs).includes("arm64"), JSON.stringify(ami?.inputs));
    assert.equal(e.one("aws:ec2/instance:Instance").inputs.instanceType, "a1.large");
  });

  it("aws:defaultTags reach every resource through the provider", async () => {
    const e = await evaluateStack("demo", { config: { "aws:defaultTags": { tags: { team: "web" } } } });
    assert.equal(e.one("pulumi:providers:aws").inputs.defaultTags.includes('"team":"web"'), true);
  });

  it("a stack name with a dot is a stack file, plans, and names its resources by the folded prefix", () =>
    withStackFiles({ "eu.staging": demoFile("") }, async (dir) => {
      assert.equal(stackOfFileName("Pulumi.eu.staging.yaml"), "eu.staging");
      const e = await evaluateStack("eu.staging", { dir });
      assert.ok(e.resources.some((r) => r.name.startsWith("ragstream-eu-staging")));
    }));

  it("a YAML error names the file, line and column with the line shown, and no stack trace", () =>
    withStackFiles(
      { "gate-bad": "config:\n  aws:region: [eu-central-1\n  ferry:topology: ec2-demo\n" },
      (dir) =>
        assert.rejects(evaluateStack("gate-bad", { dir }), (err: unknown) => {
          assert.ok(err instanceof ConfigError && pulumi.RunError.isInstance(err));
          assert.match(
            err.message,
            /^Invalid stack config: Pulumi\.gate-bad\.yaml:3:3: .*\n {2}3 \| {3}ferry:topology: ec2-demo\n {8}\^$/,
          );
          return true;
        }),
    ));
});
