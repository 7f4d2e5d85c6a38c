// Parks the demo's DNS record from outside the instance. EventBridge calls this function for every state change
// of the demo instance into stopping, stopped, shutting-down or terminated. The instance's own shutdown unit
// (ferry-park) is the fast path; this one also covers what skips it: a forced stop, a host failure, an
// instance that could not reach IMDS or Route 53 while shutting down. Without it, the name would keep pointing
// at a public IPv4 that AWS hands to someone else, who could then get a certificate for it.
//
// Ships as ONE transpiled file on the Node.js 22 runtime, which provides the AWS SDK v3: import only the
// EC2/Route 53 clients, node:* modules and types, never other project files.
import {
  DescribeInstancesCommand,
  EC2Client,
  type DescribeInstancesCommandOutput,
  type Instance,
} from "@aws-sdk/client-ec2";
import { ChangeResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";

/** Written by the start script after each DNS update: the address the record was pointed at. */
export const ADDRESS_TAG = "ferry:address";
/** States this function acts on (the EventBridge rule sends only these). */
export const PARK_STATES = ["stopping", "stopped", "shutting-down", "terminated"] as const;

export interface ParkSettings {
  instanceId: string;
  zoneId: string;
  /** The record's name, without the trailing dot. */
  recordName: string;
  /** What the record holds while the demo is stopped: an address that is never routed. */
  parkIp: string;
}

/** The only part of an SDK client the handler uses, so tests can pass stand-ins. */
export interface AwsClient {
  send(command: object): Promise<unknown>;
}

export interface ParkDeps {
  ec2: AwsClient;
  route53: AwsClient;
  settings: ParkSettings;
  log?: (line: string) => void;
}

/** The part of an "EC2 Instance State-change Notification" this function reads. */
export interface StateChangeEvent {
  "detail-type"?: string;
  detail?: { "instance-id"?: string; state?: string };
}

export type ParkOutcome = "parked" | "points-elsewhere" | "no-address" | "running-again" | "ignored";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses and checks the environment; throws an Error naming the offending variable. */
export function readSettings(env: NodeJS.ProcessEnv): ParkSettings {
  const need = (name: string, pattern: RegExp, what: string): string => {
    const value = env[name]?.trim() ?? "";
    if (!pattern.test(value)) throw new Error(`${name} must be ${what}`);
    return value;
  };
  return {
    instanceId: need("INSTANCE_ID", /^i-[0-9a-f]{8,17}$/, "an instance id such as i-0123456789abcdef0"),
    zoneId: need("ZONE_ID", /^Z[0-9A-Z]{1,32}$/, "a Route 53 hosted zone id"),
    recordName: need(
      "RECORD_NAME",
      /^[a-z0-9.-]+[a-z0-9]$/,
      "a lower-case DNS name without the trailing dot",
    ),
    parkIp: need("PARK_IP", IPV4, "an IPv4 address"),
  };
}

function tagValue(instance: Instance | undefined, key: string): string | undefined {
  return instance?.Tags?.find((t) => t.Key === key)?.Value;
}

function rr(action: "DELETE" | "CREATE", name: string, ip: string) {
  return {
    Action: action,
    ResourceRecordSet: { Name: name, Type: "A" as const, TTL: 60, ResourceRecords: [{ Value: ip }] },
  };
}

export function createHandler(deps: ParkDeps): (event: StateChangeEvent) => Promise<ParkOutcome> {
  const { ec2, route53, settings } = deps;
  const log = deps.log ?? ((line: string) => console.log(line));

  return async (event) => {
    const id = event.detail?.["instance-id"];
    const state = event.detail?.state ?? "";
    // The rule matches this instance only; anything else is a misrouted event and is left alone.
    if (id !== settings.instanceId || !(PARK_STATES as readonly string[]).includes(state)) {
      log(`park: ignored an event for ${id ?? "no instance"} (${state || "no state"})`);
      return "ignored";
    }
    const output = (await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [settings.instanceId] }),
    )) as DescribeInstancesCommandOutput;
    const instance = output.Reservations?.[0]?.Instances?.[0];
    const now = instance?.State?.Name;
    // Events can arrive late: after a quick restart the new boot run owns the record again.
    if (now === "pending" || now === "running") {
      log(`park: ${id} is ${now} again (event: ${state}); the record is left to its boot run`);
      return "running-again";
    }
    const address = tagValue(instance, ADDRESS_TAG)?.trim();
    if (!address || !IPV4.test(address) || address === settings.parkIp) {
      log(`park: ${id} (${state}) has no recorded address; ${settings.recordName} is left as it is`);
      return "no-address";
    }
    // One batch: DELETE must match the current value exactly, and Route 53 applies a batch atomically, so the
    // record is parked only while it still holds this instance's last address. If the shutdown unit parked it
    // already, or another instance took the name, the batch fails with InvalidChangeBatch and nothing changes.
    try {
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: settings.zoneId,
          ChangeBatch: {
            Comment: `ferry park: ${id} ${state}`,
            Changes: [
              rr("DELETE", settings.recordName, address),
              rr("CREATE", settings.recordName, settings.parkIp),
            ],
          },
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === "InvalidChangeBatch") {
        log(`park: ${settings.recordName} no longer points at ${address}; left as it is (${state})`);
        return "points-elsewhere";
      }
      throw error; // EventBridge retries the invocation (asynchronous invoke: two retries).
    }
    log(
      `park: ${settings.recordName} A ${settings.parkIp} (parked; it pointed at ${id}'s ${address}; ${state})`,
    );
    return "parked";
  };
}

let realHandler: ((event: StateChangeEvent) => Promise<ParkOutcome>) | undefined;

/** The Lambda entry point (`index.handler`); clients are built once per cold start. */
export const handler = async (event: StateChangeEvent): Promise<ParkOutcome> => {
  if (!realHandler) {
    realHandler = createHandler({
      ec2: new EC2Client({}),
      route53: new Route53Client({}),
      settings: readSettings(process.env),
    });
  }
  return realHandler(event);
};
