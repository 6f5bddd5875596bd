import type { ContainerName } from "./container-name.js";
import { MetadataError } from "./errors.js";
import type { SampleMetadata } from "./schema.js";
import { compileFilter, parseInCategory, passesCampaign, passesDsid, requireCategories, type SampleFilter } from "./select.js";

export interface NtupleSelection extends SampleFilter {
  /**
   * Rucio scope for every dataset name. By default each ntuple container's own owner scope:
   * `user.<name>` / `group.<name>` for user and group containers, else the first name field.
   */
  scope?: string;
  /**
   * Two containers that would get the same key (same category, DSID and campaign, e.g. two
   * p-tags): "error" (default) refuses, "suffix" appends to each key the AMI tags that tell them
   * apart (`zjets_700789_mc23a_p6491`).
   */
  duplicates?: "error" | "suffix";
  /**
   * An MC container with ntuples whose campaign cannot be told from its r-tags has no key:
   * "error" (default) refuses and names it, "skip" leaves it out.
   */
  unknownCampaigns?: "error" | "skip";
}

/** One ntuple dataset, with everything a run config or a ServiceX request needs. */
export interface NtupleSample {
  /** `<category>_<dsid>_<campaign>`; data: `<category>_data_<year>` (as the notebook names them). */
  key: string;
  category: string;
  /** Input (DAOD) container name, as in the metadata. */
  container: string;
  /** The parsed input container name. */
  name: ContainerName;
  /** MC campaign, or data year tag ("data15"). */
  period: string;
  /** DSID, or null for data. */
  dsid: string | null;
  /** Rucio DID of the ntuple container: `<scope>:<output container>`. */
  dataset: string;
  /** xrootd URLs of the ntuple files. */
  files: string[];
  /** Per-file sizes in GB when the metadata has them. */
  fileSizesGB: number[] | null;
  sizeOutputGB: number;
  /** Events of the input container. */
  inputEvents: number;
}

/** Rucio's default scope of a DID name: `user.x` / `group.x` for user and group names, else the first field. */
export function rucioScope(name: string): string {
  const fields = name.split(".");
  if ((fields[0] === "user" || fields[0] === "group") && fields.length > 2) return `${fields[0]}.${fields[1]!}`;
  return fields[0]!;
}

function datasetName(output: string, scope: string | undefined): string {
  const colon = output.indexOf(":");
  const bare = colon >= 0 ? output.slice(colon + 1) : output;
  const own = colon >= 0 ? output.slice(0, colon) : rucioScope(bare);
  return `${scope ?? own}:${bare}`;
}

function asList(categories: string | readonly string[]): readonly string[] {
  return typeof categories === "string" ? [categories] : categories;
}

/**
 * The ntuple datasets of the chosen categories, in category order then file order, filtered by
 * campaign and DSID. Containers without ntuples are skipped (there is nothing to read). Throws
 * a MetadataError for an unknown category, a DSID of the filter that matches nothing, an
 * unparseable container name, an unknown campaign or a duplicate key (see NtupleSelection).
 */
export function ntupleSamples(
  meta: SampleMetadata,
  categories: string | readonly string[],
  selection: NtupleSelection = {},
): NtupleSample[] {
  const chosen = asList(categories);
  requireCategories(meta, chosen);
  const filter = compileFilter(selection);
  const samples: NtupleSample[] = [];
  const unknown: string[] = [];
  for (const category of chosen) {
    for (const [container, info] of Object.entries(meta.categories[category]!)) {
      if (info.output === null) continue;
      const name = parseInCategory(category, container);
      if (!passesDsid(name, filter)) continue;
      if (name.kind === "mc" && name.campaign === null) {
        if (selection.unknownCampaigns !== "skip") {
          unknown.push(`category "${category}", container "${container}": ${name.campaignProblem ?? "unknown campaign"}`);
        }
        continue;
      }
      if (passesCampaign(name, filter) !== true) continue;
      const period = name.kind === "data" ? name.yearTag : name.campaign!;
      samples.push({
        key: name.kind === "data" ? `${category}_data_${period}` : `${category}_${name.dsid}_${period}`,
        category,
        container,
        name,
        period,
        dsid: name.kind === "mc" ? name.dsid : null,
        dataset: datasetName(info.output, selection.scope),
        files: info.filesOutput,
        fileSizesGB: info.sizesOutputGB,
        sizeOutputGB: info.sizeOutputGB,
        inputEvents: info.nevtsInput,
      });
    }
  }
  if (unknown.length > 0) {
    throw new MetadataError(
      `${meta.source}: cannot name the ntuple datasets of ${unknown.length} container(s) whose campaign is unknown (leave them out with a DSID filter, or skip them with unknownCampaigns: "skip" / --skip-unknown-campaigns):\n  ${unknown.join("\n  ")}`,
    );
  }
  if (filter.dsids !== null) {
    const found = new Set(samples.map((s) => s.dsid));
    const unmatched = [...filter.dsids].filter((d) => !found.has(d));
    if (unmatched.length > 0) {
      throw new MetadataError(
        `DSID ${unmatched.join(", ")} of the DSID filter matches no container with ntuples in ${chosen.map((c) => `"${c}"`).join(", ")}${filter.campaigns === null ? "" : ` for ${[...filter.campaigns].join(", ")}`} (${meta.source})`,
      );
    }
  }
  return disambiguate(samples, selection.duplicates ?? "error", meta.source);
}

