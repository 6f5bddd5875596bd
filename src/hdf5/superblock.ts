/** Superblock version 2 (48 bytes, checksummed), written last at offset 0. */

import { ByteWriter, UNDEFINED_ADDRESS } from "./byte-writer.js";
import { lookup3 } from "./lookup3.js";

export const SUPERBLOCK_SIZE = 48;

export function superblock(endOfFile: number, rootHeaderAddress: number): Uint8Array {
  const w = new ByteWriter(SUPERBLOCK_SIZE);
  w.bytes(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
  w.u8(2).u8(8).u8(8).u8(0);
  w.u64(0).u64(UNDEFINED_ADDRESS).u64(endOfFile).u64(rootHeaderAddress);
  const body = w.finish();
  return new ByteWriter(SUPERBLOCK_SIZE).bytes(body).u32(lookup3(body)).finish();
}
