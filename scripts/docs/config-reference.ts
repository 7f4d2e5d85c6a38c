// `npm run docs:config`: writes schema/ferry.schema.json (a JSON Schema for Pulumi.<stack>.yaml, for editor
// completion and validation) and docs/configuration.md (the reference of every key) from the config schema
// itself. Descriptions are the doc comments above each field in config/*.ts, so a key documented where it is
// declared is documented everywhere; test/config-schema.test.ts fails when either file is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import * as ts from "typescript";
import { stringify as toYaml } from "yaml";
import { z } from "zod";
import { rootSchema } from "../../config/schema";

export const ROOT = path.resolve(__dirname, "..", "..");
export const SCHEMA_FILE = path.join(ROOT, "schema", "ferry.schema.json");
export const DOCS_FILE = path.join(ROOT, "docs", "configuration.md");
/** The modeline every stack file in the repository root starts with. */
export const MODELINE = "# yaml-language-server: $schema=./schema/ferry.schema.json";

type Json = Record<string, unknown>;

interface DocBlock {
  readonly keys: string[];
  readonly docs: Record<string, string>;
}

/** The `/** … *\/` comment directly above each property of every object literal in config/*.ts. */
export function collectDocComments(dir = path.join(ROOT, "config")): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isObjectLiteralExpression(node)) {
        const keys: string[] = [];
        const docs: Record<string, string> = {};
        for (const p of node.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const key = ts.isStringLiteral(p.name) || ts.isIdentifier(p.name) ? p.name.text : undefined;
          if (key === undefined) continue;
          keys.push(key);
          const ranges = ts.getLeadingCommentRanges(text, p.getFullStart()) ?? [];
          const last = ranges[ranges.length - 1];
          const raw = last ? text.slice(last.pos, last.end) : "";
          if (raw.startsWith("/**")) docs[key] = cleanComment(raw);
        }
        if (keys.length > 0 && Object.keys(docs).length > 0) blocks.push({ keys, docs });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return blocks;
}

function cleanComment(raw: string): string {
  return raw
    .replace(/^\/\*\*|\*\/$/g, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, "").trim())
    .filter((l) => l !== "")
    .join(" ")
    .replace(/\s*@default\s+(.*)$/, " Default: $1.")
    .replace(/\.\. Default/, ". Default")
    .trim();
}

const sameKeys = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join("\0") === [...b].sort().join("\0");

function annotate(node: unknown, blocks: readonly DocBlock[]): void {
  if (Array.isArray(node)) return node.forEach((n) => annotate(n, blocks));
  if (node === null || typeof node !== "object") return;
  const o = node as Json;
  const props = o.properties as Record<string, Json> | undefined;
  if (props) {
    const block = blocks.find((b) => sameKeys(b.keys, Object.keys(props)));
    if (block) for (const [k, doc] of Object.entries(block.docs)) if (props[k]) props[k].description ??= doc;
  }
  for (const v of Object.values(o)) annotate(v, blocks);
}

const SECURE: Json = {
  type: "object",
  description: "An encrypted value written by `pulumi config set --secret` (add --path for a nested one).",
  properties: { secure: { type: "string" } },
  required: ["secure"],
  additionalProperties: false,
};

