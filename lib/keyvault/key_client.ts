/**
 * `KeyClient`: create, import, read and manage the keys of one vault or Managed HSM.
 *
 * @module
 */

import { operationSignal } from "../http/_official_options.ts";
import { need } from "../http/_check.ts";
import type { PagedAsyncIterableIterator } from "../http/paging.ts";
import { redactError } from "../http/_redact.ts";
import { decodeBase64, encodeBase64 } from "../http/_base64.ts";
import type { TokenCredential } from "../auth/types.ts";
import { parseKeyVaultJwk } from "../jwk/parse.ts";
import type {
  Jwk,
  KeyCurveName,
  KeyOperation,
  KeyVaultJwk,
  KeyVaultKeyType,
} from "../jwk/types.ts";
import { pollOptions, VaultOperations } from "./_operations.ts";
import { checkName, checkTags, checkVersion, toUnix } from "./_names.ts";
import type { ListOptions, OperationOptions, PollOptions, VaultClientOptions } from "./options.ts";
import {
  type DeletedKey,
  type KeyBundle,
  type KeyProperties,
  type KeyReleasePolicy,
  type KeyRotationLifetimeAction,
  type KeyRotationPolicy,
  keySchemas,
  type KeyVaultKey,
  toDeletedKey,
  toKey,
  toKeyProperties,
  toRotationPolicy,
} from "./keys_models.ts";
import { CryptographyClient, type CryptographyClientOptions } from "./crypto_client.ts";
import * as v from "valibot";
import { lazy } from "../http/_lazy.ts";

/**
 * Options of {@link KeyClient}.
 *
 * @example
 * ```ts
 * import type { KeyClientOptions } from "kvfetch/keys";
 *
 * const options: KeyClientOptions = { serviceVersion: "7.6", timeoutMs: 10_000 };
 * console.log(options.serviceVersion);
 * ```
 */
export interface KeyClientOptions extends VaultClientOptions {}

/**
 * Attributes and tags shared by creating, importing and updating a key.
 *
 * @example
 * ```ts
 * import type { KeyAttributesOptions } from "kvfetch/keys";
 *
 * const options: KeyAttributesOptions = { expiresOn: new Date(Date.now() + 365 * 86_400_000) };
 * console.log(options.expiresOn instanceof Date);
 * ```
 */
export interface KeyAttributesOptions extends OperationOptions {
  /** Whether the key can be used. @default true */
  enabled?: boolean;
  /** Not usable before this time. */
  notBefore?: Date;
  /** Not usable after this time. */
  expiresOn?: Date;
  /** Tags (at most 15). */
  tags?: Record<string, string>;
  /** Whether the private key may be exported (released); needs a release policy. */
  exportable?: boolean;
  /** The release policy of an exportable key. */
  releasePolicy?: KeyReleasePolicy;
}

/**
 * Options of {@link KeyClient.createKey}.
 *
 * @example
 * ```ts
 * import type { CreateKeyOptions } from "kvfetch/keys";
 *
 * const options: CreateKeyOptions = { keySize: 3072, keyOps: ["sign", "verify"] };
 * console.log(options.keySize);
 * ```
 */
export interface CreateKeyOptions extends KeyAttributesOptions {
  /** What the key may be used for. Key Vault's defaults for the key type when absent. */
  keyOps?: KeyOperation[];
  /** RSA: 2048, 3072 or 4096 bits; oct: 128, 192 or 256. */
  keySize?: number;
  /** RSA public exponent. @default 65537 */
  publicExponent?: number;
  /** EC curve. @default "P-256" (Key Vault's) */
  curve?: KeyCurveName;
}

/**
 * Options of {@link KeyClient.createRsaKey}.
 *
 * @example
 * ```ts
 * import type { CreateRsaKeyOptions } from "kvfetch/keys";
 *
 * const options: CreateRsaKeyOptions = { keySize: 4096, hsm: true };
 * console.log(options.hsm);
 * ```
 */
export interface CreateRsaKeyOptions extends Omit<CreateKeyOptions, "curve"> {
  /** Create an `RSA-HSM` key. @default false */
  hsm?: boolean;
}

/**
 * Options of {@link KeyClient.createEcKey}.
 *
 * @example
 * ```ts
 * import type { CreateEcKeyOptions } from "kvfetch/keys";
 *
 * const options: CreateEcKeyOptions = { curve: "P-384" };
 * console.log(options.curve);
 * ```
 */
