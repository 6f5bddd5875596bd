import { parseArgs } from "node:util";
import { DeliverAbortedError, DeliverError, deliver } from "../servicex/index.js";
import type { Command } from "./dispatch.js";

const HELP = `Usage: sxflow deliver SPEC.yaml [options]

Runs every sample of a deliver spec (the ServiceX Python client's YAML format: General, Sample,
Definition; !Rucio, !FileList, !XRootD, !CERNOpenData, !UprootRaw tags) and prints each sample's
local files.

Options:
  --config PATH       servicex.yaml to use (default: searched upwards from here, then ~)
  --endpoint NAME     api_endpoints entry (default: default-endpoint)
  --cache-dir DIR     overrides cache_path
  --ignore-cache      resubmit even when the result is cached
  --allow-partial     return the files of requests where some input files failed
  --leave-running     on Ctrl-C, leave the requests running (a rerun re-attaches)
  --concurrency N     simultaneous downloads (default 10)
  --poll-interval S   seconds between status polls (default 5)
  --stall-timeout S   fail a sample whose request shows no progress for S seconds (default 1800)
  --json              print {"sample": [files]} as JSON
  --no-progress       no progress bars
`;

export const run: Command = async (args) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        endpoint: { type: "string" },
        "cache-dir": { type: "string" },
        "ignore-cache": { type: "boolean" },
        "allow-partial": { type: "boolean" },
        "leave-running": { type: "boolean" },
        concurrency: { type: "string" },
        "poll-interval": { type: "string" },
        "stall-timeout": { type: "string" },
        json: { type: "boolean" },
        "no-progress": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`sxflow deliver: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`sxflow deliver: expected one spec file\n\n${HELP}`);
    return 2;
  }
  const concurrency = v.concurrency === undefined ? undefined : Number(v.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    process.stderr.write(`sxflow deliver: --concurrency must be a positive integer\n`);
    return 2;
  }
  const seconds = (name: "poll-interval" | "stall-timeout"): number | undefined => {
    const raw = v[name];
    if (raw === undefined) return undefined;
    const s = Number(raw);
    if (!(s > 0 && Number.isFinite(s))) throw new Error(`--${name} must be a positive number of seconds`);
    return s * 1000;
  };
  let pollIntervalMs: number | undefined;
  let stallTimeoutMs: number | undefined;
  try {
    pollIntervalMs = seconds("poll-interval");
    stallTimeoutMs = seconds("stall-timeout");
  } catch (err) {
    process.stderr.write(`sxflow deliver: ${(err as Error).message}\n`);
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    // The first Ctrl-C cancels cleanly; a second one exits at once.
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(
      v["leave-running"] ? "\ninterrupted: leaving requests running\n" : "\ninterrupted: canceling requests (Ctrl-C again to exit now)\n",
    );
    controller.abort(new DeliverAbortedError("interrupted"));
  };
  process.on("SIGINT", onSigint);
  try {
    const result = await deliver(positionals[0], {
      configPath: v.config,
      endpoint: v.endpoint,
      cacheDir: v["cache-dir"],
      ignoreLocalCache: v["ignore-cache"],
      failIfIncomplete: !v["allow-partial"],
      leaveRunningOnAbort: v["leave-running"],
      concurrency,
      pollIntervalMs,
      stallTimeoutMs,
      progress: v["no-progress"] ? false : undefined,
      signal: controller.signal,
    });
    printResult(result, v.json === true);
    return 0;
  } catch (err) {
    if (err instanceof DeliverError) {
      printResult(err.results, v.json === true);
      process.stderr.write(`sxflow deliver: ${Object.keys(err.errors).length} sample(s) failed:\n${err.message}\n`);
      return Object.values(err.errors).some((e) => e instanceof DeliverAbortedError) ? 130 : 1;
    }
    process.stderr.write(`sxflow deliver: ${(err as Error).message}\n`);
    return err instanceof DeliverAbortedError ? 130 : 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
};

function printResult(result: Record<string, string[]>, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const [sample, files] of Object.entries(result)) {
    process.stdout.write(`${sample}: ${files.length} file${files.length === 1 ? "" : "s"}\n`);
    for (const f of files) process.stdout.write(`  ${f}\n`);
  }
}
