/**
 * RSA signature verification over a precomputed digest (RSASSA-PKCS1-v1_5 and RSASSA-PSS with
 * salt length = hash length, RFC 8017 §8), with BigInt: Web Crypto verifies messages only, and
 * Key Vault's `verify` takes digests. A few dozen lines instead of a round trip.
 */

import { concat, fromBase64url, fromBigInt, toBigInt, trimZeros } from "../jwk/_bytes.ts";

/** DigestInfo prefixes of RFC 8017 §9.2, note 1. */
const DIGEST_INFO: Readonly<Record<number, string>> = {
  32: "3031300d060960864801650304020105000420",
  48: "3041300d060960864801650304020205000430",
  64: "3051300d060960864801650304020305000440",
};

const hex = (text: string) => Uint8Array.from(text.match(/../g)!, (h) => parseInt(h, 16));

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
}

async function mgf1(seed: Uint8Array, length: number, hash: string): Promise<Uint8Array> {
  const blocks: Uint8Array[] = [];
  for (let counter = 0, have = 0; have < length; counter++) {
    const c = new Uint8Array([
      counter >>> 24,
      (counter >>> 16) & 255,
      (counter >>> 8) & 255,
      counter & 255,
    ]);
    const block = new Uint8Array(await crypto.subtle.digest(hash, concat(seed, c)));
    blocks.push(block);
    have += block.length;
  }
  return concat(...blocks).subarray(0, length);
}

const equal = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether `signature` is an RSA signature of `digest` under the public key (`n`, `e` in
 * base64url), with PKCS#1 v1.5 (`pss` false) or PSS padding.
 */
export async function verifyRsaDigest(
  key: { n: string; e: string },
  digest: Uint8Array,
  signature: Uint8Array,
  pss: boolean,
): Promise<boolean> {
  const nBytes = trimZeros(fromBase64url(key.n));
  const n = toBigInt(nBytes);
  const k = nBytes.length;
  if (signature.length !== k) return false;
  const s = toBigInt(signature);
  if (s >= n) return false;
  const em = fromBigInt(modPow(s, toBigInt(fromBase64url(key.e)), n), k);
  const hLen = digest.length;
  const hash = `SHA-${hLen * 8}`;
  if (!pss) {
    const t = concat(hex(DIGEST_INFO[hLen]!), digest);
    if (k < t.length + 11) return false;
    const expected = concat(
      new Uint8Array([0, 1]),
      new Uint8Array(k - t.length - 3).fill(0xff),
      new Uint8Array([0]),
      t,
    );
    return equal(em, expected);
  }
  const modBits = k * 8 - Math.clz32(nBytes[0]!) + 24;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  let body = em;
  if (emLen < k) {
    if (em[0] !== 0) return false;
    body = em.subarray(1);
  }
  const sLen = hLen;
  if (emLen < hLen + sLen + 2 || body[emLen - 1] !== 0xbc) return false;
  const maskedDb = body.subarray(0, emLen - hLen - 1);
  const h = body.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  if (maskedDb[0]! >> (8 - zeroBits) !== 0) return false;
  const mask = await mgf1(h, maskedDb.length, hash);
  const db = maskedDb.map((b, i) => b ^ mask[i]!);
  db[0]! &= 0xff >> zeroBits;
  const psLen = emLen - hLen - sLen - 2;
  if (db.subarray(0, psLen).some((b) => b !== 0) || db[psLen] !== 1) return false;
  const salt = db.subarray(db.length - sLen);
  const mPrime = concat(new Uint8Array(8), digest, salt);
  return equal(h, new Uint8Array(await crypto.subtle.digest(hash, mPrime)));
}
