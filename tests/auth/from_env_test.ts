import { test } from "node:test";
import assert from "node:assert/strict";
import { importX509, jwtVerify } from "jose";
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  credentialFromEnv,
  type CredentialFromEnvOptions,
  CredentialUnavailableError,
  KvfetchError,
  ManagedIdentityCredential,
} from "../../mod.ts";
import { clearCaches as clearImdsProbes } from "../../lib/http/caches.ts";
import { clearTokenCache } from "../../lib/auth/token_cache.ts";
import { type FakeEntra, fakeEntra, tokenResponse, visible } from "../_entra.ts";
import { json } from "../_fetch.ts";
import { serve } from "../_loopback.ts";
import { makeCertificate, thumbprint } from "../_certs.ts";

// Managed identity cases point IMDS at loopback with AZURE_POD_IDENTITY_AUTHORITY_HOST (or use
// IDENTITY_ENDPOINT): no test here may reach 169.254.169.254.

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SCOPE = "https://vault.azure.net/.default";
const SECRET = "Zq8~kS3.cr3t_v4lue+with/odd=chars";
const TOKEN_FILE = "/var/run/secrets/azure/tokens/azure-identity-token";
const CERT_FILE = "/etc/kvfetch/cert.pem";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const LOOPBACK: CredentialFromEnvOptions = { allowInsecureLoopback: true };

const certificate = makeCertificate({ subject: "kvfetch from_env" });

function spEnv(entra: FakeEntra, extra: Record<string, string | undefined>) {
  return {
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: crypto.randomUUID(),
    AZURE_AUTHORITY_HOST: entra.authorityHost,
    ...extra,
  };
}

/** A `readFile` that serves `files` and records the paths it was asked for. */
function fakeReadFile(files: Record<string, string>) {
  const paths: string[] = [];
  const read = (path: string): Promise<string> => {
    paths.push(path);
    const content = files[path];
    return content === undefined
      ? Promise.reject(new Error(`ENOENT: no such file, open '${path}'`))
      : Promise.resolve(content);
  };
  return Object.assign(read, { paths, files });
}

function assertUnavailable(error: unknown, ...names: RegExp[]): true {
  assert.ok(error instanceof CredentialUnavailableError, `got ${String(error)}`);
  assert.equal(error.code, "ERR_CREDENTIAL_UNAVAILABLE");
  for (const name of names) assert.match(error.message, name);
  return true;
}

// --- Service principal: client secret --------------------------------------------------------

