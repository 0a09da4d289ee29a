/**
 * The shapes of JSON Web Keys: Key Vault's (`KeyVaultJwk`) and the standard RFC 7517 one
 * (`Jwk`), and the names of key types, curves, operations and algorithms.
 *
 * @module
 */

/**
 * A key type as Key Vault names it: `-HSM` marks a key kept in a hardware security module.
 *
 * @example
 * ```ts
 * import type { KeyVaultKeyType } from "kvfetch/jwk";
 *
 * const kty: KeyVaultKeyType = "EC-HSM";
 * console.log(kty);
 * ```
 */
export type KeyVaultKeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM" | "oct" | "oct-HSM";

/**
 * An elliptic curve Key Vault knows. `P-256K` is secp256k1 (Web Crypto has no such curve).
 *
 * @example
 * ```ts
 * import type { KeyCurveName } from "kvfetch/jwk";
 *
 * const crv: KeyCurveName = "P-384";
 * console.log(crv);
 * ```
 */
export type KeyCurveName = "P-256" | "P-384" | "P-521" | "P-256K";

/**
 * An operation in a Key Vault key's `key_ops`. `import` and `export` are Key Vault's own and
 * have no RFC 7517 equivalent.
 *
 * @example
 * ```ts
 * import type { KeyOperation } from "kvfetch/jwk";
 *
 * const ops: KeyOperation[] = ["sign", "verify"];
 * console.log(ops);
 * ```
 */
export type KeyOperation =
  | "encrypt"
  | "decrypt"
  | "sign"
  | "verify"
  | "wrapKey"
  | "unwrapKey"
  | "import"
  | "export";

/**
 * A signature algorithm (JWA names; `ES256K` is ECDSA on P-256K with SHA-256).
 *
 * @example
 * ```ts
 * import type { SignatureAlgorithm } from "kvfetch/jwk";
 *
 * const alg: SignatureAlgorithm = "PS256";
 * console.log(alg);
 * ```
 */
export type SignatureAlgorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "ES256K";

/**
 * An encryption algorithm of Key Vault (`RSA-OAEP` uses SHA-1; the AES ones need an `oct-HSM`
 * key of Managed HSM; `CBC` is without padding, `CBCPAD` with PKCS#7 padding).
 *
 * @example
 * ```ts
 * import type { EncryptionAlgorithm } from "kvfetch/jwk";
 *
 * const alg: EncryptionAlgorithm = "RSA-OAEP-256";
 * console.log(alg);
 * ```
 */
export type EncryptionAlgorithm =
  | "RSA1_5"
  | "RSA-OAEP"
  | "RSA-OAEP-256"
  | "A128GCM"
  | "A192GCM"
  | "A256GCM"
  | "A128KW"
  | "A192KW"
  | "A256KW"
  | "A128CBC"
  | "A192CBC"
  | "A256CBC"
  | "A128CBCPAD"
  | "A192CBCPAD"
  | "A256CBCPAD";

/**
 * An algorithm that wraps a key: the RSA encryption algorithms and AES key wrap.
 *
 * @example
 * ```ts
 * import type { KeyWrapAlgorithm } from "kvfetch/jwk";
 *
 * const alg: KeyWrapAlgorithm = "A256KW";
 * console.log(alg);
 * ```
 */
export type KeyWrapAlgorithm =
  | "RSA1_5"
  | "RSA-OAEP"
  | "RSA-OAEP-256"
  | "A128KW"
  | "A192KW"
  | "A256KW";

/**
 * A JSON Web Key as Key Vault sends and accepts it (`JsonWebKey` of the REST API): binary
 * members base64url without padding, `key_ops` snake-case, `key_hsm` a BYOK blob.
 *
 * @example A public EC key, as `GET /keys/{name}` returns it
 * ```ts
 * import type { KeyVaultJwk } from "kvfetch/jwk";
 *
 * const key: KeyVaultJwk = {
 *   kid: "https://myvault.vault.azure.net/keys/signer/f39e166fafbe48adba0b0b37407abf10",
 *   kty: "EC",
 *   key_ops: ["sign", "verify"],
 *   crv: "P-256",
 *   x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
 *   y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
 * };
 * console.log(key.kty);
 * ```
 */
