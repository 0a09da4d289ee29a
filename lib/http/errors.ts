/**
 * Error classes shared by every kvfetch module.
 *
 * Every error kvfetch raises for something the network, a server or a response did is a
 * {@link KvfetchError} with a stable {@link KvfetchErrorCode}. Mistakes in the arguments a
 * program passes are plain `TypeError`s and `RangeError`s naming the option.
 *
 * No message or enumerable property ever holds a secret value, client secret, token or
 * assertion: error messages name operations, hosts, paths and status codes only.
 *
 * @module
 */

import { stripQuery } from "./_url.ts";

/**
 * The stable codes of {@link KvfetchError}. Switch on `error.code` rather than on messages.
 *
 * | code | meaning |
 * |---|---|
 * | `ERR_HTTP_STATUS` | the server answered with a status the operation does not expect ({@link RestError}) |
 * | `ERR_NETWORK` | the request failed below HTTP (connection refused or reset, DNS) on every try |
 * | `ERR_TIMEOUT` | every try exceeded its per-try timeout |
 * | `ERR_INVALID_JSON` | a response body that should be JSON could not be parsed |
 * | `ERR_INVALID_RESPONSE` | a JSON response body does not have the expected shape |
 * | `ERR_FOREIGN_NEXT_LINK` | a paged response pointed at another origin; nothing was sent there |
 * | `ERR_AUTHENTICATION` | Microsoft Entra ID (or a managed identity endpoint) refused to issue a token |
 * | `ERR_CREDENTIAL_UNAVAILABLE` | a credential cannot work here (no managed identity endpoint, missing configuration, expired static token) |
 * | `ERR_TENANT_NOT_ALLOWED` | a token was asked for a tenant the credential is not configured for |
 * | `ERR_INVALID_CERTIFICATE` | a certificate credential's key does not fit its certificate, or cannot be used |
 * | `ERR_CHALLENGE_INVALID` | a vault answered 401 without a usable `WWW-Authenticate` challenge (or did not challenge a request that carried a body) |
 * | `ERR_CHALLENGE_RESOURCE_MISMATCH` | a vault's challenge names a resource its host does not belong to; no token was requested |
 * | `ERR_OPERATION_TIMEOUT` | a long-running operation (delete, recover, purge, an ARM operation, a new vault's DNS) did not finish within the wait allowed |
 * | `ERR_OPERATION_FAILED` | a long-running ARM operation ended `Failed` or `Canceled` ({@link https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations ARM async operations}), or a certificate operation ended `failed` or `cancelled`; the error carries Azure's code, message and details |
 * | `ERR_FOREIGN_OPERATION_URL` | an ARM response pointed its operation status (`Azure-AsyncOperation`, `Location`) at another origin than the ARM endpoint; nothing was sent there |
 * | `ERR_RESPONSE_TOO_LARGE` | a response body is larger than the `maxResponseBytes` option; it was not read |
 * | `ERR_PAGING_LOOP` | a listing's `nextLink` points at a page it already followed; nothing more was sent |
 * | `ERR_PAGE_LIMIT` | a listing has more pages than its `maxPages` bound |
 * | `ERR_INVALID_TOKEN` | a credential returned an access token that cannot be sent in a header; the token is not shown |
 * | `ERR_INVALID_JWK` | a JSON Web Key is malformed: an unknown `kty` or `crv`, a missing member, bad base64url, a coordinate that does not fit its curve, private members where only public ones belong |
 * | `ERR_NOT_SUPPORTED_LOCALLY` | Web Crypto has no such algorithm or curve (`ES256K`, `P-256K`, `RSA1_5`, …); use the vault for it |
 * | `ERR_INVALID_SIGNATURE` | a signature is not a DER `ECDSA-Sig-Value`, or not raw `r‖s` of the curve's length |
 * | `ERR_KEY_OPERATION_FORBIDDEN` | the key's `key_ops` or attributes (disabled, not yet valid, expired) forbid the operation; nothing was sent |
 * | `ERR_INVALID_JWT` | a JWT failed verification (format, signature, algorithm or claims); `cause` is jose's error |
 * | `ERR_PKCS12_NOT_SUPPORTED` | a certificate's secret is PKCS#12 (PFX), which kvfetch does not parse; give the certificate the PEM content type (`application/x-pem-file`) |
 *
 * @example Branching on a code
 * ```ts
 * import { KvfetchError } from "kvfetch";
 *
 * function describe(error: unknown): string {
 *   if (error instanceof KvfetchError) {
 *     switch (error.code) {
 *       case "ERR_TIMEOUT":
 *       case "ERR_NETWORK":
 *         return "Key Vault could not be reached; try again later";
 *       default:
 *         return error.message;
 *     }
 *   }
 *   return String(error);
 * }
 * console.log(describe(new KvfetchError("ERR_TIMEOUT", "timed out")));
 * ```
 */
