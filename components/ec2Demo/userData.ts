// The instance's files: the start script and units rendered with this stack's values, as gzipped cloud-config.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "fflate";
import { envName as ENV_NAME, IMAGE_REF } from "../../config/fields";
import { fillTemplate, shellQuote, stripComments } from "./template";

/** The systemd unit that runs the start script on every boot. */
export const UNIT_NAME = "ferry-app";
/** First value of the A record, before the instance writes its own: TEST-NET-1 (RFC 5737), never routed. */
export const PLACEHOLDER_IP = "192.0.2.1";
/** EC2 rejects user-data above 16 KB (the raw bytes, here gzipped, before base64). */
export const USER_DATA_LIMIT = 16384;
/** Where the shell files that run on the instance (and the rollout) live. */
export const INSTANCE_SCRIPTS_DIR = path.resolve(__dirname, "..", "..", "scripts", "instance");

export interface StartScriptValues {
  readonly region: string;
  readonly containerName: string;
  readonly port: number;
  readonly openHttp: boolean;
  readonly healthPath: string;
  readonly imageParameter: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: ReadonlyArray<{
    readonly envName: string;
    readonly kind: "ssm" | "secretsmanager";
    readonly ref: string;
  }>;
  readonly dns?: { readonly zoneId: string; readonly fqdn: string };
  /** Caddy in front of the app with a Let's Encrypt certificate for `dns.fqdn`; needs `dns`. */
  readonly https?: HttpsValues;
  /** Minutes after boot the instance powers itself off (stop); undefined: no cap. */
  readonly maxRuntimeMinutes?: number;
  /** The idle-stop alarm the first run of each boot resets to OK; undefined: no idle alarm. */
  readonly idleAlarmName?: string;
}

export interface HttpsValues {
  /** The proxy image, e.g. "public.ecr.aws/docker/library/caddy:2.10.2". */
  readonly proxyImage: string;
  /** ACME account contact e-mail; optional for Let's Encrypt. */
  readonly acmeEmail?: string;
  /** Use Let's Encrypt's staging CA (untrusted certificates, generous limits) to try things out. */
  readonly acmeStaging: boolean;
  /** Security headers on every HTTPS answer; HSTS max-age in seconds (0: no HSTS). */
  readonly securityHeaders: { readonly enabled: boolean; readonly hstsMaxAgeSeconds: number };
}

/** Let's Encrypt's staging directory: certificates browsers do not trust, under much higher rate limits. */
export const ACME_STAGING_CA = "https://acme-staging-v02.api.letsencrypt.org/directory";

