export type { Batch, Column, ElementType, FlatColumn, JaggedColumn, NumericArray } from "./types.js";
export { allocate, arrayConstructor, elementTypeOf, isBigIntArray } from "./element-type.js";
export { columnLength, concatColumns, filterColumn, flatWidth, leafType, sliceColumn } from "./column.js";
export { concatBatches, filterBatch, sliceBatch, validateBatch } from "./batch.js";
export type { ArrowTypeMapping, BatchToArrowOptions } from "./arrow.js";
export { arrowToBatch, arrowToColumn, batchToArrow, columnToArrow, describeArrowType, packBits, unpackBits } from "./arrow.js";
