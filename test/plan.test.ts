// The offline plan: the command a newcomer runs first.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { planTree, renderText } from "../scripts/plan";
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
    assert.match(r.stderr, /^usage: npm run plan -- <stack> \[--format text\|json\]\nstacks: .*demo.*prod/);
  });
});
