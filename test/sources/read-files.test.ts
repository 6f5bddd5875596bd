import path from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/index.js";
import { openRoot } from "../../src/root/index.js";
import { readDelivery, readFiles } from "../../src/sources/index.js";
import type { EventBatch } from "../../src/stages/index.js";
import { setup, spec } from "../servicex/helpers.js";
import { FIXTURES_DIR, HAVE_SHARED } from "../shared-data.js";

async function collect(stream: NodeJS.ReadableStream): Promise<EventBatch[]> {
  const out: EventBatch[] = [];
  await pipeline(stream, new Writable({ objectMode: true, write: (eb: EventBatch, _e, cb) => (out.push(eb), cb()) }));
  return out;
}

describe("readFiles", () => {
  it("reads every entry of the files a glob matches, in file order, batch by batch, with the file's index as sample", async () => {
    const dir = path.join(FIXTURES_DIR, "topcp");
    const batches = await collect(readFiles("*.parquet", { tree: "reco", branches: ["eventNumber", "jet_pt_NOSYS"], batchSize: 3000, cwd: dir }));
    const files = ["ttbar.parquet", "wjets.parquet"];
    for (const [f, name] of files.entries()) {
      const reader = await openParquet(path.join(dir, name));
      const mine = batches.filter((b) => b.header.sample === f);
      expect(mine.reduce((n, b) => n + b.batch.length, 0)).toBe(reader.entries);
      // The same event numbers, in order.
      const want = (await reader.read(["eventNumber"], 0, reader.entries)).columns.eventNumber!.values;
      const got = mine.flatMap((b) => Array.from(b.batch.columns.eventNumber!.values as ArrayLike<number | bigint>));
      expect(got).toEqual(Array.from(want as ArrayLike<number | bigint>));
      expect(mine[0]!.where).toContain(name);
      reader.close();
    }
    expect(batches.map((b) => b.header.index)).toEqual(batches.map((_b, i) => i));
  });

  it("names the pattern that matches nothing, and the file it cannot read", async () => {
    await expect(collect(readFiles("nothing-*.root", { tree: "reco", cwd: FIXTURES_DIR }))).rejects.toThrow('no file matches "nothing-*.root"');
    await expect(collect(readFiles(path.join(FIXTURES_DIR, "topcp", "ttbar.parquet"), { tree: "reco", branches: ["jet_ptt"] }))).rejects.toThrow(
      /ttbar\.parquet \(tree "reco", entries \d+-\d+\): stage "read": .*jet_ptt/,
    );
  });
});

describe.skipIf(!HAVE_SHARED)("readDelivery", () => {
  it("fetches a ServiceX sample and reads the delivered files", async () => {
    const env = await setup();
    try {
      const batches = await collect(readDelivery(spec("rucio://user.test:user.test.ttbar.v1", "ttbar", { NFiles: 1 }), { tree: "events", servicex: env.opts }));
      const input = [...env.expected.values()][0]!;
      expect(input.length).toBeGreaterThan(0);
      // The fake server delivers the input file itself: the batches hold all of its entries.
      const file = await openRoot(batches[0]!.where.split(" (")[0]!);
      const tree = await file.tree("events");
      expect(batches.reduce((n, b) => n + b.batch.length, 0)).toBe(tree.entries);
      expect(batches.every((b) => b.header.sample === 0)).toBe(true);
      await file.close();
    } finally {
      await env.cleanup();
    }
  });
});
