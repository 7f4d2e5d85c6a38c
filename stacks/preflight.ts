// Checks that need the network, so they run in `pulumi preview` and `up` only (never offline) and before any
// resource is declared: a stack that would deploy into a broken state stops with a config error instead.
//
// IPv6-only tasks (`ferry:fargate.taskNetwork: ipv6-only`) have no IPv4 address and no NAT64, so every address
// the app calls must answer on IPv6. The URLs in `ferry:app.env` are the ones the program can see: each host
// must have an AAAA record. IPv4 literals are refused by the config gate already (offline); secrets' values and
// addresses inside the app are not looked at. `ferry:fargate.ipv6UrlCheck: false` turns the lookups off.
import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { ConfigError, describeValue, type Problem } from "../config/errors";
import { envUrlHosts, isLoopbackHost } from "../config/fargate";

/** Looks up a host's IPv6 addresses; rejects with a Node DNS error code (ENODATA: the name has none). */
export type Resolve6 = (host: string) => Promise<string[]>;

export interface PreflightResult {
  readonly problems: Problem[];
  /** Hosts that could not be checked (no DNS answer): said, not fatal. */
  readonly warnings: string[];
}

/** The system's resolvers, 2 s a try and two tries: an unanswered name costs seconds, not the default ~20. */
export function defaultResolve6(): Resolve6 {
  const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
  return (host) => resolver.resolve6(host);
}

/** The "expected" half, after what the host lacks. */
const ipv6Expected = (lack: string) =>
  `a URL whose host answers on IPv6 (${lack}) while ferry:fargate.taskNetwork is ipv6-only: the tasks have ` +
  'no IPv4. For an API Gateway API set its IP address type to "dualstack"; or set taskNetwork: public-ipv4';

/** Every URL host in `ferry:app.env` answers on IPv6, when the tasks are IPv6-only. */
export async function checkIpv6Reachability(
  cfg: Pick<FerryConfig, "app" | "fargate">,
  resolve6: Resolve6 = defaultResolve6(),
): Promise<PreflightResult> {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  if (!needsPreflight(cfg)) return { problems, warnings };
  // Names only: IP literals are the config gate's (offline), loopback is inside the task.
  const named = envUrlHosts(cfg.app.env).filter(({ host }) => isIP(host) === 0 && !isLoopbackHost(host));
  const hosts = [...new Set(named.map((n) => n.host))];
  // One lookup per host, all at once.
  const answers = new Map(
    await Promise.all(
      hosts.map(async (host) => {
        try {
          await resolve6(host);
          return [host, "ok"] as const;
        } catch (err) {
          return [host, (err as { code?: string }).code ?? "no answer"] as const;
        }
      }),
    ),
  );
  for (const { name, host } of named) {
    const key = `ferry:app.env.${name}`;
    const answer = answers.get(host);
    // Only the host is shown ("got <host>", masked if it looks like a secret): a path or query may carry a token.
    if (answer === "ENODATA")
      problems.push({ key, value: host, expected: ipv6Expected("this host has no AAAA record") });
    else if (answer !== "ok")
      warnings.push(
        `${key}: could not look up an IPv6 address of ${describeValue(host)} (${answer}); IPv6-only tasks reach it only if it has one`,
      );
  }
  return { problems, warnings };
}

/** Runs the checks; throws one ConfigError naming the stack file with every problem. */
export async function preflight(cfg: FerryConfig, resolve6?: Resolve6): Promise<void> {
  const { problems, warnings } = await checkIpv6Reachability(cfg, resolve6);
  for (const w of warnings) void pulumi.log.warn(w);
  if (problems.length > 0) throw new ConfigError(problems, { file: `Pulumi.${pulumi.getStack()}.yaml` });
}

/** Whether `preflight` has anything to check for this config (offline runs never call it). */
export function needsPreflight(cfg: Pick<FerryConfig, "fargate">): boolean {
  return cfg.fargate?.taskNetwork === "ipv6-only" && cfg.fargate.ipv6UrlCheck;
}
