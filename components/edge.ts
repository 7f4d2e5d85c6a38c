// HTTPS in front of the Fargate service: a CloudFront distribution whose only origin is the internal load
// balancer, reached through a CloudFront VPC origin. Viewers get HTTPS on the distribution's own
// *.cloudfront.net name (no domain needed) or on the configured domain with an ACM certificate from
// us-east-1; the load balancer has no public address at all. docs/fargate.md has the sources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsSafe, physicalName } from "./names";

/**
 * AWS-managed CloudFront policies, by their fixed IDs (CloudFront Developer Guide, "Use managed cache
 * policies" and "Use managed origin request policies").
 */
export const MANAGED_POLICIES = {
  /** CachingDisabled: TTL 0, nothing cached: every request reaches the app (it is dynamic). */
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  /**
   * AllViewer: every viewer header, cookie and query string goes to the origin. The WebSocket upgrade
   * (Sec-WebSocket-Key/-Version) and the ALB's stickiness cookie (AWSALB) need exactly that, and forwarding the
   * viewer's Host keeps Origin and Host consistent for apps that compare them (Streamlit's XSRF check).
   */
  allViewer: "216adef6-5c7f-47e4-b989-5492eafa07d3",
} as const;

/** CloudFront's managed prefix list of its origin-facing servers (VPC origins connect from these ranges). */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";

/** One year, the value HSTS preload lists ask for; browsers then refuse plain HTTP to this name. */
export const HSTS_MAX_AGE_SECONDS = 31536000;

export interface EdgeArgs {
  /** Prefix of the physical names (`${app}-${stack}`). */
  readonly prefix: string;
  /** The internal application load balancer the VPC origin points at. */
  readonly loadBalancer: { readonly arn: pulumi.Input<string>; readonly dnsName: pulumi.Input<string> };
  /** Port of the load balancer's HTTP listener. @default 80 */
  readonly originHttpPort?: number;
  /**
   * Serve this name with this certificate (ACM, us-east-1, validated). @default none: the distribution's
   * *.cloudfront.net name with CloudFront's default certificate
   */
  readonly domain?: { readonly fqdn: string; readonly certificateArn: pulumi.Input<string> };
  /**
   * Seconds CloudFront waits for a response (and, on a WebSocket, for the next frame) from the origin. 60 is
   * the most CloudFront allows without a quota increase. @default 60
   */
  readonly originReadTimeoutSeconds?: number;
}

/** Physical name of the VPC origin and the response headers policy (letters, digits, hyphens; ≤ 64). */
export function edgeName(prefix: string, role: string): string {
  return physicalName(awsSafe(prefix), role, 64);
}

/** The security headers every response gets: HSTS, no MIME sniffing, a conservative referrer policy. */
export function securityHeaders(maxAge = HSTS_MAX_AGE_SECONDS) {
  return {
    // Override: the app cannot weaken HSTS by sending its own header.
    strictTransportSecurity: { accessControlMaxAgeSec: maxAge, includeSubdomains: false, override: true },
    contentTypeOptions: { override: true },
    referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: false },
  };
}

export class Edge extends pulumi.ComponentResource {
  /** https://<fqdn> with a domain, otherwise https://<distribution>.cloudfront.net. */
  public readonly url: pulumi.Output<string>;
  public readonly distributionId: pulumi.Output<string>;
  public readonly distributionArn: pulumi.Output<string>;
  public readonly domainName: pulumi.Output<string>;
  /** Route 53 zone of every CloudFront distribution, for alias records. */
  public readonly hostedZoneId: pulumi.Output<string>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:edge:Edge", name, {}, opts);

    const origin = new aws.cloudfront.VpcOrigin(
      `${name}-origin`,
      {
        vpcOriginEndpointConfig: {
          name: edgeName(args.prefix, "origin"),
          arn: args.loadBalancer.arn,
          httpPort: args.originHttpPort ?? 80,
          httpsPort: 443,
          // Without a domain there is no certificate the load balancer could present for its own internal DNS
          // name; the hop runs inside AWS's network from CloudFront to this VPC.
          originProtocolPolicy: "http-only",
          originSslProtocols: { items: ["TLSv1.2"], quantity: 1 },
        },
      },
      // AWS: a VPC origin takes up to 15 minutes to deploy.
      { parent: this, customTimeouts: { create: "30m", update: "30m", delete: "30m" } },
    );

    const headers = new aws.cloudfront.ResponseHeadersPolicy(
      `${name}-headers`,
      {
        name: edgeName(args.prefix, "security-headers"),
        comment: `HSTS and security headers for ${args.prefix}`,
        securityHeadersConfig: securityHeaders(),
      },
      { parent: this },
    );

    const originId = "app";
    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: `${args.prefix}: HTTPS in front of the internal load balancer`,
        aliases: args.domain ? [args.domain.fqdn] : undefined,
        // Viewers may connect over IPv6 at no charge; the origin side stays inside AWS.
        isIpv6Enabled: true,
        httpVersion: "http2and3",
        priceClass: "PriceClass_All",
        origins: [
          {
            originId,
            domainName: args.loadBalancer.dnsName,
            vpcOriginConfig: {
              vpcOriginId: origin.id,
              originReadTimeout: args.originReadTimeoutSeconds ?? 60,
              // Below the load balancer's 60 s idle timeout, so CloudFront never reuses a closed connection.
              originKeepaliveTimeout: 5,
            },
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: originId,
          // Plain HTTP gets a 301 to HTTPS; nothing is served in plain text.
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: MANAGED_POLICIES.cachingDisabled,
          originRequestPolicyId: MANAGED_POLICIES.allViewer,
          responseHeadersPolicyId: headers.id,
          // CachingDisabled turns compression off at the edge; the app compresses if it wants to.
          compress: false,
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: args.domain
          ? {
              acmCertificateArn: args.domain.certificateArn,
              sslSupportMethod: "sni-only",
              minimumProtocolVersion: "TLSv1.2_2021",
            }
          : // CloudFront's own certificate covers *.cloudfront.net; its security policy is fixed by AWS.
            { cloudfrontDefaultCertificate: true },
        // `pulumi up` returns once the distribution is deployed to the edge (several minutes).
        waitForDeployment: true,
      },
      { parent: this, customTimeouts: { create: "45m", update: "45m", delete: "45m" } },
    );

    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.domainName = distribution.domainName;
    this.hostedZoneId = distribution.hostedZoneId;
    this.url = args.domain
      ? pulumi.output(`https://${args.domain.fqdn}`)
      : pulumi.interpolate`https://${distribution.domainName}`;
    this.registerOutputs({ url: this.url, distributionId: this.distributionId, domainName: this.domainName });
  }
}
