// What the IAM simulation needs from one evaluated stack, read from the declared resources (never from the
// committed config): the CI roles with their documents, the app roles, the provider's tags, and the requests
// a real `pulumi up` of each declared resource makes.
import type { Evaluation, Overrides, Recorded } from "./harness";
import { json, stackConfig } from "./harness";
import type { IamRequest, NamedPolicy } from "./iam";

/** A stack file without `ferry:ci` is evaluated as if it had the smallest one: the roles' shape is the same. */
export function withCi(stack: string): Overrides {
  return "ferry:ci" in stackConfig(stack).config
    ? {}
    : { config: { "ferry:ci": { repository: "example-owner/example-repo" } } };
}

export interface CiRoleDocs {
  readonly arn: string;
  readonly name: string;
  readonly trust: unknown;
  /** Inline and attached managed policies, as declared. */
  readonly policies: NamedPolicy[];
}

export interface StackFacts {
  readonly stack: string;
  readonly region: string;
  readonly account: string;
  /** ferry's tags on every resource (the provider's default tags). */
  readonly tags: Readonly<Record<string, string>>;
  readonly roles: { deploy: CiRoleDocs; preview?: CiRoleDocs; drift: CiRoleDocs };
  /** The app roles (outside /ferry-ci/) and the service each trusts. */
  readonly appRoles: { name: string; arn: string; service: string }[];
  readonly instanceProfiles: { name: string; arn: string }[];
}

