// Stack names: any name Pulumi accepts works (letters, digits, "_", "-", "." — "DEMO", "eu.staging"), and two
// stacks that would share physical names are refused. Names are folded to AWS-safe text once
// (components/names.ts stackPrefix), so "DEMO" and "demo", or "eu_west" and "eu-west", give the same prefix:
// in one account and region their buckets, roles and parameters would be the same resources.
import { stackPrefix } from "../components/names";

/** What Pulumi accepts as a stack name (the last part of "org/project/stack"). */
export const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** `Pulumi.<stack>.yaml` → stack, for any stack name Pulumi accepts (dots included). */
export const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]{1,100})\.yaml$/;

export function stackOfFileName(file: string): string | undefined {
  const stack = STACK_FILE.exec(file)?.[1];
  return stack !== undefined && STACK_NAME.test(stack) ? stack : undefined;
}

export interface StackIdentity {
  /** e.g. "Pulumi.demo.yaml". */
  readonly file: string;
  readonly stack: string;
  readonly appName?: string;
  readonly region?: string;
  readonly accounts: readonly string[];
}

/** Reads what the clash check needs from a parsed `config:` map; tolerant of any shape (other files may be wrong). */
export function identityOf(file: string, stack: string, config: Record<string, unknown>): StackIdentity {
  const app = config["ferry:app"];
  const name = app && typeof app === "object" ? (app as { name?: unknown }).name : undefined;
  const region = config["aws:region"];
  const ids = config["aws:allowedAccountIds"];
  return {
    file,
    stack,
    appName: typeof name === "string" ? name : undefined,
    region: typeof region === "string" ? region : undefined,
    accounts: Array.isArray(ids) ? ids.map(String) : [],
  };
}

/**
 * Problems for `self` against the other stack files: same app, same region, a shared account and the same
 * folded prefix. Each names both files.
 */
export function foldingClashes(self: StackIdentity, others: readonly StackIdentity[]): string[] {
  if (!self.appName) return [];
  const prefix = stackPrefix(self.appName, self.stack);
  const problems: string[] = [];
  for (const o of others) {
    if (o.file === self.file || !o.appName || o.region !== self.region) continue;
    const shared = o.accounts.filter((a) => self.accounts.includes(a));
    if (shared.length === 0 || stackPrefix(o.appName, o.stack) !== prefix) continue;
    problems.push(
      `stack "${self.stack}" (${self.file}) and stack "${o.stack}" (${o.file}) both fold to the resource prefix ` +
        `"${prefix}" in account ${shared[0]}, ${self.region}: expected stack names that still differ in ` +
        `lower case with "_" and "." read as "-" (rename one stack, or change its ferry:app.name)`,
    );
  }
  return problems;
}
