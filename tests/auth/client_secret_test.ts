import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  AzureClouds,
  ClientSecretCredential,
  type ClientSecretCredentialOptions,
  KvfetchError,
} from "../../mod.ts";
import { clearTokenCache } from "../../lib/auth/token_cache.ts";
import { scriptedFetch } from "../_fetch.ts";
import { fakeEntra, invalidSecretResponse, tokenResponse, visible } from "../_entra.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SCOPE = "https://vault.azure.net/.default";
const SECRET = "Zq8~kS3.cr3t_v4lue+with/odd=chars %!";

function options(overrides: Partial<ClientSecretCredentialOptions> = {}) {
  return {
    tenantId: TENANT,
    clientId: crypto.randomUUID(),
    clientSecret: SECRET,
    ...overrides,
  } satisfies ClientSecretCredentialOptions;
}

test("ClientSecretCredential sends the exact client-credentials form (secret in the body)", async () => {
  const entra = await fakeEntra();
  try {
    const o = options({ authorityHost: entra.authorityHost, allowInsecureLoopback: true });
    const token = await new ClientSecretCredential(o).getToken(SCOPE);
    assert.equal(token.token, "token-1");
    assert.equal(token.tokenType, "Bearer");
    assert.equal(entra.calls.length, 1);
    const call = entra.calls[0]!;
    assert.equal(call.method, "POST");
    assert.equal(call.path, `/${TENANT}/oauth2/v2.0/token`);
    assert.deepEqual([...call.form.entries()], [
      ["client_id", o.clientId],
      ["scope", SCOPE],
      ["grant_type", "client_credentials"],
      ["client_secret", SECRET],
    ]);
    assert.match(call.headers.get("content-type")!, /^application\/x-www-form-urlencoded/);
    assert.equal(call.headers.get("accept"), "application/json");
    assert.equal(call.headers.get("authorization"), null);
    assert.match(call.headers.get("client-request-id")!, /^[0-9a-f-]{36}$/);
  } finally {
    await entra.close();
  }
});

test("ClientSecretCredential with authMethod basic sends RFC 6749 §2.3.1 Basic credentials", async () => {
  const entra = await fakeEntra();
  try {
    const o = options({
      authorityHost: entra.authorityHost,
      allowInsecureLoopback: true,
      authMethod: "basic",
    });
    await new ClientSecretCredential(o).getToken(SCOPE);
    const call = entra.calls[0]!;
    assert.equal(call.form.get("client_secret"), null);
    assert.equal(call.form.get("client_id"), o.clientId);
    const basic = call.headers.get("authorization")!;
    assert.match(basic, /^Basic /);
    const [id, secret] = atob(basic.slice(6)).split(":");
    // Each part is form-urlencoded before base64 (so ':' and '+' survive).
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    assert.equal(decode(id!), o.clientId);
    assert.equal(decode(secret!), SECRET);
    assert.ok(!secret!.includes(" "), "spaces are encoded");
  } finally {
    await entra.close();
  }
});

test("ClientSecretCredential computes expiry from expires_in (number or string) and refresh_in", async () => {
  const now = 1_800_000_000_000;
  const fetch = scriptedFetch(
    tokenResponse("a", { expires_in: "3600", refresh_in: 1800 }),
  );
  const token = await new ClientSecretCredential(options({ fetch, now: () => now }))
    .getToken(SCOPE);
  assert.equal(token.expiresOnTimestamp, now + 3_600_000);
  assert.equal(token.refreshAfterTimestamp, now + 1_800_000);
});

test("ClientSecretCredential targets the cloud's authority host", async () => {
  const fetch = scriptedFetch(tokenResponse("gov"));
  const o = options({ fetch, cloud: "usGovernment" });
  await new ClientSecretCredential(o).getToken("https://vault.usgovcloudapi.net/.default");
  assert.equal(
    fetch.calls[0]!.url,
    `${AzureClouds.usGovernment.authorityHost}/${TENANT}/oauth2/v2.0/token`,
  );
});

