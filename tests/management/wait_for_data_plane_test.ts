/** waitForDataPlane(): a new vault's DNS lag, waited out with bounds, a clock and a signal. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KvfetchError, RestError, waitForDataPlane } from "../../mod.ts";
import { FAKE_ARM_ENDPOINT } from "../_fake_arm.ts";
import { serve } from "../_loopback.ts";
import { routedFetch } from "../_route.ts";
import { json, scriptedFetch } from "../_fetch.ts";
import { armSetup, sampleParameters } from "./_setup.ts";

function clock() {
  let now = Date.UTC(2026, 10, 28, 12);
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) => {
      waits.push(ms);
      now += ms;
      signal?.throwIfAborted();
      return Promise.resolve();
    },
  };
}

test("waitForDataPlane() waits through a VaultRegisteringDns window until the vault's 401 challenge", async () => {
  const kv = await armSetup({ registrationPolls: 1, dnsLag: 3 });
  const vaultServer = await serve(kv.arm.dataPlaneHandler("vault-dns"));
  try {
    await kv.groups.createOrUpdate("rg", { location: "westus" });
    const vault = await kv.vaults.createOrUpdate("rg", "vault-dns", sampleParameters());
    assert.equal(vault.properties.provisioningState, "Succeeded", "ARM says done, DNS lags");
    const seen: { status: number; authorization: string | null; url: string }[] = [];
    const routed = routedFetch({
      [FAKE_ARM_ENDPOINT]: kv.server.origin,
      "https://vault-dns.vault.azure.net": vaultServer.origin,
    });
    const fetch = async (url: string, init: RequestInit) => {
      const response = await routed(url, init);
      seen.push({
        status: response.status,
        authorization: new Headers(init.headers).get("authorization"),
        url,
      });
      return response;
    };
    const time = clock();
    await waitForDataPlane(vault.properties.vaultUri!, { fetch, now: time.now, sleep: time.sleep });
    assert.deepEqual(seen.map((s) => s.status), [400, 400, 400, 401]);
    assert.deepEqual(time.waits, [5000, 5000, 5000], "pollIntervalMs defaults to 5 s");
    assert.ok(seen.every((s) => s.authorization === null), "no token is ever sent");
    assert.equal(
      seen[0]!.url,
      "https://vault-dns.vault.azure.net/secrets?api-version=2025-07-01&maxresults=1",
    );
  } finally {
    await vaultServer.close();
    await kv.close();
  }
});

test("waitForDataPlane(): network failures (a name that does not resolve yet) and 503s mean not yet", async () => {
  const fetch = scriptedFetch(
    new TypeError("error sending request: dns error: failed to lookup address"),
    new TypeError("fetch failed"),
    json(503, { error: { code: "ServiceUnavailable", message: "later" } }, { "retry-after": "2" }),
    json(401, { error: { code: "Unauthorized" } }, {
      "www-authenticate":
        'Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"',
    }),
  );
  const time = clock();
  await waitForDataPlane("https://vault1.vault.azure.net", {
    fetch,
    now: time.now,
    sleep: time.sleep,
    pollIntervalMs: 1000,
  });
  assert.equal(fetch.calls.length, 4, "each check is a single try (no hidden retries)");
  assert.deepEqual(time.waits, [1000, 1000, 2000], "a Retry-After wins over pollIntervalMs");
});

test("waitForDataPlane(): 200 and 403 count as ready too", async () => {
  for (const status of [200, 403]) {
    const fetch = scriptedFetch(json(status, {}));
    await waitForDataPlane("https://vault1.vault.azure.net/", { fetch });
    assert.equal(fetch.calls.length, 1);
  }
});

test("waitForDataPlane() is bounded: ERR_OPERATION_TIMEOUT saying why", async () => {
  const fetch = scriptedFetch(
    json(400, { error: { code: "VaultRegisteringDns", message: "wait" } }),
  );
  const time = clock();
  const error = await waitForDataPlane("https://vault1.vault.azure.net", {
    fetch,
    now: time.now,
    sleep: time.sleep,
    pollIntervalMs: 10_000,
    maxWaitMs: 35_000,
  }).then(() => undefined, (e: unknown) => e);
  assert.ok(
    error instanceof KvfetchError && error.code === "ERR_OPERATION_TIMEOUT",
    `got ${error}`,
  );
  assert.match(
    error.message,
    /still answered 400 \(VaultRegisteringDns\) after 4 tries in 35000 ms/,
  );
  assert.deepEqual(time.waits, [10_000, 10_000, 10_000]);
});

test("waitForDataPlane(): the signal stops the wait", async () => {
  const controller = new AbortController();
  const fetch = scriptedFetch(json(400, { error: { code: "VaultRegisteringDns" } }));
  await assert.rejects(
    waitForDataPlane("https://vault1.vault.azure.net", {
      fetch,
      signal: controller.signal,
      sleep: (_ms, signal) => {
        controller.abort(new Error("gave up"));
        signal?.throwIfAborted();
        return Promise.resolve();
      },
    }),
    /gave up/,
  );
  assert.equal(fetch.calls.length, 1);
});

test("waitForDataPlane(): any other answer is a RestError at once", async () => {
  const fetch = scriptedFetch(json(400, { error: { code: "BadParameter", message: "no" } }));
  const error = await waitForDataPlane("https://vault1.vault.azure.net", { fetch }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(
    error instanceof RestError && error.status === 400 && error.errorCode === "BadParameter",
  );
  assert.equal(fetch.calls.length, 1);
});
