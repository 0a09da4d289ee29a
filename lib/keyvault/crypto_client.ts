/**
 * `CryptographyClient`: the cryptographic operations of one Key Vault key, done locally where
 * the public key and Web Crypto suffice, in the vault otherwise.
 *
 * @module
 */

import { operationSignal } from "../http/_official_options.ts";
import * as v from "valibot";
import { lazy } from "../http/_lazy.ts";
import { need } from "../http/_check.ts";
import { KvfetchError, RestError } from "../http/errors.ts";
import { redactError } from "../http/_redact.ts";
import type { TokenCredential } from "../auth/types.ts";
import { fromBase64url, toBase64url } from "../jwk/_bytes.ts";
import { toCryptoKey } from "../jwk/crypto_key.ts";
import { parseKeyVaultJwk } from "../jwk/parse.ts";
import {
  CURVE_BYTES,
  DIGEST_BYTES,
  type EncryptionAlgorithm,
  hashOf,
  type KeyCurveName,
  type KeyWrapAlgorithm,
  type SignatureAlgorithm,
} from "../jwk/types.ts";
import { VaultOperations } from "./_operations.ts";
import { verifyRsaDigest } from "./_rsa_verify.ts";
import { keySchemas, type KeyVaultKey, parseKeyVaultKeyIdentifier, toKey } from "./keys_models.ts";
import type { OperationOptions, VaultClientOptions } from "./options.ts";

/**
 * Options of {@link CryptographyClient}.
 *
 * @example
 * ```ts
 * import type { CryptographyClientOptions } from "kvfetch/keys";
 *
 * const options: CryptographyClientOptions = { forceRemote: true };
 * console.log(options.forceRemote);
 * ```
 */
export interface CryptographyClientOptions extends VaultClientOptions {
  /**
   * Send every operation to the vault, even those the public key could do locally.
   * @default false
   */
  forceRemote?: boolean | undefined;
}

/**
 * Options of one cryptographic operation.
 *
 * @example
 * ```ts
 * import type { CryptographyOptions } from "kvfetch/keys";
 *
 * const options: CryptographyOptions = { forceRemote: true, signal: AbortSignal.timeout(5_000) };
 * console.log(options.forceRemote);
 * ```
 */
export interface CryptographyOptions extends OperationOptions {
  /** Send this operation to the vault even if it could be done locally. */
  forceRemote?: boolean;
}

/**
 * What {@link CryptographyClient.encrypt} takes.
 *
 * @example
 * ```ts
 * import type { EncryptParameters } from "kvfetch/keys";
 *
 * const params: EncryptParameters = {
 *   algorithm: "RSA-OAEP-256",
 *   plaintext: new TextEncoder().encode("a data key"),
 * };
 * console.log(params.algorithm);
 * ```
 */
export interface EncryptParameters {
  /** The algorithm. */
  algorithm: EncryptionAlgorithm;
  /** What to encrypt. */
  plaintext: Uint8Array;
  /** The IV of AES-CBC (16 bytes); random when absent. AES-GCM's IV is made by the HSM. */
  iv?: Uint8Array;
  /** Additional authenticated data, AES-GCM only. */
  additionalAuthenticatedData?: Uint8Array;
}

/**
 * What {@link CryptographyClient.decrypt} takes.
 *
 * @example
 * ```ts
 * import type { DecryptParameters } from "kvfetch/keys";
 *
 * const params: DecryptParameters = { algorithm: "RSA-OAEP-256", ciphertext: new Uint8Array(256) };
 * console.log(params.algorithm);
 * ```
 */
export interface DecryptParameters {
  /** The algorithm. */
  algorithm: EncryptionAlgorithm;
  /** What to decrypt. */
  ciphertext: Uint8Array;
  /** The IV (AES-GCM: 12 bytes, AES-CBC: 16). */
  iv?: Uint8Array;
  /** The authentication tag of AES-GCM (16 bytes). */
  authenticationTag?: Uint8Array;
  /** Additional authenticated data, AES-GCM only. */
  additionalAuthenticatedData?: Uint8Array;
}

/**
 * Where an operation ran: `local` is true when it was done in this process with the public key.
 *
 * @example
 * ```ts
 * import { type CryptographyResultBase, KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createRsaKey("data-key");
 * const plaintext = new TextEncoder().encode("a data key");
 * const client = keys.getCryptographyClient("data-key");
 * const result: CryptographyResultBase = await client.encrypt({ algorithm: "RSA-OAEP", plaintext });
 * console.log(result.local ? "here" : "in the vault", result.keyID); // here, and the key id
 * ```
 */
