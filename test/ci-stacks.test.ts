// scripts/ci/stacks.ts decides which stacks a pull request previews and a push deploys; scripts/ci/
// check-settings.sh stops a job that lacks its settings. Both are tested here with made-up inputs.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  affectedStacks,
  argsForEvent,
  ciStacks,
  select,
  stacksForTag,
  variableKey,
  type CiStack,
} from "../scripts/ci/stacks";
import { ROOT } from "./support/harness";

const demo: CiStack = { stack: "demo", key: "DEMO", region: "eu-central-1" };
const prod: CiStack = { stack: "prod", key: "PROD", region: "us-east-1" };
const prodEu: CiStack = { stack: "prod-eu", key: "PROD_EU", region: "eu-west-1" };
const STACKS = [demo, prod];
const names = (s: CiStack[]) => s.map((x) => x.stack);

describe("scripts/ci/stacks.ts: which stacks a change affects", () => {
  const cases: { title: string; changed: string[]; expected: string[] }[] = [
    { title: "a stack file affects that stack", changed: ["Pulumi.demo.yaml"], expected: ["demo"] },
    {
      title: "two stack files",
      changed: ["Pulumi.prod.yaml", "Pulumi.demo.yaml"],
      expected: ["demo", "prod"],
    },
    { title: "components/ affects all", changed: ["components/dns.ts"], expected: ["demo", "prod"] },
    { title: "stacks/ affects all", changed: ["stacks/fargate.ts"], expected: ["demo", "prod"] },
    { title: "config/ affects all", changed: ["config/ci.ts"], expected: ["demo", "prod"] },
    { title: "index.ts affects all", changed: ["index.ts"], expected: ["demo", "prod"] },
    { title: "the app affects all", changed: ["app/Dockerfile"], expected: ["demo", "prod"] },
    { title: "package-lock.json affects all", changed: ["package-lock.json"], expected: ["demo", "prod"] },
    { title: "package.json affects all", changed: ["package.json"], expected: ["demo", "prod"] },
    { title: "Pulumi.yaml affects all", changed: ["Pulumi.yaml"], expected: ["demo", "prod"] },
    { title: "a policy pack affects all", changed: ["policy/index.ts"], expected: ["demo", "prod"] },
    { title: "docs affect none", changed: ["README.md", "docs/notes.md"], expected: [] },
    { title: "tests affect none", changed: ["test/ci.test.ts"], expected: [] },
    { title: "workflows affect none", changed: [".github/workflows/deploy.yml"], expected: [] },
    {
      title: "a nested file named like index.ts is not the entry",
      changed: ["app/x/index.ts"],
      expected: ["demo", "prod"],
    },
    { title: "test/index.ts is not the entry", changed: ["test/index.ts"], expected: [] },
    { title: "a stack file in a subfolder is not a stack", changed: ["docs/Pulumi.demo.yaml"], expected: [] },
    { title: "a stack without ferry:ci is never chosen", changed: ["Pulumi.carepolicy.yaml"], expected: [] },
    {
      title: "a prefix of a path is not that path",
      changed: ["components-old/x.ts", "appendix.md"],
      expected: [],
    },
    { title: "stack file plus docs", changed: ["Pulumi.prod.yaml", "README.md"], expected: ["prod"] },
    { title: "nothing changed", changed: [], expected: [] },
  ];
  for (const c of cases)
    it(c.title, () => assert.deepEqual(names(affectedStacks(c.changed, STACKS)), c.expected));

  it("keeps the stack's key and region for the matrix", () => {
    assert.deepEqual(affectedStacks(["Pulumi.demo.yaml"], STACKS), [demo]);
  });
});

describe("scripts/ci/stacks.ts: deploy tags", () => {
  const cases: { tag: string; expected: string[] }[] = [
    { tag: "deploy-demo", expected: ["demo"] },
    { tag: "deploy-prod", expected: ["prod"] },
    { tag: "deploy-prod-2026-05-01", expected: ["prod"] },
    { tag: "refs/tags/deploy-demo-v2", expected: ["demo"] },
    { tag: "deploy-2026-05-01", expected: ["demo", "prod"] },
    { tag: "deploy-production", expected: ["demo", "prod"] }, // not "prod": the name must end or continue with "-"
  ];
  for (const c of cases)
    it(`${c.tag} → ${c.expected.join(", ")}`, () =>
      assert.deepEqual(names(stacksForTag(c.tag, STACKS)), c.expected));

  it("the longest stack name wins", () => {
    assert.deepEqual(names(stacksForTag("deploy-prod-eu-1", [prod, prodEu])), ["prod-eu"]);
    assert.deepEqual(names(stacksForTag("deploy-prod-1", [prod, prodEu])), ["prod"]);
  });

  it("refuses a tag that is not a deploy tag", () => {
    assert.throws(() => stacksForTag("v1.0.0", STACKS), /not a deploy tag: "v1.0.0"/);
  });
});

