// S6/S7: the whole stack config is validated before any resource exists, with one message that names the
// key, the value and what is expected.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, type FerryConfig } from "../config";
import { cidrProblem, domainProblem } from "../config/fields";
import { suggest } from "../config/errors";
import { BAD_CASES, type BadCase } from "./configCases";
import { ROOT, evaluateStack, stackConfig } from "./support/harness";

function rawFor(c: Pick<BadCase, "stack" | "set" | "remove" | "merge">): Record<string, string> {
  const raw = { ...stackConfig(c.stack).config };
  for (const [k, v] of Object.entries(c.set ?? {})) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
  for (const k of c.remove ?? []) delete raw[k];
  for (const [k, v] of Object.entries(c.merge ?? {}))
    raw[k] = JSON.stringify({ ...(JSON.parse(raw[k] ?? "{}") as object), ...v });
  return raw;
}

function parse(raw: Record<string, string>, stack = "demo"): FerryConfig {
  return parseConfig(raw, {
    project: "ferry",
    stack,
    projectRoot: ROOT,
    readSecret: (key) => pulumi.secret(`value-of-${key}`),
  });
}

describe("config validation: bad values stop the preview with one exact message", () => {
  it("covers at least 30 bad configs", () => assert.ok(BAD_CASES.length >= 30, `${BAD_CASES.length} cases`));

  for (const c of BAD_CASES) {
    it(`${c.stack}: ${c.title}`, () => {
      assert.throws(
        () => parse(rawFor(c), c.stack),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
          assert.strictEqual(e.message, c.message);
          return true;
        },
      );
    });
  }

  it("reports every problem at once, one per line", () => {
    const raw = rawFor({ stack: "demo", merge: { "ferry:app": { port: 0, name: "X" } } });
    assert.throws(() => parse(raw), {
      message:
        "Invalid stack config (2 problems):\n" +
        '  - ferry:app.name: got "X", expected a name of 2-40 lower-case letters, digits and hyphens, starting with a letter\n' +
        "  - ferry:app.port: got 0, expected a port number: an integer from 1 to 65535",
    });
  });

  it("declares no resource at all when the config is invalid (nothing half-applied)", async () => {
    let registered = -1;
    await assert.rejects(
      evaluateStack("demo", { config: { "ferry:topology": "ec2" } }).then(
        (e) => (registered = e.resources.length),
      ),
      {
        message:
          'Invalid stack config in Pulumi.demo.yaml: ferry:topology: got "ec2", expected "ec2-demo" or "fargate-ha"; did you mean "ec2-demo"?',
      },
    );
    assert.strictEqual(registered, -1);
  });
});

