import type { RecordFieldInfo, RowBlock } from "./decode.js";

/** A stored group: its records and where they come from. */
export interface StoredGroup {
  name: string;
  global: boolean;
  /** Records per row (1 for `(N,)` datasets). */
  slots: number;
  recordSize: number;
  fields: RecordFieldInfo[];
}

/**
 * Rows of a SALT layout read by range: every group has one row (of `slots` records) per event.
 * `read` returns, for each group asked for, the rows of the ranges laid end to end, as records
 * exactly as stored; the blocks are valid until the next `read`.
 */
export interface RowSource {
  /** File (or configuration) named in errors. */
  readonly where: string;
  readonly rows: number;
  /** Read straight from the file (sxflow's own unfiltered layouts) rather than through h5wasm. */
  readonly direct: boolean;
  readonly groups: StoredGroup[];
  /** Rows per contiguous block that reads well (the chunk size); shuffles permute such blocks. */
  readonly blockRows: number;
  read(ranges: readonly (readonly [number, number])[], groups: readonly string[]): Record<string, RowBlock>;
  close(): void;
}
