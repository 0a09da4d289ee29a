/**
 * Key Vault secrets: {@link SecretClient} and its types.
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/secrets`.
 *
 * @example Retrieve a secret
 * ```ts
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await client.setSecret("db-password", "s3cret");
 * const { value } = await client.getSecret("db-password");
 * console.log(value); // s3cret
 * ```
 *
 * @module
 */

export { SecretClient } from "./secret_client.ts";
export type {
  GetSecretOptions,
  PollOptions,
  SecretClientOptions,
  SetSecretOptions,
  UpdateSecretPropertiesOptions,
} from "./secret_client.ts";
export { parseKeyVaultSecretIdentifier } from "./secrets_models.ts";
export type {
  DeletedSecret,
  DeletionRecoveryLevel,
  KeyVaultSecret,
  KeyVaultSecretIdentifier,
  SecretProperties,
} from "./secrets_models.ts";
export type { ListOptions, OperationOptions, VaultClientOptions } from "./options.ts";