describe("config parsing: defaults and typed values", () => {
  it("applies documented defaults for the demo stack", () => {
    const cfg = parse(stackConfig("demo").config);
    assert.strictEqual(cfg.topology, "ec2-demo");
    assert.strictEqual(cfg.aws.region, "eu-central-1");
    assert.deepStrictEqual(cfg.aws.allowedAccountIds, ["108782059508"]);
    assert.strictEqual(cfg.registry.name, "ragstream-web");
    assert.strictEqual(cfg.registry.keepImages, 10);
    assert.deepStrictEqual(cfg.dns, {
      domain: "rusbehabtahi.com",
      record: "demo",
      fqdn: "demo.rusbehabtahi.com",
    });
    assert.strictEqual(cfg.fargate, undefined);
    assert.ok(cfg.demo, "demo block present for ec2-demo");
    assert.deepStrictEqual(cfg.app.secrets, [
      {
        envName: "OPENAI_API_KEY",
        kmsKeyArn: undefined,
        source: { kind: "ssm", name: "/ragstream/prod/OPENAI_API_KEY" },
      },
    ]);
    assert.deepStrictEqual(cfg.image, {
      kind: "build",
      context: path.join(ROOT, "app"),
      dockerfile: path.join(ROOT, "app", "Dockerfile"),
      platform: "linux/amd64",
      buildArgs: {},
      target: undefined,
      buildOnPreview: true,
    });
    assert.deepStrictEqual(cfg.tags, { app: "ragstream", stack: "demo", "managed-by": "ferry" });
  });

  it("applies Fargate defaults (2 tasks, 2-10, 70 % CPU, 60/300 s, base 1 on FARGATE)", () => {
    const raw = rawFor({ stack: "prod" });
    delete raw["ferry:fargate"];
    const f = parse(raw, "prod").fargate!;
    assert.deepStrictEqual(
      [f.desiredCount, f.minCount, f.maxCount, f.cpuTarget, f.scaleOutCooldown, f.scaleInCooldown],
      [2, 2, 10, 70, 60, 300],
    );
    assert.deepStrictEqual(f.capacity, { onDemandBase: 1, onDemandWeight: 0, spotWeight: 1 });
  });

  it("passes numbers and booleans in env as strings (DEBUG: false, PORT: 5001)", () => {
    const cfg = parse(
      rawFor({ stack: "prod", merge: { "ferry:app": { env: { DEBUG: false, PORT: 5001 } } } }),
      "prod",
    );
    assert.deepStrictEqual(cfg.app.env, { DEBUG: "false", PORT: "5001" });
  });

  it('"@" puts the record at the zone apex', () => {
    const cfg = parse(rawFor({ stack: "demo", merge: { "ferry:dns": { record: "@" } } }));
    assert.strictEqual(cfg.dns?.fqdn, "rusbehabtahi.com");
  });

  it("defaults the record name to the app name", () => {
    const cfg = parse(rawFor({ stack: "demo", set: { "ferry:dns": { domain: "example.com" } } }));
    assert.strictEqual(cfg.dns?.fqdn, "ragstream.example.com");
  });

  it("keeps a secret from stack config an Output secret, and does not flag its key as unknown", async () => {
    const raw = rawFor({
      stack: "demo",
      merge: { "ferry:app": { secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } } },
    });
    raw["ferry:openaiApiKey"] = "sk-live-not-in-plain-text";
    const cfg = parseConfig(raw, {
      project: "ferry",
      stack: "demo",
      projectRoot: ROOT,
      readSecret: (key) => pulumi.secret(`value-of-${key}`),
      isSecret: (key) => key === "ferry:openaiApiKey",
    });
    const src = cfg.app.secrets[0].source;
    assert.strictEqual(src.kind, "config");
    if (src.kind !== "config") return;
    assert.strictEqual(await pulumi.isSecret(src.value), true);
  });

  it("accepts an existing image by digest instead of a build", () => {
    const uri = `108782059508.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web@sha256:${"a".repeat(64)}`;
    const cfg = parse(rawFor({ stack: "demo", set: { "ferry:image": { uri } } }));
    assert.deepStrictEqual(cfg.image, { kind: "existing", uri });
  });
});

describe("config field helpers", () => {
  it("accepts canonical CIDRs and names the canonical form otherwise", () => {
    assert.strictEqual(cidrProblem("0.0.0.0/0"), undefined);
    assert.strictEqual(cidrProblem("10.0.0.0/16"), undefined);
    assert.strictEqual(cidrProblem("198.51.100.7/32"), undefined);
    assert.strictEqual(cidrProblem("10.1.2.3/8"), 'a CIDR with the host bits zero ("10.0.0.0/8")');
    assert.strictEqual(cidrProblem("256.0.0.0/8"), 'an IPv4 CIDR such as "203.0.113.0/24"');
    assert.strictEqual(cidrProblem("10.0.0.0"), 'an IPv4 CIDR such as "203.0.113.0/24"');
  });

  it("accepts domains and rejects schemes, trailing dots, upper case and bad labels", () => {
    for (const ok of ["example.com", "rusbehabtahi.com", "a-b.example.co.uk"])
      assert.strictEqual(domainProblem(ok), undefined, ok);
    for (const bad of ["Example.com", "example.com.", "-a.com", "a..com", "http://a.com", "a.c0m"])
      assert.notStrictEqual(domainProblem(bad), undefined, bad);
  });

  it("suggests the nearest known key for typos, and nothing for unrelated words", () => {
    assert.strictEqual(suggest("healthpath", ["port", "healthPath"]), "healthPath");
    assert.strictEqual(suggest("instanceTyp", ["instanceType", "subnetId"]), "instanceType");
    assert.strictEqual(suggest("replicas", ["name", "port", "env"]), undefined);
  });
});
