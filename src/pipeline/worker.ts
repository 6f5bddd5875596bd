/**
 * The pipeline's tasks on a worker thread (also called in-thread when workers = 0), listed in the
 * worker table (src/worker.ts). Each thread compiles a chain of stages once and keeps a few input
 * files open between tasks (sources/read-step.ts).
 */
import { threadId } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { debugLogEnabled, logDebug, logUrl } from "../log.js";
import type { FileFormat } from "../sources/detect.js";
import { releaseRun, sourceFor } from "../sources/read-step.js";
import { describeSource } from "../sources/tree-source.js";
import type { FileScan } from "../sources/tree-source.js";
import type { EventBatch } from "../stages/index.js";
import { compileChain } from "./chain.js";
import type { ChainInput, StageSpec } from "./chain.js";

export { releaseRun };

export interface ScanPayload {
  run: string;
  path: string;
  format: FileFormat;
  tree: string;
}

/** Loads the readers (sources/read-step.ts loads them with the first file otherwise). */
export async function loadReaders(): Promise<void> {
  await import("../sources/tree-source.js");
}

/** Opens a file for planning and keeps it open for the run's tasks. */
export async function scanFile(payload: ScanPayload): Promise<FileScan> {
  const started = performance.now();
  const scan = describeSource(await sourceFor(payload.run, payload.path, payload.tree, payload.format));
  logDebug("file.scan", { file: logUrl(payload.path), format: payload.format, entries: scan.entries, ms: Math.round(performance.now() - started), thread: threadId });
  return scan;
}

export interface ChainPayload {
  /** Identifies the chain: a thread compiles each chain once. */
  chain: string;
  specs: StageSpec[];
  input: ChainInput;
}

const CHAINS = 4;
const chains = new Map<string, (input: ChainInput) => Promise<EventBatch>>();

function chainFor(payload: ChainPayload): (input: ChainInput) => Promise<EventBatch> {
  let run = chains.get(payload.chain);
  if (!run) {
    run = compileChain(payload.specs);
    chains.set(payload.chain, run);
    if (chains.size > CHAINS) chains.delete(chains.keys().next().value!);
  }
  return run;
}

/** Runs a chain of stages on one input; the result is returned as is (in-thread use). */
export async function runChain(payload: ChainPayload): Promise<EventBatch> {
  if (!debugLogEnabled()) return chainFor(payload)(payload.input);
  const started = performance.now();
  const result = await chainFor(payload)(payload.input);
  const input = payload.input;
  const task = "stop" in input ? { task: input.index, file: input.file, start: input.start, stop: input.stop } : { task: input.header.index };
  logDebug("task", { ...task, eventsRead: result.header.eventsRead, ms: +(performance.now() - started).toFixed(2), thread: threadId });
  return result;
}

/**
 * Runs a chain of stages in a worker thread. Packed rows, which the chain made, are moved to the
 * main thread instead of copied; the batch's columns (which may share buffers with a reader's
 * caches) are copied.
 */
export async function runChainMoved(payload: ChainPayload): Promise<EventBatch> {
  const result = await runChain(payload);
  if (!result.rows) return result;
  const buffer = result.rows.buffer as ArrayBuffer;
  return move({
    get [transferableSymbol]() {
      return [buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  }) as unknown as EventBatch;
}
