import type { Footer } from "./footer.js";

/** Where one column chunk's pages lie in the file. */
export interface ChunkRange {
  rowGroup: number;
  /** Top-level column the chunk belongs to (a list column's leaf counts under its name). */
  column: string;
  offset: number;
  length: number;
}

/**
 * The byte range of every column chunk, from the footer: from the dictionary page (or the first
 * data page) over the chunk's compressed size. Chunks whose metadata lacks these are left out
 * (they are then read when parquet-wasm asks, without read-ahead).
 */
export function columnChunkRanges(footer: Footer): ChunkRange[] {
  const out: ChunkRange[] = [];
  footer.rowGroups.forEach((group, rowGroup) => {
    for (const c of group.columns ?? []) {
      const dict = c.dictionaryPageOffset;
      const data = c.dataPageOffset;
      const offset = dict !== undefined && dict > 0 && (data === undefined || dict < data) ? dict : data;
      const column = c.path?.[0];
      if (column === undefined || c.compressedSize === undefined || offset === undefined) continue;
      out.push({ rowGroup, column, offset, length: c.compressedSize });
    }
  });
  return out;
}
