// `npm run docs:plan`: rewrites every `<!-- plan:<stack>:start -->` … `<!-- plan:<stack>:end -->` block of
// README.md and docs/*.md with what `npm run plan -- <stack> --format markdown` prints. test/plan-readme.test.ts
// fails when a block differs from it, so the diagrams and cost tables in the docs follow the program.
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./engine";

export const README = path.join(ROOT, "README.md");

/** Every page that may hold plan blocks: README.md and the Markdown files of docs/. */
export function planDocs(): string[] {
  const docs = path.join(ROOT, "docs");
  const pages = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => path.join(docs, f))
    : [];
  return [README, ...pages];
}

const BLOCK = /<!-- plan:([a-z0-9][a-z0-9_-]*):start -->\n([\s\S]*?)\n?<!-- plan:\1:end -->/g;

export interface Block {
  readonly stack: string;
  /** The text between the two markers, without the newlines next to them. */
  readonly content: string;
}

/** The plan blocks of a Markdown text, in order. A start marker without its end marker is an error. */
export function readmeBlocks(text: string): Block[] {
  const blocks = [...text.matchAll(BLOCK)].map((m) => ({ stack: m[1], content: m[2] }));
  const starts = [...text.matchAll(/<!-- plan:([^:\s]+):start -->/g)].map((m) => m[1]);
  const unmatched = starts.filter((s) => !blocks.some((b) => b.stack === s));
  if (unmatched.length > 0)
    throw new Error(
      `README: <!-- plan:${unmatched[0]}:start --> has no matching <!-- plan:${unmatched[0]}:end -->`,
    );
  return blocks;
}

/** `text` with each block's content replaced by `render(stack)`. */
export async function rewriteBlocks(
  text: string,
  render: (stack: string) => Promise<string>,
): Promise<string> {
  const blocks = readmeBlocks(text);
  const rendered = new Map<string, string>();
  for (const b of blocks) if (!rendered.has(b.stack)) rendered.set(b.stack, await render(b.stack));
  return text.replace(
    BLOCK,
    (_m, stack: string) =>
      `<!-- plan:${stack}:start -->\n${rendered.get(stack)!}\n<!-- plan:${stack}:end -->`,
  );
}

const COMPARE_BLOCK = /<!-- compare:([a-z0-9][a-z0-9_-]*):start -->\n([\s\S]*?)\n?<!-- compare:\1:end -->/g;

/** The cost comparison blocks of a Markdown text (scripts/plan/comparison.ts renders them). */
export function comparisonBlocks(text: string): Block[] {
  return [...text.matchAll(COMPARE_BLOCK)].map((m) => ({ stack: m[1], content: m[2] }));
}

/** `text` with each comparison block's content replaced by `render(stack)`. */
export async function rewriteComparisons(
  text: string,
  render: (stack: string) => Promise<string>,
): Promise<string> {
  const rendered = new Map<string, string>();
  for (const b of comparisonBlocks(text))
    if (!rendered.has(b.stack)) rendered.set(b.stack, await render(b.stack));
  return text.replace(
    COMPARE_BLOCK,
    (_m, stack: string) =>
      `<!-- compare:${stack}:start -->\n${rendered.get(stack)!}\n<!-- compare:${stack}:end -->`,
  );
}

async function main(): Promise<number> {
  // Imported here so that tests importing the helpers above do not load the program.
  const { planStack, renderMarkdown } = await import("../plan");
  const { comparisonTable } = await import("./comparison");
  const { stackFiles } = await import("./engine");
  const stacks = stackFiles();
  const rendered = new Map<string, string>();
  const render = async (stack: string) => {
    if (!rendered.has(stack)) rendered.set(stack, renderMarkdown(await planStack(stack)));
    return rendered.get(stack)!;
  };
  for (const file of planDocs()) {
    const name = path.relative(ROOT, file);
    const text = fs.readFileSync(file, "utf8");
    const unknown = readmeBlocks(text).filter((b) => !stacks.includes(b.stack));
    if (unknown.length > 0) {
      process.stderr.write(
        `${name}: no stack file for plan block(s) ${unknown.map((b) => b.stack).join(", ")}\n`,
      );
      return 1;
    }
    const next = await rewriteComparisons(await rewriteBlocks(text, render), comparisonTable);
    if (next !== text) {
      fs.writeFileSync(file, next);
      process.stdout.write(
        `${name}: rewrote plan blocks ${readmeBlocks(next)
          .map((b) => b.stack)
          .join(", ")}\n`,
      );
    }
  }
  process.stdout.write("plan blocks up to date\n");
  return 0;
}

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
