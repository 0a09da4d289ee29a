/**
 * Microsoft Entra ID token acquisition for kvfetch clients, the official Azure SDK, or your own
 * `fetch` calls: client secret, certificate, federated (workload identity) assertion, managed
 * identity, environment-driven selection, chains, static tokens and challenge callbacks.
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/auth`.
 *
 * @example A Key Vault token with a client secret
 * ```ts
 * import { ClientSecretCredential } from "kvfetch/auth";
 *
 * const credential = new ClientSecretCredential({
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   clientSecret: "from-a-secret-store",
 * });
 * // const { token } = await credential.getToken("https://vault.azure.net/.default");
 * console.log(typeof credential.getToken);
 * ```
 *
 * @module
 */

export { clearCaches } from "../http/caches.ts";
export { ChainedTokenCredential } from "./chained.ts";
export { ChallengeCallbackCredential } from "./challenge_callback.ts";
export type { ChallengeCallback, ChallengeContext } from "./challenge_callback.ts";
export { ClientAssertionCredential } from "./client_assertion.ts";
export type { ClientAssertionCredentialOptions } from "./client_assertion.ts";
export { ClientCertificateCredential } from "./client_certificate.ts";
export type { ClientCertificateCredentialOptions } from "./client_certificate.ts";
export { ClientSecretCredential } from "./client_secret.ts";
export type { ClientSecretCredentialOptions } from "./client_secret.ts";
export { AzureClouds } from "./clouds.ts";
export type { AzureCloud, AzureCloudName } from "./clouds.ts";
export { AuthenticationError, CredentialUnavailableError } from "./errors.ts";
export type { AuthenticationErrorInit } from "./errors.ts";
export { credentialFromEnv } from "./from_env.ts";
export type { CredentialFromEnvOptions } from "./from_env.ts";
export { ManagedIdentityCredential } from "./managed_identity.ts";
export type { ManagedIdentityCredentialOptions } from "./managed_identity.ts";
export { StaticTokenCredential } from "./static_token.ts";
export {
  clientAssertion,
  clientCredentialsRequest,
  clientSecretBasic,
  clientSecretPost,
  processTokenResponse,
} from "./token_endpoint.ts";
export type {
  ClientAuthentication,
  ClientAuthenticationContext,
  TokenRequest,
  TokenRequestParameters,
} from "./token_endpoint.ts";
export type {
  AccessToken,
  ClientCredentialOptions,
  GetTokenOptions,
  KeyVaultChallenge,
  TokenCredential,
} from "./types.ts";
