// `npm run new -- <stack> [answers as flags]`: writes a commented Pulumi.<stack>.yaml for either topology from a
// few answers, validates it with the program's own config gate (config/index.ts parseConfig, the same check
// `pulumi up` runs first), and prints its offline plan. A missing answer is asked for on stdin (a terminal, or
// piped lines: one answer per question, an empty line takes the default); --yes takes every default instead.
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseConfig } from "../config";
import { APP_DEFAULTS } from "../config/schema";
import { awsSafe } from "../components/names";
import { ROOT, registerStackFile, stackConfig } from "./plan/engine";
import { run as plan } from "./plan";

export const NEW_USAGE =
  "usage: npm run new -- <stack> [--topology ec2-demo|fargate-ha] [--app-dir DIR] [--port N] " +
  "[--health-path PATH] [--region REGION] [--account ID] [--domain DOMAIN] [--record NAME] [--name APP] " +
  "[--yes] [--force] [--no-plan] [--out-dir DIR] [--help]";

export interface Answers {
  topology: "ec2-demo" | "fargate-ha";
  appDir: string;
  port: number;
  healthPath: string;
  region: string;
  account: string;
  /** Route 53 hosted zone's domain; "" = no DNS name. */
  domain: string;
  /** Record in that zone. @default the app name */
  record: string;
  name: string;
}

interface Question {
  readonly key: keyof Answers;
  readonly flag: string;
  readonly ask: string;
  /** The default, from the answers so far; undefined = an answer is required. */
  readonly def: (a: Partial<Answers>, stack: string) => string | undefined;
  /** Why the answer is not acceptable, or undefined. */
  readonly check: (v: string) => string | undefined;
  /** Asked only when this holds. */
  readonly when?: (a: Partial<Answers>) => boolean;
}

const APP_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

const QUESTIONS: readonly Question[] = [
  {
    key: "topology",
    flag: "--topology",
    ask: "Topology: ec2-demo (one instance you start and stop) or fargate-ha (always on, behind a load balancer)",
    def: () => "ec2-demo",
    check: (v) =>
      v === "ec2-demo" || v === "fargate-ha" ? undefined : 'expected "ec2-demo" or "fargate-ha"',
  },
  {
    key: "appDir",
    flag: "--app-dir",
    ask: "App directory (holds the Dockerfile), relative to the project",
    def: () => "./app",
    check: (v) =>
      fs.existsSync(path.resolve(ROOT, v)) && fs.statSync(path.resolve(ROOT, v)).isDirectory()
        ? undefined
        : `expected an existing directory under ${ROOT}`,
  },
  {
    key: "name",
    flag: "--name",
    ask: "App name (prefixes every AWS resource name)",
    def: (a) => {
      const n = awsSafe(path.basename(path.resolve(ROOT, a.appDir ?? "app")))
        .slice(0, 40)
        .replace(/-+$/, "");
      return APP_NAME.test(n) ? n : "app";
    },
    // The config gate's rule for ferry:app.name (config/schema.ts); the written file is checked by the gate too.
    check: (v) =>
      APP_NAME.test(v)
        ? undefined
        : "expected 2-40 lower-case letters, digits and hyphens, starting with a letter",
  },
  {
    key: "port",
    flag: "--port",
    ask: "Port the container listens on",
    def: () => String(APP_DEFAULTS.port),
    check: (v) =>
      /^\d+$/.test(v) && +v >= 1 && +v <= 65535 ? undefined : "expected a port number from 1 to 65535",
  },
  {
    key: "healthPath",
    flag: "--health-path",
    ask: "Health path (answers 200 when the app is healthy)",
    def: () => APP_DEFAULTS.healthPath,
    check: (v) => (/^\/\S*$/.test(v) ? undefined : 'expected a path starting with "/"'),
  },
  {
    key: "region",
    flag: "--region",
    ask: "AWS region",
    def: () => "us-east-1",
    check: (v) => (/^[a-z]{2}(-[a-z]+)+-\d$/.test(v) ? undefined : 'expected a region such as "eu-west-1"'),
  },
  {
    key: "account",
    flag: "--account",
    ask: "AWS account id (12 digits; the only account this stack may deploy to)",
    def: () => undefined,
    check: (v) => (/^\d{12}$/.test(v) ? undefined : "expected a 12-digit AWS account id"),
  },
  {
    key: "domain",
    flag: "--domain",
    ask: "Domain of an existing Route 53 hosted zone for a constant URL (empty: none)",
    def: () => "",
    check: (v) =>
      v === "" || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(v)
        ? undefined
        : 'expected a domain such as "example.com", or nothing',
  },
  {
    key: "record",
    flag: "--record",
    ask: 'Record in that zone ("@" for the domain itself)',
    def: (a) => a.name,
    check: (v) => (/^(@|[a-z0-9]([a-z0-9-]*[a-z0-9])?)$/.test(v) ? undefined : "expected a DNS label or @"),
    when: (a) => a.domain !== "",
  },
];

