// The policy pack over the real program: every rule runs on every resource that each committed
// stack file (and the main variants) declares under mocks, both as `pulumi up` judges it (resource rules on
// inputs, stack rules on outputs, all values known) and as the preview of a stack that does not exist yet
// (every input fed by another resource unknown): zero violations. Changing one real resource the way a
// regression would makes the matching rule fire, so the rules read the program's actual shapes. And the
// stateful resources carry the resource options decided for them (protect / retainOnDelete).
import * as assert from "node:assert/strict";
import { evaluateStack, stackFiles, type Evaluation, type Recorded } from "./support/harness";
import { runOnStack, type Finding } from "./support/policy";

const T = {
  repo: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  bucket: "aws:s3/bucket:Bucket",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  listener: "aws:lb/listener:Listener",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
} as const;

const show = (fs: Finding[]) => fs.map((f) => `${f.policy}: ${f.urn.split("::").pop()}: ${f.message}`);

/** The stacks the pack must pass: every committed file, and the variants that add resources or change shapes. */
const VARIANTS: { title: string; stack: string; config?: Record<string, unknown>; remove?: string[] }[] = [
  ...stackFiles().map((stack) => ({ title: `${stack} (committed)`, stack })),
  {
    title: "prod with a domain (certificate, HTTPS listener, redirect)",
    stack: "prod",
    config: { "ferry:dns": { domain: "example.com", record: "dashboard" } },
  },
  {
    title: "prod with ECS Exec and secrets stored from encrypted config",
    stack: "prod",
    config: {
      "ferry:fargate": {
        clusterName: "vibejudge-cluster",
        logGroupName: "/ecs/vibejudge-dashboard",
        ecsExec: true,
      },
      "ferry:app": { name: "vibejudge", secrets: { API_TOKEN: { fromConfig: "apiToken" } } },
      "ferry:apiToken": { secure: "v1:ciphertext" },
    },
  },
  {
    title: "carepolicy with a domain (certificate + data bucket)",
    stack: "carepolicy",
    config: { "ferry:dns": { domain: "example.com", record: "app" } },
  },
  {
    title: "demo with powerState running",
    stack: "demo",
    config: { "ferry:demo": { powerState: "running" } },
  },
  {
    title: "demo with powerState stopped",
    stack: "demo",
    config: { "ferry:demo": { powerState: "stopped" } },
  },
  {
    title: "demo with SSH from one address, no domain, a secret from encrypted config",
    stack: "demo",
    config: {
      "ferry:demo": { sshCidrs: ["198.51.100.7/32"] },
      "ferry:app": { name: "ragstream", secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } },
      "ferry:openaiApiKey": { secure: "v1:ciphertext" },
    },
    remove: ["ferry:dns"],
  },
  {
    title: "demo with the seeds' CI push user (access key)",
    stack: "demo",
    config: { "ferry:ci": { mode: "user", repository: "o/r" } },
  },
];

