/**
 * The `kvfetch/testing` part of the workerd smoke suite (`./smoke.ts` runs it): the emulator
 * itself runs inside the worker (nodejs_compat off), and kvfetch's clients use it with default
 * options: Entra tokens, ARM creating a vault, secrets, an EC key signing a digest (curve
 * arithmetic from @noble/curves), a CAE claims challenge, faults and a snapshot.
 *
 * @module
 */
import { createEmulator } from "kvfetch/testing";
import { ClientSecretCredential } from "kvfetch/auth";
import { SecretClient } from "kvfetch/secrets";
import { CryptographyClient, KeyClient } from "kvfetch/keys";
import { VaultsClient, waitForDataPlane } from "kvfetch/management";
import { clearCaches } from "kvfetch";

type Check = (name: string, fn: () => Promise<void> | void) => Promise<void>;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Runs the emulator checks through `check`. */
export async function runEmulatorSmoke(check: Check): Promise<void> {
  clearCaches();
  const emulator = createEmulator({ seed: "workerd", vaults: ["workerd-vault"] });
  const options = { fetch: emulator.fetch };
  const credential = new ClientSecretCredential({
    tenantId: emulator.env.AZURE_TENANT_ID,
    clientId: emulator.env.AZURE_CLIENT_ID,
    clientSecret: emulator.env.AZURE_CLIENT_SECRET,
    ...options,
  });
  const secrets = new SecretClient(emulator.vaultUrl("workerd-vault"), credential, options);

  await check("emulator: SecretClient set/get/delete/purge in the worker", async () => {
    await secrets.setSecret("w", "in a worker");
    assert((await secrets.getSecret("w")).value === "in a worker", "value");
    await secrets.deleteSecret("w");
    await secrets.purgeDeletedSecret("w");
  });

  await check("emulator: EC P-256 and P-256K keys sign digests in the worker", async () => {
    const keys = new KeyClient(emulator.vaultUrl("workerd-vault"), credential, options);
    const digest = new Uint8Array(32).fill(9);
    for (const [curve, alg] of [["P-256", "ES256"], ["P-256K", "ES256K"]] as const) {
      const key = await keys.createEcKey(`ec-${curve.toLowerCase()}`, { curve });
      const client = new CryptographyClient(key, credential, options);
      const signed = await client.sign(alg, digest);
      assert(signed.result.length === 64, `${alg} signature length`);
      assert((await client.verify(alg, digest, signed.result)).result, `${alg} verifies`);
    }
  });

  await check("emulator: a vault created through ARM answers at its vaultUri", async () => {
    const token = await credential.getToken("https://management.azure.com/.default");
    const group = await emulator.fetch(
      `https://management.azure.com/subscriptions/${emulator.subscriptionId}/resourcegroups/w-rg?api-version=2021-04-01`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json" },
        body: JSON.stringify({ location: "westus2" }),
      },
    );
    assert(group.status === 201, `group: ${group.status}`);
    const vaults = new VaultsClient(emulator.subscriptionId, credential, options);
    const vault = await vaults.createOrUpdate("w-rg", "workerd-arm", {
      location: "westus2",
      properties: { tenantId: emulator.tenantId, sku: { name: "standard" }, accessPolicies: [] },
    });
    await waitForDataPlane(vault.properties.vaultUri!, options);
    const client = new SecretClient(vault.properties.vaultUri!, credential, options);
    await client.setSecret("x", "y");
  });

  await check("emulator: a CAE claims challenge and throttling are handled", async () => {
    emulator.faults.claimsChallenge();
    emulator.faults.throttle(1, { service: "vault" });
    await secrets.setSecret("cae", "ok");
    assert(emulator.faults.pending() === 0, "faults used");
  });

  await check("emulator: a dropped connection rejects the fetch with a TypeError", async () => {
    emulator.faults.dropConnection(1);
    const failed = await emulator.fetch(emulator.vaultUrl("workerd-vault")).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert(failed instanceof TypeError, "TypeError");
  });

  await check("emulator: snapshot() restores into a new emulator", async () => {
    const again = createEmulator({ state: JSON.parse(JSON.stringify(emulator.snapshot())) });
    clearCaches();
    const client = new SecretClient(again.vaultUrl("workerd-vault"), again.credential(), {
      fetch: again.fetch,
    });
    assert((await client.getSecret("cae")).value === "ok", "restored");
  });
}
