import type { XzReadableStream as XzStreamClass } from "xz-decompress";

/**
 * Complete .xz streams through the xz-decompress WASM decoder, loaded on first use only: LZMA
 * baskets are rare and the module costs start-up time.
 */
let streamClass: Promise<typeof XzStreamClass> | undefined;

function xzClass(): Promise<typeof XzStreamClass> {
  streamClass ??= import("xz-decompress").then((m) => {
    // CommonJS module: the named export may only be reachable through the default export.
    const mod = m as unknown as { XzReadableStream?: typeof XzStreamClass; default?: { XzReadableStream: typeof XzStreamClass } };
    const cls = mod.XzReadableStream ?? mod.default?.XzReadableStream;
    if (!cls) throw new Error("xz-decompress does not export XzReadableStream");
    return cls;
  });
  return streamClass;
}

/** Decodes one .xz stream whose decoded size is known; throws if the result has another size. */
export async function xzDecode(stream: Uint8Array, uncompressedSize: number): Promise<Uint8Array> {
  const Xz = await xzClass();
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(stream);
      controller.close();
    },
  });
  const out = new Uint8Array(uncompressedSize);
  let n = 0;
  const reader = new Xz(input).getReader();
  while (true) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw new Error(`xz: ${explain((e as Error).message)}`, { cause: e });
    }
    const { done, value } = chunk;
    if (done) break;
    if (n + value.length > uncompressedSize) {
      await reader.cancel();
      throw new Error(`xz stream decodes to more than ${uncompressedSize} bytes`);
    }
    out.set(value, n);
    n += value.length;
  }
  if (n !== uncompressedSize) throw new Error(`xz stream decoded to ${n} bytes instead of ${uncompressedSize}`);
  return out;
}

/** xz-embedded's return codes (enum xz_ret), which xz-decompress reports only as numbers. */
const XZ_ERRORS: Record<string, string> = {
  "2": "unsupported integrity check type",
  "3": "out of memory",
  "4": "memory limit reached",
  "5": "not an xz stream (bad magic bytes)",
  "6": "unsupported xz header options",
  "7": "corrupt compressed data",
  "8": "truncated or corrupt stream",
};

function explain(message: string): string {
  const code = /error code (\d+)/.exec(message)?.[1];
  return code !== undefined && XZ_ERRORS[code] !== undefined ? `${XZ_ERRORS[code]} (${message})` : message;
}