export interface NewArgs {
  stack?: string;
  given: Partial<Record<keyof Answers, string>>;
  yes: boolean;
  force: boolean;
  plan: boolean;
  help: boolean;
  /** Where the file goes. @default the project root (where `pulumi` looks for it) */
  outDir?: string;
  problems: string[];
}

export function parseNewArgs(argv: readonly string[]): NewArgs {
  const args: NewArgs = { given: {}, yes: false, force: false, plan: true, help: false, problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const q = QUESTIONS.find((x) => x.flag === a);
    if (q) {
      const v = argv[++i];
      if (v === undefined) args.problems.push(`${a}: got nothing, expected a value`);
      else args.given[q.key] = v;
    } else if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--yes") args.yes = true;
    else if (a === "--force") args.force = true;
    else if (a === "--no-plan") args.plan = false;
    else if (a === "--out-dir") {
      const v = argv[++i];
      if (!v || !fs.existsSync(v))
        args.problems.push(`--out-dir: got ${v ?? "nothing"}, expected an existing directory`);
      else args.outDir = v;
    } else if (a.startsWith("--")) args.problems.push(`unknown option ${a}`);
    else if (args.stack === undefined) args.stack = a;
    else args.problems.push(`unexpected argument ${a}`);
  }
  if (args.stack === undefined) args.problems.push("no stack name given");
  else if (!/^[A-Za-z0-9_.-]+$/.test(args.stack) || args.stack.startsWith("."))
    args.problems.push(`stack name "${args.stack}": expected letters, digits, "-", "_" or "."`);
  for (const q of QUESTIONS) {
    const v = args.given[q.key];
    const why = v === undefined ? undefined : q.check(v);
    if (why) args.problems.push(`${q.flag}: got ${JSON.stringify(v)}, ${why}`);
  }
  return args;
}

/** A line reader over a stream that answers "" once the stream has ended (piped answers may run out). */
function lineReader(input: NodeJS.ReadableStream): { next(): Promise<string>; close(): void } {
  const rl = readline.createInterface({ input, terminal: false });
  const lines: string[] = [];
  const waiting: ((s: string) => void)[] = [];
  let ended = false;
  rl.on("line", (l) => (waiting.length ? waiting.shift()!(l) : lines.push(l)));
  rl.on("close", () => {
    ended = true;
    while (waiting.length) waiting.shift()!("");
  });
  return {
    next: () =>
      lines.length
        ? Promise.resolve(lines.shift()!)
        : ended
          ? Promise.resolve("")
          : new Promise((r) => waiting.push(r)),
    close: () => rl.close(),
  };
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  input: NodeJS.ReadableStream;
}

