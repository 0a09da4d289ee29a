/**
 * The ARM long-running-operation poller, answer by answer, with a scripted `fetch` and an
 * injected clock: each path (immediate, Location, Azure-AsyncOperation, resource polling), the
 * waits it takes, the bounds, cancellation, and URLs it must refuse.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ArmError,
  ArmOperationError,
  KvfetchError,
  StaticTokenCredential,
  VaultsClient,
  type VaultsClientOptions,
} from "../../mod.ts";
import { json, scriptedFetch, type Step } from "../_fetch.ts";
import { sampleParameters, SUB } from "./_setup.ts";

const ARM = "https://management.azure.com";
const RG = "rg1";
const VAULT_URL =
  `${ARM}/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/vault1`;
const OP =
  `${ARM}/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westus/operationResults/op1?api-version=2026-04-01`;
const STATUS =
  `${ARM}/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westus/operations/op1?api-version=2026-04-01`;

function vault(state: string, extra: Record<string, unknown> = {}) {
  return {
    id: VAULT_URL.slice(ARM.length),
    name: "vault1",
    type: "Microsoft.KeyVault/vaults",
    location: "westus",
    properties: {
      tenantId: "6a1d3c8e-4b2f-4e7a-9c5d-0f1e2d3c4b5a",
      sku: { family: "A", name: "standard" },
      vaultUri: "https://vault1.vault.azure.net/",
      provisioningState: state,
      ...extra,
    },
  };
}

/** A client on a scripted fetch and a clock that only its sleeps move. */
function scripted(steps: Step[], options: VaultsClientOptions = {}) {
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const fetch = scriptedFetch(...steps);
  const waits: number[] = [];
  const client = new VaultsClient(
    SUB,
    new StaticTokenCredential({ token: "arm-token", expiresOnTimestamp: clock + 3_600_000 }, {
      now: () => clock,
    }),
    {
      fetch,
      now: () => clock,
      sleep: (ms, signal) => {
        waits.push(ms);
        clock += ms;
        signal?.throwIfAborted();
        return Promise.resolve();
      },
      retry: { maxRetries: 0 },
      ...options,
    },
  );
  return { client, fetch, waits, now: () => clock };
}

const lines = (fetch: ReturnType<typeof scriptedFetch>) =>
  fetch.calls.map((c) => `${c.method} ${c.url}`);

test("LRO: an immediate Succeeded ends the operation with its first answer", async () => {
  const { client, fetch, waits } = scripted([json(201, vault("Succeeded"), { location: OP })]);
  const result = await client.createOrUpdate(RG, "vault1", sampleParameters());
  assert.equal(result.properties.provisioningState, "Succeeded");
  assert.equal(fetch.calls.length, 1, "a Location beside Succeeded is not polled");
  assert.deepEqual(waits, []);
});

test("LRO: RegisteringDns → Succeeded via Location, waiting Retry-After (seconds and HTTP-date)", async () => {
  let now = 0;
  const { client, fetch, waits, now: clock } = scripted([
    json(201, vault("RegisteringDns"), { location: OP, "retry-after": "10" }),
    json(202, null, { location: OP, "retry-after": "20" }),
    () => {
      now = clock();
      return new Response(null, {
        status: 202,
        headers: { location: OP, "retry-after": new Date(now + 30_000).toUTCString() },
      });
    },
    json(200, vault("Succeeded")),
  ]);
  const result = await client.createOrUpdate(RG, "vault1", sampleParameters());
  assert.equal(result.properties.provisioningState, "Succeeded");
  assert.deepEqual(lines(fetch), [
    `PUT ${VAULT_URL}?api-version=2026-04-01`,
    `GET ${OP}`,
    `GET ${OP}`,
    `GET ${OP}`,
  ]);
  assert.deepEqual(waits, [10_000, 20_000, 30_000]);
  for (const call of fetch.calls) {
    assert.equal(call.headers.get("authorization"), "Bearer arm-token");
  }
});

test("LRO: without Retry-After the poller waits pollIntervalMs", async () => {
  const { client, waits } = scripted([
    json(201, vault("RegisteringDns"), { location: OP }),
    json(202, null),
    json(200, vault("Succeeded")),
  ]);
  await client.createOrUpdate(RG, "vault1", sampleParameters(), { pollIntervalMs: 1234 });
  assert.deepEqual(waits, [1234, 1234]);
});

