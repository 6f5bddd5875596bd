import type { ElementType, NumericArray } from "./types.js";

type ArrayCtor = { new (n: number): NumericArray; new (buffer: ArrayBuffer): NumericArray; BYTES_PER_ELEMENT: number };

const CONSTRUCTORS: Record<ElementType, ArrayCtor> = {
  bool: Uint8Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

export function arrayConstructor(type: ElementType): ArrayCtor {
  return CONSTRUCTORS[type];
}

export function allocate(type: ElementType, n: number): NumericArray {
  return new CONSTRUCTORS[type](n);
}

/** The element type a typed array holds; Uint8Array reads as uint8 unless the column says bool. */
export function elementTypeOf(values: NumericArray): ElementType {
  if (values instanceof Float32Array) return "float32";
  if (values instanceof Float64Array) return "float64";
  if (values instanceof Int32Array) return "int32";
  if (values instanceof Uint32Array) return "uint32";
  if (values instanceof Int16Array) return "int16";
  if (values instanceof Uint16Array) return "uint16";
  if (values instanceof Int8Array) return "int8";
  if (values instanceof Uint8Array) return "uint8";
  if (values instanceof BigInt64Array) return "int64";
  return "uint64";
}

export function isBigIntArray(values: NumericArray): values is BigInt64Array | BigUint64Array {
  return values instanceof BigInt64Array || values instanceof BigUint64Array;
}
