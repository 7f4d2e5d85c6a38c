// CI access (C2): `ferry:ci` validation, the trust policies (only this repository, one context per role, audience
// pinned, both shapes of GitHub's `sub`, optionally bound to the workflow file), the shape of the permissions
// (no IAM writes, exact names, tag conditions), and the seeds' key-based user whose secret key is only a secret
// output. What the permissions allow and deny is simulated in test/iam-simulation.test.ts.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, type FerryConfig } from "../config";
import {
  CI_PATH,
  deployEdgePolicy,
  deployLoadBalancingPolicy,
  deployNetworkPolicy,
  deployPolicy,
  driftPolicy,
  ecrPushPolicy,
  IAM_WRITES,
  policy,
  previewPolicy,
  subjectPatterns,
  trustPolicy,
  type CiIdentityArns,
  type CiScope,
  type PolicyDocument,
  type PolicyStatement,
} from "../components/ciAccess";
import { BUCKET_SUFFIX_LENGTH } from "../components/ciAccess/scope";
import { deployEnvironment } from "../config/ci";
import { ciScope } from "../stacks/ci";
import { ROOT, evaluateStack, json, stackConfig, stackFiles, type Evaluation } from "./support/harness";

const SUB = "token.actions.githubusercontent.com:sub";
const AUD = "token.actions.githubusercontent.com:aud";

function parse(stack: string, ci: unknown): FerryConfig {
  const raw = { ...stackConfig(stack).config, "ferry:ci": JSON.stringify(ci) };
  return parseConfig(raw, {
    project: "ferry",
    stack,
    projectRoot: ROOT,
    readSecret: (key) => pulumi.secret(`value-of-${key}`),
  });
}

const actionsOf = (s: PolicyStatement) => (typeof s.Action === "string" ? [s.Action] : [...s.Action]);
const resourcesOf = (s: PolicyStatement) =>
  s.Resource === undefined ? [] : typeof s.Resource === "string" ? [s.Resource] : [...s.Resource];
const READ_VERB = /^[a-z0-9-]+:(Describe|List|Get|BatchGet|BatchCheck)/;

/** IAM's glob: `*` any run of characters, `?` one character; the rest literal. */
function globMatches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

/** A full scope for the pure policy tests; fields overridable. */
function scope(over: Partial<CiScope> = {}): CiScope {
  return {
    partition: "aws",
    region: "eu-central-1",
    accountId: "108782059508",
    prefix: "ragstream-demo",
    tags: { app: "ragstream", stack: "demo" },
    topology: "ec2-demo",
    repositoryName: "ragstream-web",
    alarmNames: ["ragstream-demo-idle-stop"],
    topicNames: [],
    logGroupNames: ["/aws/lambda/ragstream-demo-wake"],
    functionNames: ["ragstream-demo-wake"],
    eventRuleNames: [],
    serviceNames: [],
    taskFamilies: [],
    parameterPaths: ["/ragstream-demo/", "/ferry/ragstream-demo/"],
    secretPaths: [],
    lookedUpSecrets: [],
    passRoles: [
      { name: "ragstream-demo-instance", service: "ec2.amazonaws.com" },
      { name: "ragstream-demo-wake", service: "lambda.amazonaws.com" },
    ],
    instanceProfileNames: ["ragstream-demo-instance"],
    instance: { type: "t3.medium" },
    ownVpc: false,
    secretKmsKeyArns: [],
    ...over,
  };
}
const fargateScope = (over: Partial<CiScope> = {}) =>
  scope({
    region: "us-east-1",
    accountId: "123456789012",
    prefix: "vibejudge-prod",
    tags: { app: "vibejudge", stack: "prod" },
    topology: "fargate-ha",
    repositoryName: "vibejudge-dashboard",
    alarmNames: ["vibejudge-prod-latency", "vibejudge-prod-cpu-high"],
    topicNames: ["vibejudge-prod-alarms"],
    logGroupNames: ["/ecs/vibejudge-dashboard"],
    functionNames: [],
    eventRuleNames: [],
    clusterName: "vibejudge-cluster",
    serviceNames: ["vibejudge-prod"],
    taskFamilies: ["vibejudge-prod"],
    parameterPaths: [],
    secretPaths: ["vibejudge-prod/"],
    passRoles: [
      { name: "vibejudge-prod-exec", service: "ecs-tasks.amazonaws.com" },
      { name: "vibejudge-prod-task", service: "ecs-tasks.amazonaws.com" },
    ],
    instanceProfileNames: [],
    instance: undefined,
    ownVpc: true,
    ...over,
  });
const PROVIDER = "arn:aws:iam::108782059508:oidc-provider/token.actions.githubusercontent.com";
const CI: CiIdentityArns = {
  roles: ["arn:aws:iam::108782059508:role/ferry-ci/ragstream-demo-ci-deploy"],
  policies: ["arn:aws:iam::108782059508:policy/ferry-ci/ragstream-demo-ci-read"],
  oidcProvider: PROVIDER,
};

