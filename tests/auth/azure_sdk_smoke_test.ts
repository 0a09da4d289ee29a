/**
 * Smoke test of the harness that runs the OFFICIAL Azure SDK for JS against fake Entra and Key
 * Vault servers on loopback (see `../_azure_sdk.ts`). It pins down what the SDK sends, so the
 * later cross-checks of kvfetch against the SDK rest on known ground.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import {
  type AccessToken,
  AUTHORITY_HOST,
  ClientCertificateCredential,
  ClientSecretCredential,
  decodeJwt,
  type GetTokenOptions,
  identityOptions,
  instanceDiscovery,
  loopbackHttpClient,
  openIdConfiguration,
  SecretClient,
  selfSignedCertificate,
  type TokenCredential,
  VAULT_SCOPE,
  VAULT_URL,
} from "../_azure_sdk.ts";
import { type Loopback, serve } from "../_loopback.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "00000000-0000-0000-0000-0000000000c1";
const CHALLENGE = `Bearer authorization="https://login.microsoftonline.com/${TENANT}", ` +
  `resource="https://vault.azure.net"`;

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Headers;
  form: Record<string, string>;
}

/** A loopback server that records each request and answers with `answer`. */
async function recordingServer(
  answer: (seen: Seen) => Response,
): Promise<Loopback & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await serve(async (request) => {
    const url = new URL(request.url);
    const body = await request.text();
    const form = request.headers.get("content-type")?.startsWith(
        "application/x-www-form-urlencoded",
      )
      ? Object.fromEntries(new URLSearchParams(body))
      : {};
    const entry: Seen = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      form,
    };
    seen.push(entry);
    return answer(entry);
  });
  return Object.assign(server, { seen });
}

/** A fake Entra endpoint: token requests get `accessToken`, discovery gets its documents. */
function entraAnswer(accessToken: string, authorityHost = AUTHORITY_HOST) {
  return (seen: Seen): Response => {
    if (seen.path.endsWith("/v2.0/.well-known/openid-configuration")) {
      return Response.json(openIdConfiguration(TENANT, authorityHost));
    }
    if (seen.path === "/common/discovery/instance") {
      return Response.json(instanceDiscovery(TENANT, authorityHost));
    }
    if (seen.method === "POST" && seen.path === `/${TENANT}/oauth2/v2.0/token`) {
      return Response.json({
        token_type: "Bearer",
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: accessToken,
      });
    }
    return Response.json({ error: "not_found" }, { status: 404 });
  };
}

/** The MSAL form fields of a client-credentials request, apart from the credential itself. */
const MSAL_FORM_FIELDS = [
  "client-request-id",
  "client_id",
  "grant_type",
  "scope",
  "x-client-CPU",
  "x-client-OS",
  "x-client-SKU",
  "x-client-VER",
  "x-client-current-telemetry",
  "x-client-last-telemetry",
  "x-ms-lib-capability",
];

test("ClientSecretCredential gets a token from the fake Entra endpoint: one POST, nothing else", async () => {
  const entra = await recordingServer(entraAnswer("entra-token-1"));
  try {
    const httpClient = loopbackHttpClient({ [AUTHORITY_HOST]: entra.origin });
    const credential = new ClientSecretCredential(
      TENANT,
      CLIENT_ID,
      "s3cr3t",
      identityOptions(httpClient),
    );
    const token = await credential.getToken(VAULT_SCOPE);
    assert.ok(token);
    assert.equal(token.token, "entra-token-1");
    assert.equal(token.tokenType, "Bearer");
    assert.ok(Math.abs(token.expiresOnTimestamp - (Date.now() + 3599_000)) < 60_000);

    // login.microsoftonline.com: no openid-configuration, no instance discovery.
    assert.deepEqual(httpClient.refused, []);
    assert.equal(entra.seen.length, 1);
    const [request] = entra.seen;
    assert.ok(request);
    assert.equal(request.method, "POST");
    assert.equal(request.path, `/${TENANT}/oauth2/v2.0/token`);
    assert.deepEqual(Object.keys(request.query), ["client-request-id"]);
    assert.equal(request.query["client-request-id"], request.form["client-request-id"]);
    assert.equal(
      request.headers.get("content-type"),
      "application/x-www-form-urlencoded;charset=utf-8",
    );
    assert.deepEqual(
      Object.keys(request.form).sort(),
      [...MSAL_FORM_FIELDS, "client_secret"].sort(),
    );
    assert.equal(request.form.grant_type, "client_credentials");
    assert.equal(request.form.client_id, CLIENT_ID);
    assert.equal(request.form.client_secret, "s3cr3t");
    assert.equal(request.form.scope, VAULT_SCOPE);
    assert.equal(request.form["x-client-SKU"], "msal.js.node");
    assert.equal(request.form.claims, undefined); // no CAE unless asked
    // The SDK's own headers reach the server; the rerouting adds the forwarding pair.
    assert.match(request.headers.get("user-agent") ?? "", /^azsdk-js-identity\/4\.14\.\d+ /);
    assert.ok(request.headers.get("x-ms-client-request-id"));
    assert.equal(request.headers.get("x-forwarded-host"), "login.microsoftonline.com");
    assert.equal(request.headers.get("x-forwarded-proto"), "https");
    assert.equal(httpClient.sent[0]?.url.startsWith(`${AUTHORITY_HOST}/${TENANT}/`), true);

    // A second getToken is answered from MSAL's cache.
    assert.equal((await credential.getToken(VAULT_SCOPE))?.token, "entra-token-1");
    assert.equal(entra.seen.length, 1);
  } finally {
    await entra.close();
  }
});

