/**
 * The Arrow fields parquet-wasm would give for a file's schema, derived from the footer alone so
 * that opening a file does not need parquet-wasm: arrow-rs's conversion (parquet's
 * arrow/schema/complex.rs and primitive.rs, with the embedded Arrow schema as a hint) followed
 * for the schemas this module is sure of: numbers, booleans, strings and binary, standard
 * three-level lists (as list, large_list or fixed_size_list per the hint), dictionaries of them
 * (per the hint), and structs of all these. Anything else (dates, times, decimals, maps, legacy
 * list layouts, INT96, fixed-length byte arrays, a footer parquet-rs would reject) gives
 * undefined, and the reader asks parquet-wasm as before. test/parquet/arrow-fields.test.ts checks
 * the derivation against parquet-wasm on every fixture and parquet-testing file.
 */
import { HintId, readArrowHint, type HintField, type HintType } from "./arrow-hint.js";
import type { FfiField } from "./ffi.js";
import type { Footer, SchemaElement } from "./footer.js";

class NotSure extends Error {}

function notSure(why: string): never {
  throw new NotSure(why);
}

const REQUIRED = 0;
const REPEATED = 2;

// Physical types (parquet.thrift's Type).
const BOOLEAN = 0;
const INT32 = 1;
const INT64 = 2;
const FLOAT = 4;
const DOUBLE = 5;
const BYTE_ARRAY = 6;

// ConvertedType and LogicalType member ids used here.
const CONVERTED_UTF8 = 0;
const CONVERTED_LIST = 3;
const LOGICAL_STRING = 1;
const LOGICAL_LIST = 3;
const LOGICAL_INTEGER = 10;

/** C Data Interface formats of the integer converted types UINT_8 (11) .. INT_64 (18), and their physical type. */
const CONVERTED_INTS: Readonly<Record<number, [string, number]>> = {
  11: ["C", INT32],
  12: ["S", INT32],
  13: ["I", INT32],
  14: ["L", INT64],
  15: ["c", INT32],
  16: ["s", INT32],
  17: ["i", INT32],
  18: ["l", INT64],
};

/** The converted type parquet-rs derives from an INTEGER logical type. */
function convertedOfInteger(bits: number, signed: boolean): number {
  const k = [8, 16, 32, 64].indexOf(bits);
  return (signed ? 15 : 11) + k;
}

interface Node {
  element: SchemaElement;
  children: Node[];
}

/** The schema tree, built as parquet-rs builds it (schema_from_array_helper), or NotSure where it would fail. */
function tree(schema: readonly SchemaElement[]): Node {
  let at = 0;
  const visit = (root: boolean): Node => {
    const element = schema[at++];
    if (!element) notSure("the schema ends early");
    if (element.numChildren !== undefined && element.numChildren < 0) notSure("a negative child count");
    if (!root && element.repetition === undefined) notSure("an element without repetition");
    if (element.repetition !== undefined && !(element.repetition >= REQUIRED && element.repetition <= REPEATED)) notSure("an unknown repetition");
    const children: Node[] = [];
    for (let i = 0; i < element.children; i++) children.push(visit(false));
    return { element, children };
  };
  const root = visit(true);
  if (at !== schema.length) notSure("elements after the schema's root");
  return root;
}

function isGroup(n: Node): boolean {
  return n.element.children > 0 || n.element.type === undefined;
}

/** Whether a group is LIST-annotated (parquet-rs: its converted type, derived from the logical type); NotSure for other annotations. */
function groupIsList(n: Node): boolean {
  const { convertedType: converted, logical } = n.element;
  if (logical === undefined && converted === undefined) return false;
  if ((logical === undefined || logical === LOGICAL_LIST) && (converted === undefined || converted === CONVERTED_LIST)) return true;
  return notSure(`a group annotated ${logical ?? ""}/${converted ?? ""}`);
}

interface Derived {
  format: string;
  children: FfiField[];
  dictionary?: FfiField;
}

