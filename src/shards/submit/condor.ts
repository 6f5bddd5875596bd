import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { jobName, jobsDir, MALLOC_TUNABLES, mergeArgs, shardArgs } from "./job.js";
import type { JobSpec } from "./job.js";

const run = promisify(execFile);

/**
 * HTCondor's argument syntax: the whole list in double quotes, words separated by spaces, a word
 * with spaces or quotes in single quotes (a single quote doubled inside).
 */
export function condorArguments(words: readonly string[]): string {
  const quoted = words.map((w) => (/[\s'"]/.test(w) || w === "" ? `'${w.replace(/'/g, "''").replace(/"/g, '""')}'` : w));
  return `"${quoted.join(" ")}"`;
}

function description(spec: JobSpec, name: string, args: string[], queue: string): string {
  const dir = jobsDir(spec.config);
  return [
    `# ${name}: written by sxflow submit --condor; the files live on a shared file system, nothing is transferred.`,
    "universe = vanilla",
    `executable = ${args[0]}`,
    `arguments = ${condorArguments(args.slice(1))}`,
    `initialdir = ${dir}`,
    "getenv = true",
    // Set over the submitter's own GLIBC_TUNABLES, which getenv would pass on (see MALLOC_TUNABLES).
    `environment = "GLIBC_TUNABLES=${MALLOC_TUNABLES}"`,
    "should_transfer_files = NO",
    `request_cpus = ${spec.cpus}`,
    ...(spec.mem ? [`request_memory = ${spec.mem}`] : []),
    `output = ${path.join(dir, `condor-${name}-$(Cluster).$(Process).out`)}`,
    `error = ${path.join(dir, `condor-${name}-$(Cluster).$(Process).err`)}`,
    `log = ${path.join(dir, "condor.log")}`,
    `batch_name = ${jobName(spec.config)}`,
    queue,
    "",
  ].join("\n");
}

/**
 * The shard submit description (one job per shard: `queue N` with the shard number from
 * $(Process), or for a resubmission `queue shard in (...)` of the missing ones), the merge's, and
 * a DAG that runs the merge after the shards have all succeeded.
 */
export function condorFiles(spec: JobSpec, shards: number[]): { shards: string; merge: string; dag: string } {
  const all = shards.length === spec.shards && shards.every((s, i) => s === i);
  const shardDescription = all
    ? description(spec, "shards", shardArgs(spec, "$(Process)"), `queue ${spec.shards}`)
    : description(spec, "shards", shardArgs(spec, "$(shard)"), `queue shard in (${shards.join(" ")})`);
  return {
    shards: shardDescription,
    merge: description(spec, "merge", mergeArgs(spec), "queue"),
    dag: [
      "# sxflow: the shards, then (only when all of them succeeded) the merge as the last node.",
      ...(shards.length > 0 ? ["JOB shards shards.sub", "RETRY shards 1"] : []),
      "JOB merge merge.sub",
      ...(shards.length > 0 ? ["PARENT shards CHILD merge"] : []),
      "",
    ].join("\n"),
  };
}

/** Writes the files; without --dry-run submits the DAG with condor_submit_dag. */
export async function submitCondor(spec: JobSpec, shards: number[], dryRun: boolean): Promise<{ files: string[]; output?: string }> {
  const dir = jobsDir(spec.config);
  const files = condorFiles(spec, shards);
  const paths = { shards: path.join(dir, "shards.sub"), merge: path.join(dir, "merge.sub"), dag: path.join(dir, "sxflow.dag") };
  await writeFile(paths.shards, files.shards);
  await writeFile(paths.merge, files.merge);
  await writeFile(paths.dag, files.dag);
  const list = [paths.shards, paths.merge, paths.dag];
  if (dryRun) return { files: list };
  // -force: a resubmission replaces the DAGMan files of the previous one.
  const { stdout } = await run("condor_submit_dag", ["-force", paths.dag], { cwd: dir });
  return { files: list, output: stdout.trim() };
}
