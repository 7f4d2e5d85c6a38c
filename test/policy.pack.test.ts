// The policy pack as the Pulumi CLI runs it (issue 7): policy/index.ts started by @pulumi/pulumi's own
// policy-pack runner (TypeScript type-checked with policy/tsconfig.json, as `pulumi preview --policy-pack
// policy` does), with this test standing in for the engine over gRPC. Plus the pack's packaging: its
// PulumiPolicy.yaml, its pinned dependencies and lock file, and the workflows that pass it to pulumi/actions.
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { policies, resourcePolicies, stackPolicies } from "../policy/rules";
import { ROOT } from "./support/harness";

const POLICY_DIR = path.join(ROOT, "policy");

// The engine's side of the protocol, from the SDK the pack itself loads.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [POLICY_DIR] }));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const rpc = require(path.join(pulumiDir, "proto", "analyzer_grpc_pb.js"));
const pb = require(path.join(pulumiDir, "proto", "analyzer_pb.js"));
const { Empty } = require(
  require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }),
);
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
);

interface Pack {
  child: ChildProcess;
  client: any;
  stderr: () => string;
}

/** Starts policy/ the way the Node.js language host does and connects to the port it prints. */
function startPack(): Promise<Pack> {
  const runner = path.join(pulumiDir, "cmd", "run-policy-pack");
  // <engine-address> is unused by policy packs; the runner only requires one.
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
    cwd: POLICY_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`the pack exited (${code}) before serving:\n${err}`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const port = /^(\d+)\s*$/m.exec(out)?.[1];
      if (port)
        resolve({
          child,
          client: new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()),
          stderr: () => err,
        });
    });
  });
}

const call = <T>(client: any, method: string, request: unknown): Promise<T> =>
  new Promise((resolve, reject) =>
    client[method](request, (e: Error | null, response: T) => (e ? reject(e) : resolve(response))),
  );

function analyzerResource(type: string, name: string, props: Record<string, unknown>, protect = false) {
  const options = new pb.AnalyzerResourceOptions();
  options.setProtect(protect);
  return {
    urn: `urn:pulumi:test::ferry::${type}::${name}`,
    type,
    name,
    props: Struct.fromJavaScript(props),
    options,
  };
}

describe("policy pack: served by the Pulumi runner, with this test as the engine", function () {
  this.timeout(120000);
  let pack: Pack;

  before(async () => {
    pack = await startPack();
  });
  after(() => {
    pack?.client.close();
    // The runner serves until killed; this ends only the process this test started.
    pack?.child.kill();
  });

  it("registers every rule of policy/rules.ts exactly once, all mandatory, as pack ferry@0.1.0", async () => {
    const info = await call<any>(pack.client, "getAnalyzerInfo", new Empty());
    assert.equal(info.getName(), "ferry");
    assert.equal(info.getVersion(), "0.1.0");
    const served: { name: string; level: number }[] = info
      .getPoliciesList()
      .map((p: any) => ({ name: p.getName(), level: p.getEnforcementlevel() }));
    assert.deepEqual(
      served.map((p) => p.name),
      policies.map((p) => p.name),
    );
    assert.equal(new Set(served.map((p) => p.name)).size, served.length, "a rule served twice");
    for (const p of served)
      assert.equal(p.level, pb.EnforcementLevel.MANDATORY, `${p.name} is not mandatory`);
    assert.ok(served.length >= 12, `${served.length} rules`);
  });

  it("Analyze: a NAT gateway is a mandatory violation of no-nat-gateway; a private bucket's inputs pass", async () => {
    const analyze = async (r: ReturnType<typeof analyzerResource>) => {
      const req = new pb.AnalyzeRequest();
      req.setUrn(r.urn);
      req.setType(r.type);
      req.setName(r.name);
      req.setProperties(r.props);
      req.setOptions(r.options);
      const res = await call<any>(pack.client, "analyze", req);
      return res.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: d.getEnforcementlevel(),
        message: d.getMessage(),
      }));
    };
    const nat = await analyze(analyzerResource(TYPE.nat, "nat", { subnetId: "subnet-1" }));
    assert.deepEqual(
      nat.map((d: any) => [d.policy, d.level]),
      [["no-nat-gateway", pb.EnforcementLevel.MANDATORY]],
    );
    assert.match(nat[0].message, /NAT gateways are not used by ferry/);
    assert.deepEqual(await analyze(analyzerResource(TYPE.bucket, "data", { forceDestroy: false }, true)), []);
  });

  it("AnalyzeStack (preview of a new stack): settings found through property dependencies, missing ones reported", async () => {
    // What the engine sends for a value not known yet (the SDK's unknown-string sentinel).
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const bucket = analyzerResource(TYPE.bucket, "data", { bucketPrefix: "data-" }, true);
    const block = analyzerResource(TYPE.publicAccessBlock, "data-pab", {
      bucket: unknown,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const tls = analyzerResource(TYPE.bucketPolicy, "data-tls", { bucket: unknown, policy: unknown });
    const resources = [
      { r: bucket, deps: {} },
      { r: block, deps: { bucket: [bucket.urn] } },
      { r: tls, deps: { bucket: [bucket.urn], policy: [bucket.urn] } },
    ].map(({ r, deps }) => {
      const res = new pb.AnalyzerResource();
      res.setUrn(r.urn);
      res.setType(r.type);
      res.setName(r.name);
      res.setProperties(r.props);
      res.setOptions(r.options);
      for (const [key, urns] of Object.entries(deps)) {
        const d = new pb.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        res.getPropertydependenciesMap().set(key, d);
      }
      return res;
    });
    const req = new pb.AnalyzeStackRequest();
    req.setResourcesList(resources);
    const out = await call<any>(pack.client, "analyzeStack", req);
    const diagnostics = out
      .getDiagnosticsList()
      .map((d: any) => [d.getPolicyname(), d.getUrn(), d.getEnforcementlevel()]);
    // The public access block and the TLS policy are recognised as the bucket's although their `bucket` is
    // unknown; the TLS document itself is judged at `pulumi up`. Only the missing encryption is reported.
    assert.deepEqual(diagnostics, [["s3-bucket-encrypted", bucket.urn, pb.EnforcementLevel.MANDATORY]]);
    assert.equal(pack.stderr().includes("Error"), false, pack.stderr());
  });
});