describe("ferry:ci config", () => {
  it("defaults: OIDC; the stack's environment (main and deploy-* tags as its rules); PR previews; drift on main", () => {
    const cfg = parse("demo", { repository: "rusbehabtahi/ragstream" });
    assert.deepEqual(cfg.ci, {
      mode: "oidc",
      repository: "rusbehabtahi/ragstream",
      subjectClaims: "default",
      deploy: { branches: ["main"], tags: ["deploy-*"] },
      preview: { pullRequests: true },
      drift: { branch: "main" },
    });
    assert.equal(deployEnvironment(cfg.ci, "demo"), "demo");
    assert.equal(deployEnvironment(cfg.ci, "acme/ferry/staging"), "staging");
  });

  it("the committed stacks: demo deploys through its own environment, prod through prod from main only", () => {
    const demo = parse("demo", stackCi("demo")).ci!;
    assert.deepEqual(demo.deploy, { branches: ["main"], tags: ["deploy-*"] });
    assert.equal(deployEnvironment(demo, "demo"), "demo");
    const prod = parse("prod", stackCi("prod")).ci!;
    assert.deepEqual(prod.deploy, { environment: "prod", branches: ["main"], tags: [] });
    assert.deepEqual(prod.preview, { pullRequests: true });
  });

  it("aws:defaultTags may add tags but not override ferry's own stack/app tags (any case)", () => {
    const withTags = (tags: Record<string, string>) =>
      parseConfig(
        { ...stackConfig("demo").config, "aws:defaultTags": JSON.stringify({ tags }) },
        { project: "ferry", stack: "demo", projectRoot: ROOT, readSecret: (key) => pulumi.secret(key) },
      );
    assert.deepEqual(withTags({ team: "data" }).tags, {
      app: "ragstream",
      stack: "demo",
      "managed-by": "ferry",
      team: "data",
    });
    for (const key of ["stack", "app", "Stack", "APP"])
      assert.throws(
        () => withTags({ [key]: "prod" }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(
            e.message,
            new RegExp(`aws:defaultTags\\.tags\\.${key}: got "prod", expected no "${key}" tag: ferry sets`),
          );
          return true;
        },
        key,
      );
  });

  const bad: { title: string; ci: unknown; message: string }[] = [
    {
      title: "repository without an owner",
      ci: { repository: "ragstream" },
      message: 'ferry:ci.repository: got "ragstream", expected a GitHub repository "owner/name"',
    },
    {
      title: "a wildcard repository",
      ci: { repository: "*/*" },
      message: 'ferry:ci.repository: got "*/*", expected a GitHub repository "owner/name"',
    },
    {
      title: "a repository path with three parts",
      ci: { repository: "a/b/c" },
      message: 'ferry:ci.repository: got "a/b/c", expected a GitHub repository "owner/name"',
    },
    {
      title: "missing repository",
      ci: { mode: "oidc" },
      message: 'ferry:ci.repository: got missing, expected a GitHub repository "owner/name"',
    },
    {
      title: "unknown mode",
      ci: { repository: "o/r", mode: "keys" },
      message: 'ferry:ci.mode: got "keys", expected "oidc" or "user"',
    },
    {
      title: "a bare * branch",
      ci: { repository: "o/r", deploy: { branches: ["*"] } },
      message:
        'ferry:ci.deploy.branches[0]: got "*", expected a branch name or pattern such as "main" (starts with a letter or digit; then . _ - / and *)',
    },
    {
      title: "a tag pattern that starts with *",
      ci: { repository: "o/r", deploy: { tags: ["*-deploy"] } },
      message:
        'ferry:ci.deploy.tags[0]: got "*-deploy", expected a tag name or pattern such as "deploy-*" (starts with a letter or digit; then . _ - / and *)',
    },
    {
      title: "an environment name with a space",
      ci: { repository: "o/r", deploy: { environment: "prod env" } },
      message:
        'ferry:ci.deploy.environment: got "prod env", expected a GitHub environment name such as "prod" (letters, digits, . _ -)',
    },
    {
      title: "the old deploy.environments list",
      ci: { repository: "o/r", deploy: { environments: ["prod"] } },
      message:
        'ferry:ci.deploy.environments: got ["prod"], expected no "environments" list: one "environment" (a string; default the stack name) — branches and tags are now its deployment rules',
    },
    {
      title: "the old preview.branches list",
      ci: { repository: "o/r", preview: { branches: ["main"] } },
      message:
        'ferry:ci.preview.branches: got ["main"], expected no "preview.branches": the scheduled refresh has its own role now, set its branch with "drift.branch"',
    },
    {
      title: "a drift branch pattern",
      ci: { repository: "o/r", drift: { branch: "release/*" } },
      message: 'ferry:ci.drift.branch: got "release/*", expected one branch name such as "main" (no pattern)',
    },
    {
      title: "an unknown subject shape",
      ci: { repository: "o/r", subjectClaims: "job" },
      message: 'ferry:ci.subjectClaims: got "job", expected "default" or "workflow"',
    },
    {
      title: "ownerId without repositoryId",
      ci: { repository: "o/r", ownerId: 123 },
      message:
        "ferry:ci.repositoryId: got missing, expected ownerId and repositoryId set together (both appear in the immutable sub claim)",
    },
    {
      title: "an id as a string",
      ci: { repository: "o/r", ownerId: "123", repositoryId: 456 },
      message:
        'ferry:ci.ownerId: got "123", expected GitHub\'s numeric owner id, a positive integer (gh api repos/OWNER/REPO)',
    },
    {
      title: "an OIDC provider for another issuer",
      ci: {
        repository: "o/r",
        oidcProviderArn: "arn:aws:iam::1:oidc-provider/gitlab.com",
      },
      message:
        'ferry:ci.oidcProviderArn: got "arn:aws:iam::1:oidc-provider/gitlab.com", expected the ARN of the GitHub OIDC provider, such as "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"',
    },
    {
      title: "pullRequests as a string",
      ci: { repository: "o/r", preview: { pullRequests: "yes" } },
      message: 'ferry:ci.preview.pullRequests: got "yes", expected true or false',
    },
    {
      title: "a misspelt key",
      ci: { repository: "o/r", envirnoments: ["prod"] },
      message:
        'ferry:ci: unknown key "envirnoments", expected one of: mode, repository, ownerId, repositoryId, subjectClaims, deploy, preview, drift, oidcProviderArn, stateBucket, secretsKmsKeyArn',
    },
    {
      title: "a misspelt key close to a known one",
      ci: { repository: "o/r", repositry: "o/r" },
      message: 'ferry:ci: unknown key "repositry", did you mean "repository"?',
    },
  ];
  for (const c of bad)
    it(`rejects ${c.title} with one exact message`, () => {
      assert.throws(
        () => parse("demo", c.ci),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.equal(e.message, `Invalid stack config: ${c.message}`);
          return true;
        },
      );
    });
});

function stackCi(stack: string): unknown {
  return JSON.parse(stackConfig(stack).config["ferry:ci"]);
}

