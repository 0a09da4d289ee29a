/**
 * Key Vault secrets: {@link SecretClient} and its types.
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/secrets`.
 *
 * @example Retrieve a secret
 * ```ts
 * import { SecretClient } from "kvfetch/secrets";
 * import { ClientSecretCredential } from "kvfetch";
 *
 * const client = new SecretClient(
 *   "https://myvault.vault.azure.net",
 *   new ClientSecretCredential({
 *     tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *     clientId: "00000000-0000-0000-0000-000000000001",
 *     clientSecret: "from-a-secret-store",
 *   }),
 * );
 * // const { value } = await client.getSecret("db-password");
 * console.log(client.vaultUrl);
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
