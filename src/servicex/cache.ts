import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TransformRequest } from "./backend.js";
import { fileSize } from "./download.js";
import { ServiceXError, sleep } from "./errors.js";

export interface CachedFile {
  path: string;
  size: number;
}

export interface CacheRecord {
  /** Content key: see requestHash. */
  hash: string;
  /** Sample name of the latest run (informational: not part of the key). */
  title: string;
  codegen: string;
  resultFormat: string;
  did?: string;
  fileListLength?: number;
  /** Server the request lives on (a request id is only valid there). */
  endpoint: string;
  requestId: string;
  status: "SUBMITTED" | "COMPLETE";
  submitTime: string;
  completeTime?: string;
  files?: CachedFile[];
}

interface Db {
  version: 1;
  records: CacheRecord[];
}

/**
 * Key of a request's result: everything that defines the output (dataset or sorted file list,
 * selection, codegen, format) and nothing that does not (title, endpoint).
 */
export function requestHash(r: TransformRequest): string {
  const key = [r.did ?? null, r.fileList ? [...r.fileList].sort() : null, r.selection, r.codegen, r.resultFormat];
  return createHash("sha256").update(JSON.stringify(key)).digest("hex");
}

const LOCK_STALE_MS = 30_000;

/**
 * sxflow's query cache under `cache_path`: a JSON record file guarded by a lock file, and one
 * directory of downloads per request id.
 */
export class QueryCache {
  private readonly dbFile: string;
  private readonly lockFile: string;

  constructor(readonly root: string) {
    this.dbFile = path.join(root, ".sxflow", "db.json");
    this.lockFile = path.join(root, ".sxflow", "db.lock");
  }

  dataDir(requestId: string): string {
    return path.join(this.root, requestId);
  }

  async list(): Promise<CacheRecord[]> {
    return (await this.read()).records;
  }

  async lookup(hash: string): Promise<CacheRecord | undefined> {
    return (await this.read()).records.find((r) => r.hash === hash);
  }

  /** The files of a COMPLETE record if every one is still on disk with its recorded size. */
  async presentFiles(record: CacheRecord): Promise<string[] | undefined> {
    if (record.status !== "COMPLETE" || !record.files) return undefined;
    for (const f of record.files) if ((await fileSize(f.path)) !== f.size) return undefined;
    return record.files.map((f) => f.path);
  }

  async put(record: CacheRecord): Promise<void> {
    await this.update((db) => {
      db.records = db.records.filter((r) => r.hash !== record.hash);
      db.records.push(record);
    });
  }

  async remove(hash: string): Promise<void> {
    await this.update((db) => {
      db.records = db.records.filter((r) => r.hash !== hash);
    });
  }

  /**
   * Deletes the records whose hash starts with, or whose request id or title equals, `which`, and
   * their downloaded files. Returns the records removed.
   */
  async delete(which: string): Promise<CacheRecord[]> {
    let removed: CacheRecord[] = [];
    await this.update((db) => {
      const match = (r: CacheRecord): boolean => r.requestId === which || r.title === which || (which.length >= 6 && r.hash.startsWith(which));
      removed = db.records.filter(match);
      db.records = db.records.filter((r) => !match(r));
    });
    for (const r of removed) await rm(this.dataDir(r.requestId), { recursive: true, force: true });
    return removed;
  }

  /** Removes every record and every download directory the cache knows of. */
  async clear(): Promise<CacheRecord[]> {
    let removed: CacheRecord[] = [];
    await this.update((db) => {
      removed = db.records;
      db.records = [];
    });
    for (const r of removed) await rm(this.dataDir(r.requestId), { recursive: true, force: true });
    return removed;
  }

  private async read(): Promise<Db> {
    let text: string;
    try {
      text = await readFile(this.dbFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, records: [] };
      throw new ServiceXError(`cache ${this.dbFile}: ${(err as Error).message}`);
    }
    try {
      const db = JSON.parse(text) as Db;
      if (!Array.isArray(db.records)) throw new Error("no records array");
      return db;
    } catch (err) {
      throw new ServiceXError(
        `cache ${this.dbFile} is corrupt (${(err as Error).message}); delete it or run "sxflow cache clear"`,
      );
    }
  }

  private async update(change: (db: Db) => void): Promise<void> {
    await mkdir(path.dirname(this.dbFile), { recursive: true });
    await this.withLock(async () => {
      const db = await this.read();
      change(db);
      const tmp = `${this.dbFile}.${process.pid}-${randomBytes(4).toString("hex")}`;
      await writeFile(tmp, JSON.stringify(db, null, 1));
      await rename(tmp, this.dbFile);
    });
  }

  private async withLock(task: () => Promise<void>): Promise<void> {
    for (let waited = 0; ; waited += 20) {
      try {
        const handle = await open(this.lockFile, "wx");
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        // A crashed process leaves its lock behind: take it over once it is old.
        const age = Date.now() - ((await stat(this.lockFile).catch(() => undefined))?.mtimeMs ?? Date.now());
        if (age > LOCK_STALE_MS) await rm(this.lockFile, { force: true });
        else if (waited > 2 * LOCK_STALE_MS) throw new ServiceXError(`cache lock ${this.lockFile} is held by another process`);
        else await sleep(20);
      }
    }
    try {
      await task();
    } finally {
      await rm(this.lockFile, { force: true });
    }
  }
}
