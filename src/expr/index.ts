export { applyCut, compileCut, compileExpression, cutMask, reviveExpression } from "./compile.js";
export type { CompiledExpression, CompileOptions, SerialisedExpression } from "./compile.js";
export { ExpressionError } from "./errors.js";
export { EvaluationError } from "./evaluate.js";
// Prefixed names: the package root re-exports every module, and readers have their own BranchInfo.
export type { DType as ExprDType } from "./functions.js";
export type { Level as ExprLevel, Plan as ExprPlan } from "./plan.js";
export { schemaOfBatch } from "./schema.js";
export type { BranchInfo as ExprBranchInfo, ExprSchema } from "./schema.js";
