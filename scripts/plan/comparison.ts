// The cost comparison tables of the docs (`<!-- compare:<stack>:start -->` … `:end -->` blocks): the
// committed stack and variants of it, each one planned by the same engine as `npm run plan` with a few
// config keys changed, so no figure in the table is typed by hand. `npm run docs:plan` rewrites the blocks
// and test/plan-readme.test.ts fails when one is out of date.
import { withNatGateways, type Estimate } from "./cost";
import { stackConfig, type Overrides } from "./engine";
import { PRICES } from "./priceTable";

/** One row: a label and what differs from the committed stack file. */
export interface Variant {
  readonly label: string;
  /** Changed fields per config block (merged into the stack file's own block). */
  readonly merge?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Add this many NAT gateways' hours (the CDK pattern's default VPC runs one per AZ). @default 0 */
  readonly natGateways?: number;
  /** Printed in bold: the committed configuration. */
  readonly committed?: boolean;
}

const X86 = { "ferry:image": { platform: "linux/amd64" } };
const IPV4 = { taskNetwork: "public-ipv4" };
const BEFORE_CLOUDFRONT = { ...IPV4, insecureHttpOnly: true };

/** The variants each comparison block shows, by stack. */
export const COMPARISONS: Readonly<Record<string, readonly Variant[]>> = {
  prod: [
    {
      label:
        "**committed prod: Graviton, IPv6-only tasks, CloudFront + VPC origin, internal ALB, Container Insights on**",
      committed: true,
    },
    {
      label: "`taskNetwork: public-ipv4` (a public IPv4 address per task)",
      merge: { "ferry:fargate": IPV4 },
    },
    { label: "`platform: linux/amd64` (x86 tasks)", merge: X86 },
    {
      label: "x86 and `public-ipv4`: the committed prod before Graviton and IPv6",
      merge: { ...X86, "ferry:fargate": IPV4 },
    },
    { label: "`containerInsights: disabled`", merge: { "ferry:fargate": { containerInsights: "disabled" } } },
    {
      label:
        "before CloudFront: x86, `public-ipv4`, `insecureHttpOnly: true` (internet-facing ALB on HTTP), Insights off",
      merge: { ...X86, "ferry:fargate": { ...BEFORE_CLOUDFRONT, containerInsights: "disabled" } },
    },
    {
      label: "before CloudFront, with Container Insights on",
      merge: { ...X86, "ferry:fargate": BEFORE_CLOUDFRONT },
    },
    {
      label:
        "CDK `ApplicationLoadBalancedFargateService` defaults for the same app: public ALB on HTTP, x86, on-demand only, no autoscaling (2 tasks), Insights off, two NAT gateways (their Elastic IPs priced as the two task addresses)",
      merge: {
        ...X86,
        "ferry:fargate": {
          ...BEFORE_CLOUDFRONT,
          containerInsights: "disabled",
          capacity: { onDemandBase: 2, onDemandWeight: 1, spotWeight: 0 },
          desiredCount: 2,
          minCount: 2,
          maxCount: 2,
        },
      },
      natGateways: 2,
    },
  ],
};

/** The config overrides of a variant: each changed block is the stack file's own block with the fields merged. */
export function overridesOf(stack: string, v: Variant): Overrides {
  if (!v.merge) return {};
  const own = stackConfig(stack).config;
  const config: Record<string, unknown> = {};
  for (const [key, fields] of Object.entries(v.merge)) {
    const current = own[key] === undefined ? {} : (JSON.parse(own[key]) as Record<string, unknown>);
    config[key] = { ...current, ...fields };
  }
  return { config };
}

/**
 * Public IPv4 addresses the estimate pays for at its first scenario (baseline). A NAT gateway's Elastic IP is
 * not among them: the CDK row's tasks keep their addresses in the estimate and stand in for those.
 */
export function publicIpv4At(e: Estimate, hours: number): number {
  const ipv4 = e.lines
    .filter((l) => l.sources.some((s) => s.id === "vpc:public-ipv4"))
    .reduce((n, l) => n + l.quantities[0], 0);
  return Math.round(ipv4 / hours);
}

const usd = (v: number) => `$${v.toFixed(2)}`;

/** The Markdown table of one comparison block. */
export async function comparisonTable(stack: string): Promise<string> {
  const variants = COMPARISONS[stack];
  if (!variants) throw new Error(`no comparison variants for stack "${stack}" (scripts/plan/comparison.ts)`);
  // Imported here: the plan module loads the program.
  const { planStack } = await import("../plan");
  const rows: string[] = [];
  for (const v of variants) {
    const plan = await planStack(stack, { overrides: overridesOf(stack, v) });
    const estimate = v.natGateways ? withNatGateways(plan.estimate, v.natGateways) : plan.estimate;
    const cells = [
      v.label,
      ...estimate.totals.map((t, i) => (v.committed && i === 0 ? `**${usd(t)}**` : usd(t))),
      String(publicIpv4At(estimate, PRICES.hoursPerMonth)),
    ];
    rows.push(`| ${cells.join(" | ")} |`);
  }
  // Each row's own scenarios: the baseline is its autoscaling minimum, the maximum its own maximum.
  return [
    "| configuration | baseline | at maximum scale | public IPv4 at baseline |",
    "|---|---:|---:|---:|",
    ...rows,
  ].join("\n");
}
