import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sliceBatch } from "../../src/batch/index.js";
import { runCli } from "../../src/cli/dispatch.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { tempDir, topcpConfigs, TTBAR } from "./helpers.js";

const dir = tempDir("pipeline-errors");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let emptyFile: string;
beforeAll(async () => {
  emptyFile = path.join(dir, "empty.parquet");
  const reader = await openParquet(TTBAR);
  const batch = await reader.read(["jet_pt_NOSYS", "jet_eta", "met_met_NOSYS", "runNumber", "eventNumber"], 0, 10);
  reader.close();
  await writeParquet(emptyFile, [sliceBatch(batch, 0, 0)]);
  writeFileSync(path.join(dir, "garbage.parquet"), "PAR1 this is not a parquet file at all");
});

const config = topcpConfigs(dir, { batchSize: 2000 });

/** Nothing under the output directory: no final file, no temporary file, no shuffle bucket. */
function expectNoOutputs(out: string): void {
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
}

async function failure(c: { file: string; out: string }, workers = 0): Promise<string> {
  try {
    await runPipeline(c.file, { workers });
  } catch (err) {
    expectNoOutputs(c.out);
    return (err as Error).message;
  }
  throw new Error("the run succeeded");
}

describe("bad configurations and inputs", () => {
  it("names the config path and the closest branch for an unknown branch", async () => {
    const msg = await failure(config({ objects: { event: { global: true, fields: { met: "met_met_NOSYS" } }, jet: { max: 5, fields: { pt: "jet_ptt_NOSYS" } } } }));
    expect(msg).toContain("config.objects.jet.fields.pt");
    expect(msg).toContain('unknown branch or alias "jet_ptt_NOSYS"');
    expect(msg).toContain("jet_pt_NOSYS");
  });

  it("names the cut that reads an unknown branch", async () => {
    const msg = await failure(config({ cuts: ["num(jet_pt_NOSYS) > 1", "met_mett_NOSYS > 0"] }));
    expect(msg).toContain("config.cuts[1]");
    expect(msg).toContain("met_met_NOSYS");
  });

  it("refuses a missing split key instead of falling back", async () => {
    const msg = await failure(config({ split: { by: ["runNumber", "evtNumber"], fractions: { train: 0.8, val: 0.1, test: 0.1 } } }));
    expect(msg).toContain("config.split.by[1]");
    expect(msg).toContain('split key "evtNumber"');
    expect(msg).toContain('did you mean "eventNumber"');
  });

  it("refuses a per-event field in an object group and a per-object field in the global group", async () => {
    let msg = await failure(config({ objects: { event: { global: true, fields: { met: "jet_pt_NOSYS" } }, jet: { max: 5, fields: { pt: "jet_pt_NOSYS" } } } }));
    expect(msg).toContain("config.objects.event.fields.met");
    msg = await failure(config({ objects: { event: { global: true, fields: { met: "met_met_NOSYS" } }, jet: { max: 5, fields: { pt: "met_met_NOSYS" } } } }));
    expect(msg).toContain("config.objects.jet.fields.pt");
  });

  it("reports mismatched object multiplicities inside a group, with file and entries, and writes nothing", async () => {
    for (const workers of [0, 1]) {
      const msg = await failure(
        config({ objects: { event: { global: true, fields: { met: "met_met_NOSYS" } }, jet: { max: 5, fields: { pt: "jet_pt_NOSYS", eta: "el_eta" } } } }),
        workers,
      );
      expect(msg).toContain('group "jet"');
      expect(msg).toContain("different multiplicities");
      expect(msg).toContain("ttbar.parquet");
      expect(msg).toMatch(/entries \d+-\d+/);
    }
  });

  it("names the trees of a Parquet file that lacks the configured tree", async () => {
    // ServiceX writes no rows for a tree all of whose entries were cut: only a sample none of
    // whose files has rows of the tree is an error.
    const msg = await failure(config({ tree: "nominal" }));
    expect(msg).toContain('config.samples[0] (sample "ttbar"): no entries in tree "nominal"');
    expect(msg).toContain('(their treename column holds "reco")');
  });

  it("refuses an empty sample", async () => {
    const msg = await failure(config({ samples: [{ name: "ttbar", label: 0, files: [TTBAR] }, { name: "wjets", label: 1, files: [emptyFile] }] }));
    expect(msg).toContain("config.samples[1]");
    expect(msg).toContain('sample "wjets"');
    expect(msg).toContain("no entries");
  });

  it("names the sample and file of an unreadable input", async () => {
    const bad = path.join(dir, "garbage.parquet");
    const msg = await failure(config({ samples: [{ name: "ttbar", label: 0, files: [TTBAR] }, { name: "wjets", label: 1, files: [bad] }] }));
    expect(msg).toContain("config.samples[1].files");
    expect(msg).toContain(bad);
  });

  it("fails on a constant input (zero std), naming the field, and writes nothing", async () => {
    const msg = await failure(config({ objects: { event: { global: true, fields: { met: "met_met_NOSYS", zero: "met_met_NOSYS * 0" } }, jet: { max: 5, fields: { pt: "jet_pt_NOSYS" } } } }));
    expect(msg).toContain("event.zero");
    expect(msg).toContain("std is 0");
  });

  it("fails on a class without training events unless asked for weight 0", async () => {
    // The fixtures' W+jets event numbers start at 10^6, ttbar's just below 2^32: this keeps ttbar only.
    const cuts = ["eventNumber > 4000000000"];
    const msg = await failure(config({ cuts }));
    expect(msg).toContain("class weights");
    expect(msg).toContain("wjets");
    const ok = config({ cuts, classWeights: { empty: "zero" } });
    const report = await runPipeline(ok.file, { workers: 0 });
    expect(report.classWeights).toEqual([1, 0]);
    expect(report.samples[1]!.eventsPassed).toBe(0);
  });

  it("stops on an aborted signal and leaves no partial output", async () => {
    for (const workers of [0, 2]) {
      const c = config({ batchSize: 500 });
      const controller = new AbortController();
      // The progress display is written after the first task result: abort there, mid-run.
      const progress = { isTTY: true, write: () => (controller.abort(new Error("stop now")), true) } as unknown as NodeJS.WriteStream;
      await expect(runPipeline(c.file, { workers, signal: controller.signal, progress })).rejects.toThrow("stop now");
      expectNoOutputs(c.out);
    }
  });

  it("exits 1 with the message on stderr from the CLI", async () => {
    const c = config({ split: { by: ["runNumber", "evtNumber"], fractions: { train: 0.8, val: 0.1, test: 0.1 } } });
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      chunks.push(String(s));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await runCli(["run", c.file, "--quiet", "--workers", "0"])).toBe(1);
      expect(await runCli(["run"])).toBe(2);
      expect(await runCli(["run", c.file, "--workers", "two"])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(chunks.join("")).toContain("config.split.by[1]");
    expectNoOutputs(c.out);
  });
});
