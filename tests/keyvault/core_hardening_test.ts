/**
 * The shared request path under concurrency, cancellation and hostile challenges: forced
 * refreshes and probes are shared (and so are their failures), waiters can abort, and one
 * client's transport, pre-seed or opt-out never changes what another client sees.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  clearCaches,
  ClientSecretCredential,
  type FetchLike,
  KvfetchError,
  ManagedIdentityCredential,
  RestError,
  SecretClient,
  type SecretClientOptions,
} from "../../mod.ts";
import { json } from "../_fetch.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "00000000-0000-0000-0000-000000000001";
const CHALLENGE =
  `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`;
const noRetry = { maxRetries: 0 };

const vault = () => `https://kv${crypto.randomUUID().slice(0, 8)}.vault.azure.net`;

interface WorldOptions {
  /** The challenge the vault sends to token-less requests. */
  challenge?: string;
  /** Answers to token-less requests instead of the challenge (e.g. a 503, or a throw). */
  probe?: () => Response | Promise<Response>;
  /** Holds token responses until it resolves. */
  tokenGate?: Promise<void>;
  /** Holds probe responses until it resolves. */
  probeGate?: Promise<void>;
}

/**
 * Entra and one vault behind one fetch: tokens `token-1`, `token-2`, …; the vault refuses
 * revoked tokens with a 401 (plain, or CAE when `cae` is set) and serves a secret otherwise.
 */
function world(url: string, options: WorldOptions = {}) {
  let issued = 0;
  const tokenPosts: URLSearchParams[] = [];
  const probes: string[] = [];
  const sent: string[] = [];
  const revoked = new Set<string>();
  let cae: string | undefined;
  const fetch: FetchLike = async (target, init) => {
    const u = new URL(target);
    if (u.hostname === "login.microsoftonline.com") {
      tokenPosts.push(new URLSearchParams(String(init.body)));
      await options.tokenGate;
      return json(200, {
        token_type: "Bearer",
        expires_in: 3599,
        access_token: `token-${++issued}`,
      });
    }
    const auth = new Headers(init.headers).get("authorization");
    if (!auth) {
      probes.push(u.pathname);
      await options.probeGate;
      if (options.probe) return await options.probe();
      return json(401, { error: { code: "Unauthorized", message: "AKV10000" } }, {
        "www-authenticate": options.challenge ?? CHALLENGE,
      });
    }
    const token = auth.slice(7);
    sent.push(token);
    if (revoked.has(token)) {
      const header = cae
        ? `Bearer authorization="https://login.microsoftonline.com/${TENANT}", error="insufficient_claims", claims="${
          btoa(cae)
        }"`
        : CHALLENGE;
      return json(401, { error: { code: "Unauthorized", message: "revoked" } }, {
        "www-authenticate": header,
      });
    }
    return json(200, {
      value: "v",
      id: `${url}/secrets/db/0123456789abcdef0123456789abcdef`,
      attributes: { enabled: true },
    });
  };
  const credential = new ClientSecretCredential({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: "a-client-secret-value",
    fetch,
  });
  const client = (extra: SecretClientOptions = {}) =>
    new SecretClient(url, credential, { fetch, retry: noRetry, ...extra });
  return {
    fetch,
    credential,
    client,
    tokenPosts,
    probes,
    sent,
    revoke: (token: string, claims?: string) => {
      revoked.add(token);
      cae = claims;
    },
  };
}

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test("20 callers refused on the same revoked token cause one token request", async () => {
  const url = vault();
  const w = world(url);
  const c = w.client();
  await c.getSecret("db");
  assert.equal(w.tokenPosts.length, 1);
  w.revoke("token-1");
  const results = await Promise.all(Array.from({ length: 20 }, () => c.getSecret("db")));
  assert.equal(results.length, 20);
  assert.equal(w.tokenPosts.length, 2, "one forced refresh for all of them");
  assert.ok(w.sent.slice(-20).every((t) => t === "token-2"));
});

