export { detectFormat, type FileFormat } from "./detect.js";
export {
  openParquet,
  ParquetReader,
  type ColumnStorage,
  type EntryRange,
  type OpenParquetOptions,
  type ParquetIterateOptions,
  type ParquetTree,
  type TreeRun,
} from "./reader.js";
export { TREENAME_COLUMN, type ParquetBranch, type UnsupportedColumn } from "./schema.js";
export { closeNames as closeMatches } from "../text/close-names.js";
export {
  writeParquet,
  writeParquetTrees,
  type ParquetCompression,
  type TreeBatch,
  type WriteParquetOptions,
  type WriteParquetResult,
} from "./writer.js";
