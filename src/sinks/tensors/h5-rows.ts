import { openH5 } from "../../hdf5/index.js";
import { rowBlock } from "./decode.js";
import type { RowBlock } from "./decode.js";
import type { RowSource, StoredGroup } from "./rows.js";

/** Rows of several ranges read by `read` and laid end to end (one read when there is one range). */
export function concatRanges(ranges: readonly (readonly [number, number])[], rowBytes: number, read: (start: number, stop: number) => Uint8Array): Uint8Array {
  if (ranges.length === 1) return read(ranges[0]![0], ranges[0]![1]);
  const out = new Uint8Array(ranges.reduce((n, [a, b]) => n + (b - a), 0) * rowBytes);
  let at = 0;
  for (const [a, b] of ranges) {
    out.set(read(a, b), at);
    at += (b - a) * rowBytes;
  }
  return out;
}

/**
 * A SALT HDF5 file (ours or another writer's) as a row source: one compound dataset per group,
 * `(N,)` for global groups and `(N, max)` for object groups, all with the same N.
 */
export async function openSaltRows(file: string): Promise<RowSource> {
  const h5 = await openH5(file);
  try {
    const names = h5.datasets();
    if (names.length === 0) throw new Error(`${file}: no datasets in the root group (not a SALT file)`);
    const readers = new Map(names.map((n) => [n, h5.dataset(n)]));
    const groups: StoredGroup[] = [];
    let rows = -1;
    let chunkRows = 0;
    for (const [name, ds] of readers) {
      if (ds.shape.length < 1 || ds.shape.length > 2) {
        throw new Error(`${file}: dataset "${name}" has ${ds.shape.length} dimensions; SALT groups are (N,) or (N, max)`);
      }
      if (rows >= 0 && ds.shape[0] !== rows) {
        throw new Error(`${file}: dataset "${name}" has ${ds.shape[0]} rows, "${groups[0]!.name}" ${rows}: SALT groups share their first dimension`);
      }
      rows = ds.shape[0]!;
      chunkRows = Math.max(chunkRows, ds.chunks?.[0] ?? 0);
      groups.push({ name, global: ds.shape.length === 1, slots: ds.shape[1] ?? 1, recordSize: ds.recordSize, fields: ds.fields });
    }
    return {
      where: file,
      rows,
      groups,
      blockRows: chunkRows || 1000,
      read: (ranges, wanted) => {
        const out: Record<string, RowBlock> = {};
        for (const name of wanted) {
          const ds = readers.get(name)!;
          const stride = ds.recordSize * (ds.shape[1] ?? 1);
          out[name] = rowBlock(concatRanges(ranges, stride, (a, b) => ds.readRaw(a, b)), stride);
        }
        return out;
      },
      close: () => h5.close(),
    };
  } catch (err) {
    h5.close();
    throw err;
  }
}
