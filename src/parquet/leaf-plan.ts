import type { ElementType } from "../batch/types.js";
import { Encoding, Repetition, Type, type ChunkMeta, type SchemaElement } from "./metadata.js";
import { OWN_CODECS } from "./codecs.js";
import type { ParquetBranch } from "./schema.js";

/**
 * Which columns sxflow's own decoder reads, decided from the footer before any page is decoded:
 * a flat column of one primitive leaf, or a single-level list (the standard three-level LIST
 * group: what awkward, pyarrow and so ServiceX write) of one, holding a number type sxflow
 * batches hold. Everything else (strings, fixed-size and nested lists, structs, legacy list
 * layouts, other logical types) stays with parquet-wasm.
 */
export interface LeafPlan {
  /** Top-level column name. */
  column: string;
  /** Dotted leaf path, the key of the row groups' chunks. */
  path: string;
  physical: number;
  elementType: ElementType;
  maxDef: number;
  maxRep: number;
  /** Lists: the definition level of an empty list (below it the list is null). */
  listDef: number;
}

interface TopLevel {
  index: number;
  /** Elements in its subtree, itself included. */
  size: number;
}

/** Top-level fields of the flattened schema by name, with where each subtree lies. */
export function topLevelFields(schema: readonly SchemaElement[]): Map<string, TopLevel> {
  const out = new Map<string, TopLevel>();
  const subtree = (i: number): number => {
    let end = i + 1;
    for (let c = 0; c < schema[i]!.children; c++) {
      if (end >= schema.length) return schema.length - i;
      end += subtree(end);
    }
    return end - i;
  };
  let at = 1;
  for (let c = 0; c < (schema[0]?.children ?? 0) && at < schema.length; c++) {
    const size = subtree(at);
    out.set(schema[at]!.name, { index: at, size });
    at += size;
  }
  return out;
}

// ConvertedType values of the integer annotations (UINT_8 .. INT_64).
const CONVERTED_INTS: Readonly<Record<number, [number, boolean]>> = {
  11: [8, false],
  12: [16, false],
  13: [32, false],
  14: [64, false],
  15: [8, true],
  16: [16, true],
  17: [32, true],
  18: [64, true],
};

const INT_TYPES: Readonly<Record<string, [number, boolean]>> = {
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  int64: [64, true],
  uint8: [8, false],
  uint16: [16, false],
  uint32: [32, false],
  uint64: [64, false],
};

/** Whether a primitive leaf holds `type` with the value layout the copy loops expect. */
function leafMatches(leaf: SchemaElement, type: ElementType): boolean {
  if (leaf.children !== 0 || leaf.type === undefined) return false;
  const annotated = leaf.logical !== undefined || leaf.convertedType !== undefined;
  if (type === "bool") return leaf.type === Type.BOOLEAN && !annotated;
  if (type === "float32") return leaf.type === Type.FLOAT && !annotated;
  if (type === "float64") return leaf.type === Type.DOUBLE && !annotated;
  const int = INT_TYPES[type];
  if (!int) return false;
  const [bits, signed] = int;
  if (leaf.type !== (bits === 64 ? Type.INT64 : Type.INT32)) return false;
  if (!annotated) return signed && (bits === 32 || bits === 64);
  if (leaf.logical !== undefined) return leaf.logical === 10 && leaf.bitWidth === bits && leaf.signed === signed;
  const c = CONVERTED_INTS[leaf.convertedType!];
  return c !== undefined && c[0] === bits && c[1] === signed;
}

function levelOf(e: SchemaElement): number {
  return e.repetition === Repetition.OPTIONAL ? 1 : 0;
}

/** The plan for a branch when the own decoder can read it (from the schema alone), else undefined. */
export function planLeaf(schema: readonly SchemaElement[], fields: Map<string, TopLevel>, branch: ParquetBranch): LeafPlan | undefined {
  if (branch.strings || branch.shape) return undefined;
  const top = fields.get(branch.name);
  if (!top) return undefined;
  const e = schema[top.index]!;
  if (e.repetition === Repetition.REPEATED || e.repetition === undefined) return undefined;
  if (branch.kind === "flat" && top.size === 1) {
    if (!leafMatches(e, branch.elementType)) return undefined;
    const maxDef = levelOf(e);
    return { column: e.name, path: e.name, physical: e.type!, elementType: branch.elementType, maxDef, maxRep: 0, listDef: 0 };
  }
  if (branch.kind !== "jagged" || branch.depth !== 1 || top.size !== 3) return undefined;
  // The three-level LIST: <field> (LIST) -> repeated group of one child -> leaf.
  const list = schema[top.index + 1]!;
  const leaf = schema[top.index + 2]!;
  const isList = e.convertedType === 3 || e.logical === 3;
  if (!isList || e.children !== 1 || list.type !== undefined || list.children !== 1 || list.repetition !== Repetition.REPEATED) return undefined;
  // Legacy layouts where the repeated group is itself the element (parquet-format's backward-compatibility rules).
  if (list.name === "array" || list.name === `${e.name}_tuple`) return undefined;
  if (leaf.repetition === Repetition.REPEATED || !leafMatches(leaf, branch.elementType)) return undefined;
  const listDef = levelOf(e);
  return {
    column: e.name,
    path: `${e.name}.${list.name}.${leaf.name}`,
    physical: leaf.type!,
    elementType: branch.elementType,
    maxDef: listDef + 1 + levelOf(leaf),
    maxRep: 1,
    listDef,
  };
}

// BIT_PACKED: parquet-mr lists it for levels it does not write; a page whose levels use it goes to parquet-wasm.
const OWN_ENCODINGS: ReadonlySet<number> = new Set([Encoding.PLAIN, Encoding.PLAIN_DICTIONARY, Encoding.RLE, Encoding.BIT_PACKED, Encoding.RLE_DICTIONARY]);

/** Whether the own decoder reads this chunk of a planned leaf (codec and encodings from its metadata). */
export function chunkSupported(plan: LeafPlan, chunk: ChunkMeta | undefined): chunk is ChunkMeta {
  if (!chunk || chunk.type !== plan.physical || !OWN_CODECS.has(chunk.codec)) return false;
  for (const e of chunk.encodings) if (!OWN_ENCODINGS.has(e)) return false;
  return true;
}

