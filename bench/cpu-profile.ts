/**
 * Where a run's CPU time goes, from the `.cpuprofile` files `node --cpu-prof` writes (one per
 * thread: the main thread and every worker). Each sample's time goes to the phase of the nearest
 * frame, from the sampled function up its callers, whose source file names a phase: WebAssembly
 * and Node internals (zstd in parquet-wasm, zlib, writeSync) count for the sxflow code that called
 * them. Self time of V8's garbage collector, idle time and waits are kept apart.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Source paths (under dist/ or src/) and the phase they stand for; the first match wins. */
const PHASES: [RegExp, string][] = [
  [/\/(parquet|root|sources)\//, "read + decode"],
  [/\/expr\/|\/stages\/cut\.js/, "cut"],
  [/\/stages\/(pad|pad-step)\.js/, "pad"],
  [/\/stages\/(label|split|split-step)\.js/, "label + split"],
  [/\/stages\/(statistics|stats|histogram)\.js|\/report\/histograms\.js/, "statistics + histograms"],
  [/\/stages\/(rows|pack)\.js/, "pack rows"],
  [/\/stages\/shuffle\.js|\/random\//, "shuffle"],
  [/\/hdf5\/(filters\/|chunk-encoder\.js)/, "compression"],
  [/\/hdf5\/(dataset-writer|interleave)\.js/, "chunk fill"],
  [/\/hdf5\//, "file write"],
  [/\/sinks\/encoder-pool\.js|\/pool\/|node_modules\/piscina\//, "thread hand-off"],
  [/\/report\/|\/plot-lib\.js|@observablehq|linkedom/, "report page"],
  [/\/pipeline\/|\/sinks\//, "pipeline (order, route, report)"],
];

const STARTUP = /^node:internal\/(modules|bootstrap)|node_modules\/(zod|yaml)\//;

function phaseOfFrame(url: string): string | undefined {
  if (STARTUP.test(url)) return "startup (loading modules)";
  for (const [re, phase] of PHASES) if (re.test(url)) return phase;
  return undefined;
}

/**
 * The source file of a line of a bundled file of dist/ (scripts/build.mjs): esbuild puts each
 * module's code under a `// src/<path>.ts` or `// node_modules/<path>` comment. Returned as a
 * path the patterns above match (`.js`), or the bundle's own URL for the lines before the first
 * module (esbuild's helpers).
 */
const bundleLines = new Map<string, [number, string][]>();
function sourceOf(url: string, line: number): string {
  if (!url.startsWith("file://") || !url.includes("/dist/")) return url;
  let marks = bundleLines.get(url);
  if (!marks) {
    marks = [];
    try {
      const lines = readFileSync(new URL(url), "utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(lines[i]!);
        if (m) marks.push([i, `bundle:/${m[1]!.replace(/\.ts$/, ".js")}`]);
      }
    } catch {
      // A file no longer there (an earlier build): its samples keep their URL.
    }
    bundleLines.set(url, marks);
  }
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]![0] <= line) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? marks[lo - 1]![1] : url;
}

export type PhaseTimes = Record<string, number>;

/** Milliseconds of CPU per phase in one profile (idle and atomics waits under "idle"). */
export function phaseTimes(profile: CpuProfile): PhaseTimes {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = phaseOf.get(id);
    if (known) return known;
    const frame = byId.get(id)!.callFrame;
    const { functionName } = frame;
    const url = sourceOf(frame.url, frame.lineNumber);
    let phase: string;
    if (functionName === "(idle)" || functionName === "atomicsWaitLoop") phase = "idle";
    else if (functionName === "(garbage collector)") phase = "garbage collection";
    else if (functionName === "(program)") phase = "V8 (program)";
    else {
      phase = phaseOfFrame(url) ?? (parent.has(id) ? resolve(parent.get(id)!) : "other");
      // parquet-wasm decodes in futures run from microtasks, with no sxflow caller on the stack.
      if (phase === "other" && url.startsWith("wasm://")) phase = "read + decode";
    }
    phaseOf.set(id, phase);
    return phase;
  };
  const out: PhaseTimes = {};
  for (let i = 0; i < profile.samples.length; i++) {
    const phase = resolve(profile.samples[i]!);
    out[phase] = (out[phase] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  }
  return out;
}

export interface ThreadProfile {
  /** "main", "pipeline worker" (it read input) or "encoder" (it only compressed). */
  role: string;
  phases: PhaseTimes;
}

/** Every thread's phase times from the profiles of one process in `dir`. */
export function threadProfiles(dir: string): ThreadProfile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort();
  return files.map((f) => {
    const phases = phaseTimes(JSON.parse(readFileSync(path.join(dir, f), "utf8")) as CpuProfile);
    // Node names a profile CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main thread.
    const thread = Number(f.split(".")[4]);
    const role = thread === 0 ? "main" : phases["read + decode"] ? "pipeline worker" : "encoder";
    return { role, phases };
  });
}

/** Phase times of the threads of each role, added up. */
export function byRole(threads: ThreadProfile[]): Map<string, { threads: number; phases: PhaseTimes }> {
  const out = new Map<string, { threads: number; phases: PhaseTimes }>();
  for (const t of threads) {
    const r = out.get(t.role) ?? { threads: 0, phases: {} };
    r.threads++;
    for (const [k, v] of Object.entries(t.phases)) r.phases[k] = (r.phases[k] ?? 0) + v;
    out.set(t.role, r);
  }
  return out;
}
