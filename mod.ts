/**
 * kvfetch: Azure Key Vault over `fetch` and Web Crypto, for Deno, Cloudflare Workers, Node and
 * Bun, with no SDK and no Node built-ins.
 *
 * This entry point re-exports every public name. The HTTP core is internal; what it exposes
 * are the shared option types, the paging types and the error classes every module raises.
 *
 * @example Telling kvfetch errors apart
 * ```ts
 * import { KvfetchError, RestError } from "kvfetch";
 *
 * function explain(error: unknown): string {
 *   if (error instanceof RestError) return `HTTP ${error.status} ${error.errorCode ?? ""}`;
 *   if (error instanceof KvfetchError) return error.code;
 *   throw error;
 * }
 * console.log(explain(new KvfetchError("ERR_NETWORK", "offline")));
 * ```
 *
 * @module
 */

export { KvfetchError, RestError } from "./lib/http/errors.ts";
export type { KvfetchErrorCode, RestErrorInit } from "./lib/http/errors.ts";
export { ResponseBodyError } from "./lib/http/json.ts";
export type { ValidationIssue } from "./lib/http/json.ts";
export type { FetchLike, HttpOptions, HttpRequest, HttpResult } from "./lib/http/send.ts";
export type { HttpLogEntry } from "./lib/http/log.ts";
export { VERSION } from "./lib/http/version.ts";
export type {
  HttpBody,
  HttpHeaders,
  WebCryptoKey,
  WebKeyImportAlgorithm,
  WebKeyUsage,
} from "./lib/http/web_types.ts";
export type { RetryOptions } from "./lib/http/retry.ts";
export type { Page, PagedAsyncIterableIterator, PageSettings } from "./lib/http/paging.ts";
export { clearCaches } from "./lib/http/caches.ts";

export {
  AuthenticationError,
  AzureClouds,
  ChainedTokenCredential,
  ChallengeCallbackCredential,
  clientAssertion,
  ClientAssertionCredential,
  ClientCertificateCredential,
  clientCredentialsRequest,
  clientSecretBasic,
  ClientSecretCredential,
  clientSecretPost,
  credentialFromEnv,
  CredentialUnavailableError,
  ManagedIdentityCredential,
  processTokenResponse,
  StaticTokenCredential,
} from "./lib/auth/mod.ts";
export type {
  AccessToken,
  AuthenticationErrorInit,
  AzureCloud,
  AzureCloudName,
  ChallengeCallback,
  ChallengeContext,
  ClientAssertionCredentialOptions,
  ClientAuthentication,
  ClientAuthenticationContext,
  ClientCertificateCredentialOptions,
  ClientCredentialOptions,
  ClientSecretCredentialOptions,
  CredentialFromEnvOptions,
  GetTokenOptions,
  KeyVaultChallenge,
  ManagedIdentityCredentialOptions,
  TokenCredential,
  TokenRequest,
  TokenRequestParameters,
} from "./lib/auth/mod.ts";

export { parseKeyVaultSecretIdentifier, SecretClient } from "./lib/keyvault/secrets.ts";
export type {
  DeletedSecret,
  DeletionRecoveryLevel,
  GetSecretOptions,
  KeyVaultSecret,
  KeyVaultSecretIdentifier,
  ListOptions,
  OperationOptions,
  PollOptions,
  SecretClientOptions,
  SecretProperties,
  SetSecretOptions,
  UpdateSecretPropertiesOptions,
  VaultClientOptions,
} from "./lib/keyvault/secrets.ts";

