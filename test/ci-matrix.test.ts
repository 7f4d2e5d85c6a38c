// The workflows' job matrices (scripts/ci/matrix.ts): which selected stacks each workflow runs, with the
// GitHub environment of each deploy. Holds for any stack file: the cases build their own settings.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { matrixFor } from "../scripts/ci/matrix";
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
  };
  const all = Object.keys(table).map(stack);
  const lookup = (s: string) => table[s];

  it("deploy: every selected stack, each with its environment (default the stack name)", () => {
    const { entries, notices } = matrixFor("deploy", all, lookup);
    assert.deepEqual(
      entries.map((e) => `${e.stack}@${e.environment}`),
      ["demo@demo", "prod@production", "quiet@quiet", "trunk@trunk", "local@local"],
    );
    assert.deepEqual(notices, []);
    assert.deepEqual(Object.keys(entries[0]).sort(), ["environment", "key", "region", "secrets", "stack"]);
  });

  it("preview: not for stacks without pull-request previews, nor passphrase stacks; each left-out stack is named", () => {
    const { entries, notices } = matrixFor("preview", all, lookup);
    assert.deepEqual(
      entries.map((e) => e.stack),
      ["demo", "prod", "trunk"],
    );
    assert.equal(notices.length, 2);
    assert.match(notices[0], /^quiet: no preview \(ferry:ci\.preview\.pullRequests is false\)/);
    assert.match(
      notices[1],
      /^local: no preview \(passphrase secrets provider; the passphrase lives only in the "local" environment/,
    );
  });

  it("drift: only stacks whose drift branch is this run's branch", () => {
    assert.deepEqual(
      matrixFor("drift", all, lookup, "main").entries.map((e) => e.stack),
      ["demo", "prod", "quiet"],
    );
    assert.deepEqual(
      matrixFor("drift", all, lookup, "trunk").entries.map((e) => e.stack),
      ["trunk"],
    );
    assert.match(
      matrixFor("drift", all, lookup, "main").notices[0],
      /trunk: no drift check on branch "main"/,
    );
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
        ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts/ci/matrix.ts"), ...args],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, GITHUB_OUTPUT: path.join(dir, "out"), ...env },
        },
      );

    it("writes the matrix and the names to $GITHUB_OUTPUT", () => {
      const [first] = ciStacks(ROOT);
      const r = run(["deploy", "only", first.stack]);
      assert.equal(r.status, 0, r.stderr);
      const lines = fs.readFileSync(path.join(dir, "out"), "utf8").trim().split("\n");
      const settings = readCiSettings(ROOT, first.stack)!;
      assert.deepEqual(lines, [
        `stacks=${JSON.stringify([{ ...first, environment: settings.environment, secrets: settings.secrets }])}`,
        `names=${JSON.stringify([first.stack])}`,
      ]);
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
