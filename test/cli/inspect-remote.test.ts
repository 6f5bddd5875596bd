import { afterEach, describe, expect, it } from "vitest";
import { inspectCommand } from "../../src/cli/inspect.js";
import { type Env, setup, structureParquet } from "../servicex/helpers.js";

const DID = "mc23_13p6TeV:mc23_13p6TeV.601229.PhPy8EG_ttbar.deriv.DAOD_PHYSLITE";
const ANSWER = {
  reco: {
    branches: {
      jet_pt_NOSYS: "AsJagged(AsDtype('>f4'), header_bytes=10)",
      eventNumber: "AsDtype('>u8')",
      mcEventWeights: "AsDtype(\"('>f4', (3,))\")",
      trigger_names: "AsStrings()",
    },
  },
  MetaData: { branches: { "FileMetaDataAuxDyn.amiTag": "AsStrings()" }, FileMetaData: { amiTag: "p6266" } },
};

let env: Env | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await inspectCommand(args, (s) => void (out += s), (s) => void (err += s));
  return { code, out, err };
}

async function serve(): Promise<string[]> {
  env = await setup();
  const inputs = ["root://eos.example.org//mc23/file1.root", "root://eos.example.org//mc23/file2.root"];
  for (const i of inputs) env.server.inputs.set(i, structureParquet(JSON.stringify(ANSWER)));
  env.server.datasets.set(`rucio://${DID}`, { inputs });
  return ["--remote", DID, "--config", env.configPath, "--poll-interval", "0.005", "--no-progress"];
}

describe("sxflow inspect --remote", () => {
  it("lists the trees and branches of the first file of a dataset as a table", async () => {
    const { code, out, err } = await run(await serve());
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain(`${DID} (remote: first file, read by ServiceX's python transformer)`);
    expect(out).toContain('tree "reco": 4 branches');
    expect(out).toMatch(/^jet_pt_NOSYS\s+jagged\s+AsJagged\(AsDtype\('>f4'\), header_bytes=10\)$/m);
    expect(out).toMatch(/^eventNumber\s+flat\s+AsDtype\('>u8'\)$/m);
    expect(out).toMatch(/^mcEventWeights\s+fixed\s+/m);
    expect(out).toMatch(/^trigger_names\s+string\s+AsStrings\(\)$/m);
    expect(out).toContain("FileMetaData:\n  amiTag: p6266");
    const [req] = env!.server.requests.values();
    expect(req!.codegen).toBe("python");
    expect(req!.did).toBe(`rucio://${DID}?files=1`);
  });

  it("prints JSON for one tree, from the cache the second time", async () => {
    const args = await serve();
    const first = await run([...args, "--json", "--tree", "reco"]);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out) as { dataset: string; remote: boolean; trees: { name: string; branches: { name: string; interpretation: string; kind: string }[] }[] };
    expect(report).toMatchObject({ dataset: DID, remote: true });
    expect(report.trees.map((t) => t.name)).toEqual(["reco"]);
    expect(report.trees[0]!.branches[0]).toEqual({ name: "jet_pt_NOSYS", interpretation: ANSWER.reco.branches.jet_pt_NOSYS, kind: "jagged" });
    const again = await run([...args, "--json", "--tree", "reco"]);
    expect(again.out).toBe(first.out);
    expect(env!.server.submits()).toBe(1);
    const missing = await run([...args, "--tree", "rec"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no tree "rec" in the first file of ${DID} (trees: reco, MetaData)`);
  });

  it("explains what to do when the server has no python code generator", async () => {
    const args = await serve();
    env!.server.codegens = { "uproot-raw": "sslhep/raw:v1.7" };
    const { code, out, err } = await run(args);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(/codegen "python" is not offered by .*\(available: uproot-raw\)\n--remote runs a python transform on one file/);
    expect(env!.server.submits()).toBe(0);
  });

  it("refuses a local file together with --remote", async () => {
    const { code, err } = await run(["x.root", "--remote", DID]);
    expect(code).toBe(2);
    expect(err).toContain("give either a local file or --remote DATASET, not both");
  });
});
