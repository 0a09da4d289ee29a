/**
 * The usable certificate: a certificate's secret turned into a chain (PEM and DER), a Web
 * Crypto private key and thumbprints; and the public certificate alone ({@link
 * publicCertificate}). PEM only: a PKCS#12 (PFX) secret is refused with a coded error, since
 * parsing PKCS#12 would take a library several times the size of kvfetch.
 *
 * @module
 */

import type { WebCryptoKey, WebKeyImportAlgorithm, WebKeyUsage } from "../http/web_types.ts";
import { KvfetchError } from "../http/errors.ts";
import { encodeBase64 } from "../http/_base64.ts";
import { children, readTlv } from "../auth/_der.ts";
import { parsePemBlocks, type PrivateKeyInfo, readKeyBlock, toPem } from "../auth/_pem.ts";
import { parseKeyVaultSecretIdentifier, type SecretBundle } from "./secrets_models.ts";
import type { OperationOptions } from "./options.ts";
import type { KeyVaultCertificate } from "./certificates_models.ts";

/**
 * Options of `CertificateClient.downloadCertificate`.
 *
 * @example An RSA-PSS signing key that can be exported again
 * ```ts
 * import type { DownloadCertificateOptions } from "kvfetch/certificates";
 *
 * const options: DownloadCertificateOptions = {
 *   keyAlgorithm: { name: "RSA-PSS", hash: "SHA-256" },
 *   extractable: true,
 * };
 * console.log(options.keyAlgorithm);
 * ```
 */
export interface DownloadCertificateOptions extends OperationOptions {
  /** The version; the latest when absent. */
  version?: string;
  /**
   * How to import the private key. Default: `RSASSA-PKCS1-v1_5` with SHA-256 for RSA keys,
   * `ECDSA` on the key's curve for EC keys.
   */
  keyAlgorithm?: WebKeyImportAlgorithm;
  /** The key's usages. @default ["sign"] */
  keyUsages?: WebKeyUsage[];
  /** Whether the imported `CryptoKey` can be exported. @default false */
  extractable?: boolean;
}

/**
 * A public certificate: DER, PEM and its thumbprints (base64url, as JOSE headers carry them).
 *
 * @example
 * ```ts
 * import { CertificateClient, publicCertificate } from "kvfetch/certificates";
 * import type { PublicCertificate } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 *
 * function header(c: PublicCertificate) {
 *   return { alg: "RS256", x5t: c.x5t, "x5t#S256": c["x5t#S256"] };
 * }
 * const policy = { issuerName: "Self", subject: "CN=api.example.com" };
 * const certificate = await client.createCertificate("api-tls", policy);
 * console.log(header(await publicCertificate(certificate)));
 * ```
 */
export interface PublicCertificate {
  /** The certificate, DER. */
  der: Uint8Array<ArrayBuffer>;
  /** The certificate, PEM (`CERTIFICATE`). */
  pem: string;
  /** SHA-1 thumbprint, base64url. */
  x5t: string;
  /** SHA-256 thumbprint, base64url. */
  "x5t#S256": string;
}

/**
 * A certificate ready to use: leaf and chain, and the private key when the secret holds one.
 *
 * @example
 * ```ts
 * import { CertificateClient, type DownloadedCertificate } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 *
 * async function sign(c: DownloadedCertificate, data: Uint8Array<ArrayBuffer>) {
 *   return new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", c.privateKey!, data));
 * }
 * await client.createCertificate("api-tls", {
 *   issuerName: "Self",
 *   subject: "CN=api.example.com",
 *   contentType: "application/x-pem-file",
 * });
 * const downloaded = await client.downloadCertificate("api-tls");
 * console.log((await sign(downloaded, new TextEncoder().encode("hello"))).length); // 256
 * ```
 */
