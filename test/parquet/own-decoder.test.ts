import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeParquet, type ParquetCompression } from "../../src/parquet/index.js";
import type { Batch, Column } from "../../src/batch/types.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { tempDir } from "./helpers.js";
import { compareDecoders, layout } from "./own-decoder-helpers.js";

const dir = tempDir("own-decoder");

/** A deterministic stream of small integers (few distinct values, so dictionaries pay). */
function ints(n: number, seed: number, mod: number): number[] {
  const out: number[] = [];
  // xorshift32: exact in 32-bit integer arithmetic.
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(x % mod);
  }
  return out;
}

function jagged(counts: number[], values: Column["values"], elementType?: "bool"): Column {
  const offsets = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  const c: Column = { kind: "jagged", offsets, values };
  if (elementType) c.elementType = elementType;
  return c;
}

/** Every element type flat and as a list (empty lists included), plus columns only parquet-wasm reads. */
function batch(n: number): Batch {
  // 0 to 4 values per list: empty lists included.
  const counts = ints(n, 7, 5);
  const m = counts.reduce((a, b) => a + b, 0);
  const small = (k: number, seed: number) => ints(k, seed, 9).map((v) => v - 4);
  return {
    length: n,
    columns: {
      f32: { kind: "flat", values: Float32Array.from(small(n, 1), (v) => v * 0.25) },
      f64: { kind: "flat", values: Float64Array.from(small(n, 2), (v) => v / 3) },
      i8: { kind: "flat", values: Int8Array.from(small(n, 3)) },
      i16: { kind: "flat", values: Int16Array.from(small(n, 4), (v) => v * 1000) },
      i32: { kind: "flat", values: Int32Array.from(small(n, 5), (v) => v * 100000) },
      i64: { kind: "flat", values: BigInt64Array.from(small(n, 6), (v) => BigInt(v) * 10n ** 12n) },
      u8: { kind: "flat", values: Uint8Array.from(ints(n, 7, 250)) },
      u16: { kind: "flat", values: Uint16Array.from(ints(n, 8, 60000)) },
      u32: { kind: "flat", values: Uint32Array.from(ints(n, 9, 5), (v) => 4294967295 - v) },
      u64: { kind: "flat", values: BigUint64Array.from(ints(n, 10, 5), (v) => 18446744073709551615n - BigInt(v)) },
      flag: { kind: "flat", values: Uint8Array.from(ints(n, 11, 2)), elementType: "bool" },
      jf32: jagged(counts, Float32Array.from(small(m, 12), (v) => v * 1.5)),
      jf64: jagged(counts, Float64Array.from(small(m, 13))),
      ji8: jagged(counts, Int8Array.from(small(m, 14))),
      ji64: jagged(counts, BigInt64Array.from(small(m, 15), (v) => BigInt(v))),
      ju64: jagged(counts, BigUint64Array.from(ints(m, 16, 3), (v) => BigInt(v) << 60n)),
      jbool: jagged(counts, Uint8Array.from(ints(m, 17, 2)), "bool"),
      fixed: { kind: "flat", values: Float32Array.from(small(3 * n, 18)), shape: [3] },
      nested: jagged(counts, jagged(ints(m, 19, 3), new Float64Array(ints(m, 19, 3).reduce((a, b) => a + b, 0)))),
      label: { kind: "string", offsets: Int32Array.from({ length: n + 1 }, (_, i) => 2 * i), values: new Uint8Array(2 * n).fill(65) },
    },
  };
}

const OWN = ["f32", "f64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "flag", "jf32", "jf64", "ji8", "ji64", "ju64", "jbool"];

interface Variant {
  compression: ParquetCompression;
  dictionary: boolean;
  pageVersion: 1 | 2;
  pageSize?: number;
  largeList?: boolean;
  pageChecksums?: boolean;
}

const variants: Variant[] = [];
for (const compression of ["zstd", "snappy", "gzip", "none"] as const) {
  for (const dictionary of [false, true]) {
    for (const pageVersion of [1, 2] as const) variants.push({ compression, dictionary, pageVersion, ...(dictionary === (pageVersion === 1) ? { pageSize: 512 } : {}) });
  }
}
variants.push({ compression: "zstd", dictionary: false, pageVersion: 1, largeList: false, pageChecksums: false });
// Codecs the own decoder does not read: every chunk goes to parquet-wasm.
variants.push({ compression: "lz4", dictionary: false, pageVersion: 1 }, { compression: "brotli", dictionary: true, pageVersion: 2 });

describe("sxflow's own column-chunk decoder gives the columns parquet-wasm gives", () => {
  it("test data has empty and full lists and varied values", () => {
    const b = batch(1000);
    const j = b.columns.jf32 as { offsets: Int32Array; values: Float32Array };
    const sizes = new Set(Array.from({ length: 1000 }, (_, i) => j.offsets[i + 1]! - j.offsets[i]!));
    expect([...sizes].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(j.values).size).toBeGreaterThan(5);
  });

  it.each(variants)("on sxflow-written files: %o", async (v) => {
    const file = path.join(dir, `${v.compression}-${v.dictionary}-${v.pageVersion}-${v.pageSize ?? 0}-${v.largeList ?? true}.parquet`);
    await writeParquet(file, [batch(3000), batch(2000)], { ...v, rowGroupSize: 2000 });
    // The file is laid out as asked (else this would test less than it says).
    const pages = layout(file, "jf32.list.item");
    expect(pages.pageTypes).toEqual(v.dictionary ? [v.pageVersion === 1 ? 0 : 2, v.pageVersion === 1 ? 2 : 3] : [v.pageVersion === 1 ? 0 : 3]);
    expect(pages.encodings.includes(8) || pages.encodings.includes(2)).toBe(v.dictionary);
    if (v.pageSize) expect(pages.pages).toBeGreaterThan(2);
    const { own, wasm, counts } = await compareDecoders(file);
    expect(own).toEqual(wasm);
    const ownCodec = ["zstd", "snappy", "gzip", "none"].includes(v.compression);
    // Three row groups; the columns only parquet-wasm reads always go to it.
    if (ownCodec) expect(counts.own).toBeGreaterThan(OWN.length * 3);
    else expect(counts.own).toBe(0);
    expect(counts.parquetWasm).toBeGreaterThan(0);
  }, 60_000);

  it.each(["ttbar", "wjets"])("on the committed %s fixture, every column", async (sample) => {
    const { own, wasm, counts } = await compareDecoders(path.join(FIXTURES_DIR, "topcp", `${sample}.parquet`));
    expect(own).toEqual(wasm);
    // Every TopCP column is numeric, flat or a single-level list: nothing for parquet-wasm.
    expect(counts.parquetWasm).toBe(0);
    expect(counts.own).toBeGreaterThan(0);
  }, 120_000);
});
