// The clash check across stack files (config/clashes.ts) fed from evaluations: each stack's names are the ones
// its program declared, defaults included, so a copied file is compared by what it would really create.
import * as path from "node:path";
import { claimsOf, findClashes, type Clash, type StackClaims } from "../../config/clashes";
import { budgetSchema } from "../../config/schema";
import { stackFilePath, type Evaluation } from "./engine";

/** What `findClashes` needs from one evaluated stack. `file` defaults to the file the stack was read from. */
export function stackClaims(e: Evaluation, file = stackFilePath(e.stack)): StackClaims {
  const c = e.config;
  const accounts = c["aws:allowedAccountIds"] ? (JSON.parse(c["aws:allowedAccountIds"]) as string[]) : [];
  const app = c["ferry:app"] ? (JSON.parse(c["ferry:app"]) as { name?: string }) : {};
  const budget = c["ferry:budget"] ? budgetSchema.safeParse(JSON.parse(c["ferry:budget"])) : undefined;
  const provider = e.resources.find((r) => r.type === "pulumi:providers:aws");
  return {
    stack: e.stack,
    file: path.basename(file),
    // Two stacks without an account pin deploy wherever the same credentials point: treated as one account.
    account: accounts[0] ?? "(no aws:allowedAccountIds)",
    region: String(provider?.inputs.region ?? c["aws:region"] ?? "us-east-1"),
    topology: c["ferry:topology"] ?? "ec2-demo",
    budgetUsd: budget?.success ? budget.data.monthlyUsd : undefined,
    claims: claimsOf(
      e.stack,
      app.name ?? e.stack,
      e.resources.filter((r) => r.custom),
    ),
  };
}

/** The clashes that involve `stack`, among all the given ones. */
export function clashesOf(stack: string, all: readonly StackClaims[]): Clash[] {
  return findClashes(all).filter((c) => c.stacks.includes(stack));
}

export { findClashes, type Clash, type StackClaims };
