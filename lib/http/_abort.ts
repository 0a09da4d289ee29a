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
