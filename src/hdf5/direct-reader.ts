/**
 * Reads rows of unfiltered compound datasets straight from the file, without libhdf5: the
 * superblock (v2/v3), version-2 object headers with compact links, and contiguous or chunked
 * (v1 B-tree) layouts, which is what sxflow's writer produces (and h5py with libver="latest").
 * Anything else, including any filter, is reported as unsupported and read through h5wasm
 * instead. Uncompressed SALT files are read at page-cache speed this way; h5wasm copies every
 * chunk through its WebAssembly heap.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

const UNDEFINED = 0xffffffffffffffffn;

/** One stored run of rows: rows [row, row + rows) start at file offset `address`. */
interface Extent {
  row: number;
  rows: number;
  address: number;
}

export interface DirectDataset {
  readonly rows: number;
  /** Bytes of one row (all its records). */
  readonly rowBytes: number;
  /** Rows [start, stop) into `dest` at byte `at` (a new buffer when not given). */
  read(start: number, stop: number, dest?: Uint8Array, at?: number): Uint8Array;
}

export interface DirectFile {
  datasets: Map<string, DirectDataset>;
  close(): void;
}

function need(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`direct read: ${what}`);
}

class FileBytes {
  constructor(private readonly fd: number, readonly size: number) {}

  view(address: number, length: number): DataView {
    need(address >= 0 && address + length <= this.size, "address beyond the end of the file");
    const buf = Buffer.alloc(length);
    readSync(this.fd, buf, 0, length, address);
    return new DataView(buf.buffer, buf.byteOffset, length);
  }

  address(v: DataView, at: number): number {
    const a = v.getBigUint64(at, true);
    need(a !== UNDEFINED && a < BigInt(Number.MAX_SAFE_INTEGER), "undefined address");
    return Number(a);
  }
}

interface Message {
  type: number;
  body: DataView;
}

/** The messages of a version-2 object header ("OHDR"), without continuation blocks. */
function headerMessages(f: FileBytes, address: number): Message[] {
  const head = f.view(address, 16);
  need(head.getUint32(0, false) === 0x4f484452 && head.getUint8(4) === 2, "not a version-2 object header");
  const flags = head.getUint8(5);
  let at = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const width = 1 << (flags & 3);
  const sizeBytes = f.view(address + at, width);
  const size = width === 1 ? sizeBytes.getUint8(0) : width === 2 ? sizeBytes.getUint16(0, true) : sizeBytes.getUint32(0, true);
  at += width;
  const body = f.view(address + at, size);
  const out: Message[] = [];
  for (let p = 0; p + 4 <= size; ) {
    const type = body.getUint8(p);
    const length = body.getUint16(p + 1, true);
    const mflags = body.getUint8(p + 3);
    p += 4 + (flags & 0x04 ? 2 : 0);
    need(type !== 0x10, "object header continuation");
    need((mflags & 0x02) === 0, "shared message");
    out.push({ type, body: new DataView(body.buffer, body.byteOffset + p, length) });
    p += length;
  }
  return out;
}

/** Hard links of a group header: name -> object header address. */
function links(f: FileBytes, messages: Message[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const { type, body } of messages) {
    if (type !== 0x06) continue;
    need(body.getUint8(0) === 1, "link message version");
    const flags = body.getUint8(1);
    let p = 2;
    let linkType = 0;
    if (flags & 0x08) linkType = body.getUint8(p++);
    if (flags & 0x04) p += 8;
    if (flags & 0x10) p += 1;
    const width = 1 << (flags & 3);
    const length = width === 1 ? body.getUint8(p) : width === 2 ? body.getUint16(p, true) : body.getUint32(p, true);
    p += width;
    const name = new TextDecoder().decode(new Uint8Array(body.buffer, body.byteOffset + p, length));
    p += length;
    if (linkType === 0) out.set(name, f.address(body, p));
  }
  need(out.size > 0 || !messages.some((m) => m.type === 0x02 && m.body.getBigUint64(m.body.getUint8(1) & 1 ? 10 : 2, true) !== UNDEFINED), "dense link storage");
  return out;
}

