import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { FlatColumn } from "../../src/batch/index.js";
import { loadRunConfig } from "../../src/config/index.js";
import type { RunConfig } from "../../src/config/index.js";
import {
  parallel,
  prepareRun,
  runChainSpecs,
  runPipeline,
  saltHdf5Stream,
  shuffleStream,
  stageStream,
  statisticsStream,
  taskSource,
} from "../../src/pipeline/index.js";
import type { PreparedRun, StatisticsStream } from "../../src/pipeline/index.js";
import { outputPaths, writeNormDict } from "../../src/sinks/index.js";
import { fieldColumn, SPLIT_NAMES } from "../../src/stages/index.js";
import type { EventBatch, NormDict } from "../../src/stages/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("streams");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function icConfig(out: string, changes: Partial<RunConfig> = {}): Promise<RunConfig> {
  const cfg = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
  return { ...cfg, ...changes, output: { ...cfg.output, dir: path.join(dir, out) } };
}

/** The bytes of a run's three SALT files and its norm dict. */
function outputs(cfg: RunConfig): Buffer[] {
  const paths = outputPaths(cfg);
  return [...SPLIT_NAMES.map((s) => paths[s]!), paths.normDict!].map((p) => readFileSync(p));
}

/** The tail every hand-built run shares: the shuffle and the SALT files, then the norm dict of `statistics` (a stage of `head`). */
async function finish(run: PreparedRun, source: Readable, stages: NodeJS.ReadWriteStream[], statistics: StatisticsStream): Promise<void> {
  const cfg = run.config;
  const shuffle = shuffleStream({ layout: run.plan, buckets: run.buckets, seed: cfg.shuffle.seed, tmpDir: cfg.output.dir });
  await pipeline([source, ...stages, shuffle, saltHdf5Stream(run.sinkContext())]);
  await writeNormDict(outputPaths(cfg).normDict!, await statistics.normDict);
  await run.release();
}

describe("the stream stages, composed by hand", () => {
  it("build the IC conversion with a Transform of one's own in the middle, byte for byte what runPipeline writes", async () => {
    const cfg = await icConfig("ic");
    await runPipeline(cfg, { workers: 0 });
    const expected = outputs(cfg);
    for (const p of Object.values(outputPaths(cfg))) rmSync(p, { force: true });

    const run = await prepareRun(cfg);
    const s = run.stages;
    let batches = 0;
    let events = 0;
    // A derived column nobody writes (jet pt in GeV), and a count of what passes.
    const mine = new Transform({
      objectMode: true,
      transform(eb: EventBatch, _encoding, callback) {
        batches++;
        events += eb.batch.length;
        const pt = eb.batch.columns[fieldColumn("jet", "pt")] as FlatColumn;
        const gev = Float32Array.from(pt.values as Float32Array, (x) => x / 1000);
        eb.batch = { length: eb.batch.length, columns: { ...eb.batch.columns, "jet/pt_gev": { kind: "flat", values: gev, shape: pt.shape } } };
        callback(null, eb);
      },
    });
    const statistics = statisticsStream(s.statistics);
    let emitted: NormDict | undefined;
    statistics.on("statistics", (d: NormDict) => (emitted = d));
    const stages = [stageStream(s.read), stageStream(s.cut), stageStream(s.split), stageStream(s.pad), mine, stageStream(s.label), statistics, stageStream(s.rows)];
    await finish(run, taskSource(run.tasks), stages, statistics);
    expect(outputs(cfg)).toEqual(expected);
    expect(batches).toBe(run.tasks.length);
    expect(events).toBeGreaterThan(0);
    expect(emitted).toEqual(await statistics.normDict);
  });

  it("parallel runs the run's chain with 0, 1 and 2 workers into byte-identical files", async () => {
    const cfg = await icConfig("parallel", { batchSize: 1000 });
    let first: Buffer[] | undefined;
    for (const workers of [0, 1, 2]) {
      const run = await prepareRun(cfg);
      // The statistics were computed in the workers: this stage merges them, in order.
      const statistics = statisticsStream();
      await finish(run, taskSource(run.tasks), [parallel(runChainSpecs(run.plan), { workers }), statistics], statistics);
      const got = outputs(cfg);
      if (first) expect(got).toEqual(first);
      else first = got;
    }
    await runPipeline(cfg, { workers: 2 });
    expect(outputs(cfg)).toEqual(first);
  });
});

