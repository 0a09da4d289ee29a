/**
 * The X.509 the emulator needs, written with Web Crypto and the project's small DER encoder:
 * certificates (self-signed or issued by a CA, with the usual extensions), PKCS#10 certificate
 * signing requests, and reading back the parts of either that a Key Vault certificate operation
 * or a TLS server needs. One place for the emulator's self-signed and CSR/merge certificates, the
 * served emulator's local CA and the test suite's certificates.
 *
 * Only what those need: RSA (PKCS#1 v1.5) and ECDSA (P-256/384/521) signatures, names from
 * `CN=…, O=…` strings, basic constraints, key usage, extended key usage, subject alternative
 * names (DNS, IP, e-mail, URI), subject and authority key identifiers. A full ASN.1 library
 * would be many times this file.
 */

import { children, decodeOid, oid, readTlv, type Tlv, tlv } from "../auth/_der.ts";
import { encodeBase64 } from "../http/_base64.ts";

/** The key of a certificate: RSA of a size, or EC on a curve. */
export type X509KeySpec =
  | { type: "RSA"; size?: number; hash?: "SHA-256" | "SHA-384" | "SHA-512" }
  | { type: "EC"; curve?: "P-256" | "P-384" | "P-521" };

/** Key Vault's key usage names, which are X.509's KeyUsage bits in order. */
export const KEY_USAGES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

/** One KeyUsage name. */
export type X509KeyUsage = typeof KEY_USAGES[number];

/** The extensions a certificate or a CSR may carry. */
export interface X509Extensions {
  /** basicConstraints: a CA certificate (critical), with an optional path length. */
  ca?: boolean;
  pathLength?: number;
  /** keyUsage (critical). */
  keyUsage?: readonly X509KeyUsage[];
  /** extKeyUsage, as dotted OIDs (e.g. `1.3.6.1.5.5.7.3.1` for server auth). */
  extendedKeyUsage?: readonly string[];
  /** subjectAltName entries. */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  emails?: readonly string[];
  uris?: readonly string[];
  /**
   * nameConstraints (critical, for a CA): the only DNS names (each a name and its subdomains)
   * certificates under this CA may carry.
   */
  permittedDnsNames?: readonly string[];
}

/** What {@linkcode issueCertificate} needs. */
export interface IssueCertificateOptions {
  /** The subject's public key (a `CryptoKey`) or its SubjectPublicKeyInfo, DER. */
  publicKey: CryptoKey | Uint8Array;
  /** The subject: a `CN=…, O=…` string, or a Name, DER (as read from a CSR). */
  subject: string | Uint8Array;
  /** The issuer's certificate (DER) and private key; self-signed (by `signingKey`) when absent. */
  issuer?: { certificate: Uint8Array; privateKey: CryptoKey };
  /** The key that signs a self-signed certificate (the subject's private key). */
  signingKey?: CryptoKey;
  notBefore: Date;
  notAfter: Date;
  /** The serial number, big-endian bytes; 16 random bytes when absent. */
  serialNumber?: Uint8Array;
  extensions?: X509Extensions;
}

/** The parts of a certificate the emulator reads. */
export interface ParsedCertificate {
  /** The subject Name, DER. */
  subject: Uint8Array<ArrayBuffer>;
  /** The subject as text, `CN=…, O=…` (the attributes this module knows). */
  subjectText: string;
  /** The issuer Name, DER. */
  issuer: Uint8Array<ArrayBuffer>;
  /** The serial number, hex, upper case (as Key Vault shows it). */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** The SubjectPublicKeyInfo, DER. */
  spki: Uint8Array<ArrayBuffer>;
  /** The subject alternative names. */
  dnsNames: string[];
  emails: string[];
  uris: string[];
  ipAddresses: string[];
}

