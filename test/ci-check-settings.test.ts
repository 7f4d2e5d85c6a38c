// scripts/ci/check-settings.sh: the first step of every credentialed job stops it with the name of the missing
// repository variable instead of a later, opaque AWS or Pulumi login error.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "./support/harness";

describe("scripts/ci/check-settings.sh", () => {
  const script = path.join(ROOT, "scripts", "ci", "check-settings.sh");
  const run = (env: Record<string, string>) =>
    spawnSync("bash", [script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
  const role = "arn:aws:iam::123456789012:role/ferry-ci/ragstream-demo-ci-deploy";
  const cloud = {
    PULUMI_ORGANIZATION: "acme",
    PULUMI_TEAM: "ferry-deploy",
    TEAM_VARIABLE: "PULUMI_DEPLOY_TEAM",
  };

  it("passes with a role ARN and Pulumi Cloud (organization + team) or a self-managed backend (URL)", () => {
    let r = run({ ROLE_VARIABLE: "AWS_DEPLOY_ROLE_ARN_DEMO", ROLE_ARN: role, ...cloud });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /backend Pulumi Cloud organization acme, team ferry-deploy/);
    r = run({ ROLE_VARIABLE: "X", ROLE_ARN: role, BACKEND_URL: "s3://state?region=eu-central-1" });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /backend s3:\/\/state/);
  });

  it("names the missing role variable", () => {
    const r = run({ ROLE_VARIABLE: "AWS_DEPLOY_ROLE_ARN_DEMO", ROLE_ARN: "", ...cloud });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^::error::Repository variable AWS_DEPLOY_ROLE_ARN_DEMO is not set\./);
  });

  it("rejects a value that is not a role ARN", () => {
    const r = run({ ROLE_VARIABLE: "V", ROLE_ARN: "arn:aws:iam::123456789012:user/ci", ...cloud });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /is not an IAM role ARN/);
  });

  it("asks for a backend when neither the organization nor the URL is set", () => {
    const r = run({ ROLE_VARIABLE: "V", ROLE_ARN: role, BACKEND_URL: "" });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /No Pulumi backend configured: set the variable PULUMI_ORGANIZATION/);
  });

  it("with Pulumi Cloud, names the missing team variable", () => {
    const r = run({ ROLE_VARIABLE: "V", ROLE_ARN: role, ...cloud, PULUMI_TEAM: "" });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /Repository variable PULUMI_DEPLOY_TEAM is not set/);
  });
});