const TYPE = {
  nat: "aws:ec2/natGateway:NatGateway",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
};

describe("policy pack: entry, packaging and CI wiring", () => {
  const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
  const rootPkg = JSON.parse(read("package.json"));
  const packPkg = JSON.parse(read("policy/package.json"));

  it("rules.ts declares the rules, index.ts alone serves them (new PolicyPack nowhere else)", () => {
    assert.deepEqual(
      policies.map((p) => p.name),
      [...resourcePolicies, ...stackPolicies].map((p) => p.name),
    );
    const files = fs
      .readdirSync(POLICY_DIR)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `policy/${f}`);
    const serving = files.filter((f) => /new\s+PolicyPack\s*\(/.test(read(f)));
    assert.deepEqual(serving, ["policy/index.ts"]);
    assert.match(read("policy/index.ts"), /policies: \[\.\.\.policies\]/);
    // Every rule states its level; none relies on the pack's default.
    for (const p of policies) assert.equal(p.enforcementLevel, "mandatory", p.name);
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
  });

  it("PulumiPolicy.yaml: a Node.js pack named like the PolicyPack", () => {
    const manifest = parseYaml(read("policy/PulumiPolicy.yaml"));
    assert.equal(manifest.runtime, "nodejs");
    assert.equal(manifest.name, "ferry");
    assert.match(read("policy/index.ts"), /new PolicyPack\("ferry"/);
  });

  it("package.json: exact pins, the same versions the program and the tests use; lock file in step", () => {
    const rootVersions = { ...rootPkg.dependencies, ...rootPkg.devDependencies };
    const wanted = { ...packPkg.dependencies, ...packPkg.devDependencies } as Record<string, string>;
    assert.deepEqual(Object.keys(packPkg.dependencies).sort(), ["@pulumi/policy", "@pulumi/pulumi"]);
    for (const [name, version] of Object.entries(wanted)) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly`);
      assert.equal(version, rootVersions[name], `${name}: the root package has ${rootVersions[name]}`);
    }
    assert.ok(packPkg.version, "PolicyPack reads its version from package.json");
    const lock = JSON.parse(read("policy/package-lock.json"));
    assert.deepEqual(lock.packages[""].dependencies, packPkg.dependencies);
    assert.deepEqual(lock.packages[""].devDependencies, packPkg.devDependencies);
    for (const [name, version] of Object.entries(wanted))
      assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `${name} in the lock file`);
  });

  it("preview.yml and deploy.yml install the pack (npm ci --prefix policy, no install scripts) and pass its directory", () => {
    for (const file of ["preview.yml", "deploy.yml"]) {
      const wf = parseYaml(read(`.github/workflows/${file}`));
      const steps = Object.values<any>(wf.jobs).flatMap((j) => j.steps ?? []);
      const pulumiSteps = steps.filter(
        (s) => String(s.uses ?? "").startsWith("pulumi/actions@") && s.with?.command !== undefined,
      );
      assert.ok(pulumiSteps.length > 0, file);
      for (const s of pulumiSteps)
        assert.equal(
          s.with.policyPacks,
          "${{ hashFiles('policy/PulumiPolicy.yaml') != '' && 'policy' || '' }}",
        );
      const installs = steps.filter((s) => s.run === "npm ci --prefix policy --ignore-scripts");
      assert.equal(installs.length, pulumiSteps.length, `${file}: one install per pulumi step`);
      for (const s of installs) assert.equal(s.if, "hashFiles('policy/package-lock.json') != ''");
    }
    for (const f of ["policy/PulumiPolicy.yaml", "policy/package-lock.json"])
      assert.ok(fs.existsSync(path.join(ROOT, f)), `${f}: the workflows' hashFiles conditions need it`);
  });
});
