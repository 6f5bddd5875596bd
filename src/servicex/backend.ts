/**
 * The contract between deliver() and whatever executes a transform: the ServiceX HTTP API with
 * its object store, or the in-process local backend. deliver() owns polling, caching, progress
 * and error policy; a backend only answers these calls.
 */

export type ResultFormat = "parquet" | "root-file";

export interface TransformRequest {
  title: string;
  /** `rucio://scope:name[?files=N]`, `cernopendata://N`, `xrootd://...`; exclusive with fileList. */
  did?: string;
  fileList?: string[];
  codegen: string;
  /** For uproot-raw, the JSON text of the query list. */
  selection: string;
  resultFormat: ResultFormat;
}

export const TERMINAL_STATUSES = ["Complete", "Fatal", "Canceled", "Bad Dataset"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export interface TransformStatus {
  requestId: string;
  /** Server status string: Submitted, Pending Lookup, Lookup, Running, Complete, Fatal, Canceled, Bad Dataset. */
  status: string;
  /** Total input files; 0 until the dataset lookup has reported. */
  files: number;
  completed: number;
  failed: number;
  /** undefined while `files` is unknown. */
  remaining: number | undefined;
  failureInfo?: string;
  logUrl?: string;
  /** Why the dataset lookup failed (Bad Dataset only). */
  datasetReason?: string;
  /**
   * Work done inside the file being transformed (the local backend counts batches; ServiceX
   * servers report nothing like it). A change counts as progress, so that one long local file is
   * not taken for a stalled request.
   */
  activity?: number;
}

export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface ResultFile {
  /** Object name in the result store (unique within the request). */
  name: string;
  /** Expected size in bytes, when the backend knows it. */
  size?: number;
}

export interface ServerInfo {
  version: string;
  codegens: string[];
  capabilities: string[];
}

export interface ResultPage {
  files: ResultFile[];
  /** Input files whose transform failed, when the backend can tell (for resubmitting them). */
  failedInputs?: string[];
  /** Opaque cursor to pass to the next results() call of the same request. */
  cursor?: string;
}

export interface Backend {
  /** Human-readable location for messages (endpoint URL or "local"). */
  readonly location: string;
  info(signal?: AbortSignal): Promise<ServerInfo>;
  submit(request: TransformRequest, signal?: AbortSignal): Promise<string>;
  status(requestId: string, signal?: AbortSignal): Promise<TransformStatus>;
  /** Successful result files, at least those produced after `cursor`. */
  results(requestId: string, cursor: string | undefined, signal?: AbortSignal): Promise<ResultPage>;
  /** Writes one result file to `dest` exactly (the caller handles temporary names and retries). */
  fetch(requestId: string, file: ResultFile, dest: string, signal?: AbortSignal): Promise<void>;
  /**
   * A URL that reads one result file without credentials (an S3 presigned GET, range requests
   * allowed), valid for `expiresS` seconds; absent when the backend has no object store.
   */
  signedUrl?(requestId: string, file: ResultFile, expiresS: number, signal?: AbortSignal): Promise<string>;
  cancel(requestId: string): Promise<void>;
  /** A link to the failed-file listing, for error messages. */
  failureLink?(requestId: string): string;
}

/** Error a backend throws when the request id is unknown to it (deleted or expired). */
export class UnknownRequestError extends Error {
  override readonly name = "UnknownRequestError";
}
