import { isUrl, type ByteSource } from "./byte-source.js";
import { HttpByteSource, type HttpSourceOptions } from "./http-bytes.js";
import { LocalByteSource } from "./local-bytes.js";

/** A local path or an http(s):// URL as a ByteSource; `http` options apply to URLs only. */
export async function openByteSource(location: string, http?: HttpSourceOptions): Promise<ByteSource> {
  return isUrl(location) ? HttpByteSource.open(location, http) : LocalByteSource.open(location);
}
