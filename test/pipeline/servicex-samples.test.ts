import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/pipeline/index.js";
import { outputPaths } from "../../src/sinks/index.js";
import { loadRunConfig } from "../../src/config/index.js";
import { openParquet } from "../../src/parquet/index.js";
import { type DeliverOptions, type DeliverSpec, deliver } from "../../src/servicex/index.js";
import { FIXTURES_DIR, ROOT_FIXTURES } from "../shared-data.js";
import { setup } from "../servicex/helpers.js";
import { tempDir, writeConfig } from "./helpers.js";
import { readSaltH5wasm } from "./salt-reader.js";

const DY = path.join(FIXTURES_DIR, "root", "uproot-small-dy-withoffsets.root");

let dir: string;
beforeEach(() => {
  dir = tempDir("pipeline-servicex");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runPipeline with a sample delivered through ServiceX", () => {
  it("fetches the ServiceX sample first (local backend, server-side cut) and converts it like the same file given directly", async () => {
    writeFileSync(path.join(dir, "dy_copy.root"), readFileSync(DY));
    const file = writeConfig(dir, {
      tree: "tree",
      samples: [
        { name: "delivered", label: 0, servicex: { dataset: { fileList: ["dy_*.root"] }, endpoint: "local" } },
        { name: "direct", label: 1, files: [DY] },
      ],
      cuts: ["nMuon >= 2"],
      objects: {
        event: { global: true, fields: { met: "MET_pt" } },
        muon: { max: 2, sort: "Muon_pt", fields: { pt: "Muon_pt", q: "Muon_charge" } },
      },
      split: { by: ["event"], fractions: { train: 0.8, val: 0.1, test: 0.1 } },
      output: { dir: "out", name: "dy" },
    });
    const report = await runPipeline(file, {
      workers: 0,
      servicex: { cwd: dir, cacheDir: path.join(dir, "cache"), pollIntervalMs: 5, progress: false },
    });

    const [delivered, direct] = report.samples;
    // ServiceX applied the cut on its side: every delivered event passes, and they are exactly
    // the events of the file given directly that pass the same cut.
    expect(delivered!.eventsPassed).toBe(delivered!.eventsRead);
    expect(direct!.eventsRead).toBe(501);
    expect(direct!.eventsPassed).toBeGreaterThan(0);
    expect(delivered!.eventsPassed).toBe(direct!.eventsPassed);
    for (const split of ["train", "val", "test"]) expect(delivered!.splits[split]).toBe(direct!.splits[split]);

    const paths = outputPaths(await loadRunConfig(file));
    const dump = await readSaltH5wasm([paths.train!, paths.val!, paths.test!]);
    let class0 = 0;
    let class1 = 0;
    for (const f of Object.values(dump.files)) {
      for (const label of f.datasets.event!.fields.flavour_label!.values) {
        if (label === 0) class0++;
        else if (label === 1) class1++;
      }
    }
    expect(class0).toBe(delivered!.eventsPassed);
    expect(class1).toBe(direct!.eventsPassed);
    expect(existsSync(path.join(dir, "cache"))).toBe(true);
  });

  it("fetches through a ServiceX server that really runs the query on the fixture, and converts like the file given directly", async () => {
    const env = await setup();
    try {
      const input = "root://eos.example.org//dy/dy.root";
      env.server.sources.set(input, DY);
      env.server.datasets.set("rucio://user.test:user.test.dy.v1", { inputs: [input] });
      const file = writeConfig(dir, {
        tree: "tree",
        samples: [
          { name: "delivered", label: 0, servicex: { dataset: "user.test:user.test.dy.v1" } },
          { name: "direct", label: 1, files: [DY] },
        ],
        cuts: ["nMuon >= 2"],
        objects: { event: { global: true, fields: { met: "MET_pt" } }, muon: { max: 2, sort: "Muon_pt", fields: { pt: "Muon_pt" } } },
        split: { by: ["event"], fractions: { train: 0.8, val: 0.1, test: 0.1 } },
        output: { dir: "out", name: "dy" },
      });
      const report = await runPipeline(file, { workers: 0, servicex: env.opts });
      const [delivered, direct] = report.samples;
      expect(env.server.requests.size).toBe(1);
      expect(delivered!.eventsRead).toBe(delivered!.eventsPassed);
      expect(delivered!.eventsPassed).toBe(direct!.eventsPassed);
      expect(direct!.eventsRead).toBe(501);
      for (const split of ["train", "val", "test"]) expect(delivered!.splits[split]).toBe(direct!.splits[split]);
    } finally {
      await env.cleanup();
    }
  });
});