test("ClientSecretCredential raises AuthenticationError with Entra's fields and no secret", async () => {
  clearTokenCache();
  // A hostile or buggy endpoint echoing the secret back must not get it into the error.
  const fetch = scriptedFetch(invalidSecretResponse(` You sent ${SECRET}.`));
  await assert.rejects(
    new ClientSecretCredential(options({ fetch })).getToken(SCOPE),
    (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.ok(error instanceof KvfetchError);
      assert.equal(error.code, "ERR_AUTHENTICATION");
      assert.equal(error.status, 401);
      assert.equal(error.error, "invalid_client");
      assert.deepEqual(error.errorCodes, [7000215]);
      assert.equal(error.traceId, "0d1b1f43-5d7c-4a2c-9b2e-6c0f5e2d2e00");
      assert.equal(error.correlationId, "4f7a9a38-8f7a-4e8e-8f5c-2f3bd0a1c9aa");
      assert.equal(error.timestamp, "2026-11-28 12:00:00Z");
      assert.match(
        error.message,
        /refused \(401 invalid_client\): AADSTS7000215: Invalid client secret/,
      );
      assert.doesNotMatch(error.message, /Trace ID/);
      assert.match(error.errorDescription!, /\[REDACTED\]/);
      assert.ok(!visible(error).includes(SECRET), "the secret appears nowhere");
      assert.ok(!Object.keys(error).includes("response"));
      return true;
    },
  );
  assert.equal(fetch.calls.length, 1, "a 401 is not retried");
});

test("ClientSecretCredential retries a 503 from Entra, then succeeds", async () => {
  const fetch = scriptedFetch(
    new Response("busy", { status: 503, headers: { "retry-after": "0" } }),
    tokenResponse("after-retry"),
  );
  const token = await new ClientSecretCredential(options({ fetch })).getToken(SCOPE);
  assert.equal(token.token, "after-retry");
  assert.equal(fetch.calls.length, 2);
});

test("ClientSecretCredential rejects malformed token responses with AuthenticationError", async () => {
  const bodies = [
    { token_type: "Bearer", expires_in: 3599 },
    { token_type: "Bearer", expires_in: 3599, access_token: "" },
    { token_type: "pop", expires_in: 3599, access_token: "x" },
    { token_type: "Bearer", expires_in: "soon", access_token: "x" },
    { token_type: "Bearer", access_token: "x" },
  ];
  for (const body of bodies) {
    const fetch = scriptedFetch(Response.json(body));
    await assert.rejects(
      new ClientSecretCredential(options({ fetch })).getToken(SCOPE),
      (error: unknown) => error instanceof AuthenticationError && error.status === 200,
      JSON.stringify(body),
    );
  }
  const fetch = scriptedFetch(new Response("<html>", { status: 200 }));
  await assert.rejects(
    new ClientSecretCredential(options({ fetch })).getToken(SCOPE),
    /not valid JSON/,
  );
});

test("ClientSecretCredential accepts a lower-case token_type", async () => {
  const fetch = scriptedFetch(tokenResponse("x", { token_type: "bearer" }));
  assert.equal((await new ClientSecretCredential(options({ fetch })).getToken(SCOPE)).token, "x");
});

test("ClientSecretCredential with enableCae sends the cp1 capability merged with challenge claims", async () => {
  const fetch = scriptedFetch(tokenResponse("cae"));
  const credential = new ClientSecretCredential(options({ fetch }));
  await credential.getToken(SCOPE, { enableCae: true });
  assert.deepEqual(
    JSON.parse(
      fetch.calls[0]!.body.split("&").map((p) => p.split("="))
        .filter(([k]) => k === "claims").map(([, v]) =>
          decodeURIComponent(v!.replace(/\+/g, " "))
        )[0]!,
    ),
    {
      access_token: { xms_cc: { values: ["cp1"] } },
    },
  );
  const challengeClaims = JSON.stringify({
    access_token: {
      nbf: { essential: true, value: "1726077595" },
      xms_caeerror: { value: "10012" },
    },
  });
  await credential.getToken(SCOPE, { enableCae: true, claims: challengeClaims });
  const sent = new URLSearchParams(fetch.calls[1]!.body).get("claims")!;
  assert.deepEqual(JSON.parse(sent), {
    access_token: {
      nbf: { essential: true, value: "1726077595" },
      xms_caeerror: { value: "10012" },
      xms_cc: { values: ["cp1"] },
    },
  });
  await credential.getToken(SCOPE);
  assert.equal(
    new URLSearchParams(fetch.calls[2]!.body).get("claims"),
    null,
    "no claims without CAE",
  );
});

