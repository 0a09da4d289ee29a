/**
 * `ChainedTokenCredential`: try credentials in order.
 *
 * @module
 */

import { KvfetchError } from "../http/errors.ts";
import { CredentialUnavailableError } from "./errors.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";

/**
 * Tries each credential in order and returns the first token. A credential that fails with
 * {@link CredentialUnavailableError} (or `@azure/identity`'s error of that name) passes the
 * turn to the next; any other failure ends the chain, because it means the credential was
 * configured but is wrong. Once a credential has succeeded, it is asked first from then on.
 *
 * @example Managed identity on Azure, a client secret elsewhere
 * ```ts
 * import { ChainedTokenCredential } from "kvfetch/auth";
 * import { ManagedIdentityCredential } from "kvfetch/auth";
 * import { ClientSecretCredential } from "kvfetch/auth";
 *
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator(); // on Azure: no fetch options
 * const credential = new ChainedTokenCredential(
 *   // Not on Azure here: unavailable, so the next one is tried.
 *   new ManagedIdentityCredential({ env: {}, fetch: () => Promise.reject(new TypeError("offline")) }),
 *   new ClientSecretCredential({
 *     tenantId: emulator.env.AZURE_TENANT_ID,
 *     clientId: emulator.env.AZURE_CLIENT_ID,
 *     clientSecret: emulator.env.AZURE_CLIENT_SECRET,
 *     fetch: emulator.fetch,
 *   }),
 * );
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true
 * ```
 */
export class ChainedTokenCredential implements TokenCredential {
  readonly #sources: TokenCredential[];
  #preferred: TokenCredential | undefined;

  /**
   * Creates the chain.
   *
   * @param sources The credentials, in the order to try them.
   */
  constructor(...sources: TokenCredential[]) {
    if (sources.length === 0) {
      throw new TypeError("ChainedTokenCredential needs at least one credential");
    }
    for (const source of sources) {
      if (typeof source?.getToken !== "function") {
        throw new TypeError("Every credential of a chain must have a getToken() method");
      }
    }
    this.#sources = sources;
  }

  /**
   * Returns the first token any credential gives.
   *
   * @param scopes Passed to each credential.
   * @param options Passed to each credential.
   *
   * @throws {AuthenticationError} When Microsoft Entra ID refuses to issue a token (`error`,
   *   `errorCodes`).
   * @throws {CredentialUnavailableError} When the credential cannot work here.
   * @throws {KvfetchError} When the token endpoint cannot be reached (`ERR_NETWORK`, `ERR_TIMEOUT`).
   * @throws {TypeError} When the scopes or options are invalid.
   */
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const order = this.#preferred
      ? [this.#preferred, ...this.#sources.filter((s) => s !== this.#preferred)]
      : this.#sources;
    const reasons: string[] = [];
    const causes: unknown[] = [];
    for (const source of order) {
      try {
        const token = await source.getToken(scopes, options);
        if (!token) throw new CredentialUnavailableError(`${nameOf(source)} returned no token`);
        this.#preferred = source;
        return token;
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        reasons.push(`${nameOf(source)}: ${(error as Error).message}`);
        causes.push(error);
      }
    }
    throw new CredentialUnavailableError(
      `No credential in the chain could get a token:\n- ${reasons.join("\n- ")}`,
      { cause: causes },
    );
  }
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof KvfetchError) return error.code === "ERR_CREDENTIAL_UNAVAILABLE";
  return (error as Error)?.name === "CredentialUnavailableError";
}

function nameOf(source: TokenCredential): string {
  return (source as { constructor?: { name?: string } }).constructor?.name || "credential";
}
