// The checks `pulumi preview` and `up` run before declaring anything (stacks/preflight.ts): with IPv6-only
// tasks every URL in ferry:app.env must answer on IPv6. The DNS lookup is a stand-in here (no network);
// the rule is what is under test: which answers stop the deploy, which only warn, and what the message shows.
import * as assert from "node:assert/strict";
import { ConfigError, type FerryConfig } from "../config";
import { envUrlHosts } from "../config/fargate";
import { checkIpv6Reachability, needsPreflight, preflight, type Resolve6 } from "../stacks/preflight";

type Cfg = Pick<FerryConfig, "app" | "fargate">;

function cfg(
  env: Record<string, string>,
  taskNetwork: "ipv6-only" | "public-ipv4" = "ipv6-only",
  ipv6UrlCheck = true,
): Cfg {
  return { app: { env }, fargate: { taskNetwork, ipv6UrlCheck } } as unknown as Cfg;
}

/** DNS stand-in: hosts with AAAA records answer, every other host fails with `code`. */
function resolver(withAaaa: string[], code = "ENODATA"): Resolve6 & { asked: string[] } {
  const asked: string[] = [];
  const fn = (host: string) => {
    asked.push(host);
    return withAaaa.includes(host)
      ? Promise.resolve(["2600:1f18::1"])
      : Promise.reject(Object.assign(new Error(`queryAaaa ${code} ${host}`), { code }));
  };
  return Object.assign(fn, { asked });
}

describe("preflight: IPv6-only tasks reach only hosts that answer on IPv6", () => {
  it("finds the http(s) URLs among the env values, and only those", () => {
    assert.deepEqual(
      envUrlHosts({
        API_BASE_URL: "https://2nu0j4n648.execute-api.us-east-1.amazonaws.com/dev",
        PLAIN: "hello",
        DB: "postgres://db.internal:5432/app",
        V6: "http://[2001:db8::1]:8080/x",
      }),
      [
        { name: "API_BASE_URL", host: "2nu0j4n648.execute-api.us-east-1.amazonaws.com" },
        { name: "V6", host: "2001:db8::1" },
      ],
    );
  });

  it("passes a host with an AAAA record (positive control) and an IPv6 literal", async () => {
    const dns = resolver(["api.example.com"]);
    const r = await checkIpv6Reachability(
      cfg({ API: "https://api.example.com/v1", V6: "http://[2001:db8::1]/" }),
      dns,
    );
    assert.deepEqual(r, { problems: [], warnings: [] });
    assert.deepEqual(dns.asked, ["api.example.com"], "an IP literal needs no lookup");
  });

  it("stops on a host without an AAAA record, naming the key and the host, never the path or query", async () => {
    const r = await checkIpv6Reachability(
      cfg({ API_BASE_URL: "https://legacy.example.com/dev?api_key=abc123" }),
      resolver([]),
    );
    assert.equal(r.problems.length, 1);
    const [p] = r.problems;
    assert.equal(p.key, "ferry:app.env.API_BASE_URL");
    assert.equal(p.value, "legacy.example.com");
    assert.match(p.expected, /no AAAA record/);
    assert.match(p.expected, /"dualstack"/);
    assert.match(p.expected, /taskNetwork: public-ipv4/);
    assert.doesNotMatch(JSON.stringify(p), /abc123|\/dev/);
  });

  it("looks each host up once, and leaves IP literals (the config gate's) and loopback (inside the task) alone", async () => {
    const dns = resolver(["api.example.com"]);
    const r = await checkIpv6Reachability(
      cfg({
        A: "https://api.example.com/a",
        B: "https://API.example.com/b",
        V4: "http://203.0.113.7:8080/",
        OTEL: "http://127.0.0.1:4318/v1/traces",
        LOCAL: "http://localhost:8080/",
      }),
      dns,
    );
    assert.deepEqual(r, { problems: [], warnings: [] });
    assert.deepEqual(dns.asked, ["api.example.com"]);
  });

  it("can be turned off (ferry:fargate.ipv6UrlCheck: false): no lookup at all", async () => {
    const dns = resolver([]);
    const r = await checkIpv6Reachability(
      cfg({ API: "https://legacy.example.com/" }, "ipv6-only", false),
      dns,
    );
    assert.deepEqual(r, { problems: [], warnings: [] });
    assert.deepEqual(dns.asked, []);
  });

  it("only warns when DNS gives no answer either way (a preview on a machine without DNS still runs)", async () => {
    const r = await checkIpv6Reachability(cfg({ API: "https://api.example.com/" }), resolver([], "ETIMEOUT"));
    assert.deepEqual(r.problems, []);
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.warnings[0],
      /^ferry:app\.env\.API: could not look up an IPv6 address of "api\.example\.com" \(ETIMEOUT\)/,
    );
  });

  it("masks a host that looks like a secret in the warning", async () => {
    const token = ["ghp", "Abcdefghijklmnopqrstuvwxyz0123456789"].join("_").toLowerCase();
    const r = await checkIpv6Reachability(
      cfg({ HOOK: `https://${token}.example.com/` }),
      resolver([], "ESERVFAIL"),
    );
    assert.equal(r.warnings.length, 1);
    assert.ok(!r.warnings[0].includes(token), r.warnings[0]);
  });

  it("checks nothing when the tasks have public IPv4", async () => {
    const dns = resolver([]);
    const r = await checkIpv6Reachability(cfg({ API: "https://legacy.example.com/" }, "public-ipv4"), dns);
    assert.deepEqual(r, { problems: [], warnings: [] });
    assert.deepEqual(dns.asked, []);
  });
});

describe("preflight: the error a deploy stops with", () => {
  it("is one ConfigError naming the stack file, the key and the host", async () => {
    const config = cfg({ API_BASE_URL: "https://legacy.example.com/dev" }) as unknown as FerryConfig;
    await assert.rejects(preflight(config, resolver([])), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(
        e.message,
        /^Invalid stack config in Pulumi\.[^ ]*\.yaml: ferry:app\.env\.API_BASE_URL: got "legacy\.example\.com", expected a URL whose host answers on IPv6 \(this host has no AAAA record\)/,
      );
      return true;
    });
    // Positive control: the same config with a host that has an AAAA record goes through.
    await preflight(config, resolver(["legacy.example.com"]));
  });

  it("runs only for IPv6-only tasks, unless turned off", () => {
    assert.equal(needsPreflight(cfg({}, "ipv6-only") as unknown as FerryConfig), true);
    assert.equal(needsPreflight(cfg({}, "public-ipv4") as unknown as FerryConfig), false);
    assert.equal(needsPreflight(cfg({}, "ipv6-only", false) as unknown as FerryConfig), false);
  });
});