const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function parseMaybe(v: unknown): any {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function stackFacts(ev: Evaluation): StackFacts {
  const region = ev.config["aws:region"] ?? "us-east-1";
  const account =
    (JSON.parse(ev.config["aws:allowedAccountIds"] ?? '["123456789012"]') as string[])[0] ?? "123456789012";
  // The stack's provider ("aws"); a stack with a domain outside us-east-1 has a second one for CloudFront's
  // certificate ("aws-us-east-1", same account pin and tags).
  const providers = ev.ofType("pulumi:providers:aws");
  const provider = providers.find((p) => p.name === "aws") ?? ev.one("pulumi:providers:aws");
  for (const p of providers)
    if (
      JSON.stringify(parseMaybe(p.inputs.defaultTags)) !==
      JSON.stringify(parseMaybe(provider.inputs.defaultTags))
    )
      throw new Error(`${ev.stack}: provider ${p.name} has other default tags than ${provider.name}`);
  const defaultTags = parseMaybe(provider.inputs.defaultTags) as
    { tags?: Record<string, string> } | undefined;
  const tags = defaultTags?.tags ?? {};

  const roles = ev.ofType("aws:iam/role:Role");
  const policies = ev.ofType("aws:iam/policy:Policy");
  const ciRole = (kind: string): CiRoleDocs | undefined => {
    const role = roles.find((r) => r.inputs.path === "/ferry-ci/" && r.name.endsWith(`-ci-${kind}`));
    if (!role) return undefined;
    const name = str(role.state.name ?? role.inputs.name);
    const inline = ev
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((p) => p.inputs.role === name)
      .map((p) => ({ name: p.name, policy: json(p.inputs.policy, p.name) }));
    const attached = ev
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.inputs.role === name)
      .map((a) => {
        const managed = policies.find((p) => p.state.arn === a.inputs.policyArn);
        if (!managed)
          throw new Error(`${name}: attached ${a.inputs.policyArn} is not declared by the program`);
        return { name: managed.name, policy: json(managed.inputs.policy, managed.name) };
      });
    return {
      arn: str(role.state.arn),
      name,
      trust: json(role.inputs.assumeRolePolicy, role.name),
      policies: [...inline, ...attached],
    };
  };
  const deploy = ciRole("deploy");
  const drift = ciRole("drift");
  if (!deploy || !drift) throw new Error(`${ev.stack}: the program declares no CI deploy/drift role`);

  const appRoles = roles
    .filter((r) => r.inputs.path !== "/ferry-ci/")
    .map((r) => {
      const trust = json<{ Statement: { Principal?: { Service?: string | string[] } }[] }>(
        r.inputs.assumeRolePolicy,
        r.name,
      );
      const services = trust.Statement.flatMap((s) => [s.Principal?.Service ?? []].flat());
      if (services.length !== 1)
        throw new Error(`${r.name}: expected one trusted service, got ${services.join(", ")}`);
      return { name: str(r.state.name ?? r.inputs.name), arn: str(r.state.arn), service: services[0] };
    });
  const instanceProfiles = ev
    .ofType("aws:iam/instanceProfile:InstanceProfile")
    .map((p) => ({ name: str(p.state.name ?? p.inputs.name), arn: str(p.state.arn) }));
  return {
    stack: ev.stack,
    region,
    account,
    tags,
    roles: { deploy, preview: ciRole("preview"), drift },
    appRoles,
    instanceProfiles,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The calls a real deploy makes, per declared resource type
// ---------------------------------------------------------------------------------------------------------

export interface DeployCall {
  readonly why: string;
  readonly request: IamRequest;
  /** Also made by a preview (the program's lookups) or a refresh (reading the resource back). */
  readonly alsoBy?: readonly ("preview" | "drift")[];
}

/** Request context helpers: what AWS sets on a regional call, on a tagged create, on an existing resource. */
export function contexts(f: StackFacts) {
  const region = { "aws:RequestedRegion": f.region };
  const keys = Object.keys(f.tags);
  return {
    region,
    create: {
      ...region,
      ...Object.fromEntries(keys.map((k) => [`aws:RequestTag/${k}`, f.tags[k]])),
      "aws:TagKeys": keys,
    },
    own: { ...region, ...Object.fromEntries(keys.map((k) => [`aws:ResourceTag/${k}`, f.tags[k]])) },
  };
}

const at = (f: StackFacts) => `${f.region}:${f.account}`;

/** The region a resource is created in: its provider's (the us-east-1 provider for CloudFront's certificate). */
export function regionOf(r: Recorded, ev: Evaluation, f: StackFacts): string {
  if (!r.provider) return f.region;
  const p = ev.ofType("pulumi:providers:aws").find((x) => r.provider.startsWith(`${x.urn}::`));
  return String(p?.inputs.region ?? f.region);
}

/** A certificate's ARN in its provider's region (the mocks name every ARN in the stack's region). */
export function certificateArn(r: Recorded, ev: Evaluation, f: StackFacts): string {
  return String(r.state.arn).replace(/^(arn:aws:acm:)[^:]+:/, `$1${regionOf(r, ev, f)}:`);
}

/** CloudFront is global: its requests carry aws:RequestedRegion us-east-1. */
export function cloudfrontContexts(f: StackFacts) {
  const c = contexts({ ...f, region: "us-east-1" });
  return c;
}

/**
 * The IAM requests `pulumi up` makes to create, change and delete one declared resource (and to pass the
 * roles it references). Unknown types fail the test, so a new resource type cannot skip the simulation.
 */
export function deployCalls(r: Recorded, f: StackFacts, ev: Evaluation): DeployCall[] {
  const c = contexts(f);
  const s = r.state;
  const i = r.inputs;
  const call = (
    why: string,
    action: string,
    resource: string,
    context: IamRequest["context"] = c.region,
    alsoBy?: DeployCall["alsoBy"],
  ): DeployCall => ({
    why: `${r.type} ${r.name}: ${why}`,
    request: { action, resource, context },
    ...(alsoBy ? { alsoBy } : {}),
  });
  const ec2 = (type: string, id: string) => `arn:aws:ec2:${at(f)}:${type}/${id}`;
  const passRole = (roleArn: string, service: string) =>
    call(`pass ${roleArn}`, "iam:PassRole", roleArn, { "iam:PassedToService": service });
  switch (r.type) {
    case "pulumi:providers:aws":
    case "docker-build:index:Image": // pushed below, with the repository
    case "command:local:Command": // runs on the deploying machine; its AWS calls are listed with the instance
    case "aws:acm/certificateValidation:CertificateValidation": // waits; no AWS change
      return [];
    case "aws:ssm/document:Document": {
      // Never changed by CI (like IAM); the rollout (scripts/instance/rollout.sh) runs it on the instance.
      const instance = ev.ofType("aws:ec2/instance:Instance")[0];
      return [
        call("send the rollout", "ssm:SendCommand", s.arn ?? `arn:aws:ssm:${at(f)}:document/${i.name}`),
        ...(instance ? [call("on the stack's instance", "ssm:SendCommand", instance.state.arn, c.own)] : []),
        call("wait for it", "ssm:GetCommandInvocation", "*", c.region),
        call("see the instance's state", "ec2:DescribeInstances", "*", c.region),
      ];
    }
    case "aws:ecr/repository:Repository":
      return [
        call("create", "ecr:CreateRepository", s.arn),
        call("delete", "ecr:DeleteRepository", s.arn),
        call("push an image", "ecr:PutImage", s.arn),
        call("push a layer", "ecr:InitiateLayerUpload", s.arn),
        call("push a layer", "ecr:CompleteLayerUpload", s.arn),
        call("login", "ecr:GetAuthorizationToken", "*"),
      ];
    case "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
      const repo = ev.ofType("aws:ecr/repository:Repository").find((x) => x.state.name === i.repository);
      if (!repo) throw new Error(`${r.name}: lifecycle policy of an undeclared repository ${i.repository}`);
      return [call("put", "ecr:PutLifecyclePolicy", repo.state.arn)];
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return [
        call("create", "logs:CreateLogGroup", `arn:aws:logs:${at(f)}:log-group:${i.name}`),
        call("retention", "logs:PutRetentionPolicy", `arn:aws:logs:${at(f)}:log-group:${i.name}`),
        call("delete", "logs:DeleteLogGroup", `arn:aws:logs:${at(f)}:log-group:${i.name}`),
      ];
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return [
        call("put", "cloudwatch:PutMetricAlarm", s.arn),
        call("delete", "cloudwatch:DeleteAlarms", s.arn),
      ];
    case "aws:sns/topic:Topic":
      return [call("create", "sns:CreateTopic", s.arn), call("delete", "sns:DeleteTopic", s.arn)];
    case "aws:sns/topicSubscription:TopicSubscription":
      return [call("subscribe", "sns:Subscribe", i.topic)];
    case "aws:ssm/parameter:Parameter":
      return [call("put", "ssm:PutParameter", s.arn), call("delete", "ssm:DeleteParameter", s.arn)];
    case "aws:secretsmanager/secret:Secret":
      return [
        call("create", "secretsmanager:CreateSecret", s.arn),
        call("delete", "secretsmanager:DeleteSecret", s.arn),
      ];
    case "aws:secretsmanager/secretVersion:SecretVersion":
      return [call("put value", "secretsmanager:PutSecretValue", i.secretId)];
    case "aws:lambda/function:Function":
      return [
        call("create", "lambda:CreateFunction", `arn:aws:lambda:${at(f)}:function:${i.name}`),
        call("update code", "lambda:UpdateFunctionCode", `arn:aws:lambda:${at(f)}:function:${i.name}`),
        call(
          "update configuration",
          "lambda:UpdateFunctionConfiguration",
          `arn:aws:lambda:${at(f)}:function:${i.name}`,
        ),
        passRole(i.role, "lambda.amazonaws.com"),
      ];
    case "aws:cloudwatch/eventRule:EventRule": {
      const pattern = json<{ source?: string[]; "detail-type"?: string[] }>(i.eventPattern, r.name);
      return [
        call("put", "events:PutRule", `arn:aws:events:${at(f)}:rule/${i.name}`, {
          ...c.region,
          "events:source": pattern.source ?? [],
          "events:detail-type": pattern["detail-type"] ?? [],
        }),
        call("delete", "events:DeleteRule", `arn:aws:events:${at(f)}:rule/${i.name}`),
      ];
    }
    case "aws:cloudwatch/eventTarget:EventTarget":
      return [
        call("put", "events:PutTargets", `arn:aws:events:${at(f)}:rule/${i.rule}`, {
          ...c.region,
          "events:TargetArn": [targetFunctionArn(i.arn, f, ev)],
        }),
      ];
    case "aws:lambda/functionUrl:FunctionUrl":
      return [
        call(
          "create",
          "lambda:CreateFunctionUrlConfig",
          `arn:aws:lambda:${at(f)}:function:${i.functionName}`,
        ),
      ];
    case "aws:lambda/permission:Permission":
      return [
        call("add", "lambda:AddPermission", `arn:aws:lambda:${at(f)}:function:${i.function}`, {
          ...c.region,
          "lambda:Principal": str(i.principal),
          ...(i.functionUrlAuthType ? { "lambda:FunctionUrlAuthType": str(i.functionUrlAuthType) } : {}),
        }),
        call("remove", "lambda:RemovePermission", `arn:aws:lambda:${at(f)}:function:${i.function}`),
      ];
    case "aws:ec2/instance:Instance": {
      const profile = f.instanceProfiles.find((p) => p.name === i.iamInstanceProfile);
      const role = f.appRoles.find((x) => x.service === "ec2.amazonaws.com");
      if (!profile || !role) throw new Error(`${r.name}: no declared instance profile/role`);
      const sgs = (i.vpcSecurityGroupIds ?? []) as string[];
      return [
        call("run: the instance", "ec2:RunInstances", ec2("instance", "i-0new"), {
          ...c.create,
          "ec2:InstanceType": i.instanceType,
          "ec2:InstanceProfile": profile.arn,
          "ec2:MetadataHttpTokens": str(i.metadataOptions?.httpTokens ?? "optional"),
        }),
        call("run: an Amazon AMI", "ec2:RunInstances", `arn:aws:ec2:${f.region}::image/${i.ami}`, {
          ...c.region,
          "ec2:Owner": "amazon",
        }),
        ...sgs.map((sg) =>
          call("run: its security group", "ec2:RunInstances", ec2("security-group", sg), c.own),
        ),
        call("run: its subnet", "ec2:RunInstances", ec2("subnet", i.subnetId), c.region),
        call(
          "run: its network interface",
          "ec2:RunInstances",
          ec2("network-interface", "eni-0new"),
          c.region,
        ),
        call("run: its volume", "ec2:RunInstances", ec2("volume", "vol-0new"), {
          ...c.region,
          "ec2:Encrypted": String(i.rootBlockDevice?.encrypted === true),
        }),
        call("tag at launch", "ec2:CreateTags", ec2("instance", "i-0new"), {
          ...c.create,
          "ec2:CreateAction": "RunInstances",
        }),
        passRole(role.arn, "ec2.amazonaws.com"),
        call("stop", "ec2:StopInstances", s.arn, c.own),
        call("start", "ec2:StartInstances", s.arn, c.own),
        call("change", "ec2:ModifyInstanceAttribute", s.arn, {
          ...c.own,
          "ec2:Attribute": "disableApiStop",
        }),
        call("metadata options", "ec2:ModifyInstanceMetadataOptions", s.arn, {
          ...c.own,
          "ec2:MetadataHttpTokens": str(i.metadataOptions?.httpTokens ?? "optional"),
        }),
        call("terminate", "ec2:TerminateInstances", s.arn, c.own),
      ];
    }
    case "aws:ec2/securityGroup:SecurityGroup":
      return [
        call("create", "ec2:CreateSecurityGroup", ec2("security-group", "sg-0new"), c.create),
        call("create in its VPC", "ec2:CreateSecurityGroup", ec2("vpc", vpcOf(r)), vpcContext(r, ev, f)),
        call("tag at creation", "ec2:CreateTags", ec2("security-group", "sg-0new"), {
          ...c.create,
          "ec2:CreateAction": "CreateSecurityGroup",
        }),
        call("delete", "ec2:DeleteSecurityGroup", s.arn, c.own),
        call("revoke the default egress", "ec2:RevokeSecurityGroupEgress", s.arn, c.own),
      ];
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
      const dir = r.type.includes("Ingress") ? "Ingress" : "Egress";
      const prefixList = i.prefixListId as string | undefined;
      return [
        // aws.ec2.getManagedPrefixList (CloudFront's origin-facing servers), made by preview and deploy alike.
        ...(prefixList
          ? [
              call("look up the prefix list", "ec2:DescribeManagedPrefixLists", "*", c.region, [
                "preview",
                "drift",
              ]),
              call(
                "read its entries",
                "ec2:GetManagedPrefixListEntries",
                `arn:aws:ec2:${f.region}:aws:prefix-list/${prefixList}`,
                c.region,
                ["preview", "drift"],
              ),
            ]
          : []),
        call(
          "authorize on the group",
          `ec2:AuthorizeSecurityGroup${dir}`,
          ec2("security-group", i.securityGroupId),
          c.own,
        ),
        call(
          "the new rule",
          `ec2:AuthorizeSecurityGroup${dir}`,
          ec2("security-group-rule", "sgr-0new"),
          c.create,
        ),
        call("tag the rule", "ec2:CreateTags", ec2("security-group-rule", "sgr-0new"), {
          ...c.create,
          "ec2:CreateAction": `AuthorizeSecurityGroup${dir}`,
        }),
        call("revoke", `ec2:RevokeSecurityGroup${dir}`, ec2("security-group", i.securityGroupId), c.own),
      ];
    }
    case "aws:ec2/vpc:Vpc":
      return [
        call("create", "ec2:CreateVpc", ec2("vpc", "vpc-0new"), c.create),
        call("tag at creation", "ec2:CreateTags", ec2("vpc", "vpc-0new"), {
          ...c.create,
          "ec2:CreateAction": "CreateVpc",
        }),
        call("attributes", "ec2:ModifyVpcAttribute", s.arn, c.own),
        call("delete", "ec2:DeleteVpc", s.arn, c.own),
      ];
    case "aws:ec2/subnet:Subnet":
      return [
        call("create", "ec2:CreateSubnet", ec2("subnet", "subnet-0new"), c.create),
        call("create in the stack's VPC", "ec2:CreateSubnet", ec2("vpc", i.vpcId), c.own),
        call("public IPs", "ec2:ModifySubnetAttribute", ec2("subnet", s.id), c.own),
        call("delete", "ec2:DeleteSubnet", ec2("subnet", s.id), c.own),
      ];
    case "aws:ec2/internetGateway:InternetGateway":
      return [
        call("create", "ec2:CreateInternetGateway", ec2("internet-gateway", "igw-0new"), c.create),
        call("attach", "ec2:AttachInternetGateway", ec2("internet-gateway", s.id), c.own),
        call("attach to the stack's VPC", "ec2:AttachInternetGateway", ec2("vpc", i.vpcId), c.own),
        call("delete", "ec2:DeleteInternetGateway", ec2("internet-gateway", s.id), c.own),
      ];
    case "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway":
      return [
        call(
          "create",
          "ec2:CreateEgressOnlyInternetGateway",
          ec2("egress-only-internet-gateway", "eigw-0new"),
          c.create,
        ),
        call("create in the stack's VPC", "ec2:CreateEgressOnlyInternetGateway", ec2("vpc", i.vpcId), c.own),
        call("tag at creation", "ec2:CreateTags", ec2("egress-only-internet-gateway", "eigw-0new"), {
          ...c.create,
          "ec2:CreateAction": "CreateEgressOnlyInternetGateway",
        }),
        call(
          "delete",
          "ec2:DeleteEgressOnlyInternetGateway",
          ec2("egress-only-internet-gateway", s.id),
          c.own,
        ),
      ];
    case "aws:ec2/routeTable:RouteTable":
      return [
        call("create", "ec2:CreateRouteTable", ec2("route-table", "rtb-0new"), c.create),
        call("create in the stack's VPC", "ec2:CreateRouteTable", ec2("vpc", i.vpcId), c.own),
        call("delete", "ec2:DeleteRouteTable", ec2("route-table", s.id), c.own),
      ];
    case "aws:ec2/route:Route":
      return [call("create", "ec2:CreateRoute", ec2("route-table", i.routeTableId), c.own)];
    case "aws:ec2/routeTableAssociation:RouteTableAssociation":
      return [
        call("associate", "ec2:AssociateRouteTable", ec2("route-table", i.routeTableId), c.own),
        call("associate the subnet", "ec2:AssociateRouteTable", ec2("subnet", i.subnetId), c.own),
      ];
    case "aws:lb/loadBalancer:LoadBalancer":
      return [
        call("create", "elasticloadbalancing:CreateLoadBalancer", s.arn, c.create),
        call("tag at creation", "elasticloadbalancing:AddTags", s.arn, {
          ...c.create,
          "elasticloadbalancing:CreateAction": "CreateLoadBalancer",
        }),
        call("attributes", "elasticloadbalancing:ModifyLoadBalancerAttributes", s.arn, c.own),
        ...(i.ipAddressType === "dualstack"
          ? [
              call(
                "dual-stack (a stack switching to ipv6-only)",
                "elasticloadbalancing:SetIpAddressType",
                s.arn,
                c.own,
              ),
            ]
          : []),
        call("delete", "elasticloadbalancing:DeleteLoadBalancer", s.arn, c.own),
      ];
    case "aws:lb/targetGroup:TargetGroup":
      return [
        call("create", "elasticloadbalancing:CreateTargetGroup", s.arn, c.create),
        call("attributes", "elasticloadbalancing:ModifyTargetGroupAttributes", s.arn, c.own),
        call("delete", "elasticloadbalancing:DeleteTargetGroup", s.arn, c.own),
      ];
    case "aws:lb/listener:Listener":
      return [
        call(
          "create on the stack's load balancer",
          "elasticloadbalancing:CreateListener",
          i.loadBalancerArn,
          c.own,
        ),
        call("modify", "elasticloadbalancing:ModifyListener", s.arn, c.own),
        call("delete", "elasticloadbalancing:DeleteListener", s.arn, c.own),
      ];
    case "aws:lb/listenerRule:ListenerRule":
      return [
        // Tagged at creation like the listener (AddTags on "*" with CreateAction; the reference data lists
        // AddTags on load balancers only, so the simulator cannot check it on a rule's ARN).
        call("create on the stack's listener", "elasticloadbalancing:CreateRule", i.listenerArn, c.own),
        call("move to a new target group", "elasticloadbalancing:ModifyRule", s.arn, c.own),
        call("delete", "elasticloadbalancing:DeleteRule", s.arn, c.own),
      ];
    case "aws:ecs/cluster:Cluster":
      return [call("create", "ecs:CreateCluster", s.arn), call("delete", "ecs:DeleteCluster", s.arn)];
    case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
      const cluster = ev.ofType("aws:ecs/cluster:Cluster").find((x) => x.state.name === i.clusterName);
      if (!cluster) throw new Error(`${r.name}: capacity providers of an undeclared cluster`);
      return [call("put", "ecs:PutClusterCapacityProviders", cluster.state.arn)];
    }
    case "aws:ecs/taskDefinition:TaskDefinition":
      return [
        call("register", "ecs:RegisterTaskDefinition", s.arn),
        call("deregister the old revision", "ecs:DeregisterTaskDefinition", "*", c.region),
        passRole(i.executionRoleArn, "ecs-tasks.amazonaws.com"),
        ...(i.taskRoleArn ? [passRole(i.taskRoleArn, "ecs-tasks.amazonaws.com")] : []),
      ];
    case "aws:ecs/service:Service":
      return [
        call("create", "ecs:CreateService", s.arn, {
          "ecs:cluster": i.cluster,
          "ecs:task-definition": i.taskDefinition,
        }),
        call("update", "ecs:UpdateService", s.arn, {
          "ecs:cluster": i.cluster,
          "ecs:task-definition": i.taskDefinition,
        }),
        call("scale only", "ecs:UpdateService", s.arn, { "ecs:cluster": i.cluster }),
        call("delete", "ecs:DeleteService", s.arn, { "ecs:cluster": i.cluster }),
      ];
    case "aws:appautoscaling/target:Target": {
      const target = `arn:aws:application-autoscaling:${at(f)}:scalable-target/0123456789abcdef0123`;
      const kind = {
        "application-autoscaling:service-namespace": i.serviceNamespace,
        "application-autoscaling:scalable-dimension": i.scalableDimension,
      };
      return [
        call("register", "application-autoscaling:RegisterScalableTarget", target, { ...c.create, ...kind }),
        call("tag at registration", "application-autoscaling:TagResource", target, c.create),
        call("re-register", "application-autoscaling:RegisterScalableTarget", target, { ...c.own, ...kind }),
        call("deregister", "application-autoscaling:DeregisterScalableTarget", target, { ...c.own, ...kind }),
      ];
    }
    case "aws:appautoscaling/policy:Policy": {
      const target = `arn:aws:application-autoscaling:${at(f)}:scalable-target/0123456789abcdef0123`;
      const kind = {
        "application-autoscaling:service-namespace": i.serviceNamespace,
        "application-autoscaling:scalable-dimension": i.scalableDimension,
      };
      return [
        call("put", "application-autoscaling:PutScalingPolicy", target, { ...c.own, ...kind }),
        call("delete", "application-autoscaling:DeleteScalingPolicy", target, { ...c.own, ...kind }),
      ];
    }
    case "aws:s3/bucket:Bucket":
      return [
        call("create", "s3:CreateBucket", s.arn),
        call("tag", "s3:PutBucketTagging", s.arn),
        call("delete", "s3:DeleteBucket", s.arn),
      ];
    case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
      return [call("put", "s3:PutBucketOwnershipControls", `arn:aws:s3:::${i.bucket}`)];
    case "aws:s3/bucketVersioning:BucketVersioning":
      return [call("put", "s3:PutBucketVersioning", `arn:aws:s3:::${i.bucket}`)];
    case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
      return [call("put", "s3:PutEncryptionConfiguration", `arn:aws:s3:::${i.bucket}`)];
    case "aws:s3/bucketPolicy:BucketPolicy":
    case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
      // Data-exposure settings: like IAM, never changed by CI (scripts/ci/iam-gate.ts stops the deploy first).
      return [];
    case "aws:route53/record:Record": {
      const zone = `arn:aws:route53:::hostedzone/${i.zoneId}`;
      const name = String(i.name).toLowerCase().replace(/\.$/, "");
      return (["CREATE", "UPSERT", "DELETE"] as const).map((action) =>
        call(`${action} ${i.type} ${name}`, "route53:ChangeResourceRecordSets", zone, {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [name],
          "route53:ChangeResourceRecordSetsRecordTypes": [i.type],
          "route53:ChangeResourceRecordSetsActions": [action],
        }),
      );
    }
    case "aws:acm/certificate:Certificate": {
      // In its provider's region: us-east-1 for CloudFront, whatever the stack's region.
      const cc = contexts({ ...f, region: regionOf(r, ev, f) });
      const arn = certificateArn(r, ev, f);
      return [
        call("request", "acm:RequestCertificate", "*", {
          ...cc.create,
          "acm:DomainNames": [i.domainName, ...((i.subjectAlternativeNames as string[] | undefined) ?? [])],
        }),
        call("tag at request", "acm:AddTagsToCertificate", arn, cc.create),
        call("delete", "acm:DeleteCertificate", arn, cc.own),
      ];
    }
    case "aws:cloudfront/distribution:Distribution": {
      const cf = cloudfrontContexts(f);
      return [
        call("create (with tags)", "cloudfront:CreateDistribution", "*", cf.create),
        call("tag at creation", "cloudfront:TagResource", s.arn, cf.create),
        call("update (and disable before a delete)", "cloudfront:UpdateDistribution", s.arn, cf.own),
        call("wait for the deployment", "cloudfront:GetDistribution", s.arn, cf.own, ["drift"]),
        call("read its configuration", "cloudfront:GetDistributionConfig", s.arn, cf.own, ["drift"]),
        call("read the tags", "cloudfront:ListTagsForResource", s.arn, cf.own, ["drift"]),
        call("delete", "cloudfront:DeleteDistribution", s.arn, cf.own),
      ];
    }
    case "aws:cloudfront/vpcOrigin:VpcOrigin": {
      const cf = cloudfrontContexts(f);
      return [
        call("create (with tags)", "cloudfront:CreateVpcOrigin", "*", cf.create),
        call("tag at creation", "cloudfront:TagResource", s.arn, cf.create),
        // CloudFront checks the caller may see the origin's region and load balancer.
        call("the origin's region", "ec2:DescribeRegions", "*", c.region),
        call("the origin's load balancer", "elasticloadbalancing:DescribeLoadBalancers", "*", c.region),
        call("the origin's listeners", "elasticloadbalancing:DescribeListeners", "*", c.region),
        call("wait for it", "cloudfront:GetVpcOrigin", s.arn, cf.own, ["drift"]),
        call("read the tags", "cloudfront:ListTagsForResource", s.arn, cf.own, ["drift"]),
        call("update", "cloudfront:UpdateVpcOrigin", s.arn, cf.own),
        call("delete", "cloudfront:DeleteVpcOrigin", s.arn, cf.own),
      ];
    }
    case "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {
      const cf = cloudfrontContexts(f);
      const arn = `arn:aws:cloudfront::${f.account}:response-headers-policy/${s.id ?? r.name}`;
      return [
        call("create", "cloudfront:CreateResponseHeadersPolicy", "*", cf.region),
        call("read", "cloudfront:GetResponseHeadersPolicy", arn, cf.region, ["drift"]),
        call("update", "cloudfront:UpdateResponseHeadersPolicy", arn, cf.region),
        call("delete", "cloudfront:DeleteResponseHeadersPolicy", arn, cf.region),
      ];
    }
    default:
      if (r.type.startsWith("aws:iam/")) return []; // CI never changes IAM: the gate stops the deploy first
      if (!r.custom) return [];
      throw new Error(
        `${r.type} (${r.name}): no deploy calls are known for this resource type; add them to test/support/iamStack.ts`,
      );
  }
}

/**
 * A rule target's real ARN: the mocks give a function a generic ARN ("…:function/<logical name>"), AWS gives
 * "arn:aws:lambda:<region>:<account>:function:<name>".
 */
export function targetFunctionArn(arn: unknown, f: StackFacts, ev: Evaluation): string {
  const fn = ev.ofType("aws:lambda/function:Function").find((x) => x.state.arn === arn);
  return fn ? `arn:aws:lambda:${at(f)}:function:${str(fn.inputs.name)}` : str(arn);
}

/** The VPC a security group is created in, and what AWS knows about it (its tags) at that moment. */
function vpcOf(r: Recorded): string {
  return String(r.inputs.vpcId ?? "vpc-default");
}
function vpcContext(r: Recorded, ev: Evaluation, f: StackFacts): IamRequest["context"] {
  const own = ev.ofType("aws:ec2/vpc:Vpc").some((v) => v.state.id === r.inputs.vpcId);
  return own ? contexts(f).own : contexts(f).region;
}
