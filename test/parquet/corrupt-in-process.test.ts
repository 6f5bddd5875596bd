import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { corruptCopy, ttbarWithoutCrcs } from "./corrupt-helpers.js";

const dir = tempDir("parquet-corrupt");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A file of its own: after a trap, this thread's parquet-wasm instance is not used again.
// (sxflow's own decoder reads these columns by default: own-decoder-corrupt.test.ts.)
describe("a corrupt Parquet page without a CRC, decoded by parquet-wasm on the calling thread", () => {
  it("is an error naming the file, the row group and the one column that fails, not an uncaught WebAssembly trap", async () => {
    // 16 bytes: a single flipped byte in unchecksummed zstd data may decode silently.
    const c = corruptCopy(dir, await ttbarWithoutCrcs(dir), { rowGroup: 1, column: "jet_pt_NOSYS" }, 16);
    const reader = await openParquet(c.file, { tree: "reco", decoder: "parquet-wasm" });
    const names = reader.branches.map((b) => b.name);
    // Before the fix, RuntimeError: unreachable escaped as an uncaught exception (vitest reports
    // it as an unhandled error and fails the run) and this promise never settled; then the error
    // named every column read together.
    await expect(reader.read(names)).rejects.toThrow(
      /corrupt\.parquet: cannot decode row group 1, column "jet_pt_NOSYS": the decoder failed \(WebAssembly unreachable\): the data of a page is corrupt$/,
    );
  });
});
