// The Fargate topology's network (P1): public subnets in several Availability Zones and no NAT gateway.
// Tasks get public IPs and reach ECR, Secrets Manager and CloudWatch through the internet gateway, which is
// what keeps the baseline cost down (a NAT gateway alone would cost ~$33/month per AZ). Optionally one
// private subnet per zone as well, with no route out of the VPC, for the internal load balancer that only
// CloudFront's VPC origin reaches.
//
// Plain @pulumi/aws resources rather than awsx.ec2.Vpc: every subnet, route and association is visible in
// `pulumi preview` and to the tests, and no NAT gateway can appear by a changed default.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";

export type NetworkArgs =
  | {
      /** CIDR of the new VPC (`ferry:fargate.vpcCidr`); one public subnet per AZ is cut from it. */
      readonly cidr: string;
      /** Availability Zones to spread over (`ferry:fargate.azCount`; an ALB needs two). */
      readonly azCount: number;
      /**
       * Also one private subnet per zone (local routes only), the same size as the public ones and cut from
       * the VPC right after them. Not a config key: FargateService asks for it behind CloudFront.
       * @default false
       */
      readonly privateSubnets?: boolean;
    }
  | {
      /** Existing VPC. Its subnets must route 0.0.0.0/0 to an internet gateway (tasks get public IPs). */
      readonly vpcId: string;
      /** Public subnets of that VPC, in at least two Availability Zones. */
      readonly subnetIds: readonly string[];
    };

/**
 * CIDRs of the private subnets: the next `count` blocks after the public ones, of the same size. Throws a
 * config error when the VPC has no room (only very small VPCs: /23 and /24 with two zones).
 */
export function privateSubnetCidrs(vpcCidr: string, count: number): string[] {
  const both = subnetCidrs(vpcCidr, 2 * count);
  const publics = subnetCidrs(vpcCidr, count);
  if (both.slice(0, count).join() !== publics.join())
    throw ConfigError.of({
      key: "ferry:fargate.vpcCidr",
      value: vpcCidr,
      expected: `a VPC CIDR with room for ${count} public and ${count} private subnets of the same size (a /22 or larger)`,
    });
  return both.slice(count);
}

/**
 * `count` equal subnets of `vpcCidr`, each as large as sensible: /20s out of a /16, never smaller than the
 * room `count` needs and never larger than a quarter of the VPC's bits allow (a /24 is the smallest VPC we
 * accept). Pure, so tests check it directly.
 */
export function subnetCidrs(vpcCidr: string, count: number): string[] {
  const [address, bitsText] = vpcCidr.split("/");
  const bits = Number(bitsText);
  const needed = Math.ceil(Math.log2(Math.max(count, 1)));
  const subnetBits = Math.max(bits + needed, Math.min(bits + 4, 24));
  if (subnetBits > 28)
    throw ConfigError.of({
      key: "ferry:fargate.vpcCidr",
      value: vpcCidr,
      expected: `a VPC CIDR with room for ${count} subnets of at least /28`,
    });
  const base = address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - subnetBits);
  return Array.from({ length: count }, (_, i) => {
    const n = base + i * size;
    const ip = [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
    return `${ip}/${subnetBits}`;
  });
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** Public subnets, one per AZ: the tasks live here (and an internet-facing ALB). */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /**
   * Private subnets, one per AZ, for an internal load balancer. An existing VPC passes its given subnets;
   * a new one without `privateSubnets` has none (an empty list).
   */
  public readonly privateSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:network:Network", name, {}, opts);

    if ("vpcId" in args) {
      // Nothing to create: the ids are passed through so callers treat both cases alike.
      this.vpcId = pulumi.output(args.vpcId);
      this.publicSubnetIds = pulumi.output([...args.subnetIds]);
      this.privateSubnetIds = this.publicSubnetIds;
      this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds });
      return;
    }

    const { cidr, azCount } = args;
    // Checked before anything is declared, so a VPC without room fails with a config error.
    const privateCidrs = args.privateSubnets ? privateSubnetCidrs(cidr, azCount) : [];
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      // DNS hostnames/support: tasks resolve AWS endpoints (ECR, Secrets Manager) through the VPC resolver.
      { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
      { parent: this },
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: name } },
      { parent: this },
    );
    const routes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, tags: { Name: `${name}-public` } },
      { parent: this },
    );
    new aws.ec2.Route(
      `${name}-public-default`,
      { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
      { parent: this },
    );

    // Zones that need no opt-in (skips Local/Wavelength Zones, which an ALB cannot use).
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      { parent: this },
    );
    const zone = (i: number) =>
      zones.names.apply((names) => {
        if (names.length < azCount)
          throw ConfigError.of({
            key: "ferry:fargate.azCount",
            value: azCount,
            expected: `at most ${names.length}, the Availability Zones this region offers`,
          });
        return names[i];
      });
    // The subnet count comes from config, not from the lookup: resources are never declared inside apply.
    const subnets = subnetCidrs(cidr, azCount).map((subnetCidr, i) => {
      const az = zone(i);
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: subnetCidr,
          availabilityZone: az,
          // Tasks get their public IP from the service's assignPublicIp; nothing else should land here with one.
          mapPublicIpOnLaunch: false,
          tags: { Name: pulumi.interpolate`${name}-public-${az}` },
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: routes.id },
        { parent: this },
      );
      return subnet;
    });

    // Private subnets share one route table with only the VPC's local route: nothing in them can reach or be
    // reached from the internet.
    const privateRoutes =
      privateCidrs.length > 0
        ? new aws.ec2.RouteTable(
            `${name}-private`,
            { vpcId: vpc.id, tags: { Name: `${name}-private` } },
            { parent: this },
          )
        : undefined;
    const privateSubnets = privateCidrs.map((subnetCidr, i) => {
      const az = zone(i);
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: subnetCidr,
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          tags: { Name: pulumi.interpolate`${name}-private-${az}` },
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: privateRoutes!.id },
        { parent: this },
      );
      return subnet;
    });

    this.vpcId = vpc.id;
    this.publicSubnetIds = pulumi.all(subnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}