export interface CreateEcKeyOptions extends Omit<CreateKeyOptions, "keySize" | "publicExponent"> {
  /** Create an `EC-HSM` key. @default false */
  hsm?: boolean;
}

/**
 * Options of {@link KeyClient.createOctKey} (Managed HSM).
 *
 * @example
 * ```ts
 * import type { CreateOctKeyOptions } from "kvfetch/keys";
 *
 * const options: CreateOctKeyOptions = { keySize: 256, hsm: true };
 * console.log(options.keySize);
 * ```
 */
export interface CreateOctKeyOptions extends Omit<CreateKeyOptions, "curve" | "publicExponent"> {
  /** Create an `oct-HSM` key. @default true */
  hsm?: boolean;
}

/**
 * Options of {@link KeyClient.importKey}.
 *
 * @example
 * ```ts
 * import type { ImportKeyOptions } from "kvfetch/keys";
 *
 * const options: ImportKeyOptions = { hardwareProtected: true };
 * console.log(options.hardwareProtected);
 * ```
 */
export interface ImportKeyOptions extends KeyAttributesOptions {
  /** Keep the imported key in an HSM. */
  hardwareProtected?: boolean;
}

/**
 * Options of {@link KeyClient.updateKeyProperties}.
 *
 * @example
 * ```ts
 * import type { UpdateKeyPropertiesOptions } from "kvfetch/keys";
 *
 * const options: UpdateKeyPropertiesOptions = { enabled: false, keyOps: ["verify"] };
 * console.log(options.enabled);
 * ```
 */
export interface UpdateKeyPropertiesOptions extends Omit<KeyAttributesOptions, "exportable"> {
  /** The operations the key may be used for from now on. */
  keyOps?: KeyOperation[];
}

/**
 * Options of {@link KeyClient.getKey} and the other reads of one version.
 *
 * @example
 * ```ts
 * import type { GetKeyOptions } from "kvfetch/keys";
 *
 * const options: GetKeyOptions = { version: "0123456789abcdef0123456789abcdef" };
 * console.log(options.version);
 * ```
 */
export interface GetKeyOptions extends OperationOptions {
  /** The version; the latest when absent. */
  version?: string;
}

/**
 * Options of {@link KeyClient.releaseKey}.
 *
 * @example
 * ```ts
 * import type { ReleaseKeyOptions } from "kvfetch/keys";
 *
 * const options: ReleaseKeyOptions = { algorithm: "RSA_AES_KEY_WRAP_256" };
 * console.log(options.algorithm);
 * ```
 */
export interface ReleaseKeyOptions extends GetKeyOptions {
  /** A nonce from the attestation service, for freshness. */
  nonce?: string;
  /** How the released key is wrapped. */
  algorithm?: "CKM_RSA_AES_KEY_WRAP" | "RSA_AES_KEY_WRAP_256" | "RSA_AES_KEY_WRAP_384";
}

/**
 * What {@link KeyClient.releaseKey} returns: a JWS carrying the wrapped key.
 *
 * @example
 * ```ts
 * import { KeyClient, type ReleaseKeyResult } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const encodedPolicy = new TextEncoder().encode(JSON.stringify({ version: "1.0.0", anyOf: [] }));
 * const releasePolicy = { encodedPolicy };
 * await keys.createRsaKey("exportable", { hsm: true, exportable: true, releasePolicy });
 * const attestation = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln"; // from the attestation service
 * const released: ReleaseKeyResult = await keys.releaseKey("exportable", attestation);
 * console.log(released.value.split(".").length); // 3: a compact JWS carrying the key
 * ```
 */
export interface ReleaseKeyResult {
  /** The signed JWS whose payload holds the released, wrapped key. */
  value: string;
}

/**
 * Options of {@link KeyClient.getCryptographyClient}.
 *
 * @example
 * ```ts
 * import type { GetCryptographyClientOptions } from "kvfetch/keys";
 *
 * const options: GetCryptographyClientOptions = { keyVersion: "0123456789abcdef0123456789abcdef" };
 * console.log(options.keyVersion);
 * ```
 */
export interface GetCryptographyClientOptions
  extends Pick<CryptographyClientOptions, "forceRemote"> {
  /** The key version; the latest when absent (learned with one `getKey`). */
  keyVersion?: string;
}