/** The JSON Schema of a whole Pulumi.<stack>.yaml (draft-07: what editors' YAML plugins support best). */
export function stackFileSchema(): Json {
  const config = z.toJSONSchema(rootSchema, {
    target: "draft-7",
    io: "input",
    unrepresentable: "any",
  }) as Json;
  delete config.$schema;
  annotate(config, collectDocComments());
  const known = Object.keys(config.properties as Json);
  // Secret config keys (`fromConfig`, the wake passcode): any other `<namespace>:<key>` holding a `secure:` value.
  const escaped = known.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  config.patternProperties = {
    [`^(?!(${escaped})$)[A-Za-z][A-Za-z0-9_-]*:[A-Za-z][A-Za-z0-9_.-]*$`]: SECURE,
  };
  config.additionalProperties = false;
  // Env values may be nested secrets (`pulumi config set --secret --path 'ferry:app.env.NAME'`).
  const env = ((config.properties as Record<string, Json>)["ferry:app"].properties as Record<string, Json>)
    .env;
  env.additionalProperties = { anyOf: [env.additionalProperties, SECURE] };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "ferry.schema.json",
    title: "ferry stack file (Pulumi.<stack>.yaml)",
    description:
      "Generated by `npm run docs:config` from config/*.ts. Cross-field rules (Fargate CPU/memory pairs, " +
      "topology blocks, limits AWS checks) run in the config gate; docs/configuration.md lists them.",
    type: "object",
    properties: {
      config,
      secretsprovider: { type: "string", description: "Set by `pulumi stack init --secrets-provider`." },
      encryptedkey: {
        type: "string",
        description: "Set by Pulumi for a passphrase or cloud secrets provider.",
      },
      encryptionsalt: { type: "string", description: "Set by Pulumi for the passphrase secrets provider." },
      environment: { description: "Pulumi ESC environments this stack imports." },
    },
    required: ["config"],
    additionalProperties: false,
  };
}

/** A YAML example per block; test/config-schema.test.ts validates each against the schema. */
export const EXAMPLES: Record<string, Json> = {
  "aws:region": { "aws:region": "eu-central-1" },
  "aws:allowedAccountIds": { "aws:allowedAccountIds": ["123456789012"] },
  "aws:profile": { "aws:profile": "ferry-admin" },
  "aws:defaultTags": { "aws:defaultTags": { tags: { team: "web", costCenter: "42" } } },
  "ferry:topology": { "ferry:topology": "ec2-demo" },
  "ferry:app": {
    "ferry:app": {
      name: "shop",
      port: 8080,
      healthPath: "/health",
      env: { LOG_LEVEL: "info", RELEASE: "1.10" },
      secrets: { DB_PASSWORD: { ssmParameter: "/shop/prod/DB_PASSWORD" }, API_KEY: { fromConfig: "apiKey" } },
      cpu: 512,
      memory: 1024,
    },
  },
  "ferry:image": { "ferry:image": { context: "./app", dockerfile: "Dockerfile", platform: "linux/amd64" } },
  "ferry:registry": { "ferry:registry": { name: "shop-web", keepImages: 10 } },
  "ferry:dns": { "ferry:dns": { domain: "example.com", record: "shop" } },
  "ferry:demo": {
    "ferry:demo": {
      instanceType: "t3.small",
      rootVolumeGb: 12,
      ingressCidrs: ["0.0.0.0/0"],
      idleStop: { cpuPercent: 5, minutes: 60 },
      wake: { dailyStartLimit: 3 },
    },
  },
  "ferry:fargate": {
    "ferry:fargate": {
      desiredCount: 2,
      minCount: 2,
      maxCount: 6,
      azCount: 2,
      containerInsights: "disabled",
      extraEgress: [{ port: 5432, cidr: "10.20.0.0/16", description: "Postgres" }],
    },
  },
  "ferry:ci": {
    "ferry:ci": { repository: "acme/shop", deploy: { environment: "prod", branches: ["main"], tags: [] } },
  },
  "ferry:budget": { "ferry:budget": { monthlyUsd: 25 } },
};

function typeText(s: Json): string {
  if (Array.isArray(s.enum) && s.enum.length > 8) return `one of ${s.enum.length} values (see the schema)`;
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeText).join(" or ");
  if (s.type === "array") return `list of ${typeText((s.items as Json) ?? {})}`;
  if (s.type === "object") return s.properties ? "map (below)" : "map";
  return typeof s.type === "string" ? s.type : Array.isArray(s.type) ? s.type.join(" or ") : "any";
}

const cell = (t: string) => t.replace(/\|/g, "\\|").replace(/\n/g, " ");

