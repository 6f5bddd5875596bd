import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/index.js";
import type { RunConfig } from "../../src/config/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { outputPaths, saltSink } from "../../src/sinks/index.js";
import type { RunSummary, SinkFactory } from "../../src/sinks/index.js";
import { SPLIT_NAMES } from "../../src/stages/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir } from "../pipeline/helpers.js";

const dir = tempDir("split-sink");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function icConfig(out: string): Promise<RunConfig> {
  const cfg = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
  return { ...cfg, output: { ...cfg.output, dir: path.join(dir, out) } };
}

describe("the sink seam (RunPipelineOptions.sink)", () => {
  it("hands every split's rows to the sink in output order; wrapping the SALT sink gives the same files", async () => {
    // The same output directory for both runs: it is part of the configuration the files record.
    const cfg = await icConfig("ic");
    await runPipeline(cfg, { workers: 0 });
    const plain = SPLIT_NAMES.map((split) => readFileSync(outputPaths(cfg)[split]!));
    const seen: Uint8Array[][] = SPLIT_NAMES.map(() => []);
    let rowBytes = 0;
    let summary: RunSummary | undefined;
    const recording: SinkFactory = (context) => {
      rowBytes = context.layout.rowBytes;
      const salt = saltSink(context);
      return {
        append: (split, rows) => {
          seen[split]!.push(rows.slice());
          return salt.append(split, rows);
        },
        close: (s) => {
          summary = s;
          return salt.close(s);
        },
        abort: () => salt.abort(),
      };
    };
    const report = await runPipeline(cfg, { workers: 0, sink: recording });
    SPLIT_NAMES.forEach((split, s) => expect(readFileSync(outputPaths(cfg)[split]!).equals(plain[s]!)).toBe(true));
    SPLIT_NAMES.forEach((split, s) => {
      const rows = seen[s]!.reduce((n, b) => n + b.length, 0) / rowBytes;
      expect(rows).toBe(report.splits[split]!.events);
      expect(summary!.rows[s]).toBe(rows);
      expect(summary!.classCounts[s]).toEqual(report.splits[split]!.perClass);
    });
    expect(report.splits.train!.events).toBeGreaterThan(0);
  });

  it("a sink that fails fails the run, and nothing is left in the output directory", async () => {
    const cfg = await icConfig("failing");
    const failing: SinkFactory = (context) => {
      const salt = saltSink(context);
      return { ...salt, append: async () => Promise.reject(new Error("disk full (from the test's sink)")) };
    };
    await expect(runPipeline(cfg, { workers: 0, sink: failing })).rejects.toThrow("disk full (from the test's sink)");
    const left = existsSync(cfg.output.dir) ? readdirSync(cfg.output.dir) : [];
    expect(left).toEqual([]);
  });
});