/** scripts/instance/ferry-start.sh with this stack's values, each a quoted shell word. */
export function renderStartScript(v: StartScriptValues, template?: string): string {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(v.containerName))
    problems.push(`container name "${v.containerName}"`);
  if (!Number.isInteger(v.port) || v.port < 1 || v.port > 65535) problems.push(`port ${v.port}`);
  if (!v.healthPath.startsWith("/")) problems.push(`health path "${v.healthPath}"`);
  if (v.https) {
    if (!v.dns) problems.push("https without a DNS name (Let's Encrypt certifies names, not addresses)");
    if (v.port === 80 || v.port === 443)
      problems.push(`port ${v.port} with https (the proxy listens on 80 and 443)`);
    if (v.openHttp) problems.push("openHttp with https (port 80 redirects to HTTPS)");
    if (!IMAGE_REF.test(v.https.proxyImage)) problems.push(`proxy image "${v.https.proxyImage}"`);
    if (v.https.acmeEmail !== undefined && !/^[^\s@'"]+@[^\s@'"]+\.[^\s@'"]+$/.test(v.https.acmeEmail))
      problems.push(`ACME e-mail "${v.https.acmeEmail}"`);
  }
  if (
    v.maxRuntimeMinutes !== undefined &&
    (!Number.isInteger(v.maxRuntimeMinutes) || v.maxRuntimeMinutes < 1)
  )
    problems.push(`maximum runtime ${v.maxRuntimeMinutes} minutes`);
  if (v.idleAlarmName !== undefined && !/^[A-Za-z0-9._-]{1,255}$/.test(v.idleAlarmName))
    problems.push(`idle alarm name "${v.idleAlarmName}"`);
  const hsts = v.https?.securityHeaders.hstsMaxAgeSeconds ?? 0;
  if (!Number.isInteger(hsts) || hsts < 0) problems.push(`HSTS max-age ${hsts}`);
  for (const [k, val] of Object.entries(v.env)) {
    if (!ENV_NAME.test(k)) problems.push(`env name "${k}"`);
    // Docker env files are one line per variable, taken literally.
    if (/[\r\n]/.test(val)) problems.push(`env ${k}: a value with a newline cannot go in an env file`);
  }
  for (const s of v.secrets) {
    if (!ENV_NAME.test(s.envName)) problems.push(`secret name "${s.envName}"`);
    if (!s.ref || /\s/.test(s.ref)) problems.push(`secret ${s.envName}: reference "${s.ref}"`);
  }
  if (problems.length) throw new Error(`cannot render the start script: ${problems.join("; ")}`);
  const words = (items: string[]) => items.map(shellQuote).join(" ");
  const source = template ?? fs.readFileSync(path.join(INSTANCE_SCRIPTS_DIR, "ferry-start.sh"), "utf8");
  return fillTemplate(
    stripComments(source, "ferry-start: rendered by ferry from scripts/instance/ferry-start.sh"),
    {
      REGION: shellQuote(v.region),
      CONTAINER: shellQuote(v.containerName),
      PORT: shellQuote(String(v.port)),
      // Port 80 twice would make `docker run` fail: an app already on 80 needs no second mapping.
      OPEN_HTTP: shellQuote(String(v.openHttp && v.port !== 80)),
      HEALTH_PATH: shellQuote(v.healthPath),
      IMAGE_PARAM: shellQuote(v.imageParameter),
      ZONE_ID: shellQuote(v.dns?.zoneId ?? ""),
      FQDN: shellQuote(v.dns?.fqdn ?? ""),
      ENV_VARS: words(Object.entries(v.env).map(([k, val]) => `${k}=${val}`)),
      SECRETS: words(v.secrets.map((s) => `${s.envName}=${s.kind}:${s.ref}`)),
      HTTPS: shellQuote(String(v.https !== undefined)),
      PROXY_IMAGE: shellQuote(v.https?.proxyImage ?? ""),
      ACME_EMAIL: shellQuote(v.https?.acmeEmail ?? ""),
      ACME_CA: shellQuote(v.https?.acmeStaging ? ACME_STAGING_CA : ""),
      PARK_IP: shellQuote(PLACEHOLDER_IP),
      MAX_RUNTIME: shellQuote(v.maxRuntimeMinutes === undefined ? "" : String(v.maxRuntimeMinutes)),
      IDLE_ALARM: shellQuote(v.idleAlarmName ?? ""),
      SECURITY_HEADERS: shellQuote(String(v.https?.securityHeaders.enabled ?? false)),
      HSTS_MAX_AGE: shellQuote(String(hsts)),
    },
  );
}

/** The unit that parks the DNS record (and stops the proxy) at shutdown. */
export const PARK_UNIT_NAME = "ferry-park";

/**
 * The cloud-config user-data: installs the rendered start script and both units, enables them and starts the
 * app unit. Plain text (tests and `npm run plan` read it); `packUserData` compresses it for EC2.
 */
export function renderUserData(v: { prefix: string; imageParameter: string; startScript: string }): string {
  const read = (file: string) => fs.readFileSync(path.join(INSTANCE_SCRIPTS_DIR, file), "utf8");
  const unit = (name: string) =>
    stripComments(read(`${name}.service`), `${name}.service: from scripts/instance in ferry`);
  return fillTemplate(read("user-data.yaml"), {
    PREFIX: v.prefix,
    IMAGE_PARAM: v.imageParameter,
    START_SCRIPT: v.startScript,
    UNIT: unit(UNIT_NAME),
    PARK_UNIT: unit(PARK_UNIT_NAME),
  });
}

/**
 * Gzip (cloud-init unpacks it) and base64 for `userDataBase64`: the script with HTTPS, the status reports and
 * the shutdown path no longer fits EC2's 16 KB uncompressed. Compressed by fflate, a pure-JS deflate pinned
 * in package.json, with a zero timestamp: the same text gives the same bytes on every machine and Node
 * version (Node's own zlib may differ by build and CPU), so the user-data, which replaces the instance when
 * it changes, changes only when the text does.
 */
export function packUserData(text: string): string {
  const packed = gzipSync(Buffer.from(text, "utf8"), { level: 9, mtime: 0 });
  if (packed.byteLength > USER_DATA_LIMIT)
    throw new Error(
      `user-data is ${packed.byteLength} bytes gzipped; EC2 accepts at most ${USER_DATA_LIMIT} before base64`,
    );
  return Buffer.from(packed).toString("base64");
}
