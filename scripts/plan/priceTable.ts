// The price table of the offline estimate: scripts/plan/prices.json, one entry per (price, region) with its
// unit, source, date and confidence. Data, not code: a new or corrected figure is a one-line change there.
import data from "./prices.json";

/**
 * How far a figure can be trusted: `aws` an AWS pricing page, doc or blog; `third-party` a third-party page;
 * `unconfirmed` widely known but not confirmed from a stored page; `weak` doubtful.
 */
export const CONFIDENCES = ["aws", "third-party", "unconfirmed", "weak"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** The region of an entry that applies in every region (a regional entry for the same id wins). */
export const GLOBAL = "global";

/** The regions the table covers in full: every id in PRICE_IDS has an entry (regional or global) in each. */
export const COMMON_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "eu-south-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "sa-east-1",
] as const;

/**
 * Every price the estimate (cost.ts) can ask for, for the EC2 types a stack is likely to pick. A test checks
 * that cost.ts asks for no other id and that each common region has all of them.
 */
export const PRICE_IDS = [
  "ec2:t3.micro",
  "ec2:t3.small",
  "ec2:t3.medium",
  "ec2:t4g.small",
  "ec2:t4g.medium",
  "ebs:gp3",
  "vpc:public-ipv4",
  "ec2:nat-gateway",
  "elb:alb",
  "elb:alb-lcu",
  "fargate:x86-vcpu",
  "fargate:x86-gb",
  "fargate:arm-vcpu",
  "fargate:arm-gb",
  "fargate:spot-discount",
  "logs:ingest",
  "logs:storage",
  "cloudwatch:alarm-metric",
  "cloudwatch:container-insights-metric",
  "ecr:storage",
  "s3:standard-storage",
  "secretsmanager:secret",
  "secretsmanager:api",
  "ssm:standard-parameter",
  "sns:email",
  "route53:hosted-zone",
  "route53:queries",
  "lambda:requests",
  "lambda:arm64-gb-second",
] as const;

export interface Price {
  readonly id: string;
  readonly region: string;
  readonly unit: string;
  readonly usd: number;
  readonly source: string;
  readonly date: string;
  readonly confidence: Confidence;
}

/** The weaker of two confidences (a line that multiplies two figures is as good as the worse one). */
export function weakest(...cs: Confidence[]): Confidence {
  return cs.reduce<Confidence>((a, c) => (CONFIDENCES.indexOf(c) > CONFIDENCES.indexOf(a) ? c : a), "aws");
}

export class PriceTable {
  private readonly byKey = new Map<string, Price>();

  constructor(
    public readonly prices: readonly Price[],
    /** Hours in a billing month, as AWS's own examples count them. */
    public readonly hoursPerMonth = 730,
    /** When the figures were collected. */
    public readonly collected = "",
  ) {
    const problems = prices.flatMap((p, i) => priceProblems(p).map((m) => `prices[${i}] (${p.id}): ${m}`));
    for (const p of prices) {
      const key = `${p.id}@${p.region}`;
      if (this.byKey.has(key)) problems.push(`${key} is listed twice`);
      this.byKey.set(key, p);
    }
    if (problems.length > 0) throw new Error(`price table: ${problems.join("; ")}`);
  }

  /**
   * The entry for `id` in `region`, else its "global" entry (a global service such as Route 53 has one price
   * everywhere), else undefined: the caller lists the item as "not priced", never as $0.
   */
  get(id: string, region: string): Price | undefined {
    return this.byKey.get(`${id}@${region}`) ?? this.byKey.get(`${id}@${GLOBAL}`);
  }

  /** The regions with at least one regional (not "global") entry, sorted. */
  regions(): string[] {
    return [...new Set(this.prices.map((p) => p.region).filter((r) => r !== GLOBAL))].sort();
  }

  /** A copy with some entries replaced or added (tests, what-if comparisons). */
  with(overrides: readonly Price[]): PriceTable {
    const keys = new Set(overrides.map((p) => `${p.id}@${p.region}`));
    return new PriceTable(
      [...this.prices.filter((p) => !keys.has(`${p.id}@${p.region}`)), ...overrides],
      this.hoursPerMonth,
      this.collected,
    );
  }
}

function priceProblems(p: Price): string[] {
  const out: string[] = [];
  for (const k of ["id", "region", "unit", "source"] as const)
    if (typeof p[k] !== "string" || p[k] === "") out.push(`${k} missing`);
  if (typeof p.usd !== "number" || !Number.isFinite(p.usd) || p.usd < 0) out.push("usd not a number >= 0");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(String(p.date))) out.push("date not YYYY-MM-DD");
  if (!(CONFIDENCES as readonly string[]).includes(p.confidence))
    out.push(`confidence not one of ${CONFIDENCES.join(", ")}`);
  return out;
}

/** The committed table. */
export const PRICES = new PriceTable(data.prices as Price[], data.hoursPerMonth, data.collected);
