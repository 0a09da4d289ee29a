/**
 * The emulator plays a national cloud (`cloud` option): that cloud's Entra, vault and ARM hosts,
 * challenges and audiences, so kvfetch's clients given the same cloud work with default options.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AzureClouds,
  clearCaches,
  ClientSecretCredential,
  ResourceGroupsClient,
  SecretClient,
  VaultsClient,
} from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";

for (const cloud of ["usGovernment", "china"] as const) {
  const c = AzureClouds[cloud];
  test(`cloud ${cloud}: SecretClient and VaultsClient with the same cloud work against the emulator`, async () => {
    clearCaches();
    const emulator = createEmulator({ cloud, vaults: ["myvault"], registrationPolls: 0 });
    assert.equal(emulator.vaultUrl("myvault"), `https://myvault.${c.keyVaultDnsSuffix}`);
    const credential = new ClientSecretCredential({
      tenantId: emulator.tenantId,
      clientId: emulator.env.AZURE_CLIENT_ID,
      clientSecret: emulator.env.AZURE_CLIENT_SECRET,
      cloud,
      fetch: emulator.fetch,
    });
    const secrets = new SecretClient(emulator.vaultUrl("myvault"), credential, {
      fetch: emulator.fetch,
    });
    await secrets.setSecret("greeting", "hello");
    assert.equal((await secrets.getSecret("greeting")).value, "hello");

    // The bare challenge names that cloud's authority and resource.
    const bare = await emulator.fetch(`${emulator.vaultUrl("myvault")}/secrets?api-version=7.6`);
    assert.equal(bare.status, 401);
    assert.equal(
      bare.headers.get("www-authenticate"),
      `Bearer authorization="${c.authorityHost}/${emulator.tenantId}", resource="${c.keyVaultAudience}"`,
    );
    // The public cloud's hosts are not this emulator's.
    await assert.rejects(
      emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6"),
      TypeError,
    );

    const groups = new ResourceGroupsClient(emulator.subscriptionId, credential, {
      cloud,
      fetch: emulator.fetch,
    });
    await groups.createOrUpdate("rg-cloud", { location: "westus" });
    const vaults = new VaultsClient(emulator.subscriptionId, credential, {
      cloud,
      fetch: emulator.fetch,
    });
    const vault = await vaults.createOrUpdate("rg-cloud", "cloud-vault", {
      location: "westus",
      properties: {
        tenantId: emulator.tenantId,
        sku: { family: "A", name: "standard" },
        accessPolicies: [],
        enableRbacAuthorization: true,
      },
    });
    assert.equal(vault.properties?.vaultUri, `https://cloud-vault.${c.keyVaultDnsSuffix}/`);
    // Its data plane answers at that cloud's vault host.
    const made = new SecretClient(`https://cloud-vault.${c.keyVaultDnsSuffix}`, credential, {
      fetch: emulator.fetch,
    });
    await made.setSecret("s", "v");
    assert.equal((await made.getSecret("s")).value, "v");
  });
}
