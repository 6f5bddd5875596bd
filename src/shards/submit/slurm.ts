import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { writeFileAtomic } from "../../sinks/index.js";
import { compactList, jobName, jobsDir, MALLOC_EXPORT, mergeArgs, shardArgs, shQuote } from "./job.js";
import type { JobSpec } from "./job.js";

const run = promisify(execFile);

/** The job array script (one task per shard) and the merge script. */
export function slurmScripts(spec: JobSpec): { shards: string; merge: string } {
  const dir = jobsDir(spec.config);
  const common = [
    ...(spec.partition ? [`#SBATCH --partition=${spec.partition}`] : []),
    ...(spec.time ? [`#SBATCH --time=${spec.time}`] : []),
    ...(spec.mem ? [`#SBATCH --mem=${spec.mem}`] : []),
    `#SBATCH --cpus-per-task=${spec.cpus}`,
  ];
  // The shard number comes from Slurm: that word is double-quoted so that the shell expands it.
  const shard = `$SLURM_ARRAY_TASK_ID/${spec.shards}`;
  const line = (args: string[]) => `exec ${args.map((w) => (w === shard ? `"${w}"` : shQuote(w))).join(" ")}`;
  const shards = [
    "#!/bin/bash",
    `#SBATCH --job-name=${jobName(spec.config)}`,
    `#SBATCH --output=${path.join(dir, "slurm-%A_%a.out")}`,
    ...common,
    "# One array task per shard; the array's indices are given to sbatch (--array=0-N or the missing ones).",
    "set -euo pipefail",
    MALLOC_EXPORT,
    line(shardArgs(spec, "$SLURM_ARRAY_TASK_ID")),
    "",
  ].join("\n");
  const merge = [
    "#!/bin/bash",
    `#SBATCH --job-name=${jobName(spec.config)}-merge`,
    `#SBATCH --output=${path.join(dir, "slurm-%j-merge.out")}`,
    ...common,
    "# Submitted with --dependency=afterok on the shards: runs once every shard has succeeded.",
    "set -euo pipefail",
    MALLOC_EXPORT,
    line(mergeArgs(spec)),
    "",
  ].join("\n");
  return { shards, merge };
}

/** What `submit` recorded of its Slurm jobs, for --status and --resume. */
export interface SlurmRecord {
  shards: number;
  /** Array job id of each submission, and the shards it ran. */
  arrays: { job: string; shards: number[] }[];
  merge: string;
}

export function slurmRecordPath(spec: JobSpec): string {
  return path.join(jobsDir(spec.config), "slurm.json");
}

export async function readSlurmRecord(spec: JobSpec): Promise<SlurmRecord | undefined> {
  try {
    return JSON.parse(await readFile(slurmRecordPath(spec), "utf8")) as SlurmRecord;
  } catch {
    return undefined;
  }
}

async function sbatch(args: string[]): Promise<string> {
  const { stdout } = await run("sbatch", ["--parsable", ...args]);
  // --parsable prints "jobid" or "jobid;cluster".
  return stdout.trim().split(";")[0]!;
}

export interface SlurmSubmitted {
  array?: string;
  merge: string;
}

/**
 * Writes the scripts, then submits the array for `shards` and a merge job that runs after it (and
 * after `alsoAfter`, jobs of an earlier submission still queued) succeeded.
 */
export async function submitSlurm(spec: JobSpec, shards: number[], options: { dryRun: boolean; alsoAfter?: string[]; record?: SlurmRecord }): Promise<{ files: string[]; submitted?: SlurmSubmitted }> {
  const dir = jobsDir(spec.config);
  const scripts = slurmScripts(spec);
  const files = [path.join(dir, "shards.sbatch"), path.join(dir, "merge.sbatch")];
  await writeFile(files[0]!, scripts.shards, { mode: 0o755 });
  await writeFile(files[1]!, scripts.merge, { mode: 0o755 });
  if (options.dryRun) return { files };
  const after = [...(options.alsoAfter ?? [])];
  let array: string | undefined;
  if (shards.length > 0) {
    array = await sbatch([`--array=${compactList(shards)}`, files[0]!]);
    after.push(array);
  }
  const merge = await sbatch([...(after.length > 0 ? [`--dependency=afterok:${after.join(":")}`] : []), files[1]!]);
  const record: SlurmRecord = {
    shards: spec.shards,
    arrays: [...(options.record?.arrays ?? []), ...(array ? [{ job: array, shards }] : [])],
    merge,
  };
  await writeFileAtomic(slurmRecordPath(spec), `${JSON.stringify(record, null, 1)}\n`);
  return { files, submitted: { array, merge } };
}

/** Array tasks and jobs still queued or running, as `jobid_task` / `jobid` -> state. */
export async function slurmQueue(record: SlurmRecord): Promise<Map<string, string>> {
  const ids = [...record.arrays.map((a) => a.job), record.merge].join(",");
  const out = new Map<string, string>();
  try {
    const { stdout } = await run("squeue", ["-h", "-r", "-j", ids, "-o", "%i %T"]);
    for (const line of stdout.split("\n")) {
      const [id, state] = line.trim().split(/\s+/);
      if (id && state) out.set(id, state);
    }
  } catch {
    // Jobs that left the queue long ago make squeue fail ("Invalid job id"): none is queued.
  }
  return out;
}

export async function scancel(jobs: string[]): Promise<void> {
  if (jobs.length > 0) await run("scancel", jobs);
}
