/**
 * Test certificates made at test time with Web Crypto and the project's own DER encoder: no
 * openssl, no fixtures with private keys in the repository. RSA or EC (P-256/384/521),
 * self-signed or issued by another test certificate, with the private key in PKCS#8, PKCS#1 or
 * SEC1 PEM form.
 */
import { children, oid, readTlv, tlv } from "../lib/auth/_der.ts";
import {
  certificateThumbprint,
  createCsr,
  generateCertificateKeyPair,
  issueCertificate,
  parseCertificate,
  parseCsr,
} from "../lib/testing/_x509.ts";
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

export async function makeCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  const type = options.type ?? "RSA";
  const curve = options.curve ?? "P-256";
  const keys = options.keys ??
    await generateCertificateKeyPair(type === "RSA" ? { type } : { type, curve });
  const now = Date.now();
  const der = await issueCertificate({
    publicKey: keys.publicKey,
    subject: `CN=${options.subject ?? "kvfetch test"}`,
    ...(options.issuer
      ? { issuer: { certificate: options.issuer.der, privateKey: options.issuer.keys.privateKey } }
      : { signingKey: keys.privateKey }),
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

/** The SubjectPublicKeyInfo of a certificate, DER. */
export function certificateSpki(cert: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return parseCertificate(cert).spki;
}

/** A PKCS#10 certificate signing request for `keys`, subject `CN=<subject>`, DER. */
export async function makeCsr(
  keys: CryptoKeyPair,
  subject: string,
): Promise<Uint8Array<ArrayBuffer>> {
  return await createCsr(keys, `CN=${subject}`);
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
  const request = parseCsr(csr);
  const now = Date.now();
  return await issueCertificate({
    publicKey: request.spki,
    subject: request.subject,
    issuer: { certificate: ca.der, privateKey: ca.keys.privateKey },
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
  return await certificateThumbprint(der, hash);
}
