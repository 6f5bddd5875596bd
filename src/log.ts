/**
 * Structured debug logs: one JSON object per line on stderr (`{"time", "level", "event", ...}`),
 * written when SXFLOW_LOG=debug (or `--verbose`, which sets it, so worker threads started after
 * it log too). Off by default and then a single boolean test per call.
 *
 * Credentials never reach a line: URLs are logged through `logUrl` (signature, credential and
 * token query values replaced), fields named like a credential are replaced whole, and every
 * string is scrubbed once more for presigned-URL signatures and bearer tokens before it is written.
 */

const LEVELS = /^(debug|verbose|trace|1|true|yes|on)$/i;

let enabled = LEVELS.test(process.env.SXFLOW_LOG ?? "");
let write = (line: string): void => void process.stderr.write(line);

/** Turns debug logs on (here and in worker threads started afterwards) or off. */
export function setDebugLog(on: boolean): void {
  enabled = on;
  if (on) process.env.SXFLOW_LOG = "debug";
  else delete process.env.SXFLOW_LOG;
}

export function debugLogEnabled(): boolean {
  return enabled;
}

/** Sends log lines elsewhere (tests); returns the function that restores stderr. */
export function captureDebugLog(sink: (line: string) => void): () => void {
  const previous = write;
  write = sink;
  return () => {
    write = previous;
  };
}

const REDACTED = "REDACTED";
/** Query parameters and field names that carry credentials. */
const SECRET_NAME = /signature|credential|security-token|token|secret|password|passwd|authorization|^sig$|^key$|apikey|api_key/i;
const SECRET_TEXT: [RegExp, string][] = [
  [/((?:X-Amz-(?:Signature|Credential|Security-Token)|Signature|sig|token|access_token|refresh_token)=)[^&\s"'#]+/gi, `$1${REDACTED}`],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
];

function scrubText(text: string): string {
  let out = text;
  for (const [re, by] of SECRET_TEXT) out = out.replace(re, by);
  return out;
}

/** A URL as it may be logged: query values that are credentials replaced, the rest kept. */
export function logUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return scrubText(url);
  }
  u.username = u.username ? REDACTED : "";
  u.password = u.password ? REDACTED : "";
  for (const name of [...new Set(u.searchParams.keys())]) {
    if (SECRET_NAME.test(name)) u.searchParams.set(name, REDACTED);
  }
  return u.toString();
}

function scrub(value: unknown, key: string): unknown {
  if (SECRET_NAME.test(key)) return REDACTED;
  if (typeof value === "string") return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, ""));
  if (value instanceof Error) return scrubText(value.message);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, k)]));
  return value;
}

/** Logs `event` with its fields when debug logs are on. */
export function logDebug(event: string, fields: Record<string, unknown> = {}): void {
  if (!enabled) return;
  const record = { time: new Date().toISOString(), level: "debug", event, ...(scrub(fields, "") as Record<string, unknown>) };
  write(`${JSON.stringify(record)}\n`);
}
