import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { MetadataError, loadSampleMetadata, parseSampleMetadata } from "../../src/metadata/index.js";
import { FIXTURE_METADATA, REAL_METADATA } from "./oracle.js";

const tmp = mkdtempSync(path.join(tmpdir(), "sxflow-metadata-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fixtureDocument(): Record<string, Record<string, Record<string, unknown>>> {
  return JSON.parse(readFileSync(FIXTURE_METADATA, "utf8")) as Record<string, Record<string, Record<string, unknown>>>;
}

const TTBAR_MC23A_SINGLELEP =
  "mc23_13p6TeV.601229.PhPy8EG_A14_ttbar_hdamp258p75_SingleLep.deriv.DAOD_PHYSLITE.e8514_s4162_r15540_p6697";

/** The MetadataError message of a failing parse (fails the test if it does not throw one). */
function problemOf(document: unknown): string {
  try {
    parseSampleMetadata(document, "test.json");
  } catch (err) {
    expect(err).toBeInstanceOf(MetadataError);
    return (err as Error).message;
  }
  throw new Error("expected the document to be rejected");
}

describe("loadSampleMetadata on the real integration-challenge file", () => {
  it("reads the gzip file with its 18 categories in file order", async () => {
    const meta = await loadSampleMetadata(REAL_METADATA);
    // Category list from ../shared/data/ic/NOTES.md.
    expect(Object.keys(meta.categories)).toEqual([
      "Hplus_cb", "Hplus_cs", "Wt", "Wt_DS", "Wt_H7", "Wt_pthard", "data", "diboson", "rare_top", "st_schan",
      "st_tchan", "ttV", "ttbar_H7", "ttbar_hdamp", "ttbar_nom", "ttbar_pthard", "wjets", "zjets",
    ]);
    expect(meta.source).toBe(REAL_METADATA);
    expect(Object.keys(meta.categories.ttbar_nom!)).toHaveLength(9);
    expect(Object.keys(meta.categories.wjets!)).toHaveLength(54);
    // First ttbar_nom container: NOTES.md says 134 files, 552.8 GB, 149.7 million input events;
    // exact values read with /usr/bin/python3 json+gzip.
    const first = Object.values(meta.categories.ttbar_nom!)[0]!;
    expect(first.nfilesOutput).toBe(134);
    expect(first.filesOutput).toHaveLength(134);
    expect(first.sizeOutputGB).toBe(552.805);
    expect(first.nevtsInput).toBe(149677000);
    expect(first.output).toBe("user.alheld.410470.PhPy8EG.DAOD_PHYSLITE.e6337_s3681_r13144_r13146_p6697.IC-v1_output");
    expect(first.sizesOutputGB).toHaveLength(134);
  });

  it("normalises containers without ntuples to empty values", async () => {
    const meta = await loadSampleMetadata(REAL_METADATA);
    const noNtuples = Object.values(meta.categories.Hplus_cb!)[0]!;
    expect(noNtuples).toMatchObject({ output: null, filesOutput: [], nfilesOutput: 0, sizeOutputGB: 0, sizesOutputGB: null });
    expect(noNtuples.nevtsInput).toBe(200000);
  });
});

describe("loadSampleMetadata on the committed fixture", () => {
  it("reads plain JSON", async () => {
    const meta = await loadSampleMetadata(FIXTURE_METADATA);
    expect(Object.keys(meta.categories)).toEqual(["Hplus_cb", "Wt_H7", "Wt_pthard", "data", "ttbar_nom", "wjets"]);
    expect(meta.categories.Wt_pthard).toEqual({});
    const total = Object.values(meta.categories).reduce((n, c) => n + Object.keys(c).length, 0);
    expect(total).toBe(13);
    expect(meta.categories.ttbar_nom![TTBAR_MC23A_SINGLELEP]!.nfilesOutput).toBe(47);
  });

  it("recognises gzip by its magic bytes, not by the file name", async () => {
    const text = readFileSync(FIXTURE_METADATA);
    const gzAsJson = path.join(tmp, "compressed.json");
    const jsonAsGz = path.join(tmp, "plain.json.gz");
    writeFileSync(gzAsJson, gzipSync(text));
    writeFileSync(jsonAsGz, text);
    const reference = (await loadSampleMetadata(FIXTURE_METADATA)).categories;
    expect((await loadSampleMetadata(gzAsJson)).categories).toEqual(reference);
    expect((await loadSampleMetadata(jsonAsGz)).categories).toEqual(reference);
  });
});

describe("malformed metadata is rejected with its category and container", () => {
  it("names the field of a wrong type", () => {
    const doc = fixtureDocument();
    doc.ttbar_nom![TTBAR_MC23A_SINGLELEP]!.size_output_GB = "173.797";
    const message = problemOf(doc);
    expect(message).toContain("test.json: invalid sample metadata, 1 problem:");
    expect(message).toContain(`category "ttbar_nom", container "${TTBAR_MC23A_SINGLELEP}": field "size_output_GB": expected number, received string`);
  });

  it("names a missing field and a bad array element", () => {
    const doc = fixtureDocument();
    delete doc.wjets![Object.keys(doc.wjets!)[0]!]!.nevts_input;
    const files = doc.ttbar_nom![TTBAR_MC23A_SINGLELEP]!.files_output as unknown[];
    files[3] = 42;
    const message = problemOf(doc);
    expect(message).toContain("2 problems");
    expect(message).toMatch(/category "wjets", container "mc20_13TeV\.700344\.[^"]+": field "nevts_input": expected number, but it is missing/);
    expect(message).toContain(`container "${TTBAR_MC23A_SINGLELEP}": field "files_output.3": expected string, received number`);
  });

  it("rejects inconsistent file counts and ntuple fields without an output", () => {
    const doc = fixtureDocument();
    doc.ttbar_nom![TTBAR_MC23A_SINGLELEP]!.nfiles_output = 48;
    const hplus = Object.keys(doc.Hplus_cb!)[0]!;
    doc.Hplus_cb![hplus]!.files_output = ["root://somewhere/file.root"];
    const message = problemOf(doc);
    expect(message).toContain(`container "${TTBAR_MC23A_SINGLELEP}": nfiles_output is 48 but files_output lists 47 files`);
    expect(message).toContain(`category "Hplus_cb", container "${hplus}": output is null but files_output lists 1 files`);
  });

  it("rejects per-file sizes that do not match the files", () => {
    const doc = fixtureDocument();
    (doc.ttbar_nom![TTBAR_MC23A_SINGLELEP]!.sizes_output_GB as number[]).pop();
    expect(problemOf(doc)).toContain("sizes_output_GB has 46 entries but files_output lists 47 files");
  });

  it("rejects a category that is not an object and a document that is not an object", () => {
    const doc = fixtureDocument() as Record<string, unknown>;
    doc.wjets = ["a", "b"];
    expect(problemOf(doc)).toContain('category "wjets": expected an object of containers, found an array');
    expect(problemOf([1, 2])).toBe("test.json: expected a JSON object {category: {container: info}}, found an array");
    expect(problemOf(null)).toContain("found null");
  });

  it("lists the first 20 problems and counts the rest", () => {
    const containers = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`c${i}`, { nevts_input: -1 }]));
    const message = problemOf({ cat: containers });
    expect(message).toMatch(/^test\.json: invalid sample metadata, \d+ problems:/);
    expect(message).toContain('category "cat", container "c0": field "nevts_input"');
    expect(message).toMatch(/\.\.\. and \d+ more$/);
    expect(message.split("\n")).toHaveLength(22);
  });

  it("keeps unknown extra fields from making a file invalid", () => {
    const doc = fixtureDocument();
    doc.ttbar_nom![TTBAR_MC23A_SINGLELEP]!.new_field = { anything: 1 };
    expect(() => parseSampleMetadata(doc)).not.toThrow();
  });
});

describe("unreadable files get a clear error", () => {
  async function loadError(file: string): Promise<string> {
    const err = await loadSampleMetadata(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MetadataError);
    return (err as Error).message;
  }

  it("missing file", async () => {
    const file = path.join(tmp, "absent.json.gz");
    expect(await loadError(file)).toBe(`cannot read sample metadata "${file}": no such file`);
  });

  it("truncated gzip", async () => {
    const file = path.join(tmp, "truncated.json.gz");
    writeFileSync(file, readFileSync(REAL_METADATA).subarray(0, 5000));
    expect(await loadError(file)).toMatch(/^sample metadata ".*truncated\.json\.gz": corrupt gzip data/);
  });

  it("invalid JSON", async () => {
    const file = path.join(tmp, "broken.json");
    writeFileSync(file, '{"ttbar_nom": {');
    expect(await loadError(file)).toMatch(/^sample metadata ".*broken\.json": not valid JSON \(/);
  });

  it("binary that is neither gzip nor text", async () => {
    const file = path.join(tmp, "binary.json");
    writeFileSync(file, Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]));
    expect(await loadError(file)).toContain("not UTF-8 text");
  });
});
