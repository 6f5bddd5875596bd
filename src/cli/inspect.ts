import { parseCommandArgs } from "./args.js";
import { detectFormat } from "../sources/detect.js";
import { openRoot, type RootFile } from "../root/index.js";
import { storageTable } from "./storage-table.js";
import { SERVICEX_HELP, SERVICEX_OPTIONS, serviceXOptions } from "./servicex-options.js";

const HELP = `Usage: sxflow inspect <file.root|file.parquet> [--tree T] [--json]
       sxflow inspect --remote DATASET [--tree T] [--json] [ServiceX options]

Lists the trees of a ROOT file (entries, clusters) and their branches (type, kind, sizes,
compression ratio, codec of the first basket). For a Parquet file (ServiceX's output; the format
is told by the file's content): rows, row groups, the trees of its treename column and every
column (type, kind, codecs, sizes over all row groups). With --remote, lists the trees and branches
(uproot interpretation, kind) of the first file of a ServiceX dataset ("scope:name", rucio://,
root://, xrootd://, cernopendata://) and its FileMetaData, read on the server by a python
transform (the server must offer the python code generator); the answer is cached.

Options:
  --tree T            only this tree
  --json              machine-readable output
  --remote DATASET    inspect one file of a ServiceX dataset instead of a local file
With --remote:
${SERVICEX_HELP}`;

interface BranchReport {
  name: string;
  type: string;
  kind: string;
  elementType: string | null;
  supported: boolean;
  unsupportedReason?: string;
  baskets: number;
  compressedBytes: number;
  uncompressedBytes: number;
  compressionRatio: number | null;
  codec: string;
}

interface TreeReport {
  name: string;
  entries: number;
  clusters: { entryStart: number; entryStop: number }[];
  branches: BranchReport[];
}

async function describe(file: RootFile, name: string): Promise<TreeReport> {
  const tree = await file.tree(name);
  const branches: BranchReport[] = [];
  for (const b of tree.branches) {
    const r: BranchReport = {
      name: b.name,
      type: b.typeName,
      kind: b.kind,
      elementType: b.elementType ?? null,
      supported: b.supported,
      baskets: b.baskets,
      compressedBytes: b.compressedBytes,
      uncompressedBytes: b.uncompressedBytes,
      compressionRatio: b.compressedBytes > 0 ? b.uncompressedBytes / b.compressedBytes : null,
      codec: await tree.codec(b.name),
    };
    if (b.unsupportedReason) r.unsupportedReason = b.unsupportedReason;
    branches.push(r);
  }
  return { name: tree.name, entries: tree.entries, clusters: tree.clusters(), branches };
}

function render(path: string, trees: TreeReport[]): string {
  const out = [`${path}`];
  if (trees.length === 0) out.push("  (no trees)");
  for (const t of trees) {
    out.push("", `tree "${t.name}": ${t.entries} entries in ${t.clusters.length} cluster${t.clusters.length === 1 ? "" : "s"}`, "");
    out.push(storageTable(["branch", "baskets"], t.branches.map((b) => ({ ...b, pieces: b.baskets }))));
  }
  return `${out.join("\n")}\n`;
}

/** `sxflow inspect`: writes to `write` (stdout by default) and `writeError` (stderr), returns the exit code. */
export async function inspectCommand(
  args: string[],
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeError: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const parsed = parseCommandArgs(
    "inspect",
    HELP,
    args,
    { tree: { type: "string" }, json: { type: "boolean" }, remote: { type: "string" }, ...SERVICEX_OPTIONS },
    write,
    writeError,
  );
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  if (v.remote !== undefined) {
    if (parsed.positionals.length !== 0) {
      writeError(`sxflow inspect: give either a local file or --remote DATASET, not both\n\n${HELP}`);
      return 2;
    }
    let options;
    try {
      options = serviceXOptions(v);
    } catch (err) {
      writeError(`sxflow inspect: ${(err as Error).message}\n`);
      return 2;
    }
    const { inspectRemote } = await import("./inspect-remote.js");
    try {
      write(await inspectRemote(v.remote, options, v.tree, v.json === true));
      return 0;
    } catch (err) {
      writeError(`sxflow inspect: ${(err as Error).message}\n`);
      return 1;
    }
  }
  if (parsed.positionals.length !== 1) {
    writeError(`sxflow inspect: expected one ROOT or Parquet file (or --remote DATASET)\n\n${HELP}`);
    return 2;
  }
  const path = parsed.positionals[0]!;
  if ((await detectFormat(path)) === "parquet") {
    const { inspectParquet } = await import("./inspect-parquet.js");
    write(await inspectParquet(path, v.tree, v.json === true));
    return 0;
  }
  const file = await openRoot(path);
  try {
    const names = v.tree !== undefined ? [v.tree] : file.treeNames();
    const trees: TreeReport[] = [];
    for (const n of names) trees.push(await describe(file, n));
    write(v.json ? `${JSON.stringify({ file: path, trees }, null, 2)}\n` : render(path, trees));
    return 0;
  } finally {
    await file.close();
  }
}

export default inspectCommand;
