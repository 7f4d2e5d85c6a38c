// The demo's small Lambda functions (functions/*/handler.ts) ship as one transpiled file each: no bundler and
// no build step before `pulumi up`. Each handler imports only the AWS SDK v3 (which the Node.js runtime
// provides), node:* modules and types, never other project files.
import * as ts from "typescript";

/** Lambda's Node.js runtime for these functions; it ships the AWS SDK v3 the handlers import. */
export const NODE_RUNTIME = "nodejs22.x";

/** A handler's TypeScript source as CommonJS (what Lambda runs as index.js). Deterministic for a given source. */
export function transpileHandler(source: string, fileName: string): string {
  const out = ts.transpileModule(source, {
    fileName: "handler.ts",
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      removeComments: false,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length)
    throw new Error(
      `${fileName} does not transpile: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " ")).join("; ")}`,
    );
  return out.outputText;
}
