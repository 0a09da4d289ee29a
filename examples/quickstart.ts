/**
 * kvfetch quickstart: Microsoft Entra ID, Azure Resource Manager and Key Vault, end to end.
 *
 * By default it runs against kvfetch's embedded emulator (`kvfetch/testing`): no subscription,
 * no network, no Docker, real Azure host names and kvfetch's default options.
 *
 *   deno task demo                       # against the emulator (no permissions needed)
 *   deno run --allow-net --allow-env examples/quickstart.ts --live
 *                                        # against real Azure: AZURE_TENANT_ID, AZURE_CLIENT_ID,
 *                                        # AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID
 *                                        # (and AZURE_LOCATION, default westus2); it creates a
 *                                        # resource group and a vault and deletes them at the end
 *
 * @module
 */
import {
  ClientSecretCredential,
  CryptographyClient,
  type FetchLike,
  KeyClient,
  ResourceGroupsClient,
  SecretClient,
  signJwt,
  VaultsClient,
  waitForDataPlane,
} from "kvfetch";
import { createEmulator } from "kvfetch/testing";
import { decodeJwt, importJWK, jwtVerify } from "jose";

const live = Deno.args.includes("--live");

interface Setup {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  location: string;
  fetch?: FetchLike;
}

function setup(): Setup {
  if (live) {
    const need = (name: string): string => {
      const value = Deno.env.get(name);
      if (!value) throw new Error(`--live needs ${name}`);
      return value;
    };
    return {
      tenantId: need("AZURE_TENANT_ID"),
      clientId: need("AZURE_CLIENT_ID"),
      clientSecret: need("AZURE_CLIENT_SECRET"),
      subscriptionId: need("AZURE_SUBSCRIPTION_ID"),
      location: Deno.env.get("AZURE_LOCATION") ?? "westus2",
    };
  }
  const emulator = createEmulator({ seed: "quickstart" });
  return {
    tenantId: emulator.tenantId,
    clientId: emulator.env.AZURE_CLIENT_ID,
    clientSecret: emulator.env.AZURE_CLIENT_SECRET,
    subscriptionId: emulator.subscriptionId,
    location: "westus2",
    fetch: emulator.fetch,
  };
}

const started = performance.now();
let stepNo = 0;
/** Runs one step, printing what it did, its result and its time. */
async function step<T>(what: string, run: () => Promise<T>, show: (r: T) => string): Promise<T> {
  const t0 = performance.now();
  const result = await run();
  const ms = (performance.now() - t0).toFixed(0).padStart(5);
  console.log(`${String(++stepNo).padStart(2)}. ${what.padEnd(50)} ${ms} ms  ${show(result)}`);
  return result;
}

const s = setup();
const transport = s.fetch ? { fetch: s.fetch } : {};
console.log(
  live
    ? `kvfetch quickstart against Azure (subscription ${s.subscriptionId})\n`
    : "kvfetch quickstart against the embedded emulator (kvfetch/testing): no Azure needed\n",
);

const credential = new ClientSecretCredential({
  tenantId: s.tenantId,
  clientId: s.clientId,
  clientSecret: s.clientSecret,
  ...transport,
});
const suffix = live ? crypto.randomUUID().slice(0, 8) : "demo";
const group = `kvfetch-quickstart-${suffix}`;
const vaultName = `kvfetch-qs-${suffix}`;

// 1. Entra ID: a token for ARM (its `oid` names us in the vault's access policy).
const token = await step(
  "get a token for ARM (client secret)",
  () => credential.getToken("https://management.azure.com/.default"),
  (t) => `expires in ${Math.round((t!.expiresOnTimestamp - Date.now()) / 60_000)} min`,
);
const objectId = String(decodeJwt(token!.token).oid);

// 2. ARM: a resource group and a vault, then wait for its data plane.
const groups = new ResourceGroupsClient(s.subscriptionId, credential, transport);
const vaults = new VaultsClient(s.subscriptionId, credential, transport);
await step(
  `create resource group ${group}`,
  () => groups.createOrUpdate(group, { location: s.location }),
  (g) => `${g.name} in ${g.location}`,
);
const vault = await step(
  `create vault ${vaultName} (ARM long-running op)`,
  () =>
    vaults.createOrUpdate(group, vaultName, {
      location: s.location,
      properties: {
        tenantId: s.tenantId,
        sku: { name: "standard" },
        accessPolicies: [{
          tenantId: s.tenantId,
          objectId,
          permissions: {
            secrets: ["get", "list", "set", "delete", "recover", "purge"],
            keys: ["get", "create", "decrypt", "sign", "verify", "delete", "purge"],
          },
        }],
      },
    }),
  (v) => `${v.properties.provisioningState}, ${v.properties.vaultUri}`,
);
const vaultUri = vault.properties.vaultUri!;
await step(
  "wait for the vault's data plane (DNS)",
  () => waitForDataPlane(vaultUri, { ...transport, pollIntervalMs: live ? 5000 : 0 }),
  () => "answering",
);

