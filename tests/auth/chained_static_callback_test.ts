import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  AuthenticationError,
  AzureClouds,
  ChainedTokenCredential,
  ChallengeCallbackCredential,
  type ChallengeContext,
  CredentialUnavailableError,
  type GetTokenOptions,
  KvfetchError,
  StaticTokenCredential,
  type TokenCredential,
} from "../../mod.ts";
import { clearTokenCache } from "../../lib/auth/token_cache.ts";

const SCOPE = "https://vault.azure.net/.default";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const HOUR = 3_600_000;

/** A credential that records its calls and answers with `outcome` (a token, or throws). */
class Fake implements TokenCredential {
  calls: { scopes: string | string[]; options: GetTokenOptions | undefined }[] = [];
  constructor(public outcome: AccessToken | Error | null) {}
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.calls.push({ scopes, options });
    return this.outcome instanceof Error
      ? Promise.reject(this.outcome)
      : Promise.resolve(this.outcome);
  }
}
class ManagedIdentityLike extends Fake {}
class CliLike extends Fake {}

const token = (value: string): AccessToken => ({
  token: value,
  expiresOnTimestamp: Date.now() + HOUR,
  tokenType: "Bearer",
});

/** `@azure/identity`'s error: not a KvfetchError, recognised by its name. */
class ForeignCredentialUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialUnavailableError";
  }
}

