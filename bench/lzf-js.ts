/**
 * LZF compressor in plain JavaScript: the HDF5 writer's implementation until 2026-11-26, replaced
 * by the WebAssembly kernel of src/hdf5/filters/lzf.ts; kept here as the baseline of
 * `npm run bench:lzf` (bench/lzf.ts).
 *
 * Stream: a control byte below 32 starts a run of (ctrl + 1) literal bytes; otherwise its top 3
 * bits are the match length - 2 (7 = one more length byte follows), its low 5 bits the high bits
 * of the distance - 1, whose low byte follows. Distances reach 8192, lengths 3..264.
 */

const HLOG = 14;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);
const MAX_LIT = 1 << 5;
/** After 8 consecutive misses, probe every 2nd position, after 16 every 3rd, ... */
const SKIP_SHIFT = 3;
const MAX_SKIP = 8;

const table = new Int32Array(1 << HLOG);

function hash(v: number): number {
  return Math.imul(v, 0x9e3779b1) >>> (32 - HLOG);
}

/** Compresses `input`; returns null when the result would not be smaller than the input. */
export function lzfCompressJs(input: Uint8Array): Uint8Array | null {
  const n = input.length;
  if (n < 4) return null;
  // Worst case without the early exit: one control byte per 32 literals.
  const out = new Uint8Array(n + (n >>> 5) + 2);
  table.fill(0);
  let ip = 0;
  let op = 1; // out[0] is reserved for the first literal run's control byte
  let lit = 0;
  // Positions since the last match. On incompressible stretches (random low mantissa bytes) the
  // search probes ever fewer positions, as LZ4's acceleration does; skipped bytes are still
  // emitted as literals. The step is capped so that repeats after a long random stretch are
  // still found. Measured on float records: ~1.15x faster, ~3 % larger output.
  let misses = 0;
  // Rolling value of the 3 bytes at ip.
  let v = (input[0] << 8) | input[1];
  while (ip < n - 2) {
    v = ((v << 8) | input[ip + 2]) & 0xffffff;
    const h = hash(v);
    const ref = table[h] - 1;
    table[h] = ip + 1;
    const off = ip - ref - 1;
    if (
      ref >= 0 && off < MAX_OFF &&
      input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]
    ) {
      const maxLen = Math.min(MAX_REF, n - ip);
      let len = 3;
      while (len < maxLen && input[ref + len] === input[ip + len]) len++;
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--; // drop the reserved control byte of an empty literal run
      const l = len - 2;
      if (l < 7) {
        out[op++] = (l << 5) | (off >>> 8);
      } else {
        out[op++] = (7 << 5) | (off >>> 8);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len;
      misses = 0;
      // Index the last positions of the match so that runs keep matching cheaply.
      if (ip < n - 2) {
        table[hash((input[ip - 2] << 16) | (input[ip - 1] << 8) | input[ip])] = ip - 1;
        table[hash((input[ip - 1] << 16) | (input[ip] << 8) | input[ip + 1])] = ip;
      }
      v = (input[ip] << 8) | input[ip + 1];
      if (op >= n) return null;
      continue;
    }
    const step = Math.min(1 + (misses++ >>> SKIP_SHIFT), MAX_SKIP, n - 2 - ip);
    for (let k = 0; k < step; k++) {
      out[op++] = input[ip++];
      if (++lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
    if (op >= n) return null;
    if (step > 1) v = (input[ip] << 8) | input[ip + 1];
  }
  while (ip < n) {
    out[op++] = input[ip++];
    if (++lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--;
  return op < n ? out.subarray(0, op) : null;
}
