import { DATA_YEAR_CAMPAIGN, R_TAG_CAMPAIGN, isDataYear, type McCampaign } from "./campaigns.js";
import { MetadataError } from "./errors.js";

/** Fields common to MC and data container names. */
interface ContainerNameBase {
  /** The name as given. */
  name: string;
  /** Rucio scope before the ":" (`data15_13TeV:`), or null when the name has none. */
  scope: string | null;
  /** First field, e.g. `mc20_13TeV`, `data22_13p6TeV`. */
  project: string;
  /** Centre-of-mass energy as written in the project, e.g. `13TeV`, `13p6TeV`. */
  energy: string;
  /** Production step, e.g. `deriv`, `PhysCont`. */
  prodStep: string;
  /** Data format, e.g. `DAOD_PHYSLITE`. */
  dataType: string;
  /** The tag field split at "_", e.g. `["e8514", "s4159", "r15530", "p6697"]`. */
  tags: string[];
  /** The last p-tag (derivation), or null. */
  pTag: string | null;
}

/** `mc20_13TeV.<DSID>.<physics short>.deriv.DAOD_PHYSLITE.<e>_<s|a>_<r>[_<r>]_<p>` */
export interface McContainerName extends ContainerNameBase {
  kind: "mc";
  /** Dataset (sample) identifier, six digits as in the name. */
  dsid: string;
  physicsShort: string;
  /** Every r-tag in order; merge tags such as r13146 follow the reconstruction tag. */
  rTags: string[];
  /**
   * Campaign from the r-tag table, or null when it cannot be told: no r-tag of the name is in
   * the table, or its r-tags disagree, or they disagree with the project. Never guessed.
   */
  campaign: McCampaign | null;
  /** The r-tag the campaign was read from, or null. */
  campaignRTag: string | null;
  /** Why `campaign` is null (names the r-tags), or null when it is known. */
  campaignProblem: string | null;
}

/** `data15_13TeV:data15_13TeV.periodAllYear.physics_Main.PhysCont.DAOD_PHYSLITE.grp15_v01_p6697` */
export interface DataContainerName extends ContainerNameBase {
  kind: "data";
  /** `data15`: the form dataset keys and campaign filters use. */
  yearTag: string;
  /** Calendar year, e.g. 2015. */
  year: number;
  /** `periodAllYear`, `periodB`..., or null for a single-run container. */
  period: string | null;
  /** Run number of a single-run container (`data18_13TeV.00348885...`), else null. */
  runNumber: number | null;
  /** Stream, e.g. `physics_Main`. */
  stream: string;
  /** Good-run-list tag, e.g. `grp15_v01`, or null. */
  grpTag: string | null;
  /** The MC campaign simulated for this year, or null for a year this module does not know. */
  matchingCampaign: McCampaign | null;
}

export type ContainerName = McContainerName | DataContainerName;

const MC_PROJECT = /^mc(\d{2})_(\d+(?:p\d+)?TeV)$/;
const DATA_PROJECT = /^data(\d{2})_(\d+(?:p\d+)?TeV)$/;
const DSID = /^\d{6}$/;
const TAG = /^[a-z]+\d+$/;
const PERIOD = /^period[A-Za-z0-9]+$/;
const RUN_NUMBER = /^\d{8}$/;

function malformed(name: string, why: string): MetadataError {
  return new MetadataError(`malformed container name "${name}": ${why}`);
}

function splitTags(name: string, field: string): string[] {
  const tags = field.split("_");
  const bad = tags.find((t) => !TAG.test(t));
  if (bad !== undefined) throw malformed(name, `tag "${bad}" in "${field}" is not a letter code followed by digits`);
  return tags;
}

function lastPTag(tags: string[]): string | null {
  const p = tags.filter((t) => /^p\d+$/.test(t));
  return p.length > 0 ? p[p.length - 1]! : null;
}

/**
 * Parses an ATLAS MC or data container name (with or without `scope:` and trailing "/").
 * Throws a MetadataError naming the container when the name does not have that shape; a name
 * whose r-tag is not in the campaign table parses, with `campaign: null` and the reason.
 */
