// Every committed Pulumi.<stack>.yaml (and every fixture stack under test/fixtures) is evaluated with the real
// program under mocks; these tests assert what all stacks share (S1–S8): provider, tags, account pin, registry,
// image build, secrets, DNS, outputs. Each expectation comes from the stack's own config as the config gate
// reads it (defaults included), never from the committed files' values, so any valid stack file a user adds
// passes them.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { parseConfig, type FerryConfig } from "../config";
import {
  ROOT,
  evaluateStack,
  json,
  stackConfig,
  stackFilePath,
  stackFiles,
  type Evaluation,
  type Recorded,
} from "./support/harness";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Paths (in any resource's inputs) where `needle` appears outside a Pulumi secret. */
export function plaintextOccurrences(resources: Recorded[], needle: string): string[] {
  const hits: string[] = [];
  const walk = (v: unknown, where: string) => {
    if (typeof v === "string") {
      if (v.includes(needle)) hits.push(where);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === "object") {
      if (SECRET_SIG in v) return; // a secret: encrypted in state, masked in output
      for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    }
  };
  for (const r of resources) walk(r.inputs, `${r.type}(${r.name})`);
  return hits;
}

const STACKS = stackFiles();

/** The stack's config as the program's config gate reads it: every default filled in. */
export function parsedConfig(stack: string): FerryConfig {
  return parseConfig(stackConfig(stack).config, {
    project: "ferry",
    stack,
    projectRoot: ROOT,
    readSecret: (key) => pulumi.output(`mock-secret-value-of-${key}`),
  });
}

describe("committed stack files", () => {
  it("include the demo and prod stacks", () => {
    assert.ok(STACKS.includes("demo") && STACKS.includes("prod"), STACKS.join(", "));
  });

  it("Pulumi.yaml declares only schema types Pulumi accepts (string, boolean, integer, array)", () => {
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      name: string;
      runtime: { name: string };
      config: Record<string, { type?: string; description?: string }>;
    };
    assert.strictEqual(project.name, "ferry");
    assert.strictEqual(project.runtime.name, "nodejs");
    for (const [key, decl] of Object.entries(project.config)) {
      assert.ok(
        ["string", "boolean", "integer", "array"].includes(String(decl.type)),
        `${key}: type ${decl.type}`,
      );
      assert.ok(decl.description, `${key} has a description`);
    }
  });

  it("keep secret values out of plain text: a secret-looking value is only ever `secure:` ciphertext", () => {
    for (const stack of STACKS) {
      const text = fs.readFileSync(stackFilePath(stack), "utf8");
      assert.doesNotMatch(text, /(sk-[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})/, stack);
    }
  });
});

