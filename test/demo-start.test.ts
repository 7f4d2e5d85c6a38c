// The instance start script (D5, D6) and the rollout script (D8), rendered by the real TypeScript functions
// and executed by bash against stand-in aws/docker/curl/systemctl/dnf/apt-get/sleep (test/instance/bin).
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderStartScript, type StartScriptValues } from "../components/ec2Demo";
import { INSTANCE_ID, inOrder, Sandbox, type RunResult, type SandboxOptions } from "./instance/sandbox";

/** The HTTPS settings the config defaults to (production CA, security headers with a one-year HSTS). */
const TLS_DEFAULTS = { acmeStaging: false, securityHeaders: { enabled: true, hstsMaxAgeSeconds: 31536000 } };

const SECRET = "sk-test-DO-NOT-LEAK-4f1c9a";
const DIGEST = `sha256:${"ab12".repeat(16)}`;
const REF = `108782059508.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web@${DIGEST}`;
const OLD_REF = `108782059508.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web@sha256:${"0".repeat(64)}`;
const IMAGE_PARAM = "/ferry/ragstream-demo/image";
const SECRET_PARAM = "/ragstream/prod/OPENAI_API_KEY";
const IP = "3.120.45.67";

const VALUES: StartScriptValues = {
  region: "eu-central-1",
  containerName: "ragstream",
  port: 8501,
  openHttp: false,
  healthPath: "/_stcore/health",
  imageParameter: IMAGE_PARAM,
  env: { APP_MODE: "demo", GREETING: `it's "quoted" $HOME & more` },
  secrets: [{ envName: "OPENAI_API_KEY", kind: "ssm", ref: SECRET_PARAM }],
  dns: { zoneId: "Z0123456789ABCDEFGHIJ", fqdn: "demo.rusbehabtahi.com" },
};

const ZONE = "Z0123456789ABCDEFGHIJ";
const FQDN = "demo.rusbehabtahi.com";
const PARK_IP = "192.0.2.1";
const PROXY_IMAGE = "public.ecr.aws/docker/library/caddy:2.10.2";
const STAGING_CA = "https://acme-staging-v02.api.letsencrypt.org/directory";
const HTTPS_VALUES: StartScriptValues = { ...VALUES, https: { ...TLS_DEFAULTS, proxyImage: PROXY_IMAGE } };

/** A sandboxed instance with the RAGstream parameters in place and a public IPv4 in IMDS. */
function instance(options: SandboxOptions = {}, values: StartScriptValues = VALUES) {
  const box = new Sandbox(options);
  box.ssmParameter(IMAGE_PARAM, REF);
  box.ssmParameter(SECRET_PARAM, SECRET, true);
  box.write("imds/public-ipv4", IP);
  const script = box.script("ferry-start", renderStartScript(values));
  return {
    box,
    start: (env: Record<string, string> = {}) => box.run(script, env),
    /** `ferry-start --stop`, as ferry-park.service runs it at shutdown. */
    stop: (env: Record<string, string> = {}) => box.run(script, env, ["--stop"]),
  };
}

function assertNoLeak(r: RunResult, box: Sandbox): void {
  assert.ok(!r.stdout.includes(SECRET), "secret value in stdout");
  assert.ok(!r.stderr.includes(SECRET), "secret value in stderr (the journal)");
  assert.ok(!r.calls.some((c) => c.includes(SECRET)), "secret value on a command line (visible in ps)");
  // The env file is gone from the run directory once the container runs (or the run fails).
  const left = fs.existsSync(box.runDir)
    ? fs.readdirSync(box.runDir).filter((f) => f.startsWith("env."))
    : [];
  assert.deepEqual(left, [], "env file left behind");
}

const sleeps = (calls: string[]) => calls.filter((c) => c.startsWith("sleep ")).map((c) => c.slice(6));
const count = (calls: string[], re: RegExp) => calls.filter((c) => re.test(c)).length;
/** The calls a run added after `before` earlier calls (the calls log spans every run in a sandbox). */
const since = (r: RunResult, before: number) => r.calls.slice(before);
const stages = (box: Sandbox) => box.statuses().map((s) => s.stage);
/** A `create-tags` call reporting `stage`. */
const reported = (stage: string) =>
  new RegExp(
    `^aws ec2 create-tags --region eu-central-1 --resources ${INSTANCE_ID} --tags \\[\\{"Key":"ferry:status","Value":"${stage} `,
  );
/** Values after each `-p` in a container's recorded `docker run` arguments. */
function published(box: Sandbox, name: string): string[] {
  const args = box.read(`containers/${name}/args`)!.split("\n");
  return args.flatMap((a, i) => (args[i - 1] === "-p" ? [a] : []));
}

/** Sandboxed instances for one describe block, removed after it; `values` defaults to `defaults`. */
function instances(defaults: StartScriptValues = VALUES) {
  const boxes: Sandbox[] = [];
  after(() => boxes.forEach((b) => b.cleanup()));
  return (options?: SandboxOptions, values: StartScriptValues = defaults) => {
    const i = instance(options, values);
    boxes.push(i.box);
    return i;
  };
}

