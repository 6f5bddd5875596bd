import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, topcpConfigs, TTBAR, WJETS } from "../pipeline/helpers.js";
import { cli } from "./helpers.js";

const dir = tempDir("config-run-checks");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = topcpConfigs(dir, { aliases: { njet: "num(jet_pt_NOSYS)" }, cuts: ["njet > 1"] });

const jet = (fields: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  objects: { event: { global: true, fields: { met: "met_met_NOSYS" } }, jet: { max: 5, fields, ...more } },
});

// Configurations that `sxflow config` used to call valid and `sxflow run` rejected before reading
// an event, and mistakes both used to accept silently: both now refuse with the same message.
const CASES: [string, Record<string, unknown>, RegExp][] = [
  ["a malformed cut", { cuts: ["jet_pt_NOSYS >"] }, /config\.cuts\[0\]/],
  ["and/or in a cut", { cuts: ["njet > 1 and met_met_NOSYS > 0"] }, /config\.cuts\[0\]/],
  ["an unknown branch in a field", jet({ pt: "jet_ptt" }), /config\.objects\.jet\.fields\.pt.*jet_ptt/],
  ["an unknown sort key", jet({ pt: "jet_pt_NOSYS" }, { sort: "jet_ptt" }), /config\.objects\.jet\.sort/],
  ["an unknown split key", { split: { by: ["eventNumber", "runNumbr"], fractions: { train: 0.8, val: 0.1, test: 0.1 } } }, /config\.split\.by\[1\].*runNumbr/],
  ["a field named like the label field", { objects: { event: { global: true, fields: { flavour_label: "met_met_NOSYS" } }, jet: { max: 5, fields: { pt: "jet_pt_NOSYS" } } } }, /label field/],
  ["an alias shadowing a branch", { aliases: { njet: "num(jet_pt_NOSYS)", jet_eta: "abs(jet_eta)" } }, /config\.aliases\.jet_eta: alias "jet_eta" has the name of a branch/],
  ["max: 100000", jet({ pt: "jet_pt_NOSYS", eta: "jet_eta", phi: "jet_phi", e: "jet_pt_NOSYS * 2" }, { max: 100_000 }), /config\.objects\.jet\.max: 100000 slots of \d+ bytes make each event's row [\d.]+ MiB \(estimated/],
  ["max: 1e9", jet({ pt: "jet_pt_NOSYS" }, { max: 1e9 }), /config\.objects\.jet\.max: 1000000000 slots/],
  ["the same file in two samples", { samples: [{ name: "ttbar", label: 0, files: [TTBAR] }, { name: "wjets", label: 1, files: [WJETS, TTBAR] }] }, /config\.samples\[1\]\.files: ".*ttbar\.parquet" is also a file of sample "ttbar"/],
  ["a glob matching another sample's file", { samples: [{ name: "ttbar", label: 0, files: [TTBAR] }, { name: "all", label: 1, files: [path.join(path.dirname(TTBAR), "*.parquet")] }] }, /is also a file of sample "ttbar"/],
  ["duplicate class names", { classes: ["top", "top"] }, /config\.classes\[1\].*class name "top" already used by classes\[0\]/],
];

describe("sxflow config runs every check sxflow run makes before reading events", () => {
  it.each(CASES)("%s", async (_, extra, message) => {
    const c = config(extra);
    const checked = await cli(["config", c.file]);
    expect(checked.code, checked.out).toBe(1);
    expect(checked.err).toMatch(message);
    const run = await cli(["run", c.file, "--quiet", "--workers", "0"]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
    // The same message (run prefixes its command name).
    expect(run.err.replace(/^sxflow run: /, "").split("\n")[0]).toBe(checked.err.split("\n")[0]);
    expect(existsSync(c.out) ? readdirSync(c.out) : []).toEqual([]);
  });

  it("an output directory that is a file", async () => {
    const c = config();
    writeFileSync(c.out, "not a directory");
    const checked = await cli(["config", c.file]);
    expect(checked.code).toBe(1);
    expect(checked.err).toMatch(/output directory ".*out\d+": ".*out\d+" is not a directory/);
    const run = await cli(["run", c.file, "--quiet", "--workers", "0"]);
    expect(run.err.replace(/^sxflow run: /, "")).toBe(checked.err);
  });

  it("accepts a file in two samples when the configuration says it is intended, and says what it checked", async () => {
    const c = config({ sharedFiles: true, samples: [{ name: "ttbar", label: 0, files: [TTBAR] }, { name: "again", label: 1, files: [TTBAR, WJETS] }] });
    const checked = await cli(["config", c.file]);
    expect(checked.err).toBe("");
    expect(checked.code).toBe(0);
    expect(checked.out).toMatch(/: valid \(tree "reco"; branches checked in the first file of each sample \(2\)\)/);
    expect(existsSync(c.out)).toBe(false);
  });
});

describe("sxflow run --workers", () => {
  it("caps a count above the cores with a notice", async () => {
    const c = config();
    mkdirSync(c.out);
    const many = availableParallelism() + 7;
    const run = await cli(["run", c.file, "--quiet", "--workers", String(many)]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(`sxflow run: --workers ${many} capped to ${availableParallelism()}, the number of cores`);
  });
});
