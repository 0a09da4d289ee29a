/** kvfetch's ManagedIdentityCredential against the emulator's IMDS and App Service endpoints. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { clearCaches, ManagedIdentityCredential, SecretClient } from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";
import { decodeJwt } from "jose";

const USER_ASSIGNED = {
  clientId: "77777777-7777-4777-8777-777777777777",
  clientSecret: "unused",
  objectId: "88888888-8888-4888-8888-888888888888",
};

test("emulator: ManagedIdentityCredential through IMDS (system- and user-assigned)", async () => {
  clearCaches();
  const emulator = createEmulator({ vaults: ["mivault"] });
  const emulator2 = createEmulator({ apps: [emulator.apps[0]!, USER_ASSIGNED] });
  const credential = new ManagedIdentityCredential({ env: {}, fetch: emulator.fetch });
  const client = new SecretClient(emulator.vaultUrl("mivault"), credential, {
    fetch: emulator.fetch,
  });
  await client.setSecret("mi", "imds");
  assert.equal((await client.getSecret("mi")).value, "imds");
  const user = new ManagedIdentityCredential({
    env: {},
    clientId: USER_ASSIGNED.clientId,
    fetch: emulator2.fetch,
  });
  const token = await user.getToken("https://vault.azure.net/.default");
  assert.equal(decodeJwt(token.token).oid, USER_ASSIGNED.objectId);
  const raw = await emulator.fetch(
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net",
  );
  assert.equal(raw.status, 400); // no Metadata: true
});

test("emulator: ManagedIdentityCredential through App Service's IDENTITY_ENDPOINT", async () => {
  clearCaches();
  const emulator = createEmulator({ vaults: ["mivault"] });
  const credential = new ManagedIdentityCredential({
    env: emulator.managedIdentityEnv,
    fetch: emulator.fetch,
  });
  const token = await credential.getToken("https://management.azure.com/.default");
  assert.equal(decodeJwt(token.token).aud, "https://management.azure.com/");
  clearCaches();
  const wrong = new ManagedIdentityCredential({
    env: { ...emulator.managedIdentityEnv, IDENTITY_HEADER: "wrong" },
    fetch: emulator.fetch,
  });
  await assert.rejects(wrong.getToken("https://vault.azure.net/.default"));
});