test("LRO: a Location that ends with 204 (no body) is followed by a read of the vault", async () => {
  const { client, fetch } = scripted([
    json(201, vault("RegisteringDns"), { location: OP, "retry-after": "0" }),
    new Response(null, { status: 204 }),
    json(200, vault("Succeeded")),
  ]);
  const result = await client.createOrUpdate(RG, "vault1", sampleParameters());
  assert.equal(result.properties.provisioningState, "Succeeded");
  assert.equal(fetch.calls.at(-1)!.url, `${VAULT_URL}?api-version=2026-04-01`);
});

test("LRO: Azure-AsyncOperation wins over Location; Succeeded is followed by a GET of the vault", async () => {
  const { client, fetch } = scripted([
    json(201, vault("RegisteringDns"), { location: OP, "azure-asyncoperation": STATUS }),
    json(200, { status: "InProgress" }),
    json(200, { status: "Succeeded" }),
    json(200, vault("Succeeded")),
  ]);
  await client.createOrUpdate(RG, "vault1", sampleParameters());
  assert.deepEqual(lines(fetch).slice(1), [
    `GET ${STATUS}`,
    `GET ${STATUS}`,
    `GET ${VAULT_URL}?api-version=2026-04-01`,
  ]);
});

test("LRO: Azure-AsyncOperation → Failed / Canceled is an ArmOperationError carrying the error body", async () => {
  for (const status of ["Failed", "Canceled"]) {
    const { client, fetch } = scripted([
      json(201, vault("RegisteringDns"), { "azure-asyncoperation": STATUS }),
      json(200, {
        status,
        error: {
          code: "InternalError",
          message: "Something broke.",
          target: "vault",
          details: [{ code: "Inner" }],
        },
      }, { "x-ms-ratelimit-remaining-subscription-reads": "11990" }),
    ]);
    const error = await client.createOrUpdate(RG, "vault1", sampleParameters()).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ArmOperationError, `got ${error}`);
    assert.equal(error.operationStatus, status);
    assert.equal(error.errorCode, "InternalError");
    assert.equal(error.serviceMessage, "Something broke.");
    assert.equal(error.target, "vault");
    assert.equal(error.details[0]?.code, "Inner");
    assert.deepEqual(error.rateLimits, { "subscription-reads": 11990 });
    assert.equal(error.url, STATUS.replace(/\?.*/, ""));
    assert.equal(fetch.calls.length, 2);
  }
});

test("LRO: a first answer whose provisioningState is Failed is an ArmOperationError", async () => {
  const { client } = scripted([
    json(201, vault("Failed", { error: { code: "ProvisioningFailed", message: "No." } })),
  ]);
  const error = await client.createOrUpdate(RG, "vault1", sampleParameters()).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ArmOperationError && error.errorCode === "ProvisioningFailed");
});

test("LRO: polling the resource itself ends with Failed as an ArmOperationError", async () => {
  const { client, fetch } = scripted([
    json(200, vault("RegisteringDns")),
    json(200, vault("RegisteringDns")),
    json(200, vault("Failed")),
  ]);
  const error = await client.createOrUpdate(RG, "vault1", sampleParameters()).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ArmOperationError && error.operationStatus === "Failed");
  assert.deepEqual(lines(fetch).slice(1), [
    `GET ${VAULT_URL}?api-version=2026-04-01`,
    `GET ${VAULT_URL}?api-version=2026-04-01`,
  ]);
});

test("LRO: purge answers 202 + Location, polled 202 → 200; waitForCompletion: false stops at the 202", async () => {
  const purge =
    `${ARM}/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westus/deletedVaults/vault1/purge?api-version=2026-04-01`;
  const { client, fetch, waits } = scripted([
    new Response(null, { status: 202, headers: { location: OP, "retry-after": "5" } }),
    new Response(null, { status: 202, headers: { location: OP, "retry-after": "5" } }),
    new Response(null, { status: 200 }),
  ]);
  assert.equal(await client.purgeDeleted("vault1", "westus"), undefined);
  assert.deepEqual(lines(fetch), [`POST ${purge}`, `GET ${OP}`, `GET ${OP}`]);
  assert.equal(fetch.calls[0]!.body, "", "no body");
  assert.deepEqual(waits, [5000, 5000]);
  const quick = scripted([new Response(null, { status: 202, headers: { location: OP } })]);
  await quick.client.purgeDeleted("vault1", "westus", { waitForCompletion: false });
  assert.equal(quick.fetch.calls.length, 1);
  // A purge ARM finishes at once: 200, nothing to poll.
  const done = scripted([new Response(null, { status: 200 })]);
  await done.client.purgeDeleted("vault1", "westus");
  assert.equal(done.fetch.calls.length, 1);
});

