import type { ElementType } from "../batch/types.js";
import type { BasketPlace, RawBasket } from "./basket.js";
import type { Piece } from "./decode.js";
import { RootError } from "./errors.js";
import { cppElementType, ITEM_SIZE, normalisedType } from "./leaf-types.js";
import type { StreamerInfo } from "./streamers.js";
import type { BranchModel } from "./ttree.js";

/**
 * Unsplit objects (split level 0): a TVector3 branch, a std::vector<TLorentzVector> branch, any
 * class ROOT streamed object-wise. Each entry is the object's own record (byte count, version)
 * holding its base classes and members in the order of the class's TStreamerInfo, objects nested
 * in objects with records of their own: the member-wise walk uproot's generated models do. The
 * numeric members come out as columns named by their path (`jetp4.fP.fX`), TObject's bookkeeping
 * (fUniqueID, fBits) left out as uproot leaves it out of arrays.
 */

/** One numeric member of the class, as a column. */
export interface ObjectMember {
  /** Member names from the top object down (`["fP", "fX"]`). */
  path: string[];
  elementType: ElementType;
  /** The C++ type as uproot prints it. */
  typeName: string;
}

type Step =
  | { op: "number"; member: number; code: number }
  /** A TObject base: version, fUniqueID, fBits, and a process id when referenced. */
  | { op: "tobject" }
  /** A base class or object member: its own record (byte count, version), then its steps. */
  | { op: "record"; steps: Step[]; className: string };

/** How to decode one branch of unsplit objects: a single object per entry, or a std::vector of them. */
export interface ObjectPlan {
  className: string;
  container: "none" | "vector";
  members: ObjectMember[];
  steps: Step[];
}

/** Basic type codes read as numbers: the element type kept and the bytes read. */
const BASIC: Record<number, { type: ElementType; name: string }> = {
  1: { type: "int8", name: "int8_t" },
  2: { type: "int16", name: "int16_t" },
  3: { type: "int32", name: "int32_t" },
  4: { type: "int64", name: "int64_t" },
  5: { type: "float32", name: "float" },
  6: { type: "int32", name: "int32_t" },
  8: { type: "float64", name: "double" },
  11: { type: "uint8", name: "uint8_t" },
  12: { type: "uint16", name: "uint16_t" },
  13: { type: "uint32", name: "uint32_t" },
  14: { type: "uint64", name: "uint64_t" },
  15: { type: "uint32", name: "uint32_t" },
  16: { type: "int64", name: "int64_t" },
  17: { type: "uint64", name: "uint64_t" },
  18: { type: "bool", name: "bool" },
};
const K_OBJECT = 61;
const K_ANY = 62;
const kIsReferenced = 1 << 4;

/** Why a class cannot be decoded member-wise. */
export class UnsupportedObject extends Error {}

/** Whether a branch may hold unsplit objects: a top-level TBranchElement without sub-branches whose class is a class or a vector of one. */
export function mayHoldObjects(b: BranchModel): boolean {
  const el = b.element;
  if (!el || b.branches.length > 0 || el.id >= 0 || !el.className) return false;
  const t = normalisedType(el.className);
  const inner = t.name === "vector" && t.args.length === 1 ? t.args[0]! : t;
  return inner.args.length === 0 && inner.name !== "string" && inner.name !== "TString" && cppElementType(inner) === undefined;
}

/** Whether any branch of a tree may hold unsplit objects (then the file's streamers are read). */
export function treeMayHoldObjects(branches: BranchModel[]): boolean {
  return branches.some((b) => mayHoldObjects(b) || treeMayHoldObjects(b.branches));
}

function planClass(className: string, infos: Map<string, StreamerInfo>, path: string[], members: ObjectMember[], depth: number): Step[] {
  if (depth > 16) throw new UnsupportedObject(`classes nest too deeply at ${className}`);
  const info = infos.get(className);
  if (!info) throw new UnsupportedObject(`the file has no streamer for class ${className}`);
  const steps: Step[] = [];
  for (const el of info.elements) {
    const where = [...path, el.name].join(".");
    if (el.kind === "TStreamerBase") {
      if (el.name === "TObject") steps.push({ op: "tobject" });
      else steps.push({ op: "record", className: el.name, steps: planClass(el.name, infos, path, members, depth + 1) });
      continue;
    }
    const basic = BASIC[el.type];
    if (el.kind === "TStreamerBasicType" && basic && el.arrayLength === 0) {
      steps.push({ op: "number", member: members.length, code: el.type });
      members.push({ path: [...path, el.name], elementType: basic.type, typeName: basic.name });
      continue;
    }
    if ((el.kind === "TStreamerObject" || el.kind === "TStreamerObjectAny") && (el.type === K_OBJECT || el.type === K_ANY)) {
      steps.push({ op: "record", className: el.typeName, steps: planClass(el.typeName, infos, [...path, el.name], members, depth + 1) });
      continue;
    }
    throw new UnsupportedObject(`member ${where} (${el.typeName}, ${el.kind} type ${el.type}) is not decoded`);
  }
  return steps;
}