/** The Arrow type arrow-rs gives a primitive leaf without a hint (the whitelisted cases). */
function primitive(e: SchemaElement): Derived {
  const { type, logical, convertedType: converted } = e;
  if (type === undefined || !(type >= 0 && type <= 7)) notSure("an unknown physical type");
  let format: string | undefined;
  if (logical !== undefined) {
    if (logical === LOGICAL_INTEGER) {
      const bits = e.bitWidth;
      const signed = e.signed ?? false;
      if (bits === undefined || ![8, 16, 32, 64].includes(bits) || e.signed === undefined) notSure("an INTEGER without width or sign");
      if (converted !== undefined && converted !== convertedOfInteger(bits, signed)) notSure("INTEGER and converted type disagree");
      if (type === INT32 && bits <= 32) format = { 8: "c", 16: "s", 32: "i" }[bits];
      else if (type === INT64 && bits === 64) format = "l";
      if (format && !signed) format = format.toUpperCase();
    } else if (logical === LOGICAL_STRING && type === BYTE_ARRAY && (converted === undefined || converted === CONVERTED_UTF8)) {
      format = "u";
    }
  } else if (converted !== undefined) {
    const int = CONVERTED_INTS[converted];
    if (int && int[1] === type) format = int[0];
    else if (converted === CONVERTED_UTF8 && type === BYTE_ARRAY) format = "u";
  } else {
    format = { [BOOLEAN]: "b", [INT32]: "i", [INT64]: "l", [FLOAT]: "f", [DOUBLE]: "g", [BYTE_ARRAY]: "z" }[type];
  }
  if (!format) notSure(`a leaf of type ${type} annotated ${logical ?? ""}/${converted ?? ""}`);
  return { format, children: [] };
}

const HINT_LEAVES: Readonly<Record<number, string>> = { [HintId.Utf8]: "u", [HintId.LargeUtf8]: "U", [HintId.Binary]: "z", [HintId.LargeBinary]: "Z", [HintId.Bool]: "b", [HintId.Null]: "n" };

/** The format a hint's leaf type stands for, when it is one of the leaves arrow-rs may hint with. */
function hintLeafFormat(h: HintType): string | undefined {
  if (h.id === HintId.Int) {
    const f = { 8: "c", 16: "s", 32: "i", 64: "l" }[h.bitWidth!]!;
    return h.signed ? f : f.toUpperCase();
  }
  if (h.id === HintId.FloatingPoint) return ["e", "f", "g"][h.precision!];
  return HINT_LEAVES[h.id];
}

function indexFormat(index: { bitWidth: number; signed: boolean }): string {
  const f = { 8: "c", 16: "s", 32: "i", 64: "l" }[index.bitWidth]!;
  return index.signed ? f : f.toUpperCase();
}

/** primitive.rs's apply_hint for the leaves derived here. */
function applyHint(parquet: string, hint: HintType): Derived {
  if (hint.index) {
    const value = applyHint(parquet, { ...hint, index: undefined });
    const hinted = hintLeafFormat({ ...hint, index: undefined });
    if (hinted === undefined) notSure("a dictionary of a type not told apart");
    if (value.format !== hinted) return value;
    return { format: indexFormat(hint.index), children: [], dictionary: { name: "", format: hinted, children: [] } };
  }
  if (parquet === "u" && hint.id === HintId.LargeUtf8) return { format: "U", children: [] };
  if (parquet === "z") {
    const to = { [HintId.LargeBinary]: "Z", [HintId.Utf8]: "u", [HintId.LargeUtf8]: "U" }[hint.id];
    if (to) return { format: to, children: [] };
  }
  return { format: parquet, children: [] };
}

const LIST_HINTS: ReadonlySet<number> = new Set([HintId.List, HintId.LargeList, HintId.FixedSizeList]);

/** The element hint of a list hint (NotSure for a hint that is not a list: arrow-rs refuses it). */
function listElement(hint: HintType | undefined): HintType | undefined {
  if (!hint) return undefined;
  if (!LIST_HINTS.has(hint.id)) notSure("a list hinted as another type");
  return hint.children[0]!.type;
}

/** A list's format per its hint: offsets width or fixed size (complex.rs's visit_list). */
function listFormat(hint: HintType | undefined): string {
  if (hint?.id === HintId.LargeList) return "+L";
  if (hint?.id === HintId.FixedSizeList) return `+w:${hint.listSize}`;
  return "+l";
}

function field(name: string, d: Derived): FfiField {
  const out: FfiField = { name, format: d.format, children: d.children };
  if (d.dictionary) out.dictionary = d.dictionary;
  return out;
}

/**
 * complex.rs's dispatch, for the shapes derived here. Repeated fields are derived only as the
 * repeated group of a three-level LIST, so its "treat repeated as list" flag plays no part.
 */
function dispatch(n: Node, hint: HintType | undefined): Derived {
  if (!isGroup(n)) return visitPrimitive(n, hint);
  if (n.element.type !== undefined) notSure("a group with a physical type");
  return groupIsList(n) ? visitList(n, hint) : visitStruct(n, hint);
}

