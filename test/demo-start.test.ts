// The instance start script (D5, D6) and the rollout script (D8), rendered by the real TypeScript functions
// and executed by bash against stand-in aws/docker/curl/systemctl/dnf/apt-get/sleep (test/instance/bin).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderStartScript, type StartScriptValues } from "../components/ec2Demo";
import { inOrder, Sandbox, type RunResult, type SandboxOptions } from "./instance/sandbox";

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

/** A sandboxed instance with the RAGstream parameters in place and a public IPv4 in IMDS. */
function instance(options: SandboxOptions = {}, values: StartScriptValues = VALUES) {
  const box = new Sandbox(options);
  box.ssmParameter(IMAGE_PARAM, REF);
  box.ssmParameter(SECRET_PARAM, SECRET, true);
  box.write("imds/public-ipv4", IP);
  const script = box.script("ferry-start", renderStartScript(values));
  return { box, start: (env: Record<string, string> = {}) => box.run(script, env) };
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

describe("ferry-start.sh on an instance (D5, D6)", () => {
  const boxes: Sandbox[] = [];
  const make = (options?: SandboxOptions, values?: StartScriptValues) => {
    const i = instance(options, values);
    boxes.push(i.box);
    return i;
  };
  after(() => boxes.forEach((b) => b.cleanup()));

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
    const args = box.read("containers/ragstream/args")!.split("\n");
    const published = args.flatMap((a, i) => (args[i - 1] === "-p" ? [a] : []));
    assert.deepEqual(published, ["8501:8501", "80:8501"]);
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
    assert.equal(count(r.calls, /route53|meta-data/), 0);
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

describe("rollout.sh: a new digest reaches a running instance (D8)", () => {
  const ROLLOUT = path.resolve(__dirname, "..", "scripts", "instance", "rollout.sh");
  const ENV = { INSTANCE_ID: "i-0123456789abcdef0", AWS_REGION: "eu-central-1", IMAGE_REF: REF };
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

  it("a running instance: send-command restarts ferry-app, polls until Success, exits 0", () => {
    const box = make();
    box.write("invocation-statuses", "Pending\nInProgress\nInProgress\nSuccess\n");
    const r = box.run(ROLLOUT, ENV);
    assert.equal(r.status, 0, r.stderr);
    inOrder(r.calls, [
      /^aws ec2 describe-instances /,
      /^aws ssm send-command --region eu-central-1 --instance-ids i-0123456789abcdef0 --document-name AWS-RunShellScript /,
      /^aws ssm get-command-invocation .*--command-id cmd-0123456789abcdef --instance-id i-0123456789abcdef0 --query Status/,
    ]);
    assert.equal(count(r.calls, /--query Status/), 4);
    assert.deepEqual(sleeps(r.calls), ["5", "5", "5"]);
    assert.equal(box.read("send-command-document"), "AWS-RunShellScript\n");
    const params = JSON.parse(box.read("send-command-parameters.json")!);
    assert.deepEqual(params.executionTimeout, ["1800"]);
    assert.match(params.commands[0], /systemctl is-active ferry-app \| grep -qx activating/);
    assert.equal(params.commands[1], "if /usr/local/bin/ferry-start --is-current; then exit 0; fi");
    assert.match(params.commands[2], /^if systemctl restart ferry-app; then journalctl -u ferry-app /);
    assert.match(r.stdout, /instance i-0123456789abcdef0 now runs .*@sha256:/);
    assert.match(r.stdout, /ferry-start: done: app is healthy/, "the remote journal tail is shown");
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
    const r = spawnSync("shellcheck", ["-x", "-s", "bash", ...files, rendered], {
      cwd: root,
      encoding: "utf8",
    });
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
