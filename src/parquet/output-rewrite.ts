/**
 * Mends the Parquet stream parquet-wasm writes, on its way to the file, in two ways:
 * - page CRCs (its writer has no option for them): each page header gains its `crc` field, the
 *   CRC-32 of the page's compressed bytes, which makes it 2 to 6 bytes longer; so every offset
 *   and size in the page indexes and the footer that follow the pages is moved to match;
 * - offsets beyond 4 GiB: parquet-wasm is compiled for wasm32, whose byte counter wraps at 2^32,
 *   so in a larger file the footer and the offset indexes hold every offset modulo 2^32 (a file
 *   no reader can use). The pages are walked here with true positions, which restore them.
 * Memory holds one page at a time, then the page indexes and the footer.
 */
import { I32, num, ThriftReader, ThriftTruncated, encodeStruct, withField, type ThriftStruct, type ThriftValue } from "./thrift.js";
import { PAGE_CRC, pageCrc, readPageHeader } from "./page-header.js";

// Field ids of parquet.thrift.
const FILE_ROW_GROUPS = 4;
const GROUP_COLUMNS = 1;
const GROUP_FILE_OFFSET = 5;
const GROUP_COMPRESSED_SIZE = 6;
const CHUNK_FILE_OFFSET = 2;
const CHUNK_META = 3;
const CHUNK_OFFSET_INDEX = 4;
const CHUNK_OFFSET_INDEX_LENGTH = 5;
const CHUNK_COLUMN_INDEX = 6;
const CHUNK_COLUMN_INDEX_LENGTH = 7;
const META_COMPRESSED_SIZE = 7;
const META_DATA_PAGE = 9;
const META_INDEX_PAGE = 10;
const META_DICTIONARY_PAGE = 11;
const META_BLOOM_FILTER = 14;
const OFFSET_INDEX_PAGES = 1;
const LOCATION_OFFSET = 1;
const LOCATION_SIZE = 2;

const MAGIC = [0x50, 0x41, 0x52, 0x31];
/** Compact-protocol header of an i32 field following the previous field id by one. */
const NEXT_I32 = 0x15;

/** Input bytes not yet passed on, joined only when a header or a page must be seen whole. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes (at most `length`) as one array, left in the queue. */
  peek(n: number): Uint8Array {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0]!.subarray(0, n);
  }

  /** Removes the first `n` bytes. */
  drop(n: number): void {
    this.length -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length > n) {
        this.chunks[0] = first.subarray(n);
        return;
      }
      n -= first.length;
      this.chunks.shift();
    }
  }
}

/** Where old offsets land once the page headers before them have grown. */
class OffsetMap {
  private readonly starts: number[] = [];
  /** Growth of all pages up to and including each one. */
  private readonly grown: number[] = [];

  add(pageStart: number, growth: number): void {
    this.starts.push(pageStart);
    this.grown.push((this.grown[this.grown.length - 1] ?? 0) + growth);
  }

  /** The new offset of old offset `x`: moved by the growth of every page starting before it. */
  map(x: number): number {
    const lo = this.index(x);
    return x + (lo === 0 ? 0 : this.grown[lo - 1]!);
  }

  /** How many pages start before old offset `x`. */
  private index(x: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether a page starts at old offset `x`. */
  isStart(x: number): boolean {
    const i = this.index(x);
    return this.starts[i] === x;
  }

  /** The new length of old bytes [start, start + length). */
  span(start: number, length: number): number {
    return this.map(start + length) - this.map(start);
  }
}

/** Sets an integer field that is present, keeping its width (bigint for i64). */
function setInt(s: ThriftStruct, id: number, value: number): void {
  const old = s.get(id);
  if (old === undefined) return;
  s.set(id, typeof old === "bigint" ? BigInt(value) : value);
}

function structs(v: ThriftValue | undefined): ThriftStruct[] {
  return Array.isArray(v) ? v.filter((x): x is ThriftStruct => x instanceof Map) : [];
}

/** Whether the queue starts with a page header rather than a page index or the footer. */
function startsWithPage(head: Uint8Array): boolean {
  // PageHeader: i32 type (0-3, one zigzag byte), then i32 uncompressed size. The footer starts
  // with i32 version then a list, and page indexes with a list.
  return head[0] === NEXT_I32 && head[1]! <= 6 && head[2] === NEXT_I32;
}

/**
 * The Parquet file `input` (a stream of parquet-wasm's bytes) with its offsets true beyond 4 GiB
 * and, with `checksums`, a CRC in every page header, its page indexes and footer moved to match.
 * `where` names the file for errors.
 */
export async function* rewriteWriterOutput(input: AsyncIterable<Uint8Array>, where: string, checksums: boolean): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue();
  const source = input[Symbol.asyncIterator]();
  const more = async (): Promise<boolean> => {
    const next = await source.next();
    if (next.done) return false;
    queue.push(next.value);
    return true;
  };
  const need = async (n: number): Promise<void> => {
    while (queue.length < n) if (!(await more())) throw new Error(`${where}: the Parquet writer's output ended early`);
  };

