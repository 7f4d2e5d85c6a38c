import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const appDir = path.resolve(__dirname, "..", "app");

interface Instruction {
  keyword: string;
  args: string;
}

/** Minimal Dockerfile reader: joins `\` continuations, drops comments and blank lines. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split(/\r?\n/)
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return logical
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** Split into stages; instructions before the first FROM (global ARGs) are returned separately. */
function splitStages(instructions: Instruction[]): { globals: Instruction[]; stages: Instruction[][] } {
  const globals: Instruction[] = [];
  const stages: Instruction[][] = [];
  for (const ins of instructions) {
    const current = stages[stages.length - 1];
    if (ins.keyword === "FROM") stages.push([ins]);
    else if (current) current.push(ins);
    else globals.push(ins);
  }
  return { globals, stages };
}

/** Names declared by an ENV or ARG instruction (`A=1 B=2`, legacy `A 1`, or bare `ARG A`). */
function declaredNames(ins: Instruction): string[] {
  const names = [...ins.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1] ?? "");
  if (names.length > 0) return names;
  const first = ins.args.split(/\s+/)[0];
  return first ? [first] : [];
}

function lastIndex(stage: Instruction[], keywords: string[]): number {
  return stage.reduce((found, ins, i) => (keywords.includes(ins.keyword) ? i : found), -1);
}

describe("app/Dockerfile (A2)", () => {
  const instructions = parseDockerfile(fs.readFileSync(path.join(appDir, "Dockerfile"), "utf8"));
  const { globals, stages } = splitStages(instructions);
  const final = stages[stages.length - 1] ?? [];

  const globalArgs = new Map<string, string>();
  for (const ins of globals.filter((g) => g.keyword === "ARG")) {
    const [name = "", value = ""] = ins.args.split("=", 2);
    globalArgs.set(name.trim(), value.trim().replace(/^"|"$/g, ""));
  }
  const resolve = (s: string): string =>
    s.replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (whole, a?: string, b?: string) => globalArgs.get(a ?? b ?? "") ?? whole,
    );

  it("is multi-stage", () => {
    assert.ok(stages.length >= 2, `expected at least two FROM stages, found ${stages.length}`);
  });

  it("pins every FROM to the same python 3.12 slim tag with a patch version, and its digest", () => {
    const images = stages.map((stage) => {
      const tokens = (stage[0]?.args ?? "").split(/\s+/).filter((t) => !t.startsWith("--"));
      return resolve(tokens[0] ?? "");
    });
    for (const image of images) {
      assert.ok(
        !/:latest$/.test(image) && image.includes(":"),
        `FROM must use an explicit tag, not latest: ${image}`,
      );
      assert.match(
        image,
        /^python:3\.12\.\d+-slim(-[a-z]+)?@sha256:[0-9a-f]{64}$/,
        `FROM must be python:3.12.<patch>-slim[-<distro>]@sha256:<digest>: ${image}`,
      );
    }
    assert.equal(new Set(images).size, 1, `all stages must use the same base image: ${images.join(", ")}`);
  });

  it("runs the final stage as a non-root USER set after the last root-needing COPY/RUN", () => {
    const userIdx = lastIndex(final, ["USER"]);
    const userIns = final[userIdx];
    assert.ok(userIns, "final stage must set USER");
    const user = userIns.args.split(":")[0] ?? "";
    assert.ok(!["root", "0"].includes(user), `final USER must be non-root, got "${user}"`);
    assert.ok(
      userIdx > lastIndex(final, ["COPY", "RUN", "ADD"]),
      "USER must come after the last COPY/RUN/ADD in the final stage",
    );
  });

  it("exposes port 8501", () => {
    const ports = final.filter((i) => i.keyword === "EXPOSE").flatMap((i) => i.args.split(/\s+/));
    assert.ok(
      ports.some((p) => p === "8501" || p === "8501/tcp"),
      "final stage must EXPOSE 8501",
    );
  });

  it("has a HEALTHCHECK on /_stcore/health", () => {
    const hc = final.find((i) => i.keyword === "HEALTHCHECK");
    assert.ok(hc, "final stage must have a HEALTHCHECK");
    assert.ok(hc.args.includes("/_stcore/health"), "HEALTHCHECK must probe /_stcore/health");
  });

  it("binds the server to 0.0.0.0 in CMD", () => {
    const cmd = final.filter((i) => i.keyword === "CMD").pop();
    assert.ok(cmd, "final stage must have a CMD");
    assert.ok(cmd.args.includes("0.0.0.0"), "CMD must bind 0.0.0.0 so the container port is reachable");
  });

  it("declares no secret-looking ENV or ARG", () => {
    const secretLike = /KEY|SECRET|TOKEN|PASSWORD/i;
    const offenders = instructions
      .filter((i) => i.keyword === "ENV" || i.keyword === "ARG")
      .flatMap(declaredNames)
      .filter((name) => secretLike.test(name));
    assert.deepEqual(
      offenders,
      [],
      `secrets must not be baked into the image via ENV/ARG: ${offenders.join(", ")}`,
    );
  });
});

describe("app/.dockerignore (A2)", () => {
  const patterns = fs
    .readFileSync(path.join(appDir, ".dockerignore"), "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("excludes .env files", () => {
    assert.ok(patterns.includes(".env"), ".dockerignore must exclude .env");
  });

  it("excludes tests", () => {
    assert.ok(
      patterns.some((p) => p.includes("test_")),
      ".dockerignore must exclude test_*.py",
    );
  });

  it("excludes local data", () => {
    assert.ok(
      patterns.some((p) => p.startsWith("data") || p === "*.db"),
      ".dockerignore must exclude data/ or *.db",
    );
  });
});

describe("app python unit tests (A1)", () => {
  it("pass under python3 -m unittest", function () {
    this.timeout(30_000);
    const res = spawnSync("python3", ["-m", "unittest", "discover", "-s", "app", "-p", "test_*.py"], {
      cwd: path.resolve(__dirname, ".."),
      encoding: "utf8",
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    if (res.error && "code" in res.error && res.error.code === "ENOENT") this.skip(); // no python3
    assert.equal(res.status, 0, `python unit tests failed:\n${res.stdout}${res.stderr}`);
  });
});
