// Secret values in the config gate: which values are secret (Pulumi's marks, nested `secure:` values) and how
// an error message shows them (never). Pulumi marks a whole top-level key secret when any value inside it was
// set with `pulumi config set --secret --path`, and hands the program the decrypted object without saying
// which value it was; the stack file itself does say (`secure:` where the ciphertext sits), so the gate reads
// it from there (config/yaml.ts) and falls back to treating every value of the block as secret.

/** Prefixes of well-known credentials: a value starting with one is masked wherever it appears. */
const KNOWN_SECRET_PREFIXES = [
  "sk-",
  "sk_live_",
  "sk_test_",
  "rk_live_",
  "pk_live_",
  "AKIA",
  "ASIA",
  "ghp_",
  "gho_",
  "ghs_",
  "ghu_",
  "github_pat_",
  "glpat-",
  "xoxb-",
  "xoxp-",
  "xoxa-",
  "AIza",
  "eyJ",
  "-----BEGIN",
  "npm_",
  "pypi-",
  "hf_",
  "gsk_",
];

/** Bits of Shannon entropy per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * True for a value that looks like a credential: a known key prefix, or a long random-looking token (20+
 * characters without spaces, mixing upper case, lower case and digits, high entropy). URLs, paths, ARNs and
 * AWS ids (lower case and digits only) are not tokens.
 */
export function looksSecret(value: string): boolean {
  if (KNOWN_SECRET_PREFIXES.some((p) => value.startsWith(p) && value.length >= p.length + 8)) return true;
  if (value.length < 20 || /\s/.test(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  if (value.startsWith("/") || value.startsWith("arn:")) return false;
  return /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value) && entropy(value) >= 3.8;
}

/** What an error message shows instead of a secret value. */
export function masked(_value?: unknown): string {
  return "a secret-looking value (not shown)";
}

/** `ferry:app.env.X` style path of a nested value. */
export type ValuePath = readonly (string | number)[];

/**
 * Which values of the config are secret: every value under a key Pulumi marks secret when the stack file does
 * not say which (no file, or the value was set by other means), else exactly the `secure:` paths.
 */
export class SecretPaths {
  constructor(
    /** Top-level keys Pulumi marks secret (PULUMI_CONFIG_SECRET_KEYS). */
    private readonly secretKeys: ReadonlySet<string>,
    /** Paths of `secure:` values in the stack file, e.g. ["ferry:app", "env", "X"]. */
    private readonly securePaths: readonly ValuePath[],
  ) {}

  /** True when the value at `path` is (or may be) secret. */
  isSecret(path: ValuePath): boolean {
    const top = String(path[0]);
    if (!this.secretKeys.has(top)) return false;
    const known = this.securePaths.filter((p) => p[0] === top);
    if (known.length === 0 || path.length === 1) return true;
    return known.some((p) => p.length <= path.length && p.every((seg, i) => String(seg) === String(path[i])));
  }

  /** The nested secret paths under `top` the stack file names (empty: unknown, so the whole block). */
  nestedUnder(top: string): ValuePath[] {
    return this.securePaths.filter((p) => p[0] === top && p.length > 1);
  }

  isMarked(top: string): boolean {
    return this.secretKeys.has(top);
  }
}

/** A value for a message: masked when it is secret or looks secret, else JSON, cut at 60 characters. */
export function showValue(v: unknown, secret: boolean): string {
  if (v === undefined) return "missing";
  if (secret) return "a secret value (not shown)";
  if (typeof v === "string" && looksSecret(v)) return masked(v);
  if (v !== null && typeof v === "object" && containsSecretLooking(v)) return masked(v);
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function containsSecretLooking(v: unknown): boolean {
  if (typeof v === "string") return looksSecret(v);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsSecretLooking);
  return false;
}

/** Replaces every occurrence of the given secret values in a text (belt and braces for composed messages). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(masked(s));
  return out;
}
