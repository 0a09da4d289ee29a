/** SecretClient against the in-memory fake vault, over real loopback sockets. */
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
import { clearCaches as clearChallengeCache } from "../../lib/http/caches.ts";
import {
  FAKE_TENANT_ID,
  FAKE_VAULT_URL,
  fakeVault,
  type FakeVaultOptions,
} from "../_fake_vault.ts";
import { routedFetch } from "../_route.ts";
import { serve } from "../_loopback.ts";
import { visible } from "../_entra.ts";
import { json, scriptedFetch } from "../_fetch.ts";

const VALUE = "correct-horse-battery-staple-Ω-42";

/** A fake vault on a loopback socket, a client routed to it, and a recording credential. */
async function setup(
  vaultOptions: FakeVaultOptions = {},
  clientOptions: SecretClientOptions = {},
) {
  clearChallengeCache();
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const vault = fakeVault({ now: () => clock, ...vaultOptions });
  const server = await serve(vault.handler);
  const fetch = routedFetch({ [FAKE_VAULT_URL]: server.origin });
  const tokenCalls: GetTokenOptions[] = [];
  const credential = {
    getToken(_scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
      tokenCalls.push(options);
      return Promise.resolve({
        token: `tok-${tokenCalls.length}`,
        expiresOnTimestamp: clock + 3_600_000,
      });
    },
  };
  const waits: number[] = [];
  const client = new SecretClient(FAKE_VAULT_URL, credential, {
    fetch,
    now: () => clock,
    sleep: (ms, signal) => {
      waits.push(ms);
      clock += ms;
      signal?.throwIfAborted();
      return Promise.resolve();
    },
    ...clientOptions,
  });
  return {
    vault,
    client,
    fetch,
    tokenCalls,
    waits,
    tick: (ms: number) => (clock += ms),
    [Symbol.asyncDispose]: () => server.close(),
    close: () => server.close(),
  };
}

test("SecretClient.setSecret() and getSecret() round-trip a secret with its properties", async () => {
  const kv = await setup();
  try {
    const notBefore = new Date("2026-01-01T00:00:00Z");
    const expiresOn = new Date("2027-01-01T00:00:00Z");
    const set = await kv.client.setSecret("db-password", VALUE, {
      contentType: "text/plain",
      enabled: true,
      notBefore,
      expiresOn,
      tags: { app: "api", env: "prod" },
    });
    assert.equal(set.name, "db-password");
    assert.equal(set.value, VALUE);
    assert.match(set.properties.version!, /^[0-9a-f]{32}$/);
    assert.equal(set.properties.vaultUrl, FAKE_VAULT_URL);
    assert.equal(
      set.properties.id,
      `${FAKE_VAULT_URL}/secrets/db-password/${set.properties.version}`,
    );
    assert.deepEqual(set.properties.notBefore, notBefore);
    assert.deepEqual(set.properties.expiresOn, expiresOn);
    assert.ok(set.properties.createdOn instanceof Date);
    assert.equal(set.properties.recoveryLevel, "Recoverable+Purgeable");
    assert.equal(set.properties.recoverableDays, 90);

    const put = kv.vault.requests.find((r) => r.method === "PUT" && r.authorization)!;
    assert.equal(put.path, "/secrets/db-password");
    assert.equal(put.apiVersion, "2025-07-01");
    assert.deepEqual(JSON.parse(put.body), {
      value: VALUE,
      contentType: "text/plain",
      attributes: { enabled: true, nbf: 1767225600, exp: 1798761600 },
      tags: { app: "api", env: "prod" },
    });

    const latest = await kv.client.getSecret("db-password");
    assert.equal(latest.value, VALUE);
    assert.deepEqual(latest.properties.tags, { app: "api", env: "prod" });
    assert.equal(latest.properties.contentType, "text/plain");
    const get = kv.vault.requests.at(-1)!;
    assert.equal(get.method, "GET");
    assert.equal(get.path, "/secrets/db-password/");

    await kv.client.setSecret("db-password", "second");
    const byVersion = await kv.client.getSecret("db-password", { version: set.properties.version });
    assert.equal(byVersion.value, VALUE);
    assert.equal(kv.vault.requests.at(-1)!.path, `/secrets/db-password/${set.properties.version}`);
    assert.equal((await kv.client.getSecret("db-password")).value, "second");
  } finally {
    await kv.close();
  }
});