  await need(4);
  if (MAGIC.some((b, i) => queue.peek(4)[i] !== b)) throw new Error(`${where}: the Parquet writer's output does not start with PAR1`);
  yield queue.peek(4).slice();
  queue.drop(4);

  const offsets = new OffsetMap();
  let position = 4;
  for (;;) {
    await need(3);
    if (!startsWithPage(queue.peek(3))) break;
    let page;
    for (;;) {
      try {
        page = readPageHeader(queue.peek(queue.length), 0, where);
        break;
      } catch (error) {
        if (!(error instanceof ThriftTruncated)) throw error;
        await need(queue.length + 1);
      }
    }
    await need(page.length + page.compressedSize);
    const whole = queue.peek(page.length + page.compressedSize);
    const data = whole.subarray(page.length);
    const header = checksums ? encodeStruct(withField(page.header, PAGE_CRC, I32, pageCrc(data))) : whole.subarray(0, page.length);
    offsets.add(position, header.length - page.length);
    yield header;
    yield data;
    queue.drop(page.length + page.compressedSize);
    position += page.length + page.compressedSize;
  }
  while (await more());
  yield* rewriteTrailer(queue.peek(queue.length), position, offsets, where);
}

const WRAP = 2 ** 32;

/** The first offset at or after `from` whose low 32 bits are those of `wrapped`. */
function unwrap(wrapped: number, from: number): number {
  return from + ((((wrapped - from) % WRAP) + WRAP) % WRAP);
}

/** Replaces an integer field that is present by `f` of its value. */
function updateInt(s: ThriftStruct, id: number, f: (v: number) => number): void {
  const v = num(s.get(id));
  if (v !== undefined) setInt(s, id, f(v));
}

/**
 * Restores the true offsets in parquet-wasm's footer (see the top of this file), in place, and
 * returns where each column chunk starts. Column chunks are written one after the other in the
 * footer's order, each less than 4 GiB long, so each starts at the first offset after the one
 * before it with the low bits the footer gives; its other offsets lie within 4 GiB after its
 * start, and the page indexes within 4 GiB after the pages (`base`). Below 4 GiB nothing changes.
 */
function unwrapOffsets(meta: ThriftStruct, base: number, pages: OffsetMap, where: string): Map<ThriftStruct, number> {
  const starts = new Map<ThriftStruct, number>();
  let previous = 0;
  for (const group of structs(meta.get(FILE_ROW_GROUPS))) {
    updateInt(group, GROUP_FILE_OFFSET, (v) => unwrap(v, previous));
    for (const chunk of structs(group.get(GROUP_COLUMNS))) {
      for (const id of [CHUNK_OFFSET_INDEX, CHUNK_COLUMN_INDEX]) updateInt(chunk, id, (v) => unwrap(v, base));
      const m = chunk.get(CHUNK_META);
      if (!(m instanceof Map)) continue;
      const data = num(m.get(META_DATA_PAGE));
      const dict = num(m.get(META_DICTIONARY_PAGE));
      const first = [dict, data].filter((v): v is number => v !== undefined && v > 0).map((v) => unwrap(v, previous));
      if (first.length === 0) continue;
      const start = Math.min(...first);
      if (!pages.isStart(start)) throw new Error(`${where}: the Parquet writer's footer puts a column chunk at byte ${start}, where no page starts`);
      for (const id of [META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE]) updateInt(m, id, (v) => (v > 0 ? unwrap(v, start) : v));
      // 0 is how parquet-wasm says it has no offset for the chunk's metadata (stored in the footer).
      updateInt(chunk, CHUNK_FILE_OFFSET, (v) => (v > 0 ? unwrap(v, start) : v));
      starts.set(chunk, start);
      previous = start;
    }
  }
  return starts;
}

/** A page index or the footer region: where it was, and where it is once rewritten. */
interface IndexRegion {
  offset: number;
  length: number;
  chunk: ThriftStruct;
  offsetField: number;
  lengthField: number;
  /** Offset indexes hold page offsets; column indexes are copied as they are. */
  pageOffsets: boolean;
}

