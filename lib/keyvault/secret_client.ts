/**
 * `SecretClient`: read and manage the secrets of one vault.
 *
 * @module
 */

import * as v from "valibot";
import { KvfetchError } from "../http/errors.ts";
import { readJson } from "../http/json.ts";
import { type PagedAsyncIterableIterator, pagedIterator, pageSchema } from "../http/paging.ts";
import { responseError } from "../http/response_error.ts";
import type { HttpResult } from "../http/send.ts";
import type { TokenCredential } from "../auth/types.ts";
import { VaultPipeline, type VaultRequest } from "./_vault_pipeline.ts";
import { checkName, checkPageSize, checkTags, checkVersion, toUnix } from "./_names.ts";
import { redactError } from "../http/_redact.ts";
import { decodeBase64, encodeBase64 } from "../http/_base64.ts";
import type { OperationOptions, VaultClientOptions } from "./options.ts";
import {
  BackupSchema,
  type DeletedSecret,
  type KeyVaultSecret,
  SecretBundleSchema,
  type SecretProperties,
  toDeletedSecret,
  toSecret,
  toSecretProperties,
} from "./secrets_models.ts";

/**
 * Options of {@link SecretClient}.
 *
 * @example
 * ```ts
 * import type { SecretClientOptions } from "./secret_client.ts";
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
 * import type { SetSecretOptions } from "./secret_client.ts";
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
 * import type { GetSecretOptions } from "./secret_client.ts";
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
 * import type { UpdateSecretPropertiesOptions } from "./secret_client.ts";
 *
 * const options: UpdateSecretPropertiesOptions = { enabled: false };
 * console.log(options.enabled);
 * ```
 */
export interface UpdateSecretPropertiesOptions extends Omit<SetSecretOptions, never> {}

/**
 * How {@link SecretClient.deleteSecret} and {@link SecretClient.recoverDeletedSecret} wait
 * for Key Vault to finish (soft delete and recovery are asynchronous).
 *
 * @example Not waiting at all
 * ```ts
 * import type { PollOptions } from "./secret_client.ts";
 *
 * const options: PollOptions = { waitForCompletion: false };
 * console.log(options.waitForCompletion);
 * ```
 */
export interface PollOptions extends OperationOptions {
  /** Wait until the operation has finished. @default true */
  waitForCompletion?: boolean;
  /** How long to wait between two checks, in milliseconds. @default 2000 */
  pollIntervalMs?: number;
  /**
   * The longest to wait, in milliseconds; past it, `ERR_OPERATION_TIMEOUT` (the operation
   * itself goes on at Key Vault).
   * @default 120000
   */
  maxWaitMs?: number;
}

