// Pins every committed stack's URN set: a refactor that renames a component, changes a type token or moves a
// resource to another parent fails here, before a live `pulumi up` would replace (or, for protected
// resources, refuse to replace) what is running. Deliberate changes: `npm run urns:update` and commit.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, stackFiles } from "./support/harness";
import { UPDATE_COMMAND, URN_DIR, currentUrns, pinFile, readPin, urnChangeMessage } from "./support/urns";

/** Stacks whose file is committed (tracked by git): they are deployed, so they must be pinned. */
function committedStacks(): Set<string> {
  const files = execFileSync("git", ["ls-files", "-z", "Pulumi.*.yaml", "test/fixtures/Pulumi.*.yaml"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return new Set(
    files
      .split("\0")
      .filter((f) => f !== "")
      .map((f) => path.basename(f).replace(/^Pulumi\.|\.yaml$/g, "")),
  );
}

describe("URN pin: the resources a live stack already has keep their URNs", () => {
  it("the change report names deleted/replaced and created URNs and the way out (positive control)", () => {
    const a = "urn:pulumi:prod::ferry::ferry:registry:AppImage$aws:ecr/repository:Repository::x-image-repo";
    const b = "urn:pulumi:prod::ferry::ferry:registry:Registry$aws:ecr/repository:Repository::x-image-repo";
    assert.equal(urnChangeMessage("prod", [a], [a]), undefined);
    const text = urnChangeMessage("prod", [a], [b])!;
    assert.match(text, /No longer declared \(1\): a live `pulumi up` would DELETE/);
    assert.match(text, /aliases/);
    assert.ok(text.includes(`  - ${a}`) && text.includes(`  + ${b}`), text);
    assert.ok(text.includes(UPDATE_COMMAND), text);
  });

  for (const stack of stackFiles())
    it(`Pulumi.${stack}.yaml declares exactly the pinned URNs`, async function () {
      const pin = readPin(stack);
      // A stack a user has just added has nothing live to protect yet: its test waits (pending, with the
      // reason) instead of failing, until `npm run urns:update` pins it (`npm run new` does that itself).
      if (!pin) {
        this.test!.title += ` (pending: no pin yet; once it is deployed, run ${UPDATE_COMMAND} and commit ${path.relative(ROOT, pinFile(stack))})`;
        return this.skip();
      }
      const message = urnChangeMessage(stack, pin.urns, await currentUrns(stack));
      assert.ok(message === undefined, message);
    });

  it("every committed stack file (and fixture) is pinned", () => {
    const committed = committedStacks();
    const unpinned = stackFiles().filter((s) => committed.has(s) && !readPin(s));
    assert.deepEqual(unpinned, [], `run \`${UPDATE_COMMAND}\` and commit the pins in ${URN_DIR}`);
  });

  it("every pin belongs to a committed stack file", () => {
    const stale = fs
      .readdirSync(URN_DIR)
      .filter((f) => f.endsWith(".json") && !stackFiles().includes(f.replace(/\.json$/, "")));
    assert.deepEqual(stale, [], `pins without a stack file: run \`${UPDATE_COMMAND}\``);
  });
});
