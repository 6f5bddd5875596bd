import { field, num, ThriftReader } from "./thrift.js";

// Field ids of parquet.thrift.
const FILE_ROW_GROUPS = 4;
const GROUP_COLUMNS = 1;
const CHUNK_META = 3;
const META_PATH = 3;
const META_COMPRESSED_SIZE = 7;
const META_DATA_PAGE = 9;
const META_DICTIONARY_PAGE = 11;

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
export function columnChunkRanges(footer: Uint8Array, where: string): ChunkRange[] {
  const groups = field(new ThriftReader(footer, where).struct(), FILE_ROW_GROUPS);
  if (!Array.isArray(groups)) return [];
  const decoder = new TextDecoder();
  const out: ChunkRange[] = [];
  groups.forEach((group, rowGroup) => {
    const columns = field(group, GROUP_COLUMNS);
    if (!Array.isArray(columns)) return;
    for (const chunk of columns) {
      const m = field(chunk, CHUNK_META);
      const path = field(m, META_PATH);
      const length = num(field(m, META_COMPRESSED_SIZE));
      const dict = num(field(m, META_DICTIONARY_PAGE));
      const data = num(field(m, META_DATA_PAGE));
      const offset = dict !== undefined && dict > 0 && (data === undefined || dict < data) ? dict : data;
      if (!Array.isArray(path) || !(path[0] instanceof Uint8Array) || length === undefined || offset === undefined) continue;
      out.push({ rowGroup, column: decoder.decode(path[0]), offset, length });
    }
  });
  return out;
}
