// The estimate of each committed stack, line by line, against hand computations from the price table
// (scripts/plan/prices.json, each price with its source). The quantities come from the resources the real program declares
// under mocks, so a change to the program that changes the bill changes one of these numbers.
import * as assert from "node:assert/strict";
import { planStack, type Plan } from "../scripts/plan";
import { estimate, type Estimate } from "../scripts/plan/cost";
import { COMMON_REGIONS } from "../scripts/plan/priceTable";
import { stackFiles } from "./support/harness";

const H = 730;
/** Fargate Linux/ARM (Graviton) prices in us-east-1: per vCPU-hour and per GB-hour. */
const ARM_VCPU = 0.03238;
const ARM_GB = 0.00356;
const SPOT = 1 - 0.7;

/** Item prefix → expected USD per scenario, in the order the lines appear. */
type Expected = [string, number[]][];

function assertLines(e: Estimate, expected: Expected): void {
  assert.deepStrictEqual(
    e.lines.map((l, i) => (expected[i] && l.item.startsWith(expected[i][0]) ? expected[i][0] : l.item)),
    expected.map(([item]) => item),
    "the lines, in order",
  );
  e.lines.forEach((l, i) =>
    l.usd.forEach((usd, s) =>
      assert.ok(
        Math.abs(usd - expected[i][1][s]) < 1e-6,
        `${l.item} [${e.scenarios[s].id}]: got ${usd}, expected ${expected[i][1][s]}`,
      ),
    ),
  );
  const sums = e.scenarios.map((_, s) => expected.reduce((a, [, usd]) => a + usd[s], 0));
  e.totals.forEach((t, s) =>
    assert.ok(Math.abs(t - sums[s]) < 1e-6, `total [${s}]: got ${t}, expected ${sums[s]}`),
  );
}