const KEY_TYPES: readonly KeyVaultKeyType[] = ["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"];
const CURVES: readonly KeyCurveName[] = ["P-256", "P-384", "P-521", "P-256K"];
const OPS: readonly KeyOperation[] = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "wrapKey",
  "unwrapKey",
  "import",
  "export",
];
const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?!$)(\d+H)?(\d+M)?(\d+S)?)?$/;

/**
 * Creates, imports, reads and manages the keys of one vault or Managed HSM
 * (`https://{name}.managedhsm.azure.net`), over plain `fetch`, on any runtime. Method names
 * follow `@azure/keyvault-keys`; deletes and recoveries return promises that resolve when Key
 * Vault is done instead of pollers. Every returned key carries its JSON Web Key as Key Vault
 * sent it (`key`) and as a standard JWK (`jwk`), ready for jose or Web Crypto.
 *
 * @example Create a key and retrieve its JSON Web Key (against the emulator; on Azure, leave out `fetch`)
 * ```ts
 * import { ClientSecretCredential } from "kvfetch/auth";
 * import { KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const credential = new ClientSecretCredential({
 *   tenantId: emulator.env.AZURE_TENANT_ID,
 *   clientId: emulator.env.AZURE_CLIENT_ID,
 *   clientSecret: emulator.env.AZURE_CLIENT_SECRET,
 *   fetch: emulator.fetch,
 * });
 * const client = new KeyClient("https://myvault.vault.azure.net", credential, {
 *   fetch: emulator.fetch,
 * });
 * await client.createEcKey("signing-key", { curve: "P-256" });
 * const { key, jwk } = await client.getKey("signing-key"); // or { version }
 * console.log(key?.kty, jwk?.kty); // EC EC
 * ```
 */
export class KeyClient {
  /** The vault URL, normalised (`https://{name}.vault.azure.net`). */
  readonly vaultUrl: string;
  readonly #ops: VaultOperations;
  readonly #credential: TokenCredential;
  readonly #options: KeyClientOptions;

  /**
   * Creates a client. Checks the URL and options at once; sends nothing yet.
   *
   * @param vaultUrl The vault or Managed HSM URL, e.g. `https://myvault.vault.azure.net`.
   * @param credential Any `TokenCredential`: a kvfetch credential or one from `@azure/identity`.
   * @param options Service version, challenge pre-seeding, transport options.
   */
  constructor(vaultUrl: string, credential: TokenCredential, options: KeyClientOptions = {}) {
    this.#ops = new VaultOperations(vaultUrl, credential, options);
    this.vaultUrl = this.#ops.pipeline.vaultUrl;
    this.#credential = credential;
    this.#options = options;
  }

