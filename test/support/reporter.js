// Mocha's spec reporter, plus the plain closing line CI reads: "tests: N passed, N failed, N skipped".
// In CI (CI=true, as GitHub Actions and .ci/run set it) it lists the slowest ten tests before that line, so a
// test that starts to dominate the suite's time is seen in the log. Works in serial and parallel mode.
"use strict";
const path = require("node:path");
const Mocha = require("mocha");
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL } = Mocha.Runner.constants;

const SLOWEST = 10;

/** The `n` slowest of `tests` ({ title, file, duration }), slowest first, as report lines. Pure, for tests. */
function slowestLines(tests, n = SLOWEST, root = process.cwd()) {
  return [...tests]
    .filter((t) => typeof t.duration === "number")
    .sort((a, b) => b.duration - a.duration)
    .slice(0, n)
    .map((t) => {
      const seconds = (t.duration / 1000).toFixed(2).padStart(7);
      const file = t.file ? `${path.relative(root, t.file)}: ` : "";
      return `${seconds} s  ${file}${t.title}`;
    });
}

class FerryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const timed = [];
    const record = (test) =>
      timed.push({
        title: typeof test.fullTitle === "function" ? test.fullTitle() : test.title,
        file: test.file,
        duration: test.duration,
      });
    runner.on(EVENT_TEST_PASS, record);
    runner.on(EVENT_TEST_FAIL, record);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      if (process.env.CI && process.env.CI !== "false" && timed.length > 0)
        process.stdout.write(`\nslowest ${SLOWEST} tests:\n${slowestLines(timed).join("\n")}\n`);
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = FerryReporter;
module.exports.slowestLines = slowestLines;
