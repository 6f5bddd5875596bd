import { readFile } from "node:fs/promises";
import { tableFromIPC } from "apache-arrow";
import { parquetWasm } from "../parquet/wasm.js";
import type { DatasetSpec } from "./dataset.js";
import { type DeliverOptions, deliver } from "./deliver.js";
import { DeliverError, ServiceXError } from "./errors.js";

/**
 * Runs inside ServiceX's python transformer on one input file, as get_structure does: every
 * TTree's branches with their uproot interpretation, and for `MetaData` the FileMetaData values.
 * Returned as one JSON string in column `structure`.
 */
export const STRUCTURE_QUERY = `def run_query(input_filenames=None):
    import json
    import awkward as ak
    import uproot

    path = input_filenames[0] if isinstance(input_filenames, (list, tuple)) else input_filenames
    trees = {}
    with uproot.open(path) as f:
        for key, classname in f.classnames(cycle=False).items():
            if classname != "TTree":
                continue
            tree = f[key]
            branches = {}
            for name, branch in tree.items(recursive=True):
                try:
                    branches[name] = str(branch.interpretation)
                except Exception as err:
                    branches[name] = "unknown (%s)" % type(err).__name__
            entry = {"branches": branches}
            if key == "MetaData":
                meta = {}
                for name in branches:
                    if name.startswith("FileMetaDataAuxDyn."):
                        try:
                            meta[name[19:]] = str(tree[name].array(entry_stop=1)[0])
                        except Exception:
                            pass
                entry["FileMetaData"] = meta
            trees[key] = entry
    return ak.Array({"structure": [json.dumps(trees)]})
`;

export interface TreeStructure {
  /** Branch name -> uproot interpretation, e.g. "AsJagged(AsDtype('>f4'), header_bytes=10)". */
  branches: Record<string, string>;
  FileMetaData?: Record<string, string>;
}

/** Tree name -> structure, for one file of the dataset. */
export type RemoteStructure = Record<string, TreeStructure>;

/** Reads the first string value of a parquet file written by the python transformer. */
async function firstString(file: string): Promise<string> {
  const table = tableFromIPC(parquetWasm().readParquet(new Uint8Array(await readFile(file))).intoIPCStream());
  const column = table.getChild("structure") ?? table.getChildAt(0);
  const value: unknown = column?.get(0);
  if (typeof value !== "string") throw new ServiceXError(`${file}: no structure string in the transform output`);
  return value;
}

/**
 * The trees and branches of one file of `dataset`, read remotely through a `python` codegen
 * transform (the server must offer that codegen). Results are cached like any other request.
 */
export async function remoteStructure(dataset: DatasetSpec, options: DeliverOptions = {}): Promise<RemoteStructure> {
  let result: Record<string, string[]>;
  try {
    result = await deliver(
      {
        General: { OutputFormat: "parquet" },
        Sample: [{ Name: "structure", Dataset: dataset, NFiles: 1, Query: { PythonFunction: STRUCTURE_QUERY } }],
      },
      options,
    );
  } catch (err) {
    if (err instanceof DeliverError && err.errors.structure) throw err.errors.structure;
    throw err;
  }
  const [file] = result.structure;
  if (file === undefined) throw new ServiceXError("structure query returned no file");
  const text = await firstString(file);
  try {
    return JSON.parse(text) as RemoteStructure;
  } catch {
    throw new ServiceXError(`${file}: structure is not JSON: ${text.slice(0, 200)}`);
  }
}
