// The parking function (functions/park/handler.ts) against stand-in EC2/Route 53 clients: it parks the demo's
// record only while the record still holds the stopped instance's last address.
import * as assert from "node:assert/strict";
import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { ChangeResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { PARK_STATES as PROGRAM_PARK_STATES } from "../components/ec2Demo";
import { ADDRESS_TAG as PROGRAM_ADDRESS_TAG } from "../components/runtimeTags";
import {
  ADDRESS_TAG,
  createHandler,
  PARK_STATES,
  readSettings,
  type ParkSettings,
  type StateChangeEvent,
} from "../functions/park/handler";
import { StandIn } from "./support/sdkStandIn";

const INSTANCE_ID = "i-0123456789abcdef0";
const SETTINGS: ParkSettings = {
  instanceId: INSTANCE_ID,
  zoneId: "Z0123456789ABCDEFGHIJ",
  recordName: "demo.example.com",
  parkIp: "192.0.2.1",
};

/** Route 53 with one A record holding `value`; a batch applies atomically, DELETE must match exactly. */
function zone(initial: string) {
  const state = { value: initial };
  const client = new StandIn((command) => {
    assert.ok(command instanceof ChangeResourceRecordSetsCommand);
    let value: string | undefined = state.value;
    const changes: any[] = (command as { input: any }).input.ChangeBatch.Changes;
    for (const change of changes) {
      const v = change.ResourceRecordSet.ResourceRecords[0].Value;
      if (change.Action === "DELETE") {
        if (v !== value) {
          const error = new Error("Tried to delete resource record set but the values provided do not match");
          error.name = "InvalidChangeBatch";
          throw error;
        }
        value = undefined;
      } else if (change.Action === "CREATE") value = v;
    }
    state.value = value!;
    return { ChangeInfo: { Id: "/change/C1", Status: "PENDING" } };
  });
  return { client, state };
}

function ec2With(stateName: string, address?: string) {
  return new StandIn((command) => {
    assert.ok(command instanceof DescribeInstancesCommand);
    const instance: Instance = {
      InstanceId: INSTANCE_ID,
      State: { Name: stateName } as Instance["State"],
      Tags: address ? [{ Key: ADDRESS_TAG, Value: address }] : [],
    };
    return { Reservations: [{ Instances: [instance] }] };
  });
}

const event = (state: string, id = INSTANCE_ID): StateChangeEvent => ({
  "detail-type": "EC2 Instance State-change Notification",
  detail: { "instance-id": id, state },
});

function setup(stateName: string, address: string | undefined, record: string) {
  const ec2 = ec2With(stateName, address);
  const r53 = zone(record);
  const logs: string[] = [];
  const park = createHandler({ ec2, route53: r53.client, settings: SETTINGS, log: (l) => void logs.push(l) });
  return { ec2, r53, logs, park };
}

describe("parking function (functions/park/handler.ts)", () => {
  for (const state of PARK_STATES)
    it(`${state}: parks the record that still holds the instance's address, in one DELETE+CREATE batch`, async () => {
      const { r53, park, logs } = setup(
        state === "stopping" ? "stopping" : state,
        "3.120.45.67",
        "3.120.45.67",
      );
      assert.equal(await park(event(state)), "parked");
      assert.equal(r53.state.value, "192.0.2.1");
      assert.equal(r53.client.calls.length, 1);
      const batch = r53.client.calls[0].input;
      assert.equal(batch.HostedZoneId, SETTINGS.zoneId);
      assert.deepEqual(
        batch.ChangeBatch.Changes.map((c: any) => [
          c.Action,
          c.ResourceRecordSet.Name,
          c.ResourceRecordSet.Type,
        ]),
        [
          ["DELETE", "demo.example.com", "A"],
          ["CREATE", "demo.example.com", "A"],
        ],
      );
      assert.match(logs[0], /parked; it pointed at i-0123456789abcdef0's 3\.120\.45\.67/);
    });

  it("the record already points elsewhere (parked by the instance, or another instance took it): left alone", async () => {
    for (const record of ["192.0.2.1", "18.196.1.2"]) {
      const { r53, park } = setup("stopped", "3.120.45.67", record);
      assert.equal(await park(event("stopped")), "points-elsewhere");
      assert.equal(r53.state.value, record, "unchanged");
    }
  });

  it("a late event after a quick restart: the instance runs again, its boot run owns the record", async () => {
    const { r53, park } = setup("running", "3.120.45.67", "3.120.45.67");
    assert.equal(await park(event("stopped")), "running-again");
    assert.equal(r53.client.calls.length, 0);
  });

  it("no recorded address (never pointed the record, or the tag write failed): nothing changes", async () => {
    const { r53, park } = setup("stopped", undefined, "3.120.45.67");
    assert.equal(await park(event("stopped")), "no-address");
    assert.equal(r53.client.calls.length, 0);
  });

  it("events for another instance or another state are ignored without any AWS call", async () => {
    const { ec2, r53, park } = setup("stopped", "3.120.45.67", "3.120.45.67");
    assert.equal(await park(event("stopped", "i-0fffffffffffffff0")), "ignored");
    assert.equal(await park(event("running")), "ignored");
    assert.equal(ec2.calls.length + r53.client.calls.length, 0);
  });

  it("other Route 53 errors are thrown, so EventBridge's asynchronous invoke retries", async () => {
    const ec2 = ec2With("stopped", "3.120.45.67");
    const failing = new StandIn(() => {
      const error = new Error("Rate exceeded");
      error.name = "Throttling";
      throw error;
    });
    const park = createHandler({ ec2, route53: failing, settings: SETTINGS, log: () => undefined });
    await assert.rejects(park(event("stopped")), /Rate exceeded/);
  });

  it("readSettings names the bad variable; the handler's constants match the program's", () => {
    const env = {
      INSTANCE_ID,
      ZONE_ID: "Z0123456789ABCDEFGHIJ",
      RECORD_NAME: "demo.example.com",
      PARK_IP: "192.0.2.1",
    };
    assert.deepEqual(readSettings(env), SETTINGS);
    assert.throws(() => readSettings({ ...env, RECORD_NAME: "Demo.Example.com." }), /RECORD_NAME must be/);
    assert.throws(() => readSettings({ ...env, INSTANCE_ID: "" }), /INSTANCE_ID must be/);
    assert.equal(ADDRESS_TAG, PROGRAM_ADDRESS_TAG);
    assert.deepEqual([...PARK_STATES], [...PROGRAM_PARK_STATES]);
  });
});
