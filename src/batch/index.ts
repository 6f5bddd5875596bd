export * from "./core.js";
export type { ArrowTypeMapping, BatchToArrowOptions } from "./arrow.js";
export { arrowToBatch, arrowToColumn, batchToArrow, columnToArrow, describeArrowType } from "./arrow.js";
