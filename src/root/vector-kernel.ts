/**
 * std::vector<number> baskets decoded by a WebAssembly kernel: every entry's 10-byte header
 * checked and dropped, its big-endian values swapped into place, and the entry offset table
 * turned into value offsets, in one pass. In JavaScript the per-entry work (header reads, checks,
 * a copy of one to a few values) costs several nanoseconds per entry even with DataView; physics
 * objects are mostly a few per event, so entries, not bytes, set the time.
 */
import { get, I32, i32, KernelInstance, mem, op, set, tee, VOID, type WasmFunction } from "../wasm/encoding.js";

/** Byte-reverses local x onto the stack: (rotl 8 & 0x00ff00ff) | (rotr 8 & 0xff00ff00). */
const bswap32 = (x: number): number[] => [
  ...get(x), ...i32(8), op.i32Rotl, ...i32(0x00ff00ff), op.i32And,
  ...get(x), ...i32(8), op.i32Rotr, ...i32(0xff00ff00), op.i32And,
  op.i32Or,
];

/** Item sizes as log2 (bool and 8-bit, 16-, 32-, 64-bit numbers). */
type Shift = 0 | 1 | 2 | 3;

/**
 * Copies one item from r + at to w + at, byte-reversed (two 32-bit halves exchanged and each
 * reversed for 64-bit items); 8-bit items are copied 8 at a time.
 */
function swapItem(shift: Shift, r: number, w: number, x: number, at: number): number[] {
  switch (shift) {
    case 0:
      return [...get(w), ...get(r), ...mem(op.i64Load, 0, at), ...mem(op.i64Store, 0, at)];
    case 1:
      return [
        ...get(r), ...mem(op.i32Load16U, 0, at), ...set(x),
        ...get(w), ...get(x), ...i32(8), op.i32Shl, ...get(x), ...i32(8), op.i32ShrU, op.i32Or, ...mem(op.i32Store16, 0, at),
      ];
    case 2:
      return [...get(r), ...mem(op.i32Load, 0, at), ...set(x), ...get(w), ...bswap32(x), ...mem(op.i32Store, 0, at)];
    case 3:
      return [
        ...get(r), ...mem(op.i32Load, 0, at + 4), ...set(x), ...get(w), ...bswap32(x), ...mem(op.i32Store, 0, at),
        ...get(r), ...mem(op.i32Load, 0, at), ...set(x), ...get(w), ...bswap32(x), ...mem(op.i32Store, 0, at + 4),
      ];
  }
}

/** Bytes each entry copies whatever its length (see below). */
const FIRST = 8;

