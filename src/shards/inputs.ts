import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { RunConfig } from "../config/index.js";
import { buildPlan, PipelineError, tasksOf } from "../pipeline/plan.js";
import type { BuiltPlan, FileScanner, KnownFile } from "../pipeline/plan.js";
import { poolScanner } from "../pipeline/session.js";
import type { RunSession } from "../pipeline/session.js";
import { writeFileAtomic } from "../sinks/atomic-write.js";
import { displayUrl, isUrl } from "../sources/byte-source.js";
import { VERSION } from "../version.js";
import { shardTasks } from "./assign.js";
import type { ShardId, TaskRange } from "./assign.js";
import { shardsDir } from "./store.js";

/**
 * `<output.dir>/shards/inputs.json`: the entries and clusters of every input file, which is all a
 * shard needs of the files it does not convert to know the run's tasks and bucket count. Written
 * by `sxflow submit` (or by the first shard that finds none), so that each shard opens only its
 * own files instead of every input: with thousands of files on a shared file system, that scan
 * would be most of a shard's fixed cost.
 */
interface InputIndex {
  format: 1;
  sxflowVersion: string;
  /** The inputs described: the tree and every file (format and path) of every sample, in order. */
  inputs: string;
  files: KnownFile[];
}

export const INPUTS = "inputs.json";

function inputsKey(cfg: RunConfig): string {
  // A signed URL's query is a credential, and changes between two deliveries of the same file.
  return JSON.stringify({ tree: cfg.tree, samples: cfg.samples.map((s) => s.files.map((f) => [f.format, isUrl(f.path) ? displayUrl(f.path) : f.path])) });
}

function indexPath(cfg: RunConfig): string {
  return path.join(shardsDir(cfg.output.dir), INPUTS);
}

async function readIndex(cfg: RunConfig): Promise<InputIndex | undefined> {
  const text = await readFile(indexPath(cfg), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const index = JSON.parse(text) as InputIndex;
    // Another configuration's inputs or another version's layout: planned again (and replaced).
    return index.format === 1 && index.sxflowVersion === VERSION && index.inputs === inputsKey(cfg) ? index : undefined;
  } catch {
    return undefined;
  }
}

/** The files of a configuration in order, flattened over its samples. */
function filePaths(cfg: RunConfig): string[] {
  return cfg.samples.flatMap((s) => s.files.map((f) => f.path));
}

/** Plans with `scan` and keeps what it learnt of every file, so that shards need not open them all. */
async function planAndIndex(cfg: RunConfig, id: string, scan: FileScanner): Promise<BuiltPlan> {
  const seen = new Map<string, KnownFile>();
  const built = await buildPlan(cfg, {
    id,
    scan: async (file, format, tree) => {
      const s = await scan(file, format, tree);
      seen.set(file, { entries: s.entries, clusters: s.clusters });
      return s;
    },
  });
  const index: InputIndex = { format: 1, sxflowVersion: VERSION, inputs: inputsKey(cfg), files: filePaths(cfg).map((p) => seen.get(p)!) };
  await mkdir(shardsDir(cfg.output.dir), { recursive: true });
  await writeFileAtomic(indexPath(cfg), `${JSON.stringify(index)}\n`);
  return built;
}

/**
 * Scans every input of a configuration once and writes the index its shards plan from (`sxflow
 * submit`); returns the entries of all inputs.
 */
export async function indexInputs(session: RunSession): Promise<number> {
  const built = await planAndIndex(session.cfg, session.runId, poolScanner(session));
  return built.tasks.reduce((n, t) => n + (t.stop - t.start), 0);
}

/**
 * The plan of shard `id` and its range of the run's tasks. With an index of the inputs, the shard
 * opens only the files of its own tasks (or the run's first file with entries, for its schema,
 * when it has none) and checks them against the index; without one, it scans every input and
 * writes the index for the shards after it.
 */
export async function planShard(session: RunSession, id: ShardId): Promise<{ built: BuiltPlan; range: TaskRange }> {
  const { cfg } = session;
  if (cfg.maxEvents !== undefined) {
    // A quick check of the first events opens only the files that hold them: no index of all files.
    const built = await buildPlan(cfg, { id: session.runId, scan: poolScanner(session) });
    return { built, range: shardTasks(built.tasks, id) };
  }
  const index = await readIndex(cfg);
  if (!index) {
    const built = await planAndIndex(cfg, session.runId, poolScanner(session));
    return { built, range: shardTasks(built.tasks, id) };
  }
  const tasks = tasksOf(index.files, cfg.batchSize);
  const range = shardTasks(tasks, id);
  const own = new Set(tasks.slice(range.first, range.stop).map((t) => t.file));
  if (own.size === 0) own.add(Math.max(0, index.files.findIndex((f) => f.entries > 0)));
  const known = new Map(index.files.map((f, i) => [i, f] as const).filter(([i]) => !own.has(i)));
  const paths = filePaths(cfg);
  const scan = poolScanner(session);
  const built = await buildPlan(cfg, {
    id: session.runId,
    known,
    scan: async (file, format, tree) => {
      const s = await scan(file, format, tree);
      const i = paths.indexOf(file);
      const want = index.files[i]!;
      if (s.entries !== want.entries || JSON.stringify(s.clusters) !== JSON.stringify(want.clusters)) {
        throw new PipelineError(
          `${file} changed since ${indexPath(cfg)} was written (${s.entries} entries, the index says ${want.entries}): ` +
            "remove the index and every shard, and run them again (sxflow submit writes the index anew)",
        );
      }
      return s;
    },
  });
  return { built, range };
}
