// scripts/ci/iam-gate.ts: the deploy job's check that a CI deploy contains no IAM change. Samples are in
// the shape `pulumi preview --json` prints (a preview digest: steps[].op, steps[].urn, steps[].newState).
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { gateMessage, iamChanges, stepType } from "../scripts/ci/iam-gate";

const urn = (type: string, name: string, parent = "ferry:ci:CiAccess") =>
  `urn:pulumi:demo::ferry::${parent}$${type}::${name}`;
const step = (op: string, type: string, name: string, withState = true) => ({
  op,
  urn: urn(type, name),
  provider: "urn:pulumi:demo::ferry::pulumi:providers:aws::aws::0000",
  ...(withState ? { newState: { urn: urn(type, name), custom: true, type, inputs: {} } } : {}),
});
const digest = (...steps: object[]) =>
  JSON.stringify({ config: {}, steps, duration: 1000, changeSummary: { same: 3 } });

describe("scripts/ci/iam-gate.ts", () => {
  it("passes a preview whose changes are all outside IAM (positive control for the failures below)", () => {
    const json = digest(
      step("update", "aws:ec2/instance:Instance", "ragstream-demo-instance"),
      step("create", "aws:ssm/parameter:Parameter", "ragstream-demo-image-ref"),
      step("same", "aws:iam/role:Role", "ragstream-demo-role"),
      step("read", "aws:iam/policy:Policy", "looked-up"),
    );
    assert.deepEqual(iamChanges(json), []);
  });

  for (const op of [
    "create",
    "update",
    "delete",
    "replace",
    "create-replacement",
    "delete-replaced",
    "import",
  ])
    it(`fails on an IAM ${op}`, () => {
      const changes = iamChanges(digest(step(op, "aws:iam/rolePolicy:RolePolicy", "ragstream-demo-policy")));
      assert.deepEqual(changes, [
        {
          op,
          type: "aws:iam/rolePolicy:RolePolicy",
          urn: urn("aws:iam/rolePolicy:RolePolicy", "ragstream-demo-policy"),
        },
      ]);
    });

  it("also stops a change of the demo's rollout document (its content runs as root)", () => {
    const changes = iamChanges(
      digest(step("update", "aws:ssm/document:Document", "ragstream-demo-rollout-doc")),
    );
    assert.equal(changes.length, 1);
    assert.match(gateMessage(changes, "demo"), /rollout document/);
    assert.deepEqual(iamChanges(digest(step("update", "aws:ssm/parameter:Parameter", "image-ref"))), []);
  });

  it("also stops a change of a bucket's policy or public access block (data-exposure settings)", () => {
    for (const type of [
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ])
      for (const op of ["create", "update", "delete", "replace"]) {
        const changes = iamChanges(digest(step(op, type, "carepolicy-data-tls-only")));
        assert.deepEqual(
          changes.map((c) => c.type),
          [type],
          `${op} ${type}`,
        );
        assert.match(gateMessage(changes, "carepolicy"), /IAM or a data-exposure setting/);
        assert.match(gateMessage(changes, "carepolicy"), /public access block/);
      }
    // Positive control: the bucket's other settings are CI's to change.
    assert.deepEqual(
      iamChanges(
        digest(
          step("update", "aws:s3/bucketVersioning:BucketVersioning", "carepolicy-data-versioning"),
          step("update", "aws:s3/bucket:Bucket", "carepolicy-data-bucket"),
          step("same", "aws:s3/bucketPolicy:BucketPolicy", "carepolicy-data-tls-only"),
        ),
      ),
      [],
    );
  });

  it("finds the type in the URN when a delete carries no new state", () => {
    const s = step("delete", "aws:iam/instanceProfile:InstanceProfile", "old-profile", false);
    assert.equal(stepType(s), "aws:iam/instanceProfile:InstanceProfile");
    assert.equal(iamChanges(digest(s)).length, 1);
  });

  it("names every IAM resource and the fix in its message", () => {
    const changes = iamChanges(
      digest(
        step("update", "aws:iam/role:Role", "ragstream-demo-role"),
        step("create", "aws:iam/rolePolicy:RolePolicy", "ragstream-demo-status"),
        step("update", "aws:lambda/function:Function", "ragstream-demo-wake-function"),
      ),
    );
    const message = gateMessage(changes, "demo");
    assert.match(message, /2 resources/);
    assert.match(message, /update\s+aws:iam\/role:Role\s+ragstream-demo-role/);
    assert.match(message, /create\s+aws:iam\/rolePolicy:RolePolicy\s+ragstream-demo-status/);
    assert.doesNotMatch(message, /wake-function/);
    assert.match(message, /pulumi up --stack demo/);
    assert.match(message, /docs\/security\.md/);
  });

  it("refuses input that is not a preview digest", () => {
    assert.throws(() => iamChanges("Previewing update (demo)"), /not JSON/);
    assert.throws(() => iamChanges(JSON.stringify({ summary: {} })), /no "steps" array/);
    assert.throws(() => iamChanges(JSON.stringify({ steps: [{ type: "x" }] })), /without "op" and "urn"/);
  });

  it("the CLI exits 1 with a GitHub error annotation on an IAM change, 0 without, 2 on bad input", function () {
    this.timeout(60_000);
    const cli = path.join(__dirname, "..", "scripts", "ci", "iam-gate.ts");
    const run = (input: string) => {
      try {
        const out = execFileSync(
          process.execPath,
          ["-r", path.join(__dirname, "support", "register.js"), cli, "demo"],
          {
            input,
            encoding: "utf8",
            stdio: ["pipe", "pipe", "pipe"],
          },
        );
        return { code: 0, out, err: "" };
      } catch (e) {
        const x = e as { status: number; stdout: string; stderr: string };
        return { code: x.status, out: x.stdout, err: x.stderr };
      }
    };
    const iam = run(digest(step("update", "aws:iam/role:Role", "ragstream-demo-role")));
    assert.equal(iam.code, 1);
    assert.match(iam.err, /^::error title=IAM change needs a local pulumi up::/m);
    assert.match(iam.err, /pulumi up --stack demo/);
    const clean = run(digest(step("update", "aws:ec2/instance:Instance", "i")));
    assert.equal(clean.code, 0, clean.err);
    assert.equal(run("not json").code, 2);
  });
});