export type KvfetchErrorCode =
  | "ERR_HTTP_STATUS"
  | "ERR_NETWORK"
  | "ERR_TIMEOUT"
  | "ERR_INVALID_JSON"
  | "ERR_INVALID_RESPONSE"
  | "ERR_FOREIGN_NEXT_LINK"
  | "ERR_AUTHENTICATION"
  | "ERR_CREDENTIAL_UNAVAILABLE"
  | "ERR_TENANT_NOT_ALLOWED"
  | "ERR_INVALID_CERTIFICATE"
  | "ERR_CHALLENGE_INVALID"
  | "ERR_CHALLENGE_RESOURCE_MISMATCH"
  | "ERR_OPERATION_TIMEOUT"
  | "ERR_OPERATION_FAILED"
  | "ERR_FOREIGN_OPERATION_URL"
  | "ERR_RESPONSE_TOO_LARGE"
  | "ERR_PAGING_LOOP"
  | "ERR_PAGE_LIMIT"
  | "ERR_INVALID_TOKEN"
  | "ERR_INVALID_JWK"
  | "ERR_NOT_SUPPORTED_LOCALLY"
  | "ERR_INVALID_SIGNATURE"
  | "ERR_KEY_OPERATION_FORBIDDEN"
  | "ERR_INVALID_JWT"
  | "ERR_PKCS12_NOT_SUPPORTED";

/**
 * The base class of every error kvfetch raises about the outside world.
 *
 * `code` is stable across releases; `message` is for people and may change. `cause`, when set,
 * is the lower-level error (for example the `TypeError` a failed `fetch` rejected with).
 *
 * @example Catching any kvfetch error
 * ```ts
 * import { KvfetchError } from "kvfetch";
 *
 * try {
 *   throw new KvfetchError("ERR_NETWORK", "GET https://example.vault.azure.net/secrets failed");
 * } catch (error) {
 *   if (error instanceof KvfetchError) console.log(error.code, error.message);
 * }
 * ```
 */
export class KvfetchError extends Error {
  /** The stable machine-readable code of this error. */
  readonly code: KvfetchErrorCode;

  /**
   * Creates an error with a stable code.
   *
   * @param code The stable code.
   * @param message A human-readable message. It must never contain a secret.
   * @param options `cause`: the lower-level error, if any.
   */
  constructor(code: KvfetchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // V8 only; keeps the constructor out of the stack trace.
    (Error as { captureStackTrace?: (target: object, ctor: unknown) => void })
      .captureStackTrace?.(this, new.target);
  }

  /**
   * What `JSON.stringify(error)` writes: `name`, `code`, `message` and the error's own
   * enumerable properties (for a {@link RestError}: `status`, `statusCode`, `errorCode`, the
   * request ids, …). None of them ever holds a token, a secret or a response body; the
   * `response` and `cause` are left out.
   *
   * @returns A plain object for JSON.
   */
  toJSON(): Record<string, unknown> {
    const own: Record<string, unknown> = Object.fromEntries(Object.entries(this));
    return { name: this.name, code: this.code, message: this.message, ...own };
  }

  static {
    // On the prototype, not the instance: survives minification and stays non-enumerable.
    this.prototype.name = "KvfetchError";
  }
}

/**
 * What a {@link RestError} is built from.
 *
 * @example A RestError for a test double
 * ```ts
 * import { RestError, type RestErrorInit } from "kvfetch";
 *
 * const init: RestErrorInit = {
 *   status: 404,
 *   method: "GET",
 *   url: "https://myvault.vault.azure.net/secrets/db/",
 *   errorCode: "SecretNotFound",
 * };
 * console.log(new RestError(init).message);
 * ```
 */