test("SecretClient sends the first request without token or body, and the challenge's tenant", async () => {
  const kv = await setup();
  try {
    await kv.client.setSecret("first", VALUE);
    const [probe, real] = kv.vault.requests;
    assert.equal(probe!.status, 401);
    assert.equal(probe!.authorization, null);
    assert.equal(probe!.body, "");
    assert.equal(probe!.contentLength ?? "0", "0");
    assert.equal(real!.authorization, "Bearer tok-1");
    assert.equal(kv.tokenCalls[0]!.tenantId, FAKE_TENANT_ID);
    assert.equal(kv.tokenCalls[0]!.enableCae, true);
    await kv.client.getSecret("first");
    assert.equal(kv.vault.requests.filter((r) => r.status === 401).length, 1, "one 401 in all");
  } finally {
    await kv.close();
  }
});

test("SecretClient speaks the serviceVersion it is given", async () => {
  const kv = await setup({}, { serviceVersion: "7.6" });
  try {
    await kv.client.setSecret("v76", "x");
    assert.ok(kv.vault.apiVersions.every((v) => v === "7.6"));
  } finally {
    await kv.close();
  }
});

test("SecretClient.getSecret() of a missing secret is a RestError 404 SecretNotFound", async () => {
  const kv = await setup();
  try {
    await assert.rejects(kv.client.getSecret("nope"), (error: unknown) => {
      assert.ok(error instanceof RestError);
      assert.equal(error.status, 404);
      assert.equal(error.errorCode, "SecretNotFound");
      assert.match(error.message, /A secret with \(name\/id\) nope was not found/);
      assert.match(error.requestId!, /^[0-9a-f-]{36}$/);
      assert.equal(error.attempts, 1);
      return true;
    });
  } finally {
    await kv.close();
  }
});

test("SecretClient.getSecret() of a disabled secret is a RestError 403", async () => {
  const kv = await setup();
  try {
    await kv.client.setSecret("off", VALUE, { enabled: false });
    await assert.rejects(
      kv.client.getSecret("off"),
      (e: unknown) => e instanceof RestError && e.status === 403,
    );
  } finally {
    await kv.close();
  }
});

test("SecretClient.updateSecretProperties() patches metadata and returns no value", async () => {
  const kv = await setup();
  try {
    const { properties } = await kv.client.setSecret("upd", VALUE);
    const updated = await kv.client.updateSecretProperties("upd", properties.version!, {
      contentType: "application/json",
      tags: { rotated: "yes" },
      enabled: false,
    });
    assert.equal(updated.contentType, "application/json");
    assert.deepEqual(updated.tags, { rotated: "yes" });
    assert.equal(updated.enabled, false);
    assert.equal("value" in updated, false);
    const patch = kv.vault.requests.at(-1)!;
    assert.equal(patch.method, "PATCH");
    assert.equal(patch.path, `/secrets/upd/${properties.version}`);
    assert.deepEqual(JSON.parse(patch.body), {
      contentType: "application/json",
      attributes: { enabled: false },
      tags: { rotated: "yes" },
    });
    await kv.client.updateSecretProperties("upd", "", { enabled: true });
    assert.equal(kv.vault.requests.at(-1)!.path, "/secrets/upd/");
  } finally {
    await kv.close();
  }
});

test("SecretClient lists secrets and versions over several pages, without values", async () => {
  const kv = await setup();
  try {
    for (let i = 0; i < 7; i++) kv.vault.seed(`list-${i}`, `value-${i}`);
    kv.vault.seed("list-0", "value-0b");
    const pages: string[][] = [];
    for await (const page of kv.client.listPropertiesOfSecrets().byPage({ maxPageSize: 3 })) {
      pages.push(page.map((p) => p.name));
      assert.ok(page.every((p) => !("value" in p)));
    }
    assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
    assert.deepEqual(pages.flat().sort(), Array.from({ length: 7 }, (_, i) => `list-${i}`));
    const listCalls = kv.vault.requests.filter((r) =>
      r.operation === "GetSecrets" && r.authorization
    );
    assert.equal(listCalls.length, 3);
    assert.equal(listCalls[0]!.query.maxresults, "3");
    assert.ok(listCalls[1]!.query.$skiptoken, "followed the :443 nextLink");

    const all: string[] = [];
    for await (const p of kv.client.listPropertiesOfSecrets()) all.push(p.name);
    assert.equal(all.length, 7);

    const versions = [];
    for await (const v of kv.client.listPropertiesOfSecretVersions("list-0")) versions.push(v);
    assert.equal(versions.length, 2);
    assert.ok(versions.every((v) => /^[0-9a-f]{32}$/.test(v.version!)));
  } finally {
    await kv.close();
  }
});

