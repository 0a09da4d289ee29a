/**
 * `CertificateClient`: create, import, read and manage the certificates of one vault.
 *
 * @module
 */

import { operationSignal } from "../http/_official_options.ts";
import { need } from "../http/_check.ts";
import type { PagedAsyncIterableIterator } from "../http/paging.ts";
import type { TokenCredential } from "../auth/types.ts";
import { type Poll, pollOptions, VaultOperations } from "./_operations.ts";
import { checkName, checkTags, checkVersion } from "./_names.ts";
import { KvfetchError } from "../http/errors.ts";
import { readJson } from "../http/json.ts";
import { redactError } from "../http/_redact.ts";
import { decodeBase64, encodeBase64 } from "../http/_base64.ts";
import { parsePemBlocks } from "../auth/_pem.ts";
import type { ListOptions, OperationOptions, PollOptions, VaultClientOptions } from "./options.ts";
import {
  attributesToWire,
  type CertificateBundle,
  type CertificateContact,
  type CertificateIssuer,
  type CertificateOperation,
  type CertificatePolicy,
  type CertificateProperties,
  certificateSchemas,
  type DeletedCertificate,
  type IssuerProperties,
  type KeyVaultCertificate,
  type KeyVaultCertificateWithPolicy,
  policyToWire,
  toCertificate,
  toCertificateOperation,
  toCertificatePolicy,
  toCertificateProperties,
  toContacts,
  toDeletedCertificate,
  toIssuer,
  toIssuerProperties,
} from "./certificates_models.ts";
import { CertificateOperationFailedError } from "./certificate_operation_failed.ts";
import {
  type DownloadCertificateOptions,
  type DownloadedCertificate,
  readCertificateSecret,
} from "./download_certificate.ts";
import { SecretBundleSchema } from "./secrets_models.ts";

/**
 * Options of {@link CertificateClient}.
 *
 * @example
 * ```ts
 * import type { CertificateClientOptions } from "kvfetch/certificates";
 *
 * const options: CertificateClientOptions = { timeoutMs: 10_000 };
 * console.log(options.timeoutMs);
 * ```
 */
export interface CertificateClientOptions extends VaultClientOptions {}

/**
 * Options of {@link CertificateClient.createCertificate}: the new certificate's attributes,
 * and how to wait for Key Vault to finish making it.
 *
 * @example
 * ```ts
 * import type { CreateCertificateOptions } from "kvfetch/certificates";
 *
 * const options: CreateCertificateOptions = { tags: { app: "api" }, maxWaitMs: 300_000 };
 * console.log(options.tags);
 * ```
 */
export interface CreateCertificateOptions extends PollOptions {
  /** Whether the certificate is enabled. @default true */
  enabled?: boolean;
  /** Tags (at most 15). */
  tags?: Record<string, string>;
}

/**
 * Options of {@link CertificateClient.importCertificate}.
 *
 * @example
 * ```ts
 * import type { ImportCertificateOptions } from "kvfetch/certificates";
 *
 * const options: ImportCertificateOptions = {
 *   password: "from-a-secret-store",
 *   policy: { exportable: true, contentType: "application/x-pkcs12" },
 * };
 * console.log(options.policy?.contentType);
 * ```
 */
export interface ImportCertificateOptions extends OperationOptions {
  /** The PFX's password (PKCS#12 only). */
  password?: string;
  /** The policy to keep with the certificate (its subject and SANs come from the certificate). */
  policy?: CertificatePolicy;
  /** Whether the certificate is enabled. @default true */
  enabled?: boolean;
  /** Tags (at most 15). */
  tags?: Record<string, string>;
  /** Keep the chain in the order given instead of Key Vault's own. */
  preserveCertOrder?: boolean;
}

/**
 * Options of {@link CertificateClient.updateCertificateProperties} and of
 * {@link CertificateClient.mergeCertificate}.
 *
 * @example
 * ```ts
 * import type { UpdateCertificatePropertiesOptions } from "kvfetch/certificates";
 *
 * const options: UpdateCertificatePropertiesOptions = { enabled: false, tags: { retired: "yes" } };
 * console.log(options.enabled);
 * ```
 */
export interface UpdateCertificatePropertiesOptions extends OperationOptions {
  /** Whether the certificate is enabled. */
  enabled?: boolean;
  /** Tags (at most 15); replaces the existing ones. */
  tags?: Record<string, string>;
}

/**
 * Options of {@link CertificateClient.listPropertiesOfCertificates} and
 * {@link CertificateClient.listDeletedCertificates}.
 *
 * @example
 * ```ts
 * import type { ListCertificatesOptions } from "kvfetch/certificates";
 *
 * const options: ListCertificatesOptions = { includePending: true };
 * console.log(options.includePending);
 * ```
 */
export interface ListCertificatesOptions extends ListOptions {
  /** Also list certificates whose creation has not finished. @default false */
  includePending?: boolean;
}