describe("cost estimate of the committed and fixture stacks", () => {
  const plans = new Map<string, Plan>();
  before(async () => {
    for (const stack of stackFiles()) plans.set(stack, await planStack(stack));
  });

  describe("estimate of the committed demo stack (eu-central-1, t3.medium, 12 GB, 20 running hours)", () => {
    it("lines and totals: stopped, running 20 h, and the wake page's most (3 starts a day × 60 min = 90 h)", () => {
      const e = plans.get("demo")!.estimate;
      assert.deepStrictEqual(
        e.scenarios.map((s) => s.label),
        ["stopped", "running 20 h a month", "wake page at its limit: 3 starts a day × 60 min (90 h)"],
      );
      // Two functions: the wake page and the DNS parking function, each at the plan's assumed 1000 requests.
      const requests = 2 * 1000 * 0.0000002;
      const duration = 1000 * 0.3 * 0.125 * 0.0000133334;
      const wakeLogs = 2 * (0.001 * 0.63 + 0.001 * 0.0324);
      const all = (v: number): [number, number, number] => [v, v, v];
      assertLines(e, [
        ["EC2 t3.medium (instance hours)", [0 * 0.048, 20 * 0.048, 90 * 0.048]],
        ["Lambda requests (assumed 1000 a month", all(requests)],
        ["Lambda duration of ragstream-demo-park, arm64 128 MB (0.3 s a request)", all(duration)],
        ["Lambda duration of ragstream-demo-wake, arm64 128 MB (0.3 s a request)", all(duration)],
        ["EBS gp3 root volume, 12 GB", all(12 * 0.0952)],
        ["public IPv4 of the instance", [0 * 0.005, 20 * 0.005, 90 * 0.005]],
        ["NAT gateways: 0 declared", all(0)],
        ["CloudWatch alarms declared: 1 (1 metric", all(1 * 0.1)],
        ["CloudWatch Logs ingestion, Lambda log groups × 2", all(2 * 0.001 * 0.63)],
        ["CloudWatch Logs storage, Lambda log groups", all(2 * 0.001 * 0.0324)],
        ["ECR storage (assumed 1 GB per repository × 1, up to 10 images kept", all(1 * 0.1)],
        ["Route 53 hosted zone holding demo.rusbehabtahi.com", all(0.5)],
      ]);
      const fixed = 12 * 0.0952 + 0.1 + 0.1 + 0.5 + requests + 2 * duration + wakeLogs;
      assert.deepStrictEqual(
        e.totals.map((t) => t.toFixed(2)),
        [fixed.toFixed(2), (fixed + 20 * 0.053).toFixed(2), (fixed + 90 * 0.053).toFixed(2)],
      );
      assert.deepStrictEqual(
        e.totals.map((t) => t.toFixed(2)),
        ["1.85", "2.91", "6.62"],
      );
      assert.deepStrictEqual(e.notPriced, []);
    });
  });

  describe("estimate of the committed prod stack (us-east-1, 2-10 × 0.5 vCPU / 1 GB, CloudFront, Container Insights on)", () => {
    it("lines and totals: baseline (2 tasks) and maximum scale (10 tasks)", () => {
      const e = plans.get("prod")!.estimate;
      assert.deepStrictEqual(
        e.scenarios.map((s) => s.label),
        ["baseline: 2 tasks", "at maximum scale: 10 tasks"],
      );
      // Base 1 on FARGATE, the rest on FARGATE_SPOT: 1 + 1 at baseline, 1 + 9 at maximum; Graviton prices.
      assertLines(e, [
        ["Fargate vCPU, on-demand", [1 * 0.5 * H * ARM_VCPU, 1 * 0.5 * H * ARM_VCPU]],
        ["Fargate memory, on-demand", [1 * 1 * H * ARM_GB, 1 * 1 * H * ARM_GB]],
        ["Fargate vCPU, Spot", [1 * 0.5 * H * ARM_VCPU * SPOT, 9 * 0.5 * H * ARM_VCPU * SPOT]],
        ["Fargate memory, Spot", [1 * 1 * H * ARM_GB * SPOT, 9 * 1 * H * ARM_GB * SPOT]],
        ["NAT gateways: 0 declared", [0, 0]],
        ["Application Load Balancer vibejudge-prod-alb (hours)", [H * 0.0225, H * 0.0225]],
        ["ALB capacity units (assumed 0.25 LCU on average)", [0.25 * H * 0.008, 0.25 * H * 0.008]],
        // The internal load balancer has no public IPv4; CloudFront's assumed traffic is inside its free tier.
        ["CloudFront data transfer out beyond the free 1000 GB", [0, 0]],
        ["CloudFront HTTPS requests beyond the free 10 M", [0, 0]],
        ["CloudFront VPC origins: 1", [0, 0]],
        // IPv6-only tasks: the line is there, at zero.
        ["public IPv4 of the tasks: none (IPv6-only subnets", [0, 0]],
        ["Container Insights on vibejudge-cluster: ~31 custom metrics", [31 * 0.3, 31 * 0.3]],
        // 5 single-metric alarms + the 5xx-rate alarm's two metrics.
        ["CloudWatch alarms declared: 6 (7 metrics", [7 * 0.1, 7 * 0.1]],
        ["CloudWatch alarms created by target tracking: 1 policy × 2", [2 * 0.1, 2 * 0.1]],
        ["CloudWatch Logs ingestion (assumed 1 GB", [1 * 0.5, 1 * 0.5]],
        ["CloudWatch Logs storage (retention 7 days", [((1 * 7) / 30) * 0.03, ((1 * 7) / 30) * 0.03]],
        ["ECR storage (assumed 1 GB", [1 * 0.1, 1 * 0.1]],
      ]);
      assert.deepStrictEqual(
        e.totals.map((t) => t.toFixed(2)),
        ["47.43", "82.04"],
      );
      assert.deepStrictEqual(e.notPriced, []);
    });

    it("the options the cost comparison names: public IPv4 adds $3.65 a task, x86 adds the Graviton difference", async () => {
      const fargate = JSON.parse(plans.get("prod")!.evaluation.config["ferry:fargate"]) as Record<
        string,
        unknown
      >;
      const base = plans.get("prod")!.estimate.totals[0];
      const ipv4 = await planStack("prod", {
        overrides: { config: { "ferry:fargate": { ...fargate, taskNetwork: "public-ipv4" } } },
      });
      assert.ok(Math.abs(ipv4.estimate.totals[0] - (base + 2 * H * 0.005)) < 1e-6);
      const x86 = await planStack("prod", {
        overrides: {
          config: {
            "ferry:fargate": { ...fargate, taskNetwork: "public-ipv4" },
            "ferry:image": { context: "./app", platform: "linux/amd64" },
          },
        },
      });
      // Back to where this stack stood before: x86, public IPv4, Container Insights on.
      assert.strictEqual(x86.estimate.totals[0].toFixed(2), "59.42");
    });

    it("Container Insights disabled takes ~$9.30 off (the note names the lever)", async () => {
      const fargate = JSON.parse(plans.get("prod")!.evaluation.config["ferry:fargate"]) as Record<
        string,
        unknown
      >;
      const p = await planStack("prod", {
        overrides: { config: { "ferry:fargate": { ...fargate, containerInsights: "disabled" } } },
      });
      assert.ok(!p.estimate.lines.some((l) => l.item.startsWith("Container Insights on")));
      assert.strictEqual(
        p.estimate.totals[0].toFixed(2),
        (plans.get("prod")!.estimate.totals[0] - 31 * 0.3).toFixed(2),
      );
      assert.ok(
        p.estimate.notes.includes(
          "Container Insights is disabled on vibejudge-cluster: enabling it would add about 31 metrics × $0.30 = $9.30 a month.",
        ),
      );
    });
  });

  describe("estimate of the committed carepolicy stack (us-east-1, 1 vCPU / 2 GB, Insights on, S3, 3 secrets)", () => {
    it("lines and totals, the S3 bucket at an assumed 1 GB", () => {
      const e = plans.get("carepolicy")!.estimate;
      assertLines(e, [
        ["Fargate vCPU, on-demand", [1 * 1 * H * 0.04048, 1 * 1 * H * 0.04048]],
        ["Fargate memory, on-demand", [1 * 2 * H * 0.004445, 1 * 2 * H * 0.004445]],
        ["Fargate vCPU, Spot", [1 * 1 * H * 0.04048 * SPOT, 9 * 1 * H * 0.04048 * SPOT]],
        ["Fargate memory, Spot", [1 * 2 * H * 0.004445 * SPOT, 9 * 2 * H * 0.004445 * SPOT]],
        ["S3 Standard storage (assumed 1 GB per bucket × 1)", [1 * 0.023, 1 * 0.023]],
        ["NAT gateways: 0 declared", [0, 0]],
        ["Application Load Balancer carepolicy-hub-carepolicy-alb (hours)", [H * 0.0225, H * 0.0225]],
        ["ALB capacity units (assumed 0.25 LCU on average)", [0.25 * H * 0.008, 0.25 * H * 0.008]],
        ["CloudFront data transfer out beyond the free 1000 GB", [0, 0]],
        ["CloudFront HTTPS requests beyond the free 10 M", [0, 0]],
        ["CloudFront VPC origins: 1", [0, 0]],
        ["public IPv4 of the tasks: one each (2 / 10)", [2 * H * 0.005, 10 * H * 0.005]],
        ["Container Insights on carepolicy-hub-cluster: ~31 custom metrics", [31 * 0.3, 31 * 0.3]],
        ["CloudWatch alarms declared: 6 (7 metrics", [7 * 0.1, 7 * 0.1]],
        ["CloudWatch alarms created by target tracking: 1 policy × 2", [2 * 0.1, 2 * 0.1]],
        ["CloudWatch Logs ingestion (assumed 1 GB", [1 * 0.5, 1 * 0.5]],
        ["CloudWatch Logs storage (retention 7 days", [((1 * 7) / 30) * 0.03, ((1 * 7) / 30) * 0.03]],
        ["ECR storage (assumed 1 GB", [1 * 0.1, 1 * 0.1]],
        ["Secrets Manager: 3 existing secret(s) the app reads", [3 * 0.4, 3 * 0.4]],
      ]);
      assert.deepStrictEqual(
        e.totals.map((t) => t.toFixed(2)),
        ["84.07", "199.76"],
      );
      assert.deepStrictEqual(e.notPriced, []);
    });
  });

  describe("estimate coverage of every stack (committed and fixtures)", () => {
    it("puts every declared custom resource in exactly one of priced, free, not priced", () => {
      for (const [stack, p] of plans) {
        const custom = p.evaluation.resources.filter(
          (r) => r.custom && !r.type.startsWith("pulumi:providers:"),
        );
        assert.deepStrictEqual(
          p.estimate.coverage.map((c) => `${c.type} ${c.name}`).sort(),
          custom.map((r) => `${r.type} ${r.name}`).sort(),
          stack,
        );
        for (const c of p.estimate.coverage)
          assert.ok(["priced", "free", "not priced"].includes(c.as), `${stack}: ${c.name}`);
        // One resource can miss several prices (an ALB: hours and LCUs): compare the resources, not the reasons.
        const notPriced = p.estimate.coverage.filter((c) => c.as === "not priced").map((c) => c.name);
        assert.deepStrictEqual(
          [...new Set(notPriced)].sort(),
          [...new Set(p.estimate.notPriced.map((n) => n.name))].sort(),
          `${stack}: the not-priced resources`,
        );
        assert.strictEqual(
          p.estimate.free.reduce((a, f) => a + f.count, 0),
          p.estimate.coverage.filter((c) => c.as === "free").length,
          stack,
        );
      }
    });

    it("prices every stack completely in its own region and in every common region", () => {
      for (const [stack, p] of plans) {
        assert.deepStrictEqual(
          p.estimate.notPriced.map((n) => `${n.name}: ${n.reason}`),
          [],
          `${stack} in ${p.estimate.region}`,
        );
        // The estimate reads only the declared resources and the region: the same stack anywhere in the table.
        for (const region of COMMON_REGIONS) {
          const e = estimate(p.evaluation, { region });
          assert.deepStrictEqual(
            e.notPriced.map((n) => `${n.name}: ${n.reason}`),
            [],
            `${stack} in ${region}`,
          );
          assert.ok(e.complete && e.regionInTable, `${stack} in ${region}`);
        }
      }
    });

    it("counts NAT gateways from the declared resources: none in any stack", () => {
      for (const [stack, p] of plans) {
        assert.deepStrictEqual(
          p.evaluation.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway"),
          [],
          stack,
        );
        const nat = p.estimate.lines.find((l) => l.item.startsWith("NAT gateways: 0 declared"));
        assert.deepStrictEqual(
          nat?.usd,
          p.estimate.scenarios.map(() => 0),
        );
      }
    });

    it("follows the program: one more task at the minimum is one more task's cost (and no public IP)", async () => {
      const fargate = JSON.parse(plans.get("prod")!.evaluation.config["ferry:fargate"]) as Record<
        string,
        unknown
      >;
      const p = await planStack("prod", {
        overrides: { config: { "ferry:fargate": { ...fargate, minCount: 3, desiredCount: 3 } } },
      });
      // The third task goes to Spot (base 1 on FARGATE, the rest by weight).
      const oneSpotTask = 0.5 * H * ARM_VCPU * SPOT + 1 * H * ARM_GB * SPOT;
      assert.ok(
        Math.abs(p.estimate.totals[0] - (plans.get("prod")!.estimate.totals[0] + oneSpotTask)) < 1e-6,
      );
    });
  });
});
