// The demo's public URL: scheme, host and port suffix are decided here, once, and published by Ec2Demo.

/** Stands for the instance's current EC2 public DNS name in `Ec2Demo.urlTemplate` (the wake page fills it in). */
export const PUBLIC_DNS_TOKEN = "{publicDnsName}";

export interface UrlShape {
  /** Caddy terminates TLS on 443. */
  readonly https: boolean;
  /** The app is also published on port 80. */
  readonly openHttp: boolean;
  /** The app's own port (published as it is without HTTPS). */
  readonly port: number;
}

/** `https://host`, or `http://host[:port]`: with HTTPS or port 80 published the URL needs no port. */
export function demoUrl(host: string, shape: UrlShape): string {
  const portSuffix = shape.https || shape.openHttp || shape.port === 80 ? "" : `:${shape.port}`;
  return `${shape.https ? "https" : "http"}://${host}${portSuffix}`;
}
