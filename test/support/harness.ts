// The tests' view of the offline evaluation engine. The engine itself is program code (`npm run plan` uses it)
// and lives in scripts/plan/engine; tests import it from here so their imports stay stable.
export * from "../../scripts/plan/engine";
