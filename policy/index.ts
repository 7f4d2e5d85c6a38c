// ferry's policy pack: the one place that serves the rules of ./rules.ts (which never does, so tests call
// them directly). Run it with the program: `npm ci --prefix policy && pulumi preview --policy-pack policy`.
// CI passes it to pulumi/actions (`policyPacks: policy`) in preview.yml and deploy.yml.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("ferry", {
  description:
    "ferry: network, IAM, secrets, storage and deployment-safety rules for the EC2 demo and Fargate stacks",
  // Every rule also says "mandatory" itself; this is the default for a rule added without one.
  enforcementLevel: "mandatory",
  policies: [...policies],
});
