/**
 * JWK ↔ Web Crypto `CryptoKey`: `toCryptoKey` (through jose for RSA and EC) and
 * `fromCryptoKey` (a key Key Vault can import).
 *
 * @module
 */

import type { WebCryptoKey, WebKeyUsage } from "../http/web_types.ts";
import { KvfetchError } from "../http/errors.ts";
import { fromBase64url } from "./_bytes.ts";
import { parseKeyVaultJwk } from "./parse.ts";
import { finish, type ToKeyVaultJwkOptions } from "./pem.ts";
import { CURVE_ALGORITHM, type Jwk, type KeyVaultJwk } from "./types.ts";

/**
 * Options of {@link toCryptoKey}.
 *
 * @example
 * ```ts
 * import type { ToCryptoKeyOptions } from "kvfetch/jwk";
 *
 * const options: ToCryptoKeyOptions = { alg: "PS256", usage: "verify" };
 * console.log(options.alg);
 * ```
 */
export interface ToCryptoKeyOptions {
  /**
   * The JWA algorithm the key will serve: `RS256`…`PS512`, `ES256`…`ES512`, `RSA-OAEP`,
   * `RSA-OAEP-256`, `A128GCM`…, `A128KW`…, `A128CBCPAD`…
   * @default by key: EC by its curve, RSA `RS256` (or `RSA-OAEP-256` for an encryption usage), AES `A{bits}GCM`
   */
  alg?: string;
  /**
   * The one Web Crypto usage the key gets.
   * @default `verify`/`encrypt`/`wrapKey` for a public key, `sign`/`decrypt`/`unwrapKey` for a private one
   */
  usage?: WebKeyUsage;
  /** Whether the `CryptoKey` may be exported again. @default true for public keys, false otherwise */
  extractable?: boolean;
}

const SIGN = /^(RS|PS|ES)(256|384|512)$/;
const UNSUPPORTED: Readonly<Record<string, string>> = {
  ES256K: "ES256K (ECDSA on P-256K, secp256k1)",
  RSA1_5: "RSA1_5 (RSAES-PKCS1-v1_5)",
  RSNULL: "RSNULL",
};

function notLocal(what: string): KvfetchError {
  return new KvfetchError(
    "ERR_NOT_SUPPORTED_LOCALLY",
    `${what} is not supported locally (Web Crypto has no such algorithm); use the vault ` +
      "(CryptographyClient) for it",
  );
}

/**
 * Imports a JWK (Key Vault's or standard) into Web Crypto for one algorithm and one usage,
 * through jose's `importJWK` for RSA and EC keys. The key's `key_ops`, when present, must
 * allow the usage (a public key of a `sign` key may `verify`).
 *
 * `P-256K`/`ES256K`, `RSA1_5` and AES-CBC without padding are not in Web Crypto: they fail
 * with `ERR_NOT_SUPPORTED_LOCALLY` (use the vault for them).
 *
 * @example Verifying a signature made by Key Vault
 * ```ts
 * import { toCryptoKey } from "kvfetch/jwk";
 * import { KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const vaultKey = await keys.createEcKey("signer", { curve: "P-256" });
 * const data = new TextEncoder().encode("hello");
 * const { result } = await keys.getCryptographyClient("signer").signData("ES256", data);
 *
 * const key = await toCryptoKey(vaultKey.key!, { alg: "ES256", usage: "verify" });
 * console.log(key.type, key.usages); // public [ "verify" ]
 * const ecdsa = { name: "ECDSA", hash: "SHA-256" };
 * console.log(await crypto.subtle.verify(ecdsa, key, new Uint8Array(result), data)); // true
 * ```
 *
 * @param jwk The key.
 * @param options The algorithm, usage and extractability.
 * @throws {KvfetchError} `ERR_INVALID_JWK`, `ERR_NOT_SUPPORTED_LOCALLY`, `ERR_KEY_OPERATION_FORBIDDEN`.
 */
