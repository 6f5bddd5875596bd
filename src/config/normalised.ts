import type { ParsedRunConfig } from "./schema.js";
import { splitSpecOf } from "./split-spec.js";

/** What decides which fields a run normalises (the parts of a run configuration it needs). */
export type NormaliseRules = Pick<ParsedRunConfig, "normalise" | "split" | "labelField">;

/** The split's key fields: the hash keys, or the fields its rules test. */
export function splitKeysOf(split: ParsedRunConfig["split"]): string[] {
  const spec = splitSpecOf(split);
  return spec.kind === "hash" ? [...spec.keys] : [...new Set(spec.rules.flat().map((c) => c.field))];
}

/**
 * Whether a field's train statistics go into norm_dict.yaml: every field but those listed in
 * `normalise.exclude` (as `field` or `group.field`), a split key written as is (an event
 * identity, not a feature) and the global group's label. `sxflow run` and `sxflow norm` on the
 * files of a run apply the same rule.
 */
export function isNormalised(rules: NormaliseRules, group: string, global: boolean, field: string, expr: string): boolean {
  const excluded = rules.normalise?.exclude ?? [];
  if (excluded.includes(field) || excluded.includes(`${group}.${field}`)) return false;
  if (splitKeysOf(rules.split).includes(expr.trim())) return false;
  return !(global && field === rules.labelField);
}