export interface CryptographyResultBase {
  /** The key id the operation used (with its version). */
  keyID?: string | undefined;
  /** True when done locally with the public key; false when the vault did it. */
  local: boolean;
}

/**
 * The result of {@link CryptographyClient.encrypt}.
 *
 * @example
 * ```ts
 * import { type EncryptResult, KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createRsaKey("data-key", { keySize: 2048 });
 * const plaintext = new TextEncoder().encode("a data key");
 * const client = keys.getCryptographyClient("data-key");
 * const sealed: EncryptResult = await client.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
 * console.log(sealed.algorithm, sealed.result.length); // RSA-OAEP-256 256
 * ```
 */
export interface EncryptResult extends CryptographyResultBase {
  /** The ciphertext. */
  result: Uint8Array;
  /** The algorithm. */
  algorithm: EncryptionAlgorithm;
  /** The IV (AES). */
  iv?: Uint8Array | undefined;
  /** The authentication tag (AES-GCM). */
  authenticationTag?: Uint8Array | undefined;
  /** The additional authenticated data (AES-GCM). */
  additionalAuthenticatedData?: Uint8Array | undefined;
}

/**
 * The result of {@link CryptographyClient.decrypt}.
 *
 * @example
 * ```ts
 * import { type DecryptResult, KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createRsaKey("data-key");
 * const client = keys.getCryptographyClient("data-key");
 * const plaintext = new TextEncoder().encode("a data key");
 * const { result } = await client.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
 * const opened: DecryptResult = await client.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: result });
 * console.log(new TextDecoder().decode(opened.result), opened.local); // a data key false
 * ```
 */
export interface DecryptResult extends CryptographyResultBase {
  /** The plaintext. */
  result: Uint8Array;
  /** The algorithm. */
  algorithm: EncryptionAlgorithm;
}

/**
 * The result of {@link CryptographyClient.wrapKey} and {@link CryptographyClient.unwrapKey}.
 *
 * @example
 * ```ts
 * import { KeyClient, type WrapResult } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createRsaKey("kek", { keySize: 2048 });
 * const client = keys.getCryptographyClient("kek");
 * const dataKey = crypto.getRandomValues(new Uint8Array(32)); // an AES-256 key
 * const wrapped: WrapResult = await client.wrapKey("RSA-OAEP-256", dataKey);
 * const unwrapped: WrapResult = await client.unwrapKey("RSA-OAEP-256", wrapped.result);
 * console.log(wrapped.result.length, unwrapped.result.length); // 256 32
 * ```
 */
export interface WrapResult extends CryptographyResultBase {
  /** The wrapped (or unwrapped) key. */
  result: Uint8Array;
  /** The algorithm. */
  algorithm: KeyWrapAlgorithm;
}

/**
 * The result of {@link CryptographyClient.sign} and {@link CryptographyClient.signData}.
 *
 * @example
 * ```ts
 * import { KeyClient, type SignResult } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createEcKey("signer", { curve: "P-256" });
 * const data = new TextEncoder().encode("release v1.2.3");
 * const signature: SignResult = await keys.getCryptographyClient("signer").signData("ES256", data);
 * console.log(signature.algorithm, signature.result.length); // ES256 64 (raw r‖s)
 * ```
 */
export interface SignResult extends CryptographyResultBase {
  /** The signature; raw `r‖s` for ECDSA (`toDerSignature` converts it). */
  result: Uint8Array;
  /** The algorithm. */
  algorithm: SignatureAlgorithm;
}

/**
 * The result of {@link CryptographyClient.verify} and {@link CryptographyClient.verifyData}.
 *
 * @example
 * ```ts
 * import { KeyClient, type VerifyResult } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createEcKey("signer", { curve: "P-256" });
 * const client = keys.getCryptographyClient("signer");
 * const data = new TextEncoder().encode("release v1.2.3");
 * const { result: signature } = await client.signData("ES256", data);
 * const check: VerifyResult = await client.verifyData("ES256", data, signature);
 * console.log(check.result, check.local); // true true: verified with the public key
 * ```
 */
export interface VerifyResult extends CryptographyResultBase {
  /** Whether the signature is valid. */
  result: boolean;
}

