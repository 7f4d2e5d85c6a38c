// The small template engine behind the instance files: placeholders, shell quoting, comment stripping.

/** A single-quoted shell word: safe for any value, including quotes, `$` and spaces. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Replaces every `@@NAME@@` in `template`. A placeholder alone on its line is a block: each line of the
 * value is indented like the placeholder (for YAML block scalars). Throws on a placeholder without a value,
 * a value without a placeholder, or a multi-line value used inline, so a template and its caller cannot
 * drift apart silently.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const take = (key: string): string => {
    if (!Object.prototype.hasOwnProperty.call(values, key))
      throw new Error(`template placeholder @@${key}@@ has no value`);
    used.add(key);
    return values[key];
  };
  const out = template.replace(
    /^([ \t]*)@@([A-Z][A-Z0-9_]*)@@[ \t]*$|@@([A-Z][A-Z0-9_]*)@@/gm,
    (_m, indent: string | undefined, blockKey: string | undefined, inlineKey: string | undefined) => {
      if (blockKey !== undefined) {
        const value = take(blockKey).replace(/\n$/, "");
        return value
          .split("\n")
          .map((line) => (line === "" ? "" : `${indent ?? ""}${line}`))
          .join("\n");
      }
      const value = take(inlineKey!);
      if (value.includes("\n"))
        throw new Error(`template placeholder @@${inlineKey}@@ is inline; its value has a newline`);
      return value;
    },
  );
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`template has no placeholder for: ${unused.join(", ")}`);
  return out;
}

/**
 * Drops full-line comments (keeping the shebang and shellcheck directives) and puts one pointer line after
 * the first line. EC2 limits user-data to 16 KB and the commented script alone is close to that; the
 * comments stay in the repository. Deterministic (no compression: a gzip header or zlib version that differs
 * between machines would change the user-data and so replace the instance).
 */
export function stripComments(text: string, pointer: string): string {
  const lines = text.split("\n");
  const kept = lines.slice(1).filter((line) => !/^\s*#/.test(line) || /^\s*# shellcheck /.test(line));
  return [lines[0], `# ${pointer} (comments stripped: EC2 user-data is limited to 16 KB).`, ...kept].join(
    "\n",
  );
}