/** An unsigned JWT (`alg: none`) with the given payload. */
function jwt(payload: Record<string, unknown>): string {
  const b64url = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(payload)}.`;
}

// --- ChainedTokenCredential ------------------------------------------------------------------

test("ChainedTokenCredential moves on after CredentialUnavailableError", async () => {
  const first = new Fake(new CredentialUnavailableError("no managed identity here"));
  const second = new Fake(token("second"));
  const third = new Fake(token("third"));
  const chain = new ChainedTokenCredential(first, second, third);
  const options: GetTokenOptions = { tenantId: TENANT, enableCae: true };
  assert.equal((await chain.getToken(SCOPE, options)).token, "second");
  assert.equal(first.calls.length, 1);
  assert.equal(second.calls.length, 1);
  assert.equal(third.calls.length, 0);
  assert.deepEqual(second.calls[0], { scopes: SCOPE, options }, "arguments passed through");
});

test("ChainedTokenCredential stops at an AuthenticationError", async () => {
  const refused = new AuthenticationError({
    message: "invalid_client",
    status: 401,
    error: "invalid_client",
  });
  const first = new Fake(refused);
  const second = new Fake(token("never"));
  const chain = new ChainedTokenCredential(first, second);
  await assert.rejects(chain.getToken(SCOPE), (error: unknown) => error === refused);
  assert.equal(second.calls.length, 0);

  // So does any other failure: a plain Error, or another KvfetchError.
  for (const failure of [new Error("boom"), new KvfetchError("ERR_NETWORK", "down")]) {
    const other = new Fake(token("never"));
    await assert.rejects(
      new ChainedTokenCredential(new Fake(failure), other).getToken(SCOPE),
      (error: unknown) => error === failure,
    );
    assert.equal(other.calls.length, 0);
  }
});

test("ChainedTokenCredential lists every reason when all are unavailable", async () => {
  const errors = [
    new CredentialUnavailableError("IMDS did not answer"),
    new ForeignCredentialUnavailableError("Azure CLI not installed"),
  ];
  const chain = new ChainedTokenCredential(
    new ManagedIdentityLike(errors[0]!),
    new CliLike(errors[1]!),
    new Fake(null),
  );
  await assert.rejects(chain.getToken(SCOPE), (error: unknown) => {
    assert.ok(error instanceof CredentialUnavailableError);
    assert.equal(error.code, "ERR_CREDENTIAL_UNAVAILABLE");
    assert.match(error.message, /No credential in the chain could get a token/);
    assert.match(error.message, /- ManagedIdentityLike: IMDS did not answer/);
    assert.match(error.message, /- CliLike: Azure CLI not installed/);
    assert.match(error.message, /- Fake: Fake returned no token/);
    const causes = error.cause as unknown[];
    assert.equal(causes.length, 3);
    assert.equal(causes[0], errors[0]);
    assert.equal(causes[1], errors[1]);
    assert.ok(causes[2] instanceof CredentialUnavailableError);
    return true;
  });
});

test("ChainedTokenCredential passes the turn on an error named CredentialUnavailableError", async () => {
  const foreign = new Fake(new ForeignCredentialUnavailableError("from @azure/identity"));
  const plain = Object.assign(new Error("plain object"), { name: "CredentialUnavailableError" });
  const alsoForeign = new Fake(plain);
  const last = new Fake(token("last"));
  const chain = new ChainedTokenCredential(foreign, alsoForeign, last);
  assert.equal((await chain.getToken(SCOPE)).token, "last");
  assert.equal(foreign.calls.length, 1);
  assert.equal(alsoForeign.calls.length, 1);
});

test("ChainedTokenCredential treats a credential returning null as unavailable", async () => {
  const empty = new Fake(null);
  const next = new Fake(token("next"));
  assert.equal((await new ChainedTokenCredential(empty, next).getToken(SCOPE)).token, "next");
  assert.equal(empty.calls.length, 1);

  // Plain objects work too.
  const literal: TokenCredential = { getToken: () => Promise.resolve(null) };
  await assert.rejects(
    new ChainedTokenCredential(literal).getToken(SCOPE),
    (error: unknown) =>
      error instanceof CredentialUnavailableError && /returned no token/.test(error.message),
  );
});

test("ChainedTokenCredential asks the credential that last succeeded first", async () => {
  const first = new Fake(new CredentialUnavailableError("not yet"));
  const second = new Fake(token("second"));
  const chain = new ChainedTokenCredential(first, second);
  await chain.getToken(SCOPE);
  assert.deepEqual([first.calls.length, second.calls.length], [1, 1]);

  // First is now available, but second succeeded last time: second is asked first.
  first.outcome = token("first");
  assert.equal((await chain.getToken(SCOPE)).token, "second");
  assert.deepEqual([first.calls.length, second.calls.length], [1, 2]);

  // When the preferred one becomes unavailable, the others are tried in order, and the
  // winner becomes preferred.
  second.outcome = new CredentialUnavailableError("gone");
  assert.equal((await chain.getToken(SCOPE)).token, "first");
  assert.deepEqual([first.calls.length, second.calls.length], [2, 3]);
  assert.equal((await chain.getToken(SCOPE)).token, "first");
  assert.deepEqual([first.calls.length, second.calls.length], [3, 3]);
});

test("ChainedTokenCredential refuses an empty chain and non-credentials", () => {
  assert.throws(() => new ChainedTokenCredential(), TypeError);
  assert.throws(() => new ChainedTokenCredential({} as never), TypeError);
  assert.throws(() => new ChainedTokenCredential(new Fake(null), undefined as never), TypeError);
});

test("ChainedTokenCredential chains kvfetch credentials for real", async () => {
  clearTokenCache();
  const expired = new StaticTokenCredential({ token: "old", expiresOnTimestamp: 1 });
  const valid = new StaticTokenCredential({ token: "new", expiresOnTimestamp: Date.now() + HOUR });
  const chain = new ChainedTokenCredential(expired, valid);
  assert.equal((await chain.getToken(SCOPE)).token, "new");
});

// --- StaticTokenCredential -------------------------------------------------------------------

test("StaticTokenCredential returns the token while it is valid", async () => {
  let now = 1_800_000_000_000;
  const credential = new StaticTokenCredential(
    { token: "opaque-token", expiresOnTimestamp: now + 60_000 },
    { now: () => now },
  );
  const first = await credential.getToken(SCOPE);
  assert.deepEqual(first, {
    token: "opaque-token",
    expiresOnTimestamp: now + 60_000,
    tokenType: "Bearer",
  });
  // Callers cannot change the credential's token through the returned object.
  first.token = "tampered";
  assert.equal((await credential.getToken([SCOPE, "other"])).token, "opaque-token");

  now += 60_000;
  await assert.rejects(credential.getToken(SCOPE), (error: unknown) => {
    assert.ok(error instanceof CredentialUnavailableError);
    assert.equal(error.code, "ERR_CREDENTIAL_UNAVAILABLE");
    assert.match(error.message, /expired/);
    assert.ok(!error.message.includes("opaque-token"));
    return true;
  });
});

test("StaticTokenCredential reads the expiry of a JWT from its exp claim", async () => {
  const exp = 1_800_000_000;
  const token = jwt({ aud: "https://vault.azure.net", exp, tid: TENANT });
  let now = exp * 1000 - 1;
  const fromString = new StaticTokenCredential(token, { now: () => now });
  const result = await fromString.getToken(SCOPE);
  assert.equal(result.token, token);
  assert.equal(result.expiresOnTimestamp, exp * 1000);
  // An object without expiresOnTimestamp also reads exp.
  const fromObject = new StaticTokenCredential({ token }, { now: () => now });
  assert.equal((await fromObject.getToken(SCOPE)).expiresOnTimestamp, exp * 1000);
  // An explicit expiry wins over exp.
  const explicit = new StaticTokenCredential({ token, expiresOnTimestamp: 42 });
  await assert.rejects(explicit.getToken(SCOPE), CredentialUnavailableError);

  now = exp * 1000;
  await assert.rejects(fromString.getToken(SCOPE), CredentialUnavailableError);
});

test("StaticTokenCredential refuses a token without a known expiry", () => {
  const bad: unknown[] = [
    "opaque-token",
    { token: "opaque-token" },
    { token: "opaque-token", expiresOnTimestamp: Number.NaN },
    { token: "opaque-token", expiresOnTimestamp: "tomorrow" },
    jwt({ aud: "https://vault.azure.net" }), // a JWT without exp
    jwt({ exp: "soon" }),
  ];
  for (const value of bad) {
    assert.throws(
      () => new StaticTokenCredential(value as never),
      (error: unknown) => error instanceof TypeError && /expiresOnTimestamp/.test(error.message),
      JSON.stringify(value),
    );
  }
  for (const value of ["", "  ", undefined, null, { token: "" }, { token: 42 }]) {
    assert.throws(() => new StaticTokenCredential(value as never), TypeError);
  }
});

test("StaticTokenCredential checks the scopes and honours an aborted signal", async () => {
  const credential = new StaticTokenCredential({
    token: "t",
    expiresOnTimestamp: Date.now() + HOUR,
  });
  // Failures arrive as rejections, never as synchronous throws.
  for (const scopes of [[], "", ["a b"], [42]]) {
    await assert.rejects(credential.getToken(scopes as never), TypeError, JSON.stringify(scopes));
  }
  const reason = new Error("stop");
  await assert.rejects(
    credential.getToken(SCOPE, { abortSignal: AbortSignal.abort(reason) }),
    (error: unknown) => error === reason,
  );
});

// --- ChallengeCallbackCredential -------------------------------------------------------------

/** A callback that records what it was told and answers with `answer(n)`. */
function recordingCallback(answer: (n: number) => unknown) {
  const seen: ChallengeContext[] = [];
  const fn = (context: ChallengeContext) => {
    seen.push(context);
    return answer(seen.length) as string | AccessToken;
  };
  return Object.assign(fn, { seen });
}

function contextFields(c: ChallengeContext) {
  const { authority, resource, scope, tenantId, claims, scopes } = c;
  return { authority, resource, scope, tenantId, claims, scopes };
}

test("ChallengeCallbackCredential hands the callback what the Key Vault challenge said", async () => {
  clearTokenCache();
  const callback = recordingCallback((n) => ({
    token: `t${n}`,
    expiresOnTimestamp: Date.now() + HOUR,
  }));
  const credential = new ChallengeCallbackCredential(callback);
  const challenge = {
    authority: `https://login.microsoftonline.com/${TENANT}`,
    resource: "https://vault.azure.net",
    scope: SCOPE,
    tenantId: TENANT,
  };
  const controller = new AbortController();
  const result = await credential.getToken([SCOPE], {
    challenge,
    abortSignal: controller.signal,
  });
  assert.equal(result.token, "t1");
  assert.equal(callback.seen.length, 1);
  assert.deepEqual(contextFields(callback.seen[0]!), {
    ...challenge,
    claims: undefined,
    scopes: [SCOPE],
  });
  assert.equal(callback.seen[0]!.abortSignal, controller.signal);
});

