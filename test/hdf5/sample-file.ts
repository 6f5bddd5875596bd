import { createH5, type ColumnArray, type FieldSpec } from "../../src/hdf5/index.js";
import { randomColumn, rng } from "./helpers.js";

/** Every element type, compressed, shuffled, with attributes: the file h5wasm and h5dump read. */
export const FIELDS: FieldSpec[] = [
  { name: "pt", type: "float32" }, { name: "eta", type: "float16" }, { name: "e", type: "float64" },
  { name: "q", type: "int8" }, { name: "hits", type: "uint8" }, { name: "i16", type: "int16" }, { name: "u16", type: "uint16" },
  { name: "label", type: "int32" }, { name: "u32", type: "uint32" }, { name: "id", type: "int64" }, { name: "u64", type: "uint64" },
  { name: "valid", type: "bool" },
];
export const ROWS = 777;

/** Writes the sample file and returns the columns of its "tracks" dataset. */
export async function writeSampleFile(file: string): Promise<Record<string, ColumnArray>> {
  const next = rng(5);
  const cols: Record<string, ColumnArray> = Object.fromEntries(FIELDS.map((f) => [f.name, randomColumn(f.type, ROWS * 5, next)]));
  // Finite values for float16 so that the decoded comparison below is exact.
  cols.eta = Float32Array.from({ length: ROWS * 5 }, (_, i) => Math.sin(i) * 100);
  const w = createH5(file, { attrs: { config: '{"a": 1}', weights: Float32Array.of(0.5, 2), names: ["é", "b"] } });
  const ds = w.createDataset("tracks", { fields: FIELDS, objects: 5, chunkRows: 64, compression: { deflate: 3 }, shuffle: true });
  ds.setAttr("flavour_label", ["b", "c", "light"]);
  await ds.append(cols, ROWS);
  const ev = w.createDataset("events", { fields: [{ name: "n", type: "int32" }], chunkRows: 100 });
  await ev.append({ n: Int32Array.from({ length: ROWS }, (_, i) => i * 3) });
  await w.close();
  return cols;
}