describe("stream behaviour", () => {
  it("parallel keeps at most `concurrency` tasks in flight behind a slow consumer (back-pressure)", async () => {
    const run = await prepareRun(await icConfig("backpressure", { batchSize: 250 }));
    expect(run.tasks.length).toBeGreaterThan(20);
    let pulled = 0;
    let done = 0;
    let most = 0;
    const source = Readable.from(
      (function* () {
        for (const t of run.tasks) {
          pulled++;
          most = Math.max(most, pulled - done);
          yield t;
        }
      })(),
    );
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(_eb, _encoding, callback) {
        done++;
        setTimeout(callback, 5);
      },
    });
    await pipeline(source, parallel(runChainSpecs(run.plan), { workers: 0, concurrency: 2 }), slow);
    await run.release();
    expect(done).toBe(run.tasks.length);
    // In flight, plus one waiting in each stream buffer on the way.
    expect(most).toBeLessThanOrEqual(2 + 4);
  });

  it("an abort stops a hand-built pipeline and leaves no output behind", async () => {
    const cfg = await icConfig("abort", { batchSize: 500 });
    const run = await prepareRun(cfg);
    const controller = new AbortController();
    const stopper = new Transform({
      objectMode: true,
      transform(eb: EventBatch, _encoding, callback) {
        controller.abort(new Error("stopped by the test"));
        callback(null, eb);
      },
    });
    await expect(
      pipeline(taskSource(run.tasks), parallel(runChainSpecs(run.plan), { workers: 2, signal: controller.signal }), stopper, saltHdf5Stream(run.sinkContext()), {
        signal: controller.signal,
      }),
    ).rejects.toThrow(/abort|stopped by the test/i);
    await run.release();
    expect(existsSync(cfg.output.dir) ? readdirSync(cfg.output.dir) : []).toEqual([]);
  });

  it("a failing stage names itself and the file, tree and entries of its batch", async () => {
    const run = await prepareRun(await icConfig("errors"));
    const s = run.stages;
    // The statistics need the split column: without the split stage before them they fail.
    const failing = pipeline(taskSource(run.tasks.slice(0, 1)), stageStream(s.read), stageStream(s.statistics), new Writable({ objectMode: true, write: (_x, _e, cb) => cb() }));
    await expect(failing).rejects.toThrow(/ttbar\.parquet \(tree "reco", entries 0-\d+\): stage "statistics": column "split" is missing/);
    await run.release();
  });

  it("normalise applies (x - mean) / std from a norm dict to valid slots and leaves padded slots 0", async () => {
    const run = await prepareRun(await icConfig("normalise"));
    const s = run.stages;
    const norm: NormDict = { jet: { pt: { mean: 50000, std: 20000 } }, event: { met: { mean: 10000, std: 5000 } } };
    const before: EventBatch[] = [];
    const after: EventBatch[] = [];
    const keep = (into: EventBatch[]) =>
      new Transform({
        objectMode: true,
        transform(eb: EventBatch, _encoding, callback) {
          into.push({ ...eb, batch: { ...eb.batch, columns: { ...eb.batch.columns } } });
          callback(null, eb);
        },
      });
    await pipeline(
      taskSource(run.tasks),
      stageStream(s.read),
      stageStream(s.cut),
      stageStream(s.pad),
      keep(before),
      stageStream({ stage: "normalise", norm, groups: run.plan.groups }),
      keep(after),
      new Writable({ objectMode: true, write: (_x, _e, cb) => cb() }),
    );
    await run.release();
    let checked = 0;
    before.forEach((b, k) => {
      const a = after[k]!;
      const valid = (b.batch.columns["jet/valid"] as FlatColumn).values;
      const x = (b.batch.columns["jet/pt"] as FlatColumn).values as Float32Array;
      const y = (a.batch.columns["jet/pt"] as FlatColumn).values;
      expect(y).toBeInstanceOf(Float32Array);
      for (let i = 0; i < x.length; i++) {
        expect(y[i]).toBe(valid[i] ? Math.fround((x[i]! - 50000) / 20000) : 0);
        checked++;
      }
      const met = (b.batch.columns["event/met"] as FlatColumn).values as Float32Array;
      const metN = (a.batch.columns["event/met"] as FlatColumn).values;
      for (let i = 0; i < met.length; i++) expect(metN[i]).toBe(Math.fround((met[i]! - 10000) / 5000));
      // Fields outside the norm dict are left as they are.
      expect(a.batch.columns["jet/eta"]).toBe(b.batch.columns["jet/eta"]);
    });
    expect(checked).toBeGreaterThan(1000);
    expect(() => stageStream({ stage: "normalise", norm: { jet: { ptt: { mean: 0, std: 1 } } }, groups: run.plan.groups })).toThrow('group "jet" has no field "ptt"');
  });
});
