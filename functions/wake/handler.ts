// Wake page for a normally-stopped EC2 demo, served by a Lambda function URL (auth NONE).
// Ships as ONE transpiled file on the Node.js 22 runtime, which provides the AWS SDK v3: import only the
// EC2/SSM clients, node:* modules and types from aws-lambda, never other project files.
import { createHash, timingSafeEqual } from "node:crypto";
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  StartInstancesCommand,
  type DescribeInstancesCommandOutput,
  type Instance,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient, type GetParameterCommandOutput } from "@aws-sdk/client-ssm";
import type { LambdaFunctionURLEvent } from "aws-lambda";

/** Written by the instance's start script: `<stage> <UTC ISO time>`. */
export const STATUS_TAG = "ferry:status";
/** Written by this function: `<YYYY-MM-DD> <count>` (UTC day). */
export const WAKE_STARTS_TAG = "ferry:wake-starts";
/** Written by this function after repeated wrong passcodes: `<until UTC ISO time> <level>`. */
export const WAKE_LOCKOUT_TAG = "ferry:wake-lockout";
/** Shortest passcode accepted; the config refuses shorter ones too (config/demo.ts MIN_PASSCODE_LENGTH). */
export const MIN_PASSCODE_LENGTH = 8;
/**
 * How long a described instance state is reused. A flood of GETs then costs at most one DescribeInstances per
 * this interval per execution environment, and the reserved concurrency caps the environments.
 */
export const STATE_CACHE_MS = 5_000;
/** Wrong passcodes (from any address) in one environment within LOCKOUT_WINDOW_MS before starts lock. */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
/** The first lockout lasts this long; each one within a day of the previous doubles it, up to a day. */
export const LOCKOUT_BASE_MS = 15 * 60_000;
export const LOCKOUT_MAX_MS = 24 * 60 * 60_000;
/** The answer to a wrong passcode is held back 0.5 s, 1 s, 2 s … (per address, up to 8 s). */
export const FAIL_DELAY_BASE_MS = 500;
export const FAIL_DELAY_MAX_MS = 8_000;
export const DNS_PLACEHOLDER = "{publicDnsName}";

/** A status older than this before LaunchTime belongs to an earlier boot (tag writes and clocks lag a bit). */
const STATUS_CLOCK_SLACK_MS = 10_000;
const PASSCODE_CACHE_MS = 5 * 60_000;
/** The progress page stops refreshing itself this long after the start (a normal boot takes 2–5 minutes). */
const PROGRESS_REFRESH_LIMIT_S = 20 * 60;

export interface WakeSettings {
  instanceId: string;
  demoUrl: string;
  dailyStartLimit: number;
  /** SSM SecureString parameter holding the passcode; undefined = anyone may start the demo. */
  passcodeParameter?: string;
  appName: string;
  idleStopMinutes?: number;
}

/** The only part of an SDK client the handler uses, so tests can pass stand-ins. */
export interface AwsClient {
  send(command: object): Promise<unknown>;
}

export interface WakeDeps {
  ec2: AwsClient;
  ssm: AwsClient;
  settings: WakeSettings;
  now?: () => Date;
  /** Waits `ms` (the delay after a wrong passcode); tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
  /** One line per start, wrong passcode and lockout (CloudWatch Logs); tests pass a recorder. */
  log?: (line: string) => void;
}

/** Always a structured result (a valid LambdaFunctionURLResult), so callers can read status and headers. */
export interface WakeResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type WakeHandler = (event: LambdaFunctionURLEvent) => Promise<WakeResponse>;

export interface FerryStatus {
  stage: string;
  at: Date;
}

// ---------------------------------------------------------------------------------------------- settings

