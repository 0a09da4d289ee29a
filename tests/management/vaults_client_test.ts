/** VaultsClient and ResourceGroupsClient against the fake ARM, over real loopback sockets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ArmError,
  ArmOperationError,
  type ArmResponseInfo,
  armResponseOf,
  DEFAULT_VAULTS_API_VERSION,
  KvfetchError,
  type Vault,
  VaultsClient,
} from "../../mod.ts";
import { FAKE_ARM_ENDPOINT } from "../_fake_arm.ts";
import { armSetup, armToken, OBJECT_ID, sampleParameters, SUB, TENANT } from "./_setup.ts";

const RG = "kvfetch-samples";
const VAULT_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults`;

async function withGroup(fakeOptions: Parameters<typeof armSetup>[0] = {}) {
  const kv = await armSetup(fakeOptions);
  await kv.groups.createOrUpdate(RG, { location: "westus" });
  return kv;
}

const isVaultSucceeded = (vault: Vault, name: string) => {
  assert.equal(vault.name, name);
  assert.equal(vault.properties.provisioningState, "Succeeded");
  assert.equal(vault.properties.vaultUri, `https://${name}.vault.azure.net/`);
};

test("VaultsClient.createOrUpdate() follows 201 RegisteringDns + Location to Succeeded, honouring Retry-After", async () => {
  const kv = await withGroup({ registrationPolls: 2, retryAfter: "3" });
  try {
    const from = kv.arm.requests.length;
    const vault = await kv.vaults.createOrUpdate(RG, "vault-one", sampleParameters());
    isVaultSucceeded(vault, "vault-one");
    const op = kv.arm.requests.at(-1)!.path;
    assert.match(op, /\/locations\/westus\/operationResults\//);
    assert.deepEqual(kv.trail(from), [
      `PUT ${VAULT_PATH}/vault-one 201`,
      `GET ${op} 202`,
      `GET ${op} 200`,
    ]);
    assert.deepEqual(kv.waits, [3000, 3000], "Retry-After: 3 before each poll");
    const put = kv.arm.requests[from]!;
    assert.equal(put.apiVersion, DEFAULT_VAULTS_API_VERSION);
    assert.equal(put.headers.get("content-type"), "application/json");
    assert.match(put.authorization ?? "", /^Bearer ey/);
    // The body is what was given, plus the SKU family (the only one) ARM requires.
    assert.deepEqual(JSON.parse(put.body), {
      ...sampleParameters(),
      properties: { ...sampleParameters().properties, sku: { family: "A", name: "standard" } },
    });
    // Typed models: dates are Dates, the SKU and permissions as sent.
    assert.ok(vault.systemData?.createdAt instanceof Date);
    assert.equal(vault.systemData.createdAt.toISOString(), "2026-11-28T12:00:00.000Z");
    assert.deepEqual(vault.properties.accessPolicies?.[0]?.permissions.keys, [
      "encrypt",
      "decrypt",
      "wrapKey",
      "get",
    ]);
    assert.deepEqual(kv.tokenCalls.map((c) => c.scopes), [
      ["https://management.azure.com/.default"],
      ["https://management.azure.com/.default"],
      ["https://management.azure.com/.default"],
      ["https://management.azure.com/.default"],
    ]);
  } finally {
    await kv.close();
  }
});

test("createOrUpdate() follows Azure-AsyncOperation to Succeeded, then reads the vault", async () => {
  const kv = await withGroup({ createStyle: "asyncOperation", registrationPolls: 2 });
  try {
    const from = kv.arm.requests.length;
    const vault = await kv.vaults.createOrUpdate(RG, "vault-async", sampleParameters());
    isVaultSucceeded(vault, "vault-async");
    const status = kv.arm.requests[from + 1]!.path;
    assert.match(status, /\/locations\/westus\/operations\//);
    assert.deepEqual(kv.trail(from), [
      `PUT ${VAULT_PATH}/vault-async 201`,
      `GET ${status} 200`,
      `GET ${status} 200`,
      `GET ${VAULT_PATH}/vault-async 200`,
    ]);
  } finally {
    await kv.close();
  }
});

test("createOrUpdate(): Azure-AsyncOperation ending Failed is an ArmOperationError with the error body", async () => {
  const kv = await withGroup({ createStyle: "asyncOperation", registrationPolls: 1 });
  try {
    kv.arm.state.failNextOperation({
      status: 400,
      code: "VaultCreationFailed",
      message: "The vault could not be created in westus.",
      details: [{ code: "QuotaExceeded", message: "Too many vaults.", target: "location" }],
    });
    const error = await kv.vaults.createOrUpdate(RG, "vault-fails", sampleParameters()).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ArmOperationError, `got ${error}`);
    assert.equal(error.code, "ERR_OPERATION_FAILED");
    assert.equal(error.operationStatus, "Failed");
    assert.equal(error.errorCode, "VaultCreationFailed");
    assert.equal(error.serviceMessage, "The vault could not be created in westus.");
    assert.deepEqual(error.details, [{
      code: "QuotaExceeded",
      message: "Too many vaults.",
      target: "location",
      details: undefined,
    }]);
    assert.match(
      error.message,
      /creation of vault vault-fails ended Failed \(VaultCreationFailed\)/,
    );
    assert.equal(typeof error.rateLimits["subscription-reads"], "number");
    assert.ok(error.requestId);
  } finally {
    await kv.close();
  }
});

test("createOrUpdate(): a Location poll answering an error is an ArmError", async () => {
  const kv = await withGroup({ registrationPolls: 1 });
  try {
    kv.arm.state.failNextOperation({ status: 409, code: "Conflict", message: "Lost a race." });
    const error = await kv.vaults.createOrUpdate(RG, "vault-lost", sampleParameters()).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ArmError, `got ${error}`);
    assert.equal(error.status, 409);
    assert.equal(error.errorCode, "Conflict");
    assert.match(error.url, /operationResults/);
  } finally {
    await kv.close();
  }
});

test("createOrUpdate(): 200 RegisteringDns without headers polls the vault itself", async () => {
  const kv = await withGroup({ createStyle: "body", registrationPolls: 2 });
  try {
    const from = kv.arm.requests.length;
    const vault = await kv.vaults.createOrUpdate(RG, "vault-body", sampleParameters(), {
      pollIntervalMs: 750,
    });
    isVaultSucceeded(vault, "vault-body");
    assert.deepEqual(kv.trail(from), [
      `PUT ${VAULT_PATH}/vault-body 200`,
      `GET ${VAULT_PATH}/vault-body 200`,
      `GET ${VAULT_PATH}/vault-body 200`,
    ]);
    assert.deepEqual(kv.waits, [750, 750], "no Retry-After: pollIntervalMs");
  } finally {
    await kv.close();
  }
});

test("createOrUpdate(): an immediate Succeeded ends the call with one request", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    const from = kv.arm.requests.length;
    const vault = await kv.vaults.createOrUpdate(RG, "vault-sync", sampleParameters());
    isVaultSucceeded(vault, "vault-sync");
    assert.deepEqual(kv.trail(from), [`PUT ${VAULT_PATH}/vault-sync 200`]);
    assert.deepEqual(kv.waits, []);
  } finally {
    await kv.close();
  }
});

test("createOrUpdate() with waitForCompletion: false resolves with the RegisteringDns vault", async () => {
  const kv = await withGroup();
  try {
    const from = kv.arm.requests.length;
    const vault = await kv.vaults.createOrUpdate(RG, "vault-nowait", sampleParameters(), {
      waitForCompletion: false,
    });
    assert.equal(vault.properties.provisioningState, "RegisteringDns");
    assert.equal(kv.arm.requests.length, from + 1);
    assert.equal(armResponseOf(vault)?.status, 201);
  } finally {
    await kv.close();
  }
});

test("createOrUpdate() on an existing vault replaces its configuration (200 Succeeded)", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-again", sampleParameters());
    const again = await kv.vaults.createOrUpdate(RG, "vault-again", {
      ...sampleParameters(),
      tags: { env: "test" },
      properties: { ...sampleParameters().properties, enabledForDeployment: true },
    });
    assert.equal(armResponseOf(again)?.status, 200);
    assert.equal(again.properties.enabledForDeployment, true);
    assert.deepEqual(again.tags, { env: "test" });
  } finally {
    await kv.close();
  }
});

test("update() PATCHes some properties and the tags", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-patch", sampleParameters());
    const from = kv.arm.requests.length;
    const vault = await kv.vaults.update(RG, "vault-patch", {
      tags: { owner: "ops" },
      properties: { enablePurgeProtection: true, softDeleteRetentionInDays: 30 },
    });
    assert.deepEqual(kv.trail(from), [`PATCH ${VAULT_PATH}/vault-patch 200`]);
    assert.deepEqual(JSON.parse(kv.arm.requests[from]!.body), {
      tags: { owner: "ops" },
      properties: { enablePurgeProtection: true, softDeleteRetentionInDays: 30 },
    });
    assert.equal(vault.properties.enablePurgeProtection, true);
    assert.equal(vault.properties.softDeleteRetentionInDays, 30);
    assert.deepEqual(vault.tags, { owner: "ops" });
  } finally {
    await kv.close();
  }
});

test("get() reads a vault; a missing one is an ArmError 404 ResourceNotFound", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-get", sampleParameters());
    isVaultSucceeded(await kv.vaults.get(RG, "vault-get"), "vault-get");
    const error = await kv.vaults.get(RG, "vault-none").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ArmError, `got ${error}`);
    assert.equal(error.status, 404);
    assert.equal(error.errorCode, "ResourceNotFound");
    assert.match(
      error.message,
      /GET https:\/\/management\.azure\.com\/subscriptions\/.*vault-none failed with status 404 \(ResourceNotFound\)/,
    );
    assert.ok(!error.message.includes("api-version"), "no query in messages");
    assert.equal(typeof error.rateLimits["subscription-reads"], "number");
    assert.ok(error.correlationId);
  } finally {
    await kv.close();
  }
});

test("listByResourceGroup() and listBySubscription() follow $skiptoken next links", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    const names = ["vault-a", "vault-b", "vault-c", "vault-d", "vault-e"];
    for (const name of names) await kv.vaults.createOrUpdate(RG, name, sampleParameters());
    const from = kv.arm.requests.length;
    const listed: string[] = [];
    for await (const vault of kv.vaults.listByResourceGroup(RG, { top: 2 })) {
      listed.push(vault.name!);
    }
    assert.deepEqual(listed, names);
    const pages = kv.arm.requests.slice(from);
    assert.equal(pages.length, 3);
    assert.equal(pages[0]!.query.$top, "2");
    assert.equal(pages[0]!.query.$skiptoken, undefined);
    for (const p of pages.slice(1)) {
      assert.ok(p.query.$skiptoken, "the next links carry $skiptoken");
      assert.equal(p.query["api-version"], DEFAULT_VAULTS_API_VERSION);
    }
    // byPage: the continuation token is the next link, on ARM's origin.
    const byPage = kv.vaults.listBySubscription().byPage({ maxPageSize: 3 });
    const first = (await byPage.next()).value!;
    assert.deepEqual(first.map((v: Vault) => v.name), names.slice(0, 3));
    assert.ok(
      first.continuationToken?.startsWith(
        `${FAKE_ARM_ENDPOINT}/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults?`,
      ),
    );
    const resumed = kv.vaults.listBySubscription().byPage({
      continuationToken: first.continuationToken,
    });
    assert.deepEqual((await resumed.next()).value!.map((v: Vault) => v.name), names.slice(3));
    assert.equal((await resumed.next()).done, true);
  } finally {
    await kv.close();
  }
});

test("list() lists the vaults through the resources API at api-version 2015-11-01", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-r1", sampleParameters());
    await kv.vaults.createOrUpdate(RG, "vault-r2", {
      ...sampleParameters("eastus"),
      tags: { a: "b" },
    });
    const from = kv.arm.requests.length;
    const listed = [];
    for await (const resource of kv.vaults.list({ top: 1 })) listed.push(resource);
    assert.deepEqual(listed.map((r) => [r.name, r.location, r.type]), [
      ["vault-r1", "westus", "Microsoft.KeyVault/vaults"],
      ["vault-r2", "eastus", "Microsoft.KeyVault/vaults"],
    ]);
    assert.deepEqual(listed[1]!.tags, { a: "b" });
    const first = kv.arm.requests[from]!;
    assert.equal(first.path, `/subscriptions/${SUB}/resources`);
    assert.equal(first.apiVersion, "2015-11-01");
    assert.equal(first.query.$filter, "resourceType eq 'Microsoft.KeyVault/vaults'");
    assert.match(
      first.url,
      /\$filter=resourceType%20eq%20(%27|')Microsoft\.KeyVault%2Fvaults(%27|')/,
    );
    assert.equal(kv.arm.requests.length, from + 2, "two pages");
  } finally {
    await kv.close();
  }
});

test("the recovery sample: delete, list deleted, get deleted, recover, delete again, purge", async () => {
  const kv = await withGroup({ registrationPolls: 1, purgePolls: 2 });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-recover", sampleParameters());
    let from = kv.arm.requests.length;
    assert.equal(await kv.vaults.delete(RG, "vault-recover"), undefined);
    assert.deepEqual(kv.trail(from), [`DELETE ${VAULT_PATH}/vault-recover 200`], "synchronous");

    const deleted = [];
    for await (const d of kv.vaults.listDeleted()) deleted.push(d);
    assert.deepEqual(deleted.map((d) => d.name), ["vault-recover"]);
    const one = await kv.vaults.getDeleted("vault-recover", "westus");
    assert.equal(one.properties?.vaultId, `${VAULT_PATH}/vault-recover`);
    assert.equal(one.properties?.location, "westus");
    assert.ok(one.properties?.deletionDate instanceof Date);
    assert.equal(
      one.properties!.scheduledPurgeDate!.getTime() - one.properties!.deletionDate!.getTime(),
      90 * 86_400_000,
    );
    assert.equal(one.properties?.purgeProtectionEnabled, false);

    // Recover: a create with createMode "recover"; the tenant comes from the token's tid claim.
    from = kv.arm.requests.length;
    const recovered = await kv.vaults.recover(RG, "vault-recover", "westus");
    isVaultSucceeded(recovered, "vault-recover");
    assert.deepEqual(JSON.parse(kv.arm.requests[from]!.body), {
      location: "westus",
      properties: {
        tenantId: TENANT,
        sku: { family: "A", name: "standard" },
        createMode: "recover",
      },
    });
    assert.equal(recovered.properties.accessPolicies?.[0]?.objectId, OBJECT_ID, "policies kept");

    await kv.vaults.delete(RG, "vault-recover");
    from = kv.arm.requests.length;
    assert.equal(await kv.vaults.purgeDeleted("vault-recover", "westus"), undefined);
    const purge =
      `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westus/deletedVaults/vault-recover/purge`;
    const op = kv.arm.requests.at(-1)!.path;
    assert.deepEqual(kv.trail(from), [`POST ${purge} 202`, `GET ${op} 202`, `GET ${op} 200`]);
    const after = [];
    for await (const d of kv.vaults.listDeleted()) after.push(d);
    assert.deepEqual(after, []);
    assert.deepEqual(await kv.vaults.checkNameAvailability("vault-recover"), {
      nameAvailable: true,
    });
  } finally {
    await kv.close();
  }
});

test("recover() names the tenant of the options, else of the client options", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-tenant", sampleParameters());
    await kv.vaults.delete(RG, "vault-tenant");
    const from = kv.arm.requests.length;
    await kv.vaults.recover(RG, "vault-tenant", "westus", { tenantId: TENANT, sku: "premium" });
    assert.deepEqual(JSON.parse(kv.arm.requests[from]!.body).properties, {
      tenantId: TENANT,
      sku: { family: "A", name: "premium" },
      createMode: "recover",
    });
    const tokenCalls = kv.tokenCalls.length;
    // A credential whose token is no JWT: the tenant must be given.
    const opaque = {
      getToken: () => Promise.resolve({ token: "opaque", expiresOnTimestamp: Date.now() + 60_000 }),
    };
    const bare = new VaultsClient(SUB, opaque, kv.http);
    await assert.rejects(bare.recover(RG, "vault-tenant", "westus"), /"tenantId" is needed/);
    assert.equal(kv.arm.requests.length, from + 1, "nothing sent");
    const named = new VaultsClient(SUB, opaque, { ...kv.http, tenantId: TENANT });
    await kv.vaults.delete(RG, "vault-tenant");
    await named.recover(RG, "vault-tenant", "westus");
    assert.equal(JSON.parse(kv.arm.requests.at(-1)!.body).properties.tenantId, TENANT);
    assert.equal(kv.tokenCalls.length, tokenCalls + 1, "the delete's token only");
  } finally {
    await kv.close();
  }
});

test("createOrUpdate() on a name held by a soft-deleted vault: 409 ArmError saying to recover or purge", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-held", sampleParameters());
    await kv.vaults.delete(RG, "vault-held");
    const error = await kv.vaults.createOrUpdate(RG, "vault-held", sampleParameters()).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ArmError, `got ${error}`);
    assert.equal(error.status, 409);
    assert.equal(error.errorCode, "ConflictError");
    assert.equal(error.softDeletedConflict, true);
    assert.match(error.message, /already exists in deleted state/);
    assert.match(error.message, /recover\("kvfetch-samples", "vault-held", location\)/);
    assert.match(error.message, /purgeDeleted\("vault-held", location\)/);
    const other = await kv.vaults.get(RG, "vault-nope").then(() => undefined, (e: unknown) => e);
    assert.equal((other as ArmError).softDeletedConflict, false);
  } finally {
    await kv.close();
  }
});

test("updateAccessPolicy() adds, removes and replaces access policies", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    await kv.vaults.createOrUpdate(RG, "vault-policy", sampleParameters());
    const app = "00000000-0000-4000-8000-00000000a991";
    const from = kv.arm.requests.length;
    const added = await kv.vaults.updateAccessPolicy(RG, "vault-policy", "add", [
      { tenantId: TENANT, objectId: app, permissions: { secrets: ["get"] } },
      { tenantId: TENANT, objectId: OBJECT_ID, permissions: { certificates: ["get", "list"] } },
    ]);
    assert.deepEqual(kv.trail(from), [`PUT ${VAULT_PATH}/vault-policy/accessPolicies/add 200`]);
    assert.deepEqual(JSON.parse(kv.arm.requests[from]!.body), {
      properties: {
        accessPolicies: [
          { tenantId: TENANT, objectId: app, permissions: { secrets: ["get"] } },
          { tenantId: TENANT, objectId: OBJECT_ID, permissions: { certificates: ["get", "list"] } },
        ],
      },
    });
    assert.equal(added.type, "Microsoft.KeyVault/vaults/accessPolicies");
    assert.deepEqual(added.properties.accessPolicies.map((p) => p.objectId), [OBJECT_ID, app]);
    assert.deepEqual(added.properties.accessPolicies[0]!.permissions.certificates, ["get", "list"]);
    const removed = await kv.vaults.updateAccessPolicy(RG, "vault-policy", "remove", [
      { tenantId: TENANT, objectId: app, permissions: { secrets: ["get"] } },
    ]);
    assert.deepEqual(removed.properties.accessPolicies.map((p) => p.objectId), [OBJECT_ID]);
    const replaced = await kv.vaults.updateAccessPolicy(RG, "vault-policy", "replace", [
      { tenantId: TENANT, objectId: app, permissions: { keys: ["all"] } },
    ]);
    assert.deepEqual(replaced.properties.accessPolicies, [
      { tenantId: TENANT, objectId: app, permissions: { keys: ["all"] } },
    ]);
    const vault = await kv.vaults.get(RG, "vault-policy");
    assert.deepEqual(vault.properties.accessPolicies, replaced.properties.accessPolicies);
  } finally {
    await kv.close();
  }
});

test("checkNameAvailability() says free, or taken with ARM's reason", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    assert.deepEqual(await kv.vaults.checkNameAvailability("vault-free"), { nameAvailable: true });
    await kv.vaults.createOrUpdate(RG, "vault-taken", sampleParameters());
    const from = kv.arm.requests.length;
    const taken = await kv.vaults.checkNameAvailability("vault-taken");
    assert.equal(taken.nameAvailable, false);
    assert.equal(taken.reason, "AlreadyExists");
    assert.match(taken.message ?? "", /already in use/);
    const request = kv.arm.requests[from]!;
    assert.equal(request.method, "POST");
    assert.equal(
      request.path,
      `/subscriptions/${SUB}/providers/Microsoft.KeyVault/checkNameAvailability`,
    );
    assert.deepEqual(JSON.parse(request.body), {
      name: "vault-taken",
      type: "Microsoft.KeyVault/vaults",
    });
  } finally {
    await kv.close();
  }
});

test("throttling headers: armResponseOf() on results, onResponse for every response, rateLimits on errors", async () => {
  const kv = await withGroup({ registrationPolls: 1 });
  try {
    const seen: ArmResponseInfo[] = [];
    const vault = await kv.vaults.createOrUpdate(RG, "vault-quota", sampleParameters(), {
      onResponse: (info) => seen.push(info),
    });
    assert.deepEqual(seen.map((s) => [s.method, s.status]), [["PUT", 201], ["GET", 200]]);
    const writes = seen[0]!.rateLimits["subscription-writes"]!;
    assert.ok(writes > 0 && writes < 1200, `writes ${writes}`);
    assert.equal(typeof seen[1]!.rateLimits["subscription-reads"], "number");
    assert.equal(armResponseOf(vault), seen[1], "the result remembers the response it came from");
    assert.ok(!seen[0]!.url.includes("?"), "no query in the info's URL");
    const got = await kv.vaults.get(RG, "vault-quota");
    const reads = armResponseOf(got)!.rateLimits["subscription-reads"]!;
    assert.equal(reads, seen[1]!.rateLimits["subscription-reads"]! - 1, "counting down");
    assert.ok(armResponseOf(got)!.requestId);
    for await (const listed of kv.vaults.listByResourceGroup(RG)) {
      assert.equal(armResponseOf(listed)?.method, "GET");
    }
    assert.equal(armResponseOf({}), undefined);
  } finally {
    await kv.close();
  }
});

test("ARM's error details and target become ArmError.details", async () => {
  const kv = await withGroup();
  try {
    kv.arm.failNext({
      status: 400,
      code: "BadRequest",
      message: "The request is invalid.",
      target: "properties",
      details: [
        { code: "InvalidParameter", target: "properties.sku.name", message: "Bad SKU." },
        { code: "InvalidParameter", target: "properties.tenantId", details: [{ code: "Nested" }] },
        "not an object",
      ],
    });
    const error = await kv.vaults.get(RG, "vault-x").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ArmError, `got ${error}`);
    assert.equal(error.target, "properties");
    assert.deepEqual(error.details, [
      {
        code: "InvalidParameter",
        message: "Bad SKU.",
        target: "properties.sku.name",
        details: undefined,
      },
      {
        code: "InvalidParameter",
        message: undefined,
        target: "properties.tenantId",
        details: [{ code: "Nested", message: undefined, target: undefined, details: undefined }],
      },
      { code: undefined, message: undefined, target: undefined, details: undefined },
    ]);
    assert.match(error.message, /: The request is invalid\.$/);
  } finally {
    await kv.close();
  }
});

test("a bearer token the service echoes is cut out of ArmError messages", async () => {
  const kv = await withGroup();
  try {
    // The test credential hands out a new token per call: this is the next one.
    const next = armToken(kv.tokenCalls.length + 1);
    kv.arm.failNext({
      status: 403,
      code: "AuthorizationFailed",
      message: `The token ${next} lacks access.`,
    });
    const error = await kv.vaults.get(RG, "vault-x").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ArmError);
    assert.equal(error.status, 403);
    assert.ok(!error.message.includes(next), error.message);
    assert.match(error.message, /\[REDACTED\]/);
  } finally {
    await kv.close();
  }
});

test("429 with Retry-After is retried by the HTTP core, waiting what ARM asks", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    kv.arm.failNext({
      status: 429,
      code: "TooManyRequests",
      message: "Throttled.",
      headers: { "retry-after": "7" },
      count: 2,
    });
    await kv.vaults.createOrUpdate(RG, "vault-throttled", sampleParameters());
    assert.deepEqual(kv.waits, [7000, 7000]);
    assert.equal(kv.arm.pendingFaults(), 0);
  } finally {
    await kv.close();
  }
});

test("ResourceGroupsClient: createOrUpdate (201, then 200), get, delete polled through 202 Location", async () => {
  const kv = await armSetup({ groupDeletePolls: 3, retryAfter: "15" });
  try {
    const created = await kv.groups.createOrUpdate("rg-life", {
      location: "westus",
      tags: { a: "1" },
    });
    assert.equal(armResponseOf(created)?.status, 201);
    assert.deepEqual(created, {
      id: `/subscriptions/${SUB}/resourceGroups/rg-life`,
      name: "rg-life",
      type: "Microsoft.Resources/resourceGroups",
      location: "westus",
      tags: { a: "1" },
      properties: { provisioningState: "Succeeded" },
    });
    const again = await kv.groups.createOrUpdate("rg-life", { location: "westus" });
    assert.equal(armResponseOf(again)?.status, 200);
    assert.equal((await kv.groups.get("rg-life")).name, "rg-life");
    await kv.vaults.createOrUpdate("rg-life", "vault-in-group", sampleParameters(), {
      waitForCompletion: false,
    });
    const from = kv.arm.requests.length;
    kv.waits.length = 0;
    await kv.groups.delete("rg-life");
    const trail = kv.trail(from);
    assert.equal(trail[0], `DELETE /subscriptions/${SUB}/resourcegroups/rg-life 202`);
    assert.deepEqual(trail.slice(1).map((t) => t.replace(/results\/\S+/, "results/…")), [
      `GET /subscriptions/${SUB}/operationresults/… 202`,
      `GET /subscriptions/${SUB}/operationresults/… 202`,
      `GET /subscriptions/${SUB}/operationresults/… 200`,
    ]);
    assert.deepEqual(kv.waits, [15000, 15000, 15000]);
    assert.equal(kv.arm.requests[from]!.apiVersion, "2021-04-01");
    const gone = await kv.groups.get("rg-life").then(() => undefined, (e: unknown) => e);
    assert.ok(
      gone instanceof ArmError && gone.status === 404 && gone.errorCode === "ResourceGroupNotFound",
    );
    // Its vault became soft-deleted with the group.
    assert.equal((await kv.vaults.getDeleted("vault-in-group", "westus")).name, "vault-in-group");
  } finally {
    await kv.close();
  }
});

test("a 401 from ARM is retried once with a fresh token; a CAE claims challenge with its claims", async () => {
  const kv = await withGroup({ createStyle: "sync" });
  try {
    kv.arm.failNext({
      status: 401,
      code: "ExpiredAuthenticationToken",
      message: "The access token expiry UTC time is earlier than current UTC time.",
    });
    const before = kv.tokenCalls.length;
    await kv.vaults.checkNameAvailability("vault-retry");
    assert.equal(kv.tokenCalls.length, before + 2);
    assert.equal(kv.tokenCalls.at(-1)!.options.forceRefresh, true);
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1726077595"}}}';
    kv.arm.failNext({
      status: 401,
      code: "InvalidAuthenticationToken",
      headers: {
        "www-authenticate":
          `Bearer authorization_uri="https://login.microsoftonline.com/${TENANT}", error="insufficient_claims", claims="${
            btoa(claims)
          }"`,
      },
    });
    await kv.vaults.checkNameAvailability("vault-retry");
    assert.equal(kv.tokenCalls.at(-1)!.options.claims, claims);
    kv.arm.failNext({ status: 401, code: "InvalidAuthenticationToken", count: 2 });
    const error = await kv.vaults.checkNameAvailability("vault-retry").then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ArmError && error.status === 401 && error.attempts === 1);
  } finally {
    await kv.close();
  }
});

test("ArmError and ArmOperationError are KvfetchErrors with stable codes and names", () => {
  const info = {
    status: 409,
    method: "PUT",
    url: "https://management.azure.com/x",
    rateLimits: {},
  };
  const arm = new ArmError({
    status: 409,
    method: "PUT",
    url: "https://management.azure.com/x?a=1",
    info,
  });
  assert.ok(arm instanceof KvfetchError);
  assert.equal(arm.code, "ERR_HTTP_STATUS");
  assert.equal(arm.name, "ArmError");
  assert.equal(arm.url, "https://management.azure.com/x");
  const op = new ArmOperationError({
    operationStatus: "Canceled",
    what: "purge of vault v",
    details: [],
    info,
  });
  assert.equal(op.code, "ERR_OPERATION_FAILED");
  assert.equal(op.name, "ArmOperationError");
  assert.equal(op.message, "The purge of vault v ended Canceled");
});
