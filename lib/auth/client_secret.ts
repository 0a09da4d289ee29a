/**
 * `ClientSecretCredential`: an application authenticating with a client secret.
 *
 * @module
 */

import { ConfidentialClient } from "./_confidential_client.ts";
import { clientSecretBasic, clientSecretPost } from "./token_endpoint.ts";
import { fingerprint } from "./token_cache.ts";
import type {
  AccessToken,
  ClientCredentialOptions,
  GetTokenOptions,
  TokenCredential,
} from "./types.ts";

/**
 * Options of {@link ClientSecretCredential}.
 *
 * @example
 * ```ts
 * import type { ClientSecretCredentialOptions } from "kvfetch/auth";
 *
 * const options: ClientSecretCredentialOptions = {
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   clientSecret: "read-me-from-a-secret-store",
 *   authMethod: "basic",
 * };
 * console.log(options.authMethod);
 * ```
 */
export interface ClientSecretCredentialOptions extends ClientCredentialOptions {
  /** The client secret's value (not its id). */
  clientSecret: string;
  /**
   * Where the secret goes: the form body (`post`, Entra's usual way) or an HTTP Basic
   * `Authorization` header (`basic`).
   * @default "post"
   */
  authMethod?: "post" | "basic";
}

/**
 * Authenticates an application (service principal) with a client secret, using the OAuth 2.0
 * client-credentials grant against Microsoft Entra ID. Tokens are cached process-wide and
 * refreshed ahead of expiry; re-creating the credential with the same identity reuses them.
 *
 * @example A token from the emulator's Entra ID (on Azure, leave out `fetch`)
 * ```ts
 * import { ClientSecretCredential } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator();
 * const env = emulator.env; // Deno.env.toObject(), a Worker's env, process.env
 * const credential = new ClientSecretCredential({
 *   tenantId: env.AZURE_TENANT_ID,
 *   clientId: env.AZURE_CLIENT_ID,
 *   clientSecret: env.AZURE_CLIENT_SECRET,
 *   fetch: emulator.fetch,
 * });
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true; never log token.token
 * ```
 */
export class ClientSecretCredential implements TokenCredential {
  readonly #client: ConfidentialClient;

  /**
   * Creates the credential. Checks every option at once; sends nothing yet.
   *
   * @param options The tenant, the application and its secret.
   */
  constructor(options: ClientSecretCredentialOptions) {
    const secret = options?.clientSecret;
    if (typeof secret !== "string" || secret.trim() === "") {
      throw new TypeError('"clientSecret" must be a non-empty string');
    }
    const method = options.authMethod ?? "post";
    if (method !== "post" && method !== "basic") {
      throw new TypeError('"authMethod" option must be "post" or "basic"');
    }
    const auth = method === "post" ? clientSecretPost(secret) : clientSecretBasic(secret);
    let proof: Promise<string> | undefined;
    this.#client = new ConfidentialClient(
      "secret",
      options,
      auth,
      () => proof ??= fingerprint(secret),
    );
  }

  /**
   * Gets a token for `scopes`, from the cache when it holds a valid one.
   *
   * @param scopes One resource's `.default` scope, e.g. `https://vault.azure.net/.default`.
   * @param options Tenant, claims, CAE and cancellation.
   *
   * @throws {AuthenticationError} When Microsoft Entra ID refuses to issue a token (`error`,
   *   `errorCodes`).
   * @throws {CredentialUnavailableError} When the credential cannot work here.
   * @throws {KvfetchError} When the token endpoint cannot be reached (`ERR_NETWORK`, `ERR_TIMEOUT`).
   * @throws {TypeError} When the scopes or options are invalid.
   */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    return this.#client.getToken(scopes, options);
  }
}