describe("ferry-start.sh on an instance (D5, D6)", () => {
  const make = instances();

  it("happy path: network, Docker, image ref, secret, ECR login, pull, run, health, DNS — in that order", () => {
    const { box, start } = make();
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [
      /^curl .*-X PUT http:\/\/169\.254\.169\.254\/latest\/api\/token/,
      /^systemctl enable --now docker\.service$/,
      /^docker info$/,
      /^aws ssm get-parameter --region eu-central-1 --name \/ferry\/ragstream-demo\/image --query Parameter\.Value --output text$/,
      /^aws ssm get-parameter --region eu-central-1 --name \/ragstream\/prod\/OPENAI_API_KEY --with-decryption /,
      /^aws ecr get-login-password --region eu-central-1$/,
      new RegExp(`^docker pull -q ${REF.replace(/[.]/g, "\\.")}$`),
      /^docker container inspect ragstream$/,
      /^docker run -d --name ragstream --restart unless-stopped -p 8501:8501 --env-file \S+ --log-driver journald /,
      /^curl .*http:\/\/127\.0\.0\.1:8501\/_stcore\/health$/,
      /^curl .*-X PUT http:\/\/169\.254\.169\.254\/latest\/api\/token/,
      /^curl .*X-aws-ec2-metadata-token: IMDS-TOKEN http:\/\/169\.254\.169\.254\/latest\/meta-data\/public-ipv4$/,
      /^aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABCDEFGHIJ /,
      /^aws route53 get-change --id \/change\/C0123456789 /,
      /^docker image prune -af$/,
    ]);
    // `aws ecr get-login-password | docker login` run side by side: their log lines may come in either order.
    inOrder(r.calls, [
      /^docker login --username AWS --password-stdin 108782059508\.dkr\.ecr\.eu-central-1\.amazonaws\.com$/,
      /^docker pull /,
    ]);
    // Final state: one container, from the digest, with the env the app needs.
    assert.deepEqual(box.containerNames(), ["ragstream"]);
    assert.equal(box.read("containers/ragstream/image"), `${REF}\n`);
    const args = box.read("containers/ragstream/args")!.split("\n");
    assert.ok(!args.includes("80:8501"), "port 80 is published only with openHttp");
    assert.equal(box.read("containers/ragstream/envfile-mode"), "600\n", "env file mode at docker run");
    assert.equal(
      box.read("containers/ragstream/env"),
      `APP_MODE=demo\nGREETING=it's "quoted" $HOME & more\nOPENAI_API_KEY=${SECRET}\n`,
    );
    // The record: UPSERT, type A, TTL 60, this instance's public IPv4.
    const batch = JSON.parse(box.read("route53/Z0123456789ABCDEFGHIJ.json")!);
    assert.deepEqual(batch.Changes, [
      {
        Action: "UPSERT",
        ResourceRecordSet: {
          Name: "demo.rusbehabtahi.com",
          Type: "A",
          TTL: 60,
          ResourceRecords: [{ Value: IP }],
        },
      },
    ]);
    assert.deepEqual(sleeps(r.calls), [], "nothing failed, so nothing waited");
    assert.match(r.stderr, /ferry-start: done: ragstream is healthy/);
    assertNoLeak(r, box);
  });

  it("publishes port 80 as well with openHttp", () => {
    const { box, start } = make({}, { ...VALUES, openHttp: true });
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(published(box, "ragstream"), ["8501:8501", "80:8501"]);
  });

  it("IMDS token endpoint failing then recovering: retried with exponential backoff", () => {
    const { box, start } = make();
    box.fail("imds-token", 3);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls.slice(0, 7), /api\/token/), 4, "three failures, then the token");
    assert.deepEqual(sleeps(r.calls).slice(0, 3), ["2", "4", "8"]);
    assert.match(
      r.stderr,
      /waiting for the network \(instance metadata\) failed \(exit 7\), attempt 1\/6; retrying in 2s/,
    );
    assertNoLeak(r, box);
  });

  it("ECR login failing twice then succeeding: third attempt logs in, then pulls", () => {
    const { box, start } = make();
    box.fail("ecr-login", 2);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /^aws ecr get-login-password/), 3);
    assert.deepEqual(sleeps(r.calls), ["2", "4"]);
    // (`aws … | docker login` run side by side, so only the aws calls are ordered against the sleeps.)
    inOrder(r.calls, [
      /^aws ecr get-login-password/,
      /^sleep 2$/,
      /^aws ecr get-login-password/,
      /^sleep 4$/,
      /^aws ecr get-login-password/,
      /^docker pull /,
    ]);
    assert.equal(count(r.calls, /^docker login /), 3);
    assert.match(
      r.stderr,
      /ECR login to 108782059508\.dkr\.ecr\.eu-central-1\.amazonaws\.com failed \(exit 1\), attempt 2\/6; retrying in 4s/,
    );
    assertNoLeak(r, box);
  });

  it("SSM secret missing: clear message, no retry of a permanent error, container NOT started, old one untouched", () => {
    const { box, start } = make({ dockerRunning: true });
    fs.rmSync(path.join(box.state, "ssm", SECRET_PARAM.replace(/\//g, "%")));
    box.container("ragstream", OLD_REF);
    const r = start();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ParameterNotFound.*Parameter \/ragstream\/prod\/OPENAI_API_KEY not found/);
    assert.match(
      r.stderr,
      /ERROR: secret OPENAI_API_KEY: SSM parameter \/ragstream\/prod\/OPENAI_API_KEY could not be read; the container is NOT started without it/,
    );
    assert.equal(count(r.calls, /OPENAI_API_KEY/), 1, "a missing parameter is not retried");
    assert.equal(count(r.calls, /^docker (run|rm|pull)/), 0);
    assert.equal(
      box.read("containers/ragstream/image"),
      `${OLD_REF}\n`,
      "the previous container keeps running",
    );
    assert.equal(count(r.calls, /route53/), 0);
    assertNoLeak(r, box);
  });

  it("an empty secret is refused the same way: never a container with an empty key", () => {
    const { box, start } = make();
    box.ssmParameter(SECRET_PARAM, "", true);
    const r = start();
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /secret OPENAI_API_KEY: \/ragstream\/prod\/OPENAI_API_KEY is empty; the container is NOT started/,
    );
    assert.equal(count(r.calls, /^docker run/), 0);
  });

  it("image reference parameter missing: stops before pulling anything", () => {
    const { box, start } = make();
    fs.rmSync(path.join(box.state, "ssm", IMAGE_PARAM.replace(/\//g, "%")));
    const r = start();
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /cannot read the image reference from SSM parameter \/ferry\/ragstream-demo\/image/,
    );
    assert.equal(count(r.calls, /^docker (pull|run)/), 0);
  });

  it("a transient SSM error on the secret is retried, then the value is used", () => {
    const { box, start } = make();
    box.fail(`ssm:${SECRET_PARAM}`, 1);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /--name \/ragstream\/prod\/OPENAI_API_KEY --with-decryption/), 2);
    assert.match(box.read("containers/ragstream/env")!, new RegExp(`OPENAI_API_KEY=${SECRET}`));
    assertNoLeak(r, box);
  });

  it("Docker absent (Amazon Linux 2023): installs it with dnf, enables and starts it, then deploys", () => {
    const { box, start } = make({ docker: false });
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [
      /^dnf install -y -q docker$/,
      /^systemctl enable --now docker\.service$/,
      /^docker info$/,
      /^docker run /,
    ]);
    assert.match(r.stderr, /Docker is not installed; installing it/);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
  });

  it("Docker absent (Ubuntu): installs docker.io with apt-get", () => {
    const { box, start } = make({ docker: false, packageManager: "apt-get" });
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [
      /^apt-get update -q$/,
      /^apt-get install -y -q docker\.io$/,
      /^systemctl enable --now docker\.service$/,
    ]);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
  });

  it("Docker absent and no package manager: a clear error", () => {
    const { start } = make({ docker: false, packageManager: "none" });
    const r = start();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Docker is missing and neither dnf nor apt-get is available/);
  });

  it("an old container present: removed only after the new image is pulled, then replaced", () => {
    const { box, start } = make({ dockerRunning: true });
    box.container("ragstream", OLD_REF);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [/^docker pull /, /^docker rm -f ragstream$/, /^docker run .* --name ragstream /]);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
    assert.equal(box.read("containers/ragstream/image"), `${REF}\n`);
    assert.match(r.stderr, /removing the previous container ragstream/);
  });

  it("Route 53 failure: the app still runs, exit status 3, a warning in the journal", () => {
    const { box, start } = make();
    box.fail("route53", 99);
    const r = start({ FERRY_RETRIES: "3" });
    assert.equal(r.status, 3);
    assert.equal(count(r.calls, /^aws route53 change-resource-record-sets/), 3, "retried");
    assert.match(r.stderr, /WARNING: DNS record demo\.rusbehabtahi\.com was NOT updated; the app still runs/);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
    assert.equal(box.read("containers/ragstream/image"), `${REF}\n`);
    assert.equal(box.read("route53/Z0123456789ABCDEFGHIJ.json"), undefined);
    assertNoLeak(r, box);
  });

  it("no public IPv4 in instance metadata: not retried, DNS skipped with exit 3, the app runs", () => {
    const { box, start } = make();
    fs.rmSync(path.join(box.state, "imds", "public-ipv4"));
    const r = start();
    assert.equal(r.status, 3);
    assert.equal(count(r.calls, /meta-data\/public-ipv4/), 1);
    assert.match(r.stderr, /no public-ipv4/);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
  });

  it("the app never answers its health check: exit 1, and the record still points here", () => {
    const { box, start } = make();
    box.fail("health", 999);
    const r = start({ FERRY_HEALTH_TIMEOUT: "20" });
    assert.equal(r.status, 1);
    assert.equal(count(r.calls, /127\.0\.0\.1:8501/), 5, "polled every 5 s for 20 s");
    assert.match(
      r.stderr,
      /ERROR: no healthy answer on http:\/\/127\.0\.0\.1:8501\/_stcore\/health after 20s/,
    );
    assert.ok(box.read("route53/Z0123456789ABCDEFGHIJ.json"), "DNS follows the instance even so");
    assert.equal(count(r.calls, /^docker image prune/), 0, "old images kept while the new one is unhealthy");
  });

  it("re-run is idempotent: same single container, same record, exit 0 both times", () => {
    const { box, start } = make();
    const first = start();
    assert.equal(first.status, 0, first.stderr);
    const afterFirst = {
      containers: box.containerNames(),
      image: box.read("containers/ragstream/image"),
      env: box.read("containers/ragstream/env"),
      record: box.read("route53/Z0123456789ABCDEFGHIJ.json"),
    };
    const second = start();
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(
      {
        containers: box.containerNames(),
        image: box.read("containers/ragstream/image"),
        env: box.read("containers/ragstream/env"),
        record: box.read("route53/Z0123456789ABCDEFGHIJ.json"),
      },
      afterFirst,
    );
    const secondRun = second.calls.slice(first.calls.length);
    inOrder(secondRun, [
      /^docker pull /,
      /^docker rm -f ragstream$/,
      /^docker run /,
      /^aws route53 change-resource-record-sets/,
    ]);
    assertNoLeak(second, box);
  });

  it("--is-current (used by the rollout): true only while the container runs the wanted image and is healthy", () => {
    const { box } = make();
    const script = path.join(box.dir, "ferry-start");
    const check = () => box.run(script, {}, ["--is-current"]);
    assert.equal(check().status, 1, "no container yet");
    assert.equal(box.run(script).status, 0);
    const current = check();
    assert.equal(current.status, 0, current.stderr);
    assert.match(current.stderr, /ragstream already runs .*@sha256:(ab12){16} and is healthy/);
    box.ssmParameter(IMAGE_PARAM, OLD_REF);
    const before = box.calls().length;
    const stale = check();
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /the parameter names .*@sha256:0{64}/);
    assert.equal(count(stale.calls.slice(before), /^docker (run|rm|pull)/), 0, "a check changes nothing");
  });

  it("--rollout <digest> (the rollout document's one command): waits for a boot run, restarts, shows the journal", () => {
    const { box } = make();
    const script = path.join(box.dir, "ferry-start");
    box.write("unit-ferry-app", "activating\nactivating\nactive\n");
    box.write("journal", "ferry-start: done: ragstream is healthy\n");
    const r = box.run(script, {}, ["--rollout", DIGEST]);
    assert.equal(r.status, 0, r.stderr);
    const [wait, restart] = inOrder(r.calls, [
      /^systemctl is-active ferry-app$/,
      /^systemctl restart ferry-app$/,
    ]);
    assert.deepEqual(sleeps(r.calls.slice(wait, restart)), ["5", "5"], "waited for the boot run");
    assert.match(r.stdout, /done: ragstream is healthy/);
  });

  it("--rollout: nothing to do when the container already runs the digest and is healthy", () => {
    const { box } = make();
    const script = path.join(box.dir, "ferry-start");
    assert.equal(box.run(script).status, 0);
    const before = box.calls().length;
    const r = box.run(script, {}, ["--rollout", DIGEST]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(since(r, before), /^systemctl restart/), 0);
  });

  it("--rollout: refuses a digest the image parameter does not name, and anything that is not a digest", () => {
    const { box } = make();
    const script = path.join(box.dir, "ferry-start");
    const other = box.run(script, {}, ["--rollout", `sha256:${"cd34".repeat(16)}`]);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /names .*@sha256:(ab12){16}, not sha256:(cd34){16}/);
    const bad = box.run(script, {}, ["--rollout", "latest; reboot"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /is not an image digest/);
    assert.equal(count(box.calls(), /^systemctl restart/), 0);
  });

  it("--rollout: a failed restart exits 1 with the longer journal tail", () => {
    const { box } = make();
    const script = path.join(box.dir, "ferry-start");
    box.fail("restart-ferry-app", 1);
    const r = box.run(script, {}, ["--rollout", DIGEST]);
    assert.equal(r.status, 1);
    assert.ok(r.calls.includes("journalctl -u ferry-app -n 80 --no-pager -o cat"));
  });

  it("reads a Secrets Manager secret with get-secret-value", () => {
    const arn = "arn:aws:secretsmanager:eu-central-1:108782059508:secret:ragstream/key-AbCdEf";
    const { box, start } = make(
      {},
      { ...VALUES, secrets: [{ envName: "API_KEY", kind: "secretsmanager", ref: arn }] },
    );
    box.secretsManager(arn, SECRET);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [
      new RegExp(
        `^aws secretsmanager get-secret-value --region eu-central-1 --secret-id ${arn} --query SecretString`,
      ),
    ]);
    assert.match(box.read("containers/ragstream/env")!, new RegExp(`^API_KEY=${SECRET}$`, "m"));
    assertNoLeak(r, box);
  });

  it("without DNS: never calls Route 53 and exits 0", () => {
    const { box, start } = make({}, { ...VALUES, dns: undefined });
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /route53|meta-data\/public-ipv4/), 0);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
  });

  it("an image outside ECR is pulled without an ECR login", () => {
    const { box, start } = make();
    const ref = `ghcr.io/acme/app@sha256:${"c".repeat(64)}`;
    box.ssmParameter(IMAGE_PARAM, ref);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /^aws ecr |^docker login /), 0);
    assert.equal(box.read("containers/ragstream/image"), `${ref}\n`);
  });

  it("refuses to run as a normal user (it manages Docker and the env file)", () => {
    if (process.getuid?.() === 0) return; // root is allowed; the check only bites for others
    const { start } = make();
    const r = start({ FERRY_ALLOW_NON_ROOT: "0" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /run as root/);
  });
});

