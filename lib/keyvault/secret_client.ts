/**
 * `SecretClient`: read and manage the secrets of one vault.
 *
 * @module
 */

import { operationSignal } from "../http/_official_options.ts";
import { need } from "../http/_check.ts";
import type { PagedAsyncIterableIterator } from "../http/paging.ts";
import type { TokenCredential } from "../auth/types.ts";
import { pollOptions, VaultOperations } from "./_operations.ts";
import { checkName, checkTags, checkVersion, toUnix } from "./_names.ts";
import { redactError } from "../http/_redact.ts";
import { decodeBase64, encodeBase64 } from "../http/_base64.ts";
import type { ListOptions, OperationOptions, PollOptions, VaultClientOptions } from "./options.ts";
import {
  BackupSchema,
  type DeletedSecret,
  type KeyVaultSecret,
  type SecretBundle,
  SecretBundleSchema,
  type SecretProperties,
  toDeletedSecret,
  toSecret,
  toSecretProperties,
} from "./secrets_models.ts";

export type { PollOptions } from "./options.ts";

/**
 * Options of {@link SecretClient}.
 *
 * @example
 * ```ts
 * import type { SecretClientOptions } from "kvfetch/secrets";
 *
 * const options: SecretClientOptions = { serviceVersion: "7.6", timeoutMs: 10_000 };
 * console.log(options.serviceVersion);
 * ```
 */
export interface SecretClientOptions extends VaultClientOptions {}

/**
 * Options of {@link SecretClient.setSecret}.
 *
 * @example
 * ```ts
 * import type { SetSecretOptions } from "kvfetch/secrets";
 *
 * const options: SetSecretOptions = {
 *   contentType: "text/plain",
 *   expiresOn: new Date(Date.now() + 90 * 86_400_000),
 *   tags: { owner: "payments" },
 * };
 * console.log(options.contentType);
 * ```
 */
export interface SetSecretOptions extends OperationOptions {
  /** A content type hint, e.g. `text/plain` or `application/json`. */
  contentType?: string;
  /** Whether the secret can be read. @default true */
  enabled?: boolean;
  /** Not usable before this time. */
  notBefore?: Date;
  /** Not usable after this time. */
  expiresOn?: Date;
  /** Tags (at most 15). */
  tags?: Record<string, string>;
}

/**
 * Options of {@link SecretClient.getSecret}.
 *
 * @example
 * ```ts
 * import type { GetSecretOptions } from "kvfetch/secrets";
 *
 * const options: GetSecretOptions = { version: "0123456789abcdef0123456789abcdef" };
 * console.log(options.version);
 * ```
 */
export interface GetSecretOptions extends OperationOptions {
  /** The version to read; the latest when absent. */
  version?: string;
}

/**
 * Options of {@link SecretClient.updateSecretProperties}.
 *
 * @example
 * ```ts
 * import type { UpdateSecretPropertiesOptions } from "kvfetch/secrets";
 *
 * const options: UpdateSecretPropertiesOptions = { enabled: false };
 * console.log(options.enabled);
 * ```
 */
export interface UpdateSecretPropertiesOptions extends Omit<SetSecretOptions, never> {}

/**
 * Reads and manages the secrets of one vault, over plain `fetch`, on any runtime. Method
 * names follow `@azure/keyvault-secrets`, so migrating is mostly a change of imports; the
 * long-running operations return promises that resolve when Key Vault is done instead of
 * pollers.
 *
 * Authentication follows Key Vault's challenge protocol: the first request to a vault goes
 * out without a token or body, the vault's 401 says which tenant and resource to ask a token
 * for (after checking the resource belongs to the vault's host), and the challenge is then
 * remembered for the whole process.
 *
 * @example Set and retrieve a secret (against the emulator; on Azure, leave out `fetch`)
 * ```ts
 * import { ClientSecretCredential } from "kvfetch/auth";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const credential = new ClientSecretCredential({
 *   tenantId: emulator.env.AZURE_TENANT_ID,
 *   clientId: emulator.env.AZURE_CLIENT_ID,
 *   clientSecret: emulator.env.AZURE_CLIENT_SECRET, // from a secret store
 *   fetch: emulator.fetch,
 * });
 * const client = new SecretClient("https://myvault.vault.azure.net", credential, {
 *   fetch: emulator.fetch,
 * });
 * const { properties } = await client.setSecret("db-password", "s3cret");
 * const secret = await client.getSecret("db-password", { version: properties.version });
 * console.log(secret.value); // s3cret
 * ```
 */
