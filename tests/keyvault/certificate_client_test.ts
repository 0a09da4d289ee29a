/** CertificateClient against the certificates fake, over real loopback sockets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  CertificateClient,
  type CertificateClientOptions,
  CertificateOperationFailedError,
  type CertificatePolicy,
  KvfetchError,
  parseKeyVaultCertificateIdentifier,
  publicCertificate,
  RestError,
} from "../../mod.ts";
import { clearCaches } from "../../lib/http/caches.ts";
import {
  CERTS_VAULT_URL,
  fakeCertificates,
  type FakeCertificatesOptions,
} from "../_fake_certificates.ts";
import { routedFetch } from "../_route.ts";
import { serve } from "../_loopback.ts";
import { makeCertificate, signCsr, thumbprint } from "../_certs.ts";

const EC: CertificatePolicy = {
  issuerName: "Self",
  subject: "CN=api.example.com",
  keyType: "EC",
  keyCurveName: "P-256",
  contentType: "application/x-pem-file",
};

async function setup(
  fakeOptions: FakeCertificatesOptions = {},
  options: CertificateClientOptions = {},
) {
  clearCaches();
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const fake = fakeCertificates({ now: () => clock, ...fakeOptions });
  const server = await serve(fake.handler);
  const fetch = routedFetch({ [CERTS_VAULT_URL]: server.origin });
  const credential = {
    getToken(): Promise<AccessToken> {
      return Promise.resolve({ token: "tok", expiresOnTimestamp: clock + 3_600_000 });
    },
  };
  const waits: number[] = [];
  const client = new CertificateClient(CERTS_VAULT_URL, credential, {
    fetch,
    now: () => clock,
    sleep: (ms, signal) => {
      waits.push(ms);
      clock += ms;
      signal?.throwIfAborted();
      return Promise.resolve();
    },
    ...options,
  });
  return { fake, client, fetch, waits, close: () => server.close() };
}

/** Requests that reached the fake, as `METHOD /path`, without the challenge probe. */
const calls = (fake: ReturnType<typeof fakeCertificates>) =>
  fake.requests.filter((r) => r.authorization).map((r) => `${r.method} ${r.path}`);

test("createCertificate: 202, polls /pending until completed, returns the certificate with its policy", async () => {
  const kv = await setup({ pendingPolls: 2 });
  try {
    const cert = await kv.client.createCertificate("api-tls", EC, {
      tags: { app: "api" },
      pollIntervalMs: 500,
    });
    assert.equal(cert.name, "api-tls");
    assert.equal(cert.policy?.subject, "CN=api.example.com");
    assert.equal(cert.policy?.keyType, "EC");
    assert.equal(cert.policy?.contentType, "application/x-pem-file");
    assert.equal(cert.policy?.issuerName, "Self");
    assert.ok(cert.cer && cert.cer.length > 100);
    assert.match(cert.properties.version!, /^[0-9a-f]{32}$/);
    assert.ok(cert.properties.expiresOn instanceof Date);
    assert.equal(cert.properties.x509ThumbprintString?.length, 40);
    assert.deepEqual(
      cert.properties.x509Thumbprint,
      new Uint8Array(await crypto.subtle.digest("SHA-1", cert.cer!.slice())),
    );
    assert.deepEqual(calls(kv.fake), [
      "POST /certificates/api-tls/create",
      "GET /certificates/api-tls/pending",
      "GET /certificates/api-tls/pending",
      "GET /certificates/api-tls/pending",
      "GET /certificates/api-tls/",
    ]);
    assert.deepEqual(kv.waits, [500, 500, 500]);
    const create = JSON.parse(
      kv.fake.requests.find((r) => r.path.endsWith("/create") && r.authorization)!.body,
    );
    assert.deepEqual(create, {
      policy: {
        key_props: { kty: "EC", crv: "P-256" },
        secret_props: { contentType: "application/x-pem-file" },
        x509_props: { subject: "CN=api.example.com" },
        issuer: { name: "Self" },
      },
      tags: { app: "api" },
    });
  } finally {
    await kv.close();
  }
});

