/**
 * Bad input to the ARM clients: each rule is a TypeError (RangeError for numbers out of range)
 * that names it, and no request is sent, not even a token request.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ResourceGroupsClient,
  VaultsClient,
  type VaultsClientOptions,
  waitForDataPlane,
} from "../../mod.ts";
import { sampleParameters, SUB, TENANT } from "./_setup.ts";

/** Clients whose fetch and credential fail the test if they are ever used. */
function guarded(options: VaultsClientOptions = {}) {
  const used: string[] = [];
  const fetch = (url: string) => {
    used.push(`fetch ${url}`);
    return Promise.reject(new Error("no request may be sent"));
  };
  const credential = {
    getToken() {
      used.push("getToken");
      return Promise.reject(new Error("no token may be asked for"));
    },
  };
  return {
    used,
    vaults: new VaultsClient(SUB, credential, { fetch, ...options }),
    groups: new ResourceGroupsClient(SUB, credential, { fetch }),
    fetch,
    credential,
  };
}

async function refuses(
  call: () => Promise<unknown> | unknown,
  type: typeof TypeError | typeof RangeError,
  message: RegExp,
  used: string[],
): Promise<void> {
  let error: unknown;
  try {
    const result = call();
    // A listing checks when it is iterated.
    if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] == "function") {
      for await (const _ of result as AsyncIterable<unknown>) break;
    } else {
      await result;
    }
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof type, `expected a ${type.name} matching ${message}, got ${error}`);
  assert.match((error as Error).message, message);
  assert.deepEqual(used, [], "nothing was sent");
}

const p = sampleParameters;

test("vault names: 3-24 letters, digits and hyphens, starting with a letter, no --, no trailing hyphen", async () => {
  const { vaults, used } = guarded();
  const cases: [unknown, RegExp][] = [
    ["ab", /"vaultName" must be 3 to 24 characters \(got 2\)/],
    ["a".repeat(25), /must be 3 to 24 characters \(got 25\)/],
    ["my_vault", /may only contain letters, digits and hyphens \(found "_" at position 3\)/],
    ["my.vault", /found "\." at position 3/],
    ["vault✓ok", /found "✓" at position 6/],
    ["1vault", /must start with a letter/],
    ["-vault", /must start with a letter/],
    ["vault-", /must not end with a hyphen/],
    ["my--vault", /must not contain two consecutive hyphens/],
    [42, /"vaultName" must be a string/],
    [undefined, /"vaultName" must be a string/],
  ];
  for (const [name, message] of cases) {
    await refuses(() => vaults.get("rg", name as string), TypeError, message, used);
    await refuses(() => vaults.createOrUpdate("rg", name as string, p()), TypeError, message, used);
    await refuses(() => vaults.checkNameAvailability(name as string), TypeError, message, used);
    await refuses(() => vaults.getDeleted(name as string, "westus"), TypeError, message, used);
    await refuses(() => vaults.purgeDeleted(name as string, "westus"), TypeError, message, used);
  }
  // Names that are fine reach the (guarded) transport: the check is not too strict.
  for (const ok of ["abc", "a-b-c", "Vault1", "v".repeat(24), "a1-2-3"]) {
    await assert.rejects(vaults.get("rg", ok), /no token may be asked for/);
  }
});

test("resource group names: 1-90 of letters, digits, _ - . ( ), not ending with a period", async () => {
  const { vaults, groups, used } = guarded();
  const cases: [unknown, RegExp][] = [
    ["", /"resourceGroupName" must be 1 to 90 characters \(got 0\)/],
    ["r".repeat(91), /got 91/],
    ["my group", /found " " at position 3/],
    ["rg/../x", /found "\/" at position 3/],
    ["rg?x", /found "\?" at position 3/],
    ["ends.", /must not end with a period/],
    [null, /"resourceGroupName" must be a string/],
  ];
  for (const [name, message] of cases) {
    await refuses(() => vaults.get(name as string, "vault1"), TypeError, message, used);
    await refuses(() => vaults.listByResourceGroup(name as string), TypeError, message, used);
    await refuses(
      () => groups.createOrUpdate(name as string, { location: "westus" }),
      TypeError,
      message,
      used,
    );
    await refuses(() => groups.delete(name as string), TypeError, message, used);
  }
  for (const name of ["rg", "My_Group-1.(test)", "grüppe", "r".repeat(90)]) {
    await assert.rejects(groups.get(name), /no token may be asked for/);
  }
});

