import { Document } from "yaml";
import type { Scalar, Tags } from "yaml";
import { writeFileAtomic } from "./atomic-write.js";
import type { NormDict } from "../stages/stats.js";

/**
 * Float text that PyYAML (SALT's reader, YAML 1.1) resolves as a float: its resolver needs a dot,
 * so `1e-7` would load as the string "1e-7"; write `1.0e-7` (and `2.0` rather than `2`).
 */
export function pyyamlFloat(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
  const text = String(value);
  const e = text.indexOf("e");
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? "" : text.slice(e);
  return (mantissa.includes(".") ? mantissa : `${mantissa}.0`) + exponent;
}

const floatTag = {
  identify: (value: unknown) => typeof value === "number",
  default: true,
  tag: "tag:yaml.org,2002:float",
  // yaml prefers tags that have a `test` when several identify a value; this one must win.
  test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  resolve: (text: string) => Number(text),
  stringify: (item: Scalar) => pyyamlFloat(Number(item.value)),
};

function render(content: unknown, flowDepth: number): string {
  const doc = new Document(content, { customTags: (tags: Tags) => [floatTag, ...tags] });
  const mark = (node: unknown, depth: number): void => {
    if (!node || typeof node !== "object" || !("items" in node)) return;
    const collection = node as { items: unknown[]; flow?: boolean };
    if (depth >= flowDepth) collection.flow = true;
    for (const item of collection.items) {
      mark(item && typeof item === "object" && "value" in item ? (item as { value: unknown }).value : item, depth + 1);
    }
  };
  mark(doc.contents, 0);
  return doc.toString();
}

/** SALT's norm_dict.yaml text: `<dataset>: {<field>: {mean: m, std: s}}`, in insertion order. */
export function normDictYaml(norm: NormDict): string {
  return render(norm, 2);
}

/** SALT's class_dict.yaml text: `<dataset>: {<label field>: [w_0, w_1, ...]}` indexed by class. */
export function classDictYaml(dict: Record<string, Record<string, readonly number[]>>): string {
  return render(dict, 2);
}

/** Writes norm_dict.yaml atomically (temporary name, then rename). */
export async function writeNormDict(path: string, norm: NormDict): Promise<void> {
  await writeFileAtomic(path, normDictYaml(norm));
}

/** Writes class_dict.yaml atomically (temporary name, then rename). */
export async function writeClassDict(path: string, dict: Record<string, Record<string, readonly number[]>>): Promise<void> {
  await writeFileAtomic(path, classDictYaml(dict));
}
