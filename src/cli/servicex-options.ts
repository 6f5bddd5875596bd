import { setDebugLog } from "../log.js";
import type { DeliverOptions } from "../servicex/index.js";

/** The parseArgs options every command that talks to ServiceX accepts. */
export const SERVICEX_OPTIONS = {
  config: { type: "string" },
  endpoint: { type: "string" },
  "cache-dir": { type: "string" },
  "ignore-cache": { type: "boolean" },
  "poll-interval": { type: "string" },
  "no-progress": { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

/** Help lines of SERVICEX_OPTIONS. */
export const SERVICEX_HELP = `  --config PATH       servicex.yaml to use (default: searched upwards from here, then ~)
  --endpoint NAME     api_endpoints entry (default: default-endpoint)
  --cache-dir DIR     overrides cache_path
  --ignore-cache      resubmit even when the result is cached
  --poll-interval S   seconds between status polls (default 5)
  --no-progress       no progress bars
  --verbose           debug logs, one JSON object per line on stderr: requests (URLs with
                      signatures and tokens redacted), retries and back-off, cache decisions,
                      task and phase timings (SXFLOW_LOG=debug does the same)
`;

/** Seconds given as `--name S`, in milliseconds; throws a usage message unless positive. */
export function secondsOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = Number(raw);
  if (!(s > 0 && Number.isFinite(s))) throw new Error(`--${name} must be a positive number of seconds`);
  return s * 1000;
}

interface ServiceXValues {
  config?: string;
  endpoint?: string;
  "cache-dir"?: string;
  "ignore-cache"?: boolean;
  "poll-interval"?: string;
  "no-progress"?: boolean;
  verbose?: boolean;
}

/** The deliver() options SERVICEX_OPTIONS set (and --verbose's debug logs); throws a usage message on a bad value. */
export function serviceXOptions(v: ServiceXValues): DeliverOptions {
  if (v.verbose) setDebugLog(true);
  return {
    configPath: v.config,
    endpoint: v.endpoint,
    cacheDir: v["cache-dir"],
    ignoreLocalCache: v["ignore-cache"],
    pollIntervalMs: secondsOption("poll-interval", v["poll-interval"]),
    progress: v["no-progress"] ? false : undefined,
  };
}
