/**
 * `ClientAssertionCredential`: workload identity federation, where another identity provider
 * (Kubernetes, GitHub Actions, …) vouches for the application with a signed token.
 *
 * @module
 */

import { ConfidentialClient } from "./_confidential_client.ts";
import { clientAssertion } from "./token_endpoint.ts";
import { objectId } from "./token_cache.ts";
import type {
  AccessToken,
  ClientCredentialOptions,
  GetTokenOptions,
  TokenCredential,
} from "./types.ts";

/**
 * Options of {@link ClientAssertionCredential}.
 *
 * @example
 * ```ts
 * import { ClientAssertionCredential, type ClientAssertionCredentialOptions } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * // The identity provider whose tokens the app's registration trusts: here, another tenant.
 * const idp = createEmulator({ seed: "idp" });
 * const exchange = "api://AzureADTokenExchange/.default"; // the audience Entra asks of assertions
 * const jwksUrl = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
 * const jwks = await (await idp.fetch(jwksUrl)).json();
 * const issuer = `https://sts.windows.net/${idp.tenantId}/`, app = idp.apps[0]!;
 * const federated = { issuer, subject: app.objectId, jwks }; // what the app registration trusts
 * const emulator = createEmulator({ apps: [{ ...app, federated }] });
 * const options: ClientAssertionCredentialOptions = {
 *   tenantId: emulator.tenantId,
 *   clientId: app.clientId,
 *   getAssertion: async () => (await idp.credential().getToken(exchange))!.token,
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * };
 * const credential = new ClientAssertionCredential(options);
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true
 * ```
 */
export interface ClientAssertionCredentialOptions extends ClientCredentialOptions {
  /**
   * Returns a current assertion (a JWT issued by the federated identity provider). Called for
   * each token request, so it may re-read a file that the platform rotates. Define it once
   * (at module level) to let re-created credentials share cached tokens.
   */
  getAssertion: () => string | Promise<string>;
}

/**
 * Authenticates an application with a federated assertion: a token from another identity
 * provider that Microsoft Entra ID trusts for this application (a "federated credential").
 *
 * @example A managed identity's token as the assertion (a federated credential on the app)
 * ```ts
 * import { ClientAssertionCredential, ManagedIdentityCredential } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const home = createEmulator({ seed: "home" }); // the identity's tenant
 * const exchange = "api://AzureADTokenExchange/.default"; // the audience Entra asks of assertions
 * const identity = new ManagedIdentityCredential({ env: home.managedIdentityEnv, fetch: home.fetch });
 * const jwksUrl = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
 * const jwks = await (await home.fetch(jwksUrl)).json();
 * const issuer = `https://sts.windows.net/${home.tenantId}/`, subject = home.apps[0]!.objectId;
 * const app = { clientId: "00000000-0000-0000-0000-000000000001", clientSecret: "", objectId: "" };
 * const emulator = createEmulator({ apps: [{ ...app, federated: { issuer, subject, jwks } }] });
 * const credential = new ClientAssertionCredential({
 *   tenantId: emulator.tenantId, // the app's tenant
 *   clientId: app.clientId,
 *   getAssertion: async () => (await identity.getToken(exchange))!.token,
 *   fetch: emulator.fetch, // against Azure: leave out fetch, and the managed identity's env
 * });
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true
 * ```
 *
 * @example GitHub Actions OIDC (`permissions: id-token: write`)
 * ```ts
 * import { ClientAssertionCredential } from "kvfetch/auth";
 *
 * const env: Record<string, string | undefined> = {}; // process.env
 * async function gitHubOidcToken(): Promise<string> {
 *   const url = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL!);
 *   url.searchParams.set("audience", "api://AzureADTokenExchange");
 *   const response = await fetch(url, {
 *     headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
 *   });
 *   if (!response.ok) throw new Error(`GitHub OIDC token request failed: ${response.status}`);
 *   return ((await response.json()) as { value: string }).value;
 * }
 * const credential = new ClientAssertionCredential({
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   getAssertion: gitHubOidcToken,
 * });
 * if (env.ACTIONS_ID_TOKEN_REQUEST_URL) { // in a workflow job only: it needs GitHub's endpoint
 *   const token = await credential.getToken("https://vault.azure.net/.default");
 *   console.log(new Date(token!.expiresOnTimestamp)); // about an hour from now
 * }
 * ```
 */
export class ClientAssertionCredential implements TokenCredential {
  readonly #client: ConfidentialClient;

  /**
   * Creates the credential. Sends nothing yet.
   *
   * @param options The tenant, the application and where its assertions come from.
   */
  constructor(options: ClientAssertionCredentialOptions) {
    const getAssertion = options?.getAssertion;
    if (typeof getAssertion !== "function") {
      throw new TypeError('"getAssertion" must be a function returning a JWT');
    }
    const id = objectId(getAssertion);
    this.#client = new ConfidentialClient(
      "assertion",
      options,
      clientAssertion(() => getAssertion()),
      () => Promise.resolve(id),
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
