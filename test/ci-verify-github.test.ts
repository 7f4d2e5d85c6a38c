// The GitHub settings check (scripts/ci/verify-github.ts), offline: a stand-in fetch replays responses in the
// shapes GitHub's REST API documents (version 2022-11-28) for
//   GET /repos/{owner}/{repo}/environments/{environment_name}
//   GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies
//   GET /repos/{owner}/{repo}/actions/oidc/customization/sub
// Every failing case has a passing control that differs only in the setting under test.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ciSettingsOf, type CiSettings } from "../scripts/ci/settings";
import {
  GitHubApi,
  reviewersRequired,
  verify,
  verifyStack,
  WORKFLOW_CLAIM_KEYS,
  type FetchLike,
} from "../scripts/ci/verify-github";

const REPO = "vibejudge/dashboard";
const API = "https://api.github.com";

const reviewerRule = (preventSelfReview = true) => ({
  id: 3755,
  node_id: "MDQ6R2F0ZTM3NTU=",
  prevent_self_review: preventSelfReview,
  type: "required_reviewers",
  reviewers: [
    { type: "User", reviewer: { login: "octocat", id: 1, type: "User", site_admin: false } },
    { type: "Team", reviewer: { id: 1, name: "Justice League", slug: "justice-league", privacy: "closed" } },
  ],
});

/** GET an environment, as documented, with the given rules and branch policy. */
function environment(
  name: string,
  opts: {
    rules?: unknown[];
    policy?: { protected_branches: boolean; custom_branch_policies: boolean } | null;
    canAdminsBypass?: boolean;
  } = {},
) {
  return {
    id: 161088068,
    node_id: "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
    name,
    url: `${API}/repos/${REPO}/environments/${name}`,
    html_url: `https://github.com/${REPO}/deployments/activity_log?environments_filter=${name}`,
    created_at: "2020-11-23T22:00:40Z",
    updated_at: "2020-11-23T22:00:40Z",
    can_admins_bypass: opts.canAdminsBypass ?? false,
    protection_rules: opts.rules ?? [
      { id: 3736, node_id: "MDQ6R2F0ZTM3MzY=", type: "wait_timer", wait_timer: 30 },
      reviewerRule(),
      { id: 3756, node_id: "MDQ6R2F0ZTM3NTY=", type: "branch_policy" },
    ],
    deployment_branch_policy:
      opts.policy === undefined ? { protected_branches: false, custom_branch_policies: true } : opts.policy,
  };
}

const branchPolicies = (policies: { name: string; type: "branch" | "tag" }[]) => ({
  total_count: policies.length,
  branch_policies: policies.map((p, i) => ({
    id: 361471 + i,
    node_id: `MDE2OkdhdGVCcmFuY2hQb2xpY3k${i}`,
    ...p,
  })),
});

type Routes = Record<string, { status: number; body?: unknown }>;

/** A stand-in fetch answering from `routes` (path → response) and recording what was asked. */
function fakeFetch(routes: Routes) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const fetchFn: FetchLike = (url, init) => {
    calls.push({ url, headers: init.headers });
    const route = routes[url.slice(API.length)];
    const answer = route ?? { status: 404, body: { message: "Not Found" } };
    return Promise.resolve({ status: answer.status, json: () => Promise.resolve(answer.body) });
  };
  return { fetchFn, calls };
}

function settings(overrides: Partial<CiSettings> = {}): CiSettings {
  return {
    stack: "prod",
    repository: REPO,
    subjectClaims: "default",
    environment: "prod",
    branches: ["main"],
    tags: ["deploy-*"],
    pullRequests: true,
    driftBranch: "main",
    secrets: "service",
    runner: "ubuntu-latest",
    ...overrides,
  };
}

const envPath = (env: string) => `/repos/${REPO}/environments/${env}`;
const policiesPath = (env: string) => `${envPath(env)}/deployment-branch-policies?per_page=100&page=1`;
const subPath = `/repos/${REPO}/actions/oidc/customization/sub`;

