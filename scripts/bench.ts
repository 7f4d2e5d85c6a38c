// `npm run bench [-- --reps N] [--stacks demo,prod] [--no-suite]`: three comparisons, reported as ratios.
//
// 1. Evaluation time: each stack is evaluated under the mock runtime (`scripts/plan.ts <stack> --format json`) in
//    a child process, once with `ts-node` (type-checks every file it loads) and once with
//    `ts-node --swc` (transpile-only with swc: what `npm test` and `npm run plan` use), alternating, N times
//    each; the report gives the medians and their ratio. Absolute times depend on the machine; the ratio is
//    the finding.
// 2. Cost: each Fargate stack's baseline estimate against the same app in a VPC with two NAT gateways (the CDK
//    default VPC), modelled as the estimate plus two NAT gateways' hours from the price table.
// 3. Suite time: one `npm test` run, its wall time and CPU time (all processes it started), against one plan's
//    wall time (the transpile-only median of 1.). The ratio says how many plans the whole suite costs.
//
// Not part of `npm test` (it takes minutes); test/plan-bench.test.ts checks the report's arithmetic and format.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
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

export interface SuiteTiming {
  /** Wall-clock milliseconds of one `npm test`. */
  readonly wallMs: number;
  /** CPU milliseconds (user + system) of every process the suite ran; undefined where /proc is missing. */
  readonly cpuMs?: number;
  /** Wall-clock milliseconds of one plan (`npm run plan -- <stack>`, transpile-only median). */
  readonly planMs: number;
  /** The suite's closing line ("tests: N passed, N failed, N skipped"). */
  readonly summary: string;
}

export interface BenchReport {
  readonly reps: number;
  readonly timings: readonly TimingResult[];
  readonly costs: readonly CostComparison[];
  readonly suite?: SuiteTiming;
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
      ["stack", "ts-node (type-checked)", "ts-node --swc (transpile-only)", "ratio"],
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
  if (r.suite) {
    const s = r.suite;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    out.push(
      "",
      "Test suite (one `npm test`) against one plan (`npm run plan -- <stack>`, the transpile-only median):",
      ...table(
        ["", "wall", "CPU", "suite / plan"],
        [
          [
            "npm test",
            seconds(s.wallMs),
            s.cpuMs === undefined ? "n/a" : seconds(s.cpuMs),
            `${(s.wallMs / s.planMs).toFixed(1)}×`,
          ],
          ["one plan", seconds(s.planMs), "", ""],
        ],
      ).map((l) => `  ${l}`),
      `  ${s.summary}`,
      "  CPU time is what carries over between machines; wall time depends on the cores and their load.",
    );
  }
  return out.join("\n");
}

const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** Wall time of one child process evaluating `stack` under mocks. */
export function timeEvaluation(stack: string, mode: Mode): number {
  const env = { ...process.env };
  // mocha or a shell may set these; each run must use exactly the mode asked for.
  delete env.TS_NODE_TRANSPILE_ONLY;
  delete env.TS_NODE_TYPE_CHECK;
  // "transpile-only" is what `npm run plan` runs: ts-node with swc (see package.json).
  const args = [TS_NODE, ...(mode === "transpile-only" ? ["--swc"] : [])];
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

/**
 * CPU milliseconds (user + system) of the waited-for children of this process, from /proc/self/stat
 * (cutime, cstime; clock ticks of 1/100 s, Linux's USER_HZ). Undefined where there is no /proc.
 */
export function childrenCpuMs(): number | undefined {
  return parseChildrenCpuMs(readProcStat());
}

/** The children's CPU milliseconds in a /proc/<pid>/stat line. Pure, for tests. */
export function parseChildrenCpuMs(stat: string | undefined): number | undefined {
  if (stat === undefined) return undefined;
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, cutime 16.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  return Number.isFinite(cutime) && Number.isFinite(cstime) ? (cutime + cstime) * 10 : undefined;
}

function readProcStat(): string | undefined {
  try {
    return fs.readFileSync("/proc/self/stat", "utf8");
  } catch {
    return undefined;
  }
}

/** Runs `npm test` once; its wall time, the CPU time of everything it ran, and its closing line. */
export function timeSuite(planMs: number): SuiteTiming {
  const cpuBefore = childrenCpuMs();
  const start = process.hrtime.bigint();
  const r = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuAfter = childrenCpuMs();
  const summary = /^tests: .*$/m.exec(r.stdout ?? "")?.[0] ?? `npm test exited ${r.status}`;
  if (r.status !== 0) throw new Error(`npm test failed (${r.status}): ${summary}\n${r.stderr}`);
  const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return { wallMs, cpuMs, planMs, summary };
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const reps = Number(option(argv, "--reps") ?? 3);
  const stacks = (option(argv, "--stacks") ?? stackFiles().join(",")).split(",").filter(Boolean);
  if (!Number.isInteger(reps) || reps < 1 || stacks.some((s) => !stackFiles().includes(s))) {
    process.stderr.write(
      `usage: npm run bench -- [--reps N] [--stacks ${stackFiles().join(",")}] [--no-suite]\n`,
    );
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
  let suite: SuiteTiming | undefined;
  if (!argv.includes("--no-suite")) {
    const planMs = median(stacks.flatMap((s) => runs.get(s)!["transpile-only"]));
    process.stderr.write("  npm test (once) ...\n");
    suite = timeSuite(planMs);
  }
  process.stdout.write(
    `${formatBench({ reps, timings: stacks.map((s) => ({ stack: s, runs: runs.get(s)! })), costs, suite })}\n`,
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
