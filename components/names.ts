// One place that turns the stack prefix into AWS physical names within each service's length limit.
import { createHash } from "node:crypto";

/** Common AWS limits, so call sites name the rule rather than a number. */
export const NAME_LIMITS = {
  targetGroup: 32,
  loadBalancer: 32,
  iamRole: 64,
  ecsCluster: 255,
  ecsService: 255,
  ecsTaskFamily: 255,
  logGroup: 512,
  ssmParameter: 1011,
  lambdaFunction: 64,
} as const;

export function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * `${base}-${suffix}` when it fits in `maxLength`; otherwise the base is cut and a hash of the full name is
 * inserted, so two long bases that share a beginning still get different names. Deterministic: the same
 * inputs give the same name on every run. Never ends in a hyphen (AWS rejects that for LB/TG names).
 */
export function physicalName(base: string, suffix: string, maxLength: number): string {
  const full = suffix ? `${base}-${suffix}` : base;
  if (full.length <= maxLength) return full;
  const hash = shortHash(full);
  const tail = suffix ? `-${hash}-${suffix}` : `-${hash}`;
  if (tail.length >= maxLength)
    throw new Error(`name suffix "${suffix}" cannot fit in ${maxLength} characters`);
  const cut = base.slice(0, maxLength - tail.length).replace(/-+$/, "");
  return `${cut}${tail}`;
}

/** Lower-case letters, digits and single hyphens: valid in every AWS name this program sets. */
export function awsSafe(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The prefix every resource of a stack derives its names from. Stack names may hold upper case, "_" and "."
 * (or "org/project/stack" paths); AWS names mostly may not, so they are folded here, once.
 */
export function stackPrefix(appName: string, stack: string): string {
  return `${appName}-${awsSafe(stack.split("/").pop()!) || "stack"}`;
}
