/** The Key Vault challenge protocol, as every data-plane client follows it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  type GetTokenOptions,
  KvfetchError,
  RestError,
  SecretClient,
  type SecretClientOptions,
} from "../../mod.ts";
import { json, scriptedFetch, type SeenRequest } from "../_fetch.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CHALLENGE =
  `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`;
const SCOPE = "https://vault.azure.net/.default";

/** A vault name no other test uses, so the process-wide challenge cache starts empty. */
const vault = () => `https://kv${crypto.randomUUID().slice(0, 8)}.vault.azure.net`;

/** A credential that records its calls and hands out tok-1, tok-2, … */
function recordingCredential() {
  const calls: { scopes: string[]; options: GetTokenOptions }[] = [];
  return {
    calls,
    getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
      calls.push({ scopes: [scopes].flat(), options });
      return Promise.resolve({
        token: `tok-${calls.length}`,
        expiresOnTimestamp: Date.now() + 3_600_000,
      });
    },
  };
}

function unauthorized(header: string | null = CHALLENGE): Response {
  const headers: Record<string, string> = header === null ? {} : { "www-authenticate": header };
  return json(401, {
    error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." },
  }, headers);
}

function bundle(url: string, name: string, value = "v") {
  return {
    value,
    id: `${url}/secrets/${name}/0123456789abcdef0123456789abcdef`,
    attributes: { enabled: true, created: 1700000000, updated: 1700000000 },
  };
}

/** A vault that challenges token-less requests and serves one secret to any bearer token. */
function challengingVault(url: string, name = "db") {
  return (req: SeenRequest) =>
    req.headers.get("authorization")?.startsWith("Bearer ")
      ? json(200, bundle(url, name, "the-value"))
      : unauthorized();
}

function client(url: string, fetch: SecretClientOptions["fetch"], extra: SecretClientOptions = {}) {
  const credential = recordingCredential();
  return { credential, client: new SecretClient(url, credential, { fetch, ...extra }) };
}

test("the first request goes out without token and body; the real one follows the 401", async () => {
  const url = vault();
  const fetch = scriptedFetch(challengingVault(url));
  const { client: c, credential } = client(url, fetch);
  const secret = await c.setSecret("db", "p@ssw0rd-value", { contentType: "text/plain" });
  assert.equal(secret.value, "the-value");
  assert.equal(fetch.calls.length, 2);
  const [probe, real] = fetch.calls;
  assert.equal(probe!.method, "PUT");
  assert.equal(probe!.headers.get("authorization"), null);
  assert.equal(probe!.body, "", "no secret value before the vault has answered");
  assert.equal(probe!.headers.get("content-type"), null);
  assert.equal(real!.headers.get("authorization"), "Bearer tok-1");
  assert.deepEqual(JSON.parse(real!.body), { value: "p@ssw0rd-value", contentType: "text/plain" });
  assert.equal(real!.headers.get("content-type"), "application/json");
  assert.equal(
    probe!.headers.get("x-ms-client-request-id"),
    real!.headers.get("x-ms-client-request-id"),
  );
  assert.deepEqual(credential.calls.map((c) => c.scopes), [[SCOPE]]);
  const options = credential.calls[0]!.options;
  assert.equal(options.tenantId, TENANT);
  assert.equal(options.enableCae, true);
  assert.equal(options.challenge?.authority, `https://login.microsoftonline.com/${TENANT}`);
  assert.equal(options.challenge?.resource, "https://vault.azure.net");
});

test("the challenge is learned once per vault origin and shared by every client", async () => {
  const url = vault();
  const fetch = scriptedFetch(challengingVault(url));
  const first = client(url, fetch);
  await first.client.getSecret("db");
  // Another client, another credential, the same vault written differently.
  const upper = url.replace("https://kv", "https://KV") + ":443/";
  const second = client(upper, fetch);
  await second.client.getSecret("db");
  assert.equal(fetch.calls.length, 3, "one 401 for the process, not one per client");
  assert.equal(fetch.calls[2]!.headers.get("authorization"), "Bearer tok-1");
  assert.equal(second.credential.calls[0]!.options.tenantId, TENANT);
});

test("a pre-seeded challenge skips the 401 round trip", async () => {
  const url = vault();
  const fetch = scriptedFetch(challengingVault(url));
  const { client: c, credential } = client(url, fetch, {
    challenge: { tenantId: TENANT, scope: SCOPE },
  });
  await c.getSecret("db");
  assert.equal(fetch.calls.length, 1);
  assert.equal(fetch.calls[0]!.headers.get("authorization"), "Bearer tok-1");
  assert.equal(credential.calls[0]!.options.tenantId, TENANT);
});

test("a pre-seeded scope must belong to the vault host", () => {
  assert.throws(
    () =>
      new SecretClient(vault(), recordingCredential(), {
        challenge: { tenantId: TENANT, scope: "https://management.azure.com/.default" },
      }),
    /"challenge" must be \{ tenantId, scope \} with a scope of the vault's own resource/,
  );
  assert.throws(
    () =>
      new SecretClient(vault(), recordingCredential(), {
        challenge: { tenantId: "a/b", scope: SCOPE },
      }),
    TypeError,
  );
});

