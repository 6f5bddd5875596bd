import { didYouMean } from "../../config/index.js";
import { SPLIT_NAMES } from "../../stages/split.js";
import type { OpenTensorsOptions } from "./types.js";

/** Options with defaults applied. */
export interface TensorOptions {
  split?: (typeof SPLIT_NAMES)[number];
  batchSize: number;
  normDict?: OpenTensorsOptions["normDict"];
  normalize?: boolean;
  seed?: number;
  epochs: number;
  groups?: string[];
  fields?: Record<string, string[]>;
  dropLast: boolean;
  prefetch: number;
  reuse: boolean;
  signal?: AbortSignal;
}

const KNOWN = ["split", "batchSize", "normDict", "normalize", "shuffle", "epochs", "groups", "fields", "dropLast", "prefetch", "reuse", "signal"];

function fail(message: string): never {
  throw new TypeError(`openTensors: ${message}`);
}

function positiveInt(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) fail(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function names(name: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string" && x.length > 0)) fail(`${name} must be a non-empty list of names`);
  const dup = v.find((x, i) => v.indexOf(x) !== i);
  if (dup !== undefined) fail(`${name} names "${dup}" twice`);
  return v as string[];
}

/** Checks every option (unknown keys included) before anything is opened. */
export function checkOptions(options: OpenTensorsOptions): TensorOptions {
  if (typeof options !== "object" || options === null) fail("options must be an object");
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      const near = didYouMean(key, KNOWN);
      fail(`unknown option "${key}"${near ? `; did you mean "${near}"?` : ""}`);
    }
  }
  const o = options as Record<string, unknown>;
  if (o.split !== undefined && !SPLIT_NAMES.includes(o.split as never)) fail(`split must be one of ${SPLIT_NAMES.join(", ")}, got ${JSON.stringify(o.split)}`);
  if (o.normalize !== undefined && typeof o.normalize !== "boolean") fail(`normalize must be true or false, got ${JSON.stringify(o.normalize)}`);
  if (o.dropLast !== undefined && typeof o.dropLast !== "boolean") fail(`dropLast must be true or false, got ${JSON.stringify(o.dropLast)}`);
  if (o.reuse !== undefined && typeof o.reuse !== "boolean") fail(`reuse must be true or false, got ${JSON.stringify(o.reuse)}`);
  if (o.normDict !== undefined && typeof o.normDict !== "string" && (typeof o.normDict !== "object" || o.normDict === null)) {
    fail("normDict must be the path of a norm_dict.yaml or a {group: {field: {mean, std}}} object");
  }
  let seed: number | undefined;
  if (o.shuffle !== undefined && o.shuffle !== false) {
    const s = o.shuffle as { seed?: unknown };
    if (typeof s !== "object" || s === null || typeof s.seed !== "number" || !Number.isSafeInteger(s.seed)) {
      fail(`shuffle must be false or {seed: <integer>}, got ${JSON.stringify(o.shuffle)}`);
    }
    seed = s.seed;
  }
  let fields: Record<string, string[]> | undefined;
  if (o.fields !== undefined) {
    if (typeof o.fields !== "object" || o.fields === null || Array.isArray(o.fields)) fail("fields must map group names to lists of field names");
    fields = Object.fromEntries(Object.entries(o.fields).map(([g, f]) => [g, names(`fields.${g}`, f)]));
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) fail("signal must be an AbortSignal");
  return {
    split: o.split as TensorOptions["split"],
    batchSize: positiveInt("batchSize", o.batchSize, 1000),
    normDict: o.normDict as TensorOptions["normDict"],
    normalize: o.normalize as boolean | undefined,
    seed,
    epochs: positiveInt("epochs", o.epochs, 1),
    groups: o.groups === undefined ? undefined : names("groups", o.groups),
    fields,
    dropLast: (o.dropLast as boolean | undefined) ?? false,
    prefetch: positiveInt("prefetch", o.prefetch, 2),
    reuse: (o.reuse as boolean | undefined) ?? false,
    signal: o.signal as AbortSignal | undefined,
  };
}
