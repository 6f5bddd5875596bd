import { parseSplitCondition } from "../stages/split.js";
import type { SplitSpec } from "../stages/split.js";
import { SPLITS } from "./schema.js";
import type { SplitConfig } from "./schema.js";

/** The split stage's specification for a validated `split:` section; indices follow SPLITS (train, val, test). */
export function splitSpecOf(split: SplitConfig): SplitSpec {
  if (split.rules) {
    const rules = split.rules;
    return { kind: "rules", rules: SPLITS.map((name) => rules[name].map((t) => parseSplitCondition(t))) };
  }
  const fractions = split.fractions!;
  return { kind: "hash", keys: split.by, fractions: SPLITS.map((name) => fractions[name]), seed: split.seed };
}