export class SecretClient {
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
  constructor(vaultUrl: string, credential: TokenCredential, options: SecretClientOptions = {}) {
    this.#ops = new VaultOperations(vaultUrl, credential, options);
    this.vaultUrl = this.#ops.pipeline.vaultUrl;
  }

  /**
   * Creates a secret, or a new version of it (`PUT /secrets/{name}`).
   *
   * @param name 1–127 letters, digits and dashes.
   * @param value The value (at most 25 KiB of UTF-8).
   * @param options Content type, attributes, tags.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async setSecret(
    name: string,
    value: string,
    options: SetSecretOptions = {},
  ): Promise<KeyVaultSecret> {
    checkName(name);
    need(typeof value == "string", "value", "must be a string");
    need(
      new TextEncoder().encode(value).length <= 25 * 1024,
      "value",
      "is over Key Vault's 25 KiB limit",
      RangeError,
    );
    const body = { value, ...attributes(options) };
    try {
      return toSecret(
        await this.#bundle("PUT", `/secrets/${name}`, operationSignal(options), body),
      );
    } catch (error) {
      throw redactError(error, [value]);
    }
  }

  /**
   * Reads a secret with its value (`GET /secrets/{name}/{version}`).
   *
   * @param name The secret's name.
   * @param options `version`: a specific version instead of the latest.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getSecret(name: string, options: GetSecretOptions = {}): Promise<KeyVaultSecret> {
    const path = `/secrets/${checkName(name)}/${checkVersion(options.version)}`;
    return toSecret(await this.#bundle("GET", path, operationSignal(options)));
  }

  /**
   * Changes a secret version's metadata (`PATCH /secrets/{name}/{version}`); the value cannot
   * change. An empty version means the latest.
   *
   * @param name The secret's name.
   * @param version The version to update (`""` for the latest).
   * @param options The new content type, attributes and tags.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateSecretProperties(
    name: string,
    version: string,
    options: UpdateSecretPropertiesOptions = {},
  ): Promise<SecretProperties> {
    const path = `/secrets/${checkName(name)}/${checkVersion(version)}`;
    return toSecretProperties(
      await this.#bundle("PATCH", path, operationSignal(options), attributes(options)),
    );
  }

  /**
   * Lists the vault's secrets, latest versions, without values (`GET /secrets`).
   *
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfSecrets(
    options: ListOptions = {},
  ): PagedAsyncIterableIterator<SecretProperties> {
    return this.#ops.list("/secrets", SecretBundleSchema, toSecretProperties, options);
  }

  /**
   * Lists every version of a secret, without values (`GET /secrets/{name}/versions`).
   *
   * @param name The secret's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfSecretVersions(
    name: string,
    options: ListOptions = {},
  ): PagedAsyncIterableIterator<SecretProperties> {
    const path = `/secrets/${checkName(name)}/versions`;
    return this.#ops.list(path, SecretBundleSchema, toSecretProperties, options);
  }

  /**
   * Lists deleted secrets that can still be recovered or purged (`GET /deletedsecrets`).
   *
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listDeletedSecrets(options: ListOptions = {}): PagedAsyncIterableIterator<DeletedSecret> {
    return this.#ops.list("/deletedsecrets", SecretBundleSchema, toDeletedSecret, options);
  }

  /**
   * Deletes a secret, every version of it (`DELETE /secrets/{name}`), and by default waits
   * until Key Vault has finished the (asynchronous) soft delete.
   *
   * @param name The secret's name.
   * @param options Whether and how long to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async deleteSecret(name: string, options: PollOptions = {}): Promise<DeletedSecret> {
    const poll = pollOptions(options);
    const deleted = toDeletedSecret(
      await this.#bundle("DELETE", `/secrets/${checkName(name)}`, operationSignal(options)),
    );
    // Without soft delete there is no recoveryId and nothing to wait for.
    return poll.wait && deleted.recoveryId
      ? await this.#ops.poll(`deletion of secret ${name}`, `/deletedsecrets/${name}`, poll, deleted)
      : deleted;
  }

  /**
   * Reads a deleted secret's metadata (`GET /deletedsecrets/{name}`).
   *
   * @param name The secret's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getDeletedSecret(name: string, options: OperationOptions = {}): Promise<DeletedSecret> {
    return toDeletedSecret(
      await this.#bundle("GET", `/deletedsecrets/${checkName(name)}`, operationSignal(options)),
    );
  }

  /**
   * Recovers a deleted secret (`POST /deletedsecrets/{name}/recover`), and by default waits
   * until it can be read again.
   *
   * @param name The secret's name.
   * @param options Whether and how long to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async recoverDeletedSecret(name: string, options: PollOptions = {}): Promise<SecretProperties> {
    const poll = pollOptions(options);
    const path = `/deletedsecrets/${checkName(name)}/recover`;
    const recovered = toSecretProperties(
      await this.#bundle("POST", path, operationSignal(options)),
    );
    return poll.wait
      ? await this.#ops.poll(`recovery of secret ${name}`, `/secrets/${name}/`, poll, recovered)
      : recovered;
  }

  /**
   * Deletes a deleted secret for good (`DELETE /deletedsecrets/{name}`).
   *
   * @param name The secret's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async purgeDeletedSecret(name: string, options: OperationOptions = {}): Promise<void> {
    const path = `/deletedsecrets/${checkName(name)}`;
    await this.#ops.call("DELETE", path, operationSignal(options), undefined, [204, 200]);
  }

  /**
   * Downloads a protected backup of every version of a secret (`POST /secrets/{name}/backup`).
   * It can only be restored into a vault of the same subscription and geography.
   *
   * @param name The secret's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async backupSecret(name: string, options: OperationOptions = {}): Promise<Uint8Array> {
    const path = `/secrets/${checkName(name)}/backup`;
    return decodeBase64(
      (await this.#ops.read("POST", path, BackupSchema, operationSignal(options))).value,
    );
  }

  /**
   * Restores a backup made by {@link SecretClient.backupSecret} (`POST /secrets/restore`).
   *
   * @param backup The backup bytes.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async restoreSecretBackup(
    backup: Uint8Array,
    options: OperationOptions = {},
  ): Promise<SecretProperties> {
    need(backup instanceof Uint8Array && backup.length, "backup", "must be a non-empty Uint8Array");
    const body = { value: encodeBase64(backup, true) };
    return toSecretProperties(
      await this.#bundle("POST", "/secrets/restore", operationSignal(options), body),
    );
  }

  /**
   * Sends any request to this vault, authenticated, challenge-aware and retried: the escape
   * hatch for operations kvfetch does not wrap. `path` is relative to the vault (or an
   * absolute URL on the vault's origin); `api-version` is added unless present. Resolves with
   * the response whatever its status.
   *
   * @example Reading the first page of secrets as raw JSON
   * ```ts
   * import { SecretClient } from "kvfetch/secrets";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new SecretClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * const response = await client.fetch("/secrets?maxresults=5");
   * // console.log(response.status, await response.json());
   * ```
   *
   * @param path The path below the vault, e.g. `/secrets?maxresults=5`.
   * @param init Method, headers, body and signal, as for `fetch`.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `SecretNotFound`).
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
  ): Promise<SecretBundle> {
    return this.#ops.read(method, path, SecretBundleSchema, signal, body);
  }
}
/** The metadata part of a set or update request body. */
function attributes(options: SetSecretOptions) {
  const { contentType, enabled } = options;
  need(
    contentType === undefined || typeof contentType == "string",
    "contentType",
    "must be a string",
  );
  need(enabled === undefined || typeof enabled == "boolean", "enabled", "must be a boolean");
  const attributes = {
    enabled,
    nbf: toUnix(options.notBefore, "notBefore"),
    exp: toUnix(options.expiresOn, "expiresOn"),
  };
  return {
    contentType,
    attributes: Object.values(attributes).some((x) => x !== undefined) ? attributes : undefined,
    tags: checkTags(options.tags),
  };
}