/** The answers: flags first, then questions for what is missing (or the defaults with --yes). */
export async function collectAnswers(args: NewArgs, io: Io): Promise<Answers | string> {
  const a: Partial<Record<keyof Answers, string>> = {};
  let reader: ReturnType<typeof lineReader> | undefined;
  try {
    for (const q of QUESTIONS) {
      const typed = a as Partial<Answers>;
      if (q.when && !q.when(typed)) {
        a[q.key] = "";
        continue;
      }
      const def = q.def(typed, args.stack!);
      if (args.given[q.key] !== undefined) {
        a[q.key] = args.given[q.key];
        continue;
      }
      if (args.yes) {
        if (def === undefined) return `${q.flag} is required (no default)`;
        a[q.key] = def;
        continue;
      }
      reader ??= lineReader(io.input);
      for (let tries = 0; ; tries++) {
        io.err(`${q.ask}${def !== undefined && def !== "" ? ` [${def}]` : ""}: `);
        const line = (await reader.next()).trim();
        // Piped answers are not echoed by a terminal: show them, so the transcript reads as a dialogue.
        if (!(io.input as { isTTY?: boolean }).isTTY) io.err(`${line}\n`);
        const v = line || def;
        const why = v === undefined ? "an answer is required" : q.check(v);
        if (!why) {
          a[q.key] = v;
          break;
        }
        io.err(`  ${why}\n`);
        if (tries >= 2) return `${q.flag}: ${why}`;
      }
    }
  } finally {
    reader?.close();
  }
  return {
    topology: a.topology as Answers["topology"],
    appDir: a.appDir!,
    port: Number(a.port),
    healthPath: a.healthPath!,
    region: a.region!,
    account: a.account!,
    domain: a.domain ?? "",
    record: a.record ?? "",
    name: a.name!,
  };
}

const q = (s: string) => JSON.stringify(s);

/** The stack file: every answer with a comment saying what it does, and the main optional keys commented out. */
export function stackFile(stack: string, a: Answers, schemaPath = "./schema/ferry.schema.json"): string {
  const demo = a.topology === "ec2-demo";
  const lines = [
    // Editors with the YAML language server complete and check the file against the generated schema.
    `# yaml-language-server: $schema=${schemaPath}`,
    `# Stack ${stack}: written by \`npm run new\`. Check it offline with \`npm run plan -- ${stack}\` (resources, monthly`,
    `# cost, clashes with other stack files); deploy with \`pulumi up --stack ${stack}\`.`,
    "config:",
    "  # The region, and the only account this stack may deploy to (a wrong AWS profile then fails fast).",
    `  aws:region: ${a.region}`,
    "  aws:allowedAccountIds:",
    `    - ${q(a.account)}`,
    demo
      ? "  # ec2-demo: one instance that runs your container; stop it when nobody looks (a few dollars a month)."
      : "  # fargate-ha: your container on ECS Fargate in two AZs behind a load balancer, always on, autoscaled.",
    `  ferry:topology: ${a.topology}`,
    "  ferry:app:",
    "    # Short name: prefixes every AWS resource name of this stack.",
    `    name: ${a.name}`,
    "    # The port the container listens on, and a path that answers 200 while the app is healthy.",
    `    port: ${a.port}`,
    `    healthPath: ${q(a.healthPath)}`,
  ];
  if (!demo)
    lines.push(
      "    # Task size: 0.25 vCPU (256) with 512 MB is the smallest; 512/1024 suits most small web apps.",
      "    cpu: 256",
      "    memory: 512",
    );
  lines.push(
    "    # Environment variables and secrets (SSM parameter or Secrets Manager names), e.g.:",
    "    # env:",
    "    #   LOG_LEVEL: info",
    "    # secrets:",
    "    #   API_KEY:",
    `    #     ssmParameter: /${a.name}/${stack}/API_KEY`,
    "  ferry:image:",
    "    # The directory holding the Dockerfile, relative to the project root.",
    `    context: ${q(a.appDir)}`,
    demo
      ? "    platform: linux/amd64"
      : '    # linux/arm64 runs the tasks on Graviton, about 20 % cheaper (docs/fargate.md, "Graviton").',
    ...(demo ? [] : ["    platform: linux/amd64"]),
  );
  if (a.domain)
    lines.push(
      "  # A constant URL: a record in an existing Route 53 hosted zone of this account.",
      "  ferry:dns:",
      `    domain: ${a.domain}`,
      `    record: ${q(a.record)}`,
    );
  else
    lines.push(
      "  # A constant URL needs an existing Route 53 hosted zone in this account:",
      "  # ferry:dns:",
      "  #   domain: example.com",
      `  #   record: ${a.name}`,
    );
  if (!demo)
    lines.push(
      "  # The service: 2-10 tasks, 1 on-demand and the rest on Spot. Each task has a public IPv4 address",
      "  # ($3.65 a month) unless taskNetwork is ipv6-only: read docs/fargate.md first, it needs every address",
      "  # the app calls to answer on IPv6.",
      "  # ferry:fargate:",
      "  #   taskNetwork: ipv6-only",
      "  #   stickySessions: true   # Streamlit keeps each session in one task's memory",
    );
  if (demo)
    lines.push(
      "  # The instance: t3.small (2 GiB) and a 20 GiB disk by default. An arm64 type (t4g.*) needs",
      "  # ferry:image.platform linux/arm64.",
      "  # ferry:demo:",
      "  #   instanceType: t3.small",
      "  #   rootVolumeGb: 20",
    );
  lines.push(
    "  # A monthly budget `npm test` holds the estimate to: set it from `npm run plan` once you know the figure.",
    "  # ferry:budget:",
    "  #   monthlyUsd: 10",
    "",
  );
  return lines.join("\n");
}