describe("scripts/ci/stacks.ts: modes and events", () => {
  const noDiff = () => {
    throw new Error("diff not expected");
  };

  it("all → every CI stack", () => assert.deepEqual(select(["all"], STACKS, noDiff), STACKS));

  it("only <stack> → that stack; an unknown stack is an error naming the CI stacks", () => {
    assert.deepEqual(select(["only", "prod"], STACKS, noDiff), [prod]);
    assert.throws(
      () => select(["only", "carepolicy"], STACKS, noDiff),
      /stack "carepolicy" has no Pulumi.carepolicy.yaml with a ferry:ci block; CI stacks: demo, prod/,
    );
  });

  it("changed <base> <head> diffs those commits; a new branch (zero base) means all", () => {
    const seen: string[][] = [];
    const diff = (base: string, head: string) => {
      seen.push([base, head]);
      return base === "0000000" ? ("all" as const) : ["Pulumi.prod.yaml"];
    };
    assert.deepEqual(select(["changed", "abc", "def"], STACKS, diff), [prod]);
    assert.deepEqual(select(["changed", "0000000", "def"], STACKS, diff), STACKS);
    assert.deepEqual(seen, [
      ["abc", "def"],
      ["0000000", "def"],
    ]);
  });

  it("rejects an unknown mode", () => {
    assert.throws(() => select(["everything"], STACKS, noDiff), /unknown mode "everything"/);
  });

  it("maps deploy.yml's events to modes", () => {
    const base = { refType: "branch", refName: "main", sha: "head-sha", payload: {} };
    assert.deepEqual(
      argsForEvent({ ...base, name: "workflow_dispatch", payload: { inputs: { stack: "prod" } } }),
      ["only", "prod"],
    );
    assert.deepEqual(argsForEvent({ ...base, name: "push", refType: "tag", refName: "deploy-demo" }), [
      "tag",
      "deploy-demo",
    ]);
    assert.deepEqual(argsForEvent({ ...base, name: "push", payload: { before: "before-sha" } }), [
      "changed",
      "before-sha",
      "head-sha",
    ]);
    assert.throws(() => argsForEvent({ ...base, name: "pull_request" }), /does not handle "pull_request"/);
  });

  it("variable keys are upper-case letters, digits and underscores", () => {
    assert.equal(variableKey("demo"), "DEMO");
    assert.equal(variableKey("prod-eu.1"), "PROD_EU_1");
  });
});

describe("scripts/ci/stacks.ts: reading stack files", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-ci-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);

  it("lists only stacks with a ferry:ci block, with their region and variable key", () => {
    write("Pulumi.yaml", "name: ferry\n");
    write("Pulumi.b-stack.yaml", "config:\n  aws:region: us-east-1\n  ferry:ci:\n    repository: o/r\n");
    write("Pulumi.a.yaml", "config:\n  aws:region: eu-central-1\n  ferry:ci:\n    repository: o/r\n");
    write("Pulumi.nci.yaml", "config:\n  aws:region: eu-central-1\n");
    write("Pulumi.empty.yaml", "");
    assert.deepEqual(ciStacks(dir), [
      { stack: "a", key: "A", region: "eu-central-1" },
      { stack: "b-stack", key: "B_STACK", region: "us-east-1" },
    ]);
  });

  it("a CI stack without aws:region is an error", () => {
    write("Pulumi.x.yaml", "config:\n  ferry:ci:\n    repository: o/r\n");
    assert.throws(() => ciStacks(dir), /Pulumi.x.yaml: aws:region is missing/);
  });

  it("the committed stack files: demo and prod take part in CI, the carepolicy test stack does not", () => {
    const found = ciStacks(ROOT);
    assert.ok(found.some((s) => s.stack === "demo" && s.region === "eu-central-1"));
    assert.ok(found.some((s) => s.stack === "prod" && s.region === "us-east-1"));
    assert.ok(!found.some((s) => s.stack === "carepolicy"));
  });

  it("the CLI writes stacks, names and the single stack's region to $GITHUB_OUTPUT", () => {
    const out = path.join(dir, "out.txt");
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        path.join(ROOT, "test/support/register.js"),
        path.join(ROOT, "scripts/ci/stacks.ts"),
        "only",
        "demo",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: out } },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    assert.deepEqual(lines, [
      'stacks=[{"stack":"demo","key":"DEMO","region":"eu-central-1"}]',
      'names=["demo"]',
      "stack=demo",
      "key=DEMO",
      "region=eu-central-1",
    ]);
  });

  it("the CLI fails with a GitHub error annotation", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        path.join(ROOT, "test/support/register.js"),
        path.join(ROOT, "scripts/ci/stacks.ts"),
        "only",
        "nope",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: "" } },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^::error::stack "nope" has no Pulumi.nope.yaml with a ferry:ci block/);
  });
});
