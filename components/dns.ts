// DNS (S5): the hosted zone of the configured domain, records in it, and a DNS-validated ACM certificate in
// the stack's region. Entirely optional: stacks without a `ferry:dns` block never create this component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";

export interface DnsArgs {
  /** Domain of an existing public Route 53 hosted zone in this account, e.g. "example.com". */
  readonly domain: string;
  /** Fully qualified name the app answers on, inside that zone. */
  readonly fqdn: string;
  /** Issue a DNS-validated ACM certificate for `fqdn` (the Fargate ALB terminates TLS with it). */
  readonly certificate: boolean;
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
        // A new certificate must exist before the listener lets go of the old one.
        { parent: this, deleteBeforeReplace: false },
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
        { parent: this, customTimeouts: { create: args.validationTimeout ?? "45m" } },
      );
      this.certificateArn = validation.certificateArn;
    }
    this.registerOutputs({ zoneId: this.zoneId, certificateArn: this.certificateArn });
  }

  /** An A alias record for `fqdn` pointing at e.g. a load balancer. */
  public alias(
    name: string,
    target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> },
  ): aws.route53.Record {
    return new aws.route53.Record(
      name,
      {
        zoneId: this.zoneId,
        name: this.fqdn,
        type: "A",
        aliases: [{ name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: true }],
      },
      { parent: this },
    );
  }
}
