/**
 * Padding throughput: sxflow's padGroup against the Python converter's algorithm transcribed to
 * JS (per-event arrays of objects, push, sort, slice, copy), on the same synthetic events, fed
 * as batches as the pipeline does. Usage: npm run bench:pad [-- events [batchSize]]
 */
import os from "node:os";
import { sliceColumn } from "../src/batch/index.js";
import type { JaggedColumn } from "../src/batch/index.js";
import { padGroup } from "../src/stages/pad.js";
import { Xoshiro128 } from "../src/random/prng.js";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 100_000);
const MAX = 10;
const FIELDS = ["pt", "eta", "phi", "btag"] as const;

function synthetic(n: number): { offsets: Int32Array; columns: Record<string, JaggedColumn> } {
  const rng = new Xoshiro128(1);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    // Binomial(12, 0.5): mean 6 jets, up to 12, so some events are truncated at MAX = 10.
    let c = 0;
    const bits = rng.nextUint32();
    for (let b = 0; b < 12; b++) c += (bits >>> b) & 1;
    offsets[i + 1] = offsets[i]! + c;
  }
  const total = offsets[n]!;
  const columns: Record<string, JaggedColumn> = {};
  for (const f of FIELDS) {
    const values = new Float32Array(total);
    for (let j = 0; j < total; j++) values[j] = f === "pt" ? 20000 + 200000 * rng.nextFloat() : f === "btag" ? rng.below(2) : 6 * rng.nextFloat() - 3;
    columns[f] = { kind: "jagged", offsets, values };
  }
  return { offsets, columns };
}

/** The converter's per-event loop: JS objects per jet, optional sort, slice, copy into zeroed arrays. */
function perEvent(offsets: Int32Array, columns: Record<string, JaggedColumn>, sort: boolean): { out: Record<string, Float32Array>; valid: Uint8Array } {
  const n = offsets.length - 1;
  const out: Record<string, Float32Array> = {};
  for (const f of FIELDS) out[f] = new Float32Array(n * MAX);
  const valid = new Uint8Array(n * MAX);
  const v = FIELDS.map((f) => columns[f]!.values as Float32Array);
  for (let i = 0; i < n; i++) {
    const jets: { pt: number; eta: number; phi: number; btag: number }[] = [];
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) jets.push({ pt: v[0]![j]!, eta: v[1]![j]!, phi: v[2]![j]!, btag: v[3]![j]! });
    if (sort) jets.sort((a, b) => b.pt - a.pt);
    const kept = jets.slice(0, MAX);
    kept.forEach((jet, k) => {
      out.pt![i * MAX + k] = jet.pt;
      out.eta![i * MAX + k] = jet.eta;
      out.phi![i * MAX + k] = jet.phi;
      out.btag![i * MAX + k] = jet.btag;
      valid[i * MAX + k] = 1;
    });
  }
  return { out, valid };
}

/**
 * Best wall-clock time of `runs` runs, and the CPU time (user + system) of that run: on a shared
 * machine the CPU time is the steadier figure. Rates are computed from the CPU time.
 */
function time(label: string, runs: number, fn: () => void): number {
  fn(); // warm-up
  let best = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (wall < best) {
      best = wall;
      cpu = (c.user + c.system) / 1e6;
    }
  }
  const rate = EVENTS / cpu;
  console.log(
    `${label.padEnd(36)} wall ${(best * 1000).toFixed(0).padStart(6)} ms  cpu ${(cpu * 1000).toFixed(0).padStart(6)} ms  ${(rate / 1e6).toFixed(2).padStart(6)} M events/s`,
  );
  return rate;
}

const { offsets, columns } = synthetic(EVENTS);
console.log(
  `${EVENTS} events in batches of ${BATCH}, ${offsets[EVENTS]} jets (${(offsets[EVENTS]! / EVENTS).toFixed(2)}/event), ` +
    `4 float32 fields + valid, max ${MAX}; best of 3 after a warm-up; ` +
    `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`,
);
const batches: { offsets: Int32Array; columns: Record<string, JaggedColumn> }[] = [];
for (let start = 0; start < EVENTS; start += BATCH) {
  const stop = Math.min(EVENTS, start + BATCH);
  const cols: Record<string, JaggedColumn> = {};
  for (const f of FIELDS) cols[f] = sliceColumn(columns[f]!, start, stop) as JaggedColumn;
  // Fields of one collection share offsets, as the readers deliver them.
  for (const f of FIELDS) cols[f] = { ...cols[f]!, offsets: cols.pt!.offsets };
  batches.push({ offsets: cols.pt!.offsets, columns: cols });
}

// Cross-check once that both agree, so the comparison is between equivalent computations.
for (const sort of [false, true]) {
  const a = padGroup({ name: "jet", maxObjects: MAX, fields: columns, ...(sort ? { sortBy: columns.pt! } : {}) });
  const b = perEvent(offsets, columns, sort);
  for (const f of FIELDS) {
    const x = a.fields[f] as Float32Array;
    const y = b.out[f]!;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) throw new Error(`mismatch in ${f} at slot ${i} (sort ${sort})`);
  }
  if (Buffer.compare(a.valid, b.valid) !== 0) throw new Error("valid mismatch");
}

const results: [string, number, number][] = [];
for (const sort of [false, true]) {
  const fast = time(`padGroup${sort ? " (sort by pt)" : ""}`, 3, () => {
    for (const b of batches) padGroup({ name: "jet", maxObjects: MAX, fields: b.columns, ...(sort ? { sortBy: b.columns.pt! } : {}) });
  });
  const slow = time(`per-event JS objects${sort ? " (sort by pt)" : ""}`, 3, () => {
    for (const b of batches) perEvent(b.offsets, b.columns, sort);
  });
  results.push([sort ? "sorted" : "unsorted", fast, slow]);
}
for (const [what, fast, slow] of results) console.log(`speed-up ${what}: ${(fast / slow).toFixed(1)}x`);
