import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { RunConfig } from "../config/index.js";
import { OutputDir } from "../output-dir/index.js";
import { finishRun, RunSink, startReportPage } from "../pipeline/finish.js";
import { PipelineError } from "../pipeline/plan.js";
import { ReportBuilder } from "../pipeline/report.js";
import type { PipelineReport } from "../pipeline/report.js";
import { configAttr, noticeOf, withSession } from "../pipeline/session.js";
import type { RunPipelineOptions, RunSession } from "../pipeline/session.js";
import type { WorkerPool } from "../pool/index.js";
import { bucketFile, mergePartials, SPLIT_NAMES } from "../stages/index.js";
import type { StatsPartials } from "../stages/index.js";
import { VERSION } from "../version.js";
import type { WorkerHandlers } from "../worker.js";
import { shardName } from "./assign.js";
import type { ShardId } from "./assign.js";
import { openPart, readPart } from "./gather.js";
import type { BucketPart } from "./gather.js";
import type { SplitBuckets } from "../pipeline/second-pass.js";
import { decodeHeaders, HEADERS, MANIFEST, shardsDir, splitDir } from "./store.js";
import type { ShardManifest } from "./store.js";
import { startMergePool } from "./merge-pool.js";

export interface MergeOptions extends RunPipelineOptions {
  /** The shard count to merge, when shards of several counts are present. */
  shards?: number;
  /**
   * The merge's threads, already started (startMergePool), for example while the caller loaded
   * its modules. Used if it has the merge's worker count, else closed and replaced; the merge
   * closes it either way.
   */
  threads?: Promise<WorkerPool<WorkerHandlers>>;
}

/** The caller's threads if they are as many as the session's workers, else new ones. */
async function mergePool(session: RunSession, given: Promise<WorkerPool<WorkerHandlers>> | undefined): Promise<WorkerPool<WorkerHandlers>> {
  const pool = await given;
  if (pool?.workers === session.workers) return pool;
  await pool?.close();
  return startMergePool(session.workers);
}

/** Complete shard directories under `dir`, by count: a name `<i>-of-<n>` with its manifest. */
export async function listShards(outputDir: string): Promise<Map<number, Set<number>>> {
  const byCount = new Map<number, Set<number>>();
  const names = await readdir(shardsDir(outputDir)).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^(\d+)-of-(\d+)$/.exec(name);
    if (!m) continue;
    const [index, count] = [Number(m[1]), Number(m[2])];
    if (index >= count) continue;
    if (!byCount.has(count)) byCount.set(count, new Set());
    byCount.get(count)!.add(index);
  }
  return byCount;
}

function shardCount(byCount: Map<number, Set<number>>, where: string, wanted?: number): number {
  if (wanted !== undefined) return wanted;
  if (byCount.size === 0) throw new PipelineError(`no shards under ${where}: run "sxflow run <config> --shard i/n" for every i from 0 to n-1 first`);
  if (byCount.size > 1) {
    const counts = [...byCount.keys()].sort((a, b) => a - b);
    throw new PipelineError(`${where} holds shards of ${counts.length} different counts (${counts.map((n) => `*-of-${n}`).join(", ")}): say which with --shards N, or remove the stale ones`);
  }
  return [...byCount.keys()][0]!;
}

/** The top-level configuration keys whose values differ, for the message. */
function differingKeys(a: string, b: string): string[] {
  const x = JSON.parse(a) as Record<string, unknown>;
  const y = JSON.parse(b) as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}

/** Reads and checks every shard's manifest: all present, complete, of this config and version, covering the tasks in order. */
async function checkShards(session: RunSession, count: number): Promise<{ dirs: string[]; manifests: ShardManifest[] }> {
  const { cfg } = session;
  const where = shardsDir(cfg.output.dir);
  const present = (await listShards(cfg.output.dir)).get(count) ?? new Set();
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  if (missing.length > 0) {
    const list = missing.length > 10 ? `${missing.slice(0, 10).join(", ")} and ${missing.length - 10} more` : missing.join(", ");
    throw new PipelineError(
      `${missing.length} of ${count} shards missing under ${where}: shard${missing.length > 1 ? "s" : ""} ${list} ` +
        `(run "sxflow run <config> --shard ${missing[0]}/${count}", or "sxflow submit <config> --resume")`,
    );
  }
  const config = configAttr(cfg);
  const dirs: string[] = [];
  const manifests: ShardManifest[] = [];
  let next = 0;
  for (let index = 0; index < count; index++) {
    const id: ShardId = { index, count };
    const dir = path.join(where, shardName(id));
    let m: ShardManifest;
    try {
      m = JSON.parse(await readFile(path.join(dir, MANIFEST), "utf8")) as ShardManifest;
    } catch (err) {
      throw new PipelineError(`shard ${shardName(id)} is incomplete: cannot read ${path.join(dir, MANIFEST)} (${(err as Error).message}); run it again`);
    }
    const again = `run it again (sxflow run <config> --shard ${index}/${count})`;
    if (m.sxflowVersion !== VERSION || m.format !== 2) throw new PipelineError(`shard ${shardName(id)} was made by sxflow ${m.sxflowVersion}, this is ${VERSION}: ${again}`);
    if (m.config !== config) {
      throw new PipelineError(`shard ${shardName(id)} was made from a different configuration (differs in: ${differingKeys(m.config, config).join(", ")}): ${again}`);
    }
    if (m.shard.index !== index || m.shard.count !== count || m.tasks.first !== next || (index === count - 1 && m.tasks.stop !== m.tasks.total)) {
      throw new PipelineError(`shard ${shardName(id)} holds tasks ${m.tasks.first}-${m.tasks.stop} of ${m.tasks.total}, expected to start at ${next}: the inputs changed since; ${again}`);
    }
    const ref = manifests[0];
    if (ref && (m.tasks.total !== ref.tasks.total || m.buckets !== ref.buckets || m.rowBytes !== ref.rowBytes || JSON.stringify(m.groups) !== JSON.stringify(ref.groups))) {
      throw new PipelineError(`shard ${shardName(id)} planned ${m.tasks.total} tasks, ${m.buckets} buckets and ${m.rowBytes}-byte rows, shard 0 ${ref.tasks.total}, ${ref.buckets} and ${ref.rowBytes}: the inputs changed between them; run both again`);
    }
    // The bucket files' sizes are checked as the second pass reads them (one open each, not two).
    for (const [s, split] of SPLIT_NAMES.entries()) {
      const { rows, bucketBytes } = m.splits[s]!;
      if (bucketBytes.length !== Math.max(1, m.buckets) || bucketBytes.reduce((a, b) => a + b, 0) !== rows * m.rowBytes) {
        throw new PipelineError(`shard ${shardName(id)} has an inconsistent manifest: ${split} rows and bucket sizes disagree; ${again}`);
      }
    }
    next = m.tasks.stop;
    dirs.push(dir);
    manifests.push(m);
  }
  return { dirs, manifests };
}

