/**
 * `signal.throwIfAborted()` for any `AbortSignalLike`: `@azure/core-auth` callers may pass
 * signals (e.g. from `@azure/abort-controller` 1.x) that have `aborted` and `reason` but no
 * `throwIfAborted` method.
 */
export function throwIfAborted(signal: { aborted: boolean; reason?: unknown } | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException("This operation was aborted", "AbortError");
  }
}

/**
 * Resolves with `promise`, or rejects with `signal.reason` as soon as the signal aborts: one
 * caller stops waiting for shared work (a token request, a challenge probe) that goes on for
 * the others.
 */
export function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      // Nobody waits for it any more; its failure must not surface as an unhandled rejection.
      promise.catch(() => {});
      return reject(signal.reason);
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
