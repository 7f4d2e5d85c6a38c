// The generated blocks in README.md and docs/ (diagram + cost table per stack) are exactly what
// `npm run plan -- <stack> --format markdown` prints today, and that output is deterministic.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { planStack, renderMarkdown, run } from "../scripts/plan";
import { PRICES } from "../scripts/plan/priceTable";
import { planDocs, readmeBlocks, rewriteBlocks } from "../scripts/plan/readme";
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