  /**
   * Creates a key, or a new version of it (`POST /keys/{name}/create`).
   *
   * @param name 1–127 letters, digits and dashes.
   * @param keyType `RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct` or `oct-HSM`.
   * @param options Size, curve, operations, attributes, tags, release policy.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async createKey(
    name: string,
    keyType: KeyVaultKeyType,
    options: CreateKeyOptions = {},
  ): Promise<KeyVaultKey> {
    checkName(name);
    need(KEY_TYPES.includes(keyType), "keyType", `must be one of ${KEY_TYPES.join(", ")}`);
    const base = keyType.replace("-HSM", "");
    const { keySize, publicExponent, curve } = options;
    if (keySize !== undefined) {
      need(base !== "EC", "keySize", "does not apply to EC keys (choose a curve)");
      const sizes = base === "RSA" ? [2048, 3072, 4096] : [128, 192, 256];
      need(
        sizes.includes(keySize),
        "keySize",
        `must be ${sizes.join(", ")} for ${base} keys`,
        RangeError,
      );
    }
    if (publicExponent !== undefined) {
      need(base === "RSA", "publicExponent", "applies to RSA keys only");
      need(
        Number.isSafeInteger(publicExponent) && publicExponent >= 3 && publicExponent % 2 === 1,
        "publicExponent",
        "must be an odd integer of at least 3 (usually 65537)",
        RangeError,
      );
    }
    if (curve !== undefined) {
      need(base === "EC", "curve", "applies to EC keys only");
      need(CURVES.includes(curve), "curve", `must be one of ${CURVES.join(", ")}`);
    }
    const body = {
      kty: keyType,
      key_size: keySize,
      public_exponent: publicExponent,
      key_ops: checkOps(options.keyOps),
      ...attributes(options, true),
      crv: curve,
    };
    return toKey(
      await this.#bundle("POST", `/keys/${name}/create`, operationSignal(options), body),
    );
  }

  /**
   * Creates an RSA key (`RSA`, or `RSA-HSM` with `hsm`).
   *
   * @param name The key's name.
   * @param options Size (2048, 3072, 4096), exponent, operations, attributes.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  createRsaKey(name: string, options: CreateRsaKeyOptions = {}): Promise<KeyVaultKey> {
    const { hsm, ...rest } = options;
    return this.createKey(name, hsm ? "RSA-HSM" : "RSA", rest);
  }

  /**
   * Creates an elliptic-curve key (`EC`, or `EC-HSM` with `hsm`).
   *
   * @param name The key's name.
   * @param options Curve, operations, attributes.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  createEcKey(name: string, options: CreateEcKeyOptions = {}): Promise<KeyVaultKey> {
    const { hsm, ...rest } = options;
    return this.createKey(name, hsm ? "EC-HSM" : "EC", rest);
  }

  /**
   * Creates a symmetric (AES) key: Managed HSM only (`oct-HSM` by default).
   *
   * @param name The key's name.
   * @param options Size (128, 192, 256), operations, attributes.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  createOctKey(name: string, options: CreateOctKeyOptions = {}): Promise<KeyVaultKey> {
    const { hsm, ...rest } = options;
    return this.createKey(name, hsm === false ? "oct" : "oct-HSM", rest);
  }

  /**
   * Imports a key (`PUT /keys/{name}`): a JWK with its private members (from `fromPem`,
   * `fromCryptoKey`, or your own). Key material never appears in an error.
   *
   * @param name The key's name.
   * @param key The key to import (Key Vault's or standard JWK form).
   * @param options HSM protection, attributes, tags, release policy.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async importKey(
    name: string,
    key: KeyVaultJwk | Jwk,
    options: ImportKeyOptions = {},
  ): Promise<KeyVaultKey> {
    checkName(name);
    const { keyVaultJwk } = parseKeyVaultJwk(key, { allowPrivate: true });
    const { hardwareProtected } = options;
    need(
      hardwareProtected === undefined || typeof hardwareProtected == "boolean",
      "hardwareProtected",
      "must be a boolean",
    );
    const body = { key: keyVaultJwk, Hsm: hardwareProtected, ...attributes(options, true) };
    const material = ["d", "p", "q", "dp", "dq", "qi", "k", "key_hsm"]
      .map((m) => (keyVaultJwk as unknown as Record<string, unknown>)[m])
      .filter((x): x is string => typeof x == "string");
    try {
      return toKey(await this.#bundle("PUT", `/keys/${name}`, operationSignal(options), body));
    } catch (error) {
      throw redactError(error, material);
    }
  }

  /**
   * Reads a key's public part and properties (`GET /keys/{name}/{version}`).
   *
   * @param name The key's name.
   * @param options `version`: a specific version instead of the latest.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getKey(name: string, options: GetKeyOptions = {}): Promise<KeyVaultKey> {
    const path = `/keys/${checkName(name)}/${checkVersion(options.version)}`;
    return toKey(await this.#bundle("GET", path, operationSignal(options)));
  }

  /**
   * Changes a key version's operations, attributes, tags or release policy
   * (`PATCH /keys/{name}/{version}`); an empty version means the latest.
   *
   * @param name The key's name.
   * @param version The version to update (`""` for the latest).
   * @param options What to change.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateKeyProperties(
    name: string,
    version: string,
    options: UpdateKeyPropertiesOptions = {},
  ): Promise<KeyVaultKey> {
    const path = `/keys/${checkName(name)}/${checkVersion(version)}`;
    const body = { key_ops: checkOps(options.keyOps), ...attributes(options, false) };
    return toKey(await this.#bundle("PATCH", path, operationSignal(options), body));
  }

  /**
   * Lists the vault's keys, latest versions (`GET /keys`).
   *
   * @param options Cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfKeys(options: ListOptions = {}): PagedAsyncIterableIterator<KeyProperties> {
    return this.#ops.list("/keys", keySchemas().KeyBundleSchema, toKeyProperties, options);
  }

  /**
   * Lists every version of a key (`GET /keys/{name}/versions`).
   *
   * @param name The key's name.
   * @param options Cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listPropertiesOfKeyVersions(
    name: string,
    options: ListOptions = {},
  ): PagedAsyncIterableIterator<KeyProperties> {
    const path = `/keys/${checkName(name)}/versions`;
    return this.#ops.list(path, keySchemas().KeyBundleSchema, toKeyProperties, options);
  }

  /**
   * Lists deleted keys that can still be recovered or purged (`GET /deletedkeys`).
   *
   * @param options Cancellation, page bound.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listDeletedKeys(options: ListOptions = {}): PagedAsyncIterableIterator<DeletedKey> {
    return this.#ops.list("/deletedkeys", keySchemas().KeyBundleSchema, toDeletedKey, options);
  }

  /**
   * Deletes a key, every version of it (`DELETE /keys/{name}`), and by default waits until Key
   * Vault has finished the (asynchronous) soft delete.
   *
   * @param name The key's name.
   * @param options Whether and how long to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async deleteKey(name: string, options: PollOptions = {}): Promise<DeletedKey> {
    const poll = pollOptions(options);
    const deleted = toDeletedKey(
      await this.#bundle("DELETE", `/keys/${checkName(name)}`, operationSignal(options)),
    );
    return poll.wait && deleted.recoveryId
      ? await this.#ops.poll(`deletion of key ${name}`, `/deletedkeys/${name}`, poll, deleted)
      : deleted;
  }

  /**
   * Reads a deleted key (`GET /deletedkeys/{name}`).
   *
   * @param name The key's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getDeletedKey(name: string, options: OperationOptions = {}): Promise<DeletedKey> {
    return toDeletedKey(
      await this.#bundle("GET", `/deletedkeys/${checkName(name)}`, operationSignal(options)),
    );
  }

  /**
   * Recovers a deleted key (`POST /deletedkeys/{name}/recover`), and by default waits until it
   * can be read again.
   *
   * @param name The key's name.
   * @param options Whether and how long to wait.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async recoverDeletedKey(name: string, options: PollOptions = {}): Promise<KeyVaultKey> {
    const poll = pollOptions(options);
    const path = `/deletedkeys/${checkName(name)}/recover`;
    const recovered = toKey(await this.#bundle("POST", path, operationSignal(options)));
    return poll.wait
      ? await this.#ops.poll(`recovery of key ${name}`, `/keys/${name}/`, poll, recovered)
      : recovered;
  }

  /**
   * Deletes a deleted key for good (`DELETE /deletedkeys/{name}`).
   *
   * @param name The key's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async purgeDeletedKey(name: string, options: OperationOptions = {}): Promise<void> {
    const path = `/deletedkeys/${checkName(name)}`;
    await this.#ops.call("DELETE", path, operationSignal(options), undefined, [204, 200]);
  }

  /**
   * Downloads a protected backup of every version of a key (`POST /keys/{name}/backup`). It
   * can only be restored into a vault of the same subscription and geography.
   *
   * @param name The key's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async backupKey(name: string, options: OperationOptions = {}): Promise<Uint8Array> {
    const path = `/keys/${checkName(name)}/backup`;
    const { value } = await this.#ops.read("POST", path, schemas().Value, operationSignal(options));
    return decodeBase64(value);
  }

  /**
   * Restores a backup made by {@link KeyClient.backupKey} (`POST /keys/restore`).
   *
   * @param backup The backup bytes.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async restoreKeyBackup(backup: Uint8Array, options: OperationOptions = {}): Promise<KeyVaultKey> {
    need(backup instanceof Uint8Array && backup.length, "backup", "must be a non-empty Uint8Array");
    const body = { value: encodeBase64(backup, true) };
    return toKey(await this.#bundle("POST", "/keys/restore", operationSignal(options), body));
  }

  /**
   * Creates a new version of a key now, as its rotation policy would (`POST
   * /keys/{name}/rotate`).
   *
   * @param name The key's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async rotateKey(name: string, options: OperationOptions = {}): Promise<KeyVaultKey> {
    return toKey(
      await this.#bundle("POST", `/keys/${checkName(name)}/rotate`, operationSignal(options)),
    );
  }

  /**
   * Reads a key's rotation policy (`GET /keys/{name}/rotationpolicy`).
   *
   * @param name The key's name.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getKeyRotationPolicy(
    name: string,
    options: OperationOptions = {},
  ): Promise<KeyRotationPolicy> {
    const path = `/keys/${checkName(name)}/rotationpolicy`;
    return toRotationPolicy(
      await this.#ops.read(
        "GET",
        path,
        keySchemas().RotationPolicySchema,
        operationSignal(options),
      ),
    );
  }

  /**
   * Sets a key's rotation policy (`PUT /keys/{name}/rotationpolicy`).
   *
   * @param name The key's name.
   * @param policy The actions and the lifetime of new versions (ISO 8601 durations).
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateKeyRotationPolicy(
    name: string,
    policy: Pick<KeyRotationPolicy, "lifetimeActions" | "expiresIn">,
    options: OperationOptions = {},
  ): Promise<KeyRotationPolicy> {
    checkName(name);
    need(typeof policy == "object" && policy, "policy", "must be an object");
    const { lifetimeActions, expiresIn } = policy;
    need(
      expiresIn === undefined || (typeof expiresIn == "string" && DURATION.test(expiresIn)),
      "expiresIn",
      "must be an ISO 8601 duration such as P90D",
    );
    need(
      lifetimeActions === undefined || Array.isArray(lifetimeActions),
      "lifetimeActions",
      "must be an array",
    );
    const body = {
      lifetimeActions: lifetimeActions?.map(lifetimeAction),
      attributes: expiresIn === undefined ? undefined : { expiryTime: expiresIn },
    };
    const path = `/keys/${name}/rotationpolicy`;
    return toRotationPolicy(
      await this.#ops.read(
        "PUT",
        path,
        keySchemas().RotationPolicySchema,
        operationSignal(options),
        body,
      ),
    );
  }

  /**
   * Random bytes from the HSM (`POST /rng`): Managed HSM only.
   *
   * @param count How many bytes: 1 to 128.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getRandomBytes(count: number, options: OperationOptions = {}): Promise<Uint8Array> {
    need(
      Number.isInteger(count) && count >= 1 && count <= 128,
      "count",
      "must be an integer from 1 to 128",
      RangeError,
    );
    const { value } = await this.#ops.read(
      "POST",
      "/rng",
      schemas().Value,
      operationSignal(options),
      {
        count,
      },
    );
    return decodeBase64(value);
  }

  /**
   * Releases an exportable key to an attested environment (`POST
   * /keys/{name}/{version}/release`). The attestation token never appears in an error.
   *
   * @param name The key's name.
   * @param targetAttestationToken The attestation token of the environment to release to.
   * @param options Version, nonce, wrapping algorithm.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async releaseKey(
    name: string,
    targetAttestationToken: string,
    options: ReleaseKeyOptions = {},
  ): Promise<ReleaseKeyResult> {
    const path = `/keys/${checkName(name)}/${checkVersion(options.version)}/release`;
    need(
      typeof targetAttestationToken == "string" && targetAttestationToken.length > 0,
      "targetAttestationToken",
      "must be a non-empty string",
    );
    need(
      options.nonce === undefined || typeof options.nonce == "string",
      "nonce",
      "must be a string",
    );
    const body = { target: targetAttestationToken, nonce: options.nonce, enc: options.algorithm };
    try {
      const { value } = await this.#ops.read(
        "POST",
        path,
        schemas().Release,
        operationSignal(options),
        body,
      );
      return { value };
    } catch (error) {
      throw redactError(error, [targetAttestationToken]);
    }
  }

  /**
   * Reads a key with its attestation (`GET /keys/{name}/{version}/attestation`): Managed HSM.
   *
   * @param name The key's name.
   * @param options `version`: a specific version instead of the latest.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getKeyAttestation(name: string, options: GetKeyOptions = {}): Promise<KeyVaultKey> {
    const path = `/keys/${checkName(name)}/${checkVersion(options.version)}/attestation`;
    return toKey(await this.#bundle("GET", path, operationSignal(options)));
  }

  /**
   * A {@link CryptographyClient} for one of this vault's keys, with this client's credential
   * and options.
   *
   * @param name The key's name.
   * @param options `keyVersion`: a specific version instead of the latest; `forceRemote`.
   *
   * @throws {TypeError} When the name or version is invalid.
   */
  getCryptographyClient(
    name: string,
    options: GetCryptographyClientOptions = {},
  ): CryptographyClient {
    const id = `${this.vaultUrl}/keys/${checkName(name)}/${checkVersion(options.keyVersion)}`;
    return new CryptographyClient(id.replace(/\/$/, ""), this.#credential, {
      ...this.#options,
      forceRemote: options.forceRemote,
    });
  }

  /**
   * Sends any request to this vault, authenticated, challenge-aware and retried: the escape
   * hatch for operations kvfetch does not wrap.
   *
   * @example
   * ```ts
   * import { KeyClient } from "kvfetch/keys";
   * import { createEmulator } from "kvfetch/testing";
   *
   * const emulator = createEmulator({ vaults: ["myvault"] });
   *
   * const client = new KeyClient(
   *   "https://myvault.vault.azure.net",
   *   emulator.credential(),
   *   { fetch: emulator.fetch }, // against Azure: leave out fetch
   * );
   * const response = await client.fetch("/keys?maxresults=5");
   * ```
   *
   * @param path The path below the vault, e.g. `/keys?maxresults=5`.
   * @param init Method, headers, body and signal, as for `fetch`.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
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
  ): Promise<KeyBundle> {
    return this.#ops.read(method, path, keySchemas().KeyBundleSchema, signal, body);
  }
}

const schemas = /* @__PURE__ */ lazy(() => ({
  Value: v.object({ value: keySchemas().Base64Schema }),
  Release: v.object({ value: v.pipe(v.string(), v.minLength(1)) }),
}));