test("20 callers refused with the same CAE claims cause one claims token request", async () => {
  const url = vault();
  const w = world(url);
  const c = w.client();
  await c.getSecret("db");
  const claims = '{"access_token":{"nbf":{"essential":true,"value":"1726077595"}}}';
  w.revoke("token-1", claims);
  await Promise.all(Array.from({ length: 20 }, () => c.getSecret("db")));
  assert.equal(w.tokenPosts.length, 2);
  assert.match(w.tokenPosts[1]!.get("claims")!, /"nbf"/);
  assert.match(w.tokenPosts[1]!.get("claims")!, /"cp1"/);
});

test("concurrent forceRefresh and claims getToken calls share their request per claims", async () => {
  const w = world(vault());
  const scope = "https://vault.azure.net/.default";
  await Promise.all(
    Array.from({ length: 10 }, () => w.credential.getToken(scope, { forceRefresh: true })),
  );
  assert.equal(w.tokenPosts.length, 1);
  const a = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}';
  const b = '{"access_token":{"nbf":{"essential":true,"value":"2"}}}';
  await Promise.all([
    ...Array.from({ length: 5 }, () => w.credential.getToken(scope, { claims: a })),
    ...Array.from({ length: 5 }, () => w.credential.getToken(scope, { claims: b })),
  ]);
  assert.equal(w.tokenPosts.length, 3, "one request per distinct claims");
});

test("a failed shared probe fails every waiter with it, one request in all", async () => {
  const url = vault();
  const down = gate();
  const w = world(url, {
    probeGate: down.promise,
    probe: () => Promise.reject(new TypeError("connection reset")),
  });
  const c = w.client();
  const calls = Array.from({ length: 5 }, () => c.getSecret("db"));
  down.open();
  const outcomes = await Promise.allSettled(calls);
  assert.equal(w.probes.length, 1, "one probe, not one per caller");
  for (const outcome of outcomes) {
    assert.equal(outcome.status, "rejected");
    const error = (outcome as PromiseRejectedResult).reason;
    assert.ok(error instanceof KvfetchError && error.code === "ERR_NETWORK", String(error));
  }
  assert.equal(w.tokenPosts.length, 0);
});

test("a shared probe answered 503 fails its waiters with that status, not a probe each", async () => {
  const url = vault();
  const slow = gate();
  const w = world(url, {
    probeGate: slow.promise,
    probe: () => json(503, { error: { code: "ServiceUnavailable", message: "busy" } }),
  });
  const c = w.client();
  const calls = Array.from({ length: 4 }, () => c.getSecret("db"));
  slow.open();
  const outcomes = await Promise.allSettled(calls);
  assert.equal(w.probes.length, 1);
  for (const outcome of outcomes) {
    const error = (outcome as PromiseRejectedResult).reason;
    assert.ok(error instanceof RestError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.errorCode, "ServiceUnavailable");
  }
});

