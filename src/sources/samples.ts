import { freeNames } from "../expr/index.js";
import { detectFormat } from "./detect.js";
import type { DeliverOptions, DeliverSpec, SampleSpec, UprootRawTreeQuery } from "../servicex/index.js";
import { configPath, RunConfigError, type ResolvedSample, type RunConfig, type SampleFile } from "../config/index.js";

/** Some ServiceX samples could not be fetched; `failures` are `config.samples[i] ...: message` lines. */
export class SampleDeliveryError extends Error {
  constructor(readonly failures: string[]) {
    super(`cannot fetch the ServiceX samples:\n  ${failures.join("\n  ")}`);
    this.name = "SampleDeliveryError";
  }
}

/**
 * Options of materialiseSamples: those of deliver(), where `endpoint` is the default for samples
 * that name none, and `onSampleFile`, told each file of a `delivery: stream` sample (by config
 * sample index) as soon as the transform reports it.
 */
/** `onSampleFile`: a result file of config sample `sample`, delivered as deliver() sample `request`. */
export type MaterialiseOptions = DeliverOptions & { onSampleFile?: (sample: number, file: string, request: string) => void };

/**
 * The branches a run needs from its input, found from the config's expressions without any file
 * at hand (cuts, aliases in use, fields, sort and select expressions, split keys), sorted.
 */
export function neededBranches(config: RunConfig): string[] {
  const names = new Set<string>();
  const issues: string[] = [];
  const add = (source: string, at: readonly PropertyKey[]): void => {
    try {
      for (const n of freeNames(source, config.aliases).branches) names.add(n);
    } catch (err) {
      issues.push(`${configPath(at)}: ${(err as Error).message}`);
    }
  };
  config.cuts.forEach((c, i) => add(c, ["cuts", i]));
  for (const [g, group] of Object.entries(config.objects)) {
    if (group.sort !== undefined) add(group.sort, ["objects", g, "sort"]);
    if (group.select !== undefined) add(group.select, ["objects", g, "select"]);
    for (const [f, field] of Object.entries(group.fields)) add(field.expr, ["objects", g, "fields", f]);
  }
  if (config.split.rules) for (const rules of Object.values(config.split.rules)) for (const [field] of rules) names.add(field);
  else for (const key of config.split.by) names.add(key);
  if (issues.length > 0) throw new RunConfigError(config.source, issues);
  return [...names].sort();
}

/** The UprootRaw query every ServiceX sample of the run is fetched with: tree, needed branches, cuts. */
export function sampleQuery(config: RunConfig): UprootRawTreeQuery {
  const aliases = new Set(config.cuts.flatMap((c) => freeNames(c, config.aliases).aliases));
  const branches = neededBranches(config);
  return {
    tree: config.tree,
    branches,
    ...(config.cuts.length > 0 ? { cuts: config.cuts } : {}),
    ...(aliases.size > 0 ? { aliases: Object.fromEntries([...aliases].sort().map((a) => [a, config.aliases[a]!])) } : {}),
  };
}

/** One dataset of a ServiceX-backed config sample, as deliver() is asked for it. */
export interface RunSampleRequest {
  /** The config sample's index. */
  sample: number;
  /** The dataset's index in the sample's `servicex.datasets`. */
  dataset: number;
  /** The sample's endpoint, else the caller's default (undefined: servicex.yaml's default). */
  endpoint: string | undefined;
  /** `delivery: stream`: signed URLs converted as they come, instead of downloads. */
  stream: boolean;
  spec: SampleSpec;
}

/** The deliver() requests of a run's ServiceX samples, in config order, all with the run's query (`sampleQuery`). */
export function runSampleRequests(config: RunConfig, defaultEndpoint?: string): RunSampleRequest[] {
  const query = sampleQuery(config);
  return config.samples.flatMap((s, i) => {
    const source = s.servicex;
    if (!source) return [];
    return source.datasets.map((d, j) => ({
      sample: i,
      dataset: j,
      endpoint: source.endpoint ?? defaultEndpoint,
      stream: source.delivery === "stream",
      spec: {
        Name: requestName(s, d.key),
        Dataset: d.dataset,
        Query: query,
        ...(source.nFiles !== undefined ? { NFiles: source.nFiles } : {}),
        ...(source.codegen !== undefined ? { Codegen: source.codegen } : {}),
        ...(source.ignoreLocalCache !== undefined ? { IgnoreLocalCache: source.ignoreLocalCache } : {}),
      },
    }));
  });
}

/** The deliver() sample name of one dataset of a config sample: unique across the run. */
function requestName(s: ResolvedSample, key: string): string {
  return s.servicex!.from === "servicex" ? s.name : `${s.name}:${key}`;
}