test("ChallengeCallbackCredential builds the authority from the cloud and tenant without a challenge", async () => {
  clearTokenCache();
  const answer = () => ({ token: "x", expiresOnTimestamp: Date.now() + HOUR });
  const publicCloud = recordingCallback(answer);
  await new ChallengeCallbackCredential(publicCloud).getToken(SCOPE, { tenantId: TENANT });
  assert.deepEqual(contextFields(publicCloud.seen[0]!), {
    authority: `https://login.microsoftonline.com/${TENANT}`,
    resource: "https://vault.azure.net",
    scope: SCOPE,
    tenantId: TENANT,
    claims: undefined,
    scopes: [SCOPE],
  });

  const china = recordingCallback(answer);
  const chinaScope = `${AzureClouds.china.keyVaultAudience}/.default`;
  await new ChallengeCallbackCredential(china, { cloud: "china" })
    .getToken(chinaScope, { tenantId: TENANT });
  assert.equal(china.seen[0]!.authority, `${AzureClouds.china.authorityHost}/${TENANT}`);
  assert.equal(china.seen[0]!.resource, AzureClouds.china.keyVaultAudience);

  // No tenant at all: the bare authority host.
  const bare = recordingCallback(answer);
  await new ChallengeCallbackCredential(bare).getToken(SCOPE);
  assert.equal(bare.seen[0]!.authority, "https://login.microsoftonline.com");
  assert.equal(bare.seen[0]!.tenantId, "");
});

