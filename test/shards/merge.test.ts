import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mergeShards, runShard, shardTasks } from "../../src/shards/index.js";
import { startMergePool } from "../../src/shards/merge-pool.js";
import { decodeHeaders, encodeHeaders } from "../../src/shards/store.js";
import type { TaskHeader } from "../../src/stages/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { expectSameOutputs, icConfig, singleRun } from "./helpers.js";

const dir = tempDir("shards");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shard assignment", () => {
  const tasks = [3, 10, 1, 1, 1, 7, 2, 0, 5].map((n, i, all) => {
    const start = all.slice(0, i).reduce((a, b) => a + b, 0);
    return { start, stop: start + n };
  });

  it("gives each shard consecutive tasks, all tasks exactly once, balanced by entries", () => {
    for (const count of [1, 2, 3, 4, 9, 20]) {
      let next = 0;
      for (let index = 0; index < count; index++) {
        const r = shardTasks(tasks, { index, count });
        expect(r.first).toBe(next);
        expect(r.stop).toBeGreaterThanOrEqual(r.first);
        next = r.stop;
      }
      expect(next).toBe(tasks.length);
    }
    // 30 entries in 3 shards: the 10-entry task starts at 3, the next shard's first task at 13 (>= 10).
    expect([0, 1, 2].map((index) => shardTasks(tasks, { index, count: 3 }))).toEqual([
      { first: 0, stop: 2 },
      { first: 2, stop: 6 },
      { first: 6, stop: 9 },
    ]);
  });

  it("keeps statistics the JSON text cannot hold", () => {
    const h = { index: 0, stats: { jet: { pt: { count: 2, mean: NaN, m2: Infinity }, eta: { count: 1, mean: -0, m2: -Infinity } } } };
    const back = decodeHeaders(encodeHeaders([h as unknown as TaskHeader]))[0]!;
    expect(back.stats.jet!.pt).toEqual({ count: 2, mean: NaN, m2: Infinity });
    expect(Object.is(back.stats.jet!.eta!.mean, -0)).toBe(true);
    expect(back.stats.jet!.eta!.m2).toBe(-Infinity);
    // In arrays too, at any depth, next to strings that stay strings.
    const deep = { index: 1, sample: "#NaN-like", histograms: { a: [{ bins: [1, -0, 3], counts: [NaN, 2] }] } };
    const again = decodeHeaders(encodeHeaders([deep as unknown as TaskHeader]))[0] as unknown as typeof deep;
    expect(again.sample).toBe("#NaN-like");
    expect(Object.is(again.histograms.a[0]!.bins[1], -0)).toBe(true);
    expect(again.histograms.a[0]!.counts).toEqual([NaN, 2]);
  });

  it("round-trips headers of ordinary numbers as plain JSON", () => {
    const h = { index: 2, cutPass: [5, 4], stats: { jet: { pt: { count: 2, mean: 1.5, m2: 0.25 } } }, histograms: { x: { bins: [0, 7], counts: [1, 1] } } };
    const text = encodeHeaders([h as unknown as TaskHeader]);
    expect(text).toBe(JSON.stringify([h]));
    expect(decodeHeaders(text)).toEqual([h]);
  });
});

