import type { Batch, Column, ElementType, NumericArray } from "../batch/types.js";
import { BasketPlace, basketCodec, basketRefs, readBasket, readBasketSync, type BasketRef, type RawBasket } from "./basket.js";
import { assembleColumn, decodeBasket, slicePiece, type Piece } from "./decode.js";
import { suggestNames } from "../text/close-names.js";
import { RootError } from "./errors.js";
import { classify, type Interpretation } from "./interpret.js";
import { ITEM_SIZE } from "./leaf-types.js";
import { assembleStrings, decodeStrings, sliceStrings, type StringPiece } from "./strings.js";
import type { FileSource } from "./source.js";
import { checkUtf8 } from "./utf8.js";
import { decodeObjects, mayHoldObjects, planObjects, UnsupportedObject, type ObjectPlan } from "./objects.js";
import type { StreamerInfo } from "./streamers.js";
import type { BranchModel, LeafModel, TreeModel } from "./ttree.js";

/** What a tree holds in one branch. */
export interface BranchInfo {
  /**
   * The branch's own name (fName), or uproot's path of branch names (`parent/child`) when several
   * branches share that name; `Tree` also accepts the path of any branch (`v/v.fCoordinates.fPt`).
   */
  name: string;
  /** The type as uproot prints it: `float`, `int32_t[]`, `bool[3]`, `std::vector<float>`. */
  typeName: string;
  kind: "flat" | "fixed" | "jagged";
  /** Leaf element type; absent for string branches and for branches this reader cannot decode. */
  elementType?: ElementType;
  /** Set on string branches (char*, std::string, TString, vectors of them): read as string columns. */
  strings?: true;
  /** Per-entry shape of fixed-size arrays. */
  shape?: number[];
  /** 2 for vector<vector<T>> (jagged of jagged), 1 for other jagged branches, 0 otherwise (strings count as values). */
  jaggedDepth: number;
  /** jaggedDepth under the expression compiler's schema name, set on jagged branches only. */
  depth?: number;
  /**
   * Counted arrays `x[n]` only: the counter branch holding n, which names the object collection
   * (branches sharing a counter can be combined element-wise). Field names match the expression
   * compiler's schema, so `tree.branches.filter((b) => b.supported)` is a schema as it stands.
   */
  collection?: string;
  supported: boolean;
  /** Why the branch cannot be decoded, when it cannot. */
  unsupportedReason?: string;
  /** Entries the branch's baskets hold (what reading it gives); may differ from the tree's. */
  entries: number;
  baskets: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface Cluster {
  entryStart: number;
  entryStop: number;
}

export interface IterateOptions {
  branches: string[];
  entryStart?: number;
  entryStop?: number;
  /** Target entries per batch; batches end on a boundary shared by all branches' baskets when one is close. */
  stepEntries?: number;
}

interface BranchState {
  info: BranchInfo;
  model: BranchModel;
  interp: Interpretation;
  refs: BasketRef[];
  /** Why the baskets cannot be trusted (they disagree with the branch's fEntries), if so. */
  inconsistent?: string;
  /** A member column of a branch of unsplit objects: the branch (its listed name), the plan and the member's index. */
  object?: { branch: string; plan: ObjectPlan; member: number };
  /** A branch that may hold unsplit objects whose members are not listed yet: its uproot path (see listObjects). */
  unlistedObjects?: string;
  /** File, tree and branch for messages (Tree.whereOf), built on first use and kept: baskets name it each. */
  where?: string;
}

type Decodable = Exclude<Interpretation, { kind: "unsupported" }>;
/** A basket of unsplit objects: one piece per member column (objects.ts). */
interface ObjectPieces {
  members: Piece[];
}
/** A decoded basket: numbers (decode.ts), strings (strings.ts) or objects. */
type Decoded = Piece | StringPiece | ObjectPieces;

/** The baskets a step read, by file offset; `shared`: views of the source's own bytes (see readBasket). */
interface Fetched {
  bytes: Map<number, Uint8Array>;
  shared: boolean;
}

const DEFAULT_STEP = 100_000;
/** Upper bound of one coalesced read. */
const COALESCE_MAX = 16 * 1024 * 1024;

function copyInfo(info: BranchInfo): BranchInfo {
  return info.shape ? { ...info, shape: [...info.shape] } : { ...info };
}

/**
 * Decoded baskets kept between the steps of one read or iteration, keyed by branch and basket.
 * Most baskets decode synchronously; only LZMA (and zstd before its first use) and counted arrays
 * whose counts come from another branch leave a promise here.
 */
class BasketCache {
  private readonly pieces = new Map<string, Map<number, Decoded | Promise<Decoded>>>();

