// The JSON Schema of stack files (schema/ferry.schema.json) and the configuration reference
// (docs/configuration.md) are generated from the config schema and stay fresh; the JSON Schema accepts every
// committed and fixture stack file and refuses the bad configs it can express (a real validator: ajv).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import {
  configurationMarkdown,
  DOCS_FILE,
  EXAMPLES,
  MODELINE,
  SCHEMA_FILE,
  schemaText,
  stackFileSchema,
} from "../scripts/docs/config-reference";
import { BAD_CASES } from "./configCases";
import { GATE_CASES, type GateCase } from "./config-gate.test";
import { ROOT, stackFilePath, stackFiles } from "./support/harness";

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object);

function fixtureStackFiles(dir = path.join(ROOT, "test", "fixtures")): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return fixtureStackFiles(full);
    return /^Pulumi\.[A-Za-z0-9_.-]+\.yaml$/.test(d.name) ? [full] : [];
  });
}

/** Every stack file the suite runs (the project root's and registered fixtures), by path. */
const committed = () => stackFiles().map((s) => stackFilePath(s));
/** The stack files in the project root: the ones a person edits and copies. */
const rootStackFiles = () => committed().filter((f) => path.dirname(f) === ROOT);
const load = (file: string) =>
  parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
const errorsText = () => ajv.errorsText(validate.errors, { separator: "\n" });

describe("JSON Schema and configuration reference: generated, fresh", () => {
  it("schema/ferry.schema.json is what `npm run docs:config` writes", async () => {
    assert.equal(fs.readFileSync(SCHEMA_FILE, "utf8"), await schemaText(), "stale: run npm run docs:config");
  });

  it("docs/configuration.md is what `npm run docs:config` writes", () => {
    assert.equal(
      fs.readFileSync(DOCS_FILE, "utf8"),
      configurationMarkdown(),
      "stale: run npm run docs:config",
    );
  });

  it("every key of the schema is documented (a doc comment where it is declared)", () => {
    const props = (
      stackFileSchema().properties as { config: { properties: Record<string, { description?: string }> } }
    ).config.properties;
    const undocumented = Object.entries(props)
      .filter(([, s]) => !s.description)
      .map(([k]) => k);
    assert.deepEqual(undocumented, []);
  });

  it("every block has an example, and each example is valid", () => {
    const props = Object.keys(
      (stackFileSchema().properties as { config: { properties: object } }).config.properties,
    );
    assert.deepEqual(Object.keys(EXAMPLES).sort(), props.sort());
    for (const [key, example] of Object.entries(EXAMPLES)) {
      const doc = {
        config: {
          "aws:region": "eu-central-1",
          "aws:allowedAccountIds": ["123456789012"],
          "ferry:topology": "ec2-demo",
          "ferry:app": { name: "shop" },
          ...example,
        },
      };
      assert.ok(validate(doc), `${key}: ${errorsText()}`);
    }
  });
});

describe("JSON Schema: every committed and fixture stack file", () => {
  const files = [...new Set([...committed(), ...fixtureStackFiles()])];
  it("finds the committed stack files", () =>
    assert.ok(rootStackFiles().length >= 3, committed().join(", ")));
  for (const file of files) {
    const name = path.relative(ROOT, file);
    it(`${name} validates`, () => assert.ok(validate(load(file)), `${name}:\n${errorsText()}`));
  }
  for (const file of rootStackFiles())
    it(`${path.basename(file)} names the schema on its first line`, () =>
      assert.equal(fs.readFileSync(file, "utf8").split("\n")[0], MODELINE));
});

/**
 * Bad configs the JSON Schema cannot refuse: rules that join keys or need the program (file system, sizes
 * after rendering, stack files side by side, secret markings). Every other bad case must fail validation.
 */
const PROGRAM_ONLY = new Set<string>([
  "stack DEMO next to stack demo",
  "cidr host bits",
  "min > max",
  "desired > max",
  "two sources",
  "no source",
  "secret in env",
  "fromConfig unset",
  "fargate pair",
  "fargate cpu",
  "spot no base",
  "arm64 image on an x86 task",
  "amd64 image on an ARM64 task",
  "plain-HTTP opt-out with a domain",
  "t4g amd64",
  "demo block in prod",
  "uri + context",
  "context missing",
  "vpc without subnets",
  "min above the default desired count",
  "data bucket variable already set in env",
  "env value with a newline",
  "https without a domain",
  "openHttp while HTTPS is on by default",
  "app on port 443 with HTTPS",
  "ACME e-mail while HTTPS is off",
  "wake page with powerState stopped",
  "wake page without the idle stop",
  "wake passcode from two places",
  "wake passcode config key not set",
  "an ACM certificate name over 64 characters",
  "a DNS name over 253 characters",
  "container definitions over 64 KiB",
  "user-data over 16 KiB after gzip",
  "more Availability Zones than the region has",
  "a KMS key in another region",
  "a KMS key in another account",
  "a dockerfile that is a directory",
  "a Graviton a1 type with an x86 image",
  "a Graviton c6gn type with an x86 image",
  "an x86 type with an arm64 image",
  "two secrets whose names differ only in case",
  "the same ingress CIDR twice",
  "the same SSH CIDR twice",
  "the same subnet twice",
  "the same egress rule twice",
  "a data bucket on the demo",
  "ci.mode user with deploy settings",
  "an env value of 20 digits rounded by YAML",
  "an env value 1.10 read as 1.1",
  "an env value 01234 read as 1234",
  "fromConfig naming a block key (app)",
  "a secret-looking env value under a secret-looking name is masked",
  "a secure env value also listed in app.secrets",
  "two stacks folding to the same names (gate.fold and gate_fold)",
  "IPv6-only tasks in an existing VPC",
  "IPv6-only tasks with the plain-HTTP opt-out",
  "IPv6-only tasks with an IPv4 egress rule",
  "IPv6-only tasks with an image outside ECR",
  "an IPv6 egress rule for tasks with public IPv4",
  "IPv6-only tasks calling an IPv4 address",
  "a VPC too small for the load balancer's private subnets",
]);

function documentOf(c: {
  stack: string;
  set?: Record<string, unknown>;
  merge?: Record<string, Record<string, unknown>>;
  remove?: readonly string[];
  yaml?: string;
}): { config: Record<string, unknown> } {
  if (c.yaml !== undefined) return parseYaml(c.yaml) as { config: Record<string, unknown> };
  const config = { ...load(path.join(ROOT, `Pulumi.${c.stack}.yaml`)).config };
  for (const [k, v] of Object.entries(c.set ?? {})) config[k] = v;
  for (const [k, v] of Object.entries(c.merge ?? {})) config[k] = { ...(config[k] ?? {}), ...v };
  for (const k of c.remove ?? []) delete config[k];
  return { config };
}

describe("JSON Schema: refuses the bad configs it can express", () => {
  const cases: { title: string; doc: () => { config: Record<string, unknown> } }[] = [
    ...BAD_CASES.map((c) => ({ title: c.title, doc: () => documentOf(c) })),
    ...Object.values(GATE_CASES)
      .flat()
      .filter((c: GateCase) => c.yaml === undefined || !/Pulumi\.gate-yaml/.test(c.message))
      .map((c: GateCase) => ({ title: c.title, doc: () => documentOf(c) })),
  ];
  for (const c of cases)
    it(c.title, () => {
      const ok = validate(c.doc());
      assert.equal(
        ok,
        PROGRAM_ONLY.has(c.title),
        ok ? "accepted, and not listed as program-only" : errorsText(),
      );
    });
});
