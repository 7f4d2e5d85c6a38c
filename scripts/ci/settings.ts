// The parts of a stack file the workflows and the GitHub settings check act on: the stack's `ferry:ci`
// block (who may deploy, preview and check drift, and in which GitHub environment) and its secrets provider.
//
// The program validates `ferry:ci` in full (config/ci.ts) and builds the roles' trust from it; this module only
// reads the few keys GitHub's side has to match, with the same documented defaults, so that scripts which run
// before `npm ci` has built anything (the workflows' stack selection, `npm run ci:verify`) need no Pulumi
// runtime. A value of the wrong type is an error naming the file, the key and the expected value.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

/** How the stack's secrets are encrypted: decides which CI jobs may run it (see docs/ci-cd.md). */
export type SecretsProvider = "service" | "passphrase" | "awskms" | "other";

export interface CiSettings {
  /** Stack name, as in Pulumi.<stack>.yaml. */
  readonly stack: string;
  /** `ferry:ci.repository`, "owner/name". */
  readonly repository: string;
  /** `ferry:ci.subjectClaims`: "default" sub claims, or "workflow" (repo + context + job_workflow_ref). */
  readonly subjectClaims: "default" | "workflow";
  /** The GitHub environment every deploy job of this stack runs in. @default the stack name */
  readonly environment: string;
  /** The environment's deployment branches (GitHub's deployment branch policies of type branch). @default ["main"] */
  readonly branches: readonly string[];
  /** The environment's deployment tags (policies of type tag). @default ["deploy-*"] */
  readonly tags: readonly string[];
  /** Same-repository pull requests get a `pulumi preview` with the preview role. @default true */
  readonly pullRequests: boolean;
  /** The branch whose scheduled runs may assume the drift role. @default "main" */
  readonly driftBranch: string;
  /** From the stack file's `secretsprovider` / `encryptionsalt` (no entry: Pulumi Cloud's own). */
  readonly secrets: SecretsProvider;
  /**
   * The GitHub-hosted runner of the stack's jobs (`runs-on: ${{ matrix.runner }}`): deploys, previews and drift
   * checks build the image, natively on the architecture `ferry:image.platform` names (no QEMU, so no
   * privileged emulator container in a job that holds the cloud credentials).
   */
  readonly runner: string;
}

/** Runner labels by the image's build platform (GitHub's standard hosted runners). */
export const RUNNERS = { "linux/amd64": "ubuntu-latest", "linux/arm64": "ubuntu-24.04-arm" } as const;

/** The runner that builds this stack's image natively: ubuntu-24.04-arm for linux/arm64, else ubuntu-latest. */
export function runnerOf(config: Record<string, unknown>): string {
  const image = (config["ferry:image"] ?? {}) as Record<string, unknown>;
  return image.uri === undefined && image.platform === "linux/arm64"
    ? RUNNERS["linux/arm64"]
    : RUNNERS["linux/amd64"];
}

const ENVIRONMENT_NAME = /^[A-Za-z0-9._-]{1,255}$/;
const REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/*-]{0,199}$/;

function fail(file: string, key: string, expected: string): never {
  throw new Error(`${file}: ${key} must be ${expected}`);
}

/** Secrets provider of a parsed stack file: `secretsprovider:` wins; a bare `encryptionsalt:` is the passphrase one. */
export function secretsProviderOf(doc: Record<string, unknown>): SecretsProvider {
  const provider = doc.secretsprovider;
  if (typeof provider === "string" && provider.length > 0) {
    if (provider === "passphrase") return "passphrase";
    if (provider.startsWith("awskms://")) return "awskms";
    if (provider === "default" || provider === "service") return "service";
    return "other";
  }
  return typeof doc.encryptionsalt === "string" ? "passphrase" : "service";
}

/**
 * The CI settings of one stack file's parsed YAML, or undefined when it has no `ferry:ci` block (no CI roles,
 * so no CI jobs). `mode: user` stacks have no roles either and are left out the same way.
 */
export function ciSettingsOf(stack: string, doc: unknown): CiSettings | undefined {
  const file = `Pulumi.${stack}.yaml`;
  const root = (doc ?? {}) as Record<string, unknown>;
  const config = (root.config ?? {}) as Record<string, unknown>;
  const ci = config["ferry:ci"];
  if (ci === undefined || ci === null) return undefined;
  if (typeof ci !== "object" || Array.isArray(ci)) fail(file, "ferry:ci", "a mapping");
  const c = ci as Record<string, unknown>;
  if (c.mode === "user") return undefined;

  const repository = c.repository;
  if (typeof repository !== "string" || !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository))
    fail(file, "ferry:ci.repository", 'a GitHub repository "owner/name"');

  const subjectClaims = c.subjectClaims ?? "default";
  if (subjectClaims !== "default" && subjectClaims !== "workflow")
    fail(file, "ferry:ci.subjectClaims", '"default" or "workflow"');

  const section = (key: string): Record<string, unknown> => {
    const v = c[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) fail(file, `ferry:ci.${key}`, "a mapping");
    return v as Record<string, unknown>;
  };
  const deploy = section("deploy");
  const preview = section("preview");
  const drift = section("drift");

  const environment = deploy.environment ?? stack;
  if (typeof environment !== "string" || !ENVIRONMENT_NAME.test(environment))
    fail(
      file,
      "ferry:ci.deploy.environment",
      'a GitHub environment name such as "prod" (letters, digits, . _ -)',
    );

  const refs = (key: string, value: unknown, fallback: string[], example: string): string[] => {
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && REF_PATTERN.test(v)))
      fail(file, key, `a list of names or patterns such as "${example}"`);
    return value as string[];
  };
  const branches = refs("ferry:ci.deploy.branches", deploy.branches, ["main"], "main");
  const tags = refs("ferry:ci.deploy.tags", deploy.tags, ["deploy-*"], "deploy-*");

  const pullRequests = preview.pullRequests ?? true;
  if (typeof pullRequests !== "boolean") fail(file, "ferry:ci.preview.pullRequests", "true or false");

  const driftBranch = drift.branch ?? "main";
  if (typeof driftBranch !== "string" || !REF_PATTERN.test(driftBranch) || driftBranch.includes("*"))
    fail(file, "ferry:ci.drift.branch", 'one branch name such as "main"');

  return {
    stack,
    repository,
    subjectClaims,
    environment,
    branches,
    tags,
    pullRequests,
    driftBranch,
    secrets: secretsProviderOf(root),
    runner: runnerOf(config),
  };
}

/** Reads `Pulumi.<stack>.yaml` in `root`; undefined when the stack has no CI block. */
export function readCiSettings(root: string, stack: string): CiSettings | undefined {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`Pulumi.${stack}.yaml does not exist in ${root}`);
  return ciSettingsOf(stack, parseYaml(fs.readFileSync(file, "utf8")));
}
