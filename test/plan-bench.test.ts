// `npm run bench` is not run by `npm test` (it spawns type-checked ts-node processes for minutes); this checks
// its report: medians, the time ratio, and the cost ratio against the two-NAT-gateway comparison.
import * as assert from "node:assert/strict";
import { formatBench, median } from "../scripts/bench";

describe("npm run bench: report", () => {
  it("takes medians (odd and even counts)", () => {
    assert.strictEqual(median([3, 1, 2]), 2);
    assert.strictEqual(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it("reports medians and ratios side by side", () => {
    const text = formatBench({
      reps: 3,
      timings: [
        {
          stack: "demo",
          runs: { "type-checked": [9000, 8000, 10000], "transpile-only": [2000, 2500, 1500] },
        },
        {
          stack: "prod",
          runs: { "type-checked": [12000, 12000, 11000], "transpile-only": [3000, 3000, 4000] },
        },
      ],
      costs: [{ stack: "prod", natGateways: 2, programUsd: 57.42, comparisonUsd: 57.42 + 2 * 730 * 0.045 }],
    });
    const lines = text.split("\n");
    assert.match(lines[0], /3 run\(s\) per stack and mode, medians/);
    // demo: median 9 s vs 2 s → 4.50×; prod: 12 s vs 3 s → 4.00×.
    assert.match(text, /^ {2}demo +9\.00 s +2\.00 s +4\.50×$/m);
    assert.match(text, /^ {2}prod +12\.00 s +3\.00 s +4\.00×$/m);
    // (57.42 + 65.70) / 57.42 = 2.144…
    assert.match(text, /^ {2}prod +\$57\.42 +\$123\.12 \(2 NAT\) +2\.14×$/m);
    assert.match(text, /the ratio is what carries over/);
  });
});
