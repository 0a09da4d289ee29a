/**
 * `send()`: one logical HTTP request, with retries, a per-try timeout, cancellation and a
 * client request id. Every kvfetch client sends through it.
 *
 * @module
 */

import { KvfetchError, RestError } from "./errors.ts";
import {
  backoffMs,
  isRetriableStatus,
  type ResolvedRetryOptions,
  resolveRetryOptions,
  retryAfterMs,
  type RetryOptions,
} from "./retry.ts";
import { abortableSleep } from "./_sleep.ts";
import { isFunction, need } from "./_check.ts";
import { stripQuery } from "./_url.ts";
import { throwIfAborted } from "./_abort.ts";

/**
 * The part of `fetch` kvfetch uses. `globalThis.fetch` fits, and so does any wrapper around it
 * (a proxy agent, a recorder, a test double).
 *
 * @example A fetch that logs every request's method and URL
 * ```ts
 * import type { FetchLike } from "./send.ts";
 *
 * const loggingFetch: FetchLike = (url, init) => {
 *   console.log(init.method, url);
 *   return fetch(url, init);
 * };
 * console.log(typeof loggingFetch);
 * ```
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Transport options that every kvfetch I/O options object accepts.
 *
 * @example Options for a test: a stub fetch, no retries, a short timeout
 * ```ts
 * import type { HttpOptions } from "./send.ts";
 *
 * const options: HttpOptions = {
 *   fetch: () => Promise.resolve(new Response("{}", { status: 200 })),
 *   retry: { maxRetries: 0 },
 *   timeoutMs: 1_000,
 * };
 * console.log(options.timeoutMs);
 * ```
 */
