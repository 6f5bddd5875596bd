import { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";
import { Deserializer, readHeader, readTNamed, skipRecord, skipTo, type ClassReader } from "./serialization.js";

/**
 * Hand-written readers for the TTree metadata classes (TTree v16-v20, TBranch v10-v13,
 * TBranchElement v8-v10, TLeaf*): only the fields a columnar reader needs; every record is
 * left through its byte count, so fields added by later versions are skipped safely.
 */

export interface LeafModel {
  className: string;
  name: string;
  title: string;
  len: number;
  lenType: number;
  isUnsigned: boolean;
  leafCount: LeafModel | null;
  /** fLeafCount pointed at something that is not a leaf this reader kept: the length is unknown. */
  leafCountUnresolved: boolean;
  /** TLeafElement's streamer type code; -1 for other leaves. */
  elementType: number;
}

/** A basket serialised inside the branch metadata (never flushed to its own key). */
export interface EmbeddedBasket {
  nevbuf: number;
  data: Uint8Array;
  /** Byte offsets of entries in `data` (length nevbuf + 1), or null for fixed-size entries. */
  offsets: Int32Array | null;
}

export interface BranchElementInfo {
  className: string;
  parentName: string;
  id: number;
  type: number;
  streamerType: number;
}

export interface BranchModel {
  className: string;
  name: string;
  title: string;
  compress: number;
  entryOffsetLen: number;
  writeBasket: number;
  entries: number;
  totBytes: number;
  zipBytes: number;
  branches: BranchModel[];
  leaves: LeafModel[];
  basketBytes: number[];
  basketEntry: number[];
  basketSeek: number[];
  embedded: EmbeddedBasket[];
  element: BranchElementInfo | null;
}

export interface TreeModel {
  name: string;
  title: string;
  entries: number;
  totBytes: number;
  zipBytes: number;
  autoFlush: number;
  clusterRangeEnd: number[];
  clusterSize: number[];
  ioBits: number;
  branches: BranchModel[];
}

function readLeafBody(d: Deserializer, className: string): LeafModel {
  const c = d.c;
  const h = readHeader(c);
  const { name, title } = readTNamed(c);
  const len = c.i32();
  const lenType = c.i32();
  c.skip(4); // fOffset
  c.skip(1); // fIsRange
  const isUnsigned = c.u8() !== 0;
  const count = d.readObjectAny();
  const leafCount = count && "leafCount" in count ? (count as LeafModel) : null;
  skipTo(c, h, `leaf "${name}"`);
  return { className, name, title, len, lenType, isUnsigned, leafCount, leafCountUnresolved: count !== null && !leafCount, elementType: -1 };
}

function leafReader(className: string): ClassReader {
  return (d) => {
    const h = readHeader(d.c);
    const leaf = readLeafBody(d, className);
    if (className === "TLeafElement") {
      d.c.skip(4); // fID
      leaf.elementType = d.c.i32();
    }
    skipTo(d.c, h, `leaf "${leaf.name}"`);
    return leaf;
  };
}

/**
 * A TBasket streamed inside its branch (TBasket::Streamer): the key header, the basket header
 * ending at fKeylen, then per the flag an entry-offset array (`i32 n`, n offsets) and a
 * displacement array, then fLast bytes of buffer whose first fKeylen bytes repeat the key.
 */
function readEmbeddedBasket(d: Deserializer): EmbeddedBasket {
  const c = d.c;
  const start = c.pos;
  c.skip(4 + 2 + 4 + 4); // fNbytes, key version, fObjlen, fDatime
  const keylen = c.i16();
  c.pos = start + keylen - 19;
  c.skip(2 + 4 + 4); // fVersion, fBufferSize, fNevBufSize
  const nevbuf = c.i32();
  const last = c.i32();
  const flag = c.u8();
  const border = last - keylen;
  if (nevbuf < 0 || border < 0) throw new RootError(`${c.where}: embedded basket has corrupt sizes (fNevBuf ${nevbuf}, fLast ${last})`);
  let offsets: Int32Array | null = null;
  const hasOffsets = flag % 10 !== 2 && nevbuf > 0;
  if (hasOffsets) {
    if (c.i32() !== nevbuf) throw new RootError(`${c.where}: embedded basket offset table does not hold ${nevbuf} entries`);
    offsets = new Int32Array(nevbuf + 1);
    for (let i = 0; i < nevbuf; i++) offsets[i] = c.i32() - keylen;
    offsets[nevbuf] = border;
    for (let i = 0; i < nevbuf; i++) {
      if (offsets[i]! < 0 || offsets[i]! > offsets[i + 1]!) throw new RootError(`${c.where}: embedded basket offset ${i} is out of order`);
    }
    if (flag >= 40) c.skip(4 + 4 * nevbuf); // fDisplacement
  }
  c.skip(keylen);
  const at = c.pos;
  c.skip(border);
  return { nevbuf, data: c.bytes.slice(at, at + border), offsets };
}

/** The first `keep` of `n` 32- or 64-bit values; the rest are skipped. */
function readArrayWithBump(c: Cursor, n: number, wide: boolean, keep = n): number[] {
  const out: number[] = new Array<number>(keep);
  for (let i = 0; i < keep; i++) out[i] = wide ? c.i64() : c.i32();
  c.skip((n - keep) * (wide ? 8 : 4));
  return out;
}

function readBranchBody(d: Deserializer, className: string): BranchModel {
  const c = d.c;
  const h = readHeader(c);
  const v = h.version;
  if (v < 10) throw new RootError(`${c.where}: TBranch version ${v} is too old (ROOT < 5.x) to read`);
  const { name, title } = readTNamed(c);
  skipRecord(c, "TAttFill");
  const compress = c.i32();
  c.skip(4); // fBasketSize
  const entryOffsetLen = c.i32();
  const writeBasket = c.i32();
  c.skip(8); // fEntryNumber
  if (v >= 13) skipRecord(c, "TIOFeatures");
  c.skip(4); // fOffset
  const maxBaskets = c.i32();
  c.skip(4); // fSplitLevel
  const entries = c.i64();
  if (v >= 11) c.skip(8); // fFirstEntry
  const totBytes = c.i64();
  const zipBytes = c.i64();
  if (maxBaskets < 0 || maxBaskets > c.remaining) throw new RootError(`${c.where}: branch "${name}" has corrupt fMaxBaskets ${maxBaskets}`);
  const branches = d.readObjArray().filter((o): o is BranchModel => "basketSeek" in o);
  const leaves = d.readObjArray().filter((o): o is LeafModel => "leafCount" in o);
  const embedded = d.readObjArray().filter((o): o is EmbeddedBasket => "nevbuf" in o);
  // The basket arrays have fMaxBaskets slots, of which the first fWriteBasket baskets and the
  // entry number that ends the last one are used (basketRefs); the rest, often most of them
  // (ROOT grows them ahead), are skipped rather than read into numbers.
  const keep = Math.min(maxBaskets, Math.max(0, writeBasket) + 1);
  c.skip(1);
  const basketBytes = readArrayWithBump(c, maxBaskets, false, keep);
  c.skip(1);
  const basketEntry = readArrayWithBump(c, maxBaskets, true, keep);
  c.skip(1); // ROOT writes fBasketSeek as 64-bit whatever this marker byte says
  const basketSeek = readArrayWithBump(c, maxBaskets, true, keep);
  skipTo(c, h, `branch "${name}"`);
  return {
    className,
    name,
    title,
    compress,
    entryOffsetLen,
    writeBasket,
    entries,
    totBytes,
    zipBytes,
    branches,
    leaves,
    basketBytes,
    basketEntry,
    basketSeek,
    embedded,
    element: null,
  };
}

function readBranchElement(d: Deserializer): BranchModel {
  const c = d.c;
  const h = readHeader(c);
  const branch = readBranchBody(d, "TBranchElement");
  const className = c.string();
  const parentName = c.string();
  c.string(); // fClonesName
  c.skip(4); // fCheckSum
  c.skip(h.version >= 10 ? 2 : 4); // fClassVersion
  const id = c.i32();
  const type = c.i32();
  const streamerType = c.i32();
  branch.element = { className, parentName, id, type, streamerType };
  skipTo(c, h, `branch "${branch.name}"`);
  return branch;
}

/** Branch classes whose bodies are a plain TBranch plus extra fields this reader does not need. */
function wrappedBranch(className: string): ClassReader {
  return (d) => {
    const h = readHeader(d.c);
    const branch = readBranchBody(d, className);
    skipTo(d.c, h, `branch "${branch.name}"`);
    return branch;
  };
}

/** Readers of the classes met inside TTree metadata, by class name. */
export const TREE_CLASS_READERS: Record<string, ClassReader> = {
  TBranch: (d) => readBranchBody(d, "TBranch"),
  TBranchElement: readBranchElement,
  TBranchObject: wrappedBranch("TBranchObject"),
  TBranchSTL: wrappedBranch("TBranchSTL"),
  TBasket: readEmbeddedBasket,
  TLeafElement: leafReader("TLeafElement"),
};
for (const l of ["O", "B", "S", "I", "L", "G", "F", "D", "C", "F16", "D32", "Object"]) {
  TREE_CLASS_READERS[`TLeaf${l}`] = leafReader(`TLeaf${l}`);
}

/** Parses the (decompressed) payload of a TTree key. */
export function parseTTree(payload: Uint8Array, keylen: number, where: string, className = "TTree"): TreeModel {
  const c = new Cursor(payload, where, 0, keylen);
  const d = new Deserializer(c, TREE_CLASS_READERS);
  // TNtuple and TNtupleD are a TTree base record plus fNvar.
  if (className !== "TTree") readHeader(c);
  const h = readHeader(c);
  const v = h.version;
  if (v < 16 || v > 20) throw new RootError(`${where}: TTree class version ${v} is not supported (16 to 20 are)`);
  const { name, title } = readTNamed(c);
  skipRecord(c, "TAttLine");
  skipRecord(c, "TAttFill");
  skipRecord(c, "TAttMarker");
  const entries = c.i64();
  const totBytes = c.i64();
  const zipBytes = c.i64();
  c.skip(8); // fSavedBytes
  if (v >= 18) c.skip(8); // fFlushedBytes
  c.skip(8 + 4 + 4 + 4); // fWeight, fTimerInterval, fScanField, fUpdate
  if (v >= 17) c.skip(4); // fDefaultEntryOffsetLen
  const nClusterRange = v >= 19 ? c.i32() : 0;
  c.skip(8 * 4); // fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave
  const autoFlush = v >= 18 ? c.i64() : 0;
  c.skip(8); // fEstimate
  let clusterRangeEnd: number[] = [];
  let clusterSize: number[] = [];
  if (v >= 19) {
    if (nClusterRange < 0 || nClusterRange * 16 > c.remaining) throw new RootError(`${where}: corrupt fNClusterRange ${nClusterRange}`);
    c.skip(1);
    clusterRangeEnd = readArrayWithBump(c, nClusterRange, true);
    c.skip(1);
    clusterSize = readArrayWithBump(c, nClusterRange, true);
  }
  let ioBits = 0;
  if (v >= 20) {
    // ROOT::TIOFeatures: header, 4 bytes ROOT does not document, then fIOBits.
    const fh = readHeader(c);
    c.skip(4);
    ioBits = c.u8();
    if (fh.end >= 0) c.pos = fh.end;
  }
  const branches = d.readObjArray().filter((o): o is BranchModel => "basketSeek" in o);
  return { name, title, entries, totBytes, zipBytes, autoFlush, clusterRangeEnd, clusterSize, ioBits, branches };
}
