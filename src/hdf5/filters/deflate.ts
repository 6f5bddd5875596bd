/** HDF5 deflate filter (id 1): a zlib stream (RFC 1950), which node:zlib produces directly. */

import { deflateSync } from "node:zlib";

export function deflate(input: Uint8Array, level: number): Uint8Array {
  const out = deflateSync(input, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