describe("CI trust policy (pure)", () => {
  it("one context per role, in both shapes of the sub claim; exact ids when configured", () => {
    const repo = { repository: "octo/app", ownerId: 11, repositoryId: 22 };
    assert.deepEqual(subjectPatterns(repo, { kind: "deploy", environment: "prod" }), [
      "repo:octo/app:environment:prod",
      "repo:octo@11/app@22:environment:prod",
    ]);
    assert.deepEqual(subjectPatterns(repo, { kind: "preview" }), [
      "repo:octo/app:pull_request",
      "repo:octo@11/app@22:pull_request",
    ]);
    // Without ownerId/repositoryId only the legacy shape: a wildcard id shape would reach sibling repositories.
    assert.deepEqual(subjectPatterns({ repository: "octo/app" }, { kind: "drift", branch: "main" }), [
      "repo:octo/app:ref:refs/heads/main",
    ]);
    assert.deepEqual(subjectPatterns({ repository: "octo/app", ownerId: 11 }, { kind: "preview" }), [
      "repo:octo/app:pull_request",
    ]);
  });

  it('"workflow" shape: the sub also names the workflow file each role belongs to', () => {
    const repo = { repository: "octo/app", subjectClaims: "workflow" as const };
    assert.deepEqual(subjectPatterns(repo, { kind: "deploy", environment: "prod" }), [
      "repo:octo/app:environment:prod:job_workflow_ref:octo/app/.github/workflows/deploy.yml@*",
    ]);
    assert.deepEqual(
      subjectPatterns({ ...repo, ownerId: 11, repositoryId: 22 }, { kind: "deploy", environment: "prod" }),
      [
        "repo:octo/app:environment:prod:job_workflow_ref:octo/app/.github/workflows/deploy.yml@*",
        "repo:octo@11/app@22:environment:prod:job_workflow_ref:octo/app/.github/workflows/deploy.yml@*",
      ],
    );
    const [preview] = subjectPatterns(repo, { kind: "preview" });
    assert.ok(
      globMatches(
        preview,
        "repo:octo/app:pull_request:job_workflow_ref:octo/app/.github/workflows/preview.yml@refs/pull/7/merge",
      ),
    );
    for (const other of [
      "repo:octo/app:pull_request:job_workflow_ref:octo/app/.github/workflows/deploy.yml@refs/pull/7/merge",
      "repo:octo/app:pull_request:job_workflow_ref:evil/app/.github/workflows/preview.yml@refs/heads/main",
      "repo:octo/app:pull_request",
    ])
      assert.ok(!globMatches(preview, other), other);
  });

  it("refuses a repository that is not exactly owner/name", () => {
    for (const repository of ["*/app", "octo/*", "octo", "a/b/c", "octo@1/app"])
      assert.throws(() => subjectPatterns({ repository }, { kind: "preview" }), /owner\/name/);
  });

  it("federates the GitHub provider, pins aud to sts.amazonaws.com, and matches sub with StringLike", () => {
    const doc = trustPolicy(PROVIDER, ["repo:octo/app:environment:prod"]);
    assert.deepEqual(doc.Statement, [
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [AUD]: "sts.amazonaws.com" },
          StringLike: { [SUB]: ["repo:octo/app:environment:prod"] },
        },
      },
    ]);
    assert.throws(() => trustPolicy(PROVIDER, []), /at least one allowed sub/);
  });

  it("a sibling repository's customized subject matches no pattern, with or without the ids", () => {
    // A `*` in place of the ids spans ":" and "/": "repo:octo@*/app@*:…" matched this sub of repo octo/other.
    const sibling = "repo:octo@11/other@33:ref:refs/heads/x/app@22:environment:demo";
    for (const repo of [
      { repository: "octo/app" },
      { repository: "octo/app", ownerId: 11, repositoryId: 22 },
      { repository: "octo/app", subjectClaims: "workflow" as const },
    ]) {
      const subs = subjectPatterns(repo, { kind: "deploy", environment: "demo" });
      assert.ok(!subs.some((p) => globMatches(p, sibling)), JSON.stringify(repo));
      // Positive control: the repository's own subject in the shape it is configured for.
      assert.ok(
        subs.some((p) =>
          globMatches(
            p,
            repo.subjectClaims === "workflow"
              ? "repo:octo/app:environment:demo:job_workflow_ref:octo/app/.github/workflows/deploy.yml@refs/heads/main"
              : "repo:octo/app:environment:demo",
          ),
        ),
        JSON.stringify(repo),
      );
    }
    const [, exact] = subjectPatterns(
      { repository: "octo/app", ownerId: 11, repositoryId: 22 },
      { kind: "deploy", environment: "demo" },
    );
    assert.ok(globMatches(exact, "repo:octo@11/app@22:environment:demo"));
    assert.ok(!globMatches(exact, "repo:octo@11/app@23:environment:demo"));
  });

  it("the exact id shape cannot match another repository, owner or context", () => {
    const [, immutable] = subjectPatterns(
      { repository: "octo/app", ownerId: 11, repositoryId: 22 },
      { kind: "drift", branch: "main" },
    );
    assert.ok(globMatches(immutable, "repo:octo@11/app@22:ref:refs/heads/main"));
    for (const other of [
      "repo:octo@11/app2@22:ref:refs/heads/main",
      "repo:evil@11/app@22:ref:refs/heads/main",
      "repo:octo-x@11/app@22:ref:refs/heads/main",
      "repo:octo@11/other@22:ref:refs/heads/feature/app@1", // a branch cannot supply ":ref:refs/heads/main"
      "repo:octo/app:ref:refs/heads/main-evil",
      "repo:octo@11/app@22:ref:refs/tags/deploy-x",
      "repo:octo@11/app@22:pull_request",
    ])
      assert.ok(!globMatches(immutable, other), other);
  });
});