/** Routes of a correctly set-up repository for `env`. */
function goodRoutes(env = "prod"): Routes {
  return {
    [envPath(env)]: { status: 200, body: environment(env) },
    [policiesPath(env)]: {
      status: 200,
      body: branchPolicies([
        { name: "main", type: "branch" },
        { name: "deploy-*", type: "tag" },
      ]),
    },
    [subPath]: { status: 200, body: { use_default: true } },
  };
}

async function check(routes: Routes, ci = settings(), required = true) {
  const { fetchFn, calls } = fakeFetch(routes);
  const findings = await verifyStack(new GitHubApi("ghp_test", fetchFn), ci, required);
  return { findings, calls, errors: findings.filter((f) => f.level === "error").map((f) => f.message) };
}

describe("GitHub settings check (scripts/ci/verify-github.ts)", () => {
  it("a correctly protected environment passes, with read-only authenticated GETs to the documented paths", async () => {
    const { findings, calls } = await check(goodRoutes());
    assert.deepEqual(findings, []);
    assert.deepEqual(
      calls.map((c) => c.url.slice(API.length)),
      [envPath("prod"), policiesPath("prod"), subPath],
    );
    for (const c of calls) {
      assert.equal(c.headers.Authorization, "Bearer ghp_test");
      assert.equal(c.headers["X-GitHub-Api-Version"], "2022-11-28");
    }
  });

  it("a missing environment fails, naming it and what to create", async () => {
    const routes = goodRoutes();
    delete routes[envPath("prod")];
    const { errors } = await check(routes);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /environment prod does not exist in vibejudge\/dashboard: create it/);
    assert.match(errors[0], /branches main and tags deploy-\*/);
  });

  it("no required reviewers: an error, except for the EC2 demo (a warning saying what protects it instead)", async () => {
    const routes = goodRoutes();
    routes[envPath("prod")] = { status: 200, body: environment("prod", { rules: [] }) };
    const strict = await check(routes);
    assert.deepEqual(strict.errors, [
      "prod: environment prod has no required reviewers: add them (Settings > Environments > prod)",
    ]);
    const demo = await check(routes, settings(), false);
    assert.deepEqual(demo.errors, []);
    assert.match(demo.findings[0].message, /whoever can push main or create a deploy-\* tag deploys it/);
    // Control: with reviewers, no finding at all.
    assert.deepEqual((await check(goodRoutes())).findings, []);
  });

  it("self-review and admin bypass are warnings, not errors", async () => {
    const routes = goodRoutes();
    routes[envPath("prod")] = {
      status: 200,
      body: environment("prod", { rules: [reviewerRule(false)], canAdminsBypass: true }),
    };
    const { findings, errors } = await check(routes);
    assert.deepEqual(errors, []);
    assert.equal(findings.length, 2);
    assert.match(findings[0].message, /Prevent self-review/);
    assert.match(findings[1].message, /bypass/);
  });

  it('"any branch" fails loudly with the rules to set', async () => {
    const routes = goodRoutes();
    routes[envPath("prod")] = { status: 200, body: environment("prod", { policy: null }) };
    const { errors } = await check(routes);
    assert.deepEqual(errors, [
      'prod: environment prod allows any branch: set deployment branches main and tags deploy-* ("Selected branches and tags")',
    ]);
  });

  it('"protected branches" fails: it admits every protected branch and no tag', async () => {
    const routes = goodRoutes();
    routes[envPath("prod")] = {
      status: 200,
      body: environment("prod", { policy: { protected_branches: true, custom_branch_policies: false } }),
    };
    const { errors } = await check(routes);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /allows every protected branch and no tag/);
  });

  it("an extra branch pattern fails (it admits a branch with an edited workflow); a missing tag fails too", async () => {
    const routes = goodRoutes();
    routes[policiesPath("prod")] = {
      status: 200,
      body: branchPolicies([
        { name: "main", type: "branch" },
        { name: "release/*", type: "branch" },
      ]),
    };
    const { errors } = await check(routes);
    assert.deepEqual(errors, [
      'prod: environment prod allows branch "release/*", which ferry:ci.deploy.branches does not list (main): remove it',
      'prod: environment prod does not allow tag "deploy-*" (ferry:ci.deploy.tags): add it, or its deploys wait for ever',
    ]);
  });

  it("reads every page of branch policies", async () => {
    const routes = goodRoutes();
    const many = Array.from({ length: 100 }, (_, i) => ({ name: `x${i}`, type: "branch" as const }));
    routes[policiesPath("prod")] = { status: 200, body: { ...branchPolicies(many), total_count: 102 } };
    routes[`${envPath("prod")}/deployment-branch-policies?per_page=100&page=2`] = {
      status: 200,
      body: {
        total_count: 102,
        branch_policies: branchPolicies([
          { name: "main", type: "branch" },
          { name: "deploy-*", type: "tag" },
        ]).branch_policies,
      },
    };
    const { errors } = await check(routes);
    assert.equal(errors.length, 100, "the 100 extra branches; main and deploy-* from page 2 are found");
  });

  it("subjectClaims workflow needs the repository's template to be exactly repo, context, job_workflow_ref", async () => {
    const ci = settings({ subjectClaims: "workflow" });
    const defaults = await check(goodRoutes(), ci);
    assert.equal(defaults.errors.length, 1);
    assert.match(
      defaults.errors[0],
      /sets ferry:ci\.subjectClaims: workflow, but vibejudge\/dashboard uses the default OIDC subject/,
    );
    assert.match(defaults.errors[0], /include_claim_keys\[\]=job_workflow_ref/);

    const routes = goodRoutes();
    routes[subPath] = { status: 200, body: { use_default: false, include_claim_keys: ["repo", "context"] } };
    assert.match((await check(routes, ci)).errors[0], /customizes the OIDC subject as repo, context/);

    routes[subPath] = {
      status: 200,
      body: { use_default: false, include_claim_keys: [...WORKFLOW_CLAIM_KEYS] },
    };
    assert.deepEqual((await check(routes, ci)).errors, []);
  });

  it("subjectClaims default fails when the repository customizes the subject (no role would match)", async () => {
    const routes = goodRoutes();
    routes[subPath] = { status: 200, body: { use_default: false, include_claim_keys: ["repo", "context"] } };
    const { errors } = await check(routes);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /customizes the OIDC subject \(repo, context\), but Pulumi\.prod\.yaml expects the default/,
    );
  });

  it("uses the configured environment name, not the stack name", async () => {
    const { errors, calls } = await check(goodRoutes("production"), settings({ environment: "production" }));
    assert.deepEqual(errors, []);
    assert.ok(calls.some((c) => c.url.endsWith("/environments/production")));
  });

  it("a token that cannot read a setting is an error naming the path and the permissions, not a pass", async () => {
    const routes = goodRoutes();
    routes[subPath] = { status: 403, body: { message: "Resource not accessible by integration" } };
    await assert.rejects(
      () => check(routes),
      /GitHub answered 403 for GET \/repos\/vibejudge\/dashboard\/actions\/oidc\/customization\/sub: the token cannot read it/,
    );
  });

  describe("against stack files", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-verify-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (stack: string, body: string) =>
      fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), `config:\n  aws:region: us-east-1\n${body}`);

    it("checks every CI stack when none is named, each against its own environment", async () => {
      write("prod", "  ferry:topology: fargate-ha\n  ferry:ci:\n    repository: vibejudge/dashboard\n");
      write("demo", "  ferry:topology: ec2-demo\n  ferry:ci:\n    repository: vibejudge/dashboard\n");
      write("local", "  ferry:topology: ec2-demo\n");
      const routes = { ...goodRoutes("prod"), ...goodRoutes("demo") };
      routes[envPath("demo")] = { status: 200, body: environment("demo", { rules: [] }) };
      const { fetchFn, calls } = fakeFetch(routes);
      const findings = await verify(dir, [], new GitHubApi("t", fetchFn));
      assert.deepEqual(
        findings.map((f) => `${f.level} ${f.message.split(":")[0]}`),
        ["warning demo"],
      );
      assert.equal(calls.filter((c) => c.url.endsWith("/customization/sub")).length, 1, "one GET per path");
    });

    it("a named stack without ferry:ci is an error, not a silent pass", async () => {
      write("local", "  ferry:topology: ec2-demo\n");
      await assert.rejects(
        () => verify(dir, ["local"], new GitHubApi("t", fakeFetch({}).fetchFn)),
        /no ferry:ci block/,
      );
    });
  });

  it("reviewers may be missing only for the EC2 demo topology", () => {
    assert.equal(reviewersRequired({ config: { "ferry:topology": "ec2-demo" } }), false);
    assert.equal(reviewersRequired({ config: { "ferry:topology": "fargate-ha" } }), true);
    assert.equal(reviewersRequired({ config: {} }), true);
  });
});

