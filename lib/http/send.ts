/**
 * `send()`: one logical HTTP request, with retries, a per-try timeout, a cap on the response
 * size, cancellation and a client request id. Every kvfetch client sends through it.
 *
 * @module
 */

import type { HttpBody, HttpHeaders } from "./web_types.ts";
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
import { refuseOfficialOptions } from "./_official_options.ts";
import { USER_AGENT } from "./_user_agent.ts";
import { type HttpLogEntry, logTry } from "./log.ts";

/**
 * The part of `fetch` kvfetch uses. `globalThis.fetch` fits, and so does any wrapper around it
 * (a proxy agent, a recorder, a test double).
 *
 * @example A fetch that logs every request's method and URL
 * ```ts
 * import type { FetchLike } from "kvfetch";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const loggingFetch: FetchLike = (url, init) => {
 *   console.log(init.method, url); // never the headers: they hold the token
 *   return emulator.fetch(url, init); // against Azure: fetch(url, init)
 * };
 * const client = new SecretClient(emulator.vaultUrl("myvault"), emulator.credential(), {
 *   fetch: loggingFetch,
 * });
 * await client.setSecret("db-password", "s3cret"); // PUT https://myvault.vault.azure.net/secrets/…
 * ```
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Transport options that every kvfetch I/O options object accepts.
 *
 * @example Options for a test: a stub fetch, no retries, a short timeout
 * ```ts
 * import type { HttpOptions } from "kvfetch";
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
   * The `fetch` to send requests with. Process-wide caches (learned challenges, managed
   * identity availability, tokens) are kept per `fetch`, so a test double never affects a
   * client that uses another one.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /** Cancels the whole operation, including retries and the waits between them. */
  signal?: AbortSignal;
  /** How failed tries are retried. */
  retry?: RetryOptions;
  /**
   * How long one try may take, from sending the request to reading the last byte of the
   * response, in milliseconds, even when the `fetch` ignores its signal. A try that runs out
   * is retried like a network failure. `Infinity` turns the timeout off.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * The largest response body kvfetch reads, in bytes. A larger one stops the read and fails
   * with `ERR_RESPONSE_TOO_LARGE` (not retried). The default is far above Key Vault's largest
   * real response (a backup of a key or secret with many versions).
   * @default 16777216 (16 MiB)
   */
  maxResponseBytes?: number;
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
  /**
   * Called after every try of every request (the challenge probe, retries, token requests):
   * method, URL (query values other than `api-version` and paging sizes replaced by
   * `REDACTED`), status or error code, attempt, duration and request ids. It never receives
   * headers, bodies, tokens or secrets. An exception it throws is ignored.
   */
  logger?: (entry: HttpLogEntry) => void;
}

/** {@link HttpOptions} after defaults and checks. */
export interface ResolvedHttpOptions {
  fetch: FetchLike;
  signal: AbortSignal | undefined;
  retry: ResolvedRetryOptions;
  timeoutMs: number;
  maxResponseBytes: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  logger: ((entry: HttpLogEntry) => void) | undefined;
}

/**
 * One request as kvfetch describes it before sending.
 *
 * @example
 * ```ts
 * import type { HttpRequest } from "kvfetch";
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
  headers?: HttpHeaders;
  /** The body. Read once, before the first try, so every retry re-sends the same bytes. */
  body?: HttpBody | null;
}

/**
 * The outcome of sending a request: the final response and how it was reached.
 *
 * @example
 * ```ts
 * import type { HttpResult } from "kvfetch";
 * import { processTokenResponse } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const { env, fetch } = createEmulator(); // against Azure: the global fetch
 * const url = `https://login.microsoftonline.com/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`;
 * const body = new URLSearchParams({
 *   grant_type: "client_credentials",
 *   client_id: env.AZURE_CLIENT_ID,
 *   client_secret: env.AZURE_CLIENT_SECRET,
 *   scope: "https://vault.azure.net/.default",
 * });
 * const response = await fetch(url, { method: "POST", body });
 * const result: HttpResult = { response, attempts: 1, clientRequestId: "…", method: "POST", url };
 * const token = await processTokenResponse(result, { now: Date.now() });
 * console.log(result.response.status, token.expiresOnTimestamp > Date.now()); // 200 true
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

/** One shared default, so that clients on the global `fetch` share their caches. */
const globalFetch: FetchLike = (url, init) => globalThis.fetch(url, init);