test("credentialFromEnv picks ClientSecretCredential for AZURE_CLIENT_SECRET", async () => {
  clearTokenCache();
  const entra = await fakeEntra();
  try {
    const env = spEnv(entra, { AZURE_CLIENT_SECRET: SECRET });
    const credential = credentialFromEnv(env, LOOPBACK);
    assert.ok(credential instanceof ClientSecretCredential);
    const token = await credential.getToken(SCOPE);
    assert.equal(token?.token, "token-1");
    assert.equal(entra.calls.length, 1);
    const call = entra.calls[0]!;
    assert.equal(call.path, `/${TENANT}/oauth2/v2.0/token`);
    assert.equal(call.form.get("grant_type"), "client_credentials");
    assert.equal(call.form.get("client_id"), env.AZURE_CLIENT_ID);
    assert.equal(call.form.get("client_secret"), SECRET);
    assert.equal(call.form.get("scope"), SCOPE);
    assert.ok(!JSON.stringify(credential).includes(SECRET));
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv needs allowInsecureLoopback for a plain-http AZURE_AUTHORITY_HOST", async () => {
  const entra = await fakeEntra();
  try {
    const env = spEnv(entra, { AZURE_CLIENT_SECRET: SECRET });
    assert.throws(() => credentialFromEnv(env), /allowInsecureLoopback/);
    assert.equal(entra.hits, 0);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv trims values and ignores blank ones", async () => {
  clearTokenCache();
  const entra = await fakeEntra();
  try {
    const env = spEnv(entra, {
      AZURE_TENANT_ID: `  ${TENANT}\n`,
      AZURE_CLIENT_SECRET: `${SECRET}\n`,
      AZURE_FEDERATED_TOKEN_FILE: "   ",
      AZURE_CLIENT_CERTIFICATE: "",
    });
    const credential = credentialFromEnv(env, LOOPBACK);
    assert.ok(credential instanceof ClientSecretCredential);
    await credential.getToken(SCOPE);
    assert.equal(entra.calls[0]!.path, `/${TENANT}/oauth2/v2.0/token`);
    assert.equal(entra.calls[0]!.form.get("client_secret"), SECRET);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv prefers a secret to a certificate, and a certificate to a federated token", async () => {
  const cert = await certificate;
  const entra = await fakeEntra();
  const readFile = fakeReadFile({ [TOKEN_FILE]: "assertion" });
  try {
    const all = {
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_CLIENT_CERTIFICATE: cert.pem,
      AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE,
    };
    const options = { ...LOOPBACK, readFile };
    assert.ok(credentialFromEnv(spEnv(entra, all), options) instanceof ClientSecretCredential);
    assert.ok(
      credentialFromEnv(
        spEnv(entra, { ...all, AZURE_CLIENT_SECRET: undefined }),
        options,
      ) instanceof
        ClientCertificateCredential,
    );
    assert.equal(readFile.paths.length, 0, "nothing is read at construction");
  } finally {
    await entra.close();
  }
});

// --- Service principal: certificate ----------------------------------------------------------

async function assertCertificateAssertion(
  entra: FakeEntra,
  index: number,
  clientId: string,
): Promise<Record<string, unknown>> {
  const cert = await certificate;
  const call = entra.calls[index]!;
  assert.equal(call.form.get("client_assertion_type"), ASSERTION_TYPE);
  assert.equal(call.form.get("client_secret"), null);
  const assertion = call.form.get("client_assertion")!;
  const { payload, protectedHeader } = await jwtVerify(
    assertion,
    await importX509(cert.certificatePem, cert.alg),
    {
      issuer: clientId,
      subject: clientId,
      audience: `${entra.authorityHost}/${TENANT}/oauth2/v2.0/token`,
    },
  );
  assert.equal(typeof payload.jti, "string");
  assert.equal(protectedHeader["x5t#S256"], await thumbprint(cert.der, "SHA-256"));
  return protectedHeader;
}

test("credentialFromEnv picks ClientCertificateCredential for PEM text in AZURE_CLIENT_CERTIFICATE", async () => {
  clearTokenCache();
  const cert = await certificate;
  const entra = await fakeEntra();
  try {
    const env = spEnv(entra, { AZURE_CLIENT_CERTIFICATE: cert.pem });
    const credential = credentialFromEnv(env, LOOPBACK);
    assert.ok(credential instanceof ClientCertificateCredential);
    assert.equal((await credential.getToken(SCOPE))?.token, "token-1");
    const header = await assertCertificateAssertion(entra, 0, env.AZURE_CLIENT_ID);
    assert.equal(header.x5c, undefined);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv accepts AZURE_CLIENT_CERTIFICATE with escaped \\n line breaks on one line", async () => {
  clearTokenCache();
  const cert = await certificate;
  const entra = await fakeEntra();
  try {
    const oneLine = cert.pem.trim().replaceAll("\n", "\\n");
    assert.ok(!oneLine.includes("\n"));
    const env = spEnv(entra, {
      AZURE_CLIENT_CERTIFICATE: oneLine,
      AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: "true",
    });
    const credential = credentialFromEnv(env, LOOPBACK);
    assert.ok(credential instanceof ClientCertificateCredential);
    await credential.getToken(SCOPE);
    const header = await assertCertificateAssertion(entra, 0, env.AZURE_CLIENT_ID);
    assert.deepEqual(header.x5c, [btoa(String.fromCharCode(...cert.der))]);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv reads AZURE_CLIENT_CERTIFICATE_PATH with readFile, on first use and once", async () => {
  clearTokenCache();
  const cert = await certificate;
  const entra = await fakeEntra();
  const readFile = fakeReadFile({ [CERT_FILE]: cert.pem });
  try {
    const env = spEnv(entra, {
      AZURE_CLIENT_CERTIFICATE_PATH: CERT_FILE,
      AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: "1",
    });
    const credential = credentialFromEnv(env, { ...LOOPBACK, readFile });
    assert.deepEqual(readFile.paths, [], "nothing is read at construction");
    assert.equal((await credential.getToken(SCOPE))?.token, "token-1");
    assert.deepEqual(readFile.paths, [CERT_FILE]);
    const header = await assertCertificateAssertion(entra, 0, env.AZURE_CLIENT_ID);
    assert.equal((header.x5c as string[]).length, 1, "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=1");

    // Cached token; and a forced refresh signs a new assertion without re-reading the file.
    assert.equal((await credential.getToken(SCOPE))?.token, "token-1");
    assert.equal((await credential.getToken(SCOPE, { forceRefresh: true }))?.token, "token-2");
    assert.equal(entra.calls.length, 2);
    assert.deepEqual(readFile.paths, [CERT_FILE]);
    await assertCertificateAssertion(entra, 1, env.AZURE_CLIENT_ID);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv with AZURE_CLIENT_CERTIFICATE_PATH reports a failed read, then recovers", async () => {
  clearTokenCache();
  const cert = await certificate;
  const entra = await fakeEntra();
  const readFile = fakeReadFile({});
  try {
    const env = spEnv(entra, { AZURE_CLIENT_CERTIFICATE_PATH: CERT_FILE });
    const credential = credentialFromEnv(env, { ...LOOPBACK, readFile });
    await assert.rejects(credential.getToken(SCOPE), /ENOENT/);
    assert.equal(entra.calls.length, 0);
    // The file appears (a mounted secret arriving late): the next call reads it again.
    readFile.files[CERT_FILE] = cert.pem;
    assert.equal((await credential.getToken(SCOPE))?.token, "token-1");
    assert.deepEqual(readFile.paths, [CERT_FILE, CERT_FILE]);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv refuses AZURE_CLIENT_CERTIFICATE_PASSWORD", () => {
  for (const cert of [{ AZURE_CLIENT_CERTIFICATE: "x" }, { AZURE_CLIENT_CERTIFICATE_PATH: "/c" }]) {
    assert.throws(
      () =>
        credentialFromEnv({
          AZURE_TENANT_ID: TENANT,
          AZURE_CLIENT_ID: "id",
          AZURE_CLIENT_CERTIFICATE_PASSWORD: "hunter2-password",
          ...cert,
        }, { readFile: fakeReadFile({}) }),
      (error: unknown) =>
        assertUnavailable(error, /AZURE_CLIENT_CERTIFICATE_PASSWORD/) &&
        !visible(error).includes("hunter2-password"),
    );
  }
});

// --- Service principal: federated token (workload identity) ----------------------------------

test("credentialFromEnv picks ClientAssertionCredential for AZURE_FEDERATED_TOKEN_FILE and re-reads the file", async () => {
  clearTokenCache();
  const entra = await fakeEntra();
  const readFile = fakeReadFile({ [TOKEN_FILE]: "eyJhbGciOiJSUzI1NiJ9.first.sig" });
  try {
    const env = spEnv(entra, { AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE });
    const credential = credentialFromEnv(env, { ...LOOPBACK, readFile });
    assert.ok(credential instanceof ClientAssertionCredential);
    assert.deepEqual(readFile.paths, [], "nothing is read at construction");

    assert.equal((await credential.getToken(SCOPE))?.token, "token-1");
    const first = entra.calls[0]!;
    assert.equal(first.path, `/${TENANT}/oauth2/v2.0/token`);
    assert.equal(first.form.get("client_id"), env.AZURE_CLIENT_ID);
    assert.equal(first.form.get("client_assertion_type"), ASSERTION_TYPE);
    assert.equal(first.form.get("client_assertion"), "eyJhbGciOiJSUzI1NiJ9.first.sig");
    assert.deepEqual(readFile.paths, [TOKEN_FILE]);

    // Cached: the file is not read for a cached token.
    await credential.getToken(SCOPE);
    assert.deepEqual(readFile.paths, [TOKEN_FILE]);
    assert.equal(entra.calls.length, 1);

    // Kubernetes rotated the projected token (with a trailing newline this time).
    readFile.files[TOKEN_FILE] = "eyJhbGciOiJSUzI1NiJ9.second.sig\n";
    assert.equal((await credential.getToken(SCOPE, { forceRefresh: true }))?.token, "token-2");
    assert.deepEqual(readFile.paths, [TOKEN_FILE, TOKEN_FILE]);
    assert.equal(entra.calls[1]!.form.get("client_assertion"), "eyJhbGciOiJSUzI1NiJ9.second.sig");
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv credentials from the same environment and readFile share cached tokens", async () => {
  clearTokenCache();
  const cert = await certificate;
  const entra = await fakeEntra();
  const readFile = fakeReadFile({ [TOKEN_FILE]: "assertion-jwt", [CERT_FILE]: cert.pem });
  try {
    const federated = spEnv(entra, { AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE });
    const a = credentialFromEnv(federated, { ...LOOPBACK, readFile });
    const b = credentialFromEnv({ ...federated }, { ...LOOPBACK, readFile });
    assert.notEqual(a, b);
    assert.equal((await a.getToken(SCOPE))?.token, "token-1");
    assert.equal((await b.getToken(SCOPE))?.token, "token-1");
    assert.equal(entra.calls.length, 1, "one token request for both");

    // Another reader is another assertion source: its own token.
    const other = fakeReadFile({ [TOKEN_FILE]: "assertion-jwt" });
    const c = credentialFromEnv(federated, { ...LOOPBACK, readFile: other });
    assert.equal((await c.getToken(SCOPE))?.token, "token-2");

    // Certificate files: the same key, the same cached token.
    const certEnv = spEnv(entra, { AZURE_CLIENT_CERTIFICATE_PATH: CERT_FILE });
    const d = credentialFromEnv(certEnv, { ...LOOPBACK, readFile });
    const e = credentialFromEnv(certEnv, { ...LOOPBACK, readFile });
    assert.equal((await d.getToken(SCOPE))?.token, "token-3");
    assert.equal((await e.getToken(SCOPE))?.token, "token-3");
    assert.equal(entra.calls.length, 3);
  } finally {
    await entra.close();
  }
});

test("credentialFromEnv needs a readFile option for *_PATH and AZURE_FEDERATED_TOKEN_FILE", () => {
  const base = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: "id" };
  for (const variable of ["AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"]) {
    for (const readFile of [undefined, "Deno.readTextFile" as never]) {
      assert.throws(
        () => credentialFromEnv({ ...base, [variable]: "/some/file" }, { readFile }),
        (error: unknown) =>
          error instanceof TypeError && error.message.includes("readFile") &&
          error.message.includes(variable),
        variable,
      );
    }
  }
});

// --- Tenants ---------------------------------------------------------------------------------

test("credentialFromEnv honours AZURE_ADDITIONALLY_ALLOWED_TENANTS", async () => {
  clearTokenCache();
  const entra = await fakeEntra();
  try {
    const env = spEnv(entra, {
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_ADDITIONALLY_ALLOWED_TENANTS: "a; b",
    });
    const credential = credentialFromEnv(env, LOOPBACK);
    await credential.getToken(SCOPE, { tenantId: "b" });
    assert.equal(entra.calls[0]!.path, "/b/oauth2/v2.0/token");
    await credential.getToken(SCOPE, { tenantId: "a" });
    assert.equal(entra.calls[1]!.path, "/a/oauth2/v2.0/token");
    await assert.rejects(
      credential.getToken(SCOPE, { tenantId: "c" }),
      (error: unknown) => error instanceof KvfetchError && error.code === "ERR_TENANT_NOT_ALLOWED",
    );
    assert.equal(entra.calls.length, 2);

    // Without the variable another tenant is refused.
    const strict = credentialFromEnv(spEnv(entra, { AZURE_CLIENT_SECRET: SECRET }), LOOPBACK);
    await assert.rejects(strict.getToken(SCOPE, { tenantId: "b" }), /tenant b/);

    // "*" allows any tenant.
    const any = credentialFromEnv(
      spEnv(entra, { AZURE_CLIENT_SECRET: SECRET, AZURE_ADDITIONALLY_ALLOWED_TENANTS: "*" }),
      LOOPBACK,
    );
    await any.getToken(SCOPE, { tenantId: "contoso.onmicrosoft.com" });
    assert.equal(entra.calls[2]!.path, "/contoso.onmicrosoft.com/oauth2/v2.0/token");
  } finally {
    await entra.close();
  }
});

// --- Half-configured service principals ------------------------------------------------------

test("credentialFromEnv names the missing AZURE_TENANT_ID / AZURE_CLIENT_ID", () => {
  assert.throws(
    () => credentialFromEnv({ AZURE_CLIENT_ID: "id", AZURE_CLIENT_SECRET: SECRET }),
    (error: unknown) =>
      assertUnavailable(error, /AZURE_CLIENT_SECRET is set/, /AZURE_TENANT_ID is missing/) &&
      !/AZURE_CLIENT_ID/.test((error as Error).message) && !visible(error).includes(SECRET),
  );
  assert.throws(
    () => credentialFromEnv({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: SECRET }),
    (error: unknown) => assertUnavailable(error, /AZURE_CLIENT_ID is missing/),
  );
  assert.throws(
    () => credentialFromEnv({ AZURE_CLIENT_SECRET: SECRET }),
    (error: unknown) =>
      assertUnavailable(error, /AZURE_TENANT_ID and AZURE_CLIENT_ID are missing/) &&
      !visible(error).includes(SECRET),
  );
  assert.throws(
    () => credentialFromEnv({ AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE, AZURE_CLIENT_ID: "id" }),
    (error: unknown) =>
      assertUnavailable(error, /AZURE_FEDERATED_TOKEN_FILE is set/, /AZURE_TENANT_ID/),
  );
  assert.throws(
    () =>
      credentialFromEnv({ AZURE_CLIENT_CERTIFICATE_PATH: CERT_FILE }, {
        readFile: fakeReadFile({}),
      }),
    (error: unknown) => assertUnavailable(error, /AZURE_TENANT_ID and AZURE_CLIENT_ID/),
  );
});

test("credentialFromEnv with managedIdentity: false and nothing set names the variables", () => {
  assert.throws(
    () => credentialFromEnv({}, { managedIdentity: false }),
    (error: unknown) =>
      assertUnavailable(
        error,
        /no credential is configured/,
        /AZURE_TENANT_ID and AZURE_CLIENT_ID/,
        /AZURE_CLIENT_SECRET/,
        /AZURE_CLIENT_CERTIFICATE_PATH/,
        /AZURE_FEDERATED_TOKEN_FILE/,
      ),
  );
  // With the ids set, only the proof is missing.
  assert.throws(
    () =>
      credentialFromEnv({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: "id" }, {
        managedIdentity: false,
      }),
    (error: unknown) =>
      assertUnavailable(error, /Set one of AZURE_CLIENT_SECRET/) &&
      !/AZURE_TENANT_ID/.test((error as Error).message),
  );
});

test("credentialFromEnv refuses a non-object environment", () => {
  for (const env of [undefined, null, "AZURE_CLIENT_ID=x"]) {
    assert.throws(() => credentialFromEnv(env as never), TypeError);
  }
});

// --- Managed identity ------------------------------------------------------------------------

test("credentialFromEnv falls back to a system-assigned ManagedIdentityCredential", async () => {
  clearTokenCache();
  clearImdsProbes();
  // Constructing sends nothing, so the default IMDS address is safe here.
  assert.ok(credentialFromEnv({}) instanceof ManagedIdentityCredential);

  const expiresOn = Math.floor(Date.now() / 1000) + 3600;
  const imds = await serve((request) =>
    request.headers.has("metadata")
      ? json(200, { access_token: "mi-token", expires_on: String(expiresOn), expires_in: "3599" })
      : json(400, { error: "invalid_request" })
  );
  const seen: URL[] = [];
  try {
    const credential = credentialFromEnv(
      { AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.origin },
      {
        fetch: (url, init) => {
          seen.push(new URL(url));
          return fetch(url, init);
        },
      },
    );
    assert.ok(credential instanceof ManagedIdentityCredential);
    assert.equal((await credential.getToken(SCOPE))?.token, "mi-token");
    assert.equal(seen.length, 2, "probe, then token request");
    assert.equal(seen[1]!.searchParams.get("client_id"), null, "system-assigned");
    assert.equal(seen[1]!.searchParams.get("resource"), "https://vault.azure.net");
  } finally {
    await imds.close();
  }
});

test("credentialFromEnv with AZURE_CLIENT_ID alone picks a user-assigned managed identity", async () => {
  clearTokenCache();
  clearImdsProbes();
  const clientId = crypto.randomUUID();
  const expiresOn = Math.floor(Date.now() / 1000) + 3600;
  const urls: URL[] = [];
  const imds = await serve((request) => {
    urls.push(new URL(request.url));
    return request.headers.has("metadata")
      ? json(200, { access_token: "user-assigned", expires_on: String(expiresOn) })
      : json(400, { error: "invalid_request" });
  });
  try {
    const credential = credentialFromEnv({
      AZURE_CLIENT_ID: clientId,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.origin,
    });
    assert.ok(credential instanceof ManagedIdentityCredential);
    assert.equal((await credential.getToken(SCOPE))?.token, "user-assigned");
    assert.equal(urls[1]!.pathname, "/metadata/identity/oauth2/token");
    assert.equal(urls[1]!.searchParams.get("client_id"), clientId);
  } finally {
    await imds.close();
  }
});

test("credentialFromEnv with IDENTITY_ENDPOINT and IDENTITY_HEADER picks App Service managed identity", async () => {
  clearTokenCache();
  const header = crypto.randomUUID();
  const clientId = crypto.randomUUID();
  const expiresOn = Math.floor(Date.now() / 1000) + 3600;
  const requests: { url: string; headers: Headers }[] = [];
  const app = await serve((request) => {
    requests.push({ url: request.url, headers: new Headers(request.headers) });
    return json(200, {
      access_token: "app-service",
      expires_on: String(expiresOn),
      resource: "https://vault.azure.net",
      token_type: "Bearer",
    });
  });
  try {
    const env = { IDENTITY_ENDPOINT: `${app.origin}/msi/token`, IDENTITY_HEADER: header };
    const system = credentialFromEnv(env);
    assert.ok(system instanceof ManagedIdentityCredential);
    assert.equal((await system.getToken(SCOPE))?.token, "app-service");
    assert.equal(requests.length, 1, "no IMDS probe on App Service");
    const url = new URL(requests[0]!.url);
    assert.equal(url.pathname, "/msi/token");
    assert.equal(url.searchParams.get("api-version"), "2019-08-01");
    assert.equal(url.searchParams.get("client_id"), null);
    assert.equal(requests[0]!.headers.get("x-identity-header"), header);

    const user = credentialFromEnv({ ...env, AZURE_CLIENT_ID: clientId });
    await user.getToken(SCOPE);
    assert.equal(new URL(requests[1]!.url).searchParams.get("client_id"), clientId);

    // managedIdentity: false ignores the App Service variables.
    assert.throws(
      () => credentialFromEnv(env, { managedIdentity: false }),
      CredentialUnavailableError,
    );
  } finally {
    await app.close();
  }
});

test("credentialFromEnv passes transport options to the credential it builds", async () => {
  clearTokenCache();
  let n = 0;
  const entra = await fakeEntra(() =>
    ++n === 1 ? new Response("busy", { status: 503 }) : tokenResponse("after-503")
  );
  try {
    const waits: number[] = [];
    const credential = credentialFromEnv(spEnv(entra, { AZURE_CLIENT_SECRET: SECRET }), {
      ...LOOPBACK,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    assert.equal((await credential.getToken(SCOPE))?.token, "after-503");
    assert.equal(waits.length, 1);
    assert.equal(entra.calls.length, 2);
  } finally {
    await entra.close();
  }
});