/** The config gate's verdict on a stack file's text: its problems, or none. */
export function validate(stack: string): string[] {
  const { config } = stackConfig(stack);
  try {
    parseConfig(config, {
      project: "ferry",
      stack,
      projectRoot: ROOT,
      readSecret: () => pulumi.output(""),
    });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

export async function runNew(
  argv: readonly string[],
  io: Io = {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    input: process.stdin,
  },
): Promise<number> {
  const args = parseNewArgs(argv);
  if (args.help) {
    io.out(`${NEW_USAGE}\n`);
    return 0;
  }
  if (args.problems.length) {
    io.err(`${NEW_USAGE}\n${args.problems.map((p) => `${p}\n`).join("")}`);
    return 2;
  }
  const stack = args.stack!;
  const file = path.join(args.outDir ?? ROOT, `Pulumi.${stack}.yaml`);
  if (fs.existsSync(file) && !args.force) {
    io.err(`${path.basename(file)} exists: choose another stack name, or --force to overwrite it\n`);
    return 2;
  }
  const answers = await collectAnswers(args, io);
  if (typeof answers === "string") {
    io.err(`${answers}\n`);
    return 2;
  }
  const schema = path.relative(path.dirname(file), path.join(ROOT, "schema", "ferry.schema.json"));
  const text = stackFile(stack, answers, schema.startsWith(".") ? schema : `./${schema}`);
  // Parse back what was written (a typo in the template would show here, not at `pulumi up`).
  parseYaml(text);
  fs.writeFileSync(file, text);
  // Pulumi reads the file at the project root; elsewhere (--out-dir) the offline checks are told where it is.
  if (args.outDir) registerStackFile(stack, file);
  const problems = validate(stack);
  if (problems.length) {
    io.err(
      `${path.basename(file)} written, but the config check fails:\n${problems.map((p) => `  ${p}\n`).join("")}`,
    );
    return 1;
  }
  io.err(`wrote ${path.basename(file)}; the config check passes.\n`);
  if (!args.plan) return 0;
  io.err(`\nnpm run plan -- ${stack}:\n\n`);
  return plan([stack], { out: io.out, err: io.err });
}

if (require.main === module)
  runNew(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
