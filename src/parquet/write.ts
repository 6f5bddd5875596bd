/** Writing Parquet (through apache-arrow and parquet-wasm). */
export {
  writeParquet,
  writeParquetTrees,
  type ParquetCompression,
  type TreeBatch,
  type WriteParquetOptions,
  type WriteParquetResult,
} from "./writer.js";
