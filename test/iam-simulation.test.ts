// The CI roles under an IAM policy evaluator (@cloud-copilot/iam-simulate), for every stack file: the
// documents are the ones the evaluated program declares, the requests are built from the resources it
// declares. Three questions per stack:
//   1. Is every escalation route Denied? Each attempt has a positive control — the same call on the stack's
//      own resource, Allowed — so a denial cannot come from a malformed ARN or a missing context key.
//   2. Is every call a deploy of the declared resources makes Allowed (except IAM, which CI never changes)?
//   3. Does the preview role (pull requests) read only what a preview needs?
// docs/security.md says what this proves and what only AWS can.
import * as assert from "node:assert/strict";
import { stackPrefix } from "../components/names";
import { evaluateStack, stackFiles, type Evaluation } from "./support/harness";
import { evaluate, type Decision, type IamRequest, type NamedPolicy } from "./support/iam";
import {
  certificateArn,
  cloudfrontContexts,
  contexts,
  deployCalls,
  regionOf,
  stackFacts,
  targetFunctionArn,
  withCi,
  type StackFacts,
} from "./support/iamStack";

type RoleKind = "deploy" | "preview" | "drift";

interface Attempt {
  /** The escalation route (the issue's numbering where it has one). */
  readonly route: string;
  readonly role: RoleKind;
  readonly request: IamRequest;
  /** The same call on this stack's own resource, which the design allows; absent where it allows none. */
  readonly control?: IamRequest;
}

function policiesOf(f: StackFacts, role: RoleKind): { principal: string; policies: NamedPolicy[] } {
  const r = f.roles[role];
  if (!r) throw new Error(`${f.stack} has no ${role} role`);
  return {
    principal: `arn:aws:sts::${f.account}:assumed-role/${r.name}/github-actions`,
    policies: r.policies,
  };
}

async function decide(f: StackFacts, role: RoleKind, request: IamRequest): Promise<Decision> {
  const { principal, policies } = policiesOf(f, role);
  return evaluate(principal, f.account, policies, request);
}

const show = (r: IamRequest) => `${r.action} on ${r.resource} ${JSON.stringify(r.context ?? {})}`;

