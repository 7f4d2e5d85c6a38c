// The offline plan: the command a newcomer runs first.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseArgs, planTree, renderText, run } from "../scripts/plan";
import { ROOT, evaluateStack } from "./support/harness";

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

  it("runs from the command line for prod in us-east-1 without AWS credentials", function () {
    this.timeout(120000);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" };
    const r = spawnSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join("scripts", "plan.ts"), "prod"],
      {
        cwd: ROOT,
        env,
        encoding: "utf8",
      },
    );
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Stack prod \(fargate-ha, us-east-1\)/);
  });

  it("names the stacks it knows when the stack is unknown", function () {
    this.timeout(120000);
    const r = spawnSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join("scripts", "plan.ts"), "nope"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    assert.strictEqual(r.status, 2);
    assert.match(
      r.stderr,
      /^usage: npm run plan -- <stack> \[--format text\|json\|markdown\] \[--hours H\]\nstacks: .*demo.*prod.*\nno stack file Pulumi\.nope\.yaml\n$/,
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
    assert.deepStrictEqual(parseArgs(["demo", "--hours", "40", "--format", "markdown"]), {
      stack: "demo",
      format: "markdown",
      hours: 40,
      problems: [],
    });
  });

  it("text output: the tree, then the estimate with its budget line, then the Mermaid diagram", async () => {
    let out = "";
    const code = await run(["demo", "--hours", "40"], { out: (s) => (out += s), err: (s) => (out += s) });
    assert.strictEqual(code, 0, out);
    assert.match(out, /^Stack demo \(ec2-demo, eu-central-1\)/);
    assert.match(out, /^Estimated monthly cost \(USD, eu-central-1\):$/m);
    assert.match(
      out,
      /^ {2}item +price +confidence +stopped +running 40 h a month +wake page at its limit: 3 starts a day × 60 min \(90 h\)$/m,
    );
    assert.match(
      out,
      /^ {2}EC2 t3\.medium \(instance hours\) +\$0\.048 per hour +weak +0 h = \$0\.00 +40 h = \$1\.92 +90 h = \$4\.32$/m,
    );
    assert.match(
      out,
      /^Budget \(ferry:budget\.monthlyUsd\): \$2\.00, checked by npm test against the stopped figure, \$1\.84: within budget\.$/m,
    );
    assert.match(out, /^not priced: nothing$/m);
    assert.match(out, /^flowchart LR$/m);
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
    assert.strictEqual(j.estimate.totals[0].toFixed(2), "59.42");
    assert.strictEqual(j.budgetUsd, 60);
    assert.match(j.mermaid, /^flowchart LR\n/);
  });
});
