// The Fargate topology's network (P1): task subnets in several Availability Zones and no NAT gateway (a NAT
// gateway alone would cost ~$33/month per AZ). Two kinds of task subnet:
// - "public-ipv4": public subnets; tasks get public IPv4 addresses ($3.65 a month each) and reach ECR,
//   Secrets Manager and CloudWatch through the internet gateway.
// - "ipv6-only": IPv6-only subnets out through an egress-only internet gateway (free, and nothing can open a
//   connection in through it); tasks have no IPv4 address at all.
// Optionally one private subnet per zone as well, with no route out of the VPC, for the internal load
// balancer that only CloudFront's VPC origin reaches (dual-stack when the tasks are IPv6-only: a load
// balancer needs IPv4, and reaches IPv6 targets only from subnets with IPv6).
//
// Plain @pulumi/aws resources rather than awsx.ec2.Vpc: every subnet, route and association is visible in
// `pulumi preview` and to the tests, and no NAT gateway can appear by a changed default.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { ipv6Groups, ipv6Text } from "../config/ipv6";

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
      /** What the task subnets are (see the top of this file). @default "public-ipv4" */
      readonly taskSubnets?: TaskSubnets;
    }
  | {
      /** Existing VPC. Its subnets must route 0.0.0.0/0 to an internet gateway (tasks get public IPs). */
      readonly vpcId: string;
      /** Public subnets of that VPC, in at least two Availability Zones. */
      readonly subnetIds: readonly string[];
    };

export type TaskSubnets = "public-ipv4" | "ipv6-only";

/**
 * What a stack keeps when it goes back from ipv6-only to public-ipv4: the VPC's /56, the load balancer subnets'
 * /64s and (fargateService.ts) the dual-stack load balancer. All free; removing them is the part AWS would
 * sequence badly (the /56 cannot go while the subnets hold /64s, nor those while the load balancer has IPv6
 * addresses in them), so with public-ipv4 these inputs are ignored once set. A stack that never was
 * ipv6-only creates none of them.
 */
export const KEPT_AFTER_IPV6 = {
  vpc: ["assignGeneratedIpv6CidrBlock"],
  privateSubnet: ["ipv6CidrBlock", "assignIpv6AddressOnCreation"],
  loadBalancer: ["ipAddressType"],
} as const;

/**
 * The `index`-th /64 of a VPC's Amazon-provided IPv6 /56 ("2600:1f18:abc:de00::/56", 1 →
 * "2600:1f18:abc:de01::/64"). Pure; AWS gives every VPC a /56, so there are 256 of them.
 */