  has(branch: string, index: number): boolean {
    return this.pieces.get(branch)?.has(index) ?? false;
  }

  /** A branch's decoded baskets by basket index (made empty on first use). */
  of(branch: string): Map<number, Decoded | Promise<Decoded>> {
    let m = this.pieces.get(branch);
    if (!m) this.pieces.set(branch, (m = new Map()));
    return m;
  }

  /** Forgets baskets that end at or before `entry`. */
  evictBefore(entry: number, refsOf: (branch: string) => BasketRef[]): void {
    for (const [branch, m] of this.pieces) {
      const refs = refsOf(branch);
      for (const index of m.keys()) if (refs[index]!.entryStop <= entry) m.delete(index);
    }
  }
}

/** Basket indices up to this fit under the file offsets in inFileOrder's keys. */
const ORDER_INDEX = 2 ** 20;

/**
 * Baskets sorted by file offset. Through numeric keys (offset, then position) sorted natively
 * when they fit a double exactly: a comparator sort of the 1,275 baskets of hepconvert-test1
 * cost about a twentieth of its whole read.
 */
function inFileOrder<T extends { ref: BasketRef }>(items: T[]): T[] {
  const n = items.length;
  let sorted = true;
  let last = 0;
  for (let i = 0; i < n && sorted; i++) {
    const seek = items[i]!.ref.seek;
    sorted = seek >= last;
    last = seek;
  }
  if (sorted) return items;
  if (n >= ORDER_INDEX || items.some((w) => w.ref.seek >= 2 ** 32)) return items.sort((a, b) => a.ref.seek - b.ref.seek);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = items[i]!.ref.seek * ORDER_INDEX + i;
  keys.sort();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[keys[i]! % ORDER_INDEX]!);
  return out;
}

/** A TTree: branch listing, cluster layout and columnar reads into Batches. */
export class Tree {
  readonly entries: number;
  readonly title: string;
  /** By listed name (BranchInfo.name). */
  private readonly states = new Map<string, BranchState>();
  /** Other accepted spellings: uproot's path of every branch, and own names shared by no other branch. */
  private readonly aliases = new Map<string, string>();
  /** Whether some branch's object members are still to be listed (BranchState.unlistedObjects). */
  private objectsUnlisted = false;

  constructor(
    private readonly source: FileSource,
    readonly name: string,
    private readonly model: TreeModel,
    /** The file's streamers, parsed on first call; given when the tree may hold unsplit objects (RootFile.tree decides). */
    private readonly streamers?: () => Map<string, StreamerInfo>,
  ) {
    this.entries = model.entries;
    this.title = model.title;
    // uproot names sub-branches by their path (`parent/parent.member`); ROOT's own names are
    // usually unique and are what this reader lists, except where several branches share one.
    const all: { b: BranchModel; path: string }[] = [];
    const walk = (bs: BranchModel[], prefix: string): void => {
      for (const b of bs) {
        all.push({ b, path: prefix + b.name });
        walk(b.branches, `${prefix}${b.name}/`);
      }
    };
    walk(model.branches, "");
    const uses = new Map<string, number>();
    for (const { b } of all) uses.set(b.name, (uses.get(b.name) ?? 0) + 1);
    const listed = new Map<BranchModel, string>();
    for (const { b, path } of all) listed.set(b, uses.get(b.name) === 1 ? b.name : path);
    for (const { b, path } of all) if (path !== listed.get(b)) this.aliases.set(path, listed.get(b)!);
    const leafOwner = new Map<LeafModel, string>();
    for (const { b } of all) for (const l of b.leaves) leafOwner.set(l, listed.get(b)!);
    // A counter leaf is usually one of the tree's own leaves; else the branch with a leaf of its name.
    const counterOf = (l: LeafModel): string | undefined => {
      const own = leafOwner.get(l);
      if (own !== undefined) return own;
      const owner = all.find((x) => x.b.leaves.some((y) => y.name === l.name));
      return owner && listed.get(owner.b);
    };
    for (const { b, path } of all) {
      const c = classify(b, counterOf);
      const interp = c.interpretation;
      const supported = interp.kind !== "unsupported";
      const name = listed.get(b)!;
      const refs = basketRefs(b, () => this.where(name));
      const held = refs.length ? refs[refs.length - 1]!.entryStop : 0;
      const info: BranchInfo = {
        name,
        typeName: c.typeName,
        kind: c.kind,
        jaggedDepth: interp.kind === "vector2" ? 2 : interp.kind === "string" ? interp.depth : c.kind === "jagged" ? 1 : 0,
        supported,
        entries: held,
        baskets: refs.length,
        compressedBytes: b.zipBytes,
        uncompressedBytes: b.totBytes,
      };
      if (interp.kind === "unsupported") info.unsupportedReason = interp.reason;
      else if (interp.kind === "string") info.strings = true;
      else info.elementType = interp.elementType;
      if (interp.kind === "flat" && interp.shape) info.shape = [...interp.shape];
      if (info.jaggedDepth > 0) info.depth = info.jaggedDepth;
      if (interp.kind === "counted") info.collection = interp.counter;
      const state: BranchState = { info, model: b, interp, refs };
      if (held !== b.entries) {
        state.inconsistent = `its baskets hold ${held} entries but its fEntries says ${b.entries}, so the file is inconsistent`;
      }
      this.states.set(name, state);
      if (streamers && interp.kind === "unsupported" && mayHoldObjects(b)) {
        state.unlistedObjects = path;
        this.objectsUnlisted = true;
      }
    }
  }