type Op = "encrypt" | "decrypt" | "wrapKey" | "unwrapKey" | "sign" | "verify";

const SIGNATURE = /^(RS|PS|ES)(256|384|512)$|^ES256K$/;
const RSA_ENC = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"];
const AES = /^A(128|192|256)(GCM|KW|CBC|CBCPAD)$/;
/** RSA padding overhead in bytes (RFC 8017: k − 11 for PKCS#1 v1.5, k − 2·hLen − 2 for OAEP). */
const RSA_OVERHEAD: Readonly<Record<string, number>> = {
  RSA1_5: 11,
  "RSA-OAEP": 42,
  "RSA-OAEP-256": 66,
};

const schemas = /* @__PURE__ */ lazy(() => {
  const { Base64Schema } = keySchemas();
  const result = (value: v.GenericSchema<unknown, string>) =>
    v.object({
      kid: v.nullish(v.string()),
      value,
      iv: v.nullish(Base64Schema),
      tag: v.nullish(Base64Schema),
      aad: v.nullish(Base64Schema),
    });
  return {
    Result: result(Base64Schema),
    /** Decrypting may give an empty plaintext. */
    EmptyOk: result(v.union([Base64Schema, v.literal("")])),
    Verify: v.object({ value: v.boolean() }),
  };
});

/** A copy of a non-empty `Uint8Array` argument (a copy: the caller may reuse its buffer). */
function bytesArg(value: unknown, option: string): Uint8Array<ArrayBuffer> {
  need(value instanceof Uint8Array && value.length > 0, option, "must be a non-empty Uint8Array");
  return new Uint8Array(value as Uint8Array);
}

function optionalBytes(value: unknown, option: string, length?: number): Uint8Array | undefined {
  if (value === undefined) return undefined;
  need(value instanceof Uint8Array, option, "must be a Uint8Array");
  const bytes = value as Uint8Array;
  if (length !== undefined) {
    need(
      bytes.length === length,
      option,
      `must be ${length} bytes (got ${bytes.length})`,
      RangeError,
    );
  }
  return bytes;
}

function forbidden(message: string): KvfetchError {
  return new KvfetchError("ERR_KEY_OPERATION_FORBIDDEN", message);
}

/**
 * Performs cryptographic operations with one Key Vault (or Managed HSM) key. Where the public
 * key is enough and Web Crypto has the algorithm, the operation runs locally on every runtime
 * (Workers included): `encrypt` and `wrapKey` with `RSA-OAEP` and `RSA-OAEP-256`, `verifyData`
 * with RS/PS/ES 256/384/512, and `verify` of a digest with RS/PS 256/384/512 (RSA public-key
 * arithmetic with BigInt). Everything else goes to the vault: decryption, unwrapping and
 * signing always (the private key never leaves it), `RSA1_5`, `ES256K`, AES, and `verify` of an
 * ECDSA digest. Every result says where it ran (`local`), and `forceRemote` sends everything to
 * the vault. `signData` hashes locally and has the vault sign the digest.
 *
 * Arguments are checked before any request: the algorithm must fit the key, a digest must have
 * its algorithm's length, a plaintext must fit the RSA key or the AES mode. When the key is
 * known (passed in, or read once with `getKey` for local work), a key whose `key_ops` or
 * attributes (disabled, not yet valid, expired) forbid the operation fails with
 * `ERR_KEY_OPERATION_FORBIDDEN` and nothing is sent, as the vault would refuse it.
 *
 * @example Encrypt locally, decrypt in the vault
 * ```ts
 * import { CryptographyClient, KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // against Azure: leave out fetch
 * const options = { fetch: emulator.fetch };
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), options);
 * const key = await keys.createRsaKey("data-key");
 * const client = new CryptographyClient(key.id!, emulator.credential(), options);
 * const { result, local } = await client.encrypt({
 *   algorithm: "RSA-OAEP-256",
 *   plaintext: new TextEncoder().encode("a data key"),
 * }); // local: true, with the public key fetched once
 * const { result: plaintext } = await client.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: result });
 * console.log(local, new TextDecoder().decode(plaintext)); // true "a data key"
 * ```
 */
