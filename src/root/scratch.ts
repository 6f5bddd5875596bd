/**
 * Per-basket working arrays (entry offset tables, decompressed payloads, copies of small
 * raw-stored payloads) carved
 * from shared slabs. An ArrayBuffer of their own cost about a microsecond each (allocation and
 * its share of collection), more than the work on a basket of a few entries (files of hundreds
 * of tiny baskets); a view of a slab is one object. Decoding changes them in place and columns
 * copy them out (assembleColumn, assembleStrings), so they live as long as a step's decoded
 * baskets. A full slab is dropped and freed once its last view is collected.
 */
const SLAB_BYTES = 64 * 1024;
/** Larger arrays get buffers of their own: few, and they would drop slabs early. */
const LARGEST = 4096;

let slab = new ArrayBuffer(0);
let used = 0;

/** `bytes` bytes of the current slab at an 8-byte aligned offset, or undefined when too large. */
function carve(bytes: number): number | undefined {
  if (bytes > LARGEST) return undefined;
  if (used + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const at = used;
  used = (used + bytes + 7) & ~7;
  return at;
}

/** An Int32Array of `n` elements whose content is unspecified: the caller writes every one. */
export function scratchInt32(n: number): Int32Array {
  const at = carve(4 * n);
  return at === undefined ? new Int32Array(n) : new Int32Array(slab, at, n);
}

/**
 * `n` bytes whose content is unspecified (the caller writes every one). Larger ones get an
 * ArrayBuffer of their own, not zero-filled.
 */
export function scratchBytes(n: number): Uint8Array {
  const at = carve(n);
  return at === undefined ? new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n) : new Uint8Array(slab, at, n);
}

/** A copy of `bytes` that the caller may change. */
export function scratchCopy(bytes: Uint8Array): Uint8Array {
  const at = carve(bytes.length);
  if (at === undefined) return bytes.slice();
  const copy = new Uint8Array(slab, at, bytes.length);
  copy.set(bytes);
  return copy;
}