test("createCertificate: a failed operation rejects with CertificateOperationFailedError carrying its error", async () => {
  const kv = await setup();
  try {
    kv.fake.failOperation("bad", { code: "IssuerError", message: "The CA said no" });
    const error = await kv.client.createCertificate("bad", EC).catch((e) => e);
    assert.ok(error instanceof CertificateOperationFailedError);
    assert.ok(error instanceof KvfetchError);
    assert.equal(error.code, "ERR_OPERATION_FAILED");
    assert.equal(error.name, "CertificateOperationFailedError");
    assert.ok(!Object.keys(error).includes("name"));
    assert.equal(error.status, "failed");
    assert.deepEqual(error.error, {
      code: "IssuerError",
      message: "The CA said no",
      innerError: undefined,
    });
    assert.match(error.message, /bad ended failed: IssuerError \(The CA said no\)/);
  } finally {
    await kv.close();
  }
});

test("cancelCertificateOperation: the operation ends cancelled; waiting for it rejects; a timeout is coded", async () => {
  const kv = await setup({ pendingPolls: 100 });
  try {
    const op = await kv.client.createCertificate("slow", EC, { waitForCompletion: false });
    assert.equal(op.status, "inProgress");
    assert.equal(op.name, "slow");
    assert.ok(op.csr && op.csr.length > 50);
    const timeout = await kv.client.waitForCertificateOperation("slow", {
      pollIntervalMs: 1000,
      maxWaitMs: 2500,
    }).catch((e) => e);
    assert.equal(timeout.code, "ERR_OPERATION_TIMEOUT");
    const cancelled = await kv.client.cancelCertificateOperation("slow");
    assert.equal(cancelled.cancellationRequested, true);
    const error = await kv.client.waitForCertificateOperation("slow").catch((e) => e);
    assert.ok(error instanceof CertificateOperationFailedError);
    assert.equal(error.status, "cancelled");
    assert.equal(error.operation.cancellationRequested, true);
    const patch = kv.fake.requests.find((r) => r.method === "PATCH")!;
    assert.deepEqual(JSON.parse(patch.body), { cancellation_requested: true });
  } finally {
    await kv.close();
  }
});

test("deleteCertificateOperation: the pending certificate goes away (404 afterwards)", async () => {
  const kv = await setup({ pendingPolls: 100 });
  try {
    await kv.client.createCertificate("gone", EC, { waitForCompletion: false });
    const deleted = await kv.client.deleteCertificateOperation("gone");
    assert.equal(deleted.status, "inProgress");
    const error = await kv.client.getCertificateOperation("gone").catch((e) => e);
    assert.ok(error instanceof RestError);
    assert.equal(error.status, 404);
  } finally {
    await kv.close();
  }
});

