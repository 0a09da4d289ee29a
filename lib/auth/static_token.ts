/**
 * `StaticTokenCredential`: a token you already have.
 *
 * @module
 */

import { jwtExpiry } from "./_jwt.ts";
import { CredentialUnavailableError } from "./errors.ts";
import { checkScopes } from "./_confidential_client.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";
import { throwIfAborted } from "../http/_abort.ts";
import { isHeaderSafe } from "./_token.ts";

/**
 * Hands out one token you obtained elsewhere (a CLI, a token broker, a test). When you give a
 * JWT without `expiresOnTimestamp`, its `exp` claim is used. Once the token has expired,
 * `getToken` fails with a {@link CredentialUnavailableError} instead of returning it. A token
 * with characters that cannot go into an HTTP header (anything but visible ASCII) is refused
 * at once with a `TypeError`.
 *
 * @example
 * ```ts
 * import { StaticTokenCredential } from "kvfetch/auth";
 *
 * const credential = new StaticTokenCredential({
 *   token: "opaque-or-jwt",
 *   expiresOnTimestamp: Date.now() + 30 * 60_000,
 * });
 * const { token } = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token.length);
 * ```
 */
export class StaticTokenCredential implements TokenCredential {
  readonly #token: AccessToken;
  readonly #now: () => number;

  /**
   * Creates the credential.
   *
   * @param token A JWT (its `exp` gives the expiry), or the token and its expiry.
   * @param options `now`: the clock, for tests.
   */
  constructor(
    token: string | { token: string; expiresOnTimestamp?: number },
    options: { now?: () => number } = {},
  ) {
    const value = typeof token === "string" ? token : token?.token;
    if (typeof value !== "string" || value.trim() === "") {
      throw new TypeError('"token" must be a non-empty string');
    }
    if (!isHeaderSafe(value)) {
      throw new TypeError(
        '"token" may only contain visible ASCII characters: no spaces, line breaks, control ' +
          "or non-ASCII characters (trim what you read from a file or command)",
      );
    }
    let expires = typeof token === "string" ? undefined : token.expiresOnTimestamp;
    // Not a JWT: the expiry must be given.
    expires ??= jwtExpiry(value);
    if (typeof expires !== "number" || Number.isNaN(expires)) {
      throw new TypeError(
        '"expiresOnTimestamp" is required unless the token is a JWT with an "exp" claim',
      );
    }
    this.#token = { token: value, expiresOnTimestamp: expires, tokenType: "Bearer" };
    this.#now = options.now ?? Date.now;
  }

  /**
   * Returns the token while it is valid.
   *
   * @param scopes Checked for shape only: the token is what it is.
   * @param options Only `abortSignal` is honoured.
   *
   * @throws {CredentialUnavailableError} When the token has expired.
   * @throws {TypeError} When the scopes are invalid.
   */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    try {
      checkScopes(scopes);
      throwIfAborted(options?.abortSignal);
    } catch (error) {
      // A promise-returning method reports every failure as a rejection.
      return Promise.reject(error);
    }
    if (this.#now() >= this.#token.expiresOnTimestamp) {
      return Promise.reject(
        new CredentialUnavailableError("The static token has expired; provide a new one"),
      );
    }
    return Promise.resolve({ ...this.#token });
  }
}
