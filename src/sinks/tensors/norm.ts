import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import type { MeanStd, NormDict } from "../../stages/index.js";

/** A norm dict given as the path of a SALT norm_dict.yaml or as the object itself. */
export async function loadNormDict(source: string | NormDict): Promise<{ dict: NormDict; where: string }> {
  if (typeof source !== "string") return { dict: checkShape(source, "normDict"), where: "normDict" };
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (err) {
    throw new Error(`normDict: cannot read "${source}": ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new Error(`normDict: "${source}" is not YAML: ${(err as Error).message}`);
  }
  return { dict: checkShape(value, source), where: source };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `{group: {field: {mean, std}}}`, as SALT's InputNorm reads it. */
function checkShape(value: unknown, where: string): NormDict {
  if (!isRecord(value)) throw new Error(`${where}: expected a mapping of group -> field -> {mean, std}`);
  for (const [group, fields] of Object.entries(value)) {
    if (!isRecord(fields)) throw new Error(`${where}: group "${group}": expected a mapping of field -> {mean, std}`);
    for (const [field, ms] of Object.entries(fields)) {
      if (!isRecord(ms) || typeof ms.mean !== "number" || typeof ms.std !== "number") {
        throw new Error(`${where}: ${group}.${field}: expected {mean: <number>, std: <number>}`);
      }
    }
  }
  return value as NormDict;
}

/**
 * The normalisation of one field, if the dict has one; a non-finite mean or std, or std 0, is an
 * error naming the field (SALT's InputNorm refuses the same).
 */
export function normOf(dict: NormDict | undefined, where: string, group: string, field: string): MeanStd | undefined {
  const ms = dict?.[group]?.[field];
  if (!ms) return undefined;
  if (!Number.isFinite(ms.mean) || !Number.isFinite(ms.std) || ms.std === 0) {
    throw new Error(`${where}: ${group}.${field}: mean ${ms.mean} and std ${ms.std} cannot normalise (finite values and a non-zero std needed)`);
  }
  return { mean: ms.mean, std: ms.std };
}
