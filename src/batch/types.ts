/**
 * The columnar batch: the in-memory currency of sxflow.
 *
 * Layout matches Arrow's List: a jagged column is `offsets` (length + 1, Int32) into a values
 * array, so conversion to and from Arrow shares buffers. No per-event JS objects anywhere.
 */

export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Element types known to sxflow. `bool` is stored as Uint8Array holding 0/1. */
export type ElementType =
  | "bool"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64";

/** One value per event, or a fixed-size array per event when `shape` is given. */
export interface FlatColumn {
  kind: "flat";
  values: NumericArray;
  /** Per-event shape of a fixed-size array; `values.length === length * product(shape)`. */
  shape?: number[];
  /** Set when the values are booleans stored as 0/1 bytes. */
  elementType?: ElementType;
}

/** Variable length per event; `values` may itself be jagged (vector<vector<T>>). */
export interface JaggedColumn {
  kind: "jagged";
  offsets: Int32Array;
  values: NumericArray | Column;
  elementType?: ElementType;
}

/**
 * Text, one string per event (Arrow's Utf8 layout): event i is the UTF-8 bytes
 * `values[offsets[i]..offsets[i + 1])`. A list of strings per event (std::vector<std::string>)
 * is a JaggedColumn whose values are a StringColumn.
 */
export interface StringColumn {
  kind: "string";
  offsets: Int32Array;
  values: Uint8Array;
}

export type Column = FlatColumn | JaggedColumn | StringColumn;

export interface Batch {
  length: number;
  columns: Record<string, Column>;
}
