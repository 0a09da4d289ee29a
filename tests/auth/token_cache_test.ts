import { test } from "node:test";
import assert from "node:assert/strict";
import { ClientSecretCredential, type ClientSecretCredentialOptions } from "../../mod.ts";
import { EXPIRY_MARGIN_MS, REFRESH_RETRY_MS } from "../../lib/auth/token_cache.ts";
import { scriptedFetch, type SeenRequest } from "../_fetch.ts";
import { fakeEntra, tokenResponse } from "../_entra.ts";

const SCOPE = "https://vault.azure.net/.default";
const T0 = 1_800_000_000_000;

/** A fake clock and a credential with a unique identity (so tests never share cache entries). */
function setup(
  answer: (req: SeenRequest, n: number) => Response | Promise<Response>,
  extra: Partial<ClientSecretCredentialOptions> = {},
) {
  let now = T0;
  let n = 0;
  const fetch = scriptedFetch((req) => answer(req, ++n));
  const options: ClientSecretCredentialOptions = {
    tenantId: "contoso.onmicrosoft.com",
    clientId: crypto.randomUUID(),
    clientSecret: "s3cret-value-for-cache-tests",
    fetch,
    now: () => now,
    retry: { maxRetries: 0 },
    ...extra,
  };
  return {
    fetch,
    options,
    credential: new ClientSecretCredential(options),
    at: (ms: number) => (now = T0 + ms),
  };
}

