// CI access (C2): `ferry:ci` validation, the trust policies (only this repository, audience pinned, both
// shapes of GitHub's `sub`), permissions that cannot reach another stack's resources where AWS lets us scope,
// and the seeds' key-based user whose secret key is only a secret output.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, type FerryConfig } from "../config";
import {
  CI_PATH,
  deployPolicy,
  ecrPushPolicy,
  readPolicy,
  subjectPatterns,
  trustPolicy,
  type CiScope,
  type PolicyDocument,
  type PolicyStatement,
} from "../components/ciAccess";
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
    clusterName: "vibejudge-cluster",
    logGroupName: "/ecs/vibejudge-dashboard",
    ...over,
  });
const PROVIDER = "arn:aws:iam::108782059508:oidc-provider/token.actions.githubusercontent.com";
const PROTECTED = ["arn:aws:iam::108782059508:role/ferry-ci/ragstream-demo-ci-deploy", PROVIDER];

describe("ferry:ci config", () => {
  it("defaults: OIDC; deploy from main and deploy-* tags; preview from pull requests and main", () => {
    const cfg = parse("demo", { repository: "rusbehabtahi/ragstream" });
    assert.deepEqual(cfg.ci, {
      mode: "oidc",
      repository: "rusbehabtahi/ragstream",
      deploy: { branches: ["main"], tags: ["deploy-*"], environments: [] },
      preview: { pullRequests: true, branches: ["main"] },
    });
  });

  it("the committed stacks: demo deploys from main/tags, prod only from the prod environment", () => {
    const demo = parse("demo", stackCi("demo")).ci!;
    assert.deepEqual(demo.deploy, { branches: ["main"], tags: ["deploy-*"], environments: [] });
    const prod = parse("prod", stackCi("prod")).ci!;
    assert.deepEqual(prod.deploy, { branches: [], tags: [], environments: ["prod"] });
    assert.deepEqual(prod.preview, { pullRequests: true, branches: ["main"] });
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
      ci: { repository: "o/r", deploy: { environments: ["prod env"] } },
      message:
        'ferry:ci.deploy.environments[0]: got "prod env", expected a GitHub environment name such as "prod" (letters, digits, . _ -)',
    },
    {
      title: "nobody may deploy",
      ci: { repository: "o/r", deploy: { branches: [], tags: [] } },
      message:
        'ferry:ci.deploy: got {"branches":[],"tags":[]}, expected at least one branch, tag or environment that may deploy',
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
        'ferry:ci: unknown key "envirnoments", expected one of: mode, repository, ownerId, repositoryId, deploy, preview, oidcProviderArn, stateBucket, secretsKmsKeyArn',
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
  it("accepts both shapes of the sub claim; exact ids when configured", () => {
    const subjects = { branches: ["main"], tags: ["deploy-*"], environments: ["prod"], pullRequests: true };
    assert.deepEqual(subjectPatterns({ repository: "octo/app", ownerId: 11, repositoryId: 22 }, subjects), [
      "repo:octo/app:ref:refs/heads/main",
      "repo:octo/app:ref:refs/tags/deploy-*",
      "repo:octo/app:environment:prod",
      "repo:octo/app:pull_request",
      "repo:octo@11/app@22:ref:refs/heads/main",
      "repo:octo@11/app@22:ref:refs/tags/deploy-*",
      "repo:octo@11/app@22:environment:prod",
      "repo:octo@11/app@22:pull_request",
    ]);
    assert.deepEqual(subjectPatterns({ repository: "octo/app" }, { environments: ["prod"] }), [
      "repo:octo/app:environment:prod",
      "repo:octo@*/app@*:environment:prod",
    ]);
  });

  it("refuses a repository that is not exactly owner/name", () => {
    for (const repository of ["*/app", "octo/*", "octo", "a/b/c", "octo@1/app"])
      assert.throws(() => subjectPatterns({ repository }, { branches: ["main"] }), /owner\/name/);
  });

  it("federates the GitHub provider, pins aud to sts.amazonaws.com, and matches sub with StringLike", () => {
    const doc = trustPolicy(PROVIDER, ["repo:octo/app:ref:refs/heads/main"]);
    assert.deepEqual(doc.Statement, [
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [AUD]: "sts.amazonaws.com" },
          StringLike: { [SUB]: ["repo:octo/app:ref:refs/heads/main"] },
        },
      },
    ]);
    assert.throws(() => trustPolicy(PROVIDER, []), /at least one allowed sub/);
  });

  it("the id wildcard cannot match another repository or owner (GitHub names have no @, / or :)", () => {
    const [, immutable] = subjectPatterns({ repository: "octo/app" }, { branches: ["main"] });
    assert.ok(globMatches(immutable, "repo:octo@11/app@22:ref:refs/heads/main"));
    for (const other of [
      "repo:octo@11/app2@22:ref:refs/heads/main",
      "repo:evil@11/app@22:ref:refs/heads/main",
      "repo:octo-x@11/app@22:ref:refs/heads/main",
      "repo:octo@11/other@22:ref:refs/heads/feature/app@1", // a branch cannot supply ":ref:refs/heads/main"
      "repo:octo/app:ref:refs/heads/main-evil",
    ])
      assert.ok(!globMatches(immutable, other), other);
  });
});

