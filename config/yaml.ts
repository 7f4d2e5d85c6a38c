// Reads a Pulumi.<stack>.yaml the way a person wrote it: syntax errors name the file, line and column with
// the line shown; `secure:` values are found where they sit (Pulumi only marks the whole top-level key); and
// numbers keep the text that was typed, because YAML turns `1.10` into 1.1, `01234` into 1234 and a
// 20-digit id into a rounded float before the program ever sees them.
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import type { ValuePath } from "./secrets";

export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

export interface StackFile {
  /** Base name, e.g. "Pulumi.demo.yaml". */
  readonly name: string;
  /** The `config:` map as YAML parses it (`secure:` values still objects). */
  readonly config: Record<string, unknown>;
  /** Paths of `secure:` values, top-level ones included (["ferry:x"]). */
  readonly securePaths: ValuePath[];
  /** The source text of every number scalar, by path: what the person typed. */
  readonly numberSources: ReadonlyMap<string, string>;
}

/** Line and column (1-based) of `offset`, with the line's text. */
function position(text: string, offset: number): { line: number; col: number; lineText: string } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const start = before.lastIndexOf("\n") + 1;
  const end = text.indexOf("\n", offset);
  return { line, col: offset - start + 1, lineText: text.slice(start, end < 0 ? undefined : end) };
}

/** "Pulumi.x.yaml:3:5: message" with the offending line and a caret under the column. */
export function located(name: string, text: string, offset: number, message: string): string {
  const { line, col, lineText } = position(text, offset);
  const gutter = `${line} | `;
  return `${name}:${line}:${col}: ${message}\n  ${gutter}${lineText}\n  ${" ".repeat(gutter.length + col - 1)}^`;
}

export const pathKey = (path: ValuePath): string => path.map(String).join("\u0000");

/** Parses a stack file. Throws StackFileError (file, line, column, the line) on a syntax error. */
export function parseStackFile(name: string, text: string): StackFile {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const message = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackFileError(located(name, text, err.pos[0], message));
  }
  const root = doc.contents;
  if (root !== null && !isMap(root))
    throw new StackFileError(located(name, text, root.range?.[0] ?? 0, "expected a map with a config: key"));
  const configNode = isMap(root) ? (root.get("config", true) as Node | undefined) : undefined;
  if (configNode !== undefined && configNode !== null && !isMap(configNode))
    throw new StackFileError(
      located(name, text, configNode.range?.[0] ?? 0, "config: must be a map of key: value"),
    );
  const securePaths: ValuePath[] = [];
  const numberSources = new Map<string, string>();
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      if (node.items.length === 1 && isScalar(node.items[0].key) && node.items[0].key.value === "secure") {
        securePaths.push([...path]);
        return;
      }
      for (const item of node.items) {
        const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
        walk(item.value, [...path, key]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
    else if (isScalar(node) && typeof node.value === "number" && node.range)
      numberSources.set(pathKey(path), text.slice(node.range[0], node.range[1]));
  };
  walk(configNode, []);
  const config = ((configNode as Document["contents"])?.toJSON?.() ?? {}) as Record<string, unknown>;
  return { name, config, securePaths, numberSources };
}
