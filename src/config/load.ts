import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import type * as z from "zod";
import { loadSampleMetadata, resolveCategorySamples, type SampleMetadata } from "../metadata/index.js";
// A leaf module reading a file's first bytes; the rest of sources/ is above config/.
import { detectFormat } from "../sources/detect.js";
import { type DatasetSpec, resolveDataset } from "../servicex/dataset.js";
import type { FileFormat } from "../sources/detect.js";
import { expandGlob } from "./glob.js";
import { runConfigSchema } from "./schema.js";
import type { ObjectGroupConfig, ParsedRunConfig, SampleConfig } from "./schema.js";
import type { ElementType } from "../batch/core.js";

/** A configuration error; `issues` are the individual `config.path: message` lines. */
export class RunConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid run configuration ${source}:\n  ${issues.join("\n  ")}`);
    this.name = "RunConfigError";
  }
}

/** `config.objects.jet.fields.pt`, `config.samples[0].files[1]`. */
export function configPath(p: readonly PropertyKey[]): string {
  let out = "config";
  for (const k of p) out += typeof k === "number" ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(k)) ? `.${String(k)}` : `[${JSON.stringify(String(k))}]`;
  return out;
}

function flatten(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[], out: string[]): void {
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0 && !issue.message.startsWith("expected ")) {
      // Report the branch that got furthest: the one whose issues are not a type mismatch at its root.
      const branches = issue.errors;
      const best = branches.find((b) => !b.some((i) => i.code === "invalid_type" && i.path.length === 0)) ?? branches[0]!;
      flatten(best, at, out);
    } else {
      out.push(`${configPath(at)}: ${issue.message}`);
    }
  }
}

/** A field after defaults: its expression and optional output type. */
export interface ResolvedField {
  expr: string;
  type?: ElementType;
}

export interface ResolvedGroup extends Omit<ObjectGroupConfig, "fields" | "padding"> {
  padding: "zero" | "nan";
  fields: Record<string, ResolvedField>;
}

/** An input file and its format, detected from its first bytes. */
export interface SampleFile {
  path: string;
  format: FileFormat;
}

/** Where a ServiceX-backed sample's files come from; `materialiseSamples` fetches them. */
export interface ServiceXSampleSource {
  /** `servicex`: one dataset given in the config; `category`: the datasets of a metadata category. */
  from: "servicex" | "category";
  /** The category name, for `from: category`. */
  category?: string;
  /** One entry per dataset (a category may expand to several), each with a key unique in the sample. */
  datasets: { key: string; dataset: DatasetSpec }[];
  nFiles?: number;
  codegen?: string;
  endpoint?: string;
  ignoreLocalCache?: boolean;
  delivery?: "download" | "stream";
}

export interface ResolvedSample {
  name: string;
  label: number;
  /** Absolute paths, sorted and deduplicated per sample; empty for a ServiceX sample until materialised. */
  files: SampleFile[];
  /** The patterns (or dataset names) as written, for messages. */
  patterns: string[];
  /** Present when the files come from ServiceX (`servicex` or `category` in the config). */
  servicex?: ServiceXSampleSource;
}

/** The run configuration ready to use: defaults applied, paths absolute, globs expanded. */
export interface RunConfig extends Omit<ParsedRunConfig, "samples" | "objects" | "classes" | "output"> {
  /** The config file, when loaded from one. */
  source: string;
  baseDir: string;
  samples: ResolvedSample[];
  /** Class names indexed by label: as configured, or the names of each label's samples joined with "+". */
  classes: string[];
  /** The one global group's name. */
  globalGroup: string;
  objects: Record<string, ResolvedGroup>;
  output: Omit<ParsedRunConfig["output"], "fullPrecision"> & { fullPrecision: string[] };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Validates a configuration object: every problem at once, each named by its config path. */
export function parseRunConfig(value: unknown, source = "<inline>"): ParsedRunConfig {
  const result = runConfigSchema.safeParse(value, {
    error: (issue) => {
      if (issue.code !== "invalid_type") return undefined;
      if (issue.input === undefined) return "required but missing";
      return `expected ${issue.expected}, got ${describe(issue.input)}`;
    },
  });
  if (result.success) return result.data;
  const lines: string[] = [];
  flatten(result.error.issues, [], lines);
  throw new RunConfigError(source, lines);
}

/** Files of `patterns` (globs relative to baseDir), sorted and deduplicated, each with its format. */
async function localFiles(
  sample: string,
  patterns: readonly string[],
  baseDir: string,
  at: (j: number) => readonly PropertyKey[],
  issues: string[],
): Promise<SampleFile[]> {
  const files = new Map<string, SampleFile>();
  for (const [j, pattern] of patterns.entries()) {
    const where = configPath(at(j));
    const matched = await expandGlob(pattern, baseDir);
    if (matched.length === 0) issues.push(`${where} (sample "${sample}"): no file matches "${pattern}" (relative to ${baseDir})`);
    for (const f of matched) {
      if (files.has(f)) continue;
      try {
        files.set(f, { path: f, format: await detectFormat(f) });
      } catch (err) {
        issues.push(`${where}: ${(err as Error).message}`);
      }
    }
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function describeDataset(d: DatasetSpec): string {
  if (typeof d === "string") return d;
  if ("fileList" in d) return `${d.fileList.length} listed file(s)`;
  return Object.values(d).map(String).join("");
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Checks a sample's source without any network access: local globs are expanded, a ServiceX
 * dataset is checked as deliver() would, and a category is looked up in the metadata file.
 */
async function resolveSample(
  s: SampleConfig,
  i: number,
  baseDir: string,
  loadMeta: () => Promise<SampleMetadata>,
  issues: string[],
): Promise<ResolvedSample> {
  const base = { name: s.name, label: s.label };
  if (s.files) return { ...base, files: await localFiles(s.name, s.files, baseDir, (j) => ["samples", i, "files", j], issues), patterns: s.files };
  if (s.servicex) {
    const { dataset: given, ...delivery } = s.servicex;
    let dataset: DatasetSpec = given;
    if (typeof given === "object" && "fileList" in given) {
      // Local entries are globs relative to the config, like `files`; URLs go to the server as written.
      const list: string[] = [];
      for (const [j, entry] of given.fileList.entries()) {
        if (URL_SCHEME.test(entry)) list.push(entry);
        else list.push(...(await localFiles(s.name, [entry], baseDir, () => ["samples", i, "servicex", "dataset", "fileList", j], issues)).map((f) => f.path));
      }
      dataset = { fileList: list };
    }
    const unmatched = typeof dataset === "object" && "fileList" in dataset && dataset.fileList.length === 0; // reported above
    try {
      if (!unmatched) resolveDataset(dataset, undefined, configPath(["samples", i, "servicex", "dataset"]));
    } catch (err) {
      issues.push((err as Error).message);
    }
    return { ...base, files: [], patterns: [describeDataset(dataset)], servicex: { from: "servicex", datasets: [{ key: s.name, dataset }], ...delivery } };
  }
  // The rest holds only the delivery keys given (the parser leaves absent keys out).
  const { name: category, campaigns, dsids, scope, duplicates, unknownCampaigns, ...delivery } = s.category!;
  const selection = { campaigns, dsids, scope, duplicates, unknownCampaigns };
  let datasets: { key: string; dataset: DatasetSpec }[] = [];
  try {
    const found = resolveCategorySamples(await loadMeta(), { category, ...selection });
    datasets = found.map((d) => ({ key: d.key, dataset: d.dataset }));
  } catch (err) {
    issues.push(`${configPath(["samples", i, "category"])}: ${(err as Error).message}`);
  }
  return {
    ...base,
    files: [],
    patterns: datasets.map((d) => describeDataset(d.dataset)),
    servicex: { from: "category", category, datasets, ...delivery },
  };
}

const FULL_PRECISION_DEFAULT = /pt|energy|mass/i;

/** A file in two samples (often a glob catching another sample's file) writes its events under both labels. */
function checkSharedFiles(samples: ResolvedSample[], issues: string[]): void {
  const owner = new Map<string, number>();
  samples.forEach((s, i) => {
    for (const f of s.files) {
      const first = owner.get(f.path);
      if (first === undefined) {
        owner.set(f.path, i);
      } else if (first !== i) {
        issues.push(
          `${configPath(["samples", i, "files"])}: "${f.path}" is also a file of sample "${samples[first]!.name}" (samples[${first}]): ` +
            `its events would be written under the labels of both "${samples[first]!.name}" and "${s.name}" (set sharedFiles: true if that is intended)`,
        );
      }
    }
  });
}

/**
 * Applies the defaults that need the whole configuration, checks cross-references and expands
 * sample globs against `baseDir` (a pattern that matches no file is an error).
 */
export async function resolveRunConfig(parsed: ParsedRunConfig, baseDir: string, source = "<inline>"): Promise<RunConfig> {
  const issues: string[] = [];
  const samples: ResolvedSample[] = [];
  const metadata = parsed.metadata === undefined ? undefined : path.resolve(baseDir, parsed.metadata);
  let meta: Promise<SampleMetadata> | undefined;
  const loadMeta = (): Promise<SampleMetadata> => (meta ??= loadSampleMetadata(metadata!));
  for (const [i, s] of parsed.samples.entries()) {
    samples.push(await resolveSample(s, i, baseDir, loadMeta, issues));
  }

  if (!parsed.sharedFiles) checkSharedFiles(samples, issues);

  const maxLabel = Math.max(...parsed.samples.map((s) => s.label));
  const classCount = parsed.classes?.length ?? maxLabel + 1;
  const classes: string[] = [];
  for (let c = 0; c < classCount; c++) {
    const members = parsed.samples.filter((s) => s.label === c).map((s) => s.name);
    if (members.length === 0) {
      issues.push(`${configPath(["samples"])}: no sample has label ${c}${parsed.classes ? ` (class "${parsed.classes[c]}")` : ""}; labels must cover 0..${classCount - 1}`);
    }
    classes.push(parsed.classes?.[c] ?? members.join("+"));
  }

  const objects: Record<string, ResolvedGroup> = {};
  let globalGroup = "";
  for (const [name, g] of Object.entries(parsed.objects)) {
    if (g.global) globalGroup = name;
    const fields: Record<string, ResolvedField> = {};
    for (const [f, spec] of Object.entries(g.fields)) fields[f] = typeof spec === "string" ? { expr: spec } : spec;
    objects[name] = { ...g, padding: g.padding ?? parsed.padding, fields };
  }
  const allFields = Object.entries(objects).flatMap(([g, o]) => Object.keys(o.fields).map((f) => ({ g, f })));
  const checkRefs = (list: readonly string[] | undefined, where: readonly PropertyKey[]) =>
    list?.forEach((ref, i) => {
      if (!allFields.some(({ g, f }) => ref === `${g}.${f}` || ref === f)) {
        issues.push(`${configPath([...where, i])}: "${ref}" is not a field of any object group (write group.field or field)`);
      }
    });
  checkRefs(parsed.output.fullPrecision, ["output", "fullPrecision"]);
  checkRefs(parsed.normalise?.exclude, ["normalise", "exclude"]);
  for (const key of Object.keys(parsed.report.binning)) {
    if (!allFields.some(({ g, f }) => key === `${g}.${f}`)) {
      issues.push(`${configPath(["report", "binning", key])}: "${key}" is not a field of any object group (write group.field)`);
    }
  }
  const fullPrecision = allFields
    .filter(({ g, f }) =>
      parsed.output.fullPrecision ? parsed.output.fullPrecision.some((r) => r === f || r === `${g}.${f}`) : FULL_PRECISION_DEFAULT.test(f),
    )
    .map(({ g, f }) => `${g}.${f}`);

  if (issues.length > 0) throw new RunConfigError(source, issues);
  return {
    ...parsed,
    ...(metadata !== undefined ? { metadata } : {}),
    source,
    baseDir,
    samples,
    classes,
    globalGroup,
    objects,
    output: { ...parsed.output, dir: path.resolve(baseDir, parsed.output.dir), fullPrecision },
  };
}

/**
 * Loads a YAML run configuration; relative paths and globs are resolved against its directory and
 * every matched file's format (ROOT or Parquet) is detected from its first bytes.
 */
export async function loadRunConfig(file: string): Promise<RunConfig> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : (err.code ?? err.message);
    throw new RunConfigError(file, [`cannot read the configuration file ${path.resolve(file)}: ${why}`]);
  });
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RunConfigError(file, doc.errors.map((e) => `YAML: ${e.message.replace(/\n+/g, " ").trim()}`));
  }
  const value: unknown = doc.toJS();
  const parsed = parseRunConfig(value, file);
  return resolveRunConfig(parsed, path.dirname(path.resolve(file)), file);
}