test("ClientSecretCredential refuses another tenant unless allowed", async () => {
  const fetch = scriptedFetch(tokenResponse("t"));
  const other = "11111111-2222-3333-4444-555555555555";
  await assert.rejects(
    new ClientSecretCredential(options({ fetch })).getToken(SCOPE, { tenantId: other }),
    (error: unknown) => error instanceof KvfetchError && error.code === "ERR_TENANT_NOT_ALLOWED",
  );
  assert.equal(fetch.calls.length, 0);
  await new ClientSecretCredential(options({ fetch, additionallyAllowedTenants: [other] }))
    .getToken(SCOPE, { tenantId: other });
  assert.match(fetch.calls[0]!.url, new RegExp(`/${other}/oauth2/v2.0/token$`));
  await new ClientSecretCredential(options({ fetch, additionallyAllowedTenants: ["*"] }))
    .getToken(SCOPE, { tenantId: "contoso.onmicrosoft.com" });
  assert.match(fetch.calls[1]!.url, /\/contoso\.onmicrosoft\.com\/oauth2/);
  // The configured tenant, in another case, is the same tenant.
  await new ClientSecretCredential(options({ fetch })).getToken(SCOPE, {
    tenantId: TENANT.toUpperCase(),
  });
  assert.match(fetch.calls[2]!.url, new RegExp(`/${TENANT}/`));
});

test("ClientSecretCredential refuses bad input before any request", async () => {
  const fetch = scriptedFetch(tokenResponse("never"));
  const bad: [Partial<ClientSecretCredentialOptions> & Record<string, unknown>, RegExp][] = [
    [{ tenantId: "" }, /"tenantId"/],
    [{ tenantId: undefined }, /"tenantId"/],
    [{ tenantId: "a/b" }, /"tenantId"/],
    [{ tenantId: "../evil" }, /"tenantId"/],
    [{ clientId: "" }, /"clientId"/],
    [{ clientId: "x y" }, /"clientId"/],
    [{ clientSecret: "" }, /"clientSecret"/],
    [{ clientSecret: 42 as unknown as string }, /"clientSecret"/],
    [{ authMethod: "jwt" as "post" }, /"authMethod"/],
    [
      { authorityHost: "http://login.microsoftonline.com" },
      /"authorityHost" must be an https: URL/,
    ],
    [{ authorityHost: "http://127.0.0.1:1" }, /allowInsecureLoopback/],
    [{ authorityHost: "not a url" }, /"authorityHost" must be an absolute URL/],
    [{ cloud: "germany" as "public" }, /"cloud"/],
    [{ additionallyAllowedTenants: "x" as unknown as string[] }, /"additionallyAllowedTenants"/],
    [{ retry: { maxRetries: -1 } }, /"retry\.maxRetries"/],
  ];
  for (const [override, message] of bad) {
    assert.throws(
      () => new ClientSecretCredential({ ...options({ fetch }), ...override } as never),
      (error: unknown) =>
        (error instanceof TypeError || error instanceof RangeError) &&
        message.test((error as Error).message) && !visible(error).includes(SECRET),
      JSON.stringify(override),
    );
  }
  const credential = new ClientSecretCredential(options({ fetch }));
  for (const scopes of [[], "", [""], ["a b"], [42]]) {
    await assert.rejects(credential.getToken(scopes as never), TypeError, JSON.stringify(scopes));
  }
  assert.equal(fetch.calls.length, 0);
});

test("ClientSecretCredential keeps the secret out of enumerable properties and JSON", () => {
  const credential = new ClientSecretCredential(options());
  assert.ok(!JSON.stringify(credential).includes(SECRET));
  assert.deepEqual(Object.keys(credential), []);
});