function checkOps(ops: readonly string[] | undefined): string[] | undefined {
  if (ops === undefined) return undefined;
  need(
    Array.isArray(ops) && ops.every((op) => OPS.includes(op as KeyOperation)),
    "keyOps",
    `must be an array of ${OPS.join(", ")}`,
  );
  need(new Set(ops).size === ops.length, "keyOps", "lists an operation twice");
  return [...ops];
}

function lifetimeAction(action: KeyRotationLifetimeAction, i: number) {
  const where = `lifetimeActions[${i}]`;
  need(typeof action == "object" && action, where, "must be an object");
  need(
    ["Rotate", "Notify"].includes(action.action),
    `${where}.action`,
    'must be "Rotate" or "Notify"',
  );
  const { timeAfterCreate, timeBeforeExpiry } = action;
  need(
    (timeAfterCreate === undefined) !== (timeBeforeExpiry === undefined),
    where,
    "needs exactly one of timeAfterCreate and timeBeforeExpiry",
  );
  const time = (timeAfterCreate ?? timeBeforeExpiry)!;
  need(
    typeof time == "string" && DURATION.test(time),
    where,
    "time must be an ISO 8601 duration such as P90D",
  );
  return { trigger: { timeAfterCreate, timeBeforeExpiry }, action: { type: action.action } };
}