describe("sharded run and merge", () => {
  it("writes, from 3 shards run in any order with any worker count, the bytes a single run writes", async () => {
    const work = path.join(dir, "three");
    const config = await icConfig(work);
    const single = await singleRun(config, work);
    for (const [index, workers] of [[2, 2], [0, 0], [1, 1]] as const) {
      const { dir: shard, manifest } = await runShard(config, { index, count: 3 }, { workers });
      expect(shard).toBe(path.join(config.output.dir, "shards", `${index}-of-3`));
      expect(manifest.tasks.stop).toBeGreaterThan(manifest.tasks.first);
    }
    // Only the three complete shard directories and the index of the inputs, no temporary leftovers.
    expect(readdirSync(path.join(config.output.dir, "shards")).sort()).toEqual(["0-of-3", "1-of-3", "2-of-3", "inputs.json"]);
    // Threads started before the merge (as the CLI does) but not as many as it uses: replaced, and closed.
    const threads = startMergePool(2);
    const report = await mergeShards(config, { workers: 1, threads });
    expect(report.eventsRead).toBe(10_000);
    expectSameOutputs(single, config.output.dir);
    await expect((await threads).run("loadGather", undefined)).rejects.toThrow(/after the pool was closed/);
    // A merge that fails before it needs them (no such configuration) closes them too.
    const unused = startMergePool(1);
    await expect(mergeShards(path.join(work, "missing.yaml"), { threads: unused })).rejects.toThrow(/missing\.yaml/);
    await expect((await unused).run("loadGather", undefined)).rejects.toThrow(/after the pool was closed/);
  });

  it("is exact without a shuffle, with compression and with shards that get no task", async () => {
    const work = path.join(dir, "many");
    const config = await icConfig(work, (c) => {
      c.shuffle.enabled = false;
      c.output.compression = "lzf";
    });
    const single = await singleRun(config, work, 0);
    const count = 18; // 16 tasks
    let empty = 0;
    for (let index = 0; index < count; index++) {
      const { manifest } = await runShard(config, { index, count }, { workers: 0 });
      if (manifest.tasks.first === manifest.tasks.stop) empty++;
    }
    expect(empty).toBeGreaterThanOrEqual(2);
    await mergeShards(config, { workers: 0 });
    expectSameOutputs(single, config.output.dir);
  });

  it("is exact when the shards' splits share a budget too small to hold their rows (pass 1 writes buckets out as it goes)", async () => {
    const work = path.join(dir, "spilling");
    const config = await icConfig(work);
    const single = await singleRun(config, work);
    // A quarter of this, 2 KiB, is shared by a shard's three splits: 9 of the example's 224-byte rows.
    for (let index = 0; index < 2; index++) await runShard(config, { index, count: 2 }, { workers: 1, shuffleMemoryBytes: 8 * 1024 });
    await mergeShards(config, { workers: 1 });
    expectSameOutputs(single, config.output.dir);
  });

  it("writes the single run's Arrow files (output.format: arrow) from shards", async () => {
    const work = path.join(dir, "arrow");
    const config = await icConfig(work, (c) => {
      c.output.format = "arrow";
    });
    const single = await singleRun(config, work, 1);
    for (let index = 0; index < 4; index++) await runShard(config, { index, count: 4 }, { workers: index % 2 });
    // Threads started before the merge, as many as it uses: the merge runs on them and closes them.
    const threads = startMergePool(2);
    await mergeShards(config, { workers: 2, threads });
    await expect((await threads).run("loadGather", undefined)).rejects.toThrow(/after the pool was closed/);
    expectSameOutputs(single, config.output.dir, "arrow");
    // Real Arrow files: read back with apache-arrow, the splits hold every event that passed the cuts.
    const { tableFromIPC } = await import("apache-arrow");
    const rows = ["train", "val", "test"].map((s) => tableFromIPC(readFileSync(path.join(config.output.dir, `${config.output.name}_${s}.arrow`))).numRows);
    const report = JSON.parse(readFileSync(path.join(config.output.dir, `${config.output.name}_report.json`), "utf8")) as { eventsPassed: number };
    expect(report.eventsPassed).toBeGreaterThan(100);
    expect(rows.reduce((a, b) => a + b, 0)).toBe(report.eventsPassed);
    expect(Math.min(...rows)).toBeGreaterThan(0);
  });

  it("refuses missing, incomplete, foreign and mixed shards with messages that say which and why", async () => {
    const work = path.join(dir, "bad");
    const config = await icConfig(work);
    await expect(mergeShards(config)).rejects.toThrow(/no shards under .*shards: run "sxflow run <config> --shard i\/n"/);
    await runShard(config, { index: 0, count: 3 }, { workers: 0 });
    await runShard(config, { index: 2, count: 3 }, { workers: 0 });
    await expect(mergeShards(config)).rejects.toThrow(/1 of 3 shards missing under .*: shard 1 \(run "sxflow run <config> --shard 1\/3"/);

    // Shard 1 made from other cuts.
    const other = await icConfig(work, (c) => c.cuts.pop());
    await runShard(other, { index: 1, count: 3 }, { workers: 0 });
    await expect(mergeShards(config)).rejects.toThrow(/shard 1-of-3 was made from a different configuration \(differs in: cuts\)/);
    await runShard(config, { index: 1, count: 3 }, { workers: 0 });

    // A manifest from another version; a split file cut short.
    const manifest = path.join(config.output.dir, "shards", "2-of-3", "shard.json");
    const saved = readFileSync(manifest, "utf8");
    writeFileSync(manifest, saved.replace(/"sxflowVersion": "[^"]*"/, '"sxflowVersion": "0.0.1"'));
    await expect(mergeShards(config)).rejects.toThrow(/shard 2-of-3 was made by sxflow 0\.0\.1, this is .*: run it again \(sxflow run <config> --shard 2\/3\)/);
    writeFileSync(manifest, saved);
    const train = path.join(config.output.dir, "shards", "2-of-3", "train");
    const bucket = path.join(train, readdirSync(train)[0]!);
    truncateSync(bucket, 100);
    await expect(mergeShards(config)).rejects.toThrow(/shard 2-of-3 is incomplete: .*train\/bucket-\d\.bin holds 100 bytes, its manifest says \d+ bytes; run it again/);
    // No output and no staging directory left behind by the failed merge.
    expect(readdirSync(config.output.dir).sort()).toEqual(["shards"]);
    await runShard(config, { index: 2, count: 3 }, { workers: 0 });

    // A stale shard of another count beside them.
    await runShard(config, { index: 0, count: 2 }, { workers: 0 });
    await expect(mergeShards(config)).rejects.toThrow(/2 different counts \(\*-of-2, \*-of-3\): say which with --shards N/);
    await mergeShards(config, { shards: 3 });
    // Nothing half-written: no output before the merge succeeded, all of them after.
    expect(existsSync(path.join(config.output.dir, "norm_dict.yaml"))).toBe(true);
  });

  it("leaves no shard directory behind when a shard is aborted", async () => {
    const work = path.join(dir, "abort");
    const config = await icConfig(work);
    const controller = new AbortController();
    const shards = path.join(config.output.dir, "shards");
    const running = runShard(config, { index: 0, count: 2 }, { workers: 1, signal: controller.signal });
    // Abort once the shard's temporary directory exists, i.e. while it converts.
    const started = setInterval(() => {
      if (existsSync(shards) && readdirSync(shards).some((n) => n.startsWith(".tmp-0-of-2-"))) controller.abort(new Error("stop"));
    }, 2);
    try {
      await expect(running).rejects.toThrow(/stop/);
    } finally {
      clearInterval(started);
    }
    // The index of the inputs stays: it is the run's, not the shard's.
    expect(readdirSync(shards)).toEqual(["inputs.json"]);
  });
});
