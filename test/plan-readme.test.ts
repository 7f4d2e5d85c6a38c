// The generated blocks in README.md and docs/ (diagram + cost table per stack) are exactly what
// `npm run plan -- <stack> --format markdown` prints today, and that output is deterministic.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { planStack, renderMarkdown, run } from "../scripts/plan";
import { PRICES } from "../scripts/plan/priceTable";
import { COMPARISONS, comparisonTable, overridesOf } from "../scripts/plan/comparison";
import {
  comparisonBlocks,
  planDocs,
  readmeBlocks,
  rewriteBlocks,
  rewriteComparisons,
} from "../scripts/plan/readme";
import { ROOT, stackFiles } from "./support/harness";

describe("plan blocks in README.md and docs/", () => {
  const pages = planDocs().map((file) => ({
    name: path.relative(ROOT, file),
    blocks: readmeBlocks(fs.readFileSync(file, "utf8")),
  }));
  const all = pages.flatMap((p) => p.blocks.map((b) => ({ page: p.name, ...b })));

  it("hold generated blocks only for stacks that have a file, one block per stack and page", () => {
    for (const p of pages) {
      const stacks = p.blocks.map((b) => b.stack);
      for (const s of stacks)
        assert.ok(stackFiles().includes(s), `${p.name}: plan block for unknown stack ${s}`);
      assert.strictEqual(new Set(stacks).size, stacks.length, `${p.name}: one block per stack`);
    }
  });

  it("docs/cost.md shows the committed demo and prod estimates as generated blocks", () => {
    const cost = pages.find((p) => p.name === path.join("docs", "cost.md"));
    assert.ok(cost, "docs/cost.md exists");
    assert.deepStrictEqual(
      cost.blocks.map((b) => b.stack),
      ["demo", "prod"],
    );
  });

  const printed = new Map<string, string>();
  before(async () => {
    for (const stack of new Set(["prod", ...all.map((b) => b.stack)])) {
      let out = "";
      const code = await run([stack, "--format", "markdown"], {
        out: (s) => (out += s),
        err: (s) => (out += s),
      });
      assert.strictEqual(code, 0, out);
      printed.set(stack, out.replace(/\n$/, ""));
    }
  });

  it("every block is what `npm run plan -- <stack> --format markdown` prints (else: npm run docs:plan)", () => {
    for (const b of all)
      assert.ok(
        b.content === printed.get(b.stack),
        `${b.page}'s plan:${b.stack} block is out of date with the program: run \`npm run docs:plan\` and commit it`,
      );
  });

  it("markdown is deterministic: same text twice, no dates of today, digests, SHAs, image tags or local paths", async () => {
    assert.strictEqual(
      renderMarkdown(await planStack("prod")),
      printed.get("prod"),
      "a second evaluation prints the same",
    );
    for (const [stack, md] of printed) {
      assert.doesNotMatch(md, /sha256:|\b[0-9a-f]{12,}\b/, `${stack}: a digest or commit SHA`);
      assert.doesNotMatch(md, /:latest\b|dkr\.ecr\./, `${stack}: an image reference`);
      assert.ok(!md.includes(ROOT) && !/\/(home|root|tmp|work)\//.test(md), `${stack}: a local path`);
      // The price table's collection date is data, not a timestamp of the run: only it may be today.
      const today = new Date().toISOString().slice(0, 10);
      assert.ok(
        !md.replaceAll(`collected ${PRICES.collected}`, "").includes(today),
        `${stack}: today's date`,
      );
      assert.doesNotMatch(md, /\b\d{12}\b|arn:aws/, `${stack}: an account id or ARN`);
    }
  });

  it("rewriteBlocks replaces only the text between the markers, and refuses a start marker without its end", async () => {
    const md =
      "intro\n<!-- plan:a:start -->\nold\n<!-- plan:a:end -->\nmiddle\n<!-- plan:b:start -->\n<!-- plan:b:end -->\nend\n";
    const next = await rewriteBlocks(md, (s) => Promise.resolve(`new ${s}`));
    assert.strictEqual(
      next,
      "intro\n<!-- plan:a:start -->\nnew a\n<!-- plan:a:end -->\nmiddle\n<!-- plan:b:start -->\nnew b\n<!-- plan:b:end -->\nend\n",
    );
    assert.deepStrictEqual(readmeBlocks(next), [
      { stack: "a", content: "new a" },
      { stack: "b", content: "new b" },
    ]);
    assert.throws(() => readmeBlocks("<!-- plan:a:start -->\nx\n"), /has no matching <!-- plan:a:end -->/);
  });
});

describe("cost comparison blocks in docs/ (scripts/plan/comparison.ts)", () => {
  const blocks = planDocs().flatMap((file) =>
    comparisonBlocks(fs.readFileSync(file, "utf8")).map((b) => ({ page: path.relative(ROOT, file), ...b })),
  );

  it("docs/fargate.md holds prod's comparison", () => {
    assert.deepStrictEqual(
      blocks.map((b) => `${b.page} ${b.stack}`),
      [`${path.join("docs", "fargate.md")} prod`],
    );
  });

  it("every block is what the comparison renders from the plans today (else: npm run docs:plan)", async function () {
    this.timeout(120_000);
    for (const b of blocks)
      assert.ok(
        b.content === (await comparisonTable(b.stack)),
        `${b.page}'s compare:${b.stack} block is out of date with the program: run \`npm run docs:plan\` and commit it`,
      );
  });

  it("its first row is the committed stack, unchanged: the same total as the stack's own plan", async () => {
    for (const [stack, variants] of Object.entries(COMPARISONS)) {
      assert.ok(
        variants[0].committed && !variants[0].merge,
        `${stack}: the first row is the committed stack`,
      );
      const own = (await planStack(stack)).estimate.totals[0].toFixed(2);
      const row = blocks.find((b) => b.stack === stack)?.content.split("\n")[2] ?? "";
      assert.ok(row.includes(`**$${own}**`), `${stack}: ${row}`);
    }
  });

  it("a variant changes only the fields it names; the rest of the stack file's block stays", () => {
    const o = overridesOf("prod", { label: "x", merge: { "ferry:fargate": { taskNetwork: "public-ipv4" } } });
    const fargate = (o.config as Record<string, Record<string, unknown>>)["ferry:fargate"];
    assert.strictEqual(fargate.taskNetwork, "public-ipv4");
    assert.strictEqual(fargate.clusterName, "vibejudge-cluster", "the stack file's own settings are kept");
    assert.deepStrictEqual(overridesOf("prod", { label: "as committed" }), {});
  });

  it("rewriteComparisons replaces only the text between its markers", async () => {
    const md =
      "a\n<!-- compare:x:start -->\nold\n<!-- compare:x:end -->\n<!-- plan:y:start -->\nkeep\n<!-- plan:y:end -->\n";
    assert.strictEqual(
      await rewriteComparisons(md, (s) => Promise.resolve(`table ${s}`)),
      "a\n<!-- compare:x:start -->\ntable x\n<!-- compare:x:end -->\n<!-- plan:y:start -->\nkeep\n<!-- plan:y:end -->\n",
    );
  });
});
