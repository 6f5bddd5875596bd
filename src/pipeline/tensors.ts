import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadRunConfig, parseRunConfig, resolveRunConfig } from "../config/index.js";
import type { RunConfig } from "../config/index.js";
import { batches, checkOptions, fromSaltFile, isHdf5, prefetch, SpillSink, tensorPlan } from "../sinks/index.js";
import type { OpenTensorsOptions, TensorBatch, TensorOptions, TensorSource } from "../sinks/index.js";
import { SPLIT_NAMES } from "../stages/index.js";
import { runPipeline } from "./run.js";

/** A configuration object as loadRunConfig returns it, or one still to be checked and resolved. */
async function resolved(source: RunConfig | object): Promise<RunConfig> {
  const c = source as Partial<RunConfig>;
  if (typeof c.baseDir === "string" && typeof c.globalGroup === "string") return source as RunConfig;
  return resolveRunConfig(parseRunConfig(source), process.cwd());
}

/**
 * Batches of a configuration's split: the run goes through the pipeline with a sink that keeps
 * that split's rows in a temporary file (in the order `sxflow run` writes them), and nothing else
 * (its norm and class dicts and report go to the same temporary directory, removed at the end).
 * The rows are then read like a SALT file's, normalised with the run's train statistics.
 */
async function* fromConfig(source: string | object, o: TensorOptions): AsyncGenerator<TensorBatch> {
  if (o.normDict !== undefined) {
    throw new TypeError("openTensors: normDict applies to an HDF5 source; a configuration is normalised with its train statistics (normalize: false for the stored values)");
  }
  const loaded = typeof source === "string" ? await loadRunConfig(source) : await resolved(source);
  const where = typeof source === "string" ? source : loaded.source;
  const split = SPLIT_NAMES.indexOf(o.split ?? "train");
  const dir = await mkdtemp(path.join(tmpdir(), "sxflow-tensors-"));
  try {
    let spill: SpillSink | undefined;
    const config = { ...loaded, output: { ...loaded.output, dir } };
    const report = await runPipeline(config, { signal: o.signal, sink: ({ layout }) => (spill = new SpillSink(path.join(dir, "rows.bin"), split, layout)) });
    const src = spill!.rows(`${where} (${SPLIT_NAMES[split]} split)`);
    try {
      const plan = tensorPlan(src.groups, {
        where: src.where,
        labelField: loaded.labelField,
        groups: o.groups,
        fields: o.fields,
        norm: o.normalize === false ? undefined : report.normDict,
        normWhere: `${where} (train statistics)`,
      });
      yield* batches(src, o, plan);
    } finally {
      src.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* fromSource(source: TensorSource | object, o: TensorOptions): AsyncGenerator<TensorBatch> {
  if (typeof source === "string" && (await isHdf5(source))) {
    if (o.split !== undefined) throw new TypeError(`openTensors: "${source}" is an HDF5 file, which holds one split: split applies to a configuration`);
    yield* fromSaltFile(source, o);
  } else {
    yield* fromConfig(source, o);
  }
}

/**
 * Batches of tensors for Node ML code: `for await (const { size, labels, inputs } of openTensors(source, options))`.
 * `source` is a SALT HDF5 file (ours or another writer's; `normDict` to normalise) or a run
 * configuration (path or object; the split's rows exactly as `sxflow run` writes them, normalised
 * with the train statistics unless `normalize: false`). Options are checked at once; the source is
 * opened on the first `next()`. At most `options.prefetch` batches are prepared ahead.
 */
export function openTensors(source: TensorSource, options: OpenTensorsOptions = {}): AsyncGenerator<TensorBatch> {
  if (typeof source !== "string" && (typeof source !== "object" || source === null)) {
    throw new TypeError("openTensors: source must be the path of a SALT HDF5 file or a run configuration (path or object)");
  }
  const o = checkOptions(options);
  return prefetch(fromSource(source, o), o.prefetch);
}
