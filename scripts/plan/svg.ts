// The architecture diagram as an SVG file, offline: the same nodes and edges as the Mermaid diagram, laid out
// by Graphviz compiled to WebAssembly (@viz-js/viz, pinned in package.json). No browser, no network.
import type { Architecture, FlowNode, Shape } from "./mermaid";

/** A DOT string literal. */
const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

const SHAPE: Record<Shape, string> = {
  box: "box",
  round: "box, style=rounded",
  circle: "circle",
  db: "cylinder",
};

function node(n: FlowNode): string {
  // "\n" in a DOT label is a centered line break.
  return `${n.id} [label=${q(n.lines.join("\n"))}, shape=${SHAPE[n.shape]}];`;
}

/** The architecture as Graphviz DOT: left to right, the AWS part in a cluster titled with the region. */
export function renderDot(a: Architecture): string {
  const out = [
    "digraph architecture {",
    "  rankdir=LR;",
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const n of a.nodes.filter((x) => x.inAws === false)) out.push(`  ${node(n)}`);
  out.push("  subgraph cluster_aws {", `    label=${q(a.title)};`);
  for (const n of a.nodes.filter((x) => x.inAws !== false)) out.push(`    ${node(n)}`);
  out.push("  }");
  for (const e of a.edges) {
    const attrs = [e.label ? `label=${q(e.label)}` : "", e.dotted ? "style=dashed" : ""].filter(Boolean);
    out.push(`  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  out.push("}");
  return out.join("\n");
}

/** The architecture rendered to SVG by Graphviz (WebAssembly). */
export async function renderSvg(a: Architecture): Promise<string> {
  // Loaded on demand: the WebAssembly module is only needed when an SVG is asked for.
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  return viz.renderString(renderDot(a), { format: "svg" });
}
