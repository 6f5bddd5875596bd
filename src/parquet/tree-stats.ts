import { field, ThriftReader, type ThriftStruct } from "./thrift.js";

// Field ids of parquet.thrift.
const FILE_ROW_GROUPS = 4;
const GROUP_COLUMNS = 1;
const GROUP_ROWS = 3;
const CHUNK_META = 3;
const META_PATH = 3;
const META_STATISTICS = 12;
const STATS_NULL_COUNT = 3;
const STATS_MAX_VALUE = 5;
const STATS_MIN_VALUE = 6;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The tree of each row group as its footer statistics tell it (a string column whose minimum
 * equals its maximum, without nulls, holds one value), or undefined for a group whose column must
 * be read to know: mixed trees, nulls, or no statistics written.
 */
export function treesFromFooter(footer: Uint8Array, column: string, where: string): (string | undefined)[] {
  const meta: ThriftStruct = new ThriftReader(footer, where).struct();
  const groups = field(meta, FILE_ROW_GROUPS);
  if (!Array.isArray(groups)) return [];
  const decoder = new TextDecoder();
  return groups.map((group) => {
    const columns = field(group, GROUP_COLUMNS);
    if (!Array.isArray(columns) || field(group, GROUP_ROWS) === 0n) return undefined;
    for (const chunk of columns) {
      const m = field(chunk, CHUNK_META);
      const p = field(m, META_PATH);
      if (!Array.isArray(p) || p.length !== 1 || !(p[0] instanceof Uint8Array) || decoder.decode(p[0]) !== column) continue;
      const stats = field(m, META_STATISTICS);
      const min = field(stats, STATS_MIN_VALUE);
      const max = field(stats, STATS_MAX_VALUE);
      if (field(stats, STATS_NULL_COUNT) !== 0n || !(min instanceof Uint8Array) || !(max instanceof Uint8Array)) return undefined;
      return sameBytes(min, max) ? decoder.decode(min) : undefined;
    }
    return undefined;
  });
}