test("ChallengeCallbackCredential caches an AccessToken until it nears expiry", async () => {
  clearTokenCache();
  let now = 1_800_000_000_000;
  const callback = recordingCallback((n) => ({
    token: `t${n}`,
    expiresOnTimestamp: now + HOUR,
  }));
  const credential = new ChallengeCallbackCredential(callback, { now: () => now });
  assert.equal((await credential.getToken(SCOPE, { tenantId: TENANT })).token, "t1");
  assert.equal((await credential.getToken(SCOPE, { tenantId: TENANT })).token, "t1");
  assert.equal(callback.seen.length, 1, "called once for two calls");

  // Another tenant is another token.
  assert.equal((await credential.getToken(SCOPE, { tenantId: "other-tenant" })).token, "t2");
  assert.equal(callback.seen.length, 2);

  // Past expiry, the callback is asked again.
  now += HOUR;
  assert.equal((await credential.getToken(SCOPE, { tenantId: TENANT })).token, "t3");
  assert.equal(callback.seen.length, 3);
});

test("ChallengeCallbackCredential caches a JWT string by its exp claim", async () => {
  clearTokenCache();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const callback = recordingCallback(() => jwt({ exp }));
  const credential = new ChallengeCallbackCredential(callback);
  const first = await credential.getToken(SCOPE);
  assert.equal(first.expiresOnTimestamp, exp * 1000);
  await credential.getToken(SCOPE);
  assert.equal(callback.seen.length, 1);
});