/** The attributes, tags and release policy of a create, import or update body. */
function attributes(options: KeyAttributesOptions, create: boolean) {
  const { enabled, exportable, releasePolicy } = options;
  need(enabled === undefined || typeof enabled == "boolean", "enabled", "must be a boolean");
  need(
    exportable === undefined || typeof exportable == "boolean",
    "exportable",
    "must be a boolean",
  );
  const attributes = {
    enabled,
    nbf: toUnix(options.notBefore, "notBefore"),
    exp: toUnix(options.expiresOn, "expiresOn"),
    exportable: create ? exportable : undefined,
  };
  let release_policy;
  if (releasePolicy !== undefined) {
    need(
      typeof releasePolicy == "object" && releasePolicy &&
        (releasePolicy.encodedPolicy === undefined ||
          releasePolicy.encodedPolicy instanceof Uint8Array),
      "releasePolicy",
      "must be { encodedPolicy: Uint8Array, contentType?, immutable? }",
    );
    release_policy = {
      contentType: releasePolicy.contentType,
      immutable: releasePolicy.immutable,
      data: releasePolicy.encodedPolicy && encodeBase64(releasePolicy.encodedPolicy, true),
    };
  }
  return {
    attributes: Object.values(attributes).some((x) => x !== undefined) ? attributes : undefined,
    tags: checkTags(options.tags),
    release_policy,
  };
}
