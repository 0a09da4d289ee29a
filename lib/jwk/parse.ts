/**
 * `parseKeyVaultJwk`: a Key Vault JSON Web Key, validated, as a standard RFC 7517 JWK plus what
 * it can serve.
 *
 * @module
 */

import * as v from "valibot";
import { KvfetchError } from "../http/errors.ts";
import { lazy } from "../http/_lazy.ts";
import { fromBase64url, isBase64url, trimZeros } from "./_bytes.ts";
import {
  aesAlgorithms,
  CURVE_ALGORITHM,
  CURVE_BYTES,
  type EncryptionAlgorithm,
  type Jwk,
  type KeyCurveName,
  type KeyVaultJwk,
  type KeyVaultKeyType,
  RSA_ENCRYPTION,
  RSA_SIGNATURE,
  type SignatureAlgorithm,
} from "./types.ts";

/**
 * A Key Vault JSON Web Key after {@link parseKeyVaultJwk}.
 *
 * @example
 * ```ts
 * import { type ParsedKeyVaultJwk, parseKeyVaultJwk } from "kvfetch/jwk";
 * import { KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const { key } = await keys.createEcKey("signer", { curve: "P-384" });
 * const parsed: ParsedKeyVaultJwk = parseKeyVaultJwk(key);
 * console.log(parsed.keyType, parsed.curve, parsed.isPrivate, parsed.algorithms); // EC P-384 false […]
 * ```
 */
export interface ParsedKeyVaultJwk {
  /**
   * The standard JWK: `-HSM` stripped, `kid` kept. `key_ops` is mapped to RFC 7517's names for
   * a private key and left out of a public one, so that jose and Web Crypto import it for any
   * usage its type allows (a public key of a `sign` key verifies); the vault's operations are
   * in `keyOps`.
   */
  jwk: Jwk;
  /** The key as validated, in Key Vault's form (members Key Vault does not define dropped). */
  keyVaultJwk: KeyVaultJwk;
  /** `RSA`, `EC` or `oct`. */
  keyType: "RSA" | "EC" | "oct";
  /** Whether Key Vault keeps the key in an HSM (`-HSM` key types). */
  hsm: boolean;
  /** The curve of an EC key. */
  curve?: KeyCurveName | undefined;
  /** The key size in bits (RSA modulus, EC curve, or the `k` of a symmetric key). */
  keySize?: number | undefined;
  /** The key's `key_ops` as given (Key Vault's names, `import` and `export` included). */
  keyOps?: string[] | undefined;
  /** Whether the JWK holds private (or symmetric) key material. */
  isPrivate: boolean;
  /** The algorithms the key can serve, given its type, size and `key_ops`. */
  algorithms: (SignatureAlgorithm | EncryptionAlgorithm)[];
}

/**
 * Options of {@link parseKeyVaultJwk}.
 *
 * @example
 * ```ts
 * import type { ParseJwkOptions } from "kvfetch/jwk";
 *
 * const forImport: ParseJwkOptions = { allowPrivate: true };
 * console.log(forImport.allowPrivate);
 * ```
 */
export interface ParseJwkOptions {
  /**
   * Accept private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`, `key_hsm`): for a key to
   * import. Keys read from Key Vault never carry them.
   * @default false
   */
  allowPrivate?: boolean;
}

const KEY_TYPES = ["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"] as const;
const CURVES = ["P-256", "P-384", "P-521", "P-256K"] as const;
const RSA_PUBLIC = ["n", "e"] as const;
const RSA_PRIVATE = ["d", "p", "q", "dp", "dq", "qi"] as const;
const EC_MEMBERS = ["crv", "x", "y"] as const;
/** RFC 7517 §4.3 operations (Key Vault's `import` and `export` have no equivalent). */
const STANDARD_OPS = ["sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"];

const keyVaultJwkSchema = /* @__PURE__ */ lazy(() => {
  const Base64url = v.pipe(
    v.string(),
    v.check((s) => s.length > 0 && isBase64url(s), "base64url"),
  );
  const Member = v.nullish(Base64url);
  return v.object({
    kid: v.nullish(v.string()),
    kty: v.picklist(KEY_TYPES),
    key_ops: v.nullish(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z]{1,32}$/)))),
    n: Member,
    e: Member,
    d: Member,
    dp: Member,
    dq: Member,
    qi: Member,
    p: Member,
    q: Member,
    k: Member,
    key_hsm: Member,
    t: Member,
    crv: v.nullish(v.picklist(CURVES)),
    x: Member,
    y: Member,
  });
});

