// The mock provider outputs live with the evaluation engine (scripts/plan/engine/mocks.ts).
export * from "../../scripts/plan/engine/mocks";
