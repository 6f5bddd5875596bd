/**
 * `servicex: {..., delivery: stream}`: the run reads the transform's Parquet outputs through
 * presigned URLs with range requests (fake ServiceX server, real transform of a fixture), and
 * writes the same rows as the run that downloads them first.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EarlyConversion } from "../../src/pipeline/early.js";
import { ProgressDisplay } from "../../src/servicex/progress.js";
import { openH5 } from "../../src/hdf5/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { outputPaths } from "../../src/sinks/index.js";
import { loadRunConfig } from "../../src/config/index.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { FakeServiceX } from "../servicex/fake-server.js";
import { tempDir, writeConfig } from "./helpers.js";

const DY = ["uproot-small-dy-withoffsets.root", "uproot-small-dy-nooffsets.root"].map((f) => path.join(FIXTURES_DIR, "root", f));

let dir: string;
let server: FakeServiceX;
beforeEach(async () => {
  dir = tempDir("pipeline-stream");
  server = await new FakeServiceX().start();
  const inputs = DY.map((_, i) => `root://eos.example.org//dy/part_${i}.root`);
  inputs.forEach((input, i) => server.sources.set(input, DY[i]!));
  server.datasets.set("rucio://user.test:user.test.dy.v2", { inputs, slowInputs: { [inputs[1]!]: 40 } });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, delivery: "download" | "stream"): string {
  return writeConfig(
    dir,
    {
      tree: "tree",
      samples: [
        { name: "dy", label: 0, servicex: { dataset: "user.test:user.test.dy.v2", delivery } },
        { name: "direct", label: 1, files: [DY[0]] },
      ],
      cuts: ["nMuon >= 1"],
      objects: { event: { global: true, fields: { met: "MET_pt" } }, muon: { max: 2, sort: "Muon_pt", fields: { pt: "Muon_pt", q: "Muon_charge" } } },
      split: { by: ["event"], fractions: { train: 0.8, val: 0.1, test: 0.1 } },
      output: { dir: name, name: "dy" },
    },
    `${name}.yaml`,
  );
}

async function datasets(file: string): Promise<{ attrs: Record<string, unknown>; data: Record<string, Uint8Array> }> {
  const h5 = await openH5(file);
  try {
    const data: Record<string, Uint8Array> = {};
    for (const d of h5.datasets()) data[d] = h5.dataset(d).readRaw();
    return { attrs: h5.attrs, data };
  } finally {
    h5.close();
  }
}

describe("delivery: stream", () => {
  it.each([0, 2])("converts each file from its signed URL while the transform runs (%i workers), downloading nothing, and writes what the downloading run writes", async (workers) => {
    const configPath = path.join(dir, "servicex.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(configPath, `api_endpoints:\n  - name: fake\n    endpoint: ${server.url}\n    token: ${server.refreshToken}\ncache_path: ${path.join(dir, "cache")}\n`);
    const servicex = { configPath, pollIntervalMs: 5, retryDelayMs: 5, progress: false };

    const take = vi.spyOn(EarlyConversion.prototype, "take");
    const streamed = await runPipeline(config("streamed", "stream"), { workers, servicex });
    // The first file (and, once reported, the second) was converted while the transform ran: its
    // tasks came from the early results.
    expect(take.mock.results.filter((r) => r.value !== undefined).length).toBeGreaterThan(0);
    take.mockRestore();
    expect(server.s3Log.every((l) => l.includes("X-Amz-Signature="))).toBe(true);
    expect(server.s3RangeRequests).toBeGreaterThan(0);
    // Nothing in the cache but its records.
    expect(readdirSync(path.join(dir, "cache")).filter((n) => n !== ".sxflow")).toEqual([]);

    const downloaded = await runPipeline(config("downloaded", "download"), { workers: 0, servicex });
    // The downloading run re-attached to the same completed request.
    expect(server.submits()).toBe(1);
    expect(streamed.samples).toEqual(downloaded.samples);
    expect(streamed.samples[0]!.eventsRead).toBeGreaterThan(0);

    const [s, d] = [outputPaths((await loadRunConfig(config("streamed", "stream"))) as never), outputPaths((await loadRunConfig(config("downloaded", "download"))) as never)];
    for (const split of ["train", "val", "test"]) {
      const [a, b] = [await datasets(s[split]!), await datasets(d[split]!)];
      expect(Object.keys(a.data)).toEqual(Object.keys(b.data));
      for (const k of Object.keys(a.data)) expect(Buffer.from(a.data[k]!).equals(Buffer.from(b.data[k]!))).toBe(true);
      // The recorded config names the URLs without their signatures.
      const recorded = String(a.attrs.config);
      expect(recorded).toContain(`http://${server.s3Host}/`);
      expect(recorded).not.toContain("X-Amz-Signature");
    }
    expect(readFileSync(s.normDict!, "utf8")).toBe(readFileSync(d.normDict!, "utf8"));
    expect(readFileSync(s.classDict!, "utf8")).toBe(readFileSync(d.classDict!, "utf8"));
  });

  it("shows the conversion beside the transform while a late file is still being transformed", async () => {
    const configPath = path.join(dir, "servicex.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(configPath, `api_endpoints:\n  - name: fake\n    endpoint: ${server.url}\n    token: ${server.refreshToken}\ncache_path: ${path.join(dir, "cache")}\n`);
    // The second file stays in the transform until the progress lines show the first one converted.
    const late = server.datasets.get("rucio://user.test:user.test.dy.v2")!;
    const held = late.inputs[1]!;
    late.slowInputs = { [held]: Number.MAX_SAFE_INTEGER };
    const frames: string[] = [];
    const terminal = {
      isTTY: true,
      write(chunk: string): boolean {
        frames.push(chunk);
        if (chunk.includes("converted 1 file,")) late.slowInputs![held] = 0;
        return true;
      },
    };
    const display = new ProgressDisplay(terminal as unknown as NodeJS.WriteStream, true);
    const report = await runPipeline(config("progress", "stream"), { workers: 0, servicex: { configPath, pollIntervalMs: 5, retryDelayMs: 5, display } });
    // The transform applies the cut, so each of the two files holds half the events the run read.
    const half = report.samples[0]!.eventsRead / 2;
    expect(half).toBeGreaterThan(0);
    const whileHeld = new RegExp(`dy +transform \\[#{10}-{10}\\] 1/2 files · converted 1 file, ${half} events  Running`);
    expect(frames.some((f) => whileHeld.test(f))).toBe(true);
    expect(frames[frames.length - 1]).toMatch(/dy +transform \[#{20}\] 2\/2 files · converted \d files?, [\d,]+ events {2}Complete/);
  });
});
