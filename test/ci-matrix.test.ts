// The workflows' job matrices (scripts/ci/matrix.ts): which selected stacks each workflow runs, with the
// GitHub environment of each deploy. Holds for any stack file: the cases build their own settings.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { matrixFor, refPatternMatches } from "../scripts/ci/matrix";
import { ciSettingsOf, readCiSettings, type CiSettings } from "../scripts/ci/settings";
import { ciStacks, type CiStack } from "../scripts/ci/stacks";
import { ROOT } from "./support/harness";

const stack = (name: string): CiStack => ({ stack: name, key: name.toUpperCase(), region: "us-east-1" });
const base = (name: string): CiSettings =>
  ciSettingsOf(name, { config: { "ferry:ci": { repository: "o/r" } } })!;

describe("CI job matrices (scripts/ci/matrix.ts)", () => {
  const table: Record<string, CiSettings> = {
    demo: base("demo"),
    prod: { ...base("prod"), environment: "production" },
    quiet: { ...base("quiet"), pullRequests: false },
    trunk: { ...base("trunk"), driftBranch: "trunk" },
    local: { ...base("local"), secrets: "passphrase" },
    tagless: { ...base("tagless"), tags: [], branches: ["main", "release/*"] },
  };
  const all = Object.keys(table).map(stack);
  const lookup = (s: string) => table[s];

  it("deploy: every selected stack, each with its environment (default the stack name)", () => {
    const { entries, notices } = matrixFor("deploy", all, lookup);
    assert.deepEqual(
      entries.map((e) => `${e.stack}@${e.environment}`),
      ["demo@demo", "prod@production", "quiet@quiet", "trunk@trunk", "local@local", "tagless@tagless"],
    );
    assert.deepEqual(notices, []);
    assert.deepEqual(Object.keys(entries[0]).sort(), [
      "environment",
      "key",
      "region",
      "runner",
      "secrets",
      "stack",
    ]);
  });

  it("runner: each stack's jobs build its image natively (ubuntu-24.04-arm for linux/arm64)", () => {
    const runner = (config: Record<string, unknown>) =>
      ciSettingsOf("s", { config: { "ferry:ci": { repository: "o/r" }, ...config } })!.runner;
    assert.equal(runner({}), "ubuntu-latest");
    assert.equal(runner({ "ferry:image": { context: "./app", platform: "linux/amd64" } }), "ubuntu-latest");
    assert.equal(
      runner({ "ferry:image": { context: "./app", platform: "linux/arm64" } }),
      "ubuntu-24.04-arm",
    );
    // An existing image is not built: any runner will do.
    assert.equal(runner({ "ferry:image": { uri: "x/y:1", platform: "linux/arm64" } }), "ubuntu-latest");
    const arm = { ...base("arm"), runner: "ubuntu-24.04-arm" };
    const { entries } = matrixFor("deploy", [stack("arm")], () => arm);
    assert.equal(entries[0].runner, "ubuntu-24.04-arm");
    // Every committed stack file: the runner follows its own image platform.
    for (const s of ciStacks(ROOT)) {
      const settings = readCiSettings(ROOT, s.stack);
      if (!settings) continue;
      const doc = parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${s.stack}.yaml`), "utf8")) as {
        config?: Record<string, { platform?: string; uri?: string }>;
      };
      const image = doc.config?.["ferry:image"] ?? {};
      const arm64 = image.platform === "linux/arm64" && image.uri === undefined;
      assert.equal(settings.runner, arm64 ? "ubuntu-24.04-arm" : "ubuntu-latest", s.stack);
    }
  });

  it("preview: not for stacks without pull-request previews, nor passphrase stacks; each left-out stack is named", () => {
    const { entries, notices } = matrixFor("preview", all, lookup);
    assert.deepEqual(
      entries.map((e) => e.stack),
      ["demo", "prod", "trunk", "tagless"],
    );
    assert.equal(notices.length, 2);
    assert.match(notices[0], /^quiet: no preview \(ferry:ci\.preview\.pullRequests is false\)/);
    assert.match(
      notices[1],
      /^local: no preview \(passphrase secrets provider; the passphrase lives only in the "local" environment/,
    );
  });

  it("deploy: only the stacks whose environment admits the run's branch or tag (the others would be refused)", () => {
    const tag = matrixFor("deploy", all, lookup, { type: "tag", name: "deploy-2026-05-01" });
    assert.ok(!tag.entries.some((e) => e.stack === "tagless"));
    assert.equal(tag.entries.length, all.length - 1);
    assert.deepEqual(tag.notices, [
      'tagless: not deployed from tag "deploy-2026-05-01" (ferry:ci.deploy.tags: none)',
    ]);
    const release = matrixFor("deploy", all, lookup, { type: "branch", name: "release/1.2" });
    assert.deepEqual(
      release.entries.map((e) => e.stack),
      ["tagless"],
    );
    assert.match(
      release.notices[0],
      /^demo: not deployed from branch "release\/1\.2" \(ferry:ci\.deploy\.branches: main\)/,
    );
    assert.equal(
      matrixFor("deploy", all, lookup, { type: "branch", name: "main" }).entries.length,
      all.length,
    );
  });

  it("GitHub's branch/tag patterns: * within a path segment, ** across, the rest literal", () => {
    assert.ok(refPatternMatches("deploy-*", "deploy-prod-2026-05-01"));
    assert.ok(!refPatternMatches("deploy-*", "deploy-x/y"));
    assert.ok(!refPatternMatches("deploy-*", "redeploy-x"));
    assert.ok(refPatternMatches("release/**", "release/a/b"));
    assert.ok(refPatternMatches("main", "main") && !refPatternMatches("main", "main2"));
    assert.ok(!refPatternMatches("v1.2", "v1x2"));
  });

  it("drift: only stacks whose drift branch is this run's branch", () => {
    const on = (name: string) => matrixFor("drift", all, lookup, { type: "branch", name });
    assert.deepEqual(
      on("main").entries.map((e) => e.stack),
      ["demo", "prod", "quiet", "tagless"],
    );
    assert.deepEqual(
      on("trunk").entries.map((e) => e.stack),
      ["trunk"],
    );
    assert.match(on("main").notices[0], /trunk: no drift check on branch "main"/);
    assert.deepEqual(matrixFor("drift", all, lookup, { type: "tag", name: "main" }).entries, []);
  });

  it("the committed CI stacks each get a deploy environment", () => {
    const { entries } = matrixFor("deploy", ciStacks(ROOT), (s) => readCiSettings(ROOT, s));
    assert.ok(entries.length > 0);
    for (const e of entries) assert.match(e.environment, /^[A-Za-z0-9._-]+$/, e.stack);
  });

  describe("CLI", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-matrix-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(
        process.execPath,
        ["-r", path.join(ROOT, "test/support/register.js"), path.join(ROOT, "scripts/ci/matrix.ts"), ...args],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: {
            ...process.env,
            GITHUB_OUTPUT: path.join(dir, "out"),
            GITHUB_REF_TYPE: "",
            GITHUB_REF_NAME: "",
            ...env,
          },
        },
      );

    it("writes the matrix and the names to $GITHUB_OUTPUT", () => {
      const [first] = ciStacks(ROOT);
      const r = run(["deploy", "only", first.stack]);
      assert.equal(r.status, 0, r.stderr);
      const lines = fs.readFileSync(path.join(dir, "out"), "utf8").trim().split("\n");
      const settings = readCiSettings(ROOT, first.stack)!;
      assert.deepEqual(lines, [
        `stacks=${JSON.stringify([
          {
            ...first,
            environment: settings.environment,
            secrets: settings.secrets,
            runner: settings.runner,
          },
        ])}`,
        `names=${JSON.stringify([first.stack])}`,
      ]);
    });

    it("filters by the run's ref from GITHUB_REF_TYPE / GITHUB_REF_NAME", () => {
      const [first] = ciStacks(ROOT);
      const r = run(["deploy", "only", first.stack], {
        GITHUB_REF_TYPE: "branch",
        GITHUB_REF_NAME: "no/such-branch",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`::notice::${first.stack}: not deployed from branch "no/such-branch"`),
      );
      assert.match(fs.readFileSync(path.join(dir, "out"), "utf8"), /^stacks=\[\]\nnames=\[\]\n$/);
    });

    it("fails with an error annotation for an unknown purpose or stack", () => {
      const bad = run(["ship", "all"]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^::error::usage: matrix\.ts deploy\|preview\|drift/);
      const unknown = run(["deploy", "only", "no-such-stack"]);
      assert.equal(unknown.status, 1);
      assert.match(
        unknown.stderr,
        /::error::stack "no-such-stack" has no Pulumi\.no-such-stack\.yaml with a ferry:ci block/,
      );
    });
  });
});