type Raw = v.InferOutput<ReturnType<typeof keyVaultJwkSchema>>;

function invalid(message: string): KvfetchError {
  return new KvfetchError("ERR_INVALID_JWK", `Invalid JSON Web Key: ${message}`);
}

/** The first issue, as a message naming the member but never its value. */
function describe(issues: v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = (issue.path ?? []).map((p) => p.key).filter((k) => typeof k == "string");
  const member = path[0] as string | undefined;
  if (issue.type === "object" && !member) return "it must be an object";
  if (member === "kty") return `"kty" must be one of ${KEY_TYPES.join(", ")}`;
  if (member === "crv") return `"crv" must be one of ${CURVES.join(", ")}`;
  if (member === "key_ops") return '"key_ops" must be an array of operation names';
  if (member === "kid") return '"kid" must be a string';
  return `"${member}" must be non-empty base64url (no padding)`;
}

/**
 * Validates a JSON Web Key as Key Vault sends it (or a standard JWK) and returns the standard
 * RFC 7517 form, with what the key can serve.
 *
 * Accepted: `kty` `RSA|RSA-HSM|EC|EC-HSM|oct|oct-HSM`, `crv` `P-256|P-384|P-521|P-256K`,
 * binary members in unpadded base64url. Refused with `ERR_INVALID_JWK` (the message names the
 * member, never its value): anything else, a missing member, coordinates or a private scalar
 * whose length does not fit the curve, members of another key type, and private members unless
 * `allowPrivate` is set.
 *
 * @example Reading the key of a Key Vault key bundle
 * ```ts
 * import { parseKeyVaultJwk } from "kvfetch/jwk";
 *
 * const { jwk, algorithms } = parseKeyVaultJwk({
 *   kid: "https://myvault.vault.azure.net/keys/signer/f39e166fafbe48adba0b0b37407abf10",
 *   kty: "EC-HSM",
 *   key_ops: ["sign", "verify"],
 *   crv: "P-256",
 *   x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
 *   y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
 * });
 * console.log(jwk.kty, algorithms); // EC [ "ES256" ]
 * ```
 *
 * @param value The key, e.g. the `key` of a key bundle.
 * @param options `allowPrivate`: accept private key material (for an import).
 * @throws {KvfetchError} `ERR_INVALID_JWK` when the key is malformed.
 */
