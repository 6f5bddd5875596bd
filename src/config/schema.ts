import * as z from "zod";
import { categorySampleRefSchema } from "../metadata/config-ref.js";
import { checkSplitRules, parseSplitCondition, SPLIT_NAMES } from "../stages/split.js";
import { closeNames, didYouMeanPhrase } from "../text/close-names.js";

/** A strict object whose unknown keys are errors that suggest the closest known key. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      return issue.keys
        .map((key) => `unknown key "${key}"${didYouMeanPhrase(closeNames(key, known, 1))} (known keys: ${known.join(", ")})`)
        .join("; ");
    },
  });
}

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an identifier (letters, digits, _; not starting with a digit)");
const expression = z.string().trim().min(1, "expected a non-empty expression");

export const ELEMENT_TYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"] as const;

const elementType = z.enum(ELEMENT_TYPES);

/** A field: an expression (branch name, alias or formula), optionally with an output type. */
const fieldSpec = z.union([expression, strict({ expr: expression, type: elementType.optional() })], {
  error: () => 'expected an expression string or {expr: "<expression>", type: "<element type>"}',
});

/** Padding of empty slots: `zero` (or 0) or `nan` (or .nan): NaN for floats, -1 for signed ints. */
const padding = z.union([z.enum(["zero", "nan"]), z.literal(0).transform(() => "zero" as const), z.nan().transform(() => "nan" as const)], {
  error: () => "expected zero (or 0) or nan (or .nan)",
});

const objectGroup = strict({
  global: z.boolean().default(false),
  max: z.int().min(1).optional(),
  sort: expression.optional(),
  select: expression.optional(),
  padding: padding.optional(),
  fields: z.record(name, fieldSpec).refine((f) => Object.keys(f).length > 0, "a group needs at least one field"),
}).superRefine((g, ctx) => {
  if (g.global) {
    for (const key of ["max", "sort", "select"] as const) {
      if (g[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `a global group has one value per event: "${key}" does not apply` });
    }
  } else if (g.fields.valid !== undefined) {
    ctx.addIssue({ code: "custom", path: ["fields", "valid"], message: '"valid" is reserved for the slot validity of an object group' });
  }
  if (!g.global && g.max === undefined) {
    ctx.addIssue({ code: "custom", path: ["max"], message: "an object group needs max (the number of slots per event)" });
  }
});

/** How a ServiceX-backed sample is fetched (the query itself is built from the run config). */
const delivery = {
  /** At most this many input files per dataset (ServiceX NFiles). */
  nFiles: z.int().min(1).optional(),
  /** Code generator (default uproot-raw). */
  codegen: z.string().min(1).optional(),
  /** api_endpoints entry of servicex.yaml; `local` runs the query in-process on local files. */
  endpoint: z.string().min(1).optional(),
  ignoreLocalCache: z.boolean().optional(),
  /**
   * download (default): result files into the cache, then converted; stream: presigned URLs of the
   * results, read with range requests (only the bytes of the needed columns), nothing downloaded.
   */
  delivery: z.enum(["download", "stream"]).optional(),
};

/** The Python client's dataset kinds; a bare string is a DID (rucio by default). */
const dataset = z.union(
  [
    z.string().min(1),
    strict({ rucio: z.string().min(1) }),
    strict({ fileList: z.array(z.string().min(1)).min(1, "a file list needs at least one file") }),
    strict({ xrootd: z.string().min(1) }),
    strict({ cernOpenData: z.union([z.int().min(0), z.string().regex(/^\d+$/)]) }),
  ],
  {
    error: () =>
      'expected a dataset: a DID string ("scope:name", rucio://, root://, xrootd://, cernopendata://), {rucio: ...}, {fileList: [...]}, {xrootd: ...} or {cernOpenData: N}',
  },
);

const SAMPLE_SOURCES = ["files", "servicex", "category"] as const;

const sample = strict({
  name,
  label: z.int().min(0),
  files: z.array(z.string().min(1)).min(1, "a sample needs at least one file or glob").optional(),
  servicex: strict({ dataset, ...delivery }).optional(),
  /** Datasets of a category of the top-level metadata file, all with this sample's label. */
  category: strict({ name: z.string().min(1), ...categorySampleRefSchema.omit({ category: true }).shape, ...delivery }).optional(),
}).superRefine((s, ctx) => {
  const given = SAMPLE_SOURCES.filter((k) => s[k] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: `give exactly one source of files: ${SAMPLE_SOURCES.join(", ")}${given.length ? ` (found ${given.join(" and ")})` : ""}`,
    });
  }
});