test("a failure before any token request is not pinned: the next call probes again", async () => {
  const url = vault();
  let foreign = true;
  const w = world(url, {
    probe: () =>
      json(401, {}, {
        "www-authenticate": foreign
          ? `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://evil.example"`
          : CHALLENGE,
      }),
  });
  const c = w.client();
  await assert.rejects(
    c.getSecret("db"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CHALLENGE_RESOURCE_MISMATCH",
  );
  foreign = false;
  assert.equal((await c.getSecret("db")).value, "v");
  assert.equal(w.probes.length, 2);
});

test("a caller's signal aborts its wait on a shared probe; the probe goes on for the others", async () => {
  const url = vault();
  const slow = gate();
  const w = world(url, { probeGate: slow.promise });
  const c = w.client();
  const initiator = new AbortController();
  const waiter = new AbortController();
  const first = c.getSecret("db", { signal: initiator.signal });
  const second = c.getSecret("db", { signal: waiter.signal });
  const third = c.getSecret("db");
  const reason = new Error("the waiter gave up");
  waiter.abort(reason);
  await assert.rejects(second, (e: unknown) => e === reason);
  initiator.abort(new Error("the initiator gave up too"));
  await assert.rejects(first, /the initiator gave up too/);
  slow.open();
  assert.equal((await third).value, "v", "the shared probe was not cancelled by either");
  assert.equal(w.probes.length, 1);
});

test("a caller's signal aborts its wait on a shared token request", async () => {
  const url = vault();
  const slow = gate();
  const w = world(url, { tokenGate: slow.promise });
  const c = w.client();
  const waiter = new AbortController();
  const first = c.getSecret("db");
  const second = c.getSecret("db", { signal: waiter.signal });
  // Let both reach the token cache.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const reason = new Error("stop waiting for the token");
  waiter.abort(reason);
  await assert.rejects(second, (e: unknown) => e === reason);
  slow.open();
  assert.equal((await first).value, "v");
  assert.equal(w.tokenPosts.length, 1);
});

test("a challenge learned through one fetch is not used by a client with another", async () => {
  const url = vault();
  const a = world(url);
  const b = world(url);
  await a.client().getSecret("db");
  await b.client().getSecret("db");
  assert.equal(a.probes.length, 1);
  assert.equal(b.probes.length, 1, "client b learned its own challenge");
});

test("a pre-seeded challenge stays with its client", async () => {
  const url = vault();
  const w = world(url);
  await w.client({
    challenge: { tenantId: TENANT, scope: "https://vault.azure.net/.default" },
  }).getSecret("db");
  assert.equal(w.probes.length, 0);
  await w.client().getSecret("db");
  assert.equal(w.probes.length, 1, "another client probes: the seed was not shared");
});

test("a challenge accepted without verification never reaches a verifying client", async () => {
  const url = vault();
  const foreign =
    `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://other.example"`;
  const w = world(url, { challenge: foreign });
  await w.client({ disableChallengeResourceVerification: true }).getSecret("db");
  const strict = w.client();
  const posts = w.tokenPosts.length;
  await assert.rejects(
    strict.getSecret("db"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CHALLENGE_RESOURCE_MISMATCH",
  );
  assert.equal(w.probes.length, 2, "the verifying client probed for itself");
  assert.equal(w.tokenPosts.length, posts, "and asked for no token");
});

test("clearCaches() forgets learned challenges and tokens", async () => {
  const url = vault();
  const w = world(url);
  await w.client().getSecret("db");
  clearCaches();
  await w.client().getSecret("db");
  assert.equal(w.probes.length, 2);
  assert.equal(w.tokenPosts.length, 2);
});

test("the scope asked for is built from the verified resource", async () => {
  const url = vault();
  const seen: string[] = [];
  const credential = {
    getToken(scopes: string | string[]): Promise<AccessToken> {
      seen.push([scopes].flat().join(" "));
      return Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 60_000 });
    },
  };
  const answer = (resource: string): FetchLike => (_url, init) =>
    Promise.resolve(
      new Headers(init.headers).has("authorization")
        ? json(200, { id: `${url}/secrets/db/0123456789abcdef0123456789abcdef` })
        : json(401, {}, {
          "www-authenticate":
            `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="${resource}"`,
        }),
    );
  await new SecretClient(url, credential, { fetch: answer("https://VAULT.azure.net:443/") })
    .getSecret("db");
  assert.deepEqual(seen, ["https://vault.azure.net/.default"]);
  for (
    const resource of [
      "https://vault.azure.net/extra",
      "https://user@vault.azure.net",
      "https://vault.azure.net https://evil.example",
      "https://vault.azure.net?x=1",
    ]
  ) {
    await assert.rejects(
      new SecretClient(url, credential, { fetch: answer(resource) }).getSecret("db"),
      (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CHALLENGE_INVALID",
      resource,
    );
  }
  assert.equal(seen.length, 1, "the credential was never called for a bad resource");
});

test("a token that cannot go into a header is a coded error that does not show it", async () => {
  const url = vault();
  const bad = "eyJhbGciOi.secret-part\r\nx-injected: 1";
  let sentWithToken = 0;
  const fetch: FetchLike = (_url, init) => {
    if (new Headers(init.headers).has("authorization")) sentWithToken++;
    return Promise.resolve(json(401, {}, { "www-authenticate": CHALLENGE }));
  };
  for (const token of [bad, "tøken-non-ascii", "with space"]) {
    const credential = {
      getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 60_000 }),
    };
    await assert.rejects(
      new SecretClient(url, credential, { fetch }).getSecret("db"),
      (e: unknown) => {
        assert.ok(e instanceof KvfetchError);
        assert.equal(e.code, "ERR_INVALID_TOKEN");
        assert.ok(!e.message.includes(token) && !String(e.stack).includes("secret-part"));
        return true;
      },
    );
  }
  assert.equal(sentWithToken, 0);
});