const VECTORS: WasmFunction = (() => {
  // Parameters: data at 0 of `size` bytes; entry offset table (nevbuf + 1 native int32) at
  // `table`; item size as log2; output at `out`, with FIRST bytes of slack.
  // Result: the number of values, or -1 when anything is inconsistent.
  const [size, table, nevbuf, shift, out, i, s, e, n, len, w, r, count, x, slot] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  /**
   * An entry's values for one item size: the first FIRST bytes unconditionally (past the
   * entry's end, reads stay in memory and writes land where the next entry writes, or in the
   * slack), the rest, if any, item by item. Physics objects are mostly a few per event, so this
   * spares a mispredicted loop exit per entry.
   */
  const entryValues = (sh: Shift): number[] => {
    const step = sh === 0 ? 8 : 1 << sh;
    const first: number[] = [];
    for (let at = 0; at < FIRST; at += step) first.push(...swapItem(sh, r, w, x, at));
    return [
      ...first,
      ...get(len), ...i32(FIRST), op.i32GtU,
      op.if, VOID,
      ...get(r), ...i32(FIRST), op.i32Add, ...set(r),
      ...get(w), ...i32(FIRST), op.i32Add, ...set(w),
      op.loop, VOID,
      ...swapItem(sh, r, w, x, 0),
      ...get(r), ...i32(step), op.i32Add, ...set(r),
      ...get(w), ...i32(step), op.i32Add, ...set(w),
      ...get(r), ...get(e), op.i32LtU, op.brIf, 0,
      op.end,
      op.end,
    ];
  };
  // Branch depths inside the entry loop: 0 loop, 1 done, 2 error.
  const body = [
    ...get(out), ...set(w),
    ...get(table), ...mem(op.i32Load, 2), ...set(s),
    ...get(table), ...i32(0), ...mem(op.i32Store, 2),
    op.block, VOID, // error
    op.block, VOID, // done
    op.loop, VOID,
    ...get(i), ...get(nevbuf), op.i32GeU, op.brIf, 1,
    // s leaves room for a header (compared unsigned, so negative offsets fail too).
    ...get(s), ...get(size), op.i32GtU, op.brIf, 2,
    ...get(s), ...i32(10), op.i32Add, ...get(size), op.i32GtU, op.brIf, 2,
    ...get(s), ...mem(op.i32Load, 0, 6), ...set(x), ...bswap32(x), ...tee(n),
    // 0 <= n <= size >> shift, so len = n << shift cannot overflow.
    ...get(size), ...get(shift), op.i32ShrU, op.i32GtU, op.brIf, 2,
    ...get(n), ...get(shift), op.i32Shl, ...set(len),
    ...get(table), ...get(i), ...i32(1), op.i32Add, ...i32(2), op.i32Shl, op.i32Add, ...tee(slot), ...mem(op.i32Load, 2), ...set(e),
    ...get(s), ...i32(10), op.i32Add, ...get(len), op.i32Add, ...get(e), op.i32Ne, op.brIf, 2,
    ...get(e), ...get(size), op.i32GtU, op.brIf, 2,
    // The byte count (ROOT's 0x40000000 flag masked off) covers version, count and values.
    ...get(s), ...mem(op.i32Load, 0), ...set(x), ...bswap32(x), ...i32(0x3fffffff), op.i32And, ...get(len), ...i32(6), op.i32Add, op.i32Ne, op.brIf, 2,
    ...get(s), ...i32(10), op.i32Add, ...set(r),
    ...get(w), ...get(len), op.i32Add, // where the next entry's values go
    ...get(shift), ...i32(2), op.i32Eq,
    op.if, VOID,
    ...entryValues(2),
    op.else,
    ...get(shift), ...i32(3), op.i32Eq,
    op.if, VOID,
    ...entryValues(3),
    op.else,
    ...get(shift), ...i32(1), op.i32Eq,
    op.if, VOID,
    ...entryValues(1),
    op.else,
    ...entryValues(0),
    op.end, op.end, op.end,
    ...set(w),
    ...get(count), ...get(n), op.i32Add, ...tee(count),
    ...set(x), ...get(slot), ...get(x), ...mem(op.i32Store, 2),
    ...get(e), ...set(s),
    ...get(i), ...i32(1), op.i32Add, ...set(i),
    op.br, 0,
    op.end, // loop
    op.end, // done
    ...get(count), op.return,
    op.end, // error
    ...i32(-1),
  ];
  return { name: "vectors", params: [I32, I32, I32, I32, I32], results: [I32], locals: Array<typeof I32>(10).fill(I32), body };
})();

const kernel = new KernelInstance<{ vectors(size: number, table: number, nevbuf: number, shift: number, out: number): number }>([VECTORS]);

/**
 * Baskets up to this size go through the kernel, whose memory (about twice the basket) is kept
 * for the next call; bigger ones, rare and made of long vectors that JavaScript copies natively
 * anyway, are left to the caller so that the kernel's memory stays bounded.
 */
export const VECTOR_KERNEL_MAX_BYTES = 8 << 20;

const SHIFT: Record<number, Shift> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/**
 * Decodes the std::vector entries of `data` described by the entry byte offsets `offsets`
 * (nevbuf + 1 of them) in place: values in native order at the start of `data`, value offsets in
 * `offsets`. Returns the number of values, or -1 when the basket is inconsistent anywhere (then
 * neither array has been touched, and the caller's checks can say what is wrong).
 */
export function decodeVectorsInPlace(data: Uint8Array, offsets: Int32Array, nevbuf: number, itemSize: number): number {
  const size = data.length;
  const table = (size + 7) & ~7;
  const tableBytes = 4 * (nevbuf + 1);
  const out = (table + tableBytes + 7) & ~7;
  const k = kernel.reserve(out + size + FIRST);
  const heap = kernel.heap;
  heap.set(data, 0);
  heap.set(new Uint8Array(offsets.buffer, offsets.byteOffset, tableBytes), table);
  const count = k.vectors(size, table, nevbuf, SHIFT[itemSize]!, out);
  if (count < 0) return -1;
  data.set(heap.subarray(out, out + count * itemSize), 0);
  new Uint8Array(offsets.buffer, offsets.byteOffset, tableBytes).set(heap.subarray(table, table + tableBytes));
  return count;
}
