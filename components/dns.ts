// DNS (S5): the hosted zone of the configured domain, records in it, and a DNS-validated ACM certificate (in
// the region of the provider it is given: us-east-1 for CloudFront). Entirely optional: stacks without a `ferry:dns` block never create this component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";

export interface DnsArgs {
  /** Domain of an existing public Route 53 hosted zone in this account, e.g. "example.com". */
  readonly domain: string;
  /** Fully qualified name the app answers on, inside that zone. */
  readonly fqdn: string;
  /** Issue a DNS-validated ACM certificate for `fqdn` (CloudFront in front of the Fargate ALB serves it). */
  readonly certificate: boolean;
  /**
   * Provider the certificate and its validation are created with. CloudFront accepts certificates from
   * us-east-1 only, so a stack in another region passes a us-east-1 provider here (same account pin and
   * tags). @default the component's provider (the stack's region)
   */
  readonly certificateProvider?: pulumi.ProviderResource;
  /** How long `pulumi up` waits for ACM to validate the certificate. @default "45m" */
  readonly validationTimeout?: string;
}

/** Route 53 hosted-zone ARNs have neither region nor account. */
export function zoneArn(zoneId: string): string {
  return `arn:aws:route53:::hostedzone/${zoneId}`;
}

export class Dns extends pulumi.ComponentResource {
  public readonly zoneId: pulumi.Output<string>;
  public readonly zoneArn: pulumi.Output<string>;
  public readonly fqdn: string;
  /** ARN of the validated certificate; set only when `certificate` was requested. */
  public readonly certificateArn?: pulumi.Output<string>;

  constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:dns:Dns", name, {}, opts);
    if (!(args.fqdn === args.domain || args.fqdn.endsWith(`.${args.domain}`)))
      throw ConfigError.of({
        key: "ferry:dns.record",
        value: args.fqdn,
        expected: `a name inside the zone "${args.domain}"`,
      });
    this.fqdn = args.fqdn;

    const zone = aws.route53.getZoneOutput({ name: args.domain, privateZone: false }, { parent: this });
    this.zoneId = zone.zoneId;
    this.zoneArn = zone.zoneId.apply(zoneArn);

    if (args.certificate) {
      const cert = new aws.acm.Certificate(
        `${name}-cert`,
        { domainName: args.fqdn, validationMethod: "DNS" },
        // A new certificate must exist before the distribution lets go of the old one.
        { parent: this, deleteBeforeReplace: false, provider: args.certificateProvider },
      );
      // One name → exactly one validation option; index 0 is stable.
      const option = cert.domainValidationOptions[0];
      const validationRecord = new aws.route53.Record(
        `${name}-cert-validation`,
        {
          zoneId: this.zoneId,
          name: option.resourceRecordName,
          type: option.resourceRecordType,
          records: [option.resourceRecordValue],
          ttl: 300,
          // The same CNAME serves every certificate for this name (e.g. during a replacement).
          allowOverwrite: true,
        },
        { parent: this },
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-cert-validated`,
        { certificateArn: cert.arn, validationRecordFqdns: [validationRecord.fqdn] },
        {
          parent: this,
          provider: args.certificateProvider,
          customTimeouts: { create: args.validationTimeout ?? "45m" },
        },
      );
      this.certificateArn = validation.certificateArn;
    }
    this.registerOutputs({ zoneId: this.zoneId, certificateArn: this.certificateArn });
  }

  /**
   * Alias records for `fqdn` pointing at e.g. a load balancer or a CloudFront distribution: an A record
   * (`name`) and, with `ipv6`, an AAAA record (`${name}-aaaa`). Route 53 refuses target health evaluation
   * for a CloudFront target, hence `evaluateTargetHealth`.
   */
  public alias(
    name: string,
    target: {
      dnsName: pulumi.Input<string>;
      zoneId: pulumi.Input<string>;
      /** @default true */
      evaluateTargetHealth?: boolean;
      /** Also an AAAA record (the target answers on IPv6). @default false */
      ipv6?: boolean;
    },
  ): aws.route53.Record[] {
    const types = target.ipv6 ? (["A", "AAAA"] as const) : (["A"] as const);
    return types.map(
      (type) =>
        new aws.route53.Record(
          type === "A" ? name : `${name}-aaaa`,
          {
            zoneId: this.zoneId,
            name: this.fqdn,
            type,
            aliases: [
              {
                name: target.dnsName,
                zoneId: target.zoneId,
                evaluateTargetHealth: target.evaluateTargetHealth ?? true,
              },
            ],
          },
          { parent: this },
        ),
    );
  }
}
