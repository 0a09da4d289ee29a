/**
 * JWK ↔ PEM: a public key as SPKI (`PUBLIC KEY`) for OpenSSL, Node, Java or .NET, and PEM keys
 * (public or private) as JWKs that Key Vault's import accepts.
 *
 * @module
 */

import { children, CURVES, decodeOid, oid, OID_EC, OID_RSA, readTlv, tlv } from "../auth/_der.ts";
import { parsePemBlocks, readKeyBlock, toPem as pemBlock } from "../auth/_pem.ts";
import { KvfetchError } from "../http/errors.ts";
import { fromBase64url, toBase64url, trimZeros } from "./_bytes.ts";
import { parseKeyVaultJwk } from "./parse.ts";
import type { Jwk, KeyCurveName, KeyVaultJwk } from "./types.ts";

const CURVE_OIDS: Readonly<Record<KeyCurveName, string>> = {
  "P-256": "1.2.840.10045.3.1.7",
  "P-384": "1.3.132.0.34",
  "P-521": "1.3.132.0.35",
  "P-256K": "1.3.132.0.10",
};

function integer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const trimmed = trimZeros(bytes);
  const body = trimmed[0]! & 0x80 ? [0, ...trimmed] : [...trimmed];
  return tlv(0x02, new Uint8Array(body));
}

const bitString = (bytes: Uint8Array) => tlv(0x03, new Uint8Array([0]), bytes);

/** The DER SubjectPublicKeyInfo of a public key. */
function spki(jwk: Jwk): Uint8Array<ArrayBuffer> {
  if (jwk.kty === "RSA") {
    const rsaKey = tlv(0x30, integer(fromBase64url(jwk.n!)), integer(fromBase64url(jwk.e!)));
    return tlv(0x30, tlv(0x30, oid(OID_RSA), new Uint8Array([0x05, 0x00])), bitString(rsaKey));
  }
  const point = new Uint8Array([4, ...fromBase64url(jwk.x!), ...fromBase64url(jwk.y!)]);
  return tlv(
    0x30,
    tlv(0x30, oid(OID_EC), oid(CURVE_OIDS[jwk.crv as KeyCurveName])),
    bitString(point),
  );
}

/**
 * The public key of a JWK as PEM SPKI (`-----BEGIN PUBLIC KEY-----`), what `openssl`, Node's
 * `crypto.createPublicKey`, Java and .NET import. Works for every curve Key Vault has,
 * `P-256K` included (built by hand, no Web Crypto needed).
 *
 * @example
 * ```ts
 * import { toPem } from "kvfetch/jwk";
 *
 * const pem = toPem({
 *   kty: "EC",
 *   crv: "P-256",
 *   x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
 *   y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
 * });
 * console.log(pem.split("\n")[0]); // -----BEGIN PUBLIC KEY-----
 * ```
 *
 * @param jwk An RSA or EC key (Key Vault's or standard); private members are ignored.
 * @throws {KvfetchError} `ERR_INVALID_JWK` when the key is malformed.
 */
export function toPem(jwk: Jwk | KeyVaultJwk): string {
  const { jwk: std } = parseKeyVaultJwk(jwk, { allowPrivate: true });
  if (std.kty === "oct") throw new TypeError("A symmetric (oct) key has no public key to export");
  if (!(std.n || std.x)) throw new TypeError("The key holds no public key material (a BYOK blob)");
  return pemBlock(spki(std), "PUBLIC KEY");
}

/**
 * Options of {@link fromPem} and {@link fromCryptoKey}.
 *
 * @example
 * ```ts
 * import type { ToKeyVaultJwkOptions } from "kvfetch/jwk";
 *
 * const options: ToKeyVaultJwkOptions = { hsm: true, keyOps: ["sign", "verify"] };
 * console.log(options.hsm);
 * ```
 */
export interface ToKeyVaultJwkOptions {
  /** Mark the key type `-HSM` (for a Managed HSM or Premium vault import). @default false */
  hsm?: boolean;
  /** The `key_ops` to give the key. Key Vault's defaults when absent. */
  keyOps?: string[];
}

/** Key Vault's import form of exported JWK members, validated. */
export function finish(jwk: Record<string, unknown>, options: ToKeyVaultJwkOptions): KeyVaultJwk {
  const kty = String(jwk.kty);
  const out: Record<string, unknown> = { kty: options.hsm ? `${kty}-HSM` : kty };
  if (options.keyOps !== undefined) {
    if (!Array.isArray(options.keyOps) || options.keyOps.some((op) => typeof op != "string")) {
      throw new TypeError('"keyOps" must be an array of operation names');
    }
    out.key_ops = [...options.keyOps];
  }
  for (const m of ["n", "e", "d", "dp", "dq", "qi", "p", "q", "k", "crv", "x", "y"]) {
    if (typeof jwk[m] == "string") out[m] = jwk[m];
  }
  // Validated like any key to import.
  return parseKeyVaultJwk(out, { allowPrivate: true }).keyVaultJwk;
}

