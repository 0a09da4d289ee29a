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
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator(); // on Azure: your tenant, app and secret, and no fetch
 * const credential = new ClientSecretCredential({
 *   tenantId: emulator.env.AZURE_TENANT_ID,
 *   clientId: emulator.env.AZURE_CLIENT_ID,
 *   clientSecret: emulator.env.AZURE_CLIENT_SECRET,
 *   fetch: emulator.fetch,
 * });
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true
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