for (const stack of STACKS) {
  describe(`stack ${stack}: shared resources`, function () {
    let e: Evaluation;
    let config: Record<string, string>;
    before(async () => {
      e = await evaluateStack(stack);
      config = e.config;
    });

    it("uses one explicit AWS provider pinned to the stack's region and account, with default tags (S7)", () => {
      const provider = e.one("pulumi:providers:aws");
      assert.strictEqual(provider.inputs.region, config["aws:region"]);
      // Provider inputs travel as JSON strings.
      assert.deepStrictEqual(
        json(provider.inputs.allowedAccountIds, "allowedAccountIds"),
        JSON.parse(config["aws:allowedAccountIds"]),
      );
      const app = (JSON.parse(config["ferry:app"]) as { name: string }).name;
      assert.deepStrictEqual(json(provider.inputs.defaultTags, "defaultTags"), {
        tags: { app, stack, "managed-by": "ferry" },
      });
    });

    it("routes every AWS resource and every AWS lookup through that provider", () => {
      const provider = e.one("pulumi:providers:aws");
      for (const r of e.resources.filter((x) => x.custom && x.type.startsWith("aws:")))
        assert.ok(
          r.provider.startsWith(`${provider.urn}::`),
          `${r.type} ${r.name} uses ${r.provider || "the default provider"}`,
        );
      for (const c of e.calls.filter((x) => x.token.startsWith("aws:")))
        assert.ok(
          c.provider?.startsWith(`${provider.urn}::`),
          `${c.token} uses ${c.provider || "the default provider"}`,
        );
    });

    it("gives every resource a parent, except the provider and the top-level components", () => {
      for (const r of e.resources) {
        if (r.type.startsWith("pulumi:providers:")) continue;
        if (!r.parent)
          assert.ok(!r.custom && r.type.startsWith("ferry:"), `${r.type} ${r.name} has no parent`);
      }
    });

    it("creates the ECR repository with scan on push and the keep-N lifecycle policy (S1)", () => {
      // ferry:registry.name defaults to the app name, keepImages to 10: the parsed config carries both.
      const { registry } = parsedConfig(stack);
      const repo = e.one("aws:ecr/repository:Repository");
      assert.strictEqual(repo.inputs.name, registry.name);
      assert.deepStrictEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
      const lifecycle = json(e.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy, "lifecycle");
      assert.strictEqual(lifecycle.rules[1].selection.countNumber, registry.keepImages);
    });

    it("builds for the configured platform, pushes the source tag and latest, and deploys the digest (S2)", () => {
      const image = e.one("docker-build:index:Image");
      const repoUrl = e.one("aws:ecr/repository:Repository").state.repositoryUrl as string;
      const parsed = parsedConfig(stack).image;
      assert.strictEqual(parsed.kind, "build");
      assert.deepStrictEqual(image.inputs.platforms, [parsed.platform]);
      assert.strictEqual(image.inputs.push, true);
      assert.strictEqual(image.inputs.tags.length, 2);
      assert.match(
        image.inputs.tags[0],
        new RegExp(`^${repoUrl}:([0-9a-f]{12}(-dirty-[0-9a-f]{6})?|ctx-[0-9a-f]{12})$`),
      );
      assert.strictEqual(image.inputs.tags[1], `${repoUrl}:latest`);
      const context = (JSON.parse(config["ferry:image"] ?? "{}") as { context?: string }).context ?? "./app";
      assert.deepStrictEqual(
        image.inputs.context,
        { location: path.relative(ROOT, path.resolve(ROOT, context)) },
        "relative to the project, same on every machine",
      );
      assert.deepStrictEqual(image.inputs.cacheTo, [
        { registry: { ref: `${repoUrl}:buildcache`, imageManifest: true, ociMediaTypes: true, mode: "max" } },
      ]);
      assert.match(String(e.outputs.imageDigest), /^sha256:[0-9a-f]{64}$/);
      assert.strictEqual(e.outputs.imageRef, `${repoUrl}@${String(e.outputs.imageDigest)}`);
    });

    it("never puts a secret's value in plain text into any resource input (S4)", () => {
      for (const [key, value] of Object.entries(e.config))
        if (value.startsWith("mock-secret-value-of-"))
          assert.deepStrictEqual(plaintextOccurrences(e.resources, value), [], key);
    });
  });
}