function requiredSetting(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function positiveInteger(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return Number(value);
}

function checkDemoUrl(value: string): string {
  // The placeholder is not a valid host, so check the URL as it will look once substituted.
  const probe = value.replaceAll(DNS_PLACEHOLDER, "ec2-192-0-2-1.compute-1.amazonaws.com");
  let protocol = "";
  try {
    protocol = new URL(probe).protocol;
  } catch {
    // Reported below with the variable name.
  }
  if (protocol !== "https:" && protocol !== "http:") throw new Error("DEMO_URL must be an http(s) URL");
  return value;
}

/** Parses and checks the environment; throws an Error naming the offending variable. */
export function readSettings(env: NodeJS.ProcessEnv): WakeSettings {
  const instanceId = requiredSetting(env, "INSTANCE_ID");
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId))
    throw new Error("INSTANCE_ID must look like i-0123456789abcdef0");
  const idle = env.IDLE_STOP_MINUTES?.trim();
  const passcodeParameter = env.PASSCODE_PARAMETER?.trim();
  return {
    instanceId,
    demoUrl: checkDemoUrl(requiredSetting(env, "DEMO_URL")),
    dailyStartLimit: positiveInteger("DAILY_START_LIMIT", requiredSetting(env, "DAILY_START_LIMIT")),
    passcodeParameter: passcodeParameter || undefined,
    appName: requiredSetting(env, "APP_NAME"),
    idleStopMinutes: idle ? positiveInteger("IDLE_STOP_MINUTES", idle) : undefined,
  };
}

// ------------------------------------------------------------------------------------------ pure helpers

/** `pulling 2026-11-22T10:00:05Z` → stage and time; anything else → undefined. */
export function parseStatus(value: string | undefined): FerryStatus | undefined {
  const stage = "(starting|pulling|health|dns|tls|ready|stopped|failed:[\\w.-]+)";
  const time = "(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z)";
  const match = new RegExp(`^${stage} ${time}$`).exec(value?.trim() ?? "");
  if (!match?.[1] || !match[2]) return undefined;
  const at = new Date(match[2]);
  return Number.isNaN(at.getTime()) ? undefined : { stage: match[1], at };
}

/** The status reported during the instance's current boot, ignoring leftovers from earlier boots. */
export function currentStatus(instance: Instance): FerryStatus | undefined {
  const status = parseStatus(tagValue(instance, STATUS_TAG));
  const launched = instance.LaunchTime?.getTime();
  if (!status || launched === undefined) return undefined;
  return status.at.getTime() >= launched - STATUS_CLOCK_SLACK_MS ? status : undefined;
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Starts already recorded for `today`; a count from another day (or an unreadable tag) counts as 0. */
export function startsToday(tag: string | undefined, today: string): number {
  const match = /^(\d{4}-\d\d-\d\d) (\d+)$/.exec(tag?.trim() ?? "");
  return match?.[1] === today ? Number(match[2]) : 0;
}

export function demoUrlFor(settings: WakeSettings, instance: Instance): string | undefined {
  if (!settings.demoUrl.includes(DNS_PLACEHOLDER)) return settings.demoUrl;
  const dns = instance.PublicDnsName;
  return dns ? settings.demoUrl.replaceAll(DNS_PLACEHOLDER, dns) : undefined;
}

/** `<until ISO> <level>` → the lockout's end and level; anything else → undefined. */
export function parseLockout(value: string | undefined): { until: Date; level: number } | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (\d+)$/.exec(value?.trim() ?? "");
  if (!match?.[1] || !match[2]) return undefined;
  const until = new Date(match[1]);
  return Number.isNaN(until.getTime()) ? undefined : { until, level: Number(match[2]) };
}

/** Lockout length for a level: LOCKOUT_BASE_MS doubled per level above 1, at most LOCKOUT_MAX_MS. */
export function lockoutMs(level: number): number {
  return Math.min(LOCKOUT_BASE_MS * 2 ** Math.max(0, level - 1), LOCKOUT_MAX_MS);
}

/** Delay before answering the n-th wrong passcode from one address (n ≥ 1). */
export function failDelayMs(n: number): number {
  return Math.min(FAIL_DELAY_BASE_MS * 2 ** Math.max(0, n - 1), FAIL_DELAY_MAX_MS);
}

/** Compares digests so neither the length nor the content of the passcode leaks through timing. */
export function passcodeMatches(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text.trim(), "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function tagValue(instance: Instance | undefined, key: string): string | undefined {
  return instance?.Tags?.find((tag) => tag.Key === key)?.Value;
}

const STAGE_TEXT: Record<string, string> = {
  starting: "Starting the app service",
  pulling: "Pulling the app image",
  health: "Waiting for the app's health check",
  dns: "Pointing the address at the new server",
  tls: "Loading the HTTPS certificate",
  ready: "Opening the demo",
};