export interface DownloadedCertificate extends PublicCertificate {
  /** The certificate's name. */
  name: string;
  /** The version (of the certificate and of its secret). */
  version?: string | undefined;
  /** The secret's content type (`application/x-pem-file`). */
  contentType: string;
  /** The chain, DER, leaf first. */
  chain: Uint8Array<ArrayBuffer>[];
  /** The chain, PEM, leaf first. */
  chainPem: string;
  /** The private key, imported for Web Crypto; absent when the secret holds none. */
  privateKey?: WebCryptoKey | undefined;
  /** The private key as PKCS#8 PEM (`PRIVATE KEY`); absent when the secret holds none. */
  privateKeyPem?: string | undefined;
}

/**
 * The public part of a certificate: DER, PEM, `x5t` and `x5t#S256`. Takes DER bytes or a
 * certificate read with `getCertificate` (its `cer`).
 *
 * @example The thumbprints a JWT header names
 * ```ts
 * import { CertificateClient, publicCertificate } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 *
 * async function headerFor(cer: Uint8Array) {
 *   const { x5t } = await publicCertificate(cer);
 *   return { alg: "RS256", x5t };
 * }
 * const policy = { issuerName: "Self", subject: "CN=api.example.com" };
 * const certificate = await client.createCertificate("api-tls", policy);
 * console.log(await headerFor(certificate.cer!));
 * ```
 *
 * @param certificate DER bytes, or a {@link KeyVaultCertificate} with its `cer`.
 *
 * @throws {KvfetchError} `ERR_INVALID_CERTIFICATE` when the DER is not an X.509 certificate.
 * @throws {TypeError} When an argument is invalid.
 */
export async function publicCertificate(
  certificate: Uint8Array | KeyVaultCertificate,
): Promise<PublicCertificate> {
  const der = certificate instanceof Uint8Array ? certificate : certificate?.cer;
  if (!(der instanceof Uint8Array) || !der.length) {
    throw new TypeError('"certificate" must be DER bytes or a certificate with its "cer"');
  }
  const bytes = new Uint8Array(der);
  checkCertificateDer(bytes);
  return await describe(bytes);
}

async function describe(der: Uint8Array<ArrayBuffer>): Promise<PublicCertificate> {
  const [sha1, sha256] = await Promise.all([
    crypto.subtle.digest("SHA-1", der),
    crypto.subtle.digest("SHA-256", der),
  ]);
  return {
    der,
    pem: toPem(der, "CERTIFICATE"),
    x5t: encodeBase64(new Uint8Array(sha1), true),
    "x5t#S256": encodeBase64(new Uint8Array(sha256), true),
  };
}

function invalid(message: string, cause?: unknown): KvfetchError {
  return new KvfetchError("ERR_INVALID_CERTIFICATE", message, { cause });
}

/** Throws a `TypeError` unless `der` is one DER SEQUENCE with an X.509 shape. */
function checkCertificateDer(der: Uint8Array): void {
  try {
    spkiOf(der);
  } catch {
    throw new TypeError('"certificate" is not a DER X.509 certificate');
  }
}

/** The `SubjectPublicKeyInfo` of a certificate, DER (with its header). */
function spkiOf(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new RangeError("not a certificate");
  const tbs = children(der, outer)[0];
  if (!tbs || tbs.tag !== 0x30) throw new RangeError("no tbsCertificate");
  // Each item's header starts where the previous one ended.
  let offset = tbs.start;
  const items: { from: number; end: number; tag: number }[] = [];
  for (const item of children(der, tbs)) {
    items.push({ from: offset, end: item.end, tag: item.tag });
    offset = item.end;
  }
  const spki = items[items[0]?.tag === 0xa0 ? 6 : 5];
  if (!spki || spki.tag !== 0x30) throw new RangeError("no subjectPublicKeyInfo");
  return new Uint8Array(der.slice(spki.from, spki.end));
}

