/** Token lifetimes and token characters from token endpoints are checked before use. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  ManagedIdentityCredential,
  processTokenResponse,
  ResponseBodyError,
  StaticTokenCredential,
} from "../../mod.ts";
import { clearTokenCache } from "../../lib/auth/token_cache.ts";
import { visible } from "../_entra.ts";
import { json, scriptedFetch } from "../_fetch.ts";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const DAY = 86_400_000;
const TOKEN_URL = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";

/** processTokenResponse() on a 200 with `body` (an object, or raw JSON text). */
function entra(body: Record<string, unknown> | string) {
  const text = typeof body === "string"
    ? body
    : JSON.stringify({ token_type: "Bearer", access_token: "eyJ0.eXAi.sig", ...body });
  return processTokenResponse({
    response: new Response(text, { headers: { "content-type": "application/json" } }),
    attempts: 1,
    clientRequestId: crypto.randomUUID(),
    method: "POST",
    url: TOKEN_URL,
  }, { now: NOW });
}

/** A ManagedIdentityCredential (App Service flavour) whose endpoint answers `body`. */
function appService(body: Record<string, unknown>) {
  clearTokenCache();
  return new ManagedIdentityCredential({
    env: { IDENTITY_ENDPOINT: "http://127.0.0.1:41111/msi/token", IDENTITY_HEADER: "hdr" },
    fetch: scriptedFetch(json(200, { token_type: "Bearer", access_token: "mi.tok", ...body })),
    now: () => NOW,
  }).getToken("https://vault.azure.net/.default");
}

/** An AuthenticationError (status 200) wrapping ERR_INVALID_RESPONSE at `path`. */
function invalid(path: string, hidden?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.code, "ERR_AUTHENTICATION");
    assert.equal(error.status, 200);
    assert.ok(error.cause instanceof ResponseBodyError, String(error.cause));
    assert.equal(error.cause.code, "ERR_INVALID_RESPONSE");
    assert.equal(error.cause.issues[0]!.path, path, error.message);
    if (hidden) {
      assert.ok(!visible(error).includes(hidden) && !visible(error.cause).includes(hidden));
    }
    return true;
  };
}

test("an Entra token without a positive, finite expires_in is refused", async () => {
  for (const expires_in of [undefined, null, "soon", 0, "0", -1, -3600, "9".repeat(400)]) {
    await assert.rejects(entra({ expires_in }), invalid("expires_in"), String(expires_in));
  }
  const infinite = '{"token_type":"Bearer","access_token":"t","expires_in":1e400}';
  await assert.rejects(entra(infinite), invalid("expires_in"));
});

test("an Entra token lifetime over 24 hours is clamped to 24 hours", async () => {
  assert.equal((await entra({ expires_in: 3599 })).expiresOnTimestamp, NOW + 3_599_000);
  assert.equal((await entra({ expires_in: 86_400 })).expiresOnTimestamp, NOW + DAY);
  assert.equal((await entra({ expires_in: 30 * 86_400 })).expiresOnTimestamp, NOW + DAY);
  assert.equal((await entra({ expires_in: "1000000000000" })).expiresOnTimestamp, NOW + DAY);
});

test("refresh_in is used only when it falls strictly inside the lifetime", async () => {
  const refresh = async (expires_in: number, refresh_in: unknown) =>
    (await entra({ expires_in, refresh_in })).refreshAfterTimestamp;
  assert.equal(await refresh(3600, 1800), NOW + 1_800_000);
  assert.equal(await refresh(3600, 0), undefined, "0 would refresh on every call");
  assert.equal(await refresh(3600, -5), undefined);
  assert.equal(await refresh(3600, 3600), undefined);
  assert.equal(await refresh(3600, 7200), undefined);
  assert.equal(await refresh(3600, null), undefined);
  // Against the clamped lifetime.
  assert.equal(await refresh(3 * 86_400, 2 * 86_400), undefined);
  assert.equal(await refresh(3 * 86_400, 43_200), NOW + DAY / 2);
});

const UNSAFE = [
  "eyJ0.payload.sig\r\nx-injected: 1",
  "tok\nen",
  "tok\u0000en",
  "tok en",
  "tok\ten",
  "tøken-Ω",
  "tok\u007fen",
  "",
];

test("an Entra access token that cannot go into a header is refused, without quoting it", async () => {
  for (const access_token of UNSAFE) {
    await assert.rejects(
      entra({ access_token, expires_in: 3600 }),
      invalid("access_token", access_token || undefined),
      JSON.stringify(access_token),
    );
  }
  const fine = "eyJ0eXAi.eyJhdWQi.c2ln-_~+/=";
  assert.equal((await entra({ access_token: fine, expires_in: 60 })).token, fine);
});

test("a managed identity token that has expired, or has no usable expiry, is refused", async () => {
  const sec = NOW / 1000;
  const bad: [Record<string, unknown>, string][] = [
    [{ expires_on: String(sec - 10) }, "expires_on"],
    [{ expires_on: sec }, "expires_on"],
    [{ expires_on: "0" }, "expires_on"],
    [{ expires_on: "9".repeat(400) }, "expires_on"],
    [{}, "expires_in"],
    [{ expires_in: "0" }, "expires_in"],
    [{ expires_in: -60 }, "expires_in"],
  ];
  for (const [body, path] of bad) {
    await assert.rejects(appService(body), invalid(path), JSON.stringify(body));
  }
});

test("a managed identity token is clamped to 24 hours and refresh_in kept only inside it", async () => {
  const sec = NOW / 1000;
  const year = await appService({ expires_on: String(sec + 365 * 86_400) });
  assert.equal(year.expiresOnTimestamp, NOW + DAY);
  const hour = await appService({ expires_on: String(sec + 3600), refresh_in: "1800" });
  assert.equal(hour.expiresOnTimestamp, NOW + 3_600_000);
  assert.equal(hour.refreshAfterTimestamp, NOW + 1_800_000);
  for (const refresh_in of ["0", "3600", "99999"]) {
    const t = await appService({ expires_on: String(sec + 3600), refresh_in });
    assert.equal(t.refreshAfterTimestamp, undefined, refresh_in);
  }
});

test("a managed identity access token that cannot go into a header is refused", async () => {
  for (const access_token of UNSAFE) {
    await assert.rejects(
      appService({ access_token, expires_in: "3600" }),
      invalid("access_token", access_token || undefined),
      JSON.stringify(access_token),
    );
  }
});

test("StaticTokenCredential refuses a token that cannot go into a header, without quoting it", () => {
  for (const token of UNSAFE.filter((t) => t)) {
    assert.throws(
      () => new StaticTokenCredential({ token, expiresOnTimestamp: NOW + DAY }),
      (error: unknown) =>
        error instanceof TypeError && /"token"/.test(error.message) &&
        !visible(error).includes(token),
      JSON.stringify(token),
    );
  }
  assert.ok(new StaticTokenCredential({ token: "a.b-c_d~e+f/g=", expiresOnTimestamp: NOW }));
});
