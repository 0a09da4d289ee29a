/**
 * The served emulator's local certificate authority: a CA certificate (ECDSA P-256, basic
 * constraints CA, `keyCertSign`) kept as PEM in the state directory, and the one leaf it issues
 * at every start for every name the emulator answers (`*.vault.azure.net`, the Entra hosts,
 * `management.azure.com`, `localhost`, `127.0.0.1`, `::1`). One leaf with a wildcard is what a
 * per-host leaf minted from the SNI would be, without needing an SNI callback, which not every
 * runtime's `node:tls` server has. Built with the emulator's X.509 writer (`lib/testing/_x509.ts`).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { generateCertificateKeyPair, issueCertificate } from "../lib/testing/_x509.ts";
import { parsePemBlocks, toPem } from "../lib/auth/_pem.ts";
import { CONSTRAINED_NAMES, SERVED_NAMES } from "./_hosts.ts";

/** A certificate and its private key, PEM. */
export interface PemPair {
  /** `-----BEGIN CERTIFICATE-----`. */
  cert: string;
  /** `-----BEGIN PRIVATE KEY-----` (PKCS#8). */
  key: string;
}

/** The CA (as PEM, and as the issuer the X.509 writer wants). */
export interface LocalCa extends PemPair {
  /** Where the CA certificate is, when it was written to a directory. */
  certPath: string;
  /** Whether it was read from the directory rather than created. */
  reused: boolean;
  issuer: { certificate: Uint8Array; privateKey: CryptoKey };
}

const DAY = 86_400_000;
const EC = { name: "ECDSA", namedCurve: "P-256" } as const;

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return toPem(new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)), "PRIVATE KEY");
}

function derOf(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const block = parsePemBlocks(pem).find((b) => b.label === label);
  if (!block) throw new TypeError(`no ${label} block`);
  return block.der;
}

/**
 * The CA of `dir` (`ca.pem` and `ca-key.pem`, the key mode 0600), created there when absent or
 * unreadable (see {@linkcode createCa}; a CA reused from a state directory keeps the constraints
 * it was made with).
 */
export async function loadOrCreateCa(dir: string): Promise<LocalCa> {
  const certPath = `${dir}/ca.pem`;
  const keyPath = `${dir}/ca-key.pem`;
  try {
    const cert = await readFile(certPath, "utf8");
    const key = await readFile(keyPath, "utf8");
    const privateKey = await crypto.subtle.importKey(
      "pkcs8",
      derOf(key, "PRIVATE KEY"),
      EC,
      true,
      ["sign"],
    );
    return {
      cert,
      key,
      certPath,
      reused: true,
      issuer: { certificate: derOf(cert, "CERTIFICATE"), privateKey },
    };
  } catch {
    // absent or unreadable: a new one
  }
  const ca = await createCa();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, ca.key, { mode: 0o600 });
  await writeFile(certPath, ca.cert, { mode: 0o644 });
  return { ...ca, certPath, reused: false };
}

/**
 * A new CA, in memory, name-constrained to the emulator's DNS names and `localhost`: even trusted
 * system-wide, or with its key stolen from a state directory, it cannot vouch for another host
 * name. (IP addresses are not constrained: Bun's TLS refuses a CA with an IP constraint, and the
 * leaf needs 127.0.0.1 and ::1.)
 */
export async function createCa(): Promise<Omit<LocalCa, "certPath" | "reused">> {
  const pair = await generateCertificateKeyPair({ type: "EC", curve: "P-256" });
  const now = Date.now();
  const der = await issueCertificate({
    publicKey: pair.publicKey,
    signingKey: pair.privateKey,
    subject: "CN=kvfetch emulator local CA, O=kvfetch",
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    extensions: {
      ca: true,
      pathLength: 0,
      keyUsage: ["keyCertSign", "cRLSign"],
      permittedDnsNames: [...CONSTRAINED_NAMES, "localhost"],
    },
  });
  return {
    cert: toPem(der, "CERTIFICATE"),
    key: await pkcs8Pem(pair.privateKey),
    issuer: { certificate: der, privateKey: pair.privateKey },
  };
}

/** A fresh leaf (30 days) for every name the emulator serves, plus `extraIps`. */
export async function issueLeaf(ca: LocalCa, extraIps: string[] = []): Promise<PemPair> {
  const pair = await generateCertificateKeyPair({ type: "EC", curve: "P-256" });
  const now = Date.now();
  const ips = [...new Set(["127.0.0.1", "::1", ...extraIps])];
  const der = await issueCertificate({
    publicKey: pair.publicKey,
    subject: "CN=kvfetch emulator, O=kvfetch",
    issuer: ca.issuer,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    extensions: {
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
      dnsNames: [...SERVED_NAMES, "localhost"],
      ipAddresses: ips,
    },
  });
  return { cert: toPem(der, "CERTIFICATE"), key: await pkcs8Pem(pair.privateKey) };
}
