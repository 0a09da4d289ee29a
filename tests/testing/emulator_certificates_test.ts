/**
 * kvfetch's CertificateClient against the emulator with DEFAULT options: real self-signed
 * certificates, the CSR + merge path signed by a Web Crypto CA in the test, cancel, failed,
 * PEM import, contacts, issuers, soft delete, backup/restore, paging, the backing key and secret,
 * snapshots.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CertificateClient,
  CertificateOperationFailedError,
  clearCaches,
  CryptographyClient,
  KeyClient,
  RestError,
  SecretClient,
} from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";
import { parseCertificate } from "../../lib/testing/_x509.ts";
import { makeCertificate, signCsr } from "../_certs.ts";

function setup(options: Parameters<typeof createEmulator>[0] = {}) {
  clearCaches();
  const emulator = createEmulator({ vaults: ["myvault"], ...options });
  const credential = emulator.credential();
  const url = emulator.vaultUrl("myvault");
  const client = new CertificateClient(url, credential, { fetch: emulator.fetch });
  return { emulator, credential, url, client };
}

const fast = { pollIntervalMs: 0 } as const;

test("emulator: a self-signed certificate is real X.509 with the policy's contents", async () => {
  const { client, emulator } = setup();
  const certificate = await client.createCertificate("api-tls", {
    issuerName: "Self",
    subject: "CN=api.example.com, O=Contoso",
    subjectAlternativeNames: { dnsNames: ["api.example.com", "www.example.com"] },
    keyType: "EC",
    keyCurveName: "P-384",
    contentType: "application/x-pem-file",
    validityInMonths: 6,
    keyUsage: ["digitalSignature"],
    enhancedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
  }, { ...fast, tags: { env: "test" } });
  assert.equal(certificate.name, "api-tls");
  assert.deepEqual(certificate.properties.tags, { env: "test" });
  const parsed = parseCertificate(certificate.cer!);
  assert.equal(parsed.subjectText, "CN=api.example.com, O=Contoso");
  assert.deepEqual(parsed.dnsNames, ["api.example.com", "www.example.com"]);
  const months = (parsed.notAfter.getTime() - emulator.clock.now()) / (30.5 * 86_400_000);
  assert.ok(months > 5.8 && months < 6.2, `validity ${months} months`);
  assert.equal(certificate.policy?.keyCurveName, "P-384");
  assert.equal(
    certificate.properties.expiresOn?.getTime(),
    Math.floor(parsed.notAfter.getTime() / 1000) * 1000,
  );

  const downloaded = await client.downloadCertificate("api-tls");
  assert.ok(downloaded.privateKey);
  const data = new TextEncoder().encode("signed by the vault's certificate");
  const algorithm = { name: "ECDSA", hash: "SHA-384" };
  const signature = await crypto.subtle.sign(algorithm, downloaded.privateKey, data);
  const publicKey = await crypto.subtle.importKey(
    "spki",
    parsed.spki,
    { name: "ECDSA", namedCurve: "P-384" },
    false,
    ["verify"],
  );
  assert.ok(await crypto.subtle.verify(algorithm, publicKey, signature, data));
  assert.equal(downloaded.version, certificate.properties.version);
});

test("emulator: the backing key signs through the keys API and the secret is the PEM", async () => {
  const { client, credential, emulator, url } = setup();
  const certificate = await client.createCertificate("signer", {
    issuerName: "Self",
    subject: "CN=signer",
    contentType: "application/x-pem-file",
  }, fast);
  const keys = new KeyClient(url, credential, { fetch: emulator.fetch });
  const key = await keys.getKey("signer");
  assert.equal(key.properties.version, certificate.properties.version);
  assert.equal(key.keyType, "RSA");
  const crypto_ = new CryptographyClient(key.id!, credential, { fetch: emulator.fetch });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([1, 2, 3])));
  const signed = await crypto_.sign("RS256", digest);
  const rsa = await crypto.subtle.importKey(
    "spki",
    parseCertificate(certificate.cer!).spki,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  assert.ok(
    await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      rsa,
      new Uint8Array(signed.result),
      new Uint8Array([1, 2, 3]),
    ),
  );
  const secrets = new SecretClient(url, credential, { fetch: emulator.fetch });
  const secret = await secrets.getSecret("signer");
  assert.equal(secret.properties.contentType, "application/x-pem-file");
  assert.equal(secret.properties.managed, true);
  assert.match(secret.value!, /^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
});

test("emulator: a non-exportable certificate's secret holds no key", async () => {
  const { client } = setup();
  await client.createCertificate("locked", {
    issuerName: "Self",
    subject: "CN=locked",
    exportable: false,
    contentType: "application/x-pem-file",
  }, fast);
  const downloaded = await client.downloadCertificate("locked");
  assert.equal(downloaded.privateKey, undefined);
  assert.equal(downloaded.chain.length, 1);
});

test("emulator: CSR + merge with a CA of the test; a foreign key is refused", async () => {
  const { client } = setup();
  const op = await client.createCertificate("partner", {
    issuerName: "Unknown",
    subject: "CN=partner",
    keyType: "EC",
    contentType: "application/x-pem-file",
  }, { waitForCompletion: false });
  assert.equal(op.status, "inProgress");
  assert.ok(op.csr && op.csr.length > 0);
  assert.equal((await client.getCertificateOperation("partner")).status, "inProgress");
  const ca = await makeCertificate({ type: "EC", subject: "kvfetch test CA" });
  const stranger = await makeCertificate({ type: "EC", issuer: ca });
  await assert.rejects(
    client.mergeCertificate("partner", [stranger.der]),
    (e: unknown) => e instanceof RestError && e.status === 400,
  );
  const signed = await signCsr(op.csr!, ca);
  const merged = await client.mergeCertificate("partner", [signed, ca.der]);
  assert.equal(parseCertificate(merged.cer!).subjectText, "CN=partner");
  assert.equal((await client.getCertificateOperation("partner")).status, "completed");
  const downloaded = await client.downloadCertificate("partner");
  assert.equal(downloaded.chain.length, 2);
  assert.ok(downloaded.privateKey);
});

test("emulator: cancel, delete operation, and a failed operation", async () => {
  const { client } = setup({ certificatePolls: 5 });
  await client.createCertificate("slow", { issuerName: "Self", subject: "CN=slow" }, {
    waitForCompletion: false,
  });
  await assert.rejects(
    client.createCertificate("slow", { issuerName: "Self", subject: "CN=slow" }, {
      waitForCompletion: false,
    }),
    (e: unknown) => e instanceof RestError && e.status === 409,
  );
  const cancelling = await client.cancelCertificateOperation("slow");
  assert.equal(cancelling.cancellationRequested, true);
  assert.equal((await client.getCertificateOperation("slow")).status, "cancelled");
  await client.deleteCertificateOperation("slow");
  await assert.rejects(
    client.getCertificateOperation("slow"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );

  await client.createIssuer("my-ca", "DigiCert", { accountId: "acct", password: "pw" });
  await assert.rejects(
    client.createCertificate("bad", { issuerName: "my-ca", subject: "CN=bad" }, fast),
    (e: unknown) =>
      e instanceof CertificateOperationFailedError &&
      e.operation.error?.code === "CertificateIssuerError",
  );
  await assert.rejects(
    client.createCertificate("worse", { issuerName: "nobody", subject: "CN=x" }, fast),
    (e: unknown) => e instanceof RestError && e.status === 400,
  );
});

test("emulator: import PEM (and refuse PKCS#1, PFX), versions, properties, policy", async () => {
  const { client } = setup();
  const c = await makeCertificate({ type: "EC", subject: "imported" });
  const imported = await client.importCertificate("imp", c.certificatePem + c.keyPem, {
    policy: { contentType: "application/x-pem-file" },
  });
  assert.equal(parseCertificate(imported.cer!).subjectText, "CN=imported");
  assert.equal(imported.policy?.issuerName, "Unknown");
  await assert.rejects(
    client.importCertificate("imp2", c.certificatePem + c.traditionalKeyPem, {
      policy: { contentType: "application/x-pem-file" },
    }),
  );
  await assert.rejects(
    client.importCertificate("imp3", new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x03])),
    (e: unknown) => e instanceof RestError && e.status === 400,
  );
  const second = await client.importCertificate("imp", c.pem, {
    policy: { contentType: "application/x-pem-file" },
  });
  const versions: string[] = [];
  for await (const p of client.listPropertiesOfCertificateVersions("imp")) {
    versions.push(p.version!);
  }
  assert.deepEqual(
    versions.sort(),
    [imported.properties.version!, second.properties.version!].sort(),
  );
  const first = await client.getCertificateVersion("imp", imported.properties.version!);
  assert.equal(first.properties.version, imported.properties.version);
  const updated = await client.updateCertificateProperties("imp", second.properties.version!, {
    enabled: false,
    tags: { a: "b" },
  });
  assert.equal(updated.properties.enabled, false);
  const policy = await client.updateCertificatePolicy("imp", { validityInMonths: 24 });
  assert.equal(policy.validityInMonths, 24);
  assert.equal((await client.getCertificatePolicy("imp")).validityInMonths, 24);
});

test("emulator: contacts and issuers", async () => {
  const { client } = setup();
  await assert.rejects(client.getContacts(), (e: unknown) => e instanceof RestError);
  await client.setContacts([{ email: "ops@example.com", name: "Ops" }]);
  assert.equal((await client.getContacts())[0]!.email, "ops@example.com");
  await client.deleteContacts();
  await assert.rejects(client.getContacts(), (e: unknown) => e instanceof RestError);

  await client.createIssuer("issuer-a", "DigiCert", { accountId: "a", password: "secret" });
  await client.createIssuer("issuer-b", "GlobalSign");
  const got = await client.getIssuer("issuer-a");
  assert.equal(got.provider, "DigiCert");
  assert.equal(got.accountId, "a");
  assert.equal(got.password, undefined);
  const updated = await client.updateIssuer("issuer-a", { provider: "OneCertV2-PublicCA" });
  assert.equal(updated.provider, "OneCertV2-PublicCA");
  const names: string[] = [];
  for await (const i of client.listPropertiesOfIssuers()) names.push(i.name!);
  assert.deepEqual(names.sort(), ["issuer-a", "issuer-b"]);
  await client.deleteIssuer("issuer-b");
  await assert.rejects(client.getIssuer("issuer-b"), (e: unknown) => e instanceof RestError);
});

test("emulator: delete, recover, purge, backup and restore", async () => {
  const { client } = setup({ deletePolls: 1, recoverPolls: 1 });
  await client.createCertificate("c1", {
    issuerName: "Self",
    subject: "CN=c1",
    contentType: "application/x-pem-file",
  }, fast);
  const backup = await client.backupCertificate("c1");
  const deleted = await client.deleteCertificate("c1", fast);
  assert.ok(deleted.recoveryId);
  const listed: string[] = [];
  for await (const d of client.listDeletedCertificates()) listed.push(d.name);
  assert.deepEqual(listed, ["c1"]);
  await assert.rejects(
    client.createCertificate("c1", { issuerName: "Self", subject: "CN=c1" }, fast),
    (e: unknown) => e instanceof RestError && e.status === 409,
  );
  const recovered = await client.recoverDeletedCertificate("c1", fast);
  assert.equal(recovered.name, "c1");
  await assert.rejects(
    client.restoreCertificateBackup(backup),
    (e: unknown) => e instanceof RestError && e.status === 409,
  );
  await client.deleteCertificate("c1", fast);
  await client.purgeDeletedCertificate("c1");
  await assert.rejects(
    client.getDeletedCertificate("c1"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
  const restored = await client.restoreCertificateBackup(backup);
  assert.equal(restored.name, "c1");
  assert.ok((await client.downloadCertificate("c1")).privateKey);
});

test("emulator: paging with maxresults and includePending; snapshot and reset", async () => {
  const { client, emulator } = setup();
  for (const n of ["a", "b", "c"]) {
    await client.createCertificate(`cert-${n}`, {
      issuerName: "Self",
      subject: `CN=${n}`,
      contentType: "application/x-pem-file",
    }, fast);
  }
  await client.createCertificate("pending-one", { issuerName: "Unknown", subject: "CN=p" }, {
    waitForCompletion: false,
  });
  const names: string[] = [];
  for await (const page of client.listPropertiesOfCertificates().byPage({ maxPageSize: 2 })) {
    assert.ok(page.length <= 2);
    for (const p of page) names.push(p.name);
  }
  assert.deepEqual(names, ["cert-a", "cert-b", "cert-c"]);
  const all: string[] = [];
  for await (const p of client.listPropertiesOfCertificates({ includePending: true })) {
    all.push(p.name);
  }
  assert.deepEqual(all, ["cert-a", "cert-b", "cert-c", "pending-one"]);

  const saved = emulator.snapshot();
  const again = createEmulator({ state: saved });
  const other = new CertificateClient(again.vaultUrl("myvault"), again.credential(), {
    fetch: again.fetch,
  });
  assert.ok((await other.downloadCertificate("cert-b")).privateKey);
  emulator.reset();
  await assert.rejects(
    client.getCertificate("cert-a"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
});

test("emulator: AutoRenew runs by the clock: a new version at the trigger, with a new key", async () => {
  clearCaches();
  const emulator = createEmulator({ vaults: ["myvault"] });
  const client = new CertificateClient(emulator.vaultUrl("myvault"), emulator.credential(), {
    fetch: emulator.fetch,
    now: () => emulator.clock.now(),
  });
  const first = await client.createCertificate("rotating", {
    issuerName: "Self",
    subject: "CN=rotating",
    validityInMonths: 12,
    contentType: "application/x-pem-file",
    lifetimeActions: [{ action: "AutoRenew", daysBeforeExpiry: 30 }],
  }, fast);
  emulator.clock.advance(300 * 86_400_000); // not yet due
  assert.equal(
    (await client.getCertificate("rotating")).properties.version,
    first.properties.version,
  );
  emulator.clock.advance(40 * 86_400_000); // within 30 days of expiry
  const renewed = await client.getCertificate("rotating");
  assert.notEqual(renewed.properties.version, first.properties.version);
  assert.ok(renewed.properties.expiresOn! > first.properties.expiresOn!);
  assert.notDeepEqual(
    parseCertificate(renewed.cer!).spki,
    parseCertificate(first.cer!).spki,
  );
  let versions = 0;
  for await (const _ of client.listPropertiesOfCertificateVersions("rotating")) versions++;
  assert.equal(versions, 2);
});

test("emulator: certificates follow the vault's purge protection and scheduled purge dates", async () => {
  const DAY = 86_400_000;
  const { client, emulator } = setup({ purgeProtection: true, recoverableDays: 7 });
  await client.createCertificate("guarded", { issuerName: "Self", subject: "CN=g" }, fast);
  const deleted = await client.deleteCertificate("guarded", fast);
  assert.equal(deleted.properties.recoveryLevel, "CustomizedRecoverable");
  await assert.rejects(
    client.purgeDeletedCertificate("guarded"),
    (e: unknown) => e instanceof RestError && e.status === 403 && e.errorCode === "Forbidden",
  );
  assert.equal((await client.getDeletedCertificate("guarded")).name, "guarded");
  emulator.clock.advance(7 * DAY + 1000);
  await assert.rejects(
    client.getDeletedCertificate("guarded"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
});
