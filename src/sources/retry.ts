/**
 * The retry rules of the ServiceX client, shared by result downloads and HTTP range reads: a
 * fixed number of attempts, exponential back-off with random jitter (half to all of the delay),
 * capped at 60 s as in the Python client.
 */
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_RETRY_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

/** Delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, baseMs: number): number {
  return Math.min(MAX_DELAY_MS, baseMs * 2 ** (retry - 1) * (0.5 + Math.random() / 2));
}

/** Waits `ms`; an abort ends the wait with the signal's reason. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
