/**
 * Streaming from ServiceX against download-then-convert, on loopback against the fake ServiceX
 * server (test/servicex/fake-server.ts: SigV4-checked S3, presigned URLs, range requests).
 *
 * The transform outputs are FILES Parquet files of 100 float32 columns (zstd, row groups of
 * 10,000 rows); the fake transform finishes one file every few polls. Both modes read 10 of the
 * 100 columns of every file, every row, into sxflow batches:
 *  - download-then-convert: deliver() with Delivery: LocalCache (whole files into the cache),
 *    then openParquet on each local file;
 *  - stream: deliver() with Delivery: SignedURLs; each file is opened by its URL (range requests)
 *    as soon as the transform reports it, while the transform still runs.
 * Wall time from submit to the last batch, and the bytes the object store sent. Best of RUNS,
 * modes alternating within each run.
 *
 *   npm run bench:stream -- [--files 4] [--rows 100000] [--runs 3]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Batch } from "../src/batch/types.js";
import { openParquet } from "../src/parquet/reader.js";
import { writeParquet } from "../src/parquet/writer.js";
import { deliver, type DeliverOptions } from "../src/servicex/index.js";
import { FakeServiceX } from "../test/servicex/fake-server.js";

const { values } = parseArgs({ options: { files: { type: "string" }, rows: { type: "string" }, runs: { type: "string" } } });
const FILES = Number(values.files ?? 4);
const ROWS = Number(values.rows ?? 100_000);
const RUNS = Number(values.runs ?? 3);
const COLUMNS = Array.from({ length: 100 }, (_, i) => `var_${String(i).padStart(3, "0")}`);
const WANTED = COLUMNS.filter((_, i) => i % 10 === 3);
/** Status polls per transformed file: the transform produces a file about every 4 x 50 ms. */
const POLL_MS = 50;
const POLLS_PER_FILE = 4;

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-bench-stream-"));

/** Seeded xorshift floats: smooth-ish physics-like values that zstd compresses a little. */
function columnValues(seed: number, n: number): Float32Array {
  let x = seed | 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = Math.round(((x >>> 0) / 2 ** 32) * 1e5) / 100;
  }
  return out;
}

async function makeFile(k: number): Promise<Buffer> {
  const file = path.join(dir, `input_${k}.parquet`);
  const columns: Batch["columns"] = {};
  COLUMNS.forEach((c, i) => (columns[c] = { kind: "flat", values: columnValues(k * 1000 + i + 1, ROWS) }));
  await writeParquet(file, [{ length: ROWS, columns }], { rowGroupSize: 10_000 });
  return readFileSync(file);
}

/** Reads the wanted columns of every row; returns a checksum so that the work is not optimised away. */
async function convert(location: string): Promise<number> {
  const reader = await openParquet(location);
  let sum = 0;
  try {
    for await (const b of reader.iterate({ branches: WANTED })) {
      for (const c of WANTED) {
        const v = b.columns[c]!.values as Float32Array;
        for (let i = 0; i < v.length; i += 97) sum += v[i]!;
      }
    }
  } finally {
    reader.close();
  }
  return sum;
}

interface Outcome {
  ms: number;
  bytes: number;
  checksum: number;
  /** Files converted before the transform finished. */
  early: number;
}

async function runMode(blobs: Buffer[], mode: "download" | "stream", run: number): Promise<Outcome> {
  const server = await new FakeServiceX().start();
  const inputs = blobs.map((b, i) => {
    const input = `root://eos.example.org//bench/file_${i}.root`;
    server.inputs.set(input, b);
    return input;
  });
  server.datasets.set("rucio://bench:bench.stream", { inputs, slowInputs: Object.fromEntries(inputs.map((i) => [i, POLLS_PER_FILE - 1])) });
  const configPath = path.join(dir, "servicex.yaml");
  writeFileSync(configPath, `api_endpoints:\n  - name: b\n    endpoint: ${server.url}\n    token: ${server.refreshToken}\ncache_path: ${path.join(dir, `cache-${mode}-${run}`)}\n`);
  const spec = { General: { OutputFormat: "parquet" as const }, Sample: [{ Name: "b", Dataset: "bench:bench.stream", Query: { tree: "t" } }] };
  const opts: DeliverOptions = { configPath, pollIntervalMs: POLL_MS, progress: false };
  const transformDone = (): boolean => [...server.requests.values()].every((r) => r.status === "Complete");
  const t0 = performance.now();
  let checksum = 0;
  let early = 0;
  if (mode === "download") {
    const out = await deliver(spec, opts);
    for (const f of out.b!) checksum += await convert(f);
  } else {
    const conversions: Promise<void>[] = [];
    await deliver(spec, {
      ...opts,
      delivery: "SignedURLs",
      onFile: (_sample, url) => {
        if (!transformDone()) early++;
        conversions.push(convert(url).then((s) => void (checksum += s)));
      },
    });
    await Promise.all(conversions);
  }
  const ms = performance.now() - t0;
  const bytes = server.s3BytesSent;
  await server.close();
  return { ms, bytes, checksum, early };
}

const load = (): string => loadavg().map((x) => x.toFixed(1)).join(" ");
console.log(`bench:stream, ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores, load average ${load()} before`);
const blobs: Buffer[] = [];
for (let k = 0; k < FILES; k++) blobs.push(await makeFile(k));
const total = blobs.reduce((n, b) => n + b.length, 0);
console.log(`${FILES} Parquet files x ${ROWS} rows x 100 float32 columns, ${(total / 1e6).toFixed(1)} MB in all; reading ${WANTED.length} columns (${WANTED.join(", ")})`);
console.log(`fake transform: one file every ~${POLLS_PER_FILE} polls of ${POLL_MS} ms\n`);

const best: Record<string, Outcome> = {};
for (let run = 0; run < RUNS; run++) {
  for (const mode of ["download", "stream"] as const) {
    const o = await runMode(blobs, mode, run);
    console.log(`run ${run + 1} ${mode.padEnd(8)}: ${o.ms.toFixed(0)} ms, ${(o.bytes / 1e6).toFixed(2)} MB transferred, ${o.early} files converted before the transform ended`);
    if (!best[mode] || o.ms < best[mode]!.ms) best[mode] = o;
  }
}
if (best.download!.checksum !== best.stream!.checksum) throw new Error(`checksums differ: ${best.download!.checksum} vs ${best.stream!.checksum}`);
console.log(`\n| mode | wall time (best of ${RUNS}) | bytes from the object store | share of the files |`);
console.log("|---|---|---|---|");
for (const [label, mode] of [["download whole files, then convert", "download"], ["stream: range reads of signed URLs as files appear", "stream"]] as const) {
  const o = best[mode]!;
  console.log(`| ${label} | ${(o.ms / 1000).toFixed(2)} s | ${(o.bytes / 1e6).toFixed(2)} MB | ${((o.bytes / total) * 100).toFixed(1)} % |`);
}
console.log(`\nsame checksum of the values read in both modes; load average ${load()} after`);
rmSync(dir, { recursive: true, force: true });
