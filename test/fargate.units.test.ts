// Pure helpers of the HA Fargate topology: names within AWS limits, subnet maths, capacity strategy, policy
// documents, the container health check (run for real against a local HTTP server), and the config rules
// this topology owns, each with its exact message.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../config";
import { fargateEnvIssues, fargateSchema, taskArchitecture } from "../config/fargate";
import { ipv6CidrProblem } from "../config/fields";
import { tlsOnlyPolicy } from "../components/dataBucket";
import {
  capacityStrategy,
  containerDefinition,
  executionRolePolicy,
  healthCheckCommand,
  loadBalancerName,
  securityGroupNamePrefix,
  targetGroupName,
  taskRolePolicy,
} from "../components/fargateService";
import { ipv6SubnetCidr, privateSubnetCidrs, subnetCidrs } from "../components/network";
import { edgeName, securityHeaders } from "../components/edge";
import { awsSafe } from "../components/names";
import { dualStackImageRef, ecrRepositoryArn } from "../components/image";
import { ROOT, stackConfig } from "./support/harness";

const LB_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

describe("fargate names (AWS limits)", () => {
  const longApp = "a234567890-b234567890-c234567890-d234567"; // 40 characters, the longest app name allowed

  it("keeps ALB and target group names within 32 characters for a 40-character app name and any stack", () => {
    for (const stack of ["prod", "production-eu-central-1", "Feature_Branch.42"]) {
      const prefix = `${longApp}-${stack}`;
      const alb = loadBalancerName(prefix);
      const tg = targetGroupName(prefix, { port: 5001, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1" });
      for (const n of [alb, tg]) {
        assert.ok(n.length <= 32, `${n} is ${n.length} characters`);
        assert.match(n, LB_NAME);
      }
    }
  });

  it("makes any stack name safe for LB/TG/bucket names (lower case, hyphens, no edge hyphens)", () => {
    assert.strictEqual(awsSafe("carepolicy-hub-Feature_Branch.42"), "carepolicy-hub-feature-branch-42");
    assert.strictEqual(awsSafe("app--x__"), "app-x");
  });

  it('never starts an ALB name with "internal-" (AWS reserves it)', () => {
    const name = loadBalancerName("internal-tools-prod");
    assert.ok(!name.startsWith("internal-"), name);
    assert.strictEqual(name, "lb-internal-tools-prod-alb");
  });

  it('never starts a security group name with "sg-" (AWS reserves it)', () => {
    assert.strictEqual(securityGroupNamePrefix("sg-tool-prod", "alb"), "app-sg-tool-prod-alb-");
    assert.strictEqual(securityGroupNamePrefix("vibejudge-prod", "tasks"), "vibejudge-prod-tasks-");
  });

  it("gives the target group a new name when a replacement-forcing input changes, and the same name otherwise", () => {
    const key = { port: 8501, protocol: "HTTP", targetType: "ip", vpcId: "vpc-0123456789abcdef0" };
    const name = targetGroupName("vibejudge-prod", key);
    assert.strictEqual(targetGroupName("vibejudge-prod", { ...key }), name, "deterministic");
    for (const change of [
      { port: 8502 },
      { vpcId: "vpc-0fedcba9876543210" },
      { protocol: "HTTPS" },
      { targetType: "instance" },
      { ipAddressType: "ipv6" as const },
    ])
      assert.notStrictEqual(
        targetGroupName("vibejudge-prod", { ...key, ...change }),
        name,
        JSON.stringify(change),
      );
    // An IPv4 group keeps the name it had before the IP address type was part of the key (no replacement).
    assert.strictEqual(targetGroupName("vibejudge-prod", { ...key, ipAddressType: "ipv4" }), name);
  });
});

describe("subnetCidrs (P1)", () => {
  it("cuts /20s out of a /16, one per AZ, without overlap", () => {
    assert.deepStrictEqual(subnetCidrs("10.0.0.0/16", 2), ["10.0.0.0/20", "10.0.16.0/20"]);
    assert.deepStrictEqual(subnetCidrs("172.16.0.0/16", 3), [
      "172.16.0.0/20",
      "172.16.16.0/20",
      "172.16.32.0/20",
    ]);
  });

  it("shrinks the subnets to fit small VPCs and many AZs", () => {
    assert.deepStrictEqual(subnetCidrs("10.1.0.0/22", 2), ["10.1.0.0/24", "10.1.1.0/24"]);
    assert.deepStrictEqual(subnetCidrs("192.168.4.0/24", 6), [
      "192.168.4.0/27",
      "192.168.4.32/27",
      "192.168.4.64/27",
      "192.168.4.96/27",
      "192.168.4.128/27",
      "192.168.4.160/27",
    ]);
  });
});

describe("privateSubnetCidrs (the internal load balancer's subnets)", () => {
  it("takes the next blocks after the public ones, of the same size", () => {
    assert.deepStrictEqual(privateSubnetCidrs("10.0.0.0/16", 2), ["10.0.32.0/20", "10.0.48.0/20"]);
    assert.deepStrictEqual(privateSubnetCidrs("10.1.0.0/22", 2), ["10.1.2.0/24", "10.1.3.0/24"]);
    for (const [cidr, n] of [
      ["10.0.0.0/16", 2],
      ["10.0.0.0/16", 6],
      ["10.1.0.0/22", 2],
    ] as const) {
      const publics = subnetCidrs(cidr, n);
      const privates = privateSubnetCidrs(cidr, n);
      assert.strictEqual(new Set([...publics, ...privates]).size, 2 * n, `${cidr} × ${n}: no overlap`);
      assert.deepStrictEqual(
        privates.map((c) => c.split("/")[1]),
        publics.map((c) => c.split("/")[1]),
      );
    }
  });

  it("refuses a VPC without room for both, naming the key (a /24 with two zones)", () => {
    assert.throws(
      () => privateSubnetCidrs("192.168.4.0/24", 2),
      (e: unknown) =>
        e instanceof ConfigError &&
        /ferry:fargate\.vpcCidr/.test(e.message) &&
        /192\.168\.4\.0\/24/.test(e.message) &&
        /a \/22 or larger/.test(e.message),
    );
  });
});

describe("ipv6SubnetCidr (IPv6-only task subnets)", () => {
  it("numbers the /64s of a /56 from its first one, in any spelling of the /56", () => {
    assert.equal(ipv6SubnetCidr("2600:1f18:abc:de00::/56", 0), "2600:1f18:abc:de00::/64");
    assert.equal(ipv6SubnetCidr("2600:1f18:abc:de00::/56", 1), "2600:1f18:abc:de01::/64");
    assert.equal(ipv6SubnetCidr("2600:1f18:abc:de00::/56", 255), "2600:1f18:abc:deff::/64");
    assert.equal(ipv6SubnetCidr("2a05:d018:0:100::/56", 3), "2a05:d018:0:103::/64");
    assert.equal(ipv6SubnetCidr("2a05:d018:0000:0100:0000:0000:0000:0000/56", 3), "2a05:d018:0:103::/64");
    // A /56 whose fourth group is zero, written with "::" in the middle.
    assert.equal(ipv6SubnetCidr("2600:1f18:abc::/56", 16), "2600:1f18:abc:10::/64");
    // The first /64 of a /56 whose fourth group is zero is written "::" too, as AWS stores it.
    assert.equal(ipv6SubnetCidr("2600:1f18:abc::/56", 0), "2600:1f18:abc::/64");
  });

  it("writes only canonical text, the form the config gate demands and AWS stores", () => {
    for (const block of [
      "2600:1f18:abc:de00::/56",
      "2600:1f18:abc::/56",
      "2a05:d018:0:100::/56",
      "2600:1f18:98c:8a00::/56",
    ])
      for (const i of [0, 1, 15, 16, 255])
        assert.equal(ipv6CidrProblem(ipv6SubnetCidr(block, i)), undefined, `${block} ${i}`);
  });

  it("refuses what is not a /56, or an index beyond its 256 /64s", () => {
    assert.throws(() => ipv6SubnetCidr("2600:1f18:abc:de00::/64", 0), /expected a \/56/);
    assert.throws(() => ipv6SubnetCidr("2600:1f18:abc:de00::/56", 256), /index 0-255/);
    assert.throws(() => ipv6SubnetCidr("2600:1f18:abc:de00::/56", -1), /index 0-255/);
  });
});

describe("ipv6CidrProblem (extraEgress of IPv6-only tasks)", () => {
  it("accepts canonical CIDRs with the host bits zero, and says what to write otherwise", () => {
    for (const ok of [
      "2001:db8::/32",
      "::/0",
      "2600:1f18:abc:de00::/56",
      "2001:db8:0:1::/64",
      "2001:db8::1/128",
    ])
      assert.equal(ipv6CidrProblem(ok), undefined, ok);
    assert.equal(
      ipv6CidrProblem("2001:DB8::/32"),
      'the canonical form "2001:db8::/32" (AWS stores that text)',
    );
    assert.equal(
      ipv6CidrProblem("2001:0db8:0000:0000::/32"),
      'the canonical form "2001:db8::/32" (AWS stores that text)',
    );
    assert.equal(ipv6CidrProblem("2001:db8::1/64"), 'a CIDR with the host bits zero ("2001:db8::/64")');
    for (const bad of [
      "2001:db8::/129",
      "2001:db8:::/32",
      "10.0.0.0/8",
      "2001:db8::g/32",
      "1:2:3:4:5:6:7:8:9/64",
    ])
      assert.equal(ipv6CidrProblem(bad), 'an IPv6 CIDR such as "2001:db8::/32"', bad);
  });
});

describe("dualStackImageRef (IPv6-only tasks pull through ECR's dual-stack endpoint)", () => {
  it("keeps the registry, repository, tag and digest; only the host changes", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    assert.equal(
      dualStackImageRef(`123456789012.dkr.ecr.us-east-1.amazonaws.com/vibejudge-dashboard@${digest}`),
      `123456789012.dkr-ecr.us-east-1.on.aws/vibejudge-dashboard@${digest}`,
    );
    assert.equal(
      dualStackImageRef("210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1.2"),
      "210987654321.dkr-ecr.eu-west-1.on.aws/team/app:v1.2",
    );
  });

  it("takes a reference already on the dual-stack host as it is (the parser reads both hosts)", () => {
    const ref = "210987654321.dkr-ecr.eu-west-1.on.aws/team/app:v1.2";
    assert.equal(dualStackImageRef(ref), ref);
    assert.equal(ecrRepositoryArn(ref), "arn:aws:ecr:eu-west-1:210987654321:repository/team/app");
  });

  it("has none for an image outside ECR", () => {
    assert.equal(dualStackImageRef(`ghcr.io/acme/app@sha256:${"b".repeat(64)}`), undefined);
    assert.equal(dualStackImageRef("public.ecr.aws/nginx/nginx:1.27"), undefined);
  });
});

describe("edge helpers", () => {
  it("HSTS for a year that the app cannot weaken; nosniff; referrer policy", () => {
    assert.deepStrictEqual(securityHeaders(), {
      strictTransportSecurity: { accessControlMaxAgeSec: 31536000, includeSubdomains: false, override: true },
      contentTypeOptions: { override: true },
      referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: false },
    });
  });

  it("names fit in 64 characters for a 40-character app name and a long stack name", () => {
    const name = edgeName(
      "a234567890-b234567890-c234567890-d234567-production-eu-central-1",
      "security-headers",
    );
    assert.ok(name.length <= 64, name);
    assert.match(name, /^[a-z0-9-]+-security-headers$/);
  });
});

