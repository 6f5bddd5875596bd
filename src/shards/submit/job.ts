import path from "node:path";
import type { RunConfig } from "../../config/index.js";
import { shardsDir } from "../store.js";

/** What every engine's job files need to know. */
export interface JobSpec {
  /** Absolute path of the run configuration, as every job sees it (a shared file system). */
  configPath: string;
  config: RunConfig;
  shards: number;
  /** The command that runs sxflow on the workers, e.g. [node, /path/dist/cli/main.js] or [sxflow]. */
  sxflow: string[];
  /** Worker threads (and CPUs requested) per shard job. */
  cpus: number;
  /** Memory per job, in the engine's own notation (Slurm --mem: 4G; HTCondor: 4G; Kubernetes: 4Gi). */
  mem?: string;
  /** Slurm time limit (e.g. 2:00:00). */
  time?: string;
  partition?: string;
  /** Kubernetes: container image, and a PersistentVolumeClaim mounted at `mount`. */
  image?: string;
  pvc?: string;
  mount?: string;
}

/** Where the job files, their logs and the submission record go: `<output.dir>/shards/jobs/`. */
export function jobsDir(config: RunConfig): string {
  return path.join(shardsDir(config.output.dir), "jobs");
}

/** A name for the jobs: `sxflow-<output.name>`, as the engines accept it (lower case, a-z0-9-). */
export function jobName(config: RunConfig): string {
  return `sxflow-${config.output.name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "")}`.slice(0, 52);
}

/** The shard and merge command lines (without the shard number, which each engine fills in). */
export function shardArgs(spec: JobSpec, shard: string): string[] {
  return [...spec.sxflow, "run", spec.configPath, "--shard", `${shard}/${spec.shards}`, "--workers", String(spec.cpus), "--quiet"];
}

export function mergeArgs(spec: JobSpec): string[] {
  return [...spec.sxflow, "merge", spec.configPath, "--shards", String(spec.shards), "--workers", String(spec.cpus)];
}

/**
 * glibc's malloc settings for the jobs: one arena for all of a process's threads, its heap in
 * transparent huge pages where the kernel allows them (THP `madvise` or `always`; glibc 2.35 or
 * later; other C libraries and older glibc ignore the names). Otherwise each thread's arena is
 * faulted in 4 KiB at a time by every shard process: on the project's virtual machine, where a
 * fault costs about 11 µs, a 1e7-event shard made 105-114 k faults with glibc's defaults and
 * 33-36 k with these, and took 10 % less CPU (6 alternated pairs, 2026-12-04); the output's bytes
 * do not change.
 */
export const MALLOC_TUNABLES = "glibc.malloc.arena_max=1:glibc.malloc.hugetlb=1";

/** The shell line that puts MALLOC_TUNABLES first in the job's GLIBC_TUNABLES: settings already there come later, and glibc keeps the last. */
export const MALLOC_EXPORT = `export GLIBC_TUNABLES="${MALLOC_TUNABLES}\${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"`;

/** POSIX shell quoting: safe words as they are, anything else in single quotes. */
export function shQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Lists shard numbers compactly for the engines (0,2,5-9). */
export function compactList(items: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < items.length; ) {
    let j = i;
    while (j + 1 < items.length && items[j + 1] === items[j]! + 1) j++;
    out.push(j > i ? `${items[i]}-${items[j]}` : `${items[i]}`);
    i = j + 1;
  }
  return out.join(",");
}
