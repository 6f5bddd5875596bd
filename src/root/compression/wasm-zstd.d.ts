/** The part of @foxglove/wasm-zstd (which ships no types) that the reader uses: its Emscripten module. */
declare module "@foxglove/wasm-zstd/dist/wasm-zstd.js" {
  /** An instance of the module: zstd's decoder and its memory. */
  export interface ZstdModule {
    /** The module's memory; replaced when the memory grows (after _malloc). */
    HEAPU8: Uint8Array;
    _malloc(size: number): number;
    _free(pointer: number): void;
    /** ZSTD_decompress of one frame: the decoded size, or -1 when the frame is corrupt or decodes to more than dstSize. */
    _decompress(dst: number, dstSize: number, src: number, srcSize: number): number;
  }
  /** Instantiates the module (its WebAssembly file beside it). */
  const factory: () => Promise<ZstdModule>;
  export default factory;
}
