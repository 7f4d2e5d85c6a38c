// Budget guard: every committed stack with `ferry:budget` must be estimated within it (the demo while stopped,
// a Fargate service at its autoscaling minimum), with nothing billable left unpriced; and the key is validated
// like every other config key.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../config";
import { planStack } from "../scripts/plan";
import { checkBudget, money } from "../scripts/plan/cost";
import { estimateText } from "../scripts/plan/markdown";
import { ROOT, stackConfig, stackFiles } from "./support/harness";

const budgeted = stackFiles().filter((s) => stackConfig(s).config["ferry:budget"] !== undefined);

describe("ferry:budget: committed stacks within their budget", () => {
  it("demo and prod carry a budget: demo $2 (stopped), prod $60 (baseline, P11)", () => {
    const budget = (s: string) => JSON.parse(stackConfig(s).config["ferry:budget"]) as { monthlyUsd: number };
    assert.deepStrictEqual(budget("demo"), { monthlyUsd: 2 });
    assert.deepStrictEqual(budget("prod"), { monthlyUsd: 60 });
    assert.ok(budgeted.includes("demo") && budgeted.includes("prod"));
  });

  for (const stack of budgeted)
    it(`${stack}: the estimate (${stack === "demo" ? "demo stopped" : "first scenario"}) is within ferry:budget, everything priced`, async () => {
      const p = await planStack(stack);
      const b = checkBudget(p.estimate, p.budgetUsd!);
      if (stack === "demo")
        assert.strictEqual(b.scenario.id, "stopped", "the demo is held to its stopped figure");
      if (stack === "prod") assert.strictEqual(b.scenario.id, "baseline", "prod is held to its baseline");
      assert.ok(
        b.within,
        b.verdict === "unknown"
          ? `${stack}: the estimate is incomplete (${p.estimate.notPriced.length} billable resource(s) not priced in ` +
              `${p.estimate.region}), so it cannot be within ferry:budget ${money(b.monthlyUsd)}`
          : `${stack}: estimated ${money(b.estimateUsd)} a month (${b.scenario.label}) exceeds ferry:budget ` +
              `${money(b.monthlyUsd)}. Lines: ${p.estimate.lines.map((l) => `${l.item} ${money(l.usd[0])}`).join("; ")}`,
      );
      assert.deepStrictEqual(
        p.estimate.notPriced,
        [],
        `${stack}: a budgeted stack must have a price for every billable resource (add it to scripts/plan/prices.json)`,
      );
    });

  it("a budgeted stack in a region outside the price table is never within budget: plan and test agree", async () => {
    const p = await planStack("demo", { overrides: { config: { "aws:region": "af-south-1" } } });
    assert.strictEqual(p.estimate.regionInTable, false);
    assert.strictEqual(p.estimate.complete, false);
    const b = checkBudget(p.estimate, p.budgetUsd!);
    assert.deepStrictEqual([b.verdict, b.within], ["unknown", false]);
    assert.ok(
      b.estimateUsd <= b.monthlyUsd,
      "the priced part alone (the global Route 53 zone) is under the budget",
    );
    const text = estimateText(p.estimate, p.budgetUsd).replace(/\n +/g, " ");
    assert.match(text, /ESTIMATE INCOMPLETE: region af-south-1 is not in the price table/);
    assert.match(text, /cannot be checked: the estimate is incomplete/);
    assert.doesNotMatch(text, /within budget/);
  });

  it("a stack over its budget fails the check: the demo at the component's default 20 GiB disk", async () => {
    const demo = JSON.parse(stackConfig("demo").config["ferry:demo"]) as Record<string, unknown>;
    const p = await planStack("demo", {
      overrides: { config: { "ferry:demo": { ...demo, rootVolumeGb: 20 } } },
    });
    const b = checkBudget(p.estimate, 2);
    // 20 × 0.0952 (disk) + 0.50 (zone) + 0.10 (ECR) + 0.10 (idle alarm) + the wake page's 1,000 requests a
    // month (requests, 0.3 s × 128 MB each, 1 KB of logs each: about a tenth of a cent).
    const wake = 1000 * 0.0000002 + 1000 * 0.3 * 0.125 * 0.0000133334 + 0.001 * 0.63 + 0.001 * 0.0324;
    assert.strictEqual(b.estimateUsd.toFixed(2), (20 * 0.0952 + 0.5 + 0.1 + 0.1 + wake).toFixed(2));
    assert.strictEqual(b.within, false);
  });
});

describe("ferry:budget: validation", () => {
  const ctx = { project: "ferry", stack: "prod", projectRoot: ROOT, readSecret: () => pulumi.output("") };
  const withBudget = (budget: unknown) => ({
    ...stackConfig("prod").config,
    "ferry:budget": JSON.stringify(budget),
  });
  const problems = (budget: unknown): string[] => {
    try {
      parseConfig(withBudget(budget), ctx);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it("accepts a positive amount and passes it through typed", () => {
    assert.deepStrictEqual(parseConfig(withBudget({ monthlyUsd: 60 }), ctx).budget, { monthlyUsd: 60 });
    assert.deepStrictEqual(parseConfig(withBudget({ monthlyUsd: 1.5 }), ctx).budget, { monthlyUsd: 1.5 });
  });

  it("names the key, the value and what is expected", () => {
    assert.deepStrictEqual(problems({ monthlyUsd: 0 }), [
      "ferry:budget.monthlyUsd: got 0, expected a monthly amount in USD: a positive number",
    ]);
    assert.deepStrictEqual(problems({ monthlyUsd: -5 }), [
      "ferry:budget.monthlyUsd: got -5, expected a monthly amount in USD: a positive number",
    ]);
    assert.deepStrictEqual(problems({ monthlyUsd: "60" }), [
      'ferry:budget.monthlyUsd: got "60", expected a monthly amount in USD: a positive number',
    ]);
    assert.deepStrictEqual(problems({}), [
      "ferry:budget.monthlyUsd: got missing, expected a monthly amount in USD: a positive number",
    ]);
    assert.deepStrictEqual(problems({ monthlyUSD: 60, monthlyUsd: 60 }), [
      'ferry:budget: unknown key "monthlyUSD", did you mean "monthlyUsd"?',
    ]);
    assert.deepStrictEqual(problems(60), ["ferry:budget: got 60, expected a map with the keys monthlyUsd"]);
  });
});