export function parseKeyVaultJwk(value: unknown, options: ParseJwkOptions = {}): ParsedKeyVaultJwk {
  const result = v.safeParse(keyVaultJwkSchema(), value);
  if (!result.success) throw invalid(describe(result.issues));
  const raw = result.output;
  const kty = raw.kty as KeyVaultKeyType;
  const keyType = kty.replace(/-HSM$/, "") as "RSA" | "EC" | "oct";
  const has = (m: keyof Raw) => raw[m] != null;
  const bytes = (m: keyof Raw) => fromBase64url(raw[m] as string);
  const keyHsm = raw.key_hsm ?? raw.t;
  const foreign = (allowed: readonly (keyof Raw)[]) => {
    // A `crv` beside an RSA key is ignored: Key Vault echoes one an import was given.
    const all = [...RSA_PUBLIC, ...RSA_PRIVATE, "x", "y", "k"] as const;
    const extra = all.find((m) => has(m) && !allowed.includes(m));
    if (extra) throw invalid(`"${extra}" does not belong to a ${keyType} key`);
  };
  const privateMembers = [...RSA_PRIVATE, "k", "key_hsm", "t"] as const;
  const isPrivate = privateMembers.some(has);
  if (isPrivate && !options.allowPrivate) {
    const found = privateMembers.find(has)!;
    throw invalid(`private member "${found}" where only a public key belongs`);
  }

  let curve: KeyCurveName | undefined;
  let keySize: number | undefined;
  let algorithms: (SignatureAlgorithm | EncryptionAlgorithm)[];
  const jwk: Jwk = { kty: keyType };
  if (raw.kid != null) jwk.kid = raw.kid;

  if (keyType === "RSA") {
    foreign([...RSA_PUBLIC, ...RSA_PRIVATE]);
    if (keyHsm === undefined || keyHsm === null || has("n") || has("e")) {
      for (const m of RSA_PUBLIC) if (!has(m)) throw invalid(`an RSA key needs "${m}"`);
      const n = trimZeros(bytes("n"));
      keySize = n.length * 8 - Math.clz32(n[0]!) + 24;
      if (keySize < 512) throw invalid(`"n" is too short for an RSA key (${keySize} bits)`);
      const e = trimZeros(bytes("e"));
      if (e.length > 8 || (e[e.length - 1]! & 1) === 0) {
        throw invalid('"e" is not a usable RSA public exponent');
      }
      if (RSA_PRIVATE.some(has) && !has("d")) throw invalid('an RSA private key needs "d"');
      jwk.n = raw.n!;
      jwk.e = raw.e!;
      for (const m of RSA_PRIVATE) if (has(m)) jwk[m] = raw[m]!;
    }
    algorithms = [...RSA_SIGNATURE, ...RSA_ENCRYPTION];
  } else if (keyType === "EC") {
    foreign([...EC_MEMBERS, "d"]);
    if (!has("crv")) throw invalid('an EC key needs "crv"');
    curve = raw.crv!;
    const size = CURVE_BYTES[curve];
    keySize = curve === "P-521" ? 521 : size * 8;
    if (keyHsm === undefined || keyHsm === null || has("x") || has("y")) {
      for (const m of ["x", "y"] as const) {
        if (!has(m)) throw invalid(`an EC key needs "${m}"`);
        const length = bytes(m).length;
        if (length !== size) {
          throw invalid(`"${m}" is ${length} bytes; a ${curve} coordinate is ${size}`);
        }
      }
      jwk.crv = curve;
      jwk.x = raw.x!;
      jwk.y = raw.y!;
    } else jwk.crv = curve;
    if (has("d")) {
      if (!options.allowPrivate) {
        throw invalid('private member "d" where only a public key belongs');
      }
      const length = bytes("d").length;
      if (length !== size) throw invalid(`"d" is ${length} bytes; a ${curve} scalar is ${size}`);
      jwk.d = raw.d!;
    }
    algorithms = [CURVE_ALGORITHM[curve]];
  } else {
    foreign(["k"]);
    if (has("k")) {
      const length = bytes("k").length;
      if (![16, 24, 32].includes(length)) {
        throw invalid(`"k" is ${length} bytes; an AES key is 16, 24 or 32`);
      }
      keySize = length * 8;
      jwk.k = raw.k!;
    }
    algorithms = keySize ? aesAlgorithms(keySize) : [128, 192, 256].flatMap(aesAlgorithms);
  }

  const keyOps = raw.key_ops ?? undefined;
  if (keyOps) {
    if (new Set(keyOps).size !== keyOps.length) throw invalid('"key_ops" lists an operation twice');
    if (isPrivate) jwk.key_ops = keyOps.filter((op) => STANDARD_OPS.includes(op));
    const signs = keyOps.includes("sign") || keyOps.includes("verify");
    const encrypts = ["encrypt", "decrypt", "wrapKey", "unwrapKey"].some((op) =>
      keyOps.includes(op)
    );
    algorithms = algorithms.filter((alg) => /^(RS|PS|ES)\d/.test(alg) ? signs : encrypts);
  }

  const keyVaultJwk: KeyVaultJwk = { kty };
  if (raw.kid != null) keyVaultJwk.kid = raw.kid;
  if (keyOps) keyVaultJwk.key_ops = [...keyOps];
  for (const m of [...RSA_PUBLIC, ...RSA_PRIVATE, "k", "crv", "x", "y"] as const) {
    if (has(m)) (keyVaultJwk as unknown as Record<string, string>)[m] = raw[m] as string;
  }
  if (keyHsm != null) keyVaultJwk.key_hsm = keyHsm;
  return {
    jwk,
    keyVaultJwk,
    keyType,
    hsm: kty.endsWith("-HSM"),
    curve,
    keySize,
    keyOps,
    isPrivate,
    algorithms,
  };
}
