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
  /** Emscripten's module options: `instantiateWasm` instantiates the WebAssembly module for it (else it compiles the file beside it). */
  export interface ZstdOptions {
    instantiateWasm?: (imports: object, receive: (instance: { exports: object }, module: object) => void) => object;
  }
  /** Instantiates the module. */
  const factory: (options?: ZstdOptions) => Promise<ZstdModule>;
  export default factory;
}
