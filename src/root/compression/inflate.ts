import { constants, Inflate } from "node:zlib";

/**
 * One zlib inflate state reused for every ZL block of the thread. node:zlib's `inflateSync`
 * builds a stream object, a zlib state (its 32 KiB window) and an output buffer per call, then
 * frees them: 4-5 µs per block before any byte is decoded (about a quarter of inflating a 2 KB
 * block), paid per basket on files of many small baskets. Node offers no public way to reuse a
 * state synchronously, so this drives the state behind an `Inflate` stream (`_handle.writeSync`,
 * `_writeState`, `_handle.reset`, as Node's own `inflateSync` does) and accepts a block only when
 * it decodes to exactly the bytes wanted and its stream ends there. Anything else (a corrupt
 * block, a block that decodes to more or fewer bytes, a Node without these internals) returns
 * false and the caller decodes the block again through `inflateSync`, whose result or error is
 * then the answer: the fast path can only agree with it.
 */

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
}
interface Internals {
  _handle: ZlibHandle | null;
  /** [avail_out, avail_in] after the last write. */
  _writeState: Uint32Array;
}

let engine: Internals | undefined;
/** False once this Node lacks the internals: every block then goes through inflateSync. */
let usable = true;
/** One byte to probe whether a stream goes on past the bytes wanted. */
const probe = new Uint8Array(1);

function engineOrUndefined(): Internals | undefined {
  if (engine || !usable) return engine;
  const e = new Inflate() as unknown as Internals & Inflate;
  if (typeof e._handle?.writeSync !== "function" || typeof e._handle.reset !== "function" || !(e._writeState instanceof Uint32Array)) {
    usable = false;
    e.close();
    return undefined;
  }
  // A corrupt stream makes the stream object report an error and close its state (the failed
  // block is then decoded again by inflateSync); without a listener the report would be thrown.
  e.on("error", () => {
    if (engine === e) engine = undefined;
  });
  return (engine = e);
}

/**
 * Inflates the zlib stream `src[start, end)` into `out[op, op + size)`; true when it decoded to
 * exactly `size` bytes and ended there, false when the caller must decode it through inflateSync.
 */
export function inflateInto(src: Uint8Array, start: number, end: number, out: Uint8Array, op: number, size: number): boolean {
  const e = engineOrUndefined();
  const h = e?._handle;
  if (!e || !h) return false;
  h.writeSync(constants.Z_FINISH, src, start, end - start, out, op, size);
  if (e._handle !== h) {
    engine = undefined;
    return false;
  }
  let ok = e._writeState[0] === 0;
  if (ok) {
    // The output is full: the stream must end here (a further byte means it decodes to more).
    h.writeSync(constants.Z_FINISH, src, end - e._writeState[1]!, e._writeState[1]!, probe, 0, 1);
    ok = e._handle === h && e._writeState[0] === 1;
  }
  if (e._handle !== h) engine = undefined;
  else h.reset();
  return ok;
}