/**
 * Applies defaults to {@link HttpOptions} and checks them, so that a client can refuse bad
 * options at construction time rather than on its first request.
 */
export function resolveHttpOptions(options: HttpOptions = {}): ResolvedHttpOptions {
  need(typeof options == "object" && options, "options", "must be an object");
  refuseOfficialOptions(options, "client");
  const {
    signal,
    timeoutMs = 30_000,
    maxResponseBytes = 16 * 1024 * 1024,
    now = Date.now,
    sleep = abortableSleep,
    // Called unbound, some runtimes throw "Illegal invocation".
    fetch = globalFetch,
    logger,
  } = options;
  need(isFunction(fetch), "fetch", "must be a function");
  checkSignal(signal);
  need(typeof timeoutMs == "number" && timeoutMs > 0, "timeoutMs", "must be > 0", RangeError);
  need(
    Number.isSafeInteger(maxResponseBytes) && maxResponseBytes > 0,
    "maxResponseBytes",
    "must be a positive integer",
    RangeError,
  );
  need(isFunction(now), "now", "must be a function");
  need(isFunction(sleep), "sleep", "must be a function");
  need(logger === undefined || isFunction(logger), "logger", "must be a function");
  const retry = resolveRetryOptions(options.retry);
  return { fetch, signal, retry, timeoutMs, maxResponseBytes, now, sleep, logger };
}

/** Throws a TypeError unless `signal` is undefined or an `AbortSignal`. */
export function checkSignal(signal: unknown): void {
  need(
    signal === undefined ||
      (typeof (signal as AbortSignal)?.aborted == "boolean" &&
        isFunction((signal as AbortSignal).addEventListener)),
    "signal",
    "must be an AbortSignal",
  );
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** The result of {@link send}: the body is kept as bytes; `response` is built when asked for. */
class BufferedResult implements HttpResult {
  #raw: Response;
  #bytes: Uint8Array<ArrayBuffer> | null;
  #response: Response | undefined;
  constructor(
    raw: Response,
    bytes: Uint8Array<ArrayBuffer> | null,
    readonly attempts: number,
    readonly clientRequestId: string,
    readonly method: string,
    readonly url: string,
  ) {
    this.#raw = raw;
    this.#bytes = bytes;
  }
  get response(): Response {
    if (!this.#response) {
      const raw = this.#raw;
      const bytes = this.#bytes?.byteLength ? this.#bytes : null;
      this.#response = new Response(bytes, { status: raw.status, statusText: raw.statusText });
      // The original headers, not a copy: guards stay as the runtime set them.
      Object.defineProperties(this.#response, {
        headers: { value: raw.headers },
        url: { value: raw.url || this.url },
      });
    }
    return this.#response;
  }
  /** The status, without building the response. */
  get status(): number {
    return this.#raw.status;
  }
  /** The headers, without building the response. */
  get headers(): Headers {
    return this.#raw.headers;
  }
  /** The body as text. */
  text(): string {
    return this.#bytes ? decoder.decode(this.#bytes) : "";
  }
}

const decoder = new TextDecoder();

/** The body of a result as text: the buffered bytes of {@link send}, else the response's. */
export function resultText(result: HttpResult): Promise<string> {
  return result instanceof BufferedResult ? Promise.resolve(result.text()) : result.response.text();
}

/** A result's status and headers, without building a buffered `Response`. */
export function resultHead(result: HttpResult): { status: number; headers: Headers } {
  return result instanceof BufferedResult ? result : result.response;
}

/**
 * Sends one logical request: retries 408, 429, 500, 502, 503, 504 and network failures,
 * honours `Retry-After`, bounds each try with a timeout and the response with a size cap,
 * never follows redirects and tags every try with the same `x-ms-client-request-id`.
 *
 * Resolves with the final response whatever its status, so that the caller decides what a
 * 401 or a 404 means; {@link responseError} turns an unexpected one into a `RestError`.
 * Rejects with a `KvfetchError` (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_RESPONSE_TOO_LARGE`, or
 * `ERR_HTTP_STATUS` for a redirect), or with `signal.reason` when the caller aborts.
 *
 * @throws {KvfetchError} `ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_RESPONSE_TOO_LARGE`, or
 *   `ERR_HTTP_STATUS` for a redirect (not followed).
 * @throws {TypeError} When the request or an option is invalid (nothing is sent).
 */
