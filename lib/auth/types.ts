/**
 * The credential contract, shape-compatible with `TokenCredential` from `@azure/core-auth`:
 * any `@azure/identity` credential works with kvfetch clients, and kvfetch credentials work with
 * the official Azure SDK clients.
 *
 * @module
 */

import type { HttpOptions } from "../http/send.ts";
import type { AzureCloud, AzureCloudName } from "./clouds.ts";

/**
 * What a Key Vault `WWW-Authenticate` challenge said, as kvfetch clients pass it to
 * {@link TokenCredential.getToken} (a kvfetch extension; other credentials ignore it).
 *
 * @example The challenge of a vault in the public cloud
 * ```ts
 * import type { KeyVaultChallenge } from "kvfetch/auth";
 *
 * const challenge: KeyVaultChallenge = {
 *   authority: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   resource: "https://vault.azure.net",
 *   scope: "https://vault.azure.net/.default",
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 * };
 * console.log(challenge.scope);
 * ```
 */
export interface KeyVaultChallenge {
  /** The authority URL, including the tenant: `https://login.microsoftonline.com/{tenant}`. */
  authority: string;
  /** The resource (audience) the token is for, e.g. `https://vault.azure.net`. */
  resource: string;
  /** The scope to ask for, e.g. `https://vault.azure.net/.default`. */
  scope: string;
  /** The tenant, taken from the authority's path. */
  tenantId: string;
  /** Decoded claims the service demands (CAE), when the challenge carried any. */
  claims?: string | undefined;
}

/**
 * Options of {@link TokenCredential.getToken}, as in `@azure/core-auth`, plus two kvfetch
 * extensions that other credentials ignore.
 *
 * @example Asking for a CAE-capable token for Key Vault
 * ```ts
 * import type { GetTokenOptions } from "kvfetch/auth";
 *
 * const options: GetTokenOptions = { enableCae: true, abortSignal: AbortSignal.timeout(5_000) };
 * console.log(options.enableCae);
 * ```
 */
export interface GetTokenOptions {
  /** Cancels the token request. */
  abortSignal?: AbortSignal | undefined;
  /** The tenant to ask (for example the one a Key Vault challenge named). */
  tenantId?: string | undefined;
  /** Claims the resource demands, as a JSON string (from a CAE `insufficient_claims` challenge). */
  claims?: string | undefined;
  /** Ask for a Continuous Access Evaluation token (sends the `cp1` client capability). */
  enableCae?: boolean | undefined;
  /** kvfetch extension: ignore any cached token and get a new one. */
  forceRefresh?: boolean | undefined;
  /** kvfetch extension: the Key Vault challenge that led to this request. */
  challenge?: KeyVaultChallenge | undefined;
}

/**
 * An access token and when it expires, as in `@azure/core-auth`.
 *
 * @example A token that expires in an hour
 * ```ts
 * import type { AccessToken } from "kvfetch/auth";
 *
 * const token: AccessToken = { token: "eyJ0eXAi…", expiresOnTimestamp: Date.now() + 3_600_000 };
 * console.log(token.expiresOnTimestamp > Date.now());
 * ```
 */
export interface AccessToken {
  /** The bearer token. Never log it. */
  token: string;
  /** When it expires, in milliseconds since the epoch. */
  expiresOnTimestamp: number;
  /** When it should be refreshed, in milliseconds since the epoch (from `refresh_in`). */
  refreshAfterTimestamp?: number | undefined;
  /** The token type; kvfetch only ever issues `Bearer`. */
  tokenType?: "Bearer" | "pop" | undefined;
}

/**
 * Something that can produce access tokens: every kvfetch credential, and every credential of
 * `@azure/identity`.
 *
 * @example A credential of your own
 * ```ts
 * import type { TokenCredential } from "kvfetch/auth";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const inner = emulator.credential(); // any credential: yours, kvfetch's, @azure/identity's
 * const logged: TokenCredential = {
 *   getToken(scopes, options) {
 *     console.log("asked for", scopes); // [ "https://vault.azure.net/.default" ]
 *     return inner.getToken(scopes, options);
 *   },
 * };
 * const client = new SecretClient(emulator.vaultUrl("myvault"), logged, { fetch: emulator.fetch });
 * console.log((await client.setSecret("db-password", "s3cret")).name); // db-password
 * ```
 */
export interface TokenCredential {
  /**
   * Gets a token for `scopes` (for Azure, one resource's `.default` scope, such as
   * `https://vault.azure.net/.default`). Resolves to `null` only for third-party credentials
   * that follow `@azure/core-auth` to the letter; kvfetch treats that as a failure.
   */
  getToken(
    scopes: string | string[],
    options?: GetTokenOptions,
  ): Promise<AccessToken | null>;
}

/**
 * Options shared by the credentials that authenticate an application (service principal) with
 * Microsoft Entra ID's client-credentials grant.
 *
 * @example
 * ```ts
 * import type { ClientCredentialOptions } from "kvfetch/auth";
 *
 * const common: ClientCredentialOptions = {
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   cloud: "usGovernment",
 * };
 * console.log(common.cloud);
 * ```
 */
export interface ClientCredentialOptions extends Omit<HttpOptions, "signal"> {
  /** The directory (tenant) id: a GUID or a domain such as `contoso.onmicrosoft.com`. */
  tenantId: string;
  /** The application (client) id. */
  clientId: string;
  /**
   * The Entra ID authority host. Overrides the cloud's.
   * @default the cloud's authority host, `https://login.microsoftonline.com` for the public cloud
   */
  authorityHost?: string;
  /**
   * The Azure cloud: `public`, `china`, `usGovernment` or an {@link AzureCloud} object.
   * @default "public"
   */
  cloud?: AzureCloudName | AzureCloud;
  /**
   * Other tenants this credential may get tokens for when a caller (such as a Key Vault
   * challenge) names one; `"*"` allows any. Without it, a request for another tenant fails.
   */
  additionallyAllowedTenants?: string[];
  /**
   * Allow a plain `http:` authority host, for loopback hosts only (local test servers).
   * Never use it in production.
   * @default false
   */
  allowInsecureLoopback?: boolean;
}
