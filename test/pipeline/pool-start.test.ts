import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/index.js";
import type { RunConfig } from "../../src/config/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { startConversionPool } from "../../src/pipeline/pool-start.js";
import { outputPaths } from "../../src/sinks/index.js";
import { SPLIT_NAMES } from "../../src/stages/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("pool-start");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function icConfig(out: string): Promise<RunConfig> {
  const cfg = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
  return { ...cfg, batchSize: 1500, output: { ...cfg.output, dir: path.join(dir, out) } };
}

function outputs(cfg: RunConfig): Buffer[] {
  const paths = outputPaths(cfg);
  return [...SPLIT_NAMES.map((s) => paths[s]!), paths.normDict!].map((p) => readFileSync(p));
}

// The CLI starts a run's threads before it loads the conversion's modules and hands them to the
// run (RunPipelineOptions.pool); the run takes them when their count is the run's, else replaces
// them, and closes them in either case.
describe("threads started before the run", () => {
  it("are used when their count is the run's, replaced when not, closed by the run; the files are the same", async () => {
    const cfg = await icConfig("own");
    await runPipeline(cfg, { workers: 2, notice: () => {} });
    const expected = outputs(cfg);
    for (const threads of [2, 1]) {
      const pool = startConversionPool(threads);
      const report = await runPipeline(cfg, { workers: 2, pool, notice: () => {} });
      expect(report.workers).toBe(2);
      expect(outputs(cfg)).toEqual(expected);
      await expect((await pool).run("releaseRun", "none")).rejects.toThrow("after the pool was closed");
    }
  });

  it("are closed when the configuration cannot be loaded", async () => {
    const pool = startConversionPool(1);
    await expect(runPipeline(path.join(dir, "missing.yaml"), { pool, notice: () => {} })).rejects.toThrow("missing.yaml");
    await expect((await pool).run("releaseRun", "none")).rejects.toThrow("after the pool was closed");
  });
});
