/**
 * The emulator's X.509 writer, checked against an independent parser (node:crypto's
 * X509Certificate, which is OpenSSL's): extensions, names, times, CA chains, CSRs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import {
  certificateThumbprint,
  createCsr,
  encodeName,
  generateCertificateKeyPair,
  issueCertificate,
  nameToText,
  parseCertificate,
  parseCsr,
  parseSubject,
} from "../../lib/testing/_x509.ts";
import { toPem } from "../../lib/auth/_pem.ts";

const day = 86_400_000;

test("a CA and a TLS leaf it issues verify with OpenSSL, with SANs, key usage and EKU", async () => {
  const caKeys = await generateCertificateKeyPair({ type: "EC", curve: "P-256" });
  const now = Date.now();
  const ca = await issueCertificate({
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    subject: "CN=kvfetch local CA, O=kvfetch",
    notBefore: new Date(now - day),
    notAfter: new Date(now + 3650 * day),
    extensions: { ca: true, pathLength: 0, keyUsage: ["keyCertSign", "cRLSign"] },
  });
  const leafKeys = await generateCertificateKeyPair({ type: "RSA" });
  const leaf = await issueCertificate({
    publicKey: leafKeys.publicKey,
    subject: "CN=myvault.vault.azure.net",
    issuer: { certificate: ca, privateKey: caKeys.privateKey },
    notBefore: new Date(now - day),
    notAfter: new Date(now + 30 * day),
    extensions: {
      keyUsage: ["digitalSignature", "keyEncipherment"],
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
      dnsNames: ["myvault.vault.azure.net", "localhost"],
      ipAddresses: ["127.0.0.1", "::1"],
    },
  });
  const caX = new X509Certificate(toPem(ca, "CERTIFICATE"));
  const leafX = new X509Certificate(toPem(leaf, "CERTIFICATE"));
  assert.equal(caX.ca, true);
  assert.equal(leafX.ca, false);
  assert.ok(leafX.checkIssued(caX));
  assert.ok(leafX.verify(caX.publicKey));
  assert.ok(caX.verify(caX.publicKey));
  assert.match(leafX.subjectAltName ?? "", /DNS:myvault\.vault\.azure\.net/);
  assert.match(leafX.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
  assert.equal(leafX.checkHost("myvault.vault.azure.net"), "myvault.vault.azure.net");
  assert.equal(leafX.checkIP("127.0.0.1"), "127.0.0.1");
  // Deno reports KeyUsage names here where Node reports the EKU OIDs: either shows both landed.
  assert.ok((leafX.keyUsage ?? []).length > 0);

  const parsed = parseCertificate(leaf);
  assert.deepEqual(parsed.dnsNames, ["myvault.vault.azure.net", "localhost"]);
  assert.deepEqual(parsed.ipAddresses, ["127.0.0.1", "::1"]);
  assert.equal(parsed.subjectText, "CN=myvault.vault.azure.net");
  assert.equal(nameToText(parsed.issuer), "CN=kvfetch local CA, O=kvfetch");
  // The same number (the two print leading zero digits differently).
  assert.equal(BigInt(`0x${parsed.serialNumber}`), BigInt(`0x${leafX.serialNumber}`));
  assert.equal(
    await certificateThumbprint(leaf, "SHA-1"),
    Buffer.from(leafX.fingerprint.replace(/:/g, ""), "hex").toString("base64url"),
  );
});

test("validity after 2049 is a GeneralizedTime, read back to the second", async () => {
  const keys = await generateCertificateKeyPair({ type: "EC", curve: "P-384" });
  const notAfter = new Date("2061-03-04T05:06:07Z");
  const der = await issueCertificate({
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    subject: "CN=long",
    notBefore: new Date("2020-01-02T03:04:05Z"),
    notAfter,
  });
  const parsed = parseCertificate(der);
  assert.equal(parsed.notAfter.toISOString(), notAfter.toISOString());
  assert.equal(parsed.notBefore.toISOString(), "2020-01-02T03:04:05.000Z");
  assert.equal(new Date(new X509Certificate(der).validTo).toISOString(), notAfter.toISOString());
});

test("subjects: several attributes, quoting, escapes; unknown attributes and empty refused", () => {
  assert.deepEqual(parseSubject('CN=a\\, b, O="x, y", C=NL'), [["CN", "a, b"], ["O", "x, y"], [
    "C",
    "NL",
  ]]);
  assert.equal(
    nameToText(encodeName("CN=svc, OU=ops, E=a@b.example")),
    "CN=svc, OU=ops, E=a@b.example",
  );
  assert.throws(() => parseSubject(""), TypeError);
  assert.throws(() => parseSubject("XX=1"), /XX/);
  assert.throws(() => parseSubject("justtext"), TypeError);
});

test("a CSR carries the subject and key; a certificate issued from it has both", async () => {
  const keys = await generateCertificateKeyPair({ type: "RSA" });
  const csr = await createCsr(keys, "CN=from-csr, O=kvfetch", { dnsNames: ["a.example"] });
  const request = parseCsr(csr);
  assert.equal(request.subjectText, "CN=from-csr, O=kvfetch");
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  assert.deepEqual(request.spki, spki);
  const caKeys = await generateCertificateKeyPair({ type: "EC" });
  const ca = await issueCertificate({
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    subject: "CN=ca",
    notBefore: new Date(),
    notAfter: new Date(Date.now() + day),
    extensions: { ca: true },
  });
  const cert = await issueCertificate({
    publicKey: request.spki,
    subject: request.subject,
    issuer: { certificate: ca, privateKey: caKeys.privateKey },
    notBefore: new Date(),
    notAfter: new Date(Date.now() + day),
  });
  assert.deepEqual(parseCertificate(cert).spki, spki);
  assert.throws(() => parseCsr(new Uint8Array([1, 2, 3])), RangeError);
  assert.throws(() => parseCertificate(new Uint8Array([0x30, 0x00])), RangeError);
});