  /**
   * Lists the members of the branches of unsplit objects, each right after its branch, parsing
   * the file's streamers: when the branches are first listed or a name that may be one of them is
   * first looked up, so that reading the tree's other branches never pays for the classes
   * (uproot-HZZ-objects: about 0.2 ms of a 0.8 ms open + read of its 11 numeric branches).
   */
  private listObjects(): void {
    if (!this.objectsUnlisted) return;
    this.objectsUnlisted = false;
    const streamers = this.streamers!();
    const listed = [...this.states];
    this.states.clear();
    for (const [name, state] of listed) {
      this.states.set(name, state);
      const path = state.unlistedObjects;
      if (path === undefined) continue;
      delete state.unlistedObjects;
      this.addObjectMembers(state, path, streamers);
    }
  }

  /**
   * Lists the numeric members of a branch of unsplit objects as columns of their own
   * (`jetp4.fP.fX`, also accepted as `jetp4/jetp4.fP.fX`), or says why the class cannot be.
   */
  private addObjectMembers(parent: BranchState, path: string, streamers: Map<string, StreamerInfo>): void {
    const className = parent.model.element!.className;
    let plan: ObjectPlan;
    try {
      plan = planObjects(className, streamers);
    } catch (err) {
      if (!(err instanceof UnsupportedObject)) throw err;
      parent.info.unsupportedReason = (parent.interp as { reason: string }).reason = `unsplit ${className}: ${err.message}`;
      return;
    }
    const name = parent.info.name;
    const names = plan.members.map((m) => `${name}.${m.path.join(".")}`);
    const reason = `an unsplit ${className}; read its members ${names.join(", ")}`;
    parent.info.unsupportedReason = (parent.interp as { reason: string }).reason = reason;
    plan.members.forEach((m, k) => {
      const jagged = plan.container === "vector";
      const info: BranchInfo = {
        ...copyInfo(parent.info),
        name: names[k]!,
        typeName: jagged ? `${m.typeName}[]` : m.typeName,
        kind: jagged ? "jagged" : "flat",
        elementType: m.elementType,
        jaggedDepth: jagged ? 1 : 0,
        supported: true,
      };
      delete info.unsupportedReason;
      if (jagged) info.depth = 1;
      const interp: Interpretation = jagged ? { kind: "vector", elementType: m.elementType } : { kind: "flat", elementType: m.elementType, width: 1 };
      const state: BranchState = { info, model: parent.model, interp, refs: parent.refs, object: { branch: name, plan, member: k } };
      if (parent.inconsistent) state.inconsistent = parent.inconsistent;
      this.states.set(names[k]!, state);
      if (path !== name) this.aliases.set(`${path}/${names[k]}`, names[k]!);
      this.aliases.set(`${name}/${names[k]}`, names[k]!);
    });
  }

