/**
 * A Deno script that reads a secret with kvfetch, configured by the environment: the
 * `AZURE_*` variables of a service principal and `AZURE_KEYVAULT_URL`. The same script runs
 * against real Azure and against the served emulator (`deno task emulator` prints the block).
 *
 * @module
 */
import { credentialFromEnv } from "kvfetch/auth";
import { SecretClient } from "kvfetch/secrets";

const vaultUrl = Deno.env.get("AZURE_KEYVAULT_URL");
if (!vaultUrl) throw new Error("set AZURE_KEYVAULT_URL (and the AZURE_* credential variables)");
const credential = credentialFromEnv(Deno.env.toObject(), { managedIdentity: false });
const client = new SecretClient(vaultUrl, credential);

await client.setSecret("example-greeting", `hello from Deno ${Deno.version.deno}`);
const secret = await client.getSecret("example-greeting");
console.log(`example-greeting = ${secret.value}`);
const names: string[] = [];
for await (const properties of client.listPropertiesOfSecrets()) names.push(properties.name);
console.log(`secrets in ${vaultUrl}: ${names.join(", ")}`);
console.log("deno example: ok");
