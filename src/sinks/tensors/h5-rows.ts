import { openDirect } from "../../hdf5/direct-reader.js";
import { openH5 } from "../../hdf5/index.js";
import { rowBlock } from "./decode.js";
import type { RowBlock } from "./decode.js";
import type { RowSource, StoredGroup } from "./rows.js";

type ReadInto = (start: number, stop: number, dest: Uint8Array, at: number) => void;

/**
 * Rows of several ranges laid end to end in `scratch` (grown when too small). One scratch buffer
 * per group serves every window: a window's batches are decoded (copied out) before the next
 * window is read, and reusing it spares the garbage collector a large buffer per window.
 */
function readRanges(ranges: readonly (readonly [number, number])[], rowBytes: number, readInto: ReadInto, scratch: { buffer: Uint8Array }): Uint8Array {
  const bytes = ranges.reduce((n, [a, b]) => n + (b - a), 0) * rowBytes;
  if (scratch.buffer.length < bytes) scratch.buffer = new Uint8Array(bytes);
  const out = scratch.buffer.subarray(0, bytes);
  let at = 0;
  for (const [a, b] of ranges) {
    readInto(a, b, out, at);
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
    const direct = readers.size > 0 && [...readers.values()].every((d) => d.filters.length === 0) ? openDirect(file, names) : null;
    // The direct reader must see the datasets as libhdf5 does, else it is not used.
    const agrees = direct && groups.every((g) => {
      const d = direct.datasets.get(g.name)!;
      return d.rows === rows && d.rowBytes === g.recordSize * g.slots;
    });
    if (direct && !agrees) direct.close();
    const readInto = (name: string): ReadInto => {
      if (agrees) {
        const d = direct.datasets.get(name)!;
        return (start, stop, dest, at) => void d.read(start, stop, dest, at);
      }
      const ds = readers.get(name)!;
      return (start, stop, dest, at) => dest.set(ds.readRaw(start, stop), at);
    };
    const buffers = new Map<string, { buffer: Uint8Array }>();
    return {
      where: file,
      direct: !!agrees,
      rows,
      groups,
      blockRows: chunkRows || 1000,
      read: (ranges, wanted) => {
        const out: Record<string, RowBlock> = {};
        for (const name of wanted) {
          const ds = readers.get(name)!;
          const stride = ds.recordSize * (ds.shape[1] ?? 1);
          const scratch = buffers.get(name) ?? { buffer: new Uint8Array(0) };
          buffers.set(name, scratch);
          out[name] = rowBlock(readRanges(ranges, stride, readInto(name), scratch), stride);
        }
        return out;
      },
      close: () => {
        if (agrees) direct.close();
        h5.close();
      },
    };
  } catch (err) {
    h5.close();
    throw err;
  }
}