export function send(request: HttpRequest, options: HttpOptions = {}): Promise<HttpResult> {
  try {
    return sendResolved(request, resolveHttpOptions(options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** {@link send} with options already resolved (and so not checked again). */
export async function sendResolved(
  request: HttpRequest,
  opts: ResolvedHttpOptions,
): Promise<HttpResult> {
  const { signal } = opts;
  const method = request.method.toUpperCase();
  const url = String(request.url);

  if (request.body != null && (method === "GET" || method === "HEAD")) {
    throw new TypeError(`A ${method} request cannot have a body`);
  }
  throwIfAborted(signal);

  const headers = plainHeaders(request.headers);
  const body = await bufferBody(request.body);
  if (body?.type && !headers["content-type"]) headers["content-type"] = body.type;
  const clientRequestId = headers["x-ms-client-request-id"] ??= crypto.randomUUID();
  headers[USER_AGENT.name] ??= USER_AGENT.value;

  for (let attempt = 1;; attempt++) {
    throwIfAborted(signal);
    const lastTry = attempt > opts.retry.maxRetries;
    const started = opts.logger ? performance.now() : 0;
    let outcome: Awaited<ReturnType<typeof tryOnce>>;
    try {
      outcome = await tryOnce(opts, url, method, headers, body?.data ?? null, !lastTry);
    } catch (error) {
      if (opts.logger) logTry(opts.logger, method, url, attempt, started, clientRequestId, error);
      throw error;
    }
    if (opts.logger) {
      logTry(opts.logger, method, url, attempt, started, clientRequestId, outcome, !lastTry);
    }

    if (outcome instanceof Response) {
      // A retriable status: its body was cancelled, not read.
      const asked = retryAfterMs(outcome.headers, opts.now());
      const wait = asked === undefined ? backoffMs(attempt, opts.retry) : asked;
      await opts.sleep(Math.min(wait, opts.retry.maxRetryDelayMs), signal);
      continue;
    }
    if ("error" in outcome) {
      if (signal?.aborted) throw signal.reason;
      if (lastTry) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        const code = causeCode(outcome.error);
        throw new KvfetchError(
          outcome.timedOut ? "ERR_TIMEOUT" : "ERR_NETWORK",
          `${method} ${stripQuery(url)} ${
            outcome.timedOut ? "timed out" : `failed: network error${code ? ` (${code})` : ""}`
          }${tries}`,
          { cause: outcome.error },
        );
      }
      await opts.sleep(backoffMs(attempt, opts.retry), signal);
      continue;
    }
    return new BufferedResult(
      outcome.response,
      outcome.bytes,
      attempt,
      clientRequestId,
      method,
      url,
    );
  }
}

interface FailedTry {
  error: unknown;
  timedOut: boolean;
}

/**
 * One try: fetch, then read the whole body under the same deadline, which holds even if the
 * `fetch` ignores its signal. A redirect or an oversized body is an error at once (kvfetch
 * never sends a token anywhere it was not asked to). A retriable status comes back as the
 * bare `Response`, its body cancelled; anything else that goes wrong as a {@link FailedTry}.
 */
async function tryOnce(
  opts: ResolvedHttpOptions,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: BodyInit | null,
  mayRetry: boolean,
): Promise<{ response: Response; bytes: Uint8Array<ArrayBuffer> | null } | Response | FailedTry> {
  const { signal: outer, timeoutMs } = opts;
  const timed = timeoutMs !== Infinity;
  // Nothing to cancel: no controller, no timer, no race.
  const controller = timed || outer ? new AbortController() : undefined;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (controller) {
    deadline = new Promise<never>((_, reject) => {
      onAbort = () => {
        const reason = outer?.aborted
          ? outer.reason
          : new DOMException("The try timed out", "TimeoutError");
        controller.abort(reason);
        reject(reason);
      };
    });
    deadline.catch(() => {});
    outer?.addEventListener("abort", onAbort!, { once: true });
    if (timed) {
      timer = setTimeout(() => {
        timedOut = true;
        onAbort!();
      }, timeoutMs);
    }
  }
  // The platform's fetch stops at its signal; only an injected one may ignore it.
  const race = <T>(p: Promise<T>) =>
    deadline && opts.fetch !== globalFetch ? Promise.race([p, deadline]) : p;
  let response: Response | undefined;
  try {
    // A fresh headers object per try: a fetch wrapper may mutate what it is given.
    response = await race(opts.fetch(url, {
      method,
      headers: { ...headers },
      body,
      redirect: "manual",
      signal: controller?.signal,
    }));
    const { status } = response;
    if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
      throw redirectError(response, method, url, headers);
    }
    if (mayRetry && isRetriableStatus(status)) {
      void cancelBody(response);
      return response;
    }
    if (NULL_BODY_STATUS.has(status) || method === "HEAD") {
      void cancelBody(response);
      return { response, bytes: null };
    }
    return {
      response,
      bytes: await race(readCapped(response, opts.maxResponseBytes, method, url)),
    };
  } catch (error) {
    if (error instanceof KvfetchError) throw error;
    void cancelBody(response);
    return { error, timedOut };
  } finally {
    clearTimeout(timer);
    if (onAbort) outer?.removeEventListener("abort", onAbort);
  }
}

/** Reads a body up to `max` bytes; past it, stops reading and throws ERR_RESPONSE_TOO_LARGE. */
async function readCapped(
  response: Response,
  max: number,
  method: string,
  url: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => {
    void cancelBody(response);
    return new KvfetchError(
      "ERR_RESPONSE_TOO_LARGE",
      `The response to ${method} ${stripQuery(url)} is larger than ${max} bytes ` +
        '(the "maxResponseBytes" option); it was not read',
    );
  };
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > max) throw tooLarge();
  if (declared >= 0 || !response.body) {
    // A declared length within the cap: one native read (checked again, in case it lied).
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > max) throw tooLarge();
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** What Deno says where Node and Bun give a code. */
const CAUSES: [RegExp, string][] = [
  [/dns error|failed to lookup|not known/i, "ENOTFOUND"],
  [/connection refused/i, "ECONNREFUSED"],
  [/connection reset/i, "ECONNRESET"],
  [/certificate/i, "CERT_INVALID"],
];

/**
 * The error code a failed `fetch` carries in its cause chain (undici: `ECONNREFUSED`,
 * `ENOTFOUND`; Bun: `ConnectionRefused`; Deno: read from its message), when it looks like a
 * code. Only the code is kept: the messages quote the URL.
 */
function causeCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 4; e = (e as Error).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code == "string" && /^[A-Za-z][A-Za-z0-9_]{2,39}$/.test(code)) return code;
    const message = String((e as Error).message);
    for (const [phrase, name] of CAUSES) if (phrase.test(message)) return name;
  }
  return undefined;
}

function redirectError(
  response: Response,
  method: string,
  url: string,
  headers: Record<string, string>,
) {
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
    clientRequestId: headers["x-ms-client-request-id"],
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

/** Headers as a plain object with lower-case names: cheap to copy per try. */
export function plainHeaders(init: HttpHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  const entries = init instanceof Headers || Array.isArray(init)
    ? init
    : Object.entries(init as Record<string, string>);
  for (const [name, value] of entries as Iterable<[string, string]>) {
    out[name.toLowerCase()] = value;
  }
  return out;
}

async function bufferBody(
  body: HttpBody | null | undefined,
): Promise<{ data: BodyInit; type: string | null } | undefined> {
  if (body == null) return undefined;
  // Strings are re-sent as they are: nothing to buffer.
  if (typeof body == "string") return { data: body, type: "text/plain;charset=UTF-8" };
  // Response does the conversion for every other BodyInit kind and knows its content type.
  const wrapped = new Response(body as BodyInit);
  // Read the content type first: Bun loses it once the body has been read.
  const type = wrapped.headers.get("content-type");
  return { data: new Uint8Array(await wrapped.arrayBuffer()), type };
}