export function stageText(status: FerryStatus | undefined): string {
  return (status && STAGE_TEXT[status.stage]) ?? "Booting the server";
}

// ----------------------------------------------------------------------------------------------- pages

const SECURITY_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const STYLE =
  "body{font:17px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}.stage{font-weight:600}code{background:#eee;padding:0 .2rem}" +
  "input,button{font:inherit;padding:.5rem .8rem;margin:.3rem 0}button{cursor:pointer}.error{color:#b00020}";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `html` is trusted markup: every dynamic value in it must already be escaped. */
interface Page {
  status: number;
  heading: string;
  html: string;
  refreshSeconds?: number;
  /** Where the refresh goes (default: this page again). */
  refreshTo?: string;
  headers?: Record<string, string>;
}

function render(appName: string, page: Page): WakeResponse {
  const target = page.refreshTo ? `; url=${escapeHtml(page.refreshTo)}` : "";
  const refresh =
    page.refreshSeconds !== undefined
      ? `<meta http-equiv="refresh" content="${page.refreshSeconds}${target}">`
      : "";
  const title = escapeHtml(`${page.heading} · ${appName}`);
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}` +
    `<title>${title}</title><style>${STYLE}</style></head>` +
    `<body><h1>${escapeHtml(page.heading)}</h1>${page.html}</body></html>\n`;
  return { statusCode: page.status, headers: { ...SECURITY_HEADERS, ...page.headers }, body };
}

function para(text: string, cls?: string): string {
  return `<p${cls ? ` class="${cls}"` : ""}>${escapeHtml(text)}</p>`;
}

function redirect(location: string): Page {
  const link = `<p><a href="${escapeHtml(location)}">Continue</a></p>`;
  return { status: 303, heading: "Redirecting", html: link, headers: { location } };
}

function startForm(withPasscode: boolean): string {
  const passcode = withPasscode
    ? `<p><label>Passcode<br><input type="password" name="passcode" autocomplete="off" required></label></p>`
    : "";
  return (
    `<form method="post" action="/"><input type="hidden" name="action" value="start">` +
    `${passcode}<button type="submit">Start the demo</button></form>`
  );
}

/**
 * Visitors are anonymous: the page names the error, and its message (which may carry the account id and role
 * ARN, as AccessDenied messages do) goes to the function's log only.
 */
function awsErrorPage(error: unknown): Page {
  const { name } = describeError(error);
  return {
    status: 502,
    heading: "AWS error",
    html: para(
      `The wake page could not reach AWS (${name}). Try again in a minute; the details are in the function's ` +
        "CloudWatch log for the owner.",
    ),
  };
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: "Error", message: String(error) };
}

function settingsErrorResponse(error: unknown): WakeResponse {
  const { message } = describeError(error);
  return render("Wake page", {
    status: 500,
    heading: "The wake page is misconfigured",
    html: para(`Setting error: ${message}`),
  });
}

// ------------------------------------------------------------------------------------------------ handler

/** Marks a failure of an AWS call, so it is reported as such and not as a bug in this page. */
class AwsCallError extends Error {
  constructor(readonly original: unknown) {
    super(describeError(original).message);
  }
}

async function aws<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AwsCallError(error);
  }
}

function readForm(event: LambdaFunctionURLEvent): URLSearchParams {
  const raw = event.body ?? "";
  return new URLSearchParams(event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw);
}

