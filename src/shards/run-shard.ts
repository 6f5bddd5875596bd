import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { RunConfig } from "../config/index.js";
import { ReportBuilder } from "../pipeline/report.js";
import { configAttr, convertTasks, passOneMemory, shuffleBuckets, withSession } from "../pipeline/session.js";
import type { RunPipelineOptions, RunSession } from "../pipeline/session.js";
import type { TaskHeader } from "../stages/index.js";
import { BucketShuffler, pieceBytes, ShuffleMemory, SPLIT_NAMES } from "../stages/index.js";
import { VERSION } from "../version.js";
import type { ShardId } from "./assign.js";
import { planShard } from "./inputs.js";
import { attemptDir, commitShard, encodeHeaders, HEADERS, MANIFEST, shardsDir, splitDir } from "./store.js";
import type { ShardManifest } from "./store.js";

/** Bytes of full pieces of rows a shard's splits hold together before writing the largest bucket's. */
const SHARD_HELD_BYTES = 4 * 2 ** 20;

/**
 * Converts shard `id` of a run: plans the whole run (every shard finds the same tasks, from the
 * index of the inputs when there is one: see inputs.ts), converts its own range of tasks and stores their rows after the shuffle's first pass, their counters and
 * their statistics under `<output.dir>/shards/<i>-of-<n>/`. The directory appears complete or not at
 * all; running a shard again replaces it.
 */
export function runShard(config: RunConfig | string, id: ShardId, options: RunPipelineOptions = {}): Promise<{ dir: string; manifest: ShardManifest }> {
  return withSession(config, options, (session) => convertShard(session, id));
}

async function convertShard(session: RunSession, id: ShardId): Promise<{ dir: string; manifest: ShardManifest }> {
  const { cfg } = session;
  const { built, range } = await planShard(session, id);
  const { plan, tasks } = built;
  const buckets = shuffleBuckets(session, built);
  await mkdir(shardsDir(cfg.output.dir), { recursive: true });
  const tmp = await attemptDir(cfg.output.dir, id);
  await mkdir(tmp);
  const shufflers: BucketShuffler[] = [];
  try {
    // Without a shuffle a split is one bucket whose rows stay in task order. A single run keeps
    // rows in memory so that its second pass need not read them back; a shard writes every row to
    // its bucket files in the end, so rows held would only be memory each shard process faults in
    // afresh (64 MiB of them cost a 1e7-event shard 29 k page faults, 0.3-0.6 s of CPU here). Its
    // pieces keep the single run's size, so that its writes are as large.
    const budget = passOneMemory(session).limit;
    const memory = new ShuffleMemory(Math.min(budget, SHARD_HELD_BYTES));
    const splitBuckets = Math.max(1, buckets);
    const bufferBytes = pieceBytes(splitBuckets, budget);
    for (let s = 0; s < SPLIT_NAMES.length; s++) {
      shufflers.push(await BucketShuffler.create({ rowBytes: plan.rowBytes, buckets: splitBuckets, seed: cfg.shuffle.seed + s, tmpDir: tmp, memory, bufferBytes }));
    }
    const report = new ReportBuilder(cfg);
    const headers: TaskHeader[] = [];
    for await (const result of convertTasks(session, plan, tasks.slice(range.first, range.stop))) {
      const h = result.header;
      headers.push(h);
      report.add(h);
      let offset = 0;
      for (let s = 0; s < SPLIT_NAMES.length; s++) {
        const bytes = result.rows.subarray(offset, offset + h.splitRows[s]! * plan.rowBytes);
        offset += bytes.length;
        if (bytes.length > 0) await shufflers[s]!.write(bytes, h.index);
      }
    }
    session.options.signal?.throwIfAborted();
    const splits: ShardManifest["splits"] = [];
    for (const [s, split] of SPLIT_NAMES.entries()) {
      const rows = shufflers[s]!.count;
      // The spill stays where pass 1 wrote it: the shard writes its rows once, as a single run does.
      const spill = await shufflers[s]!.keepSpill();
      await rename(spill.dir, splitDir(tmp, split));
      splits.push({ rows, bucketBytes: spill.bucketBytes });
    }
    await writeFile(`${tmp}/${HEADERS}`, encodeHeaders(headers));
    const manifest: ShardManifest = {
      format: 2,
      sxflowVersion: VERSION,
      config: configAttr(cfg),
      shard: id,
      tasks: { ...range, total: tasks.length },
      buckets,
      rowBytes: plan.rowBytes,
      groups: plan.groups,
      splits,
      eventsRead: report.eventsRead,
      eventsPassed: report.samples.reduce((n, s) => n + s.eventsPassed, 0),
      workers: session.workers,
      seconds: (performance.now() - session.started) / 1000,
      host: hostname(),
    };
    await writeFile(`${tmp}/${MANIFEST}`, `${JSON.stringify(manifest, null, 1)}\n`);
    session.options.signal?.throwIfAborted();
    return { dir: await commitShard(tmp, cfg.output.dir, id), manifest };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    for (const s of shufflers) await s.close().catch(() => undefined);
  }
}
