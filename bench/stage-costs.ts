/**
 * CPU per event of every step of a run, each alone on this thread: the worker's stages task by
 * task, then the main thread's shuffle (both passes) and the SALT writer with each compression
 * (chunks encoded on this thread). CPU time (process.cpuUsage) rather than wall time, so that the
 * figures hold on a machine busy with other jobs; best of `rounds` per step. What a run costs
 * at least is the sum: the conversion's part divides by the workers, the rest does not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadRunConfig } from "../src/config/index.js";
import { compileStage } from "../src/pipeline/chain.js";
import type { StageSpec } from "../src/pipeline/chain.js";
import { buildPlan, scanInThread } from "../src/pipeline/plan.js";
import { bucketCount } from "../src/pipeline/session.js";
import { runStages } from "../src/pipeline/stages.js";
import { splitBlocks } from "../src/pipeline/streams.js";
import { SaltWriter } from "../src/sinks/salt-hdf5.js";
import { readStep } from "../src/sources/read-step.js";
import { BucketShuffler, SPLIT_NAMES } from "../src/stages/index.js";
import type { EventBatch } from "../src/stages/index.js";

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface StageCosts {
  events: number;
  rows: number;
  /** Milliseconds of CPU per step over all events (best round). */
  worker: Record<string, number>;
  main: Record<string, number>;
}

/** Every step of the run of `configPath`, on this thread. */
export async function stageCosts(configPath: string, rounds = 2): Promise<StageCosts> {
  const cfg = await loadRunConfig(configPath);
  const built = await buildPlan(cfg, { id: "stage-costs", scan: scanInThread });
  const stages = runStages(built.plan);
  const read = readStep(stages.read);
  const steps: [string, Exclude<StageSpec, { stage: "read" }>][] = [
    ["cut", stages.cut],
    ["split", stages.split],
    ["pad", stages.pad],
    ["label", stages.label],
    ["statistics + histograms", stages.statistics],
    ["pack rows", stages.rows],
  ];
  const compiled = steps.map(([name, spec]) => [name, compileStage(spec)] as const);
  const worker: Record<string, number> = {};
  let results: EventBatch[] = [];
  for (let round = 0; round < rounds; round++) {
    const times: Record<string, number> = {};
    results = [];
    for (const task of built.tasks) {
      let t = cpuMs();
      let eb = await read(task);
      let now = cpuMs();
      times["read + decode"] = (times["read + decode"] ?? 0) + now - t;
      for (const [name, step] of compiled) {
        t = now;
        eb = step(eb);
        now = cpuMs();
        times[name] = (times[name] ?? 0) + now - t;
      }
      results.push(eb);
    }
    for (const [k, v] of Object.entries(times)) worker[k] = Math.min(worker[k] ?? Infinity, v);
  }

  const main: Record<string, number> = {};
  const keep = (name: string, ms: number) => (main[name] = Math.min(main[name] ?? Infinity, ms));
  const dir = mkdtempSync(path.join(tmpdir(), "sxflow-stage-costs-"));
  let rows = 0;
  try {
    const buckets = Math.max(1, bucketCount(cfg, built));
    for (let round = 0; round < rounds; round++) {
      let t = cpuMs();
      const shufflers = await Promise.all(SPLIT_NAMES.map((_, s) => BucketShuffler.create({ rowBytes: built.plan.rowBytes, buckets, seed: cfg.shuffle.seed + s, tmpDir: dir })));
      for (const eb of results) for (const [s, bytes] of splitBlocks(eb, built.plan.rowBytes)) await shufflers[s]!.write(bytes, eb.header.index);
      keep("shuffle pass 1 (to buckets)", cpuMs() - t);
      t = cpuMs();
      const shuffled: Uint8Array[][] = [];
      for (const sh of shufflers) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of sh.rows()) chunks.push(chunk);
        shuffled.push(chunks);
      }
      keep("shuffle pass 2 (read, permute)", cpuMs() - t);
      rows = shuffled.flat().reduce((n, c) => n + c.length / built.plan.rowBytes, 0);
      for (const compression of ["none", "gzip", "lzf"] as const) {
        t = cpuMs();
        const writer = new SaltWriter(built.plan, { dir, name: `costs-${compression}`, compression, level: cfg.output.level, encoderThreads: 0, attrs: {} });
        for (let s = 0; s < shuffled.length; s++) for (const chunk of shuffled[s]!) await writer.append(s, chunk);
        await writer.close();
        keep(compression === "none" ? "chunk fill + write (uncompressed)" : `chunk fill + ${compression} + write`, cpuMs() - t);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { events: built.totalEntries, rows, worker, main };
}