export async function toCryptoKey(
  jwk: Jwk | KeyVaultJwk,
  options: ToCryptoKeyOptions = {},
): Promise<WebCryptoKey> {
  const parsed = parseKeyVaultJwk(jwk, { allowPrivate: true });
  const { jwk: std, keyType } = parsed;
  const priv = keyType !== "oct" && std.d !== undefined;
  const { usage } = options;
  let alg = options.alg;
  if (alg !== undefined && typeof alg !== "string") throw new TypeError('"alg" must be a string');
  if (keyType === "EC" && parsed.curve === "P-256K") throw notLocal("The curve P-256K (secp256k1)");
  if (alg && UNSUPPORTED[alg]) throw notLocal(UNSUPPORTED[alg]!);
  alg ??= keyType === "EC"
    ? CURVE_ALGORITHM[parsed.curve!]
    : keyType === "RSA"
    ? (usage && !["sign", "verify"].includes(usage) ? "RSA-OAEP-256" : "RS256")
    : `A${parsed.keySize ?? 256}GCM`;
  const kind = SIGN.test(alg)
    ? "sig"
    : /^RSA-OAEP(-256)?$/.test(alg)
    ? "rsa-enc"
    : /^A(128|192|256)(GCM|KW|CBCPAD)$/.test(alg)
    ? "aes"
    : /^A(128|192|256)CBC$/.test(alg)
    ? "cbc"
    : undefined;
  if (kind === "cbc") throw notLocal(`${alg} (AES-CBC without padding)`);
  if (!kind) {
    throw new TypeError(`"alg" ${JSON.stringify(alg)} is not a JWA algorithm kvfetch knows`);
  }
  const fits = kind === "sig"
    ? (alg.startsWith("ES")
      ? keyType === "EC" && CURVE_ALGORITHM[parsed.curve!] === alg
      : keyType === "RSA")
    : kind === "rsa-enc"
    ? keyType === "RSA"
    : keyType === "oct" && (parsed.keySize === undefined || alg.startsWith(`A${parsed.keySize}`));
  if (!fits) throw new TypeError(`"alg" ${alg} does not fit this ${parsed.curve ?? keyType} key`);

  const aesMode = kind === "aes" ? /(GCM|KW|CBCPAD)$/.exec(alg)![1] : undefined;
  const usages: readonly KeyUsage[] = kind === "sig"
    ? (priv ? ["sign"] : ["verify"])
    : kind === "rsa-enc"
    ? (priv ? ["decrypt", "unwrapKey"] : ["encrypt", "wrapKey"])
    : aesMode === "KW"
    ? ["wrapKey", "unwrapKey"]
    : ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
  const chosen = usage ?? usages[0]!;
  if (!usages.includes(chosen)) {
    throw new TypeError(
      `"usage" ${JSON.stringify(chosen)} does not fit a ${
        priv ? "private" : keyType === "oct" ? "symmetric" : "public"
      } ${alg} key (use ${usages.join(" or ")})`,
    );
  }
  const ops = parsed.keyOps;
  // The public half of a key that may sign may verify; of one that may decrypt, encrypt.
  const allowedBy: Record<string, string[]> = {
    verify: ["verify", "sign"],
    encrypt: keyType === "oct" ? ["encrypt"] : ["encrypt", "decrypt"],
    wrapKey: keyType === "oct" ? ["wrapKey"] : ["wrapKey", "unwrapKey"],
  };
  if (ops && !(allowedBy[chosen] ?? [chosen]).some((op) => ops.includes(op))) {
    throw new KvfetchError(
      "ERR_KEY_OPERATION_FORBIDDEN",
      `The key's key_ops (${ops.join(", ") || "none"}) do not allow ${chosen}`,
    );
  }
  const extractable = options.extractable ?? (keyType !== "oct" && !priv);
  try {
    if (keyType === "oct") {
      if (!std.k) {
        throw new TypeError(
          "The key holds no key material (k): it stays in the HSM; use the vault",
        );
      }
      const name = aesMode === "GCM" ? "AES-GCM" : aesMode === "KW" ? "AES-KW" : "AES-CBC";
      return await crypto.subtle.importKey("raw", fromBase64url(std.k), name, extractable, [
        chosen,
      ]);
    }
    const { importJWK } = await import("./_jose.ts");
    const { kid: _, key_ops: __, ...members } = std;
    const key = await importJWK({ ...members, key_ops: [chosen] }, alg, { extractable });
    return key as CryptoKey;
  } catch (error) {
    if (error instanceof TypeError && /key material/.test(error.message)) throw error;
    const name = (error as { name?: string })?.name;
    const code = (error as { code?: string })?.code;
    if (name === "NotSupportedError" || code === "ERR_JOSE_NOT_SUPPORTED") {
      throw new KvfetchError(
        "ERR_NOT_SUPPORTED_LOCALLY",
        `${alg} is not supported by this runtime's Web Crypto; use the vault`,
        { cause: error },
      );
    }
    throw new KvfetchError("ERR_INVALID_JWK", `Web Crypto refused the key for ${alg}`, {
      cause: error,
    });
  }
}

/**
 * A Web Crypto key as a JWK that Key Vault's `importKey` accepts (`kty` made `-HSM` on
 * request; `alg`, `ext` and Web Crypto's `key_ops` dropped, `keyOps` set instead). The key
 * must be extractable.
 *
 * @example
 * ```ts
 * import { fromCryptoKey } from "kvfetch/jwk";
 *
 * const pair = await crypto.subtle.generateKey(
 *   { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
 *   true,
 *   ["sign", "verify"],
 * );
 * const jwk = await fromCryptoKey(pair.privateKey, { keyOps: ["sign", "verify"] });
 * console.log(jwk.kty, jwk.key_ops); // RSA [ "sign", "verify" ]
 * ```
 *
 * @param key An extractable RSA, EC (P-256, P-384, P-521) or AES key.
 * @param options `hsm` and `keyOps` for the import.
 */
export async function fromCryptoKey(
  key: WebCryptoKey,
  options: ToKeyVaultJwkOptions = {},
): Promise<KeyVaultJwk> {
  if (typeof CryptoKey !== "undefined" && !(key instanceof CryptoKey)) {
    throw new TypeError('"key" must be a CryptoKey');
  }
  if (!key.extractable) throw new TypeError("The CryptoKey is not extractable");
  const jwk = await crypto.subtle.exportKey("jwk", key) as Record<string, unknown>;
  if (jwk.kty !== "RSA" && jwk.kty !== "EC" && jwk.kty !== "oct") {
    throw new TypeError("Key Vault holds RSA, EC and AES keys only");
  }
  return finish(jwk, options);
}