/** Reads a SubjectPublicKeyInfo into JWK members. */
function readSpki(der: Uint8Array): Record<string, string> {
  const [algorithm, key] = children(der, readTlv(der, 0));
  if (!algorithm || key?.tag !== 0x03) throw new RangeError("not SPKI");
  const [algOid, params] = children(der, algorithm);
  const bits = der.subarray(key.start + 1, key.end);
  const algo = decodeOid(der, algOid!);
  if (algo === OID_RSA) return readRsaPublic(bits);
  if (algo !== OID_EC || params?.tag !== 0x06) throw new TypeError("The PEM key is not RSA or EC");
  const curveOid = decodeOid(der, params);
  const crv = CURVES[curveOid] ?? (curveOid === CURVE_OIDS["P-256K"] ? "P-256K" : undefined);
  if (!crv) throw new TypeError("The PEM key's curve is not P-256, P-384, P-521 or P-256K");
  const size = (bits.length - 1) / 2;
  if (bits[0] !== 4 || !Number.isInteger(size)) {
    throw new TypeError("The PEM key's EC point is not uncompressed");
  }
  return {
    kty: "EC",
    crv,
    x: toBase64url(bits.subarray(1, 1 + size)),
    y: toBase64url(bits.subarray(1 + size)),
  };
}

function readRsaPublic(der: Uint8Array): Record<string, string> {
  const [n, e] = children(der, readTlv(der, 0));
  if (n?.tag !== 0x02 || e?.tag !== 0x02) throw new RangeError("not an RSAPublicKey");
  return {
    kty: "RSA",
    n: toBase64url(trimZeros(der.subarray(n.start, n.end))),
    e: toBase64url(trimZeros(der.subarray(e.start, e.end))),
  };
}

/**
 * Reads a PEM key into a JWK that Key Vault's `importKey` accepts: `PUBLIC KEY` (SPKI),
 * `RSA PUBLIC KEY` (PKCS#1), and unencrypted private keys `PRIVATE KEY` (PKCS#8),
 * `RSA PRIVATE KEY` and `EC PRIVATE KEY` (private keys through Web Crypto, so P-256K private
 * keys are not supported).
 *
 * @example Importing an OpenSSL key into Key Vault
 * ```ts
 * import { fromPem } from "kvfetch/jwk";
 * import { KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const pair = await crypto.subtle.generateKey(
 *   { name: "ECDSA", namedCurve: "P-256" },
 *   true,
 *   ["sign", "verify"],
 * );
 * const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
 * const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----`;
 * const jwk = await fromPem(pem, { hsm: false });
 * console.log(jwk.kty, jwk.crv); // EC P-256
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const imported = await keys.importKey("imported", jwk);
 * console.log(imported.keyType); // EC
 * ```
 *
 * @param pem PEM text with one key.
 * @param options `hsm` and `keyOps` for the import.
 */
export async function fromPem(
  pem: string,
  options: ToKeyVaultJwkOptions = {},
): Promise<KeyVaultJwk> {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN")) {
    throw new TypeError('"pem" must be PEM text holding one key');
  }
  let blocks;
  try {
    blocks = parsePemBlocks(pem);
  } catch {
    throw new TypeError("The PEM has a block that is not base64");
  }
  if (blocks.some((b) => /ENCRYPTED/.test(b.label) || /ENCRYPTED/.test(b.headers))) {
    throw new TypeError("The PEM key is encrypted; decrypt it first (openssl pkcs8 -nocrypt)");
  }
  const keys = blocks.filter((b) => /^((RSA |EC )?PRIVATE|(RSA )?PUBLIC) KEY$/.test(b.label));
  if (keys.length !== 1) throw new TypeError(`The PEM must hold one key (found ${keys.length})`);
  const block = keys[0]!;
  if (block.label.endsWith("PUBLIC KEY")) {
    try {
      return finish(
        block.label === "PUBLIC KEY" ? readSpki(block.der) : readRsaPublic(block.der),
        options,
      );
    } catch (error) {
      if (error instanceof TypeError || error instanceof KvfetchError) throw error;
      throw new TypeError(`The PEM has a malformed ${block.label} block`);
    }
  }
  const info = readKeyBlock(block, blocks, "PEM");
  const algorithm = info.type === "RSA"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : { name: "ECDSA", namedCurve: info.curve! };
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("pkcs8", info.pkcs8, algorithm, true, ["sign"]);
  } catch {
    throw new TypeError(`The PEM has a malformed ${block.label} block`);
  }
  return finish(await crypto.subtle.exportKey("jwk", key) as Record<string, unknown>, options);
}