// 3. Secrets: set, get, list, delete, recover, purge.
const secrets = new SecretClient(vaultUri, credential, transport);
await step(
  "set secret db-password",
  () => secrets.setSecret("db-password", "correct horse battery staple"),
  (x) => `version ${x.properties.version}`,
);
await step(
  "get secret db-password",
  () => secrets.getSecret("db-password"),
  (x) => `value "${x.value}"`,
);
await step("list secrets", async () => {
  const names: string[] = [];
  for await (const p of secrets.listPropertiesOfSecrets()) names.push(p.name);
  return names;
}, (names) => names.join(", "));
await step(
  "delete secret (soft delete)",
  () => secrets.deleteSecret("db-password"),
  (d) => `purge scheduled ${d.scheduledPurgeDate?.toISOString().slice(0, 10)}`,
);
await step(
  "recover the deleted secret",
  () => secrets.recoverDeletedSecret("db-password"),
  (p) => `${p.name} is back`,
);
await step("delete and purge it for good", async () => {
  await secrets.deleteSecret("db-password");
  await secrets.purgeDeletedSecret("db-password");
}, () => "purged");

// 4. Keys: an RSA key, its JWK, encrypt here, decrypt in the vault, sign a JWT, verify with jose.
const keys = new KeyClient(vaultUri, credential, transport);
const key = await step(
  "create RSA key signing-key (2048)",
  () => keys.createRsaKey("signing-key", { keySize: 2048 }),
  (k) => `${k.keyType}, version ${k.properties.version}`,
);
const jwk = await step(
  "get its JSON Web Key",
  () => keys.getKey("signing-key").then((k) => k.key!),
  (j) => `kty ${j.kty}, n ${Math.floor((j.n!.length * 6) / 8) * 8} bits, e ${j.e}`,
);
const cryptography = new CryptographyClient(key, credential, transport);
const plaintext = new TextEncoder().encode("attack at dawn");
const encrypted = await step(
  "encrypt RSA-OAEP-256",
  () => cryptography.encrypt({ algorithm: "RSA-OAEP-256", plaintext }),
  (r) => `${r.result.length} bytes, ${r.local ? "locally (public key)" : "in the vault"}`,
);
await step(
  "decrypt RSA-OAEP-256",
  () => cryptography.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: encrypted.result }),
  (r) =>
    `"${new TextDecoder().decode(r.result)}", ${
      r.local ? "locally" : "in the vault (private key)"
    }`,
);
const jwt = await step(
  "sign a JWT with the vault key (RS256)",
  () => signJwt({ sub: "quickstart", iss: "kvfetch" }, { key: cryptography, expiresIn: "10m" }),
  (t) => `${t.slice(0, 24)}… (${t.length} chars)`,
);
await step("verify it with jose", async () => {
  const publicKey = await importJWK({ kty: "RSA", n: jwk.n!, e: jwk.e! }, "RS256");
  return (await jwtVerify(jwt, publicKey, { issuer: "kvfetch" })).payload;
}, (p) => `valid, sub "${p.sub}"`);

// 5. Recovery: delete the vault, list deleted vaults, recover it.
await step("delete the vault", () => vaults.delete(group, vaultName), () => "soft-deleted");
await step("list deleted vaults", async () => {
  const names: string[] = [];
  for await (const d of vaults.listDeleted()) names.push(d.name!);
  return names;
}, (names) => names.join(", "));
await step(
  "recover the vault",
  () => vaults.recover(group, vaultName, s.location),
  (v) => `${v.properties.provisioningState}, ${v.properties.vaultUri}`,
);

if (live) {
  await step("clean up: delete and purge the vault", async () => {
    await vaults.delete(group, vaultName);
    await vaults.purgeDeleted(vaultName, s.location);
  }, () => "purged");
  await step("clean up: delete the resource group", () => groups.delete(group), () => "deleted");
}
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