test("subscription and tenant ids must be UUIDs", async () => {
  const credential = { getToken: () => Promise.reject(new Error("unused")) };
  assert.throws(
    () => new VaultsClient("not-a-uuid", credential),
    /"subscriptionId" must be a UUID/,
  );
  assert.throws(() => new ResourceGroupsClient("", credential), TypeError);
  assert.throws(
    () => new VaultsClient(SUB, credential, { tenantId: "contoso.com" }),
    /"tenantId" must be a UUID/,
  );
  const { vaults, used } = guarded();
  const bad = (properties: Record<string, unknown>) => ({
    location: "westus",
    properties: { ...p().properties, ...properties },
  });
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", bad({ tenantId: "72f988bf" }) as never),
    TypeError,
    /"parameters\.properties\.tenantId" must be a UUID/,
    used,
  );
  await refuses(
    () =>
      vaults.createOrUpdate(
        "rg",
        "vault1",
        bad({ accessPolicies: [{ tenantId: TENANT, objectId: "me", permissions: {} }] }) as never,
      ),
    TypeError,
    /"parameters\.properties\.accessPolicies\[0\]\.objectId" must be a UUID/,
    used,
  );
  await refuses(
    () => vaults.recover("rg", "vault1", "westus", { tenantId: "x" }),
    TypeError,
    /"tenantId" must be a UUID/,
    used,
  );
  await refuses(
    () =>
      vaults.updateAccessPolicy("rg", "vault1", "add", [{
        tenantId: TENANT,
        objectId: TENANT,
        applicationId: "app",
        permissions: {},
      }]),
    TypeError,
    /"accessPolicies\[0\]\.applicationId" must be a UUID/,
    used,
  );
});

test("locations are a location's name: letters and digits", async () => {
  const { vaults, groups, used } = guarded();
  await refuses(
    () => vaults.getDeleted("vault1", 7 as never),
    TypeError,
    /"location" must be a string/,
    used,
  );
  for (const location of ["West US", "west-us", "", "westus/../x"]) {
    const message = /must be a location's name: letters and digits, like "westus2"/;
    await refuses(() => vaults.getDeleted("vault1", location as string), TypeError, message, used);
    await refuses(
      () => vaults.purgeDeleted("vault1", location as string),
      TypeError,
      message,
      used,
    );
    await refuses(
      () => vaults.recover("rg", "vault1", location as string),
      TypeError,
      message,
      used,
    );
    await refuses(
      () => vaults.createOrUpdate("rg", "vault1", { ...p(), location: location as string }),
      TypeError,
      /"parameters\.location"/,
      used,
    );
    await refuses(
      () => groups.createOrUpdate("rg", { location: location as string }),
      TypeError,
      /"parameters\.location"/,
      used,
    );
  }
});

