import type { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";

const kByteCountMask = 0x40000000;
const kNewClassTag = 0xffffffff;
const kClassMask = 0x80000000;
/** ROOT stores object reference positions shifted by this much. */
const kMapOffset = 2;
const kIsReferenced = 1 << 4;

/** The start of a versioned record: its version and, when it has a byte count, where it ends. */
export interface RecordHeader {
  version: number;
  /** Cursor position one past the record, or -1 when the writer gave no byte count. */
  end: number;
}

/** ROOT's ReadVersion: an optional `u32 bytecount | kByteCountMask` then `u16 version`. */
export function readHeader(c: Cursor): RecordHeader {
  const start = c.pos;
  const first = c.u32();
  if (first & kByteCountMask) {
    const count = first & ~kByteCountMask;
    return { version: c.u16(), end: start + 4 + count };
  }
  c.pos = start;
  return { version: c.u16(), end: -1 };
}

/** Moves to the end of a record whose fields were only partly read. */
export function skipTo(c: Cursor, h: RecordHeader, what: string): void {
  if (h.end < 0) throw new RootError(`${c.where}: ${what} has no byte count and cannot be skipped`);
  if (h.end > c.bytes.length) throw new RootError(`${c.where}: ${what} runs past the end of its record`);
  c.pos = h.end;
}

/** Skips one versioned record (a base class or an embedded object). */
export function skipRecord(c: Cursor, what: string): void {
  skipTo(c, readHeader(c), what);
}

/** TObject: version, fUniqueID, fBits, and a process id when referenced. */
export function readTObject(c: Cursor): void {
  const h = readHeader(c);
  c.skip(4);
  const bits = c.u32();
  if (bits & kIsReferenced) c.skip(2);
  if (h.end >= 0) c.pos = h.end;
}

/** TNamed: TObject then name and title. */
export function readTNamed(c: Cursor): { name: string; title: string } {
  const h = readHeader(c);
  readTObject(c);
  const name = c.string();
  const title = c.string();
  if (h.end >= 0) c.pos = h.end;
  return { name, title };
}

/** An object of a class no reader knows: kept only so back-references resolve. */
export interface UnknownObject {
  unknownClass: string;
}

export type ClassReader = (d: Deserializer) => object;

/**
 * Reads polymorphic object pointers (ROOT's ReadObjectAny): tracks classes and objects seen so
 * far, so later back-references (e.g. a leaf's fLeafCount) resolve to the same JS object.
 */
export class Deserializer {
  private readonly refs = new Map<number, object | string>();

  constructor(
    readonly c: Cursor,
    private readonly readers: Record<string, ClassReader>,
  ) {}

  readObjectAny(): object | null {
    const c = this.c;
    const beg = c.refPos;
    const first = c.u32();
    let tag: number;
    let start = 0;
    let hasCount = false;
    if (!(first & kByteCountMask) || first === kNewClassTag) {
      tag = first;
    } else {
      hasCount = true;
      start = c.refPos;
      tag = c.u32();
    }
    const end = hasCount ? beg - c.origin + 4 + (first & ~kByteCountMask) : -1;
    if (!(tag & kClassMask)) {
      if (tag === 0) return null;
      const obj = this.refs.get(tag);
      if (obj === undefined || typeof obj === "string") {
        // An object reference we did not keep (e.g. inside a skipped record): harmless unless used.
        return { unknownClass: "?" } satisfies UnknownObject;
      }
      return obj;
    }
    let className: string;
    if (tag === kNewClassTag) {
      className = c.cstring();
      this.refs.set(hasCount ? start + kMapOffset : this.refs.size + 1, className);
    } else {
      const ref = this.refs.get((tag & ~kClassMask) >>> 0);
      if (typeof ref !== "string") {
        throw new RootError(`${c.where}: bad class reference ${tag & ~kClassMask} at offset ${c.pos - 4}`);
      }
      className = ref;
    }
    const reader = this.readers[className];
    let obj: object;
    if (reader) {
      obj = reader(this);
      if (end >= 0) c.pos = end;
    } else {
      if (end < 0) throw new RootError(`${c.where}: object of class ${className} has no byte count`);
      c.pos = end;
      obj = { unknownClass: className } satisfies UnknownObject;
    }
    this.refs.set(hasCount ? beg + kMapOffset : this.refs.size + 1, obj);
    return obj;
  }

  /** TObjArray: header, TObject, name, count, lower bound, then object pointers. */
  readObjArray(): object[] {
    const c = this.c;
    const h = readHeader(c);
    if (h.version > 2) readTObject(c);
    if (h.version > 1) c.string();
    const n = c.i32();
    c.skip(4);
    if (n < 0 || n > c.remaining) throw new RootError(`${c.where}: TObjArray of ${n} objects is corrupt`);
    const out: object[] = [];
    for (let i = 0; i < n; i++) {
      const o = this.readObjectAny();
      if (o) out.push(o);
    }
    if (h.end >= 0) c.pos = h.end;
    return out;
  }
}