describe("ferry-start.sh per boot: the runtime cap and the idle alarm reset", () => {
  const CAPPED: StartScriptValues = {
    ...VALUES,
    maxRuntimeMinutes: 240,
    idleAlarmName: "ragstream-demo-idle-stop",
  };
  const make = instances(CAPPED);
  const shutdowns = (calls: string[]) => calls.filter((c) => c.startsWith("shutdown "));

  it("schedules the power-off MAX minutes after boot (not after this run) and resets the alarm, once per boot", () => {
    const { box, start } = make();
    box.write("uptime", "600.42 1100.10\n"); // booted 10 minutes ago
    const first = start();
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(shutdowns(first.calls), [
      "shutdown -P +230 ferry: the demo's maximum runtime of 240 minutes per boot is reached",
    ]);
    // The cap comes first, before the network wait: a boot whose deploy fails still ends.
    assert.ok(
      first.calls.indexOf(shutdowns(first.calls)[0]) < first.calls.findIndex((c) => c.startsWith("curl")),
    );
    assert.deepEqual(box.alarmStates(), ["ragstream-demo-idle-stop OK"]);
    assert.match(first.stderr, /this instance stops in 230 minutes/);
    // A later run of the same boot (a rollout, a manual restart) neither moves the cap nor resets the alarm.
    box.write("uptime", "7200.00 1.00\n");
    const again = start();
    assert.equal(again.status, 0, again.stderr);
    assert.equal(shutdowns(again.calls).length, 1, "still the one schedule of this boot");
    assert.deepEqual(box.alarmStates(), ["ragstream-demo-idle-stop OK"]);
  });

  it("a run past the cap (uptime above it) stops in 1 minute; a failed deploy still gets the cap", () => {
    const { box, start } = make();
    box.write("uptime", `${241 * 60}.00 1.00\n`);
    box.fail("imds-token", 99);
    const r = start({ FERRY_RETRIES: "1" });
    assert.notEqual(r.status, 0);
    assert.deepEqual(shutdowns(r.calls), [
      "shutdown -P +1 ferry: the demo's maximum runtime of 240 minutes per boot is reached",
    ]);
  });

  it("the alarm reset is retried (IAM may still propagate) and a lasting failure only warns", () => {
    const { box, start } = make();
    box.fail("set-alarm-state", 99);
    const r = start({ FERRY_RETRIES: "3" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      count(
        r.calls,
        /^aws cloudwatch set-alarm-state --region eu-central-1 --alarm-name ragstream-demo-idle-stop --state-value OK /,
      ),
      3,
    );
    assert.match(r.stderr, /WARNING: the idle alarm ragstream-demo-idle-stop was not reset/);
  });

  it("a failing shutdown schedule is logged as an error and the app still starts", () => {
    const { box, start } = make();
    box.fail("shutdown", 1);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /ERROR: could not schedule the maximum-runtime stop/);
  });

  it("disabled cap and no idle alarm: no shutdown, no alarm call, and the log says so", () => {
    const { box, start } = make({}, VALUES);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(shutdowns(r.calls), []);
    assert.equal(count(r.calls, /cloudwatch/), 0);
    assert.deepEqual(box.alarmStates(), []);
    assert.match(r.stderr, /no maximum runtime/);
  });

  it("after the DNS update the instance tags the address it pointed the record at (for the parking function)", () => {
    const { box, start } = make();
    assert.equal(start().status, 0);
    assert.deepEqual(box.addresses(), [IP]);
  });
});

