// Clashes between stack files (config/clashes.ts): what a copied stack file carries over from its original.
// Unit cases with positive and negative controls, the committed and fixture stacks (which must not clash), and a
// committed stack copied to a new name, region and topology, planned like a user would.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { claimsOf, findClashes, type StackClaims } from "../config/clashes";
import { planStack, run } from "../scripts/plan";
import { stackClaims } from "../scripts/plan/clashCheck";
import { checkBudget } from "../scripts/plan/cost";
import { evaluateStack, registerStackFile, stackFilePath, stackFiles } from "./support/harness";

const base = (over: Partial<StackClaims>): StackClaims => ({
  stack: "a",
  file: "Pulumi.a.yaml",
  account: "111111111111",
  region: "eu-west-1",
  topology: "fargate-ha",
  claims: [],
  ...over,
});

describe("clash detection across stack files (pure)", () => {
  const a = base({
    claims: claimsOf("a", "shop", [{ type: "aws:ecr/repository:Repository", inputs: { name: "shop" } }]),
  });

  it("the same repository in the same account and region clashes, naming both files and the key", () => {
    const b = base({
      stack: "b",
      file: "Pulumi.b.yaml",
      claims: claimsOf("b", "shop2", [{ type: "aws:ecr/repository:Repository", inputs: { name: "shop" } }]),
    });
    const clashes = findClashes([a, b]);
    assert.deepStrictEqual(
      clashes.map((c) => [c.kind, c.key, c.value, c.files]),
      [["ecr", "ferry:registry.name", "shop", ["Pulumi.a.yaml", "Pulumi.b.yaml"]]],
    );
    assert.match(
      clashes[0].message,
      /^Pulumi\.a\.yaml and Pulumi\.b\.yaml both claim the ECR repository "shop" in 111111111111\/eu-west-1: change ferry:registry\.name/,
    );
  });

  it("the same repository in another region or account does not clash (negative controls)", () => {
    const b = (over: Partial<StackClaims>) =>
      base({
        stack: "b",
        file: "Pulumi.b.yaml",
        claims: claimsOf("b", "shop2", [{ type: "aws:ecr/repository:Repository", inputs: { name: "shop" } }]),
        ...over,
      });
    assert.deepStrictEqual(findClashes([a, b({ region: "us-east-1" })]), []);
    assert.deepStrictEqual(findClashes([a, b({ account: "222222222222" })]), []);
  });

  it("DNS names and bucket names clash across accounts and regions (they are unique everywhere)", () => {
    const dns = (stack: string, account: string, region: string) =>
      base({
        stack,
        file: `Pulumi.${stack}.yaml`,
        account,
        region,
        claims: claimsOf(stack, stack, [
          { type: "aws:route53/record:Record", inputs: { name: "App.Example.com." } },
          { type: "aws:route53/record:Record", inputs: { name: "_x.app.example.com." } },
          { type: "aws:s3/bucket:Bucket", inputs: { bucket: "shop-data" } },
        ]),
      });
    const clashes = findClashes([
      dns("x", "111111111111", "eu-west-1"),
      dns("y", "222222222222", "us-east-1"),
    ]);
    assert.deepStrictEqual(
      clashes.map((c) => [c.kind, c.value]),
      [
        ["dns", "app.example.com"],
        ["bucket", "shop-data"],
      ],
    );
  });

  it("a stack name that folds to the same prefix (DEMO vs demo) clashes in one account", () => {
    const x = base({ stack: "DEMO", file: "Pulumi.DEMO.yaml", claims: claimsOf("DEMO", "shop", []) });
    const y = base({
      stack: "demo",
      file: "Pulumi.demo.yaml",
      region: "us-east-1",
      claims: claimsOf("demo", "shop", []),
    });
    assert.deepStrictEqual(
      findClashes([x, y]).map((c) => [c.kind, c.value]),
      [["prefix", "shop-demo"]],
    );
    assert.deepStrictEqual(findClashes([x, { ...y, account: "222222222222" }]), []);
  });

  it("two stacks creating the GitHub OIDC provider in one account clash; one referencing it does not", () => {
    const oidc = {
      type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
      inputs: { url: "https://token.actions.githubusercontent.com" },
    };
    const x = base({ stack: "x", file: "Pulumi.x.yaml", claims: claimsOf("x", "x", [oidc]) });
    const y = base({
      stack: "y",
      file: "Pulumi.y.yaml",
      region: "us-east-1",
      claims: claimsOf("y", "y", [oidc]),
    });
    const clashes = findClashes([x, y]);
    assert.deepStrictEqual(
      clashes.map((c) => [c.kind, c.key]),
      [["oidcProvider", "ferry:ci.oidcProviderArn"]],
    );
    assert.match(clashes[0].message, /EntityAlreadyExists/);
    assert.deepStrictEqual(findClashes([x, { ...y, claims: claimsOf("y", "y", []) }]), []);
  });

  it("the same budget in stacks of different topologies is flagged as copied; different budgets are not", () => {
    const x = base({ stack: "x", file: "Pulumi.x.yaml", topology: "ec2-demo", budgetUsd: 2 });
    const y = base({ stack: "y", file: "Pulumi.y.yaml", account: "222222222222", budgetUsd: 2 });
    assert.deepStrictEqual(
      findClashes([x, y]).map((c) => [c.kind, c.key]),
      [["budget", "ferry:budget.monthlyUsd"]],
    );
    assert.deepStrictEqual(findClashes([x, { ...y, budgetUsd: 60 }]), []);
    assert.deepStrictEqual(findClashes([x, { ...y, topology: "ec2-demo" }]), []);
  });
});