describe("CI permissions (pure)", () => {
  const demo = scope({
    dns: {
      zoneArn: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      records: [{ name: "demo.example.com", types: ["A"] }],
    },
    rolloutDocumentName: "ferry-ragstream-demo-rollout",
  });
  const prod = fargateScope({
    dataBucket: { namePrefix: "vibejudge-prod-data-" },
    cloudfront: true,
    dns: {
      zoneArn: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      records: [{ name: "app.example.com", types: ["A", "AAAA"] }],
      certificateFor: "app.example.com",
      certificateRegion: "us-east-1",
    },
  });
  /** The same stack outside us-east-1: CloudFront and its certificate stay in us-east-1. */
  const prodEu = { ...prod, region: "eu-west-1" };
  const documents = (s: CiScope): [string, PolicyDocument][] => [
    ["deploy", deployPolicy(s)],
    ["network", deployNetworkPolicy(s)],
    ["elb", deployLoadBalancingPolicy(s)],
    ["edge", deployEdgePolicy(s)],
    ["preview", previewPolicy(s)],
    ["drift", driftPolicy(s, CI)],
  ];
  const allows = (d: PolicyDocument) => d.Statement.filter((s) => s.Effect === "Allow");

  it("unique Sids; within IAM's size limits (inline 10,240, managed 6,144 characters) with every option on", () => {
    const extras: Partial<CiScope> = {
      secretKmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"],
      state: { bucket: "ferry-state-123456789012", project: "ferry", stack: "prod" },
      secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000001",
      lookedUpSecrets: ["prod/db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"],
    };
    const everyOption = [
      { ...prod, ...extras, alarmNames: Array.from({ length: 6 }, (_, i) => `vibejudge-prod-alarm-${i}`) },
      // IPv6-only tasks, in the longest region name AWS has.
      {
        ...prod,
        ...extras,
        ipv6Tasks: true,
        region: "ap-southeast-2",
        alarmNames: Array.from({ length: 6 }, (_, i) => `vibejudge-prod-alarm-${i}`),
      },
      { ...prodEu, ...extras, alarmNames: Array.from({ length: 6 }, (_, i) => `vibejudge-prod-alarm-${i}`) },
      { ...demo, ...extras },
    ];
    for (const s of everyOption)
      for (const [kind, doc] of documents(s)) {
        const sids = doc.Statement.map((x) => x.Sid);
        assert.equal(new Set(sids).size, sids.length, kind);
        const limit = kind === "deploy" ? 10240 : 6144;
        assert.ok(
          JSON.stringify(doc).length < limit,
          `${s.topology} ${kind}: ${JSON.stringify(doc).length} of ${limit}`,
        );
      }
  });

  it("the deploy role: an explicit Deny of every IAM write and of role chaining, whatever else is attached", () => {
    for (const s of [demo, prod]) {
      const deny = deployPolicy(s).Statement.find((x) => x.Sid === "NoIamChanges")!;
      assert.equal(deny.Effect, "Deny");
      assert.deepEqual(resourcesOf(deny), ["*"]);
      assert.deepEqual(actionsOf(deny), [...IAM_WRITES]);
      for (const a of [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:CreatePolicyVersion",
        "iam:AddRoleToInstanceProfile",
        "iam:CreateServiceLinkedRole",
        "sts:AssumeRole",
      ])
        assert.ok(
          actionsOf(deny).some((p) => globMatches(p, a)),
          a,
        );
      // The only IAM action any CI document allows besides reads is PassRole, on exact role ARNs.
      for (const [kind, doc] of documents(s))
        for (const st of allows(doc))
          for (const a of actionsOf(st).filter((x) => x.startsWith("iam:") && !READ_VERB.test(x))) {
            assert.equal(a, "iam:PassRole", `${kind} ${st.Sid}`);
            assert.ok(
              resourcesOf(st).every((r) => !r.includes("*")),
              `${kind} ${st.Sid}`,
            );
          }
    }
  });

  it("PassRole: exactly the stack's roles, each only to its service", () => {
    const pass = deployPolicy(demo).Statement.filter((x) => actionsOf(x).includes("iam:PassRole"));
    assert.deepEqual(
      pass.map((x) => [resourcesOf(x), x.Condition]),
      [
        [
          ["arn:aws:iam::108782059508:role/ragstream-demo-instance"],
          { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        ],
        [
          ["arn:aws:iam::108782059508:role/ragstream-demo-wake"],
          { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
        ],
      ],
    );
  });

  it("a change on Resource '*' is always limited to the stack's region (ECR login and identity excepted)", () => {
    for (const [s, region] of [
      [demo, "eu-central-1"],
      [prod, "us-east-1"],
      [prodEu, "eu-west-1"],
    ] as const)
      for (const [kind, doc] of documents(s))
        for (const st of allows(doc).filter((x) => resourcesOf(x).includes("*"))) {
          const global = actionsOf(st).every((a) => /^(route53|sts|ecr:GetAuthorizationToken)/.test(a));
          if (global) continue;
          // CloudFront (a global service) and the certificate it serves: us-east-1, whatever the stack's region.
          const usEast1 = actionsOf(st).every((a) => /^(cloudfront|acm):/.test(a));
          assert.equal(
            (st.Condition?.StringEquals as Record<string, string> | undefined)?.["aws:RequestedRegion"],
            usEast1 ? "us-east-1" : region,
            `${kind} ${st.Sid}`,
          );
        }
  });

  it("CloudFront: created only with this stack's tags, changed only with them; its certificate only in us-east-1", () => {
    const byId = Object.fromEntries(
      [...deployPolicy(prodEu).Statement, ...deployEdgePolicy(prodEu).Statement].map((x) => [x.Sid, x]),
    );
    const eq = (sid: string) => byId[sid].Condition!.StringEquals as Record<string, string>;
    // The CloudFront statements are a managed policy of their own; the inline policy holds none of them.
    assert.ok(!deployPolicy(prodEu).Statement.some((x) => x.Sid?.startsWith("CloudFront")));
    assert.deepEqual(actionsOf(byId.CloudFrontCreateTagged), [
      "cloudfront:CreateDistribution",
      "cloudfront:CreateVpcOrigin",
    ]);
    assert.deepEqual(eq("CloudFrontCreateTagged"), {
      "aws:RequestedRegion": "us-east-1",
      "aws:RequestTag/app": "vibejudge",
      "aws:RequestTag/stack": "prod",
    });
    assert.equal(eq("CloudFrontOwn")["aws:ResourceTag/stack"], "prod");
    assert.deepEqual(resourcesOf(byId.CloudFrontOwn), [
      "arn:aws:cloudfront::123456789012:distribution/*",
      "arn:aws:cloudfront::123456789012:vpcorigin/*",
    ]);
    assert.deepEqual(byId.CloudFrontTagOwn.Condition!["ForAllValues:StringNotEquals"], {
      "aws:TagKeys": ["stack", "app"],
    });
    // No IAM: the VPC origins' service-linked role comes from a local admin `pulumi up`.
    for (const [, doc] of documents(prodEu))
      for (const st of allows(doc)) assert.ok(!actionsOf(st).includes("iam:CreateServiceLinkedRole"), st.Sid);
    for (const sid of ["CertificateRequest", "CertificateTagOnCreate", "CertificateOwn"])
      assert.equal(eq(sid)["aws:RequestedRegion"], "us-east-1", sid);
    assert.deepEqual(resourcesOf(byId.CertificateOwn), ["arn:aws:acm:us-east-1:123456789012:certificate/*"]);
    // The prefix-list lookup is a preview's; without CloudFront there is none of it.
    const preview = (s: CiScope) => allows(previewPolicy(s)).flatMap(actionsOf);
    assert.ok(preview(prodEu).includes("ec2:GetManagedPrefixListEntries"));
    assert.ok(!preview({ ...prodEu, cloudfront: false }).includes("ec2:GetManagedPrefixListEntries"));
    assert.ok(
      !deployPolicy({ ...prodEu, cloudfront: false }).Statement.some((x) => x.Sid.startsWith("CloudFront")),
    );
  });

  it("named resources by exact name or a delimited path: nothing reaches stack demo2 or demo-eu", () => {
    const others = ["ragstream-demo2", "ragstream-demo-eu"];
    const theirs = others.flatMap((o) => [
      `arn:aws:cloudwatch:eu-central-1:108782059508:alarm:${o}-idle-stop`,
      `arn:aws:ssm:eu-central-1:108782059508:parameter/${o}/SECRET`,
      `arn:aws:ssm:eu-central-1:108782059508:parameter/ferry/${o}/image`,
      `arn:aws:lambda:eu-central-1:108782059508:function:${o}-wake`,
      `arn:aws:logs:eu-central-1:108782059508:log-group:/aws/lambda/${o}-wake`,
      `arn:aws:iam::108782059508:role/${o}-instance`,
      `arn:aws:iam::108782059508:instance-profile/${o}-instance`,
    ]);
    for (const [kind, doc] of documents(demo))
      for (const st of allows(doc))
        for (const r of resourcesOf(st).filter((x) => x !== "*"))
          for (const arn of theirs) assert.ok(!globMatches(r, arn), `${kind} ${st.Sid}: ${r} reaches ${arn}`);
  });

  it("tags: created only with this stack's tags, changed only with them, never re-tagged to another stack", () => {
    for (const [s, tags] of [
      [demo, { app: "ragstream", stack: "demo" }],
      [prod, { app: "vibejudge", stack: "prod" }],
    ] as const) {
      const net = policy([
        ...deployNetworkPolicy(s).Statement,
        ...(s.topology === "fargate-ha" ? deployLoadBalancingPolicy(s).Statement : []),
      ]);
      for (const st of allows(net)) {
        const eq = (st.Condition?.StringEquals ?? {}) as Record<string, unknown>;
        const tagActions = actionsOf(st).filter((a) => /:(CreateTags|AddTags)$/.test(a));
        if (tagActions.length) {
          // Either inside a create call with this stack's tags, or on an own resource without the ferry keys.
          const onCreate = eq["ec2:CreateAction"] ?? eq["elasticloadbalancing:CreateAction"];
          if (onCreate) {
            assert.equal(eq["aws:RequestTag/stack"], tags.stack, st.Sid);
            assert.equal(eq["aws:RequestTag/app"], tags.app, st.Sid);
          } else {
            assert.equal(eq["aws:ResourceTag/stack"], tags.stack, st.Sid);
            assert.deepEqual(
              st.Condition?.["ForAllValues:StringNotEquals"],
              { "aws:TagKeys": ["stack", "app"] },
              st.Sid,
            );
          }
        }
      }
      const own = allows(net).find((x) => /OwnResources$/.test(x.Sid))!;
      assert.equal(
        (own.Condition?.StringEquals as Record<string, string>)["aws:ResourceTag/stack"],
        tags.stack,
      );
    }
  });

  it("the demo's rollout: only its own document, AWS-RunShellScript and every other document denied", () => {
    const byId = Object.fromEntries(deployPolicy(demo).Statement.map((x) => [x.Sid, x]));
    const doc = "arn:aws:ssm:eu-central-1:108782059508:document/ferry-ragstream-demo-rollout";
    assert.deepEqual(resourcesOf(byId.RolloutDocument), [doc]);
    assert.equal(byId.NoShellDocuments.Effect, "Deny");
    assert.deepEqual(byId.NoShellDocuments.NotResource, [
      doc,
      "arn:aws:ec2:eu-central-1:108782059508:instance/*",
    ]);
    assert.equal(byId.NoRunShellScript.Effect, "Deny");
    // Without a document the rollout is not allowed at all (and still denied for every other document).
    const none = deployPolicy({ ...demo, rolloutDocumentName: undefined });
    assert.ok(!none.Statement.some((x) => x.Effect === "Allow" && actionsOf(x).includes("ssm:SendCommand")));
    assert.equal(
      deployPolicy(prod).Statement.find((x) => x.Sid === "RolloutDocument"),
      undefined,
    );
  });

  it("Route 53: only the stack's record names and types (and ACM's validation CNAME for Fargate)", () => {
    const byId = Object.fromEntries(deployPolicy(prod).Statement.map((x) => [x.Sid, x]));
    assert.deepEqual(byId.DnsRecords.Condition, {
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["app.example.com"],
        "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA"],
        "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
      },
    });
    const [validation] = (
      byId.DnsValidationRecord.Condition!["ForAllValues:StringLike"] as Record<string, string[]>
    )["route53:ChangeResourceRecordSetsNormalizedRecordNames"];
    assert.ok(globMatches(validation, `_${"0".repeat(32)}.app.example.com`));
    assert.ok(!globMatches(validation, "_acme-challenge.app.example.com"));
  });

  it("the preview role: the program's lookups only — no values, user data, task definitions or policies", () => {
    const forbidden =
      /^(ssm:GetParameter|secretsmanager:GetSecretValue|ec2:DescribeInstanceAttribute|ecs:DescribeTaskDefinition|iam:|kms:Encrypt|lambda:Get)/;
    for (const s of [demo, prod]) {
      const doc = previewPolicy({
        ...s,
        state: { bucket: "ferry-state", project: "ferry", stack: s.tags.stack },
      });
      for (const st of allows(doc))
        for (const a of actionsOf(st)) {
          assert.ok(!forbidden.test(a) && !a.includes("*"), `${st.Sid}: ${a}`);
          // Its only write: the stack's lock in a self-managed backend.
          if (/^s3:(Put|Delete)/.test(a)) assert.equal(st.Sid, "StateLock", a);
        }
      // ...which the drift role (scheduled, default branch) has, scoped where AWS lets us.
      const drift = driftPolicy(s, CI);
      assert.ok(allows(drift).some((x) => actionsOf(x).includes("ecs:DescribeTaskDefinition")));
      const attrs = allows(drift).find((x) => actionsOf(x).includes("ec2:DescribeInstanceAttribute"))!;
      assert.equal(
        (attrs.Condition!.StringEquals as Record<string, string>)["aws:ResourceTag/stack"],
        s.tags.stack,
      );
    }
  });

  it("state backend: only this stack's objects; the deploy role writes state, history and backups", () => {
    const doc = deployPolicy(scope({ state: { bucket: "ferry-state", project: "ferry", stack: "demo" } }));
    const write = doc.Statement.find((s) => s.Sid === "StateWrite")!;
    assert.deepEqual(resourcesOf(write), [
      "arn:aws:s3:::ferry-state/.pulumi/stacks/ferry/demo.json*",
      "arn:aws:s3:::ferry-state/.pulumi/history/ferry/demo/*",
      "arn:aws:s3:::ferry-state/.pulumi/backups/ferry/demo/*",
    ]);
    for (const other of ["prod.json", "demo2.json", "demo-eu.json"])
      assert.ok(
        !resourcesOf(write).some((r) =>
          globMatches(r, `arn:aws:s3:::ferry-state/.pulumi/stacks/ferry/${other}`),
        ),
        other,
      );
  });

  it("user mode: push to exactly one repository; GetAuthorizationToken is the only '*'", () => {
    const repo = "arn:aws:ecr:eu-central-1:108782059508:repository/ragstream-web";
    const doc = ecrPushPolicy(repo);
    assert.deepEqual(
      doc.Statement.map((s) => [s.Sid, resourcesOf(s)]),
      [
        ["EcrLogin", ["*"]],
        ["EcrPush", [repo]],
      ],
    );
    assert.deepEqual(actionsOf(doc.Statement[0]), ["ecr:GetAuthorizationToken"]);
    assert.ok(actionsOf(doc.Statement[1]).includes("ecr:PutImage"));
    assert.ok(!actionsOf(doc.Statement[1]).some((a) => /Delete|Create|SetRepositoryPolicy/.test(a)));
  });
});

