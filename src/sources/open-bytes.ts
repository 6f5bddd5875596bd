import { isUrl, type ByteSource } from "./byte-source.js";
import type { HttpSourceOptions } from "./http-bytes.js";
import { LocalByteSource } from "./local-bytes.js";

/**
 * A local path or an http(s):// URL as a ByteSource; `http` options apply to URLs only. The HTTP
 * reader loads with the first URL: Node's http, https and TLS modules cost each thread that reads
 * only local files about 9 ms of start-up.
 */
export async function openByteSource(location: string, http?: HttpSourceOptions): Promise<ByteSource> {
  if (!isUrl(location)) return LocalByteSource.open(location);
  const { HttpByteSource } = await import("./http-bytes.js");
  return HttpByteSource.open(location, http);
}
