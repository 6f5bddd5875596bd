import { readFileSync } from "node:fs";
import { ServiceXError } from "./errors.js";

/** Refresh this long before the access token's `exp`, as the Python client does. */
const REFRESH_MARGIN_S = 60;

/** Exchanges the refresh token for an access token: POST /token/refresh (one HTTP call). */
export type RefreshCall = (refreshToken: string) => Promise<{ accessToken: string; authDisabled: boolean }>;

/** Reads `exp` (seconds) from a JWT without verifying it; undefined when it is not a JWT. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as { exp?: unknown };
    return typeof payload.exp === "number" ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Supplies the Authorization header: `BEARER_TOKEN_FILE` (used as is, re-read each time because
 * JupyterHub rotates it), else an access token obtained from the refresh token and renewed before
 * expiry or after a 401, else nothing (auth-disabled servers).
 */
export class TokenSource {
  private access: string | undefined;
  private expiry: number | undefined;
  private authDisabled = false;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly refreshToken: string | undefined,
    private readonly refresh: RefreshCall,
    private readonly bearerTokenFile: string | undefined = process.env.BEARER_TOKEN_FILE,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  /** Whether a 401 can be cured by refreshing. */
  get canRefresh(): boolean {
    return this.bearerTokenFile === undefined && this.refreshToken !== undefined && !this.authDisabled;
  }

  async header(): Promise<Record<string, string>> {
    if (this.bearerTokenFile !== undefined) {
      let token: string;
      try {
        token = readFileSync(this.bearerTokenFile, "utf8").trim();
      } catch (err) {
        throw new ServiceXError(`BEARER_TOKEN_FILE ${this.bearerTokenFile}: ${(err as Error).message}`);
      }
      return { Authorization: `Bearer ${token}` };
    }
    if (this.refreshToken === undefined || this.authDisabled) return {};
    if (this.access === undefined || (this.expiry !== undefined && this.expiry - this.now() < REFRESH_MARGIN_S)) {
      await this.renew();
    }
    return this.authDisabled || this.access === undefined ? {} : { Authorization: `Bearer ${this.access}` };
  }

  /** Forgets the access token so that the next header() refreshes it (after a 401). */
  invalidate(): void {
    this.access = undefined;
  }

  private renew(): Promise<void> {
    // Concurrent samples share one refresh call.
    this.pending ??= (async () => {
      try {
        const r = await this.refresh(this.refreshToken as string);
        this.authDisabled = r.authDisabled;
        this.access = r.accessToken;
        this.expiry = jwtExpiry(r.accessToken);
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
