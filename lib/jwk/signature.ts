/**
 * ECDSA signatures between the two encodings in use: raw `r‖s` (IEEE P1363), which Key Vault,
 * JWS and Web Crypto use, and DER `ECDSA-Sig-Value`, which Node's `crypto.verify`, OpenSSL,
 * Java and .NET's default want.
 *
 * @module
 */

import { KvfetchError } from "../http/errors.ts";
import { readTlv, tlv } from "../auth/_der.ts";
import { concat, trimZeros } from "./_bytes.ts";
import { CURVE_BYTES, type KeyCurveName } from "./types.ts";

const ALG_BYTES: Readonly<Record<string, number>> = {
  ES256: 32,
  ES256K: 32,
  ES384: 48,
  ES512: 66,
};

/** The byte length of one of `r` and `s` for an algorithm or curve name. */
function sizeOf(curveOrAlg: string): number {
  const size = ALG_BYTES[curveOrAlg] ?? CURVE_BYTES[curveOrAlg as KeyCurveName];
  if (!size) {
    throw new TypeError(
      '"curve" must be ES256, ES384, ES512, ES256K, P-256, P-384, P-521 or P-256K',
    );
  }
  return size;
}

function bad(message: string): KvfetchError {
  return new KvfetchError("ERR_INVALID_SIGNATURE", message);
}

/** An unsigned big-endian integer as a DER INTEGER's content (minimal, sign bit clear). */
function integer(bytes: Uint8Array): Uint8Array {
  const trimmed = trimZeros(bytes);
  return trimmed[0]! & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
}

/**
 * Converts a raw ECDSA signature (`r‖s`, as Key Vault's `sign`, JWS and Web Crypto produce it)
 * to DER (`SEQUENCE { INTEGER r, INTEGER s }`), for Node's `crypto.verify`, OpenSSL or .NET.
 *
 * @example
 * ```ts
 * import { toDerSignature } from "kvfetch/jwk";
 *
 * const raw = new Uint8Array(64).fill(1); // from CryptographyClient.sign("ES256", digest)
 * const der = toDerSignature(raw);
 * console.log(der[0] === 0x30); // a SEQUENCE
 * ```
 *
 * @param raw `r‖s`: 64 bytes (P-256, P-256K), 96 (P-384) or 132 (P-521).
 * @throws {KvfetchError} `ERR_INVALID_SIGNATURE` for any other length.
 */
export function toDerSignature(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!(raw instanceof Uint8Array)) throw new TypeError('"raw" must be a Uint8Array');
  if (![64, 96, 132].includes(raw.length)) {
    throw bad(`A raw ECDSA signature is 64, 96 or 132 bytes (got ${raw.length})`);
  }
  const half = raw.length / 2;
  const [r, s] = [raw.subarray(0, half), raw.subarray(half)].map((n) => {
    if (n.every((b) => b === 0)) throw bad("A raw ECDSA signature cannot have r or s zero");
    return integer(n);
  }) as [Uint8Array, Uint8Array];
  return tlv(0x30, tlv(0x02, r), tlv(0x02, s));
}

/**
 * Converts a DER ECDSA signature (from OpenSSL, Node's `crypto.sign` or .NET) to raw `r‖s`,
 * the form Key Vault's `verify`, JWS and Web Crypto take. Only strict DER is accepted: minimal
 * lengths and integers, nothing after the sequence, `r` and `s` positive and no longer than
 * the curve's order.
 *
 * @example
 * ```ts
 * import { fromDerSignature, toDerSignature } from "kvfetch/jwk";
 *
 * const raw = new Uint8Array(96).fill(7);
 * const back = fromDerSignature(toDerSignature(raw), "ES384");
 * console.log(back.length); // 96
 * ```
 *
 * @param der The DER-encoded signature.
 * @param curve The algorithm (`ES256`, `ES384`, `ES512`, `ES256K`) or curve (`P-256`, …).
 * @throws {KvfetchError} `ERR_INVALID_SIGNATURE` when the bytes are not such a signature.
 */
export function fromDerSignature(der: Uint8Array, curve: string): Uint8Array<ArrayBuffer> {
  if (!(der instanceof Uint8Array)) throw new TypeError('"der" must be a Uint8Array');
  const size = sizeOf(curve);
  const fail = () => bad(`Not a DER ECDSA signature for ${curve}`);
  let seq;
  try {
    seq = readTlv(der, 0);
  } catch {
    throw fail();
  }
  if (seq.tag !== 0x30 || seq.end !== der.length || !minimalLength(der, 0, seq.start)) throw fail();
  const out = new Uint8Array(size * 2);
  let offset = seq.start;
  for (let i = 0; i < 2; i++) {
    let item;
    try {
      item = readTlv(der, offset, seq.end);
    } catch {
      throw fail();
    }
    if (item.tag !== 0x02 || !minimalLength(der, offset, item.start)) throw fail();
    let value = der.subarray(item.start, item.end);
    // Strict DER: not empty, positive, and no leading zero that the sign bit does not need.
    if (value.length === 0 || value[0]! & 0x80) throw fail();
    if (value.length > 1 && value[0] === 0 && !(value[1]! & 0x80)) throw fail();
    value = trimZeros(value);
    if (value.length > size || (value.length === 1 && value[0] === 0)) throw fail();
    out.set(value, size * (i + 1) - value.length);
    offset = item.end;
  }
  if (offset !== seq.end) throw fail();
  return out;
}

/** Whether the length octets between `at + 1` and `start` are DER's minimal form. */
function minimalLength(der: Uint8Array, at: number, start: number): boolean {
  const count = start - at - 2;
  const length = count === 0
    ? der[at + 1]!
    : der.subarray(at + 2, start).reduce((n, b) => n * 256 + b, 0);
  if (count === 0) return length < 0x80;
  return der[at + 2] !== 0 && length >= 0x80 && (count === 1 || length > 0xff);
}
