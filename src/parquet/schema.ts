import { DataType, type Schema } from "apache-arrow";
import { describeArrowType } from "../batch/arrow.js";
import type { ElementType } from "../batch/types.js";

/** The column ServiceX adds to every row of its Parquet output: the name of the source tree. */
export const TREENAME_COLUMN = "treename";

/** One readable column of a Parquet file, described like a ROOT branch. */
export interface ParquetBranch {
  name: string;
  /** Arrow type, pyarrow-style: "float32", "list<float32>", "large_list<list<int8>>", ... */
  type: string;
  kind: "flat" | "fixed" | "jagged";
  elementType: ElementType;
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

/** pyarrow-style name of an Arrow type. */
export function arrowTypeName(type: DataType): string {
  if (DataType.isBool(type)) return "bool";
  if (DataType.isInt(type)) return `${type.isSigned ? "int" : "uint"}${type.bitWidth}`;
  if (DataType.isFloat(type)) return ["float16", "float32", "float64"][type.precision] ?? String(type);
  if (DataType.isList(type)) return `list<${arrowTypeName(type.children[0]!.type)}>`;
  if (DataType.isLargeList(type)) return `large_list<${arrowTypeName(type.children[0]!.type)}>`;
  if (DataType.isFixedSizeList(type)) return `fixed_size_list<${arrowTypeName(type.children[0]!.type)}>[${type.listSize}]`;
  if (DataType.isUtf8(type)) return "string";
  if (DataType.isLargeUtf8(type)) return "large_string";
  return String(type);
}

/** Splits a file's Arrow schema into readable branches and unsupported columns. */
export function describeSchema(schema: Schema): { branches: ParquetBranch[]; unsupported: UnsupportedColumn[] } {
  const branches: ParquetBranch[] = [];
  const unsupported: UnsupportedColumn[] = [];
  for (const field of schema.fields) {
    const type = arrowTypeName(field.type);
    const mapping = describeArrowType(field.type);
    if ("error" in mapping) {
      unsupported.push({ name: field.name, type, reason: `${mapping.error} cannot be held in an sxflow batch` });
    } else if (mapping.kind === "fixed") {
      branches.push({ name: field.name, type, kind: "fixed", elementType: mapping.elementType, shape: mapping.shape });
    } else if (mapping.kind === "jagged") {
      branches.push({ name: field.name, type, kind: "jagged", elementType: mapping.elementType, depth: mapping.depth });
    } else {
      branches.push({ name: field.name, type, kind: "flat", elementType: mapping.elementType });
    }
  }
  return { branches, unsupported };
}
