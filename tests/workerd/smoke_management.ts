/**
 * The `kvfetch/management` part of the workerd smoke suite (`./smoke.ts` runs it): `VaultsClient`,
 * `ResourceGroupsClient` and `waitForDataPlane` against tests/_fake_arm.ts's ARM and vault data
 * plane, inside the worker, through an in-worker fake `fetch`. Nothing leaves the worker.
 *
 * @module
 */
import {
  ArmError,
  ArmOperationError,
  armResponseOf,
  ResourceGroupsClient,
  VaultsClient,
  waitForDataPlane,
} from "kvfetch/management";
import { KvfetchError, StaticTokenCredential } from "kvfetch";
import {
  FAKE_ARM_ENDPOINT,
  FAKE_ARM_TENANT_ID,
  FAKE_SUBSCRIPTION_ID,
  fakeArm,
} from "../_fake_arm.ts";

type Check = (name: string, fn: () => Promise<void> | void) => Promise<void>;

class AssertionFailed extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

function equal<T>(actual: T, expected: T, what: string): void {
  assert(
    Object.is(actual, expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

/** A JWT-shaped ARM token naming the tenant (its `tid`), unsigned: the fake does not verify. */
function armToken(): string {
  const part = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "none" })}.${
    part({ aud: "https://management.azure.com", tid: FAKE_ARM_TENANT_ID })
  }.x`;
}

/** Runs the management checks with `check`. */
export async function runManagementSmoke(check: Check): Promise<void> {
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const now = () => clock;
  const sleep = (ms: number, signal?: AbortSignal) => {
    clock += ms;
    signal?.throwIfAborted();
    return Promise.resolve();
  };
  const arm = fakeArm({ now, pageSize: 2, registrationPolls: 2, dnsLag: 2 });
  const vaultHost = "https://smoke-vault.vault.azure.net";
  const seen: string[] = [];
  const routes: Record<string, (request: Request) => Promise<Response>> = {
    [FAKE_ARM_ENDPOINT]: arm.handler,
    [vaultHost]: arm.dataPlaneHandler("smoke-vault"),
  };
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    seen.push(new URL(request.url).origin);
    const handler = routes[new URL(request.url).origin];
    if (!handler) throw new TypeError(`fake fetch: no route for ${request.url}`);
    return await handler(request);
  };
  const credential = new StaticTokenCredential({
    token: armToken(),
    expiresOnTimestamp: clock + 3_600_000,
  }, { now });
  const http = { fetch, now, sleep };
  const vaults = new VaultsClient(FAKE_SUBSCRIPTION_ID, credential, http);
  const groups = new ResourceGroupsClient(FAKE_SUBSCRIPTION_ID, credential, http);
  const parameters = {
    location: "westus",
    properties: {
      tenantId: FAKE_ARM_TENANT_ID,
      sku: { name: "standard" as const },
      accessPolicies: [],
    },
  };

  await check("ResourceGroupsClient creates and reads a resource group", async () => {
    const group = await groups.createOrUpdate("smoke-rg", { location: "westus" });
    equal(group.name, "smoke-rg", "name");
    equal(armResponseOf(group)?.status, 201, "status");
    equal((await groups.get("smoke-rg")).properties?.provisioningState, "Succeeded", "state");
  });

  await check(
    "VaultsClient.createOrUpdate() polls 201 RegisteringDns + Location to Succeeded",
    async () => {
      const before = arm.requests.length;
      const vault = await vaults.createOrUpdate("smoke-rg", "smoke-vault", parameters);
      equal(vault.properties.provisioningState, "Succeeded", "state");
      equal(vault.properties.vaultUri, `${vaultHost}/`, "vaultUri");
      assert(vault.systemData?.createdAt instanceof Date, "createdAt is a Date");
      equal(arm.requests.length - before, 3, "PUT and two polls");
      assert(
        arm.requests.every((r) => r.authorization === `Bearer ${armToken()}`),
        "every request carries the token",
      );
    },
  );

  await check(
    "waitForDataPlane() waits through VaultRegisteringDns to the 401 challenge",
    async () => {
      const before = seen.filter((o) => o === vaultHost).length;
      await waitForDataPlane(`${vaultHost}/`, { fetch, now, sleep });
      equal(seen.filter((o) => o === vaultHost).length - before, 3, "two refusals, then ready");
    },
  );

  await check(
    "VaultsClient.createOrUpdate() through Azure-AsyncOperation, and its failure",
    async () => {
      arm.createStyle = "asyncOperation";
      const vault = await vaults.createOrUpdate("smoke-rg", "smoke-async", parameters);
      equal(vault.properties.provisioningState, "Succeeded", "state");
      arm.state.failNextOperation({ status: 400, code: "VaultCreationFailed", message: "no" });
      const error = await vaults.createOrUpdate("smoke-rg", "smoke-failed", parameters).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert(error instanceof ArmOperationError, `an ArmOperationError, got ${error}`);
      equal(error.errorCode, "VaultCreationFailed", "error code");
      arm.createStyle = "location";
    },
  );

  await check(
    "VaultsClient lists vaults across $skiptoken pages, by group, subscription and resources API",
    async () => {
      await vaults.createOrUpdate("smoke-rg", "smoke-third", parameters);
      const names: string[] = [];
      for await (const vault of vaults.listByResourceGroup("smoke-rg")) names.push(vault.name!);
      equal(names.join(","), "smoke-vault,smoke-async,smoke-third", "by group");
      let count = 0;
      for await (const _ of vaults.listBySubscription()) count++;
      equal(count, 3, "by subscription");
      const resources: string[] = [];
      for await (const resource of vaults.list()) resources.push(resource.type!);
      equal(resources.length, 3, "resources API");
      assert(arm.requests.some((r) => r.query.$skiptoken), "a $skiptoken page was read");
    },
  );

  await check("VaultsClient updates a vault, its access policies, and checks names", async () => {
    const updated = await vaults.update("smoke-rg", "smoke-vault", { tags: { env: "smoke" } });
    equal(updated.tags?.env, "smoke", "tag");
    const policies = await vaults.updateAccessPolicy("smoke-rg", "smoke-vault", "add", [{
      tenantId: FAKE_ARM_TENANT_ID,
      objectId: "4349cdfe-57fa-4f82-b57b-836dc8c26769",
      permissions: { secrets: ["get", "list"] },
    }]);
    equal(policies.properties.accessPolicies.length, 1, "policies");
    equal((await vaults.checkNameAvailability("smoke-vault")).reason, "AlreadyExists", "taken");
  });

  await check("VaultsClient deletes, lists deleted, recovers and purges (202 → 200)", async () => {
    await vaults.delete("smoke-rg", "smoke-third");
    const deleted: string[] = [];
    for await (const d of vaults.listDeleted()) deleted.push(d.name!);
    equal(deleted.join(","), "smoke-third", "deleted");
    assert(
      (await vaults.getDeleted("smoke-third", "westus")).properties?.deletionDate instanceof Date,
      "deletionDate",
    );
    const conflict = await vaults.createOrUpdate("smoke-rg", "smoke-third", parameters).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert(
      conflict instanceof ArmError && conflict.softDeletedConflict,
      `a soft-deleted conflict, got ${conflict}`,
    );
    const recovered = await vaults.recover("smoke-rg", "smoke-third", "westus");
    equal(recovered.properties.provisioningState, "Succeeded", "recovered");
    await vaults.delete("smoke-rg", "smoke-third");
    await vaults.purgeDeleted("smoke-third", "westus");
    equal(arm.state.deleted.size, 0, "purged");
  });

  await check("ResourceGroupsClient deletes a group through 202 Location polls", async () => {
    await groups.delete("smoke-rg");
    const error = await groups.get("smoke-rg").then(() => undefined, (e: unknown) => e);
    assert(error instanceof ArmError && error.status === 404, `a 404, got ${error}`);
  });

  await check(
    "an operation URL on another origin is refused, and nothing is sent there",
    async () => {
      const foreign = new VaultsClient(FAKE_SUBSCRIPTION_ID, credential, {
        ...http,
        fetch: () =>
          Promise.resolve(
            new Response(JSON.stringify({ properties: { provisioningState: "RegisteringDns" } }), {
              status: 201,
              headers: { location: "https://attacker.example/op" },
            }),
          ),
      });
      const error = await foreign.createOrUpdate("rg", "vault1", parameters).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert(
        error instanceof KvfetchError && error.code === "ERR_FOREIGN_OPERATION_URL",
        `got ${error}`,
      );
    },
  );

  await check("management: nothing left the worker", () => {
    equal(
      [...new Set(seen)].sort().join(" "),
      [FAKE_ARM_ENDPOINT, vaultHost].sort().join(" "),
      "origins",
    );
  });
}
