import { Cursor } from "./cursor.js";
import { readDirectoryRecord, readKeyList } from "./directory.js";
import { suggestNames } from "../text/close-names.js";
import { RootError } from "./errors.js";
import { readKeyPayload, type Key } from "./key.js";
import { FileSource } from "./source.js";
import type { HttpSourceOptions } from "../sources/http-bytes.js";
import { Tree } from "./tree.js";
import { parseTTree } from "./ttree.js";
import { treeMayHoldObjects } from "./objects.js";
import { readStreamerRecord, type StreamerInfo } from "./streamers.js";

/** One entry of a file's directory listing. */
export interface KeyInfo {
  /** Path inside the file, "dir/name" for objects in subdirectories. */
  name: string;
  className: string;
  cycle: number;
}

export interface OpenRootOptions {
  /** Range-request settings for http(s):// URLs (retries, concurrency, read-ahead). */
  http?: HttpSourceOptions;
}

const TREE_CLASSES = new Set(["TTree", "TNtuple", "TNtupleD"]);
const DIRECTORY_CLASSES = new Set(["TDirectory", "TDirectoryFile"]);
const HEADER_BYTES = 64;
/**
 * The first read of a file: the header and, in every file seen, the top directory's record
 * that follows the file's name and title (about 100-300 bytes in), so both cost one read.
 */
const FIRST_READ_BYTES = 512;
/**
 * Local files up to this size are read whole at open (FileSource.open). Larger ones gained
 * nothing measurable (256 KiB tried: their baskets already come in one or two coalesced reads,
 * and the extra bytes and fresh pages cost about as much).
 */
const WHOLE_FILE_BYTES = 64 * 1024;

export interface FileHeader {
  version: number;
  begin: number;
  end: number;
  compression: number;
  seekInfo: number;
  nbytesName: number;
}

function readHeader(bytes: Uint8Array, name: string): FileHeader {
  const c = new Cursor(bytes, `${name}: file header`);
  const magic = String.fromCharCode(c.u8(), c.u8(), c.u8(), c.u8());
  if (magic !== "root") {
    throw new RootError(`${name} is not a ROOT file (magic ${JSON.stringify(magic)} instead of "root")`);
  }
  const version = c.i32();
  const big = version >= 1000000;
  const begin = c.i32();
  const end = big ? c.i64() : c.i32();
  if (big) c.i64();
  else c.i32(); // fSeekFree
  c.skip(8); // fNbytesFree, nfree
  const nbytesName = c.i32();
  c.skip(1); // fUnits
  const compression = c.i32();
  const seekInfo = big ? c.i64() : c.i32();
  return { version, begin, end, compression, seekInfo, nbytesName };
}

/** An open ROOT file. Close it when done; trees read from it share its file handle. */
export class RootFile {
  private constructor(
    readonly source: FileSource,
    readonly header: FileHeader,
    private readonly listing: { info: KeyInfo; key: Key }[],
  ) {}

  static async open(filePath: string, options: OpenRootOptions = {}): Promise<RootFile> {
    const source = await FileSource.open(filePath, options.http, WHOLE_FILE_BYTES);
    try {
      if (source.size < HEADER_BYTES) {
        throw new RootError(`${source.name} is truncated: ${source.size} bytes, smaller than a ROOT file header`);
      }
      const first = await source.read(0, Math.min(FIRST_READ_BYTES, source.size), "file header");
      const header = readHeader(first, source.name);
      if (header.end > source.size) {
        throw new RootError(`${source.name} is truncated: header says ${header.end} bytes, file has ${source.size}`);
      }
      const listing: { info: KeyInfo; key: Key }[] = [];
      await RootFile.list(source, header.begin + header.nbytesName, "", listing, 0, first);
      return new RootFile(source, header, listing);
    } catch (err) {
      await source.close();
      throw err;
    }
  }

  private static async list(
    source: FileSource,
    seekDir: number,
    prefix: string,
    out: { info: KeyInfo; key: Key }[],
    depth: number,
    first?: Uint8Array,
  ): Promise<void> {
    const where = prefix ? `directory "${prefix}"` : "top directory";
    if (depth > 32) throw new RootError(`${source.name}: directories nest too deeply at ${where}`);
    const length = Math.min(64, source.size - seekDir);
    // The top directory's record usually lies within the file's first read.
    const bytes = first && seekDir >= 0 && seekDir + length <= first.length ? first.subarray(seekDir, seekDir + length) : await source.read(seekDir, length, where);
    const dir = readDirectoryRecord(new Cursor(bytes, `${source.name}: ${where}`));
    for (const key of await readKeyList(source, dir, where)) {
      const name = prefix + key.name;
      out.push({ info: { name, className: key.className, cycle: key.cycle }, key });
      if (DIRECTORY_CLASSES.has(key.className)) {
        await RootFile.list(source, key.seekKey + key.keylen, `${name}/`, out, depth + 1);
      }
    }
  }

  get path(): string {
    return this.source.path;
  }

  keys(): KeyInfo[] {
    return this.listing.map((e) => ({ ...e.info }));
  }

  /** Names of the trees in the file (highest cycle of each). */
  treeNames(): string[] {
    return [...new Set(this.listing.filter((e) => TREE_CLASSES.has(e.info.className)).map((e) => e.info.name))];
  }

  /** Opens a tree by path ("events", "dir/events", or "events;2" for a given cycle). */
  async tree(name: string): Promise<Tree> {
    const [base, cycleText] = name.split(";") as [string, string | undefined];
    const cycle = cycleText === undefined ? undefined : Number(cycleText);
    let best: { info: KeyInfo; key: Key } | undefined;
    for (const e of this.listing) {
      if (e.info.name !== base || !TREE_CLASSES.has(e.info.className)) continue;
      if (cycle !== undefined && e.info.cycle !== cycle) continue;
      if (!best || e.info.cycle > best.info.cycle) best = e;
    }
    if (!best) {
      const names = this.treeNames();
      const hint = suggestNames(base, names) || (names.length ? `; trees: ${names.join(", ")}` : "; the file holds no trees");
      throw new RootError(`unknown tree "${name}" in ${this.source.name}${hint}`);
    }
    const what = `tree "${best.info.name}"`;
    const payload = await readKeyPayload(this.source, best.key, `metadata of ${what}`);
    const model = parseTTree(payload, best.key.keylen, `${this.source.name}: metadata of ${what}`, best.info.className);
    return new Tree(this.source, best.info.name, model, treeMayHoldObjects(model.branches) ? await this.streamers() : undefined);
  }

  private streamerInfos: Promise<() => Map<string, StreamerInfo>> | undefined;

  /**
   * The file's StreamerInfo record, read once and only for trees that may hold unsplit objects;
   * parsed when a tree first needs a class (Tree lists object members on demand).
   */
  private streamers(): Promise<() => Map<string, StreamerInfo>> {
    return (this.streamerInfos ??= readStreamerRecord(this.source, this.header.seekInfo));
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** Opens a ROOT file by path or http(s):// URL (read with range requests). */
export function openRoot(filePath: string, options: OpenRootOptions = {}): Promise<RootFile> {
  return RootFile.open(filePath, options);
}
