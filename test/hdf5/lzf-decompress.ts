/** liblzf decompression, for checking the compressor in tests (h5py does it for real files). */
export function lzfDecompress(input: Uint8Array, outLength: number): Uint8Array {
  const out = new Uint8Array(outLength);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > outLength || ip + n > input.length) throw new Error("lzf: literal run overflows");
      out.set(input.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    } else {
      let len = ctrl >>> 5;
      if (len === 7) len += input[ip++];
      len += 2;
      const ref = op - ((ctrl & 0x1f) << 8) - input[ip++] - 1;
      if (ref < 0) throw new Error("lzf: back reference before start");
      if (op + len > outLength) throw new Error("lzf: match overflows");
      for (let k = 0; k < len; k++) out[op + k] = out[ref + k];
      op += len;
    }
  }
  if (op !== outLength) throw new Error(`lzf: decoded ${op} bytes, expected ${outLength}`);
  return out;
}
