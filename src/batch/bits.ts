// Arrow's bitmap layout (booleans and validity): bit i of byte i >> 3, least significant first.

/** Packs 0/1 bytes into an Arrow validity-style bitmap (LSB first). */
export function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 8));
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Unpacks `length` bits starting at bit `offset` into 0/1 bytes. */
export function unpackBits(bits: Uint8Array, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const b = offset + i;
    out[i] = (bits[b >> 3]! >> (b & 7)) & 1;
  }
  return out;
}