/**
 * The page indexes and footer that follow the pages (`trailer`, starting at old offset `base`),
 * with every page offset and size moved by `offsets`.
 */
function rewriteTrailer(trailer: Uint8Array, base: number, offsets: OffsetMap, where: string): Uint8Array[] {
  const view = new DataView(trailer.buffer, trailer.byteOffset, trailer.length);
  const footerLength = trailer.length >= 8 ? view.getUint32(trailer.length - 8, true) : -1;
  const footerStart = trailer.length - 8 - footerLength;
  if (footerLength < 0 || footerStart < 0) throw new Error(`${where}: the Parquet writer's output has no footer`);
  const meta = new ThriftReader(trailer.subarray(footerStart, trailer.length - 8), where).struct();
  const chunkStarts = unwrapOffsets(meta, base, offsets, where);

  const regions: IndexRegion[] = [];
  for (const group of structs(meta.get(FILE_ROW_GROUPS))) {
    for (const chunk of structs(group.get(GROUP_COLUMNS))) {
      for (const [offsetField, lengthField, pageOffsets] of [
        [CHUNK_COLUMN_INDEX, CHUNK_COLUMN_INDEX_LENGTH, false],
        [CHUNK_OFFSET_INDEX, CHUNK_OFFSET_INDEX_LENGTH, true],
      ] as const) {
        const offset = num(chunk.get(offsetField));
        const length = num(chunk.get(lengthField));
        if (offset !== undefined && length !== undefined) regions.push({ offset, length, chunk, offsetField, lengthField, pageOffsets });
      }
    }
  }
  regions.sort((a, b) => a.offset - b.offset);

  const out: Uint8Array[] = [];
  let next = offsets.map(base);
  let cursor = base;
  for (const r of regions) {
    if (r.offset < cursor || r.offset + r.length > base + footerStart) {
      throw new Error(`${where}: unexpected layout of the Parquet writer's page indexes (bytes ${r.offset}-${r.offset + r.length})`);
    }
    const gap = trailer.subarray(cursor - base, r.offset - base);
    out.push(gap);
    next += gap.length;
    let bytes = trailer.subarray(r.offset - base, r.offset - base + r.length);
    if (r.pageOffsets) {
      const index = new ThriftReader(bytes, where, "offset index").struct();
      const chunkStart = chunkStarts.get(r.chunk) ?? 0;
      for (const location of structs(index.get(OFFSET_INDEX_PAGES))) {
        const offset = unwrap(num(location.get(LOCATION_OFFSET))!, chunkStart);
        const size = num(location.get(LOCATION_SIZE))!;
        setInt(location, LOCATION_SIZE, offsets.span(offset, size));
        setInt(location, LOCATION_OFFSET, offsets.map(offset));
      }
      bytes = encodeStruct(index);
    }
    setInt(r.chunk, r.offsetField, next);
    setInt(r.chunk, r.lengthField, bytes.length);
    out.push(bytes);
    next += bytes.length;
    cursor = r.offset + r.length;
  }
  out.push(trailer.subarray(cursor - base, footerStart));

  for (const group of structs(meta.get(FILE_ROW_GROUPS))) {
    let groupStart = num(group.get(GROUP_FILE_OFFSET));
    for (const chunk of structs(group.get(GROUP_COLUMNS))) {
      const m = chunk.get(CHUNK_META);
      if (!(m instanceof Map)) continue;
      if (m.has(META_BLOOM_FILTER)) throw new Error(`${where}: cannot add page CRCs to a file with bloom filters`);
      const start = chunkStarts.get(chunk);
      const size = num(m.get(META_COMPRESSED_SIZE));
      if (start !== undefined && size !== undefined) setInt(m, META_COMPRESSED_SIZE, offsets.span(start, size));
      groupStart ??= start;
      for (const id of [META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE]) {
        const at = num(m.get(id));
        if (at !== undefined) setInt(m, id, offsets.map(at));
      }
      const fileOffset = num(chunk.get(CHUNK_FILE_OFFSET));
      if (fileOffset !== undefined) setInt(chunk, CHUNK_FILE_OFFSET, offsets.map(fileOffset));
    }
    const size = num(group.get(GROUP_COMPRESSED_SIZE));
    if (groupStart !== undefined && size !== undefined) setInt(group, GROUP_COMPRESSED_SIZE, offsets.span(groupStart, size));
    const fileOffset = num(group.get(GROUP_FILE_OFFSET));
    if (fileOffset !== undefined) setInt(group, GROUP_FILE_OFFSET, offsets.map(fileOffset));
  }
  const footer = encodeStruct(meta);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(MAGIC, 4);
  out.push(footer, tail);
  return out;
}
