/**
 * JSON Web Keys without I/O: Key Vault's JWKs validated and turned into standard ones, Web
 * Crypto keys, thumbprints, PEM, JWKS, and ECDSA signatures between raw and DER.
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/jwk`.
 *
 * @example A Key Vault key, as Web Crypto and OpenSSL see it
 * ```ts
 * import { parseKeyVaultJwk, thumbprint, toCryptoKey, toPem } from "kvfetch/jwk";
 *
 * const keyVaultJwk = {
 *   kid: "https://myvault.vault.azure.net/keys/signer/f39e166fafbe48adba0b0b37407abf10",
 *   kty: "EC" as const,
 *   key_ops: ["sign", "verify"],
 *   crv: "P-256" as const,
 *   x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
 *   y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
 * };
 * const { jwk } = parseKeyVaultJwk(keyVaultJwk);
 * const key = await toCryptoKey(jwk, { alg: "ES256", usage: "verify" });
 * console.log(key.type, await thumbprint(jwk), toPem(jwk).length > 0);
 * ```
 *
 * @module
 */

export { parseKeyVaultJwk } from "./parse.ts";
export type { ParsedKeyVaultJwk, ParseJwkOptions } from "./parse.ts";
export { fromCryptoKey, toCryptoKey } from "./crypto_key.ts";
export type { ToCryptoKeyOptions } from "./crypto_key.ts";
export type { WebCryptoKey, WebKeyUsage } from "../http/web_types.ts";
export { fromPem, toPem } from "./pem.ts";
export type { ToKeyVaultJwkOptions } from "./pem.ts";
export { thumbprint, thumbprintUri } from "./thumbprint.ts";
export type { ThumbprintHash } from "./thumbprint.ts";
export { toJwks } from "./jwks.ts";
export type { Jwks, JwksInput } from "./jwks.ts";
export { fromDerSignature, toDerSignature } from "./signature.ts";
export type {
  EncryptionAlgorithm,
  Jwk,
  KeyCurveName,
  KeyOperation,
  KeyVaultJwk,
  KeyVaultKeyType,
  KeyWrapAlgorithm,
  SignatureAlgorithm,
} from "./types.ts";
