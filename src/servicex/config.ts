import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ServiceXError } from "./errors.js";

/** `endpoint: local` selects the in-process backend instead of a ServiceX server. */
export const LOCAL_ENDPOINT = "local";

const endpointSchema = z
  .object({
    name: z.string().min(1),
    endpoint: z.union([
      z.literal(LOCAL_ENDPOINT),
      z.url({ protocol: /^https?$/, error: "must be an http(s) URL or \"local\"" }),
    ]),
    // The refresh token from the server's Profile page; absent on auth-disabled servers.
    token: z.string().min(1).optional(),
  })
  .loose();

const configSchema = z
  .object({
    api_endpoints: z.array(endpointSchema).min(1, "needs at least one entry"),
    "default-endpoint": z.string().optional(),
    cache_path: z.string().optional(),
    "cache-path": z.string().optional(),
    shortened_downloaded_filename: z.boolean().optional(),
  })
  .loose();

export interface EndpointConfig {
  name: string;
  /** Base URL without trailing slash, or "local". */
  endpoint: string;
  token?: string;
}

export interface ServiceXConfig {
  /** File the configuration came from (undefined when nothing was found and defaults apply). */
  file?: string;
  endpoints: EndpointConfig[];
  defaultEndpoint: string;
  cachePath: string;
  shortenedFilenames: boolean;
}

const CONFIG_NAMES = [".servicex", "servicex.yaml"];

/**
 * Finds the configuration as the Python client does: the explicit path, else each directory from
 * `cwd` upwards (`.servicex` before `servicex.yaml`), else the home directory.
 */
export function findConfigFile(options: { configPath?: string; cwd?: string; home?: string } = {}): string | undefined {
  if (options.configPath !== undefined) {
    const file = path.resolve(options.cwd ?? process.cwd(), options.configPath);
    if (!existsSync(file)) throw new ServiceXError(`ServiceX configuration file ${file} does not exist`);
    return file;
  }
  let dir = path.resolve(options.cwd ?? process.cwd());
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const home = options.home ?? os.homedir();
  for (const name of CONFIG_NAMES) {
    const file = path.join(home, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Expands `~`, `${USER}`/`$USER` and maps a leading `/tmp` to the OS temp directory. */
export function expandCachePath(raw: string, env: NodeJS.ProcessEnv = process.env): string {
  const user = env.USER ?? env.USERNAME ?? safeUserName();
  let p = raw.replace(/\$\{USER\}|\$USER\b/g, user);
  if (p === "~" || p.startsWith("~/")) p = path.join(os.homedir(), p.slice(1));
  if (p === "/tmp" || p.startsWith("/tmp/")) p = path.join(os.tmpdir(), p.slice(4));
  return path.resolve(p);
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "user";
  }
}

export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return expandCachePath("/tmp/sxflow_${USER}", env);
}

/** Parses configuration text; `file` only names the source in error messages. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ServiceXConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ServiceXError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`);
    throw new ServiceXError(`${file}: invalid ServiceX configuration:\n  ${issues.join("\n  ")}`);
  }
  const c = parsed.data;
  const endpoints = c.api_endpoints.map((e) => ({
    name: e.name,
    endpoint: e.endpoint === LOCAL_ENDPOINT ? e.endpoint : e.endpoint.replace(/\/+$/, ""),
    ...(e.token !== undefined ? { token: e.token } : {}),
  }));
  const names = new Set<string>();
  for (const e of endpoints) {
    if (names.has(e.name)) throw new ServiceXError(`${file}: api_endpoints: name "${e.name}" appears twice`);
    names.add(e.name);
  }
  const defaultEndpoint = c["default-endpoint"] ?? endpoints[0].name;
  if (!names.has(defaultEndpoint)) {
    throw new ServiceXError(
      `${file}: default-endpoint "${defaultEndpoint}" is not one of api_endpoints (${[...names].join(", ")})`,
    );
  }
  const cacheRaw = c.cache_path ?? c["cache-path"];
  return {
    file,
    endpoints,
    defaultEndpoint,
    cachePath: cacheRaw !== undefined ? expandCachePath(cacheRaw, env) : defaultCachePath(env),
    shortenedFilenames: c.shortened_downloaded_filename ?? false,
  };
}

export interface LoadConfigOptions {
  configPath?: string;
  cwd?: string;
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the configuration. With no file anywhere the result has a single `local` endpoint: the
 * in-process backend, so that local files can be processed without any server set up.
 */
export function loadConfig(options: LoadConfigOptions = {}): ServiceXConfig {
  const env = options.env ?? process.env;
  const file = findConfigFile(options);
  if (file === undefined) {
    return {
      endpoints: [{ name: LOCAL_ENDPOINT, endpoint: LOCAL_ENDPOINT }],
      defaultEndpoint: LOCAL_ENDPOINT,
      cachePath: defaultCachePath(env),
      shortenedFilenames: false,
    };
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ServiceXError(`cannot read ServiceX configuration ${file}: ${(err as Error).message}`);
  }
  return parseConfig(text, file, env);
}

/** The endpoint entry called `name` (default: the configured default). */
export function selectEndpoint(config: ServiceXConfig, name?: string): EndpointConfig {
  const wanted = name ?? config.defaultEndpoint;
  const found = config.endpoints.find((e) => e.name === wanted);
  if (!found) {
    const where = config.file ?? "the configuration (no servicex.yaml found)";
    throw new ServiceXError(
      `endpoint "${wanted}" is not defined in ${where}; known: ${config.endpoints.map((e) => e.name).join(", ")}`,
    );
  }
  return found;
}
