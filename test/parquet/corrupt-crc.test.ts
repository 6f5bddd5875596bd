import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { corruptCopy, crcError, TTBAR } from "./corrupt-helpers.js";

const dir = tempDir("parquet-crc");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A file of its own: the failed read traps this thread's parquet-wasm instance.
describe("a Parquet page whose CRC does not match, read on the calling thread", () => {
  it("is an error naming the file, row group, column and page, from one flipped byte", async () => {
    const c = corruptCopy(dir, TTBAR, { rowGroup: 2, column: "el_pt_NOSYS" });
    const reader = await openParquet(c.file, { tree: "reco" });
    await expect(reader.read(reader.branches.map((b) => b.name))).rejects.toThrow(crcError(c));
  });
});
