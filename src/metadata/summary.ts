import type { SampleMetadata } from "./schema.js";
import { compileFilter, parseInCategory, passesCampaign, passesDsid, requireCategories, type SampleFilter } from "./select.js";

/** What the analysis notebook prints per category that has ntuples. */
export interface NtupleSummary {
  /** Containers in the category. */
  samples: number;
  /** Containers of it with ntuples. */
  samplesWithNtuples: number;
  /** Sum of their ntuple sizes in GB, rounded to 0.01 GB. */
  totalOutputGB: number;
}

/**
 * Rounds like Python's round(x, 2): to the decimal nearest the exact binary value, ties (which
 * only odd multiples of 1/8 can be) to even, so totals match what the notebook prints.
 */
export function roundToHundredths(x: number): number {
  if (Number.isInteger(x * 8) && !Number.isInteger(x * 4)) {
    const low = Math.floor(x * 100);
    return (low % 2 === 0 ? low : low + 1) / 100;
  }
  return Number(x.toFixed(2));
}

/**
 * `{ [category]: { samples, samplesWithNtuples, totalOutputGB } }` for the categories with at
 * least one ntuple container, in file order. Sizes are summed in file order, as the notebook does.
 */
export function samplesWithNtuples(meta: SampleMetadata): Record<string, NtupleSummary> {
  return Object.fromEntries(
    Object.entries(meta.categories).flatMap(([category, containers]) => {
      const infos = Object.values(containers);
      const withNtuples = infos.filter((info) => info.output !== null);
      if (withNtuples.length === 0) return [];
      const total = withNtuples.reduce((sum, info) => sum + info.sizeOutputGB, 0);
      const summary: NtupleSummary = {
        samples: infos.length,
        samplesWithNtuples: withNtuples.length,
        totalOutputGB: roundToHundredths(total),
      };
      return [[category, summary]];
    }),
  );
}

/** One row of the `sxflow samples` table. */
export interface CategoryStats {
  category: string;
  /** Containers selected by the filter (all containers without one). */
  containers: number;
  /** Of those, containers with ntuples. */
  withNtuples: number;
  /** Their ntuple size in GB (not rounded). */
  outputGB: number;
  /** Their ntuple file count. */
  outputFiles: number;
  /** Input events of the containers with ntuples (the file rarely knows the ntuple events). */
  inputEvents: number;
  /** Containers left out of a campaign filter because their campaign is unknown. */
  unknownCampaign: number;
}

export interface StatsSelection extends SampleFilter {
  /** Categories to report, in this order; all categories of the file when omitted or empty. */
  categories?: readonly string[];
}

/**
 * Per-category counts and sizes, optionally restricted by campaign and DSID. Container names
 * are only parsed when a filter needs them, so an unfiltered table works for any names.
 */
export function categoryStats(meta: SampleMetadata, selection: StatsSelection = {}): CategoryStats[] {
  const categories = selection.categories?.length ? selection.categories : Object.keys(meta.categories);
  requireCategories(meta, categories);
  const filter = compileFilter(selection);
  const filtering = filter.campaigns !== null || filter.dsids !== null;
  return categories.map((category) => {
    const row: CategoryStats = {
      category,
      containers: 0,
      withNtuples: 0,
      outputGB: 0,
      outputFiles: 0,
      inputEvents: 0,
      unknownCampaign: 0,
    };
    for (const [container, info] of Object.entries(meta.categories[category]!)) {
      if (filtering) {
        const name = parseInCategory(category, container);
        if (!passesDsid(name, filter)) continue;
        const campaign = passesCampaign(name, filter);
        if (campaign === null) row.unknownCampaign++;
        if (campaign !== true) continue;
      }
      row.containers++;
      if (info.output === null) continue;
      row.withNtuples++;
      row.outputGB += info.sizeOutputGB;
      row.outputFiles += info.nfilesOutput;
      row.inputEvents += info.nevtsInput;
    }
    return row;
  });
}
