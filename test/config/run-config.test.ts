import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { expandGlob, loadRunConfig, parseRunConfig, RunConfigError, splitSpecOf } from "../../src/config/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  for (const f of ["ttbar/a.parquet", "ttbar/b.parquet", "ttbar/notes.txt", "wjets/sub/x.root", "wjets/y.root", "wjets/.hidden.root", "runs/r1/f10.root", "runs/r2/f2.root", "runs/r3/f3.root", "runs/r10/f1.root"]) {
    mkdirSync(path.dirname(path.join(dir, "data", f)), { recursive: true });
    // Magic bytes only: the loader detects each file's format from its first bytes.
    writeFileSync(path.join(dir, "data", f), f.endsWith(".parquet") ? "PAR1" : f.endsWith(".root") ? "root" : "text");
  }
});

const EXAMPLE = `
tree: reco
samples:
  - {name: ttbar, label: 0, files: ["data/ttbar/*.parquet"]}
  - {name: wjets, label: 1, files: ["data/wjets/**/*.root"]}
cuts:
  - "(num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 3)"
  - "(num(el_pt_NOSYS) > 1)"
aliases: {ht: "sum(jet_pt_NOSYS)"}
objects:
  event: {global: true, fields: {met: met_met_NOSYS, met_phi: met_phi_NOSYS, ht: ht}}
  jet:   {max: 10, sort: jet_pt_NOSYS, select: "jet_pt_NOSYS > 20000",
          fields: {pt: jet_pt_NOSYS, eta: jet_eta, phi: jet_phi, btag: {expr: jet_GN2v01_FixedCutBEff_77_select, type: bool}}}
  el:    {max: 4, padding: nan, fields: {pt: "el_pt_NOSYS / 1000", eta: el_eta, phi: el_phi}}
split: {by: [runNumber, eventNumber], fractions: {train: 0.7, val: 0.1, test: 0.2}}
shuffle: {seed: 42}
output: {dir: out, name: ttbar_wjets, compression: lzf, precision: half}
`;

async function load(text: string): Promise<Awaited<ReturnType<typeof loadRunConfig>>> {
  const file = path.join(dir, "run.yaml");
  writeFileSync(file, text);
  return loadRunConfig(file);
}

/** The message lines of a configuration error. */
async function issuesOf(config: unknown): Promise<string[]> {
  try {
    await load(typeof config === "string" ? config : stringify(config));
  } catch (err) {
    if (err instanceof RunConfigError) return err.issues;
    throw err;
  }
  throw new Error("configuration was accepted");
}

/** A small valid configuration as plain data, to be edited into bad variants. */
function example(): Record<string, unknown> {
  return {
    tree: "reco",
    samples: [
      { name: "ttbar", label: 0, files: ["data/ttbar/*.parquet"] },
      { name: "wjets", label: 1, files: ["data/wjets/*.root"] },
    ],
    objects: {
      event: { global: true, fields: { met: "met_met_NOSYS" } },
      jet: { max: 10, fields: { pt: "jet_pt_NOSYS", eta: "jet_eta" } },
    },
    split: { fractions: { train: 0.7, val: 0.1, test: 0.2 } },
    output: { dir: "out", name: "x" },
  };
}

describe("expandGlob", () => {
  it("matches *, ? and ** per segment, skips hidden files, sorts, and resolves relative patterns", async () => {
    const data = path.join(dir, "data");
    expect(await expandGlob("ttbar/?.parquet", data)).toEqual([path.join(data, "ttbar/a.parquet"), path.join(data, "ttbar/b.parquet")]);
    expect(await expandGlob("w*/**/*.root", data)).toEqual([path.join(data, "wjets/sub/x.root"), path.join(data, "wjets/y.root")]);
    expect(await expandGlob(path.join(data, "wjets/.hid*"), "/")).toEqual([path.join(data, "wjets/.hidden.root")]);
    expect(await expandGlob("ttbar/notes.txt", data)).toEqual([path.join(data, "ttbar/notes.txt")]);
    expect(await expandGlob("ttbar/a.parquet/*", data)).toEqual([]);
    expect(await expandGlob("*/sub", data)).toEqual([]);
  });

  it("matches brace and class patterns, sorted by path whatever the listing order", async () => {
    const data = path.join(dir, "data");
    const at = (...f: string[]) => f.map((x) => path.join(data, x));
    expect(await expandGlob("{ttbar,wjets}/*.{parquet,root}", data)).toEqual(at("ttbar/a.parquet", "ttbar/b.parquet", "wjets/y.root"));
    expect(await expandGlob("runs/r[0-9]/*.root", data)).toEqual(at("runs/r1/f10.root", "runs/r2/f2.root", "runs/r3/f3.root"));
    expect(await expandGlob("runs/r[!2]*/f1*.root", data)).toEqual(at("runs/r1/f10.root", "runs/r10/f1.root"));
    expect(await expandGlob("runs/**/f{1,2}.root", data)).toEqual(at("runs/r10/f1.root", "runs/r2/f2.root"));
    expect(await expandGlob("runs/r{4,5}/*.root", data)).toEqual([]);
  });
});

