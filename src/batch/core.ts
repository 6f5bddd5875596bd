/**
 * The batch API without its Arrow conversions: what worker threads import, so that they do not
 * load apache-arrow (146 modules) just to pad events.
 */
export type { Batch, Column, ElementType, FlatColumn, JaggedColumn, NumericArray, StringColumn } from "./types.js";
export { allocate, arrayConstructor, elementTypeOf, isBigIntArray } from "./element-type.js";
export { columnLength, concatColumns, filterColumn, flatWidth, holdsStrings, leafType, sliceColumn } from "./column.js";
export { concatBatches, filterBatch, sliceBatch, validateBatch } from "./batch.js";
export { packBits, unpackBits } from "./bits.js";
