import { z } from "zod";

/**
 * One container entry exactly as the metadata file stores it. Unknown extra fields are kept
 * out of the typed result but do not make a file invalid, so newer files still load.
 */
export const rawContainerInfoSchema = z
  .object({
    nevts_input: z.int().nonnegative(),
    nfiles_input: z.int().nonnegative(),
    size_input_GB: z.number().nonnegative(),
    output: z.string().min(1).nullable(),
    files_output: z.array(z.string().min(1)).nullable(),
    nfiles_output: z.int().nonnegative().nullable(),
    size_output_GB: z.number().nonnegative().nullable(),
    // Absent from entries without ntuples in the real file.
    sizes_output_GB: z.array(z.number().nonnegative()).nullable().optional(),
    nevts_output: z.int().nonnegative().nullable().optional(),
    jeditaskid: z.int().nullable().optional(),
  })
  .loose();

export type RawContainerInfo = z.infer<typeof rawContainerInfoSchema>;

/** A validated container entry, with the "no ntuples" case normalised to empty values. */
export interface ContainerInfo {
  /** Events in the input DAOD_PHYSLITE container. */
  nevtsInput: number;
  nfilesInput: number;
  sizeInputGB: number;
  /** Name of the ntuple (TopCP output) container without its trailing "/", or null: no ntuples. */
  output: string | null;
  /** xrootd URLs of the ntuple files ([] when there are none). */
  filesOutput: string[];
  /** Equal to `filesOutput.length` (checked when loading). */
  nfilesOutput: number;
  /** Total ntuple size in GB (0 when there are no ntuples). */
  sizeOutputGB: number;
  /** Per-file ntuple sizes in GB, parallel to `filesOutput`, when the file gives them. */
  sizesOutputGB: number[] | null;
  /** Events in the ntuples, when known (often not). */
  nevtsOutput: number | null;
  /** Grid task that produced the ntuples. */
  jeditaskid: number | null;
}

/** A whole metadata file: `categories[category][container name]`, in file order. */
export interface SampleMetadata {
  /** Where it was read from (a path, or a label given to parseSampleMetadata). */
  source: string;
  categories: Record<string, Record<string, ContainerInfo>>;
}
