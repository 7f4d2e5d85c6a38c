// `npm run urns:update`: rewrites test/fixtures/urns/<stack>.json from the program as it is now, for every
// committed stack file, and says what changed. Run it only for a deliberate change (see test/urns.test.ts).
import * as fs from "node:fs";
import { stackFiles } from "./harness";
import { URN_DIR, currentUrns, pinFile, pinText, readPin, urnChangeMessage } from "./urns";

async function main(): Promise<void> {
  fs.mkdirSync(URN_DIR, { recursive: true });
  const stacks = stackFiles();
  for (const stack of stacks) {
    const urns = await currentUrns(stack);
    const before = readPin(stack);
    fs.writeFileSync(pinFile(stack), pinText(stack, urns));
    if (!before) {
      process.stdout.write(`${stack}: pinned ${urns.length} URNs (new)\n`);
      continue;
    }
    const change = urnChangeMessage(stack, before.urns, urns);
    process.stdout.write(
      change
        ? `${stack}: ${urns.length} URNs written\n${change}\n\n`
        : `${stack}: unchanged (${urns.length} URNs)\n`,
    );
  }
  for (const file of fs.readdirSync(URN_DIR))
    if (file.endsWith(".json") && !stacks.includes(file.replace(/\.json$/, ""))) {
      fs.rmSync(`${URN_DIR}/${file}`);
      process.stdout.write(`${file}: removed (no Pulumi.${file.replace(/\.json$/, "")}.yaml any more)\n`);
    }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
