// HTTPS in front of every Fargate stack: each fargate-ha stack file, committed or fixture (among them
// test/fixtures/Pulumi.fargate-domain.yaml: eu-west-1, a domain, secrets, Graviton), evaluated with the real
// program under mocks. Expectations are derived from each stack's own config, so a stack file someone adds is
// held to the same rules: CloudFront redirects HTTP to HTTPS with caching off and every viewer value forwarded
// (WebSockets, the ALB's stickiness cookie), HSTS on every response, the load balancer internal and open only to
// CloudFront's origin-facing servers, the certificate from us-east-1 and alias records with a domain, and no
// public IPv4 for the load balancer.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
  HSTS_MAX_AGE_SECONDS,
  MANAGED_POLICIES,
} from "../components/edge";
import { planStack } from "../scripts/plan";
import {
  ROOT,
  evaluateStack,
  stackConfig,
  stackFilePath,
  stackFiles,
  type Evaluation,
  type Recorded,
} from "./support/harness";

const T = {
  cdn: "aws:cloudfront/distribution:Distribution",
  origin: "aws:cloudfront/vpcOrigin:VpcOrigin",
  headers: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  tg: "aws:lb/targetGroup:TargetGroup",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  subnet: "aws:ec2/subnet:Subnet",
  route: "aws:ec2/route:Route",
  rtAssoc: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  service: "aws:ecs/service:Service",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  cert: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  record: "aws:route53/record:Record",
  provider: "pulumi:providers:aws",
  eip: "aws:ec2/eip:Eip",
} as const;

/** A stack file's config as an object (values parsed), for deriving expectations. */
function configOf(file: string): Record<string, any> {
  return ((parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, any> }).config ?? {};
}

interface Case {
  readonly label: string;
  readonly stack: string;
  readonly config: Record<string, any>;
}

/** Every fargate-ha stack file: the committed ones and the fixtures (test/fixtures/Pulumi.fargate-domain.yaml…). */
const cases: Case[] = stackFiles()
  .map((stack) => ({
    stack,
    label: path.relative(ROOT, stackFilePath(stack)),
    config: configOf(stackFilePath(stack)),
  }))
  .filter((s) => s.config["ferry:topology"] === "fargate-ha");

const ids = (rs: Recorded[]) => rs.map((r) => r.state.id as string);

/**
 * The `index`-th /64 of a /56, computed here independently of the program: the groups by hand, the canonical
 * text (what AWS stores) by the URL parser's IPv6 serializer.
 */
function subnet64(block56: string, index: number): string {
  const [address] = block56.split("/");
  const [head, tail = ""] = address.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const g = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t].map((x) => parseInt(x, 16));
  const groups = [g[0], g[1], g[2], (g[3] & 0xff00) + index, 0, 0, 0, 0];
  return `${new URL(`http://[${groups.map((x) => x.toString(16)).join(":")}]/`).hostname.slice(1, -1)}/64`;
}

