import { describe, expect, it } from "vitest";
import { concatBatches, sliceBatch } from "../../src/batch/index.js";
import { openRoot } from "../../src/index.js";
import { assembleColumn, decodeBasket } from "../../src/root/decode.js";
import { fixture, withFile } from "./helpers.js";


describe("ROOT file and tree listing", () => {
  it("lists keys, trees and branches with types, kinds and element types", async () => {
    await withFile("uproot-sample-6.20.04-zlib.root", async (file) => {
      expect(file.keys()).toContainEqual({ name: "sample", className: "TTree", cycle: 1 });
      expect(file.treeNames()).toEqual(["sample"]);
      const tree = await file.tree("sample");
      expect(tree.entries).toBe(30);
      const byName = new Map(tree.branches.map((b) => [b.name, b]));
      expect(byName.get("ab")).toMatchObject({ typeName: "bool[3]", kind: "fixed", elementType: "bool", shape: [3] });
      expect(byName.get("Ai8")).toMatchObject({ typeName: "int64_t[]", kind: "jagged", elementType: "int64", collection: "n", depth: 1 });
      expect(byName.get("u4")).toMatchObject({ typeName: "uint32_t", kind: "flat", elementType: "uint32" });
      expect(byName.get("u4")!.depth).toBeUndefined();
      expect(byName.get("str")).toMatchObject({ typeName: "char*", kind: "flat", strings: true, supported: true });
      for (const b of tree.branches) if (b.supported) expect(b.elementType !== undefined || b.strings).toBe(true);
    });
  });

  it("decodes a small file's raw-stored baskets alike on every read of one open file, as the zlib copy holds them", async () => {
    // A file this small is held in memory whole from its open; baskets stored without
    // compression are decoded from copies, so the held bytes never change between reads.
    const numeric = (t: Awaited<ReturnType<Awaited<ReturnType<typeof openRoot>>["tree"]>>) =>
      t.branches.filter((b) => b.supported && !b.strings).map((b) => b.name);
    const zlib = await withFile("uproot-sample-6.20.04-zlib.root", async (file) => {
      const t = await file.tree("sample");
      return t.read(numeric(t));
    });
    await withFile("uproot-sample-6.20.04-lz4.root", async (file) => {
      const t = await file.tree("sample");
      const names = numeric(t);
      expect((await Promise.all(names.map((n) => t.codec(n)))).filter((c) => c === "none").length).toBeGreaterThan(20);
      const first = await t.read(names);
      const again = await (await file.tree("sample")).read(names);
      expect(first).toEqual(zlib);
      expect(again).toEqual(zlib);
    });
  });

  it("suggests close names for unknown trees and branches", async () => {
    await withFile("uproot-small-dy-withoffsets.root", async (file) => {
      await expect(file.tree("tre")).rejects.toThrow(/unknown tree "tre" in uproot-small-dy-withoffsets\.root; did you mean "tree"\?/);
      const tree = await file.tree("tree");
      await expect(tree.read(["Jet_ptt"])).rejects.toThrow(
        'unknown branch "Jet_ptt" in tree "tree" of uproot-small-dy-withoffsets.root; did you mean "Jet_pt"?',
      );
    });
  });

  it("lists undecodable branches with their type and refuses them clearly", async () => {
    await withFile("uproot-stl_containers.root", async (file) => {
      const tree = await file.tree("tree");
      const b = tree.branch("map_string_string");
      expect(b).toMatchObject({ typeName: "std::map<std::string, std::string>", supported: false });
      await expect(tree.read(["map_string_string"])).rejects.toThrow(
        /unsupported type std::map<std::string, std::string> for branch "map_string_string" in tree "tree" of uproot-stl_containers\.root/,
      );
    });
  });

  it("derives clusters from fAutoFlush", async () => {
    await withFile("uproot-small-dy-nooffsets.root", async (file) => {
      const tree = await file.tree("tree");
      expect(tree.clusters()).toEqual([
        { entryStart: 0, entryStop: 200 },
        { entryStart: 200, entryStop: 400 },
        { entryStart: 400, entryStop: 501 },
      ]);
    });
  });
});

