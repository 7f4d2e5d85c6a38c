// The wake page Lambda (functions/wake/handler.ts) against stand-in EC2/SSM clients that record every command.
import * as assert from "node:assert/strict";
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  StartInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { LambdaFunctionURLEvent } from "aws-lambda";
import {
  createHandler,
  handler,
  readSettings,
  startsToday,
  parseStatus,
  STATUS_TAG,
  WAKE_LOCKOUT_TAG,
  WAKE_STARTS_TAG,
  LOCKOUT_THRESHOLD,
  MIN_PASSCODE_LENGTH,
  STATE_CACHE_MS,
  type WakeResponse,
  type WakeSettings,
} from "../functions/wake/handler";
import { StandIn } from "./support/sdkStandIn";

const INSTANCE_ID = "i-0123456789abcdef0";
const NOW = new Date("2026-11-22T10:01:00Z");
const LAUNCH = new Date("2026-11-22T10:00:00Z");
const TODAY = "2026-11-22";
const PASSCODE = "open-sesame-7";
const PASSCODE_PARAM = "/ferry/demo/wake-passcode";

const SETTINGS: WakeSettings = {
  instanceId: INSTANCE_ID,
  demoUrl: "https://demo.example.com/",
  dailyStartLimit: 3,
  appName: "RAGstream",
};

/** An SDK command class, e.g. StartInstancesCommand, to make the stand-in fail on. */
type CommandClass = abstract new (...args: never[]) => object;
interface Failure {
  command: CommandClass;
  error: Error;
}

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function tags(values: Record<string, string>) {
  return Object.entries(values).map(([Key, Value]) => ({ Key, Value }));
}

function instance(
  state: string,
  tagValues: Record<string, string> = {},
  extra: Partial<Instance> = {},
): Instance {
  return {
    InstanceId: INSTANCE_ID,
    State: { Name: state } as Instance["State"],
    LaunchTime: LAUNCH,
    Tags: tags(tagValues),
    ...extra,
  };
}

/** EC2 stand-in describing `current` (undefined = empty Reservations); `fail` throws for one command class. */
function ec2For(current: Instance | undefined, fail?: Failure): StandIn {
  return new StandIn((command) => {
    if (fail && command instanceof fail.command) throw fail.error;
    if (command instanceof DescribeInstancesCommand) {
      assert.deepEqual(command.input, { InstanceIds: [INSTANCE_ID] });
      return { Reservations: current ? [{ Instances: [current] }] : [] };
    }
    return {};
  });
}

function ssmWithPasscode(value = PASSCODE): StandIn {
  return new StandIn((command) => {
    assert.ok(command instanceof GetParameterCommand, "only GetParameter expected on SSM");
    return { Parameter: { Name: PASSCODE_PARAM, Value: value } };
  });
}

function request(method: string, path = "/", body?: string, isBase64Encoded = false): LambdaFunctionURLEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: body ? { "content-type": "application/x-www-form-urlencoded" } : {},
    requestContext: {
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.7", userAgent: "test" },
    },
    body,
    isBase64Encoded,
  } as unknown as LambdaFunctionURLEvent;
}

const get = (path = "/") => request("GET", path);
const postStart = (passcode?: string) =>
  request(
    "POST",
    "/",
    new URLSearchParams({ action: "start", ...(passcode ? { passcode } : {}) }).toString(),
  );

function setup(
  current: Instance | undefined,
  options: {
    settings?: Partial<WakeSettings>;
    fail?: Failure;
    now?: () => Date;
    passcode?: string;
  } = {},
) {
  const ec2 = ec2For(current, options.fail);
  const ssm = ssmWithPasscode(options.passcode);
  const sleeps: number[] = [];
  const logs: string[] = [];
  const wake = createHandler({
    ec2,
    ssm,
    settings: { ...SETTINGS, ...options.settings },
    now: options.now ?? (() => NOW),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    log: (line) => void logs.push(line),
  });
  return { ec2, ssm, wake, sleeps, logs };
}

/** Runs `body` with console.error replaced by a recorder, always restoring it. */
async function withConsoleError<T>(body: () => Promise<T>): Promise<{ result: T; logged: unknown[][] }> {
  const original = console.error;
  const logged: unknown[][] = [];
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    return { result: await body(), logged };
  } finally {
    console.error = original;
  }
}

