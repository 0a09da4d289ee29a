/**
 * The little DER (ASN.1) this project needs: reading tag-length-value items, and wrapping
 * PKCS#1 and SEC1 private keys into PKCS#8, which is all Web Crypto and jose accept. A full
 * ASN.1 library would cost more bundle than the whole credential.
 */

/** One DER item: its tag and where its content lies in the buffer. */
export interface Tlv {
  tag: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the last content byte. */
  end: number;
}

/** Reads the item at `offset`, or throws a `RangeError` when the bytes are not DER. */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new RangeError("truncated DER");
  const tag = bytes[offset]!;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new RangeError("bad DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new RangeError("truncated DER");
  return { tag, start, end };
}

/** The items inside a constructed item. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const items: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const item = readTlv(bytes, offset, parent.end);
    items.push(item);
    offset = item.end;
  }
  return items;
}

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function decodeOid(bytes: Uint8Array, item: Tlv): string {
  if (item.tag !== 0x06) throw new RangeError("expected an OID");
  const parts: number[] = [];
  let value = 0;
  for (let i = item.start; i < item.end; i++) {
    value = value * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      if (parts.length === 0) {
        parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      } else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** Encodes one item. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const length = content.reduce((n, c) => n + c.length, 0);
  const header = [tag, ...encodeLength(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const c of content) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Encodes an OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [];
  for (const n of [a * 40 + b, ...rest]) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) {
      chunk.unshift(0x80 | (v & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

export const OID_RSA = "1.2.840.113549.1.1.1";
export const OID_EC = "1.2.840.10045.2.1";
export const CURVES: Readonly<Record<string, "P-256" | "P-384" | "P-521">> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
};

const VERSION_0 = new Uint8Array([0x02, 0x01, 0x00]);
const NULL = new Uint8Array([0x05, 0x00]);

/** Wraps a PKCS#1 `RSAPrivateKey` into a PKCS#8 `PrivateKeyInfo`. */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(0x30, VERSION_0, tlv(0x30, oid(OID_RSA), NULL), tlv(0x04, pkcs1));
}

/** Wraps a SEC1 `ECPrivateKey` into PKCS#8, given the curve's OID. */
export function sec1ToPkcs8(sec1: Uint8Array, curveOid: string): Uint8Array<ArrayBuffer> {
  return tlv(0x30, VERSION_0, tlv(0x30, oid(OID_EC), oid(curveOid)), tlv(0x04, sec1));
}
