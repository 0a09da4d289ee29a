/**
 * The errors raised while acquiring tokens.
 *
 * @module
 */

import { attachResponse, KvfetchError } from "../http/errors.ts";

/**
 * The fields of an Entra ID (OAuth 2.0) error response that {@link AuthenticationError} keeps.
 *
 * @example An AuthenticationError for a test double
 * ```ts
 * import { AuthenticationError, type AuthenticationErrorInit } from "kvfetch";
 *
 * const init: AuthenticationErrorInit = {
 *   message: "The token request was refused (401 invalid_client)",
 *   status: 401,
 *   error: "invalid_client",
 *   errorCodes: [7000215],
 * };
 * console.log(new AuthenticationError(init).code);
 * ```
 */
export interface AuthenticationErrorInit {
  /** A message without any secret, token or assertion. */
  message: string;
  /** The HTTP status of the token response, when there was one. */
  status?: number | undefined;
  /** The OAuth `error`, e.g. `invalid_client`. */
  error?: string | undefined;
  /** The OAuth `error_description` (with any secret that was sent cut out). */
  errorDescription?: string | undefined;
  /** Entra's `error_codes`, the AADSTS numbers, e.g. `[7000215]`. */
  errorCodes?: number[] | undefined;
  /** Entra's `trace_id`. */
  traceId?: string | undefined;
  /** Entra's `correlation_id`. */
  correlationId?: string | undefined;
  /** Entra's `timestamp`. */
  timestamp?: string | undefined;
  /** The lower-level error, if any. */
  cause?: unknown;
  /** The response, attached as a non-enumerable property. */
  response?: Response | undefined;
}

/**
 * Microsoft Entra ID (or a managed identity endpoint) refused to issue a token. Carries the
 * OAuth error fields Entra returns; quote `traceId`, `correlationId` and `timestamp` to Azure
 * support. Never contains the client secret, the client assertion or a token.
 *
 * @example Reacting to a wrong or expired client secret
 * ```ts
 * import { AuthenticationError } from "kvfetch/auth";
 *
 * function hint(error: unknown): string | undefined {
 *   if (error instanceof AuthenticationError && error.errorCodes?.includes(7000215)) {
 *     return "The client secret is wrong: use the secret's value, not its id";
 *   }
 *   return undefined;
 * }
 * console.log(hint(new AuthenticationError({ message: "x", errorCodes: [7000215] })));
 * ```
 */
export class AuthenticationError extends KvfetchError {
  /** The HTTP status of the token response, when there was one. */
  readonly status: number | undefined;
  /** The OAuth `error`, e.g. `invalid_client` or `unauthorized_client`. */
  readonly error: string | undefined;
  /** The OAuth `error_description`. */
  readonly errorDescription: string | undefined;
  /** Entra's AADSTS error numbers. */
  readonly errorCodes: number[] | undefined;
  /** Entra's `trace_id`. */
  readonly traceId: string | undefined;
  /** Entra's `correlation_id`. */
  readonly correlationId: string | undefined;
  /** Entra's `timestamp`. */
  readonly timestamp: string | undefined;
  /** The token response. Non-enumerable. */
  declare readonly response: Response | undefined;

  /**
   * Creates the error.
   *
   * @param init The message and the OAuth error fields.
   */
  constructor(init: AuthenticationErrorInit) {
    super("ERR_AUTHENTICATION", init.message, { cause: init.cause });
    this.status = init.status;
    this.error = init.error;
    this.errorDescription = init.errorDescription;
    this.errorCodes = init.errorCodes;
    this.traceId = init.traceId;
    this.correlationId = init.correlationId;
    this.timestamp = init.timestamp;
    attachResponse(this, init.response);
  }

  /**
   * The HTTP status under the name `@azure/identity`'s `AuthenticationError` uses: the same
   * value as {@link AuthenticationError.status}.
   */
  get statusCode(): number | undefined {
    return this.status;
  }

  static {
    this.prototype.name = "AuthenticationError";
  }
}

/**
 * A credential cannot work in this environment: no managed identity endpoint answered, a
 * required setting is missing, or a static token has expired. {@link ChainedTokenCredential}
 * moves on to its next credential on this error, and only on this one.
 *
 * @example Falling back when managed identity is not available
 * ```ts
 * import { CredentialUnavailableError } from "kvfetch/auth";
 *
 * const error: unknown = new CredentialUnavailableError("no managed identity endpoint");
 * if (error instanceof CredentialUnavailableError) console.log("try another credential");
 * ```
 */
export class CredentialUnavailableError extends KvfetchError {
  /**
   * Creates the error.
   *
   * @param message What is missing and how to provide it.
   * @param options `cause`: the lower-level error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_CREDENTIAL_UNAVAILABLE", message, options);
  }

  static {
    this.prototype.name = "CredentialUnavailableError";
  }
}
