// The repository explains itself: a short README, one "verified only in AWS" list, working links between
// the pages, requirement IDs that docs/requirements.md defines, and no pointer to a document that is not here.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

/** Tracked and new (not ignored) files: what a fresh clone holds once the change is committed. */
function repoFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return out
    .split("\0")
    .filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)))
    .sort();
}

const TEXT =
  /\.(ts|js|mjs|cjs|json|ya?ml|md|sh|py|txt|toml|service|timer|conf)$|(^|\/)(Dockerfile|Caddyfile|run)$/;
const LOCKS = /(^|\/)package-lock\.json$/;
const userDocs = () => ["README.md", ...repoFiles().filter((f) => /^docs\/.*\.md$/.test(f))];

/** A requirement ID as code cites it: S1–S8, D1–D10, P1–P11, C1–C4, A1–A3 (and any other letter+number). */
const ID = /\b([SDPCA])(\d{1,2})\b/g;

/** Documents that lived beside the repository once; nothing here may send a reader to them. */
const OUTSIDE: readonly [RegExp, string][] = [
  [/\bseeds? ?\d{3}\b/i, "a seed document"],
  [/\bseeds? \d{3}[–-]\d{3}\b/i, "seed documents"],
  [/AWS-REALITY(\.md)?/, "AWS-REALITY.md"],
  [/\bPRICES\.md\b/, "PRICES.md"],
  [/\bREQUIREMENTS\.md\b/, "REQUIREMENTS.md"],
  [/\bSTYLE\.md\b/, "STYLE.md"],
  [/\.\.\/shared\b/, "../shared"],
  [/\b(issue|ticket) #?\d+\b/i, "an issue number"],
];

describe("documentation", () => {
  it("README.md is a front door: at most 15 KB, with the test command and Node 22", () => {
    const readme = read("README.md");
    const bytes = Buffer.byteLength(readme);
    assert.ok(bytes <= 15 * 1024, `README.md is ${bytes} bytes; keep it ≤ 15360 and move detail into docs/`);
    assert.match(readme, /npm test/);
    assert.match(readme, /Node(\.js)? 22/);
    assert.match(readme, /\.nvmrc/);
  });

  it("has exactly one 'verified only in AWS' list, and the pages link to it instead of repeating it", () => {
    const headings = userDocs().flatMap((f) =>
      read(f)
        .split("\n")
        .filter((l) => /^#{1,6} .*verified only (in|with|on) (AWS|GitHub|the Pulumi CLI)/i.test(l))
        .map((l) => `${f}: ${l}`),
    );
    assert.deepStrictEqual(
      headings.map((h) => h.split(":")[0]),
      ["docs/verified-in-aws.md"],
      `expected one such heading, in docs/verified-in-aws.md; found:\n${headings.join("\n")}`,
    );
  });

  it("every relative link in README.md and docs/ points at a file or folder of the repository", () => {
    const broken: string[] = [];
    for (const f of userDocs()) {
      const text = read(f).replace(/```[\s\S]*?```/g, "");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split("#")[0];
        if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        if (!fs.existsSync(path.join(ROOT, path.dirname(f), decodeURI(target))))
          broken.push(`${f} → ${m[1]}`);
      }
    }
    assert.deepStrictEqual(broken, [], `broken links:\n${broken.join("\n")}`);
  });

  it("README.md and docs/ (but docs/requirements.md) describe behaviour in words, without requirement IDs", () => {
    const cited: string[] = [];
    for (const f of userDocs().filter((f) => f !== "docs/requirements.md")) {
      const text = read(f)
        .replace(/```[\s\S]*?```/g, "")
        .replace(/`[^`\n]*`/g, "");
      // "S3" is also the storage service's name, so it cannot be told from the ID in prose.
      for (const m of text.matchAll(ID)) if (m[0] !== "S3") cited.push(`${f}: ${m[0]}`);
    }
    assert.deepStrictEqual(cited, [], `user-facing pages cite requirement IDs:\n${cited.join("\n")}`);
  });

  it("every requirement ID that code, tests or config cite is defined in docs/requirements.md", () => {
    const defined = new Set(
      [...read("docs/requirements.md").matchAll(/^\| ([SDPCA]\d{1,2}) \|/gm)].map((m) => m[1]),
    );
    assert.ok(defined.size >= 30, `docs/requirements.md defines only ${defined.size} IDs`);
    const undefinedIds = new Set<string>();
    for (const f of repoFiles().filter((f) => /\.(ts|js|ya?ml|sh)$/.test(f) && !f.startsWith("docs/"))) {
      for (const line of read(f).split("\n")) {
        // Only comments and strings cite requirements; identifiers like `A1` never occur in this codebase.
        for (const m of line.matchAll(ID)) if (!defined.has(m[0])) undefinedIds.add(`${f}: ${m[0]}`);
      }
    }
    assert.deepStrictEqual([...undefinedIds], [], "cited but not defined in docs/requirements.md");
  });

  it("no file sends the reader to a document outside the repository (seeds, catalogues, issue numbers)", () => {
    const hits: string[] = [];
    for (const f of repoFiles().filter((f) => TEXT.test(f) && !LOCKS.test(f) && f !== "test/docs.test.ts")) {
      read(f)
        .split("\n")
        .forEach((line, i) => {
          for (const [re, what] of OUTSIDE)
            if (re.test(line)) hits.push(`${f}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    assert.deepStrictEqual(
      hits,
      [],
      `references to documents that are not in the repository:\n${hits.join("\n")}`,
    );
  });

  it("a positive control: the reference check catches each kind of outside pointer", () => {
    const samples = [
      "see seed 003",
      "from AWS-REALITY.md",
      "(PRICES.md)",
      "REQUIREMENTS.md",
      "STYLE.md",
      "../shared/x",
      "issue 7",
    ];
    for (const s of samples)
      assert.ok(
        OUTSIDE.some(([re]) => re.test(s)),
        s,
      );
    for (const s of ["the drift job opens an issue", "S3 bucket", "seedless"])
      assert.ok(!OUTSIDE.some(([re]) => re.test(s)), s);
  });
});
