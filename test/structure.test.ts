// Layout rules of the code base: program code (everything outside test/) never imports test code, so the
// program and `npm run plan` run without the tests and a test helper can change without touching them.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./support/harness";

const SKIP = new Set(["node_modules", ".git", "test", "bin", "dist"]);
const SOURCE = /\.(ts|js|mjs|cjs)$/;
/** `import … from "x"`, `export … from "x"`, `import("x")`, `require("x")`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) && dir === ROOT) continue;
    if (entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (SOURCE.test(entry.name)) out.push(full);
  }
  return out;
}

/** Relative specifiers in `text` (a file at `file`) that resolve into the project's test/ folder. */
export function importsIntoTests(file: string, text: string): string[] {
  const testDir = path.join(ROOT, "test") + path.sep;
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1];
    if (!spec.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), spec);
    if ((target + path.sep).startsWith(testDir)) found.push(spec);
  }
  return found;
}

describe("code layout", () => {
  it("the import check recognizes an import of test code (positive control)", () => {
    const file = path.join(ROOT, "scripts", "plan", "x.ts");
    assert.deepEqual(importsIntoTests(file, 'import { ROOT } from "../../test/support/harness";'), [
      "../../test/support/harness",
    ]);
    assert.deepEqual(importsIntoTests(file, 'const h = require("../../test/support/harness");'), [
      "../../test/support/harness",
    ]);
    assert.deepEqual(importsIntoTests(file, 'await import("../../test/x");'), ["../../test/x"]);
    assert.deepEqual(importsIntoTests(file, 'import { evaluateStack } from "./engine";'), []);
  });

  it("no file outside test/ imports from test/", () => {
    const files = sourceFiles(ROOT);
    assert.ok(
      files.some((f) => f.endsWith(path.join("scripts", "plan.ts"))),
      "the walk found the program",
    );
    const offenders = files.flatMap((f) =>
      importsIntoTests(f, fs.readFileSync(f, "utf8")).map((s) => `${path.relative(ROOT, f)} imports ${s}`),
    );
    assert.deepEqual(
      offenders,
      [],
      "program code must import the evaluation engine from scripts/plan/engine",
    );
  });
});