/** The largest secret value Key Vault accepts: 25 KiB. */
const MAX_VALUE_BYTES = 25 * 1024;

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
 * @example Retrieve a secret (the seed's `client.get_secret(vault, name, version)`)
 * ```ts
 * import { SecretClient } from "./secret_client.ts";
 * import { ClientSecretCredential } from "../auth/client_secret.ts";
 *
 * const credential = new ClientSecretCredential({
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   clientSecret: "from-a-secret-store",
 * });
 * const client = new SecretClient("https://VAULT_ID.vault.azure.net/", credential);
 * // const secret = await client.getSecret("SECRET_ID", { version: "SECRET_VERSION" });
 * // console.log(secret.value);
 * console.log(client.vaultUrl);
 * ```
 */
export class SecretClient {
  /** The vault URL, normalised (`https://{name}.vault.azure.net`). */
  readonly vaultUrl: string;
  readonly #pipeline: VaultPipeline;

  /**
   * Creates a client. Checks the URL and options at once; sends nothing yet.
   *
   * @param vaultUrl The vault URL, e.g. `https://myvault.vault.azure.net`.
   * @param credential Any `TokenCredential`: a kvfetch credential or one from `@azure/identity`.
   * @param options Service version, challenge pre-seeding, transport options.
   */
  constructor(vaultUrl: string, credential: TokenCredential, options: SecretClientOptions = {}) {
    this.#pipeline = new VaultPipeline(vaultUrl, credential, options);
    this.vaultUrl = this.#pipeline.vaultUrl;
  }

  /**
   * Creates a secret, or a new version of it (`PUT /secrets/{name}`).
   *
   * @param name 1–127 letters, digits and dashes.
   * @param value The value (at most 25 KiB of UTF-8).
   * @param options Content type, attributes, tags.
   */
  async setSecret(
    name: string,
    value: string,
    options: SetSecretOptions = {},
  ): Promise<KeyVaultSecret> {
    checkName(name, "secret name");
    if (typeof value !== "string") throw new TypeError("The secret value must be a string");
    if (new TextEncoder().encode(value).byteLength > MAX_VALUE_BYTES) {
      throw new RangeError("The secret value is larger than Key Vault's 25 KiB limit");
    }
    const body = { value, ...this.#attributes(options) };
    try {
      const result = await this.#call({
        method: "PUT",
        path: `/secrets/${name}`,
        body,
        signal: options.signal,
      }, [200]);
      return toSecret(await this.#read(result, SecretBundleSchema, "SetSecret"));
    } catch (error) {
      throw redactError(error, [value]);
    }
  }

  /**
   * Reads a secret with its value (`GET /secrets/{name}/{version}`).
   *
   * @param name The secret's name.
   * @param options `version`: a specific version instead of the latest.
   */
  async getSecret(name: string, options: GetSecretOptions = {}): Promise<KeyVaultSecret> {
    checkName(name, "secret name");
    const version = checkVersion(options.version);
    const result = await this.#call({
      method: "GET",
      path: `/secrets/${name}/${version}`,
      signal: options.signal,
    }, [200]);
    return toSecret(await this.#read(result, SecretBundleSchema, "GetSecret"));
  }

  /**
   * Changes a secret version's metadata (`PATCH /secrets/{name}/{version}`); the value cannot
   * change. An empty version means the latest.
   *
   * @param name The secret's name.
   * @param version The version to update (`""` for the latest).
   * @param options The new content type, attributes and tags.
   */
  async updateSecretProperties(
    name: string,
    version: string,
    options: UpdateSecretPropertiesOptions = {},
  ): Promise<SecretProperties> {
    checkName(name, "secret name");
    const v = checkVersion(version);
    const result = await this.#call({
      method: "PATCH",
      path: `/secrets/${name}/${v}`,
      body: this.#attributes(options),
      signal: options.signal,
    }, [200]);
    return toSecretProperties(await this.#read(result, SecretBundleSchema, "UpdateSecret"));
  }

  /**
   * Lists the vault's secrets, latest versions, without values (`GET /secrets`).
   *
   * @param options Cancellation.
   */
  listPropertiesOfSecrets(
    options: OperationOptions = {},
  ): PagedAsyncIterableIterator<SecretProperties> {
    return this.#list("/secrets", toSecretProperties, options);
  }

  /**
   * Lists every version of a secret, without values (`GET /secrets/{name}/versions`).
   *
   * @param name The secret's name.
   * @param options Cancellation.
   */
  listPropertiesOfSecretVersions(
    name: string,
    options: OperationOptions = {},
  ): PagedAsyncIterableIterator<SecretProperties> {
    checkName(name, "secret name");
    return this.#list(`/secrets/${name}/versions`, toSecretProperties, options);
  }

  /**
   * Lists deleted secrets that can still be recovered or purged (`GET /deletedsecrets`).
   *
   * @param options Cancellation.
   */
  listDeletedSecrets(options: OperationOptions = {}): PagedAsyncIterableIterator<DeletedSecret> {
    return this.#list("/deletedsecrets", toDeletedSecret, options);
  }

  /**
   * Deletes a secret, every version of it (`DELETE /secrets/{name}`), and by default waits
   * until Key Vault has finished the (asynchronous) soft delete.
   *
   * @param name The secret's name.
   * @param options Whether and how long to wait.
   */
  async deleteSecret(name: string, options: PollOptions = {}): Promise<DeletedSecret> {
    checkName(name, "secret name");
    const poll = this.#pollOptions(options);
    const result = await this.#call({
      method: "DELETE",
      path: `/secrets/${name}`,
      signal: options.signal,
    }, [200]);
    const deleted = toDeletedSecret(await this.#read(result, SecretBundleSchema, "DeleteSecret"));
    // Without soft delete there is no recoveryId and nothing to wait for.
    if (!poll.wait || !deleted.recoveryId) return deleted;
    const done = await this.#pollUntil(`deletion of secret ${name}`, poll, options, async () => {
      const check = await this.#call({
        method: "GET",
        path: `/deletedsecrets/${name}`,
        signal: options.signal,
      }, [200, 403, 404]);
      if (check.response.status === 404) return undefined;
      if (check.response.status === 403) return deleted; // allowed to delete, not to read: done
      return toDeletedSecret(await this.#read(check, SecretBundleSchema, "GetDeletedSecret"));
    });
    return done;
  }

  /**
   * Reads a deleted secret's metadata (`GET /deletedsecrets/{name}`).
   *
   * @param name The secret's name.
   * @param options Cancellation.
   */
  async getDeletedSecret(name: string, options: OperationOptions = {}): Promise<DeletedSecret> {
    checkName(name, "secret name");
    const result = await this.#call({
      method: "GET",
      path: `/deletedsecrets/${name}`,
      signal: options.signal,
    }, [200]);
    return toDeletedSecret(await this.#read(result, SecretBundleSchema, "GetDeletedSecret"));
  }

  /**
   * Recovers a deleted secret (`POST /deletedsecrets/{name}/recover`), and by default waits
   * until it can be read again.
   *
   * @param name The secret's name.
   * @param options Whether and how long to wait.
   */
  async recoverDeletedSecret(name: string, options: PollOptions = {}): Promise<SecretProperties> {
    checkName(name, "secret name");
    const poll = this.#pollOptions(options);
    const result = await this.#call({
      method: "POST",
      path: `/deletedsecrets/${name}/recover`,
      signal: options.signal,
    }, [200]);
    const recovered = toSecretProperties(
      await this.#read(result, SecretBundleSchema, "RecoverDeletedSecret"),
    );
    if (!poll.wait) return recovered;
    return await this.#pollUntil(`recovery of secret ${name}`, poll, options, async () => {
      const check = await this.#call({
        method: "GET",
        path: `/secrets/${name}/`,
        signal: options.signal,
      }, [200, 403, 404]);
      await check.response.body?.cancel();
      return check.response.status === 404 ? undefined : recovered;
    });
  }

  /**
   * Deletes a deleted secret for good (`DELETE /deletedsecrets/{name}`).
   *
   * @param name The secret's name.
   * @param options Cancellation.
   */
  async purgeDeletedSecret(name: string, options: OperationOptions = {}): Promise<void> {
    checkName(name, "secret name");
    const result = await this.#call({
      method: "DELETE",
      path: `/deletedsecrets/${name}`,
      signal: options.signal,
    }, [204, 200]);
    await result.response.body?.cancel();
  }

  /**
   * Downloads a protected backup of every version of a secret (`POST /secrets/{name}/backup`).
   * It can only be restored into a vault of the same subscription and geography.
   *
   * @param name The secret's name.
   * @param options Cancellation.
   */
  async backupSecret(name: string, options: OperationOptions = {}): Promise<Uint8Array> {
    checkName(name, "secret name");
    const result = await this.#call({
      method: "POST",
      path: `/secrets/${name}/backup`,
      signal: options.signal,
    }, [200]);
    const { value } = await this.#read(result, BackupSchema, "BackupSecret");
    return decodeBase64(value);
  }

  /**
   * Restores a backup made by {@link SecretClient.backupSecret} (`POST /secrets/restore`).
   *
   * @param backup The backup bytes.
   * @param options Cancellation.
   */
  async restoreSecretBackup(
    backup: Uint8Array,
    options: OperationOptions = {},
  ): Promise<SecretProperties> {
    if (!(backup instanceof Uint8Array) || backup.byteLength === 0) {
      throw new TypeError("The backup must be a non-empty Uint8Array");
    }
    const result = await this.#call({
      method: "POST",
      path: "/secrets/restore",
      body: { value: encodeBase64(backup, true) },
      signal: options.signal,
    }, [200]);
    return toSecretProperties(await this.#read(result, SecretBundleSchema, "RestoreSecret"));
  }

  /**
   * Sends any request to this vault, authenticated, challenge-aware and retried: the escape
   * hatch for operations kvfetch does not wrap. `path` is relative to the vault (or an
   * absolute URL on the vault's origin); `api-version` is added unless present. Resolves with
   * the response whatever its status.
   *
   * @example Reading the first page of secrets as raw JSON
   * ```ts
   * import { SecretClient } from "./secret_client.ts";
   * import { StaticTokenCredential } from "../auth/static_token.ts";
   *
   * const client = new SecretClient(
   *   "https://myvault.vault.azure.net",
   *   new StaticTokenCredential({ token: "…", expiresOnTimestamp: Date.now() + 60_000 }),
   * );
   * // const response = await client.fetch("/secrets?maxresults=5");
   * // console.log(response.status, await response.json());
   * console.log(typeof client.fetch);
   * ```
   *
   * @param path The path below the vault, e.g. `/secrets?maxresults=5`.
   * @param init Method, headers, body and signal, as for `fetch`.
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (typeof path !== "string") throw new TypeError("path must be a string");
    const result = await this.#pipeline.request({
      method: init.method ?? "GET",
      path,
      headers: init.headers ?? undefined,
      rawBody: init.body ?? null,
      signal: init.signal ?? undefined,
    });
    return result.response;
  }

  #attributes(options: SetSecretOptions) {
    if (options.contentType !== undefined && typeof options.contentType !== "string") {
      throw new TypeError('"contentType" option must be a string');
    }
    if (options.enabled !== undefined && typeof options.enabled !== "boolean") {
      throw new TypeError('"enabled" option must be a boolean');
    }
    const attributes = {
      enabled: options.enabled,
      nbf: toUnix(options.notBefore, "notBefore"),
      exp: toUnix(options.expiresOn, "expiresOn"),
    };
    const hasAttributes = Object.values(attributes).some((x) => x !== undefined);
    return {
      contentType: options.contentType,
      attributes: hasAttributes ? attributes : undefined,
      tags: checkTags(options.tags),
    };
  }

  #pollOptions(options: PollOptions) {
    const interval = options.pollIntervalMs ?? 2000;
    const maxWait = options.maxWaitMs ?? 120_000;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new RangeError('"pollIntervalMs" option must be a non-negative number');
    }
    if (!(maxWait >= 0)) throw new RangeError('"maxWaitMs" option must be a non-negative number');
    return { wait: options.waitForCompletion !== false, interval, maxWait };
  }

  async #pollUntil<T>(
    what: string,
    poll: { interval: number; maxWait: number },
    options: OperationOptions,
    check: () => Promise<T | undefined>,
  ): Promise<T> {
    const { now, sleep } = this.#pipeline.http;
    const start = now();
    for (;;) {
      const done = await check();
      if (done !== undefined) return done;
      if (now() - start + poll.interval > poll.maxWait) {
        throw new KvfetchError(
          "ERR_OPERATION_TIMEOUT",
          `The ${what} did not finish within ${poll.maxWait} ms; Key Vault is still working ` +
            "on it (raise maxWaitMs, or pass waitForCompletion: false)",
        );
      }
      await sleep(poll.interval, options.signal);
    }
  }

  #list<T>(
    path: string,
    map: (item: v.InferOutput<typeof SecretBundleSchema>) => T,
    options: OperationOptions,
  ): PagedAsyncIterableIterator<T> {
    const schema = pageSchema(SecretBundleSchema);
    return pagedIterator<T>({
      firstPageUrl: (maxPageSize) =>
        this.#pipeline.url(path, { maxresults: checkPageSize(maxPageSize) }),
      getPage: async (url) => {
        const result = await this.#call({ method: "GET", path: url.href, signal: options.signal }, [
          200,
        ]);
        const page = await this.#read(result, schema, `List ${path}`);
        return { value: page.value.map(map), nextLink: page.nextLink };
      },
    });
  }

  /** Sends through the pipeline; a status outside `expected` becomes a `RestError`. */
  async #call(request: VaultRequest, expected: number[]): Promise<HttpResult> {
    const result = await this.#pipeline.request(request);
    if (!expected.includes(result.response.status)) throw await responseError(result);
    return result;
  }

  #read<const S extends v.GenericSchema>(
    result: HttpResult,
    schema: S,
    operation: string,
  ): Promise<v.InferOutput<S>> {
    return readJson(result.response, schema, `The ${operation} response`);
  }
}