/** The parts of a PKCS#10 request the emulator reads. */
export interface ParsedCsr {
  subject: Uint8Array<ArrayBuffer>;
  subjectText: string;
  spki: Uint8Array<ArrayBuffer>;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Name attributes by their short names (RFC 4514, plus `E`). */
const ATTRIBUTES: Readonly<Record<string, string>> = {
  CN: "2.5.4.3",
  SERIALNUMBER: "2.5.4.5",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  S: "2.5.4.8",
  STREET: "2.5.4.9",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  T: "2.5.4.12",
  DC: "0.9.2342.19200300.100.1.25",
  UID: "0.9.2342.19200300.100.1.1",
  E: "1.2.840.113549.1.9.1",
  EMAILADDRESS: "1.2.840.113549.1.9.1",
};
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "SERIALNUMBER",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "T",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "E",
};

/** Generates an extractable signing key pair for a certificate. */
export async function generateCertificateKeyPair(spec: X509KeySpec): Promise<CryptoKeyPair> {
  if (spec.type === "RSA") {
    return await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: spec.size ?? 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: spec.hash ?? "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
  }
  return await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: spec.curve ?? "P-256" },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
}

/**
 * Splits a `CN=a, O=b` subject into its attributes (RFC 4514 order: the text's order is the
 * Name's order here, as Key Vault shows subjects). Values may be quoted or use `\,` escapes.
 * Throws a `TypeError` for an empty subject or an attribute this module does not know.
 */
export function parseSubject(subject: string): [string, string][] {
  const parts: [string, string][] = [];
  let i = 0;
  const s = subject.trim();
  if (s === "") throw new TypeError("the subject is empty");
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new TypeError("the subject is not a list of NAME=value attributes");
    const key = s.slice(i, eq).trim().toUpperCase();
    const attributeOid = ATTRIBUTES[key];
    if (!attributeOid) throw new TypeError(`the subject attribute ${key} is not supported`);
    i = eq + 1;
    while (s[i] === " ") i++;
    let value = "";
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') value += s[i++];
      i++;
      while (i < s.length && s[i] !== "," && s[i] !== ";" && s[i] !== "+") i++;
    } else {
      while (i < s.length && s[i] !== "," && s[i] !== ";" && s[i] !== "+") {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        value += s[i++];
      }
      value = value.trim();
    }
    parts.push([key === "S" ? "ST" : key === "EMAILADDRESS" ? "E" : key, value]);
    i++;
    while (s[i] === " ") i++;
  }
  return parts;
}

/** Encodes a `CN=…, O=…` subject as an X.509 Name, DER. */
export function encodeName(subject: string): Uint8Array<ArrayBuffer> {
  const rdns = parseSubject(subject).map(([key, value]) => {
    const attributeOid = ATTRIBUTES[key]!;
    // Country and e-mail are PrintableString / IA5String; the rest UTF8String.
    const tag = key === "C" ? 0x13 : key === "E" || key === "DC" ? 0x16 : 0x0c;
    return tlv(0x31, tlv(0x30, oid(attributeOid), tlv(tag, ENCODER.encode(value))));
  });
  return tlv(0x30, ...rdns);
}

