import { MetadataError } from "./errors.js";

/** ATLAS MC campaigns this module knows the r-tags of (NOTES.md of the integration challenge). */
export const MC_CAMPAIGNS = ["mc20a", "mc20d", "mc20e", "mc23a", "mc23d", "mc23e"] as const;
export type McCampaign = (typeof MC_CAMPAIGNS)[number];

/** Data-taking years, written as in data container names (`data15_13TeV...`). */
export const DATA_YEARS = ["data15", "data16", "data17", "data18", "data22", "data23", "data24"] as const;
export type DataYear = (typeof DATA_YEARS)[number];

/** A campaign or a data year: what the `campaign` part of a dataset key holds. */
export type Period = McCampaign | DataYear;

const CAMPAIGN_R_TAGS: Readonly<Record<McCampaign, readonly string[]>> = {
  mc20a: ["r13167", "r14859", "r13297", "r14862"],
  mc20d: ["r13144", "r14860", "r13298", "r14863"],
  mc20e: ["r13145", "r14861", "r13299", "r14864"],
  mc23a: ["r14622", "r15540"],
  mc23d: ["r15224", "r15530"],
  mc23e: ["r16083"],
};

/** r-tag -> campaign. A Map so that a name like "constructor" is never mistaken for a tag. */
export const R_TAG_CAMPAIGN: ReadonlyMap<string, McCampaign> = new Map(
  MC_CAMPAIGNS.flatMap((campaign) => CAMPAIGN_R_TAGS[campaign].map((tag) => [tag, campaign] as const)),
);

/** The MC campaign simulated to match each data-taking year (mc20a covers 2015 and 2016). */
export const DATA_YEAR_CAMPAIGN: Readonly<Record<DataYear, McCampaign>> = {
  data15: "mc20a",
  data16: "mc20a",
  data17: "mc20d",
  data18: "mc20e",
  data22: "mc23a",
  data23: "mc23d",
  data24: "mc23e",
};

const DATA_LUMINOSITY_PB: Readonly<Record<DataYear, number>> = {
  data15: 3244.54,
  data16: 33402.2,
  data17: 44630.6,
  data18: 58791.6,
  data22: 26328.8,
  data23: 25204.3,
  data24: 109376.0,
};

/**
 * Integrated luminosity in pb^-1 per campaign and per data year. mc20a is the sum of 2015 and
 * 2016 written as that sum, so the value is the very float the analysis notebook uses.
 */
export const LUMINOSITY_PB: Readonly<Record<Period, number>> = {
  ...DATA_LUMINOSITY_PB,
  mc20a: DATA_LUMINOSITY_PB.data15 + DATA_LUMINOSITY_PB.data16,
  mc20d: DATA_LUMINOSITY_PB.data17,
  mc20e: DATA_LUMINOSITY_PB.data18,
  mc23a: DATA_LUMINOSITY_PB.data22,
  mc23d: DATA_LUMINOSITY_PB.data23,
  mc23e: DATA_LUMINOSITY_PB.data24,
};

export function isMcCampaign(value: string): value is McCampaign {
  return (MC_CAMPAIGNS as readonly string[]).includes(value);
}

export function isDataYear(value: string): value is DataYear {
  return (DATA_YEARS as readonly string[]).includes(value);
}

export function isPeriod(value: string): value is Period {
  return isMcCampaign(value) || isDataYear(value);
}

/** Integrated luminosity in pb^-1 of a campaign ("mc20a") or data year ("data15"). */
export function luminosityPb(period: string): number {
  if (!isPeriod(period)) {
    throw new MetadataError(
      `no integrated luminosity for "${period}": known campaigns and years are ${[...MC_CAMPAIGNS, ...DATA_YEARS].join(", ")}`,
    );
  }
  return LUMINOSITY_PB[period];
}
