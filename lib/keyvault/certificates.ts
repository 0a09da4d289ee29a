/**
 * Key Vault certificates: {@link CertificateClient}, its types, and the helpers that turn a
 * certificate into something a program can use ({@link publicCertificate}, and
 * `CertificateClient.downloadCertificate` for the chain and the private key).
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/certificates`.
 *
 * @example Create a self-signed certificate
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const certificate = await client.createCertificate("api-tls", {
 *   issuerName: "Self",
 *   subject: "CN=api.example.com",
 * });
 * console.log(certificate.policy?.subject, certificate.properties.expiresOn);
 * ```
 *
 * @module
 */

export { CertificateClient } from "./certificate_client.ts";
export type {
  CertificateClientOptions,
  CreateCertificateOptions,
  CreateIssuerOptions,
  ImportCertificateOptions,
  ListCertificatesOptions,
  UpdateCertificatePropertiesOptions,
  UpdateIssuerOptions,
} from "./certificate_client.ts";
export { CertificateOperationFailedError } from "./certificate_operation_failed.ts";
export {
  DefaultCertificatePolicy,
  parseKeyVaultCertificateIdentifier,
  WellKnownIssuer,
} from "./certificates_models.ts";
export type {
  AdministratorContact,
  CertificateContact,
  CertificateContentType,
  CertificateIssuer,
  CertificateKeyCurveName,
  CertificateKeyType,
  CertificateOperation,
  CertificateOperationError,
  CertificatePolicy,
  CertificateProperties,
  DeletedCertificate,
  IssuerProperties,
  KeyUsageType,
  KeyVaultCertificate,
  KeyVaultCertificateIdentifier,
  KeyVaultCertificateWithPolicy,
  LifetimeAction,
  SubjectAlternativeNames,
} from "./certificates_models.ts";
export { publicCertificate } from "./download_certificate.ts";
export type {
  DownloadCertificateOptions,
  DownloadedCertificate,
  PublicCertificate,
} from "./download_certificate.ts";
export type { ListOptions, OperationOptions, PollOptions, VaultClientOptions } from "./options.ts";
export type { WebCryptoKey, WebKeyImportAlgorithm, WebKeyUsage } from "../http/web_types.ts";