export {
  ArmError,
  ArmOperationError,
  armResponseOf,
  DEFAULT_RESOURCE_GROUPS_API_VERSION,
  DEFAULT_VAULTS_API_VERSION,
  ResourceGroupsClient,
  VaultsClient,
  waitForDataPlane,
} from "./lib/management/mod.ts";
export type {
  AccessPolicyEntry,
  AccessPolicyUpdateKind,
  ArmClientOptions,
  ArmErrorDetail,
  ArmErrorInit,
  ArmListOptions,
  ArmOperationErrorInit,
  ArmOperationOptions,
  ArmResponseInfo,
  CertificatePermission,
  CheckNameAvailabilityResult,
  DeletedVault,
  KeyPermission,
  LroOptions,
  NetworkRuleSet,
  Permissions,
  RecoverVaultOptions,
  Resource,
  ResourceGroup,
  ResourceGroupParameters,
  ResourceGroupsClientOptions,
  SecretPermission,
  Sku,
  SkuName,
  StoragePermission,
  SystemData,
  Vault,
  VaultAccessPolicyParameters,
  VaultCreateOrUpdateParameters,
  VaultPatchParameters,
  VaultProperties,
  VaultProvisioningState,
  VaultsClientOptions,
  WaitForDataPlaneOptions,
} from "./lib/management/mod.ts";

export {
  fromCryptoKey,
  fromDerSignature,
  fromPem,
  parseKeyVaultJwk,
  thumbprint,
  thumbprintUri,
  toCryptoKey,
  toDerSignature,
  toJwks,
  toPem,
} from "./lib/jwk/mod.ts";
export type {
  EncryptionAlgorithm,
  Jwk,
  Jwks,
  JwksInput,
  KeyCurveName,
  KeyOperation,
  KeyVaultJwk,
  KeyVaultKeyType,
  KeyWrapAlgorithm,
  ParsedKeyVaultJwk,
  ParseJwkOptions,
  SignatureAlgorithm,
  ThumbprintHash,
  ToCryptoKeyOptions,
  ToKeyVaultJwkOptions,
} from "./lib/jwk/mod.ts";

export {
  CryptographyClient,
  KeyClient,
  parseKeyVaultKeyIdentifier,
  signJwt,
  verifyJwt,
} from "./lib/keyvault/keys.ts";
export type {
  CreateEcKeyOptions,
  CreateKeyOptions,
  CreateOctKeyOptions,
  CreateRsaKeyOptions,
  CryptographyClientOptions,
  CryptographyOptions,
  CryptographyResultBase,
  DecryptParameters,
  DecryptResult,
  DeletedKey,
  EncryptParameters,
  EncryptResult,
  GetCryptographyClientOptions,
  GetKeyOptions,
  ImportKeyOptions,
  KeyAttestation,
  KeyAttributesOptions,
  KeyClientOptions,
  KeyProperties,
  KeyReleasePolicy,
  KeyRotationLifetimeAction,
  KeyRotationPolicy,
  KeyVaultKey,
  KeyVaultKeyIdentifier,
  ReleaseKeyOptions,
  ReleaseKeyResult,
  SignJwtOptions,
  SignResult,
  UpdateKeyPropertiesOptions,
  VerifiedJwt,
  VerifyJwtOptions,
  VerifyResult,
  WrapResult,
} from "./lib/keyvault/keys.ts";

export {
  CertificateClient,
  CertificateOperationFailedError,
  DefaultCertificatePolicy,
  parseKeyVaultCertificateIdentifier,
  publicCertificate,
  WellKnownIssuer,
} from "./lib/keyvault/certificates.ts";
export type {
  AdministratorContact,
  CertificateClientOptions,
  CertificateContact,
  CertificateContentType,
  CertificateIssuer,
  CertificateKeyCurveName,
  CertificateKeyType,
  CertificateOperation,
  CertificateOperationError,
  CertificatePolicy,
  CertificateProperties,
  CreateCertificateOptions,
  CreateIssuerOptions,
  DeletedCertificate,
  DownloadCertificateOptions,
  DownloadedCertificate,
  ImportCertificateOptions,
  IssuerProperties,
  KeyUsageType,
  KeyVaultCertificate,
  KeyVaultCertificateIdentifier,
  KeyVaultCertificateWithPolicy,
  LifetimeAction,
  ListCertificatesOptions,
  PublicCertificate,
  SubjectAlternativeNames,
  UpdateCertificatePropertiesOptions,
  UpdateIssuerOptions,
} from "./lib/keyvault/certificates.ts";