/** Row extents of a dataset from its layout message (contiguous, or chunked with a v1 B-tree). */
function extents(f: FileBytes, layout: DataView, rank: number, rows: number): Extent[] {
  need(layout.getUint8(0) === 3, "layout message version");
  const cls = layout.getUint8(1);
  if (cls === 1) {
    const address = layout.getBigUint64(2, true);
    if (address === UNDEFINED) return [];
    return [{ row: 0, rows, address: Number(address) }];
  }
  need(cls === 2, "compact or virtual layout");
  need(layout.getUint8(2) === rank + 1, "chunk rank");
  const chunkRows = layout.getUint32(11, true);
  for (let d = 1; d < rank; d++) need(layout.getUint32(11 + 4 * d, true) > 0, "chunk dims");
  const out: Extent[] = [];
  const root = layout.getBigUint64(3, true);
  if (root !== UNDEFINED) walk(f, Number(root), rank, out);
  out.sort((a, b) => a.row - b.row);
  for (const e of out) e.rows = Math.min(chunkRows, rows - e.row);
  // Every row must be stored exactly once: chunk after chunk, none missing (no fill values here).
  let next = 0;
  for (const e of out) {
    need(e.row === next, "missing chunk");
    next += e.rows;
  }
  need(next === rows, "missing chunks at the end");
  return out;
}

/** The chunks under a v1 B-tree node (type 1: raw data chunks); unfiltered chunks only. */
function walk(f: FileBytes, address: number, rank: number, out: Extent[]): void {
  const keyBytes = 8 + 8 * (rank + 1);
  const head = f.view(address, 24);
  need(head.getUint32(0, false) === 0x54524545 && head.getUint8(4) === 1, "not a chunk B-tree node");
  const level = head.getUint8(5);
  const entries = head.getUint16(6, true);
  const node = f.view(address + 24, entries * (keyBytes + 8) + keyBytes);
  for (let i = 0; i < entries; i++) {
    const k = i * (keyBytes + 8);
    need(node.getUint32(k + 4, true) === 0, "filtered chunk");
    for (let d = 1; d <= rank; d++) need(node.getBigUint64(k + 8 + 8 * d, true) === 0n, "chunk split along an inner dimension");
    const child = f.address(node, k + keyBytes);
    if (level > 0) walk(f, child, rank, out);
    else out.push({ row: Number(node.getBigUint64(k + 8, true)), rows: 0, address: child });
  }
}

function dataset(f: FileBytes, fd: number, address: number): DirectDataset {
  const messages = headerMessages(f, address);
  const find = (type: number) => messages.find((m) => m.type === type)?.body;
  need(!find(0x0b), "filters");
  const space = find(0x01);
  const type = find(0x03);
  const layout = find(0x08);
  need(!!space && !!type && !!layout, "not a dataset");
  need(space.getUint8(0) === 2, "dataspace version");
  const rank = space.getUint8(1);
  need(rank >= 1, "scalar dataspace");
  const dims = Array.from({ length: rank }, (_, d) => Number(space.getBigUint64(4 + 8 * d, true)));
  const recordSize = type.getUint32(4, true);
  const rowBytes = dims.slice(1).reduce((a, b) => a * b, recordSize);
  const rows = dims[0]!;
  const runs = extents(f, layout, rank, rows);
  return {
    rows,
    rowBytes,
    read(start, stop, dest, at = 0) {
      const out = dest ?? new Uint8Array((stop - start) * rowBytes);
      // Binary search for the first extent holding `start`, then read extent by extent.
      let lo = 0;
      let hi = runs.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (runs[mid]!.row <= start) lo = mid;
        else hi = mid - 1;
      }
      for (let i = lo, row = start; row < stop; i++) {
        const e = runs[i]!;
        const take = Math.min(stop, e.row + e.rows) - row;
        const bytes = take * rowBytes;
        const got = readSync(fd, out, at, bytes, e.address + (row - e.row) * rowBytes);
        if (got !== bytes) throw new Error(`short read: ${got} of ${bytes} bytes at ${e.address}`);
        at += bytes;
        row += take;
      }
      return out;
    },
  };
}

/**
 * The named datasets of the root group, readable directly; null when the file uses a feature
 * this reader leaves to libhdf5 (the caller then reads through h5wasm).
 */
export function openDirect(file: string, names: readonly string[]): DirectFile | null {
  const fd = openSync(file, "r");
  try {
    const f = new FileBytes(fd, fstatSync(fd).size);
    const sb = f.view(0, 48);
    need(sb.getUint32(0, false) === 0x89484446, "no signature at 0");
    const version = sb.getUint8(8);
    need((version === 2 || version === 3) && sb.getUint8(9) === 8 && sb.getUint8(10) === 8, "superblock version or sizes");
    const root = links(f, headerMessages(f, f.address(sb, 36)));
    const datasets = new Map<string, DirectDataset>();
    for (const name of names) {
      const address = root.get(name);
      need(address !== undefined, `no link to ${name}`);
      datasets.set(name, dataset(f, fd, address));
    }
    return { datasets, close: () => closeSync(fd) };
  } catch {
    // Unsupported features and anything malformed alike: libhdf5 reads (or explains) the file.
    closeSync(fd);
    return null;
  }
}