/** The escalation attempts for one stack, derived from what it declares. */
function attempts(ev: Evaluation, f: StackFacts): Attempt[] {
  const c = contexts(f);
  const at = `${f.region}:${f.account}`;
  const iam = (type: string, name: string) => `arn:aws:iam::${f.account}:${type}/${name}`;
  const ec2 = (type: string, id: string) => `arn:aws:ec2:${at}:${type}/${id}`;
  const prefix = stackPrefix(f.tags.app, f.stack);
  /** Other stacks whose names start with this one's: "demo2" and "demo-eu" of the same app. */
  const others = [`${prefix}2`, `${prefix}-eu`];
  const foreignTags = (kind: "Resource" | "Request") => ({
    ...c.region,
    [`aws:${kind}Tag/stack`]: `${f.tags.stack}-eu`,
    [`aws:${kind}Tag/app`]: f.tags.app,
    ...(kind === "Request" ? { "aws:TagKeys": ["stack", "app"] } : {}),
  });
  const untagged = c.region;
  const appRole = f.appRoles[0];
  const out: Attempt[] = [];
  const add = (a: Attempt) => out.push(a);

  // 1. Escalation through IAM: no IAM write of any kind; only PassRole of the stack's own roles.
  const ownRoleName = appRole?.name ?? `${prefix}-instance`;
  for (const [action, resource] of [
    ["iam:CreateRole", iam("role", `${prefix}-x`)],
    ["iam:PutRolePolicy", iam("role", ownRoleName)],
    ["iam:AttachRolePolicy", iam("role", ownRoleName)],
    ["iam:UpdateAssumeRolePolicy", iam("role", ownRoleName)],
    ["iam:DeleteRolePermissionsBoundary", iam("role", ownRoleName)],
    [
      "iam:AddRoleToInstanceProfile",
      iam("instance-profile", f.instanceProfiles[0]?.name ?? `${prefix}-instance`),
    ],
    ["iam:CreatePolicyVersion", iam("policy/ferry-ci", `${prefix}-ci-read`)],
    ["iam:PutRolePolicy", f.roles.deploy.arn],
    ["iam:UpdateAssumeRolePolicy", f.roles.deploy.arn],
    ["iam:CreateAccessKey", iam("user", "admin")],
    ["iam:CreateOpenIDConnectProvider", iam("oidc-provider", "evil.example.com")],
    ["sts:AssumeRole", iam("role", "OrganizationAccountAccessRole")],
  ] as const)
    add({ route: "1 IAM", role: "deploy", request: { action, resource, context: {} } });
  for (const r of f.appRoles) {
    const other = r.service === "lambda.amazonaws.com" ? "ec2.amazonaws.com" : "lambda.amazonaws.com";
    const control = {
      action: "iam:PassRole",
      resource: r.arn,
      context: { "iam:PassedToService": r.service },
    };
    add({
      route: "1 PassRole of a foreign, stronger role",
      role: "deploy",
      request: { ...control, resource: iam("role", "admin") },
      control,
    });
    add({
      route: "1 PassRole of an own role to another service",
      role: "deploy",
      request: { ...control, context: { "iam:PassedToService": other } },
      control,
    });
  }
  // lambda:UpdateFunctionConfiguration / ecs:RegisterTaskDefinition with a stronger role = PassRole of it.
  for (const service of ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]) {
    const own = f.appRoles.find((r) => r.service === service);
    add({
      route: `1 a foreign role passed to ${service.split(".")[0]} (function configuration, task definition, instance)`,
      role: "deploy",
      request: {
        action: "iam:PassRole",
        resource: iam("role", "admin"),
        context: { "iam:PassedToService": service },
      },
      control: own && {
        action: "iam:PassRole",
        resource: own.arn,
        context: { "iam:PassedToService": service },
      },
    });
  }
  const taskDefinition = ev.ofType("aws:ecs/taskDefinition:TaskDefinition")[0];
  add({
    route: "1 ecs:RunTask (a task with a foreign or own task role, run by CI)",
    role: "deploy",
    request: {
      action: "ecs:RunTask",
      resource: taskDefinition?.state.arn ?? `arn:aws:ecs:${at}:task-definition/${prefix}:1`,
      context: c.region,
    },
  });
  add({
    route: "1 a task definition of another family",
    role: "deploy",
    request: {
      action: "ecs:RegisterTaskDefinition",
      resource: `arn:aws:ecs:${at}:task-definition/${others[1]}:1`,
    },
    control: taskDefinition && { action: "ecs:RegisterTaskDefinition", resource: taskDefinition.state.arn },
  });
  const fn = ev.ofType("aws:lambda/function:Function")[0];
  const fnArn = (name: string) => `arn:aws:lambda:${at}:function:${name}`;
  add({
    route: "1 lambda:UpdateFunctionCode of another stack's function",
    role: "deploy",
    request: { action: "lambda:UpdateFunctionCode", resource: fnArn(`${others[0]}-wake`) },
    control: fn && { action: "lambda:UpdateFunctionCode", resource: fnArn(fn.inputs.name) },
  });

  // 2. Tag-on-create adopts foreign resources.
  const instance = ev.ofType("aws:ec2/instance:Instance")[0];
  const sg = ev.ofType("aws:ec2/securityGroup:SecurityGroup")[0];
  const createAction = instance ? "RunInstances" : "CreateSecurityGroup";
  const createdType = instance ? "instance" : "security-group";
  add({
    route: "2 ec2:CreateTags on a foreign resource (no create action) claiming this stack",
    role: "deploy",
    request: { action: "ec2:CreateTags", resource: ec2("instance", "i-0foreign"), context: { ...c.create } },
    control: {
      action: "ec2:CreateTags",
      resource: ec2(createdType, "x-0new"),
      context: { ...c.create, "ec2:CreateAction": createAction },
    },
  });
  add({
    route: "2 ec2:CreateTags at creation with another stack's tags",
    role: "deploy",
    request: {
      action: "ec2:CreateTags",
      resource: ec2(createdType, "x-0new"),
      context: { ...foreignTags("Request"), "ec2:CreateAction": createAction },
    },
    control: {
      action: "ec2:CreateTags",
      resource: ec2(createdType, "x-0new"),
      context: { ...c.create, "ec2:CreateAction": createAction },
    },
  });
  add({
    route: "2 re-tagging an own resource as another stack's",
    role: "deploy",
    request: {
      action: "ec2:CreateTags",
      resource: sg?.state.arn ?? ec2("security-group", "sg-own"),
      context: { ...c.own, "aws:RequestTag/stack": `${f.tags.stack}-eu`, "aws:TagKeys": ["stack"] },
    },
    control: {
      action: "ec2:CreateTags",
      resource: sg?.state.arn ?? ec2("security-group", "sg-own"),
      context: { ...c.own, "aws:RequestTag/Name": "web", "aws:TagKeys": ["Name"] },
    },
  });
  const lb = ev.ofType("aws:lb/loadBalancer:LoadBalancer")[0];
  const foreignLb = `arn:aws:elasticloadbalancing:${at}:loadbalancer/app/other-team/0123456789abcdef`;
  add({
    route: "2 elasticloadbalancing:AddTags on a foreign load balancer (no create action)",
    role: "deploy",
    request: { action: "elasticloadbalancing:AddTags", resource: foreignLb, context: { ...c.create } },
    control: lb && {
      action: "elasticloadbalancing:AddTags",
      resource: lb.state.arn,
      context: { ...c.create, "elasticloadbalancing:CreateAction": "CreateLoadBalancer" },
    },
  });
  add({
    route: "2 terminating a foreign (untagged) instance",
    role: "deploy",
    request: { action: "ec2:TerminateInstances", resource: ec2("instance", "i-0foreign"), context: untagged },
    control: instance && { action: "ec2:TerminateInstances", resource: instance.state.arn, context: c.own },
  });

  // 3. Region-wide creates acting on foreign resources.
  const listener = ev.ofType("aws:lb/listener:Listener")[0];
  add({
    route: "3 CreateListener on another team's load balancer",
    role: "deploy",
    request: { action: "elasticloadbalancing:CreateListener", resource: foreignLb, context: untagged },
    control: lb && { action: "elasticloadbalancing:CreateListener", resource: lb.state.arn, context: c.own },
  });
  add({
    route: "3 CreateRule on another stack's listener",
    role: "deploy",
    request: {
      action: "elasticloadbalancing:CreateRule",
      resource: `arn:aws:elasticloadbalancing:${at}:listener/app/other/0123456789abcdef/0123456789abcdef`,
      context: foreignTags("Resource"),
    },
    control: listener && {
      action: "elasticloadbalancing:CreateRule",
      resource: listener.state.arn,
      context: c.own,
    },
  });
  const runInstance = (context: IamRequest["context"]): IamRequest => ({
    action: "ec2:RunInstances",
    resource: ec2("instance", "i-0new"),
    context,
  });
  const ownLaunch = instance && {
    ...c.create,
    "ec2:InstanceType": instance.inputs.instanceType,
    "ec2:InstanceProfile":
      f.instanceProfiles.find((p) => p.name === instance.inputs.iamInstanceProfile)?.arn ?? "",
    "ec2:MetadataHttpTokens": "required",
  };
  add({
    route: "3 RunInstances with a GPU instance type",
    role: "deploy",
    request: runInstance({ ...(ownLaunch ?? c.create), "ec2:InstanceType": "p5.48xlarge" }),
    control: ownLaunch && runInstance(ownLaunch),
  });
  add({
    route: "3 RunInstances with another instance profile",
    role: "deploy",
    request: runInstance({
      ...(ownLaunch ?? c.create),
      "ec2:InstanceProfile": iam("instance-profile", "admin"),
    }),
    control: ownLaunch && runInstance(ownLaunch),
  });
  add({
    route: "3 RunInstances with a foreign security group",
    role: "deploy",
    request: {
      action: "ec2:RunInstances",
      resource: ec2("security-group", "sg-0foreign"),
      context: foreignTags("Resource"),
    },
    control: instance && sg && { action: "ec2:RunInstances", resource: sg.state.arn, context: c.own },
  });
  add({
    route: "3 RunInstances into a subnet of another stack",
    role: "deploy",
    request: {
      action: "ec2:RunInstances",
      resource: ec2("subnet", "subnet-0foreign"),
      context: foreignTags("Resource"),
    },
    control: instance && {
      action: "ec2:RunInstances",
      resource: ec2("subnet", instance.inputs.subnetId),
      context: c.region,
    },
  });
  add({
    route: "3 RunInstances from an AMI not owned by Amazon",
    role: "deploy",
    request: {
      action: "ec2:RunInstances",
      resource: `arn:aws:ec2:${f.region}::image/ami-0123456789abcdef0`,
      context: { ...c.region, "ec2:Owner": "210987654321" },
    },
    control: instance && {
      action: "ec2:RunInstances",
      resource: `arn:aws:ec2:${f.region}::image/${instance.inputs.ami}`,
      context: { ...c.region, "ec2:Owner": "amazon" },
    },
  });
  const vpc = ev.ofType("aws:ec2/vpc:Vpc")[0];
  add({
    route: "3 CreateSubnet in another stack's VPC",
    role: "deploy",
    request: {
      action: "ec2:CreateSubnet",
      resource: ec2("vpc", "vpc-0foreign"),
      context: foreignTags("Resource"),
    },
    control: vpc && { action: "ec2:CreateSubnet", resource: vpc.state.arn, context: c.own },
  });
  add({
    route: "3 CreateSecurityGroup in another stack's VPC",
    role: "deploy",
    request: {
      action: "ec2:CreateSecurityGroup",
      resource: ec2("vpc", "vpc-0foreign"),
      context: foreignTags("Resource"),
    },
    control: vpc && { action: "ec2:CreateSecurityGroup", resource: vpc.state.arn, context: c.own },
  });
  const cert = ev.ofType("aws:acm/certificate:Certificate")[0];
  // The certificate lives in its provider's region (us-east-1 for CloudFront); so do the foreign ones tried.
  const certRegion = cert ? regionOf(cert, ev, f) : f.region;
  const cc = contexts({ ...f, region: certRegion });
  const certAt = `${certRegion}:${f.account}`;
  const ownCert = cert ? certificateArn(cert, ev, f) : undefined;
  add({
    route: "3 acm:DeleteCertificate on a foreign certificate",
    role: "deploy",
    request: {
      action: "acm:DeleteCertificate",
      resource: `arn:aws:acm:${certAt}:certificate/00000000-0000-4000-8000-000000000000`,
      context: cc.region,
    },
    control: ownCert ? { action: "acm:DeleteCertificate", resource: ownCert, context: cc.own } : undefined,
  });
  const target = ev.ofType("aws:appautoscaling/target:Target")[0];
  /** The one scalable target the program declares: an ECS service's desired count. */
  const ecsKind = {
    "application-autoscaling:service-namespace": "ecs",
    "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
  };
  const scalable = `arn:aws:application-autoscaling:${at}:scalable-target/0123456789abcdef0123`;
  add({
    route: "3 DeregisterScalableTarget on a foreign target",
    role: "deploy",
    request: {
      action: "application-autoscaling:DeregisterScalableTarget",
      resource: scalable,
      context: untagged,
    },
    control: target && {
      action: "application-autoscaling:DeregisterScalableTarget",
      resource: scalable,
      context: { ...c.own, ...ecsKind },
    },
  });

  add({
    route: "3 RegisterScalableTarget over another stack's target",
    role: "deploy",
    request: {
      action: "application-autoscaling:RegisterScalableTarget",
      resource: scalable,
      context: { ...c.create, ...foreignTags("Resource"), ...ecsKind },
    },
    control: target && {
      action: "application-autoscaling:RegisterScalableTarget",
      resource: scalable,
      context: { ...c.create, ...ecsKind },
    },
  });
  add({
    route: "3 claiming another stack's certificate with this stack's tags",
    role: "deploy",
    request: {
      action: "acm:AddTagsToCertificate",
      resource: `arn:aws:acm:${certAt}:certificate/00000000-0000-4000-8000-000000000000`,
      context: { ...cc.create, ...foreignTags("Resource"), "aws:RequestedRegion": certRegion },
    },
    control: ownCert
      ? { action: "acm:AddTagsToCertificate", resource: ownCert, context: cc.create }
      : undefined,
  });
  const certFor = (name: string, region: string): IamRequest => ({
    action: "acm:RequestCertificate",
    resource: "*",
    context: { ...contexts({ ...f, region }).create, "acm:DomainNames": [name] },
  });
  const ownCertRequest = cert && certFor(String(cert.inputs.domainName), certRegion);
  add({
    route: "3 a certificate (in the certificate's region) for another stack's name",
    role: "deploy",
    request: certFor(`${others[0]}.example.com`, certRegion),
    control: ownCertRequest,
  });
  add({
    route: "3 a certificate for the stack's name in another region than CloudFront's (us-east-1)",
    role: "deploy",
    request: certFor(
      String(cert?.inputs.domainName ?? `${prefix}.example.com`),
      certRegion === "eu-central-1" ? "eu-west-1" : "eu-central-1",
    ),
    control: ownCertRequest,
  });
  add({
    route: "3 tagging a certificate at request for another stack",
    role: "deploy",
    request: {
      action: "acm:AddTagsToCertificate",
      resource: ownCert ?? `arn:aws:acm:${certAt}:certificate/00000000-0000-4000-8000-000000000001`,
      context: { ...foreignTags("Request"), "aws:RequestedRegion": certRegion },
    },
    control: ownCert
      ? { action: "acm:AddTagsToCertificate", resource: ownCert, context: cc.create }
      : undefined,
  });

  // 3b. CloudFront: distributions and VPC origins are the stack's only by their tags (ids are generated).
  const cf = cloudfrontContexts(f);
  const cfForeign = (kind: "Resource" | "Request") => ({
    ...foreignTags(kind),
    "aws:RequestedRegion": "us-east-1",
  });
  const distribution = ev.ofType("aws:cloudfront/distribution:Distribution")[0];
  const vpcOrigin = ev.ofType("aws:cloudfront/vpcOrigin:VpcOrigin")[0];
  const foreignDistribution = `arn:aws:cloudfront::${f.account}:distribution/E0FOREIGN00000`;
  const foreignOrigin = `arn:aws:cloudfront::${f.account}:vpcorigin/vo_foreign0000000000000000`;
  const onOwn = (action: string, r: typeof distribution) =>
    r && { action, resource: String(r.state.arn), context: cf.own };
  add({
    route: "3b UpdateDistribution on another stack's distribution",
    role: "deploy",
    request: {
      action: "cloudfront:UpdateDistribution",
      resource: foreignDistribution,
      context: cfForeign("Resource"),
    },
    control: onOwn("cloudfront:UpdateDistribution", distribution),
  });
  add({
    route: "3b DeleteDistribution on an untagged (foreign) distribution",
    role: "deploy",
    request: { action: "cloudfront:DeleteDistribution", resource: foreignDistribution, context: cf.region },
    control: onOwn("cloudfront:DeleteDistribution", distribution),
  });
  const create = (action: string, context: IamRequest["context"]): IamRequest => ({
    action,
    resource: "*",
    context,
  });
  for (const action of ["cloudfront:CreateDistribution", "cloudfront:CreateVpcOrigin"]) {
    add({
      route: `3b ${action} with another stack's tags`,
      role: "deploy",
      request: create(action, cfForeign("Request")),
      control: distribution && create(action, cf.create),
    });
    add({
      route: `3b ${action} without this stack's tags`,
      role: "deploy",
      request: create(action, cf.region),
      control: distribution && create(action, cf.create),
    });
  }
  add({
    route: "3b UpdateVpcOrigin on a foreign VPC origin (pointing CloudFront at another load balancer)",
    role: "deploy",
    request: {
      action: "cloudfront:UpdateVpcOrigin",
      resource: foreignOrigin,
      context: cfForeign("Resource"),
    },
    control: onOwn("cloudfront:UpdateVpcOrigin", vpcOrigin),
  });
  add({
    route: "3b claiming another stack's distribution with this stack's tags",
    role: "deploy",
    request: {
      action: "cloudfront:TagResource",
      resource: foreignDistribution,
      context: { ...cf.create, ...cfForeign("Resource") },
    },
    control: distribution && {
      action: "cloudfront:TagResource",
      resource: String(distribution.state.arn),
      context: cf.create,
    },
  });
  add({
    route: "3b re-tagging the own distribution as another stack's",
    role: "deploy",
    request: {
      action: "cloudfront:TagResource",
      resource: String(distribution?.state.arn ?? foreignDistribution),
      context: { ...cf.own, "aws:RequestTag/stack": `${f.tags.stack}-eu`, "aws:TagKeys": ["stack"] },
    },
    control: distribution && {
      action: "cloudfront:TagResource",
      resource: String(distribution.state.arn),
      context: { ...cf.own, "aws:RequestTag/Name": "web", "aws:TagKeys": ["Name"] },
    },
  });
  add({
    route: "3b the drift role reads another stack's distribution",
    role: "drift",
    request: {
      action: "cloudfront:GetDistributionConfig",
      resource: foreignDistribution,
      context: cfForeign("Resource"),
    },
    control: onOwn("cloudfront:GetDistributionConfig", distribution),
  });

  // 4. A shell on the instance.
  const runShell = `arn:aws:ssm:${f.region}::document/AWS-RunShellScript`;
  const rolloutDocument = documentArn(ev);
  const ownDocument: IamRequest | undefined = rolloutDocument
    ? { action: "ssm:SendCommand", resource: rolloutDocument }
    : undefined;
  add({
    route: "4 ssm:SendCommand with AWS-RunShellScript",
    role: "deploy",
    request: { action: "ssm:SendCommand", resource: runShell, context: {} },
    control: ownDocument,
  });
  add({
    route: "4 rewriting the rollout document to run anything",
    role: "deploy",
    request: {
      action: "ssm:UpdateDocument",
      resource: rolloutDocument ?? `arn:aws:ssm:${at}:document/ferry-${prefix}-rollout`,
    },
  });
  add({
    route: "4 a document of another stack",
    role: "deploy",
    request: { action: "ssm:SendCommand", resource: `arn:aws:ssm:${at}:document/ferry-${others[1]}-rollout` },
    control: ownDocument,
  });
  add({
    route: "4 ssm:SendCommand with another account's document",
    role: "deploy",
    request: {
      action: "ssm:SendCommand",
      resource: `arn:aws:ssm:${f.region}:210987654321:document/Anything`,
    },
    control: ownDocument,
  });
  add({
    route: "4 ssm:SendCommand to a foreign instance",
    role: "deploy",
    request: {
      action: "ssm:SendCommand",
      resource: ec2("instance", "i-0foreign"),
      context: foreignTags("Resource"),
    },
    control:
      instance && documentArn(ev)
        ? { action: "ssm:SendCommand", resource: instance.state.arn, context: c.own }
        : undefined,
  });

  // 5. Route 53 beyond the stack's records.
  const record = ev.ofType("aws:route53/record:Record")[0];
  const zoneId = record?.inputs.zoneId ?? "Z0000000000000000000";
  const zone = `arn:aws:route53:::hostedzone/${zoneId}`;
  const rr = (name: string, type: string) => ({
    action: "route53:ChangeResourceRecordSets",
    resource: zone,
    context: {
      "route53:ChangeResourceRecordSetsNormalizedRecordNames": [name],
      "route53:ChangeResourceRecordSetsRecordTypes": [type],
      "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
    },
  });
  const own = record && String(record.inputs.name).toLowerCase().replace(/\.$/, "");
  const apex = own ? own.split(".").slice(-2).join(".") : "example.com";
  const control = own ? rr(own, record.inputs.type) : undefined;
  add({ route: "5 an MX record at the apex", role: "deploy", request: rr(apex, "MX"), control });
  add({ route: "5 the apex A record", role: "deploy", request: rr(apex, "A"), control });
  add({
    route: "5 an _acme-challenge TXT under the stack's name",
    role: "deploy",
    request: rr(`_acme-challenge.${own ?? apex}`, "TXT"),
    control,
  });
  add({
    route: "5 another stack's record",
    role: "deploy",
    request: rr(`${others[0]}.${apex}`, "A"),
    control,
  });
  const records = ev.ofType("aws:route53/record:Record");
  const ownAaaa = records.find((x) => x.inputs.type === "AAAA");
  const aaaaControl = ownAaaa && rr(String(ownAaaa.inputs.name).toLowerCase().replace(/\.$/, ""), "AAAA");
  add({
    route: "5 an AAAA record for another stack's name",
    role: "deploy",
    request: rr(`${others[0]}.${apex}`, "AAAA"),
    control: aaaaControl,
  });
  add({
    route: "5 the apex AAAA record",
    role: "deploy",
    request: rr(apex, "AAAA"),
    control: aaaaControl,
  });

  // 6. Name patterns that reach demo2 / demo-eu.
  const alarm = ev.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")[0];
  const param = ev.ofType("aws:ssm/parameter:Parameter")[0];
  const secret = ev.ofType("aws:secretsmanager/secret:Secret")[0];
  const alarmArn = (name: string) => `arn:aws:cloudwatch:${at}:alarm:${name}`;
  const paramArn = (name: string) => `arn:aws:ssm:${at}:parameter${name}`;
  for (const other of others) {
    add({
      route: `6 an alarm of stack ${other}`,
      role: "deploy",
      request: { action: "cloudwatch:DeleteAlarms", resource: alarmArn(`${other}-idle-stop`) },
      control: alarm && { action: "cloudwatch:DeleteAlarms", resource: alarm.state.arn },
    });
    add({
      route: `6 a parameter of stack ${other}`,
      role: "deploy",
      request: { action: "ssm:PutParameter", resource: paramArn(`/ferry/${other}/image`) },
      control: param && { action: "ssm:PutParameter", resource: param.state.arn },
    });
    add({
      route: `6 a secret of stack ${other}`,
      role: "deploy",
      request: {
        action: "secretsmanager:PutSecretValue",
        resource: `arn:aws:secretsmanager:${at}:secret:${other}/KEY-AbCdEf`,
      },
      control: secret && { action: "secretsmanager:PutSecretValue", resource: secret.state.arn },
    });
    add({
      route: `6 the app role of stack ${other}`,
      role: "deploy",
      request: {
        action: "iam:PassRole",
        resource: iam("role", `${other}-instance`),
        context: { "iam:PassedToService": "ec2.amazonaws.com" },
      },
    });
  }
  add({
    route: "6 another stack's resource carrying this stack's tag values but other app",
    role: "deploy",
    request: {
      action: "ec2:TerminateInstances",
      resource: ec2("instance", "i-0foreign"),
      context: {
        ...c.region,
        "aws:ResourceTag/stack": f.tags.stack,
        "aws:ResourceTag/app": `${f.tags.app}x`,
      },
    },
    control: { action: "ec2:TerminateInstances", resource: ec2("instance", "i-0own"), context: c.own },
  });

  // Foreign data: secrets, keys, buckets, repositories, logs, topics.
  const repo = ev.ofType("aws:ecr/repository:Repository")[0];
  add({
    route: "foreign repository push",
    role: "deploy",
    request: { action: "ecr:PutImage", resource: `arn:aws:ecr:${at}:repository/other-team` },
    control: repo && { action: "ecr:PutImage", resource: repo.state.arn },
  });
  add({
    route: "foreign secret value",
    role: "deploy",
    request: {
      action: "secretsmanager:GetSecretValue",
      resource: `arn:aws:secretsmanager:${at}:secret:prod/db-AbCdEf`,
    },
  });
  add({
    route: "foreign KMS key",
    role: "deploy",
    request: {
      action: "kms:Decrypt",
      resource: `arn:aws:kms:${at}:key/00000000-0000-4000-8000-000000000000`,
    },
  });
  add({
    route: "foreign bucket object",
    role: "deploy",
    request: { action: "s3:GetObject", resource: "arn:aws:s3:::other-team-data/customers.csv" },
  });
  const bucket = ev.ofType("aws:s3/bucket:Bucket")[0];
  /** A setting a deploy of the bucket does change: the control that the bucket's ARN is right. */
  const bucketControl: IamRequest | undefined = bucket && {
    action: "s3:PutBucketVersioning",
    resource: bucket.state.arn,
  };
  add({
    route: "foreign bucket policy",
    role: "deploy",
    request: { action: "s3:PutBucketPolicy", resource: "arn:aws:s3:::other-team-data" },
    control: bucketControl,
  });
  const logGroup = ev.ofType("aws:cloudwatch/logGroup:LogGroup")[0];
  add({
    route: "foreign log group",
    role: "deploy",
    request: { action: "logs:DeleteLogGroup", resource: `arn:aws:logs:${at}:log-group:/ecs/other-team` },
    control: logGroup && { action: "logs:DeleteLogGroup", resource: logGroup.state.arn },
  });
  const topic = ev.ofType("aws:sns/topic:Topic")[0];
  add({
    route: "foreign topic subscription",
    role: "deploy",
    request: { action: "sns:Subscribe", resource: `arn:aws:sns:${at}:other-team-alerts` },
    control: topic && { action: "sns:Subscribe", resource: topic.state.arn },
  });
  const service = ev.ofType("aws:ecs/service:Service")[0];
  add({
    route: "another cluster's service",
    role: "deploy",
    request: {
      action: "ecs:UpdateService",
      resource: `arn:aws:ecs:${at}:service/other-cluster/web`,
      context: { "ecs:cluster": `arn:aws:ecs:${at}:cluster/other-cluster` },
    },
    control: service && {
      action: "ecs:UpdateService",
      resource: service.state.arn,
      context: { "ecs:cluster": service.inputs.cluster },
    },
  });

  // 8. The security review's routes (docs/security.md, "How each permission is scoped").
  // 8.1 Exposing the data bucket: its policy, public access block, ACL and every other data-exposure
  // setting are denied on the stack's own bucket (the policy and access block are admin-only, like IAM).
  const ownBucket = bucket?.state.arn ?? `arn:aws:s3:::${prefix}-data-${"a".repeat(26)}`;
  for (const action of [
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketNotification",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketWebsite",
    "s3:PutBucketCORS",
    "s3:PutBucketLogging",
    "s3:PutLifecycleConfiguration",
  ])
    add({
      route: `8.1 ${action} on the stack's own data bucket`,
      role: "deploy",
      request: { action, resource: ownBucket },
      control: bucketControl,
    });
  // 8.2 The generated bucket name: "<prefix>" + exactly 26 characters, so stack "<stack>-data"'s bucket
  // ("<app>-<stack>-data-data-<26>") is not this stack's.
  const bucketPrefix =
    typeof bucket?.inputs.bucketPrefix === "string" ? bucket.inputs.bucketPrefix : `${prefix}-data-`;
  const dataStackBucket = `arn:aws:s3:::${bucketPrefix}data-${"0123456789abcdefghijklmnop"}`;
  add({
    route: "8.2 the data bucket of stack <stack>-data (prefix pattern)",
    role: "deploy",
    request: { action: "s3:PutBucketVersioning", resource: dataStackBucket },
    control: bucketControl,
  });
  add({
    route: "8.2 deleting the data bucket of stack <stack>-data",
    role: "deploy",
    request: { action: "s3:DeleteBucket", resource: dataStackBucket },
    control: bucket && { action: "s3:DeleteBucket", resource: bucket.state.arn },
  });
  add({
    route: "8.2 drift reads the data bucket of stack <stack>-data",
    role: "drift",
    request: { action: "s3:GetBucketPolicy", resource: dataStackBucket },
    control: bucket && { action: "s3:GetBucketPolicy", resource: bucket.state.arn },
  });
  // 8.4 Scalable targets of other services, tagged as this stack's (TagResource has no namespace key).
  for (const [namespace, dimension] of [
    ["dynamodb", "dynamodb:table:WriteCapacityUnits"],
    ["rds", "rds:cluster:ReadReplicaCount"],
  ] as const) {
    const foreign = {
      "application-autoscaling:service-namespace": namespace,
      "application-autoscaling:scalable-dimension": dimension,
    };
    for (const action of ["PutScalingPolicy", "DeregisterScalableTarget", "RegisterScalableTarget"])
      add({
        route: `8.4 ${action} on a ${namespace} target tagged as this stack's`,
        role: "deploy",
        request: {
          action: `application-autoscaling:${action}`,
          resource: scalable,
          context: { ...c.own, ...(action === "RegisterScalableTarget" ? c.create : {}), ...foreign },
        },
        control: target && {
          action: `application-autoscaling:${action}`,
          resource: scalable,
          context: { ...c.own, ...(action === "RegisterScalableTarget" ? c.create : {}), ...ecsKind },
        },
      });
  }
  // 8.5 The demo instance's security settings.
  const ownInstanceArn = instance?.state.arn ?? ec2("instance", "i-0own");
  add({
    route: "8.5 ModifyInstanceMetadataOptions to optional tokens (IMDSv1) on the own instance",
    role: "deploy",
    request: {
      action: "ec2:ModifyInstanceMetadataOptions",
      resource: ownInstanceArn,
      context: { ...c.own, "ec2:MetadataHttpTokens": "optional" },
    },
    control: instance && {
      action: "ec2:ModifyInstanceMetadataOptions",
      resource: ownInstanceArn,
      context: { ...c.own, "ec2:MetadataHttpTokens": "required" },
    },
  });
  add({
    route: "8.5 RunInstances with optional metadata tokens (IMDSv1)",
    role: "deploy",
    request: runInstance({ ...(ownLaunch ?? c.create), "ec2:MetadataHttpTokens": "optional" }),
    control: ownLaunch && runInstance(ownLaunch),
  });
  const volume = (encrypted: string): IamRequest => ({
    action: "ec2:RunInstances",
    resource: ec2("volume", "vol-0new"),
    context: { ...c.region, "ec2:Encrypted": encrypted },
  });
  add({
    route: "8.5 RunInstances with an unencrypted volume",
    role: "deploy",
    request: volume("false"),
    control: instance && volume("true"),
  });
  add({
    route: "8.5 RunInstances onto an existing network interface of another stack",
    role: "deploy",
    request: {
      action: "ec2:RunInstances",
      resource: ec2("network-interface", "eni-0foreign"),
      context: { ...foreignTags("Resource"), "ec2:Subnet": ec2("subnet", instance?.inputs.subnetId ?? "x") },
    },
    control: instance && {
      action: "ec2:RunInstances",
      resource: ec2("network-interface", "eni-0new"),
      context: { ...c.region, "ec2:Subnet": ec2("subnet", instance.inputs.subnetId) },
    },
  });
  add({
    route: "8.5 ModifyInstanceAttribute userData (runs as root at boot) on the own instance",
    role: "deploy",
    request: {
      action: "ec2:ModifyInstanceAttribute",
      resource: ownInstanceArn,
      context: { ...c.own, "ec2:Attribute": "userData" },
    },
    control: instance && {
      action: "ec2:ModifyInstanceAttribute",
      resource: ownInstanceArn,
      context: { ...c.own, "ec2:Attribute": "instanceType" },
    },
  });
  // 8.6 The park rule: only the park function as its target, only EC2 state changes as its pattern.
  const rule = ev.ofType("aws:cloudwatch/eventRule:EventRule")[0];
  const eventTarget = ev.ofType("aws:cloudwatch/eventTarget:EventTarget")[0];
  const ruleArn = `arn:aws:events:${at}:rule/${rule?.inputs.name ?? `${prefix}-park`}`;
  const putTargets = (targetArn: string): IamRequest => ({
    action: "events:PutTargets",
    resource: ruleArn,
    context: { ...c.region, "events:TargetArn": [targetArn] },
  });
  const ownTarget = eventTarget && putTargets(targetFunctionArn(eventTarget.inputs.arn, f, ev));
  add({
    route: "8.6 events:PutTargets with another stack's function",
    role: "deploy",
    request: putTargets(fnArn(`${others[0]}-park`)),
    control: ownTarget,
  });
  add({
    route: "8.6 events:PutTargets with the own wake function (not the rule's target)",
    role: "deploy",
    request: putTargets(fnArn(`${prefix}-wake`)),
    control: ownTarget,
  });
  const putRule = (source: string, detailType: string): IamRequest => ({
    action: "events:PutRule",
    resource: ruleArn,
    context: { ...c.region, "events:source": [source], "events:detail-type": [detailType] },
  });
  const ownRule = rule && putRule("aws.ec2", "EC2 Instance State-change Notification");
  add({
    route: "8.6 events:PutRule matching another source (e.g. every API call)",
    role: "deploy",
    request: putRule("aws.s3", "AWS API Call via CloudTrail"),
    control: ownRule,
  });
  add({
    route: "8.6 events:PutRule without an event source (a schedule)",
    role: "deploy",
    request: { action: "events:PutRule", resource: ruleArn, context: c.region },
    control: ownRule,
  });
  // 8.7 Lambda permissions only for the principals the program grants; services only from this task family.
  const permissions = ev.ofType("aws:lambda/permission:Permission");
  const addPermission = (fnName: string, principal: string, extra = {}): IamRequest => ({
    action: "lambda:AddPermission",
    resource: fnArn(fnName),
    context: { ...c.region, "lambda:Principal": principal, ...extra },
  });
  for (const p of permissions.length ? permissions : [undefined]) {
    const fnName = String(p?.inputs.function ?? `${prefix}-wake`);
    const control =
      p &&
      addPermission(
        fnName,
        String(p.inputs.principal),
        p.inputs.functionUrlAuthType ? { "lambda:FunctionUrlAuthType": p.inputs.functionUrlAuthType } : {},
      );
    add({
      route: `8.7 lambda:AddPermission for another account on ${fnName}`,
      role: "deploy",
      request: addPermission(fnName, "210987654321"),
      control,
    });
    if (p && p.inputs.principal !== "*")
      add({
        route: `8.7 lambda:AddPermission for everyone on ${fnName}`,
        role: "deploy",
        request: addPermission(fnName, "*"),
        control,
      });
  }
  const ownFamilyTask = taskDefinition?.state.arn ?? `arn:aws:ecs:${at}:task-definition/${prefix}:1`;
  for (const action of ["ecs:UpdateService", "ecs:CreateService"])
    add({
      route: `8.7 ${action} with another stack's task definition`,
      role: "deploy",
      request: {
        action,
        resource: service?.state.arn ?? `arn:aws:ecs:${at}:service/${prefix}-cluster/${prefix}`,
        context: {
          "ecs:cluster": service?.inputs.cluster ?? `arn:aws:ecs:${at}:cluster/${prefix}-cluster`,
          "ecs:task-definition": `arn:aws:ecs:${at}:task-definition/${others[0]}:1`,
        },
      },
      control: service && {
        action,
        resource: service.state.arn,
        context: { "ecs:cluster": service.inputs.cluster, "ecs:task-definition": ownFamilyTask },
      },
    });

  // 7. The preview role (any same-repository pull request).
  const ownInstance = instance?.state.arn ?? ec2("instance", "i-0own");
  const previewDenied: [string, IamRequest][] = [
    [
      "instance user data",
      { action: "ec2:DescribeInstanceAttribute", resource: ownInstance, context: c.own },
    ],
    ["task definitions", { action: "ecs:DescribeTaskDefinition", resource: "*", context: c.region }],
    ["a role's inline policy", { action: "iam:GetRolePolicy", resource: iam("role", ownRoleName) }],
    ["access keys", { action: "iam:ListAccessKeys", resource: iam("user", "admin") }],
    [
      "the wake passcode",
      { action: "ssm:GetParameter", resource: paramArn(`/ferry/${prefix}/wake-passcode`) },
    ],
    ["the app's stored secrets", { action: "ssm:GetParameter", resource: paramArn(`/${prefix}/SECRET`) }],
    [
      "a secret value",
      {
        action: "secretsmanager:GetSecretValue",
        resource: `arn:aws:secretsmanager:${at}:secret:${prefix}/KEY-AbCdEf`,
      },
    ],
    [
      "an image push",
      { action: "ecr:PutImage", resource: repo?.state.arn ?? `arn:aws:ecr:${at}:repository/x` },
    ],
  ];
  for (const [what, request] of previewDenied)
    add({
      route: `7 preview reads ${what}`,
      role: "preview",
      request,
      // What the drift (scheduled, default-branch) role may read instead, where it needs it.
      control:
        what === "instance user data" && instance
          ? request
          : what === "task definitions" && taskDefinition
            ? request
            : undefined,
    });
  return out;
}

