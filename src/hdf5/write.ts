/** Writing HDF5 in TypeScript: what the sinks and workers import (no h5wasm, which only the reader loads). */
export { createH5, H5Writer, inThreadEncoder, type ChunkEncoder, type CreateH5Options } from "./file-writer.js";
export { H5DatasetWriter, type DatasetSpec } from "./dataset-writer.js";
export { ELEMENT_TYPES, type FieldSpec, type H5ElementType } from "./datatype.js";
export { encodeChunk, type ChunkFilters, type Compression, type EncodedChunk } from "./chunk-encoder.js";
export type { AttrValue } from "./attributes.js";
export type { ColumnArray } from "./interleave.js";
export { toFloat16, float16ToNumber, float32ArrayToFloat16 } from "./float16.js";
export { lzfCompress } from "./filters/lzf.js";