test("Unknown issuer: the CSR is signed by a Web Crypto CA in the test and merged (201)", async () => {
  const kv = await setup();
  try {
    await assert.rejects(
      kv.client.createCertificate("partner", { ...EC, issuerName: "Unknown" }),
      /"waitForCompletion" must be false for an "Unknown" issuer/,
    );
    assert.equal(kv.fake.requests.length, 0);
    const op = await kv.client.createCertificate("partner", {
      issuerName: "Unknown",
      subject: "CN=partner",
      keyType: "RSA",
      keySize: 2048,
      contentType: "application/x-pem-file",
    }, { waitForCompletion: false });
    assert.equal(op.issuerName, "Unknown");
    const ca = await makeCertificate({ type: "EC", subject: "kvfetch test CA" });
    const signed = await signCsr(op.csr!, ca);
    // A certificate for another key is refused by the service.
    const other = await makeCertificate({ type: "EC", issuer: ca });
    const mismatch = await kv.client.mergeCertificate("partner", [other.der]).catch((e) => e);
    assert.ok(mismatch instanceof RestError);
    assert.equal(mismatch.status, 400);
    const cert = await kv.client.mergeCertificate("partner", [
      signed,
      ca.certificatePem,
    ], { tags: { ca: "test" } });
    assert.equal(cert.name, "partner");
    assert.deepEqual(cert.cer, signed);
    assert.deepEqual(cert.properties.tags, { ca: "test" });
    const merge = kv.fake.requests.find((r) => r.path.endsWith("/merge") && r.status === 201)!;
    assert.equal(JSON.parse(merge.body).x5c.length, 2);
    assert.equal((await kv.client.getCertificateOperation("partner")).status, "completed");
    // The merged certificate's key is the CSR's: download signs, the CA-signed cert verifies.
    const downloaded = await kv.client.downloadCertificate("partner");
    assert.deepEqual(downloaded.der, signed);
    assert.deepEqual(downloaded.chain, [signed, ca.der]);
    const data = new TextEncoder().encode("merged");
    const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", downloaded.privateKey!, data);
    const pub = await importLeaf(downloaded.der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" });
    assert.ok(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", pub, signature, data));
  } finally {
    await kv.close();
  }
});

/** The leaf's public key, through jose's X.509 import (independent of kvfetch's parser). */
async function importLeaf(der: Uint8Array, algorithm: RsaHashedImportParams | EcKeyImportParams) {
  const { importX509 } = await import("jose");
  const pem = (await publicCertificate(der)).pem;
  const alg = algorithm.name === "ECDSA" ? "ES256" : "RS256";
  const key = await importX509(pem, alg);
  return key as CryptoKey;
}

test("downloadCertificate (PEM): chain as PEM and DER, CryptoKey and PEM key, x5t and x5t#S256; the key signs what the certificate verifies", async () => {
  const kv = await setup({ pendingPolls: 0 });
  try {
    const cert = await kv.client.createCertificate("signer", EC);
    const d = await kv.client.downloadCertificate("signer");
    assert.equal(d.name, "signer");
    assert.equal(d.version, cert.properties.version);
    assert.equal(d.contentType, "application/x-pem-file");
    assert.deepEqual(d.der, cert.cer);
    assert.equal(d.chain.length, 1);
    assert.match(d.pem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(d.chainPem, d.pem);
    assert.match(d.privateKeyPem!, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(d.privateKey!.type, "private");
    assert.equal(d.privateKey!.extractable, false);
    assert.equal(d.x5t, await thumbprint(d.der, "SHA-1"));
    assert.equal(d["x5t#S256"], await thumbprint(d.der, "SHA-256"));
    const data = new TextEncoder().encode("hello from the vault");
    const signature = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      d.privateKey!,
      data,
    );
    const pub = await importLeaf(d.der, { name: "ECDSA", namedCurve: "P-256" });
    assert.ok(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, signature, data));
    // A version by id, and the public certificate alone.
    const byVersion = await kv.client.downloadCertificate("signer", {
      version: cert.properties.version!,
    });
    assert.deepEqual(byVersion.der, d.der);
    const pub2 = await publicCertificate(cert);
    assert.equal(pub2.x5t, d.x5t);
    assert.equal(pub2["x5t#S256"], d["x5t#S256"]);
    assert.deepEqual(
      calls(kv.fake).filter((c) => c.startsWith("GET /secrets")),
      ["GET /secrets/signer/", `GET /secrets/signer/${cert.properties.version}`],
    );
  } finally {
    await kv.close();
  }
});

test("downloadCertificate: a PKCS#12 secret fails with ERR_PKCS12_NOT_SUPPORTED naming the PEM content type", async () => {
  const kv = await setup({ pendingPolls: 0 });
  try {
    await kv.client.createCertificate("pfx", { ...EC, contentType: "application/x-pkcs12" });
    const error = await kv.client.downloadCertificate("pfx").catch((e) => e);
    assert.ok(error instanceof KvfetchError);
    assert.equal(error.code, "ERR_PKCS12_NOT_SUPPORTED");
    assert.match(error.message, /application\/x-pem-file/);
  } finally {
    await kv.close();
  }
});

test("importCertificate: PEM (chain + PKCS#8), PFX bytes with a password, and the service's 400 for a wrong one", async () => {
  const kv = await setup();
  try {
    const ca = await makeCertificate({ type: "EC", subject: "CA" });
    const leaf = await makeCertificate({ type: "RSA", subject: "leaf", issuer: ca });
    const pem = leaf.keyPem + leaf.certificatePem + ca.certificatePem;
    const imported = await kv.client.importCertificate("mtls", pem, { tags: { from: "pem" } });
    assert.deepEqual(imported.cer, leaf.der);
    assert.equal(imported.policy?.contentType, "application/x-pem-file");
    const body = JSON.parse(kv.fake.requests.at(-1)!.body);
    assert.equal(body.value, pem);
    assert.deepEqual(body.policy, { secret_props: { contentType: "application/x-pem-file" } });
    const d = await kv.client.downloadCertificate("mtls", {
      keyAlgorithm: { name: "RSA-PSS", hash: "SHA-256" },
    });
    assert.equal(d.chain.length, 2);
    assert.deepEqual(d.chain[0], leaf.der);
    assert.equal(d.privateKey!.algorithm.name, "RSA-PSS");

    // PFX bytes go as base64 with the password; the emulator reads no PKCS#12 and answers as
    // the service does for a PFX it cannot read (or a wrong password): 400.
    const pfx = new Uint8Array([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]);
    const wrong = await kv.client.importCertificate("from-pfx", pfx, { password: "nope" })
      .catch((e) => e);
    const sent = JSON.parse(kv.fake.requests.at(-1)!.body);
    assert.equal(sent.pwd, "nope");
    assert.deepEqual(Uint8Array.from(atob(sent.value), (c) => c.charCodeAt(0)), pfx);
    assert.ok(wrong instanceof RestError);
    assert.equal(wrong.status, 400);
    assert.doesNotMatch(wrong.message, /nope/);
  } finally {
    await kv.close();
  }
});

test("importCertificate: bad PEM is a TypeError naming the rule, before any request", async () => {
  const kv = await setup();
  try {
    const c = await makeCertificate({ type: "EC" });
    const encrypted = c.certificatePem +
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    await assert.rejects(kv.client.importCertificate("x", encrypted), /encrypted private key/);
    await assert.rejects(
      kv.client.importCertificate("x", c.certificatePem + c.traditionalKeyPem),
      /needs the key as PKCS#8/,
    );
    await assert.rejects(
      kv.client.importCertificate("x", c.certificatePem),
      /holds no private key/,
    );
    await assert.rejects(kv.client.importCertificate("x", c.keyPem), /no CERTIFICATE/);
    await assert.rejects(kv.client.importCertificate("x", "not pem"), /not PEM/);
    await assert.rejects(kv.client.importCertificate("x", new Uint8Array()), TypeError);
    await assert.rejects(
      kv.client.importCertificate("x", c.pem, { password: "p" }),
      /"password" is for PKCS#12 only/,
    );
    await assert.rejects(
      kv.client.importCertificate("x", new Uint8Array([1]), {
        policy: { contentType: "application/x-pem-file" },
      }),
      /must be application\/x-pkcs12/,
    );
    assert.equal(kv.fake.requests.length, 0);
  } finally {
    await kv.close();
  }
});

test("policy and names are checked before any request", async () => {
  const kv = await setup();
  try {
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      [
        { issuerName: "Self" },
        /needs a "subject" or at least one of "subjectAlternativeNames"/,
        TypeError,
      ],
      [{ subject: "", subjectAlternativeNames: { dnsNames: [] } }, /needs a "subject"/, TypeError],
      [
        { ...EC, validityInMonths: 0 },
        /"policy.validityInMonths" must be an integer from 1 to 1200/,
        RangeError,
      ],
      [{ ...EC, validityInMonths: 1201 }, /validityInMonths/, RangeError],
      [
        { subject: "CN=x", keyType: "RSA", keySize: 1024 },
        /"policy.keySize" must be 2048, 3072 or 4096/,
        RangeError,
      ],
      [
        { subject: "CN=x", keyType: "EC", keyCurveName: "P-192" },
        /"policy.keyCurveName" must be/,
        RangeError,
      ],
      [
        { subject: "CN=x", keyType: "EC", keyCurveName: "P-384", keySize: 256 },
        /curve's size/,
        RangeError,
      ],
      [{ subject: "CN=x", keyType: "RSA", keyCurveName: "P-256" }, /only for EC keys/, RangeError],
      [{ subject: "CN=x", keyType: "oct" }, /"policy.keyType" must be one of/, RangeError],
      [{ subject: "CN=x", contentType: "text/plain" }, /"policy.contentType"/, RangeError],
      [{ subject: "CN=x", keyUsage: ["signEverything"] }, /"policy.keyUsage"/, RangeError],
      [{ subject: "CN=x", enhancedKeyUsage: ["serverAuth"] }, /dotted OIDs/, TypeError],
      [
        { subject: "CN=x", lifetimeActions: [{ action: "AutoRenew" }] },
        /exactly one of/,
        TypeError,
      ],
      [
        { subject: "CN=x", lifetimeActions: [{ action: "AutoRenew", lifetimePercentage: 100 }] },
        /from 1 to 99/,
        RangeError,
      ],
      [
        { subject: "CN=x", lifetimeActions: [{ action: "Explode", daysBeforeExpiry: 3 }] },
        /AutoRenew or EmailContacts/,
        RangeError,
      ],
    ];
    for (const [policy, message, type] of bad) {
      await assert.rejects(
        kv.client.createCertificate("ok", policy as CertificatePolicy),
        (e: Error) => e instanceof type && message.test(e.message),
        JSON.stringify(policy),
      );
    }
    await assert.rejects(kv.client.createCertificate("bad name!", EC), /"name" may only contain/);
    await assert.rejects(kv.client.getCertificate("x".repeat(128)), /1 to 127/);
    await assert.rejects(kv.client.getCertificateVersion("a", "nothex"), /"version"/);
    await assert.rejects(kv.client.getIssuer("bad issuer"), /"issuerName"/);
    await assert.rejects(kv.client.setContacts([{ name: "no mail" }]), /"contacts\[0\]\.email"/);
    assert.throws(
      () => kv.client.listPropertiesOfCertificates({ includePending: "yes" as never }),
      /includePending/,
    );
    assert.equal(kv.fake.requests.length, 0);
  } finally {
    await kv.close();
  }
});

test("get, getVersion, updateCertificateProperties, getCertificatePolicy and updateCertificatePolicy", async () => {
  const kv = await setup({ pendingPolls: 0 });
  try {
    const first = await kv.client.createCertificate("rot", EC);
    const second = await kv.client.createCertificate("rot", { subject: "CN=api.example.com" });
    assert.notEqual(first.properties.version, second.properties.version);
    const latest = await kv.client.getCertificate("rot");
    assert.equal(latest.properties.version, second.properties.version);
    const old = await kv.client.getCertificateVersion("rot", first.properties.version!);
    assert.deepEqual(old.cer, first.cer);
    assert.equal("policy" in old, false);
    const updated = await kv.client.updateCertificateProperties("rot", first.properties.version!, {
      enabled: false,
      tags: { retired: "yes" },
    });
    assert.equal(updated.properties.enabled, false);
    assert.deepEqual(updated.properties.tags, { retired: "yes" });
    const patch = kv.fake.requests.at(-1)!;
    assert.deepEqual(JSON.parse(patch.body), {
      attributes: { enabled: false },
      tags: { retired: "yes" },
    });

    const policy = await kv.client.getCertificatePolicy("rot");
    assert.equal(policy.subject, "CN=api.example.com");
    assert.deepEqual(policy.lifetimeActions, [
      { action: "AutoRenew", lifetimePercentage: 80, daysBeforeExpiry: undefined },
    ]);
    assert.ok(policy.createdOn instanceof Date);
    const changed = await kv.client.updateCertificatePolicy("rot", {
      validityInMonths: 6,
      lifetimeActions: [{ action: "EmailContacts", daysBeforeExpiry: 30 }],
      subjectAlternativeNames: { dnsNames: ["a.example.com"] },
    });
    assert.equal(changed.validityInMonths, 6);
    assert.deepEqual(changed.subjectAlternativeNames?.dnsNames, ["a.example.com"]);
    assert.deepEqual(JSON.parse(kv.fake.requests.at(-1)!.body), {
      x509_props: { sans: { dns_names: ["a.example.com"] }, validity_months: 6 },
      lifetime_actions: [{
        trigger: { days_before_expiry: 30 },
        action: { action_type: "EmailContacts" },
      }],
    });
    const missing = await kv.client.getCertificate("nope").catch((e) => e);
    assert.ok(missing instanceof RestError);
    assert.equal(missing.status, 404);
    assert.equal(missing.errorCode, "CertificateNotFound");
  } finally {
    await kv.close();
  }
});

test("listings: paging across pages, includePending, versions, issuers", async () => {
  const kv = await setup({ pendingPolls: 0 });
  try {
    for (const n of ["c1", "c2", "c3", "c4", "c5"]) await kv.client.createCertificate(n, EC);
    await kv.client.createCertificate("c2", EC);
    kv.fake.state.knobs.pendingPolls = 100;
    await kv.client.createCertificate("p1", EC, { waitForCompletion: false });
    const names: string[] = [];
    for await (const page of kv.client.listPropertiesOfCertificates().byPage({ maxPageSize: 2 })) {
      assert.ok(page.length <= 2);
      names.push(...page.map((p) => p.name));
    }
    assert.deepEqual(names, ["c1", "c2", "c3", "c4", "c5"]);
    const lists = kv.fake.requests.filter((r) => r.path === "/certificates" && r.authorization);
    assert.equal(lists.length, 3);
    assert.ok(lists[1]!.query.$skiptoken);
    const withPending: string[] = [];
    for await (const p of kv.client.listPropertiesOfCertificates({ includePending: true })) {
      withPending.push(p.name);
    }
    assert.deepEqual(withPending, ["c1", "c2", "c3", "c4", "c5", "p1"]);
    assert.equal(kv.fake.requests.at(-1)!.query.includePending, "true");
    const versions = [];
    for await (const v of kv.client.listPropertiesOfCertificateVersions("c2")) versions.push(v);
    assert.equal(versions.length, 2);
    assert.ok(versions.every((v) => v.name === "c2" && /^[0-9a-f]{32}$/.test(v.version!)));

    await kv.client.createIssuer("digicert", "DigiCert", {
      accountId: "acct",
      password: "issuer-secret",
      organizationId: "org",
      administratorContacts: [{ firstName: "Ada", email: "ada@example.com" }],
    });
    const issuer = await kv.client.getIssuer("digicert");
    assert.equal(issuer.provider, "DigiCert");
    assert.equal(issuer.accountId, "acct");
    assert.equal(issuer.organizationId, "org");
    assert.deepEqual(issuer.administratorContacts?.[0]?.email, "ada@example.com");
    assert.ok(issuer.createdOn instanceof Date);
    const put = kv.fake.requests.find((r) => r.method === "PUT")!;
    assert.deepEqual(JSON.parse(put.body), {
      provider: "DigiCert",
      credentials: { account_id: "acct", pwd: "issuer-secret" },
      org_details: { id: "org", admin_details: [{ first_name: "Ada", email: "ada@example.com" }] },
    });
    const disabled = await kv.client.updateIssuer("digicert", { enabled: false });
    assert.equal(disabled.enabled, false);
    await kv.client.createIssuer("globalsign", "GlobalSign");
    const issuers = [];
    for await (const i of kv.client.listPropertiesOfIssuers()) issuers.push(i);
    assert.deepEqual(issuers.map((i) => [i.name, i.provider]), [
      ["digicert", "DigiCert"],
      ["globalsign", "GlobalSign"],
    ]);
    assert.equal((await kv.client.deleteIssuer("globalsign")).name, "globalsign");
    const gone = await kv.client.getIssuer("globalsign").catch((e) => e);
    assert.equal(gone.status, 404);
    // An issuer created with createIssuer can be named by a policy (its CA never answers here).
    const op = await kv.client.createCertificate("ordered", { ...EC, issuerName: "digicert" }, {
      waitForCompletion: false,
    });
    assert.equal(op.issuerName, "digicert");
  } finally {
    await kv.close();
  }
});

test("delete (waiting as for secrets), getDeleted, list deleted, 409 while deleted, recover (waiting), purge", async () => {
  const kv = await setup({ pendingPolls: 0, deleteDelayPolls: 2, recoverDelayPolls: 1 });
  try {
    await kv.client.createCertificate("old", EC);
    const deleted = await kv.client.deleteCertificate("old", { pollIntervalMs: 100 });
    assert.equal(deleted.recoveryId, `${CERTS_VAULT_URL}/deletedcertificates/old`);
    assert.ok(deleted.deletedOn instanceof Date);
    assert.ok(deleted.scheduledPurgeDate instanceof Date);
    const polls = calls(kv.fake).filter((c) => c === "GET /deletedcertificates/old");
    assert.equal(polls.length, 3); // 404, 404, 200
    const conflict = await kv.client.createCertificate("old", EC).catch((e) => e);
    assert.ok(conflict instanceof RestError);
    assert.equal(conflict.status, 409);
    const listed = [];
    for await (const d of kv.client.listDeletedCertificates()) listed.push(d);
    assert.deepEqual(listed.map((d) => d.name), ["old"]);
    assert.ok(listed[0]!.scheduledPurgeDate instanceof Date);
    assert.equal((await kv.client.getDeletedCertificate("old")).name, "old");
    const recovered = await kv.client.recoverDeletedCertificate("old", { pollIntervalMs: 100 });
    assert.equal(recovered.name, "old");
    assert.deepEqual(calls(kv.fake).slice(-3), [
      "POST /deletedcertificates/old/recover",
      "GET /certificates/old/",
      "GET /certificates/old/",
    ]);
    await kv.client.deleteCertificate("old", { pollIntervalMs: 100 });
    await kv.client.purgeDeletedCertificate("old");
    const purged = await kv.client.getDeletedCertificate("old").catch((e) => e);
    assert.equal(purged.status, 404);
    const wrong = await kv.client.deleteCertificate("never").catch((e) => e);
    assert.equal(wrong.status, 404);
  } finally {
    await kv.close();
  }
});

test("backup and restore; restoring over a live certificate is a 409", async () => {
  const kv = await setup({ pendingPolls: 0, deleteDelayPolls: 0 });
  try {
    const cert = await kv.client.createCertificate("keep", EC);
    const backup = await kv.client.backupCertificate("keep");
    assert.ok(backup instanceof Uint8Array && backup.length > 0);
    const conflict = await kv.client.restoreCertificateBackup(backup).catch((e) => e);
    assert.equal(conflict.status, 409);
    await kv.client.deleteCertificate("keep");
    await kv.client.purgeDeletedCertificate("keep");
    const restored = await kv.client.restoreCertificateBackup(backup);
    assert.equal(restored.name, "keep");
    assert.deepEqual(restored.cer, cert.cer);
  } finally {
    await kv.close();
  }
});

test("contacts: set, get, delete; none is the service's 404", async () => {
  const kv = await setup();
  try {
    const none = await kv.client.getContacts().catch((e) => e);
    assert.equal(none.status, 404);
    assert.equal(none.errorCode, "ContactsNotFound");
    const set = await kv.client.setContacts([
      { email: "pki@example.com", name: "PKI", phone: "0123" },
      { email: "ops@example.com" },
    ]);
    assert.equal(set.length, 2);
    assert.deepEqual(JSON.parse(kv.fake.requests.at(-1)!.body), {
      contacts: [{ email: "pki@example.com", name: "PKI", phone: "0123" }, {
        email: "ops@example.com",
      }],
    });
    assert.deepEqual((await kv.client.getContacts())[0], {
      email: "pki@example.com",
      name: "PKI",
      phone: "0123",
    });
    assert.equal((await kv.client.deleteContacts()).length, 2);
    assert.equal((await kv.client.getContacts().catch((e) => e)).status, 404);
  } finally {
    await kv.close();
  }
});

test("certificates and secrets share one vault: a certificate's secret is a managed secret", async () => {
  clearCaches();
  const fake = fakeCertificates({ pendingPolls: 0 });
  const vault = fake.vault;
  const server = await serve(fake.handler);
  try {
    const fetch = routedFetch({ [CERTS_VAULT_URL]: server.origin });
    const credential = {
      getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }),
    };
    const { SecretClient } = await import("../../mod.ts");
    const secrets = new SecretClient(CERTS_VAULT_URL, credential, { fetch });
    const certs = new CertificateClient(CERTS_VAULT_URL, credential, { fetch });
    await secrets.setSecret("plain", "value");
    await certs.createCertificate("both", EC, { pollIntervalMs: 0 });
    assert.equal((await secrets.getSecret("plain")).value, "value");
    const d = await certs.downloadCertificate("both");
    assert.ok(d.privateKey);
    assert.deepEqual(vault.names(), ["both", "plain"]);
    assert.equal(vault.secret("both")?.managed, true);
  } finally {
    await server.close();
  }
});

