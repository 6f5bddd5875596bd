import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import YAML from "yaml";
import { runCli } from "../../src/cli/dispatch.js";
import { REPO_ROOT } from "../shared-data.js";
import { FIXTURE_METADATA, REAL_METADATA } from "./oracle.js";

/** Runs `sxflow <args>` in-process and captures what it writes. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

/** Table rows as arrays of cells (cells are separated by two or more spaces). */
function rows(table: string): string[][] {
  return table
    .trimEnd()
    .split("\n")
    .filter((l) => !/^-+/.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
}

describe("sxflow samples", () => {
  it("is listed in the command help", async () => {
    const { code, out } = await run("--help");
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}samples +categories, ntuple sizes and dataset names/m);
  });

  it("prints a category table of the fixture", async () => {
    const { code, out, err } = await run("samples", FIXTURE_METADATA);
    expect(code).toBe(0);
    expect(err).toBe("");
    // Every cell computed with /usr/bin/python3 on the fixture (json; per category: len, containers
    // with output, sum(size_output_GB)/1000 as %.3f, sum(nfiles_output), sum(nevts_input) with ",").
    expect(rows(out)).toEqual([
      ["category", "containers", "with ntuples", "output TB", "files", "events"],
      ["Hplus_cb", "2", "0", "0.000", "0", "0"],
      ["Wt_H7", "2", "1", "0.010", "3", "9,956,000"],
      ["Wt_pthard", "0", "0", "0.000", "0", "0"],
      ["data", "1", "1", "0.001", "101", "2,859,125,391"],
      ["ttbar_nom", "2", "2", "0.303", "79", "99,910,000"],
      ["wjets", "6", "6", "0.047", "30", "99,899,000"],
      ["total", "13", "10", "0.361", "213", "3,068,890,391"],
    ]);
  });

  it("filters the table by category and campaign, and prints JSON", async () => {
    const { code, out } = await run("samples", REAL_METADATA, "-c", "ttbar_nom,wjets", "--category", "data", "--campaign", "mc20a", "--json");
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { category: string; containers: number; outputFiles: number; outputGB: number }[];
    expect(parsed.map((r) => [r.category, r.containers, r.outputFiles])).toEqual([
      ["ttbar_nom", 1, 109],
      ["wjets", 9, 152],
      ["data", 2, 360],
    ]);
  });

  it("prints the datasets as YAML ready for a run config", async () => {
    const { code, out } = await run("samples", FIXTURE_METADATA, "--category", "wjets", "--campaign", "mc23a", "--campaign", "mc23e", "--datasets");
    expect(code).toBe(0);
    expect(YAML.parse(out)).toEqual({
      wjets_700783_mc23a: "user.alheld:user.alheld.700783.Sh.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
      wjets_700783_mc23e: "user.alheld:user.alheld.700783.Sh.DAOD_PHYSLITE.e8514_s4369_r16083_p6697.IC-v1_output",
    });
  });

  it("prints the file lists as JSON with --files", async () => {
    const { code, out } = await run("samples", FIXTURE_METADATA, "-c", "ttbar_nom", "--dsid", "601230", "--files", "--json");
    expect(code).toBe(0);
    const files = JSON.parse(out) as Record<string, string[]>;
    expect(Object.keys(files)).toEqual(["ttbar_nom_601230_mc23a"]);
    expect(files.ttbar_nom_601230_mc23a).toHaveLength(32);
  });

  it("prints the Sample list of a ServiceX YAML spec", async () => {
    // Tags resolved the way the ServiceX client does: !Rucio -> rucio://<did>, !FileList -> the list.
    const customTags = [
      { tag: "!Rucio", resolve: (did: string) => `rucio://${did}` },
      { tag: "!FileList", collection: "seq" as const, resolve: (seq: unknown) => seq },
    ];
    const asSpec = (text: string) => {
      const doc = YAML.parseDocument(text, { customTags });
      expect(doc.errors).toEqual([]);
      expect(doc.warnings).toEqual([]);
      return (doc.toJS() as { Sample: { Name: string; Dataset: unknown }[] }).Sample;
    };
    const rucio = await run("samples", FIXTURE_METADATA, "-c", "ttbar_nom,data", "--servicex");
    expect(rucio.code).toBe(0);
    expect(asSpec(rucio.out)).toEqual([
      { Name: "ttbar_nom_601229_mc23a", Dataset: "rucio://user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output" },
      { Name: "ttbar_nom_601230_mc23a", Dataset: "rucio://user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output" },
      { Name: "data_data_data23", Dataset: "rucio://user.alheld:user.alheld.periodAllYear.physics_Main.DAOD_PHYSLITE.grp23_v01_p6700.IC-v1_output" },
    ]);
    const files = await run("samples", FIXTURE_METADATA, "-c", "wjets", "--dsid", "700783", "--servicex", "--files");
    const samples = asSpec(files.out);
    expect(samples.map((s) => [s.Name, (s.Dataset as string[]).length])).toEqual([
      ["wjets_700783_mc23d", 2],
      ["wjets_700783_mc23a", 3],
      ["wjets_700783_mc23e", 3],
    ]);
    expect((await run("samples", FIXTURE_METADATA, "--servicex", "--json")).code).toBe(2);
  });

  it("applies --scope to the dataset names", async () => {
    const { out } = await run("samples", FIXTURE_METADATA, "-c", "data", "--datasets", "--json", "--scope", "user.me");
    expect(JSON.parse(out)).toEqual({
      data_data_data23: "user.me:user.alheld.periodAllYear.physics_Main.DAOD_PHYSLITE.grp23_v01_p6700.IC-v1_output",
    });
  });

  it("reports bad input on stderr with exit code 1, and usage errors with 2", async () => {
    const unknown = await run("samples", FIXTURE_METADATA, "-c", "ttbar");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('sxflow samples: unknown category "ttbar"');
    const campaign = await run("samples", FIXTURE_METADATA, "--campaign", "mc21a", "--datasets");
    expect(campaign.code).toBe(1);
    expect(campaign.err).toContain('unknown campaign "mc21a"');
    const missing = await run("samples");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("missing <metadata> file");
    const dup = await run("samples", FIXTURE_METADATA, "--on-duplicate", "merge");
    expect(dup.code).toBe(2);
    expect(dup.err).toContain('--on-duplicate must be "error" or "suffix"');
  });

  it("runs as a real process", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts"), "samples", FIXTURE_METADATA, "-c", "ttbar_nom", "--datasets"], {
      encoding: "utf8",
      cwd: REPO_ROOT,
    });
    expect(Object.keys(YAML.parse(out) as object)).toEqual(["ttbar_nom_601229_mc23a", "ttbar_nom_601230_mc23a"]);
  });
});
