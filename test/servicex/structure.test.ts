import { tableFromArrays, tableToIPC } from "apache-arrow";
import { Table, writeParquet } from "parquet-wasm";
import { afterEach, describe, expect, it } from "vitest";
import { STRUCTURE_QUERY, remoteStructure } from "../../src/servicex/index.js";
import { type Env, setup } from "./helpers.js";

let env: Env;
afterEach(async () => {
  await env?.cleanup();
});

/** What ServiceX's python transformer writes for the structure query: one string row. */
function structureParquet(json: string): Buffer {
  const ipc = tableToIPC(tableFromArrays({ structure: [json] }), "stream");
  return Buffer.from(writeParquet(Table.fromIPCStream(ipc)));
}

describe("remoteStructure", () => {
  it("runs the python structure query on one file and parses its answer", async () => {
    env = await setup();
    const answer = {
      reco: { branches: { jet_pt_NOSYS: "AsJagged(AsDtype('>f4'), header_bytes=10)", eventNumber: "AsDtype('>u8')" } },
      MetaData: { branches: { "FileMetaDataAuxDyn.amiTag": "AsStrings()" }, FileMetaData: { amiTag: "p6266" } },
    };
    const inputs = ["root://eos.example.org//mc23/file1.root", "root://eos.example.org//mc23/file2.root"];
    for (const i of inputs) env.server.inputs.set(i, structureParquet(JSON.stringify(answer)));
    env.server.datasets.set("rucio://mc23_13p6TeV:mc23_13p6TeV.601229.PhPy8EG_ttbar.deriv.DAOD_PHYSLITE", { inputs });

    const s = await remoteStructure("mc23_13p6TeV:mc23_13p6TeV.601229.PhPy8EG_ttbar.deriv.DAOD_PHYSLITE", env.opts);
    expect(s).toEqual(answer);
    const [req] = env.server.requests.values();
    expect(req.codegen).toBe("python");
    expect(req.resultFormat).toBe("parquet");
    expect(req.did).toMatch(/\?files=1$/);
    expect(Buffer.from(req.selection, "base64").toString("utf8")).toBe(STRUCTURE_QUERY);
  });

  it("says so when the server has no python codegen", async () => {
    env = await setup();
    env.server.codegens = { "uproot-raw": "sslhep/raw:v1.7" };
    await expect(remoteStructure({ fileList: ["root://h//a.root"] }, env.opts)).rejects.toThrow(/codegen "python" is not offered by .*available: uproot-raw/);
  });
});