const tripletSchema = z.tuple([z.string().min(1), z.string().min(1), z.number()]).superRefine((t, ctx) => {
  try {
    parseSplitCondition(t);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

const splitSchema = strict({
  by: z.array(z.string().min(1)).min(1).default(["runNumber", "eventNumber"]),
  fractions: strict({ train: z.number().min(0).max(1), val: z.number().min(0).max(1), test: z.number().min(0).max(1) }).optional(),
  rules: strict({ train: z.array(tripletSchema), val: z.array(tripletSchema), test: z.array(tripletSchema) }).optional(),
  seed: z.int().min(0).default(0),
}).superRefine((s, ctx) => {
  if ((s.fractions === undefined) === (s.rules === undefined)) {
    ctx.addIssue({ code: "custom", message: "give either fractions (hash split of the `by` keys) or rules (UPP eventNumber % N cuts), not both or neither" });
    return;
  }
  if (s.fractions) {
    const sum = s.fractions.train + s.fractions.val + s.fractions.test;
    if (Math.abs(sum - 1) > 1e-9) ctx.addIssue({ code: "custom", path: ["fractions"], message: `fractions sum to ${Number(sum.toPrecision(12))}, not 1` });
  }
  if (s.rules) {
    let rules;
    try {
      rules = SPLIT_NAMES.map((k) => s.rules![k].map((t) => parseSplitCondition(t)));
    } catch {
      return; // already reported at the triplet
    }
    const check = checkSplitRules(rules);
    if (check && check.overlapping.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["rules"],
        message: `${check.field} % ${check.modulus} in {${check.overlapping.join(", ")}} matches more than one split`,
      });
    }
  }
});

export const runConfigSchema = strict({
  tree: z.string().min(1),
  samples: z.array(sample).min(1, "at least one sample is needed"),
  /** Sample-metadata file (file_metadata.json or .json.gz) that `category` samples refer to. */
  metadata: z.string().min(1).optional(),
  /** Class names indexed by label; stored as the flavour_label attribute SALT reads. */
  classes: z.array(z.string().min(1)).min(1).optional(),
  labelField: name.default("flavour_label"),
  /** Set when a file is meant to feed several samples (its events are then written once per sample). */
  sharedFiles: z.boolean().default(false),
  cuts: z.array(expression).default([]),
  aliases: z.record(name, expression).default({}),
  objects: z.record(name, objectGroup),
  padding: padding.default("zero"),
  split: splitSchema,
  shuffle: strict({ enabled: z.boolean().default(true), seed: z.int().min(0).default(42), buckets: z.int().min(1).optional() }).default({
    enabled: true,
    seed: 42,
  }),
  normalise: strict({ exclude: z.array(z.string()).default([]) }).optional(),
  classWeights: strict({ method: z.enum(["upp", "raw"]).default("upp"), empty: z.enum(["error", "zero"]).default("error") }).default({
    method: "upp",
    empty: "error",
  }),
  output: strict({
    dir: z.string().min(1),
    name: z.string().regex(/^[^/\\]+$/, "a file name stem, without directories"),
    /** `<name>_<split>.h5` (SALT's HDF5) or `<name>_<split>.arrow` (Arrow IPC file, uncompressed). */
    format: z.enum(["hdf5", "arrow"]).default("hdf5"),
    compression: z.enum(["none", "gzip", "lzf"]).default("gzip"),
    level: z.int().min(1).max(9).optional(),
    precision: z.enum(["full", "half"]).default("full"),
    /** Fields (`group.field` or `field`) kept in float32 when precision is half. */
    fullPrecision: z.array(z.string().min(1)).optional(),
  }),
  /** The run report page: `<name>_report.html` and the histograms it is drawn from. */
  report: strict({
    html: z.boolean().default(true),
    /** Display binning per `group.field`; what is not given is chosen from the data. */
    binning: z
      .record(
        z.string(),
        strict({ min: z.number().optional(), max: z.number().optional(), bins: z.int().min(1).max(1000).optional(), log: z.boolean().optional() }).refine(
          (b) => b.min === undefined || b.max === undefined || b.max > b.min,
          "max must be above min",
        ),
      )
      .default({}),
  }).default({ html: true, binning: {} }),
  batchSize: z.int().min(1).default(100_000),
  /** Read only the first N entries of each sample (its files in order): quick checks of a configuration. */
  maxEvents: z.int().min(1).optional(),
  workers: z.int().min(1).optional(),
}).superRefine((c, ctx) => {
  const globals = Object.entries(c.objects).filter(([, g]) => g.global).map(([k]) => k);
  if (globals.length !== 1) {
    ctx.addIssue({
      code: "custom",
      path: ["objects"],
      message: `exactly one group must be global (the per-event object SALT slices by), found ${globals.length}${globals.length ? `: ${globals.join(", ")}` : ""}`,
    });
  }
  const seen = new Map<string, number>();
  c.samples.forEach((s, i) => {
    if (s.category && c.metadata === undefined) {
      ctx.addIssue({ code: "custom", path: ["samples", i, "category"], message: 'a category sample needs the top-level "metadata" (path of file_metadata.json or .json.gz)' });
    }
    const first = seen.get(s.name);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: ["samples", i, "name"], message: `sample name "${s.name}" already used by samples[${first}]` });
    else seen.set(s.name, i);
    if (c.classes && s.label >= c.classes.length) {
      ctx.addIssue({ code: "custom", path: ["samples", i, "label"], message: `label ${s.label} has no entry in classes (${c.classes.length} classes)` });
    }
  });
  c.classes?.forEach((name, k) => {
    const first = c.classes!.indexOf(name);
    if (first !== k) ctx.addIssue({ code: "custom", path: ["classes", k], message: `class name "${name}" already used by classes[${first}]` });
  });
  for (const alias of Object.keys(c.aliases)) {
    if (c.objects[alias]) ctx.addIssue({ code: "custom", path: ["aliases", alias], message: `alias "${alias}" has the name of an object group` });
  }
  if (c.output.level !== undefined && c.output.compression !== "gzip") {
    ctx.addIssue({ code: "custom", path: ["output", "level"], message: "level applies to gzip compression only" });
  }
});

/** The run configuration after validation and defaults (file patterns not yet expanded). */
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type ParsedRunConfig = z.output<typeof runConfigSchema>;
export type ObjectGroupConfig = ParsedRunConfig["objects"][string];
export type FieldConfig = ObjectGroupConfig["fields"][string];
export type SplitConfig = ParsedRunConfig["split"];
export type SampleConfig = ParsedRunConfig["samples"][number];
export const SPLITS = SPLIT_NAMES;