describe("ferry-start.sh status reports: the ferry:status tag the wake page reads", () => {
  const make = instances();

  it("happy path: starting, pulling, health, dns, ready — in order, on this instance, with ISO times", () => {
    const { box, start } = make();
    const from = Math.floor(Date.now() / 1000) * 1000;
    const r = start();
    const to = Date.now();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(stages(box), ["starting", "pulling", "health", "dns", "ready"]);
    for (const s of box.statuses()) {
      assert.equal(s.resource, INSTANCE_ID);
      assert.match(s.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const t = Date.parse(s.time);
      assert.ok(t >= from && t <= to, `${s.time} is the time of the run (UTC)`);
    }
    inOrder(r.calls, [
      /^curl .*X-aws-ec2-metadata-token: IMDS-TOKEN http:\/\/169\.254\.169\.254\/latest\/meta-data\/instance-id$/,
      reported("starting"),
      /^docker info$/,
      reported("pulling"),
      /^aws ssm get-parameter .*--name \/ferry\/ragstream-demo\/image /,
      /^docker pull /,
      /^docker run /,
      reported("health"),
      /^curl .*http:\/\/127\.0\.0\.1:8501\/_stcore\/health$/,
      reported("dns"),
      /^aws route53 change-resource-record-sets /,
      /^docker image prune -af$/,
      reported("ready"),
    ]);
    assert.equal(count(r.calls, /meta-data\/instance-id/), 1, "the instance id is read once");
  });

  it("without DNS: no dns stage, ready at the end", () => {
    const { box, start } = make({}, { ...VALUES, dns: undefined });
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(stages(box), ["starting", "pulling", "health", "ready"]);
  });

  it("a missing secret reports failed:secrets (a die path)", () => {
    const { box, start } = make();
    fs.rmSync(path.join(box.state, "ssm", SECRET_PARAM.replace(/\//g, "%")));
    const r = start();
    assert.equal(r.status, 1);
    assert.deepEqual(stages(box), ["starting", "pulling", "failed:secrets"]);
  });

  // Each failure reports the step that made the run fail.
  const failures: {
    step: string;
    status: number;
    arrange: (box: Sandbox) => void;
    env?: Record<string, string>;
  }[] = [
    {
      step: "image",
      status: 1,
      arrange: (box) => fs.rmSync(path.join(box.state, "ssm", IMAGE_PARAM.replace(/\//g, "%"))),
    },
    { step: "pull", status: 1, arrange: (box) => box.fail("docker-pull", 99), env: { FERRY_RETRIES: "2" } },
    { step: "run", status: 1, arrange: (box) => box.fail("docker-run:ragstream", 1) },
    {
      step: "health",
      status: 1,
      arrange: (box) => box.fail("health", 99),
      env: { FERRY_HEALTH_TIMEOUT: "5" },
    },
    { step: "dns", status: 3, arrange: (box) => box.fail("route53", 99), env: { FERRY_RETRIES: "2" } },
  ];
  for (const f of failures)
    it(`a failure in step ${f.step} reports failed:${f.step} (exit ${f.status})`, () => {
      const { box, start } = make();
      f.arrange(box);
      const r = start(f.env);
      assert.equal(r.status, f.status, r.stderr);
      const all = stages(box);
      assert.equal(all.at(-1), `failed:${f.step}`);
      assert.ok(!all.includes("ready"));
    });

  it("an unhealthy app stays failed:health even when DNS then fails too", () => {
    const { box, start } = make();
    box.fail("health", 99);
    box.fail("route53", 99);
    const r = start({ FERRY_HEALTH_TIMEOUT: "5", FERRY_RETRIES: "1" });
    assert.equal(r.status, 1);
    assert.deepEqual(stages(box), ["starting", "pulling", "health", "dns", "failed:health"]);
  });

  it("create-tags failing never fails the run: one attempt per stage, logged, no waiting", () => {
    const { box, start } = make();
    box.fail("create-tags", 99);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    // Five stages and the address tag after the DNS update.
    assert.equal(count(r.calls, /^aws ec2 create-tags /), 6, "one call per stage, none retried");
    assert.deepEqual(sleeps(r.calls), []);
    assert.match(r.stderr, /status starting not reported: .*UnauthorizedOperation/);
    assert.match(r.stderr, /done: ragstream is healthy/);
    assert.deepEqual(box.containerNames(), ["ragstream"]);
  });

  it("no instance id in instance metadata: one log line, no reports, the deploy goes on", () => {
    const { box, start } = make();
    fs.rmSync(path.join(box.state, "imds", "instance-id"));
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /create-tags/), 0);
    assert.equal(
      r.stderr.match(/no instance id from instance metadata/g)?.length,
      1,
      "said once, not per stage",
    );
    assert.equal(box.read("tags.log"), undefined);
  });

  it("--is-current reports nothing (a check, not a deploy)", () => {
    const { box } = make();
    const script = path.join(box.dir, "ferry-start");
    assert.equal(box.run(script).status, 0);
    const before = box.statuses().length;
    assert.equal(box.run(script, {}, ["--is-current"]).status, 0);
    assert.equal(box.statuses().length, before);
  });
});

describe("ferry-start.sh with HTTPS: Caddy (ferry-proxy) in front of the app", () => {
  const make = instances(HTTPS_VALUES);

  /** The security headers the config turns on by default (HSTS for a year, this name only). */
  const HEADER_BLOCK = [
    "\theader {",
    '\t\t?Strict-Transport-Security "max-age=31536000"',
    "\t\t?X-Content-Type-Options nosniff",
    "\t\t?Referrer-Policy strict-origin-when-cross-origin",
    "\t\t?X-Frame-Options SAMEORIGIN",
    "\t\t-Server",
    "\t}",
  ];
  /** The Caddyfile for demo.rusbehabtahi.com → ragstream:8501, with `globals` (tab-indented lines) added. */
  const caddyfile = (...globals: string[]) =>
    [
      "{",
      "\tadmin off",
      ...globals,
      "\tservers {",
      "\t\tprotocols h1 h2",
      "\t}",
      "}",
      "demo.rusbehabtahi.com {",
      "\tencode zstd gzip",
      ...HEADER_BLOCK,
      "\treverse_proxy ragstream:8501",
      "}",
      "",
    ].join("\n");
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const proxyArgs = (box: Sandbox) => box.read("containers/ferry-proxy/args")!.trimEnd().split("\n");

  it("happy path: app on loopback only; after the UPSERT, waits the TTL, pulls Caddy, runs it, HTTPS answers", () => {
    const { box, start } = make();
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    // The app: loopback only, no other mapping.
    assert.deepEqual(published(box, "ragstream"), ["127.0.0.1:8501:8501"]);
    assert.match(
      r.calls.find((c) => c.startsWith("docker run -d --name ragstream "))!,
      / -p 127\.0\.0\.1:8501:8501 --network ferry /,
    );
    // The network is made once, before the app joins it.
    inOrder(r.calls, [
      /^docker network inspect ferry$/,
      /^docker network create ferry$/,
      /^docker run -d --name ragstream /,
    ]);
    // The Caddyfile, exactly, and the proxy container.
    const file = path.join(box.confDir, "Caddyfile");
    assert.equal(fs.readFileSync(file, "utf8"), caddyfile());
    assert.equal(fs.statSync(box.confDir).mode & 0o777, 0o755);
    assert.deepEqual(proxyArgs(box), [
      "-d",
      "--name",
      "ferry-proxy",
      "--restart",
      "unless-stopped",
      // A bridge network shared with the app, not the host's: with the IMDS hop limit of 1, Caddy cannot
      // reach the instance role's credentials.
      "--network",
      "ferry",
      "-p",
      "80:80",
      "-p",
      "443:443",
      "-v",
      `${file}:/etc/caddy/Caddyfile:ro`,
      "-v",
      `${box.dataDir}/caddy/data:/data`,
      "-v",
      `${box.dataDir}/caddy/config:/config`,
      "--log-driver",
      "journald",
      "--label",
      `ferry.proxy=${PROXY_IMAGE} ${sha256(caddyfile())}`,
      PROXY_IMAGE,
    ]);
    assert.ok(fs.statSync(path.join(box.dataDir, "caddy", "config")).isDirectory());
    // Order: the record points here (and is in sync) before anything asks Let's Encrypt.
    inOrder(r.calls, [
      /^docker run -d --name ragstream /,
      /^curl .*http:\/\/127\.0\.0\.1:8501\/_stcore\/health$/,
      /^aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABCDEFGHIJ /,
      /^aws route53 get-change /,
      reported("tls"),
      /^sleep 60$/,
      /^docker image inspect public\.ecr\.aws\/docker\/library\/caddy:2\.10\.2$/,
      /^docker pull -q public\.ecr\.aws\/docker\/library\/caddy:2\.10\.2$/,
      /^docker run -d --name ferry-proxy /,
      /^curl -fsS -o \/dev\/null --max-time 5 --resolve demo\.rusbehabtahi\.com:443:127\.0\.0\.1 https:\/\/demo\.rusbehabtahi\.com\/_stcore\/health$/,
      /^docker image prune -af$/,
      reported("ready"),
    ]);
    assert.deepEqual(sleeps(r.calls), ["60"], "first certificate: the record's TTL, nothing else");
    assert.match(
      r.stderr,
      /no certificate for demo\.rusbehabtahi\.com yet; waiting 60s \(the record's TTL\)/,
    );
    assert.deepEqual(stages(box), ["starting", "pulling", "health", "dns", "tls", "ready"]);
    // Pruned after the proxy runs: its image (and the app's) are in use and stay.
    assert.ok(box.hasImage(PROXY_IMAGE), "the proxy image survives the prune");
    assert.ok(box.hasImage(REF));
    assertNoLeak(r, box);
  });

  it("security headers: off leaves no header block; HSTS max-age 0 drops only HSTS", () => {
    const off = make(
      {},
      {
        ...HTTPS_VALUES,
        https: { ...HTTPS_VALUES.https!, securityHeaders: { enabled: false, hstsMaxAgeSeconds: 31536000 } },
      },
    );
    assert.equal(off.start().status, 0);
    const noBlock = fs.readFileSync(path.join(off.box.confDir, "Caddyfile"), "utf8");
    assert.doesNotMatch(noBlock, /header|Strict-Transport-Security/);
    const noHsts = make(
      {},
      {
        ...HTTPS_VALUES,
        https: { ...HTTPS_VALUES.https!, securityHeaders: { enabled: true, hstsMaxAgeSeconds: 0 } },
      },
    );
    assert.equal(noHsts.start().status, 0);
    const text = fs.readFileSync(path.join(noHsts.box.confDir, "Caddyfile"), "utf8");
    assert.doesNotMatch(text, /Strict-Transport-Security/);
    assert.match(text, /\?X-Content-Type-Options nosniff/);
  });

  it("the rendered Caddyfile (HSTS and headers, staging CA, e-mail) passes `caddy validate`", function () {
    const caddy = spawnSync("bash", ["-c", "command -v caddy"], { encoding: "utf8" }).stdout.trim();
    if (!caddy) {
      // CI installs Debian's caddy (.ci/run); only a local machine without it may skip, and says so.
      if (process.env.CI === "true") assert.fail("caddy is required in CI (Debian package caddy)");
      this.skip();
    }
    const variants: StartScriptValues[] = [
      HTTPS_VALUES,
      {
        ...VALUES,
        https: {
          ...TLS_DEFAULTS,
          proxyImage: PROXY_IMAGE,
          acmeEmail: "ops@rusbehabtahi.com",
          acmeStaging: true,
        },
      },
    ];
    for (const values of variants) {
      const { box, start } = make({}, values);
      assert.equal(start().status, 0);
      const file = path.join(box.confDir, "Caddyfile");
      const r = spawnSync(caddy, ["validate", "--adapter", "caddyfile", "--config", file], {
        encoding: "utf8",
        env: { ...process.env, HOME: box.dir, XDG_DATA_HOME: box.dir, XDG_CONFIG_HOME: box.dir },
        timeout: 30_000,
      });
      assert.equal(r.status, 0, `caddy validate: ${r.stderr}`);
      assert.match(r.stderr + r.stdout, /Valid configuration/);
    }
    // Positive control: caddy does reject a broken file, so the check above can fail.
    const broken = path.join(os.tmpdir(), `ferry-broken-${process.pid}.Caddyfile`);
    fs.writeFileSync(
      broken,
      "demo.example.com {\n\theader {\n\t\tStrict-Transport-Security max-age=1\n\t}\n\tno_such_directive\n}\n",
    );
    const bad = spawnSync(caddy, ["validate", "--adapter", "caddyfile", "--config", broken], {
      encoding: "utf8",
    });
    fs.rmSync(broken);
    assert.notEqual(bad.status, 0);
  });

  it("an image no container uses is pruned (the stand-in's prune is real enough to show the above)", () => {
    const { box, start } = make();
    box.image(OLD_REF);
    assert.equal(start().status, 0);
    assert.ok(!box.hasImage(OLD_REF));
    assert.ok(box.hasImage(PROXY_IMAGE));
  });

  it("Caddyfile with an ACME e-mail and Let's Encrypt staging; HTTPS then checked without trust (-k)", () => {
    const { box, start } = make(
      {},
      {
        ...VALUES,
        https: {
          ...TLS_DEFAULTS,
          proxyImage: PROXY_IMAGE,
          acmeEmail: "ops@rusbehabtahi.com",
          acmeStaging: true,
        },
      },
    );
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      fs.readFileSync(path.join(box.confDir, "Caddyfile"), "utf8"),
      caddyfile("\temail ops@rusbehabtahi.com", `\tacme_ca ${STAGING_CA}`),
    );
    assert.match(
      r.calls.find((c) => c.includes("https://"))!,
      / -k --resolve /,
    );
  });

  it("only the e-mail: no acme_ca line, and a trusted-certificate check (no -k)", () => {
    const { box, start } = make(
      {},
      {
        ...VALUES,
        https: { ...TLS_DEFAULTS, proxyImage: PROXY_IMAGE, acmeEmail: "ops@rusbehabtahi.com" },
      },
    );
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      fs.readFileSync(path.join(box.confDir, "Caddyfile"), "utf8"),
      caddyfile("\temail ops@rusbehabtahi.com"),
    );
    assert.doesNotMatch(
      r.calls.find((c) => c.includes("https://"))!,
      / -k /,
    );
  });

  it("the proxy image already present: not pulled again", () => {
    const { box, start } = make();
    box.image(PROXY_IMAGE);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /^docker pull .*caddy/), 0);
    assert.equal(
      count(r.calls, /^docker image inspect public\.ecr\.aws\/docker\/library\/caddy:2\.10\.2$/),
      1,
    );
  });

  it("a second run with a certificate on disk: no TTL wait, the same container started (not recreated)", () => {
    const { box, start } = make();
    assert.equal(start().status, 0);
    box.certificate(FQDN);
    const before = box.calls().length;
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    const run = since(r, before);
    assert.deepEqual(sleeps(run), [], "the certificate is there: no wait");
    assert.equal(count(run, /^docker (run|rm -f) .*ferry-proxy/), 0, "same image and Caddyfile: kept");
    assert.equal(count(run, /^docker pull .*caddy/), 0);
    inOrder(run, [/^aws route53 get-change /, /^docker start ferry-proxy$/, /^curl .*https:\/\//]);
  });

  it("after a shutdown (--stop) the next boot starts the stopped proxy only after the UPSERT", () => {
    const { box, start, stop } = make();
    assert.equal(start().status, 0);
    assert.equal(stop().status, 0);
    assert.ok(box.read("containers/ferry-proxy/stopped") !== undefined, "stopped at shutdown");
    box.certificate(FQDN);
    box.write("imds/public-ipv4", "18.194.1.2"); // a new address after the stop/start
    const before = box.calls().length;
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    inOrder(since(r, before), [
      /^aws route53 change-resource-record-sets .*"Action":"UPSERT".*"Value":"18\.194\.1\.2"/,
      /^aws route53 get-change /,
      /^docker start ferry-proxy$/,
      /^curl .*https:\/\/demo\.rusbehabtahi\.com/,
    ]);
    assert.equal(box.read("containers/ferry-proxy/stopped"), undefined);
    assert.equal(box.dnsRecord(ZONE), "18.194.1.2");
  });

  it("a changed Caddyfile (another e-mail) recreates the proxy with the new label", () => {
    const { box, start } = make();
    assert.equal(start().status, 0);
    box.certificate(FQDN);
    const other = box.script(
      "ferry-start-2",
      renderStartScript({
        ...VALUES,
        https: { ...TLS_DEFAULTS, proxyImage: PROXY_IMAGE, acmeEmail: "new@rusbehabtahi.com" },
      }),
    );
    const before = box.calls().length;
    const r = box.run(other);
    assert.equal(r.status, 0, r.stderr);
    const run = since(r, before);
    inOrder(run, [/^docker rm -f ferry-proxy$/, /^docker run -d --name ferry-proxy /, /^curl .*https:\/\//]);
    assert.equal(count(run, /^docker start ferry-proxy/), 0);
    assert.match(r.stderr, /recreating ferry-proxy/);
    const label = proxyArgs(box).find((a) => a.startsWith("ferry.proxy="));
    assert.equal(label, `ferry.proxy=${PROXY_IMAGE} ${sha256(caddyfile("\temail new@rusbehabtahi.com"))}`);
  });

  it("a new proxy image recreates it too", () => {
    const { box, start } = make();
    assert.equal(start().status, 0);
    const image = "public.ecr.aws/docker/library/caddy:2.10.3";
    const other = box.script(
      "ferry-start-2",
      renderStartScript({ ...VALUES, https: { ...TLS_DEFAULTS, proxyImage: image } }),
    );
    const before = box.calls().length;
    const r = box.run(other);
    assert.equal(r.status, 0, r.stderr);
    inOrder(since(r, before), [
      /^docker pull -q .*caddy:2\.10\.3$/,
      /^docker rm -f ferry-proxy$/,
      /^docker run .*caddy:2\.10\.3$/,
    ]);
    assert.ok(!box.hasImage(PROXY_IMAGE), "the old proxy image is pruned once nothing uses it");
  });

  it("Route 53 failing: the proxy is never started, exit 3, failed:dns", () => {
    const { box, start } = make();
    box.fail("route53", 99);
    const r = start({ FERRY_RETRIES: "2" });
    assert.equal(r.status, 3);
    assert.equal(
      count(r.calls, /ferry-proxy|caddy|https:\/\//),
      0,
      "no Let's Encrypt validation against the wrong address",
    );
    assert.equal(fs.existsSync(path.join(box.confDir, "Caddyfile")), false);
    assert.match(
      r.stderr,
      /WARNING: ferry-proxy NOT started: demo\.rusbehabtahi\.com does not point at this instance/,
    );
    assert.equal(stages(box).at(-1), "failed:dns");
    assert.ok(!stages(box).includes("tls"));
    assert.deepEqual(box.containerNames(), ["ragstream"], "the app still runs");
  });

  it("HTTPS never answering: exit 4 after FERRY_TLS_TIMEOUT, failed:tls, an actionable message", () => {
    const { box, start } = make();
    box.fail("https", 999);
    const r = start({ FERRY_TLS_TIMEOUT: "20" });
    assert.equal(r.status, 4);
    assert.equal(count(r.calls, /^curl .*https:\/\//), 5, "polled every 5 s for 20 s");
    assert.deepEqual(sleeps(r.calls), ["60", "5", "5", "5", "5"]);
    assert.match(
      r.stderr,
      /ERROR: https:\/\/demo\.rusbehabtahi\.com\/_stcore\/health does not answer after 20s/,
    );
    assert.match(r.stderr, /docker logs ferry-proxy/);
    assert.match(r.stderr, /port 80\s+reachable from anywhere/);
    assert.deepEqual(stages(box).slice(-2), ["tls", "failed:tls"]);
    assert.deepEqual(box.containerNames(), ["ferry-proxy", "ragstream"], "both keep running");
    assert.equal(count(r.calls, /^docker image prune/), 1, "the app is healthy: old images go");
  });

  it("the proxy image cannot be pulled: exit 4, failed:tls", () => {
    const { box, start } = make();
    box.fail(`docker-pull:${PROXY_IMAGE}`, 99);
    const r = start({ FERRY_RETRIES: "2" });
    assert.equal(r.status, 4);
    assert.equal(count(r.calls, /^docker pull .*caddy/), 2, "retried like other pulls");
    assert.match(r.stderr, /cannot pull public\.ecr\.aws\/docker\/library\/caddy:2\.10\.2/);
    assert.equal(stages(box).at(-1), "failed:tls");
  });

  it("the Caddyfile cannot be written: exit 4, failed:tls, no proxy started", () => {
    const { box, start } = make();
    const r = start({ FERRY_CONF_DIR: path.join(box.dir, "ferry-start", "etc") }); // under a file
    assert.equal(r.status, 4);
    assert.match(r.stderr, /ERROR: cannot write .*Caddyfile/);
    assert.equal(count(r.calls, /ferry-proxy/), 0);
    assert.equal(stages(box).at(-1), "failed:tls");
  });

  it("an unhealthy app: the proxy is still started (the record points here) but HTTPS is not waited for", () => {
    const { box, start } = make();
    box.fail("health", 999);
    const r = start({ FERRY_HEALTH_TIMEOUT: "5" });
    assert.equal(r.status, 1);
    assert.ok(box.containerNames().includes("ferry-proxy"));
    assert.equal(count(r.calls, /^curl .*https:\/\//), 0);
    assert.equal(stages(box).at(-1), "failed:health");
  });

  it("without HTTPS: no proxy, no Caddyfile, the app port published as before", () => {
    const { box, start } = make({}, VALUES);
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /ferry-proxy|caddy|https:\/\//), 0);
    assert.equal(fs.existsSync(box.confDir), false);
    assert.deepEqual(published(box, "ragstream"), ["8501:8501"]);
  });
});

describe("ferry-start.sh --stop: at shutdown (ferry-park.service)", () => {
  const make = instances(HTTPS_VALUES);

  /** An instance after a successful boot run: the record points here, the proxy runs. */
  function booted(values: StartScriptValues = HTTPS_VALUES) {
    const i = make({}, values);
    const r = i.start();
    assert.equal(r.status, 0, r.stderr);
    return { ...i, before: r.calls.length };
  }

  it("stops the proxy, parks the record (DELETE our IP + CREATE 192.0.2.1 in one batch), reports stopped", () => {
    const { box, stop, before } = booted();
    assert.equal(box.dnsRecord(ZONE), IP);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    const run = since(r, before);
    inOrder(run, [
      /^docker container inspect ferry-proxy$/,
      /^docker stop ferry-proxy$/,
      /^curl .*-X PUT http:\/\/169\.254\.169\.254\/latest\/api\/token/,
      /meta-data\/instance-id$/,
      /meta-data\/public-ipv4$/,
      /^aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABCDEFGHIJ --change-batch .+ --cli-connect-timeout 5 --cli-read-timeout 10$/,
      reported("stopped"),
    ]);
    assert.ok(box.read("containers/ferry-proxy/stopped") !== undefined);
    assert.equal(box.dnsRecord(ZONE), PARK_IP);
    const rrset = (value: string) => ({
      Name: FQDN,
      Type: "A",
      TTL: 60,
      ResourceRecords: [{ Value: value }],
    });
    assert.deepEqual(JSON.parse(box.read(`route53/${ZONE}.json`)!).Changes, [
      { Action: "DELETE", ResourceRecordSet: rrset(IP) },
      { Action: "CREATE", ResourceRecordSet: rrset(PARK_IP) },
    ]);
    assert.equal(count(run, /^aws route53 change-resource-record-sets/), 1);
    assert.equal(count(run, /get-change/), 0, "nothing waits at shutdown");
    assert.deepEqual(sleeps(run), []);
    assert.equal(stages(box).at(-1), "stopped");
    assert.match(r.stderr, /stop: stopped ferry-proxy/);
    assert.match(r.stderr, /stop: DNS: demo\.rusbehabtahi\.com A 192\.0\.2\.1 \(parked/);
  });

  it("the record points at another instance: InvalidChangeBatch, record unchanged, exit 0, 'left as it is'", () => {
    const { box, stop, before } = booted();
    box.setDnsRecord(ZONE, "3.9.9.9"); // a replacement instance took the name
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(box.dnsRecord(ZONE), "3.9.9.9");
    assert.equal(count(since(r, before), /^aws route53 /), 1, "not retried");
    assert.match(r.stderr, /left as it is: the record points elsewhere/);
    assert.doesNotMatch(r.stderr, /could not park/);
    assert.equal(stages(box).at(-1), "stopped");
  });

  it("already parked: the same (a second stop changes nothing)", () => {
    const { box, stop } = booted();
    assert.equal(stop().status, 0);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(box.dnsRecord(ZONE), PARK_IP);
    assert.match(r.stderr, /left as it is/);
  });

  it("Route 53 AccessDenied: logged, not retried, exit 0, status still reported", () => {
    const { box, stop, before } = booted();
    box.fail("route53", 99);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    const run = since(r, before);
    assert.equal(count(run, /^aws route53 /), 1);
    assert.deepEqual(sleeps(run), []);
    assert.match(r.stderr, /stop: DNS: could not park demo\.rusbehabtahi\.com: .*AccessDenied/);
    assert.equal(box.dnsRecord(ZONE), IP);
    assert.equal(stages(box).at(-1), "stopped");
  });

  it("instance metadata down: exit 0 after one try, DNS and status left alone, the proxy still stopped", () => {
    const { box, stop, before } = booted();
    box.fail("imds-token", 99);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    const run = since(r, before);
    assert.equal(count(run, /api\/token/), 1);
    assert.equal(count(run, /^aws /), 0);
    assert.deepEqual(sleeps(run), []);
    assert.match(r.stderr, /stop: instance metadata unreachable; DNS left as it is, no status reported/);
    assert.ok(box.read("containers/ferry-proxy/stopped") !== undefined);
    assert.equal(box.dnsRecord(ZONE), IP);
  });

  it("no public IPv4: the record is left alone, stopped still reported", () => {
    const { box, stop, before } = booted();
    fs.rmSync(path.join(box.state, "imds", "public-ipv4"));
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(since(r, before), /route53/), 0);
    assert.match(r.stderr, /stop: no public IPv4 from instance metadata/);
    assert.equal(stages(box).at(-1), "stopped");
  });

  it("create-tags failing: still exit 0", () => {
    const { box, stop } = booted();
    box.fail("create-tags", 99);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /status stopped not reported/);
    assert.equal(box.dnsRecord(ZONE), PARK_IP);
  });

  it("without DNS: no Route 53 call, no public IPv4 read; status reported", () => {
    const { box, stop, before } = booted({ ...VALUES, dns: undefined });
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    const run = since(r, before);
    assert.equal(count(run, /route53|public-ipv4/), 0);
    assert.equal(stages(box).at(-1), "stopped");
  });

  it("without a proxy container (no HTTPS): no docker stop, no error, the record still parked", () => {
    const { box, stop, before } = booted(VALUES);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(since(r, before), /^docker stop/), 0);
    assert.doesNotMatch(r.stderr, /error|No such/i);
    assert.match(r.stderr, /stop: no ferry-proxy container/);
    assert.equal(box.dnsRecord(ZONE), PARK_IP);
    assert.deepEqual(box.containerNames(), ["ragstream"], "the app is Docker's to stop");
  });

  it("Docker not even installed (a first boot that failed early): the record is still parked", () => {
    const { box, stop } = make({ docker: false, packageManager: "none" });
    box.setDnsRecord(ZONE, IP);
    const r = stop();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(box.dnsRecord(ZONE), PARK_IP);
  });

  it("exits 0 even when its own setup fails (no run directory)", () => {
    const { box, stop } = make();
    const r = stop({ FERRY_RUN_DIR: path.join(box.dir, "ferry-start", "run") }); // under a file: cannot exist
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /install: /);
  });

  it("does not wait for the lock a hung boot run holds", async () => {
    const { box, stop } = make();
    box.setDnsRecord(ZONE, IP);
    fs.mkdirSync(box.runDir, { recursive: true });
    const lock = path.join(box.runDir, "lock");
    // A "boot run" holding the lock: the sleep itself holds it, so killing it releases it.
    const holder = spawn("bash", ["-c", 'exec 9>"$1" && flock 9 && exec sleep 30', "_", lock], {
      stdio: "ignore",
    });
    try {
      const held = () => spawnSync("flock", ["-n", lock, "true"]).status !== 0;
      for (let i = 0; i < 100 && !held(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(held(), "the lock is held");
      const t0 = Date.now();
      const r = stop();
      assert.equal(r.status, 0, r.stderr);
      assert.ok(Date.now() - t0 < 10_000, "returned without waiting for the lock");
      assert.equal(box.dnsRecord(ZONE), PARK_IP);
    } finally {
      holder.kill();
    }
  });
});

describe("rollout.sh: a new digest reaches a running instance (D8)", () => {
  const ROLLOUT = path.resolve(__dirname, "..", "scripts", "instance", "rollout.sh");
  const ENV = {
    INSTANCE_ID: "i-0123456789abcdef0",
    AWS_REGION: "eu-central-1",
    IMAGE_REF: REF,
    IMAGE_DIGEST: DIGEST,
    ROLLOUT_DOCUMENT: "ferry-ragstream-demo-rollout",
  };
  const boxes: Sandbox[] = [];
  const make = (options?: SandboxOptions) => {
    const box = new Sandbox(options);
    boxes.push(box);
    return box;
  };
  after(() => boxes.forEach((b) => b.cleanup()));

  it("a stopped instance is left alone: says so and exits 0", () => {
    const box = make();
    box.write("instance-state", "stopped\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout.trim(),
      "instance i-0123456789abcdef0 is stopped; the new image is picked up at next start",
    );
    assert.deepEqual(r.calls, [
      "aws ec2 describe-instances --region eu-central-1 --instance-ids i-0123456789abcdef0 --query Reservations[0].Instances[0].State.Name --output text",
    ]);
  });

  it("a starting instance is left to its boot run", () => {
    const box = make();
    box.write("instance-state", "pending\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /is starting; its boot run picks up/);
    assert.equal(count(r.calls, /send-command/), 0);
  });

  it("a running instance: send-command runs the stack's rollout document with the digest, polls until Success", () => {
    const box = make();
    box.write("invocation-statuses", "Pending\nInProgress\nInProgress\nSuccess\n");
    box.write("journal", "ferry-start: done: app is healthy\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [
      /^aws ec2 describe-instances /,
      /^aws ssm send-command --region eu-central-1 --instance-ids i-0123456789abcdef0 --document-name ferry-ragstream-demo-rollout /,
      /^aws ssm get-command-invocation .*--command-id cmd-0123456789abcdef --instance-id i-0123456789abcdef0 --query Status/,
    ]);
    assert.equal(count(r.calls, /--query Status/), 4);
    assert.deepEqual(sleeps(r.calls), ["5", "5", "5"]);
    // Never the shell document: the deploy role needs SendCommand on this stack's document only.
    assert.equal(count(r.calls, /AWS-RunShellScript/), 0);
    assert.equal(box.read("send-command-document"), "ferry-ragstream-demo-rollout\n");
    assert.deepEqual(JSON.parse(box.read("send-command-parameters.json")!), { digest: [DIGEST] });
    assert.match(r.stdout, /instance i-0123456789abcdef0 now runs .*@sha256:/);
  });

  it("no digest (an image deployed by tag): nothing to roll out, no AWS call", () => {
    const box = make();
    const r = box.run(ROLLOUT, { ...ENV, IMAGE_DIGEST: "" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nothing to roll out/);
    assert.deepEqual(r.calls, []);
  });

  it("a digest that is not sha256:<64 hex> is refused before anything is sent", () => {
    const box = make();
    const r = box.run(ROLLOUT, { ...ENV, IMAGE_DIGEST: `${DIGEST}'; reboot; '` });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not an image digest/);
    assert.deepEqual(r.calls, []);
  });

  it("ROLLOUT_DOCUMENT is required", () => {
    const box = make();
    const r = box.run(ROLLOUT, { ...ENV, ROLLOUT_DOCUMENT: "" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ROLLOUT_DOCUMENT is required/);
  });

  it("the run on the instance fails: exit 1 with the status and the journal", () => {
    const box = make();
    box.write("invocation-statuses", "InProgress\nFailed\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ended with status Failed/);
  });

  it("SSM does not know the instance yet (just started): send-command is retried with backoff", () => {
    const box = make();
    box.fail("send-command", 2);
    box.write("invocation-statuses", "Success\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(r.calls, /send-command/), 3);
    assert.deepEqual(sleeps(r.calls), ["2", "4"]);
  });

  it("the invocation not existing yet right after send-command is polled again", () => {
    const box = make();
    box.fail("invocation", 1);
    box.write("invocation-statuses", "Success\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 0, r.stderr);
  });

  it("gives up after ROLLOUT_TIMEOUT", () => {
    const box = make();
    box.write("invocation-statuses", "InProgress\n");
    const r = box.run(ROLLOUT, { ...ENV, ROLLOUT_TIMEOUT: "30" });
    assert.equal(r.status, 1);
    assert.equal(sleeps(r.calls).length, 6);
    assert.match(r.stderr, /still InProgress after 30s/);
  });

  it("no AWS CLI where pulumi up runs: a clear error", () => {
    const box = make({ aws: false });
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the AWS CLI is needed where 'pulumi up' runs/);
  });

  it("INSTANCE_ID is required", () => {
    const box = make();
    const r = box.run(ROLLOUT, { AWS_REGION: "eu-central-1" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /INSTANCE_ID is required/);
  });
});

describe("shellcheck on every shell file (scripts/**/*.sh, the stand-ins, and a rendered start script)", () => {
  const root = path.resolve(__dirname, "..");
  const have = spawnSync("shellcheck", ["--version"]).status === 0;

  /** `*.sh` files, plus (with `byShebang`) extension-less files starting with a bash/sh shebang. */
  function shellFiles(dir: string, byShebang: boolean): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return shellFiles(p, byShebang);
      if (e.name.endsWith(".sh")) return [p];
      return byShebang && /^#!.*\b(ba)?sh\b/.test(fs.readFileSync(p, "utf8").slice(0, 80)) ? [p] : [];
    });
  }

  it("passes", function () {
    if (!have) this.skip(); // .ci/run installs shellcheck; a bare machine may not have it
    const files = [
      ...shellFiles(path.join(root, "scripts"), false),
      ...shellFiles(path.join(root, "test", "instance"), true),
    ];
    assert.ok(files.some((f) => f.endsWith("ferry-start.sh")) && files.some((f) => f.endsWith("rollout.sh")));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-sc-"));
    const rendered = path.join(tmp, "ferry-start");
    fs.writeFileSync(
      rendered,
      renderStartScript({ ...VALUES, env: { ...VALUES.env, ODD: "a'b\"c`d $(x) \\e" }, openHttp: true }),
    );
    const renderedHttps = path.join(tmp, "ferry-start-https");
    fs.writeFileSync(
      renderedHttps,
      renderStartScript({
        ...VALUES,
        https: {
          ...TLS_DEFAULTS,
          proxyImage: PROXY_IMAGE,
          acmeEmail: "ops@rusbehabtahi.com",
          acmeStaging: true,
        },
      }),
    );
    const r = spawnSync("shellcheck", ["-x", "-s", "bash", ...files, rendered, renderedHttps], {
      cwd: root,
      encoding: "utf8",
    });
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
