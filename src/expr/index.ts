export { applyCut, compileCut, compileExpression, cutMask, reviveExpression } from "./compile.js";
export type { CompiledExpression, CompileOptions, SerialisedExpression } from "./compile.js";
export { ExpressionError } from "./errors.js";
export { EvaluationError } from "./evaluate.js";
export type { DType } from "./functions.js";
export type { Level, Plan } from "./plan.js";
export { schemaOfBatch } from "./schema.js";
export type { BranchInfo, ExprSchema } from "./schema.js";