test("parseKeyVaultCertificateIdentifier and publicCertificate", async () => {
  const id = parseKeyVaultCertificateIdentifier(
    "https://myvault.vault.azure.net/certificates/tls/0123456789abcdef0123456789abcdef",
  );
  assert.deepEqual(id, {
    sourceId: "https://myvault.vault.azure.net/certificates/tls/0123456789abcdef0123456789abcdef",
    vaultUrl: "https://myvault.vault.azure.net",
    name: "tls",
    version: "0123456789abcdef0123456789abcdef",
  });
  assert.equal(
    parseKeyVaultCertificateIdentifier("https://myvault.vault.azure.net/deletedcertificates/tls")
      .version,
    undefined,
  );
  assert.throws(
    () => parseKeyVaultCertificateIdentifier("https://myvault.vault.azure.net/secrets/tls"),
    TypeError,
  );
  const c = await makeCertificate({ type: "EC" });
  const pub = await publicCertificate(c.der);
  assert.equal(pub.pem, c.certificatePem);
  assert.equal(pub.x5t, await thumbprint(c.der, "SHA-1"));
  assert.equal(pub["x5t#S256"], await thumbprint(c.der, "SHA-256"));
  await assert.rejects(publicCertificate(new Uint8Array([1, 2, 3])), /not a DER X.509/);
  await assert.rejects(
    publicCertificate({ name: "x", properties: { name: "x", vaultUrl: "" } }),
    TypeError,
  );
});

test("downloadCertificate: a key that fits none of the certificates is ERR_INVALID_CERTIFICATE; a second create while one is pending is a 409", async () => {
  const kv = await setup({ pendingPolls: 100 });
  try {
    const a = await makeCertificate({ type: "EC" });
    const b = await makeCertificate({ type: "EC" });
    // The service refuses such an import; a secret holding it is read as the vault gives it.
    kv.fake.vault.seed("mixed", a.certificatePem + b.keyPem, {
      contentType: "application/x-pem-file",
      managed: true,
    });
    const error = await kv.client.downloadCertificate("mixed").catch((e) => e);
    assert.ok(error instanceof KvfetchError);
    assert.equal(error.code, "ERR_INVALID_CERTIFICATE");
    assert.match(error.message, /fits none of its certificates/);
    await kv.client.createCertificate("busy", EC, { waitForCompletion: false });
    const conflict = await kv.client.createCertificate("busy", EC, { waitForCompletion: false })
      .catch((e) => e);
    assert.ok(conflict instanceof RestError);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.errorCode, "Conflict");
  } finally {
    await kv.close();
  }
});
