// Runs the policy pack's rules (policy/rules.ts) offline, the way @pulumi/policy's analyzer server does: props
// wrapped in the SDK's unknown-checking proxy, `notApplicable` as a thrown error, a read of a preview-unknown
// value reported as "not judged" (the server turns it into an advisory), anything else a failure.
// Resources come hand-built (rule tests) or from the harness's recorded stacks (every committed stack).
import * as path from "node:path";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { isUnknownValueError, policies as allPolicies } from "../../policy/rules";
import { ROOT, type Evaluation, type Recorded } from "./harness";

/** The SDK's proxy module, loaded from where policy/rules.ts loads @pulumi/policy (one copy of its classes). */
const proxy = require(require.resolve("@pulumi/policy/proxy", { paths: [path.join(ROOT, "policy")] })) as {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: unknown;
};

/** What an input holds during preview when it depends on a resource that does not exist yet. */
export const UNKNOWN_VALUE = proxy.unknownStringValue;

export type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** A resource as a test declares it. `propertyDependencies` name other resources by URN. */
export interface TestResource {
  type: string;
  name: string;
  props: Record<string, any>;
  urn?: string;
  protect?: boolean;
  parent?: string;
  propertyDependencies?: Record<string, string[]>;
}

export const urnOf = (type: string, name: string) => `urn:pulumi:test::ferry::${type}::${name}`;
const urn = (r: TestResource) => r.urn ?? urnOf(r.type, r.name);

class NotApplicable extends Error {}

function options(r: TestResource): PolicyResourceOptions {
  return {
    protect: r.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: r.parent || undefined,
  };
}

const unsupported = (): never => {
  throw new Error("the ferry rules read resources by type token; isType/asType are not used");
};

export function resourceArgs(r: TestResource): ResourceValidationArgs {
  return {
    type: r.type,
    props: proxy.unknownCheckingProxy(r.props),
    urn: urn(r),
    name: r.name,
    opts: options(r),
    stackTags: new Map(),
    isType: unsupported,
    asType: unsupported,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

export function stackArgs(resources: readonly TestResource[]): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const built = resources.map((r) => {
    const resource: PolicyResource = {
      type: r.type,
      props: proxy.unknownCheckingProxy(r.props),
      urn: urn(r),
      name: r.name,
      opts: options(r),
      dependencies: [],
      propertyDependencies: {},
      isType: unsupported,
      asType: unsupported,
    };
    byUrn.set(resource.urn, resource);
    return { r, resource };
  });
  for (const { r, resource } of built) {
    if (r.parent) resource.parent = byUrn.get(r.parent);
    for (const [key, urns] of Object.entries(r.propertyDependencies ?? {}))
      resource.propertyDependencies[key] = urns.map((u) => byUrn.get(u)).filter((x) => x !== undefined);
    resource.dependencies = [...new Set(Object.values(resource.propertyDependencies).flat())];
  }
  return {
    resources: built.map((b) => b.resource),
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

export interface Finding {
  policy: string;
  urn: string;
  message: string;
}

export interface Outcome {
  violations: Finding[];
  /** Rules that read a value unknown during preview (the server reports these as advisory, not violations). */
  notJudged: Finding[];
}

async function guarded(policy: string, at: string, outcome: Outcome, run: () => unknown): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (e instanceof NotApplicable) return;
    if (isUnknownValueError(e)) outcome.notJudged.push({ policy, urn: at, message: (e as Error).message });
    else throw e;
  }
}

/**
 * Every resource rule on every resource (with `resourceProps`), then every stack rule once over all of them
 * (with `stackProps`: the engine gives stack rules outputs, resource rules inputs).
 */
export async function runPolicies(
  resources: readonly TestResource[],
  policies: readonly Policy[] = allPolicies,
  stackResources: readonly TestResource[] = resources,
): Promise<Outcome> {
  const outcome: Outcome = { violations: [], notJudged: [] };
  for (const policy of policies) {
    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const r of resources)
        for (const validate of validations)
          await guarded(policy.name, urn(r), outcome, () =>
            validate(resourceArgs(r), (message) =>
              outcome.violations.push({ policy: policy.name, urn: urn(r), message }),
            ),
          );
    }
    if ("validateStack" in policy)
      await guarded(policy.name, "", outcome, () =>
        policy.validateStack(stackArgs(stackResources), (message, at) =>
          outcome.violations.push({ policy: policy.name, urn: at ?? "", message }),
        ),
      );
  }
  return outcome;
}

/** The messages one rule reports for these resources. */
export async function messagesOf(
  policy: Policy,
  resources: TestResource | TestResource[],
): Promise<string[]> {
  const outcome = await runPolicies(Array.isArray(resources) ? resources : [resources], [policy]);
  if (outcome.notJudged.length)
    throw new Error(`not judged: ${outcome.notJudged.map((f) => f.message).join("; ")}`);
  return outcome.violations.map((v) => v.message);
}

// ---------------------------------------------------------------------------------------------------------
// Recorded stacks
// ---------------------------------------------------------------------------------------------------------

/**
 * A recorded resource as the engine hands it to the pack. "inputs": what resource rules see during `pulumi up`
 * (all known). "outputs": what stack rules see after it. "fresh-preview": the preview of a stack that does
 * not exist yet: every input fed by another resource is unknown.
 */
export function asTestResource(rec: Recorded, view: "inputs" | "outputs" | "fresh-preview"): TestResource {
  let props: Record<string, any> = view === "outputs" ? { ...rec.state } : { ...rec.inputs };
  if (view === "fresh-preview")
    props = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [
        k,
        (rec.propertyDependencies[k] ?? []).length ? UNKNOWN_VALUE : v,
      ]),
    );
  return {
    type: rec.type,
    name: rec.name,
    urn: rec.urn,
    props,
    protect: rec.options.protect,
    parent: rec.parent,
    propertyDependencies: rec.propertyDependencies,
  };
}

/** Runs the pack over a recorded stack: as `pulumi up` judges it, or as the preview of a brand-new stack. */
export function runOnStack(
  e: Evaluation,
  mode: "up" | "fresh-preview",
  policies: readonly Policy[] = allPolicies,
): Promise<Outcome> {
  const custom = e.resources.filter((r) => r.custom);
  return mode === "up"
    ? runPolicies(
        custom.map((r) => asTestResource(r, "inputs")),
        policies,
        custom.map((r) => asTestResource(r, "outputs")),
      )
    : runPolicies(
        custom.map((r) => asTestResource(r, "fresh-preview")),
        policies,
      );
}