test("permission values, SKUs, retention days, create modes and network rules are checked", async () => {
  const { vaults, used } = guarded();
  const policy = (
    permissions: Record<string, unknown>,
  ) => [{ tenantId: TENANT, objectId: TENANT, permissions }];
  const withProperties = (properties: Record<string, unknown>) =>
    ({ location: "westus", properties: { ...p().properties, ...properties } }) as never;
  const cases: [Record<string, unknown>, typeof TypeError | typeof RangeError, RegExp][] = [
    [
      { accessPolicies: policy({ keys: ["read"] }) },
      TypeError,
      /"parameters\.properties\.accessPolicies\[0\]\.permissions\.keys\[0\]" must be a keys permission \(all, encrypt, .*\); got "read"/,
    ],
    [
      { accessPolicies: policy({ secrets: ["get", "sign"] }) },
      TypeError,
      /permissions\.secrets\[1\]" must be a secrets permission/,
    ],
    [
      { accessPolicies: policy({ certificates: "get" }) },
      TypeError,
      /permissions\.certificates" must be an array of permissions/,
    ],
    [
      { accessPolicies: policy({ storage: [1] }) },
      TypeError,
      /permissions\.storage\[0\]" must be a storage permission .*; got number/,
    ],
    [
      { accessPolicies: [{ tenantId: TENANT, objectId: TENANT }] },
      TypeError,
      /permissions" must be an object/,
    ],
    [
      { accessPolicies: "all" },
      TypeError,
      /"parameters\.properties\.accessPolicies" must be an array/,
    ],
    [
      { accessPolicies: Array(1025).fill(policy({})[0]) },
      RangeError,
      /at most 1024 policies \(got 1025\)/,
    ],
    [
      { sku: { name: "basic" } },
      TypeError,
      /"parameters\.properties\.sku\.name" must be "standard" or "premium" \(got "basic"\)/,
    ],
    [{ sku: { name: "Standard" } }, TypeError, /sku\.name" must be "standard" or "premium"/],
    [{ sku: { name: "standard", family: "B" } }, TypeError, /sku\.family" must be "A"/],
    [{ sku: undefined }, TypeError, /"parameters\.properties\.sku" must be an object/],
    [
      { softDeleteRetentionInDays: 6 },
      RangeError,
      /softDeleteRetentionInDays" must be a whole number of days from 7 to 90 \(got 6\)/,
    ],
    [{ softDeleteRetentionInDays: 91 }, RangeError, /from 7 to 90 \(got 91\)/],
    [{ softDeleteRetentionInDays: 30.5 }, RangeError, /got 30\.5/],
    [{ createMode: "restore" }, TypeError, /createMode" must be "default" or "recover"/],
    [{ enablePurgeProtection: "yes" }, TypeError, /enablePurgeProtection" must be a boolean/],
    [
      { networkAcls: { defaultAction: "Block" } },
      TypeError,
      /networkAcls\.defaultAction" must be "Allow" or "Deny"/,
    ],
    [
      { networkAcls: { bypass: "Everything" } },
      TypeError,
      /networkAcls\.bypass" must be "AzureServices" or "None"/,
    ],
    [
      { networkAcls: { ipRules: [{ value: 1 }] } },
      TypeError,
      /networkAcls\.ipRules\[0\]\.value" must be a string/,
    ],
  ];
  for (const [properties, type, message] of cases) {
    await refuses(
      () => vaults.createOrUpdate("rg", "vault1", withProperties(properties)),
      type,
      message,
      used,
    );
  }
  // The same rules hold for a patch and for access policy updates.
  await refuses(
    () => vaults.update("rg", "vault1", { properties: { softDeleteRetentionInDays: 100 } }),
    RangeError,
    /from 7 to 90/,
    used,
  );
  await refuses(
    () => vaults.update("rg", "vault1", { properties: { sku: { name: "gold" } } } as never),
    TypeError,
    /sku\.name/,
    used,
  );
  await refuses(
    () => vaults.updateAccessPolicy("rg", "vault1", "add", policy({ keys: ["fly"] }) as never),
    TypeError,
    /accessPolicies\[0\]\.permissions\.keys\[0\]/,
    used,
  );
  await refuses(
    () => vaults.updateAccessPolicy("rg", "vault1", "merge" as never, []),
    TypeError,
    /"operationKind" must be "add", "replace" or "remove"/,
    used,
  );
  await refuses(
    () => vaults.recover("rg", "vault1", "westus", { sku: "free" as never }),
    TypeError,
    /"sku\.name" must be "standard" or "premium"/,
    used,
  );
  // Tags: ARM's 50.
  const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"]));
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", { ...p(), tags }),
    RangeError,
    /"tags" may hold at most 50 tags \(got 51\)/,
    used,
  );
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", { ...p(), tags: { a: 1 } } as never),
    TypeError,
    /"tags" values must be strings/,
    used,
  );
  // Permission values are compared without case, as ARM does: "Get" passes.
  await assert.rejects(
    vaults.createOrUpdate(
      "rg",
      "vault1",
      withProperties({ accessPolicies: policy({ secrets: ["Get", "LIST"] }) }),
    ),
    /no token may be asked for/,
  );
});

test("parameters must be objects; options are checked too", async () => {
  const { vaults, used } = guarded();
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", null as never),
    TypeError,
    /"parameters" must be an object/,
    used,
  );
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", { location: "westus" } as never),
    TypeError,
    /"parameters\.properties" must be an object/,
    used,
  );
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", p(), { pollIntervalMs: -1 }),
    RangeError,
    /"pollIntervalMs"/,
    used,
  );
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", p(), { maxWaitMs: -5 }),
    RangeError,
    /"maxWaitMs"/,
    used,
  );
  await refuses(
    () => vaults.createOrUpdate("rg", "vault1", p(), { onResponse: 3 as never }),
    TypeError,
    /"onResponse" must be a function/,
    used,
  );
  await refuses(
    () => vaults.listBySubscription({ top: 0 }),
    RangeError,
    /"top" must be a positive integer/,
    used,
  );
  await refuses(
    () => vaults.listDeleted().byPage({ maxPageSize: 1.5 }),
    RangeError,
    /"maxPageSize"/,
    used,
  );
  await refuses(
    () => vaults.get("rg", "vault1", { signal: "stop" as never }),
    TypeError,
    /"signal" must be an AbortSignal/,
    used,
  );
});

