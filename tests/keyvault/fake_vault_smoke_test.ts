/**
 * Proves tests/_fake_vault.ts speaks the Key Vault secrets protocol, using raw `fetch` only
 * (no kvfetch client code): the fake runs on a real loopback socket and is reached as
 * `https://myvault.vault.azure.net` through tests/_route.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CAE_CLAIMS,
  FAKE_TENANT_ID,
  FAKE_VAULT_URL,
  type FakeVault,
  fakeVault,
  type FakeVaultOptions,
} from "../_fake_vault.ts";
import { serve } from "../_loopback.ts";
import { type RoutedFetch, routedFetch } from "../_route.ts";

const API = "7.6";
const TOKEN = "token-1";
const VERSION = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const T0 = 1_764_000_000_000; // ms

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

interface Call {
  body?: unknown;
  token?: string | null;
  apiVersion?: string | null;
  headers?: Record<string, string>;
}

interface Harness {
  fake: FakeVault;
  fetch: RoutedFetch;
  /** Sends to `https://myvault.vault.azure.net<path>` with api-version and a token. */
  kv(method: string, path: string, call?: Call): Promise<Reply>;
  /** Follows a URL as-is (a nextLink), with a token. */
  get(url: string): Promise<Reply>;
  clock: { ms: number };
}

async function read(response: Response): Promise<Reply> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

/** Runs `fn` against a fresh fake on a loopback socket, closing it afterwards. */
async function withVault(
  options: FakeVaultOptions,
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const clock = { ms: T0 };
  const fake = fakeVault({ now: () => clock.ms, ...options });
  const server = await serve(fake.handler);
  const fetch = routedFetch({ [FAKE_VAULT_URL]: server.origin });
  const kv = async (method: string, path: string, call: Call = {}): Promise<Reply> => {
    const url = new URL(`${FAKE_VAULT_URL}${path}`);
    const apiVersion = call.apiVersion === undefined ? API : call.apiVersion;
    if (apiVersion !== null) url.searchParams.set("api-version", apiVersion);
    const headers: Record<string, string> = { ...call.headers };
    const token = call.token === undefined ? TOKEN : call.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(call.body);
    }
    return await read(await fetch(url.toString(), { method, headers, body }));
  };
  const get = async (url: string) =>
    await read(await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } }));
  try {
    await fn({ fake, fetch, kv, get, clock });
  } finally {
    await server.close();
  }
}

function assertServiceHeaders(reply: Reply): void {
  assert.equal(reply.headers.get("content-type"), "application/json; charset=utf-8");
  assert.match(reply.headers.get("x-ms-request-id") ?? "", UUID);
  assert.ok(reply.headers.get("x-ms-keyvault-service-version"));
  assert.ok(reply.headers.get("x-ms-keyvault-region"));
}

test("fake vault: a token-less request gets the Key Vault 401 challenge", async () => {
  await withVault({}, async ({ fake, kv }) => {
    const reply = await kv("PUT", "/secrets/s1", {
      token: null,
      headers: { "x-ms-client-request-id": "req-1" },
    });
    assert.equal(reply.status, 401);
    assert.deepEqual(reply.json, {
      error: {
        code: "Unauthorized",
        message: "AKV10000: Request is missing a Bearer or PoP token.",
      },
    });
    assert.equal(
      reply.headers.get("www-authenticate"),
      `Bearer authorization="https://login.microsoftonline.com/${FAKE_TENANT_ID}", resource="https://vault.azure.net"`,
    );
    assertServiceHeaders(reply);
    assert.equal(reply.headers.get("x-ms-client-request-id"), "req-1");

    const seen = fake.requests[0]!;
    assert.equal(seen.method, "PUT");
    assert.equal(seen.path, "/secrets/s1");
    assert.equal(seen.operation, "SetSecret");
    assert.equal(seen.authorization, null);
    assert.equal(seen.body, "");
    assert.equal(seen.contentLength, "0");
    assert.equal(seen.apiVersion, API);
    assert.equal(seen.status, 401);
    assert.deepEqual(fake.apiVersions, [API]);
    assert.deepEqual(fake.names(), []);
  });
});