describe("shared components across variants", () => {
  it("stores a secret from encrypted config as an SSM SecureString for the demo, never in plain text (S4)", async () => {
    const e = await evaluateStack("demo", {
      config: {
        "ferry:app": { name: "ragstream", secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } },
        "ferry:openaiApiKey": { secure: "v1:ciphertext" },
      },
    });
    const param = e
      .ofType("aws:ssm/parameter:Parameter")
      .find((p) => p.inputs.name === "/ragstream-demo/OPENAI_API_KEY");
    assert.ok(param, "parameter /ragstream-demo/OPENAI_API_KEY");
    assert.strictEqual(param.inputs.type, "SecureString");
    assert.ok(SECRET_SIG in param.inputs.value, "value is a secret");
    assert.deepStrictEqual(plaintextOccurrences(e.resources, "mock-secret-value-of-ferry:openaiApiKey"), []);
  });

  it("stores a secret from encrypted config in Secrets Manager for Fargate, and references existing ones by exact ARN", async () => {
    const e = await evaluateStack("prod", {
      config: {
        "ferry:app": {
          name: "vibejudge",
          secrets: {
            JWT_SECRET: { fromConfig: "jwtSecret" },
            GROQ_API_KEY: { secretsManager: "carepolicy-hub/groq-api-key" },
          },
        },
        "ferry:jwtSecret": { secure: "v1:ciphertext" },
      },
    });
    const secret = e.one("aws:secretsmanager/secret:Secret");
    assert.strictEqual(secret.inputs.namePrefix, "vibejudge-prod/JWT_SECRET-");
    const version = e.one("aws:secretsmanager/secretVersion:SecretVersion");
    assert.ok(SECRET_SIG in version.inputs.secretString, "secretString is a secret");
    const lookup = e.calls.find((c) => c.token === "aws:secretsmanager/getSecret:getSecret");
    assert.deepStrictEqual(lookup?.inputs, { name: "carepolicy-hub/groq-api-key" });
    assert.deepStrictEqual(plaintextOccurrences(e.resources, "mock-secret-value-of-ferry:jwtSecret"), []);
  });

  it("deploys an existing ECR image by tag pinned to its digest, without building (S3)", async () => {
    const uri = "108782059508.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web:ci-build-7";
    const e = await evaluateStack("demo", { config: { "ferry:image": { uri } } });
    assert.strictEqual(e.ofType("docker-build:index:Image").length, 0);
    const lookup = e.calls.find((c) => c.token === "aws:ecr/getImage:getImage");
    assert.deepStrictEqual(lookup?.inputs, {
      registryId: "108782059508",
      repositoryName: "ragstream-web",
      imageTag: "ci-build-7",
    });
    assert.match(
      String(e.outputs.imageRef),
      /^108782059508\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/ragstream-web@sha256:[0-9a-f]{64}$/,
    );
  });

  it("deploys an existing image by digest exactly as given", async () => {
    const uri = `ghcr.io/acme/app@sha256:${"b".repeat(64)}`;
    const e = await evaluateStack("demo", { config: { "ferry:image": { uri } } });
    assert.strictEqual(e.outputs.imageRef, uri);
    assert.strictEqual(e.outputs.imageDigest, `sha256:${"b".repeat(64)}`);
  });

  it("an unchanged build keeps its digest across evaluations, so nothing rolls out (S2)", async () => {
    const a = await evaluateStack("demo");
    const b = await evaluateStack("demo", { fresh: true });
    assert.strictEqual(a.outputs.imageDigest, b.outputs.imageDigest);
  });

  it("looks up the hosted zone by domain and creates no DNS resources without a domain (S5)", async () => {
    const withDns = await evaluateStack("demo");
    assert.deepStrictEqual(withDns.calls.find((c) => c.token === "aws:route53/getZone:getZone")?.inputs, {
      name: "rusbehabtahi.com",
      privateZone: false,
    });
    const without = await evaluateStack("demo", { remove: ["ferry:dns"] });
    assert.strictEqual(without.calls.filter((c) => c.token.startsWith("aws:route53/")).length, 0);
    assert.strictEqual(without.ofType("ferry:dns:Dns").length, 0);
    assert.strictEqual(without.resources.filter((r) => r.type.startsWith("aws:acm/")).length, 0);
  });

  it("issues a DNS-validated certificate in the stack's region with a create timeout for Fargate with a domain (S5)", async () => {
    const e = await evaluateStack("prod", {
      config: { "ferry:dns": { domain: "example.com", record: "dashboard" } },
    });
    const cert = e.one("aws:acm/certificate:Certificate");
    assert.deepStrictEqual(
      [cert.inputs.domainName, cert.inputs.validationMethod],
      ["dashboard.example.com", "DNS"],
    );
    const record = e.one("aws:route53/record:Record", "cert-validation");
    assert.strictEqual(record.inputs.type, "CNAME");
    assert.match(record.inputs.name, /\.dashboard\.example\.com\.$/);
    const validation = e.one("aws:acm/certificateValidation:CertificateValidation");
    assert.strictEqual(validation.options.customTimeouts.create, "45m");
    assert.deepStrictEqual(validation.inputs.validationRecordFqdns, [record.state.fqdn]);
    assert.ok(
      cert.provider.startsWith(`${e.one("pulumi:providers:aws").urn}::`),
      "certificate in the stack's region",
    );
  });

  it("reads the config exactly as `pulumi config` stores it (every value a string)", () => {
    const { config } = stackConfig("demo");
    for (const v of Object.values(config)) assert.strictEqual(typeof v, "string");
  });
});