/**
 * Options of {@link CertificateClient.createIssuer} and {@link CertificateClient.updateIssuer}.
 *
 * @example
 * ```ts
 * import type { CreateIssuerOptions } from "kvfetch/certificates";
 *
 * const options: CreateIssuerOptions = {
 *   accountId: "keyvault-account",
 *   password: "from-a-secret-store",
 *   administratorContacts: [{ email: "pki@example.com" }],
 * };
 * console.log(options.accountId);
 * ```
 */
export interface CreateIssuerOptions extends OperationOptions {
  /** The account id at the provider. */
  accountId?: string;
  /** The account password or API key. */
  password?: string;
  /** The organisation id at the provider. */
  organizationId?: string;
  /** The organisation's administrators. */
  administratorContacts?: CertificateIssuer["administratorContacts"];
  /** Whether the issuer is enabled. */
  enabled?: boolean;
}

/**
 * Options of {@link CertificateClient.updateIssuer}: what {@link CreateIssuerOptions} has, plus
 * the provider.
 *
 * @example
 * ```ts
 * import type { UpdateIssuerOptions } from "kvfetch/certificates";
 *
 * const options: UpdateIssuerOptions = { enabled: false };
 * console.log(options.enabled);
 * ```
 */
export interface UpdateIssuerOptions extends CreateIssuerOptions {
  /** The provider. */
  provider?: string;
}

/**
 * Creates, imports, reads and manages the certificates of one vault, over plain `fetch`, on
 * any runtime. Method names follow `@azure/keyvault-certificates`; the long-running
 * operations (create, delete, recover) return promises that resolve when Key Vault is done
 * instead of pollers. `downloadCertificate` turns a PEM certificate's secret into a chain and
 * a Web Crypto private key.
 *
 * @example Create a self-signed certificate and use its key
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * // Against Azure: any credential (e.g. ClientSecretCredential), and no fetch option.
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch,
 * });
 * await client.createCertificate("api-tls", {
 *   issuerName: "Self",
 *   subject: "CN=api.example.com",
 *   contentType: "application/x-pem-file",
 * });
 * const { privateKey, pem } = await client.downloadCertificate("api-tls");
 * console.log(privateKey?.algorithm.name, pem.startsWith("-----BEGIN CERTIFICATE-----"));
 * ```
 */
export class CertificateClient {
  /** The vault URL, normalised (`https://{name}.vault.azure.net`). */
  readonly vaultUrl: string;
  readonly #ops: VaultOperations;

  /**
   * Creates a client. Checks the URL and options at once; sends nothing yet.
   *
   * @param vaultUrl The vault URL, e.g. `https://myvault.vault.azure.net`.
   * @param credential Any `TokenCredential`: a kvfetch credential or one from `@azure/identity`.
   * @param options Service version, challenge pre-seeding, transport options.
   */
  constructor(
    vaultUrl: string,
    credential: TokenCredential,
    options: CertificateClientOptions = {},
  ) {
    this.#ops = new VaultOperations(vaultUrl, credential, options);
    this.vaultUrl = this.#ops.pipeline.vaultUrl;
  }

  // ---- create, operation, merge, import ---------------------------------------------------