test("fake vault: a rejected token gets the challenge again; challenge forms are configurable", async () => {
  await withVault({ acceptToken: (t) => t === "good" }, async ({ kv }) => {
    const wrong = await kv("GET", "/secrets/s1", { token: "bad" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, "Unauthorized");
    assert.match(wrong.headers.get("www-authenticate") ?? "", /^Bearer authorization="/);
    const right = await kv("GET", "/secrets/s1", { token: "good" });
    assert.equal(right.status, 404);
  });
  await withVault(
    {
      challengeStyle: "authorization_uri",
      tenantId: "tenant-a",
      resource: "https://vault.azure.cn",
    },
    async ({ kv }) => {
      const reply = await kv("GET", "/secrets", { token: null });
      assert.equal(
        reply.headers.get("www-authenticate"),
        'Bearer authorization_uri="https://login.microsoftonline.com/tenant-a", resource="https://vault.azure.cn"',
      );
    },
  );
  await withVault({ challengeStyle: "scope", tenantId: "tenant-a" }, async ({ kv }) => {
    const reply = await kv("GET", "/secrets", { token: null });
    assert.equal(
      reply.headers.get("www-authenticate"),
      'Bearer authorization="https://login.microsoftonline.com/tenant-a", scope="https://vault.azure.net/.default"',
    );
  });
});

test("fake vault: api-version is required", async () => {
  await withVault({}, async ({ kv }) => {
    const reply = await kv("GET", "/secrets", { apiVersion: null });
    assert.equal(reply.status, 400);
    assert.equal(reply.json.error.code, "BadParameter");
    assert.match(reply.json.error.message, /'api-version' query parameter is required/);
    assertServiceHeaders(reply);
  });
  await withVault({ apiVersions: ["7.5", "7.6"] }, async ({ kv }) => {
    const reply = await kv("GET", "/secrets", { apiVersion: "9.9" });
    assert.equal(reply.status, 400);
    assert.match(reply.json.error.message, /\(9\.9\) is not recognized/);
  });
});

test("fake vault: set, get (latest, trailing slash, version), update, versions", async () => {
  await withVault({}, async ({ fake, kv, clock }) => {
    const set = await kv("PUT", "/secrets/app-db", {
      body: {
        value: "hunter2",
        contentType: "text/plain",
        tags: { env: "test" },
        attributes: { enabled: true, exp: 1_900_000_000 },
      },
    });
    assert.equal(set.status, 200);
    assertServiceHeaders(set);
    const created = Math.floor(T0 / 1000);
    const version = set.json.id.split("/").pop();
    assert.match(version, VERSION);
    assert.deepEqual(set.json, {
      value: "hunter2",
      contentType: "text/plain",
      id: `https://myvault.vault.azure.net/secrets/app-db/${version}`,
      attributes: {
        enabled: true,
        exp: 1_900_000_000,
        created,
        updated: created,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
      },
      tags: { env: "test" },
    });
    assert.equal(JSON.parse(fake.requests[0]!.body).value, "hunter2");
    assert.equal(fake.requests[0]!.contentType, "application/json");

    for (const path of ["/secrets/app-db", "/secrets/app-db/", `/secrets/app-db/${version}`]) {
      const got = await kv("GET", path);
      assert.equal(got.status, 200, path);
      assert.deepEqual(got.json, set.json, path);
    }
    assert.equal((await kv("GET", "/secrets/APP-DB")).json.value, "hunter2", "names ignore case");

    clock.ms += 5_000;
    const updated = await kv("PATCH", `/secrets/app-db/${version}`, {
      body: { contentType: "application/json", tags: {}, attributes: { enabled: false } },
    });
    assert.equal(updated.status, 200);
    assert.equal("value" in updated.json, false);
    assert.equal(updated.json.contentType, "application/json");
    assert.deepEqual(updated.json.tags, {});
    assert.equal(updated.json.attributes.enabled, false);
    assert.equal(updated.json.attributes.updated, created + 5);
    assert.equal(updated.json.attributes.created, created);

    const disabled = await kv("GET", "/secrets/app-db");
    assert.equal(disabled.status, 403);
    assert.equal(disabled.json.error.innererror.code, "SecretDisabled");
    await kv("PATCH", "/secrets/app-db/", { body: { attributes: { enabled: true } } });
    assert.equal((await kv("GET", "/secrets/app-db")).json.value, "hunter2", "value unchanged");

    const second = await kv("PUT", "/secrets/app-db", { body: { value: "hunter3" } });
    assert.notEqual(second.json.id, set.json.id);
    assert.equal("tags" in second.json, false, "a new version does not inherit tags");
    assert.equal((await kv("GET", "/secrets/app-db")).json.value, "hunter3");
    assert.equal((await kv("GET", `/secrets/app-db/${version}`)).json.value, "hunter2");

    const versions = await kv("GET", "/secrets/app-db/versions");
    assert.equal(versions.status, 200);
    assert.equal(versions.json.nextLink, null);
    assert.deepEqual(
      versions.json.value.map((i: { id: string }) => i.id).sort(),
      [set.json.id, second.json.id].sort(),
    );
    for (const item of versions.json.value) assert.equal("value" in item, false);

    assert.equal(
      (await kv("GET", `/secrets/app-db/${"0".repeat(32)}`)).json.error.code,
      "SecretNotFound",
    );
    assert.deepEqual(fake.names(), ["app-db"]);
    assert.equal(fake.secret("app-db")?.versions.length, 2);
  });
});

test("fake vault: GET /secrets pages with maxresults and a :443 nextLink", async () => {
  await withVault({}, async ({ kv, get }) => {
    for (const name of ["s-e", "s-a", "s-c", "s-b", "s-d"]) {
      assert.equal((await kv("PUT", `/secrets/${name}`, { body: { value: name } })).status, 200);
    }
    const first = await kv("GET", "/secrets?maxresults=2");
    assert.equal(first.status, 200);
    assertServiceHeaders(first);
    const t = Math.floor(T0 / 1000);
    assert.deepEqual(first.json.value[0], {
      id: "https://myvault.vault.azure.net/secrets/s-a",
      attributes: {
        enabled: true,
        created: t,
        updated: t,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
      },
    });
    const next = first.json.nextLink as string;
    assert.match(
      next,
      /^https:\/\/myvault\.vault\.azure\.net:443\/secrets\?api-version=7\.6&\$skiptoken=[A-Za-z0-9_-]+&maxresults=2$/,
    );
    const second = await get(next);
    assert.equal(second.status, 200);
    const third = await get(second.json.nextLink);
    assert.equal(third.status, 200);
    assert.equal(third.json.nextLink, null);
    const ids = [first, second, third].flatMap((p) =>
      p.json.value.map((i: { id: string }) => i.id.split("/").pop())
    );
    assert.deepEqual(ids, ["s-a", "s-b", "s-c", "s-d", "s-e"]);
    assert.deepEqual([first, second, third].map((p) => p.json.value.length), [2, 2, 1]);

    const all = await kv("GET", "/secrets");
    assert.equal(all.json.value.length, 5);
    assert.equal(all.json.nextLink, null);

    for (const bad of ["0", "26", "x"]) {
      const reply = await kv("GET", `/secrets?maxresults=${bad}`);
      assert.equal(reply.status, 400, bad);
      assert.equal(reply.json.error.code, "BadParameter");
    }
  });
});

test("fake vault: delete, 404 until the soft delete completes, 409 on the name, recover, purge", async () => {
  await withVault({}, async ({ fake, kv, clock }) => {
    const set = await kv("PUT", "/secrets/gone", {
      body: { value: "v", contentType: "text/plain", tags: { a: "b" } },
    });
    clock.ms += 2_000;
    const deleted = await kv("DELETE", "/secrets/gone");
    assert.equal(deleted.status, 200);
    const deletedDate = Math.floor(T0 / 1000) + 2;
    assert.deepEqual(deleted.json, {
      recoveryId: "https://myvault.vault.azure.net/deletedsecrets/gone",
      deletedDate,
      scheduledPurgeDate: deletedDate + 90 * 86_400,
      contentType: "text/plain",
      id: set.json.id,
      attributes: set.json.attributes,
      tags: { a: "b" },
    });

    const live = await kv("GET", "/secrets/gone");
    assert.equal(live.status, 404);
    assert.deepEqual(live.json, {
      error: {
        code: "SecretNotFound",
        message:
          "A secret with (name/id) gone was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
      },
    });

    const pending = await kv("PUT", "/secrets/gone", { body: { value: "again" } });
    assert.equal(pending.status, 409);
    assert.equal(pending.json.error.innererror.code, "ObjectIsBeingDeleted");

    const polls = [];
    for (let i = 0; i < 3; i++) polls.push(await kv("GET", "/deletedsecrets/gone"));
    assert.deepEqual(polls.map((p) => p.status), [404, 404, 200]);
    assert.deepEqual(polls[0]!.json, {
      error: { code: "SecretNotFound", message: "Deleted Secret not found: gone" },
    });
    assert.deepEqual(polls[2]!.json, deleted.json);

    const list = await kv("GET", "/deletedsecrets?maxresults=5");
    assert.deepEqual(list.json, {
      value: [{
        recoveryId: "https://myvault.vault.azure.net/deletedsecrets/gone",
        deletedDate,
        scheduledPurgeDate: deletedDate + 90 * 86_400,
        contentType: "text/plain",
        id: "https://myvault.vault.azure.net/secrets/gone",
        attributes: set.json.attributes,
        tags: { a: "b" },
      }],
      nextLink: null,
    });
    assert.deepEqual((await kv("GET", "/secrets")).json.value, []);

    const conflict = await kv("PUT", "/secrets/gone", { body: { value: "again" } });
    assert.equal(conflict.status, 409);
    assert.deepEqual(conflict.json, {
      error: {
        code: "Conflict",
        message:
          "Secret gone is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.",
        innererror: { code: "ObjectIsDeletedButRecoverable" },
      },
    });

    const recovered = await kv("POST", "/deletedsecrets/gone/recover");
    assert.equal(recovered.status, 200);
    assert.equal("value" in recovered.json, false);
    assert.equal(recovered.json.id, set.json.id);
    const after = [await kv("GET", "/secrets/gone"), await kv("GET", "/secrets/gone")];
    assert.deepEqual(after.map((r) => r.status), [404, 200]);
    assert.equal(after[1]!.json.value, "v");
    assert.equal((await kv("GET", "/deletedsecrets/gone")).status, 404);

    await kv("DELETE", "/secrets/gone");
    fake.settle();
    assert.deepEqual(fake.deletedNames(), ["gone"]);
    const purged = await kv("DELETE", "/deletedsecrets/gone");
    assert.equal(purged.status, 204);
    assert.equal(purged.text, "");
    assert.equal(purged.headers.get("content-type"), null);
    assert.match(purged.headers.get("x-ms-request-id") ?? "", UUID);
    assert.equal((await kv("GET", "/deletedsecrets/gone")).status, 404);
    assert.equal(fake.secret("gone"), undefined);
    assert.equal((await kv("PUT", "/secrets/gone", { body: { value: "new" } })).status, 200);
  });
});

test("fake vault: delete and recover delays are configurable in polls and in clock time", async () => {
  await withVault(
    { deleteDelayPolls: 0, recoverDelayPolls: 0 },
    async ({ kv }) => {
      await kv("PUT", "/secrets/quick", { body: { value: "v" } });
      await kv("DELETE", "/secrets/quick");
      assert.equal((await kv("GET", "/deletedsecrets/quick")).status, 200);
      await kv("POST", "/deletedsecrets/quick/recover");
      assert.equal((await kv("GET", "/secrets/quick")).status, 200);
    },
  );
  await withVault({ deleteDelayMs: 30_000 }, async ({ kv, clock }) => {
    await kv("PUT", "/secrets/slow", { body: { value: "v" } });
    await kv("DELETE", "/secrets/slow");
    for (let i = 0; i < 5; i++) assert.equal((await kv("GET", "/deletedsecrets/slow")).status, 404);
    clock.ms += 30_000;
    assert.equal((await kv("GET", "/deletedsecrets/slow")).status, 200);
  });
  await withVault({ softDelete: false }, async ({ fake, kv }) => {
    await kv("PUT", "/secrets/hard", { body: { value: "v" } });
    const deleted = await kv("DELETE", "/secrets/hard");
    assert.equal(deleted.status, 200);
    assert.equal("recoveryId" in deleted.json, false);
    assert.equal(deleted.json.attributes.recoveryLevel, "Purgeable");
    assert.equal(fake.secret("hard"), undefined);
  });
});

test("fake vault: backup and restore", async () => {
  await withVault({}, async ({ kv }) => {
    const set = await kv("PUT", "/secrets/keep", { body: { value: "precious", tags: { t: "1" } } });
    const backup = await kv("POST", "/secrets/keep/backup");
    assert.equal(backup.status, 200);
    assert.deepEqual(Object.keys(backup.json), ["value"]);
    assert.match(backup.json.value, /^[A-Za-z0-9_-]+$/);
    assert.equal(backup.json.value.includes("precious"), false);

    const exists = await kv("POST", "/secrets/restore", { body: { value: backup.json.value } });
    assert.equal(exists.status, 409);
    assert.equal(exists.json.error.code, "Conflict");

    await kv("DELETE", "/secrets/keep");
    const whileDeleted = await kv("POST", "/secrets/restore", {
      body: { value: backup.json.value },
    });
    assert.equal(whileDeleted.status, 409);
    while ((await kv("GET", "/deletedsecrets/keep")).status === 404) { /* poll */ }
    assert.equal((await kv("DELETE", "/deletedsecrets/keep")).status, 204);

    const restored = await kv("POST", "/secrets/restore", { body: { value: backup.json.value } });
    assert.equal(restored.status, 200);
    assert.deepEqual(restored.json, {
      id: set.json.id,
      attributes: set.json.attributes,
      tags: { t: "1" },
    });
    assert.equal((await kv("GET", "/secrets/keep")).json.value, "precious");

    const corrupt = await kv("POST", "/secrets/restore", { body: { value: "bm90LWEtYmFja3Vw" } });
    assert.equal(corrupt.status, 400);
    assert.equal(corrupt.json.error.code, "BadParameter");
    assert.equal((await kv("POST", "/secrets/nothere/backup")).status, 404);
  });
});

test("fake vault: 404 and 400 error bodies", async () => {
  await withVault({}, async ({ kv }) => {
    const missing = await kv("GET", "/secrets/nothere/");
    assert.equal(missing.status, 404);
    assertServiceHeaders(missing);
    assert.equal(missing.json.error.code, "SecretNotFound");
    assert.match(missing.json.error.message, /^A secret with \(name\/id\) nothere was not found/);
    assert.equal((await kv("DELETE", "/secrets/nothere")).status, 404);
    assert.equal((await kv("PATCH", "/secrets/nothere", { body: {} })).status, 404);
    assert.equal((await kv("POST", "/deletedsecrets/nothere/recover")).status, 404);
    assert.equal((await kv("DELETE", "/deletedsecrets/nothere")).status, 404);
    assert.deepEqual((await kv("GET", "/secrets/nothere/versions")).json, {
      value: [],
      nextLink: null,
    });

    const invalid = await kv("PUT", "/secrets/bad_name", { body: { value: "v" } });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.json, {
      error: {
        code: "BadParameter",
        message: "The request URI contains an invalid name: bad_name",
      },
    });
    assert.equal(
      (await kv("PUT", `/secrets/${"a".repeat(128)}`, { body: { value: "v" } })).status,
      400,
    );
    assert.equal((await kv("PUT", "/secrets/novalue", { body: { contentType: "x" } })).status, 400);
  });
});

test("fake vault: an injected CAE challenge, then the token stays revoked", async () => {
  await withVault({}, async ({ fake, kv }) => {
    await kv("PUT", "/secrets/cae", { body: { value: "v" } });
    fake.caeNext();
    const first = await kv("GET", "/secrets/cae");
    assert.equal(first.status, 401);
    assert.equal(first.json.error.code, "Unauthorized");
    const header = first.headers.get("www-authenticate") ?? "";
    assert.equal(
      header,
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In0sInhtc19jYWVlcnJvciI6eyJ2YWx1ZSI6IjEwMDEyIn19fQ=="',
    );
    assert.equal(atob(/claims="([^"]+)"/.exec(header)![1]!), CAE_CLAIMS);
    assert.equal((await kv("GET", "/secrets/cae")).status, 401, "same token: challenged again");
    assert.equal((await kv("GET", "/secrets/cae", { token: "token-2" })).status, 200);

    fake.caeNext({
      claims: '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}',
      revoke: false,
    });
    const custom = await kv("GET", "/secrets/cae", { token: "token-2" });
    assert.equal(custom.status, 401);
    assert.match(custom.headers.get("www-authenticate") ?? "", /error="insufficient_claims"/);
    assert.equal((await kv("GET", "/secrets/cae", { token: "token-2" })).status, 200);
  });
});

test("fake vault: injected 429 and 503 hit authenticated requests, then it answers", async () => {
  await withVault({}, async ({ fake, kv }) => {
    fake.throttleNext(2);
    assert.equal((await kv("GET", "/secrets", { token: null })).status, 401, "challenge first");
    const throttled = [await kv("GET", "/secrets"), await kv("GET", "/secrets")];
    assert.deepEqual(throttled.map((r) => r.status), [429, 429]);
    assert.equal(throttled[0]!.headers.get("retry-after"), "0");
    assert.equal(throttled[0]!.json.error.code, "Throttled");
    assertServiceHeaders(throttled[0]!);
    assert.equal((await kv("GET", "/secrets")).status, 200);

    fake.throttleNext(1, { retryAfterMs: 10 });
    const ms = await kv("GET", "/secrets");
    assert.equal(ms.headers.get("retry-after-ms"), "10");
    assert.equal(ms.headers.get("retry-after"), null);

    fake.unavailableNext(1);
    const unavailable = await kv("PUT", "/secrets/x", { body: { value: "v" } });
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.json.error.code, "ServiceUnavailable");
    assert.equal(fake.secret("x"), undefined, "a failed request changes nothing");
    assert.equal((await kv("PUT", "/secrets/x", { body: { value: "v" } })).status, 200);

    fake.failNext({ status: 500, beforeAuth: true, when: (r) => r.operation === "GetSecret" });
    assert.equal((await kv("GET", "/secrets/x", { token: null })).status, 500);
    assert.equal(fake.pendingFaults(), 0);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [401, 429, 429, 200, 429, 503, 200, 500],
    );
  });
});