/** The certificate secret (`GET /secrets/{name}/{version}`) as a usable certificate. */
export async function readCertificateSecret(
  name: string,
  secret: SecretBundle,
  options: DownloadCertificateOptions,
): Promise<DownloadedCertificate> {
  const contentType = secret.contentType ?? "";
  if (/pkcs12/i.test(contentType)) {
    throw new KvfetchError(
      "ERR_PKCS12_NOT_SUPPORTED",
      `Certificate ${name} is stored as PKCS#12 (PFX), which kvfetch does not parse; give it the ` +
        'PEM content type (policy contentType "application/x-pem-file", e.g. with ' +
        "updateCertificatePolicy and a new version) and download it again",
    );
  }
  const value = secret.value;
  if (!value || !value.includes("-----BEGIN")) {
    throw invalid(`The secret of certificate ${name} holds no PEM (content type ${contentType})`);
  }
  let blocks;
  try {
    blocks = parsePemBlocks(value);
  } catch (cause) {
    throw invalid(`The secret of certificate ${name} holds malformed PEM`, cause);
  }
  const chain = blocks.filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
  if (!chain.length) throw invalid(`The secret of certificate ${name} holds no certificate`);
  for (const der of chain) {
    try {
      spkiOf(der);
    } catch (cause) {
      throw invalid(`The secret of certificate ${name} holds a malformed certificate`, cause);
    }
  }
  const keyBlocks = blocks.filter((b) => /^(|RSA |EC )PRIVATE KEY$/.test(b.label));
  if (keyBlocks.length > 1) {
    throw invalid(`The secret of certificate ${name} holds more than one private key`);
  }
  let privateKey: CryptoKey | undefined;
  let privateKeyPem: string | undefined;
  if (keyBlocks[0]) {
    let info: PrivateKeyInfo;
    try {
      info = readKeyBlock(keyBlocks[0], blocks, "certificate's secret");
    } catch (cause) {
      throw invalid(`The private key of certificate ${name} cannot be read`, cause);
    }
    const algorithm = options.keyAlgorithm ??
      (info.type === "RSA"
        ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
        : { name: "ECDSA", namedCurve: info.curve! });
    const usages = options.keyUsages ?? ["sign"];
    try {
      privateKey = await crypto.subtle.importKey(
        "pkcs8",
        info.pkcs8,
        algorithm,
        options.extractable ?? false,
        usages,
      );
    } catch (cause) {
      throw invalid(
        `The private key of certificate ${name} cannot be imported as ${algorithm.name}`,
        cause,
      );
    }
    privateKeyPem = toPem(info.pkcs8, "PRIVATE KEY");
    // The leaf is the certificate of the key; put it first.
    const leaf = usages.includes("sign") ? await leafOf(chain, privateKey, algorithm) : 0;
    if (leaf < 0) {
      throw invalid(`The private key of certificate ${name} fits none of its certificates`);
    }
    chain.unshift(...chain.splice(leaf, 1));
  }
  const described = await describe(chain[0]!);
  return {
    name,
    version: parseKeyVaultSecretIdentifier(secret.id).version,
    contentType,
    ...described,
    chain,
    chainPem: chain.map((der) => toPem(der, "CERTIFICATE")).join(""),
    privateKey,
    privateKeyPem,
  };
}

/** The index of the certificate whose public key verifies what `key` signs, or -1. */
async function leafOf(
  chain: Uint8Array<ArrayBuffer>[],
  key: CryptoKey,
  algorithm: WebKeyImportAlgorithm,
): Promise<number> {
  const params = algorithm.name === "ECDSA"
    ? { name: "ECDSA", hash: "SHA-256" }
    : algorithm.name === "RSA-PSS"
    ? { name: "RSA-PSS", saltLength: 32 }
    : { name: algorithm.name };
  const probe = new TextEncoder().encode("kvfetch certificate key check");
  const signature = await crypto.subtle.sign(params, key, probe);
  for (const [i, der] of chain.entries()) {
    try {
      const pub = await crypto.subtle.importKey("spki", spkiOf(der), algorithm, false, ["verify"]);
      if (await crypto.subtle.verify(params, pub, signature, probe)) return i;
    } catch {
      // Another key type or curve: not this one.
    }
  }
  return -1;
}