/** Detects keys shared by several containers and refuses or suffixes them; never overwrites. */
function disambiguate(samples: NtupleSample[], mode: "error" | "suffix", source: string): NtupleSample[] {
  const byKey = new Map<string, NtupleSample[]>();
  for (const s of samples) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
  const clashes = [...byKey.values()].filter((group) => group.length > 1);
  if (clashes.length === 0) return samples;
  const describe = (group: NtupleSample[]) =>
    `"${group[0]!.key}" would name ${group.length} containers: ${group.map((s) => `"${s.container}" (category "${s.category}")`).join(", ")}`;
  if (mode === "error") {
    throw new MetadataError(
      `${source}: duplicate dataset keys (filter by DSID/campaign, or use duplicates: "suffix" / --on-duplicate suffix to append the tags that differ):\n  ${clashes.map(describe).join("\n  ")}`,
    );
  }
  const renamed = new Map<NtupleSample, string>();
  for (const group of clashes) {
    const common = group.map((s) => new Set(s.name.tags)).reduce((a, b) => new Set([...a].filter((t) => b.has(t))));
    for (const s of group) {
      const differing = s.name.tags.filter((t) => !common.has(t));
      renamed.set(s, differing.length > 0 ? `${s.key}_${differing.join("_")}` : s.key);
    }
  }
  const result = samples.map((s) => ({ ...s, key: renamed.get(s) ?? s.key }));
  const seen = new Map<string, NtupleSample[]>();
  for (const s of result) seen.set(s.key, [...(seen.get(s.key) ?? []), s]);
  const still = [...seen.values()].filter((group) => group.length > 1);
  if (still.length > 0) {
    throw new MetadataError(
      `${source}: duplicate dataset keys that their tags cannot tell apart:\n  ${still.map(describe).join("\n  ")}`,
    );
  }
  return result;
}

/** `{ "<category>_<dsid>_<campaign>": "<scope>:<ntuple container>" }`, as the notebook builds it. */
export function ntupleDatasets(
  meta: SampleMetadata,
  categories: string | readonly string[],
  selection: NtupleSelection = {},
): Record<string, string> {
  return Object.fromEntries(ntupleSamples(meta, categories, selection).map((s) => [s.key, s.dataset]));
}

/** `{ "<category>_<dsid>_<campaign>": [ntuple file URLs] }`, for consumers that read files directly. */
export function ntupleFiles(
  meta: SampleMetadata,
  categories: string | readonly string[],
  selection: NtupleSelection = {},
): Record<string, string[]> {
  return Object.fromEntries(ntupleSamples(meta, categories, selection).map((s) => [s.key, s.files]));
}

/** A run config's reference to samples by category. */
export interface CategorySampleRef extends NtupleSelection {
  category: string;
}

/**
 * Resolves a run config's `{ category, campaigns?, dsids? }` into its ntuple datasets (each with
 * its rucio DID and file URLs). Stricter than ntupleSamples because a config asks for something
 * definite: it also throws when nothing matches, and when a listed campaign matches nothing.
 */
export function resolveCategorySamples(meta: SampleMetadata, ref: CategorySampleRef): NtupleSample[] {
  const { category, ...selection } = ref;
  const samples = ntupleSamples(meta, category, selection);
  const where = `category "${category}" of ${meta.source}`;
  if (samples.length === 0) {
    const filters = [
      selection.campaigns?.length ? `campaigns ${selection.campaigns.join(", ")}` : "",
      selection.dsids?.length ? `DSIDs ${selection.dsids.join(", ")}` : "",
    ].filter((f) => f !== "");
    throw new MetadataError(`${where} has no container with ntuples${filters.length ? ` for ${filters.join(" and ")}` : ""}`);
  }
  const unmatched = (selection.campaigns ?? []).filter(
    (c) => !samples.some((s) => s.period === c || (s.name.kind === "data" && s.name.matchingCampaign === c)),
  );
  if (unmatched.length > 0) {
    throw new MetadataError(`campaign ${unmatched.join(", ")} matches no container with ntuples in ${where}`);
  }
  return samples;
}