test("a managed identity verdict learned through one fetch does not reach another", async () => {
  const refused: FetchLike = () => Promise.reject(new TypeError("connection refused"));
  const off = new ManagedIdentityCredential({ fetch: refused, retry: noRetry });
  await assert.rejects(
    off.getToken("https://vault.azure.net/.default"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_CREDENTIAL_UNAVAILABLE",
  );
  const imds: FetchLike = () =>
    Promise.resolve(json(200, { access_token: "mi-token", expires_in: "3599" }));
  const on = new ManagedIdentityCredential({ fetch: imds, retry: noRetry });
  assert.equal((await on.getToken("https://vault.azure.net/.default")).token, "mi-token");
});

test("App Service managed identity: a wrong IDENTITY_HEADER never gets the right one's token", async () => {
  const fetch: FetchLike = (_url, init) => {
    const header = new Headers(init.headers).get("x-identity-header");
    return Promise.resolve(
      header === "right-header"
        ? json(200, {
          access_token: "app-token",
          expires_on: `${Math.floor(Date.now() / 1000) + 3600}`,
        })
        : json(401, { error: "invalid_request", error_description: "bad header" }),
    );
  };
  const env = (header: string) => ({
    IDENTITY_ENDPOINT: "http://127.0.0.1:41234/msi/token",
    IDENTITY_HEADER: header,
  });
  const right = new ManagedIdentityCredential({ env: env("right-header"), fetch, retry: noRetry });
  assert.equal((await right.getToken("https://vault.azure.net/.default")).token, "app-token");
  const wrong = new ManagedIdentityCredential({ env: env("wrong-header"), fetch, retry: noRetry });
  await assert.rejects(
    wrong.getToken("https://vault.azure.net/.default"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_AUTHENTICATION",
  );
});

test("a tenant the credential may not use fails without pinning anything", async () => {
  const url = vault();
  const other = "11111111-1111-1111-1111-111111111111";
  let tenant = other;
  const w = world(url, {
    probe: () =>
      json(401, {}, {
        "www-authenticate":
          `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="https://vault.azure.net"`,
      }),
  });
  const c = w.client();
  await assert.rejects(
    c.getSecret("db"),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_TENANT_NOT_ALLOWED",
  );
  // The vault was moved back: learning again works, nothing stayed pinned.
  clearCaches();
  tenant = TENANT;
  assert.equal((await c.getSecret("db")).value, "v");
});

test("a vault that echoes the bearer token in an error never gets it into the RestError", async () => {
  const url = vault();
  const token = "eyJ0eXAiOiJKV1QifQ.eyJzZWNyZXQiOnRydWV9.c2lnbmF0dXJlLXBhcnQ";
  const fetch: FetchLike = (_url, init) => {
    const auth = new Headers(init.headers).get("authorization");
    return Promise.resolve(
      auth
        ? json(400, {
          error: { code: "BadParameter", message: `Header '${auth}' is not accepted` },
        })
        : json(401, {}, { "www-authenticate": CHALLENGE }),
    );
  };
  const credential = {
    getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 60_000 }),
  };
  await assert.rejects(
    new SecretClient(url, credential, { fetch }).getSecret("db"),
    (e: unknown) => {
      assert.ok(e instanceof RestError && e.status === 400);
      const texts = [e.message, String(e.stack), JSON.stringify(e), JSON.stringify({ ...e })];
      for (const text of texts) assert.ok(!text.includes(token), text);
      assert.match(e.message, /\[REDACTED\]/);
      return true;
    },
  );
});

test("waiters on a probe that was answered without a challenge send their own requests", async () => {
  const url = vault();
  const slow = gate();
  let answered = 0;
  const w = world(url, {
    probeGate: slow.promise,
    probe: () =>
      json(200, {
        value: `open-${++answered}`,
        id: `${url}/secrets/db/0123456789abcdef0123456789abcdef`,
      }),
  });
  const c = w.client();
  const calls = Array.from({ length: 3 }, () => c.getSecret("db"));
  slow.open();
  const values = (await Promise.all(calls)).map((s) => s.value).sort();
  assert.deepEqual(values, ["open-1", "open-2", "open-3"], "each got its own answer");
  assert.equal(w.probes.length, 3);
  assert.equal(w.tokenPosts.length, 0);
});
