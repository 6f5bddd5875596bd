import { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";
import { readKeyAt, readKeyPayload } from "./key.js";
import { Deserializer, readHeader, readTNamed, readTObject, type ClassReader } from "./serialization.js";
import type { FileSource } from "./source.js";

/**
 * The file's StreamerInfo record (the TList of TStreamerInfo at fSeekInfo): how each class in the
 * file was written, member by member. Read only when a tree holds unsplit objects, whose bytes
 * can be decoded from nothing else.
 */

/** One member (or base class) of a class as its TStreamerInfo lists it. */
export interface StreamerElement {
  /** TStreamerBase, TStreamerBasicType, TStreamerObject, TStreamerSTL, ... */
  kind: string;
  name: string;
  title: string;
  /** ROOT's type code (const.py: 1-19 basic, +20 fixed array, 61-69 objects, 300 STL, ...). */
  type: number;
  arrayLength: number;
  typeName: string;
}

export interface StreamerInfo {
  className: string;
  classVersion: number;
  elements: StreamerElement[];
}

function readElementBody(d: Deserializer, kind: string): StreamerElement {
  const c = d.c;
  const h = readHeader(c);
  const { name, title } = readTNamed(c);
  let type = c.i32();
  c.skip(4); // fSize
  const arrayLength = c.i32();
  c.skip(4); // fArrayDim
  if (h.version === 1) c.skip(4 * c.i32());
  else c.skip(4 * 5); // fMaxIndex
  const typeName = c.string();
  // Old files give bool members the code of unsigned char.
  if (type === 11 && (typeName === "Bool_t" || typeName === "bool")) type = 18;
  if (h.end >= 0) c.pos = h.end;
  return { kind, name, title, type, arrayLength, typeName };
}

/** Every TStreamer* element class: its own record wrapping a TStreamerElement (TStreamerSTLstring wraps a TStreamerSTL). */
function elementReader(kind: string): ClassReader {
  return (d) => {
    const c = d.c;
    const h = readHeader(c);
    const el = kind === "TStreamerSTLstring" ? elementReader("TStreamerSTL")(d) as StreamerElement : readElementBody(d, kind);
    if (h.end >= 0) c.pos = h.end;
    return { ...el, kind };
  };
}

const ELEMENT_KINDS = [
  "TStreamerBase",
  "TStreamerBasicType",
  "TStreamerBasicPointer",
  "TStreamerLoop",
  "TStreamerObject",
  "TStreamerObjectPointer",
  "TStreamerObjectAny",
  "TStreamerObjectAnyPointer",
  "TStreamerString",
  "TStreamerSTL",
  "TStreamerSTLstring",
  "TStreamerArtificial",
];

const READERS: Record<string, ClassReader> = {
  TObjArray: (d) => ({ items: d.readObjArray() }),
  TStreamerInfo: (d) => {
    const c = d.c;
    const h = readHeader(c);
    const { name } = readTNamed(c);
    c.skip(4); // fCheckSum
    const classVersion = c.i32();
    const arr = d.readObjectAny() as { items?: object[] } | null;
    if (h.end >= 0) c.pos = h.end;
    const elements = (arr?.items ?? []).filter((e): e is StreamerElement => "kind" in e);
    return { className: name, classVersion, elements } satisfies StreamerInfo;
  },
};
for (const k of ELEMENT_KINDS) READERS[k] = elementReader(k);

/** Parses the StreamerInfo TList; classes by name (and by name;version when several versions are listed). */
export function parseStreamerInfos(payload: Uint8Array, keylen: number, where: string): Map<string, StreamerInfo> {
  const c = new Cursor(payload, where, 0, keylen);
  const d = new Deserializer(c, READERS);
  const h = readHeader(c);
  readTObject(c);
  c.string(); // fName
  const n = c.i32();
  if (n < 0 || n > c.remaining) throw new RootError(`${where}: a list of ${n} streamers is corrupt`);
  const out = new Map<string, StreamerInfo>();
  for (let i = 0; i < n; i++) {
    const o = d.readObjectAny() as Partial<StreamerInfo> | null;
    c.skip(c.u8()); // the entry's option string
    if (o && typeof o.className === "string" && o.elements) {
      const info = o as StreamerInfo;
      if (!out.has(info.className)) out.set(info.className, info);
      out.set(`${info.className};${info.classVersion}`, info);
    }
  }
  if (h.end >= 0 && h.end <= payload.length) c.pos = h.end;
  return out;
}

/** Reads the StreamerInfo record of a file. */
export async function readStreamerInfos(source: FileSource, seekInfo: number): Promise<Map<string, StreamerInfo>> {
  return (await readStreamerRecord(source, seekInfo))();
}

/**
 * Reads the StreamerInfo record's bytes and returns its parser, which parses them on its first
 * call only: a tree that may hold unsplit objects needs the classes only when one of those
 * branches is listed or read, and parsing costs several times the read (uproot-HZZ-objects:
 * 67 µs against 14 µs).
 */
export async function readStreamerRecord(source: FileSource, seekInfo: number): Promise<() => Map<string, StreamerInfo>> {
  const what = "StreamerInfo record";
  if (seekInfo <= 0 || seekInfo >= source.size) throw new RootError(`${source.name}: the ${what} offset ${seekInfo} is outside the file`);
  const key = await readKeyAt(source, seekInfo, what);
  const payload = await readKeyPayload(source, key, what);
  let parsed: Map<string, StreamerInfo> | undefined;
  return () => (parsed ??= parseStreamerInfos(payload, key.keylen, `${source.name}: ${what}`));
}
