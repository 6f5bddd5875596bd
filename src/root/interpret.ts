import type { ElementType } from "../batch/types.js";
import {
  cppElementType,
  fixedDimensions,
  formatType,
  leafElementType,
  normalisedType,
  TYPE_NAMES,
} from "./leaf-types.js";
import type { StringDepth } from "./strings.js";
import type { BranchModel, LeafModel } from "./ttree.js";

/** How a branch's basket bytes become a column. */
export type Interpretation =
  /** One value, or a fixed array of `width` values (`shape`), per entry; no per-entry header. */
  | { kind: "flat"; elementType: ElementType; width: number; shape?: number[] }
  /** Counted array `x[n]`: values concatenated; counts from the offset table or the counter branch. */
  | { kind: "counted"; elementType: ElementType; width: number; counter: string }
  /** std::vector / RVec / set of numbers: a 10-byte header per entry, then the values. */
  | { kind: "vector"; elementType: ElementType }
  /** vector<vector<number>>: an outer 10-byte header, then `i32 n` + values per inner vector. */
  | { kind: "vector2"; elementType: ElementType }
  /** char*, std::string, TString (depth 0) and vectors (of vectors) of them; values are their UTF-8 bytes. */
  | { kind: "string"; elementType: "uint8"; depth: StringDepth }
  | { kind: "unsupported"; reason: string };

export interface Classified {
  typeName: string;
  kind: "flat" | "fixed" | "jagged";
  interpretation: Interpretation;
}

/** Element types of the basic streamer codes a split TBranchElement member may carry. */
const STREAMER_CODES: Record<number, ElementType> = {
  1: "int8",
  2: "int16",
  3: "int32",
  4: "int64",
  5: "float32",
  6: "int32",
  8: "float64",
  11: "uint8",
  12: "uint16",
  13: "uint32",
  14: "uint64",
  16: "int64",
  17: "uint64",
  18: "bool",
};

function product(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function fromLeaf(leaf: LeafModel, elementType: ElementType, counterBranch: (l: LeafModel) => string | undefined): Classified {
  const base = TYPE_NAMES[elementType];
  const dims = fixedDimensions(leaf.title);
  if (leaf.leafCountUnresolved) {
    return { typeName: `${base}[]`, kind: "jagged", interpretation: { kind: "unsupported", reason: "its counter leaf could not be resolved" } };
  }
  if (leaf.leafCount) {
    const counter = counterBranch(leaf.leafCount);
    const width = Math.max(1, leaf.len);
    const typeName = `${base}[]${dims.map((d) => `[${d}]`).join("")}`;
    if (!counter) {
      return { typeName, kind: "jagged", interpretation: { kind: "unsupported", reason: `its counter leaf "${leaf.leafCount.name}" belongs to no branch` } };
    }
    return { typeName, kind: "jagged", interpretation: { kind: "counted", elementType, width, counter } };
  }
  if (leaf.len > 1) {
    const shape = dims.length && product(dims) === leaf.len ? dims : [leaf.len];
    return {
      typeName: `${base}${shape.map((d) => `[${d}]`).join("")}`,
      kind: "fixed",
      interpretation: { kind: "flat", elementType, width: leaf.len, shape },
    };
  }
  return { typeName: base, kind: "flat", interpretation: { kind: "flat", elementType, width: 1 } };
}

const STRING_CLASSES = new Set(["string", "TString"]);

function strings(typeName: string, depth: StringDepth): Classified {
  return { typeName, kind: depth === 0 ? "flat" : "jagged", interpretation: { kind: "string", elementType: "uint8", depth } };
}

function fromClassName(className: string): Classified {
  const t = normalisedType(className);
  const typeName = formatType(t);
  if (STRING_CLASSES.has(t.name) && t.args.length === 0) return strings(typeName, 0);
  const vectorOf = (u: { name: string; args: unknown[] }): boolean => (u.name === "vector" || u.name === "RVec") && u.args.length === 1;
  if (vectorOf(t)) {
    const inner = t.args[0]!;
    if (STRING_CLASSES.has(inner.name) && inner.args.length === 0) return strings(typeName, 1);
    if (vectorOf(inner) && STRING_CLASSES.has(inner.args[0]!.name) && inner.args[0]!.args.length === 0) return strings(typeName, 2);
  }
  const container = ["vector", "RVec", "set"].includes(t.name) && t.args.length === 1;
  if (container) {
    const inner = t.args[0]!;
    const et = cppElementType(inner);
    if (et) return { typeName, kind: "jagged", interpretation: { kind: "vector", elementType: et } };
    if (t.name === "vector" && inner.name === "vector" && inner.args.length === 1) {
      const et2 = cppElementType(inner.args[0]!);
      if (et2) return { typeName, kind: "jagged", interpretation: { kind: "vector2", elementType: et2 } };
    }
  }
  const kind = t.args.length > 0 || t.name === "string" ? "jagged" : "flat";
  const what = ["map", "set", "unordered_map", "unordered_set", "multimap", "multiset"].includes(t.name) ? `std::${t.name}` : "objects and nested containers";
  return { typeName, kind, interpretation: { kind: "unsupported", reason: `${what} are not decoded` } };
}

/** Decides the type name, kind and decoding of a branch from its leaves and class. */
export function classify(branch: BranchModel, counterBranch: (l: LeafModel) => string | undefined): Classified {
  const el = branch.element;
  const leaf = branch.leaves[0];
  if (el && branch.branches.length === 0 && leaf) {
    const code = el.streamerType;
    if (code > 0 && code < 60 && leaf.className === "TLeafElement") {
      // code + 20 is a fixed array of the basic type (its length is the leaf's fLen).
      const base = code < 40 ? STREAMER_CODES[code > 20 ? code - 20 : code] : undefined;
      if (base) return fromLeaf(leaf, base, counterBranch);
      return { typeName: `streamer type ${code}`, kind: "flat", interpretation: { kind: "unsupported", reason: `streamer type ${code} (packed or pointer array) is not decoded` } };
    }
    if (el.className && el.id < 0) return fromClassName(el.className);
  }
  if (el && el.className) {
    const c = fromClassName(el.className);
    return { ...c, interpretation: { kind: "unsupported", reason: "split objects are read through their member branches" } };
  }
  if (branch.leaves.length !== 1 || !leaf) {
    const names = branch.leaves.map((l) => l.title).join(":");
    return { typeName: `(${names})`, kind: "flat", interpretation: { kind: "unsupported", reason: `a leaf list of ${branch.leaves.length} leaves is not decoded` } };
  }
  if (leaf.className === "TLeafC") return strings("char*", 0);
  const et = leafElementType(leaf.className, leaf.isUnsigned);
  if (!et) {
    return { typeName: leaf.className, kind: "flat", interpretation: { kind: "unsupported", reason: `${leaf.className} leaves are not decoded` } };
  }
  return fromLeaf(leaf, et, counterBranch);
}