export interface HttpOptions {
  /**
   * The `fetch` to send requests with.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /** Cancels the whole operation, including retries and the waits between them. */
  signal?: AbortSignal;
  /** How failed tries are retried. */
  retry?: RetryOptions;
  /**
   * How long one try may take, from sending the request to reading the last byte of the
   * response, in milliseconds. A try that runs out is retried like a network failure.
   * `Infinity` turns the timeout off.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * The clock, in milliseconds since the epoch (used for HTTP-date `Retry-After` values and
   * token lifetimes).
   * @default Date.now
   */
  now?: () => number;
  /**
   * Waits between tries; must reject with `signal.reason` when the signal aborts.
   * Tests inject one that records the waits instead of sleeping.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** {@link HttpOptions} after defaults and checks. */
export interface ResolvedHttpOptions {
  fetch: FetchLike;
  signal: AbortSignal | undefined;
  retry: ResolvedRetryOptions;
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * One request as kvfetch describes it before sending.
 *
 * @example
 * ```ts
 * import type { HttpRequest } from "./send.ts";
 *
 * const request: HttpRequest = {
 *   method: "GET",
 *   url: "https://myvault.vault.azure.net/secrets/db?api-version=2025-07-01",
 *   headers: { accept: "application/json" },
 * };
 * console.log(request.method);
 * ```
 */
export interface HttpRequest {
  /** The HTTP method, e.g. `GET`. */
  method: string;
  /** The absolute URL. */
  url: string | URL;
  /** Request headers. */
  headers?: HeadersInit;
  /** The body. Read once, before the first try, so every retry re-sends the same bytes. */
  body?: BodyInit | null;
}

/**
 * The outcome of sending a request: the final response and how it was reached.
 *
 * @example
 * ```ts
 * import type { HttpResult } from "./send.ts";
 *
 * function summary(result: HttpResult): string {
 *   return `${result.method} ${result.url}: ${result.response.status} after ${result.attempts} tries`;
 * }
 * console.log(typeof summary);
 * ```
 */
export interface HttpResult {
  /** The final response. Its body is fully buffered; reading it cannot stall. */
  response: Response;
  /** How many times the request was sent. */
  attempts: number;
  /** The `x-ms-client-request-id` sent with every try. */
  clientRequestId: string;
  /** The request method. */
  method: string;
  /** The request URL. */
  url: string;
}

/**
 * Applies defaults to {@link HttpOptions} and checks them, so that a client can refuse bad
 * options at construction time rather than on its first request.
 */
export function resolveHttpOptions(options: HttpOptions = {}): ResolvedHttpOptions {
  need(typeof options == "object" && options, "options", "must be an object");
  const { signal, timeoutMs = 30_000, now = Date.now, sleep = abortableSleep } = options;
  // Called unbound, some runtimes throw "Illegal invocation".
  const fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  need(isFunction(fetch), "fetch", "must be a function");
  need(
    signal === undefined ||
      (typeof signal?.aborted == "boolean" && isFunction(signal.addEventListener)),
    "signal",
    "must be an AbortSignal",
  );
  need(typeof timeoutMs == "number" && timeoutMs > 0, "timeoutMs", "must be > 0", RangeError);
  need(isFunction(now), "now", "must be a function");
  need(isFunction(sleep), "sleep", "must be a function");
  return { fetch, signal, retry: resolveRetryOptions(options.retry), timeoutMs, now, sleep };
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * Sends one logical request: retries 408, 429, 500, 502, 503, 504 and network failures,
 * honours `Retry-After`, bounds each try with a timeout, never follows redirects and tags
 * every try with the same `x-ms-client-request-id`.
 *
 * Resolves with the final response whatever its status, so that the caller decides what a
 * 401 or a 404 means; {@link responseError} turns an unexpected one into a `RestError`.
 * Rejects with a `KvfetchError` (`ERR_NETWORK`, `ERR_TIMEOUT`, or `ERR_HTTP_STATUS` for a
 * redirect), or with `signal.reason` when the caller aborts.
 */
export async function send(
  request: HttpRequest,
  options: HttpOptions = {},
): Promise<HttpResult> {
  // Idempotent: resolving resolved options changes nothing.
  const opts = resolveHttpOptions(options);
  const { signal } = opts;
  const method = request.method.toUpperCase();
  const url = String(request.url);
  const label = `${method} ${stripQuery(url)}`;

  if (request.body != null && (method === "GET" || method === "HEAD")) {
    throw new TypeError(`A ${method} request cannot have a body`);
  }
  throwIfAborted(signal);

  const headers = new Headers(request.headers);
  const body = await bufferBody(request.body);
  if (body?.contentType && !headers.has("content-type")) {
    headers.set("content-type", body.contentType);
  }
  const clientRequestId = headers.get("x-ms-client-request-id") ?? crypto.randomUUID();
  headers.set("x-ms-client-request-id", clientRequestId);

  for (let attempt = 1;; attempt++) {
    throwIfAborted(signal);
    const outcome = await tryOnce(opts, url, {
      method,
      headers,
      body: body?.bytes ?? null,
      redirect: "manual",
    });
    const lastTry = attempt > opts.retry.maxRetries;

    if (!(outcome instanceof Response)) {
      if (signal?.aborted) throw signal.reason;
      if (lastTry) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        throw new KvfetchError(
          outcome.timedOut ? "ERR_TIMEOUT" : "ERR_NETWORK",
          `${label} ${outcome.timedOut ? "timed out" : "failed: network error"}${tries}`,
          { cause: outcome.error },
        );
      }
      await opts.sleep(backoffMs(attempt, opts.retry), signal);
      continue;
    }

    const response = outcome;
    if (!lastTry && isRetriableStatus(response.status)) {
      const asked = retryAfterMs(response.headers, opts.now());
      const wait = asked === undefined ? backoffMs(attempt, opts.retry) : asked;
      await opts.sleep(Math.min(wait, opts.retry.maxRetryDelayMs), signal);
      continue;
    }
    return { response, attempts: attempt, clientRequestId, method, url };
  }
}

interface FailedTry {
  error: unknown;
  timedOut: boolean;
}

/**
 * One try: fetch, then read the whole body under the same deadline. A redirect is an error at
 * once (kvfetch never sends a token anywhere it was not asked to). Anything else that goes
 * wrong comes back as a {@link FailedTry} for the retry loop to judge.
 */
async function tryOnce(
  opts: ResolvedHttpOptions,
  url: string,
  init: RequestInit & { method: string; headers: Headers },
): Promise<Response | FailedTry> {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = Number.isFinite(opts.timeoutMs)
    ? setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("The try timed out", "TimeoutError"));
    }, opts.timeoutMs)
    : undefined;
  let response: Response | undefined;
  try {
    // A fresh Headers per try: a fetch wrapper may mutate the object it is given.
    response = await opts.fetch(url, {
      ...init,
      headers: new Headers(init.headers),
      signal: controller.signal,
    });
    if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
      throw redirectError(response, init.method, url, init.headers);
    }
    const bytes = NULL_BODY_STATUS.has(response.status) || init.method === "HEAD"
      ? null
      : new Uint8Array(await response.arrayBuffer());
    const buffered = new Response(bytes && bytes.byteLength > 0 ? bytes : null, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    Object.defineProperty(buffered, "url", { value: response.url || url });
    return buffered;
  } catch (error) {
    if (error instanceof KvfetchError) throw error;
    await cancelBody(response);
    return { error, timedOut };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

function redirectError(response: Response, method: string, url: string, headers: Headers) {
  void cancelBody(response);
  let target = "";
  try {
    const location = response.headers.get("location");
    if (location) target = ` to ${new URL(location, url).origin}`;
  } catch {
    // An unparsable Location adds nothing worth saying.
  }
  return new RestError({
    status: response.status,
    method,
    url,
    requestId: response.headers.get("x-ms-request-id") ?? undefined,
    clientRequestId: headers.get("x-ms-client-request-id") ?? undefined,
    response,
    message: `${method} ${stripQuery(url)} was redirected${target} (not followed)`,
  });
}

/** Cancels a body nobody will read, so that the connection is freed (Workers count them). */
async function cancelBody(response: Response | undefined): Promise<void> {
  try {
    if (response?.body && !response.bodyUsed) await response.body.cancel();
  } catch {
    // Already errored or locked: nothing left to free.
  }
}

async function bufferBody(
  body: BodyInit | null | undefined,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; contentType: string | null } | undefined> {
  if (body == null) return undefined;
  // Response does the conversion for every BodyInit kind and knows its default content type.
  const wrapped = new Response(body);
  // Read the content type first: Bun loses it once the body has been read.
  const contentType = wrapped.headers.get("content-type");
  return { bytes: new Uint8Array(await wrapped.arrayBuffer()), contentType };
}
