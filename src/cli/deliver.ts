import { parseCommandArgs } from "./args.js";
import { DeliverAbortedError, DeliverError, deliver } from "../servicex/index.js";
import type { Command } from "./dispatch.js";
import { SERVICEX_HELP, SERVICEX_OPTIONS, secondsOption, serviceXOptions } from "./servicex-options.js";

const HELP = `Usage: sxflow deliver SPEC.yaml [options]

Runs every sample of a deliver spec (the ServiceX Python client's YAML format: General, Sample,
Definition; !Rucio, !FileList, !XRootD, !CERNOpenData, !UprootRaw tags) and prints each sample's
local files (or, with Delivery: SignedURLs, presigned URLs of the files in the object store,
readable with range requests by sxflow run, openRoot and openParquet).

Options:
${SERVICEX_HELP}  --allow-partial     return the files of requests where some input files failed
  --leave-running     on Ctrl-C, leave the requests running (a rerun re-attaches)
  --signed-urls       print presigned URLs instead of downloading (as Delivery: SignedURLs)
  --concurrency N     simultaneous downloads (default 10)
  --stall-timeout S   fail a sample whose request shows no progress for S seconds (default 1800)
  --json              print {"sample": [files]} as JSON
`;

export const run: Command = async (args) => {
  const parsed = parseCommandArgs("deliver", HELP, args, {
    ...SERVICEX_OPTIONS,
    "allow-partial": { type: "boolean" },
    "leave-running": { type: "boolean" },
    "signed-urls": { type: "boolean" },
    concurrency: { type: "string" },
    "stall-timeout": { type: "string" },
    json: { type: "boolean" },
  });
  if (typeof parsed === "number") return parsed;
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(`sxflow deliver: expected one spec file\n\n${HELP}`);
    return 2;
  }
  const concurrency = v.concurrency === undefined ? undefined : Number(v.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    process.stderr.write(`sxflow deliver: --concurrency must be a positive integer\n`);
    return 2;
  }
  let common;
  let stallTimeoutMs: number | undefined;
  try {
    common = serviceXOptions(v);
    stallTimeoutMs = secondsOption("stall-timeout", v["stall-timeout"]);
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
      ...common,
      failIfIncomplete: !v["allow-partial"],
      leaveRunningOnAbort: v["leave-running"],
      concurrency,
      stallTimeoutMs,
      ...(v["signed-urls"] ? { delivery: "SignedURLs" as const } : {}),
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
