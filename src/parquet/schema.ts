import type { ElementType } from "../batch/types.js";
import type { FfiField } from "./ffi.js";

/** The column ServiceX adds to every row of its Parquet output: the name of the source tree. */
export const TREENAME_COLUMN = "treename";

/** One readable column of a Parquet file, described like a ROOT branch. */
export interface ParquetBranch {
  name: string;
  /** Arrow type, pyarrow-style: "float32", "list<float32>", "large_list<list<int8>>", ... */
  type: string;
  kind: "flat" | "fixed" | "jagged";
  /** Leaf element type; "uint8" (the UTF-8 bytes) for string columns. */
  elementType: ElementType;
  /** Set on string columns (Arrow Utf8/LargeUtf8, dictionary-encoded or not, and lists of them). */
  strings?: true;
  /** Per-event shape of a fixed-size column. */
  shape?: number[];
  /** Nesting depth of a jagged column (1 for vector<T>, 2 for vector<vector<T>>). */
  depth?: number;
}

/** A column sxflow batches cannot hold, and why. */
export interface UnsupportedColumn {
  name: string;
  type: string;
  reason: string;
}

/** Element types of the C Data Interface's leaf format codes that sxflow batches hold. */
export const LEAF_FORMATS: Readonly<Record<string, ElementType>> = {
  b: "bool",
  c: "int8",
  C: "uint8",
  s: "int16",
  S: "uint16",
  i: "int32",
  I: "uint32",
  l: "int64",
  L: "uint64",
  f: "float32",
  g: "float64",
};

/** pyarrow-style names of other common format codes, for listings and errors. */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  n: "null",
  e: "float16",
  u: "string",
  U: "large_string",
  z: "binary",
  Z: "large_binary",
  tdD: "date32",
  tdm: "date64",
};

/** Integer formats that may index an Arrow dictionary. */
const INDEX_FORMATS = new Set(["c", "C", "s", "S", "i", "I", "l", "L"]);

/** Utf8 or LargeUtf8, plain or as a dictionary of them (what Parquet dictionary pages may come back as). */
export function isStringField(field: FfiField): boolean {
  if (field.dictionary) return INDEX_FORMATS.has(field.format) && isStringField(field.dictionary);
  return field.format === "u" || field.format === "U";
}

/** pyarrow-style name of an exported Arrow field's type. */
function arrowTypeName(field: FfiField): string {
  const f = field.format;
  if (field.dictionary) return `dictionary<values=${arrowTypeName(field.dictionary)}, indices=${LEAF_FORMATS[f] ?? f}>`;
  const leaf = LEAF_FORMATS[f];
  if (leaf) return leaf;
  const inner = field.children[0];
  if (f === "+l" && inner) return `list<${arrowTypeName(inner)}>`;
  if (f === "+L" && inner) return `large_list<${arrowTypeName(inner)}>`;
  if (f.startsWith("+w:") && inner) return `fixed_size_list<${arrowTypeName(inner)}>[${f.slice(3)}]`;
  if (f === "+s") return `struct<${field.children.map((c) => `${c.name}: ${arrowTypeName(c)}`).join(", ")}>`;
  return OTHER_NAMES[f] ?? `Arrow format "${f}"`;
}

type Mapping =
  | { kind: "flat"; elementType: ElementType; strings?: true }
  | { kind: "fixed"; elementType: ElementType; shape: number[] }
  | { kind: "jagged"; elementType: ElementType; depth: number; strings?: true }
  | { error: string };

function mapping(field: FfiField): Mapping {
  const f = field.format;
  if (isStringField(field)) return { kind: "flat", elementType: "uint8", strings: true };
  if (field.dictionary) return { error: `Arrow type ${arrowTypeName(field)}` };
  const leaf = LEAF_FORMATS[f];
  if (leaf) return { kind: "flat", elementType: leaf };
  const child = field.children[0];
  const fixed = f.startsWith("+w:");
  if ((fixed || f === "+l" || f === "+L") && child) {
    const inner = mapping(child);
    if ("error" in inner) return inner;
    if (fixed) {
      if (inner.kind === "jagged") return { error: "a fixed-size list of variable-length lists" };
      if (inner.kind === "flat" && inner.strings) return { error: "a fixed-size list of strings" };
      return { kind: "fixed", elementType: inner.elementType, shape: [Number(f.slice(3)), ...(inner.kind === "fixed" ? inner.shape : [])] };
    }
    const jagged: Mapping = { kind: "jagged", elementType: inner.elementType, depth: inner.kind === "jagged" ? inner.depth + 1 : 1 };
    if (inner.kind !== "fixed" && inner.strings) jagged.strings = true;
    return jagged;
  }
  return { error: `Arrow type ${arrowTypeName(field)}` };
}

/** Splits a file's columns into readable branches and unsupported columns. */
export function describeColumns(fields: readonly FfiField[]): { branches: ParquetBranch[]; unsupported: UnsupportedColumn[] } {
  const branches: ParquetBranch[] = [];
  const unsupported: UnsupportedColumn[] = [];
  for (const field of fields) {
    const type = arrowTypeName(field);
    const m = mapping(field);
    if ("error" in m) {
      unsupported.push({ name: field.name, type, reason: `${m.error} cannot be held in an sxflow batch` });
    } else if (m.kind === "fixed") {
      branches.push({ name: field.name, type, kind: "fixed", elementType: m.elementType, shape: m.shape });
    } else {
      const b: ParquetBranch = { name: field.name, type, kind: m.kind, elementType: m.elementType };
      if (m.kind === "jagged") b.depth = m.depth;
      if (m.strings) b.strings = true;
      branches.push(b);
    }
  }
  return { branches, unsupported };
}
