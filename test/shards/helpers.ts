import { readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { loadRunConfig } from "../../src/config/index.js";
import type { RunConfig } from "../../src/config/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { REPO_ROOT } from "../shared-data.js";

/**
 * The bundled IC example (fixtures/topcp, 2 x 5000 events) cut into 16 tasks of ~700 entries and
 * shuffled through 5 buckets, so that shards and buckets both have something to do.
 */
export async function icConfig(dir: string, change: (c: RunConfig) => void = () => {}): Promise<RunConfig> {
  const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
  config.batchSize = 700;
  config.shuffle.buckets = 5;
  config.output.dir = path.join(dir, "out");
  change(config);
  return config;
}

/**
 * Runs the configuration on one machine and moves its outputs to `<dir>/single`: the sharded run
 * then writes into the same output.dir (whose path is part of the files' config attribute).
 */
export async function singleRun(config: RunConfig, dir: string, workers = 2): Promise<string> {
  const single = path.join(dir, "single");
  rmSync(single, { recursive: true, force: true });
  await runPipeline(config, { workers });
  renameSync(config.output.dir, single);
  return single;
}

const TIMES = new Set(["seconds", "eventsPerSecond", "workers", "phases"]);

/** Every output of `single` has the same bytes in `merged` (the report and its page: all but their times and thread count). */
export function expectSameOutputs(single: string, merged: string, format: "h5" | "arrow" = "h5"): void {
  const names = readdirSync(single).sort();
  expect(names.filter((n) => n.endsWith(`.${format}`)).length).toBe(3);
  expect(readdirSync(merged).filter((n) => n !== "shards").sort()).toEqual(names);
  for (const name of names) {
    const a = readFileSync(path.join(single, name));
    const b = readFileSync(path.join(merged, name));
    if (name.endsWith("_report.json")) {
      const strip = (t: Buffer) => JSON.stringify(JSON.parse(t.toString()), (k, v: unknown) => (TIMES.has(k) ? undefined : v));
      expect(strip(b)).toBe(strip(a));
    } else if (name.endsWith("_report.html")) {
      // The page's time rows and timing section aside.
      const strip = (t: Buffer) => t.toString().replace(/<tr class="time">.*?<\/tr>|<section class="time">.*?<\/section>/gs, "");
      expect(strip(b)).toBe(strip(a));
    } else {
      expect(b.equals(a), `${name} differs`).toBe(true);
    }
  }
}
