/**
 * An HTTP(S) object (an S3 presigned URL, say) read with range requests: small reads go through
 * a cache of 64 KiB blocks (file headers, directories, footers), larger ones fetch exactly their
 * bytes, ranges asked together are coalesced, ranges announced with willNeed() are fetched ahead
 * within a byte budget, and failed reads are retried with the ServiceX client's back-off.
 */
import { basename } from "node:path";
import { coalesce, displayUrl, type ByteRange, type ByteSource } from "./byte-source.js";
import { expiredMessage, getRange, RemoteReadError, signedUrlExpiry, UrlExpiredError, type ObjectIdentity } from "./http-range.js";
import { logDebug } from "../log.js";
import { backoffDelay, DEFAULT_ATTEMPTS, DEFAULT_RETRY_DELAY_MS, delay } from "./retry.js";
import { Semaphore } from "../pool/semaphore.js";

export interface HttpSourceOptions {
  /** Attempts per range request (default 3, as the ServiceX client's downloads). */
  attempts?: number;
  /** First back-off delay in ms, doubled each retry with jitter (default 1000). */
  retryDelayMs?: number;
  /** A connection silent for this long is dropped and retried (default 60 s). */
  idleTimeoutMs?: number;
  /** Range requests in flight per file (default 5, as the Python client's ranged streams). */
  concurrency?: number;
  /** Wanted ranges closer than this are fetched together (default 16 KiB). */
  coalesceGap?: number;
  /** Largest single range request (default 8 MiB); longer reads are split. */
  maxRequestBytes?: number;
  /** Bytes fetched ahead of the reader at most (default 32 MiB). */
  readAheadBytes?: number;
  signal?: AbortSignal;
}

/** Transfer counters of one source. */
export interface TransferStats {
  requests: number;
  retries: number;
  bytes: number;
}

const BLOCK = 64 * 1024;
/** Reads up to this size go through the block cache. */
const SMALL_READ = 16 * 1024;
const CACHED_BLOCKS = 32;

/** A range fetched ahead: kept until the reads it was fetched for have taken their bytes. */
interface AheadUnit {
  offset: number;
  end: number;
  /** Bytes of announced ranges not yet read. */
  remaining: number;
  data?: Promise<Uint8Array>;
}

export class HttpByteSource implements ByteSource {
  readonly location: string;
  readonly name: string;
  readonly coalesceGap: number;
  readonly stats: TransferStats = { requests: 0, retries: 0, bytes: 0 };
  private readonly limiter: Semaphore;
  private readonly blocks = new Map<number, Promise<Uint8Array>>();
  private readonly ahead: AheadUnit[] = [];
  private aheadHeld = 0;
  private readonly expiry: Date | undefined;
  private closed = false;

  private constructor(
    readonly url: string,
    private readonly identity: ObjectIdentity,
    firstBlock: Uint8Array,
    private readonly o: HttpSourceOptions,
  ) {
    this.location = displayUrl(url);
    this.name = decodeURIComponent(basename(new URL(url).pathname));
    this.coalesceGap = o.coalesceGap ?? 16 * 1024;
    this.limiter = new Semaphore(o.concurrency ?? 5);
    this.expiry = signedUrlExpiry(url);
    this.blocks.set(0, Promise.resolve(firstBlock));
  }

  get size(): number {
    return this.identity.size;
  }

  /** Opens `url` with a first range read (its first block), which also gives the size and ETag. */
  static async open(url: string, options: HttpSourceOptions = {}): Promise<HttpByteSource> {
    const expiry = signedUrlExpiry(url);
    if (expiry && Date.now() > expiry.getTime()) throw new UrlExpiredError(expiredMessage(url, expiry));
    const stats: TransferStats = { requests: 0, retries: 0, bytes: 0 };
    const first = await withRetries(options, stats, (signal) =>
      getRange(url, 0, BLOCK, { idleTimeoutMs: options.idleTimeoutMs ?? 60_000, signal, onBytes: (n) => (stats.bytes += n) }),
    );
    const source = new HttpByteSource(url, first.identity, first.bytes, options);
    Object.assign(source.stats, stats);
    return source;
  }

