#!/usr/bin/env node
// Lints every Dockerfile in the repo with dockerfile-utils. Its CLI exits 0 even when it reports problems,
// so this wrapper reads its JSON output and fails on any diagnostic (warnings included).
"use strict";
const { execFileSync } = require("node:child_process");
const path = require("node:path");

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => /(^|\/)Dockerfile[^/]*$/.test(f));
const bin = path.join(__dirname, "..", "node_modules", ".bin", "dockerfile-utils");
let problems = 0;
for (const file of files) {
  const diagnostics = JSON.parse(execFileSync(bin, ["lint", "-j", file], { encoding: "utf8" }) || "[]");
  for (const d of diagnostics) {
    problems++;
    console.error(`${file}:${d.range.start.line + 1}: ${d.severity}: ${d.message}`);
  }
}
console.log(`dockerfile-utils: ${files.length} Dockerfile(s), ${problems} problem(s)`);
process.exit(problems === 0 && files.length > 0 ? 0 : 1);