  /** The branch whose baskets a state decodes (members of unsplit objects share their branch's). */
  private basketsOf(s: BranchState): string {
    return s.object ? s.object.branch : s.info.name;
  }

  private where(branch?: string): string {
    return `${this.source.name}: tree "${this.name}"${branch === undefined ? "" : `, branch "${branch}"`}`;
  }

  /** where() of a state's branch, built once per branch rather than once per basket. */
  private whereOf(s: BranchState): string {
    return (s.where ??= this.where(s.info.name));
  }

  get branches(): BranchInfo[] {
    this.listObjects();
    return [...this.states.values()].map((s) => copyInfo(s.info));
  }

  branch(name: string): BranchInfo {
    return copyInfo(this.state(name).info);
  }

  private state(name: string): BranchState {
    let s = this.states.get(name) ?? this.states.get(this.aliases.get(name) ?? "");
    if (this.objectsUnlisted && (!s || s.unlistedObjects !== undefined)) {
      this.listObjects();
      s = this.states.get(name) ?? this.states.get(this.aliases.get(name) ?? "");
    }
    if (!s) {
      const shared = [...this.states.keys()].filter((k) => k.endsWith(`/${name}`));
      if (shared.length > 1) {
        throw new RootError(`branch name "${name}" is shared by ${shared.length} branches in tree "${this.name}" of ${this.source.name}; use one of their paths: ${shared.join(", ")}`);
      }
      throw new RootError(`unknown branch "${name}" in tree "${this.name}" of ${this.source.name}${suggestNames(name, this.states.keys())}`);
    }
    return s;
  }

  private decodable(name: string): BranchState & { interp: Decodable } {
    const s = this.state(name);
    if (s.interp.kind === "unsupported") {
      throw new RootError(`unsupported type ${s.info.typeName} for branch "${name}" in tree "${this.name}" of ${this.source.name}: ${s.interp.reason}`);
    }
    if (s.inconsistent) throw new RootError(`${this.where(s.info.name)}: ${s.inconsistent}`);
    return s as BranchState & { interp: Decodable };
  }

  /**
   * The entries a read of these branches gives by default: what their baskets hold, which is
   * the tree's fEntries in a consistent file; uproot reads a branch up to its own count too
   * (metadata trees whose branches were filled without the tree disagree with their tree).
   */
  private heldBy(names: string[]): number {
    const held = new Map<number, string>();
    for (const n of names) {
      const info = this.state(n).info;
      if (!held.has(info.entries)) held.set(info.entries, info.name);
    }
    if (held.size > 1) {
      const which = [...held].map(([n, b]) => `"${b}" ${n}`).join(", ");
      throw new RootError(`${this.where()}: the requested branches hold different numbers of entries (${which}; the tree says ${this.entries}); read them separately`);
    }
    return [...held.keys()][0]!;
  }

  /** Cluster layout from the tree's flush settings, else the entries where every branch starts a basket. */
  clusters(): Cluster[] {
    const n = this.entries;
    const out: Cluster[] = [];
    const push = (a: number, b: number): void => {
      if (b > a) out.push({ entryStart: a, entryStop: b });
    };
    const { clusterRangeEnd, clusterSize, autoFlush } = this.model;
    if (clusterRangeEnd.length > 0 || autoFlush > 0) {
      let at = 0;
      for (let i = 0; i < clusterRangeEnd.length && at < n; i++) {
        const end = Math.min(clusterRangeEnd[i]! + 1, n);
        const size = clusterSize[i]! > 0 ? clusterSize[i]! : end - at;
        for (; at < end; at += size) push(at, Math.min(at + size, end));
      }
      const size = autoFlush > 0 ? autoFlush : n - at;
      for (; at < n; at += size) push(at, Math.min(at + size, n));
      return out;
    }
    const bounds = this.commonBoundaries([...this.states.values()], 0, n);
    for (let i = 0; i + 1 < bounds.length; i++) push(bounds[i]!, bounds[i + 1]!);
    return out;
  }

