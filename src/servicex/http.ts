import axios, { type AxiosInstance, type AxiosResponse, type Method } from "axios";
import { TokenSource } from "./auth.js";
import { UnknownRequestError } from "./backend.js";
import { logDebug, logUrl } from "../log.js";
import { ServiceXError, abortReason, sleep } from "./errors.js";

export interface HttpOptions {
  /** Per-call timeout (ms). */
  timeoutMs?: number;
  /** Extra attempts after a connection error or a 5xx on idempotent calls. */
  retries?: number;
  /** First back-off delay (ms); doubles each attempt. */
  retryDelayMs?: number;
  /** Where the refresh token came from, for error messages. */
  configFile?: string;
}

interface CallOptions {
  /** What the call does, for error messages ("submit", "status of <id>"...). */
  what: string;
  auth?: boolean;
  body?: unknown;
  params?: Record<string, string>;
  /** Retry on connection errors and 5xx (only for calls safe to repeat). */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Map a 404 to UnknownRequestError. */
  notFoundIsUnknown?: boolean;
}

/** Text of an error body: `{"message": ...}` when JSON, else the raw text (a proxy's HTML page). */
export function errorBodyText(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === "object" && "message" in parsed && typeof parsed.message === "string") {
      return parsed.message;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || "(empty body)";
}

/** JSON calls to one ServiceX endpoint, with authentication, retries and readable errors. */
export class ServiceXApi {
  readonly tokens: TokenSource;
  private readonly http: AxiosInstance;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(
    readonly endpoint: string,
    refreshToken: string | undefined,
    private readonly options: HttpOptions = {},
  ) {
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.http = axios.create({
      baseURL: endpoint,
      timeout: options.timeoutMs ?? 300_000,
      validateStatus: () => true,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      maxRedirects: 5,
    });
    this.tokens = new TokenSource(refreshToken, (token) => this.refreshAccessToken(token));
  }

  async call<T>(method: Method, path: string, o: CallOptions): Promise<T> {
    let refreshed = false;
    const url = logUrl(`${this.endpoint.replace(/\/+$/, "")}${path}${o.params ? `?${new URLSearchParams(o.params).toString()}` : ""}`);
    const retry = async (attempt: number, reason: string): Promise<void> => {
      const delayMs = Math.round(this.backoff(attempt));
      logDebug("servicex.retry", { method, url, what: o.what, attempt: attempt + 1, of: this.retries + 1, delayMs, reason });
      await sleep(delayMs, o.signal);
    };
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: "application/json" };
      if (o.auth !== false) Object.assign(headers, await this.tokens.header());
      let res: AxiosResponse<string>;
      const started = performance.now();
      logDebug("servicex.request", { method, url, what: o.what, attempt: attempt + 1 });
      try {
        res = await this.http.request<string>({
          method,
          url: path,
          headers,
          params: o.params,
          data: o.body,
          signal: o.signal,
        });
      } catch (err) {
        if (o.signal?.aborted) throw abortReason(o.signal);
        if (o.idempotent && attempt < this.retries) {
          await retry(attempt, (err as Error).message);
          continue;
        }
        throw new ServiceXError(`ServiceX ${this.endpoint}: ${o.what} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const status = res.status;
      logDebug("servicex.response", { method, url, status, ms: Math.round(performance.now() - started) });
      if (status >= 200 && status < 300) return parseJson<T>(res.data, `${this.endpoint}${path}`);
      const message = errorBodyText(res.data ?? "");
      if (status === 401 && o.auth !== false && this.tokens.canRefresh && !refreshed) {
        // The access token expired or was revoked: refresh once and repeat the call.
        refreshed = true;
        logDebug("servicex.reauthenticate", { url, status });
        this.tokens.invalidate();
        continue;
      }
      if (status >= 500 && o.idempotent && attempt < this.retries) {
        await retry(attempt, `HTTP ${status}`);
        continue;
      }
      if (status === 404 && o.notFoundIsUnknown) throw new UnknownRequestError(message);
      if (status === 401 || status === 403) {
        throw new ServiceXError(
          `ServiceX ${this.endpoint}: ${o.what}: not authorized (HTTP ${status}): ${message}` +
            (this.options.configFile ? `; check the token in ${this.options.configFile}` : ""),
          { status },
        );
      }
      throw new ServiceXError(`ServiceX ${this.endpoint}: ${o.what} failed: HTTP ${status}: ${message}`, { status });
    }
  }

  private backoff(attempt: number): number {
    return this.retryDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
  }

  private async refreshAccessToken(refreshToken: string): Promise<{ accessToken: string; authDisabled: boolean }> {
    let body: { access_token?: unknown; auth_disabled?: unknown };
    try {
      body = await this.withRefreshToken(refreshToken);
    } catch (err) {
      const status = err instanceof ServiceXError ? err.details.status : undefined;
      if (status === 401 || status === 403) {
        throw new ServiceXError(
          `ServiceX ${this.endpoint} rejected the refresh token` +
            (this.options.configFile ? ` in ${this.options.configFile}` : "") +
            ` (${(err as Error).message}); download a new one from the server's Profile page`,
          { status },
        );
      }
      throw err;
    }
    if (typeof body.access_token !== "string") {
      throw new ServiceXError(`ServiceX ${this.endpoint}/token/refresh: response has no access_token`);
    }
    return { accessToken: body.access_token, authDisabled: body.auth_disabled === true };
  }

  private async withRefreshToken(refreshToken: string): Promise<{ access_token?: unknown; auth_disabled?: unknown }> {
    const url = logUrl(`${this.endpoint.replace(/\/+$/, "")}/token/refresh`);
    for (let attempt = 0; ; attempt++) {
      let res: AxiosResponse<string>;
      logDebug("servicex.request", { method: "POST", url, what: "token refresh", attempt: attempt + 1 });
      try {
        res = await this.http.post<string>("/token/refresh", undefined, {
          headers: { Authorization: `Bearer ${refreshToken}`, Accept: "application/json" },
        });
      } catch (err) {
        if (attempt < this.retries) {
          const delayMs = Math.round(this.backoff(attempt));
          logDebug("servicex.retry", { method: "POST", url, what: "token refresh", attempt: attempt + 1, delayMs, reason: (err as Error).message });
          await sleep(delayMs);
          continue;
        }
        throw new ServiceXError(`token refresh failed: ${(err as Error).message}`, { cause: err });
      }
      logDebug("servicex.response", { method: "POST", url, status: res.status });
      if (res.status >= 500 && attempt < this.retries) {
        const delayMs = Math.round(this.backoff(attempt));
        logDebug("servicex.retry", { method: "POST", url, what: "token refresh", attempt: attempt + 1, delayMs, reason: `HTTP ${res.status}` });
        await sleep(delayMs);
        continue;
      }
      if (res.status < 200 || res.status >= 300) {
        throw new ServiceXError(`HTTP ${res.status}: ${errorBodyText(res.data ?? "")}`, { status: res.status });
      }
      return parseJson(res.data, `${this.endpoint}/token/refresh`);
    }
  }
}

function parseJson<T>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ServiceXError(`${where}: expected a JSON response, got: ${errorBodyText(text)}`);
  }
}
