// Checks that need the network, so they run in `pulumi preview` and `up` only (never offline) and before any
// resource is declared: a stack that would deploy into a broken state stops with a config error instead.
//
// IPv6-only tasks (`ferry:fargate.taskNetwork: ipv6-only`) have no IPv4 address and no NAT64, so every address
// the app calls must answer on IPv6. The URLs in `ferry:app.env` are the ones the program can see: each host
// must have an AAAA record. Secrets' values are not looked at.
import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import type { FerryConfig } from "../config";
import { ConfigError, type Problem } from "../config/errors";

/** Looks up a host's IPv6 addresses; rejects with a Node DNS error code (ENODATA: the name has none). */
export type Resolve6 = (host: string) => Promise<string[]>;

export interface PreflightResult {
  readonly problems: Problem[];
  /** Hosts that could not be checked (no DNS answer): said, not fatal. */
  readonly warnings: string[];
}

/** `ferry:app.env` entries whose value is an http(s) URL, with the host to check. Pure. */
export function urlHosts(env: Readonly<Record<string, string>>): { name: string; host: string }[] {
  const out: { name: string; host: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (url.protocol === "http:" || url.protocol === "https:")
      out.push({ name, host: url.hostname.replace(/^\[(.*)\]$/, "$1") });
  }
  return out;
}

/** The "expected" half, after what the host lacks. */
const ipv6Expected = (lack: string) =>
  `a URL whose host answers on IPv6 (${lack}) while ferry:fargate.taskNetwork is ipv6-only: the tasks have ` +
  'no IPv4. For an API Gateway API set its IP address type to "dualstack"; or set taskNetwork: public-ipv4';

/** Every URL host in `ferry:app.env` answers on IPv6, when the tasks are IPv6-only. */
export async function checkIpv6Reachability(
  cfg: Pick<FerryConfig, "app" | "fargate">,
  resolve6: Resolve6 = (host) => dns.resolve6(host),
): Promise<PreflightResult> {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  if (cfg.fargate?.taskNetwork !== "ipv6-only") return { problems, warnings };
  // Only the host is shown ("got <host>"): a URL's path or query may carry a token.
  for (const { name, host } of urlHosts(cfg.app.env)) {
    const key = `ferry:app.env.${name}`;
    if (isIP(host) === 6) continue;
    if (isIP(host) === 4) {
      problems.push({ key, value: host, expected: ipv6Expected("this is an IPv4 address") });
      continue;
    }
    try {
      await resolve6(host);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENODATA")
        problems.push({ key, value: host, expected: ipv6Expected("this host has no AAAA record") });
      else
        warnings.push(
          `${key}: could not look up an IPv6 address of ${host} (${code ?? "no answer"}); IPv6-only tasks reach it only if it has one`,
        );
    }
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
export function needsPreflight(cfg: FerryConfig): boolean {
  return cfg.fargate?.taskNetwork === "ipv6-only";
}
