// interop: shared
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalBackend } from "../../src/servicex/index.js";
import { SHARED_ROOT_DIR } from "../shared-data.js";

describe("the local backend on a large file", () => {
  it("reports activity while it transforms a file, so that a long file is not taken for a stalled request", async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "sxflow-local-activity-"));
    try {
      const backend = new LocalBackend(work);
      const input = path.join(SHARED_ROOT_DIR, "uproot-issue412.root");
      const id = await backend.submit({
        title: "activity",
        fileList: [input],
        codegen: "uproot-raw",
        selection: JSON.stringify([{ treename: "test", filter_name: ["b1", "b2"] }]),
        resultFormat: "parquet",
      });
      // 1M entries read in several batches: the count moves while the file is still running.
      const whileRunning: number[] = [];
      for (;;) {
        const st = await backend.status(id);
        if (st.status !== "Running") break;
        whileRunning.push(st.activity ?? -1);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(new Set(whileRunning.filter((a) => a > 0)).size).toBeGreaterThan(1);
      expect([...whileRunning].sort((a, b) => a - b)).toEqual(whileRunning);
      const done = await backend.status(id);
      expect(done).toMatchObject({ status: "Complete", completed: 1, failed: 0 });
      expect(done.activity).toBeGreaterThanOrEqual(Math.max(...whileRunning));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