function rows(props: Record<string, Json>, required: readonly string[], prefix: string, out: string[]): void {
  for (const [key, s] of Object.entries(props)) {
    const name = `${prefix}${key}`;
    const def =
      s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : required.includes(key) ? "required" : "";
    out.push(
      `| \`${name}\` | ${cell(typeText(s))} | ${def} | ${cell(typeof s.description === "string" ? s.description : "")} |`,
    );
    if (s.type === "object" && s.properties)
      rows(s.properties as Record<string, Json>, (s.required as string[]) ?? [], `${name}.`, out);
    if (s.type === "array" && (s.items as Json)?.properties) {
      const items = s.items as Json;
      rows(items.properties as Record<string, Json>, (items.required as string[]) ?? [], `${name}[].`, out);
    }
  }
}

/** docs/configuration.md. */
export function configurationMarkdown(schema: Json = stackFileSchema()): string {
  const config = (schema.properties as Record<string, Json>).config;
  const props = config.properties as Record<string, Json>;
  const required = (config.required as string[]) ?? [];
  const out: string[] = [
    "<!-- Generated by `npm run docs:config` from config/*.ts: edit the doc comments there, not this file. -->",
    "",
    "# Stack configuration reference",
    "",
    "Every stack is one `Pulumi.<stack>.yaml` in the repository root. The program validates the whole file",
    "before it declares any resource: a wrong value stops `pulumi preview`, `npm run plan` and `npm test` with",
    "one message that names the file, the key, the value (secret or secret-looking values are never shown),",
    "what is expected and how to fix it.",
    "",
    "## Editor completion and validation",
    "",
    "`schema/ferry.schema.json` is a JSON Schema of the stack file, generated from the same schema the program",
    "validates with. Each committed stack file starts with the line",
    "",
    "```yaml",
    MODELINE,
    "```",
    "",
    "- **VS Code**: install the YAML extension (`redhat.vscode-yaml`). It reads that first line and offers",
    "  completion, hover text from the descriptions below and inline errors. For a new stack file, copy the",
    "  line (the path is relative to the file).",
    "- **JetBrains IDEs** (IntelliJ IDEA, WebStorm, PyCharm): Settings → Languages & Frameworks → Schemas and",
    "  DTDs → JSON Schema Mappings → add `schema/ferry.schema.json` with the file path pattern",
    "  `Pulumi.*.yaml` (JSON Schema version 7).",
    "- Any other editor with yaml-language-server (Neovim, Helix, Zed) honours the same first line.",
    "",
    "The JSON Schema checks each key on its own; rules that join keys (Fargate CPU/memory pairs, which",
    "topology block is allowed, sizes after rendering, names that would clash) are checked by the program.",
    "",
    "## Keys",
    "",
    "| key | type | default | description |",
    "| --- | --- | --- | --- |",
  ];
  rows(props, required, "", out);
  out.push(
    "| `<namespace>:<key>` | `secure:` value | | A secret config key named by `fromConfig` (`pulumi config set --secret <key> <value>`). |",
    "",
    "## Examples",
    "",
  );
  for (const [key, example] of Object.entries(EXAMPLES)) {
    const description = props[key]?.description;
    out.push(
      `### \`${key}\``,
      "",
      typeof description === "string" ? description : "",
      "",
      "```yaml",
      "config:",
    );
    out.push(
      ...toYaml(example)
        .trimEnd()
        .split("\n")
        .map((l) => `  ${l}`),
      "```",
      "",
    );
  }
  out.push(
    "## Checks beyond the JSON Schema",
    "",
    "The program checks the whole file before it declares any resource. Beyond each key's own format:",
    "",
    '- **Region and zones**: any region the installed AWS provider knows (a typo gets "did you mean");',
    "  `ferry:fargate.azCount` at most the zones a new account can use in the region (config/awsData.ts).",
    '- **Instance types**: the types listed in config/awsData.ts (a typo gets "did you mean"); Graviton',
    "  types (`a1.*`, `t4g.*`, `m7g.*`, `c6gn.*` …) need `ferry:image.platform: linux/arm64`, others `linux/amd64`.",
    "- **Limits AWS sets**: a certificate name (Fargate with `ferry:dns`) of at most 64 characters; a DNS",
    "  name of at most 253, labels of at most 63; a health path of at most 1,024; S3 bucket names (not an IP",
    "  address, no `xn--`, `sthree-` or `amzn-s3-demo-` prefix, no `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or",
    "  `--table-s3` suffix); security group rule descriptions of at most 255 ASCII characters; CIDRs with the",
    "  host bits zero and no leading zeros; KMS keys of secrets in the stack's region and account.",
    "- **Sizes after rendering**: the demo's user-data at most 16 KiB after gzip, the Fargate container",
    "  definitions at most 64 KiB (long values belong in `ferry:app.secrets` or the image).",
    "- **One resource per name**: secrets whose names differ only in letter case, a CIDR, subnet or egress",
    "  rule listed twice.",
    "- **Nothing ignored**: a key in an unknown namespace (`ferrry:dns` → did you mean `ferry:dns`; `app`",
    "  without a namespace → `ferry:app`), `aws:` keys other than `aws:region`, `aws:allowedAccountIds`,",
    "  `aws:profile` and `aws:defaultTags`, the other topology's block, `dataBucket` on the demo, HTTPS",
    "  settings with HTTPS off, and OIDC settings with `ferry:ci.mode: user` are refused.",
    "- **Stack names**: any name Pulumi accepts (letters, digits, `_`, `-`, `.`). Names are folded into AWS",
    "  names (lower case, `_` and `.` as `-`), so two stack files whose names fold alike (`DEMO` and `demo`,",
    "  `eu_west` and `eu-west`) for the same app, account and region are refused, naming both files.",
    "",
    "Every problem is reported at once, one per line:",
    "",
    "```text",
    "Invalid stack config in Pulumi.staging.yaml (2 problems):",
    '  - aws:region: got "eu-centrl-1", expected an AWS region; did you mean "eu-central-1"? (pulumi config set aws:region eu-central-1)',
    '  - ferry:demo.instanceType: got "t3.mediun", expected an EC2 instance type; did you mean "t3.medium"?',
    "```",
    "",
    "A YAML syntax error names the file, line and column and shows the line. `pulumi preview` prints the",
    "message without a stack trace; `npm run plan` exits with status 1.",
    "",
    "## Secrets",
    "",
    "- `ferry:app.secrets.<NAME>` takes exactly one of `ssmParameter`, `secretsManager` or `fromConfig`.",
    "  `fromConfig` names a config key set with `pulumi config set --secret <key> <value>`: a plain key is",
    "  refused. Offline (`npm run plan`, `npm test`) an unset or encrypted key plans with a stand-in value",
    "  marked `[offline stand-in]` and a warning; a real `pulumi preview` still needs it set.",
    "- A value set with `pulumi config set --secret --path 'ferry:app.env.<NAME>' <value>` stays secret: the",
    "  program stores it like a `fromConfig` secret (SSM SecureString on the demo, Secrets Manager on Fargate)",
    "  and the app receives it as the same environment variable. It never appears in user-data or in the task",
    "  definition. A `secure:` value anywhere else in a block is refused.",
    "",
    "## Environment values",
    "",
    "Values of `ferry:app.env` reach the app as strings. YAML reads unquoted `1.10` as the number 1.1, `01234`",
    "as 1234 and a 20-digit id as a rounded number; the program refuses a number whose text would change and",
    'asks for quotes (`VERSION: "1.10"`).',
    "",
  );
  return out.join("\n");
}

/** The schema file's text, formatted like every other file in the repository (prettier). */
export async function schemaText(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(stackFileSchema(), null, 2), { ...options, filepath: SCHEMA_FILE });
}

export async function writeAll(): Promise<void> {
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, await schemaText());
  fs.mkdirSync(path.dirname(DOCS_FILE), { recursive: true });
  fs.writeFileSync(DOCS_FILE, configurationMarkdown());
}

if (require.main === module)
  writeAll().then(
    () =>
      process.stdout.write(
        `wrote ${path.relative(ROOT, SCHEMA_FILE)} and ${path.relative(ROOT, DOCS_FILE)}\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
