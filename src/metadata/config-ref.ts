import { z } from "zod";
import { DATA_YEARS, MC_CAMPAIGNS, isPeriod } from "./campaigns.js";

/**
 * Schema of a run config's reference to samples by category, for the run-config loader to embed
 * (for example under `samples:`); resolve a parsed value with resolveCategorySamples.
 */
export const categorySampleRefSchema = z
  .object({
    category: z.string().min(1),
    campaigns: z
      .array(
        z.string().refine(isPeriod, {
          message: `unknown campaign: expected one of ${[...MC_CAMPAIGNS, ...DATA_YEARS].join(", ")}`,
        }),
      )
      .optional(),
    dsids: z.array(z.union([z.string().regex(/^\d{6}$/, "expected a six-digit DSID"), z.int().min(100000).max(999999)])).optional(),
    scope: z.string().min(1).optional(),
    duplicates: z.enum(["error", "suffix"]).optional(),
    unknownCampaigns: z.enum(["error", "skip"]).optional(),
  })
  .strict();
