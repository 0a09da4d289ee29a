/** Strict base64url (RFC 7515 §2: the URL-safe alphabet, no padding) and byte helpers. */

import { decodeBase64, encodeBase64 } from "../http/_base64.ts";

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Whether `text` is unpadded base64url that decodes to whole bytes. */
export function isBase64url(text: string): boolean {
  return BASE64URL.test(text) && text.length % 4 !== 1;
}

/** Decodes unpadded base64url; the caller has checked it with {@link isBase64url}. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  return decodeBase64(text);
}

/** Encodes bytes as unpadded base64url. */
export function toBase64url(bytes: Uint8Array): string {
  return encodeBase64(bytes, true);
}

/** The bytes of `a` then `b`. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A big-endian unsigned integer's bytes without leading zeros (at least one byte). */
export function trimZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/** Big-endian bytes to a BigInt. */
export function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** A BigInt to `length` big-endian bytes (it must fit). */
export function fromBigInt(n: bigint, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
