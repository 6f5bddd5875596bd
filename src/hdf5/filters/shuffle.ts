/** HDF5 shuffle filter (id 2): byte i of every element grouped together, for better compression. */

export function shuffle(input: Uint8Array, elementSize: number): Uint8Array {
  const out = new Uint8Array(input.length);
  const n = Math.floor(input.length / elementSize);
  if (elementSize <= 1 || n <= 1) {
    out.set(input);
    return out;
  }
  for (let b = 0; b < elementSize; b++) {
    let o = b * n;
    for (let i = b; i < n * elementSize; i += elementSize) out[o++] = input[i];
  }
  // Trailing bytes of a partial element are left in place, as libhdf5 does.
  out.set(input.subarray(n * elementSize), n * elementSize);
  return out;
}
