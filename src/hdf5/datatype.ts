/** Element types of compound fields and their HDF5 datatype messages (byte-exact to h5py's). */

import type { ElementType } from "../batch/types.js";
import { ByteWriter } from "./byte-writer.js";

/** Batch element types plus float16, which exists only on disk (Node 20 has no Float16Array). */
export type H5ElementType = ElementType | "float16";

export const ELEMENT_TYPES: readonly H5ElementType[] = [
  "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64",
];

export interface FieldSpec {
  name: string;
  type: H5ElementType;
}

const SIZES: Record<H5ElementType, number> = {
  bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
  float16: 2, float32: 4, float64: 8,
};

export function isElementType(t: unknown): t is H5ElementType {
  return typeof t === "string" && Object.hasOwn(SIZES, t);
}

export function elementSize(t: H5ElementType): number {
  return SIZES[t];
}

function integerType(w: ByteWriter, size: number, signed: boolean): void {
  w.u8(0x10).u8(signed ? 0x08 : 0x00).u8(0).u8(0).u32(size);
  w.u16(0).u16(size * 8);
}

function floatType(w: ByteWriter, size: 2 | 4 | 8): void {
  const p = {
    2: { signBit: 15, expLoc: 10, expSize: 5, mantSize: 10, bias: 15 },
    4: { signBit: 31, expLoc: 23, expSize: 8, mantSize: 23, bias: 127 },
    8: { signBit: 63, expLoc: 52, expSize: 11, mantSize: 52, bias: 1023 },
  }[size];
  // Bit field: little-endian, implied leading 1 (0x20), then the sign bit position.
  w.u8(0x11).u8(0x20).u8(p.signBit).u8(0).u32(size);
  w.u16(0).u16(size * 8).u8(p.expLoc).u8(p.expSize).u8(0).u8(p.mantSize).u32(p.bias);
}

/** numpy `bool` as h5py stores it: enum of int8 with FALSE = 0 and TRUE = 1. */
function boolType(w: ByteWriter): void {
  w.u8(0x18).u8(2).u8(0).u8(0).u32(1);
  integerType(w, 1, true);
  for (const name of ["FALSE", "TRUE"]) {
    const start = w.length;
    w.bytes(new TextEncoder().encode(name)).u8(0).align(8, start);
  }
  w.u8(0).u8(1);
}

export function writeElementType(w: ByteWriter, t: H5ElementType): void {
  switch (t) {
    case "bool": return boolType(w);
    case "int8": case "int16": case "int32": case "int64": return integerType(w, SIZES[t], true);
    case "uint8": case "uint16": case "uint32": case "uint64": return integerType(w, SIZES[t], false);
    case "float16": return floatType(w, 2);
    case "float32": return floatType(w, 4);
    case "float64": return floatType(w, 8);
  }
}

export interface CompoundLayout {
  fields: FieldSpec[];
  /** Byte offset of each field in a packed record. */
  offsets: number[];
  recordSize: number;
}

export function compoundLayout(fields: FieldSpec[]): CompoundLayout {
  const offsets: number[] = [];
  let size = 0;
  for (const f of fields) {
    offsets.push(size);
    size += SIZES[f.type];
  }
  return { fields, offsets, recordSize: size };
}

/** Compound datatype, version 1 (names padded to 8 bytes): readable by every HDF5 since 1.4. */
export function compoundTypeMessage(layout: CompoundLayout): Uint8Array {
  const w = new ByteWriter();
  const n = layout.fields.length;
  w.u8(0x16).u8(n & 0xff).u8(n >> 8).u8(0).u32(layout.recordSize);
  layout.fields.forEach((f, i) => {
    const start = w.length;
    w.bytes(new TextEncoder().encode(f.name)).u8(0).align(8, start);
    w.u32(layout.offsets[i]).u8(0).zeros(3).u32(0).zeros(4).zeros(16);
    writeElementType(w, f.type);
  });
  return w.finish();
}

export function elementTypeMessage(t: H5ElementType): Uint8Array {
  const w = new ByteWriter();
  writeElementType(w, t);
  return w.finish();
}

/** Variable-length UTF-8 string (what h5py writes for `str`), element = 16-byte heap reference. */
export function vlenStringTypeMessage(): Uint8Array {
  const w = new ByteWriter();
  w.u8(0x19).u8(0x01).u8(0x01).u8(0).u32(16);
  integerType(w, 1, false);
  return w.finish();
}
