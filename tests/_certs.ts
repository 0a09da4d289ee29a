/**
 * Test certificates made at test time with Web Crypto and the project's own DER encoder: no
 * openssl, no fixtures with private keys in the repository. RSA or EC (P-256/384/521),
 * self-signed or issued by another test certificate, with the private key in PKCS#8, PKCS#1 or
 * SEC1 PEM form.
 */
import { children, oid, readTlv, tlv } from "../lib/auth/_der.ts";
import { toPem } from "../lib/auth/_pem.ts";

export interface TestCertificate {
  /** The certificate, DER. */
  der: Uint8Array<ArrayBuffer>;
  /** The certificate, PEM. */
  certificatePem: string;
  /** The private key, PKCS#8 PEM (`PRIVATE KEY`). */
  keyPem: string;
  /** The private key in its traditional form: PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`). */
  traditionalKeyPem: string;
  /** Certificate then PKCS#8 key: what ClientCertificateCredential takes. */
  pem: string;
  /** The key pair (extractable). */
  keys: CryptoKeyPair;
  /** The signing algorithm for assertions made with this key. */
  alg: "PS256" | "ES256" | "ES384" | "ES512";
}

export interface CertificateOptions {
  type?: "RSA" | "EC";
  curve?: "P-256" | "P-384" | "P-521";
  subject?: string;
  /** The issuer; self-signed when absent. */
  issuer?: TestCertificate;
  /** Use this key pair instead of generating one (it must be extractable). */
  keys?: CryptoKeyPair;
  /** Validity; default from an hour ago to a day from now. */
  notBefore?: Date;
  notAfter?: Date;
}

const CURVE_OID = {
  "P-256": "1.2.840.10045.3.1.7",
  "P-384": "1.3.132.0.34",
  "P-521": "1.3.132.0.35",
};
const EC_ALG = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as const;

function name(cn: string): Uint8Array<ArrayBuffer> {
  return tlv(0x30, tlv(0x31, tlv(0x30, oid("2.5.4.3"), tlv(0x0c, new TextEncoder().encode(cn)))));
}

function utcTime(date: Date): Uint8Array<ArrayBuffer> {
  const s = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tlv(0x17, new TextEncoder().encode(s));
}

function integer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.slice(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? new Uint8Array([0, ...trimmed]) : trimmed);
}

async function generate(type: "RSA" | "EC", curve: keyof typeof CURVE_OID): Promise<CryptoKeyPair> {
  return type === "RSA"
    ? await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair
    : await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
}

async function signWith(issuerKeys: CryptoKeyPair, tbs: Uint8Array<ArrayBuffer>) {
  const algorithm = issuerKeys.privateKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name === "RSASSA-PKCS1-v1_5") {
    const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", issuerKeys.privateKey, tbs);
    // sha256WithRSAEncryption
    return {
      algorithm: tlv(0x30, oid("1.2.840.113549.1.1.11"), new Uint8Array([5, 0])),
      signature: new Uint8Array(sig),
    };
  }
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, issuerKeys.privateKey, tbs),
  );
  const half = raw.length / 2;
  // ecdsa-with-SHA256; X.509 wants the signature as DER SEQUENCE { r, s }.
  return {
    algorithm: tlv(0x30, oid("1.2.840.10045.4.3.2")),
    signature: tlv(0x30, integer(raw.slice(0, half)), integer(raw.slice(half))),
  };
}