test("MSAL discovery calls for an authority host it has no metadata for", async () => {
  const host = "https://login.example.test";
  for (const disableInstanceDiscovery of [true, false]) {
    const entra = await recordingServer(entraAnswer("entra-token-2", host));
    try {
      const httpClient = loopbackHttpClient({
        [host]: entra.origin,
        [AUTHORITY_HOST]: entra.origin,
      });
      const credential = new ClientSecretCredential(TENANT, CLIENT_ID, "s3cr3t", {
        ...identityOptions(httpClient),
        authorityHost: host,
        disableInstanceDiscovery,
      });
      assert.equal((await credential.getToken(VAULT_SCOPE))?.token, "entra-token-2");
      const calls = httpClient.sent.map((r) => `${r.method} ${r.url.replace(/\?.*/, "")}`);
      assert.deepEqual(calls, [
        ...(disableInstanceDiscovery ? [] : [`GET ${AUTHORITY_HOST}/common/discovery/instance`]),
        `GET ${host}/${TENANT}/v2.0/.well-known/openid-configuration`,
        `POST ${host}/${TENANT}/oauth2/v2.0/token`,
      ]);
      if (!disableInstanceDiscovery) {
        const discovery = new URL(httpClient.sent[0]?.url ?? "");
        assert.equal(discovery.searchParams.get("api-version"), "1.1");
        assert.equal(
          discovery.searchParams.get("authorization_endpoint"),
          `${host}/${TENANT}/oauth2/v2.0/authorize`,
        );
      }
    } finally {
      await entra.close();
    }
  }
});

test("SecretClient goes through the Key Vault challenge with any TokenCredential", async () => {
  const vault = await recordingServer((seen) => {
    if (!seen.headers.has("authorization")) {
      return new Response(null, { status: 401, headers: { "www-authenticate": CHALLENGE } });
    }
    const host = seen.headers.get("x-forwarded-host");
    return Response.json({
      value: "hunter2",
      id: `https://${host}/secrets/db-password/0123456789abcdef0123456789abcdef`,
      attributes: { enabled: true, created: 1700000000, updated: 1700000000 },
    });
  });
  try {
    const calls: { scopes: string | string[]; options: GetTokenOptions | undefined }[] = [];
    const credential: TokenCredential = {
      getToken(scopes, options): Promise<AccessToken | null> {
        calls.push({ scopes, options });
        return Promise.resolve({ token: "kv-token", expiresOnTimestamp: Date.now() + 3600_000 });
      },
    };
    const httpClient = loopbackHttpClient({ [VAULT_URL]: vault.origin });
    const client = new SecretClient(VAULT_URL, credential, {
      httpClient,
      retryOptions: { maxRetries: 0 },
    });
    const secret = await client.getSecret("db-password");
    assert.equal(secret.value, "hunter2");
    assert.equal(secret.properties.version, "0123456789abcdef0123456789abcdef");
    assert.equal(secret.properties.vaultUrl, VAULT_URL);

    assert.deepEqual(httpClient.refused, []);
    assert.equal(vault.seen.length, 2);
    const [first, second] = vault.seen;
    assert.ok(first && second);
    for (const request of [first, second]) {
      assert.equal(request.method, "GET");
      assert.equal(request.path, "/secrets/db-password/"); // empty version: trailing slash
      assert.deepEqual(request.query, { "api-version": "2026-04-01" });
    }
    assert.equal(first.headers.get("authorization"), null);
    assert.equal(second.headers.get("authorization"), "Bearer kv-token");
    assert.equal(httpClient.sent[0]?.url.includes("?api%2Dversion="), true); // "-" is escaped

    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.ok(call?.options);
    assert.deepEqual(call.scopes, [VAULT_SCOPE]);
    assert.deepEqual(
      Object.keys(call.options).sort(),
      ["abortSignal", "claims", "enableCae", "requestOptions", "tenantId", "tracingOptions"],
    );
    assert.equal(call.options.enableCae, true);
    assert.equal(call.options.tenantId, TENANT);
    assert.equal(call.options.claims, undefined);
    assert.equal(call.options.abortSignal, undefined);
    assert.deepEqual(call.options.requestOptions, { timeout: undefined });

    // The challenge is cached: the next call sends the token straight away.
    await client.getSecret("db-password");
    assert.equal(vault.seen.length, 3);
    assert.equal(vault.seen[2]?.headers.get("authorization"), "Bearer kv-token");
    assert.equal(calls.length, 1);
  } finally {
    await vault.close();
  }
});

