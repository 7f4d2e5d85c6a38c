// Supply chain of what CI builds and ships: every Dockerfile base image pinned by digest (Dependabot's docker
// updates keep tag and digest current), and the sample app's Python requirements pinned exactly.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./support/harness";

const dockerfiles = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => /(^|\/)Dockerfile[^/]*$/.test(f) && fs.existsSync(path.join(ROOT, f)));

/** Base images of a Dockerfile's FROM lines that are not earlier stages. */
function baseImages(text: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const m of text.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    if (!stages.has(m[1].toLowerCase())) images.push(m[1]);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return images;
}

const DIGEST_PINNED = /^[a-z0-9./-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$/;

describe("supply chain: images and Python requirements", () => {
  it("finds the app's Dockerfile", () => assert.ok(dockerfiles.includes("app/Dockerfile")));

  it("every base image is pinned by digest (a tag alone can be re-pushed)", () => {
    for (const file of dockerfiles) {
      const images = baseImages(fs.readFileSync(path.join(ROOT, file), "utf8"));
      assert.ok(images.length > 0, file);
      for (const image of images) assert.match(image, DIGEST_PINNED, `${file}: ${image}`);
    }
    // Positive controls: a tag, an ARG and `latest` are refused; a stage reference is not a base image.
    for (const bad of ["python:3.12.12-slim-bookworm", "python:${PYTHON_TAG}", "python"])
      assert.doesNotMatch(bad, DIGEST_PINNED);
    assert.deepEqual(baseImages("FROM a@sha256:" + "0".repeat(64) + " AS build\nFROM build\n"), [
      "a@sha256:" + "0".repeat(64),
    ]);
  });

  it("both stages of the app image use the same base", () => {
    const images = baseImages(fs.readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8"));
    assert.equal(new Set(images).size, 1, images.join(", "));
  });

  it("app/requirements.txt pins every requirement exactly; if one line carries hashes, all do", () => {
    const lines = fs
      .readFileSync(path.join(ROOT, "app", "requirements.txt"), "utf8")
      .replace(/\\\n/g, " ")
      .split("\n")
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter(Boolean);
    assert.ok(lines.length > 0);
    for (const l of lines)
      assert.match(l, /^[A-Za-z0-9._-]+(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+(\s|$)/, l);
    const hashed = lines.filter((l) => /--hash=sha256:[0-9a-f]{64}/.test(l));
    assert.ok(
      hashed.length === 0 || hashed.length === lines.length,
      "pip --require-hashes needs every line hashed",
    );
  });
});