/** A split's buckets for the second pass: bucket k is every shard's bucket k, in shard order (the run's task order). */
function splitBuckets(dirs: string[], manifests: ShardManifest[], split: number, seed: number): SplitBuckets {
  const { buckets } = manifests[0]!;
  const parts = (k: number): BucketPart[] =>
    dirs.map((d, i) => ({ shard: path.basename(d), file: bucketFile(splitDir(d, SPLIT_NAMES[split]!), k), bytes: manifests[i]!.splits[split]!.bucketBytes[k]! }));
  return { seed, buckets: Array.from({ length: buckets }, (_, k) => parts(k)) };
}

/** Without a shuffle (one bucket per shard): a split's rows are the shards' in shard order, 16 MiB at a time. */
async function* unshuffledRows(dirs: string[], manifests: ShardManifest[], split: number): AsyncGenerator<Uint8Array> {
  const { rowBytes } = manifests[0]!;
  const chunk = Math.max(1, Math.floor((16 * 2 ** 20) / rowBytes)) * rowBytes;
  for (const [i, d] of dirs.entries()) {
    const part: BucketPart = { shard: path.basename(d), file: bucketFile(splitDir(d, SPLIT_NAMES[split]!), 0), bytes: manifests[i]!.splits[split]!.bucketBytes[0]! };
    const file = await openPart(part);
    if (!file) continue;
    try {
      for (let pos = 0; pos < part.bytes; pos += chunk) {
        const data = new Uint8Array(Math.min(chunk, part.bytes - pos));
        await readPart(file, data, 0, pos, data.length);
        yield data;
      }
    } finally {
      await file.close();
    }
  }
}

/**
 * Finishes a sharded run: checks its shards, replays every task's counters and statistics in task
 * order, does the shuffle's second pass over the shards' buckets and writes the outputs a single
 * `sxflow run` of the configuration writes, byte for byte (the report's times aside).
 */
export function mergeShards(config: RunConfig | string, options: MergeOptions = {}): Promise<PipelineReport> {
  return withSession(config, options, async (session) => {
    const { cfg } = session;
    // The session converts nothing and has no threads: the second pass and the compression get
    // their own (the caller's, or started now), which load the second pass's modules while the
    // shards are checked; the report page's thread loads the plotting library meanwhile and draws
    // while the second pass runs (finishRun closes it).
    const pool = await mergePool(session, options.threads);
    const reportPage = startReportPage(session);
    let output: OutputDir | undefined;
    try {
      const count = shardCount(await listShards(cfg.output.dir), shardsDir(cfg.output.dir), options.shards);
      const { dirs, manifests } = await checkShards(session, count);
      const report = new ReportBuilder(cfg, manifests[0]!.groups);
      let stats: StatsPartials = {};
      for (const dir of dirs) {
        for (const h of decodeHeaders(await readFile(path.join(dir, HEADERS), "utf8"))) {
          report.add(h);
          stats = mergePartials(stats, h.stats);
        }
      }
      output = await OutputDir.open(cfg.output.dir, noticeOf(session.options));
      const sink = new RunSink(session, manifests[0]!, output, pool);
      const shuffled = manifests[0]!.buckets > 0;
      try {
        return await finishRun({
          session,
          sink,
          output,
          report,
          layout: manifests[0]!,
          stats,
          pool,
          buckets: SPLIT_NAMES.map((_, s) => (shuffled ? splitBuckets(dirs, manifests, s, cfg.shuffle.seed + s) : undefined)),
          ...(shuffled ? {} : { unshuffled: (s: number) => unshuffledRows(dirs, manifests, s) }),
          otherSeconds: manifests.reduce((t, m) => t + m.seconds, 0),
          ...(reportPage ? { reportPage } : {}),
        });
      } catch (err) {
        await sink.abort().catch(() => undefined);
        throw err;
      }
    } finally {
      await reportPage?.close();
      await pool.close();
      await output?.close();
    }
  }, false);
}