describe("ROOT reads", () => {
  it("reads any entry range across basket boundaries the same as slicing a full read", async () => {
    await withFile("uproot-sample-6.20.04-zlib.root", async (file) => {
      const tree = await file.tree("sample");
      const names = ["n", "Ai8", "ai2", "Ab", "f8", "u1"];
      const full = await tree.read(names);
      for (const [a, b] of [[0, 30], [7, 23], [29, 30], [5, 5], [0, 1]] as const) {
        expect(await tree.read(names, a, b)).toEqual(sliceBatch(full, a, b));
      }
      await expect(tree.read(names, 10, 31)).rejects.toThrow(/entry range \[10, 31\) is outside the tree's 30 entries/);
    });
  });

  it("reads the same values again from a small file held in memory (baskets decode in place)", async () => {
    // 49 KB: read whole at open; its raw (uncompressed) baskets are decoded in the bytes read.
    await withFile("uproot-sample-6.20.04-zlib.root", async (file) => {
      const tree = await file.tree("sample");
      const names = tree.branches.filter((b) => b.supported && !b.strings).map((b) => b.name);
      const first = await tree.read(names);
      expect(await tree.read(names)).toEqual(first);
      expect(await (await file.tree("sample")).read(names)).toEqual(first);
      expect(Array.from(first.columns.i4!.values as Int32Array).slice(0, 3)).toEqual([-15, -14, -13]);
    });
  });

  it("iterates in batches that concatenate to the full read", async () => {
    await withFile("uproot-sample-6.20.04-zlib.root", async (file) => {
      const tree = await file.tree("sample");
      const names = ["Ai4", "af4", "b"];
      const batches = [];
      for await (const b of tree.iterate({ branches: names, entryStart: 3, entryStop: 28, stepEntries: 4 })) batches.push(b);
      for (const b of batches) expect(b.length).toBeLessThanOrEqual(4);
      expect(concatBatches(batches)).toEqual(await tree.read(names, 3, 28));
    });
  });

  it("cuts batches where every requested branch starts a basket", async () => {
    await withFile("uproot-small-dy-nooffsets.root", async (file) => {
      const tree = await file.tree("tree");
      const lengths: number[] = [];
      for await (const b of tree.iterate({ branches: ["nJet", "MET_pt"], stepEntries: 250 })) lengths.push(b.length);
      expect(lengths).toEqual([200, 200, 101]);
    });
  });

  it("rebuilds counted arrays without offset tables from the counter branch", async () => {
    const read = (name: string) =>
      withFile(name, async (file) => (await file.tree("tree")).read(["Jet_pt", "Jet_jetId", "Muon_pt", "nJet"]));
    const without = await read("uproot-small-dy-nooffsets.root");
    const withOffsets = await read("uproot-small-dy-withoffsets.root");
    expect(without).toEqual(withOffsets);
    const jet = without.columns.Jet_pt!;
    expect(jet.kind === "jagged" && jet.offsets.length).toBe(502);
  });

  it("decodes vector<vector<double>> as jagged of jagged", async () => {
    await withFile("uproot-vectorVectorDouble.root", async (file) => {
      const tree = await file.tree("t");
      expect(tree.branch("x")).toMatchObject({ jaggedDepth: 2, depth: 2, elementType: "float64" });
      const x = (await tree.read(["x"])).columns.x!;
      // uproot: [[], [[], []], [[10], [], [10, 20]], [[20, -21, -22]], [[200], [-201], [202]]]
      expect(x.kind).toBe("jagged");
      if (x.kind !== "jagged" || ArrayBuffer.isView(x.values) || x.values.kind !== "jagged") throw new Error("not jagged of jagged");
      expect(Array.from(x.offsets)).toEqual([0, 0, 2, 5, 6, 9]);
      expect(Array.from(x.values.offsets)).toEqual([0, 0, 0, 1, 1, 3, 6, 7, 8, 9]);
      expect(Array.from(x.values.values as Float64Array)).toEqual([10, 10, 20, 20, -21, -22, 200, -201, 202]);
    });
  });

  it("reads a zero-entry tree", async () => {
    await withFile("uproot-empty.root", async (file) => {
      const tree = await file.tree("tree");
      expect(tree.entries).toBe(0);
      const batch = await tree.read(["x", "y"]);
      expect(batch.length).toBe(0);
      expect(batch.columns.x!.values).toBeInstanceOf(Int32Array);
      const batches = [];
      for await (const b of tree.iterate({ branches: ["x"] })) batches.push(b);
      expect(batches).toEqual([]);
    });
  });

  it("keeps 64-bit integers exact beyond 2^53", () => {
    const be = new Uint8Array(16);
    const dv = new DataView(be.buffer);
    dv.setBigInt64(0, 9007199254740993n);
    dv.setBigInt64(8, -9223372036854775807n);
    const flat = { kind: "flat", elementType: "int64", width: 1 } as const;
    const col = assembleColumn([decodeBasket({ nevbuf: 2, data: be, offsets: null }, flat, "test")], flat, "int64");
    expect(Array.from(col.values as BigInt64Array)).toEqual([9007199254740993n, -9223372036854775807n]);
    const u = new Uint8Array(8).fill(0xff);
    const uflat = { kind: "flat", elementType: "uint64", width: 1 } as const;
    const ucol = assembleColumn([decodeBasket({ nevbuf: 1, data: u, offsets: null }, uflat, "test")], uflat, "uint64");
    expect((ucol.values as BigUint64Array)[0]).toBe(18446744073709551615n);
  });

  it("outputs bools as Uint8Array with elementType bool", async () => {
    await withFile("uproot-sample-6.20.04-zlib.root", async (file) => {
      const tree = await file.tree("sample");
      const { b, Ab } = (await tree.read(["b", "Ab"])).columns;
      expect(b).toMatchObject({ kind: "flat", elementType: "bool" });
      expect(b!.values).toBeInstanceOf(Uint8Array);
      expect(Ab).toMatchObject({ kind: "jagged", elementType: "bool" });
    });
  });
});

describe("ROOT file lifetime", () => {
  it("names the file when reading after close", async () => {
    const file = await openRoot(fixture("uproot-issue-172.root"));
    const tree = await file.tree("events");
    await file.close();
    await expect(tree.read(["rec_part_px"])).rejects.toThrow(/uproot-issue-172\.root: reading basket 0 of tree "events", branch "rec_part_px".* failed/);
    await file.close(); // a second close is harmless
    await expect(tree.read(["rec_part_px"])).rejects.toThrow(/failed: the file is closed/);
  });
});
