// The architecture diagram of `npm run plan`: a structural check of the Mermaid flowchart (no Mermaid parser is
// needed offline: the subset the plan writes is small and this checker knows all of it), the label escaping,
// and what each committed stack's diagram shows.
import * as assert from "node:assert/strict";
import { diagram, escapeLabel, renderFlowchart } from "../scripts/plan/mermaid";
import { regionOf } from "../scripts/plan";
import { evaluateStack, stackFiles } from "./support/harness";

const SHAPES: Record<string, string> = { "[": "]", "(": ")", "((": "))", "[(": ")]" };
const ID = "[A-Za-z][A-Za-z0-9_]*";
const RESERVED = new Set(["end", "graph", "flowchart", "subgraph", "style", "class", "click"]);

/** Problems in a label written inside double quotes. */
function labelProblems(label: string): string[] {
  const out: string[] = [];
  if (label.includes('"')) out.push(`raw double quote in label: ${label}`);
  const text = label.replace(/<br\/>/g, "\n");
  if (/[<>]/.test(text)) out.push(`raw < or > (other than <br/>) in label: ${label}`);
  if (/#(?![a-z]+;|\d+;)/.test(text)) out.push(`# that is not an entity code in label: ${label}`);
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (const ch of text) {
    if ("([{".includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) out.push(`unbalanced ${ch} in label: ${label}`);
  }
  if (stack.length) out.push(`unclosed ${stack.join("")} in label: ${label}`);
  return out;
}

/** Structural problems of a Mermaid flowchart in the subset the plan writes; [] when it is well-formed. */
export function flowchartProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  if (!/^(flowchart|graph) (LR|RL|TB|TD|BT)$/.test(lines[0] ?? "")) problems.push(`header: ${lines[0]}`);
  const ids = new Set<string>();
  const declare = (id: string) => {
    if (RESERVED.has(id.toLowerCase())) problems.push(`reserved id ${id}`);
    if (ids.has(id)) problems.push(`id declared twice: ${id}`);
    ids.add(id);
  };
  const edges: [string, string][] = [];
  let depth = 0;
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    if (line === "") continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^subgraph (${ID}) \\["([^"]*)"\\]$`).exec(line))) {
      declare(m[1]);
      problems.push(...labelProblems(m[2]));
      depth++;
    } else if (line === "end") {
      if (--depth < 0) problems.push("end without subgraph");
    } else if ((m = new RegExp(`^(${ID}) (-->|-\\.->)(?:\\|"([^"]*)"\\|)? (${ID})$`).exec(line))) {
      edges.push([m[1], m[4]]);
      if (m[3] !== undefined) problems.push(...labelProblems(m[3]));
    } else if (
      (m = new RegExp(`^(${ID})(\\[\\(|\\(\\(|\\[|\\()"([^"]*)"(\\)\\]|\\)\\)|\\]|\\))$`).exec(line))
    ) {
      if (SHAPES[m[2]] !== m[4]) problems.push(`shape opened with ${m[2]} closed with ${m[4]}: ${line}`);
      declare(m[1]);
      problems.push(...labelProblems(m[3]));
    } else problems.push(`not a node, edge, subgraph or end: ${line}`);
  }
  if (depth !== 0) problems.push(`${depth} subgraph(s) not closed`);
  for (const [from, to] of edges)
    for (const id of [from, to])
      if (!ids.has(id)) problems.push(`edge ${from} -> ${to}: ${id} is not declared`);
  return problems;
}

describe("Mermaid diagram: structure", () => {
  it("the checker finds what it is relied on to find", () => {
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["A"]\n  a --> a'), []);
    assert.deepStrictEqual(flowchartProblems('graph TD\n  a["A"]'), []);
    assert.deepStrictEqual(flowchartProblems('flow LR\n  a["A"]'), ["header: flow LR"]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["A"]\n  a["B"]'), ["id declared twice: a"]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["A"]\n  a --> b'), [
      "edge a -> b: b is not declared",
    ]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["A (x"]'), ["unclosed ( in label: A (x"]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["A ]"]'), ["unbalanced ] in label: A ]"]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["a < b"]'), [
      "raw < or > (other than <br/>) in label: a < b",
    ]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a(["A"])'), [
      'not a node, edge, subgraph or end: a(["A"])',
    ]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a("A"]'), [
      'shape opened with ( closed with ]: a("A"]',
    ]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  subgraph s ["S"]\n  a["A"]'), [
      "1 subgraph(s) not closed",
    ]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  end["A"]'), ["reserved id end"]);
    assert.deepStrictEqual(flowchartProblems('flowchart LR\n  a["say "hi""]'), [
      'not a node, edge, subgraph or end: a["say "hi""]',
    ]);
  });

  it("escapes quotes, #, < and > in labels as Mermaid entity codes", () => {
    assert.strictEqual(escapeLabel('say "hi" #1 <b>'), "say #quot;hi#quot; #35;1 #lt;b#gt;");
    const text = renderFlowchart(
      'AWS "x"',
      [
        { id: "a", shape: "box", lines: ['quote "q"', "CPU > 85 # note"] },
        { id: "b", shape: "db", lines: ["[bracket]"] },
        { id: "c", shape: "circle", lines: ["c"], inAws: false },
        { id: "d", shape: "round", lines: ["d"] },
      ],
      [
        { from: "a", to: "b", label: 'x "y" <z>' },
        { from: "c", to: "d", dotted: true },
      ],
    );
    assert.deepStrictEqual(flowchartProblems(text), []);
    assert.strictEqual(
      text,
      [
        "flowchart LR",
        '  c(("c"))',
        '  subgraph aws ["AWS #quot;x#quot;"]',
        '    a["quote #quot;q#quot;<br/>CPU #gt; 85 #35; note"]',
        '    b[("[bracket]")]',
        '    d("d")',
        "  end",
        '  a -->|"x #quot;y#quot; #lt;z#gt;"| b',
        "  c -.-> d",
      ].join("\n"),
    );
  });
});