test("client options: endpoints must be https origins (loopback http only when allowed), api-versions dated", () => {
  const credential = { getToken: () => Promise.reject(new Error("unused")) };
  assert.throws(
    () => new VaultsClient(SUB, credential, { endpoint: "http://management.azure.com" }),
    /"endpoint" must be an https: URL/,
  );
  assert.throws(
    () => new VaultsClient(SUB, credential, { endpoint: "http://127.0.0.1:8080" }),
    /only with the "allowInsecureLoopback" option/,
  );
  assert.ok(
    new VaultsClient(SUB, credential, {
      endpoint: "http://127.0.0.1:8080",
      allowInsecureLoopback: true,
    }),
  );
  assert.throws(
    () => new VaultsClient(SUB, credential, { endpoint: "https://management.azure.com/x" }),
    /"endpoint" must be a bare origin/,
  );
  assert.throws(
    () => new VaultsClient(SUB, credential, { apiVersion: "7.6" }),
    /"apiVersion" must be an ARM api-version/,
  );
  assert.throws(
    () => new VaultsClient(SUB, credential, { cloud: "mars" as never }),
    /"cloud" option/,
  );
  assert.throws(() => new VaultsClient(SUB, {} as never), /"credential" must be a TokenCredential/);
  const gov = new VaultsClient(SUB, credential, { cloud: "usGovernment" });
  assert.equal(gov.endpoint, "https://management.usgovcloudapi.net");
  assert.equal(
    new VaultsClient(SUB, credential, { cloud: "china" }).endpoint,
    "https://management.chinacloudapi.cn",
  );
});

test("waitForDataPlane: the vault URL must be a bare https vault URL of a known cloud", async () => {
  const used: string[] = [];
  const fetch = (url: string) => {
    used.push(url);
    return Promise.reject(new Error("no request"));
  };
  const cases: [string, RegExp][] = [
    ["http://vault1.vault.azure.net/", /"vaultUri" must be an https: URL/],
    ["https://vault1.vault.azure.net/secrets", /"vaultUri" must be the bare vault URL/],
    ["https://vault1.vault.azure.net/?x=1", /must be the bare vault URL/],
    ["https://attacker.example/", /is not a Key Vault or Managed HSM host/],
    ["not a url", /"vaultUri" must be an absolute URL/],
  ];
  for (const [uri, message] of cases) {
    await refuses(() => waitForDataPlane(uri, { fetch }), TypeError, message, used);
  }
  await refuses(
    () => waitForDataPlane("https://vault1.vault.azure.net", { fetch, maxWaitMs: -1 }),
    RangeError,
    /"maxWaitMs"/,
    used,
  );
  await refuses(
    () => waitForDataPlane("https://vault1.vault.azure.net", { fetch, serviceVersion: "latest" }),
    TypeError,
    /"serviceVersion"/,
    used,
  );
});