/** ARNs of what a stack creates, from the recorded inputs (names as AWS would form the ARN). */
function concreteArns(e: Evaluation): string[] {
  const region = e.config["aws:region"];
  const account = (JSON.parse(e.config["aws:allowedAccountIds"]) as string[])[0];
  const at = `${region}:${account}`;
  const out: string[] = [];
  for (const r of e.resources) {
    const i = r.inputs;
    switch (r.type) {
      case "aws:iam/role:Role":
        if (typeof i.name === "string") out.push(`arn:aws:iam::${account}:role${i.path ?? "/"}${i.name}`);
        break;
      case "aws:iam/instanceProfile:InstanceProfile":
        out.push(`arn:aws:iam::${account}:instance-profile/${i.name}`);
        break;
      case "aws:ecr/repository:Repository":
        out.push(`arn:aws:ecr:${at}:repository/${i.name}`);
        break;
      case "aws:ssm/parameter:Parameter":
        out.push(`arn:aws:ssm:${at}:parameter/${String(i.name).replace(/^\//, "")}`);
        break;
      case "aws:secretsmanager/secret:Secret":
        out.push(`arn:aws:secretsmanager:${at}:secret:${i.name ?? `${i.namePrefix}abcdef`}-AbCdEf`);
        break;
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        out.push(`arn:aws:cloudwatch:${at}:alarm:${i.name}`);
        break;
      case "aws:sns/topic:Topic":
        out.push(`arn:aws:sns:${at}:${i.name}`);
        break;
      case "aws:cloudwatch/logGroup:LogGroup":
        out.push(`arn:aws:logs:${at}:log-group:${i.name}`);
        break;
      case "aws:ecs/cluster:Cluster":
        out.push(`arn:aws:ecs:${at}:cluster/${i.name}`);
        break;
      case "aws:s3/bucket:Bucket":
      case "aws:s3/bucketV2:BucketV2":
        // A generated name: the prefix and S3's 26-character suffix (what the CI scope allows for).
        out.push(`arn:aws:s3:::${i.bucket ?? `${i.bucketPrefix}${"0".repeat(BUCKET_SUFFIX_LENGTH)}`}`);
        break;
    }
  }
  return out;
}