describe("runPipeline on ServiceX parquet holding several trees", () => {
  const HZZ = path.join(ROOT_FIXTURES, "uproot-HZZ.root");
  const deliverOpts = (): DeliverOptions => ({ cacheDir: path.join(dir, "cache"), cwd: dir, pollIntervalMs: 5, progress: false });

  const TWO = { treename: { events: "two" }, filter_name: ["NMuon", "Muon_Px"], cut: "NMuon >= 2" };
  const FEWER = { treename: { events: "fewer" }, filter_name: ["NMuon", "Muon_Px"], cut: "NMuon < 2" };

  /** The one file a local-backend request with these sub-queries writes for HZZ. */
  async function deliverQuery(queries: object[]): Promise<string> {
    const spec: DeliverSpec = { General: { OutputFormat: "parquet" }, Sample: [{ Name: "hzz", Dataset: { fileList: [HZZ] }, Query: JSON.stringify(queries) }] };
    const out = await deliver(spec, deliverOpts());
    return out.hzz![0]!;
  }
  /** One request reading tree "events" twice under two output names. */
  const deliverTwoTrees = () => deliverQuery([TWO, FEWER]);

  const config = (tree: string, files: string[]) => ({
    tree,
    samples: [{ name: "hzz", label: 0, files }],
    objects: {
      event: { global: true, fields: { n: "NMuon" } },
      muon: { max: 3, fields: { px: "Muon_Px" } },
    },
    split: { by: ["entry"], fractions: { train: 0.5, val: 0.25, test: 0.25 } },
    output: { dir: `out-${tree}`, name: "hzz" },
  });

  it("reads the rows of the configured tree only, from the file the local backend wrote", async () => {
    const merged = await deliverTwoTrees();
    const reader = await openParquet(merged);
    const entries = Object.fromEntries(reader.trees.map((t) => [t.name, t.entries]));
    reader.close();
    expect(entries.two! + entries.fewer!).toBe(2421);

    for (const [tree, want] of [
      ["two", (n: number) => n >= 2],
      ["fewer", (n: number) => n < 2],
    ] as const) {
      const file = writeConfig(dir, config(tree, [merged]), `${tree}.yaml`);
      const report = await runPipeline(file, { workers: 0 });
      expect(report.samples[0]!.eventsRead).toBe(entries[tree]);
      const paths = outputPaths(await loadRunConfig(file));
      const dump = await readSaltH5wasm([paths.train!, paths.val!, paths.test!]);
      const counts = Object.values(dump.files).flatMap((f) => f.datasets.event!.fields.n!.values as number[]);
      expect(counts).toHaveLength(entries[tree]!);
      expect(counts.every((n) => want(n))).toBe(true);
    }
  });

  it("counts a file without rows of the tree, or ServiceX's empty table, as no entries; a sample without any names the trees its files hold", async () => {
    const merged = await deliverTwoTrees();
    const onlyFewer = await deliverQuery([FEWER]);
    const empty = await deliverQuery([{ treename: "nosuch", filter_name: ["NMuon"] }]);
    const report = await runPipeline(writeConfig(dir, config("two", [empty, onlyFewer, merged])), { workers: 2 });
    const reader = await openParquet(merged, { tree: "two" });
    expect(report.samples[0]!.eventsRead).toBe(reader.entries);
    reader.close();
    await expect(runPipeline(writeConfig(dir, config("two", [empty, onlyFewer])), { workers: 0 })).rejects.toThrow(
      /^config\.samples\[0\] \(sample "hzz"\): no entries in tree "two" of its 2 file\(s\) \(their treename column holds "fewer"\)$/,
    );
    await expect(runPipeline(writeConfig(dir, config("fewr", [merged])), { workers: 0 })).rejects.toThrow(
      /no entries in tree "fewr" of its 1 file\(s\) \(their treename column holds "two", "fewer"\); did you mean "fewer"\?$/,
    );
  });
});
