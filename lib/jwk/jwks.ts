/**
 * `toJwks`: public keys as a JSON Web Key Set, for `/.well-known/jwks.json`.
 *
 * @module
 */

import { parseKeyVaultJwk } from "./parse.ts";
import { CURVE_ALGORITHM, type Jwk, type KeyVaultJwk } from "./types.ts";

/**
 * A JSON Web Key Set (RFC 7517 §5).
 *
 * @example
 * ```ts
 * import type { Jwks } from "kvfetch/jwk";
 *
 * const empty: Jwks = { keys: [] };
 * console.log(empty.keys.length);
 * ```
 */
export interface Jwks {
  /** The public keys, each with its `kid`. */
  keys: Jwk[];
}

/**
 * What {@link toJwks} takes: a JWK (Key Vault's or standard), or anything with one under
 * `key` (a `KeyVaultKey` from `KeyClient.getKey`).
 *
 * @example
 * ```ts
 * import type { JwksInput } from "kvfetch/jwk";
 *
 * const input: JwksInput = { key: { kid: "https://myvault.vault.azure.net/keys/k/1", kty: "RSA", n: "…", e: "AQAB" } };
 * console.log("key" in input);
 * ```
 */
export type JwksInput = Jwk | KeyVaultJwk | { key?: KeyVaultJwk | undefined };

/**
 * Builds a JWKS of public keys, each with its `kid` (a Key Vault key's full id: tokens signed
 * by `signJwt` carry the same `kid`), for a `/.well-known/jwks.json` that
 * `jose.createRemoteJWKSet` and other verifiers read. Private members and `key_ops` are left
 * out (a public key used to verify must not claim to sign); EC keys get their `alg`.
 * Symmetric keys, keys without a `kid` and repeated `kid`s are refused.
 *
 * @example Serving a JWKS from a Worker
 * ```ts
 * import { toJwks } from "kvfetch/jwk";
 *
 * const jwks = toJwks([{
 *   kid: "https://myvault.vault.azure.net/keys/signer/f39e166fafbe48adba0b0b37407abf10",
 *   kty: "EC",
 *   crv: "P-256",
 *   x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
 *   y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
 * }]);
 * const response = Response.json(jwks, { headers: { "cache-control": "max-age=300" } });
 * console.log(response.status, jwks.keys[0]?.alg); // 200 ES256
 * ```
 *
 * @param keys The keys to publish.
 * @throws {KvfetchError} `ERR_INVALID_JWK` when a key is malformed.
 */
export function toJwks(keys: readonly JwksInput[]): Jwks {
  if (!Array.isArray(keys)) throw new TypeError('"keys" must be an array');
  const seen = new Set<string>();
  return {
    keys: keys.map((input, i) => {
      const raw = input && typeof input == "object" && "key" in input && !("kty" in input)
        ? input.key
        : input;
      const { jwk, keyType, curve } = parseKeyVaultJwk(raw, { allowPrivate: true });
      if (keyType === "oct") throw new TypeError(`keys[${i}] is a symmetric key; never publish it`);
      if (!jwk.kid) throw new TypeError(`keys[${i}] has no "kid"`);
      if (seen.has(jwk.kid)) throw new TypeError(`keys[${i}] repeats the kid of another key`);
      seen.add(jwk.kid);
      const out: Jwk = keyType === "RSA"
        ? { kty: "RSA", kid: jwk.kid, use: "sig", n: jwk.n, e: jwk.e }
        : {
          kty: "EC",
          kid: jwk.kid,
          use: "sig",
          alg: CURVE_ALGORITHM[curve!],
          crv: curve,
          x: jwk.x,
          y: jwk.y,
        };
      if (!out.n && !out.x) throw new TypeError(`keys[${i}] holds no public key material`);
      return out;
    }),
  };
}
