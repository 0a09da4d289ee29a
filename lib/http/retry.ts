/**
 * The retry policy: which outcomes are retried and how long to wait before the next try.
 *
 * Follows Azure's own policy (PROTOCOL.md §5): 408, 429, 500, 502, 503, 504 and network
 * failures are retried; 501, 505 and every other 4xx are not. A `retry-after-ms`,
 * `x-ms-retry-after-ms` or `Retry-After` header is obeyed exactly (capped); otherwise the wait
 * grows exponentially with jitter.
 *
 * @module
 */

import { need } from "./_check.ts";

/**
 * How kvfetch retries a request that failed in a way that may pass.
 *
 * @example Fewer, shorter retries for a latency-sensitive Worker
 * ```ts
 * import type { RetryOptions } from "kvfetch";
 *
 * const retry: RetryOptions = { maxRetries: 2, retryDelayMs: 200, maxRetryDelayMs: 2_000 };
 * console.log(retry);
 * ```
 */
export interface RetryOptions {
  /**
   * How many times a request is retried after the first try (0 turns retries off).
   * @default 3
   */
  maxRetries?: number;
  /**
   * The base of the exponential backoff: retry `n` waits between half and all of
   * `retryDelayMs * 2 ** (n - 1)`, capped at `maxRetryDelayMs`.
   * @default 1000
   */
  retryDelayMs?: number;
  /**
   * The longest wait between two tries, for backoff and for server-sent `Retry-After` alike.
   * @default 60000
   */
  maxRetryDelayMs?: number;
}

/** {@link RetryOptions} with every default applied and every value checked. */
export interface ResolvedRetryOptions {
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/** The statuses that are retried: transient by definition, or throttling. */
const RETRIABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Whether a response status is worth another try. */
export function isRetriableStatus(status: number): boolean {
  return RETRIABLE_STATUS.has(status);
}

/** Applies the defaults and checks every value, naming the option in the error. */
export function resolveRetryOptions(retry: RetryOptions = {}): ResolvedRetryOptions {
  need(typeof retry == "object" && retry, "retry", "must be an object");
  const { maxRetries = 3, retryDelayMs = 1000, maxRetryDelayMs = 60_000 } = retry;
  need(
    Number.isInteger(maxRetries) && maxRetries >= 0,
    "retry.maxRetries",
    NON_NEGATIVE,
    RangeError,
  );
  for (const [name, ms] of [["retryDelayMs", retryDelayMs], ["maxRetryDelayMs", maxRetryDelayMs]]) {
    need(Number.isFinite(ms) && +ms! >= 0, `retry.${name}`, NON_NEGATIVE, RangeError);
  }
  return { maxRetries, retryDelayMs, maxRetryDelayMs };
}

const NON_NEGATIVE = "must be a non-negative number";

/**
 * The wait a response asks for, in milliseconds, or `undefined` when it asks for none.
 *
 * Reads `retry-after-ms`, then `x-ms-retry-after-ms` (milliseconds), then `Retry-After`
 * (delay-seconds or an HTTP-date, measured against `now`). Unparsable values are ignored.
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers.get(name)?.trim();
    if (value && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  }
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date: the day name and the comma keep plain numbers and garbage out of Date.parse.
  if (/^[A-Za-z]{3},/.test(value)) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}

/**
 * The exponential backoff before retry number `retry` (1 for the first retry): uniformly
 * random between half and all of `retryDelayMs * 2 ** (retry - 1)`, capped at
 * `maxRetryDelayMs`. The jitter keeps many clients from retrying in lockstep.
 */
export function backoffMs(
  retry: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}
