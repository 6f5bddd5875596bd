import { open } from "node:fs/promises";
import { openH5 } from "../hdf5/index.js";
import type { H5DatasetReader, H5FieldInfo, H5Reader } from "../hdf5/index.js";
import type { ColumnArray } from "../hdf5/index.js";
import type { NormaliseRules } from "../config/index.js";

/** One group of a SALT file: a compound dataset, `(N,)` for the global group, `(N, slots)` for objects. */
export interface SaltGroup {
  name: string;
  global: boolean;
  slots: number;
  fields: H5FieldInfo[];
  /** Bytes of one row of this group (all its slots). */
  rowBytes: number;
  attrs: Record<string, unknown>;
  reader: H5DatasetReader;
}

/** What sxflow records about the run that wrote a file (its `config` attribute), when it did. */
export interface SaltRunInfo extends NormaliseRules {
  /** Group names in the run's order (the global group first). */
  groupOrder: string[];
  /** Per group, the expression of each field. */
  expressions: Record<string, Record<string, string>>;
  classWeights?: { method: "upp" | "raw"; empty: "error" | "zero" };
}

/**
 * A SALT HDF5 file (sxflow's, or any writer's with the same layout): every dataset of the root
 * group is a compound group sharing the first dimension; the global group is the `(N,)` dataset
 * holding the label field.
 */
export interface SaltFile {
  path: string;
  rows: number;
  groups: SaltGroup[];
  /** The `(N,)` group holding the label field, else the first `(N,)` group. */
  global: SaltGroup;
  labelField: string;
  /** Whether `global` holds the label field. */
  labelled: boolean;
  /** Class names from the global group's attribute named after the label field, when present. */
  classes?: string[];
  attrs: Record<string, unknown>;
  run?: SaltRunInfo;
  close(): void;
}

/** Rows per read: about `bytes` of the widest group, at least one. */
export function blockRows(file: SaltFile, bytes = 16 * 2 ** 20): number {
  const widest = Math.max(1, ...file.groups.map((g) => g.rowBytes));
  return Math.max(1, Math.floor(bytes / widest));
}

function runInfo(attrs: Record<string, unknown>): SaltRunInfo | undefined {
  const text = attrs.config;
  if (typeof text !== "string" || typeof attrs.sxflow_version !== "string") return undefined;
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const objects = c.objects as Record<string, { global?: boolean; fields: Record<string, { expr: string }> }> | undefined;
  if (!objects || typeof c.labelField !== "string" || !c.split) return undefined;
  const names = Object.keys(objects);
  const global = names.find((n) => objects[n]!.global);
  return {
    normalise: c.normalise as SaltRunInfo["normalise"],
    split: c.split as SaltRunInfo["split"],
    labelField: c.labelField,
    groupOrder: global ? [global, ...names.filter((n) => n !== global)] : names,
    expressions: Object.fromEntries(names.map((n) => [n, Object.fromEntries(Object.entries(objects[n]!.fields).map(([f, s]) => [f, s.expr]))])),
    ...(c.classWeights ? { classWeights: c.classWeights as SaltRunInfo["classWeights"] } : {}),
  };
}

/** The groups of a file and their shapes, for messages. */
export function describeGroups(file: Pick<SaltFile, "groups">): string {
  return file.groups.map((g) => `"${g.name}" ${g.global ? "(N,)" : `(N, ${g.slots})`}`).join(", ");
}

/**
 * Opens a SALT file and checks its layout; errors name the file and the group. `labelField`
 * defaults to the one recorded by sxflow, else `flavour_label`.
 */
export async function openSaltFile(path: string, labelField?: string): Promise<SaltFile> {
  await checkSignature(path);
  const h5: H5Reader = await openH5(path);
  try {
    const names = h5.datasets();
    if (names.length === 0) throw new Error(`${path}: no datasets in the root group (not a SALT file)`);
    const run = runInfo(h5.attrs);
    const label = labelField ?? run?.labelField ?? "flavour_label";
    const groups: SaltGroup[] = [];
    let rows = -1;
    for (const name of names) {
      let reader: H5DatasetReader;
      try {
        reader = h5.dataset(name);
      } catch (err) {
        throw new Error(`${path}: group "${name}": ${(err as Error).message.replace(`${path}: dataset "${name}": `, "")}`);
      }
      const { shape } = reader;
      if (shape.length < 1 || shape.length > 2) throw new Error(`${path}: group "${name}" has ${shape.length} dimensions; SALT groups are (N,) or (N, max)`);
      if (rows >= 0 && shape[0] !== rows) throw new Error(`${path}: group "${name}" has ${shape[0]} rows, "${groups[0]!.name}" ${rows}: SALT groups share their first dimension`);
      rows = shape[0]!;
      const slots = shape[1] ?? 1;
      groups.push({ name, global: shape.length === 1, slots, fields: reader.fields, rowBytes: reader.recordSize * slots, attrs: reader.attrs, reader });
    }
    const labelled = groups.find((g) => g.global && g.fields.some((f) => f.name === label));
    const global = labelled ?? groups.find((g) => g.global);
    if (!global) throw new Error(`${path}: no (N,) group among ${groups.map((g) => `"${g.name}" (N, ${g.slots})`).join(", ")}: SALT files have one per event`);
    if (run) groups.sort((a, b) => rank(run.groupOrder, a.name) - rank(run.groupOrder, b.name));
    else groups.sort((a, b) => Number(b === global) - Number(a === global));
    const classes = global.attrs[label];
    return {
      path,
      rows,
      groups,
      global,
      labelField: label,
      labelled: labelled !== undefined,
      ...(Array.isArray(classes) && classes.every((c) => typeof c === "string") ? { classes: classes as string[] } : {}),
      attrs: h5.attrs,
      ...(run ? { run } : {}),
      close: () => h5.close(),
    };
  } catch (err) {
    h5.close();
    throw err;
  }
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** libhdf5 says little about a file that is not HDF5: look for the signature first (at 0, or after a user block of 512, 1024, ... bytes). */
async function checkSignature(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw new Error(`cannot open ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      await fh.read(head, 0, 8, at);
      if (head.equals(SIGNATURE)) return;
    }
    throw new Error(`${path}: not an HDF5 file (no HDF5 signature)`);
  } finally {
    await fh.close();
  }
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

/** Rows [start, stop) of a group, one typed array per field (`slots` values per row). */
export function readGroup(file: SaltFile, group: SaltGroup, start: number, stop: number): Record<string, ColumnArray> {
  try {
    return group.reader.read(start, stop);
  } catch (err) {
    throw new Error(`${file.path}: group "${group.name}", rows ${start}-${stop}: ${(err as Error).message}`);
  }
}
