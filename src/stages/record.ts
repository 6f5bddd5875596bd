import { arrayConstructor } from "../batch/core.js";
import type { ElementType } from "../batch/core.js";
import type { SerialisedExpression } from "../expr/index.js";
// The datatype module alone: the hdf5 index would load h5wasm (its reader).
import type { H5ElementType } from "../hdf5/datatype.js";

/**
 * The record layout of the output, shared by the stages that pack rows, the shuffle that moves
 * them and the sinks that store them: one event is a row, each group's `max` records one after
 * the other, each record its fields packed in order, exactly as the HDF5 compound records.
 */

/**
 * One field of an output record. `value` is the type the pad stage produces, `h5` the type stored
 * (float16 for half precision), `storage` the typed array that holds the stored bits.
 */
export interface RecordField {
  name: string;
  role: "expr" | "label" | "valid";
  value: ElementType;
  h5: H5ElementType;
  storage: ElementType;
  size: number;
  /** Byte offset inside one object record of the group. */
  offset: number;
  /** Expression source, for messages (expr fields only). */
  source?: string;
  expr?: SerialisedExpression;
  /** Enters the normalisation statistics. */
  stats: boolean;
}

/** One output dataset: the global group `(N,)` or an object group `(N, max)`. */
export interface GroupPlan {
  name: string;
  global: boolean;
  /** Slots per event; 1 for the global group. */
  max: number;
  padding: "zero" | "nan";
  select?: SerialisedExpression;
  sort?: SerialisedExpression;
  fields: RecordField[];
  /** Bytes of one object record (the HDF5 compound record). */
  recordBytes: number;
  /** Byte offset of this group's `max` records inside a row. */
  rowOffset: number;
}

/** The groups of a row and its size: what a sink needs to store packed rows. */
export interface RecordLayout {
  groups: GroupPlan[];
  /** Bytes of one event across all groups (the shuffle record). */
  rowBytes: number;
}

/**
 * A field of an output record, its offset still 0 (`layoutRecords` places it). With `half`, a
 * float field is stored as float16: padded as float32, then converted to binary16 bits.
 */
export function recordField(name: string, role: RecordField["role"], value: ElementType, half: boolean, extra: Partial<RecordField> = {}): RecordField {
  const isHalf = half && (value === "float32" || value === "float64");
  const h5: H5ElementType = isHalf ? "float16" : value;
  const storage: ElementType = isHalf ? "uint16" : value;
  const padded: ElementType = isHalf ? "float32" : value;
  return { name, role, value: padded, h5, storage, size: arrayConstructor(storage).BYTES_PER_ELEMENT, offset: 0, stats: false, ...extra };
}

/** Packs the fields of one record in order (no alignment, as h5py's compound types): sets each offset, returns the record's bytes. */
export function layoutRecords(fields: RecordField[]): number {
  let offset = 0;
  for (const f of fields) {
    f.offset = offset;
    offset += f.size;
  }
  return offset;
}

/** Lays the groups' records out one group after the other in a row: sets each `rowOffset`, returns the row's bytes. */
export function layoutRow(groups: GroupPlan[]): number {
  let rowBytes = 0;
  for (const g of groups) {
    g.rowOffset = rowBytes;
    rowBytes += g.recordBytes * g.max;
  }
  return rowBytes;
}
