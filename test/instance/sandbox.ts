// A throw-away "instance" for the shell-script tests: a state directory, a PATH of stand-in commands
// (test/instance/bin) plus symlinks to just the real tools the scripts need, so nothing on the test machine
// (a real docker, aws or curl) is ever reached. No network: IMDS is played by the curl stand-in.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const STANDINS = path.resolve(__dirname, "bin");

/** Real tools the scripts and the stand-ins use; everything else is a stand-in or absent. */
const REAL_TOOLS = [
  "bash", "cat", "cp", "cut", "date", "dirname", "flock", "grep", "head", "install", "ln", "ls", "mkdir", "mktemp",
  "pwd", "readlink", "rm", "sed", "seq", "sha256sum", "stat", "tail", "timeout", "touch", "tr", "wc",
]; // prettier-ignore

/** The instance id IMDS reports in every sandbox. */
export const INSTANCE_ID = "i-0123456789abcdef0";

let toolPaths: Map<string, string> | undefined;

/** Where the real tools live on this machine: looked up once per process (one shell), not per sandbox. */
function realTools(): Map<string, string> {
  if (toolPaths) return toolPaths;
  const r = spawnSync(
    "bash",
    ["-c", 'for t in "$@"; do printf "%s\\t%s\\n" "$t" "$(command -v "$t")"; done', "_", ...REAL_TOOLS],
    {
      encoding: "utf8",
    },
  );
  const found = new Map(
    r.stdout
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => l.split("\t") as [string, string]),
  );
  for (const t of REAL_TOOLS)
    if (!found.get(t)) throw new Error(`the script tests need ${t} on this machine`);
  toolPaths = found;
  return found;
}

export interface SandboxOptions {
  /** Which package manager exists on the "instance". @default "dnf" */
  packageManager?: "dnf" | "apt-get" | "none";
  /** Docker already installed. @default true */
  docker?: boolean;
  /** Docker daemon already running. @default false (the script starts it) */
  dockerRunning?: boolean;
  /** Include the aws stand-in on PATH. @default true */
  aws?: boolean;
}

/** One ferry:status report (`aws ec2 create-tags`): the instance, the stage and the time it carries. */
export interface StatusReport {
  resource: string;
  stage: string;
  time: string;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every stand-in call so far, in order. */
  calls: string[];
}

export class Sandbox {
  public readonly dir: string;
  public readonly state: string;
  public readonly runDir: string;
  /** FERRY_CONF_DIR (the Caddyfile) and FERRY_DATA_DIR (Caddy's certificates) of the scripts run here. */
  public readonly confDir: string;
  public readonly dataDir: string;
  private readonly path: string;

  constructor(options: SandboxOptions = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-instance-"));
    this.state = path.join(this.dir, "state");
    this.runDir = path.join(this.dir, "run");
    this.confDir = path.join(this.dir, "etc-ferry");
    this.dataDir = path.join(this.dir, "var-lib-ferry");
    for (const d of ["bin", "fail", "ssm", "sm", "imds", "containers", "images"])
      fs.mkdirSync(path.join(this.state, d), { recursive: true });
    this.write("imds/instance-id", INSTANCE_ID);

    const tools = path.join(this.dir, "tools");
    fs.mkdirSync(tools);
    const standins = ["curl", "systemctl", "journalctl", "sleep", "shutdown"];
    if (options.aws ?? true) standins.push("aws");
    const pm = options.packageManager ?? "dnf";
    if (pm !== "none") standins.push(pm);
    for (const s of standins) fs.symlinkSync(path.join(STANDINS, s), path.join(tools, s));
    for (const [t, found] of realTools()) fs.symlinkSync(found, path.join(tools, t));
    if (options.docker ?? true)
      fs.symlinkSync(path.join(STANDINS, "docker-standin"), path.join(this.state, "bin", "docker"));
    if (options.dockerRunning) fs.writeFileSync(path.join(this.state, "docker-running"), "");
    // $state/bin first: that is where "installing" Docker puts it.
    this.path = [path.join(this.state, "bin"), tools].join(":");
  }