/** A 502 that names the error but keeps its message (account ids, role ARNs) for the log. */
function assertReadableAwsError(response: WakeResponse, name: string, message: string) {
  assert.equal(response.statusCode, 502);
  assert.match(response.body, new RegExp(`could not reach AWS \\(${name.replace(/\./g, "\\.")}\\)\\.`));
  assert.match(response.body, /the details are in the function&#39;s CloudWatch log/);
  assert.ok(!response.body.includes(message), "the AWS message stays in the log");
  assert.doesNotMatch(response.body, /^\s+at /m, "no stack trace in the page");
  assert.ok(!response.body.includes("    at "), "no stack frames in the page");
}

describe("wake page (functions/wake/handler.ts)", () => {
  it("stopped: GET shows the start form and starts left; POST tags the start, then starts once, 303 to /", async () => {
    const { ec2, wake } = setup(instance("stopped", { [WAKE_STARTS_TAG]: `${TODAY} 1` }));
    const page = await wake(get());
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /The demo is stopped/);
    assert.match(page.body, /<form method="post" action="\/">/);
    assert.match(page.body, /name="action" value="start"/);
    assert.doesNotMatch(page.body, /name="passcode"/, "no passcode field without a passcode");
    assert.match(page.body, /2 of 3 starts left today \(UTC\)/);
    assert.doesNotMatch(page.body, /http-equiv="refresh"/);

    const fresh = setup(instance("stopped"));
    const started = await fresh.wake(postStart());
    assert.equal(started.statusCode, 303);
    assert.equal(started.headers.location, "/");
    assert.deepEqual(fresh.ec2.names(), [
      "DescribeInstancesCommand",
      "CreateTagsCommand",
      "StartInstancesCommand",
    ]);
    assert.deepEqual(fresh.ec2.calls[1]?.input, {
      Resources: [INSTANCE_ID],
      Tags: [{ Key: WAKE_STARTS_TAG, Value: `${TODAY} 1` }],
    });
    assert.deepEqual(fresh.ec2.calls[2]?.input, { InstanceIds: [INSTANCE_ID] });
    assert.deepEqual(ec2.names(), ["DescribeInstancesCommand"], "GET never starts");
  });

  it("pending with a current `pulling` status: progress page with the stage, elapsed time and auto-refresh", async () => {
    const { ec2, wake } = setup(instance("pending", { [STATUS_TAG]: "pulling 2026-11-22T10:00:30Z" }));
    const page = await wake(get());
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Pulling the app image/);
    assert.match(page.body, /<meta http-equiv="refresh" content="5">/);
    assert.match(page.body, /Started 60 seconds ago/);
    assert.deepEqual(ec2.names(), ["DescribeInstancesCommand"]);

    const noStatus = await setup(instance("pending")).wake(get());
    assert.match(noStatus.body, /Booting the server/);

    // 21 minutes in and still no "ready": the page stops calling itself (an open tab is not a poller).
    const stuck = setup(instance("pending"), { now: () => new Date(LAUNCH.getTime() + 21 * 60_000) });
    const late = await stuck.wake(get());
    assert.equal(late.statusCode, 200);
    assert.doesNotMatch(late.body, /http-equiv="refresh"/);
    assert.match(late.body, /much longer than a normal start/);
  });

  it("running + current `ready`: 303 to DEMO_URL, with {publicDnsName} substituted", async () => {
    const ready = { [STATUS_TAG]: "ready 2026-11-22T10:00:50Z" };
    const plain = await setup(instance("running", ready)).wake(get());
    assert.equal(plain.statusCode, 303);
    assert.equal(plain.headers.location, "https://demo.example.com/");

    const dns = "ec2-3-120-45-67.eu-central-1.compute.amazonaws.com";
    const templated = await setup(instance("running", ready, { PublicDnsName: dns }), {
      settings: { demoUrl: "http://{publicDnsName}:8501/app" },
    }).wake(get());
    assert.equal(templated.statusCode, 303);
    assert.equal(templated.headers.location, `http://${dns}:8501/app`);
  });

  it("running + a `ready` status older than LaunchTime (previous boot): progress, not redirect", async () => {
    const stale = { [STATUS_TAG]: "ready 2026-11-21T18:00:00Z" };
    const page = await setup(instance("running", stale)).wake(get());
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers.location, undefined);
    assert.match(page.body, /Booting the server/);
    assert.match(page.body, /http-equiv="refresh" content="5"/);

    // Within the 10 s clock slack it still counts for the current boot.
    const justBefore = { [STATUS_TAG]: "ready 2026-11-22T09:59:55Z" };
    assert.equal((await setup(instance("running", justBefore)).wake(get())).statusCode, 303);
  });

  it("daily limit reached: GET has no form, POST is 429 without tag write or start; yesterday's count is 0", async () => {
    const full = instance("stopped", { [WAKE_STARTS_TAG]: `${TODAY} 3` });
    const shown = await setup(full).wake(get());
    assert.doesNotMatch(shown.body, /<form/);
    assert.match(shown.body, /daily limit of 3 starts is reached; it resets at 00:00 UTC/);

    const { ec2, wake } = setup(full);
    const refused = await wake(postStart());
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /The daily limit of 3 starts is reached; it resets at 00:00 UTC/);
    assert.deepEqual(ec2.names(), ["DescribeInstancesCommand"]);

    const yesterday = setup(instance("stopped", { [WAKE_STARTS_TAG]: "2026-11-21 3" }));
    assert.match((await yesterday.wake(get())).body, /3 of 3 starts left today/);
    assert.equal((await yesterday.wake(postStart())).statusCode, 303);
    assert.equal(
      yesterday.ec2.calls.find((c) => c.name === "CreateTagsCommand")?.input.Tags[0].Value,
      `${TODAY} 1`,
    );
    assert.equal(startsToday(`${TODAY} 2`, TODAY), 2);
    assert.equal(startsToday("2026-11-21 2", TODAY), 0);
  });

  it("passcode: wrong → 403 with the form and no start; right → starts; SSM read once per 5 minutes", async () => {
    let now = NOW;
    const { ec2, ssm, wake } = setup(instance("stopped"), {
      settings: { passcodeParameter: PASSCODE_PARAM },
      now: () => now,
    });
    const form = await wake(get());
    assert.match(form.body, /<input type="password" name="passcode"/);

    const wrong = await wake(postStart("guess"));
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.body, /Wrong passcode/);
    assert.match(wrong.body, /name="passcode"/);
    assert.doesNotMatch(wrong.body, /guess|open-sesame/, "never echo a passcode");
    assert.equal((await wake(postStart())).statusCode, 403, "a missing passcode is wrong too");
    assert.ok(!ec2.names().includes("StartInstancesCommand"));

    const right = await wake(postStart(PASSCODE));
    assert.equal(right.statusCode, 303);
    assert.equal(ec2.names().filter((n) => n === "StartInstancesCommand").length, 1);
    assert.deepEqual(ssm.calls, [
      { name: "GetParameterCommand", input: { Name: PASSCODE_PARAM, WithDecryption: true } },
    ]);

    now = new Date(NOW.getTime() + 5 * 60_000 + 1000);
    await wake(postStart("guess"));
    assert.equal(ssm.calls.length, 2, "the cached passcode expires after 5 minutes");
  });

  it("missing credentials: readable 502 naming the error, no stack trace, full error logged", async () => {
    const error = awsError("CredentialsProviderError", "Could not load credentials from any providers");
    const { result, logged } = await withConsoleError(() =>
      setup(instance("stopped"), { fail: { command: DescribeInstancesCommand, error } }).wake(get()),
    );
    assertReadableAwsError(
      result,
      "CredentialsProviderError",
      "Could not load credentials from any providers",
    );
    assert.equal(result.headers["content-type"], "text/html; charset=utf-8");
    assert.ok(
      logged.some((args) => args.includes(error)),
      "console.error gets the original error",
    );
  });

  it("AWS error on StartInstances: readable 502 (after the start was recorded)", async () => {
    const error = awsError(
      "IncorrectInstanceState",
      "The instance 'i-0123456789abcdef0' is not in a state <x>",
    );
    const { ec2, wake } = setup(instance("stopped"), { fail: { command: StartInstancesCommand, error } });
    const { result, logged } = await withConsoleError(() => wake(postStart()));
    assertReadableAwsError(result, "IncorrectInstanceState", "i-0123456789abcdef0");
    assert.deepEqual(ec2.names(), ["DescribeInstancesCommand", "CreateTagsCommand", "StartInstancesCommand"]);
    assert.equal(logged.length, 1);

    const tagFails = setup(instance("stopped"), {
      fail: { command: CreateTagsCommand, error: awsError("UnauthorizedOperation", "not allowed") },
    });
    const refused = await withConsoleError(() => tagFails.wake(postStart()));
    assert.equal(refused.result.statusCode, 502);
    assert.ok(
      !tagFails.ec2.names().includes("StartInstancesCommand"),
      "no start when the count was not saved",
    );
  });

  it("running + current `failed:health`: 502 naming the step and the logs, no auto-refresh", async () => {
    const failed = { [STATUS_TAG]: "failed:health 2026-11-22T10:00:40Z" };
    const page = await setup(instance("running", failed)).wake(get());
    assert.equal(page.statusCode, 502);
    assert.match(page.body, /the step &#34;health&#34; failed/);
    assert.match(page.body, /journalctl -u ferry-app/);
    assert.doesNotMatch(page.body, /http-equiv="refresh"/);
    assert.deepEqual(parseStatus("failed:health 2026-11-22T10:00:40Z")?.stage, "failed:health");
    assert.equal(parseStatus("ready yesterday"), undefined);
  });

  it("terminated, empty Reservations or InvalidInstanceID.NotFound: 410", async () => {
    const notFound = awsError("InvalidInstanceID.NotFound", "The instance ID does not exist");
    const cases = [
      setup(instance("terminated")),
      setup(undefined),
      setup(instance("stopped"), { fail: { command: DescribeInstancesCommand, error: notFound } }),
    ];
    for (const { wake } of cases) {
      const page = await wake(get());
      assert.equal(page.statusCode, 410);
      assert.match(page.body, /This demo no longer exists/);
      assert.equal((await wake(postStart())).statusCode, 410);
    }
  });

  it("other paths: 404 without AWS calls; PUT: 405; stopping: shutting-down page and POST 409", async () => {
    const { ec2, ssm, wake } = setup(instance("stopped"), {
      settings: { passcodeParameter: PASSCODE_PARAM },
    });
    assert.equal((await wake(get("/favicon.ico"))).statusCode, 404);
    assert.equal((await wake(get("/admin"))).statusCode, 404);
    const put = await wake(request("PUT", "/", "action=start"));
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers.allow, "GET, HEAD, POST");
    assert.equal(ec2.calls.length + ssm.calls.length, 0);

    const stopping = setup(instance("stopping"));
    const page = await stopping.wake(get());
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /you can start it again once it has stopped/);
    assert.match(page.body, /http-equiv="refresh" content="10"/);
    assert.equal((await stopping.wake(postStart())).statusCode, 409);
    assert.ok(!stopping.ec2.names().includes("StartInstancesCommand"));

    // Already up: back to the page by a refresh, not a 303 (a redirect chain after a form POST that ends
    // on the demo's origin would break the page's form-action 'self').
    const running = setup(instance("running"));
    const already = await running.wake(postStart());
    assert.equal(already.statusCode, 200);
    assert.equal(already.headers.location, undefined);
    assert.match(already.body, /<meta http-equiv="refresh" content="0; url=\/">/);
    assert.deepEqual(running.ec2.names(), ["DescribeInstancesCommand"]);
    assert.equal((await running.wake(request("POST", "/", "action=stop"))).statusCode, 400);
  });

  it("every response carries the security headers; HEAD has no body; APP_NAME is escaped", async () => {
    const expected = {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    };
    const evil = "<script>alert(1)</script>";
    const { wake } = setup(instance("stopped"), { settings: { appName: evil } });
    const ready = setup(instance("running", { [STATUS_TAG]: "ready 2026-11-22T10:00:50Z" }));
    const broken = setup(instance("stopped"), {
      fail: { command: DescribeInstancesCommand, error: new Error("x") },
    });
    const responses = [
      await wake(get()),
      await wake(get("/favicon.ico")),
      await wake(request("DELETE")),
      await ready.wake(get()),
      (await withConsoleError(() => broken.wake(get()))).result,
    ];
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [200, 404, 405, 303, 502],
    );
    for (const response of responses) {
      for (const [name, value] of Object.entries(expected)) assert.equal(response.headers[name], value, name);
    }
    assert.doesNotMatch(responses[0]?.body ?? "", /<script>/);
    assert.match(
      responses[0]?.body ?? "",
      /<title>The demo is stopped · &#60;script&#62;alert\(1\)&#60;\/script&#62;<\/title>/,
    );

    const head = await wake(request("HEAD"));
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["cache-control"], "no-store");
  });

  it("readSettings names the bad variable; the real handler turns it into a 500 page", async () => {
    const good = {
      INSTANCE_ID,
      DEMO_URL: "https://{publicDnsName}/",
      DAILY_START_LIMIT: "5",
      APP_NAME: "RAGstream",
      PASSCODE_PARAMETER: "",
      IDLE_STOP_MINUTES: "30",
    };
    assert.deepEqual(readSettings(good), {
      instanceId: INSTANCE_ID,
      demoUrl: "https://{publicDnsName}/",
      dailyStartLimit: 5,
      passcodeParameter: undefined,
      appName: "RAGstream",
      idleStopMinutes: 30,
    });
    assert.throws(() => readSettings({ ...good, INSTANCE_ID: undefined }), /INSTANCE_ID is not set/);
    assert.throws(() => readSettings({ ...good, INSTANCE_ID: "web-1" }), /INSTANCE_ID must look like/);
    for (const limit of ["0", "-1", "2.5", "many"]) {
      assert.throws(() => readSettings({ ...good, DAILY_START_LIMIT: limit }), /DAILY_START_LIMIT/);
    }
    assert.throws(() => readSettings({ ...good, DEMO_URL: "ftp://x" }), /DEMO_URL/);
    assert.throws(() => readSettings({ ...good, APP_NAME: " " }), /APP_NAME/);

    const saved = { ...process.env };
    Object.assign(process.env, good, { DAILY_START_LIMIT: "zero" });
    try {
      const { result, logged } = await withConsoleError(() => handler(get()));
      assert.equal(result.statusCode, 500);
      assert.match(result.body, /DAILY_START_LIMIT must be a whole number/);
      assert.equal(result.headers["cache-control"], "no-store");
      assert.equal(logged.length, 1);
    } finally {
      for (const key of Object.keys(good)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("decodes a base64-encoded form body", async () => {
    const { ec2, wake } = setup(instance("stopped"), { settings: { passcodeParameter: PASSCODE_PARAM } });
    const body = Buffer.from(`action=start&passcode=${encodeURIComponent(PASSCODE)}`).toString("base64");
    const response = await wake(request("POST", "/", body, true));
    assert.equal(response.statusCode, 303);
    assert.ok(ec2.names().includes("StartInstancesCommand"));
  });

  describe("under attack (issue: flood, brute force, no logs)", () => {
    const describes = (ec2: StandIn) => ec2.names().filter((n) => n === "DescribeInstancesCommand").length;

    it("flood: a burst of GETs makes one DescribeInstances per 5 s in an environment, concurrent ones included", async () => {
      let now = NOW.getTime();
      const { ec2, wake } = setup(instance("running", { [STATUS_TAG]: "ready 2026-11-22T10:00:30Z" }), {
        now: () => new Date(now),
      });
      // 50 at once (one environment coalesces them) …
      const burst = await Promise.all(Array.from({ length: 50 }, () => wake(get())));
      assert.ok(burst.every((r) => r.statusCode === 303));
      assert.equal(describes(ec2), 1);
      // … then 20 requests a second for 20 seconds.
      for (let i = 0; i < 400; i++) {
        now += 50;
        await wake(i % 2 ? get() : request("HEAD"));
      }
      const seconds = 20 + 1;
      assert.ok(
        describes(ec2) <= Math.ceil((seconds * 1000) / STATE_CACHE_MS) + 1,
        `${describes(ec2)} describes`,
      );
      // Positive control: the state is refreshed once the cache is older than STATE_CACHE_MS.
      assert.ok(describes(ec2) >= 4, "the cache expires");
    });

    it("flood of POSTs without a passcode on a running demo: cached too, and no start", async () => {
      const { ec2, wake } = setup(instance("running"));
      for (let i = 0; i < 100; i++) await wake(postStart());
      assert.equal(describes(ec2), 1);
      assert.ok(!ec2.names().includes("StartInstancesCommand"));
    });

    it("a start re-reads the state first (never starts from a cached 'stopped') and logs the requester's address", async () => {
      let now = NOW.getTime();
      const { ec2, wake, logs } = setup(instance("stopped"), { now: () => new Date(now) });
      await wake(get());
      now += 1000;
      const started = await wake(postStart());
      assert.equal(started.statusCode, 303);
      assert.deepEqual(ec2.names(), [
        "DescribeInstancesCommand",
        "DescribeInstancesCommand",
        "CreateTagsCommand",
        "StartInstancesCommand",
      ]);
      assert.deepEqual(logs, [`wake: start of ${INSTANCE_ID} requested by 192.0.2.7 (start 1 of 3 today)`]);
    });

    it("wrong passcodes: growing delay per address, then a lockout shared through the instance tag", async () => {
      let now = NOW.getTime();
      const { ec2, wake, sleeps, logs } = setup(instance("stopped"), {
        settings: { passcodeParameter: PASSCODE_PARAM },
        now: () => new Date(now),
      });
      for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
        now += 1000;
        assert.equal((await wake(postStart(`guess-${i}-long`))).statusCode, 403);
      }
      assert.deepEqual(sleeps, [500, 1000, 2000, 4000, 8000]);
      const lock = ec2.calls.find((c) => c.name === "CreateTagsCommand")!;
      const until = new Date(now + 15 * 60_000).toISOString();
      assert.deepEqual(lock.input, {
        Resources: [INSTANCE_ID],
        Tags: [{ Key: WAKE_LOCKOUT_TAG, Value: `${until} 1` }],
      });
      assert.ok(logs.some((l) => l.startsWith("wake: wrong passcode from 192.0.2.7 ")));
      assert.ok(logs.some((l) => l.startsWith(`wake: starts locked until ${until} (level 1)`)));
      // Locked: even the right passcode is refused, without a start and without reading SSM again.
      now += 1000;
      const locked = await wake(postStart(PASSCODE));
      assert.equal(locked.statusCode, 429);
      assert.match(locked.body, /Too many wrong passcodes/);
      assert.ok(Number(locked.headers["retry-after"]) > 800);
      assert.ok(!ec2.names().includes("StartInstancesCommand"));

      // Another environment (fresh memory) sees the lockout through the tag …
      const other = setup(instance("stopped", { [WAKE_LOCKOUT_TAG]: `${until} 1` }), {
        settings: { passcodeParameter: PASSCODE_PARAM },
        now: () => new Date(now),
      });
      assert.equal((await other.wake(postStart(PASSCODE))).statusCode, 429);
      assert.ok(!other.ec2.names().includes("StartInstancesCommand"));
      // … and once it has passed, the right passcode starts the demo (positive control).
      const later = setup(instance("stopped", { [WAKE_LOCKOUT_TAG]: `${until} 1` }), {
        settings: { passcodeParameter: PASSCODE_PARAM },
        now: () => new Date(Date.parse(until) + 1000),
      });
      assert.equal((await later.wake(postStart(PASSCODE))).statusCode, 303);
    });

    it("a lockout within a day of the previous one lasts twice as long", async () => {
      const previousEnd = new Date(NOW.getTime() - 60 * 60_000).toISOString();
      let now = NOW.getTime();
      const { ec2, wake } = setup(instance("stopped", { [WAKE_LOCKOUT_TAG]: `${previousEnd} 1` }), {
        settings: { passcodeParameter: PASSCODE_PARAM },
        now: () => new Date(now),
      });
      for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
        now += 10;
        await wake(postStart("wrong-passcode"));
      }
      const lock = ec2.calls.find((c) => c.name === "CreateTagsCommand")!;
      assert.equal(lock.input.Tags[0].Value, `${new Date(now + 30 * 60_000).toISOString()} 2`);
    });

    it("a passcode parameter shorter than the minimum refuses every start (503) and says why in the log", async () => {
      const short = "1234";
      assert.ok(short.length < MIN_PASSCODE_LENGTH);
      const { ec2, wake } = setup(instance("stopped"), {
        settings: { passcodeParameter: PASSCODE_PARAM },
        passcode: short,
      });
      const { result, logged } = await withConsoleError(() => wake(postStart(short)));
      assert.equal(result.statusCode, 503);
      assert.doesNotMatch(result.body, /1234/);
      assert.ok(!ec2.names().includes("StartInstancesCommand"));
      assert.match(String(logged[0]?.[0]), /shorter than 8 characters/);
      // Positive control: a passcode of the minimum length works.
      const ok = setup(instance("stopped"), {
        settings: { passcodeParameter: PASSCODE_PARAM },
        passcode: "12345678",
      });
      assert.equal((await ok.wake(postStart("12345678"))).statusCode, 303);
    });
  });
});