describe("CI access in the evaluated stacks", () => {
  const evaluations: Record<string, Evaluation> = {};
  const STACKS = stackFiles();
  before(async function () {
    this.timeout(180_000);
    for (const stack of STACKS) evaluations[stack] = await evaluateStack(stack);
  });

  const role = (e: Evaluation, kind: string) => e.one("aws:iam/role:Role", `-ci-${kind}`);
  const trustSubs = (e: Evaluation, kind: string): string[] => {
    const trust = json<PolicyDocument>(role(e, kind).inputs.assumeRolePolicy, "trust");
    return [...(trust.Statement[0].Condition!.StringLike[SUB] as readonly string[])];
  };
  /** Every document a CI role of stack `e` has. */
  const ciDocuments = (e: Evaluation): PolicyDocument[] => [
    ...e
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((p) => p.name.includes("-ci-"))
      .map((p) => json<PolicyDocument>(p.inputs.policy, p.name)),
    ...e
      .ofType("aws:iam/policy:Policy")
      .filter((p) => p.inputs.path === CI_PATH)
      .map((p) => json<PolicyDocument>(p.inputs.policy, p.name)),
  ];

  it("stacks/index.ts creates CiAccess exactly for stacks with ferry:ci", () => {
    for (const stack of STACKS) {
      const wanted = stackConfig(stack).config["ferry:ci"] !== undefined;
      assert.equal(evaluations[stack].ofType("ferry:ci:CiAccess").length, wanted ? 1 : 0, stack);
    }
  });

  it("demo: the GitHub OIDC provider (kept on destroy) and three roles under /ferry-ci/, one context each", () => {
    const e = evaluations.demo;
    const provider = e.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
    assert.equal(provider.options.retainOnDelete, true);
    for (const kind of ["deploy", "preview", "drift"]) {
      const r = role(e, kind);
      assert.equal(r.inputs.path, "/ferry-ci/");
      assert.equal(r.inputs.name, `ragstream-demo-ci-${kind}`);
      const trust = json<PolicyDocument>(r.inputs.assumeRolePolicy, "trust");
      assert.equal(trust.Statement.length, 1);
      assert.deepEqual(trust.Statement[0].Principal, { Federated: provider.state.arn });
      assert.equal(trust.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
      assert.deepEqual(trust.Statement[0].Condition!.StringEquals, { [AUD]: "sts.amazonaws.com" });
    }
    // Deploy tags and branches are the environment's rules now, never trust.
    assert.deepEqual(trustSubs(e, "deploy"), ["repo:rusbehabtahi/ragstream:environment:demo"]);
    assert.deepEqual(trustSubs(e, "preview"), ["repo:rusbehabtahi/ragstream:pull_request"]);
    assert.deepEqual(trustSubs(e, "drift"), ["repo:rusbehabtahi/ragstream:ref:refs/heads/main"]);
    assert.deepEqual(
      Object.keys(e.outputs)
        .filter((k) => k.startsWith("ci"))
        .sort(),
      ["ciDeployRoleArn", "ciDriftRoleArn", "ciOidcProviderArn", "ciPreviewRoleArn"],
    );
  });

  it("the resources of earlier versions keep their URNs (type, logical name, parent) and replace-forcing inputs", () => {
    const e = evaluations.demo;
    const component = e.one("ferry:ci:CiAccess");
    assert.equal(component.name, "ragstream-demo-ci");
    for (const [type, name] of [
      ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "ragstream-demo-ci-github-oidc"],
      ["aws:iam/role:Role", "ragstream-demo-ci-deploy"],
      ["aws:iam/role:Role", "ragstream-demo-ci-preview"],
      ["aws:iam/policy:Policy", "ragstream-demo-ci-read"],
      ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ragstream-demo-ci-deploy-read"],
      ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ragstream-demo-ci-preview-read"],
      ["aws:iam/rolePolicy:RolePolicy", "ragstream-demo-ci-deploy-policy"],
    ]) {
      const r = e.resources.find((x) => x.type === type && x.name === name);
      assert.ok(r, `${type} ${name}`);
      assert.equal(r.parent, component.urn, name);
    }
    // A managed policy's name, path and description force a replacement (under the same name: it would fail).
    const read = e.one("aws:iam/policy:Policy", "-ci-read");
    assert.equal(read.inputs.name, "ragstream-demo-ci-read");
    assert.equal(
      read.inputs.description,
      "ferry ragstream-demo: what CI may read for preview, refresh and deploy",
    );
  });

  it("demo: which policy each role has (the preview role only the preview reads)", () => {
    const e = evaluations.demo;
    const attachedTo = (policyName: string) => {
      const p = e.one("aws:iam/policy:Policy", policyName);
      assert.equal(p.inputs.path, "/ferry-ci/");
      return e
        .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.inputs.policyArn === p.state.arn)
        .map((a) => a.inputs.role)
        .sort();
    };
    const name = (kind: string) => role(e, kind).state.name;
    assert.deepEqual(attachedTo("-ci-read"), [name("deploy"), name("drift"), name("preview")].sort());
    assert.deepEqual(attachedTo("-ci-refresh-read"), [name("deploy"), name("drift")].sort());
    assert.deepEqual(attachedTo("-ci-deploy-network"), [name("deploy")]);
    if (e.ofType("aws:lb/loadBalancer:LoadBalancer").length > 0)
      assert.deepEqual(attachedTo("-ci-deploy-elb"), [name("deploy")]);
    const inline = e.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.includes("-ci-"));
    assert.deepEqual(
      inline.map((p) => p.inputs.role),
      [name("deploy")],
    );
  });

  it("prod: only jobs in the prod environment may deploy; pull requests never reach the deploy or drift role", () => {
    const e = evaluations.prod;
    assert.deepEqual(trustSubs(e, "deploy"), ["repo:vibejudge/dashboard:environment:prod"]);
    for (const stack of ["demo", "prod"])
      for (const kind of ["deploy", "drift"])
        assert.ok(
          !trustSubs(evaluations[stack], kind).some((s: string) => s.endsWith(":pull_request")),
          stack,
        );
  });

  it("no trust policy anywhere allows another repository, owner or a wildcard repo:*", () => {
    for (const stack of STACKS.filter((s) => evaluations[s].ofType("ferry:ci:CiAccess").length)) {
      const repo = String((stackCi(stack) as { repository: string }).repository);
      const [owner, name] = repo.split("/");
      for (const kind of ["deploy", "preview", "drift"])
        for (const sub of trustSubs(evaluations[stack], kind)) {
          assert.ok(!sub.startsWith("repo:*"), sub);
          assert.ok(sub.startsWith(`repo:${owner}/${name}:`) || sub.startsWith(`repo:${owner}@`), sub);
          assert.ok(sub.startsWith(`repo:${owner}/${name}:`) || sub.includes(`/${name}@`), sub);
        }
    }
  });

  it("each stack's CI roles reach none of another stack's named resources, and all of their own", () => {
    const ci = STACKS.filter((s) => evaluations[s].ofType("ferry:ci:CiAccess").length);
    assert.ok(ci.length >= 2);
    for (const a of ci) {
      const patterns = ciDocuments(evaluations[a])
        .flatMap((d) => d.Statement)
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => resourcesOf(s).map((r) => ({ sid: s.Sid, r })))
        .filter(({ r }) => r !== "*");
      for (const b of STACKS.filter((x) => x !== a)) {
        const theirs = concreteArns(evaluations[b]);
        assert.ok(theirs.length > 0, `${b}: ${theirs.length} ARNs`);
        for (const { sid, r } of patterns)
          for (const arn of theirs) assert.ok(!globMatches(r, arn), `${a} ${sid} ${r} reaches ${b}'s ${arn}`);
      }
      // ...while they do reach their own (the patterns are not simply wrong).
      const mine = concreteArns(evaluations[a]).filter((x) => !x.includes(CI_PATH) && !x.includes(":iam::"));
      for (const arn of mine)
        assert.ok(
          patterns.some(({ r }) => globMatches(r, arn)),
          `${a}: nothing in the CI policies names its own ${arn}`,
        );
    }
  });

  it("with oidcProviderArn: reuses the account's provider instead of creating one", async () => {
    const arn = "arn:aws:iam::108782059508:oidc-provider/token.actions.githubusercontent.com";
    const e = await evaluateStack("demo", {
      config: { "ferry:ci": { repository: "rusbehabtahi/ragstream", oidcProviderArn: arn } },
    });
    assert.equal(e.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
    assert.deepEqual(
      json<PolicyDocument>(role(e, "deploy").inputs.assumeRolePolicy, "t").Statement[0].Principal,
      {
        Federated: arn,
      },
    );
  });

  it("with the GitHub ids: the immutable sub is exact, no wildcard in the ids", async () => {
    const e = await evaluateStack("prod", {
      config: {
        "ferry:ci": {
          repository: "vibejudge/dashboard",
          ownerId: 4242,
          repositoryId: 777,
          deploy: { environment: "prod" },
        },
      },
    });
    assert.deepEqual(trustSubs(e, "deploy"), [
      "repo:vibejudge/dashboard:environment:prod",
      "repo:vibejudge@4242/dashboard@777:environment:prod",
    ]);
  });

  it("without pull-request previews there is no preview role", async () => {
    const e = await evaluateStack("demo", {
      config: { "ferry:ci": { repository: "o/r", preview: { pullRequests: false } } },
    });
    assert.deepEqual(
      e
        .ofType("aws:iam/role:Role")
        .filter((r) => r.inputs.path === CI_PATH)
        .map((r) => r.inputs.name),
      ["ragstream-demo-ci-deploy", "ragstream-demo-ci-drift"],
    );
    assert.equal(e.outputs.ciPreviewRoleArn, undefined);
  });

  it('"workflow" subject claims, a named environment and another drift branch reach the trust policies', async () => {
    const e = await evaluateStack("demo", {
      config: {
        "ferry:ci": {
          repository: "o/r",
          subjectClaims: "workflow",
          deploy: { environment: "demo-eu" },
          drift: { branch: "trunk" },
        },
      },
    });
    assert.deepEqual(trustSubs(e, "deploy"), [
      "repo:o/r:environment:demo-eu:job_workflow_ref:o/r/.github/workflows/deploy.yml@*",
    ]);
    assert.deepEqual(trustSubs(e, "drift"), [
      "repo:o/r:ref:refs/heads/trunk:job_workflow_ref:o/r/.github/workflows/drift.yml@*",
    ]);
  });

  describe("user mode (an ECR-push user with an access key)", () => {
    let e: Evaluation;
    let exported: Record<string, pulumi.Output<unknown>>;
    before(async () => {
      e = await evaluateStack("demo", { config: { "ferry:ci": { mode: "user", repository: "o/r" } } });
      // The harness resolves outputs to values; the module's own export still holds the Outputs.
      exported = require(require.resolve(path.join(ROOT, "index.ts"))) as Record<
        string,
        pulumi.Output<unknown>
      >;
    });

    it("an IAM user under /ferry-ci/ that may push to exactly this stack's repository, and no roles", () => {
      const user = e.one("aws:iam/user:User");
      assert.equal(user.inputs.path, "/ferry-ci/");
      const policy = json<PolicyDocument>(e.one("aws:iam/userPolicy:UserPolicy").inputs.policy, "policy");
      assert.deepEqual(
        policy,
        ecrPushPolicy("arn:aws:ecr:eu-central-1:108782059508:repository/ragstream-web"),
      );
      assert.equal(e.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
      assert.equal(e.ofType("aws:iam/role:Role").filter((r) => r.inputs.path === CI_PATH).length, 0);
      e.one("aws:iam/accessKey:AccessKey");
    });

    it("the secret key is a secret output, never plain; the key id is plain", async () => {
      assert.match(String(e.outputs.ciSecretAccessKey), /^mock-secret-access-key-/);
      assert.equal(await pulumi.isSecret(exported.ciSecretAccessKey), true);
      assert.equal(await pulumi.isSecret(exported.ciAccessKeyId), false);
      for (const [k, v] of Object.entries(exported))
        if (k !== "ciSecretAccessKey" && pulumi.Output.isInstance(v) && !(await pulumi.isSecret(v)))
          assert.ok(!JSON.stringify(e.outputs[k] ?? "").includes("mock-secret-access-key"), k);
    });
  });
});

describe("stacks/ci.ts scope", () => {
  it("takes the cluster and log group names the Fargate component uses, and the config secrets' keys", () => {
    const cfg = parse("prod", stackCi("prod"));
    const s = ciScope(cfg, "vibejudge-prod");
    assert.equal(s.clusterName, "vibejudge-cluster");
    assert.deepEqual(s.logGroupNames, ["/ecs/vibejudge-dashboard"]);
    assert.deepEqual(
      s.passRoles.map((r) => r.service),
      ["ecs-tasks.amazonaws.com", "ecs-tasks.amazonaws.com"],
    );
    assert.deepEqual(s.tags, { app: "vibejudge", stack: "prod" });
    const demo = ciScope(parse("demo", stackCi("demo")), "ragstream-demo");
    assert.equal(demo.clusterName, undefined);
    assert.deepEqual(demo.secretKmsKeyArns, []);
  });
});
