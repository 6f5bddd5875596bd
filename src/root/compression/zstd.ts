import type { ZstdModule } from "@foxglove/wasm-zstd/dist/wasm-zstd.js";
import { instantiateZstd } from "../../wasm/zstd-module.js";

/**
 * zstd frames through @foxglove/wasm-zstd (zstd's reference decoder compiled to WebAssembly).
 * It replaced zstddec on 2026-12-03: 12-17 µs per 11 KB block of uproot-HZZ-zstd against 27-32
 * µs (best of 40 passes over the file's 57 blocks, same run). Its module is instantiated once
 * per thread, on first use, and the promise is shared so concurrent callers wait for the same
 * initialisation. The module is driven directly rather than through the package's `decompress`,
 * which allocates and frees two buffers in the module's memory and a Buffer per frame, then
 * copies out through another: here one region of its memory is reused for every frame (frame,
 * then output) and the output is copied once, straight to where the basket wants it. The
 * WebAssembly module is compiled once per process (wasm/zstd-module.ts) and instantiated here.
 */
let loading: Promise<ZstdModule> | undefined;
/** Set once the module is instantiated, so decoding can then run synchronously. */
let ready: ZstdModule | undefined;
/** The reused region of the module's memory (0: none yet) and its size. */
let region = 0;
let regionSize = 0;
/** A region grown past this for one large frame is given back after it. */
const KEEP_REGION = 4 << 20;

/** Instantiates the decoder (once; concurrent callers share the same promise). */
export async function zstdInit(): Promise<void> {
  loading ??= (async () => (await import("@foxglove/wasm-zstd/dist/wasm-zstd.js")).default({ instantiateWasm }))();
  ready = await loading;
}

/** Emscripten's hook for instantiating the module itself: from the process's compiled module. */
function instantiateWasm(imports: object, receive: (instance: { exports: object }, module: object) => void): object {
  const { instance, module } = instantiateZstd(imports);
  receive(instance, module);
  return instance.exports;
}

export function zstdReady(): boolean {
  return ready !== undefined;
}

/**
 * Decodes one zstd frame whose decoded size is known into `out[op, op + size)`, once zstdInit
 * has completed; throws if the frame is corrupt or decodes to another size.
 */
export function zstdDecodeInto(frame: Uint8Array, out: Uint8Array, op: number, size: number): void {
  const m = ready;
  if (!m) throw new Error("zstd decoder used before zstdInit completed");
  const need = frame.length + size;
  if (need > regionSize) {
    if (region) m._free(region);
    regionSize = 0;
    region = m._malloc(need);
    if (!region) throw new Error(`zstd: cannot allocate ${need} bytes of decoder memory`);
    regionSize = need;
  }
  // Read HEAPU8 after _malloc: growing the memory replaces it.
  m.HEAPU8.set(frame, region);
  const dst = region + frame.length;
  // The decoder refuses (rather than truncates) a frame that decodes to more than `size`.
  const n = m._decompress(dst, size, region, frame.length);
  if (n < 0) throw new Error(`zstd frame is corrupt or decodes to more than the declared ${size} bytes`);
  if (n !== size) throw new Error(`zstd frame is corrupt or has the wrong size: decoded ${n} bytes, expected ${size}`);
  out.set(m.HEAPU8.subarray(dst, dst + size), op);
  if (regionSize > KEEP_REGION) {
    m._free(region);
    region = regionSize = 0;
  }
}
