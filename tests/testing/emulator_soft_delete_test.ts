/**
 * The emulator's soft delete on its clock: recoverable days and recovery levels, scheduled purge
 * dates that the clock makes come true (the vault purges by itself), purge protection (Azure's
 * 403 on the data plane, `DeletedVaultPurge` refused on ARM), page size, and the asynchronous
 * completion of a delete.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator } from "../../lib/testing/mod.ts";
import { freshTokenClient } from "../_emulator_call.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

const V = "https://myvault.vault.azure.net";
const Q = "?api-version=7.6";

test("soft delete: recoverableDays and the recovery level follow the vault's retention", async () => {
  for (
    const [days, protection, level] of [
      [90, false, "Recoverable+Purgeable"],
      [90, true, "Recoverable"],
      [7, false, "CustomizedRecoverable+Purgeable"],
      [30, true, "CustomizedRecoverable"],
    ] as const
  ) {
    const emulator = createEmulator({
      vaults: ["myvault"],
      now: START,
      recoverableDays: days,
      purgeProtection: protection,
    });
    const call = freshTokenClient(emulator);
    const secret = await call("PUT", `${V}/secrets/s1${Q}`, { value: "v" });
    assert.equal(secret.json.attributes.recoverableDays, days);
    assert.equal(secret.json.attributes.recoveryLevel, level);
    const key = await call("POST", `${V}/keys/k1/create${Q}`, { kty: "EC", crv: "P-256" });
    assert.equal(key.json.attributes.recoverableDays, days);
    assert.equal(key.json.attributes.recoveryLevel, level);
    const deleted = await call("DELETE", `${V}/secrets/s1${Q}`);
    assert.equal(deleted.json.deletedDate, START / 1000);
    assert.equal(deleted.json.scheduledPurgeDate, START / 1000 + days * 86_400);
  }
});

test("soft delete: once the clock passes the scheduled purge date, the vault has purged the item", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: START, recoverableDays: 7 });
  const call = freshTokenClient(emulator);
  await call("PUT", `${V}/secrets/s1${Q}`, { value: "v" });
  await call("POST", `${V}/keys/k1/create${Q}`, { kty: "EC", crv: "P-256" });
  await call("DELETE", `${V}/secrets/s1${Q}`);
  await call("DELETE", `${V}/keys/k1${Q}`);
  emulator.clock.advance(7 * DAY - 1000);
  assert.equal((await call("GET", `${V}/deletedsecrets/s1${Q}`)).status, 200);
  assert.equal((await call("GET", `${V}/deletedkeys/k1${Q}`)).status, 200);
  emulator.clock.advance(1000);
  const gone = await call("GET", `${V}/deletedsecrets/s1${Q}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error.code, "SecretNotFound");
  assert.equal((await call("GET", `${V}/deletedkeys/k1${Q}`)).status, 404);
  assert.deepEqual((await call("GET", `${V}/deletedsecrets${Q}`)).json.value, []);
  // The name is free again.
  assert.equal((await call("PUT", `${V}/secrets/s1${Q}`, { value: "again" })).status, 200);
  assert.equal(
    (await call("POST", `${V}/keys/k1/create${Q}`, { kty: "EC", crv: "P-256" })).status,
    200,
  );
});

test("purge protection: purging a deleted secret or key answers Azure's 403; recovery still works", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: START, purgeProtection: true });
  const call = freshTokenClient(emulator);
  await call("PUT", `${V}/secrets/s1${Q}`, { value: "v" });
  await call("POST", `${V}/keys/k1/create${Q}`, { kty: "RSA" });
  await call("DELETE", `${V}/secrets/s1${Q}`);
  await call("DELETE", `${V}/keys/k1${Q}`);
  for (const path of ["deletedsecrets/s1", "deletedkeys/k1"]) {
    const purge = await call("DELETE", `${V}/${path}${Q}`);
    assert.equal(purge.status, 403);
    assert.equal(purge.json.error.code, "Forbidden");
    assert.match(
      purge.json.error.message,
      /^Operation "purge" is not allowed because purge protection is enabled for this vault\. Key Vault service will automatically purge it after the retention period has passed\.\r\nVault: myvault;location=westus2$/,
    );
  }
  assert.equal((await call("GET", `${V}/deletedsecrets/s1${Q}`)).status, 200);
  assert.equal((await call("POST", `${V}/deletedsecrets/s1/recover${Q}`)).status, 200);
  // Only the clock purges a protected vault's items.
  emulator.clock.advance(90 * DAY);
  assert.equal((await call("GET", `${V}/deletedkeys/k1${Q}`)).status, 404);
});

test("purge protection through ARM: the data plane follows the vault property; ARM refuses DeletedVaultPurge", async () => {
  const emulator = createEmulator({ now: START, registrationPolls: 0 });
  const arm = freshTokenClient(emulator, "https://management.azure.com/.default");
  const sub = `https://management.azure.com/subscriptions/${emulator.subscriptionId}`;
  assert.equal(
    (await arm("PUT", `${sub}/resourcegroups/rg?api-version=2021-04-01`, { location: "westus" }))
      .status,
    201,
  );
  const vaultPath = `${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/pp-vault`;
  const properties = {
    tenantId: emulator.tenantId,
    sku: { family: "A", name: "standard" },
    accessPolicies: [],
    enableRbacAuthorization: true,
    softDeleteRetentionInDays: 7,
  };
  const made = await arm("PUT", `${vaultPath}?api-version=2026-04-01`, {
    location: "westus",
    properties,
  });
  assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made.json));
  const call = freshTokenClient(emulator);
  const url = "https://pp-vault.vault.azure.net";
  await call("PUT", `${url}/secrets/s1${Q}`, { value: "v" });
  await call("DELETE", `${url}/secrets/s1${Q}`);
  // Switched on later through ARM: the data plane answers it at once.
  const updated = await arm("PUT", `${vaultPath}?api-version=2026-04-01`, {
    location: "westus",
    properties: { ...properties, enablePurgeProtection: true },
  });
  assert.equal(updated.status, 200, JSON.stringify(updated.json));
  const purge = await call("DELETE", `${url}/deletedsecrets/s1${Q}`);
  assert.equal(purge.status, 403);
  assert.match(purge.json.error.message, /Vault: pp-vault;location=westus$/);
  assert.equal(
    (await call("GET", `${url}/deletedsecrets/s1${Q}`)).json.attributes.recoveryLevel,
    "CustomizedRecoverable",
  );
  // The vault itself: deleted, its purge refused, and gone once the clock passes its date.
  assert.equal((await arm("DELETE", `${vaultPath}?api-version=2026-04-01`)).status, 200);
  const deletedVault =
    `${sub}/providers/Microsoft.KeyVault/locations/westus/deletedVaults/pp-vault`;
  const refused = await arm("POST", `${deletedVault}/purge?api-version=2026-04-01`);
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.json.error, {
    code: "InvalidOperation",
    message: "Operation 'DeletedVaultPurge' is not allowed.",
  });
  assert.equal((await arm("GET", `${deletedVault}?api-version=2026-04-01`)).status, 200);
  emulator.clock.advance(7 * DAY);
  assert.equal((await arm("GET", `${deletedVault}?api-version=2026-04-01`)).status, 404);
});

test("deletePolls and pageSize: the delete completes after N 404 polls; listings page by pageSize", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], deletePolls: 3, pageSize: 2 });
  const call = freshTokenClient(emulator);
  for (const n of ["a", "b", "c"]) await call("PUT", `${V}/secrets/${n}${Q}`, { value: n });
  const first = await call("GET", `${V}/secrets${Q}`);
  assert.equal(first.json.value.length, 2);
  assert.match(first.json.nextLink, /^https:\/\/myvault\.vault\.azure\.net:443\/secrets\?/);
  const second = await call("GET", first.json.nextLink);
  assert.equal(second.json.value.length, 1);
  assert.equal(second.json.nextLink, null);
  assert.equal(
    (await call("GET", `${V}/secrets?api-version=7.6&maxresults=3`)).json.value.length,
    3,
  );
  assert.equal((await call("GET", `${V}/secrets?api-version=7.6&maxresults=26`)).status, 400);
  await call("DELETE", `${V}/secrets/a${Q}`);
  for (let i = 0; i < 3; i++) {
    assert.equal((await call("GET", `${V}/deletedsecrets/a${Q}`)).status, 404, `poll ${i + 1}`);
  }
  assert.equal((await call("GET", `${V}/deletedsecrets/a${Q}`)).status, 200);
  assert.throws(() => createEmulator({ pageSize: 0 }), TypeError);
  assert.throws(() => createEmulator({ recoverableDays: 6 }), TypeError);
});