test("LRO: the caller's signal stops polling mid-wait, and nothing more is sent", async () => {
  const controller = new AbortController();
  let clock = 0;
  const fetch = scriptedFetch(
    json(201, vault("RegisteringDns"), { location: OP, "retry-after": "10" }),
    json(202, null, { location: OP, "retry-after": "10" }),
  );
  const client = new VaultsClient(
    SUB,
    new StaticTokenCredential({ token: "t", expiresOnTimestamp: 1e15 }),
    {
      fetch,
      now: () => clock,
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          // The second wait is interrupted by the caller.
          if (fetch.calls.length === 2) {
            signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
            queueMicrotask(() => controller.abort(new Error("stop it")));
            return;
          }
          clock += ms;
          resolve();
        }),
    },
  );
  await assert.rejects(
    client.createOrUpdate(RG, "vault1", sampleParameters(), { signal: controller.signal }),
    /stop it/,
  );
  assert.equal(fetch.calls.length, 2, "PUT, one poll, then nothing");
});

test("LRO: an aborted signal before the call sends nothing and asks for no token", async () => {
  const fetch = scriptedFetch(json(200, vault("Succeeded")));
  let tokens = 0;
  const credential = {
    getToken: (_scopes: string | string[], options?: { abortSignal?: AbortSignal }) => {
      tokens++;
      // A credential that rejects at once on an aborted signal, as kvfetch's do.
      return options?.abortSignal?.aborted
        ? Promise.reject(options.abortSignal.reason)
        : Promise.resolve({ token: "t", expiresOnTimestamp: 1e15 });
    },
  };
  const client = new VaultsClient(SUB, credential, { fetch });
  await assert.rejects(
    client.createOrUpdate(RG, "vault1", sampleParameters(), { signal: AbortSignal.abort() }),
    (e: unknown) => (e as Error).name === "AbortError",
  );
  assert.equal(fetch.calls.length, 0);
  assert.equal(tokens, 0);
});

