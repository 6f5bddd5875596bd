/**
 * JSROOT (the official ROOT JavaScript library) as the baseline of bench/root.ts. It is not a
 * dependency of sxflow: its `canvas` dependency cannot be built here, so it lives in
 * bench/jsroot/ and is installed on first use with --ignore-scripts (the I/O modules never load
 * canvas).
 */
import { execFileSync } from "node:child_process";
import { closeSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const JSROOT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "jsroot");
const MODULES = path.join(JSROOT_DIR, "node_modules", "jsroot", "modules");

/** The parts of JSROOT's untyped objects this benchmark reads. */
export interface JsrootBranch {
  fName: string;
  fBranches: { arr: JsrootBranch[] };
  fWriteBasket: number;
  fBasketSeek: number[];
  fBasketBytes: number[];
  fEntries: number;
}
export interface JsrootTree {
  fEntries: number;
  fBranches: { arr: JsrootBranch[] };
}
interface JsrootFile {
  readObject(name: string): Promise<JsrootTree>;
  /** The descriptor of a local file (TNodejsFile), which JSROOT itself never closes. */
  fd?: number;
}
interface Selector {
  tgtobj: Record<string, unknown>;
  addBranch(name: string): number;
  Process(entry: number): void;
}
interface Jsroot {
  openFile(p: string): Promise<JsrootFile>;
  R__unzip(view: DataView, size: number, noalert?: boolean): Promise<DataView | null>;
  TSelector: new () => Selector;
  treeProcess(tree: JsrootTree, selector: Selector, args: { numentries: number }): Promise<unknown>;
}

let loaded: Promise<Jsroot> | undefined;

/** Installs bench/jsroot when missing, then imports JSROOT's I/O and tree modules. */
export function loadJsroot(): Promise<Jsroot> {
  loaded ??= (async () => {
    if (!existsSync(path.join(MODULES, "io.mjs"))) {
      console.error("installing JSROOT into bench/jsroot (npm install --ignore-scripts) ...");
      execFileSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", JSROOT_DIR], {
        stdio: ["ignore", "inherit", "inherit"],
      });
    }
    const io = (await import(pathToFileURL(path.join(MODULES, "io.mjs")).href)) as Pick<Jsroot, "openFile" | "R__unzip">;
    const tree = (await import(pathToFileURL(path.join(MODULES, "tree.mjs")).href)) as Pick<Jsroot, "TSelector" | "treeProcess">;
    return { openFile: io.openFile, R__unzip: io.R__unzip, TSelector: tree.TSelector, treeProcess: tree.treeProcess };
  })();
  return loaded;
}

/**
 * Opens a file with JSROOT, calls `use` and closes the file's descriptor: JSROOT opens local
 * files with fs.open and has no close for them, while sxflow's timed runs close theirs (one system
 * call each, a few microseconds), and a process reading file after file must.
 */
async function withFile<T>(file: string, use: (f: JsrootFile) => Promise<T>): Promise<T> {
  const js = await loadJsroot();
  const f = await js.openFile(file);
  try {
    return await use(f);
  } finally {
    if (f.fd !== undefined) closeSync(f.fd);
  }
}

/** Reads the tree's metadata with JSROOT. */
export function jsrootTree(file: string, treeName: string): Promise<JsrootTree> {
  return withFile(file, (f) => f.readObject(treeName));
}

function sumValue(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    const a = v as ArrayLike<unknown>;
    let s = 0;
    for (let i = 0; i < a.length; i++) s += sumValue(a[i]);
    return s;
  }
  return 0;
}

/**
 * Opens the file, reads the tree and processes every entry of `branches` through a TSelector,
 * adding up every value (so every value is materialised, as in the sxflow run), and closes the
 * file. Returns the per-branch sums.
 */
export function jsrootRead(file: string, treeName: string, branches: string[]): Promise<Map<string, number>> {
  return withFile(file, (f) => jsrootProcess(f, treeName, branches));
}

async function jsrootProcess(f: JsrootFile, treeName: string, branches: string[]): Promise<Map<string, number>> {
  const js = await loadJsroot();
  const tree = await f.readObject(treeName);
  // treeProcess refuses a tree without entries ("Branch x does not have entries"): opening the
  // file and reading the tree is then the whole read, as for sxflow.
  if (tree.fEntries === 0) return new Map(branches.map((b) => [b, 0]));
  const selector = new js.TSelector();
  // JSROOT adds the counter of a counted array itself and refuses it when named again later, so
  // counters (flat branches, listed first by the caller) must come before their arrays.
  for (const b of branches) selector.addBranch(b);
  const sums = new Float64Array(branches.length);
  selector.Process = function process(this: Selector) {
    for (let i = 0; i < branches.length; i++) sums[i] += sumValue(this.tgtobj[branches[i]!]);
  };
  await js.treeProcess(tree, selector, { numentries: tree.fEntries });
  return new Map(branches.map((b, i) => [b, sums[i]!]));
}
