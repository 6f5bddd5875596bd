import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { withSession } from "../../pipeline/session.js";
import { outputPaths } from "../../sinks/paths.js";
import { indexInputs } from "../inputs.js";
import { listShards } from "../merge.js";
import { submitCondor } from "./condor.js";
import { compactList, jobsDir } from "./job.js";
import type { JobSpec } from "./job.js";
import { submitK8s } from "./k8s.js";
import { shardSizeNotice } from "./sizing.js";
import { readSlurmRecord, scancel, slurmQueue, submitSlurm } from "./slurm.js";

export type Engine = "slurm" | "condor" | "k8s";

/** Shards with a complete directory, and those without. */
export async function shardProgress(spec: JobSpec): Promise<{ done: number[]; missing: number[] }> {
  const present = (await listShards(spec.config.output.dir)).get(spec.shards) ?? new Set<number>();
  const all = Array.from({ length: spec.shards }, (_, i) => i);
  return { done: all.filter((i) => present.has(i)), missing: all.filter((i) => !present.has(i)) };
}

/** Human-readable state of a sharded run: shards done, queued or missing, and whether it was merged. */
export async function submitStatus(spec: JobSpec, engine: Engine): Promise<string> {
  const { done, missing } = await shardProgress(spec);
  const lines = [`${done.length} of ${spec.shards} shards done${done.length > 0 ? ` (${compactList(done)})` : ""}`];
  const queued = new Map<number, string>();
  let mergeState: string | undefined;
  if (engine === "slurm") {
    const record = await readSlurmRecord(spec);
    if (record) {
      const queue = await slurmQueue(record);
      for (const a of record.arrays) for (const s of a.shards) {
        const state = queue.get(`${a.job}_${s}`);
        if (state) queued.set(s, `${state.toLowerCase()} (job ${a.job}_${s})`);
      }
      const m = queue.get(record.merge);
      mergeState = m ? `merge job ${record.merge}: ${m.toLowerCase()}` : undefined;
    }
  }
  for (const s of missing) lines.push(`  shard ${s}: ${queued.get(s) ?? "missing (not queued: failed or never run)"}`);
  const merged = Object.values(outputPaths(spec.config)).every((p) => existsSync(p));
  lines.push(mergeState ?? (merged ? "merged: the outputs exist" : "not merged yet"));
  return `${lines.join("\n")}\n`;
}

export interface SubmitResult {
  files: string[];
  /** The shards submitted. */
  shards: number[];
  /** What the engine said, or the job ids. */
  message: string;
  /** Advice on the shard count, when its shards are small enough to cost much more CPU than one run. */
  notice?: string;
}

/**
 * Writes the engine's job files for `shards` (all of them, or with `resume` the missing ones not
 * still queued) and, unless `dryRun`, submits them with a merge that runs after them.
 */
export async function submit(spec: JobSpec, engine: Engine, options: { dryRun: boolean; resume: boolean }): Promise<SubmitResult> {
  await mkdir(jobsDir(spec.config), { recursive: true });
  // Every input scanned once here rather than by every shard (inputs.ts); samples that ServiceX
  // delivers are fetched by the shards, which index them then.
  let notice: string | undefined;
  if (!options.dryRun && !options.resume && spec.config.samples.every((s) => s.files.length > 0)) {
    notice = shardSizeNotice(await withSession(spec.config, {}, indexInputs), spec.shards);
  }
  let shards = Array.from({ length: spec.shards }, (_, i) => i);
  const merged = Object.values(outputPaths(spec.config)).every((p) => existsSync(p));
  if (options.resume && merged && (await shardProgress(spec)).missing.length === 0) {
    return { files: [], shards: [], message: "nothing to resume: every shard is done and the outputs exist" };
  }
  if (engine === "slurm") {
    const record = options.resume ? await readSlurmRecord(spec) : undefined;
    const after: string[] = [];
    if (options.resume) {
      shards = (await shardProgress(spec)).missing;
      if (record && !options.dryRun) {
        const queue = await slurmQueue(record);
        if (shards.length === 0 && queue.has(record.merge)) {
          return { files: [], shards: [], message: `nothing to resume: every shard is done and merge job ${record.merge} is ${queue.get(record.merge)!.toLowerCase()}` };
        }
        // Shards still queued or running are waited for, not submitted twice.
        for (const a of record.arrays) for (const s of a.shards) {
          if (shards.includes(s) && queue.has(`${a.job}_${s}`)) {
            after.push(`${a.job}_${s}`);
            shards = shards.filter((x) => x !== s);
          }
        }
        // The old merge waits on a shard that failed: it would never run.
        if (queue.has(record.merge)) await scancel([record.merge]);
      }
    }
    const r = await submitSlurm(spec, shards, { dryRun: options.dryRun, alsoAfter: after, record });
    const message = r.submitted
      ? [
          r.submitted.array ? `shards ${compactList(shards)}: job ${r.submitted.array}` : "no shard to run",
          ...(after.length > 0 ? [`still queued: ${after.join(", ")}`] : []),
          `merge: job ${r.submitted.merge} (after the shards succeed)`,
        ].join("\n")
      : `dry run: sbatch --array=${compactList(shards)} ${r.files[0]} && sbatch --dependency=afterok:<array job> ${r.files[1]}`;
    return { files: r.files, shards, message, ...(notice ? { notice } : {}) };
  }
  if (options.resume) shards = (await shardProgress(spec)).missing;
  const r = engine === "condor" ? await submitCondor(spec, shards, options.dryRun) : await submitK8s(spec, shards, options.dryRun);
  const how = engine === "condor" ? `condor_submit_dag ${r.files[2]}` : `kubectl apply -f ${r.files[0]} -f ${r.files[1]}`;
  return { files: r.files, shards, message: r.output ?? `dry run: ${how}`, ...(notice ? { notice } : {}) };
}
