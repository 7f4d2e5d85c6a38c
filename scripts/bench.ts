// `npm run bench [-- --reps N] [--stacks demo,prod]`: two comparisons in one run, reported as ratios.
//
// 1. Evaluation time: each stack is evaluated under the mock runtime (`scripts/plan.ts <stack> --format json`) in
//    a child process, once with `ts-node` (type-checks every file it loads) and once with
//    `ts-node --transpile-only` (what `npm test` and `npm run plan` use), alternating, N times each; the report
//    gives the medians and their ratio. Absolute times depend on the machine; the ratio is the finding.
// 2. Cost: each Fargate stack's baseline estimate against the same app in a VPC with two NAT gateways (the CDK
//    default VPC), modelled as the estimate plus two NAT gateways' hours from the price table.
//
// Not part of `npm test` (it takes minutes); test/plan-bench.test.ts checks the report's arithmetic and format.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { withNatGateways } from "./plan/cost";
import { ROOT, stackFiles } from "./plan/engine";

export type Mode = "type-checked" | "transpile-only";

export interface TimingResult {
  readonly stack: string;
  /** Wall-clock milliseconds of each run. */
  readonly runs: Readonly<Record<Mode, readonly number[]>>;
}

export interface CostComparison {
  readonly stack: string;
  readonly natGateways: number;
  readonly programUsd: number;
  readonly comparisonUsd: number;
}

export interface BenchReport {
  readonly reps: number;
  readonly timings: readonly TimingResult[];
  readonly costs: readonly CostComparison[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const pad = (cells: string[], widths: number[]) =>
  cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
    .join("   ")
    .trimEnd();

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [pad(header, widths), ...rows.map((r) => pad(r, widths))];
}

/** The report as text: medians per mode, and the ratios. Pure, so the test checks it with made-up numbers. */
export function formatBench(r: BenchReport): string {
  const out: string[] = [];
  out.push(
    `Evaluation under mocks, one child process per run (${r.reps} run(s) per stack and mode, medians):`,
    ...table(
      ["stack", "ts-node (type-checked)", "ts-node --transpile-only", "ratio"],
      r.timings.map((t) => {
        const checked = median(t.runs["type-checked"]);
        const fast = median(t.runs["transpile-only"]);
        return [
          t.stack,
          `${(checked / 1000).toFixed(2)} s`,
          `${(fast / 1000).toFixed(2)} s`,
          `${(checked / fast).toFixed(2)}×`,
        ];
      }),
    ).map((l) => `  ${l}`),
    "  Times depend on the machine and its load; the ratio is what carries over.",
    "",
  );
  if (r.costs.length > 0)
    out.push(
      "Monthly cost at baseline (list-price estimate, `npm run plan`) against the same app with NAT gateways",
      "(the CDK default VPC: one per AZ in two AZs; gateway hours only, per-GB processing comes on top):",
      ...table(
        ["stack", "this program", "with NAT gateways", "ratio"],
        r.costs.map((c) => [
          c.stack,
          `$${c.programUsd.toFixed(2)}`,
          `$${c.comparisonUsd.toFixed(2)} (${c.natGateways} NAT)`,
          `${(c.comparisonUsd / c.programUsd).toFixed(2)}×`,
        ]),
      ).map((l) => `  ${l}`),
    );
  return out.join("\n");
}

const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** Wall time of one child process evaluating `stack` under mocks. */
export function timeEvaluation(stack: string, mode: Mode): number {
  const env = { ...process.env };
  // mocha or a shell may set these; each run must use exactly the mode asked for.
  delete env.TS_NODE_TRANSPILE_ONLY;
  delete env.TS_NODE_TYPE_CHECK;
  const args = [TS_NODE, ...(mode === "transpile-only" ? ["--transpile-only"] : [])];
  args.push(path.join("scripts", "plan.ts"), stack, "--format", "json");
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${mode} evaluation of ${stack} failed (${r.status}): ${r.stderr}`);
  return ms;
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const reps = Number(option(argv, "--reps") ?? 3);
  const stacks = (option(argv, "--stacks") ?? stackFiles().join(",")).split(",").filter(Boolean);
  if (!Number.isInteger(reps) || reps < 1 || stacks.some((s) => !stackFiles().includes(s))) {
    process.stderr.write(`usage: npm run bench -- [--reps N] [--stacks ${stackFiles().join(",")}]\n`);
    return 2;
  }
  const runs = new Map(
    stacks.map((s) => [s, { "type-checked": [] as number[], "transpile-only": [] as number[] }]),
  );
  for (let i = 0; i < reps; i++)
    for (const stack of stacks)
      // Alternating the order each repetition keeps a warming disk cache from favouring one mode.
      for (const mode of (i % 2 === 0
        ? ["type-checked", "transpile-only"]
        : ["transpile-only", "type-checked"]) as Mode[]) {
        const ms = timeEvaluation(stack, mode);
        runs.get(stack)![mode].push(ms);
        process.stderr.write(`  ${stack} ${mode} run ${i + 1}/${reps}: ${(ms / 1000).toFixed(2)} s\n`);
      }

  const { planStack } = await import("./plan");
  const costs: CostComparison[] = [];
  for (const stack of stacks) {
    const p = await planStack(stack);
    if (!p.evaluation.resources.some((r) => r.type === "aws:ecs/service:Service")) continue;
    const nat = withNatGateways(p.estimate, 2);
    costs.push({ stack, natGateways: 2, programUsd: p.estimate.totals[0], comparisonUsd: nat.totals[0] });
  }
  process.stdout.write(
    `${formatBench({ reps, timings: stacks.map((s) => ({ stack: s, runs: runs.get(s)! })), costs })}\n`,
  );
  return 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