export function ipv6SubnetCidr(vpcIpv6Cidr: string, index: number): string {
  const [address, bits] = vpcIpv6Cidr.split("/");
  const groups = ipv6Groups(address);
  if (!groups || bits !== "56" || !Number.isInteger(index) || index < 0 || index > 255)
    throw new Error(`ipv6SubnetCidr: expected a /56 and an index 0-255, got ${vpcIpv6Cidr} and ${index}`);
  groups[3] = (groups[3] & 0xff00) | index;
  return `${ipv6Text([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/** Whether the VPC has room for `count` public and `count` private subnets of the same size. Pure. */
export function hasPrivateSubnetRoom(vpcCidr: string, count: number): boolean {
  return (
    subnetCidrs(vpcCidr, 2 * count)
      .slice(0, count)
      .join() === subnetCidrs(vpcCidr, count).join()
  );
}

/** The longest VPC prefix with room for `count` public and `count` private subnets (22 for two zones). */
export function largestPrefixWithPrivateRoom(count: number): number {
  let bits = 16;
  while (bits < 24 && hasPrivateSubnetRoom(`10.0.0.0/${bits + 1}`, count)) bits++;
  return bits;
}

/**
 * CIDRs of the private subnets: the next `count` blocks after the public ones, of the same size. The config
 * refuses a VPC without room (config/fargate.ts); this throws the same config error if one gets here.
 */
export function privateSubnetCidrs(vpcCidr: string, count: number): string[] {
  if (!hasPrivateSubnetRoom(vpcCidr, count))
    throw ConfigError.of({
      key: "ferry:fargate.vpcCidr",
      value: vpcCidr,
      expected: `a VPC CIDR with room for ${count} public and ${count} private subnets of the same size (a /${largestPrefixWithPrivateRoom(count)} or larger)`,
    });
  return subnetCidrs(vpcCidr, 2 * count).slice(count);
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
  /** Public subnets, one per AZ, for an internet-facing ALB (none with IPv6-only tasks: an empty list). */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Where the tasks live, one subnet per AZ: the public subnets, or the IPv6-only ones. */
  public readonly taskSubnetIds: pulumi.Output<string[]>;
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
      this.taskSubnetIds = this.publicSubnetIds;
      this.privateSubnetIds = this.publicSubnetIds;
      this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds });
      return;
    }

    const { cidr, azCount } = args;
    const ipv6Tasks = args.taskSubnets === "ipv6-only";
    // Checked before anything is declared, so a VPC without room fails with a config error.
    const privateCidrs = args.privateSubnets ? privateSubnetCidrs(cidr, azCount) : [];
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: cidr,
        // DNS hostnames/support: tasks resolve AWS endpoints (ECR, Secrets Manager) through the VPC resolver.
        enableDnsHostnames: true,
        enableDnsSupport: true,
        // An Amazon-provided /56 (free) for the IPv6-only task subnets and the dual-stack load balancer.
        ...(ipv6Tasks ? { assignGeneratedIpv6CidrBlock: true } : {}),
        tags: { Name: name },
      },
      // Back from ipv6-only the /56 stays (free): AWS would refuse to release it while the load balancer's
      // subnets still hold their /64s, and every later `pulumi up` would stop at the VPC.
      { parent: this, ignoreChanges: ipv6Tasks ? [] : [...KEPT_AFTER_IPV6.vpc] },
    );
    // Also with IPv6-only tasks and an internal load balancer: a CloudFront VPC origin needs the VPC to have an
    // internet gateway, though nothing routes through it then.
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: name } },
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
    // /64 number `index` of the VPC's /56: the task subnets take 0..azCount-1, the private ones the next.
    const ipv6Block = (index: number) => vpc.ipv6CidrBlock.apply((block) => ipv6SubnetCidr(block, index));

    // The subnet count comes from config, not from the lookup: resources are never declared inside apply.
    const subnets = ipv6Tasks
      ? this.ipv6TaskSubnets(name, { vpc, azCount, zone, ipv6Block })
      : this.publicSubnets(name, { vpc, igw, cidr, azCount, zone });

    // Private subnets share one route table with only the VPC's local routes: nothing in them can reach or be
    // reached from the internet.
    const privateRoutes =
      privateCidrs.length > 0
        ? new aws.ec2.RouteTable(
            `${name}-private`,
            { vpcId: vpc.id, tags: { Name: `${name}-private` } },
            { parent: this },
          )
        : undefined;
    const privateSubnets = privateCidrs.map((subnetCidr, i) =>
      this.zonedSubnet(
        name,
        "private",
        i,
        zone(i),
        privateRoutes!,
        {
          vpcId: vpc.id,
          cidrBlock: subnetCidr,
          mapPublicIpOnLaunch: false,
          // Dual-stack beside IPv6-only tasks: the load balancer keeps the IPv4 CloudFront's VPC origin uses
          // and reaches the tasks over IPv6.
          ...(ipv6Tasks ? { ipv6CidrBlock: ipv6Block(azCount + i), assignIpv6AddressOnCreation: false } : {}),
        },
        ipv6Tasks ? [] : [...KEPT_AFTER_IPV6.privateSubnet],
      ),
    );

    this.vpcId = vpc.id;
    this.taskSubnetIds = pulumi.all(subnets.map((s) => s.id));
    this.publicSubnetIds = ipv6Tasks ? pulumi.output([]) : this.taskSubnetIds;
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      taskSubnetIds: this.taskSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }

  /** One public subnet per zone, routed to the internet gateway: tasks there get public IPv4 addresses. */
  private publicSubnets(
    name: string,
    a: {
      vpc: aws.ec2.Vpc;
      igw: aws.ec2.InternetGateway;
      cidr: string;
      azCount: number;
      zone: (i: number) => pulumi.Output<string>;
    },
  ): aws.ec2.Subnet[] {
    const routes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: a.vpc.id, tags: { Name: `${name}-public` } },
      { parent: this },
    );
    new aws.ec2.Route(
      `${name}-public-default`,
      { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: a.igw.id },
      { parent: this },
    );
    return subnetCidrs(a.cidr, a.azCount).map((subnetCidr, i) =>
      this.zonedSubnet(name, "public", i, a.zone(i), routes, {
        vpcId: a.vpc.id,
        cidrBlock: subnetCidr,
        // Tasks get their public IP from the service's assignPublicIp; nothing else should land here with one.
        mapPublicIpOnLaunch: false,
      }),
    );
  }

  /**
   * One IPv6-only subnet per zone whose only way out is an egress-only internet gateway: tasks can open
   * connections to the internet over IPv6, nothing on the internet can open one to them, and no address is
   * billed. No DNS64: without a NAT64 gateway (~$33 a month per zone) it would only turn "no IPv6 address"
   * into a connection that hangs.
   */
  private ipv6TaskSubnets(
    name: string,
    a: {
      vpc: aws.ec2.Vpc;
      azCount: number;
      zone: (i: number) => pulumi.Output<string>;
      ipv6Block: (index: number) => pulumi.Output<string>;
    },
  ): aws.ec2.Subnet[] {
    const egressOnly = new aws.ec2.EgressOnlyInternetGateway(
      `${name}-eigw`,
      { vpcId: a.vpc.id, tags: { Name: name } },
      { parent: this },
    );
    const routes = new aws.ec2.RouteTable(
      `${name}-tasks`,
      { vpcId: a.vpc.id, tags: { Name: `${name}-tasks` } },
      { parent: this },
    );
    new aws.ec2.Route(
      `${name}-tasks-default-ipv6`,
      { routeTableId: routes.id, destinationIpv6CidrBlock: "::/0", egressOnlyGatewayId: egressOnly.id },
      { parent: this },
    );
    return Array.from({ length: a.azCount }, (_, i) =>
      this.zonedSubnet(name, "tasks", i, a.zone(i), routes, {
        vpcId: a.vpc.id,
        ipv6Native: true,
        ipv6CidrBlock: a.ipv6Block(i),
        assignIpv6AddressOnCreation: true,
        // IPv6-only subnets name hosts after the resource (there is no IPv4 address to name them after).
        privateDnsHostnameTypeOnLaunch: "resource-name",
        enableResourceNameDnsAaaaRecordOnLaunch: true,
        enableDns64: false,
        mapPublicIpOnLaunch: false,
      }),
    );
  }

  /**
   * Subnet `i` of a kind ("public", "private", "tasks") in zone `az`, tagged `<name>-<kind>-<az>` and
   * associated with `routes`: every subnet of this component is made here.
   */
  private zonedSubnet(
    name: string,
    kind: string,
    i: number,
    az: pulumi.Output<string>,
    routes: aws.ec2.RouteTable,
    args: Omit<aws.ec2.SubnetArgs, "availabilityZone" | "tags">,
    ignoreChanges: string[] = [],
  ): aws.ec2.Subnet {
    const subnet = new aws.ec2.Subnet(
      `${name}-${kind}-${i}`,
      { ...args, availabilityZone: az, tags: { Name: pulumi.interpolate`${name}-${kind}-${az}` } },
      { parent: this, ignoreChanges },
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-${kind}-${i}`,
      { subnetId: subnet.id, routeTableId: routes.id },
      { parent: this },
    );
    return subnet;
  }
}