test("routedFetch refuses unrouted origins without touching the network and accepts :443", async () => {
  await withVault({}, async ({ fetch, get }) => {
    await assert.rejects(fetch("https://evil.example.com/secrets", {}), TypeError);
    await assert.rejects(fetch("http://myvault.vault.azure.net/secrets", {}), TypeError);
    const viaPort = await get("https://myvault.vault.azure.net:443/secrets?api-version=7.6");
    assert.equal(viaPort.status, 200);
    assert.deepEqual(fetch.urls, [
      "https://evil.example.com/secrets",
      "http://myvault.vault.azure.net/secrets",
      "https://myvault.vault.azure.net:443/secrets?api-version=7.6",
    ]);
    assert.equal(fetch.targets.length, 1);
    assert.match(fetch.targets[0]!, /^http:\/\/127\.0\.0\.1:\d+\/secrets\?api-version=7\.6$/);
  });
});

test("fake vault: the handler also works called directly, and seeds certificate-backed secrets", async () => {
  const fake = fakeVault({ vaultUrl: "https://other.vault.azure.net/", now: () => T0 });
  const kid = "https://other.vault.azure.net/keys/cert1/0123456789abcdef0123456789abcdef";
  const version = fake.seed("cert1", "MIIC...", {
    contentType: "application/x-pkcs12",
    managed: true,
    kid,
    tags: {},
  });
  const call = (path: string) =>
    fake.handler(
      new Request(`http://127.0.0.1:9/${path}`, { headers: { authorization: "Bearer t" } }),
    );
  const got = await call("secrets/cert1?api-version=7.6");
  assert.equal(got.status, 200);
  assert.deepEqual(await got.json(), {
    value: "MIIC...",
    contentType: "application/x-pkcs12",
    id: `https://other.vault.azure.net/secrets/cert1/${version}`,
    managed: true,
    attributes: {
      enabled: true,
      created: T0 / 1000,
      updated: T0 / 1000,
      recoveryLevel: "Recoverable+Purgeable",
      recoverableDays: 90,
    },
    kid,
    tags: {},
  });
  const list = await (await call("secrets?api-version=7.6")).json();
  assert.deepEqual(Object.keys(list.value[0]), [
    "contentType",
    "id",
    "managed",
    "attributes",
    "tags",
  ]);
  assert.equal(list.value[0].id, "https://other.vault.azure.net/secrets/cert1");
});
