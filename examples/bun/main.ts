/**
 * A Bun script that reads a secret with kvfetch, configured by the environment (`AZURE_*`,
 * `AZURE_KEYVAULT_URL`). Bun's `fetch` honours `HTTPS_PROXY` and `NODE_EXTRA_CA_CERTS`, so it
 * runs against the served emulator (`npx kvfetch-emulator`) unchanged.
 */
import { credentialFromEnv } from "kvfetch/auth";
import { SecretClient } from "kvfetch/secrets";

declare const process: { env: Record<string, string | undefined> };
declare const Bun: { version: string };

const vaultUrl = process.env.AZURE_KEYVAULT_URL;
if (!vaultUrl) throw new Error("set AZURE_KEYVAULT_URL (and the AZURE_* credential variables)");
const env = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
);
const client = new SecretClient(vaultUrl, credentialFromEnv(env, { managedIdentity: false }));

await client.setSecret("example-greeting", `hello from Bun ${Bun.version}`);
console.log(`example-greeting = ${(await client.getSecret("example-greeting")).value}`);
console.log("bun example: ok");