/** The plan for a branch of class `className` (`TVector3`, `vector<TLorentzVector>`), or why there is none. */
export function planObjects(className: string, infos: Map<string, StreamerInfo>): ObjectPlan {
  const t = normalisedType(className);
  const vector = t.name === "vector" && t.args.length === 1;
  const inner = vector ? t.args[0]! : t;
  if (inner.args.length > 0) throw new UnsupportedObject(`class templates (${className}) are not decoded`);
  const members: ObjectMember[] = [];
  const steps = planClass(inner.name, infos, [], members, 0);
  if (members.length === 0) throw new UnsupportedObject(`class ${inner.name} has no numeric members`);
  return { className: inner.name, container: vector ? "vector" : "none", members, steps };
}

/** A typed array of one element type that grows by doubling. */
class Column {
  bytes: Uint8Array;
  view: DataView;
  n = 0;
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(64 * size);
    this.view = new DataView(this.bytes.buffer);
  }
  slot(): number {
    if ((this.n + 1) * this.size > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    return this.n++ * this.size;
  }
}

/** One numeric member of an object: read big-endian, kept in native order (as decode.ts keeps values). */
function readNumber(dv: DataView, p: number, code: number, out: Column): number {
  const at = out.slot();
  const o = out.view;
  switch (code) {
    case 1:
      o.setInt8(at, dv.getInt8(p));
      return 1;
    case 11:
      o.setUint8(at, dv.getUint8(p));
      return 1;
    case 18:
      o.setUint8(at, dv.getUint8(p) ? 1 : 0);
      return 1;
    case 2:
    case 12:
      o.setUint16(at, dv.getUint16(p), true);
      return 2;
    case 3:
    case 6:
    case 13:
    case 15:
      o.setUint32(at, dv.getUint32(p), true);
      return 4;
    case 5:
      o.setFloat32(at, dv.getFloat32(p), true);
      return 4;
    case 8:
      o.setFloat64(at, dv.getFloat64(p), true);
      return 8;
    default:
      o.setBigUint64(at, dv.getBigUint64(p), true);
      return 8;
  }
}

/**
 * Decodes a basket of unsplit objects into one piece per member (in plan.members order), all
 * with the same entries; vectors of objects give each member the same offsets.
 */
export function decodeObjects(raw: RawBasket, plan: ObjectPlan, where: BasketPlace): Piece[] {
  const { data, nevbuf } = raw;
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const cols = plan.members.map((m) => new Column(ITEM_SIZE[m.elementType]));
  const offsets = plan.container === "vector" ? new Int32Array(nevbuf + 1) : null;
  let p = 0;
  let entry = 0;
  let end = 0;
  const fail = (what: string): RootError => new RootError(`${where.toString()}: entry ${entry}: ${what}; the basket is corrupt`);
  const need = (n: number): void => {
    if (p + n > end) throw fail(`${plan.className} data runs past the entry (${n} bytes needed at byte ${p}, entry ends at ${end})`);
  };
  /** A record's header: returns where it ends (byte count), or -1 without one. */
  const header = (): number => {
    need(6);
    const first = dv.getUint32(p);
    if (first & 0x40000000) {
      const stop = p + 4 + (first & 0x3fffffff);
      if (stop > end) throw fail(`a record of ${first & 0x3fffffff} bytes runs past the entry`);
      p += 6;
      return stop;
    }
    p += 2;
    return -1;
  };
  const run = (steps: Step[]): void => {
    for (const s of steps) {
      if (s.op === "number") {
        need(ITEM_SIZE[plan.members[s.member]!.elementType]);
        p += readNumber(dv, p, s.code, cols[s.member]!);
      } else if (s.op === "tobject") {
        header();
        need(8);
        const bits = dv.getUint32(p + 4);
        p += 8;
        if (bits & kIsReferenced) p += 2;
      } else {
        const stop = header();
        run(s.steps);
        if (stop >= 0) {
          if (p > stop) throw fail(`a ${s.className} record is longer than its byte count`);
          p = stop;
        }
      }
    }
  };
  const object = (): void => {
    const stop = header();
    run(plan.steps);
    if (stop >= 0) {
      if (p > stop) throw fail(`a ${plan.className} record is longer than its byte count`);
      p = stop;
    }
  };
  for (entry = 0; entry < nevbuf; entry++) {
    p = raw.offsets ? raw.offsets[entry]! : p;
    end = raw.offsets ? raw.offsets[entry + 1]! : data.length;
    if (p > end || end > data.length) throw fail("its offsets lie outside the basket data");
    if (plan.container === "none") {
      object();
    } else {
      need(10);
      const version = dv.getUint16(p + 4);
      if (version & 0x4000) throw new RootError(`${where.toString()}: member-wise streamed std::vector<${plan.className}> is not decoded`);
      const stop = header();
      const n = dv.getInt32(p);
      p += 4;
      if (n < 0 || n > end - p) throw fail(`impossible vector size ${n}`);
      for (let k = 0; k < n; k++) object();
      if (stop >= 0 && p !== stop) throw fail(`the vector holds ${stop - p} bytes more than its ${n} objects`);
      offsets![entry + 1] = offsets![entry]! + n;
    }
    if (raw.offsets && p !== end) throw fail(`${end - p} bytes left after the entry's ${plan.className} data`);
  }
  return cols.map((c) => ({ entries: nevbuf, values: c.bytes.subarray(0, c.n * c.size), offsets, inner: null, bigEndian: false }));
}