/**
 * Turns a run config whose samples come from ServiceX (`servicex` or `category`) into one whose
 * samples all have local files: every dataset is delivered as parquet with the run's query
 * (`sampleQuery`), through the sample's endpoint (or `options.endpoint`, or the default). Samples
 * with local files are kept as they are; a config without ServiceX samples is returned unchanged.
 * Throws SampleDeliveryError naming each failed sample by its config path.
 */
export async function materialiseSamples(config: RunConfig, options: MaterialiseOptions = {}): Promise<RunConfig> {
  if (!config.samples.some((s) => s.servicex)) return config;
  // Loaded only when needed: the ServiceX client (axios and all) is a third of the start-up
  // time of a run on local files.
  const sx = await import("../servicex/index.js");
  // One deliver() call per endpoint and delivery mode.
  const groups = new Map<string, { endpoint: string | undefined; stream: boolean; requests: RunSampleRequest[] }>();
  for (const r of runSampleRequests(config, options.endpoint)) {
    const key = JSON.stringify([r.endpoint ?? null, r.stream]);
    const group = groups.get(key) ?? { endpoint: r.endpoint, stream: r.stream, requests: [] };
    groups.set(key, group);
    group.requests.push(r);
  }

  const files = new Map<string, string[]>();
  const failures: string[] = [];
  const where = (r: RunSampleRequest): string => {
    const s = config.samples[r.sample]!;
    const d = s.servicex!.datasets[r.dataset]!;
    const key = s.servicex!.from === "category" ? `.category (dataset ${typeof d.dataset === "string" ? d.dataset : d.key})` : ".servicex";
    return `${configPath(["samples", r.sample])}${key} (sample "${s.name}")`;
  };
  await Promise.all(
    [...groups.values()].map(async ({ endpoint, stream, requests }) => {
      const spec: DeliverSpec = {
        General: { OutputFormat: "parquet", ...(stream ? { Delivery: "SignedURLs" as const } : {}) },
        Sample: requests.map((r) => r.spec),
      };
      try {
        const sampleOf = new Map(requests.map((r) => [r.spec.Name, r.sample]));
        const onFile = stream && options.onSampleFile ? (name: string, file: string) => options.onSampleFile!(sampleOf.get(name)!, file, name) : undefined;
        const result = await sx.deliver(spec, { ...options, ...endpointOptions(sx, endpoint, options), ...(onFile ? { onFile } : {}) });
        // Signed URLs in the order the downloaded files would have: by the local name of each object.
        for (const [name, list] of Object.entries(result)) files.set(name, stream ? sortedLikeDownloads(sx, list) : [...list].sort());
      } catch (err) {
        if (!(err instanceof sx.DeliverError)) {
          failures.push(`${requests.map(where).join(", ")}: ${(err as Error).message}`);
          return;
        }
        for (const r of requests) {
          const e = err.errors[r.spec.Name];
          if (e) failures.push(`${where(r)}: ${e.message}`);
        }
      }
    }),
  );
  if (failures.length > 0) throw new SampleDeliveryError(failures);

  const samples = await Promise.all(
    config.samples.map(async (s): Promise<ResolvedSample> => {
      if (!s.servicex) return s;
      const paths = s.servicex.datasets.flatMap((d) => files.get(requestName(s, d.key)) ?? []);
      const typed: SampleFile[] = await Promise.all(paths.map(async (p) => ({ path: p, format: await detectFormat(p) })));
      return { ...s, files: typed };
    }),
  );
  return { ...config, samples };
}

/**
 * Signed URLs sorted as the same results downloaded would be (by their local file names), so that a
 * streamed run converts the files in the order of a downloading one and writes the same rows.
 */
function sortedLikeDownloads(sx: typeof import("../servicex/index.js"), urls: string[]): string[] {
  const key = (url: string): string => sx.localFileName(decodeURIComponent(new URL(url).pathname.split("/").pop() ?? ""), false, sx.sha1Hex);
  return [...urls].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * `endpoint: local` selects the in-process backend even when servicex.yaml has no entry of that
 * name (or there is no servicex.yaml): local file lists then need no configuration at all.
 */
function endpointOptions(sx: typeof import("../servicex/index.js"), endpoint: string | undefined, options: DeliverOptions): DeliverOptions {
  if (endpoint !== sx.LOCAL_ENDPOINT || options.backend) return { endpoint };
  const config = sx.loadConfig({ configPath: options.configPath, cwd: options.cwd });
  if (config.endpoints.some((e) => e.name === sx.LOCAL_ENDPOINT)) return { endpoint };
  return { backend: sx.createBackend({ name: sx.LOCAL_ENDPOINT, endpoint: sx.LOCAL_ENDPOINT }, config, options) };
}

