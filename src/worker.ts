/**
 * The package's one worker module: the table of everything that runs on a worker thread, used by
 * the pipeline's pool (scan, chains of stages, release), by the HDF5 encoder pool (chunk encoding)
 * by the merge of a sharded run (its second pass, bucket by bucket) and by a run's report page
 * thread (its plots).
 * Never loads h5wasm or apache-arrow; the readers (and parquet-wasm) load with the first pipeline
 * task, so that an encoder thread does not pay for them.
 */
import { move } from "piscina";
import { encodeChunk } from "./hdf5/chunk-encoder.js";
import type { ChunkFilters } from "./hdf5/chunk-encoder.js";
import type { ChainPayload, ScanPayload } from "./pipeline/worker.js";
import { dispatcher, sharedWithThread } from "./pool/worker-pool.js";
import type { RunData } from "./report/page-frame.js";
import type { GatherTask } from "./shards/gather.js";
import { adoptZstdModule } from "./wasm/zstd-module.js";
import type { ConversionShared } from "./wasm/zstd-module.js";

const pipeline = () => import("./pipeline/worker.js");
/** A merge's second pass, bucket by bucket (shards/merge.ts). */
const gather = () => import("./shards/gather.js");
/** The report page's plots: the plotting library and a DOM, loaded by the page thread only (report/write.ts). */
const reportPage = () => import("./report/page.js");

export interface ChunkTask {
  raw: Uint8Array;
  filters: ChunkFilters;
}

/** Encodes one HDF5 chunk; the result (encoded bytes, then the u32 filter mask) is moved back. */
function encodeChunkMoved(task: ChunkTask): ArrayBuffer {
  const { data, mask } = encodeChunk(task.raw, task.filters);
  const out = new Uint8Array(data.length + 4);
  out.set(data);
  new DataView(out.buffer).setUint32(data.length, mask, true);
  return move(out.buffer) as ArrayBuffer;
}

// V8 compiles typed-array code without checks for detached buffers until the thread first
// detaches one; that first detach (moving a task's result to the pool's owner) then throws away
// every optimised function that relied on it: 69 of them at the end of a conversion thread's
// first task (--trace-deopt: "marking dependent code ... code dependencies"), all recompiled
// during its second. Detaching an empty buffer now, before anything is compiled, spares that.
const detached = new ArrayBuffer(0);
structuredClone(detached, { transfer: [detached] });

// A conversion pool's threads receive zstd's WebAssembly module compiled (pipeline/pool-start.ts).
const shared = sharedWithThread() as ConversionShared | undefined;
if (shared?.zstd) adoptZstdModule(shared.zstd);

export const handlers = {
  /** A conversion pool's warm-up (see createThreadPool): the chain's modules and the readers. */
  loadPipeline: async () => (await pipeline()).loadReaders(),
  scanFile: async (payload: ScanPayload) => (await pipeline()).scanFile(payload),
  releaseRun: async (run: string) => (await pipeline()).releaseRun(run),
  runChain: async (payload: ChainPayload) => (await pipeline()).runChain(payload),
  runChainMoved: async (payload: ChainPayload) => (await pipeline()).runChainMoved(payload),
  encodeChunk: encodeChunkMoved,
  /** A merge pool's warm-up (see createThreadPool): the second pass's modules. */
  loadGather: async () => void (await gather()),
  gatherBucket: async (task: GatherTask) => (await gather()).gatherBucketMoved(task),
  loadReportPage: async () => void (await reportPage()),
  reportSections: async (runs: RunData[]) => (await reportPage()).plottedSections(runs),
  reportTiming: async (runs: RunData[]) => (await reportPage()).timingSection(runs),
};
export type WorkerHandlers = typeof handlers;

export default dispatcher(handlers);