test("ClientCertificateCredential signs a PS256 client assertion with x5t#S256", async () => {
  const certificate = await selfSignedCertificate();
  // The generated certificate is a well-formed X.509 one.
  const parsed = new X509Certificate(certificate.certificatePem);
  assert.equal(parsed.subject, "CN=kvfetch-test");
  assert.equal(
    parsed.fingerprint256.replace(/:/g, ""),
    Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", certificate.der)),
      (b) => b.toString(16).padStart(2, "0").toUpperCase(),
    ).join(""),
  );

  const entra = await recordingServer(entraAnswer("entra-token-3"));
  try {
    const httpClient = loopbackHttpClient({ [AUTHORITY_HOST]: entra.origin });
    const credential = new ClientCertificateCredential(
      TENANT,
      CLIENT_ID,
      { certificate: certificate.pem },
      identityOptions(httpClient),
    );
    const before = Math.floor(Date.now() / 1000);
    assert.equal((await credential.getToken(VAULT_SCOPE))?.token, "entra-token-3");
    const after = Math.ceil(Date.now() / 1000);

    assert.deepEqual(httpClient.refused, []);
    assert.equal(entra.seen.length, 1);
    const form = entra.seen[0]?.form ?? {};
    assert.deepEqual(
      Object.keys(form).sort(),
      [...MSAL_FORM_FIELDS, "client_assertion", "client_assertion_type"].sort(),
    );
    assert.equal(
      form.client_assertion_type,
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    );

    const jwt = decodeJwt(form.client_assertion ?? "");
    assert.deepEqual(jwt.header, { alg: "PS256", typ: "JWT", "x5t#S256": certificate.x5tS256 });
    const claims = jwt.claims as {
      aud: string;
      iss: string;
      sub: string;
      jti: string;
      exp: number;
      nbf: number;
      iat: number;
    };
    assert.deepEqual(Object.keys(claims).sort(), ["aud", "exp", "iat", "iss", "jti", "nbf", "sub"]);
    assert.equal(claims.aud, `${AUTHORITY_HOST}/${TENANT}/oauth2/v2.0/token`);
    assert.equal(claims.iss, CLIENT_ID);
    assert.equal(claims.sub, CLIENT_ID);
    assert.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(claims.exp - claims.nbf, 600);
    // nbf is MSAL's Math.round(now), iat is jsonwebtoken's Math.floor(now).
    assert.ok(claims.nbf - claims.iat === 0 || claims.nbf - claims.iat === 1);
    assert.ok(claims.iat >= before && claims.nbf <= after);

    // The signature verifies with the certificate's key (RSA-PSS, SHA-256, 32-byte salt).
    const key = await crypto.subtle.importKey(
      "spki",
      certificate.spki,
      { name: "RSA-PSS", hash: "SHA-256" },
      false,
      ["verify"],
    );
    assert.ok(
      await crypto.subtle.verify(
        { name: "RSA-PSS", saltLength: 32 },
        key,
        jwt.signature,
        jwt.signingInput,
      ),
    );
  } finally {
    await entra.close();
  }
});

test("ClientSecretCredential behind SecretClient: tenant from the challenge, CAE claims sent", async () => {
  const entra = await recordingServer(entraAnswer("entra-token-4"));
  const vault = await recordingServer((seen) =>
    seen.headers.get("authorization") === "Bearer entra-token-4"
      ? Response.json({ value: "v", id: `${VAULT_URL}/secrets/db-password/abc` })
      : new Response(null, { status: 401, headers: { "www-authenticate": CHALLENGE } })
  );
  try {
    const httpClient = loopbackHttpClient({
      [AUTHORITY_HOST]: entra.origin,
      [VAULT_URL]: vault.origin,
    });
    const credential = new ClientSecretCredential(
      TENANT,
      CLIENT_ID,
      "s3cr3t",
      identityOptions(httpClient),
    );
    const client = new SecretClient(VAULT_URL, credential, {
      httpClient,
      retryOptions: { maxRetries: 0 },
    });
    assert.equal((await client.getSecret("db-password")).value, "v");
    assert.deepEqual(
      httpClient.sent.map((r) => `${r.method} ${new URL(r.url).host}`),
      [
        "GET myvault.vault.azure.net",
        "POST login.microsoftonline.com",
        "GET myvault.vault.azure.net",
      ],
    );
    // enableCae: true from the Key Vault policy makes MSAL ask for the "cp1" capability.
    assert.deepEqual(JSON.parse(entra.seen[0]?.form.claims ?? "null"), {
      id_token: {
        signin_state: { essential: false },
        login_hint: { essential: false },
        tenant_region_sub_scope: { essential: false },
      },
      access_token: { xms_cc: { values: ["cp1"] } },
    });
  } finally {
    await entra.close();
    await vault.close();
  }
});