describe("capacityStrategy (P2)", () => {
  it("keeps the base on FARGATE and the rest on FARGATE_SPOT by weight", () => {
    assert.deepStrictEqual(capacityStrategy({ onDemandBase: 1, onDemandWeight: 1, spotWeight: 3 }), [
      { capacityProvider: "FARGATE", base: 1, weight: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3 },
    ]);
  });
});

describe("IAM documents (P4)", () => {
  const logGroupArn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app";

  it('execution role: "*" only for ecr:GetAuthorizationToken, exact ARNs otherwise', () => {
    const doc = executionRolePolicy({
      repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/app",
      logGroupArn,
    }) as { Statement: { Action: string[]; Resource: string | string[] }[] };
    for (const s of doc.Statement)
      if (s.Resource === "*") assert.deepStrictEqual(s.Action, ["ecr:GetAuthorizationToken"]);
    assert.deepStrictEqual(doc.Statement[2].Resource, [`${logGroupArn}:*`]);
  });

  it("task role: nothing at all without a bucket or ECS Exec", () => {
    assert.strictEqual(taskRolePolicy({ ecsExec: false }), undefined);
  });

  it("bucket policy: denies every non-TLS request on the bucket and its objects", () => {
    const doc = tlsOnlyPolicy("arn:aws:s3:::b") as { Statement: Record<string, unknown>[] };
    assert.deepStrictEqual(doc.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.deepStrictEqual(doc.Statement[0].Resource, ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
    assert.strictEqual(doc.Statement[0].Effect, "Deny");
  });

  it("recognizes ECR image references (tag or digest, nested repositories) and nothing else", () => {
    assert.strictEqual(
      ecrRepositoryArn("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1"),
      "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
    );
    assert.strictEqual(
      ecrRepositoryArn(`123456789012.dkr.ecr.eu-central-1.amazonaws.com/app@sha256:${"a".repeat(64)}`),
      "arn:aws:ecr:eu-central-1:123456789012:repository/app",
    );
    assert.strictEqual(ecrRepositoryArn("ghcr.io/acme/app:v1"), undefined);
  });
});

describe("container definition (P3)", () => {
  it("sorts environment and secrets so unchanged settings never show a diff", () => {
    const def = containerDefinition({
      name: "app",
      image: "repo@sha256:abc",
      port: 8501,
      environment: { B: "2", A: "1" },
      secrets: [
        { envName: "Z_KEY", ref: "arn:z" },
        { envName: "A_KEY", ref: "arn:a" },
      ],
      logGroupName: "/ecs/app",
      region: "us-east-1",
      readonlyRootFilesystem: false,
      ecsExec: false,
    });
    assert.deepStrictEqual(def.environment, [
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    assert.deepStrictEqual(def.secrets, [
      { name: "A_KEY", valueFrom: "arn:a" },
      { name: "Z_KEY", valueFrom: "arn:z" },
    ]);
    assert.strictEqual(def.healthCheck, undefined, "no probe configured, no container health check");
  });
});

describe("container health check command (P3), run for real", function () {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === "/health" ? 200 : 500;
      res.end(req.url === "/health" ? "ok" : "broken");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  /** Runs an exec-form ["CMD", ...] health check and returns its exit code. */
  const run = (command: string[]) =>
    new Promise<number>((resolve, reject) => {
      assert.strictEqual(command[0], "CMD", "exec form: no shell needed in the image");
      const child = spawn(command[1], command.slice(2), { stdio: "ignore" });
      child.on("error", reject);
      child.on("exit", (code) => resolve(code ?? -1));
    });

  it("python: exits 0 on a 200 and non-zero on a 500, with the standard library only", async () => {
    assert.strictEqual(await run(healthCheckCommand("python", port, "/health")!), 0);
    assert.notStrictEqual(await run(healthCheckCommand("python", port, "/broken")!), 0);
  });

  it("python: a path with quotes cannot break out of the Python string", async () => {
    assert.notStrictEqual(
      await run(healthCheckCommand("python", port, `/x"'); import os; os._exit(0) #`)!),
      0,
    );
  });

  for (const probe of ["curl", "wget"] as const) {
    const available = spawnSync(probe, ["--version"], { stdio: "ignore" }).status === 0;
    (available ? it : it.skip)(`${probe}: exits 0 on a 200 and non-zero on a 500`, async () => {
      assert.strictEqual(await run(healthCheckCommand(probe, port, "/health")!), 0);
      assert.notStrictEqual(await run(healthCheckCommand(probe, port, "/broken")!), 0);
    });
  }

  it('"none" leaves health to the load balancer', () => {
    assert.strictEqual(healthCheckCommand("none", 80, "/"), undefined);
  });
});

describe("ferry:fargate config rules (S6), exact messages", () => {
  const parse = (stack: string, merge: Record<string, Record<string, unknown>>) => {
    const raw = { ...stackConfig(stack).config };
    for (const [k, v] of Object.entries(merge))
      raw[k] = JSON.stringify({ ...(JSON.parse(raw[k] ?? "{}") as object), ...v });
    return parseConfig(raw, {
      project: "ferry",
      stack,
      projectRoot: ROOT,
      readSecret: (k) => pulumi.secret(k),
    });
  };
  const fails = (stack: string, merge: Record<string, Record<string, unknown>>, message: string) =>
    assert.throws(
      () => parse(stack, merge),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.strictEqual(e.message, message);
        return true;
      },
    );

  it("minCount above desiredCount", () =>
    fails(
      "prod",
      { "ferry:fargate": { desiredCount: 2, minCount: 4 } },
      "Invalid stack config: ferry:fargate.desiredCount: got 2, expected between minCount (4) and maxCount (10)",
    ));

  it("Spot weight without an on-demand base", () =>
    fails(
      "prod",
      { "ferry:fargate": { capacity: { onDemandBase: 0, onDemandWeight: 0, spotWeight: 1 } } },
      "Invalid stack config: ferry:fargate.capacity.onDemandBase: got 0, expected at least 1 when spotWeight > 0, so a Spot interruption never takes every task",
    ));

  it("unknown CPU/memory pair", () =>
    fails(
      "carepolicy",
      { "ferry:app": { cpu: 2048, memory: 2048 } },
      "Invalid stack config: ferry:app.memory: got 2048, expected a memory size Fargate allows with cpu 2048: 4096 to 16384 in steps of 1024",
    ));

  it("a VPC CIDR outside /16-/24", () =>
    fails(
      "prod",
      { "ferry:fargate": { vpcCidr: "10.0.0.0/8" } },
      'Invalid stack config: ferry:fargate.vpcCidr: got "10.0.0.0/8", expected a VPC CIDR from /16 to /24 (AWS allows /16 to /28; the program cuts one subnet per AZ out of it)',
    ));

  it("a log retention CloudWatch does not offer", () =>
    fails(
      "prod",
      { "ferry:fargate": { logRetentionDays: 10 } },
      "Invalid stack config: ferry:fargate.logRetentionDays: got 10, expected a retention CloudWatch Logs accepts: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ));

  it("a read-only root filesystem together with ECS Exec", () =>
    fails(
      "prod",
      { "ferry:fargate": { readonlyRootFilesystem: true, ecsExec: true } },
      "Invalid stack config: ferry:fargate.readonlyRootFilesystem: got true, expected false while ecsExec is true (the ECS Exec agent writes to the container filesystem)",
    ));

  it("an unknown container probe", () =>
    fails(
      "prod",
      { "ferry:fargate": { containerHealthCheck: { probe: "nc" } } },
      'Invalid stack config: ferry:fargate.containerHealthCheck.probe: got "nc", expected one of python, curl, wget, none',
    ));

  it("a typo in a ferry:fargate key", () =>
    fails(
      "prod",
      { "ferry:fargate": { stickySession: true } },
      'Invalid stack config: ferry:fargate: unknown key "stickySession", did you mean "stickySessions"?',
    ));

  it("env-name clashes of the URL and bucket variables", () => {
    assert.deepStrictEqual(
      fargateEnvIssues(
        { env: { APP_BASE_URL: "x" }, secrets: { S3_BUCKET: {} }, dataBucket: { envVar: "S3_BUCKET" } },
        { appUrlEnvVar: "APP_BASE_URL" },
      ),
      [
        {
          path: ["ferry:app", "dataBucket", "envVar"],
          value: "S3_BUCKET",
          message: "a variable name not also set by ferry:app.secrets.S3_BUCKET",
        },
        {
          path: ["ferry:fargate", "appUrlEnvVar"],
          value: "APP_BASE_URL",
          message: "a variable name not also set by ferry:app.env.APP_BASE_URL",
        },
      ],
    );
    assert.deepStrictEqual(
      fargateEnvIssues({ env: {}, secrets: {}, dataBucket: { envVar: "B" } }, { appUrlEnvVar: "B" }),
      [
        {
          path: ["ferry:fargate", "appUrlEnvVar"],
          value: "B",
          message: "a variable name not also set by ferry:app.dataBucket.envVar",
        },
      ],
    );
  });

  it("defaults of the settings this topology added (7-day logs, no container probe, no stickiness, Insights on, HTTPS, x86)", () => {
    const f = fargateSchema.parse({});
    assert.strictEqual(f.containerInsights, "enabled");
    assert.deepStrictEqual(
      [f.logRetentionDays, f.containerHealthCheck, f.readonlyRootFilesystem, f.stickySessions, f.alarms],
      [
        7,
        // No probe assumes a tool the image may lack; the load balancer's health check is the gate.
        { probe: "none", startPeriodSeconds: 30 },
        false,
        false,
        { errorRatePercent: 5, latencySeconds: 5 },
      ],
    );
    assert.deepStrictEqual([f.insecureHttpOnly, f.cpuArchitecture], [false, undefined]);
    // Unset, the architecture follows the built image; set, it wins (and the config checks the build).
    assert.strictEqual(taskArchitecture({ kind: "build", platform: "linux/arm64" }, f), "ARM64");
    assert.strictEqual(taskArchitecture({ kind: "build", platform: "linux/amd64" }, f), "X86_64");
    assert.strictEqual(taskArchitecture({ kind: "existing" }, f), "X86_64");
    assert.strictEqual(taskArchitecture({ kind: "existing" }, { cpuArchitecture: "ARM64" }), "ARM64");
  });
});

describe("CarePolicy Hub stand-in image (examples/carepolicy-hub)", () => {
  it("answers /health with 200 and reports secrets only as present/absent (python unittest)", () => {
    const dir = path.join(ROOT, "examples", "carepolicy-hub");
    const r = spawnSync("python3", ["-m", "unittest", "-q", "test_wsgi"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    assert.strictEqual(r.status, 0, r.stderr);
  });
});