test("SecretClient.deleteSecret() waits until the soft delete is done", async () => {
  const kv = await setup({ deleteDelayPolls: 2 });
  try {
    await kv.client.setSecret("gone", VALUE);
    const deleted = await kv.client.deleteSecret("gone", { pollIntervalMs: 500 });
    assert.equal(deleted.name, "gone");
    assert.equal(deleted.recoveryId, `${FAKE_VAULT_URL}/deletedsecrets/gone`);
    assert.ok(deleted.deletedOn instanceof Date);
    assert.ok(deleted.scheduledPurgeDate! > deleted.deletedOn!);
    assert.equal(deleted.properties.recoveryId, deleted.recoveryId);
    const polls = kv.vault.requests.filter((r) => r.operation === "GetDeletedSecret");
    assert.deepEqual(polls.map((r) => r.status), [404, 404, 200]);
    assert.deepEqual(kv.waits, [500, 500]);
    assert.deepEqual(kv.vault.deletedNames(), ["gone"]);
  } finally {
    await kv.close();
  }
});

test("SecretClient.deleteSecret() can return at once, and gives up after maxWaitMs", async () => {
  const kv = await setup({ deleteDelayPolls: 1000 });
  try {
    await kv.client.setSecret("slow", VALUE);
    const quick = await kv.client.deleteSecret("slow", { waitForCompletion: false });
    assert.equal(quick.name, "slow");
    assert.equal(kv.vault.requests.filter((r) => r.operation === "GetDeletedSecret").length, 0);

    await kv.client.setSecret("slower", VALUE);
    await assert.rejects(
      kv.client.deleteSecret("slower", { pollIntervalMs: 1000, maxWaitMs: 5000 }),
      (e: unknown) => {
        assert.ok(e instanceof KvfetchError);
        assert.equal(e.code, "ERR_OPERATION_TIMEOUT");
        assert.match(e.message, /deletion of secret slower did not finish within 5000 ms/);
        return true;
      },
    );
    assert.ok(kv.waits.length <= 5);
  } finally {
    await kv.close();
  }
});

test("SecretClient.deleteSecret() does not poll a vault without soft delete", async () => {
  const kv = await setup({ softDelete: false });
  try {
    await kv.client.setSecret("hard", VALUE);
    const deleted = await kv.client.deleteSecret("hard");
    assert.equal(deleted.recoveryId, undefined);
    assert.equal(kv.vault.requests.filter((r) => r.operation === "GetDeletedSecret").length, 0);
  } finally {
    await kv.close();
  }
});

test("SecretClient lists and reads deleted secrets, recovers one (waiting) and purges another", async () => {
  const kv = await setup({ deleteDelayPolls: 0, recoverDelayPolls: 2 });
  try {
    await kv.client.setSecret("keep", VALUE, { tags: { t: "1" } });
    await kv.client.setSecret("drop", VALUE);
    await kv.client.deleteSecret("keep");
    await kv.client.deleteSecret("drop");
    const deleted = [];
    for await (const d of kv.client.listDeletedSecrets()) deleted.push(d);
    assert.deepEqual(deleted.map((d) => d.name).sort(), ["drop", "keep"]);
    assert.ok(deleted.every((d) => d.recoveryId && d.deletedOn instanceof Date && !d.value));

    const keep = await kv.client.getDeletedSecret("keep");
    assert.deepEqual(keep.properties.tags, { t: "1" });

    const recovered = await kv.client.recoverDeletedSecret("keep", { pollIntervalMs: 250 });
    assert.equal(recovered.name, "keep");
    const polls = kv.vault.requests.filter((r) => r.operation === "GetSecret" && r.authorization);
    assert.deepEqual(polls.map((r) => r.status), [404, 404, 200]);
    assert.equal((await kv.client.getSecret("keep")).value, VALUE);

    await kv.client.purgeDeletedSecret("drop");
    const purge = kv.vault.requests.find((r) => r.operation === "PurgeDeletedSecret")!;
    assert.equal(purge.status, 204);
    await assert.rejects(
      kv.client.getDeletedSecret("drop"),
      (e: unknown) => e instanceof RestError && e.status === 404,
    );
  } finally {
    await kv.close();
  }
});

