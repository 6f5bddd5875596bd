/** Attribute values and their encoding as HDF5 attribute messages (h5py-compatible types). */

import { elementTypeOf } from "../batch/element-type.js";
import type { NumericArray } from "../batch/types.js";
import { ByteWriter } from "./byte-writer.js";
import { elementTypeMessage, vlenStringTypeMessage, type H5ElementType } from "./datatype.js";
import { GlobalHeap, type HeapRef } from "./global-heap.js";
import { attributeMessage, dataspaceMessage } from "./object-header.js";

export type AttrTypedArray = NumericArray;

/**
 * Attribute values. Numbers that are all safe integers are stored as int64 (as h5py stores a
 * Python int), otherwise float64; pass a typed array to choose the type. Strings are stored as
 * variable-length UTF-8, which h5py reads back as `str`.
 */
export type AttrValue = number | bigint | boolean | string | readonly string[] | readonly number[] | AttrTypedArray;

function numbersArray(values: readonly number[]): AttrTypedArray {
  return values.every((x) => Number.isSafeInteger(x))
    ? BigInt64Array.from(values, (x) => BigInt(x))
    : Float64Array.from(values);
}

/** An attribute ready to be encoded: strings already placed in the global heap. */
export interface PreparedAttr {
  name: string;
  scalar: boolean;
  strings?: HeapRef[];
  numeric?: { type: H5ElementType; bytes: Uint8Array; count: number };
}

/** Checks a value and stores its strings in the heap; throws naming the attribute on bad input. */
export function prepareAttr(owner: string, name: string, value: AttrValue, heap: GlobalHeap): PreparedAttr {
  const where = `attribute "${name}" of ${owner}`;
  if (name.length === 0) throw new Error(`${where}: empty attribute name`);
  const enc = new TextEncoder();
  if (typeof value === "string") return { name, scalar: true, strings: [heap.add(enc.encode(value))] };
  if (typeof value === "boolean") {
    return { name, scalar: true, numeric: { type: "bool", bytes: new Uint8Array([value ? 1 : 0]), count: 1 } };
  }
  if (typeof value === "number") {
    const arr = Number.isSafeInteger(value) ? BigInt64Array.of(BigInt(value)) : Float64Array.of(value);
    return prepareNumeric(name, arr, true);
  }
  if (typeof value === "bigint") {
    if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new Error(`${where}: ${value} does not fit in int64`);
    return prepareNumeric(name, BigInt64Array.of(value), true);
  }
  if (Array.isArray(value)) {
    if (value.every((x) => typeof x === "string")) {
      return { name, scalar: false, strings: (value as string[]).map((s) => heap.add(enc.encode(s))) };
    }
    if (value.every((x) => typeof x === "number")) return prepareNumeric(name, numbersArray(value as number[]), false);
    throw new Error(`${where}: arrays must hold only strings or only numbers`);
  }
  if (ArrayBuffer.isView(value)) return prepareNumeric(name, value as AttrTypedArray, false);
  throw new Error(`${where}: unsupported value of type ${typeof value}`);
}

function prepareNumeric(name: string, values: AttrTypedArray, scalar: boolean): PreparedAttr {
  const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return { name, scalar, numeric: { type: elementTypeOf(values), bytes, count: values.length } };
}

/** Attribute messages live in the object header, whose message size field is 16 bits. */
export function checkAttrSize(owner: string, attr: PreparedAttr): void {
  const dataBytes = attr.strings ? 16 * attr.strings.length : attr.numeric?.bytes.length ?? 0;
  const total = dataBytes + new TextEncoder().encode(attr.name).length + 64;
  if (total > 0xffff) {
    throw new Error(`attribute "${attr.name}" of ${owner}: ${dataBytes} bytes of data exceed the 64 KiB limit of compact attributes`);
  }
}

/** Encodes the attribute message; the heap must have been written already. */
export function attributeBody(attr: PreparedAttr, heap: GlobalHeap): Uint8Array {
  if (attr.strings) {
    const w = new ByteWriter();
    for (const ref of attr.strings) w.u32(ref.length).u64(heap.address(ref.collection)).u32(ref.index);
    const space = dataspaceMessage(attr.scalar ? null : [attr.strings.length]);
    return attributeMessage(attr.name, vlenStringTypeMessage(), space, w.finish());
  }
  const num = attr.numeric!;
  const space = dataspaceMessage(attr.scalar ? null : [num.count]);
  return attributeMessage(attr.name, elementTypeMessage(num.type), space, num.bytes);
}

/** The attributes of one object: validated when set, encoded when the file is closed. */
export class AttrStore {
  private readonly values = new Map<string, AttrValue>();

  constructor(private readonly owner: string) {}

  set(name: string, value: AttrValue): void {
    if (typeof name !== "string") throw new Error(`${this.owner}: attribute name must be a string`);
    checkAttrSize(this.owner, prepareAttr(this.owner, name, value, new GlobalHeap()));
    // Copied so that later changes by the caller do not leak into the file.
    const copy = Array.isArray(value) ? [...value] : ArrayBuffer.isView(value) ? (value as AttrTypedArray).slice() : value;
    this.values.set(name, copy as AttrValue);
  }

  /** Places strings in the heap; call `attributeBody` on the result once the heap is written. */
  prepare(heap: GlobalHeap): PreparedAttr[] {
    return [...this.values].map(([name, value]) => prepareAttr(this.owner, name, value, heap));
  }
}