describe("policy pack over every stack the program declares", function () {
  for (const v of VARIANTS)
    it(`${v.title}: no violation at \`pulumi up\` or in the preview of a new stack`, async () => {
      const e = await evaluateStack(v.stack, { config: v.config, remove: v.remove });
      const up = await runOnStack(e, "up");
      assert.deepEqual(show(up.violations), []);
      assert.deepEqual(show(up.notJudged), [], "every value is known at `pulumi up`: every rule judges");
      const preview = await runOnStack(e, "fresh-preview");
      assert.deepEqual(show(preview.violations), []);
      // What a first preview cannot judge yet is reported by the SDK as advisory; it is judged at `pulumi up`.
      for (const f of preview.notJudged) assert.match(f.message, /can't be known during preview$/);
    });
});

/** The evaluation with `change` applied to the resources it matches (a copy; the recorded one is untouched). */
function altered(
  e: Evaluation,
  match: (r: Recorded) => boolean,
  change: (r: Recorded) => Recorded | undefined,
): Evaluation {
  let hits = 0;
  const resources = e.resources.flatMap((r) => {
    if (!match(r)) return [r];
    hits++;
    const next = change(structuredClone(r));
    return next ? [next] : [];
  });
  assert.ok(hits > 0, "the alteration matched no resource");
  return { ...e, resources };
}

describe("policy pack: a regression in the real program is caught", function () {
  let care: Evaluation;
  before(async () => {
    care = await evaluateStack("carepolicy");
  });

  for (const mode of ["up", "fresh-preview"] as const) {
    it(`${mode}: the data bucket without its public access block`, async () => {
      const e = altered(
        care,
        (r) => r.type === T.pab,
        () => undefined,
      );
      const out = await runOnStack(e, mode);
      assert.deepEqual(show(out.violations), [
        's3-public-access-blocked: carepolicy-hub-carepolicy-fargate-data-bucket: bucket "carepolicy-hub-carepolicy-fargate-data-bucket" has no BucketPublicAccessBlock',
      ]);
    });

    it(`${mode}: the task security group opened to the internet instead of the load balancer's group`, async () => {
      const e = altered(
        care,
        (r) => r.type === T.ingress && r.name.endsWith("tasks-in-alb"),
        (r) => {
          delete r.inputs.referencedSecurityGroupId;
          delete r.state.referencedSecurityGroupId;
          delete r.propertyDependencies.referencedSecurityGroupId;
          r.inputs.cidrIpv4 = r.state.cidrIpv4 = "0.0.0.0/0";
          r.propertyDependencies.cidrIpv4 = [];
          return r;
        },
      );
      const out = await runOnStack(e, mode);
      assert.deepEqual(
        out.violations.map((f) => f.policy),
        ["ecs-task-ingress-from-security-groups-only"],
      );
      assert.match(
        out.violations[0].message,
        /security group "carepolicy-hub-carepolicy-fargate-task-sg" of ECS service/,
      );
    });

    it(`${mode}: the repository without its lifecycle policy, and unprotected`, async () => {
      let e = altered(
        care,
        (r) => r.type === T.lifecycle,
        () => undefined,
      );
      e = altered(
        e,
        (r) => r.type === T.repo,
        (r) => ({ ...r, options: { ...r.options, protect: false } }),
      );
      const out = await runOnStack(e, mode);
      assert.deepEqual(out.violations.map((f) => f.policy).sort(), [
        "ecr-lifecycle-policy",
        "stateful-resources-protected",
      ]);
    });
  }

  it("a config choice the rules refuse: SSH from anywhere on the demo (validated config, refused by the pack)", async () => {
    const e = await evaluateStack("demo", { config: { "ferry:demo": { sshCidrs: ["0.0.0.0/0"] } } });
    const out = await runOnStack(e, "up");
    assert.deepEqual(show(out.violations), [
      "security-group-no-admin-ports-from-anywhere: ragstream-demo-in-22-0-0-0-0-0: port 22 is open to 0.0.0.0/0: reach instances through SSM Session Manager, or open the port to your own address (/32) only",
    ]);
  });

  it("with a domain, the load balancer made internet-facing again (CloudFront bypassed): both HTTPS rules fire", async () => {
    const prod = await evaluateStack("prod", {
      config: { "ferry:dns": { domain: "example.com", record: "dashboard" } },
    });
    assert.deepEqual(
      (await runOnStack(prod, "up")).violations,
      [],
      "positive control: as declared, no violation",
    );
    const e = altered(
      prod,
      (r) => r.type === "aws:lb/loadBalancer:LoadBalancer",
      (r) => {
        r.inputs.internal = r.state.internal = false;
        return r;
      },
    );
    const out = await runOnStack(e, "up");
    // alb-https-when-certificate: no HTTPS listener, the HTTP one forwards, and so does its rule that sends
    // every path to the tasks; internet-entries-https: the HTTP listener of an internet-facing load balancer
    // serves the app in plain text.
    assert.deepEqual(out.violations.map((f) => f.policy).sort(), [
      "alb-https-when-certificate",
      "alb-https-when-certificate",
      "alb-https-when-certificate",
      "internet-entries-https",
    ]);
  });

  it("without a domain, a distribution that serves plain HTTP is caught", async () => {
    const prod = await evaluateStack("prod");
    const e = altered(
      prod,
      (r) => r.type === "aws:cloudfront/distribution:Distribution",
      (r) => {
        r.inputs.defaultCacheBehavior = {
          ...r.inputs.defaultCacheBehavior,
          viewerProtocolPolicy: "allow-all",
        };
        r.state.defaultCacheBehavior = r.inputs.defaultCacheBehavior;
        return r;
      },
    );
    const out = await runOnStack(e, "up");
    assert.deepEqual(show(out.violations), [
      'internet-entries-https: vibejudge-prod-fargate-edge-cdn: distribution "vibejudge-prod-fargate-edge-cdn": the default cache behavior has viewerProtocolPolicy "allow-all"; it must be redirect-to-https or https-only',
    ]);
  });
});

describe("stateful resources: resource options as decided (README, Security)", function () {
  const evaluations: Record<string, Evaluation> = {};
  before(async () => {
    for (const stack of stackFiles()) evaluations[stack] = await evaluateStack(stack);
  });

  it("the ECR repository of every stack is protected, not retained, never force-deleted", () => {
    for (const [stack, e] of Object.entries(evaluations)) {
      const repo = e.one(T.repo);
      assert.equal(repo.options.protect, true, `${stack}: protect`);
      assert.equal(
        repo.options.retainOnDelete,
        false,
        `${stack}: a retained repository would block a re-create`,
      );
      assert.notEqual(repo.inputs.forceDelete, true, `${stack}: forceDelete`);
    }
  });

  it("the data bucket is protected, not retained, and never emptied by a delete (every stack that has one)", () => {
    const withBucket = Object.values(evaluations).filter((e) => e.ofType(T.bucket).length > 0);
    assert.ok(withBucket.length > 0, "a committed stack (carepolicy) has a data bucket");
    for (const e of withBucket) {
      const bucket = e.one(T.bucket);
      assert.equal(bucket.options.protect, true);
      assert.equal(bucket.options.retainOnDelete, false);
      assert.equal(bucket.inputs.forceDestroy, false);
    }
  });

  it("nothing else is protected; only the account-wide GitHub OIDC provider is retained on delete", () => {
    for (const [stack, e] of Object.entries(evaluations)) {
      assert.deepEqual(
        e.resources
          .filter((r) => r.options.protect)
          .map((r) => r.type)
          .sort(),
        e.ofType(T.bucket).length > 0 ? [T.repo, T.bucket].sort() : [T.repo],
        stack,
      );
      assert.deepEqual(
        e.resources.filter((r) => r.options.retainOnDelete).map((r) => r.type),
        e.resources.some((r) => r.type === T.oidc) ? [T.oidc] : [],
        stack,
      );
    }
  });
});
