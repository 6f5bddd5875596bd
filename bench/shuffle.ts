/**
 * On-disk global shuffle throughput: BucketShuffler over fixed-width rows the size of a padded
 * event (event scalars + 10 jets x 5 fields + 4 electrons x 4 fields, float32, + valid bytes).
 * Usage: npm run bench:shuffle [-- rows [buckets]]
 */
import os from "node:os";
import { BucketShuffler } from "../src/stages/shuffle.js";

const ROWS = Number(process.argv[2] ?? 500_000);
const BUCKETS = Number(process.argv[3] ?? 16);
const ROW_BYTES = 4 * 4 + 10 * (5 * 4 + 1) + 4 * (4 * 4 + 1);
const CHUNK = 10_000;

const chunk = new Uint8Array(CHUNK * ROW_BYTES);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;

const t0 = process.hrtime.bigint();
const shuffler = await BucketShuffler.create({ rowBytes: ROW_BYTES, buckets: BUCKETS, seed: 42 });
for (let done = 0; done < ROWS; done += CHUNK) await shuffler.write(chunk.subarray(0, Math.min(CHUNK, ROWS - done) * ROW_BYTES));
const t1 = process.hrtime.bigint();
let out = 0;
for await (const rows of shuffler.rows(CHUNK)) out += rows.length / ROW_BYTES;
const t2 = process.hrtime.bigint();
if (out !== ROWS) throw new Error(`emitted ${out} rows, wrote ${ROWS}`);

const s1 = Number(t1 - t0) / 1e9;
const s2 = Number(t2 - t1) / 1e9;
const mb = (ROWS * ROW_BYTES) / 1e6;
console.log(`${ROWS} rows x ${ROW_BYTES} B (${mb.toFixed(0)} MB), ${BUCKETS} buckets; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`);
console.log(`pass 1 (route to buckets): ${(s1 * 1000).toFixed(0)} ms  ${(ROWS / s1 / 1e6).toFixed(2)} M rows/s  ${(mb / s1).toFixed(0)} MB/s`);
console.log(`pass 2 (read, permute):    ${(s2 * 1000).toFixed(0)} ms  ${(ROWS / s2 / 1e6).toFixed(2)} M rows/s  ${(mb / s2).toFixed(0)} MB/s`);
