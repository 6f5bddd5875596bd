/** Object header version 2 ("OHDR") and the messages sxflow puts in it. */

import { ByteWriter, UNDEFINED_ADDRESS } from "./byte-writer.js";
import { lookup3 } from "./lookup3.js";

export const MSG = {
  dataspace: 0x01,
  linkInfo: 0x02,
  datatype: 0x03,
  fillValue: 0x05,
  link: 0x06,
  layout: 0x08,
  groupInfo: 0x0a,
  filterPipeline: 0x0b,
  attribute: 0x0c,
  attributeInfo: 0x15,
} as const;

export interface Message {
  type: number;
  body: Uint8Array;
  /** Constant messages (datatype, fill value, filters, group info), as libhdf5 flags them. */
  constant?: boolean;
}

const MAX_MESSAGE = 0xffff;

export function objectHeader(messages: Message[]): Uint8Array {
  let size = 0;
  for (const m of messages) {
    if (m.body.length > MAX_MESSAGE) throw new Error(`HDF5 header message of ${m.body.length} bytes exceeds 65535`);
    size += 4 + m.body.length;
  }
  const width = size < 0x100 ? 1 : size < 0x10000 ? 2 : 4;
  const w = new ByteWriter(size + 32);
  w.bytes(new Uint8Array([0x4f, 0x48, 0x44, 0x52])).u8(2).u8(width === 1 ? 0 : width === 2 ? 1 : 2);
  w.uint(size, width);
  for (const m of messages) {
    w.u8(m.type).u16(m.body.length).u8(m.constant ? 1 : 0).bytes(m.body);
  }
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, lookup3(body), true);
  return out;
}

/** Dataspace v2: scalar when dims is null; `maxDims` entries of -1 mean unlimited. */
export function dataspaceMessage(dims: number[] | null, maxDims?: number[]): Uint8Array {
  const w = new ByteWriter();
  if (dims === null) return w.u8(2).u8(0).u8(0).u8(0).finish();
  w.u8(2).u8(dims.length).u8(maxDims ? 1 : 0).u8(1);
  for (const d of dims) w.u64(d);
  if (maxDims) for (const d of maxDims) w.u64(d < 0 ? UNDEFINED_ADDRESS : d);
  return w.finish();
}

/** Fill value v3: incremental allocation, default (zero) fill, as h5py writes for chunked data. */
export function fillValueMessage(): Uint8Array {
  return new Uint8Array([3, 0x03]);
}

/** Data layout v3, chunked, v1 B-tree index. `chunkDims` includes the element size as last entry. */
export function chunkedLayoutMessage(btreeAddress: number, chunkDims: number[]): Uint8Array {
  const w = new ByteWriter();
  w.u8(3).u8(2).u8(chunkDims.length).u64(btreeAddress);
  for (const d of chunkDims) w.u32(d);
  return w.finish();
}

export function linkInfoMessage(): Uint8Array {
  return new ByteWriter().u8(0).u8(0).u64(UNDEFINED_ADDRESS).u64(UNDEFINED_ADDRESS).finish();
}

/**
 * Attribute Info v0, compact storage. Without it libhdf5 reports 0 attributes for a v2 object
 * header (`len(obj.attrs)` in h5py) although reading them by name works.
 */
export function attributeInfoMessage(): Uint8Array {
  return new ByteWriter().u8(0).u8(0).u64(UNDEFINED_ADDRESS).u64(UNDEFINED_ADDRESS).finish();
}

export function groupInfoMessage(): Uint8Array {
  return new Uint8Array([0, 0]);
}

/** Hard link v1 to an object header. */
export function linkMessage(name: string, address: number): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  const ascii = bytes.length === name.length;
  const width = bytes.length < 0x100 ? 0 : 1;
  const w = new ByteWriter();
  w.u8(1).u8(width | (ascii ? 0 : 0x10));
  if (!ascii) w.u8(1);
  w.uint(bytes.length, width === 0 ? 1 : 2).bytes(bytes).u64(address);
  return w.finish();
}

/** Attribute v3: name (UTF-8, NUL-terminated), datatype, dataspace, raw data. */
export function attributeMessage(name: string, datatype: Uint8Array, dataspace: Uint8Array, data: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const w = new ByteWriter();
  w.u8(3).u8(0).u16(nameBytes.length + 1).u16(datatype.length).u16(dataspace.length).u8(1);
  w.bytes(nameBytes).u8(0).bytes(datatype).bytes(dataspace).bytes(data);
  return w.finish();
}
