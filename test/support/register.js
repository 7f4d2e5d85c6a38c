// Loads TypeScript for mocha (and each of its parallel workers): ts-node transpiling with swc, which is
// several times faster than TypeScript's own transpiler and type-checks nothing either (`npm run build`
// does). Falls back to TypeScript's transpile-only mode where @swc/core's native binary is not installed.
"use strict";
let swc = true;
try {
  require("@swc/core");
} catch {
  swc = false;
}
require("ts-node").register(swc ? { swc: true } : { transpileOnly: true });