  /** Bytes [start, end), in requests of at most maxRequestBytes run side by side. */
  private fetch(start: number, end: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error("the file is closed"));
    const max = this.o.maxRequestBytes ?? 8 * 1024 * 1024;
    const one = (a: number, b: number): Promise<Uint8Array> =>
      this.limiter.run(() =>
        withRetries(this.o, this.stats, (signal) =>
          getRange(this.url, a, b, { expect: this.identity, idleTimeoutMs: this.o.idleTimeoutMs ?? 60_000, signal, onBytes: (n) => (this.stats.bytes += n) }),
        ).then((r) => r.bytes),
      );
    if (end - start <= max) return one(start, end);
    const parts: Promise<Uint8Array>[] = [];
    for (let a = start; a < end; a += max) parts.push(one(a, Math.min(end, a + max)));
    return Promise.all(parts).then((ps) => {
      const out = new Uint8Array(end - start);
      let at = 0;
      for (const p of ps) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    });
  }

  private block(index: number): Promise<Uint8Array> {
    let b = this.blocks.get(index);
    if (b) {
      // Most recently used last.
      this.blocks.delete(index);
    } else {
      b = this.fetch(index * BLOCK, Math.min(this.size, (index + 1) * BLOCK));
      b.catch(() => this.blocks.delete(index));
    }
    this.blocks.set(index, b);
    if (this.blocks.size > CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return b;
  }

  private async fromBlocks(offset: number, length: number): Promise<Uint8Array> {
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + length - 1) / BLOCK);
    if (first === last) {
      const b = await this.block(first);
      return b.slice(offset - first * BLOCK, offset - first * BLOCK + length);
    }
    const out = new Uint8Array(length);
    for (let i = first; i <= last; i++) {
      const b = await this.block(i);
      const lo = Math.max(offset, i * BLOCK);
      const hi = Math.min(offset + length, (i + 1) * BLOCK);
      out.set(b.subarray(lo - i * BLOCK, hi - i * BLOCK), lo - offset);
    }
    return out;
  }

  /** The bytes from a read-ahead unit holding the whole range, if one does. */
  private fromAhead(offset: number, length: number): Promise<Uint8Array> | undefined {
    const k = this.ahead.findIndex((u) => u.offset <= offset && offset + length <= u.end);
    if (k < 0) return undefined;
    const u = this.ahead[k]!;
    // Reads follow the announced order: units announced before this one were skipped.
    for (const skipped of this.ahead.splice(0, k)) this.release(skipped);
    u.remaining -= length;
    if (u.remaining <= 0) this.release(this.ahead.shift()!);
    const data = u.data ?? this.start(u);
    this.pump();
    // A failed read-ahead is read again directly (with its own retries and errors).
    return data.then(
      (d) => d.subarray(offset - u.offset, offset - u.offset + length),
      () => this.fetch(offset, offset + length),
    );
  }

  private start(u: AheadUnit): Promise<Uint8Array> {
    u.data = this.fetch(u.offset, u.end);
    u.data.catch(() => undefined);
    return u.data;
  }

  private release(u: AheadUnit): void {
    if (u.data) this.aheadHeld -= u.end - u.offset;
  }

  /** Starts announced fetches while the bytes held ahead stay within the budget. */
  private pump(): void {
    const budget = this.o.readAheadBytes ?? 32 * 1024 * 1024;
    for (const u of this.ahead) {
      if (u.data) continue;
      const bytes = u.end - u.offset;
      if (this.aheadHeld > 0 && this.aheadHeld + bytes > budget) break;
      this.aheadHeld += bytes;
      this.start(u);
    }
  }

  willNeed(ranges: readonly ByteRange[]): void {
    const max = this.o.maxRequestBytes ?? 8 * 1024 * 1024;
    for (const g of coalesce(ranges, this.coalesceGap, max)) {
      let wanted = 0;
      for (const i of g.members) wanted += ranges[i]!.length;
      this.ahead.push({ offset: g.offset, end: g.end, remaining: wanted });
    }
    this.pump();
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return Promise.resolve(new Uint8Array(0));
    const expired = this.expiredError();
    if (expired) return Promise.reject(expired);
    const ahead = this.fromAhead(offset, length);
    if (ahead) return ahead;
    return length <= SMALL_READ ? this.fromBlocks(offset, length) : this.fetch(offset, offset + length);
  }

  async readRanges(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    const expired = this.expiredError();
    if (expired) throw expired;
    const out: (Promise<Uint8Array> | undefined)[] = ranges.map((r) => (r.length === 0 ? Promise.resolve(new Uint8Array(0)) : this.fromAhead(r.offset, r.length)));
    const rest = ranges.map((r, i) => ({ ...r, i })).filter((r) => out[r.i] === undefined);
    for (const g of coalesce(rest, this.coalesceGap, this.o.maxRequestBytes ?? 8 * 1024 * 1024)) {
      const data = this.fetch(g.offset, g.end);
      for (const m of g.members) {
        const r = rest[m]!;
        out[r.i] = data.then((d) => d.subarray(r.offset - g.offset, r.offset - g.offset + r.length));
      }
    }
    return Promise.all(out as Promise<Uint8Array>[]);
  }

  /** A signed URL past its expiry fails before any request is sent. */
  private expiredError(): UrlExpiredError | undefined {
    return this.expiry && Date.now() > this.expiry.getTime() ? new UrlExpiredError(expiredMessage(this.url, this.expiry)) : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.blocks.clear();
    this.ahead.length = 0;
    this.aheadHeld = 0;
  }
}

/** Runs one range request with the retry rules: retryable failures only, back-off, Retry-After honoured. */
async function withRetries<T>(o: HttpSourceOptions, stats: TransferStats, attempt: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
  for (let k = 1; ; k++) {
    stats.requests++;
    try {
      return await attempt(o.signal);
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      const retryable = err instanceof RemoteReadError && err.retryable;
      if (!retryable || k >= attempts) {
        if (!retryable) throw err;
        throw new RemoteReadError(`${(err as Error).message} (gave up after ${attempts} attempts)`, false);
      }
      stats.retries++;
      const after = (err as RemoteReadError).retryAfterS;
      const wait = backoffDelay(k, o.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
      const delayMs = Math.round(after !== undefined ? Math.min(60_000, Math.max(wait, after * 1000)) : wait);
      // The error names the URL without its query (displayUrl): no signature in the line.
      logDebug("http.retry", { attempt: k + 1, of: attempts, delayMs, reason: (err as Error).message });
      await delay(delayMs, o.signal);
    }
  }
}
