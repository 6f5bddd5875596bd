import type { ElementType } from "../batch/core.js";
import { emptyHistogram, mergeCounts, mergeHistograms } from "../stages/histogram.js";
import type { FieldHistogram, HistogramPartials } from "../stages/histogram.js";
import type { BinningOverride } from "./binning.js";

/** Format of `<name>_histograms.json` (bump on an incompatible change). */
export const HISTOGRAMS_FORMAT = 1;

/**
 * The content of `<name>_histograms.json`: the merged histogram partials of a run, per class,
 * with what the page needs to draw them. Written next to the JSON report so that
 * `sxflow report` can redraw (or overlay) a run without reading its data again.
 */
export interface RunHistograms {
  format: typeof HISTOGRAMS_FORMAT;
  classes: string[];
  /** group -> field -> element type and one histogram per class (train split, valid entries). */
  fields: Record<string, Record<string, { type: ElementType; perClass: FieldHistogram[] }>>;
  /** Object group -> slots, and per class: events with k objects at index k (after cuts, before truncation), objects selected and truncated. */
  multiplicity: Record<string, { max: number; perClass: number[][]; selected: number[]; truncated: number[] }>;
  /** `group.field` -> display binning from the run config. */
  binning: Record<string, BinningOverride>;
}

export interface HistogramLayout {
  classes: readonly string[];
  /** Fields with histograms, per group, with their element types. */
  fields: Record<string, Record<string, ElementType>>;
  /** Object groups and their slots. */
  objectGroups: Record<string, number>;
  binning: Record<string, BinningOverride>;
}

/** Merges task partials class by class in the main thread (the counts are integers: any order gives the same sums). */
export class HistogramAccumulator {
  private readonly data: RunHistograms;

  constructor(layout: HistogramLayout) {
    const n = layout.classes.length;
    this.data = {
      format: HISTOGRAMS_FORMAT,
      classes: [...layout.classes],
      fields: Object.fromEntries(
        Object.entries(layout.fields).map(([g, fields]) => [
          g,
          Object.fromEntries(Object.entries(fields).map(([f, type]) => [f, { type, perClass: Array.from({ length: n }, emptyHistogram) }])),
        ]),
      ),
      multiplicity: Object.fromEntries(
        Object.entries(layout.objectGroups).map(([g, max]) => [
          g,
          { max, perClass: Array.from({ length: n }, () => []), selected: new Array<number>(n).fill(0), truncated: new Array<number>(n).fill(0) },
        ]),
      ),
      binning: layout.binning,
    };
  }

  /** Adds one task's partials and object counts to its class. */
  add(cls: number, partials: HistogramPartials, objects: Record<string, number>, truncated: Record<string, number>): void {
    for (const [g, fields] of Object.entries(partials.fields)) {
      for (const [f, h] of Object.entries(fields)) {
        const target = this.data.fields[g]?.[f];
        if (!target) throw new Error(`histogram of ${g}.${f}, which is not a report field`);
        target.perClass[cls] = mergeHistograms(target.perClass[cls]!, h);
      }
    }
    for (const [g, counts] of Object.entries(partials.multiplicity)) {
      const m = this.data.multiplicity[g];
      if (!m) throw new Error(`multiplicity of ${g}, which is not an object group`);
      m.perClass[cls] = mergeCounts(m.perClass[cls]!, counts);
      m.selected[cls]! += objects[g] ?? 0;
      m.truncated[cls]! += truncated[g] ?? 0;
    }
  }

  result(): RunHistograms {
    return this.data;
  }
}

/** Reads a histograms file, checking its format. */
export function parseRunHistograms(text: string, where: string): RunHistograms {
  const data = JSON.parse(text) as RunHistograms;
  if (data.format !== HISTOGRAMS_FORMAT) throw new Error(`${where}: histograms format ${String(data.format)}, this sxflow reads format ${HISTOGRAMS_FORMAT}`);
  return data;
}
