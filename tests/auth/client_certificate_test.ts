import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeProtectedHeader, importX509, jwtVerify } from "jose";
import {
  ClientCertificateCredential,
  type ClientCertificateCredentialOptions,
  KvfetchError,
} from "../../mod.ts";
import { makeCertificate, type TestCertificate, thumbprint } from "../_certs.ts";
import { scriptedFetch } from "../_fetch.ts";
import { fakeEntra, tokenResponse, visible } from "../_entra.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SCOPE = "https://vault.azure.net/.default";
const NOW = 1_800_000_000_000;

const rsa = makeCertificate({ subject: "kvfetch leaf" });
const ca = makeCertificate({ type: "EC", curve: "P-384", subject: "kvfetch test CA" });

function options(
  certificate: string,
  extra: Partial<ClientCertificateCredentialOptions> = {},
): ClientCertificateCredentialOptions {
  return { tenantId: TENANT, clientId: crypto.randomUUID(), certificate, ...extra };
}

function assertionOf(body: string): string {
  return new URLSearchParams(body).get("client_assertion")!;
}

test("ClientCertificateCredential sends a PS256 assertion Entra accepts, verifiable with the certificate", async () => {
  const cert = await rsa;
  const entra = await fakeEntra();
  try {
    const o = options(cert.pem, {
      authorityHost: entra.authorityHost,
      allowInsecureLoopback: true,
      now: () => NOW,
    });
    assert.equal((await new ClientCertificateCredential(o).getToken(SCOPE)).token, "token-1");
    const call = entra.calls[0]!;
    assert.deepEqual([...call.form.keys()], [
      "client_id",
      "scope",
      "grant_type",
      "client_assertion_type",
      "client_assertion",
    ]);
    assert.equal(
      call.form.get("client_assertion_type"),
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    );
    const jwt = call.form.get("client_assertion")!;
    const tokenEndpoint = `${entra.authorityHost}/${TENANT}/oauth2/v2.0/token`;
    const { payload, protectedHeader } = await jwtVerify(
      jwt,
      await importX509(cert.certificatePem, "PS256"),
      {
        audience: tokenEndpoint,
        issuer: o.clientId,
        subject: o.clientId,
        currentDate: new Date(NOW),
      },
    );
    assert.deepEqual(protectedHeader, {
      "x5t#S256": await thumbprint(cert.der, "SHA-256"),
      alg: "PS256",
      typ: "JWT",
    });
    assert.equal(payload.aud, tokenEndpoint);
    assert.equal(payload.iat, NOW / 1000);
    assert.equal(payload.nbf, NOW / 1000);
    assert.equal(payload.exp, NOW / 1000 + 600);
    assert.match(
      payload.jti!,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  } finally {
    await entra.close();
  }
});

test("ClientCertificateCredential signs a fresh assertion (new jti) for every token request", async () => {
  const cert = await rsa;
  const fetch = scriptedFetch(tokenResponse("a"));
  const credential = new ClientCertificateCredential(options(cert.pem, { fetch }));
  await credential.getToken(SCOPE);
  await credential.getToken(SCOPE, { forceRefresh: true });
  const [a, b] = fetch.calls.map((c) => assertionOf(c.body));
  assert.notEqual(a, b);
});

test("ClientCertificateCredential with RS256 sends the legacy SHA-1 x5t thumbprint", async () => {
  const cert = await rsa;
  const fetch = scriptedFetch(tokenResponse("a"));
  await new ClientCertificateCredential(options(cert.pem, { fetch, signingAlgorithm: "RS256" }))
    .getToken(SCOPE);
  const jwt = assertionOf(fetch.calls[0]!.body);
  const { protectedHeader } = await jwtVerify(jwt, await importX509(cert.certificatePem, "RS256"));
  assert.equal(protectedHeader.alg, "RS256");
  assert.equal(protectedHeader.x5t, await thumbprint(cert.der, "SHA-1"));
  assert.equal(protectedHeader["x5t#S256"], undefined);
});

test("ClientCertificateCredential accepts PKCS#1 RSA keys and SEC1 EC keys on every curve", async () => {
  const cases: [Promise<TestCertificate>, string][] = [
    [rsa, "PS256"],
    [makeCertificate({ type: "EC", curve: "P-256" }), "ES256"],
    [makeCertificate({ type: "EC", curve: "P-384" }), "ES384"],
    [makeCertificate({ type: "EC", curve: "P-521" }), "ES512"],
  ];
  for (const [pending, alg] of cases) {
    const cert = await pending;
    for (const key of [cert.keyPem, cert.traditionalKeyPem]) {
      const fetch = scriptedFetch(tokenResponse("a"));
      // Key first, certificate second: the order in the PEM does not matter.
      await new ClientCertificateCredential(options(key + cert.certificatePem, { fetch }))
        .getToken(SCOPE);
      const jwt = assertionOf(fetch.calls[0]!.body);
      const { protectedHeader } = await jwtVerify(jwt, await importX509(cert.certificatePem, alg));
      assert.equal(protectedHeader.alg, alg);
      assert.equal(protectedHeader["x5t#S256"], await thumbprint(cert.der, "SHA-256"));
    }
  }
});

test("ClientCertificateCredential finds the leaf in a chain and sends x5c leaf-first on request", async () => {
  const issuer = await ca;
  const leaf = await makeCertificate({ subject: "kvfetch chained leaf", issuer });
  // CA first in the file, the way some tools write bundles.
  const pem = issuer.certificatePem + leaf.certificatePem + leaf.keyPem;
  const fetch = scriptedFetch(tokenResponse("a"));
  await new ClientCertificateCredential(options(pem, { fetch, sendCertificateChain: true }))
    .getToken(SCOPE);
  const header = decodeProtectedHeader(assertionOf(fetch.calls[0]!.body));
  const der64 = (der: Uint8Array) => btoa(String.fromCharCode(...der));
  assert.deepEqual(header.x5c, [der64(leaf.der), der64(issuer.der)]);
  assert.equal(header["x5t#S256"], await thumbprint(leaf.der, "SHA-256"));
  // Without the option: no chain.
  const fetch2 = scriptedFetch(tokenResponse("a"));
  await new ClientCertificateCredential(options(pem, { fetch: fetch2 })).getToken(SCOPE);
  assert.equal(decodeProtectedHeader(assertionOf(fetch2.calls[0]!.body)).x5c, undefined);
});

test("ClientCertificateCredential refuses a key that belongs to no certificate, sending nothing", async () => {
  const a = await rsa;
  const b = await makeCertificate({ subject: "someone else" });
  const fetch = scriptedFetch(tokenResponse("never"));
  const credential = new ClientCertificateCredential(
    options(a.certificatePem + b.keyPem, { fetch }),
  );
  await assert.rejects(credential.getToken(SCOPE), (error: unknown) => {
    assert.ok(error instanceof KvfetchError);
    assert.equal(error.code, "ERR_INVALID_CERTIFICATE");
    assert.match(error.message, /does not belong to any certificate/);
    return true;
  });
  assert.equal(fetch.calls.length, 0);
});

test("ClientCertificateCredential refuses bad PEM with a clear TypeError that quotes nothing", async () => {
  const cert = await rsa;
  const keyBody = cert.keyPem.split("\n")[1]!;
  const encryptedPkcs8 = cert.certificatePem +
    cert.keyPem.replaceAll("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
  const encryptedPkcs1 = cert.certificatePem + cert.traditionalKeyPem.replace(
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0011223344556677\n\n",
  );
  const cases: [unknown, RegExp][] = [
    [undefined, /"certificate" must be PEM text/],
    [42, /"certificate" must be PEM text/],
    ["just some text", /"certificate" must be PEM text/],
    [cert.keyPem, /no CERTIFICATE block/],
    [cert.certificatePem, /no private key/],
    [encryptedPkcs8, /encrypted; kvfetch does not decrypt keys; decrypt it first.*openssl/],
    [encryptedPkcs1, /encrypted; kvfetch does not decrypt keys/],
    [cert.certificatePem + cert.keyPem + cert.keyPem, /more than one private key/],
    [
      cert.certificatePem + cert.keyPem.replace(keyBody, "!!!not base64!!!"),
      /malformed PRIVATE KEY/,
    ],
    [
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + cert.keyPem,
      /malformed CERTIFICATE/,
    ],
    [
      cert.certificatePem + "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
      /malformed PRIVATE KEY/,
    ],
  ];
  for (const [certificate, message] of cases) {
    assert.throws(
      () => new ClientCertificateCredential(options(certificate as string)),
      (error: unknown) => {
        assert.ok(error instanceof TypeError, `${message}: ${error}`);
        assert.match(error.message, message);
        assert.ok(!visible(error).includes(keyBody.slice(0, 20)), "no key material in the error");
        return true;
      },
    );
  }
  const ec = await makeCertificate({ type: "EC" });
  assert.throws(
    () => new ClientCertificateCredential(options(ec.pem, { signingAlgorithm: "RS256" })),
    /RS256 needs an RSA key/,
  );
  assert.throws(
    () => new ClientCertificateCredential(options(cert.pem, { assertionLifetimeSeconds: 5 })),
    RangeError,
  );
});