test("a challenge naming another resource never leads to a token request", async () => {
  for (
    const resource of [
      "https://evil.example",
      "https://vault.azure.net.evil.example",
      "https://azure.net.evil",
      "https://kv.vault.azure.net", // not a parent domain of kvXXXX.vault.azure.net
      "not a url",
    ]
  ) {
    const url = vault();
    const fetch = scriptedFetch(
      unauthorized(
        `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="${resource}"`,
      ),
    );
    const { client: c, credential } = client(url, fetch);
    await assert.rejects(c.setSecret("db", "value-that-must-not-leak"), (error: unknown) => {
      assert.ok(error instanceof KvfetchError);
      const code = resource === "not a url"
        ? "ERR_CHALLENGE_INVALID"
        : "ERR_CHALLENGE_RESOURCE_MISMATCH";
      assert.equal(error.code, code, resource);
      if (code === "ERR_CHALLENGE_RESOURCE_MISMATCH") {
        assert.match(error.message, /"disableChallengeResourceVerification"/);
      }
      return true;
    });
    assert.equal(credential.calls.length, 0, `no token for ${resource}`);
    assert.equal(fetch.calls.length, 1);
    assert.equal(fetch.calls[0]!.body, "");
  }
});

test("disableChallengeResourceVerification lets a foreign resource through on purpose", async () => {
  const url = vault();
  const fetch = scriptedFetch((req) =>
    req.headers.get("authorization") ? json(200, bundle(url, "db")) : unauthorized(
      `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://other.example"`,
    )
  );
  const { client: c, credential } = client(url, fetch, {
    disableChallengeResourceVerification: true,
  });
  await c.getSecret("db");
  assert.deepEqual(credential.calls[0]!.scopes, ["https://other.example/.default"]);
});

test("a CAE insufficient_claims 401 after a token re-acquires with the claims, once", async () => {
  const url = vault();
  const claims = '{"access_token":{"nbf":{"essential":true,"value":"1726077595"}}}';
  let authed = 0;
  const fetch = scriptedFetch((req) => {
    if (!req.headers.get("authorization")) return unauthorized();
    authed++;
    if (authed === 2) {
      return unauthorized(
        `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${
          btoa(claims)
        }"`,
      );
    }
    return json(200, bundle(url, "db"));
  });
  const { client: c, credential } = client(url, fetch);
  await c.getSecret("db"); // probe + tok-1
  await c.getSecret("db"); // tok-2 refused with claims, then tok-3 accepted
  assert.equal(credential.calls.length, 3);
  assert.equal(credential.calls[2]!.options.claims, claims);
  assert.equal(credential.calls[2]!.options.tenantId, TENANT);
  assert.equal(fetch.calls.at(-1)!.headers.get("authorization"), "Bearer tok-3");
});

test("a second CAE challenge in a row fails with the 401", async () => {
  const url = vault();
  const cae = `Bearer error="insufficient_claims", claims="${btoa('{"access_token":{}}')}"`;
  const fetch = scriptedFetch((req) =>
    req.headers.get("authorization") ? unauthorized(cae) : unauthorized()
  );
  const { client: c, credential } = client(url, fetch);
  await assert.rejects(
    c.getSecret("db"),
    (e: unknown) => e instanceof RestError && e.status === 401,
  );
  assert.equal(credential.calls.length, 2, "the first token and one claims retry");
});

test("a plain 401 after a token refreshes the token once, then fails", async () => {
  const url = vault();
  let authed = 0;
  const fetch = scriptedFetch((req) => {
    if (!req.headers.get("authorization")) return unauthorized();
    authed++;
    return authed === 1 ? unauthorized() : json(200, bundle(url, "db"));
  });
  const { client: c, credential } = client(url, fetch);
  await c.getSecret("db");
  assert.equal(credential.calls.length, 2);
  assert.equal(credential.calls[1]!.options.forceRefresh, true);

  const always = scriptedFetch(unauthorized());
  const second = client(vault(), always);
  await assert.rejects(second.client.getSecret("db"), (e: unknown) => {
    assert.ok(e instanceof RestError);
    assert.equal(e.status, 401);
    assert.equal(e.errorCode, "Unauthorized");
    return true;
  });
  assert.equal(second.credential.calls.length, 2);
  assert.equal(always.calls.length, 3, "probe, token, refreshed token");
});

