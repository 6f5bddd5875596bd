import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openRoot, type Tree } from "../../src/index.js";
import { num, summarise } from "./summary.js";

/**
 * Every tree and branch of expected.json (reference values computed by uproot 5) against this
 * reader: type, kind, counts, sums (relative 1e-9, float64 summation order), min, max, first and
 * last values and per-entry counts (exact). Branches uproot could not summarise (`skipped`:
 * strings, vectors of vectors) must still decode; string values are checked against JSROOT and
 * uproot's documented contents in types.test.ts. Branches this reader does not decode are listed
 * here, and must fail with a clear "unsupported type" error. Unsplit objects (TVector2/3,
 * vector<TLorentzVector>) decode as one column per numeric member (`MET.fX`), checked value by
 * value in objects.test.ts; here their members must read every entry.
 */
const NOT_DECODED: Record<string, RegExp> = {
  // std::map and std::set (alone or inside vectors): out of scope, sxflow has no such column type.
  "uproot-stl_containers.root": /^(map_|set_string$|vector_set_)/,
};

interface ExpectedBranch {
  type: string;
  kind?: string;
  dtype?: string;
  skipped?: string;
  shape?: number[];
  [k: string]: unknown;
}
type Expected = Record<string, Record<string, { entries: number; branches: Record<string, ExpectedBranch> }>>;

const DTYPES: Record<string, string> = { ">i4": "int32", ">i2": "int16", ">f4": "float32", ">f8": "float64", ">i8": "int64" };

function same(a: number | null, b: number | null): boolean {
  return Object.is(a, b) || a === b;
}

async function checkBranch(tree: Tree, file: string, name: string, e: ExpectedBranch): Promise<string[]> {
  const out: string[] = [];
  const info = tree.branches.find((b) => b.name === name);
  if (!info) return [`branch missing from the listing`];
  if (info.typeName !== e.type) out.push(`type ${info.typeName}, expected ${e.type}`);
  if (NOT_DECODED[file]?.test(name)) {
    await expect(tree.read([name])).rejects.toThrow(/unsupported type .* for branch/);
    return out;
  }
  if (!info.supported) {
    const members = tree.branches.filter((b) => b.name.startsWith(`${name}.`) && b.supported).map((b) => b.name);
    if (members.length === 0) return [...out, `not decoded: ${info.unsupportedReason}`];
    const batch = await tree.read(members);
    if (batch.length !== tree.entries) out.push(`${batch.length} entries of its members read, the tree has ${tree.entries}`);
    return out;
  }
  if (e.skipped || info.strings) {
    const batch = await tree.read([name]);
    if (batch.length !== tree.entries) out.push(`${batch.length} entries read, the tree has ${tree.entries}`);
    return out;
  }
  if (info.kind !== e.kind) out.push(`kind ${info.kind}, expected ${e.kind}`);
  if (e.dtype && info.elementType !== (DTYPES[e.dtype] ?? e.dtype)) out.push(`elementType ${info.elementType}, expected ${e.dtype}`);
  if (e.shape && JSON.stringify(info.shape) !== JSON.stringify(e.shape)) out.push(`shape ${JSON.stringify(info.shape)}, expected ${JSON.stringify(e.shape)}`);
  const batch = await tree.read([name]);
  const s = summarise(batch.columns[name]!, batch.length);
  const got = s as unknown as Record<string, unknown>;
  for (const k of ["entries", "values", "counts_sum", "counts_max"]) {
    if (e[k] !== undefined && got[k] !== e[k]) out.push(`${k} ${String(got[k])}, expected ${String(e[k])}`);
  }
  for (const k of ["min", "max"] as const) {
    if (!same(s[k], num(e[k]))) out.push(`${k} ${s[k]}, expected ${String(e[k])}`);
  }
  const sum = num(e.sum)!;
  const scale = Math.max(1, Math.abs(num(e.sum_abs) ?? 0));
  if (!(Object.is(sum, s.sum) || Math.abs(sum - s.sum) <= 1e-9 * scale)) out.push(`sum ${s.sum}, expected ${sum}`);
  for (const k of ["first", "last", "counts_first"]) {
    const want = e[k] as unknown[] | undefined;
    if (!want) continue;
    const have = got[k] as number[];
    if (have.length !== want.length || want.some((w, i) => !same(num(w), have[i]!))) {
      out.push(`${k} ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
    }
  }
  return out;
}

/** One test per file of `dir`/expected.json. */
export function conformanceSuite(label: string, dir: string): void {
  const expected = JSON.parse(readFileSync(path.join(dir, "expected.json"), "utf8")) as Expected;
  describe(`ROOT conformance against uproot (${label})`, () => {
    for (const [file, trees] of Object.entries(expected)) {
      it(file, async () => {
        const f = await openRoot(path.join(dir, file));
        const problems: string[] = [];
        try {
          for (const [treeName, t] of Object.entries(trees)) {
            const tree = await f.tree(treeName);
            if (tree.entries !== t.entries) problems.push(`${treeName}: ${tree.entries} entries, expected ${t.entries}`);
            for (const [name, e] of Object.entries(t.branches)) {
              for (const p of await checkBranch(tree, file, name, e)) problems.push(`${treeName}/${name}: ${p}`);
            }
          }
        } finally {
          await f.close();
        }
        expect(problems).toEqual([]);
      });
    }
  });
}
