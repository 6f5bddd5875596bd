import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { corruptCopy } from "./corrupt-helpers.js";

const dir = tempDir("parquet-corrupt");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A file of its own: after a trap, this thread's parquet-wasm instance is not used again.
describe("a corrupt Parquet page read on the calling thread", () => {
  it("is an error naming the file, row groups and columns, not an uncaught WebAssembly trap", async () => {
    const file = corruptCopy(dir);
    const reader = await openParquet(file, { tree: "reco" });
    const names = reader.branches.map((b) => b.name);
    // Before the fix, RuntimeError: unreachable escaped as an uncaught exception (vitest reports
    // it as an unhandled error and fails the run) and this promise never settled.
    await expect(reader.read(names)).rejects.toThrow(/corrupt\.parquet: cannot decode row groups? [\d-]+ \(columns .*jet_pt_NOSYS.*\): the decoder failed \(WebAssembly unreachable\): the data of a page is corrupt/);
  });
});