export class CryptographyClient {
  /** The key id, as given (a versionless id means the latest version). */
  readonly keyID: string;
  /** The vault URL. */
  readonly vaultUrl: string;
  readonly #ops: VaultOperations;
  readonly #name: string;
  #version: string | undefined;
  #key: KeyVaultKey | undefined;
  /** The key read for local work: the key, or `null` when reading it was not allowed (403). */
  #fetched: Promise<KeyVaultKey | null> | undefined;
  readonly #forceRemote: boolean;
  readonly #cryptoKeys = new Map<string, Promise<CryptoKey>>();

  /**
   * Creates a client for a key. Sends nothing yet.
   *
   * @param key A key id (`https://{vault}/keys/{name}[/{version}]`) or a key from
   *   `KeyClient.getKey` (then its properties are checked locally without another request).
   * @param credential Any `TokenCredential`.
   * @param options Transport options, as for `KeyClient`, and `forceRemote`.
   */
  constructor(
    key: string | KeyVaultKey,
    credential: TokenCredential,
    options: CryptographyClientOptions = {},
  ) {
    let id: string;
    if (typeof key == "string") id = key;
    else {
      need(
        typeof key == "object" && key && typeof key.id == "string" && key.key,
        "key",
        "must be a key id or a KeyVaultKey with its key",
      );
      id = key.id!;
      this.#key = key;
    }
    let parsed;
    try {
      parsed = parseKeyVaultKeyIdentifier(id);
    } catch {
      throw new TypeError('"key" must be a key id: https://{vault}/keys/{name}[/{version}]');
    }
    need(/\/keys\//i.test(new URL(id).pathname), "key", "must name a key, not a deleted key");
    this.keyID = id;
    this.#name = parsed.name;
    this.#version = parsed.version;
    this.#ops = new VaultOperations(parsed.vaultUrl, credential, options);
    this.vaultUrl = this.#ops.pipeline.vaultUrl;
    this.#forceRemote = options.forceRemote === true;
  }

  /**
   * Encrypts (`RSA-OAEP`, `RSA-OAEP-256`: locally; `RSA1_5` and AES: in the vault).
   *
   * @param params Algorithm, plaintext, and IV or additional data for AES.
   * @param options `forceRemote`, cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async encrypt(
    params: EncryptParameters,
    options: CryptographyOptions = {},
  ): Promise<EncryptResult> {
    need(typeof params == "object" && params, "params", "must be an object");
    const { algorithm } = params;
    const plaintext = bytesArg(params.plaintext, "plaintext");
    const aad = optionalBytes(params.additionalAuthenticatedData, "additionalAuthenticatedData");
    let iv = optionalBytes(params.iv, "iv", /CBC/.test(algorithm) ? 16 : undefined);
    this.#checkEncryption(algorithm, "plaintext", plaintext.length, true);
    need(
      aad === undefined || /GCM$/.test(algorithm),
      "additionalAuthenticatedData",
      "applies to AES-GCM only",
    );
    need(
      iv === undefined || /CBC/.test(algorithm),
      "iv",
      "applies to AES-CBC only (the HSM makes the GCM IV)",
    );
    if (/CBC/.test(algorithm)) iv ??= crypto.getRandomValues(new Uint8Array(16));
    const key = await this.#keyFor(
      "encrypt",
      algorithm,
      options,
      RSA_ENC.slice(1).includes(algorithm),
    );
    if (key) this.#checkLength(algorithm, "plaintext", plaintext.length, true);
    if (key && this.#localOk(key, options) && /^RSA-OAEP/.test(algorithm)) {
      const cryptoKey = await this.#cryptoKey(key, algorithm, "encrypt");
      const result = new Uint8Array(
        await crypto.subtle.encrypt({ name: "RSA-OAEP" }, cryptoKey, plaintext),
      );
      return { result, algorithm, keyID: key.id, local: true };
    }
    const out = await this.#remote(
      "encrypt",
      { alg: algorithm, value: plaintext, iv, aad },
      options,
      [plaintext],
    );
    return {
      result: out.value,
      algorithm,
      keyID: out.kid,
      iv: out.iv ?? iv,
      authenticationTag: out.tag,
      additionalAuthenticatedData: out.aad ?? aad,
      local: false,
    };
  }

  /**
   * Decrypts, in the vault (the private key never leaves it).
   *
   * @param params Algorithm, ciphertext, and IV, tag, additional data for AES.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async decrypt(params: DecryptParameters, options: OperationOptions = {}): Promise<DecryptResult> {
    need(typeof params == "object" && params, "params", "must be an object");
    const { algorithm } = params;
    const ciphertext = bytesArg(params.ciphertext, "ciphertext");
    this.#checkEncryption(algorithm, "ciphertext", ciphertext.length, false);
    const gcm = /GCM$/.test(algorithm);
    const cbc = /CBC/.test(algorithm);
    const iv = optionalBytes(params.iv, "iv", gcm ? 12 : cbc ? 16 : undefined);
    const tag = optionalBytes(params.authenticationTag, "authenticationTag", gcm ? 16 : undefined);
    const aad = optionalBytes(params.additionalAuthenticatedData, "additionalAuthenticatedData");
    need(!(gcm || cbc) || iv, "iv", `is required for ${algorithm}`);
    need(!gcm || tag, "authenticationTag", `is required for ${algorithm}`);
    const key = await this.#keyFor("decrypt", algorithm, options, false);
    if (key) this.#checkLength(algorithm, "ciphertext", ciphertext.length, false);
    const out = await this.#remote(
      "decrypt",
      { alg: algorithm, value: ciphertext, iv, tag, aad },
      options,
      [],
    );
    return { result: out.value, algorithm, keyID: out.kid, local: false };
  }

  /**
   * Wraps a key (`RSA-OAEP`, `RSA-OAEP-256`: locally; `RSA1_5` and AES key wrap: in the vault).
   *
   * @param algorithm The wrapping algorithm.
   * @param keyToWrap The key bytes to wrap.
   * @param options `forceRemote`, cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async wrapKey(
    algorithm: KeyWrapAlgorithm,
    keyToWrap: Uint8Array,
    options: CryptographyOptions = {},
  ): Promise<WrapResult> {
    const value = bytesArg(keyToWrap, "key");
    this.#checkWrap(algorithm, "key", value.length, true);
    const key = await this.#keyFor(
      "wrapKey",
      algorithm,
      options,
      RSA_ENC.slice(1).includes(algorithm),
    );
    if (key) this.#checkLength(algorithm, "key", value.length, true);
    if (key && this.#localOk(key, options) && /^RSA-OAEP/.test(algorithm)) {
      const cryptoKey = await this.#cryptoKey(key, algorithm, "encrypt");
      const result = new Uint8Array(
        await crypto.subtle.encrypt({ name: "RSA-OAEP" }, cryptoKey, value),
      );
      return { result, algorithm, keyID: key.id, local: true };
    }
    const out = await this.#remote("wrapkey", { alg: algorithm, value }, options, [value]);
    return { result: out.value, algorithm, keyID: out.kid, local: false };
  }

  /**
   * Unwraps a key, in the vault.
   *
   * @param algorithm The wrapping algorithm.
   * @param encryptedKey The wrapped key.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async unwrapKey(
    algorithm: KeyWrapAlgorithm,
    encryptedKey: Uint8Array,
    options: OperationOptions = {},
  ): Promise<WrapResult> {
    const value = bytesArg(encryptedKey, "encryptedKey");
    this.#checkWrap(algorithm, "encryptedKey", value.length, false);
    const key = await this.#keyFor("unwrapKey", algorithm, options, false);
    if (key) this.#checkLength(algorithm, "encryptedKey", value.length, false);
    const out = await this.#remote("unwrapkey", { alg: algorithm, value }, options, []);
    return { result: out.value, algorithm, keyID: out.kid, local: false };
  }

  /**
   * Signs a digest, in the vault.
   *
   * @param algorithm The signature algorithm.
   * @param digest The digest: 32 bytes for *256 (and ES256K), 48 for *384, 64 for *512.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async sign(
    algorithm: SignatureAlgorithm,
    digest: Uint8Array,
    options: OperationOptions = {},
  ): Promise<SignResult> {
    this.#checkDigest(algorithm, digest);
    await this.#keyFor("sign", algorithm, options, false);
    const out = await this.#remote("sign", { alg: algorithm, value: digest }, options, []);
    return { result: out.value, algorithm, keyID: out.kid, local: false };
  }

  /**
   * Hashes `data` locally (SHA-256/384/512 for the algorithm) and has the vault sign the
   * digest.
   *
   * @param algorithm The signature algorithm.
   * @param data The data to sign.
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async signData(
    algorithm: SignatureAlgorithm,
    data: Uint8Array,
    options: OperationOptions = {},
  ): Promise<SignResult> {
    this.#checkSignature(algorithm);
    const bytes = bytesArg(data, "data");
    const digest = new Uint8Array(await crypto.subtle.digest(hashOf(algorithm), bytes));
    return await this.sign(algorithm, digest, options);
  }

  /**
   * Verifies a signature of a digest: locally for RS/PS (BigInt public-key arithmetic), in the
   * vault for ECDSA (Web Crypto cannot verify a precomputed digest).
   *
   * @param algorithm The signature algorithm.
   * @param digest The digest that was signed.
   * @param signature The signature (raw `r‖s` for ECDSA).
   * @param options `forceRemote`, cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async verify(
    algorithm: SignatureAlgorithm,
    digest: Uint8Array,
    signature: Uint8Array,
    options: CryptographyOptions = {},
  ): Promise<VerifyResult> {
    this.#checkDigest(algorithm, digest);
    const sig = bytesArg(signature, "signature");
    const rsa = /^(RS|PS)/.test(algorithm);
    const key = await this.#keyFor("verify", algorithm, options, rsa);
    if (key && rsa && this.#localOk(key, options) && key.jwk?.n) {
      const result = await verifyRsaDigest(
        { n: key.jwk.n, e: key.jwk.e! },
        digest,
        sig,
        algorithm.startsWith("PS"),
      );
      return { result, keyID: key.id, local: true };
    }
    return await this.#remoteVerify(algorithm, digest, sig, options);
  }

  /**
   * Verifies a signature of `data`: locally with Web Crypto for RS/PS/ES 256/384/512; ES256K
   * hashes locally and verifies the digest in the vault.
   *
   * @param algorithm The signature algorithm.
   * @param data The data that was signed.
   * @param signature The signature (raw `r‖s` for ECDSA).
   * @param options `forceRemote`, cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async verifyData(
    algorithm: SignatureAlgorithm,
    data: Uint8Array,
    signature: Uint8Array,
    options: CryptographyOptions = {},
  ): Promise<VerifyResult> {
    this.#checkSignature(algorithm);
    const bytes = bytesArg(data, "data");
    const sig = bytesArg(signature, "signature");
    const key = await this.#keyFor("verify", algorithm, options, algorithm !== "ES256K");
    if (key && algorithm !== "ES256K" && this.#localOk(key, options)) {
      const cryptoKey = await this.#cryptoKey(key, algorithm, "verify");
      const hash = hashOf(algorithm);
      const params = algorithm.startsWith("RS")
        ? { name: "RSASSA-PKCS1-v1_5" }
        : algorithm.startsWith("PS")
        ? { name: "RSA-PSS", saltLength: DIGEST_BYTES[algorithm] }
        : { name: "ECDSA", hash };
      let result: boolean;
      try {
        result = await crypto.subtle.verify(params, cryptoKey, sig, bytes);
      } catch {
        result = false;
      }
      return { result, keyID: key.id, local: true };
    }
    const digest = new Uint8Array(await crypto.subtle.digest(hashOf(algorithm), bytes));
    return await this.#remoteVerify(algorithm, digest, sig, options);
  }

  /**
   * The key, read once from the vault (or as given to the constructor). Where the caller may
   * use the key but not read it (403), `ERR_KEY_OPERATION_FORBIDDEN`.
   *
   * @param options Cancellation.
   *
   * @throws {RestError} When the vault answers with a status the operation does not expect
   *   (`statusCode`, and Azure's `errorCode` such as `KeyNotFound`).
   * @throws {KvfetchError} When the vault cannot be reached or answers something unusable
   *   (`ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_CHALLENGE_*`, …), or when the
   *   credential fails (`ERR_AUTHENTICATION`, `ERR_CREDENTIAL_UNAVAILABLE`).
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getKey(options: OperationOptions = {}): Promise<KeyVaultKey> {
    const key = await this.#fetch(options);
    if (!key) {
      throw new KvfetchError("ERR_KEY_OPERATION_FORBIDDEN", "Reading the key was refused (403)");
    }
    return key;
  }

  async #remoteVerify(
    algorithm: SignatureAlgorithm,
    digest: Uint8Array,
    signature: Uint8Array,
    options: OperationOptions,
  ): Promise<VerifyResult> {
    const path = await this.#path("verify", options);
    const body = { alg: algorithm, digest: toBase64url(digest), value: toBase64url(signature) };
    const out = await this.#ops.read(
      "POST",
      path,
      schemas().Verify,
      operationSignal(options),
      body,
    );
    return {
      result: out.value,
      keyID: this.#version ? `${this.vaultUrl}/keys/${this.#name}/${this.#version}` : this.keyID,
      local: false,
    };
  }

  async #remote(
    op: string,
    params: {
      alg: string;
      value: Uint8Array;
      iv?: Uint8Array | undefined;
      tag?: Uint8Array | undefined;
      aad?: Uint8Array | undefined;
    },
    options: OperationOptions,
    sensitive: Uint8Array[],
  ) {
    const path = await this.#path(op, options);
    const encode = (b: Uint8Array | undefined) => b && toBase64url(b);
    const body = {
      alg: params.alg,
      value: encode(params.value),
      iv: encode(params.iv),
      tag: encode(params.tag),
      aad: encode(params.aad),
    };
    try {
      const out = await this.#ops.read(
        "POST",
        path,
        op === "decrypt" || op === "unwrapkey" ? schemas().EmptyOk : schemas().Result,
        operationSignal(options),
        body,
      );
      const decode = (
        s: string | null | undefined,
      ) => (s ? fromBase64url(s) : s === "" ? new Uint8Array() : undefined);
      return {
        kid: out.kid ?? undefined,
        value: decode(out.value)!,
        iv: decode(out.iv),
        tag: decode(out.tag),
        aad: decode(out.aad),
      };
    } catch (error) {
      throw redactError(error, sensitive.map((b) => toBase64url(b)));
    }
  }

  /** `/keys/{name}/{version}/{op}`; a versionless id learns the latest version once. */
  async #path(op: string, options: OperationOptions): Promise<string> {
    if (!this.#version) {
      const key = await this.#fetch(options);
      if (!key) {
        throw new KvfetchError(
          "ERR_KEY_OPERATION_FORBIDDEN",
          "The key id names no version and reading the key was refused (403)",
        );
      }
    }
    return `/keys/${this.#name}/${this.#version}/${op}`;
  }

