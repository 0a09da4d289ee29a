// A user's own test suite (node:test) for app.js, against kvfetch's embedded emulator: Entra ID
// and Key Vault in memory, real host names, no network, no mocks of kvfetch itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator } from "kvfetch/testing";
import { SecretClient } from "kvfetch/secrets";
import { databaseUrl } from "./app.js";

test("databaseUrl reads the password from the vault", async () => {
  const emulator = createEmulator({ vaults: ["appvault"] });
  const vaultUrl = emulator.vaultUrl("appvault");
  const admin = new SecretClient(vaultUrl, emulator.credential(), { fetch: emulator.fetch });
  await admin.setSecret("db-password", "p@ss word");
  const url = await databaseUrl(vaultUrl, emulator.credential(), { fetch: emulator.fetch });
  assert.equal(url, "postgres://app:p%40ss%20word@db.internal/app");
});

test("databaseUrl survives a throttled vault (kvfetch retries)", async () => {
  const emulator = createEmulator({ vaults: ["appvault"] });
  const vaultUrl = emulator.vaultUrl("appvault");
  const admin = new SecretClient(vaultUrl, emulator.credential(), { fetch: emulator.fetch });
  await admin.setSecret("db-password", "x");
  emulator.faults.throttle(2, { retryAfter: 0, service: "vault" });
  const url = await databaseUrl(vaultUrl, emulator.credential(), { fetch: emulator.fetch });
  assert.equal(url, "postgres://app:x@db.internal/app");
});

test("a missing secret is an error the app sees", async () => {
  const emulator = createEmulator({ vaults: ["appvault"] });
  await assert.rejects(
    databaseUrl(emulator.vaultUrl("appvault"), emulator.credential(), { fetch: emulator.fetch }),
    (error) => error instanceof Error && /db-password|not found/i.test(error.message),
  );
});
