/**
 * `ChallengeCallbackCredential`: a token from your own callback, given the vault's challenge.
 *
 * @module
 */

import { jwtExpiry } from "./_jwt.ts";
import { type AzureCloud, type AzureCloudName, resolveCloud } from "./clouds.ts";
import { checkScopes } from "./_confidential_client.ts";
import { CredentialUnavailableError } from "./errors.ts";
import { cachedToken, cacheKey, objectId } from "./token_cache.ts";
import type { AccessToken, GetTokenOptions, KeyVaultChallenge, TokenCredential } from "./types.ts";

/**
 * What a {@link ChallengeCallback} is told: the Key Vault challenge (authority, resource,
 * scope, tenant, claims) and the scopes the client asked for.
 *
 * @example
 * ```ts
 * import { ChallengeCallbackCredential, type ChallengeContext } from "kvfetch/auth";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const seen: ChallengeContext[] = [];
 * const credential = new ChallengeCallbackCredential(async (context) => {
 *   seen.push(context);
 *   return (await emulator.credential().getToken(context.scope))!; // your own token service here
 * });
 * const options = { fetch: emulator.fetch }; // against Azure: leave out fetch
 * const client = new SecretClient(emulator.vaultUrl("myvault"), credential, options);
 * await client.setSecret("db-password", "s3cret"); // the vault's challenge calls the callback
 * console.log(`${seen[0]?.authority} → ${seen[0]?.resource}`); // https://login…/{tenant} → https://vault…
 * ```
 */
export interface ChallengeContext extends KeyVaultChallenge {
  /** The scopes the client asked for. */
  scopes: string[];
  /** Cancels the work. */
  abortSignal?: AbortSignal | undefined;
}

/**
 * Returns a token for a challenge: the token text, or an {@link AccessToken} with its expiry.
 *
 * @example
 * ```ts
 * import { ChallengeCallbackCredential, type ChallengeCallback } from "kvfetch/auth";
 * import { KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const entra = emulator.credential(); // stands for your own token service
 * const callback: ChallengeCallback = async ({ tenantId, scope }) => {
 *   console.log("token needed for", tenantId, scope);
 *   return (await entra.getToken(scope))!; // an AccessToken: cached until it expires
 * };
 * const credential = new ChallengeCallbackCredential(callback);
 * const keys = new KeyClient(emulator.vaultUrl("myvault"), credential, { fetch: emulator.fetch });
 * console.log((await keys.createEcKey("signer")).keyType); // EC
 * ```
 */
export type ChallengeCallback = (
  challenge: ChallengeContext,
) => string | AccessToken | Promise<string | AccessToken>;

/**
 * Calls your function with what the vault's `WWW-Authenticate` challenge said (authority,
 * resource, scope, tenant, claims) and uses the token it returns: the modern form of the older
 * Key Vault SDKs' `KeyVaultAuthentication(callback(server, resource, scope))`.
 *
 * Tokens are cached while valid when the callback gives their expiry (an {@link AccessToken},
 * or a JWT with `exp`); an opaque string is used once and the callback is asked again next
 * time. Used outside a challenge (e.g. with a pre-seeded tenant), the authority is built from
 * the cloud's authority host and the requested tenant.
 *
 * @example Migrating from `KeyVaultAuthentication(callback)`
 * ```ts
 * import { ChallengeCallbackCredential } from "kvfetch/auth";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const entra = emulator.credential(); // stands for your own token service
 * const credential = new ChallengeCallbackCredential(async ({ authority, resource }) => {
 *   console.log(authority, resource); // what KeyVaultAuthentication's callback got
 *   const token = await entra.getToken(`${resource}/.default`);
 *   return { token: token!.token, expiresOnTimestamp: token!.expiresOnTimestamp };
 * });
 * const options = { fetch: emulator.fetch }; // against Azure: leave out fetch
 * const client = new SecretClient(emulator.vaultUrl("myvault"), credential, options);
 * await client.setSecret("db-password", "s3cret");
 * console.log((await client.getSecret("db-password")).value); // s3cret
 * ```
 */
export class ChallengeCallbackCredential implements TokenCredential {
  readonly #callback: ChallengeCallback;
  readonly #cloud: AzureCloud;
  readonly #now: () => number;

  /**
   * Creates the credential.
   *
   * @param callback Returns a token for a challenge.
   * @param options `cloud` (for the authority when there was no challenge) and `now`.
   */
  constructor(
    callback: ChallengeCallback,
    options: { cloud?: AzureCloudName | AzureCloud; now?: () => number } = {},
  ) {
    if (typeof callback !== "function") {
      throw new TypeError("ChallengeCallbackCredential needs a callback function");
    }
    this.#callback = callback;
    this.#cloud = resolveCloud(options.cloud);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Asks the callback for a token (or returns a cached one).
   *
   * @param scopes The scopes the client needs.
   * @param options The challenge (set by kvfetch clients), tenant, claims, cancellation.
   *
   * @throws {AuthenticationError} When Microsoft Entra ID refuses to issue a token (`error`,
   *   `errorCodes`).
   * @throws {CredentialUnavailableError} When the credential cannot work here.
   * @throws {KvfetchError} When the token endpoint cannot be reached (`ERR_NETWORK`, `ERR_TIMEOUT`).
   * @throws {TypeError} When the scopes or options are invalid.
   */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const list = checkScopes(scopes);
    const scope = options.challenge?.scope ?? list[0]!;
    const tenantId = options.challenge?.tenantId ?? options.tenantId ?? "";
    const context: ChallengeContext = {
      authority: options.challenge?.authority ??
        `${this.#cloud.authorityHost}${tenantId ? `/${tenantId}` : ""}`,
      resource: options.challenge?.resource ?? scope.replace(/\/\.default$/, ""),
      scope,
      tenantId,
      claims: options.claims ?? options.challenge?.claims,
      scopes: list,
      abortSignal: options.abortSignal,
    };
    return await cachedToken({
      key: cacheKey({
        kind: "callback",
        authority: context.authority,
        tenantId,
        clientId: "",
        scopes: list,
        cae: options.enableCae === true,
        proof: objectId(this.#callback),
      }),
      now: this.#now,
      bypass: !!context.claims || options.forceRefresh === true,
      claims: context.claims,
      signal: options.abortSignal,
      acquire: async () => toAccessToken(await this.#callback(context), this.#now()),
    });
  }
}

function toAccessToken(value: string | AccessToken, now: number): AccessToken {
  if (typeof value === "string") {
    if (value.trim() === "") throw new CredentialUnavailableError("The callback returned no token");
    // An opaque token's expiry is unknown: use it once, never serve it from the cache.
    return { token: value, expiresOnTimestamp: jwtExpiry(value) ?? now, tokenType: "Bearer" };
  }
  if (!value || typeof value.token !== "string" || typeof value.expiresOnTimestamp !== "number") {
    throw new CredentialUnavailableError(
      "The callback must return a token string or { token, expiresOnTimestamp }",
    );
  }
  return value;
}