test("SecretClient.setSecret() on a deleted name is a 409 with the inner error, without the value", async () => {
  const kv = await setup({ deleteDelayPolls: 0 });
  try {
    await kv.client.setSecret("taken", VALUE);
    await kv.client.deleteSecret("taken");
    await assert.rejects(kv.client.setSecret("taken", VALUE), (error: unknown) => {
      assert.ok(error instanceof RestError);
      assert.equal(error.status, 409);
      assert.equal(error.errorCode, "Conflict");
      assert.equal(error.innerErrorCode, "ObjectIsDeletedButRecoverable");
      assert.ok(!visible(error).includes(VALUE));
      return true;
    });
  } finally {
    await kv.close();
  }
});

test("SecretClient backs a secret up and restores it after a purge", async () => {
  const kv = await setup({ deleteDelayPolls: 0 });
  try {
    const { properties } = await kv.client.setSecret("bk", VALUE);
    const backup = await kv.client.backupSecret("bk");
    assert.ok(backup instanceof Uint8Array && backup.byteLength > 10);
    await kv.client.deleteSecret("bk");
    await kv.client.purgeDeletedSecret("bk");
    const restored = await kv.client.restoreSecretBackup(backup);
    assert.equal(restored.name, "bk");
    assert.equal(restored.version, properties.version);
    assert.equal((await kv.client.getSecret("bk")).value, VALUE);
    const restore = kv.vault.requests.find((r) =>
      r.operation === "RestoreSecret" && r.authorization
    )!;
    assert.match(JSON.parse(restore.body).value, /^[A-Za-z0-9_-]+$/, "base64url, no padding");
  } finally {
    await kv.close();
  }
});

test("SecretClient retries throttling (429 Retry-After) and 503 transparently", async () => {
  const kv = await setup();
  try {
    await kv.client.setSecret("busy", VALUE);
    kv.vault.throttleNext(2);
    assert.equal((await kv.client.getSecret("busy")).value, VALUE);
    kv.vault.unavailableNext(1);
    assert.equal((await kv.client.getSecret("busy")).value, VALUE);
    assert.equal(kv.vault.pendingFaults(), 0);
  } finally {
    await kv.close();
  }
});

test("SecretClient answers a CAE claims challenge with a new token for the claims", async () => {
  const kv = await setup();
  try {
    await kv.client.setSecret("cae", VALUE);
    kv.vault.caeNext();
    assert.equal((await kv.client.getSecret("cae")).value, VALUE);
    const last = kv.tokenCalls.at(-1)!;
    assert.match(last.claims!, /"nbf"/);
    assert.equal(last.tenantId, FAKE_TENANT_ID);
  } finally {
    await kv.close();
  }
});

test("SecretClient never lets the secret value into errors, across induced failures", async () => {
  const kv = await setup({}, { retry: { maxRetries: 1, retryDelayMs: 1 } });
  try {
    const failures: (() => void)[] = [
      // A service that echoes the value into its error message (defence in depth).
      () =>
        kv.vault.failNext({
          status: 400,
          body: { error: { code: "BadParameter", message: `The value '${VALUE}' is not allowed` } },
        }),
      () => kv.vault.failNext({ status: 500, count: 2 }),
      () => kv.vault.failNext({ status: 409 }),
      () => kv.vault.failNext({ status: 200, body: { value: VALUE, id: 42 } }),
      () => kv.vault.failNext({ status: 200, body: null }),
      () =>
        kv.vault.failNext({
          status: 302,
          headers: { location: `https://evil.example/?v=${encodeURIComponent(VALUE)}` },
        }),
    ];
    for (const [i, induce] of failures.entries()) {
      induce();
      await assert.rejects(kv.client.setSecret("leak-check", VALUE), (error: unknown) => {
        assert.ok(error instanceof KvfetchError, String(error));
        assert.ok(!visible(error).includes(VALUE), `${(error as Error).message}`);
        return true;
      }, `failure #${i}`);
    }
    await assert.rejects(kv.client.getSecret("leak-check"), RestError);
    // Read errors on a get: the value in a malformed body never surfaces either.
    await kv.client.setSecret("leak-read", VALUE);
    kv.vault.failNext({ status: 200, body: { value: VALUE, id: "not a url" } });
    await assert.rejects(kv.client.getSecret("leak-read"), (error: unknown) => {
      assert.ok(error instanceof KvfetchError && error.code === "ERR_INVALID_RESPONSE");
      assert.ok(!visible(error).includes(VALUE));
      return true;
    });
  } finally {
    await kv.close();
  }
});