  /** Sorted entry numbers in [start, stop] where every given branch starts a basket. */
  private commonBoundaries(states: BranchState[], start: number, stop: number): number[] {
    let common: Set<number> | null = null;
    for (const s of states) {
      if (s.refs.length === 0) continue;
      const starts = new Set<number>();
      for (const r of s.refs) starts.add(r.entryStart);
      if (common === null) common = starts;
      else for (const e of common) if (!starts.has(e)) common.delete(e);
    }
    const out = [start];
    for (const e of [...(common ?? [])].sort((a, b) => a - b)) if (e > start && e < stop) out.push(e);
    out.push(stop);
    return out;
  }

  /** Entry ranges and file locations of a branch's baskets (seek -1 marks baskets embedded in the metadata). */
  baskets(name: string): BasketRef[] {
    return this.state(name).refs.map((r) => ({ ...r }));
  }

  /**
   * Compression found in a branch's baskets ("none", "zlib", "lz4", "zstd", "lzma", joined by "+"
   * when they differ); reads only key headers, of at most 64 baskets spread over the branch.
   */
  async codec(name: string): Promise<string> {
    const refs = this.state(name).refs.filter((r) => r.seek > 0);
    const step = Math.max(1, Math.ceil(refs.length / 64));
    const found = new Set<string>();
    for (let i = 0; i < refs.length; i += step) found.add(await basketCodec(this.source, refs[i]!, this.where(name)));
    return found.size ? [...found].sort().join("+") : "none";
  }