export interface RestErrorInit {
  /** The HTTP status of the response. */
  status: number;
  /** The request method. */
  method: string;
  /** The request URL; only its origin and path are kept. */
  url: string;
  /** Azure's `error.code`, e.g. `SecretNotFound`. */
  errorCode?: string | undefined;
  /** The code of the innermost `innererror`, e.g. `ObjectIsBeingRecovered`. */
  innerErrorCode?: string | undefined;
  /** Azure's `error.message`. */
  serviceMessage?: string | undefined;
  /** The `x-ms-request-id` response header. */
  requestId?: string | undefined;
  /** The `x-ms-client-request-id` kvfetch sent. */
  clientRequestId?: string | undefined;
  /** How many times the request was sent. */
  attempts?: number | undefined;
  /** The response, attached as a non-enumerable property. */
  response?: Response | undefined;
  /** Overrides the message built from the fields above. */
  message?: string | undefined;
}

/**
 * An HTTP response with a status the operation did not expect, with Azure's error details.
 *
 * For code written against the official SDK: `isRestError()` from `@azure/core-rest-pipeline`
 * is true for it, and `statusCode` is the HTTP status as there. `code` is kvfetch's stable
 * `ERR_HTTP_STATUS` (as on every {@link KvfetchError}); Azure's error code, which the
 * official `RestError` puts in `code` (e.g. `SecretNotFound`), is `errorCode` here.
 *
 * Azure services answer errors with `{"error":{"code","message","innererror":{...}}}`;
 * `errorCode` is `error.code` and `innerErrorCode` the code of the innermost `innererror`.
 * The `Response` is attached as the non-enumerable `response` property, so logging or
 * serialising the error never copies a body.
 *
 * @example Handling a missing secret
 * ```ts
 * import { RestError } from "kvfetch";
 *
 * const error = new RestError({
 *   status: 404,
 *   method: "GET",
 *   url: "https://myvault.vault.azure.net/secrets/db-password/",
 *   errorCode: "SecretNotFound",
 *   serviceMessage: "A secret with (name/id) db-password was not found in this key vault.",
 * });
 * if (error.status === 404 && error.errorCode === "SecretNotFound") {
 *   console.log("not there yet");
 * }
 * ```
 */
export class RestError extends KvfetchError {
  /** The HTTP status of the response. */
  readonly status: number;
  /** The request method. */
  readonly method: string;
  /** The request URL without its query string. */
  readonly url: string;
  /** Azure's `error.code`, when the body carried one. */
  readonly errorCode: string | undefined;
  /** The code of the innermost `innererror`, when the body carried one. */
  readonly innerErrorCode: string | undefined;
  /** The `x-ms-request-id` response header: quote it to Azure support. */
  readonly requestId: string | undefined;
  /** The `x-ms-client-request-id` kvfetch sent with the request. */
  readonly clientRequestId: string | undefined;
  /** How many times the request was sent (1 when it was not retried). */
  readonly attempts: number;
  /** The response. Non-enumerable; its body may already have been read. */
  declare readonly response: Response | undefined;

  /**
   * Creates the error; the message is built from the fields unless `init.message` is given.
   *
   * @param init The status, request and Azure error details.
   */
  constructor(init: RestErrorInit) {
    const url = stripQuery(init.url);
    const detail = init.errorCode ? ` (${init.errorCode})` : "";
    const why = init.serviceMessage ? `: ${init.serviceMessage}` : "";
    super(
      "ERR_HTTP_STATUS",
      init.message ?? `${init.method} ${url} failed with status ${init.status}${detail}${why}`,
    );
    this.status = init.status;
    this.method = init.method;
    this.url = url;
    this.errorCode = init.errorCode;
    this.innerErrorCode = init.innerErrorCode;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.attempts = init.attempts ?? 1;
    attachResponse(this, init.response);
  }

  /**
   * The HTTP status, under the name `@azure/core-rest-pipeline`'s `RestError` uses: the same
   * value as {@link RestError.status}, so that a handler written for the official SDK
   * (`isRestError(e) && e.statusCode === 404`) works unchanged.
   */
  get statusCode(): number {
    return this.status;
  }

  /**
   * {@link KvfetchError.toJSON} plus `statusCode`.
   *
   * @returns A plain object for JSON.
   */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), statusCode: this.status };
  }

  static {
    this.prototype.name = "RestError";
  }
}

/**
 * Attaches a response to an error as a non-enumerable `response` property, so that logging or
 * serialising the error never copies the response (or its body).
 */
export function attachResponse(error: Error, response: Response | undefined): void {
  Object.defineProperty(error, "response", {
    value: response,
    enumerable: false,
    writable: false,
    configurable: true,
  });
}
