// The code under test: reads the database password from a vault with kvfetch. Its clients take
// the credential and the `fetch` to use, so a test can hand it the emulator's.
import { SecretClient } from "kvfetch/secrets";

/**
 * @param {string} vaultUrl
 * @param {import("kvfetch").TokenCredential} credential
 * @param {{ fetch?: typeof fetch }} [options]
 */
export async function databaseUrl(vaultUrl, credential, options = {}) {
  const client = new SecretClient(vaultUrl, credential, options);
  const password = await client.getSecret("db-password");
  return `postgres://app:${encodeURIComponent(password.value ?? "")}@db.internal/app`;
}