test("a 401 without a usable challenge is a coded error and no token is requested", async () => {
  for (const header of [null, 'Basic realm="x"', 'Bearer resource="https://vault.azure.net"']) {
    const { client: c, credential } = client(vault(), scriptedFetch(unauthorized(header)));
    await assert.rejects(
      c.getSecret("db"),
      (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CHALLENGE_INVALID",
    );
    assert.equal(credential.calls.length, 0);
  }
});

test("a vault that does not challenge a request with a body never receives the body", async () => {
  const url = vault();
  const fetch = scriptedFetch(json(200, bundle(url, "db")));
  const { client: c, credential } = client(url, fetch);
  await assert.rejects(
    c.setSecret("db", "never-sent-value"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CHALLENGE_INVALID",
  );
  assert.equal(fetch.calls.length, 1);
  assert.equal(fetch.calls[0]!.body, "");
  assert.equal(credential.calls.length, 0);
});

test("vault URLs: https and a known Key Vault or Managed HSM host, unless opted out", () => {
  const cred = recordingCredential();
  for (
    const ok of [
      "https://myvault.vault.azure.net",
      "https://myvault.vault.azure.net/",
      "https://MyVault.Vault.Azure.Net:443",
      "https://myhsm.managedhsm.azure.net",
      "https://myvault.vault.azure.cn",
      "https://myvault.vault.usgovcloudapi.net",
    ]
  ) {
    assert.doesNotThrow(() => new SecretClient(ok, cred), ok);
  }
  const bad: [string, RegExp][] = [
    ["http://myvault.vault.azure.net", /https:/],
    ["http://127.0.0.1:8443", /allowInsecureLoopback/],
    ["https://myvault.example.com", /allowUnknownVaultHost/],
    ["https://vault.azure.net", /not a Key Vault/],
    ["https://myvault.vault.azure.net.evil.example", /not a Key Vault/],
    ["https://myvault.vault.azure.net/secrets/x", /bare vault URL/],
    ["https://user:pw@myvault.vault.azure.net", /bare vault URL/],
    ["https://myvault.vault.azure.net/?x=1", /bare vault URL/],
    ["ftp://myvault.vault.azure.net", /https:/],
    ["myvault", /absolute URL/],
  ];
  for (const [url, message] of bad) {
    assert.throws(() => new SecretClient(url, cred), (e: unknown) => {
      assert.ok(e instanceof TypeError, url);
      assert.match((e as Error).message, message, url);
      return true;
    });
  }
  assert.doesNotThrow(() =>
    new SecretClient("http://127.0.0.1:8443", cred, {
      allowInsecureLoopback: true,
      allowUnknownVaultHost: true,
    })
  );
  assert.throws(() => new SecretClient("https://myvault.vault.azure.net", {} as never), TypeError);
  for (const serviceVersion of ["7.6", "2025-07-01", "2026-05-01-preview", "7.6-preview.2"]) {
    assert.doesNotThrow(() => new SecretClient(vault(), cred, { serviceVersion }));
  }
  for (const serviceVersion of ["latest", "2025-7-1", ""]) {
    assert.throws(() => new SecretClient(vault(), cred, { serviceVersion }), /serviceVersion/);
  }
});

test("client.fetch() stays on the vault's origin and adds the api-version", async () => {
  const url = vault();
  const fetch = scriptedFetch(challengingVault(url));
  const { client: c } = client(url, fetch, { serviceVersion: "7.6" });
  const response = await c.fetch("/secrets?maxresults=1");
  assert.equal(response.status, 200);
  const sent = new URL(fetch.calls.at(-1)!.url);
  assert.equal(sent.origin, url);
  assert.equal(sent.searchParams.get("api-version"), "7.6");
  assert.equal(sent.searchParams.get("maxresults"), "1");
  for (
    const path of ["//evil.example/x", "https://evil.example/secrets", "http://" + url.slice(8)]
  ) {
    await assert.rejects(
      c.fetch(path),
      (e: unknown) => e instanceof KvfetchError && e.code === "ERR_FOREIGN_NEXT_LINK",
    );
  }
  assert.ok(fetch.calls.every((call) => new URL(call.url).origin === url));
});

test("a challenge cached without verification is verified again by a client that verifies", async () => {
  const url = vault();
  const foreign =
    `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://other.example"`;
  const fetch = scriptedFetch((req) =>
    req.headers.get("authorization") ? json(200, bundle(url, "db")) : unauthorized(foreign)
  );
  const lax = client(url, fetch, { disableChallengeResourceVerification: true });
  await lax.client.getSecret("db");
  const strict = client(url, fetch);
  await assert.rejects(
    strict.client.getSecret("db"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CHALLENGE_RESOURCE_MISMATCH",
  );
  assert.equal(strict.credential.calls.length, 0, "no token for the foreign resource");
});

test("concurrent first requests to a vault share one challenge round trip", async () => {
  const url = vault();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const fetch = scriptedFetch(async (req) => {
    if (req.headers.get("authorization")) return json(200, bundle(url, "db"));
    await gate;
    return unauthorized();
  });
  const { client: c } = client(url, fetch);
  const pending = Array.from({ length: 5 }, () => c.getSecret("db"));
  await new Promise((resolve) => setTimeout(resolve, 10));
  release();
  await Promise.all(pending);
  const probes = fetch.calls.filter((call) => !call.headers.get("authorization"));
  assert.equal(probes.length, 1, "one 401, not one per concurrent call");
  assert.equal(fetch.calls.length, 6);
});
