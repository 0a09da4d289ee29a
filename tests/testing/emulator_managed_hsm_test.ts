/**
 * The emulator's Managed HSM pools (`managedHsms`): their own host, audience and challenge,
 * random bytes and `oct` keys; a vault token is refused; unknown pools do not resolve.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { clearCaches, ClientSecretCredential, KeyClient } from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";

test("managed HSM: its own challenge and audience, random bytes, oct keys; snapshot keeps its keys", async () => {
  clearCaches();
  const emulator = createEmulator({ managedHsms: ["myhsm"], vaults: ["myvault"] });
  const url = emulator.managedHsmUrl("myhsm");
  assert.equal(url, "https://myhsm.managedhsm.azure.net");
  const bare = await emulator.fetch(`${url}/keys?api-version=7.6`);
  assert.equal(bare.status, 401);
  assert.equal(
    bare.headers.get("www-authenticate"),
    `Bearer authorization="https://login.microsoftonline.com/${emulator.tenantId}", resource="https://managedhsm.azure.net"`,
  );
  const vaultToken = (await emulator.credential().getToken("https://vault.azure.net/.default"))!;
  const wrong = await emulator.fetch(`${url}/keys?api-version=7.6`, {
    headers: { authorization: `Bearer ${vaultToken.token}` },
  });
  assert.equal(wrong.status, 401);
  assert.match((await wrong.json()).error.message, /Expected https:\/\/managedhsm\.azure\.net/);

  const token = (await emulator.credential().getToken("https://managedhsm.azure.net/.default"))!;
  const post = (path: string, body: unknown) =>
    emulator.fetch(`${url}${path}?api-version=7.6`, {
      method: "POST",
      headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const random = await post("/rng", { count: 16 });
  assert.equal(random.status, 200);
  assert.equal((await random.json()).value.length, 22); // 16 bytes, base64url
  const oct = await post("/keys/aes/create", { kty: "oct-HSM", key_size: 256 });
  assert.equal(oct.status, 200);
  assert.equal((await oct.json()).key.kty, "oct-HSM");
  // A vault is not a pool: random bytes are refused there.
  const vaultRng = await emulator.fetch(`${emulator.vaultUrl("myvault")}/rng?api-version=7.6`, {
    method: "POST",
    headers: { authorization: `Bearer ${vaultToken.token}`, "content-type": "application/json" },
    body: JSON.stringify({ count: 16 }),
  });
  assert.equal(vaultRng.status, 400);
  await assert.rejects(emulator.fetch("https://other.managedhsm.azure.net/keys"), TypeError);

  // kvfetch's KeyClient with default options talks to the pool.
  const credential = new ClientSecretCredential({
    tenantId: emulator.tenantId,
    clientId: emulator.env.AZURE_CLIENT_ID,
    clientSecret: emulator.env.AZURE_CLIENT_SECRET,
    fetch: emulator.fetch,
  });
  const keys = new KeyClient(url, credential, { fetch: emulator.fetch });
  assert.equal((await keys.getKey("aes")).keyType, "oct-HSM");

  const again = createEmulator({ state: JSON.parse(JSON.stringify(emulator.snapshot())) });
  const t2 = (await again.credential().getToken("https://managedhsm.azure.net/.default"))!;
  const got = await again.fetch(`${url}/keys/aes?api-version=7.6`, {
    headers: { authorization: `Bearer ${t2.token}` },
  });
  assert.equal(got.status, 200);
});