  /**
   * Creates a certificate, or a new version of it (`POST /certificates/{name}/create`, 202),
   * and by default polls `GET /certificates/{name}/pending` until it is `completed`, then
   * returns the certificate with its policy. A `failed` or `cancelled` operation rejects with a
   * {@link CertificateOperationFailedError}. With `waitForCompletion: false` it resolves with the
   * pending operation at once; that is the only way for an `Unknown` issuer, whose operation
   * waits for {@link CertificateClient.mergeCertificate}.
   *
   * @example A self-signed PEM certificate, waiting until it exists
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * const policy = {
   *   issuerName: "Self",
   *   subject: "CN=api.example.com",
   *   contentType: "application/x-pem-file",
   * } as const;
   * const certificate = await client.createCertificate("api-tls", policy);
   * console.log(certificate.properties.expiresOn);
   * ```
   *
   * @param name 1–127 letters, digits and dashes.
   * @param policy How to make the certificate (needs a subject or SANs).
   * @param options Attributes, tags, and how to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  createCertificate(
    name: string,
    policy: CertificatePolicy,
    options: CreateCertificateOptions & { waitForCompletion: false },
  ): Promise<CertificateOperation>;
  /**
   * Creates a certificate and waits until Key Vault has made it (see the overload above).
   *
   * @example
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * const op = await client.createCertificate("ca-signed", {
   *   issuerName: "Unknown",
   *   subject: "CN=partner",
   * }, { waitForCompletion: false });
   * console.log(op.status, op.csr?.length); // inProgress, the CSR's size in bytes
   * ```
   *
   * @param name 1–127 letters, digits and dashes.
   * @param policy How to make the certificate (needs a subject or SANs).
   * @param options Attributes, tags, and how to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  createCertificate(
    name: string,
    policy: CertificatePolicy,
    options?: CreateCertificateOptions,
  ): Promise<KeyVaultCertificateWithPolicy>;
  async createCertificate(
    name: string,
    policy: CertificatePolicy,
    options: CreateCertificateOptions = {},
  ): Promise<KeyVaultCertificateWithPolicy | CertificateOperation> {
    checkName(name);
    const poll = pollOptions(options);
    need(
      !poll.wait || policy?.issuerName?.toLowerCase() !== "unknown",
      "waitForCompletion",
      'must be false for an "Unknown" issuer: its operation waits for mergeCertificate',
    );
    const body = {
      policy: policyToWire(policy, true),
      attributes: attributesToWire(options),
      tags: checkTags(options.tags),
    };
    const result = await this.#ops.call(
      "POST",
      `/certificates/${name}/create`,
      operationSignal(options),
      body,
      [202, 200],
    );
    const operation = toCertificateOperation(
      await readJson(
        result,
        certificateSchemas().OperationSchema,
        `POST /certificates/${name}/create`,
      ),
    );
    return poll.wait ? await this.#finish(operation, poll) : operation;
  }

  /**
   * Waits for a certificate's pending operation to finish (polling
   * `GET /certificates/{name}/pending`), then returns the certificate; a `failed` or
   * `cancelled` operation rejects with a {@link CertificateOperationFailedError}. For picking up
   * a creation started with `waitForCompletion: false`.
   *
   * @example
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * await client.createCertificate("api-tls", { issuerName: "Self", subject: "CN=api" }, {
   *   waitForCompletion: false,
   * });
   * // … later, or in another process:
   * const certificate = await client.waitForCertificateOperation("api-tls", {
   *   maxWaitMs: 600_000,
   * });
   * console.log(certificate.properties.version);
   * ```
   *
   * @param name The certificate's name.
   * @param options How often and how long to poll.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async waitForCertificateOperation(
    name: string,
    options: Omit<PollOptions, "waitForCompletion"> = {},
  ): Promise<KeyVaultCertificateWithPolicy> {
    checkName(name);
    const poll = pollOptions(options);
    return await this.#finish(await this.getCertificateOperation(name, options), poll);
  }

  async #finish(first: CertificateOperation, poll: Poll): Promise<KeyVaultCertificateWithPolicy> {
    const { now, sleep } = this.#ops.pipeline.http;
    const start = now();
    let operation = first;
    for (;;) {
      if (operation.status === "completed") {
        return await this.getCertificate(operation.name, { signal: poll.signal });
      }
      if (operation.status === "failed" || operation.status === "cancelled" || operation.error) {
        throw new CertificateOperationFailedError(operation);
      }
      if (now() - start + poll.interval > poll.maxWait) {
        throw new KvfetchError(
          "ERR_OPERATION_TIMEOUT",
          `The creation of certificate ${operation.name} did not finish within ${poll.maxWait} ms ` +
            '(Key Vault goes on with it; wait longer with "maxWaitMs", or call ' +
            "waitForCertificateOperation later)",
        );
      }
      await sleep(poll.interval, poll.signal);
      operation = await this.getCertificateOperation(operation.name, { signal: poll.signal });
    }
  }

  /**
   * Reads a certificate's pending (or last) operation (`GET /certificates/{name}/pending`).
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getCertificateOperation(
    name: string,
    options: OperationOptions = {},
  ): Promise<CertificateOperation> {
    return await this.#operation(
      "GET",
      `/certificates/${checkName(name)}/pending`,
      operationSignal(options),
    );
  }

  /**
   * Asks Key Vault to cancel a pending creation (`PATCH /certificates/{name}/pending`); the
   * operation then ends `cancelled`.
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async cancelCertificateOperation(
    name: string,
    options: OperationOptions = {},
  ): Promise<CertificateOperation> {
    const path = `/certificates/${checkName(name)}/pending`;
    return await this.#operation("PATCH", path, operationSignal(options), {
      cancellation_requested: true,
    });
  }

  /**
   * Deletes a certificate's operation (`DELETE /certificates/{name}/pending`): a pending
   * creation stops and leaves no certificate version.
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async deleteCertificateOperation(
    name: string,
    options: OperationOptions = {},
  ): Promise<CertificateOperation> {
    return await this.#operation(
      "DELETE",
      `/certificates/${checkName(name)}/pending`,
      operationSignal(options),
    );
  }

  /**
   * Completes a pending creation whose CSR was signed elsewhere (an `Unknown` issuer):
   * `POST /certificates/{name}/pending/merge` with the signed certificate and its chain (201).
   *
   * @example Signing the CSR with your CA and merging its certificate
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * const op = await client.createCertificate("partner-mtls", {
   *   issuerName: "Unknown",
   *   subject: "CN=partner",
   * }, { waitForCompletion: false });
   * const signed = await signWithYourCa(op.csr!); // your CA's answer, DER or PEM (then its chain)
   * const certificate = await client.mergeCertificate("partner-mtls", [signed]);
   * console.log(certificate.properties.version);
   *
   * // A stand-in for your CA, so that this example runs: it signs a certificate with the CSR's
   * // subject and public key (a real CA checks the request and adds its own name and extensions).
   * async function signWithYourCa(csr: Uint8Array): Promise<Uint8Array> {
   *   const der = (tag: number, ...parts: ArrayLike<number>[]): number[] => {
   *     const body = parts.flatMap((p) => Array.from(p)), n = body.length;
   *     return [tag, ...(n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255]), ...body];
   *   };
   *   const items = (seq: Uint8Array) => { // the items of a DER SEQUENCE, headers included
   *     const found: Uint8Array[] = [];
   *     for (let at = seq[1]! > 127 ? 2 + (seq[1]! & 127) : 2; at < seq.length;) {
   *       const k = seq[at + 1]! > 127 ? seq[at + 1]! & 127 : 0;
   *       const long = seq.slice(at + 2, at + 2 + k).reduce((a, b) => a * 256 + b, 0);
   *       const n = k ? long : seq[at + 1]!;
   *       found.push(seq.slice(at, (at += 2 + k + n)));
   *     }
   *     return found;
   *   };
   *   const [, subject, spki] = items(items(csr)[0]!); // CertificationRequestInfo
   *   const alg = [0x30, 13, 6, 9, 42, 134, 72, 134, 247, 13, 1, 1, 11, 5, 0]; // sha256WithRSA
   *   const utc = (time: string) => der(0x17, new TextEncoder().encode(time));
   *   const validity = der(0x30, utc("250101000000Z"), utc("491231235959Z"));
   *   const v3 = der(0xa0, der(2, [2])), serial = der(2, [1]);
   *   const tbs = der(0x30, v3, serial, alg, subject!, validity, subject!, spki!);
   *   const rsa = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048 };
   *   const ca = await crypto.subtle.generateKey(
   *     { ...rsa, publicExponent: new Uint8Array([1, 0, 1]) },
   *     false,
   *     ["sign"],
   *   );
   *   const signature = await crypto.subtle.sign(rsa, ca.privateKey, new Uint8Array(tbs));
   *   return new Uint8Array(der(0x30, tbs, alg, der(3, [0], new Uint8Array(signature))));
   * }
   * ```
   *
   * @param name The certificate's name.
   * @param x509Certificates The signed certificate first, then its chain: DER bytes, or PEM
   *   text (one or more `CERTIFICATE` blocks each).
   * @param options Attributes and tags of the certificate.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async mergeCertificate(
    name: string,
    x509Certificates: ReadonlyArray<Uint8Array | string>,
    options: UpdateCertificatePropertiesOptions = {},
  ): Promise<KeyVaultCertificateWithPolicy> {
    checkName(name);
    need(
      Array.isArray(x509Certificates) && x509Certificates.length > 0,
      "x509Certificates",
      "must be a non-empty array of DER bytes or PEM text",
    );
    const x5c = x509Certificates.flatMap((c) => {
      if (c instanceof Uint8Array && c.length) return [encodeBase64(c)];
      need(typeof c == "string", "x509Certificates", "must hold Uint8Arrays or PEM strings");
      const ders = parsePemBlocks(c as string).filter((b) => b.label === "CERTIFICATE");
      need(ders.length, "x509Certificates", "holds a string without a CERTIFICATE PEM block");
      return ders.map((b) => encodeBase64(b.der));
    });
    const body = {
      x5c,
      attributes: attributesToWire(options),
      tags: checkTags(options.tags),
    };
    const result = await this.#ops.call(
      "POST",
      `/certificates/${name}/pending/merge`,
      operationSignal(options),
      body,
      [201, 200],
    );
    return toCertificate(
      await readJson(result, certificateSchemas().CertificateBundleSchema, `POST merge ${name}`),
    );
  }

  /**
   * Imports a certificate with its private key (`POST /certificates/{name}/import`): PKCS#12
   * (PFX) bytes, or PEM text holding the chain and an unencrypted PKCS#8 `PRIVATE KEY` (as Key
   * Vault requires; PEM sets the content type to `application/x-pem-file`). A wrong PFX password
   * is Key Vault's to tell (a `RestError`, 400).
   *
   * @example Importing a PEM certificate and key
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * // A PEM certificate with its PKCS#8 key; here one made by the vault itself.
   * await client.createCertificate("made-here", {
   *   issuerName: "Self",
   *   subject: "CN=partner",
   *   contentType: "application/x-pem-file",
   * });
   * const { chainPem, privateKeyPem } = await client.downloadCertificate("made-here");
   * const imported = await client.importCertificate("partner-mtls", chainPem + privateKeyPem);
   * console.log(imported.policy?.contentType); // application/x-pem-file
   * ```
   *
   * @param name The certificate's name.
   * @param certificate PFX bytes, or PEM text (chain plus PKCS#8 key).
   * @param options Password, policy, attributes and tags.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async importCertificate(
    name: string,
    certificate: Uint8Array | string,
    options: ImportCertificateOptions = {},
  ): Promise<KeyVaultCertificateWithPolicy> {
    checkName(name);
    const pem = typeof certificate == "string";
    need(
      pem || (certificate instanceof Uint8Array && certificate.length > 0),
      "certificate",
      "must be PKCS#12 bytes (a non-empty Uint8Array) or PEM text",
    );
    need(
      options.password === undefined || typeof options.password == "string",
      "password",
      "must be a string",
    );
    if (pem) {
      checkImportPem(certificate);
      need(options.password === undefined, "password", "is for PKCS#12 only; PEM keys have none");
      need(
        options.policy?.contentType === undefined ||
          options.policy.contentType === "application/x-pem-file",
        "policy.contentType",
        "must be application/x-pem-file for a PEM certificate",
      );
    } else {
      need(
        options.policy?.contentType !== "application/x-pem-file",
        "policy.contentType",
        "must be application/x-pkcs12 for PFX bytes (pass PEM text for a PEM certificate)",
      );
    }
    const policy = options.policy || pem
      ? policyToWire({
        ...options.policy,
        contentType: pem ? "application/x-pem-file" : options.policy?.contentType,
      }, false)
      : undefined;
    const body = {
      value: pem ? certificate : encodeBase64(certificate),
      pwd: options.password,
      policy,
      attributes: attributesToWire(options),
      tags: checkTags(options.tags),
      preserveCertOrder: options.preserveCertOrder,
    };
    try {
      return toCertificate(
        await this.#bundle("POST", `/certificates/${name}/import`, operationSignal(options), body),
      );
    } catch (error) {
      throw redactError(error, [options.password ?? "", pem ? certificate : ""].filter(Boolean));
    }
  }

  // ---- read and update ---------------------------------------------------------------------

  /**
   * Reads the latest version of a certificate with its policy (`GET /certificates/{name}/`).
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getCertificate(
    name: string,
    options: OperationOptions = {},
  ): Promise<KeyVaultCertificateWithPolicy> {
    return toCertificate(
      await this.#bundle("GET", `/certificates/${checkName(name)}/`, operationSignal(options)),
    );
  }

  /**
   * Reads one version of a certificate (`GET /certificates/{name}/{version}`).
   *
   * @param name The certificate's name.
   * @param version The version (32 hex characters).
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getCertificateVersion(
    name: string,
    version: string,
    options: OperationOptions = {},
  ): Promise<KeyVaultCertificate> {
    need(version, "version", "is required (use getCertificate for the latest)");
    const path = `/certificates/${checkName(name)}/${checkVersion(version)}`;
    const { policy: _, ...certificate } = toCertificate(
      await this.#bundle("GET", path, operationSignal(options)),
    );
    return certificate;
  }

  /**
   * Changes a certificate version's attributes and tags (`PATCH
   * /certificates/{name}/{version}`); `""` means the latest version.
   *
   * @param name The certificate's name.
   * @param version The version (`""` for the latest).
   * @param options Enabled and tags.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateCertificateProperties(
    name: string,
    version: string,
    options: UpdateCertificatePropertiesOptions = {},
  ): Promise<KeyVaultCertificate> {
    const path = `/certificates/${checkName(name)}/${checkVersion(version)}`;
    const body = { attributes: attributesToWire(options), tags: checkTags(options.tags) };
    return toCertificate(await this.#bundle("PATCH", path, operationSignal(options), body));
  }

  /**
   * Reads a certificate's policy (`GET /certificates/{name}/policy`).
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getCertificatePolicy(
    name: string,
    options: OperationOptions = {},
  ): Promise<CertificatePolicy> {
    const path = `/certificates/${checkName(name)}/policy`;
    return toCertificatePolicy(
      await this.#ops.read(
        "GET",
        path,
        certificateSchemas().PolicySchema,
        operationSignal(options),
      ),
    );
  }

  /**
   * Changes a certificate's policy (`PATCH /certificates/{name}/policy`); it applies to the next
   * versions (renewals), not to existing ones.
   *
   * @param name The certificate's name.
   * @param policy The fields to change.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateCertificatePolicy(
    name: string,
    policy: CertificatePolicy,
    options: OperationOptions = {},
  ): Promise<CertificatePolicy> {
    const path = `/certificates/${checkName(name)}/policy`;
    const body = policyToWire(policy, false);
    return toCertificatePolicy(
      await this.#ops.read(
        "PATCH",
        path,
        certificateSchemas().PolicySchema,
        operationSignal(options),
        body,
      ),
    );
  }

  // ---- listings ----------------------------------------------------------------------------

  /**
   * Lists the vault's certificates, latest versions (`GET /certificates`).
   *
   * @param options `includePending`, cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfCertificates(
    options: ListCertificatesOptions = {},
  ): PagedAsyncIterableIterator<CertificateProperties> {
    const path = pendingPath("/certificates", options);
    const { CertificateBundleSchema } = certificateSchemas();
    return this.#ops.list(path, CertificateBundleSchema, toCertificateProperties, options);
  }

  /**
   * Lists every version of a certificate (`GET /certificates/{name}/versions`).
   *
   * @param name The certificate's name.
   * @param options Cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfCertificateVersions(
    name: string,
    options: ListOptions = {},
  ): PagedAsyncIterableIterator<CertificateProperties> {
    const path = `/certificates/${checkName(name)}/versions`;
    const { CertificateBundleSchema } = certificateSchemas();
    return this.#ops.list(path, CertificateBundleSchema, toCertificateProperties, options);
  }

  /**
   * Lists deleted certificates that can still be recovered or purged (`GET
   * /deletedcertificates`).
   *
   * @param options `includePending`, cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listDeletedCertificates(
    options: ListCertificatesOptions = {},
  ): PagedAsyncIterableIterator<DeletedCertificate> {
    const path = pendingPath("/deletedcertificates", options);
    const { CertificateBundleSchema } = certificateSchemas();
    return this.#ops.list(path, CertificateBundleSchema, toDeletedCertificate, options);
  }

  // ---- delete, recover, purge, backup ----------------------------------------------------

  /**
   * Deletes a certificate, every version of it (`DELETE /certificates/{name}`), and by default
   * waits until Key Vault has finished the (asynchronous) soft delete.
   *
   * @param name The certificate's name.
   * @param options Whether and how long to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async deleteCertificate(name: string, options: PollOptions = {}): Promise<DeletedCertificate> {
    const poll = pollOptions(options);
    const deleted = toDeletedCertificate(
      await this.#bundle("DELETE", `/certificates/${checkName(name)}`, operationSignal(options)),
    );
    return poll.wait && deleted.recoveryId
      ? await this.#ops.poll(
        `deletion of certificate ${name}`,
        `/deletedcertificates/${name}`,
        poll,
        deleted,
      )
      : deleted;
  }

  /**
   * Reads a deleted certificate (`GET /deletedcertificates/{name}`).
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getDeletedCertificate(
    name: string,
    options: OperationOptions = {},
  ): Promise<DeletedCertificate> {
    return toDeletedCertificate(
      await this.#bundle(
        "GET",
        `/deletedcertificates/${checkName(name)}`,
        operationSignal(options),
      ),
    );
  }

  /**
   * Recovers a deleted certificate (`POST /deletedcertificates/{name}/recover`), and by default
   * waits until it can be read again.
   *
   * @param name The certificate's name.
   * @param options Whether and how long to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async recoverDeletedCertificate(
    name: string,
    options: PollOptions = {},
  ): Promise<KeyVaultCertificateWithPolicy> {
    const poll = pollOptions(options);
    const path = `/deletedcertificates/${checkName(name)}/recover`;
    const recovered = toCertificate(await this.#bundle("POST", path, operationSignal(options)));
    return poll.wait
      ? await this.#ops.poll(
        `recovery of certificate ${name}`,
        `/certificates/${name}/`,
        poll,
        recovered,
      )
      : recovered;
  }

  /**
   * Deletes a deleted certificate for good (`DELETE /deletedcertificates/{name}`).
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async purgeDeletedCertificate(name: string, options: OperationOptions = {}): Promise<void> {
    const path = `/deletedcertificates/${checkName(name)}`;
    await this.#ops.call("DELETE", path, operationSignal(options), undefined, [204, 200]);
  }

  /**
   * Downloads a protected backup of every version of a certificate (`POST
   * /certificates/{name}/backup`).
   *
   * @param name The certificate's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async backupCertificate(name: string, options: OperationOptions = {}): Promise<Uint8Array> {
    const path = `/certificates/${checkName(name)}/backup`;
    const { BackupSchema } = certificateSchemas();
    return decodeBase64(
      (await this.#ops.read("POST", path, BackupSchema, operationSignal(options))).value,
    );
  }

  /**
   * Restores a backup made by {@link CertificateClient.backupCertificate} (`POST
   * /certificates/restore`).
   *
   * @param backup The backup bytes.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async restoreCertificateBackup(
    backup: Uint8Array,
    options: OperationOptions = {},
  ): Promise<KeyVaultCertificateWithPolicy> {
    need(backup instanceof Uint8Array && backup.length, "backup", "must be a non-empty Uint8Array");
    const body = { value: encodeBase64(backup, true) };
    return toCertificate(
      await this.#bundle("POST", "/certificates/restore", operationSignal(options), body),
    );
  }

  // ---- contacts ----------------------------------------------------------------------------

  /**
   * Sets the vault's certificate contacts (`PUT /certificates/contacts`), replacing any.
   *
   * @param contacts At least one contact, each with an e-mail address.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async setContacts(
    contacts: CertificateContact[],
    options: OperationOptions = {},
  ): Promise<CertificateContact[]> {
    need(Array.isArray(contacts) && contacts.length, "contacts", "must be a non-empty array");
    const body = {
      contacts: contacts.map((c, i) => {
        need(
          typeof c?.email == "string" && /^[^@\s]+@[^@\s]+$/.test(c.email),
          `contacts[${i}].email`,
          "must be an e-mail address",
        );
        return { email: c.email, name: c.name, phone: c.phone };
      }),
    };
    return await this.#contacts("PUT", operationSignal(options), body);
  }

  /**
   * Reads the vault's certificate contacts (`GET /certificates/contacts`); a vault without
   * contacts answers 404 (`ContactsNotFound`), a `RestError`.
   *
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getContacts(options: OperationOptions = {}): Promise<CertificateContact[]> {
    return await this.#contacts("GET", operationSignal(options));
  }

  /**
   * Deletes the vault's certificate contacts (`DELETE /certificates/contacts`), returning them.
   *
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async deleteContacts(options: OperationOptions = {}): Promise<CertificateContact[]> {
    return await this.#contacts("DELETE", operationSignal(options));
  }

  // ---- issuers -----------------------------------------------------------------------------

  /**
   * Creates or replaces an issuer (`PUT /certificates/issuers/{name}`): a CA account Key Vault
   * orders certificates from.
   *
   * @param issuerName 1–127 letters, digits and dashes.
   * @param provider The provider, e.g. `DigiCert`, `GlobalSign`.
   * @param options Credentials, organisation, enabled.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async createIssuer(
    issuerName: string,
    provider: string,
    options: CreateIssuerOptions = {},
  ): Promise<CertificateIssuer> {
    checkIssuerName(issuerName);
    need(typeof provider == "string" && provider, "provider", "must be a non-empty string");
    const body = issuerBody({ ...options, provider });
    return await this.#issuer("PUT", issuerName, options, body);
  }

  /**
   * Changes an issuer (`PATCH /certificates/issuers/{name}`).
   *
   * @param issuerName The issuer's name.
   * @param options The fields to change.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateIssuer(
    issuerName: string,
    options: UpdateIssuerOptions = {},
  ): Promise<CertificateIssuer> {
    checkIssuerName(issuerName);
    return await this.#issuer("PATCH", issuerName, options, issuerBody(options));
  }

  /**
   * Reads an issuer (`GET /certificates/issuers/{name}`).
   *
   * @param issuerName The issuer's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getIssuer(issuerName: string, options: OperationOptions = {}): Promise<CertificateIssuer> {
    checkIssuerName(issuerName);
    return await this.#issuer("GET", issuerName, options);
  }

  /**
   * Deletes an issuer (`DELETE /certificates/issuers/{name}`), returning it.
   *
   * @param issuerName The issuer's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async deleteIssuer(
    issuerName: string,
    options: OperationOptions = {},
  ): Promise<CertificateIssuer> {
    checkIssuerName(issuerName);
    return await this.#issuer("DELETE", issuerName, options);
  }

  /**
   * Lists the vault's issuers (`GET /certificates/issuers`).
   *
   * @param options Cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfIssuers(options: ListOptions = {}): PagedAsyncIterableIterator<IssuerProperties> {
    const { IssuerItemSchema } = certificateSchemas();
    return this.#ops.list("/certificates/issuers", IssuerItemSchema, toIssuerProperties, options);
  }

  // ---- the usable certificate --------------------------------------------------------------

  /**
   * Reads a certificate's secret (`GET /secrets/{name}/{version}`) and returns what a program
   * needs to use it: for the PEM content type, the chain as PEM and DER, the private key as a
   * Web Crypto `CryptoKey` and as PKCS#8 PEM, and the leaf's `x5t` / `x5t#S256` thumbprints. A
   * PKCS#12 (PFX) secret fails with `ERR_PKCS12_NOT_SUPPORTED` (create or import the
   * certificate with `contentType: "application/x-pem-file"`). The key must be exportable.
   *
   * @example Signing with a vault certificate's key
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * await client.createCertificate("saml-signing", {
   *   issuerName: "Self",
   *   subject: "CN=idp.example.com",
   *   contentType: "application/x-pem-file",
   * });
   * const { privateKey, x5t } = await client.downloadCertificate("saml-signing");
   * const data = new TextEncoder().encode("<saml:Assertion>…</saml:Assertion>");
   * const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey!, data);
   * console.log(x5t, signature.byteLength); // the thumbprint, 256
   * ```
   *
   * @param name The certificate's name.
   * @param options `version`, how to import the key, cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async downloadCertificate(
    name: string,
    options: DownloadCertificateOptions = {},
  ): Promise<DownloadedCertificate> {
    const path = `/secrets/${checkName(name)}/${checkVersion(options.version)}`;
    const secret = await this.#ops.read("GET", path, SecretBundleSchema, operationSignal(options));
    return await readCertificateSecret(name, secret, options);
  }

  /**
   * Sends any request to this vault, authenticated, challenge-aware and retried: the escape
   * hatch for operations kvfetch does not wrap. Resolves with the response whatever its
   * status.
   *
   * @example
   * ```ts
   * import { CertificateClient } from "kvfetch/certificates";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new CertificateClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * const response = await client.fetch("/certificates?maxresults=5");
   * console.log(response.status, await response.json()); // 200 { value: [], nextLink: null }
   * ```
   *
   * @param path The path below the vault, e.g. `/certificates?maxresults=5`.
   * @param init Method, headers, body and signal, as for `fetch`.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `CertificateNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return this.#ops.fetch(path, init);
  }

  #bundle(
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<CertificateBundle> {
    return this.#ops.read(method, path, certificateSchemas().CertificateBundleSchema, signal, body);
  }

  async #operation(
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<CertificateOperation> {
    const { OperationSchema } = certificateSchemas();
    return toCertificateOperation(
      await this.#ops.read(method, path, OperationSchema, signal, body),
    );
  }

  async #contacts(
    method: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<CertificateContact[]> {
    const { ContactsSchema } = certificateSchemas();
    return toContacts(
      await this.#ops.read(method, "/certificates/contacts", ContactsSchema, signal, body),
    );
  }

  async #issuer(
    method: string,
    issuerName: string,
    options: OperationOptions & { password?: string },
    body?: unknown,
  ): Promise<CertificateIssuer> {
    const { IssuerSchema } = certificateSchemas();
    const path = `/certificates/issuers/${issuerName}`;
    try {
      return toIssuer(
        await this.#ops.read(method, path, IssuerSchema, operationSignal(options), body),
      );
    } catch (error) {
      throw options.password ? redactError(error, [options.password]) : error;
    }
  }
}

/** `?includePending=true` when asked for. */
function pendingPath(path: string, options: ListCertificatesOptions): string {
  need(
    options.includePending === undefined || typeof options.includePending == "boolean",
    "includePending",
    "must be a boolean",
  );
  return options.includePending ? `${path}?includePending=true` : path;
}

function checkIssuerName(name: unknown): void {
  try {
    checkName(name);
  } catch (error) {
    throw new TypeError(String((error as Error).message).replace('"name"', '"issuerName"'));
  }
}

function issuerBody(options: UpdateIssuerOptions): Record<string, unknown> {
  for (const key of ["accountId", "password", "organizationId", "provider"] as const) {
    need(options[key] === undefined || typeof options[key] == "string", key, "must be a string");
  }
  need(
    options.enabled === undefined || typeof options.enabled == "boolean",
    "enabled",
    "must be a boolean",
  );
  const admins = options.administratorContacts;
  need(admins === undefined || Array.isArray(admins), "administratorContacts", "must be an array");
  const credentials = options.accountId !== undefined || options.password !== undefined
    ? { account_id: options.accountId, pwd: options.password }
    : undefined;
  const org = options.organizationId !== undefined || admins !== undefined
    ? {
      id: options.organizationId,
      admin_details: admins?.map((a) => ({
        first_name: a.firstName,
        last_name: a.lastName,
        email: a.email,
        phone: a.phone,
      })),
    }
    : undefined;
  return {
    provider: options.provider,
    credentials,
    org_details: org,
    attributes: options.enabled === undefined ? undefined : { enabled: options.enabled },
  };
}

/**
 * The PEM Key Vault imports: at least one certificate and exactly one unencrypted PKCS#8
 * `PRIVATE KEY`. Anything else is a `TypeError` naming the rule (the PEM is never quoted).
 */
function checkImportPem(text: string): void {
  need(text.includes("-----BEGIN"), "certificate", "is a string but not PEM text");
  const blocks = parsePemBlocks(text);
  if (blocks.some((b) => b.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/.test(b.headers))) {
    throw new TypeError(
      '"certificate" holds an encrypted private key; Key Vault imports PEM keys unencrypted ' +
        "(decrypt it with `openssl pkcs8 -topk8 -nocrypt`, or import a password-protected PFX)",
    );
  }
  need(
    blocks.some((b) => b.label === "CERTIFICATE"),
    "certificate",
    "holds no CERTIFICATE PEM block",
  );
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
  need(
    keys.length === 1 && keys[0]!.label === "PRIVATE KEY",
    "certificate",
    keys.length > 1
      ? "holds more than one private key"
      : keys.length
      ? `holds a ${keys[0]!.label}; Key Vault needs the key as PKCS#8 (a PRIVATE KEY block; ` +
        "convert it with `openssl pkcs8 -topk8 -nocrypt`)"
      : "holds no private key (Key Vault needs the chain plus a PKCS#8 PRIVATE KEY block)",
  );
}
