/**
 * The official Azure SDKs for JavaScript against the served kvfetch emulator, over real HTTPS
 * through its proxy: `@azure/identity` (`DefaultAzureCredential`, which takes
 * `EnvironmentCredential` from the variables), `@azure/keyvault-secrets`,
 * `@azure/keyvault-keys` and `@azure/arm-keyvault`, with default options (challenge-resource
 * verification on). Configured only by the environment block the emulator prints
 * (`HTTPS_PROXY`, the `AZURE_*` variables, and `DENO_CERT` or `NODE_EXTRA_CA_CERTS` for the CA).
 *
 * Not a `_test.ts` file: `served_test.ts` starts the emulator and runs this script under Deno,
 * and under Node (plain JavaScript, so both run it as is), each in a process of its own (the trust variables
 * are read at start). It prints `js sdk check: N passed` and exits 0, or exits 1.
 *
 * @module
 */
import process from "node:process";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyClient } from "@azure/keyvault-keys";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";

let checks = 0;
/**
 * @param {boolean} condition
 * @param {string} what
 */
function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  checks++;
  console.log(`  ok ${what}`);
}

async function main() {
  const env = process.env;
  const vaultUrl = String(env.AZURE_KEYVAULT_URL);
  const credential = new DefaultAzureCredential();

  const secrets = new SecretClient(vaultUrl, credential);
  await secrets.setSecret("js-greeting", "hello from the JS SDK");
  check((await secrets.getSecret("js-greeting")).value === "hello from the JS SDK", "secret");
  const names = [];
  for await (const p of secrets.listPropertiesOfSecrets()) names.push(p.name);
  check(names.includes("js-greeting"), "secret listed");

  const keys = new KeyClient(vaultUrl, credential);
  await keys.createRsaKey("js-rsa", { keySize: 2048 });
  const key = await keys.getKey("js-rsa");
  check(key.key?.kty === "RSA" && key.key.n?.length === 256, "RSA key's JWK");

  const arm = new KeyVaultManagementClient(credential, String(env.AZURE_SUBSCRIPTION_ID));
  const vault = await arm.vaults.beginCreateOrUpdateAndWait("emulator-rg", "jsvault-one", {
    location: "westus2",
    properties: {
      tenantId: String(env.AZURE_TENANT_ID),
      sku: { family: "A", name: "standard" },
      accessPolicies: [],
      enableRbacAuthorization: true,
    },
  });
  check(vault.properties.vaultUri === "https://jsvault-one.vault.azure.net/", "vault created");
  const listed = [];
  for await (const v of arm.vaults.listBySubscription()) listed.push(v.name);
  check(listed.includes("jsvault-one"), "vault listed");

  const fresh = new SecretClient(String(vault.properties.vaultUri), credential);
  await fresh.setSecret("in-new-vault", "v1");
  const poller = await fresh.beginDeleteSecret("in-new-vault");
  await poller.pollUntilDone();
  const deleted = [];
  for await (const d of fresh.listDeletedSecrets()) deleted.push(d.name);
  check(deleted.includes("in-new-vault"), "secret soft-deleted and listed");
  await (await fresh.beginRecoverDeletedSecret("in-new-vault")).pollUntilDone();
  check((await fresh.getSecret("in-new-vault")).value === "v1", "secret recovered");

  await arm.vaults.delete("emulator-rg", "jsvault-one");
  await arm.vaults.beginPurgeDeletedAndWait("jsvault-one", "westus2");
  const gone = [];
  for await (const d of arm.vaults.listDeleted()) gone.push(d.name);
  check(!gone.includes("jsvault-one"), "vault deleted and purged");
}

try {
  await main();
  console.log(`js sdk check: ${checks} passed`);
  process.exit(0);
} catch (error) {
  console.log(`js sdk check: FAILED after ${checks} checks: ${error}`);
  process.exit(1);
}
