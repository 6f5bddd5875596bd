import { DATA_YEARS, MC_CAMPAIGNS, isPeriod } from "./campaigns.js";
import { parseContainerName, type ContainerName } from "./container-name.js";
import { MetadataError } from "./errors.js";
import type { SampleMetadata } from "./schema.js";

/** Which containers of a category to take. Omitted or empty lists select everything. */
export interface SampleFilter {
  /**
   * MC campaigns ("mc20a") and data years ("data15"). A data container is selected by its own
   * year or by the MC campaign simulated for that year (mc20a selects data15 and data16).
   */
  campaigns?: readonly string[];
  /** DSIDs, as numbers or six-digit strings. Data containers have none, so a DSID filter drops them. */
  dsids?: readonly (string | number)[];
}

export interface CompiledFilter {
  campaigns: ReadonlySet<string> | null;
  dsids: ReadonlySet<string> | null;
}

/** Checks the filter values and turns them into sets; throws naming the bad value. */
export function compileFilter(filter: SampleFilter): CompiledFilter {
  const campaigns = filter.campaigns ?? [];
  const badCampaign = campaigns.find((c) => !isPeriod(c));
  if (badCampaign !== undefined) {
    throw new MetadataError(
      `unknown campaign "${badCampaign}" in the campaign filter: known campaigns are ${MC_CAMPAIGNS.join(", ")} and data years ${DATA_YEARS.join(", ")}`,
    );
  }
  const dsids = (filter.dsids ?? []).map((d) => {
    const text = typeof d === "number" ? String(d) : d.trim();
    if (!/^\d{6}$/.test(text)) throw new MetadataError(`DSID "${String(d)}" in the DSID filter is not a six-digit number`);
    return text;
  });
  return {
    campaigns: campaigns.length > 0 ? new Set(campaigns) : null,
    dsids: dsids.length > 0 ? new Set(dsids) : null,
  };
}

/** Throws when a category is not in the metadata, listing those that are. */
export function requireCategories(meta: SampleMetadata, categories: readonly string[]): void {
  const missing = categories.filter((c) => !Object.hasOwn(meta.categories, c));
  if (missing.length > 0) {
    const known = Object.keys(meta.categories);
    throw new MetadataError(
      `${missing.length === 1 ? "unknown category" : "unknown categories"} ${missing.map((c) => `"${c}"`).join(", ")} in ${meta.source}; its categories are: ${known.join(", ")}`,
    );
  }
}

/** parseContainerName, with the category added to the error. */
export function parseInCategory(category: string, container: string): ContainerName {
  try {
    return parseContainerName(container);
  } catch (err) {
    if (err instanceof MetadataError) throw new MetadataError(`category "${category}": ${err.message}`);
    throw err;
  }
}

export function passesDsid(name: ContainerName, filter: CompiledFilter): boolean {
  if (filter.dsids === null) return true;
  return name.kind === "mc" && filter.dsids.has(name.dsid);
}

/** true/false, or null when the container is MC of unknown campaign and a campaign filter is set. */
export function passesCampaign(name: ContainerName, filter: CompiledFilter): boolean | null {
  const wanted = filter.campaigns;
  if (wanted === null) return true;
  if (name.kind === "data") {
    return wanted.has(name.yearTag) || (name.matchingCampaign !== null && wanted.has(name.matchingCampaign));
  }
  return name.campaign === null ? null : wanted.has(name.campaign);
}
