/**
 * kvfetch's KeyClient, CryptographyClient, signJwt/verifyJwt, VaultsClient, ResourceGroupsClient
 * and waitForDataPlane against the emulator with default options: a vault created through ARM
 * answers at its vaultUri, a deleted one goes away, a recovered one comes back with its data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clearCaches,
  CryptographyClient,
  KeyClient,
  ResourceGroupsClient,
  RestError,
  SecretClient,
  signJwt,
  VaultsClient,
  verifyJwt,
  waitForDataPlane,
} from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";
import { importJWK, jwtVerify } from "jose";

test("emulator: KeyClient and CryptographyClient with real cryptography (RSA, EC, P-256K)", async () => {
  clearCaches();
  const emulator = createEmulator({ vaults: ["keyvault1"] });
  const credential = emulator.credential();
  const options = { fetch: emulator.fetch };
  const keys = new KeyClient(emulator.vaultUrl("keyvault1"), credential, options);
  const rsa = await keys.createRsaKey("rsa1", { keySize: 2048 });
  assert.equal(rsa.key?.kty, "RSA");
  const crypto1 = new CryptographyClient(rsa, credential, options);
  const plaintext = new TextEncoder().encode("hello emulator");
  const encrypted = await crypto1.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
  const decrypted = await crypto1.decrypt({
    algorithm: "RSA-OAEP-256",
    ciphertext: encrypted.result,
  });
  assert.deepEqual(decrypted.result, plaintext);
  const wrapped = await crypto1.wrapKey("RSA-OAEP", new Uint8Array(32).fill(7));
  assert.deepEqual(
    (await crypto1.unwrapKey("RSA-OAEP", wrapped.result)).result,
    new Uint8Array(32).fill(7),
  );
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", plaintext));
  for (const alg of ["RS256", "PS256"] as const) {
    const signed = await crypto1.sign(alg, digest);
    assert.equal((await crypto1.verify(alg, digest, signed.result)).result, true);
  }
  for (const curve of ["P-256", "P-384", "P-256K"] as const) {
    const ec = await keys.createEcKey(`ec-${curve.toLowerCase()}`, { curve });
    const alg = curve === "P-256" ? "ES256" : curve === "P-384" ? "ES384" : "ES256K";
    const signer = new CryptographyClient(ec, credential, options);
    if (curve === "P-256K") {
      // Not in Web Crypto or jose: signed and verified by the vault (noble's curve arithmetic).
      const signed = await signer.sign("ES256K", digest);
      assert.equal(signed.result.length, 64);
      assert.equal((await signer.verify("ES256K", digest, signed.result)).result, true);
      continue;
    }
    const jwt = await signJwt({ sub: "me" }, { key: signer, alg });
    const verified = await verifyJwt(jwt, ec);
    assert.equal(verified.payload.sub, "me");
  }
  const token = await signJwt({ sub: "rsa" }, { key: crypto1 });
  const { n, e } = rsa.key as { n: string; e: string };
  const { payload } = await jwtVerify(token, await importJWK({ kty: "RSA", n, e }, "RS256"));
  assert.equal(payload.sub, "rsa");

  const rotated = await keys.rotateKey("rsa1");
  assert.notEqual(rotated.properties.version, rsa.properties.version);
  // As in Azure: random bytes come from a Managed HSM only.
  await assert.rejects(
    keys.getRandomBytes(16),
    (e: unknown) => e instanceof RestError && e.status === 400,
  );
  const names: string[] = [];
  for await (const k of keys.listPropertiesOfKeys()) names.push(k.name);
  assert.deepEqual(names.sort(), ["ec-p-256", "ec-p-256k", "ec-p-384", "rsa1"]);
  await keys.deleteKey("rsa1");
  await keys.recoverDeletedKey("rsa1");
  const backup = await keys.backupKey("ec-p-256");
  await keys.deleteKey("ec-p-256");
  await keys.purgeDeletedKey("ec-p-256");
  assert.equal((await keys.restoreKeyBackup(backup)).name, "ec-p-256");
});

test("emulator: a vault made through ARM answers at its vaultUri; deleted it goes away, recovered it comes back", async () => {
  clearCaches();
  const emulator = createEmulator();
  const credential = emulator.credential();
  const options = { fetch: emulator.fetch };
  const groups = new ResourceGroupsClient(emulator.subscriptionId, credential, options);
  const vaults = new VaultsClient(emulator.subscriptionId, credential, options);
  await groups.createOrUpdate("rg1", { location: "westus2" });
  const check = await vaults.checkNameAvailability("kv-emu-1");
  assert.equal(check.nameAvailable, true);
  const vault = await vaults.createOrUpdate("rg1", "kv-emu-1", {
    location: "westus2",
    properties: {
      tenantId: emulator.tenantId,
      sku: { name: "standard" },
      accessPolicies: [{
        tenantId: emulator.tenantId,
        objectId: emulator.apps[0]!.objectId,
        permissions: { secrets: ["get", "set", "list", "delete"] },
      }],
    },
  });
  assert.equal(vault.properties.provisioningState, "Succeeded");
  const vaultUri = vault.properties.vaultUri!;
  assert.equal(vaultUri, "https://kv-emu-1.vault.azure.net/");
  await waitForDataPlane(vaultUri, { fetch: emulator.fetch });
  const secrets = new SecretClient(vaultUri, credential, options);
  await secrets.setSecret("s", "v");
  assert.equal((await vaults.get("rg1", "kv-emu-1")).name, "kv-emu-1");
  let listed = 0;
  for await (const _ of vaults.listByResourceGroup("rg1")) listed++;
  assert.equal(listed, 1);
  await vaults.updateAccessPolicy("rg1", "kv-emu-1", "add", [{
    tenantId: emulator.tenantId,
    objectId: "00000000-0000-4000-8000-000000000001",
    permissions: { keys: ["get"] },
  }]);

  await vaults.delete("rg1", "kv-emu-1");
  await assert.rejects(emulator.fetch(`${vaultUri}secrets?api-version=7.6`), TypeError);
  const deleted: string[] = [];
  for await (const d of vaults.listDeleted()) deleted.push(d.name!);
  assert.deepEqual(deleted, ["kv-emu-1"]);
  await vaults.recover("rg1", "kv-emu-1", "westus2");
  await waitForDataPlane(vaultUri, { fetch: emulator.fetch });
  clearCaches();
  assert.equal((await new SecretClient(vaultUri, credential, options).getSecret("s")).value, "v");

  await vaults.delete("rg1", "kv-emu-1");
  await vaults.purgeDeleted("kv-emu-1", "westus2");
  await assert.rejects(
    vaults.getDeleted("kv-emu-1", "westus2"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
  // A new vault of the same name starts empty.
  await vaults.createOrUpdate("rg1", "kv-emu-1", {
    location: "westus2",
    properties: { tenantId: emulator.tenantId, sku: { name: "standard" }, accessPolicies: [] },
  });
  clearCaches();
  await assert.rejects(
    new SecretClient(vaultUri, credential, options).getSecret("s"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
  const snap = emulator.snapshot();
  assert.equal((snap.arm as { vaults: unknown[] }).vaults.length, 1);
});

test("emulator: ARM refuses a vault-audience or expired token with 401 and WWW-Authenticate", async () => {
  const emulator = createEmulator({ now: Date.UTC(2026, 0, 1) });
  const url =
    `https://management.azure.com/subscriptions/${emulator.subscriptionId}/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01`;
  const vaultToken = await emulator.credential().getToken("https://vault.azure.net/.default");
  const wrong = await emulator.fetch(url, {
    headers: { authorization: `Bearer ${vaultToken!.token}` },
  });
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error.code, "InvalidAuthenticationTokenAudience");
  assert.match(wrong.headers.get("www-authenticate")!, /error="invalid_token"/);
  const armToken = await emulator.credential().getToken("https://management.azure.com/.default");
  const ok = await emulator.fetch(url, { headers: { authorization: `Bearer ${armToken!.token}` } });
  assert.equal(ok.status, 200);
  emulator.clock.advance(2 * 3600_000);
  const expired = await emulator.fetch(url, {
    headers: { authorization: `Bearer ${armToken!.token}` },
  });
  assert.equal(expired.status, 401);
  assert.equal((await expired.json()).error.code, "ExpiredAuthenticationToken");
  const bare = await emulator.fetch(url);
  assert.equal(bare.status, 401);
  assert.ok(bare.headers.get("www-authenticate"));
});
