/**
 * Reading the PEM of a certificate credential: the certificate (chain) and a private key in
 * PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) form. Every
 * problem is a `TypeError` that names the problem and never quotes the PEM.
 */

import {
  children,
  CURVES,
  decodeOid,
  OID_EC,
  OID_RSA,
  pkcs1ToPkcs8,
  readTlv,
  sec1ToPkcs8,
} from "./_der.ts";
import { decodeBase64, encodeBase64 } from "../http/_base64.ts";

/** One PEM block. */
export interface PemBlock {
  label: string;
  headers: string;
  der: Uint8Array<ArrayBuffer>;
}

/** A private key ready for Web Crypto. */
export interface PrivateKeyInfo {
  pkcs8: Uint8Array<ArrayBuffer>;
  type: "RSA" | "EC";
  curve?: "P-256" | "P-384" | "P-521" | undefined;
}

/** What a certificate PEM holds. */
export interface CertificatePem {
  /** The certificates, DER, in the order they appear. */
  certificates: Uint8Array<ArrayBuffer>[];
  key: PrivateKeyInfo;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Splits PEM text into its blocks. */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1]!;
    const body = match[2]!;
    // RFC 1421 headers (Proc-Type, DEK-Info) come first, ended by an empty line.
    const split = body.match(/^([\s\S]*?:[\s\S]*?)\r?\n\r?\n([\s\S]*)$/);
    const headers = split ? split[1]! : "";
    const base64 = (split ? split[2]! : body).replace(/\s+/g, "");
    let der: Uint8Array<ArrayBuffer>;
    try {
      der = decodeBase64(base64);
    } catch {
      throw new TypeError(`The certificate PEM has a malformed ${label} block (bad base64)`);
    }
    blocks.push({ label, headers, der });
  }
  return blocks;
}

const DECRYPT_HINT = "kvfetch does not decrypt keys; decrypt it first, for example with " +
  "`openssl pkcs8 -topk8 -nocrypt -in encrypted.pem -out key.pem` " +
  "(or `openssl pkcs12 -in cert.pfx -nodes` for a PFX), and keep the result in a secret store";

/** Parses a certificate credential's PEM, or throws a `TypeError` saying what is wrong. */
export function parseCertificatePem(text: unknown): CertificatePem {
  if (typeof text !== "string" || !text.includes("-----BEGIN")) {
    throw new TypeError(
      '"certificate" must be PEM text holding the certificate and its private key',
    );
  }
  const blocks = parsePemBlocks(text);
  if (blocks.some((b) => b.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/.test(b.headers))) {
    throw new TypeError(`The private key in the certificate PEM is encrypted; ${DECRYPT_HINT}`);
  }
  const certificates = blocks.filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
  if (certificates.length === 0) {
    throw new TypeError("The certificate PEM holds no CERTIFICATE block");
  }
  for (const der of certificates) {
    try {
      const outer = readTlv(der, 0);
      if (outer.tag !== 0x30 || outer.end !== der.length) throw new RangeError();
    } catch {
      throw new TypeError("The certificate PEM has a malformed CERTIFICATE block");
    }
  }
  const keys = blocks.filter((b) => /^(|RSA |EC )PRIVATE KEY$/.test(b.label));
  if (keys.length === 0) {
    throw new TypeError(
      "The certificate PEM holds no private key (expected a PRIVATE KEY, RSA PRIVATE KEY or " +
        "EC PRIVATE KEY block)",
    );
  }
  if (keys.length > 1) throw new TypeError("The certificate PEM holds more than one private key");
  return { certificates, key: readKeyBlock(keys[0]!, blocks, "certificate PEM") };
}

/**
 * Reads a `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block into PKCS#8, or throws a
 * `TypeError` naming the problem (`what` names the PEM in messages).
 */
export function readKeyBlock(block: PemBlock, blocks: PemBlock[], what: string): PrivateKeyInfo {
  try {
    if (block.label === "PRIVATE KEY") return readPkcs8(block.der);
    if (block.label === "RSA PRIVATE KEY") {
      readTlv(block.der, 0);
      return { pkcs8: pkcs1ToPkcs8(block.der), type: "RSA" };
    }
    return readSec1(block.der, blocks);
  } catch (error) {
    if (error instanceof TypeError) throw error;
    throw new TypeError(`The ${what} has a malformed ${block.label} block`);
  }
}

function readPkcs8(der: Uint8Array<ArrayBuffer>): PrivateKeyInfo {
  const info = readTlv(der, 0);
  const [, algorithm] = children(der, info);
  if (!algorithm) throw new RangeError("no algorithm");
  const [algOid, params] = children(der, algorithm);
  const algo = decodeOid(der, algOid!);
  if (algo === OID_RSA) return { pkcs8: der, type: "RSA" };
  if (algo === OID_EC && params?.tag === 0x06) {
    const curve = CURVES[decodeOid(der, params)];
    if (curve) return { pkcs8: der, type: "EC", curve };
    throw new TypeError("The certificate's EC key uses a curve other than P-256, P-384, P-521");
  }
  throw new TypeError("The certificate's private key must be an RSA or EC key");
}

function readSec1(der: Uint8Array, blocks: PemBlock[]): PrivateKeyInfo {
  // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }
  const fields = children(der, readTlv(der, 0));
  let curveOid: string | undefined;
  const params = fields.find((f) => f.tag === 0xa0);
  if (params) curveOid = decodeOid(der, readTlv(der, params.start, params.end));
  else {
    // `openssl ecparam -genkey` writes the curve in a separate EC PARAMETERS block.
    const ecParams = blocks.find((b) => b.label === "EC PARAMETERS");
    if (ecParams) curveOid = decodeOid(ecParams.der, readTlv(ecParams.der, 0));
  }
  const curve = curveOid ? CURVES[curveOid] : undefined;
  if (!curveOid || !curve) {
    throw new TypeError("The certificate's EC key must name its curve: P-256, P-384 or P-521");
  }
  return { pkcs8: sec1ToPkcs8(der, curveOid), type: "EC", curve };
}

/** PEM-encodes DER bytes under a label. */
export function toPem(der: Uint8Array, label: string): string {
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