describe("CI settings of a stack file (scripts/ci/settings.ts)", () => {
  const doc = (ci: unknown, extra: Record<string, unknown> = {}) => ({
    ...extra,
    config: { "ferry:ci": ci },
  });

  it("applies the documented defaults", () => {
    assert.deepEqual(ciSettingsOf("demo", doc({ repository: "o/r" })), {
      stack: "demo",
      repository: "o/r",
      subjectClaims: "default",
      environment: "demo",
      branches: ["main"],
      tags: ["deploy-*"],
      pullRequests: true,
      driftBranch: "main",
      secrets: "service",
      runner: "ubuntu-latest",
    });
  });

  it("reads every contract key", () => {
    const s = ciSettingsOf(
      "prod",
      doc({
        repository: "o/r",
        subjectClaims: "workflow",
        deploy: { environment: "production", branches: [], tags: ["release-*"] },
        preview: { pullRequests: false },
        drift: { branch: "trunk" },
      }),
    )!;
    assert.equal(s.environment, "production");
    assert.deepEqual([s.branches, s.tags], [[], ["release-*"]]);
    assert.equal(s.subjectClaims, "workflow");
    assert.equal(s.pullRequests, false);
    assert.equal(s.driftBranch, "trunk");
  });

  it("no ferry:ci block, or mode: user, means no CI roles", () => {
    assert.equal(ciSettingsOf("x", { config: {} }), undefined);
    assert.equal(ciSettingsOf("x", null), undefined);
    assert.equal(ciSettingsOf("x", doc({ mode: "user", repository: "o/r" })), undefined);
  });

  it("tells the secrets provider from the stack file", () => {
    const of = (extra: Record<string, unknown>) =>
      ciSettingsOf("x", doc({ repository: "o/r" }, extra))!.secrets;
    assert.equal(of({}), "service");
    assert.equal(of({ encryptionsalt: "v1:abc" }), "passphrase");
    assert.equal(of({ secretsprovider: "passphrase", encryptionsalt: "v1:abc" }), "passphrase");
    assert.equal(of({ secretsprovider: "awskms://alias/x?region=us-east-1", encryptedkey: "AQI" }), "awskms");
    assert.equal(of({ secretsprovider: "hashivault://k" }), "other");
  });

  it("bad values name the file, the key and the expected value", () => {
    const bad = (ci: unknown) => () => ciSettingsOf("prod", doc(ci));
    assert.throws(
      bad({ repository: "o" }),
      /Pulumi\.prod\.yaml: ferry:ci\.repository must be a GitHub repository "owner\/name"/,
    );
    assert.throws(
      bad({ repository: "o/r", subjectClaims: "custom" }),
      /ferry:ci\.subjectClaims must be "default" or "workflow"/,
    );
    assert.throws(
      bad({ repository: "o/r", deploy: { environment: "a b" } }),
      /ferry:ci\.deploy\.environment must be a GitHub environment name/,
    );
    assert.throws(
      bad({ repository: "o/r", deploy: { tags: "deploy-*" } }),
      /ferry:ci\.deploy\.tags must be a list/,
    );
    assert.throws(
      bad({ repository: "o/r", preview: { pullRequests: "yes" } }),
      /ferry:ci\.preview\.pullRequests must be true or false/,
    );
    assert.throws(
      bad({ repository: "o/r", drift: { branch: "*" } }),
      /ferry:ci\.drift\.branch must be one branch name/,
    );
  });
});