for (const c of cases) {
  const fargate = (c.config["ferry:fargate"] ?? {}) as Record<string, any>;
  const dns = c.config["ferry:dns"] as { domain: string; record?: string } | undefined;
  const region = String(c.config["aws:region"]);
  if (fargate.insecureHttpOnly === true) continue; // the opt-out is tested below, on purpose and loudly

  describe(`HTTPS through CloudFront: ${c.label}`, function () {
    let e: Evaluation;
    before(async () => {
      e = await evaluateStack(c.stack);
    });

    it("redirects viewer HTTP to HTTPS; caching off; every viewer header, cookie and query string forwarded", () => {
      const cdn = e.one(T.cdn);
      const b = cdn.inputs.defaultCacheBehavior;
      assert.strictEqual(b.viewerProtocolPolicy, "redirect-to-https");
      assert.deepStrictEqual(cdn.inputs.orderedCacheBehaviors ?? [], [], "one behavior for the whole app");
      // WebSockets need the upgrade headers; the ALB's stickiness needs its cookie; Streamlit's XSRF check
      // compares Origin with Host: AllViewer forwards all of them, CachingDisabled caches none of it.
      assert.strictEqual(b.cachePolicyId, MANAGED_POLICIES.cachingDisabled);
      assert.strictEqual(b.originRequestPolicyId, MANAGED_POLICIES.allViewer);
      assert.strictEqual(MANAGED_POLICIES.cachingDisabled, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad");
      assert.strictEqual(MANAGED_POLICIES.allViewer, "216adef6-5c7f-47e4-b989-5492eafa07d3");
      assert.deepStrictEqual([...b.allowedMethods].sort(), [
        "DELETE",
        "GET",
        "HEAD",
        "OPTIONS",
        "PATCH",
        "POST",
        "PUT",
      ]);
      assert.strictEqual(cdn.inputs.enabled, true);
    });

    it("adds HSTS (one year, not overridable by the app), nosniff and a referrer policy to every response", () => {
      const cdn = e.one(T.cdn);
      const headers = e.one(T.headers);
      assert.strictEqual(cdn.inputs.defaultCacheBehavior.responseHeadersPolicyId, headers.state.id);
      const sec = headers.inputs.securityHeadersConfig;
      assert.deepStrictEqual(sec.strictTransportSecurity, {
        accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
        includeSubdomains: false,
        override: true,
      });
      assert.strictEqual(HSTS_MAX_AGE_SECONDS, 31536000);
      assert.deepStrictEqual(sec.contentTypeOptions, { override: true });
      assert.strictEqual(sec.referrerPolicy.referrerPolicy, "strict-origin-when-cross-origin");
      assert.ok(String(headers.inputs.name).length <= 64);
    });

    it("reaches only the internal load balancer, through a VPC origin on its HTTP listener", () => {
      const cdn = e.one(T.cdn);
      const alb = e.one(T.alb);
      const origin = e.one(T.origin);
      assert.strictEqual(alb.inputs.internal, true);
      const [o] = cdn.inputs.origins;
      assert.strictEqual(cdn.inputs.origins.length, 1);
      assert.strictEqual(o.domainName, alb.state.dnsName);
      assert.strictEqual(o.vpcOriginConfig.vpcOriginId, origin.state.id);
      assert.strictEqual(o.customOriginConfig, undefined, "a VPC origin, not a public custom origin");
      assert.ok(o.vpcOriginConfig.originReadTimeout >= 30 && o.vpcOriginConfig.originReadTimeout <= 60);
      // Below the ALB's 60 s idle timeout, so CloudFront never reuses a connection the ALB closed.
      assert.ok(o.vpcOriginConfig.originKeepaliveTimeout < 60);
      const cfg = origin.inputs.vpcOriginEndpointConfig;
      const listeners = e.ofType(T.listener).filter((l) => l.inputs.loadBalancerArn === alb.state.arn);
      assert.deepStrictEqual(
        listeners.map((l) => [l.inputs.port, l.inputs.protocol]),
        [[80, "HTTP"]],
      );
      assert.deepStrictEqual(
        [cfg.arn, cfg.httpPort, cfg.originProtocolPolicy],
        [alb.state.arn, 80, "http-only"],
      );
      assert.strictEqual(cdn.inputs.defaultCacheBehavior.targetOriginId, o.originId);
    });

    it("the load balancer's group admits port 80 from CloudFront's origin-facing prefix list only", () => {
      const albSg = e.one(T.sg, "alb-sg");
      const rules = e.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === albSg.state.id);
      assert.strictEqual(rules.length, 1);
      const [rule] = rules;
      assert.deepStrictEqual(
        [rule.inputs.fromPort, rule.inputs.toPort, rule.inputs.ipProtocol],
        [80, 80, "tcp"],
      );
      assert.strictEqual(rule.inputs.cidrIpv4, undefined);
      assert.strictEqual(rule.inputs.cidrIpv6, undefined);
      assert.strictEqual(rule.inputs.referencedSecurityGroupId, undefined);
      const lookup = e.calls.filter((x) => x.token === "aws:ec2/getManagedPrefixList:getManagedPrefixList");
      assert.deepStrictEqual(
        lookup.map((x) => x.inputs.name),
        [CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST],
      );
      assert.strictEqual(
        CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
        "com.amazonaws.global.cloudfront.origin-facing",
      );
      assert.match(String(rule.inputs.prefixListId), /^pl-/);
    });

    it("puts a new VPC's load balancer in private subnets with no route out; no public IPv4 for it", () => {
      const alb = e.one(T.alb);
      assert.deepStrictEqual(e.ofType(T.eip), []);
      if (fargate.vpcId !== undefined) {
        assert.deepStrictEqual(alb.inputs.subnets, fargate.subnetIds);
        return;
      }
      const privates = e.ofType(T.subnet).filter((s) => s.name.includes("-private-"));
      assert.strictEqual(privates.length, fargate.azCount ?? 2);
      assert.deepStrictEqual(alb.inputs.subnets, ids(privates));
      const tables = new Set(
        e
          .ofType(T.rtAssoc)
          .filter((a) => ids(privates).includes(a.inputs.subnetId))
          .map((a) => a.inputs.routeTableId),
      );
      for (const r of e.ofType(T.route))
        assert.ok(!tables.has(r.inputs.routeTableId), `${r.name}: a route out of the private subnets`);
      for (const s of privates) assert.strictEqual(s.inputs.mapPublicIpOnLaunch, false);
    });

    it("keeps sticky sessions exactly when the stack asks for them (the cookie reaches the ALB via AllViewer)", () => {
      const tg = e.one(T.tg);
      if (fargate.stickySessions === true)
        assert.deepStrictEqual(tg.inputs.stickiness, {
          type: "lb_cookie",
          enabled: true,
          cookieDuration: 86400,
        });
      else assert.strictEqual(tg.inputs.stickiness, undefined);
    });

    it("one listener rule sends every path to the tasks, declared after the service: a replaced target group takes traffic only once the service is steady", () => {
      const listener = e.one(T.listener);
      const tg = e.one(T.tg);
      const service = e.one(T.service);
      const rule = e.one("aws:lb/listenerRule:ListenerRule");
      assert.strictEqual(rule.inputs.listenerArn, listener.state.arn);
      assert.strictEqual(rule.inputs.priority, 1);
      assert.deepStrictEqual(rule.inputs.conditions, [{ pathPattern: { values: ["/*"] } }]);
      assert.deepStrictEqual(rule.inputs.actions, [{ type: "forward", targetGroupArn: tg.state.arn }]);
      assert.ok(rule.dependencies.includes(service.urn), "the rule waits for the service");
      // The default action attaches the same group to the load balancer before the service needs it.
      assert.deepStrictEqual(listener.inputs.defaultActions, [
        { type: "forward", targetGroupArn: tg.state.arn },
      ]);
      assert.ok(!listener.dependencies.includes(service.urn));
      assert.ok(service.dependencies.includes(listener.urn));
    });

    const ipv6Only = fargate.taskNetwork === "ipv6-only";
    it(`public IPv4 at baseline (the plan's figure): none for the load balancer, ${ipv6Only ? "none for the IPv6-only tasks" : "one per task"}`, async () => {
      const minCount = Number(fargate.minCount ?? 2);
      const plan = await planStack(c.stack);
      const ipv4 = plan.estimate.lines.filter((l) => l.sources.some((p) => p.id === "vpc:public-ipv4"));
      const skipped = plan.estimate.notPriced.filter((n) => /public IPv4/.test(n.reason));
      if (ipv4.length === 0 && skipped.length > 0) return; // no IPv4 price for this region in the table
      assert.deepStrictEqual(
        ipv4.map((l) => l.item.replace(/:.*/, "")),
        ["public IPv4 of the tasks"],
        "no line for the load balancer's addresses",
      );
      assert.strictEqual(ipv4[0].quantities[0], ipv6Only ? 0 : minCount * 730);
      if (ipv6Only) assert.strictEqual(ipv4[0].usd[0], 0);
    });

    if (ipv6Only)
      it("IPv6-only tasks: no IPv4 anywhere on them, out only through an egress-only gateway; dual-stack ALB to IPv6 targets", () => {
        const vpc = e.one("aws:ec2/vpc:Vpc");
        assert.strictEqual(vpc.inputs.assignGeneratedIpv6CidrBlock, true);
        const block = String(vpc.state.ipv6CidrBlock);
        const eigw = e.one("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway");
        assert.strictEqual(eigw.inputs.vpcId, vpc.state.id);
        const azCount = Number(fargate.azCount ?? 2);
        const slash64 = (index: number) => subnet64(block, index);
        const tasks = e.ofType(T.subnet).filter((s) => s.name.includes("-tasks-"));
        assert.strictEqual(tasks.length, azCount);
        tasks.forEach((s, i) => {
          assert.strictEqual(s.inputs.ipv6Native, true, `${s.name}: IPv6-only`);
          assert.strictEqual(s.inputs.cidrBlock, undefined, `${s.name}: no IPv4 CIDR`);
          assert.strictEqual(s.inputs.ipv6CidrBlock, slash64(i));
          assert.strictEqual(s.inputs.assignIpv6AddressOnCreation, true);
          assert.strictEqual(s.inputs.enableDns64, false, "no DNS64 without a NAT64 gateway");
          assert.strictEqual(s.inputs.mapPublicIpOnLaunch, false);
        });
        assert.deepStrictEqual(
          e.ofType(T.subnet).filter((s) => s.name.includes("-public-")),
          [],
        );
        // The only route out of the VPC: ::/0 to the egress-only gateway, for the task subnets only.
        const routes = e.ofType(T.route);
        assert.deepStrictEqual(
          routes.map((r) => [
            r.inputs.destinationIpv6CidrBlock,
            r.inputs.egressOnlyGatewayId,
            r.inputs.destinationCidrBlock,
          ]),
          [["::/0", eigw.state.id, undefined]],
        );
        const taskTable = routes[0].inputs.routeTableId;
        assert.deepStrictEqual(
          e
            .ofType(T.rtAssoc)
            .filter((a) => a.inputs.routeTableId === taskTable)
            .map((a) => a.inputs.subnetId)
            .sort(),
          ids(tasks).sort(),
        );
        assert.deepStrictEqual(
          e.resources.filter((r) => /natGateway|\/eip:Eip/i.test(r.type)),
          [],
        );
        const net = e.one(T.service).inputs.networkConfiguration;
        assert.strictEqual(net.assignPublicIp, false);
        assert.deepStrictEqual(net.subnets, ids(tasks));
        // The internal load balancer: dual-stack subnets (IPv4 for CloudFront, IPv6 to the tasks).
        const privates = e.ofType(T.subnet).filter((s) => s.name.includes("-private-"));
        privates.forEach((s, i) => assert.strictEqual(s.inputs.ipv6CidrBlock, slash64(azCount + i)));
        const alb = e.one(T.alb);
        assert.strictEqual(alb.inputs.ipAddressType, "dualstack");
        assert.strictEqual(alb.inputs.internal, true);
        assert.strictEqual(e.one(T.tg).inputs.ipAddressType, "ipv6");
        // Out: HTTPS over IPv6 only.
        const egress = e
          .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
          .filter((r) => r.inputs.securityGroupId === e.one(T.sg, "task-sg").state.id);
        assert.deepStrictEqual(
          egress.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv6, r.inputs.cidrIpv4]),
          [
            [443, "::/0", undefined],
            // The stack's own extra rules: IPv6 destinations only (the config refuses IPv4 ones here).
            ...((fargate.extraEgress ?? []) as { port: number; cidr: string }[]).map((r) => [
              r.port,
              r.cidr,
              undefined,
            ]),
          ],
        );
        // The image through ECR's dual-stack endpoint, and the app's SDKs told to use dual-stack endpoints.
        const container = JSON.parse(String(e.one(T.taskDef).inputs.containerDefinitions))[0];
        assert.match(
          String(container.image),
          /^\d{12}\.dkr-ecr\.[a-z0-9-]+\.on\.aws\/[^@]+@sha256:[0-9a-f]{64}$/,
        );
        assert.ok(
          (container.environment as { name: string; value: string }[]).some(
            (v) => v.name === "AWS_USE_DUALSTACK_ENDPOINT" && v.value === "true",
          ),
        );
      });

    if (dns) {
      const fqdn =
        dns.record === "@" ? dns.domain : `${dns.record ?? c.config["ferry:app"].name}.${dns.domain}`;
      it("with a domain: serves it with a validated ACM certificate from us-east-1, alias A and AAAA records", () => {
        const cdn = e.one(T.cdn);
        const validation = e.one(T.validation);
        assert.deepStrictEqual(cdn.inputs.aliases, [fqdn]);
        assert.deepStrictEqual(cdn.inputs.viewerCertificate, {
          acmCertificateArn: validation.state.certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        });
        // The certificate (and its validation) go through a provider in us-east-1; any other provider stays in
        // the stack's region. The second provider keeps the account pin and the tags.
        const providers = e.ofType(T.provider);
        const providerOf = (r: Recorded) =>
          providers.find((p) => r.provider.startsWith(`${p.urn}::`)) ?? assert.fail(`${r.name}: no provider`);
        for (const r of [e.one(T.cert), validation])
          assert.strictEqual(providerOf(r).inputs.region, "us-east-1");
        const main = providers.find((p) => p.name === "aws")!;
        assert.strictEqual(main.inputs.region, region);
        if (region !== "us-east-1") {
          const east = providerOf(e.one(T.cert));
          assert.notStrictEqual(east, main);
          assert.deepStrictEqual(
            [east.inputs.allowedAccountIds, east.inputs.defaultTags],
            [main.inputs.allowedAccountIds, main.inputs.defaultTags],
          );
        }
        const aliases = e.ofType(T.record).filter((r) => r.inputs.name === fqdn);
        assert.deepStrictEqual(aliases.map((r) => r.inputs.type).sort(), ["A", "AAAA"]);
        for (const r of aliases)
          assert.deepStrictEqual(r.inputs.aliases, [
            { name: cdn.state.domainName, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false },
          ]);
        assert.strictEqual(e.outputs.url, `https://${fqdn}`);
      });
    } else
      it("without a domain: CloudFront's own certificate and name; the URL is https://<distribution>", () => {
        const cdn = e.one(T.cdn);
        assert.deepStrictEqual(cdn.inputs.viewerCertificate, { cloudfrontDefaultCertificate: true });
        assert.ok(!cdn.inputs.aliases || cdn.inputs.aliases.length === 0);
        assert.strictEqual(e.outputs.url, `https://${String(cdn.state.domainName)}`);
        assert.deepStrictEqual(e.ofType(T.cert), []);
      });

    it("runs the task on the configured architecture (the config refuses a build for another one)", () => {
      // Unset, the architecture follows the built image's platform (an existing image runs on X86_64).
      const build = c.config["ferry:image"];
      const arch =
        fargate.cpuArchitecture ??
        (build?.uri === undefined && build?.platform === "linux/arm64" ? "ARM64" : "X86_64");
      assert.strictEqual(e.one(T.taskDef).inputs.runtimePlatform.cpuArchitecture, arch);
      if (build?.uri === undefined)
        assert.deepStrictEqual(e.one("docker-build:index:Image").inputs.platforms, [
          arch === "ARM64" ? "linux/arm64" : "linux/amd64",
        ]);
    });
  });
}

