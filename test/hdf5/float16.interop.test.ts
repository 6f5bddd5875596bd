// interop: h5py
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { float32ArrayToFloat16 } from "../../src/hdf5/index.js";
import { python, rng, tempDir } from "./helpers.js";

const tmp = tempDir("f16");
afterAll(() => tmp.cleanup());

it("float32 -> float16 equals numpy's astype(float16) bit for bit, ties, subnormals, overflow and NaN included", () => {
  const bits: number[] = [];
  // Every exponent and sign with mantissas at, just below and just above rounding ties.
  const tails = [0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000, 0x3001, 0x7fe000, 0x7fefff, 0x7ff000, 0x7fffff, 0x400000, 0x401000, 0x3ff000];
  for (let sign = 0; sign < 2; sign++) {
    for (let exp = 0; exp < 256; exp++) {
      for (const t of tails) bits.push(((sign << 31) | (exp << 23) | t) >>> 0);
      // Subnormal-half range: ties at every shift.
      for (let s = 0; s < 23; s++) bits.push(((sign << 31) | (exp << 23) | (1 << s)) >>> 0, ((sign << 31) | (exp << 23) | ((3 << s) & 0x7fffff)) >>> 0);
    }
  }
  const next = rng(42);
  for (let i = 0; i < 100_000; i++) bits.push(next());
  const f32 = new Float32Array(new Uint32Array(bits).buffer);
  const mine = float32ArrayToFloat16(f32);
  const inFile = path.join(tmp.dir, "in.bin");
  writeFileSync(inFile, new Uint8Array(f32.buffer));
  const out = python(`
import numpy as np, sys
with np.errstate(over="ignore", invalid="ignore"):
    h = np.fromfile(${JSON.stringify(inFile)}, dtype="<f4").astype(np.float16)
sys.stdout.write(h.view("<u2").tobytes().hex())
`);
  const numpy = new Uint16Array(Uint8Array.from(Buffer.from(out, "hex")).buffer);
  expect(numpy.length).toBe(mine.length);
  const diffs: string[] = [];
  for (let i = 0; i < mine.length && diffs.length < 10; i++) {
    if (mine[i] !== numpy[i]) diffs.push(`f32 0x${bits[i].toString(16)}: 0x${mine[i].toString(16)} vs numpy 0x${numpy[i].toString(16)}`);
  }
  expect(diffs).toEqual([]);
});