  #fetch(options: OperationOptions): Promise<KeyVaultKey | null> {
    if (this.#key) return Promise.resolve(this.#key);
    this.#fetched ??= (async () => {
      try {
        const path = `/keys/${this.#name}/${this.#version ?? ""}`;
        const key = toKey(
          await this.#ops.read("GET", path, keySchemas().KeyBundleSchema, operationSignal(options)),
        );
        this.#key = key;
        this.#version ??= key.properties.version;
        return key;
      } catch (error) {
        if (error instanceof RestError && error.status === 403) return null;
        this.#fetched = undefined;
        throw error;
      }
    })();
    return this.#fetched;
  }

  /**
   * The key, when it is known or `wantLocal` makes it worth reading, after checking that its
   * `key_ops` and attributes allow `op`.
   */
  async #keyFor(
    op: Op,
    alg: string,
    options: CryptographyOptions,
    wantLocal: boolean,
  ): Promise<KeyVaultKey | undefined> {
    const local = wantLocal && !this.#forceRemote && !options.forceRemote;
    const key = this.#key ??
      (local || !this.#version ? (await this.#fetch(options)) ?? undefined : undefined);
    if (!key) return undefined;
    const ops = key.keyOperations;
    if (ops && !ops.includes(op)) {
      throw forbidden(
        `Key ${key.name} does not allow ${op} (key_ops: ${ops.join(", ") || "none"})`,
      );
    }
    const p = key.properties;
    const now = this.#ops.pipeline.http.now();
    if (p.enabled === false) throw forbidden(`Key ${key.name} is disabled`);
    if (p.notBefore && now < +p.notBefore) {
      throw forbidden(`Key ${key.name} is not valid before ${p.notBefore.toISOString()}`);
    }
    if (p.expiresOn && now > +p.expiresOn) {
      throw forbidden(`Key ${key.name} expired on ${p.expiresOn.toISOString()}`);
    }
    this.#checkType(key, alg);
    return key;
  }

  /** Checks that the algorithm fits the key's type and size. */
  #checkType(key: KeyVaultKey, alg: string): void {
    if (!key.key) return;
    const { keyType, curve, keySize } = parseKeyVaultJwk(key.key);
    const fits = SIGNATURE.test(alg)
      ? alg.startsWith("ES")
        ? keyType === "EC" &&
          (alg === "ES256K" ? curve === "P-256K" : curve !== "P-256K" &&
            CURVE_BYTES[curve as KeyCurveName] ===
              ({ ES256: 32, ES384: 48, ES512: 66 } as Record<string, number>)[alg])
        : keyType === "RSA"
      : RSA_ENC.includes(alg)
      ? keyType === "RSA"
      : keyType === "oct" && (keySize === undefined || alg.startsWith(`A${keySize}`));
    need(
      fits,
      "algorithm",
      `${alg} does not fit key ${key.name} (${key.keyType}${curve ? ` ${curve}` : ""}${
        keySize && keyType !== "EC" ? `, ${keySize} bits` : ""
      })`,
    );
  }

  #localOk(key: KeyVaultKey, options: CryptographyOptions): boolean {
    return !this.#forceRemote && !options.forceRemote && !!key.jwk && (key.jwk.kty !== "oct");
  }

  #cryptoKey(key: KeyVaultKey, alg: string, usage: KeyUsage): Promise<CryptoKey> {
    const id = `${alg} ${usage}`;
    let cryptoKey = this.#cryptoKeys.get(id);
    if (!cryptoKey) {
      cryptoKey = toCryptoKey(key.jwk!, { alg, usage });
      this.#cryptoKeys.set(id, cryptoKey);
      cryptoKey.catch(() => this.#cryptoKeys.delete(id));
    }
    return cryptoKey;
  }

  #checkSignature(algorithm: string): void {
    need(
      typeof algorithm == "string" && SIGNATURE.test(algorithm),
      "algorithm",
      "must be RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or ES256K",
    );
  }

  #checkDigest(algorithm: SignatureAlgorithm, digest: unknown): void {
    this.#checkSignature(algorithm);
    const bytes = bytesArg(digest, "digest");
    const length = DIGEST_BYTES[algorithm];
    need(
      bytes.length === length,
      "digest",
      `must be ${length} bytes for ${algorithm} (got ${bytes.length}): pass the SHA-${
        length * 8
      } hash, or use signData/verifyData`,
      RangeError,
    );
  }

  #checkEncryption(algorithm: string, option: string, length: number, encrypt: boolean): void {
    need(
      typeof algorithm == "string" && (RSA_ENC.includes(algorithm) || AES.test(algorithm)),
      "algorithm",
      "must be RSA1_5, RSA-OAEP, RSA-OAEP-256, A128GCM…A256GCM, A128KW…, A128CBC… or A128CBCPAD…",
    );
    this.#checkAes(algorithm, option, length, encrypt);
  }

  #checkWrap(algorithm: string, option: string, length: number, wrap: boolean): void {
    need(
      typeof algorithm == "string" &&
        (RSA_ENC.includes(algorithm) || /^A(128|192|256)KW$/.test(algorithm)),
      "algorithm",
      "must be RSA1_5, RSA-OAEP, RSA-OAEP-256, A128KW, A192KW or A256KW",
    );
    this.#checkAes(algorithm, option, length, wrap);
  }

  #checkAes(algorithm: string, option: string, length: number, forward: boolean): void {
    const mode = AES.exec(algorithm)?.[2];
    if (mode === "KW") {
      need(
        length % 8 === 0 && length >= (forward ? 16 : 24),
        option,
        `must be a multiple of 8 bytes, at least ${
          forward ? 16 : 24
        }, for ${algorithm} (got ${length})`,
        RangeError,
      );
    }
    if (mode === "CBC" || (mode === "CBCPAD" && !forward)) {
      need(
        length % 16 === 0,
        option,
        `must be a multiple of 16 bytes for ${algorithm} (got ${length})`,
        RangeError,
      );
    }
  }

  /** The RSA length rules, once the key (and so its modulus) is known. */
  #checkLength(algorithm: string, option: string, length: number, forward: boolean): void {
    const n = this.#key?.jwk?.n;
    const overhead = RSA_OVERHEAD[algorithm];
    if (!n || overhead === undefined) return;
    const bytes = fromBase64url(n);
    const modBytes = bytes[0] === 0 ? bytes.length - 1 : bytes.length;
    if (forward) {
      const max = modBytes - overhead;
      need(
        length <= max,
        option,
        `is ${length} bytes; ${algorithm} with a ${modBytes * 8}-bit key takes at most ${max}`,
        RangeError,
      );
    } else {
      need(
        length === modBytes,
        option,
        `must be ${modBytes} bytes for a ${modBytes * 8}-bit ${algorithm} key (got ${length})`,
        RangeError,
      );
    }
  }
}