function visitPrimitive(n: Node, hint: HintType | undefined): Derived {
  if (n.element.repetition === REPEATED) notSure("a repeated leaf outside a LIST");
  const parquet = primitive(n.element);
  return hint ? applyHint(parquet.format, hint) : parquet;
}

function visitStruct(n: Node, hint: HintType | undefined): Derived {
  if (n.element.repetition === REPEATED) notSure("a repeated group outside a LIST");
  if (n.children.length === 0) notSure("an empty group");
  let hints: HintField[] | undefined;
  if (hint) {
    if (hint.id !== HintId.Struct || hint.children.length !== n.children.length) notSure("a struct hinted otherwise");
    hints = hint.children;
  }
  const children = n.children.map((c, i) => {
    const h = hints?.[i];
    if (h && h.name !== c.element.name) notSure("a hint of another name");
    return field(c.element.name, dispatch(c, h?.type));
  });
  return { format: "+s", children };
}

/** The standard three-level LIST: <list> (LIST) -> repeated group of one field -> element. */
function visitList(n: Node, hint: HintType | undefined): Derived {
  if (n.children.length !== 1) notSure("a LIST of several fields");
  if (n.element.repetition === REPEATED) notSure("a repeated LIST");
  const repeated = n.children[0]!;
  if (repeated.element.repetition !== REPEATED) notSure("a LIST whose child is not repeated");
  const element = listElement(hint);
  // Legacy two-level layouts (a repeated leaf, or a repeated group that is itself the element).
  if (!isGroup(repeated) || repeated.element.type !== undefined) notSure("a two-level LIST");
  if (repeated.element.logical !== undefined || repeated.element.convertedType !== undefined) notSure("an annotated repeated group");
  const items = repeated.children;
  if (items.length !== 1) notSure("a LIST of a multi-field group");
  const singleRepeated = items[0]!.element.repetition === REPEATED;
  if (!singleRepeated && (repeated.element.name === "array" || repeated.element.name === `${n.element.name}_tuple`)) notSure("a legacy one-tuple LIST");
  const item = items[0]!;
  return { format: listFormat(hint), children: [field(item.element.name, dispatch(item, element))] };
}

/** Metadata keys of the embedded Arrow schema. */
const ARROW_SCHEMA = "ARROW:schema";

/**
 * The top-level Arrow fields parquet-wasm gives for this footer's schema (what ffiSchemaFields
 * reads from it), or undefined when the footer holds something this derivation is not sure of.
 */
export function deriveArrowFields(footer: Footer): FfiField[] | undefined {
  if (footer.odd !== undefined || footer.schema.length === 0) return undefined;
  try {
    const root = tree(footer.schema);
    checkRowGroups(footer, root);
    const hints = footer.keyValues.filter((kv) => kv.key === ARROW_SCHEMA);
    let hint: HintType | undefined;
    if (hints.length > 1) notSure("two Arrow schemas");
    if (hints.length === 1) {
      const text = hints[0]!.value;
      const fields = text === undefined ? undefined : readArrowHint(text);
      if (!fields) notSure("an Arrow schema not read");
      hint = { id: HintId.Struct, children: fields };
    }
    if (root.element.logical !== undefined || root.element.convertedType !== undefined) notSure("an annotated root");
    if (root.children.length === 0) {
      if (hint && hint.children.length > 0) notSure("an Arrow schema of an empty file");
      return [];
    }
    return visitStruct({ element: { ...root.element, repetition: REQUIRED }, children: root.children }, hint).children;
  } catch (error) {
    if (error instanceof NotSure) return undefined;
    throw error;
  }
}

/** Leaves' dotted paths and physical types, in schema order. */
function leaves(n: Node, prefix: string[], out: { path: string; type: number }[]): void {
  for (const c of n.children) {
    const path = [...prefix, c.element.name];
    if (isGroup(c)) leaves(c, path, out);
    else out.push({ path: path.join("."), type: c.element.type! });
  }
}

/** What parquet-rs checks of row groups (one chunk per leaf, in order, of its type) and column orders against the schema. */
function checkRowGroups(footer: Footer, root: Node): void {
  const expected: { path: string; type: number }[] = [];
  leaves(root, [], expected);
  if (footer.columnOrders !== undefined && footer.columnOrders !== expected.length) notSure("column orders that do not match the leaves");
  for (const g of footer.rowGroups) {
    const columns = g.columns ?? [];
    if (columns.length !== expected.length) notSure("a row group whose chunks do not match the schema");
    columns.forEach((c, i) => {
      if (c.filePath || c.type !== expected[i]!.type || (c.path && c.path.join(".") !== expected[i]!.path)) notSure("a chunk that does not match its leaf");
    });
  }
}