export async function makeCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  const type = options.type ?? "RSA";
  const curve = options.curve ?? "P-256";
  const keys = options.keys ?? await generate(type, curve);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const subject = options.subject ?? "kvfetch test";
  const now = Date.now();
  const der = await issue({
    spki,
    subjectName: name(subject),
    issuerName: options.issuer ? readSubject(options.issuer.der) : name(subject),
    signer: options.issuer?.keys ?? keys,
    notBefore: options.notBefore ?? new Date(now - 3_600_000),
    notAfter: options.notAfter ?? new Date(now + 86_400_000),
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const certificatePem = toPem(der, "CERTIFICATE");
  const keyPem = toPem(pkcs8, "PRIVATE KEY");
  return {
    der,
    certificatePem,
    keyPem,
    traditionalKeyPem: type === "RSA"
      ? toPem(innerKey(pkcs8), "RSA PRIVATE KEY")
      : toPem(sec1WithCurve(innerKey(pkcs8), CURVE_OID[curve]), "EC PRIVATE KEY"),
    pem: certificatePem + keyPem,
    keys,
    alg: type === "RSA" ? "PS256" : EC_ALG[curve],
  };
}

/** Builds and signs a certificate for a public key. */
async function issue(o: {
  spki: Uint8Array<ArrayBuffer>;
  subjectName: Uint8Array<ArrayBuffer>;
  issuerName: Uint8Array<ArrayBuffer>;
  signer: CryptoKeyPair;
  notBefore: Date;
  notAfter: Date;
}): Promise<Uint8Array<ArrayBuffer>> {
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0]! &= 0x7f;
  const provisional = await signWith(o.signer, new Uint8Array(1));
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, new Uint8Array([2]))),
    integer(serial),
    provisional.algorithm,
    o.issuerName,
    tlv(0x30, utcTime(o.notBefore), utcTime(o.notAfter)),
    o.subjectName,
    o.spki,
  );
  const { algorithm, signature } = await signWith(o.signer, tbs);
  return tlv(0x30, tbs, algorithm, tlv(0x03, new Uint8Array([0, ...signature])));
}

/** An item with its header, as bytes. */
function raw(bytes: Uint8Array<ArrayBuffer>, item: { start: number; end: number }) {
  const len = item.end - item.start;
  const header = len < 128 ? 2 : len < 256 ? 3 : len < 65536 ? 4 : 5;
  return bytes.slice(item.start - header, item.end);
}

/** The subject Name of a certificate, DER (to use as the issuer of the next). */
function readSubject(cert: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const tbs = children(cert, readTlv(cert, 0))[0]!;
  const fields = children(cert, tbs);
  return raw(cert, fields[5]!); // version, serial, sigAlg, issuer, validity, subject
}

/** The SubjectPublicKeyInfo of a certificate, DER. */
export function certificateSpki(cert: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const tbs = children(cert, readTlv(cert, 0))[0]!;
  return raw(cert, children(cert, tbs)[6]!);
}

/** A PKCS#10 certificate signing request for `keys`, subject `CN=<subject>`, DER. */
export async function makeCsr(
  keys: CryptoKeyPair,
  subject: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const info = tlv(0x30, tlv(0x02, new Uint8Array([0])), name(subject), spki, tlv(0xa0));
  const { algorithm, signature } = await signWith(keys, info);
  return tlv(0x30, info, algorithm, tlv(0x03, new Uint8Array([0, ...signature])));
}

/**
 * Signs a CSR with a test CA: the certificate has the CSR's subject and public key (the CSR's
 * own signature is not checked). Returns the certificate, DER.
 */
export async function signCsr(
  csr: Uint8Array,
  ca: TestCertificate,
  days = 365,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(csr);
  const [info] = children(bytes, readTlv(bytes, 0));
  const [, subject, spki] = children(bytes, info!);
  const now = Date.now();
  return await issue({
    spki: raw(bytes, spki!),
    subjectName: raw(bytes, subject!),
    issuerName: readSubject(ca.der),
    signer: ca.keys,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * 86_400_000),
  });
}

/** The key inside a PKCS#8 PrivateKeyInfo (PKCS#1 for RSA, SEC1 for EC). */
function innerKey(pkcs8: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const octets = children(pkcs8, readTlv(pkcs8, 0))[2]!;
  return pkcs8.slice(octets.start, octets.end);
}

/** Makes sure a SEC1 key names its curve ([0] parameters), as openssl writes it. */
function sec1WithCurve(sec1: Uint8Array<ArrayBuffer>, curveOid: string): Uint8Array<ArrayBuffer> {
  const fields = children(sec1, readTlv(sec1, 0));
  if (fields.some((f) => f.tag === 0xa0)) return sec1;
  const raw = (f: { start: number; end: number }) => {
    const len = f.end - f.start;
    const header = len > 255 ? 4 : len > 127 ? 3 : 2;
    return sec1.slice(f.start - header, f.end);
  };
  const [version, privateKey, ...rest] = fields;
  return tlv(0x30, raw(version!), raw(privateKey!), tlv(0xa0, oid(curveOid)), ...rest.map(raw));
}

/** SHA-256 / SHA-1 thumbprints, base64url. */
export async function thumbprint(
  der: Uint8Array<ArrayBuffer>,
  hash: "SHA-256" | "SHA-1",
): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(hash, der));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
