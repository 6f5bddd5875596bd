/**
 * Every failure the ServiceX client reports is a ServiceXError: a message a user can act on,
 * plus the request id and links when the server gave them.
 */
export class ServiceXError extends Error {
  override readonly name: string = "ServiceXError";
  constructor(
    message: string,
    readonly details: { requestId?: string; status?: number; logUrl?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/** The user (Ctrl-C or an AbortSignal) stopped the run. */
export class DeliverAbortedError extends ServiceXError {
  override readonly name = "DeliverAbortedError";
}

/** Some samples failed: the others' files are still returned in `results`. */
export class DeliverError extends ServiceXError {
  override readonly name = "DeliverError";
  constructor(
    readonly results: Record<string, string[]>,
    readonly errors: Record<string, Error>,
  ) {
    super(
      Object.entries(errors)
        .map(([sample, err]) => `sample "${sample}": ${err.message}`)
        .join("\n"),
    );
  }
}

/** Waits `ms`, ending early (with the signal's reason) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof DeliverAbortedError ? reason : new DeliverAbortedError("delivery aborted", { cause: reason });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
