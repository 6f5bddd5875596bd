/** Reading Parquet: what workers import (no apache-arrow, which only the writer needs). */
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
