/**
 * A cross-check of the fake ARM: the official `@azure/arm-keyvault` (`KeyVaultManagementClient`,
 * with core-lro polling and core-paging) and kvfetch's `VaultsClient`, against the same fake on
 * loopback, agree on the results of create, get, list, delete (and the deleted vaults) and purge.
 * The SDK runs unchanged: its requests go through `loopbackHttpClient` (tests/_azure_sdk.ts),
 * which sends its `https://management.azure.com` URLs to the fake.
 *
 * The SDK speaks its default api-version (2025-05-01), kvfetch its own (2026-04-01); the fake
 * answers both alike. Results are compared as JSON (both turn ARM's dates into `Date`s, checked
 * separately; the SDK leaves absent fields as `undefined` keys, which JSON drops).
 */
import { loopbackHttpClient } from "../_azure_sdk.ts";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { test } from "node:test";
import assert from "node:assert/strict";
import { clearCaches, type Vault, VaultsClient } from "../../mod.ts";
import { FAKE_ARM_ENDPOINT, fakeArm } from "../_fake_arm.ts";
import { serve } from "../_loopback.ts";
import { routedFetch } from "../_route.ts";
import { OBJECT_ID, SUB, TENANT } from "./_setup.ts";

const RG = "crosscheck";

const credential = {
  getToken: () =>
    Promise.resolve({ token: "shared-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** ARM's JSON of a result, with one vault's name replaced so two vaults can be compared. */
const shape = (value: unknown, name: string) =>
  JSON.parse(JSON.stringify(value).replaceAll(name, "{name}"));

const parameters = {
  location: "westus",
  tags: { purpose: "crosscheck" },
  properties: {
    tenantId: TENANT,
    sku: { family: "A" as const, name: "standard" as const },
    accessPolicies: [{
      tenantId: TENANT,
      objectId: OBJECT_ID,
      permissions: { keys: ["get" as const, "list" as const], secrets: ["get" as const] },
    }],
    enabledForDeployment: true,
    softDeleteRetentionInDays: 7,
  },
};

test("@azure/arm-keyvault and VaultsClient agree on create, get, list, delete and purge against the fake", async () => {
  clearCaches();
  const now = Date.UTC(2026, 10, 28, 12);
  const arm = fakeArm({
    now: () => now,
    retryAfter: "0",
    registrationPolls: 2,
    purgePolls: 2,
    pageSize: 2,
  });
  const server = await serve(arm.handler);
  try {
    arm.state.putGroup(SUB, RG, { location: "westus" });
    const httpClient = loopbackHttpClient({ [FAKE_ARM_ENDPOINT]: server.origin });
    const sdk = new KeyVaultManagementClient(credential, SUB, {
      httpClient,
      retryOptions: { maxRetries: 0 },
    });
    const kv = new VaultsClient(SUB, credential, {
      fetch: routedFetch({ [FAKE_ARM_ENDPOINT]: server.origin }),
      sleep: () => Promise.resolve(),
    });
    const poll = { updateIntervalInMs: 1 };

    // create: both go PUT → 201 RegisteringDns + Location → polls → Succeeded.
    let mark = arm.requests.length;
    const bySdk = await sdk.vaults.beginCreateOrUpdateAndWait(RG, "sdk-vault", parameters, poll);
    const sdkCreate = arm.requests.slice(mark);
    mark = arm.requests.length;
    const byKv = await kv.createOrUpdate(RG, "kv-vault", parameters);
    const kvCreate = arm.requests.slice(mark);
    assert.equal(bySdk.properties.provisioningState, "Succeeded");
    assert.deepEqual(shape(byKv, "kv-vault"), shape(bySdk, "sdk-vault"));
    assert.ok(
      bySdk.systemData?.createdAt instanceof Date && byKv.systemData?.createdAt instanceof Date,
    );
    assert.equal(+byKv.systemData.createdAt, +bySdk.systemData.createdAt);
    assert.deepEqual(
      JSON.parse(kvCreate[0]!.body),
      JSON.parse(sdkCreate[0]!.body),
      "the same PUT body",
    );
    assert.deepEqual(
      kvCreate.map((r) => r.operation),
      sdkCreate.map((r) => r.operation),
      "the same polls",
    );
    assert.ok(sdkCreate.every((r) => r.authorization === "Bearer shared-token"));

    // A third vault, so that listings take two pages of two.
    await kv.createOrUpdate(RG, "third-vault", parameters);

    // get
    for (const name of ["sdk-vault", "kv-vault", "third-vault"]) {
      assert.deepEqual(
        JSON.parse(JSON.stringify(await kv.get(RG, name))),
        JSON.parse(JSON.stringify(await sdk.vaults.get(RG, name))),
      );
    }

    // list, across $skiptoken pages
    const all = async <T>(list: AsyncIterable<T>) => {
      const out: T[] = [];
      for await (const item of list) out.push(item);
      return JSON.parse(JSON.stringify(out));
    };
    mark = arm.requests.length;
    const kvByGroup: Vault[] = await all(kv.listByResourceGroup(RG));
    assert.equal(arm.requests.length - mark, 2, "two pages");
    assert.deepEqual(kvByGroup, await all(sdk.vaults.listByResourceGroup(RG)));
    assert.deepEqual(kvByGroup.map((v) => v.name), ["sdk-vault", "kv-vault", "third-vault"]);
    assert.deepEqual(
      await all(kv.listBySubscription()),
      await all(sdk.vaults.listBySubscription()),
    );
    assert.deepEqual(await all(kv.list()), await all(sdk.vaults.list()));

    // delete (synchronous), then the deleted vaults
    await sdk.vaults.delete(RG, "sdk-vault");
    await kv.delete(RG, "kv-vault");
    const kvDeleted = await all(kv.listDeleted());
    assert.deepEqual(kvDeleted, await all(sdk.vaults.listDeleted()));
    assert.deepEqual(kvDeleted.map((d: { name: string }) => d.name), ["sdk-vault", "kv-vault"]);
    for (const name of ["sdk-vault", "kv-vault"]) {
      const mine = await kv.getDeleted(name, "westus");
      const theirs = await sdk.vaults.getDeleted(name, "westus");
      assert.ok(
        mine.properties?.deletionDate instanceof Date &&
          theirs.properties?.deletionDate instanceof Date,
      );
      assert.deepEqual(JSON.parse(JSON.stringify(mine)), JSON.parse(JSON.stringify(theirs)));
    }
    assert.deepEqual(
      shape(await kv.getDeleted("kv-vault", "westus"), "kv-vault"),
      shape(await kv.getDeleted("sdk-vault", "westus"), "sdk-vault"),
    );

    // purge: 202 + Location, polled to 200, by both
    mark = arm.requests.length;
    await sdk.vaults.beginPurgeDeletedAndWait("sdk-vault", "westus", poll);
    const sdkPurge = arm.requests.slice(mark).map((r) => `${r.operation} ${r.status}`);
    mark = arm.requests.length;
    await kv.purgeDeleted("kv-vault", "westus");
    const kvPurge = arm.requests.slice(mark).map((r) => `${r.operation} ${r.status}`);
    assert.deepEqual(kvPurge, [
      "Vaults_PurgeDeleted 202",
      "KeyVault_OperationResult 202",
      "KeyVault_OperationResult 200",
    ]);
    assert.deepEqual(kvPurge, sdkPurge);
    assert.deepEqual(await all(kv.listDeleted()), []);
    assert.deepEqual(await all(sdk.vaults.listDeleted()), []);
    assert.deepEqual(
      await kv.checkNameAvailability("sdk-vault"),
      await sdk.vaults.checkNameAvailability({
        name: "sdk-vault",
        type: "Microsoft.KeyVault/vaults",
      }),
    );
    assert.deepEqual(httpClient.refused, [], "the SDK sent nothing anywhere else");
  } finally {
    await server.close();
  }
});