describe("CI permissions (pure)", () => {
  const prodScope = fargateScope({ dataBucket: { namePrefix: "vibejudge-prod-data-" } });
  const demo = deployPolicy(scope(), PROTECTED);
  const prod = deployPolicy(prodScope, PROTECTED);
  const demoRead = readPolicy(scope());
  const prodRead = readPolicy(prodScope);
  const allows = (d: PolicyDocument) => d.Statement.filter((s) => s.Effect === "Allow");

  it("unique Sids; within IAM's size limits (inline 10,240, managed 6,144 characters) with every option on", () => {
    const full = fargateScope({
      dataBucket: { namePrefix: "vibejudge-prod-data-" },
      hostedZoneArn: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      secretKmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"],
      state: { bucket: "ferry-state-123456789012", project: "ferry", stack: "prod" },
      secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000001",
    });
    const checks: [PolicyDocument, number][] = [
      [deployPolicy(full, PROTECTED), 10240],
      [deployPolicy({ ...full, topology: "ec2-demo" }, PROTECTED), 10240],
      [readPolicy(full), 6144],
    ];
    for (const [doc, limit] of checks) {
      const sids = doc.Statement.map((s) => s.Sid);
      assert.equal(new Set(sids).size, sids.length);
      assert.ok(JSON.stringify(doc).length < limit, `${JSON.stringify(doc).length} of ${limit} characters`);
    }
  });

  it("a change on Resource '*' is always limited to the stack's region (IAM and ECR login excepted)", () => {
    for (const [doc, region] of [
      [demo, "eu-central-1"],
      [demoRead, "eu-central-1"],
      [prod, "us-east-1"],
      [prodRead, "us-east-1"],
    ] as const)
      for (const s of allows(doc).filter((x) => resourcesOf(x).includes("*"))) {
        const writes = actionsOf(s).filter((a) => !READ_VERB.test(a) && a !== "sts:GetCallerIdentity");
        if (writes.length === 0 || s.Sid === "EcrLogin") continue;
        assert.equal(
          (s.Condition?.StringEquals as Record<string, string> | undefined)?.["aws:RequestedRegion"],
          region,
          `${s.Sid}: ${writes.join(", ")}`,
        );
      }
  });

  it("names exact or stack-prefixed ARNs in this stack's region and account for everything else", () => {
    for (const s of [...allows(demo), ...allows(demoRead)]) {
      for (const r of resourcesOf(s).filter((x) => x !== "*")) {
        const ok =
          r === "arn:aws:ecr:eu-central-1:108782059508:repository/ragstream-web" ||
          r.startsWith("arn:aws:iam::108782059508:role/ragstream-demo") ||
          r.startsWith("arn:aws:iam::108782059508:instance-profile/ragstream-demo") ||
          r === "arn:aws:iam::108782059508:role/aws-service-role/*" ||
          r.startsWith("arn:aws:ssm:eu-central-1:108782059508:parameter/ragstream-demo/") ||
          r.startsWith("arn:aws:ssm:eu-central-1:108782059508:parameter/ferry/ragstream-demo/") ||
          r.startsWith("arn:aws:secretsmanager:eu-central-1:108782059508:secret:ragstream-demo/") ||
          r.startsWith("arn:aws:cloudwatch:eu-central-1:108782059508:alarm:ragstream-demo-") ||
          r === "arn:aws:ssm:eu-central-1::document/AWS-RunShellScript" ||
          r === "arn:aws:ec2:eu-central-1:108782059508:instance/*";
        assert.ok(ok, `${s.Sid}: ${r}`);
      }
    }
  });

  it("EC2 and load balancer changes need this stack's app and stack tags; re-tagging another stack's is impossible", () => {
    for (const [doc, tags] of [
      [demo, { app: "ragstream", stack: "demo" }],
      [prod, { app: "vibejudge", stack: "prod" }],
    ] as const) {
      const tagged = allows(doc).filter((s) =>
        actionsOf(s).some((a) =>
          /^ec2:(Terminate|Stop|Start|Delete|Modify|Revoke|Authorize)|^elasticloadbalancing:(Delete|Modify)/.test(
            a,
          ),
        ),
      );
      assert.ok(tagged.length > 0);
      for (const s of tagged) {
        const eq = (s.Condition?.StringEquals ?? {}) as Record<string, string>;
        assert.equal(eq["aws:ResourceTag/app"], tags.app, s.Sid);
        assert.equal(eq["aws:ResourceTag/stack"], tags.stack, s.Sid);
      }
      // CreateTags only on the stack's own resources or on ones with no stack tag yet.
      for (const s of allows(doc).filter((x) => actionsOf(x).some((a) => /:(CreateTags|AddTags)$/.test(a)))) {
        const own = (s.Condition?.StringEquals as Record<string, string> | undefined)?.[
          "aws:ResourceTag/stack"
        ];
        const untagged = (s.Condition?.Null as Record<string, string> | undefined)?.["aws:ResourceTag/stack"];
        assert.ok(own === tags.stack || untagged === "true", s.Sid);
      }
    }
  });

  it("IAM: only the stack's own roles, only one attachable managed policy, PassRole only to EC2/ECS", () => {
    const byId = Object.fromEntries(prod.Statement.map((s) => [s.Sid, s]));
    assert.deepEqual(resourcesOf(byId.IamRoles), [
      "arn:aws:iam::123456789012:role/vibejudge-prod*",
      "arn:aws:iam::123456789012:instance-profile/vibejudge-prod*",
    ]);
    assert.deepEqual(byId.IamManagedPolicies.Condition, {
      ArnEquals: { "iam:PolicyARN": ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] },
    });
    assert.deepEqual(byId.IamPassRole.Condition, {
      StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"] },
    });
    // No statement allows any action on every IAM resource.
    for (const s of allows(prod))
      if (actionsOf(s).some((a) => a.startsWith("iam:") && !READ_VERB.test(a)))
        assert.ok(!resourcesOf(s).includes("*"), s.Sid);
  });

  it("the CI roles cannot change themselves: /ferry-ci/ is outside role/<prefix>*, and an explicit Deny", () => {
    const own = `arn:aws:iam::108782059508:role${CI_PATH}ragstream-demo-ci-deploy`;
    for (const s of allows(demo))
      for (const r of resourcesOf(s)) if (r !== "*") assert.ok(!globMatches(r, own), `${s.Sid}: ${r}`);
    const deny = demo.Statement.find((s) => s.Effect === "Deny")!;
    assert.deepEqual(resourcesOf(deny), PROTECTED);
    for (const a of [
      "iam:PutRolePolicy",
      "iam:AttachRolePolicy",
      "iam:UpdateAssumeRolePolicy",
      "iam:PassRole",
    ])
      assert.ok(
        actionsOf(deny).some((p) => globMatches(p, a)),
        a,
      );
  });

  it("fargate: ECS on the configured cluster, its services and task family; logs on the service's log group", () => {
    const byId = Object.fromEntries(prod.Statement.map((s) => [s.Sid, s]));
    assert.deepEqual(resourcesOf(byId.EcsCluster), [
      "arn:aws:ecs:us-east-1:123456789012:cluster/vibejudge-cluster",
      "arn:aws:ecs:us-east-1:123456789012:service/vibejudge-cluster/*",
      "arn:aws:ecs:us-east-1:123456789012:task-definition/vibejudge-prod*:*",
    ]);
    assert.deepEqual(byId.EcsService.Condition, {
      ArnEquals: { "ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/vibejudge-cluster" },
    });
    assert.deepEqual(resourcesOf(byId.Logs), [
      "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/vibejudge-dashboard",
      "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/vibejudge-dashboard:*",
    ]);
    assert.deepEqual(resourcesOf(byId.DataBucket), ["arn:aws:s3:::vibejudge-prod-data-*"]);
    assert.equal(byId.RolloutDocument, undefined, "no Run Command for Fargate");
    assert.equal(
      demo.Statement.find((s) => s.Sid === "EcsCluster"),
      undefined,
      "no ECS for the demo",
    );
  });

  it("read policy (the preview role's only one): reads, plus the stack's lock in a self-managed backend", () => {
    const doc = readPolicy(
      scope({
        state: { bucket: "ferry-state", project: "ferry", stack: "demo" },
        secretsKmsKeyArn: "arn:aws:kms:eu-central-1:108782059508:key/00000000-0000-4000-8000-000000000000",
      }),
    );
    for (const s of allows(doc))
      for (const a of actionsOf(s)) {
        if (
          READ_VERB.test(a) ||
          ["sts:GetCallerIdentity", "ecr:GetAuthorizationToken", "kms:Decrypt"].includes(a)
        )
          continue;
        if (a === "s3:GetObject") continue;
        assert.equal(s.Sid, "StateLock", a);
        assert.deepEqual(resourcesOf(s), ["arn:aws:s3:::ferry-state/.pulumi/locks/ferry/demo/*"]);
      }
  });

  it("state backend: only this stack's objects; the deploy role writes state, history and backups", () => {
    const doc = deployPolicy(
      scope({ state: { bucket: "ferry-state", project: "ferry", stack: "demo" } }),
      PROTECTED,
    );
    const write = doc.Statement.find((s) => s.Sid === "StateWrite")!;
    assert.deepEqual(resourcesOf(write), [
      "arn:aws:s3:::ferry-state/.pulumi/stacks/ferry/demo.json*",
      "arn:aws:s3:::ferry-state/.pulumi/history/ferry/demo/*",
      "arn:aws:s3:::ferry-state/.pulumi/backups/ferry/demo/*",
    ]);
    assert.ok(
      !resourcesOf(write).some((r) =>
        globMatches(r, "arn:aws:s3:::ferry-state/.pulumi/stacks/ferry/prod.json"),
      ),
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
        out.push(`arn:aws:s3:::${i.bucket ?? `${i.bucketPrefix}0123456789`}`);
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

  it("stacks/index.ts creates CiAccess exactly for stacks with ferry:ci", () => {
    for (const stack of STACKS) {
      const wanted = stackConfig(stack).config["ferry:ci"] !== undefined;
      assert.equal(evaluations[stack].ofType("ferry:ci:CiAccess").length, wanted ? 1 : 0, stack);
    }
  });

  it("demo: the GitHub OIDC provider (kept on destroy) and two roles under /ferry-ci/ trusted only by it", () => {
    const e = evaluations.demo;
    const provider = e.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
    assert.equal(provider.options.retainOnDelete, true);
    for (const kind of ["deploy", "preview"]) {
      const r = role(e, kind);
      assert.equal(r.inputs.path, "/ferry-ci/");
      assert.equal(r.inputs.name, `ragstream-demo-ci-${kind}`);
      const trust = json<PolicyDocument>(r.inputs.assumeRolePolicy, "trust");
      assert.equal(trust.Statement.length, 1);
      assert.deepEqual(trust.Statement[0].Principal, { Federated: provider.state.arn });
      assert.equal(trust.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
      assert.deepEqual(trust.Statement[0].Condition!.StringEquals, { [AUD]: "sts.amazonaws.com" });
    }
    assert.deepEqual(trustSubs(e, "deploy"), [
      "repo:rusbehabtahi/ragstream:ref:refs/heads/main",
      "repo:rusbehabtahi/ragstream:ref:refs/tags/deploy-*",
      "repo:rusbehabtahi@*/ragstream@*:ref:refs/heads/main",
      "repo:rusbehabtahi@*/ragstream@*:ref:refs/tags/deploy-*",
    ]);
    assert.deepEqual(trustSubs(e, "preview"), [
      "repo:rusbehabtahi/ragstream:ref:refs/heads/main",
      "repo:rusbehabtahi/ragstream:pull_request",
      "repo:rusbehabtahi@*/ragstream@*:ref:refs/heads/main",
      "repo:rusbehabtahi@*/ragstream@*:pull_request",
    ]);
    assert.deepEqual(
      Object.keys(e.outputs)
        .filter((k) => k.startsWith("ci"))
        .sort(),
      ["ciDeployRoleArn", "ciOidcProviderArn", "ciPreviewRoleArn"],
    );
  });

  it("demo: the read policy is attached to both roles; only the deploy role has a policy of changes", () => {
    const e = evaluations.demo;
    const read = e.one("aws:iam/policy:Policy", "-ci-read");
    assert.equal(read.inputs.path, "/ferry-ci/");
    const attached = e
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.inputs.policyArn === read.state.arn)
      .map((a) => a.inputs.role)
      .sort();
    assert.deepEqual(attached, [role(e, "deploy").state.name, role(e, "preview").state.name].sort());
    const inline = e.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.includes("-ci-"));
    assert.deepEqual(
      inline.map((p) => p.inputs.role),
      [role(e, "deploy").state.name],
    );
    const deny = json<PolicyDocument>(inline[0].inputs.policy, "deploy").Statement.find(
      (s) => s.Effect === "Deny",
    )!;
    assert.deepEqual(resourcesOf(deny), [
      role(e, "deploy").state.arn,
      role(e, "preview").state.arn,
      read.state.arn,
      e.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider").state.arn,
    ]);
  });

  it("prod: only jobs in the prod environment may deploy; pull requests never reach the deploy role", () => {
    const e = evaluations.prod;
    assert.deepEqual(trustSubs(e, "deploy"), [
      "repo:vibejudge/dashboard:environment:prod",
      "repo:vibejudge@*/dashboard@*:environment:prod",
    ]);
    for (const stack of ["demo", "prod"])
      assert.ok(
        !trustSubs(evaluations[stack], "deploy").some((s: string) => s.endsWith(":pull_request")),
        stack,
      );
  });

  it("no trust policy anywhere allows another repository, owner or a wildcard repo:*", () => {
    for (const stack of STACKS.filter((s) => evaluations[s].ofType("ferry:ci:CiAccess").length)) {
      const repo = String((stackCi(stack) as { repository: string }).repository);
      const [owner, name] = repo.split("/");
      for (const r of evaluations[stack].ofType("aws:iam/role:Role").filter((x) => x.inputs.path === CI_PATH))
        for (const sub of trustSubs(
          evaluations[stack],
          r.inputs.name.endsWith("deploy") ? "deploy" : "preview",
        )) {
          assert.ok(!sub.startsWith("repo:*"), sub);
          assert.ok(sub.startsWith(`repo:${owner}/${name}:`) || sub.startsWith(`repo:${owner}@`), sub);
          assert.ok(sub.startsWith(`repo:${owner}/${name}:`) || sub.includes(`/${name}@`), sub);
        }
    }
  });

  it("each stack's deploy role can reach none of another stack's named resources", () => {
    const ci = STACKS.filter((s) => evaluations[s].ofType("ferry:ci:CiAccess").length);
    assert.ok(ci.length >= 2);
    for (const a of ci) {
      const deploy = json<PolicyDocument>(
        evaluations[a].one("aws:iam/rolePolicy:RolePolicy", "-ci-deploy-policy").inputs.policy,
        "policy",
      );
      const read = json<PolicyDocument>(
        evaluations[a].one("aws:iam/policy:Policy", "-ci-read").inputs.policy,
        "read",
      );
      const patterns = [...deploy.Statement, ...read.Statement]
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => resourcesOf(s).map((r) => ({ sid: s.Sid, r })))
        .filter(({ r }) => r !== "*" && !r.includes(":role/aws-service-role/"));
      for (const b of STACKS.filter((x) => x !== a)) {
        const theirs = concreteArns(evaluations[b]);
        assert.ok(theirs.length > 0, `${b}: ${theirs.length} ARNs`);
        for (const { sid, r } of patterns)
          for (const arn of theirs) assert.ok(!globMatches(r, arn), `${a} ${sid} ${r} reaches ${b}'s ${arn}`);
      }
      // ...while it does reach its own (the patterns are not simply wrong).
      const mine = concreteArns(evaluations[a]).filter((x) => !x.includes(CI_PATH));
      for (const arn of mine.filter((x) => !x.includes(":ecs:") || x.includes(":cluster/")))
        assert.ok(
          patterns.some(({ r }) => globMatches(r, arn)),
          `${a}: nothing in the deploy policy names its own ${arn}`,
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
          deploy: { branches: [], tags: [], environments: ["prod"] },
        },
      },
    });
    assert.deepEqual(trustSubs(e, "deploy"), [
      "repo:vibejudge/dashboard:environment:prod",
      "repo:vibejudge@4242/dashboard@777:environment:prod",
    ]);
  });

  it("without preview subjects there is no preview role", async () => {
    const e = await evaluateStack("demo", {
      config: { "ferry:ci": { repository: "o/r", preview: { pullRequests: false, branches: [] } } },
    });
    assert.equal(e.ofType("aws:iam/role:Role").filter((r) => r.inputs.path === CI_PATH).length, 1);
    assert.equal(e.outputs.ciPreviewRoleArn, undefined);
  });

  describe("user mode (seed 001 §5)", () => {
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
    assert.equal(s.logGroupName, "/ecs/vibejudge-dashboard");
    assert.deepEqual(s.tags, { app: "vibejudge", stack: "prod" });
    const demo = ciScope(parse("demo", stackCi("demo")), "ragstream-demo");
    assert.equal(demo.clusterName, undefined);
    assert.deepEqual(demo.secretKmsKeyArns, []);
  });
});
