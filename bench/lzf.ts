/**
 * LZF compression throughput: the WebAssembly kernel the HDF5 writer uses (src/hdf5/filters/lzf.ts)
 * against the JavaScript compressor it replaced (bench/lzf-js.ts), on the same chunks, with
 * benchmark.js. Chunks: 1000 rows x 10 jets of 14-byte records (pt, eta, phi as float32, a uint8
 * flavour label, a bool valid), 4 to 7 left-packed jets per event (30-60 % zero padding), random
 * kinematics; as written (records) and after the shuffle filter. MB/s counts raw chunk bytes;
 * ratio = compressed / raw bytes (a chunk that does not shrink counts as raw, as the writer stores it).
 *
 *   npm run bench:lzf            (LZF_BENCH_QUICK=1 for shorter series)
 */
import { loadavg } from "node:os";
import Benchmark from "benchmark";
import { lzfCompress } from "../src/hdf5/filters/lzf.js";
import { shuffle } from "../src/hdf5/filters/shuffle.js";
import { Xoshiro128 } from "../src/random/prng.js";
import { lzfCompressJs } from "./lzf-js.js";

const CHUNKS = 16;
const ROWS = 1000;
const JETS = 10;
const RECORD = 14;
const QUICK = process.env.LZF_BENCH_QUICK === "1";

function chunks(): Uint8Array[] {
  const rng = new Xoshiro128(7);
  const list: Uint8Array[] = [];
  for (let c = 0; c < CHUNKS; c++) {
    const bytes = new Uint8Array(ROWS * JETS * RECORD);
    const view = new DataView(bytes.buffer);
    for (let r = 0; r < ROWS; r++) {
      const jets = 4 + rng.below(4);
      for (let j = 0; j < jets; j++) {
        const at = (r * JETS + j) * RECORD;
        view.setFloat32(at, 20000 + 200000 * rng.nextFloat(), true);
        view.setFloat32(at + 4, 5 * rng.nextFloat() - 2.5, true);
        view.setFloat32(at + 8, 2 * Math.PI * rng.nextFloat() - Math.PI, true);
        bytes[at + 12] = [0, 4, 5][rng.below(3)]!;
        bytes[at + 13] = 1;
      }
    }
    list.push(bytes);
  }
  return list;
}

function runSuite(suite: Benchmark.Suite): Promise<void> {
  return new Promise((resolve) => {
    suite.on("complete", () => resolve());
    suite.run({ async: true });
  });
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((v, i) => v === b[i]));

async function main(): Promise<void> {
  const records = chunks();
  const layouts: [string, Uint8Array[]][] = [["records", records], ["shuffled", records.map((c) => shuffle(c, RECORD))]];
  const implementations: [string, (c: Uint8Array) => Uint8Array | null][] = [
    ["JavaScript (before 2026-11-26)", lzfCompressJs],
    ["WebAssembly kernel", lzfCompress],
  ];
  const raw = CHUNKS * ROWS * JETS * RECORD;
  console.log(`LZF, ${CHUNKS} chunks of ${ROWS * JETS * RECORD} bytes; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
  const rows = [
    "| layout | implementation | MB/s mean (±%) | MB/s best sample | ratio | speed-up (mean) |",
    "|---|---|---|---|---|---|",
  ];
  for (const [layout, list] of layouts) {
    // The kernel must give the same bytes on every call (the pipeline's outputs must not depend
    // on which thread or call order encoded a chunk).
    for (const c of list) if (!sameBytes(lzfCompress(c), lzfCompress(c))) throw new Error("LZF kernel output is not deterministic");
    const suite = new Benchmark.Suite();
    for (const [label, fn] of implementations) {
      suite.add(label, () => {
        for (const c of list) fn(c);
      }, { maxTime: QUICK ? 0.5 : 2, minSamples: 5 });
    }
    await runSuite(suite);
    let baseline = 0;
    suite.forEach((bm: Benchmark, i: number) => {
      const fn = implementations[i]![1];
      const packed = list.reduce((sum, c) => sum + (fn(c)?.length ?? c.length), 0);
      const mean = (raw / 1e6) * bm.hz;
      if (i === 0) baseline = mean;
      const best = raw / 1e6 / Math.min(...bm.stats.sample);
      rows.push(`| ${layout} | ${bm.name} | ${mean.toFixed(0)} (±${bm.stats.rme.toFixed(0)}%) | ${best.toFixed(0)} | ${(packed / raw).toFixed(3)} | ${(mean / baseline).toFixed(2)}x |`);
    });
  }
  console.log(rows.join("\n"));
}

await main();
