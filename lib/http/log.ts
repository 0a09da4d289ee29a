/**
 * What the `logger` option of every kvfetch client and credential receives: one entry per try
 * of every HTTP request, built from the method, a redacted URL, the status and the request ids
 * only. No header, body, token, secret value, client secret or assertion ever reaches it.
 *
 * @module
 */

/**
 * One try of one HTTP request, as reported to the `logger` option.
 *
 * @example Logging every request as one JSON line
 * ```ts
 * import { SecretClient } from "kvfetch";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient(emulator.vaultUrl("myvault"), emulator.credential(), {
 *   fetch: emulator.fetch,
 *   logger: (entry) => console.log(JSON.stringify(entry)),
 * });
 * await client.setSecret("db-password", "s3cret"); // logs the challenge probe, then the PUT
 * ```
 */
export interface HttpLogEntry {
  /** The request method, e.g. `GET`. */
  method: string;
  /**
   * The request URL with every query value replaced by `REDACTED`, except `api-version` and
   * the page sizes (`maxresults`, `$top`), which are kept.
   */
  url: string;
  /** The response status; absent when the try failed below HTTP. */
  status?: number;
  /** What failed below HTTP: a kvfetch code (`ERR_TIMEOUT`, `ERR_NETWORK`, …) or an error name. */
  error?: string;
  /** Whether kvfetch retries after this try. */
  retrying: boolean;
  /** The try's number, from 1. */
  attempt: number;
  /** How long the try took, in milliseconds. */
  durationMs: number;
  /** The `x-ms-client-request-id` kvfetch sent (the same for every try of a request). */
  clientRequestId: string;
  /** The `x-ms-request-id` the server answered with, if any: quote it to Azure support. */
  requestId?: string;
}

/** The query parameters whose values are kept: they say nothing secret. */
const KEPT = new Set(["api-version", "maxresults", "$top"]);

/** The URL for a log: origin, path, and query names with only harmless values. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/[?#].*$/s, "");
  }
  const parts: string[] = [];
  u.searchParams.forEach((value, name) => {
    parts.push(
      `${encodeURIComponent(name)}=${KEPT.has(name) ? encodeURIComponent(value) : "REDACTED"}`,
    );
  });
  return `${u.origin}${u.pathname}${parts.length ? `?${parts.join("&")}` : ""}`;
}

/** Reports one try to the logger; a logger that throws is ignored. */
export function logTry(
  logger: (entry: HttpLogEntry) => void,
  method: string,
  url: string,
  attempt: number,
  started: number,
  clientRequestId: string,
  outcome: unknown,
  mayRetry = false,
): void {
  const entry: HttpLogEntry = {
    method,
    url: redactUrl(url),
    retrying: false,
    attempt,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    clientRequestId,
  };
  const o = outcome as
    | Response
    | { response: Response }
    | { error: unknown; timedOut: boolean }
    | Error;
  let response: Response | undefined;
  if (o instanceof Response) {
    response = o;
    entry.retrying = mayRetry;
  } else if (o && typeof o == "object" && "response" in o && o.response instanceof Response) {
    response = o.response;
  }
  if (response) {
    entry.status = response.status;
    const id = response.headers.get("x-ms-request-id");
    if (id) entry.requestId = id.slice(0, 100);
  } else if (o && typeof o == "object" && "timedOut" in o) {
    entry.error = o.timedOut ? "ERR_TIMEOUT" : "ERR_NETWORK";
    entry.retrying = mayRetry;
  } else {
    const code = (o as { code?: unknown })?.code;
    entry.error = typeof code == "string" && /^ERR_[A-Z_]+$/.test(code)
      ? code
      : String((o as Error)?.name ?? "Error").slice(0, 40);
  }
  try {
    logger(entry);
  } catch {
    // A logger's failure is not the request's.
  }
}
