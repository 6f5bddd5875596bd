/** A growable little-endian byte buffer for building HDF5 metadata structures. */

/** HDF5's "undefined address": all bits set. */
export const UNDEFINED_ADDRESS = -1;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  /** Unsigned 64-bit from a non-negative safe integer; -1 writes the undefined address. */
  u64(v: number): this {
    this.ensure(8);
    if (v === UNDEFINED_ADDRESS) {
      this.view.setUint32(this.length, 0xffffffff, true);
      this.view.setUint32(this.length + 4, 0xffffffff, true);
    } else {
      this.view.setUint32(this.length, v % 0x100000000, true);
      this.view.setUint32(this.length + 4, Math.floor(v / 0x100000000), true);
    }
    this.length += 8;
    return this;
  }

  /** Variable-width unsigned integer (1, 2, 4 or 8 bytes). */
  uint(v: number, width: number): this {
    if (width === 1) return this.u8(v);
    if (width === 2) return this.u16(v);
    if (width === 4) return this.u32(v);
    return this.u64(v);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** Pads with zeros to a multiple of `align` bytes counted from `from`. */
  align(align: number, from = 0): this {
    const rem = (this.length - from) % align;
    return rem === 0 ? this : this.zeros(align - rem);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Writes a u64 into a DataView without BigInt (exact for safe integers; -1 = undefined address). */
export function setU64(view: DataView, pos: number, v: number): void {
  if (v === UNDEFINED_ADDRESS) {
    view.setUint32(pos, 0xffffffff, true);
    view.setUint32(pos + 4, 0xffffffff, true);
    return;
  }
  view.setUint32(pos, v % 0x100000000, true);
  view.setUint32(pos + 4, Math.floor(v / 0x100000000), true);
}