test("SecretClient refuses bad names, versions and values before any request", async () => {
  const kv = await setup();
  try {
    const badNames = [
      "",
      "has space",
      "a/b",
      "..",
      "../secrets",
      "ünïcode",
      "a".repeat(128),
      "a_b",
      "a.b",
    ];
    for (const name of badNames) {
      await assert.rejects(kv.client.getSecret(name), TypeError, name);
      await assert.rejects(kv.client.setSecret(name, VALUE), TypeError, name);
      await assert.rejects(kv.client.deleteSecret(name), TypeError, name);
      await assert.rejects(kv.client.purgeDeletedSecret(name), TypeError, name);
      assert.throws(() => kv.client.listPropertiesOfSecretVersions(name), TypeError, name);
    }
    await assert.doesNotReject(kv.client.setSecret("a".repeat(127), "ok"));
    const before = kv.vault.requests.length;
    for (const version of ["abc", "0123456789abcdef0123456789abcdeg", "../x", "0".repeat(33)]) {
      await assert.rejects(kv.client.getSecret("ok", { version }), /32 hexadecimal/);
      await assert.rejects(kv.client.updateSecretProperties("ok", version), /32 hexadecimal/);
    }
    await assert.rejects(kv.client.setSecret("big", "x".repeat(25 * 1024 + 1)), RangeError);
    await assert.rejects(kv.client.setSecret("big", "é".repeat(12_801)), /25 KiB/);
    await assert.rejects(kv.client.setSecret("big", 42 as unknown as string), TypeError);
    await assert.rejects(
      kv.client.setSecret("d", "v", { expiresOn: new Date("x") }),
      /"expiresOn"/,
    );
    await assert.rejects(
      kv.client.setSecret("d", "v", { tags: { n: 1 as unknown as string } }),
      /tags/,
    );
    await assert.rejects(
      kv.client.setSecret("d", "v", { enabled: "yes" as unknown as boolean }),
      /enabled/,
    );
    await assert.rejects(kv.client.restoreSecretBackup(new Uint8Array()), TypeError);
    await assert.rejects(kv.client.deleteSecret("d", { pollIntervalMs: -1 }), RangeError);
    for (const maxPageSize of [0, 26, 1.5]) {
      await assert.rejects(
        kv.client.listPropertiesOfSecrets().byPage({ maxPageSize }).next(),
        RangeError,
      );
    }
    assert.equal(kv.vault.requests.length, before, "nothing was sent");
    await assert.doesNotReject(kv.client.setSecret("max", "x".repeat(25 * 1024)));
  } finally {
    await kv.close();
  }
});

test("SecretClient refuses a foreign-origin nextLink and never contacts that origin", async () => {
  clearChallengeCache();
  const vaultUrl = "https://paging.vault.azure.net";
  const fetch = scriptedFetch((req) => {
    if (new URL(req.url).origin !== vaultUrl) throw new Error(`contacted ${req.url}`);
    if (!req.headers.get("authorization")) {
      return json(401, {}, {
        "www-authenticate":
          `Bearer authorization="https://login.microsoftonline.com/${FAKE_TENANT_ID}", resource="https://vault.azure.net"`,
      });
    }
    return json(200, {
      value: [{ id: `${vaultUrl}/secrets/a`, attributes: { enabled: true } }],
      nextLink: "https://evil.example/secrets?api-version=2025-07-01&$skiptoken=x",
    });
  });
  const client = new SecretClient(vaultUrl, {
    getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }),
  }, { fetch });
  const names: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
    })(),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_FOREIGN_NEXT_LINK",
  );
  assert.deepEqual(names, ["a"]);
  assert.ok(fetch.calls.every((c) => new URL(c.url).origin === vaultUrl));
});
