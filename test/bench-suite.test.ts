// `npm run bench` also times one `npm test` against one plan. The bench itself is not run by `npm test` (it
// would run the suite inside the suite); this checks the suite section of its report and the CPU reading.
import * as assert from "node:assert/strict";
import { childrenCpuMs, formatBench, parseChildrenCpuMs } from "../scripts/bench";

describe("npm run bench: suite time against one plan", () => {
  it("reports the suite's wall and CPU time and the ratio to one plan", () => {
    const text = formatBench({
      reps: 1,
      timings: [],
      costs: [],
      suite: {
        wallMs: 48_000,
        cpuMs: 81_500,
        planMs: 3_200,
        summary: "tests: 600 passed, 0 failed, 0 skipped",
      },
    });
    // 48 s / 3.2 s = 15.0×
    assert.match(text, /^ {2}npm test +48\.0 s +81\.5 s +15\.0×$/m);
    assert.match(text, /^ {2}one plan +3\.2 s$/m);
    assert.match(text, /^ {2}tests: 600 passed, 0 failed, 0 skipped$/m);
  });

  it("says n/a for CPU time where it cannot be read, and leaves the section out without a suite run", () => {
    const base = { reps: 1, timings: [], costs: [] };
    assert.match(
      formatBench({ ...base, suite: { wallMs: 1000, planMs: 1000, summary: "tests: 1 passed" } }),
      /^ {2}npm test +1\.0 s +n\/a +1\.0×$/m,
    );
    assert.doesNotMatch(formatBench(base), /npm test/);
  });

  it("reads the children's CPU time (cutime + cstime, 1/100 s ticks) from /proc/self/stat", () => {
    // pid (comm with ") (" inside) state ppid ... utime stime cutime cstime ...
    const stat = "4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 111 222 3333 4444 20 0 1 0";
    assert.equal(parseChildrenCpuMs(stat), (3333 + 4444) * 10);
    assert.equal(parseChildrenCpuMs(undefined), undefined);
    assert.equal(parseChildrenCpuMs("garbage"), undefined);
    // On Linux, the live reading is a number of milliseconds.
    if (process.platform === "linux") assert.equal(typeof childrenCpuMs(), "number");
  });
});