describe("loadRunConfig", () => {
  it("loads the example, applies defaults and expands globs against the config directory", async () => {
    const c = await load(EXAMPLE);
    expect(c.tree).toBe("reco");
    expect(c.samples[0]!.files).toEqual([
      { path: path.join(dir, "data/ttbar/a.parquet"), format: "parquet" },
      { path: path.join(dir, "data/ttbar/b.parquet"), format: "parquet" },
    ]);
    expect(c.samples[1]!.files).toEqual([
      { path: path.join(dir, "data/wjets/sub/x.root"), format: "root" },
      { path: path.join(dir, "data/wjets/y.root"), format: "root" },
    ]);
    expect(c.classes).toEqual(["ttbar", "wjets"]);
    expect(c.globalGroup).toBe("event");
    expect(c.objects.jet).toMatchObject({ global: false, max: 10, sort: "jet_pt_NOSYS", select: "jet_pt_NOSYS > 20000", padding: "zero" });
    expect(c.objects.jet!.fields.btag).toEqual({ expr: "jet_GN2v01_FixedCutBEff_77_select", type: "bool" });
    expect(c.objects.el!.fields.pt).toEqual({ expr: "el_pt_NOSYS / 1000" });
    expect(c.objects.el!.padding).toBe("nan");
    expect(c.aliases).toEqual({ ht: "sum(jet_pt_NOSYS)" });
    expect(c.split).toEqual({ by: ["runNumber", "eventNumber"], fractions: { train: 0.7, val: 0.1, test: 0.2 }, seed: 0 });
    expect(c.shuffle).toEqual({ enabled: true, seed: 42 });
    expect(c.output).toMatchObject({ dir: path.join(dir, "out"), compression: "lzf", precision: "half", fullPrecision: ["jet.pt", "el.pt"] });
    expect(c.labelField).toBe("flavour_label");
    expect(c.batchSize).toBe(100_000);
  });

  it("accepts UPP modulo split rules and explicit class names", () => {
    const c = example();
    c.split = { rules: { train: [["eventNumber", "%10<=", 7]], val: [["eventNumber", "%10==", 8]], test: [["eventNumber", "%10==", 9]] } };
    c.classes = ["top", "w"];
    c.padding = 0;
    (c.objects as Record<string, Record<string, unknown>>).jet!.padding = Number.NaN;
    const parsed = parseRunConfig(c);
    expect(parsed.padding).toBe("zero");
    expect(parsed.objects.jet!.padding).toBe("nan");
    expect(parsed.split.rules?.train).toEqual([["eventNumber", "%10<=", 7]]);
    expect(parsed.classes).toEqual(["top", "w"]);
  });

  it("rejects unknown keys with the config path and a suggestion", async () => {
    const c = example();
    (c.objects as Record<string, Record<string, unknown>>).jet!.maxx = 3;
    c.shufle = { seed: 1 };
    const issues = await issuesOf(c);
    expect(issues).toContain('config.objects.jet: unknown key "maxx"; did you mean "max"? (known keys: global, max, sort, select, padding, fields)');
    expect(issues.some((i) => i.startsWith('config: unknown key "shufle"; did you mean "shuffle"?'))).toBe(true);
  });

  it("rejects fractions that do not sum to 1 and overlapping rules", async () => {
    const c = example();
    c.split = { fractions: { train: 0.7, val: 0.2, test: 0.2 } };
    expect(await issuesOf(c)).toEqual(["config.split.fractions: fractions sum to 1.1, not 1"]);
    c.split = { rules: { train: [["eventNumber", "%10<=", 8]], val: [["eventNumber", "%10==", 8]], test: [["eventNumber", "%10<", 9]] } };
    const issues = await issuesOf(c);
    expect(issues).toContain('config.split.rules.test[0]: "%10<": modulo supports only ==, !=, <=, >=');
    c.split = { rules: { train: [["eventNumber", "%10<=", 8]], val: [["eventNumber", "%10==", 8]], test: [["eventNumber", "%10==", 9]] } };
    expect(await issuesOf(c)).toEqual(["config.split.rules: eventNumber % 10 in {8} matches more than one split"]);
    c.split = { by: ["eventNumber"] };
    expect((await issuesOf(c))[0]).toMatch(/^config.split: give either fractions .* or rules/);
  });

  it("names wrong types and missing fields by path", async () => {
    const c = example();
    (c.samples as Record<string, unknown>[])[1]!.label = "one";
    (c.objects as Record<string, Record<string, unknown>>).jet!.fields = { pt: 3 };
    delete c.tree;
    c.padding = -1;
    delete (c.objects as Record<string, Record<string, unknown>>).jet!.max;
    const issues = await issuesOf(c);
    expect(issues).toContain("config.tree: required but missing");
    expect(issues).toContain("config.padding: expected zero (or 0) or nan (or .nan)");
    expect(issues).toContain('config.samples[1].label: expected number, got string "one"');
    expect(issues).toContain('config.objects.jet.fields.pt: expected an expression string or {expr: "<expression>", type: "<element type>"}');
  });

  it("reports the missing max of an object group and a second global group", async () => {
    const c = example();
    const objects = c.objects as Record<string, Record<string, unknown>>;
    delete objects.jet!.max;
    objects.el = { global: true, max: 3, fields: { pt: "el_pt" } };
    const issues = await issuesOf(c);
    expect(issues).toContain("config.objects.jet.max: an object group needs max (the number of slots per event)");
    expect(issues).toContain('config.objects.el.max: a global group has one value per event: "max" does not apply');
    expect(issues).toContain("config.objects: exactly one group must be global (the per-event object SALT slices by), found 2: event, el");
  });

  it("reports file patterns that match nothing, unknown references and label gaps", async () => {
    const c = example();
    (c.samples as Record<string, unknown>[])[1] = { name: "wjets", label: 2, files: ["data/wjets/*.parquet"] };
    (c.output as Record<string, unknown>).fullPrecision = ["jet.pt", "jet.mass"];
    (c.samples as Record<string, unknown>[])[0]!.files = ["data/ttbar/*"];
    const issues = await issuesOf(c);
    expect(issues).toContain(`config.samples[1].files[0] (sample "wjets"): no file matches "data/wjets/*.parquet" (relative to ${dir})`);
    expect(issues).toContain("config.samples: no sample has label 1; labels must cover 0..2");
    expect(issues).toContain(
      `config.samples[0].files[0]: ${path.join(dir, "data/ttbar/notes.txt")}: neither a ROOT nor a Parquet file (starts with bytes [74 65 78 74], expected "root" or "PAR1")`,
    );
    expect(issues).toContain('config.output.fullPrecision[1]: "jet.mass" is not a field of any object group (write group.field or field)');
  });

  it("reserves the field name valid in object groups", async () => {
    const c = example();
    (c.objects as Record<string, Record<string, unknown>>).jet!.fields = { valid: "jet_pt_NOSYS" };
    expect(await issuesOf(c)).toEqual(['config.objects.jet.fields.valid: "valid" is reserved for the slot validity of an object group']);
  });

  it("turns the split section into the split stage's specification", () => {
    const c = example();
    expect(splitSpecOf(parseRunConfig(c).split)).toEqual({ kind: "hash", keys: ["runNumber", "eventNumber"], fractions: [0.7, 0.1, 0.2], seed: 0 });
    c.split = { rules: { train: [["eventNumber", "%10<=", 7]], val: [["eventNumber", "%10==", 8]], test: [["eventNumber", "%10==", 9]] } };
    const spec = splitSpecOf(parseRunConfig(c).split);
    expect(spec).toEqual({
      kind: "rules",
      rules: [
        [{ field: "eventNumber", op: "<=", modulo: 10, value: 7 }],
        [{ field: "eventNumber", op: "==", modulo: 10, value: 8 }],
        [{ field: "eventNumber", op: "==", modulo: 10, value: 9 }],
      ],
    });
  });

  it("reports YAML syntax errors and duplicate keys with their position", async () => {
    const issues = await issuesOf("tree: reco\ntree: other\n");
    expect(issues[0]).toMatch(/^YAML: Map keys must be unique at line 2, column 1/);
    await expect(loadRunConfig(path.join(dir, "absent.yaml"))).rejects.toThrow(`absent.yaml:\n  cannot read the configuration file ${path.join(dir, "absent.yaml")}: no such file`);
  });
});
