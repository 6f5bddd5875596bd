import { createHash, randomUUID } from "node:crypto";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { VERSION } from "../../version.js";
import type { Backend, ResultFile, ResultPage, ServerInfo, TransformRequest, TransformStatus } from "../backend.js";
import { UnknownRequestError } from "../backend.js";
import { ServiceXError, errorMessage } from "../errors.js";
import { RESULTS_CAPABILITY } from "../http-backend.js";
import { UPROOT_RAW_CODEGEN, validateUprootRaw } from "../query.js";

/** The readers and the Parquet writer load with the first local request, not with the ServiceX client. */
const localQuery = () => import("./query.js");

interface Job {
  inputs: string[];
  selection: string;
  dir: string;
  status: string;
  completed: number;
  failed: number;
  failures: string[];
  failedInputs: string[];
  results: ResultFile[];
  fetched: number;
  canceled: boolean;
  /** Batches transformed so far: progress within a file, for the stall check. */
  activity: number;
}

/** Local path of a file-list entry: a plain path or a file:// URL. */
function localPath(entry: string, cwd: string, why: string): string {
  if (entry.startsWith("file://")) return new URL(entry).pathname;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    throw new ServiceXError(`the local backend reads local files only; "${entry}" needs a ServiceX server${why}`);
  }
  return path.resolve(cwd, entry);
}

/**
 * Executes UprootRaw queries in-process on local ROOT files, one file after another, writing
 * Parquet as ServiceX would (one output file per input, all its trees in it). Requests live in this process only: after a restart, deliver()
 * finds the request unknown and submits again.
 */
export class LocalBackend implements Backend {
  readonly location = "local";
  private readonly jobs = new Map<string, Job>();

  /**
   * `selectedBecause` explains in errors why this backend is in use (e.g. no configuration
   * file was found), so that a user who meant to reach a server knows what to fix.
   */
  constructor(
    private readonly workDir: string,
    private readonly cwd: string = process.cwd(),
    private readonly selectedBecause?: string,
  ) {}

  private get why(): string {
    return this.selectedBecause ? ` (the local backend is used because ${this.selectedBecause})` : "";
  }

  async info(): Promise<ServerInfo> {
    return { version: `sxflow ${VERSION}`, codegens: [UPROOT_RAW_CODEGEN], capabilities: [RESULTS_CAPABILITY] };
  }

  async submit(request: TransformRequest): Promise<string> {
    if (request.codegen !== UPROOT_RAW_CODEGEN) {
      throw new ServiceXError(`the local backend runs uproot-raw queries only, not codegen "${request.codegen}"`);
    }
    if (request.resultFormat !== "parquet") {
      throw new ServiceXError(
        `the local backend writes parquet only, not ${request.resultFormat} (asked for by General: OutputFormat, whose default is root-ttree): ` +
          `set General: OutputFormat: parquet, or configure a ServiceX server in servicex.yaml to get ROOT files${this.why}`,
      );
    }
    if (request.fileList === undefined) {
      throw new ServiceXError(`the local backend reads local files only (a !FileList dataset); "${request.did}" needs a ServiceX server${this.why}`);
    }
    const inputs = request.fileList.map((f) => localPath(f, this.cwd, this.why));
    for (const f of inputs) {
      const s = await stat(f).catch(() => undefined);
      if (!s?.isFile()) throw new ServiceXError(`local input file ${f} does not exist`);
    }
    const selection = validateUprootRaw(request.selection, `sample "${request.title}"`);
    (await localQuery()).checkLocalQuery(selection, this.why);
    const id = randomUUID();
    const job: Job = {
      inputs,
      selection,
      dir: path.join(this.workDir, id),
      status: "Running",
      completed: 0,
      failed: 0,
      failures: [],
      failedInputs: [],
      results: [],
      fetched: 0,
      canceled: false,
      activity: 0,
    };
    this.jobs.set(id, job);
    void this.run(job);
    return id;
  }

  private async run(job: Job): Promise<void> {
    await mkdir(job.dir, { recursive: true });
    for (const input of job.inputs) {
      if (job.canceled) return;
      // ServiceX's object naming: the input path with / as :, plus .parquet; long names hashed.
      let name = `${input.replace(/\//g, ":")}.parquet`;
      if (name.length > 255) name = `_${createHash("sha1").update(name).digest("hex")}${name.slice(-214)}`;
      try {
        // Asked once per batch: it doubles as the heartbeat of a long file.
        await (await localQuery()).runUprootRawFile(input, job.selection, path.join(job.dir, name), () => {
          job.activity++;
          return job.canceled;
        });
        job.results.push({ name, size: (await stat(path.join(job.dir, name))).size });
        job.completed++;
      } catch (err) {
        if (job.canceled) return;
        job.failed++;
        job.failedInputs.push(input);
        job.failures.push(`${input}: ${errorMessage(err)}`);
      }
    }
    // Outputs all handed over already: tidy up before the status says Complete, so that a caller
    // that saw Complete never finds the work directory still there.
    if (job.fetched === job.results.length) await rm(job.dir, { recursive: true, force: true });
    job.status = "Complete";
  }

  private job(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new UnknownRequestError(`local request ${id} is not known to this process`);
    return job;
  }

  async status(requestId: string): Promise<TransformStatus> {
    const job = this.job(requestId);
    const status: TransformStatus = {
      requestId,
      status: job.status,
      files: job.inputs.length,
      completed: job.completed,
      activity: job.activity,
      failed: job.failed,
      remaining: job.inputs.length - job.completed - job.failed,
    };
    if (job.failures.length > 0) status.failureInfo = job.failures.join("; ");
    return status;
  }

  async results(requestId: string, cursor: string | undefined): Promise<ResultPage> {
    const job = this.job(requestId);
    const from = cursor === undefined ? 0 : Number(cursor);
    return { files: job.results.slice(from), failedInputs: [...job.failedInputs], cursor: String(job.results.length) };
  }

  async fetch(requestId: string, file: ResultFile, dest: string): Promise<void> {
    const job = this.job(requestId);
    const src = path.join(job.dir, file.name);
    try {
      await rename(src, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
      await copyFile(src, dest);
      await rm(src);
    }
    // The last output handed over after the request ended: the work directory is empty.
    if (++job.fetched === job.results.length && job.status === "Complete") await rm(job.dir, { recursive: true, force: true });
  }

  async cancel(requestId: string): Promise<void> {
    const job = this.job(requestId);
    if (job.status !== "Running") return;
    job.canceled = true;
    job.status = "Canceled";
    await rm(job.dir, { recursive: true, force: true });
  }
}