test("ChallengeCallbackCredential asks again every time for an opaque string token", async () => {
  clearTokenCache();
  const callback = recordingCallback((n) => `opaque-${n}`);
  const credential = new ChallengeCallbackCredential(callback);
  assert.equal((await credential.getToken(SCOPE)).token, "opaque-1");
  assert.equal((await credential.getToken(SCOPE)).token, "opaque-2");
  assert.equal((await credential.getToken(SCOPE)).token, "opaque-3");
  assert.equal(callback.seen.length, 3);
});

test("ChallengeCallbackCredential bypasses the cache for claims", async () => {
  clearTokenCache();
  const callback = recordingCallback((n) => ({
    token: `t${n}`,
    expiresOnTimestamp: Date.now() + HOUR,
  }));
  let now = Date.now();
  const credential = new ChallengeCallbackCredential(callback, { now: () => now });
  await credential.getToken(SCOPE);
  const claims = JSON.stringify({ access_token: { nbf: { essential: true, value: "1" } } });
  assert.equal((await credential.getToken(SCOPE, { claims })).token, "t2");
  assert.equal(callback.seen[1]!.claims, claims);
  // Within FORCED_REUSE_MS, the same claims get the token just fetched for them.
  assert.equal((await credential.getToken(SCOPE, { claims })).token, "t2");
  now += 5_001;

  // Claims carried by the challenge itself count too.
  const challenge = {
    authority: "https://login.microsoftonline.com",
    resource: "https://vault.azure.net",
    scope: SCOPE,
    tenantId: "",
    claims,
  };
  assert.equal((await credential.getToken(SCOPE, { challenge })).token, "t3");
  assert.equal(callback.seen[2]!.claims, claims);

  // The claims token replaced the refused one in the cache.
  assert.equal((await credential.getToken(SCOPE)).token, "t3");
  assert.equal(callback.seen.length, 3);
  // forceRefresh bypasses too.
  assert.equal((await credential.getToken(SCOPE, { forceRefresh: true })).token, "t4");
});

test("ChallengeCallbackCredential fails with CredentialUnavailableError when the callback returns garbage", async () => {
  clearTokenCache();
  const garbage: unknown[] = [
    undefined,
    null,
    42,
    "",
    "   ",
    {},
    { token: "x" },
    { token: 42, expiresOnTimestamp: Date.now() + HOUR },
    { token: "x", expiresOnTimestamp: "tomorrow" },
  ];
  for (const value of garbage) {
    const credential = new ChallengeCallbackCredential(() => value as never);
    await assert.rejects(
      credential.getToken(SCOPE),
      (error: unknown) =>
        error instanceof CredentialUnavailableError && error.code === "ERR_CREDENTIAL_UNAVAILABLE",
      JSON.stringify(value),
    );
  }
  // A Promise of garbage too; and a callback's own error passes through unchanged.
  await assert.rejects(
    new ChallengeCallbackCredential(() => Promise.resolve(null as never)).getToken(SCOPE),
    CredentialUnavailableError,
  );
  const own = new Error("token service down");
  await assert.rejects(
    new ChallengeCallbackCredential(() => Promise.reject(own)).getToken(SCOPE),
    (error: unknown) => error === own,
  );
});

test("ChallengeCallbackCredential refuses a non-function callback and bad scopes", async () => {
  assert.throws(() => new ChallengeCallbackCredential("cb" as never), TypeError);
  const callback = recordingCallback(() => "never");
  const credential = new ChallengeCallbackCredential(callback);
  // Failures arrive as rejections, never as synchronous throws.
  for (const scopes of [[], "", ["a b"], [42]]) {
    await assert.rejects(credential.getToken(scopes as never), TypeError, JSON.stringify(scopes));
  }
  const reason = new Error("stop");
  await assert.rejects(
    credential.getToken(SCOPE, { abortSignal: AbortSignal.abort(reason) }),
    (error: unknown) => error === reason,
  );
  assert.equal(callback.seen.length, 0);
});