describe("clashes between the committed and fixture stack files", () => {
  it("there are none (npm test fails on a clash between committed stacks)", async function () {
    this.timeout(300000);
    const all: StackClaims[] = [];
    for (const s of stackFiles()) all.push(stackClaims(await evaluateStack(s)));
    assert.ok(
      all.some((c) => c.claims.some((x) => x.kind === "oidcProvider")),
      "some stack creates the OIDC provider",
    );
    assert.deepStrictEqual(
      findClashes(all).map((c) => c.message),
      [],
    );
  });
});

describe("a committed stack copied to a new name, region and topology", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-copy-"));
  const file = path.join(dir, "Pulumi.staging-copy.yaml");
  before(() => {
    // What a user does: copy the demo's file, change the region and the topology, keep the rest.
    const doc = parseYaml(fs.readFileSync(stackFilePath("demo"), "utf8")) as {
      config: Record<string, unknown>;
    };
    doc.config["aws:region"] = "us-west-2";
    doc.config["ferry:topology"] = "fargate-ha";
    delete doc.config["ferry:demo"];
    fs.writeFileSync(file, stringify(doc));
    registerStackFile("staging-copy", file);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is priced completely in its new region, and its copied $2 budget is over, not 'within'", async function () {
    this.timeout(60000);
    const p = await planStack("staging-copy");
    assert.strictEqual(p.estimate.region, "us-west-2");
    assert.deepStrictEqual(p.estimate.notPriced, []);
    assert.strictEqual(p.estimate.complete, true);
    assert.ok(
      p.estimate.totals[0] > 20,
      `an HA service costs more than a stopped demo: ${p.estimate.totals[0]}`,
    );
    assert.strictEqual(checkBudget(p.estimate, p.budgetUsd!).verdict, "over");
  });

  it("npm run plan warns about the DNS name, the OIDC provider and the budget, naming both files and the key", async function () {
    this.timeout(120000);
    let out = "";
    let err = "";
    const code = await run(["staging-copy"], { out: (s) => (out += s), err: (s) => (err += s) });
    assert.strictEqual(code, 0, err);
    const text = out.replace(/\n {4}/g, " ");
    // At least the three with the demo (a user's own stack files may add more).
    assert.match(text, /^WARNING: \d+ clash\(es\) with other stack files:$/m);
    assert.match(
      text,
      /^ {2}- Pulumi\.demo\.yaml and Pulumi\.staging-copy\.yaml both claim the DNS name "demo\.rusbehabtahi\.com": change ferry:dns in one of them\.$/m,
    );
    assert.match(
      text,
      /^ {2}- Pulumi\.demo\.yaml and Pulumi\.staging-copy\.yaml both create the GitHub OIDC provider \(token\.actions\.githubusercontent\.com\) in account 108782059508: AWS refuses the second \(EntityAlreadyExists\)\. Let one create it and set ferry:ci\.oidcProviderArn in the other\.$/m,
    );
    assert.match(
      text,
      /Pulumi\.demo\.yaml \(ec2-demo\) and Pulumi\.staging-copy\.yaml \(fargate-ha\) carry the same ferry:budget\.monthlyUsd 2/,
    );
    // In its new region the repository name no longer clashes: ECR names are per account and region.
    assert.doesNotMatch(
      text,
      /Pulumi\.demo\.yaml and Pulumi\.staging-copy\.yaml both claim the ECR repository/,
    );
  });

  it("--format json carries the clashes and warns on stderr", async function () {
    this.timeout(120000);
    let out = "";
    let err = "";
    assert.strictEqual(
      await run(["staging-copy", "--format", "json"], { out: (s) => (out += s), err: (s) => (err += s) }),
      0,
    );
    const j = JSON.parse(out) as { clashes: { kind: string; files: string[] }[] };
    assert.deepStrictEqual(
      j.clashes
        .filter((c) => c.files.includes("Pulumi.demo.yaml"))
        .map((c) => c.kind)
        .sort(),
      ["budget", "dns", "oidcProvider"],
    );
    assert.match(err, /^warning: Pulumi\.demo\.yaml and Pulumi\.staging-copy\.yaml both claim the DNS name/m);
  });
});
