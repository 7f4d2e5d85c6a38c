// `npm run new`: a stack file from a few answers, for either topology, checked by the config gate and planned.
// The flag path in-process; the prompt path as a user runs it (npm, answers piped on stdin).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { parse as parseYaml } from "yaml";
import { parseNewArgs, runNew, stackFile, validate } from "../scripts/new";
import { ROOT, registerStackFile, stackFilePath } from "./support/harness";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "ferry-new-"));

async function newStack(argv: string[], stdin = "") {
  let out = "";
  let err = "";
  const code = await runNew(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    input: Readable.from([stdin]),
  });
  return { code, out, err };
}

describe("npm run new", () => {
  it("flags: a fargate-ha stack in eu-north-1 with a domain, valid, planned completely with no undefined", async function () {
    this.timeout(120000);
    const dir = tmp();
    const r = await newStack([
      "shop-staging",
      "--out-dir",
      dir,
      "--topology",
      "fargate-ha",
      "--app-dir",
      "./app",
      "--name",
      "shop",
      "--port",
      "3000",
      "--health-path",
      "/healthz",
      "--region",
      "eu-north-1",
      "--account",
      "444455556666",
      "--domain",
      "example.net",
    ]);
    assert.strictEqual(r.code, 0, r.err);
    const file = path.join(dir, "Pulumi.shop-staging.yaml");
    assert.strictEqual(stackFilePath("shop-staging"), file);
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    assert.deepStrictEqual(doc.config, {
      "aws:region": "eu-north-1",
      "aws:allowedAccountIds": ["444455556666"],
      "ferry:topology": "fargate-ha",
      "ferry:app": { name: "shop", port: 3000, healthPath: "/healthz", cpu: 256, memory: 512 },
      "ferry:image": { context: "./app", platform: "linux/amd64" },
      "ferry:dns": { domain: "example.net", record: "shop" },
    });
    assert.match(fs.readFileSync(file, "utf8"), /^ {2}# fargate-ha: your container on ECS Fargate/m);
    assert.match(r.err, /^wrote Pulumi\.shop-staging\.yaml; the config check passes\.$/m);
    assert.match(r.out, /^Stack shop-staging \(fargate-ha, eu-north-1\)/);
    assert.match(r.out, /^not priced: nothing$/m);
    assert.match(r.out, /^Clashes with other stack files: none\.$/m);
    assert.doesNotMatch(r.out, /undefined/);
    assert.deepStrictEqual(
      r.out.split("\n").filter((l) => [...l].length > 120),
      [],
    );
  });

  it("flags with --yes: an ec2-demo from the defaults, without DNS; the account has no default", async function () {
    this.timeout(60000);
    const dir = tmp();
    const missing = await newStack(["d1", "--out-dir", dir, "--yes"]);
    assert.deepStrictEqual([missing.code, missing.err], [2, "--account is required (no default)\n"]);
    const r = await newStack(["d1", "--out-dir", dir, "--yes", "--account", "444455556666", "--no-plan"]);
    assert.strictEqual(r.code, 0, r.err);
    const doc = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.d1.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    assert.deepStrictEqual(doc.config["ferry:app"], {
      name: "app",
      port: 8501,
      healthPath: "/_stcore/health",
    });
    assert.strictEqual(doc.config["ferry:topology"], "ec2-demo");
    assert.strictEqual(doc.config["ferry:dns"], undefined);
    // An existing file is kept unless --force.
    const again = await newStack(["d1", "--out-dir", dir, "--yes", "--account", "444455556666"]);
    assert.deepStrictEqual(
      [again.code, again.err],
      [2, "Pulumi.d1.yaml exists: choose another stack name, or --force to overwrite it\n"],
    );
  });

  it("refuses bad flags before asking anything, naming the flag, the value and what is expected", () => {
    assert.deepStrictEqual(
      parseNewArgs(["x", "--port", "99999", "--region", "mars", "--account", "12", "--topology", "k8s"])
        .problems,
      [
        '--topology: got "k8s", expected "ec2-demo" or "fargate-ha"',
        '--port: got "99999", expected a port number from 1 to 65535',
        '--region: got "mars", expected a region such as "eu-west-1"',
        '--account: got "12", expected a 12-digit AWS account id',
      ],
    );
    assert.deepStrictEqual(parseNewArgs([]).problems, ["no stack name given"]);
    assert.deepStrictEqual(parseNewArgs(["a/b"]).problems, [
      'stack name "a/b": expected letters, digits, "-", "_" or "."',
    ]);
    assert.deepStrictEqual(parseNewArgs(["x", "--app-dir", "no-such-dir"]).problems, [
      `--app-dir: got "no-such-dir", expected an existing directory under ${ROOT}`,
    ]);
  });

  it("reports what the config gate refuses in the written file (port 80 with the demo's HTTPS proxy)", async () => {
    const dir = tmp();
    const r = await newStack([
      "bad80",
      "--out-dir",
      dir,
      "--yes",
      "--account",
      "444455556666",
      "--port",
      "80",
      "--domain",
      "example.com",
    ]);
    assert.strictEqual(r.code, 1);
    assert.match(
      r.err,
      /^Pulumi\.bad80\.yaml written, but the config check fails:\n {2}ferry:app\.port: got 80, expected a port other than 80 and 443/m,
    );
  });

  it("prompts: asks again after a bad answer, takes defaults on empty lines", async function () {
    this.timeout(60000);
    const dir = tmp();
    // topology, app dir, name, port (bad, then good), health path, region, account, domain (none)
    const answers = ["fargate-ha", "", "web", "http", "9000", "/up", "ap-south-1", "444455556666", ""].join(
      "\n",
    );
    const r = await newStack(["p1", "--out-dir", dir, "--no-plan"], `${answers}\n`);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(
      r.err,
      /^Port the container listens on \[8501\]: http\n {2}expected a port number from 1 to 65535\n/m,
    );
    const doc = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.p1.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    assert.deepStrictEqual(doc.config["ferry:app"], {
      name: "web",
      port: 9000,
      healthPath: "/up",
      cpu: 256,
      memory: 512,
    });
    assert.strictEqual(doc.config["aws:region"], "ap-south-1");
  });

  it("prompts through `npm run -s new` with answers piped on stdin, then prints the plan", function () {
    this.timeout(180000);
    const dir = tmp();
    const answers = [
      "ec2-demo",
      "./app",
      "piped",
      "8501",
      "/_stcore/health",
      "ca-central-1",
      "444455556666",
      "",
    ];
    const r = spawnSync("npm", ["run", "-s", "new", "--", "p2", "--out-dir", dir], {
      cwd: ROOT,
      input: `${answers.join("\n")}\n`,
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /^Topology: ec2-demo .* \[ec2-demo\]: ec2-demo$/m);
    assert.match(r.stdout, /^Stack p2 \(ec2-demo, ca-central-1\)/);
    assert.match(r.stdout, /^not priced: nothing$/m);
  });

  it("every written file passes the config gate for both topologies, with and without a domain", () => {
    const dir = tmp();
    let n = 0;
    for (const topology of ["ec2-demo", "fargate-ha"] as const)
      for (const domain of ["", "example.com"]) {
        const stack = `gate${n++}`;
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(
          file,
          stackFile(stack, {
            topology,
            appDir: "./app",
            port: 8080,
            healthPath: "/",
            region: "sa-east-1",
            account: "444455556666",
            domain,
            record: domain ? "@" : "",
            name: "xy",
          }),
        );
        registerStackFile(stack, file);
        assert.deepStrictEqual(validate(stack), [], `${topology} ${domain || "no domain"}`);
      }
    // Positive control: the gate does reject a broken file.
    fs.writeFileSync(path.join(dir, "Pulumi.gate0.yaml"), "config:\n  aws:region: eu-west-1\n");
    assert.ok(validate("gate0").length > 0, "a file without topology, account or app fails the gate");
  });
});