/** A Name, DER, as `CN=…, O=…` text (attributes this module does not know are shown as OIDs). */
export function nameToText(name: Uint8Array): string {
  const bytes = new Uint8Array(name);
  const parts: string[] = [];
  for (const rdn of children(bytes, readTlv(bytes, 0))) {
    for (const attribute of children(bytes, rdn)) {
      const [type, value] = children(bytes, attribute);
      if (!type || !value) continue;
      const dotted = decodeOid(bytes, type);
      const text = DECODER.decode(bytes.subarray(value.start, value.end));
      const escaped = /[,+;"\\]/.test(text) ? `"${text.replace(/"/g, "")}"` : text;
      parts.push(`${ATTRIBUTE_NAMES[dotted] ?? dotted}=${escaped}`);
    }
  }
  return parts.join(", ");
}

/** The whole item (header and content) as bytes. */
function itemBytes(bytes: Uint8Array, item: Tlv): Uint8Array<ArrayBuffer> {
  const length = item.end - item.start;
  const header = length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
  return new Uint8Array(bytes.subarray(item.start - header, item.end));
}

function integer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.slice(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? new Uint8Array([0, ...trimmed]) : trimmed);
}

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050; seconds, `Z`. */
function time(date: Date): Uint8Array<ArrayBuffer> {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, ENCODER.encode(iso.slice(2)))
    : tlv(0x18, ENCODER.encode(iso));
}

function readTime(bytes: Uint8Array, item: Tlv): Date {
  const text = DECODER.decode(bytes.subarray(item.start, item.end));
  const full = item.tag === 0x17 ? (Number(text.slice(0, 2)) < 50 ? "20" : "19") + text : text;
  const m = full.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/);
  if (!m) throw new RangeError("bad certificate time");
  return new Date(
    Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0),
  );
}

function bool(value: boolean): Uint8Array<ArrayBuffer> {
  return tlv(0x01, new Uint8Array([value ? 0xff : 0]));
}

function extension(
  extnId: string,
  critical: boolean,
  value: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return critical
    ? tlv(0x30, oid(extnId), bool(true), tlv(0x04, value))
    : tlv(0x30, oid(extnId), tlv(0x04, value));
}

/** A named-bit BIT STRING in DER: trailing zero bits dropped. */
function keyUsageBits(usages: readonly X509KeyUsage[]): Uint8Array<ArrayBuffer> {
  const bits = usages.map((u) => {
    const index = KEY_USAGES.indexOf(u);
    if (index < 0) throw new TypeError(`unknown key usage ${String(u)}`);
    return index;
  });
  if (bits.length === 0) return tlv(0x03, new Uint8Array([0]));
  const highest = Math.max(...bits);
  const content = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) content[bit >> 3]! |= 0x80 >> (bit & 7);
  return tlv(0x03, new Uint8Array([7 - (highest % 8)]), content);
}

/** An IPv4 or IPv6 address's bytes. */
function ipBytes(address: string): Uint8Array<ArrayBuffer> {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    const parts = address.split(".").map(Number);
    if (parts.some((p) => p > 255)) throw new TypeError(`bad IP address ${address}`);
    return new Uint8Array(parts);
  }
  const bare = address.replace(/^\[|\]$/g, "");
  const [head = "", tail] = bare.split("::");
  const group = (s: string) => (s === "" ? [] : s.split(":"));
  const left = group(head);
  const right = tail === undefined ? [] : group(tail);
  const groups = tail === undefined
    ? left
    : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) {
    throw new TypeError(`bad IP address ${address}`);
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join(".");
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  }
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

async function keyIdentifier(spki: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  // RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits.
  const bytes = new Uint8Array(spki);
  const [, bitString] = children(bytes, readTlv(bytes, 0));
  const bits = bytes.subarray(bitString!.start + 1, bitString!.end);
  return new Uint8Array(await crypto.subtle.digest("SHA-1", bits));
}

function extensionList(e: X509Extensions): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  if (e.ca !== undefined) {
    const content = e.ca
      ? [
        bool(true),
        ...(e.pathLength !== undefined ? [integer(new Uint8Array([e.pathLength]))] : []),
      ]
      : [];
    out.push(extension("2.5.29.19", true, tlv(0x30, ...content)));
  }
  if (e.keyUsage?.length) out.push(extension("2.5.29.15", true, keyUsageBits(e.keyUsage)));
  if (e.extendedKeyUsage?.length) {
    out.push(extension("2.5.29.37", false, tlv(0x30, ...e.extendedKeyUsage.map((o) => oid(o)))));
  }
  const names = [
    ...(e.emails ?? []).map((v) => tlv(0x81, ENCODER.encode(v))),
    ...(e.dnsNames ?? []).map((v) => tlv(0x82, ENCODER.encode(v))),
    ...(e.uris ?? []).map((v) => tlv(0x86, ENCODER.encode(v))),
    ...(e.ipAddresses ?? []).map((v) => tlv(0x87, ipBytes(v))),
  ];
  if (names.length) out.push(extension("2.5.29.17", false, tlv(0x30, ...names)));
  const permitted = [
    ...(e.permittedDnsNames ?? []).map((v) => tlv(0x30, tlv(0x82, ENCODER.encode(v)))),
  ];
  if (permitted.length) {
    out.push(extension("2.5.29.30", true, tlv(0x30, tlv(0xa0, ...permitted))));
  }
  return out;
}

async function spkiOf(key: CryptoKey | Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return key instanceof Uint8Array
    ? new Uint8Array(key)
    : new Uint8Array(await crypto.subtle.exportKey("spki", key));
}

/** Signs `data` with an RSA PKCS#1 v1.5 or ECDSA key; the AlgorithmIdentifier and signature. */
async function signWith(
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
): Promise<{ algorithm: Uint8Array<ArrayBuffer>; signature: Uint8Array<ArrayBuffer> }> {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  if (algorithm.name === "RSASSA-PKCS1-v1_5") {
    const hash = algorithm.hash?.name ?? "SHA-256";
    const algOid = { "SHA-256": "11", "SHA-384": "12", "SHA-512": "13" }[hash];
    if (!algOid) throw new TypeError(`unsupported RSA signature hash ${hash}`);
    const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, data);
    return {
      algorithm: tlv(0x30, oid(`1.2.840.113549.1.1.${algOid}`), new Uint8Array([5, 0])),
      signature: new Uint8Array(sig),
    };
  }
  if (algorithm.name === "ECDSA") {
    const [hash, algOid] = algorithm.namedCurve === "P-384"
      ? ["SHA-384", "3"]
      : algorithm.namedCurve === "P-521"
      ? ["SHA-512", "4"]
      : ["SHA-256", "2"];
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash }, key, data));
    const half = raw.length / 2;
    // X.509 carries ECDSA signatures as DER SEQUENCE { r, s }.
    return {
      algorithm: tlv(0x30, oid(`1.2.840.10045.4.3.${algOid}`)),
      signature: tlv(0x30, integer(raw.slice(0, half)), integer(raw.slice(half))),
    };
  }
  throw new TypeError(`a ${algorithm.name} key cannot sign certificates here`);
}

function signed(
  body: Uint8Array<ArrayBuffer>,
  s: { algorithm: Uint8Array<ArrayBuffer>; signature: Uint8Array<ArrayBuffer> },
): Uint8Array<ArrayBuffer> {
  return tlv(0x30, body, s.algorithm, tlv(0x03, new Uint8Array([0]), s.signature));
}

/** Builds and signs an X.509 v3 certificate; returns its DER. */
export async function issueCertificate(
  o: IssueCertificateOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const spki = await spkiOf(o.publicKey);
  const signer = o.issuer?.privateKey ?? o.signingKey;
  if (!signer) throw new TypeError("a self-signed certificate needs its signingKey");
  const subject = typeof o.subject === "string" ? encodeName(o.subject) : new Uint8Array(o.subject);
  const issuerInfo = o.issuer ? parseCertificate(o.issuer.certificate) : undefined;
  const serial = o.serialNumber ?? crypto.getRandomValues(new Uint8Array(16));
  const serialBytes = new Uint8Array(serial);
  serialBytes[0]! &= 0x7f;
  if (serialBytes[0] === 0) serialBytes[0] = 0x01;
  const extensions = extensionList(o.extensions ?? {});
  extensions.push(extension("2.5.29.14", false, tlv(0x04, await keyIdentifier(spki))));
  const authorityKeyId = await keyIdentifier(issuerInfo?.spki ?? spki);
  extensions.push(extension("2.5.29.35", false, tlv(0x30, tlv(0x80, authorityKeyId))));
  // The AlgorithmIdentifier is the same for the TBS and the outer signature.
  const { algorithm } = await signWith(signer, new Uint8Array(1));
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, new Uint8Array([2]))),
    integer(serialBytes),
    algorithm,
    issuerInfo?.subject ?? subject,
    tlv(0x30, time(o.notBefore), time(o.notAfter)),
    subject,
    spki,
    tlv(0xa3, tlv(0x30, ...extensions)),
  );
  return signed(tbs, await signWith(signer, tbs));
}

/** Reads the parts of a certificate (DER) the emulator uses; a `RangeError` when it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const bytes = new Uint8Array(der);
  const top = readTlv(bytes, 0);
  if (top.tag !== 0x30) throw new RangeError("not a certificate");
  const tbs = children(bytes, top)[0];
  if (!tbs || tbs.tag !== 0x30) throw new RangeError("not a certificate");
  const fields = children(bytes, tbs);
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(at);
  if (!serial || !issuer || !validity || !subject || !spki) {
    throw new RangeError("not a certificate");
  }
  const [notBefore, notAfter] = children(bytes, validity);
  const result: ParsedCertificate = {
    subject: itemBytes(bytes, subject),
    subjectText: nameToText(itemBytes(bytes, subject)),
    issuer: itemBytes(bytes, issuer),
    serialNumber: [...bytes.subarray(serial.start, serial.end)]
      .map((b) => b.toString(16).padStart(2, "0")).join("").replace(/^00(?=[89a-f])/, "")
      .toUpperCase(),
    notBefore: readTime(bytes, notBefore!),
    notAfter: readTime(bytes, notAfter!),
    spki: itemBytes(bytes, spki),
    dnsNames: [],
    emails: [],
    uris: [],
    ipAddresses: [],
  };
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions) {
    for (const ext of children(bytes, children(bytes, extensions)[0]!)) {
      const parts = children(bytes, ext);
      if (decodeOid(bytes, parts[0]!) !== "2.5.29.17") continue;
      const value = parts[parts.length - 1]!;
      const seq = readTlv(bytes, value.start, value.end);
      for (const name of children(bytes, seq)) {
        const content = bytes.subarray(name.start, name.end);
        if (name.tag === 0x82) result.dnsNames.push(DECODER.decode(content));
        else if (name.tag === 0x81) result.emails.push(DECODER.decode(content));
        else if (name.tag === 0x86) result.uris.push(DECODER.decode(content));
        else if (name.tag === 0x87) result.ipAddresses.push(ipText(content));
      }
    }
  }
  return result;
}

/** A PKCS#10 certificate signing request for `keys` (DER), optionally requesting extensions. */
export async function createCsr(
  keys: CryptoKeyPair,
  subject: string,
  extensions: X509Extensions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const spki = await spkiOf(keys.publicKey);
  const requested = extensionList(extensions);
  const attributes = requested.length
    ? tlv(
      0xa0,
      tlv(0x30, oid("1.2.840.113549.1.9.14"), tlv(0x31, tlv(0x30, ...requested))),
    )
    : tlv(0xa0);
  const info = tlv(0x30, tlv(0x02, new Uint8Array([0])), encodeName(subject), spki, attributes);
  return signed(info, await signWith(keys.privateKey, info));
}

/** Reads a CSR's subject and public key; a `RangeError` when the bytes are not a CSR. */
export function parseCsr(der: Uint8Array): ParsedCsr {
  const bytes = new Uint8Array(der);
  const top = readTlv(bytes, 0);
  const info = children(bytes, top)[0];
  if (top.tag !== 0x30 || !info || info.tag !== 0x30) throw new RangeError("not a CSR");
  const [, subject, spki] = children(bytes, info);
  if (!subject || !spki) throw new RangeError("not a CSR");
  const subjectBytes = itemBytes(bytes, subject);
  return {
    subject: subjectBytes,
    subjectText: nameToText(subjectBytes),
    spki: itemBytes(bytes, spki),
  };
}

/** A certificate's thumbprint (SHA-1 for `x5t`, SHA-256 for `x5t#S256`), base64url. */
export async function certificateThumbprint(
  der: Uint8Array,
  hash: "SHA-1" | "SHA-256",
): Promise<string> {
  return encodeBase64(new Uint8Array(await crypto.subtle.digest(hash, new Uint8Array(der))), true);
}