/** The rollout document the stack declares (ec2-demo), if any. */
function documentArn(ev: Evaluation): string | undefined {
  return ev.ofType("aws:ssm/document:Document")[0]?.state.arn;
}

for (const stack of stackFiles())
  describe(`IAM simulation of the CI roles: ${stack}`, () => {
    let ev: Evaluation;
    let f: StackFacts;
    before(async function () {
      this.timeout(180_000);
      ev = await evaluateStack(stack, withCi(stack));
      f = stackFacts(ev);
    });

    it("denies at least 25 escalation attempts; every allowed control proves the ARN and context are right", async function () {
      this.timeout(120_000);
      const list = attempts(ev, f);
      const failures: string[] = [];
      let denied = 0;
      for (const a of list) {
        const decision = await decide(f, a.role, a.request);
        if (decision === "Allowed") failures.push(`ALLOWED (${a.route}) ${a.role}: ${show(a.request)}`);
        else denied++;
        if (a.control) {
          // Preview attempts are controlled on the drift role: the same read, allowed where it belongs.
          const controlRole = a.role === "preview" ? "drift" : a.role;
          const control = await decide(f, controlRole, a.control);
          if (control !== "Allowed")
            failures.push(`control ${control} (${a.route}) ${controlRole}: ${show(a.control)}`);
        }
      }
      assert.deepEqual(failures, []);
      assert.ok(denied >= 25, `only ${denied} escalation attempts`);
      assert.ok(list.filter((a) => a.control).length >= 10, "too few positive controls");
    });

    it("allows every call a deploy of the declared resources makes (IAM excepted: CI never changes it)", async function () {
      this.timeout(120_000);
      const failures: string[] = [];
      let count = 0;
      for (const r of ev.resources)
        for (const call of deployCalls(r, f, ev)) {
          count++;
          const decision = await decide(f, "deploy", call.request);
          if (decision !== "Allowed") failures.push(`${decision}: ${call.why} — ${show(call.request)}`);
        }
      assert.deepEqual(failures, []);
      assert.ok(count >= 20, `only ${count} deploy calls derived`);
    });

    it("allows the preview role the program's lookups, and the drift role the refresh reads, that a deploy makes", async function () {
      this.timeout(120_000);
      const failures: string[] = [];
      for (const r of ev.resources)
        for (const call of deployCalls(r, f, ev))
          for (const role of call.alsoBy ?? []) {
            if (!f.roles[role]) continue;
            const decision = await decide(f, role, call.request);
            if (decision !== "Allowed")
              failures.push(`${role} ${decision}: ${call.why} — ${show(call.request)}`);
          }
      assert.deepEqual(failures, []);
    });

    it("the IPv6 network permissions follow ferry:fargate.taskNetwork (granted only to a stack with IPv6-only tasks)", async () => {
      const ipv6 = ev.ofType("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway").length > 0;
      const c = contexts(f);
      const at = `${f.region}:${f.account}`;
      const vpc = ev.ofType("aws:ec2/vpc:Vpc")[0]?.state.id ?? "vpc-0aaaaaaaaaaaaaaaa";
      const checks: [string, IamRequest][] = [
        [
          "create an egress-only gateway",
          {
            action: "ec2:CreateEgressOnlyInternetGateway",
            resource: `arn:aws:ec2:${at}:egress-only-internet-gateway/eigw-0new`,
            context: c.create,
          },
        ],
        [
          "delete the stack's egress-only gateway",
          {
            action: "ec2:DeleteEgressOnlyInternetGateway",
            resource: `arn:aws:ec2:${at}:egress-only-internet-gateway/eigw-0own`,
            context: c.own,
          },
        ],
      ];
      for (const [what, request] of checks)
        assert.equal(await decide(f, "deploy", request), ipv6 ? "Allowed" : "ImplicitlyDenied", what);
      // Never granted: switching taskNetwork is an administrator's deploy (it changes these permissions), and
      // AssociateVpcCidrBlock cannot be limited to IPv6 blocks (it would also add IPv4 ranges).
      for (const action of ["ec2:AssociateVpcCidrBlock", "ec2:DisassociateVpcCidrBlock"])
        assert.equal(
          await decide(f, "deploy", { action, resource: `arn:aws:ec2:${at}:vpc/${vpc}`, context: c.own }),
          "ImplicitlyDenied",
          action,
        );
    });

    it("every declared IAM resource is one a CI deploy cannot change", async () => {
      const iamResources = ev.resources.filter((r) => r.type.startsWith("aws:iam/"));
      assert.ok(iamResources.length > 0);
      const deny = [
        ["aws:iam/role:Role", "iam:UpdateAssumeRolePolicy", "role"],
        ["aws:iam/rolePolicy:RolePolicy", "iam:PutRolePolicy", "role"],
        ["aws:iam/policy:Policy", "iam:CreatePolicyVersion", "policy"],
        ["aws:iam/instanceProfile:InstanceProfile", "iam:AddRoleToInstanceProfile", "instance-profile"],
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "iam:AttachRolePolicy", "role"],
      ] as const;
      for (const r of iamResources) {
        const rule = deny.find(([type]) => type === r.type);
        if (!rule) continue;
        const name =
          r.type === "aws:iam/policy:Policy"
            ? String(r.state.arn).split(":policy/")[1]
            : String(r.inputs.role ?? r.state.name ?? r.inputs.name);
        const arn =
          r.state.arn &&
          r.type !== "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
          r.type !== "aws:iam/rolePolicy:RolePolicy"
            ? String(r.state.arn)
            : `arn:aws:iam::${f.account}:${rule[2]}/${name}`;
        assert.equal(
          await decide(f, "deploy", { action: rule[1], resource: arn }),
          "ExplicitlyDenied",
          `${r.type} ${r.name}`,
        );
      }
    });
  });
