/**
 * Against a real vault and a real Entra ID tenant: opt-in, skipped visibly otherwise.
 *
 * Set KVFETCH_LIVE_VAULT_URL (e.g. https://myvault.vault.azure.net) and the usual AZURE_*
 * variables for credentialFromEnv() (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or a
 * certificate), then run `deno task test:live` (the normal test task allows loopback only).
 * The identity needs secret get/set/list/delete/recover/purge permissions; the test creates,
 * reads, lists, deletes and purges one secret named kvfetch-live-<random>.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { readFile } from "node:fs/promises";
import { credentialFromEnv, RestError, SecretClient } from "../../mod.ts";

const vaultUrl = process.env.KVFETCH_LIVE_VAULT_URL;
const skip = vaultUrl
  ? false
  : "set KVFETCH_LIVE_VAULT_URL and AZURE_* to run against a real vault";

test("live: SecretClient round-trips a secret in a real vault", { skip }, async () => {
  const credential = credentialFromEnv(process.env, {
    readFile: (path) => readFile(path, "utf8"),
  });
  const client = new SecretClient(vaultUrl!, credential);
  const name = `kvfetch-live-${crypto.randomUUID().slice(0, 8)}`;
  const value = `value-${crypto.randomUUID()}`;
  const set = await client.setSecret(name, value, {
    contentType: "text/plain",
    tags: { by: "kvfetch" },
  });
  try {
    assert.equal(set.value, value);
    const got = await client.getSecret(name, { version: set.properties.version });
    assert.equal(got.value, value);
    assert.equal(got.properties.contentType, "text/plain");
    let listed = false;
    for await (const p of client.listPropertiesOfSecrets()) if (p.name === name) listed = true;
    assert.ok(listed, "the new secret is listed");
  } finally {
    const deleted = await client.deleteSecret(name, { pollIntervalMs: 1000 });
    if (deleted.recoveryId) {
      // Purge protection may forbid this; the secret then expires with the vault's retention.
      await client.purgeDeletedSecret(name).catch((e) => {
        if (!(e instanceof RestError && e.status === 403)) throw e;
      });
    }
  }
});
