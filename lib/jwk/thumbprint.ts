/**
 * JWK thumbprints (RFC 7638) and thumbprint URIs (RFC 9278).
 *
 * @module
 */

import { toBase64url } from "./_bytes.ts";
import { parseKeyVaultJwk } from "./parse.ts";
import type { Jwk, KeyVaultJwk } from "./types.ts";

const HASHES: Record<string, string> = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

/**
 * The hash of a thumbprint.
 *
 * @example
 * ```ts
 * import type { ThumbprintHash } from "kvfetch/jwk";
 *
 * const hash: ThumbprintHash = "sha256";
 * console.log(hash);
 * ```
 */
export type ThumbprintHash = "sha256" | "sha384" | "sha512";

/** The RFC 7638 input: the required public members, in lexicographic order, no whitespace. */
function canonical(jwk: Jwk | KeyVaultJwk): string {
  const { jwk: std } = parseKeyVaultJwk(jwk, { allowPrivate: true });
  const members = std.kty === "RSA"
    ? { e: std.e, kty: "RSA", n: std.n }
    : std.kty === "EC"
    ? { crv: std.crv, kty: "EC", x: std.x, y: std.y }
    : { k: std.k, kty: "oct" };
  for (const [name, value] of Object.entries(members)) {
    if (value === undefined) {
      throw new TypeError(`The key has no "${name}" to compute a thumbprint`);
    }
  }
  return JSON.stringify(members);
}

/**
 * The RFC 7638 thumbprint of a JWK (Key Vault's or standard; `-HSM` types count as their base
 * type), base64url: the same value as jose's `calculateJwkThumbprint`. A private key's
 * thumbprint is its public key's.
 *
 * @example
 * ```ts
 * import { thumbprint } from "kvfetch/jwk";
 *
 * const tp = await thumbprint({
 *   kty: "EC",
 *   crv: "P-256",
 *   x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
 *   y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
 * });
 * console.log(tp.length); // 43
 * ```
 *
 * @param jwk The key.
 * @param hash `sha256` (default), `sha384` or `sha512`.
 * @throws {KvfetchError} `ERR_INVALID_JWK` when the key is malformed.
 */
export async function thumbprint(
  jwk: Jwk | KeyVaultJwk,
  hash: ThumbprintHash = "sha256",
): Promise<string> {
  const name = Object.hasOwn(HASHES, hash) ? HASHES[hash] : undefined;
  if (!name) throw new TypeError('"hash" must be sha256, sha384 or sha512');
  const input = new TextEncoder().encode(canonical(jwk));
  return toBase64url(new Uint8Array(await crypto.subtle.digest(name, input)));
}

/**
 * The RFC 9278 thumbprint URI of a JWK:
 * `urn:ietf:params:oauth:jwk-thumbprint:sha-256:{thumbprint}`.
 *
 * @example
 * ```ts
 * import { thumbprintUri } from "kvfetch/jwk";
 *
 * const uri = await thumbprintUri({ kty: "RSA", n: "2HJAE5fU3Cw2Rt9hEuq-F6XjINKGa-zskfISVqopqUy60GOs2eyhxbWbJBeUXNor_gf-tXtNeuqeBgitLeVa640UDvnEjYTKWjCniTxZRaU7ewY8BfTSk-7KxoDdLsPSpX_MX4rwlAx-_1UGk5t4sQgTbm9T6Fm2oqFd37dsz5-Gj27UP2GTAShfJPFD7MqU_zIgOI0pfqsbNL5xTQVM29K6rX4jSPtylZV3uWJtkoQIQnrIHhk1d0SC0KwlBV3V7R_LVYjiXLyIXsFzSNYgQ68ZjAwt8iL7I8Osa-ehQLM13DVvLASaf7Jnu3sC3CWl3Gyirgded6cfMmswJzY87w", e: "AQAB" });
 * console.log(uri.startsWith("urn:ietf:params:oauth:jwk-thumbprint:sha-256:"));
 * ```
 *
 * @param jwk The key.
 * @param hash `sha256` (default), `sha384` or `sha512`.
 */
export async function thumbprintUri(
  jwk: Jwk | KeyVaultJwk,
  hash: ThumbprintHash = "sha256",
): Promise<string> {
  const tp = await thumbprint(jwk, hash);
  return `urn:ietf:params:oauth:jwk-thumbprint:${hash.replace("sha", "sha-")}:${tp}`;
}