export function createHandler(deps: WakeDeps): WakeHandler {
  const { ec2, ssm, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = deps.log ?? ((line: string) => console.log(line));
  const idleNote = settings.idleStopMinutes
    ? para(`Once running, the demo stops itself after ${settings.idleStopMinutes} idle minutes.`)
    : "";
  let passcodeCache: { value: string; fetchedAt: number } | undefined;
  // Per execution environment (Lambda runs one request at a time in each): the last described state, and the
  // wrong passcodes seen. Concurrent callers of one environment share a describe already in flight.
  let stateCache: { at: number; instance: Promise<Instance | undefined> } | undefined;
  const failuresByAddress = new Map<string, { count: number; last: number }>();
  let recentFailures: number[] = [];
  let lockedUntil = 0;

  async function describeNow(): Promise<Instance | undefined> {
    try {
      const command = new DescribeInstancesCommand({ InstanceIds: [settings.instanceId] });
      const output = (await ec2.send(command)) as DescribeInstancesCommandOutput;
      return output.Reservations?.[0]?.Instances?.[0];
    } catch (error) {
      if (error instanceof Error && error.name === "InvalidInstanceID.NotFound") return undefined;
      throw new AwsCallError(error);
    }
  }

  /**
   * undefined = the instance does not exist (any more). A state described less than `maxAgeMs` ago is reused,
   * so a burst of requests makes one DescribeInstances call per STATE_CACHE_MS, not one each.
   */
  async function describeInstance(maxAgeMs = STATE_CACHE_MS): Promise<Instance | undefined> {
    const time = now().getTime();
    if (!stateCache || time - stateCache.at >= maxAgeMs) {
      const instance = describeNow();
      stateCache = { at: time, instance };
      // A failed describe is not cached: the next request asks again.
      instance.catch(() => {
        if (stateCache?.instance === instance) stateCache = undefined;
      });
    }
    return stateCache.instance;
  }

  /** The lockout in force (in this environment or, via the tag, in any), as its end time; 0 = none. */
  function lockoutEnd(instance: Instance | undefined): number {
    const tagged = parseLockout(tagValue(instance, WAKE_LOCKOUT_TAG))?.until.getTime() ?? 0;
    return Math.max(lockedUntil, tagged);
  }

  /** Records a wrong passcode; returns the delay to hold the answer back, and locks starts at the threshold. */
  async function wrongPasscode(address: string, instance: Instance | undefined): Promise<number> {
    const time = now().getTime();
    const mine = failuresByAddress.get(address);
    const count = mine && time - mine.last < LOCKOUT_WINDOW_MS ? mine.count + 1 : 1;
    failuresByAddress.set(address, { count, last: time });
    // Bounded memory under a flood from many addresses: forget the oldest entries.
    if (failuresByAddress.size > 1000) failuresByAddress.delete(failuresByAddress.keys().next().value!);
    recentFailures = [...recentFailures.filter((t) => time - t < LOCKOUT_WINDOW_MS), time];
    log(
      `wake: wrong passcode from ${address} (${count} from this address, ${recentFailures.length} here in 15 min)`,
    );
    if (recentFailures.length >= LOCKOUT_THRESHOLD) {
      const previous = parseLockout(tagValue(instance, WAKE_LOCKOUT_TAG));
      const escalate = previous && time - previous.until.getTime() < LOCKOUT_MAX_MS;
      const level = escalate ? previous.level + 1 : 1;
      lockedUntil = time + lockoutMs(level);
      recentFailures = [];
      const until = new Date(lockedUntil).toISOString();
      log(`wake: starts locked until ${until} (level ${level}) after ${LOCKOUT_THRESHOLD} wrong passcodes`);
      // Shared with every other environment through the instance; the local lock holds even if this fails.
      const lockTags = [{ Key: WAKE_LOCKOUT_TAG, Value: `${until} ${level}` }];
      try {
        await ec2.send(new CreateTagsCommand({ Resources: [settings.instanceId], Tags: lockTags }));
        stateCache = undefined;
      } catch (error) {
        console.error("wake: the lockout tag was not written", error);
      }
    }
    return failDelayMs(count);
  }

  function lockedPage(end: number): Page {
    const at = new Date(end).toISOString().slice(11, 16);
    return {
      status: 429,
      heading: "Too many wrong passcodes",
      html: para(`Starting is locked after repeated wrong passcodes. Try again after ${at} UTC.`),
      headers: { "retry-after": String(Math.max(1, Math.ceil((end - now().getTime()) / 1000))) },
    };
  }

  async function configuredPasscode(name: string): Promise<string> {
    const time = now().getTime();
    if (passcodeCache && time - passcodeCache.fetchedAt < PASSCODE_CACHE_MS) return passcodeCache.value;
    const command = new GetParameterCommand({ Name: name, WithDecryption: true });
    const output = (await aws(() => ssm.send(command))) as GetParameterCommandOutput;
    const value = output.Parameter?.Value;
    if (!value) throw new AwsCallError(new Error(`SSM parameter ${name} has no value`));
    passcodeCache = { value, fetchedAt: time };
    return value;
  }

  function stoppedPage(instance: Instance): Page {
    const limit = settings.dailyStartLimit;
    const left = Math.max(0, limit - startsToday(tagValue(instance, WAKE_STARTS_TAG), utcDay(now())));
    const action =
      left > 0
        ? startForm(Boolean(settings.passcodeParameter)) +
          para(`${left} of ${limit} starts left today (UTC).`)
        : para(`The daily limit of ${limit} starts is reached; it resets at 00:00 UTC.`);
    const intro = para("Start it and this page opens the demo once it is ready (a few minutes).");
    return { status: 200, heading: "The demo is stopped", html: intro + action + idleNote };
  }

  function progressPage(instance: Instance, status: FerryStatus | undefined): Page {
    const launched = instance.LaunchTime?.getTime();
    const seconds = launched === undefined ? 0 : Math.max(0, Math.round((now().getTime() - launched) / 1000));
    const elapsed = launched === undefined ? "" : para(`Started ${seconds} seconds ago.`);
    // A boot that never reports "ready" must not keep an open tab calling AWS every 5 s for ever.
    if (seconds > PROGRESS_REFRESH_LIMIT_S) {
      const html =
        para(stageText(status), "stage") +
        elapsed +
        para(
          "This is taking much longer than a normal start. Reload the page to check again; the owner can read the logs on the server with journalctl -u ferry-app.",
        );
      return { status: 200, heading: "The demo is still starting", html };
    }
    const html =
      para(stageText(status), "stage") +
      elapsed +
      para("This page refreshes itself and opens the demo once it is ready.") +
      idleNote;
    return { status: 200, heading: "The demo is starting", html, refreshSeconds: 5 };
  }

  const shuttingDown: Page = {
    status: 200,
    heading: "The demo is shutting down",
    html: para("The demo is shutting down; you can start it again once it has stopped."),
    refreshSeconds: 10,
  };
  const gone: Page = { status: 410, heading: "Gone", html: para("This demo no longer exists.") };

  function runningPage(instance: Instance): Page {
    const status = currentStatus(instance);
    if (status?.stage === "stopped") return shuttingDown; // the idle stop has begun
    if (status?.stage.startsWith("failed:")) {
      const step = status.stage.slice("failed:".length);
      const html =
        para(`The demo started but the step "${step}" failed.`) +
        `<p>The owner can read the logs on the server with <code>journalctl -u ferry-app</code>.</p>`;
      return { status: 502, heading: "The demo failed to start", html };
    }
    if (status?.stage !== "ready") return progressPage(instance, status);
    const url = demoUrlFor(settings, instance);
    if (url) return redirect(url);
    return {
      status: 502,
      heading: "No address",
      html: para("The demo is running but has no public DNS name."),
    };
  }

  async function get(): Promise<Page> {
    const instance = await describeInstance();
    switch (instance?.State?.Name) {
      case "stopped":
        return stoppedPage(instance);
      case "pending":
        return progressPage(instance, currentStatus(instance));
      case "running":
        return runningPage(instance);
      case "stopping":
      case "shutting-down":
        return shuttingDown;
      default:
        return gone;
    }
  }

  async function post(event: LambdaFunctionURLEvent): Promise<Page> {
    const form = readForm(event);
    if (form.get("action") !== "start") {
      return { status: 400, heading: "Bad request", html: para("Unknown action.") };
    }
    const address = event.requestContext?.http?.sourceIp || "unknown";
    const cacheBefore = stateCache;
    const parameter = settings.passcodeParameter;
    let instance: Instance | undefined;
    if (parameter) {
      // Checked before the passcode: while locked, not even the right one starts the demo.
      if (lockedUntil > now().getTime()) return lockedPage(lockedUntil);
      instance = await describeInstance();
      const end = lockoutEnd(instance);
      if (end > now().getTime()) return lockedPage(end);
      const expected = await configuredPasscode(parameter);
      if (expected.trim().length < MIN_PASSCODE_LENGTH) {
        console.error(
          `wake: the passcode in ${parameter} is shorter than ${MIN_PASSCODE_LENGTH} characters; starts are refused until it is longer`,
        );
        return {
          status: 503,
          heading: "Starting is disabled",
          html: para("The wake page's passcode is too short to be safe; the owner must set a longer one."),
        };
      }
      const given = form.get("passcode") ?? "";
      if (!given.trim() || !passcodeMatches(given, expected)) {
        await sleep(await wrongPasscode(address, instance));
        const html = para("Wrong passcode.", "error") + startForm(true);
        return { status: 403, heading: "Wrong passcode", html };
      }
    }
    instance = await describeInstance();
    const state = instance?.State?.Name;
    if (!instance || state === "terminated") return gone;
    if (state === "stopping" || state === "shutting-down") {
      return {
        status: 409,
        heading: "Still stopping",
        html: para("The demo is still shutting down; try again in a minute."),
      };
    }
    // Not a 303: after a form POST, browsers hold every redirect of the chain to the page's form-action
    // (CSP 'self'), so "/" redirecting on to a running demo would be blocked. A refresh is a new navigation.
    if (state !== "stopped")
      return {
        status: 200,
        heading: "The demo is already up",
        html: `<p><a href="/">Continue</a></p>`,
        refreshSeconds: 0,
        refreshTo: "/",
      };
    // About to start: the state must be current, not a few seconds old (another environment may have started
    // it and counted the start in the meantime).
    const describedNow = stateCache !== undefined && stateCache !== cacheBefore;
    const current = describedNow ? instance : await describeInstance(0);
    if (current?.State?.Name !== "stopped") return redirect("/");
    return startWithinLimit(current, address);
  }

  async function startWithinLimit(instance: Instance, address: string): Promise<Page> {
    const today = utcDay(now());
    const used = startsToday(tagValue(instance, WAKE_STARTS_TAG), today);
    const limit = settings.dailyStartLimit;
    if (used >= limit) {
      const text = `The daily limit of ${limit} starts is reached; it resets at 00:00 UTC.`;
      return { status: 429, heading: "Daily limit reached", html: para(text) };
    }
    // Record first: if the tag write fails nothing starts, so a broken write can never mean unlimited starts.
    const tags = [{ Key: WAKE_STARTS_TAG, Value: `${today} ${used + 1}` }];
    stateCache = undefined;
    await aws(() => ec2.send(new CreateTagsCommand({ Resources: [settings.instanceId], Tags: tags })));
    await aws(() => ec2.send(new StartInstancesCommand({ InstanceIds: [settings.instanceId] })));
    log(
      `wake: start of ${settings.instanceId} requested by ${address} (start ${used + 1} of ${limit} today)`,
    );
    return redirect("/");
  }

  async function respond(event: LambdaFunctionURLEvent, method: string): Promise<Page> {
    try {
      return method === "POST" ? await post(event) : await get();
    } catch (error) {
      if (error instanceof AwsCallError) {
        console.error("wake: AWS call failed", error.original);
        return awsErrorPage(error.original);
      }
      // A bug here still gets a readable page instead of the bare "Internal Server Error" of Lambda.
      console.error("wake: unexpected error", error);
      const { name, message } = describeError(error);
      return {
        status: 500,
        heading: "Wake page error",
        html: para(`The wake page failed (${name}): ${message}`),
      };
    }
  }

  return async (event) => {
    const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
    const path = event.rawPath || "/";
    if (path !== "/") {
      return render(settings.appName, { status: 404, heading: "Not found", html: para("Nothing here.") });
    }
    if (method !== "GET" && method !== "HEAD" && method !== "POST") {
      const page = {
        status: 405,
        heading: "Method not allowed",
        html: para("Use GET or POST."),
        headers: { allow: "GET, HEAD, POST" },
      };
      return render(settings.appName, page);
    }
    const response = render(settings.appName, await respond(event, method));
    return method === "HEAD" ? { ...response, body: "" } : response;
  };
}

let realHandler: WakeHandler | undefined;

/** The Lambda entry point (`index.handler`): clients and settings are built once per cold start. */
export const handler: WakeHandler = async (event) => {
  if (!realHandler) {
    let settings: WakeSettings;
    try {
      settings = readSettings(process.env);
    } catch (error) {
      console.error("wake: invalid settings", error);
      return settingsErrorResponse(error);
    }
    realHandler = createHandler({ ec2: new EC2Client({}), ssm: new SSMClient({}), settings });
  }
  return realHandler(event);
};