  /** Writes a file under the state directory. */
  write(rel: string, content: string): void {
    const file = path.join(this.state, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  read(rel: string): string | undefined {
    const file = path.join(this.state, rel);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  }

  /** An SSM parameter; `secure` ones answer only with --with-decryption, like a SecureString. */
  ssmParameter(name: string, value: string, secure = false): void {
    this.write(`ssm/${name.replace(/\//g, "%")}`, `${secure ? "secret:" : ""}${value}`);
  }

  secretsManager(id: string, value: string): void {
    this.write(`sm/${id.replace(/\//g, "%")}`, value);
  }

  /** Makes the stand-in keyed `key` fail its next `times` calls. */
  fail(key: string, times: number): void {
    this.write(`fail/${key.replace(/\//g, "%")}`, String(times));
  }

  /** A container that already exists (e.g. from the previous boot). */
  container(name: string, image: string): void {
    this.write(`containers/${name}/image`, `${image}\n`);
  }

  /** An image already on the "instance" (`docker image inspect` finds it). */
  image(ref: string): void {
    this.write(`images/${ref.replace(/\//g, "%")}`, "");
  }

  hasImage(ref: string): boolean {
    return this.read(`images/${ref.replace(/\//g, "%")}`) !== undefined;
  }

  /** The current value of the zone's A record (the aws stand-in keeps one per zone); undefined: none. */
  dnsRecord(zoneId: string): string | undefined {
    const value = this.read(`route53/${zoneId}.record`)?.trim();
    return value ? value : undefined;
  }

  setDnsRecord(zoneId: string, value: string): void {
    this.write(`route53/${zoneId}.record`, `${value}\n`);
  }

  /** A certificate Caddy obtained earlier for `name`, where it keeps them under FERRY_DATA_DIR. */
  certificate(name: string, ca = "acme-v02.api.letsencrypt.org-directory"): void {
    const dir = path.join(this.dataDir, "caddy", "data", "caddy", "certificates", ca, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.crt`), "-----BEGIN CERTIFICATE-----\n");
  }

  /** Every tag write so far (`aws ec2 create-tags`), in order: the instance and the tags as JSON. */
  private tagWrites(): { resource: string; tags: { Key: string; Value: string }[] }[] {
    return (this.read("tags.log") ?? "")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((line) => {
        const space = line.indexOf(" ");
        return { resource: line.slice(0, space), tags: JSON.parse(line.slice(space + 1)) };
      });
  }

  /** Every ferry:address write so far (the address the DNS record was pointed at), in order. */
  addresses(): string[] {
    return this.tagWrites()
      .filter((w) => w.tags.some((t) => t.Key === "ferry:address"))
      .map((w) => {
        assert.equal(w.tags.length, 1);
        return w.tags[0].Value;
      });
  }

  /** Every idle-alarm reset so far ("<alarm name> <state>"). */
  alarmStates(): string[] {
    return (this.read("alarm-states.log") ?? "").split("\n").filter((l) => l.length > 0);
  }

  /** Every ferry:status report so far, in order. */
  statuses(): StatusReport[] {
    return (this.read("tags.log") ?? "")
      .split("\n")
      .filter((l) => l.length > 0 && !l.includes('"Key":"ferry:address"'))
      .map((line) => {
        const space = line.indexOf(" ");
        const tags = JSON.parse(line.slice(space + 1)) as { Key: string; Value: string }[];
        assert.equal(tags.length, 1, line);
        assert.equal(tags[0].Key, "ferry:status", line);
        const [stage, time, ...rest] = tags[0].Value.split(" ");
        assert.deepEqual(rest, [], line);
        return { resource: line.slice(0, space), stage, time };
      });
  }

  containerNames(): string[] {
    return fs.readdirSync(path.join(this.state, "containers")).sort();
  }

  calls(): string[] {
    return (this.read("calls.log") ?? "").split("\n").filter((l) => l.length > 0);
  }

  /** Runs a bash script file in the sandbox with only the given environment (plus PATH and the state dir). */
  run(script: string, env: Record<string, string> = {}, args: string[] = []): RunResult {
    const r = spawnSync(path.join(this.dir, "tools", "bash"), [script, ...args], {
      encoding: "utf8",
      env: {
        PATH: this.path,
        HOME: this.dir,
        FERRY_TEST_STATE: this.state,
        FERRY_RUN_DIR: this.runDir,
        FERRY_CONF_DIR: this.confDir,
        FERRY_DATA_DIR: this.dataDir,
        FERRY_ALLOW_NON_ROOT: "1",
        FERRY_UPTIME_FILE: path.join(this.state, "uptime"),
        ...env,
      },
      timeout: 30_000,
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: this.calls() };
  }

  /** Writes `content` as an executable script in the sandbox and returns its path. */
  script(name: string, content: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, content, { mode: 0o755 });
    return file;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Asserts that `patterns` match calls in this order (other calls may sit between them); returns the index
 * of each match so callers can check what lies between.
 */
export function inOrder(calls: readonly string[], patterns: readonly RegExp[]): number[] {
  const at: number[] = [];
  let from = 0;
  for (const p of patterns) {
    const i = calls.findIndex((c, n) => n >= from && p.test(c));
    if (i < 0)
      throw new Error(
        `no call matching ${String(p)} after position ${from}; calls were:\n  ${calls.join("\n  ")}`,
      );
    at.push(i);
    from = i + 1;
  }
  return at;
}