describe("the plain-HTTP opt-out (ferry:fargate.insecureHttpOnly)", function () {
  it("is explicit: an internet-facing ALB on HTTP 80, tagged for the policy pack, no CloudFront", async () => {
    const prod = stackConfig("prod").config;
    const fargate = JSON.parse(prod["ferry:fargate"]) as Record<string, unknown>;
    const e = await evaluateStack("prod", {
      config: { "ferry:fargate": { ...fargate, insecureHttpOnly: true, taskNetwork: "public-ipv4" } },
    });
    assert.deepStrictEqual(e.ofType(T.cdn), []);
    assert.deepStrictEqual(e.ofType(T.origin), []);
    const alb = e.one(T.alb);
    assert.strictEqual(alb.inputs.internal, false);
    assert.deepStrictEqual(alb.inputs.tags, { "ferry:insecure-http-only": "true" });
    const albSg = e.one(T.sg, "alb-sg");
    const rules = e.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === albSg.state.id);
    assert.deepStrictEqual(
      rules.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]),
      [[80, "0.0.0.0/0"]],
    );
    assert.strictEqual(e.outputs.url, `http://${String(alb.state.dnsName)}`);
    assert.deepStrictEqual(
      e.ofType(T.subnet).filter((s) => s.name.includes("-private-")),
      [],
    );
  });

  for (const c of cases.filter((x) => x.config["ferry:fargate"]?.insecureHttpOnly === true))
    it(`${c.label} opts out: its load balancer carries the tag the policy pack honours`, async () => {
      const e = await evaluateStack(c.stack);
      assert.deepStrictEqual(e.one(T.alb).inputs.tags, { "ferry:insecure-http-only": "true" });
    });
});
