import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildUprootRaw, loadSpecFile, resolveDataset, sampleRequests, validateUprootRaw } from "../../src/servicex/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-spec-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("UprootRaw queries", () => {
  it("builds filter_name, cuts joined with & and aliases", () => {
    const q = buildUprootRaw({
      tree: "reco",
      branches: ["jet_pt_NOSYS", "/el_.*/"],
      cuts: ["num(jet_pt_NOSYS) >= 2", "any(abs(jet_eta) < 2.5)"],
      aliases: { ht: "sum(jet_pt_NOSYS)" },
    });
    expect(JSON.parse(q)).toEqual([
      {
        treename: "reco",
        filter_name: ["jet_pt_NOSYS", "/el_.*/"],
        cut: "(num(jet_pt_NOSYS) >= 2) & (any(abs(jet_eta) < 2.5))",
        aliases: { ht: "sum(jet_pt_NOSYS)" },
      },
    ]);
  });

  it("refuses the & / comparison precedence trap and malformed verbatim queries", () => {
    expect(() => buildUprootRaw({ tree: "reco", cuts: ["met > 1 & njet > 2"] })).toThrow(/& and \| bind tighter than comparisons/);
    expect(() => validateUprootRaw('[{"treename": "t", "cut": "(a > 1) & (b < 2)"}]', "q")).not.toThrow();
    expect(() => validateUprootRaw("[]", "q")).toThrow(/empty list/);
    expect(() => validateUprootRaw("{not json", "q")).toThrow(/q: UprootRaw query is not valid JSON/);
    expect(validateUprootRaw('{"treename": "t"}', "q")).toBe('[{"treename":"t"}]');
  });
});

describe("datasets", () => {
  it("maps identifiers to DIDs and file lists", () => {
    expect(resolveDataset("user.a:ds", 4, "s")).toEqual({ did: "rucio://user.a:ds?files=4" });
    expect(resolveDataset({ cernOpenData: 80010 }, undefined, "s")).toEqual({ did: "cernopendata://80010" });
    expect(resolveDataset({ xrootd: "root://h//p/*.root" }, undefined, "s")).toEqual({ did: "xrootd://root://h//p/*.root" });
    expect(resolveDataset({ fileList: ["a", "b", "c"] }, 2, "s")).toEqual({ fileList: ["a", "b"] });
    expect(() => resolveDataset({ rucio: "noscope" }, undefined, "Sample[0]")).toThrow(/Sample\[0\]: Rucio dataset "noscope" needs a scope/);
    expect(() => resolveDataset("s3://bucket/x", undefined, "s")).toThrow(/unsupported scheme "s3:\/\/"/);
    // A local path (what the local backend reads) is a one-file list, not a DID without a scope.
    expect(resolveDataset("data/ttbar.root", undefined, "s")).toEqual({ fileList: ["data/ttbar.root"] });
    expect(resolveDataset("ttbar.root", undefined, "s")).toEqual({ fileList: ["ttbar.root"] });
    expect(resolveDataset("file:///data/ttbar.root", undefined, "s")).toEqual({ fileList: ["file:///data/ttbar.root"] });
    expect(resolveDataset("user.a:ttbar.root", undefined, "s")).toEqual({ did: "rucio://user.a:ttbar.root" });
  });
});

describe("YAML spec in the Python client's format", () => {
  it("reads tags, anchors under Definition, NFiles and !include", () => {
    writeFileSync(path.join(dir, "query.yaml"), '!UprootRaw \'[{"treename": "reco", "filter_name": ["jet_pt"]}]\'\n');
    const file = path.join(dir, "spec.yaml");
    writeFileSync(
      file,
      `Definition:
  - &Q !UprootRaw |
    [{"treename": "reco", "filter_name": ["jet_pt_NOSYS", "met_met_NOSYS"],
      "cut": "num(jet_pt_NOSYS[jet_pt_NOSYS > 25e3]) >= 3"}]
General: {OutputFormat: parquet, Delivery: LocalCache}
Sample:
  - Name: ttbar_a
    Dataset: !Rucio user.asmith:user.asmith.topcp.ttbar.v5
    NFiles: 3
    Query: *Q
  - Name: local_test
    Dataset: !FileList ["root://eospublic.cern.ch//eos/opendata/atlas/example_000001.root"]
    Query: !include query.yaml
    IgnoreLocalCache: true
  - Name: opendata
    Dataset: !CERNOpenData 80010
    Query:
      tree: events
      branches: [Muon_Px]
      cuts: ["NMuon >= 2"]
`,
    );
    const samples = sampleRequests(loadSpecFile(file));
    expect(samples.map((s) => s.name)).toEqual(["ttbar_a", "local_test", "opendata"]);
    expect(samples[0].request).toMatchObject({ did: "rucio://user.asmith:user.asmith.topcp.ttbar.v5?files=3", codegen: "uproot-raw", resultFormat: "parquet" });
    expect(JSON.parse(samples[0].request.selection)[0].cut).toBe("num(jet_pt_NOSYS[jet_pt_NOSYS > 25e3]) >= 3");
    expect(samples[1]).toMatchObject({ ignoreLocalCache: true, request: { fileList: ["root://eospublic.cern.ch//eos/opendata/atlas/example_000001.root"] } });
    expect(JSON.parse(samples[1].request.selection)).toEqual([{ treename: "reco", filter_name: ["jet_pt"] }]);
    expect(samples[2].request.did).toBe("cernopendata://80010");
  });

  it("defaults OutputFormat to root-ttree (wire root-file) and names bad fields", () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(file, "Sample:\n  - Name: a\n    Dataset: !Rucio s:n\n    Query: '[{\"treename\": \"t\"}]'\n    NFiles: 0\n");
    expect(() => loadSpecFile(file)).toThrow(/bad.yaml: invalid deliver spec:\n {2}Sample.0.NFiles/);
    writeFileSync(file, "Sample:\n  - Name: a\n    Dataset: !Rucio s:n\n    Query: '[{\"treename\": \"t\"}]'\n");
    expect(sampleRequests(loadSpecFile(file))[0].request.resultFormat).toBe("root-file");
    writeFileSync(file, "Sample:\n  - {Name: a, Dataset: s:n, Query: '[{\"treename\": \"t\"}]'}\n  - {Name: a, Dataset: s:m, Query: '[{\"treename\": \"t\"}]'}\n");
    expect(() => sampleRequests(loadSpecFile(file))).toThrow(/Sample\[1\] "a": sample name used twice/);
    writeFileSync(file, "Sample:\n  - {Name: a, Dataset: s:n, Query: !FuncADL_Uproot 'Select(lambda e: e)'}\n");
    expect(() => loadSpecFile(file)).toThrow(/bad.yaml: !FuncADL_Uproot queries need the Python client/);
    // A string query for another codegen is sent verbatim.
    writeFileSync(file, "General: {Codegen: atlasr25}\nSample:\n  - {Name: a, Dataset: s:n, Query: \"Select(lambda e: e.Jets())\"}\n");
    expect(sampleRequests(loadSpecFile(file))[0].request).toMatchObject({ codegen: "atlasr25", selection: "Select(lambda e: e.Jets())" });
  });
});