/** Lets background work (a refresh started by getToken) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

test("token cache: 100 concurrent getToken calls cause exactly one request (real socket)", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const entra = await fakeEntra(async (_call, n) => {
    await gate;
    return tokenResponse(`shared-${n}`);
  });
  try {
    const credential = new ClientSecretCredential({
      tenantId: "contoso.onmicrosoft.com",
      clientId: crypto.randomUUID(),
      clientSecret: "s3cret",
      authorityHost: entra.authorityHost,
      allowInsecureLoopback: true,
    });
    const pending = Array.from({ length: 100 }, () => credential.getToken(SCOPE));
    await settle();
    release();
    const tokens = await Promise.all(pending);
    assert.equal(entra.calls.length, 1);
    assert.ok(tokens.every((t) => t.token === "shared-1"));
    assert.equal((await credential.getToken(SCOPE)).token, "shared-1");
    assert.equal(entra.calls.length, 1);
  } finally {
    await entra.close();
  }
});

test("token cache: a long-lived token is refreshed in the background when 5 minutes remain", async () => {
  const { fetch, credential, at } = setup((_r, n) => tokenResponse(`t${n}`, { expires_in: 3600 }));
  assert.equal((await credential.getToken(SCOPE)).token, "t1");
  at(3600_000 - 5 * 60_000 - 1000); // 5 min + 1 s left: still cached, no request
  assert.equal((await credential.getToken(SCOPE)).token, "t1");
  assert.equal(fetch.calls.length, 1);
  at(3600_000 - 5 * 60_000 + 1000); // inside the refresh window
  assert.equal((await credential.getToken(SCOPE)).token, "t1", "the caller is not kept waiting");
  await settle();
  assert.equal(fetch.calls.length, 2, "one background refresh");
  assert.equal((await credential.getToken(SCOPE)).token, "t2");
  assert.equal(fetch.calls.length, 2);
});

test("token cache: refresh_in from Entra sets the refresh time", async () => {
  const { fetch, credential, at } = setup((_r, n) =>
    tokenResponse(`t${n}`, { expires_in: 86_399, refresh_in: 43_199 })
  );
  await credential.getToken(SCOPE);
  at(43_198_000);
  await credential.getToken(SCOPE);
  await settle();
  assert.equal(fetch.calls.length, 1);
  at(43_200_000);
  await credential.getToken(SCOPE);
  await settle();
  assert.equal(fetch.calls.length, 2);
});

test("token cache: a short-lived token is refreshed halfway through its life", async () => {
  const { fetch, credential, at } = setup((_r, n) => tokenResponse(`t${n}`, { expires_in: 300 }));
  await credential.getToken(SCOPE);
  at(149_000);
  await credential.getToken(SCOPE);
  await settle();
  assert.equal(fetch.calls.length, 1);
  at(151_000);
  assert.equal((await credential.getToken(SCOPE)).token, "t1");
  await settle();
  assert.equal(fetch.calls.length, 2);
  assert.equal((await credential.getToken(SCOPE)).token, "t2");
});

test("token cache: a failed background refresh keeps the valid token and retries later", async () => {
  const { fetch, credential, at } = setup((_r, n) =>
    n === 1
      ? tokenResponse("t1", { expires_in: 3600 })
      : n <= 3
      ? Response.json({ error: "temporarily_unavailable" }, { status: 400 })
      : tokenResponse(`t${n}`, { expires_in: 3600 })
  );
  await credential.getToken(SCOPE);
  at(3_400_000); // refresh window (expires at 3 600 000)
  assert.equal((await credential.getToken(SCOPE)).token, "t1");
  await settle();
  assert.equal(fetch.calls.length, 2, "refresh tried and failed");
  at(3_400_000 + REFRESH_RETRY_MS - 1000);
  assert.equal((await credential.getToken(SCOPE)).token, "t1");
  await settle();
  assert.equal(fetch.calls.length, 2, "no retry before the retry interval");
  at(3_400_000 + REFRESH_RETRY_MS + 1000);
  assert.equal((await credential.getToken(SCOPE)).token, "t1");
  await settle();
  assert.equal(fetch.calls.length, 3, "retried after the interval (and failed again)");
  at(3_400_000 + 2 * REFRESH_RETRY_MS + 2000);
  await credential.getToken(SCOPE);
  await settle();
  assert.equal(fetch.calls.length, 4);
  assert.equal((await credential.getToken(SCOPE)).token, "t4");
});

test("token cache: an expired token is never returned, even when the refresh fails", async () => {
  const { fetch, credential, at } = setup((_r, n) =>
    n === 1
      ? tokenResponse("t1", { expires_in: 3600 })
      : Response.json({ error: "invalid_client" }, { status: 401 })
  );
  await credential.getToken(SCOPE);
  at(3600_000 - EXPIRY_MARGIN_MS + 1); // inside the safety margin: treated as expired
  await assert.rejects(credential.getToken(SCOPE), /invalid_client/);
  at(3600_000 + 1);
  await assert.rejects(credential.getToken(SCOPE), /invalid_client/);
  assert.equal(fetch.calls.length, 3);
});

test("token cache: an expired token is replaced by a blocking request", async () => {
  const { fetch, credential, at } = setup((_r, n) => tokenResponse(`t${n}`, { expires_in: 60 }));
  await credential.getToken(SCOPE);
  at(61_000);
  assert.equal((await credential.getToken(SCOPE)).token, "t2");
  assert.equal(fetch.calls.length, 2);
});

test("token cache: a re-created credential with the same identity reuses the token", async () => {
  const { fetch, options } = setup((_r, n) => tokenResponse(`t${n}`));
  await new ClientSecretCredential(options).getToken(SCOPE);
  await new ClientSecretCredential({ ...options }).getToken(SCOPE);
  await new ClientSecretCredential({ ...options, authMethod: "basic" }).getToken([SCOPE]);
  assert.equal(fetch.calls.length, 1);
});

test("token cache: a different secret, tenant, scope or CAE setting is a different entry", async () => {
  const { fetch, options } = setup((_r, n) => tokenResponse(`t${n}`));
  await new ClientSecretCredential(options).getToken(SCOPE);
  const wrong = await new ClientSecretCredential({ ...options, clientSecret: "another-secret" })
    .getToken(SCOPE);
  assert.equal(wrong.token, "t2", "a wrong secret never gets the right secret's token");
  await new ClientSecretCredential({ ...options, tenantId: "fabrikam.onmicrosoft.com" })
    .getToken(SCOPE);
  await new ClientSecretCredential(options).getToken("https://management.azure.com/.default");
  await new ClientSecretCredential(options).getToken(SCOPE, { enableCae: true });
  assert.equal(fetch.calls.length, 5);
});

test("token cache: claims bypass the cache and the new token replaces the refused one", async () => {
  const { fetch, credential } = setup((_r, n) => tokenResponse(`t${n}`));
  await credential.getToken(SCOPE, { enableCae: true });
  const claims = JSON.stringify({ access_token: { nbf: { essential: true, value: "1" } } });
  assert.equal((await credential.getToken(SCOPE, { enableCae: true, claims })).token, "t2");
  assert.equal((await credential.getToken(SCOPE, { enableCae: true })).token, "t2");
  assert.equal(fetch.calls.length, 2);
});

test("token cache: forceRefresh gets a new token", async () => {
  const { fetch, credential } = setup((_r, n) => tokenResponse(`t${n}`));
  await credential.getToken(SCOPE);
  assert.equal((await credential.getToken(SCOPE, { forceRefresh: true })).token, "t2");
  assert.equal(fetch.calls.length, 2);
});

test("token cache: one caller's abort does not cancel the shared request for the others", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { fetch, credential } = setup(async (_r, n) => {
    await gate;
    return tokenResponse(`t${n}`);
  });
  const controller = new AbortController();
  const reason = new Error("caller gave up");
  const impatient = credential.getToken(SCOPE, { abortSignal: controller.signal });
  const patient = credential.getToken(SCOPE);
  controller.abort(reason);
  await assert.rejects(impatient, (e: unknown) => e === reason);
  release();
  assert.equal((await patient).token, "t1");
  assert.equal(fetch.calls.length, 1);
});
