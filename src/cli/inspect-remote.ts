import { type DeliverOptions, type RemoteStructure, remoteStructure } from "../servicex/index.js";

interface RemoteBranchReport {
  name: string;
  /** uproot's interpretation, e.g. "AsJagged(AsDtype('>f4'), header_bytes=10)". */
  interpretation: string;
  kind: string;
}

interface RemoteTreeReport {
  name: string;
  branches: RemoteBranchReport[];
  fileMetaData?: Record<string, string>;
}

export interface RemoteReport {
  dataset: string;
  /** What was read: one file of the dataset, through a python transform. */
  remote: true;
  trees: RemoteTreeReport[];
}

/** The branch kind as the local inspect names it, as far as the interpretation tells. */
function kindOf(interpretation: string): string {
  if (interpretation.startsWith("AsJagged(")) return "jagged";
  if (interpretation.startsWith("AsStrings(")) return "string";
  // AsDtype('>f4') is one value per entry; AsDtype("('>f4', (3,))") a fixed-size array.
  if (interpretation.startsWith("AsDtype(")) return /\(\d+,?\)/.test(interpretation) ? "fixed" : "flat";
  if (interpretation.startsWith("unknown")) return "unknown";
  return "object";
}

function report(dataset: string, structure: RemoteStructure, only: string | undefined): RemoteReport {
  const names = Object.keys(structure);
  if (only !== undefined && !names.includes(only)) {
    throw new Error(`no tree "${only}" in the first file of ${dataset} (trees: ${names.join(", ") || "none"})`);
  }
  const trees = (only === undefined ? names : [only]).map((name): RemoteTreeReport => {
    const t = structure[name]!;
    return {
      name,
      branches: Object.entries(t.branches).map(([b, interpretation]) => ({ name: b, interpretation, kind: kindOf(interpretation) })),
      ...(t.FileMetaData ? { fileMetaData: t.FileMetaData } : {}),
    };
  });
  return { dataset, remote: true, trees };
}

function render(r: RemoteReport): string {
  const out = [`${r.dataset} (remote: first file, read by ServiceX's python transformer)`];
  if (r.trees.length === 0) out.push("  (no trees)");
  for (const t of r.trees) {
    out.push("", `tree "${t.name}": ${t.branches.length} branch${t.branches.length === 1 ? "" : "es"}`, "");
    const rows = [["branch", "kind", "interpretation"], ...t.branches.map((b) => [b.name, b.kind, b.interpretation])];
    const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
    out.push(...rows.map((row) => `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`));
    if (t.fileMetaData && Object.keys(t.fileMetaData).length > 0) {
      out.push("", "FileMetaData:", ...Object.entries(t.fileMetaData).map(([k, v]) => `  ${k}: ${v}`));
    }
  }
  return `${out.join("\n")}\n`;
}

/** The trees and branches of one file of `dataset`, as text (like the local inspect) or JSON. */
export async function inspectRemote(dataset: string, options: DeliverOptions, tree: string | undefined, json: boolean): Promise<string> {
  let structure: RemoteStructure;
  try {
    structure = await remoteStructure(dataset, options);
  } catch (err) {
    const message = (err as Error).message;
    if (/codegen "python" is not offered/.test(message)) {
      throw new Error(
        `${message}\n--remote runs a python transform on one file of the dataset; use a server that offers the python code generator, or fetch a file with "sxflow deliver" and inspect it locally`,
      );
    }
    throw err;
  }
  const r = report(dataset, structure, tree);
  return json ? `${JSON.stringify(r, null, 2)}\n` : render(r);
}