export function parseContainerName(name: string): ContainerName {
  const bare = name.endsWith("/") ? name.slice(0, -1) : name;
  const parts = bare.split(":");
  if (parts.length > 2) throw malformed(name, 'more than one ":"');
  const scope = parts.length === 2 ? parts[0]! : null;
  if (scope === "") throw malformed(name, 'empty scope before ":"');
  const fields = parts[parts.length - 1]!.split(".");
  if (fields.length !== 6) {
    throw malformed(name, `expected 6 dot-separated fields (project.id.name.step.format.tags), found ${fields.length}`);
  }
  const [project, second, third, prodStep, dataType, tagField] = fields as [string, string, string, string, string, string];
  const empty = fields.findIndex((f) => f === "");
  if (empty >= 0) throw malformed(name, `field ${empty + 1} is empty`);

  const mc = MC_PROJECT.exec(project);
  if (mc) {
    if (!DSID.test(second)) throw malformed(name, `DSID "${second}" is not six digits`);
    const tags = splitTags(name, tagField);
    const rTags = tags.filter((t) => /^r\d+$/.test(t));
    return {
      kind: "mc",
      name,
      scope,
      project,
      energy: mc[2]!,
      dsid: second,
      physicsShort: third,
      prodStep,
      dataType,
      tags,
      rTags,
      pTag: lastPTag(tags),
      ...campaignOf(project, `mc${mc[1]!}`, rTags),
    };
  }

  const data = DATA_PROJECT.exec(project);
  if (data) {
    const period = PERIOD.test(second) ? second : null;
    const runNumber = RUN_NUMBER.test(second) ? Number(second) : null;
    if (period === null && runNumber === null) {
      throw malformed(name, `"${second}" is neither a period (periodAllYear, periodB...) nor an 8-digit run number`);
    }
    const tags = splitTags(name, tagField);
    const grpAt = tags.findIndex((t, i) => /^grp\d+$/.test(t) && /^v\d+$/.test(tags[i + 1] ?? ""));
    const yearTag = `data${data[1]!}`;
    return {
      kind: "data",
      name,
      scope,
      project,
      energy: data[2]!,
      yearTag,
      year: 2000 + Number(data[1]),
      period,
      runNumber,
      stream: third,
      prodStep,
      dataType,
      tags,
      grpTag: grpAt >= 0 ? `${tags[grpAt]!}_${tags[grpAt + 1]!}` : null,
      pTag: lastPTag(tags),
      matchingCampaign: isDataYear(yearTag) ? DATA_YEAR_CAMPAIGN[yearTag] : null,
    };
  }

  throw malformed(name, `project "${project}" is neither mcNN_<energy> nor dataNN_<energy>`);
}

function campaignOf(
  project: string,
  generation: string,
  rTags: string[],
): Pick<McContainerName, "campaign" | "campaignRTag" | "campaignProblem"> {
  const known = rTags.filter((t) => R_TAG_CAMPAIGN.has(t));
  const campaigns = [...new Set(known.map((t) => R_TAG_CAMPAIGN.get(t)!))];
  const unknown = (campaignProblem: string) => ({ campaign: null, campaignRTag: null, campaignProblem });
  if (rTags.length === 0) return unknown("unknown campaign: the name has no r-tag");
  if (campaigns.length === 0) {
    return unknown(`unknown campaign: r-tag ${rTags.join(", ")} is not in the campaign table`);
  }
  if (campaigns.length > 1) {
    return unknown(`unknown campaign: r-tags ${known.join(", ")} belong to different campaigns (${campaigns.join(", ")})`);
  }
  const campaign = campaigns[0]!;
  if (!campaign.startsWith(generation)) {
    return unknown(`unknown campaign: r-tag ${known[0]!} belongs to ${campaign} but the project is ${project}`);
  }
  return { campaign, campaignRTag: known[0]!, campaignProblem: null };
}
