/**
 * Throughput of the five-cut selection of the integration-challenge analysis on synthetic events
 * (about six jets and one electron per event): sxflow's vectorised evaluator next to a
 * straightforward per-event interpreter of the same expression, in the same run.
 *
 *   npm run bench:expr            (1,000,000 events)
 *   EVENTS=200000 npm run bench:expr
 */
import { parse } from "../src/expr/parser.js";
import { compileCut, cutMask } from "../src/expr/index.js";
import type { Batch } from "../src/batch/types.js";
import { evalEvent, rowOf } from "../test/expr/reference-interpreter.js";

const CUT =
  "(num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 3) & (num(jet_eta[abs(jet_eta) < 2.2]) > 0)" +
  " & (num(jet_GN2v01_FixedCutBEff_77_select[jet_GN2v01_FixedCutBEff_77_select > 0]) > 1)" +
  " & (num(el_pt_NOSYS) > 1) & (num(el_eta[abs(el_eta) < 2.2]) > 0)";

/** Small deterministic generator (mulberry32) so every run sees the same events. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(r: () => number, mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  for (let p = r(); p > l; p *= r()) k++;
  return k;
}

function syntheticBatch(n: number): Batch {
  const r = rng(12345);
  const jetOffsets = new Int32Array(n + 1);
  const elOffsets = new Int32Array(n + 1);
  for (let e = 0; e < n; e++) {
    jetOffsets[e + 1] = jetOffsets[e]! + poisson(r, 6);
    elOffsets[e + 1] = elOffsets[e]! + poisson(r, 1);
  }
  const nj = jetOffsets[n]!;
  const ne = elOffsets[n]!;
  const jetPt = new Float32Array(nj);
  const jetEta = new Float32Array(nj);
  const jetB = new Int8Array(nj);
  for (let j = 0; j < nj; j++) {
    jetPt[j] = 20000 - 30000 * Math.log(1 - r());
    jetEta[j] = 6 * r() - 3;
    jetB[j] = r() < 0.25 ? 1 : 0;
  }
  const elPt = new Float32Array(ne);
  const elEta = new Float32Array(ne);
  for (let j = 0; j < ne; j++) {
    elPt[j] = 10000 - 25000 * Math.log(1 - r());
    elEta[j] = 5 * r() - 2.5;
  }
  // A ROOT or Parquet reader gives every branch its own offsets array, equal in content.
  const jagged = (offsets: Int32Array, values: Float32Array | Int8Array) => ({ kind: "jagged" as const, offsets: offsets.slice(), values });
  return {
    length: n,
    columns: {
      jet_pt_NOSYS: jagged(jetOffsets, jetPt),
      jet_eta: jagged(jetOffsets, jetEta),
      jet_GN2v01_FixedCutBEff_77_select: jagged(jetOffsets, jetB),
      el_pt_NOSYS: jagged(elOffsets, elPt),
      el_eta: jagged(elOffsets, elEta),
    },
  };
}

const events = Number(process.env.EVENTS ?? 1_000_000);
const batch = syntheticBatch(events);
const schema = {
  jet_pt_NOSYS: { kind: "jagged", elementType: "float32" },
  jet_eta: { kind: "jagged", elementType: "float32" },
  jet_GN2v01_FixedCutBEff_77_select: { kind: "jagged", elementType: "int8" },
  el_pt_NOSYS: { kind: "jagged", elementType: "float32" },
  el_eta: { kind: "jagged", elementType: "float32" },
} as const;

const cut = compileCut(CUT, schema);

/**
 * Best of `repeats` runs, as events per wall-clock second and per CPU second of this process
 * (the second is the per-core figure, and holds up when other processes share the machine).
 */
function time(label: string, n: number, repeats: number, run: () => number): number {
  run(); // warm-up: compiles the generated loops and lets V8 optimise
  let best = Infinity;
  let bestCpu = Infinity;
  let passed = 0;
  for (let k = 0; k < repeats; k++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    passed = run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  const rate = n / best;
  console.log(
    `${label.padEnd(34)} ${(rate / 1e6).toFixed(2).padStart(8)} M events/s wall, ${(n / bestCpu / 1e6).toFixed(2).padStart(8)} M events/CPU-s` +
      `  (best of ${repeats}: ${(best * 1e3).toFixed(1)} ms, ${passed} pass)`,
  );
  return rate;
}

console.log(`five-cut selection on ${events} synthetic events (${(batch.columns.jet_pt_NOSYS!.kind === "jagged" ? batch.columns.jet_pt_NOSYS!.offsets[events]! / events : 0).toFixed(2)} jets/event), single thread`);
const vectorised = time("sxflow vectorised evaluator", events, 5, () => {
  const mask = cutMask(batch, cut);
  let k = 0;
  for (let i = 0; i < mask.length; i++) k += mask[i]!;
  return k;
});
const ast = parse(CUT);
const baselineEvents = Math.min(events, 50_000);
const baseline = time(`per-event interpreter (${baselineEvents} ev)`, baselineEvents, 2, () => {
  let k = 0;
  for (let i = 0; i < baselineEvents; i++) if (evalEvent(ast, rowOf(batch, i))) k++;
  return k;
});
console.log(`speed-up: ${(vectorised / baseline).toFixed(1)}x`);