test("LRO: maxWaitMs bounds the wait (ERR_OPERATION_TIMEOUT before a wait that would pass it)", async () => {
  const { client, fetch, waits } = scripted([
    json(201, vault("RegisteringDns"), { location: OP, "retry-after": "20" }),
    json(202, null, { location: OP, "retry-after": "20" }),
  ]);
  const error = await client.createOrUpdate(RG, "vault1", sampleParameters(), { maxWaitMs: 50_000 })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(
    error instanceof KvfetchError && error.code === "ERR_OPERATION_TIMEOUT",
    `got ${error}`,
  );
  assert.match(error.message, /creation of vault vault1 did not finish within 50000 ms \(2 polls/);
  assert.deepEqual(waits, [20_000, 20_000]);
  assert.equal(fetch.calls.length, 3);
});

test("LRO: a thousand polls end the wait even when the clock stands still", async () => {
  const clock = 0;
  const fetch = scriptedFetch(
    json(201, vault("RegisteringDns"), { location: OP, "retry-after": "0" }),
    json(202, null, { location: OP, "retry-after": "0" }),
  );
  const client = new VaultsClient(
    SUB,
    new StaticTokenCredential({ token: "t", expiresOnTimestamp: 1e15 }),
    {
      fetch,
      now: () => clock,
      sleep: () => Promise.resolve(),
    },
  );
  await assert.rejects(
    client.createOrUpdate(RG, "vault1", sampleParameters()),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_OPERATION_TIMEOUT",
  );
  assert.equal(fetch.calls.length, 1001);
});

test("LRO: a Location or Azure-AsyncOperation on another origin is refused before anything is sent", async () => {
  for (const header of ["location", "azure-asyncoperation"]) {
    const { client, fetch } = scripted([
      json(201, vault("RegisteringDns"), { [header]: "https://attacker.example/steal?x=1" }),
    ]);
    const error = await client.createOrUpdate(RG, "vault1", sampleParameters()).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(
      error instanceof KvfetchError && error.code === "ERR_FOREIGN_OPERATION_URL",
      `got ${error}`,
    );
    assert.match(error.message, /https:\/\/attacker\.example/);
    assert.equal(fetch.calls.length, 1, "nothing sent to the foreign origin");
  }
  // A later Location, on a 202 poll, is checked too.
  const { client, fetch } = scripted([
    json(201, vault("RegisteringDns"), { location: OP }),
    json(202, null, { location: "http://management.azure.com/plain-http" }),
  ]);
  await assert.rejects(
    client.createOrUpdate(RG, "vault1", sampleParameters()),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_FOREIGN_OPERATION_URL",
  );
  assert.equal(fetch.calls.length, 2);
});

test("LRO: a relative Location resolves against the request, on ARM's origin", async () => {
  const { client, fetch } = scripted([
    json(201, vault("RegisteringDns"), {
      location: "/subscriptions/x/operationResults/op2?api-version=1",
    }),
    json(200, vault("Succeeded")),
  ]);
  await client.createOrUpdate(RG, "vault1", sampleParameters());
  assert.equal(fetch.calls[1]!.url, `${ARM}/subscriptions/x/operationResults/op2?api-version=1`);
});

test("a nextLink to another origin is refused after the page is delivered", async () => {
  const { client, fetch } = scripted([
    json(200, {
      value: [vault("Succeeded")],
      nextLink: "https://attacker.example/next?$skiptoken=x",
    }),
  ]);
  const pages = client.listBySubscription().byPage();
  assert.equal((await pages.next()).value?.length, 1);
  await assert.rejects(
    pages.next(),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_FOREIGN_NEXT_LINK",
  );
  assert.equal(fetch.calls.length, 1);
});

test("LRO: an unexpected first status is an ArmError; an Azure-AsyncOperation without status is ERR_INVALID_RESPONSE", async () => {
  const first = scripted([json(202, vault("Succeeded"))]);
  await assert.rejects(first.client.createOrUpdate(RG, "vault1", sampleParameters()), ArmError);
  const bad = scripted([
    json(201, vault("RegisteringDns"), { "azure-asyncoperation": STATUS }),
    json(200, { state: "odd" }),
  ]);
  await assert.rejects(
    bad.client.createOrUpdate(RG, "vault1", sampleParameters()),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_INVALID_RESPONSE",
  );
});

test("models: unknown properties are kept, ISO dates become Dates, null reads as absent, odd casing is normalised", async () => {
  const { client } = scripted([
    json(200, {
      ...vault("Succeeded", {
        newFeature: { enabled: true },
        accessPolicies: [{
          tenantId: "6a1d3c8e-4b2f-4e7a-9c5d-0f1e2d3c4b5a",
          objectId: "4349cdfe-57fa-4f82-b57b-836dc8c26769",
          permissions: { keys: ["Get", "WRAPKEY", "futurePermission"], secrets: ["List"] },
        }],
        networkAcls: null,
      }),
      sku: { name: "Standard" },
      systemData: {
        createdAt: "2020-01-01T12:00:00.1234567Z",
        lastModifiedAt: "2020-01-02T00:00:00",
      },
      tags: null,
      extraTopLevel: [1, 2],
    }),
  ]);
  const result = await client.get(RG, "vault1");
  const loose = result as unknown as Record<string, unknown> & {
    properties: Record<string, unknown>;
  };
  assert.deepEqual(loose.extraTopLevel, [1, 2]);
  assert.deepEqual(loose.sku, { name: "Standard" }, "unknown top-level fields are kept as sent");
  assert.deepEqual(loose.properties.newFeature, { enabled: true });
  assert.equal(result.systemData?.createdAt?.toISOString(), "2020-01-01T12:00:00.123Z");
  assert.equal(
    result.systemData?.lastModifiedAt?.toISOString(),
    "2020-01-02T00:00:00.000Z",
    "UTC when no zone",
  );
  assert.equal(result.tags, undefined);
  assert.equal(result.properties.networkAcls, undefined);
  assert.deepEqual(result.properties.accessPolicies?.[0]?.permissions, {
    keys: ["get", "wrapKey", "futurePermission"],
    secrets: ["list"],
  });
  const broken = scripted([
    json(200, { ...vault("Succeeded"), systemData: { createdAt: "yesterday" } }),
  ]);
  const error = await broken.client.get(RG, "vault1").then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof KvfetchError && error.code === "ERR_INVALID_RESPONSE");
  assert.match(error.message, /systemData\.createdAt expected an ISO 8601 date-time/);
});