  private checkRange(names: string[], start: number, stop: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop < start) {
      throw new RootError(`${this.where()}: entry range [${start}, ${stop}) is not a range of entries`);
    }
    for (const n of names) {
      const info = this.state(n).info;
      if (stop <= info.entries) continue;
      if (info.entries === this.entries) {
        throw new RootError(`${this.where()}: entry range [${start}, ${stop}) is outside the tree's ${this.entries} entries`);
      }
      throw new RootError(
        `${this.where(info.name)}: entry range [${start}, ${stop}) goes past the ${info.entries} entries the branch holds, although the tree says ${this.entries}; the file is inconsistent (read at most ${info.entries} entries of this branch)`,
      );
    }
  }

  /** Decodes one basket, synchronously unless its codec or its counts need to wait. */
  private loadPiece(s: BranchState & { interp: Decodable }, ref: BasketRef, fetched: Fetched, cache: BasketCache): Decoded | Promise<Decoded> {
    let raw: RawBasket | Promise<RawBasket>;
    if (ref.seek >= 0) {
      const file = fetched.bytes.get(ref.seek);
      if (!file) throw new RootError(`${this.whereOf(s)}: basket ${ref.index} was not read`);
      const where = new BasketPlace(this.whereOf(s), ref.index, ref.seek);
      raw = readBasketSync(file, ref, where, fetched.shared) ?? readBasket(file, ref, where, fetched.shared);
    } else {
      const e = s.model.embedded[ref.index - (s.refs.length - s.model.embedded.length)]!;
      // Decoding reuses the basket's memory (values and offsets): never let it touch the tree's own copy.
      raw = { nevbuf: e.nevbuf, data: e.data.slice(), offsets: e.offsets && e.offsets.slice() };
    }
    // Decoding errors name the basket without its offset.
    const where = new BasketPlace(this.whereOf(s), ref.index, -1);
    return raw instanceof Promise ? raw.then((r) => this.decodePiece(s, ref, r, cache, where)) : this.decodePiece(s, ref, raw, cache, where);
  }

  private decodePiece(s: BranchState & { interp: Decodable }, ref: BasketRef, raw: RawBasket, cache: BasketCache, where: BasketPlace): Decoded | Promise<Decoded> {
    if (raw.nevbuf !== ref.entryStop - ref.entryStart) {
      throw new RootError(`${where}: holds ${raw.nevbuf} entries, the branch says ${ref.entryStop - ref.entryStart}`);
    }
    if (s.interp.kind === "counted" && !raw.offsets) {
      const interp = s.interp;
      return this.counts(interp.counter, ref.entryStart, ref.entryStop, cache).then((counts) => decodeBasket(raw, interp, where, counts));
    }
    if (s.object) return { members: decodeObjects(raw, s.object.plan, where) };
    if (s.interp.kind === "string") {
      const piece = decodeStrings(raw, s.interp.depth, where);
      checkUtf8(piece, where, ref.entryStart);
      return piece;
    }
    return decodeBasket(raw, s.interp, where);
  }

  /**
   * Values of a counter branch as numbers, for counted baskets written without offset tables;
   * shares the step's cache so the counter's baskets are decoded once per step.
   */
  private async counts(counter: string, start: number, stop: number, cache: BasketCache): Promise<ArrayLike<number>> {
    // Only a flat counter can be read without counts of its own (no cycles through corrupt metadata).
    const cs = this.state(counter);
    if (cs.interp.kind !== "flat" || cs.interp.width !== 1) {
      throw new RootError(`${this.where(counter)}: used as a counter but is not a flat number (${cs.info.typeName})`);
    }
    const col = (await this.readWith([counter], start, stop, cache)).columns[counter]!;
    const v = col.values as NumericArray;
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Array.from(v, Number);
    return v as ArrayLike<number>;
  }

  /** The not-yet-cached out-of-line baskets a read needs, in file order. */
  private wanted(names: string[], start: number, stop: number, cache: BasketCache): { name: string; ref: BasketRef }[] {
    const wanted: { name: string; ref: BasketRef }[] = [];
    for (const name of new Set(names.map((n) => this.basketsOf(this.state(n))))) {
      for (const ref of this.state(name).refs) {
        if (ref.seek >= 0 && ref.entryStop > start && ref.entryStart < stop && !cache.has(name, ref.index)) wanted.push({ name, ref });
      }
    }
    return inFileOrder(wanted);
  }

  /**
   * Reads the baskets a request needs, merging baskets that lie close together in the file into
   * single reads (ROOT writes a cluster's baskets of all branches side by side, so a step usually
   * costs a few reads, not one per basket); the source says how close is close (local files:
   * 64 KiB; over HTTP the skipped bytes are transferred, so less). Synchronous for local files.
   */
  private prefetch(names: string[], start: number, stop: number, cache: BasketCache): Fetched | Promise<Fetched> {
    const groups: { name: string; ref: BasketRef }[][] = [];
    const gap = this.source.coalesceGap;
    for (const w of this.wanted(names, start, stop, cache)) {
      const g = groups[groups.length - 1];
      const first = g?.[0]!.ref;
      const last = g?.[g.length - 1]!.ref;
      if (g && first && last && w.ref.seek <= last.seek + last.bytes + gap && w.ref.seek + w.ref.bytes - first.seek <= COALESCE_MAX) {
        g.push(w);
      } else {
        groups.push([w]);
      }
    }
    const ranges = groups.map((g) => {
      const lo = g[0]!.ref.seek;
      let hi = lo;
      for (const { ref } of g) hi = Math.max(hi, ref.seek + ref.bytes);
      const more = g.length > 1 ? ` (with ${g.length - 1} nearby baskets)` : "";
      return { offset: lo, length: hi - lo, what: `basket ${g[0]!.ref.index} of tree "${this.name}", branch "${g[0]!.name}"${more}` };
    });
    const split = (all: Uint8Array[], shared: boolean): Fetched => {
      const bytes = new Map<number, Uint8Array>();
      groups.forEach((g, i) => {
        const lo = ranges[i]!.offset;
        for (const { ref } of g) bytes.set(ref.seek, all[i]!.subarray(ref.seek - lo, ref.seek - lo + ref.bytes));
      });
      return { bytes, shared };
    };
    // A small file's baskets are views of the bytes read at open: compressed ones are only
    // read, and readBasket copies those stored raw before decoding them in place.
    const held = this.source.heldRanges(ranges);
    if (held) return split(held, true);
    const read = this.source.readRanges(ranges);
    return read instanceof Promise ? read.then((all) => split(all, false)) : split(read, false);
  }

  private column(asked: string, start: number, stop: number, cache: BasketCache, fetched: Fetched): Column | Promise<Column> {
    const s = this.decodable(asked);
    const name = s.info.name;
    const itemSize = ITEM_SIZE[s.interp.elementType];
    const width = s.interp.kind === "flat" ? s.interp.width : 1;
    const wanted = s.refs.filter((r) => r.entryStop > start && r.entryStart < stop);
    let covered = start;
    for (const r of wanted) {
      if (r.entryStart > covered) break;
      covered = Math.max(covered, r.entryStop);
    }
    if (covered < stop) {
      throw new RootError(`${this.where(name)}: no basket holds entries from ${covered}: the branch's basket entry ranges leave a gap, so the file is inconsistent`);
    }
    // A loop rather than a closure per basket (files of many small baskets).
    const slot = cache.of(this.basketsOf(s));
    const loaded: (Decoded | Promise<Decoded>)[] = [];
    for (const r of wanted) {
      let p = slot.get(r.index);
      if (p === undefined) slot.set(r.index, (p = this.loadPiece(s, r, fetched, cache)));
      loaded.push(p);
    }
    const interp = s.interp;
    const member = s.object?.member;
    const bounds = (i: number): [number, number] => {
      const r = wanted[i]!;
      return [Math.max(start, r.entryStart) - r.entryStart, Math.min(stop, r.entryStop) - r.entryStart];
    };
    const assemble = (pieces: Decoded[]): Column => {
      if (interp.kind === "string") return assembleStrings(pieces.map((p, i) => sliceStrings(p as StringPiece, ...bounds(i))), interp.depth);
      const numbers = member === undefined ? (pieces as Piece[]) : pieces.map((p) => (p as ObjectPieces).members[member]!);
      return assembleColumn(
        numbers.map((p, i) => slicePiece(p, ...bounds(i), itemSize, width)),
        interp,
        interp.elementType,
        `${this.where(name)}, entries ${start} to ${stop}`,
      );
    };
    return loaded.some((p) => p instanceof Promise) ? Promise.all(loaded).then(assemble) : assemble(loaded as Decoded[]);
  }

  private async readWith(names: string[], start: number, stop: number, cache: BasketCache): Promise<Batch> {
    const pending = this.prefetch(names, start, stop, cache);
    const fetched = pending instanceof Promise ? await pending : pending;
    const made = names.map((n) => this.column(n, start, stop, cache, fetched));
    const cols = made.some((c) => c instanceof Promise) ? await Promise.all(made) : (made as Column[]);
    const columns: Record<string, Column> = {};
    names.forEach((n, i) => (columns[n] = cols[i]!));
    return { length: stop - start, columns };
  }

  private validate(names: string[]): void {
    if (names.length === 0) throw new RootError(`${this.where()}: no branches requested`);
    for (const n of names) this.decodable(n);
  }

  /**
   * Entries [entryStart, entryStop) of the given branches as one Batch; entryStop defaults to the
   * entries the branches hold, which is the tree's entries unless the file disagrees with itself.
   */
  async read(branches: string[], entryStart = 0, entryStop?: number): Promise<Batch> {
    this.validate(branches);
    entryStop ??= this.heldBy(branches);
    this.checkRange(branches, entryStart, entryStop);
    return this.readWith(branches, entryStart, entryStop, new BasketCache());
  }

  /** Batches of about `stepEntries` entries, cut where all requested branches start a basket when possible. */
  async *iterate(options: IterateOptions): AsyncIterable<Batch> {
    const { branches } = options;
    const start = options.entryStart ?? 0;
    const step = options.stepEntries ?? DEFAULT_STEP;
    this.validate(branches);
    const stop = options.entryStop ?? this.heldBy(branches);
    this.checkRange(branches, start, stop);
    if (!Number.isInteger(step) || step <= 0) throw new RootError(`${this.where()}: stepEntries must be a positive integer, got ${step}`);
    // A read that fits one step needs no boundaries (the sets cost tens of microseconds on files
    // of many baskets).
    const bounds = stop - start <= step ? [start, stop] : this.commonBoundaries(branches.map((b) => this.state(b)), start, stop);
    const cache = new BasketCache();
    let cur = start;
    let k = 0;
    while (cur < stop) {
      const target = Math.min(cur + step, stop);
      while (k + 1 < bounds.length && bounds[k + 1]! <= target) k++;
      const next = bounds[k]! > cur ? bounds[k]! : target;
      const batch = this.readWith(branches, cur, next, cache);
      // A remote file fetches the next step's baskets while this step decodes and is consumed.
      if (next < stop && this.source.fetchesAhead) this.source.willNeed(this.wanted(branches, next, Math.min(next + step, stop), cache).map((w) => ({ offset: w.ref.seek, length: w.ref.bytes })));
      yield await batch;
      cur = next;
      if (cur < stop) cache.evictBefore(cur, (b) => this.state(b).refs);
    }
  }
}
