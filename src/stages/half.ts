import { float16ToNumber, float32ArrayToFloat16 } from "../hdf5/float16.js";

let halfTable: Float32Array | undefined;

/** Binary16 bits -> float32 values, through a 64k-entry table. */
export function halfToFloat(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16ToNumber(h);
  }
  const t = halfTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]!]!;
  return out;
}

/** Binary16 bits of float32 values; a finite value beyond float16's range is an error, not an infinity. */
export function toHalf(group: string, field: string, values: Float32Array): Uint16Array {
  const bits = float32ArrayToFloat16(values);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i]! & 0x7fff) === 0x7c00 && Number.isFinite(values[i]!)) {
      throw new Error(
        `${group}.${field}: value ${values[i]} does not fit in float16 (largest 65504); ` +
          `list "${group}.${field}" in output.fullPrecision or scale it (e.g. to GeV)`,
      );
    }
  }
  return bits;
}