describe("Mermaid diagram: committed stacks", () => {
  const diagrams = new Map<string, string>();
  before(async () => {
    for (const stack of stackFiles()) {
      const e = await evaluateStack(stack);
      diagrams.set(stack, diagram(e, regionOf(e)));
    }
  });

  it("every committed stack's diagram is well-formed", () => {
    assert.ok(diagrams.size >= 2);
    for (const [stack, text] of diagrams)
      assert.deepStrictEqual(flowchartProblems(text), [], `${stack}:\n${text}`);
  });

  it("demo: internet → Route 53 → the instance (HTTPS) → ECR and SSM; the wake page and the idle alarm act on it", () => {
    const d = diagrams.get("demo")!;
    assert.match(d, /^ {2}subgraph aws \["AWS eu-central-1"\]$/m);
    for (const edge of [
      'internet -->|"demo.rusbehabtahi.com"| dns',
      'dns -->|"A record to its public IP: 80, 443"| ec2_0',
      'ec2_0 -.->|"UPSERTs its IP at boot, parks it at shutdown"| dns',
      'internet -->|"wake URL"| wake0',
      'wake0 -.->|"start, read state"| ec2_0',
      'ec2_0 -->|"pull by digest"| ecr',
      'ec2_0 -->|"image reference, secrets at every start"| ssm',
      'alarms -.->|"stop when idle"| ec2_0',
    ])
      assert.ok(d.includes(`  ${edge}\n`) || d.endsWith(`  ${edge}`), `${edge}\n${d}`);
    assert.match(
      d,
      /ec2_0\["EC2 t3\.medium, public IPv4<br\/>12 GB gp3 root, IMDSv2<br\/>.*<br\/>Caddy: HTTPS with Let's Encrypt, 80 redirects<br\/>inbound 80, 443"\]/,
    );
    assert.match(d, /wake0\["Lambda wake page \(function URL\)<br\/>at most 3 starts a day"\]/);
    assert.match(
      d,
      /ssm\[\("SSM Parameter Store<br\/>\/ferry\/ragstream-demo\/image<br\/>\/ragstream\/prod\/OPENAI_API_KEY"\)\]/,
    );
    assert.doesNotMatch(d, /alb|svc|nat/);
  });

  it("prod: internet → CloudFront → internal ALB → Fargate tasks → ECR and CloudWatch Logs; alarms → SNS; no NAT, no DNS", () => {
    const d = diagrams.get("prod")!;
    for (const edge of [
      'internet -->|"HTTPS on its *.cloudfront.net name"| cdn0',
      'cdn0 -->|"VPC origin: HTTP 80"| alb0',
      'alb0 -->|"HTTP :8501 to task IPs, health /_stcore/health"| svc0',
      'svc0 -->|"pull by digest"| ecr',
      'svc0 -->|"awslogs"| logs',
      'alarms -->|"notify"| sns',
    ])
      assert.ok(d.includes(`  ${edge}\n`) || d.endsWith(`  ${edge}`), `${edge}\n${d}`);
    assert.match(
      d,
      /svc0\["ECS Fargate service vibejudge-prod<br\/>2-10 tasks × 0\.5 vCPU \/ 1 GB ARM64<br\/>FARGATE base 1, FARGATE_SPOT weight 1/,
    );
    assert.match(d, /<br\/>IPv6 only: out through an egress-only gateway, no public IPv4, no NAT"\]/);
    assert.doesNotMatch(d, /\bnat\b|\bdns\b|secrets|s3/);
  });

  it("prod with a domain: internet → Route 53 alias → CloudFront (ACM) → internal ALB; ACM's CNAME is not drawn", async () => {
    const e = await evaluateStack("prod", {
      config: { "ferry:dns": { domain: "example.com", record: "app" } },
    });
    const d = diagram(e, regionOf(e));
    assert.deepStrictEqual(flowchartProblems(d), [], d);
    assert.match(d, /dns\["Route 53<br\/>app\.example\.com A alias<br\/>app\.example\.com AAAA alias"\]/);
    assert.match(
      d,
      /cdn0\["CloudFront app\.example\.com<br\/>HTTPS; HTTP → 301 HTTPS<br\/>ACM certificate \(us-east-1\)/,
    );
    assert.match(d, /alb0\["ALB vibejudge-prod-alb<br\/>HTTP 80: forward<br\/>internal, 2 AZs"\]/);
    assert.ok(d.includes('  internet -->|"app.example.com"| dns\n'));
    assert.ok(d.includes('  dns -->|"alias: HTTPS"| cdn0\n'));
    assert.ok(d.includes('  cdn0 -->|"VPC origin: HTTP 80"| alb0\n'));
    assert.doesNotMatch(d, /acm-validations|_[0-9a-f]{32}/);
  });

  it("carepolicy: the tasks also read three existing secrets and the S3 bucket", () => {
    const d = diagrams.get("carepolicy")!;
    assert.match(
      d,
      /secrets\[\("Secrets Manager<br\/>carepolicy-hub\/groq-api-key<br\/>carepolicy-hub\/jwt-secret<br\/>carepolicy-hub\/secret-key"\)\]/,
    );
    assert.ok(d.includes('  svc0 -->|"injected at task start"| secrets\n'));
    assert.ok(d.includes('  svc0 -->|"read/write (task role)"| s3\n'));
  });
});
