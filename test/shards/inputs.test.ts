import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mergeShards, runShard } from "../../src/shards/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { expectSameOutputs, icConfig, singleRun } from "./helpers.js";

const dir = tempDir("shard-inputs");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the index of a sharded run's inputs", () => {
  it("lets each shard open only the files of its own tasks, and checks them against it", async () => {
    // Copies of the example's two files: one is damaged below while the other's shard runs.
    const inputs = path.join(dir, "inputs");
    mkdirSync(inputs, { recursive: true });
    for (const f of ["ttbar.parquet", "wjets.parquet"]) copyFileSync(path.join(FIXTURES_DIR, "topcp", f), path.join(inputs, f));
    const config = await icConfig(dir, (c) => {
      c.samples[0]!.files = [{ path: path.join(inputs, "ttbar.parquet"), format: "parquet" }];
      c.samples[1]!.files = [{ path: path.join(inputs, "wjets.parquet"), format: "parquet" }];
    });
    const single = await singleRun(config, dir);

    // The first shard finds no index: it scans both files and writes one.
    const index = path.join(config.output.dir, "shards", "inputs.json");
    const first = await runShard(config, { index: 0, count: 2 }, { workers: 1 });
    expect(existsSync(index)).toBe(true);
    // 2 x 5000 entries in tasks of 700: shard 0 holds the ttbar file's 8 tasks, shard 1 the wjets file's.
    expect(first.manifest.tasks).toEqual({ first: 0, stop: 8, total: 16 });

    // With the index, shard 0 does not open the wjets file: a damaged one does not concern it.
    const wjets = path.join(inputs, "wjets.parquet");
    const saved = readFileSync(wjets);
    writeFileSync(wjets, saved.subarray(0, 1000));
    await runShard(config, { index: 0, count: 2 }, { workers: 1 });
    await expect(runShard(config, { index: 1, count: 2 }, { workers: 1 })).rejects.toThrow(/sample "wjets"\): cannot read .*wjets\.parquet/);
    writeFileSync(wjets, saved);
    await runShard(config, { index: 1, count: 2 }, { workers: 0 });
    await mergeShards(config, { workers: 1 });
    expectSameOutputs(single, config.output.dir);

    // An index that no longer matches a shard's own files is an error naming the file, not a wrong output.
    const text = readFileSync(index, "utf8");
    writeFileSync(index, text.replace('"entries":5000', '"entries":4999'));
    await expect(runShard(config, { index: 0, count: 2 }, { workers: 0 })).rejects.toThrow(
      /ttbar\.parquet changed since .*inputs\.json was written \(5000 entries, the index says 4999\)/,
    );
    // An index of other inputs is not used: the shard plans from the files and writes it anew.
    writeFileSync(index, text.replace(/ttbar\.parquet/g, "other.parquet"));
    await runShard(config, { index: 0, count: 2 }, { workers: 0 });
    expect(readFileSync(index, "utf8")).toBe(text);
  });
});
