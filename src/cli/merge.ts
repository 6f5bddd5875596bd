import { availableParallelism } from "node:os";
import { parseCommandArgs } from "./args.js";
import { startMergePool } from "../shards/merge-pool.js";
import { SERVICEX_HELP, SERVICEX_OPTIONS, serviceXOptions } from "./servicex-options.js";
import { count as thousands } from "../text/count.js";

// The merge's modules (the configuration's schema and YAML parser, the second pass, the sinks)
// load after its threads have started, which load their own meanwhile (as `sxflow run` does).
const merge = async () => (await import("../shards/merge.js")).mergeShards;

const HELP = `Usage: sxflow merge <config.yaml> [--shards N] [--workers N] [--quiet]

Finishes a run made of shards ("sxflow run <config.yaml> --shard I/N" for I = 0..N-1): checks
that every shard under output.dir/shards/ is present, complete and made from this configuration
by this sxflow version, then writes the same files a single "sxflow run" writes, byte for byte.

Options:
  --shards N    the shard count to merge, when shards of several counts are present
  --workers N   compression threads (default: the config's workers, else every core)
  --quiet       no summary

${SERVICEX_HELP}`;

function count(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got "${text}"`);
  return n;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs("merge", HELP, args, {
    ...SERVICEX_OPTIONS,
    shards: { type: "string" },
    workers: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (typeof parsed === "number") return parsed;
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`sxflow merge: expected one configuration file\n\n${HELP}`);
    return 2;
  }
  let options;
  try {
    options = { shards: count("shards", parsed.values.shards, 1), workers: count("workers", parsed.values.workers, 0), servicex: serviceXOptions(parsed.values) };
  } catch (err) {
    process.stderr.write(`sxflow merge: ${(err as Error).message}\n`);
    return 2;
  }
  // The threads' count is the configuration's when --workers is not given: started for every core
  // (the default), the merge replaces them if the configuration asks for another count.
  const threads = startMergePool(options.workers ?? availableParallelism());
  try {
    const mergeShards = await merge();
    const report = await mergeShards(parsed.positionals[0]!, { ...options, threads });
    if (parsed.values.quiet !== true) {
      const lines = [`merged ${thousands(report.eventsRead)} events (${thousands(report.eventsPassed)} passed the cuts)`];
      for (const p of Object.values(report.outputs)) lines.push(`  wrote ${p}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`sxflow merge: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    // The merge closed the threads it used; these only if it never got them (closing twice is harmless).
    await threads.then((p) => p.close(), () => undefined);
  }
}
