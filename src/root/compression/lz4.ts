/**
 * LZ4 block decoder (raw block format, no frame), as ROOT writes after the 8-byte checksum of
 * an `L4` compression block.
 *
 * Decodes src[srcStart, srcEnd) into dst[dstStart, dstEnd) and returns the number of bytes
 * written; every bound is checked, so corrupt input gives an Error (message without location: the
 * caller adds it), never an out-of-bounds write or a silently short result.
 */
export function lz4DecodeBlock(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number,
): number {
  let ip = srcStart;
  let op = dstStart;
  while (ip < srcEnd) {
    const token = src[ip++]!;

    let litLen = token >>> 4;
    if (litLen === 15) {
      let b = 255;
      while (b === 255) {
        if (ip >= srcEnd) throw new Error("LZ4 block truncated in a literal length");
        b = src[ip++]!;
        litLen += b;
      }
    }
    if (litLen > 0) {
      if (ip + litLen > srcEnd) throw new Error("LZ4 literal run goes past the end of the block");
      if (op + litLen > dstEnd) throw new Error("LZ4 literal run goes past the declared uncompressed size");
      if (litLen < 32) {
        for (let k = 0; k < litLen; k++) dst[op + k] = src[ip + k]!;
      } else {
        dst.set(src.subarray(ip, ip + litLen), op);
      }
      ip += litLen;
      op += litLen;
    }
    // The last sequence has literals only.
    if (ip === srcEnd) break;

    if (ip + 2 > srcEnd) throw new Error("LZ4 block truncated in a match offset");
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - dstStart) {
      throw new Error(`LZ4 match offset ${offset} points before the start of the output`);
    }

    let matchLen = token & 15;
    if (matchLen === 15) {
      let b = 255;
      while (b === 255) {
        if (ip >= srcEnd) throw new Error("LZ4 block truncated in a match length");
        b = src[ip++]!;
        matchLen += b;
      }
    }
    matchLen += 4;
    if (op + matchLen > dstEnd) throw new Error("LZ4 match goes past the declared uncompressed size");

    const from = op - offset;
    if (matchLen < 32) {
      // Byte by byte is right for overlapping matches (offset < length) too.
      for (let k = 0; k < matchLen; k++) dst[op + k] = dst[from + k]!;
      op += matchLen;
    } else if (offset >= matchLen) {
      dst.copyWithin(op, from, from + matchLen);
      op += matchLen;
    } else {
      // Overlapping long match: a pattern of period `offset`. Everything from `from` to `op` is
      // already that pattern, so copying it forward doubles the run without overlap each time.
      const end = op + matchLen;
      while (op < end) {
        const n = Math.min(op - from, end - op);
        dst.copyWithin(op, from, from + n);
        op += n;
      }
    }
  }
  return op - dstStart;
}
