// Which tag a build gets: the git commit SHA when the build context is in a clean checkout, so the tag
// names exactly what was built; otherwise a content hash, never a misleading SHA.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface SourceTag {
  /** Docker tag: "<12-hex sha>", "<sha>-dirty-<hash>" or "ctx-<hash>". */
  readonly tag: string;
  /** How the tag was derived, for the program's log line. */
  readonly source: "git" | "git-dirty" | "content-hash";
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** Hash of every file under `dir` (names and bytes), skipping .git and node_modules. */
export function contentHash(dir: string): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const entry of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        hash.update(path.relative(dir, p)).update("\0").update(fs.readFileSync(p)).update("\0");
      }
    }
  };
  walk(dir);
  return hash.digest("hex").slice(0, 12);
}

export function resolveSourceTag(context: string): SourceTag {
  const sha = git(context, ["rev-parse", "--short=12", "HEAD"]);
  if (!sha) return { tag: `ctx-${contentHash(context)}`, source: "content-hash" };
  const dirty = git(context, ["status", "--porcelain", "--", "."]);
  if (dirty) return { tag: `${sha}-dirty-${contentHash(context).slice(0, 6)}`, source: "git-dirty" };
  return { tag: sha, source: "git" };
}
