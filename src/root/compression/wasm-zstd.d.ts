/** The part of @foxglove/wasm-zstd (which ships no types) that the reader uses. */
declare module "@foxglove/wasm-zstd" {
  /** Resolves once the WebAssembly module is instantiated; decompress throws before that. */
  export const isLoaded: Promise<void>;
  /** Decodes one zstd frame into a new Buffer; throws when the frame is corrupt or decodes to more than `destSize` bytes. */
  export function decompress(src: Uint8Array, destSize: number): Buffer;
}
