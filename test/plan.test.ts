// The offline plan: the command a newcomer runs first.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, planTree, renderText, run } from "../scripts/plan";
import { ROOT, evaluateStack, stackFiles } from "./support/harness";

describe("npm run plan", () => {
  it("groups resources under their components with the settings that matter", async () => {
    const e = await evaluateStack("demo");
    const roots = planTree(e);
    const image = roots.find((n) => n.type === "ferry:registry:AppImage");
    assert.ok(image, "AppImage is a root component");
    const repo = image.children.find((c) => c.type === "aws:ecr/repository:Repository");
    assert.deepStrictEqual(repo?.settings, { name: "ragstream-web", scanOnPush: true });
    const text = renderText(e, roots);
    assert.match(text, /^Stack demo \(ec2-demo, eu-central-1\): \d+ resources$/m);
    assert.match(
      text,
      /^ {4}aws:ecr\/repository:Repository {2}ragstream-demo-image-repo {2}\[name=ragstream-web {2}scanOnPush=true\]$/m,
    );
    assert.match(text, /stand-ins computed offline/);
  });

  it("names the stacks it knows when the stack is unknown", function () {
    this.timeout(120000);
    const r = spawnSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "--swc", path.join("scripts", "plan.ts"), "nope"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    assert.strictEqual(r.status, 2);
    assert.match(
      r.stderr,
      /^usage: npm run -s plan -- <stack> \[--format text\|json\|markdown\] \[--hours H\] \[--svg FILE\] \[--no-clash-check\]\nstacks: .*demo.*prod.*\nno stack file Pulumi\.nope\.yaml\n$/,
    );
  });

  it("refuses a bad --format or --hours with the usage, naming the option", () => {
    assert.deepStrictEqual(parseArgs(["demo", "--format", "html"]).problems, [
      "--format: got html, expected text, json or markdown",
    ]);
    assert.deepStrictEqual(parseArgs(["demo", "--hours", "-3"]).problems, [
      "--hours: got -3, expected hours a month from 0 to 730",
    ]);
    assert.deepStrictEqual(parseArgs(["demo", "--hours", "731"]).problems, [
      "--hours: got 731, expected hours a month from 0 to 730",
    ]);
    assert.deepStrictEqual(parseArgs(["demo", "--hours"]).problems, [
      "--hours: got nothing, expected hours a month from 0 to 730",
    ]);
    assert.deepStrictEqual(parseArgs(["demo", "--svg"]).problems, [
      "--svg: got nothing, expected a file name such as plan.svg",
    ]);
    assert.deepStrictEqual(parseArgs(["demo", "--hours", "40", "--format", "markdown"]), {
      stack: "demo",
      format: "markdown",
      hours: 40,
      clashCheck: true,
      problems: [],
    });
    assert.deepStrictEqual(parseArgs(["demo", "--svg", "a.svg", "--no-clash-check"]), {
      stack: "demo",
      format: "text",
      hours: 20,
      svg: "a.svg",
      clashCheck: false,
      problems: [],
    });
  });

  it("text output: the tree, then the estimate with its budget line, clashes, then the architecture", async () => {
    let out = "";
    const code = await run(["demo", "--hours", "40"], { out: (s) => (out += s), err: (s) => (out += s) });
    assert.strictEqual(code, 0, out);
    assert.match(out, /^Stack demo \(ec2-demo, eu-central-1\)/);
    assert.match(out, /^Estimated monthly cost \(USD, eu-central-1\):$/m);
    assert.match(
      out,
      /^ {2}\[1\] stopped\n {2}\[2\] running 40 h a month\n {2}\[3\] wake page at its limit: 3 starts a day × 60 min \(90 h\)$/m,
    );
    assert.match(out, /^ {2}item +confidence +\[1\] +\[2\] +\[3\]$/m);
    assert.match(
      out,
      /^ {2}EC2 t3\.medium \(instance hours\) +third-party +\$0\.00 +\$1\.92 +\$4\.32\n {6}\$0\.048 per hour × 0 h \/ 40 h \/ 90 h$/m,
    );
    assert.match(
      out,
      /^Budget \(ferry:budget\.monthlyUsd\): \$2\.00, checked by npm test against the stopped figure, \$1\.85: within budget\.$/m,
    );
    assert.match(out, /^not priced: nothing$/m);
    assert.match(out, /^Clashes with other stack files: none\.$/m);
    assert.match(
      out,
      /^Architecture \(AWS eu-central-1; --format markdown prints it as Mermaid, --svg <file> draws it\):$/m,
    );
  });

  it("text output fits 120 columns and shows no undefined value (the wake URL says why it is unknown offline)", async function () {
    this.timeout(120000);
    for (const stack of stackFiles()) {
      let out = "";
      assert.strictEqual(
        await run([stack, "--no-clash-check"], { out: (s) => (out += s), err: (s) => (out += s) }),
        0,
      );
      const long = out.split("\n").filter((l) => [...l].length > 120);
      assert.deepStrictEqual(long, [], `${stack}: lines over 120 columns`);
      assert.doesNotMatch(out, /undefined/, stack);
      if (stack === "demo")
        assert.match(out, /^ {2}wakeUrl: \(unknown offline: the wake page's Lambda function URL/m);
    }
  });

  it("a long shell command output wraps with continuations that keep quoted words whole", async () => {
    let out = "";
    await run(["demo", "--no-clash-check"], { out: (s) => (out += s), err: (s) => (out += s) });
    const m = /^ {2}logsCommand: ((?:.* \\\n)*.*)$/m.exec(out);
    assert.ok(m, "a logsCommand output");
    const joined = m[1].replace(/ \\\n +/g, " ");
    assert.match(joined, /--parameters '\{"command":\["sudo journalctl -u ferry-app -n 200 -f"\]\}'$/);
  });

  it("--svg writes the architecture as an SVG file, offline (Graphviz in WebAssembly)", async function () {
    this.timeout(60000);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "demo.svg");
    let err = "";
    let out = "";
    const code = await run(["demo", "--svg", file, "--format", "json", "--no-clash-check"], {
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    assert.strictEqual(code, 0, err);
    const svg = fs.readFileSync(file, "utf8");
    assert.match(svg, /<svg[\s\S]*<\/svg>\s*$/);
    assert.match(svg, />AWS eu&#45;central&#45;1<|>AWS eu-central-1</);
    assert.match(svg, />ragstream&#45;web<|>ragstream-web</);
    assert.match(err, /^info: wrote the architecture diagram to /m);
    JSON.parse(out);
  });

  it("runs from the command line without AWS credentials; `npm run -s plan -- <stack> --format json` writes only JSON to stdout", function () {
    this.timeout(180000);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    // One process for both promises (each start of the program costs seconds): no credentials of any kind,
    // and stdout that parses as JSON as a whole.
    const r = spawnSync(npm, ["run", "-s", "plan", "--", "prod", "--format", "json"], {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: "",
        AWS_SECRET_ACCESS_KEY: "",
        AWS_PROFILE: "",
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
      },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      stack: string;
      outputs: Record<string, unknown>;
      clashes: unknown[];
      resources: unknown[];
    };
    assert.strictEqual(j.stack, "prod");
    assert.strictEqual(j.outputs.region, "us-east-1");
    assert.ok(j.resources.length > 0);
    assert.ok(
      Object.values(j.outputs).every((v) => v !== null && v !== undefined),
      "every output has a value",
    );
    assert.ok(Array.isArray(j.clashes));
  });

  it("json output carries the estimate, the budget and the diagram", async () => {
    let out = "";
    assert.strictEqual(
      await run(["prod", "--format", "json"], { out: (s) => (out += s), err: (s) => (out += s) }),
      0,
    );
    const j = JSON.parse(out) as {
      estimate: { totals: number[]; scenarios: { id: string }[] };
      budgetUsd: number;
      mermaid: string;
    };
    assert.deepStrictEqual(
      j.estimate.scenarios.map((s) => s.id),
      ["baseline", "max"],
    );
    assert.strictEqual(j.estimate.totals[0].toFixed(2), "47.43");
    assert.strictEqual(j.budgetUsd, 60);
    assert.match(j.mermaid, /^flowchart LR\n/);
  });
});