export interface KeyVaultJwk {
  /** The key identifier: the key's full Key Vault id. */
  kid?: string | undefined;
  /** The key type. */
  kty: KeyVaultKeyType;
  /** The operations the key may be used for. */
  key_ops?: string[] | undefined;
  /** RSA modulus. */
  n?: string | undefined;
  /** RSA public exponent. */
  e?: string | undefined;
  /** RSA private exponent, or EC private key. */
  d?: string | undefined;
  /** RSA private key parameter. */
  dp?: string | undefined;
  /** RSA private key parameter. */
  dq?: string | undefined;
  /** RSA private key parameter. */
  qi?: string | undefined;
  /** RSA secret prime. */
  p?: string | undefined;
  /** RSA secret prime, with p < q. */
  q?: string | undefined;
  /** Symmetric key. */
  k?: string | undefined;
  /** A protected key blob for bring-your-own-key import into an HSM. */
  key_hsm?: string | undefined;
  /** Elliptic curve name. */
  crv?: KeyCurveName | undefined;
  /** X coordinate of an EC point. */
  x?: string | undefined;
  /** Y coordinate of an EC point. */
  y?: string | undefined;
}

/**
 * A standard JSON Web Key (RFC 7517 / RFC 7518): what jose, Web Crypto (`importKey("jwk")`) and
 * a JWKS consumer read.
 *
 * @example
 * ```ts
 * import type { Jwk } from "kvfetch/jwk";
 *
 * const jwk: Jwk = { kty: "RSA", n: "2HJAE5fU3Cw2Rt9h…", e: "AQAB", alg: "RS256", use: "sig" };
 * console.log(jwk.kty);
 * ```
 */
export interface Jwk {
  /** `RSA`, `EC` or `oct`. */
  kty: "RSA" | "EC" | "oct";
  /** The key identifier. */
  kid?: string | undefined;
  /** The algorithm the key is meant for. */
  alg?: string | undefined;
  /** `sig` or `enc`. */
  use?: string | undefined;
  /** RFC 7517 operations: `sign`, `verify`, `encrypt`, `decrypt`, `wrapKey`, `unwrapKey`. */
  key_ops?: string[] | undefined;
  /** Whether the key may be exported (Web Crypto's `extractable`). */
  ext?: boolean | undefined;
  /** Elliptic curve name. */
  crv?: string | undefined;
  /** X coordinate. */
  x?: string | undefined;
  /** Y coordinate. */
  y?: string | undefined;
  /** RSA modulus. */
  n?: string | undefined;
  /** RSA public exponent. */
  e?: string | undefined;
  /** Private exponent (RSA) or private key (EC). */
  d?: string | undefined;
  /** RSA private key parameter. */
  p?: string | undefined;
  /** RSA private key parameter. */
  q?: string | undefined;
  /** RSA private key parameter. */
  dp?: string | undefined;
  /** RSA private key parameter. */
  dq?: string | undefined;
  /** RSA private key parameter. */
  qi?: string | undefined;
  /** Symmetric key. */
  k?: string | undefined;
}

/** Signature algorithms by family. */
export const RSA_SIGNATURE: readonly SignatureAlgorithm[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
];

/** The signature algorithm of each curve. */
export const CURVE_ALGORITHM: Readonly<Record<KeyCurveName, SignatureAlgorithm>> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
  "P-256K": "ES256K",
};

/** Coordinate (and private scalar) length of each curve, in bytes. */
export const CURVE_BYTES: Readonly<Record<KeyCurveName, number>> = {
  "P-256": 32,
  "P-384": 48,
  "P-521": 66,
  "P-256K": 32,
};

/** The RSA encryption (and key wrap) algorithms. */
export const RSA_ENCRYPTION: readonly EncryptionAlgorithm[] = [
  "RSA1_5",
  "RSA-OAEP",
  "RSA-OAEP-256",
];

/** The AES algorithms of a key of `bits` bits. */
export function aesAlgorithms(bits: number): EncryptionAlgorithm[] {
  return (["GCM", "KW", "CBC", "CBCPAD"] as const).map((m) =>
    `A${bits}${m}` as EncryptionAlgorithm
  );
}

/** The digest length (bytes) each signature algorithm signs. */
export const DIGEST_BYTES: Readonly<Record<SignatureAlgorithm, number>> = {
  RS256: 32,
  PS256: 32,
  ES256: 32,
  ES256K: 32,
  RS384: 48,
  PS384: 48,
  ES384: 48,
  RS512: 64,
  PS512: 64,
  ES512: 64,
};

/** The Web Crypto hash of each signature algorithm. */
export function hashOf(alg: SignatureAlgorithm): "SHA-256" | "SHA-384" | "SHA-512" {
  return `SHA-${DIGEST_BYTES[alg] * 8}` as "SHA-256" | "SHA-384" | "SHA-512";
}
