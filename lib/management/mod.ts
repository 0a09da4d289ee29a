/**
 * Key Vault management over Azure Resource Manager: create, configure, list, delete, recover
 * and purge vaults ({@link VaultsClient}), the resource groups they live in
 * ({@link ResourceGroupsClient}), and {@link waitForDataPlane} for a new vault's DNS name.
 * Long-running operations are polled to their end by one poller (`Azure-AsyncOperation`,
 * `Location`, `Retry-After`), bounded and cancellable.
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/management`.
 *
 * @example Create a vault and wait for its data plane
 * ```ts
 * import { ResourceGroupsClient, VaultsClient, waitForDataPlane } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator();
 * const options = { fetch: emulator.fetch }; // against Azure: leave out fetch
 * const groups = new ResourceGroupsClient(emulator.subscriptionId, emulator.credential(), options);
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), options);
 * await groups.createOrUpdate("my-group", { location: "westus" });
 * const vault = await vaults.createOrUpdate("my-group", "my-vault", {
 *   location: "westus",
 *   properties: { tenantId: emulator.tenantId, sku: { name: "standard" }, accessPolicies: [] },
 * });
 * await waitForDataPlane(vault.properties.vaultUri!, options);
 * console.log(vault.properties.vaultUri); // https://my-vault.vault.azure.net/
 * ```
 *
 * @module
 */

export { DEFAULT_VAULTS_API_VERSION, VaultsClient } from "./vaults_client.ts";
export type {
  AccessPolicyUpdateKind,
  RecoverVaultOptions,
  VaultsClientOptions,
} from "./vaults_client.ts";
export {
  DEFAULT_RESOURCE_GROUPS_API_VERSION,
  ResourceGroupsClient,
} from "./resource_groups_client.ts";
export type {
  ResourceGroupParameters,
  ResourceGroupsClientOptions,
} from "./resource_groups_client.ts";
export { waitForDataPlane } from "./wait_for_data_plane.ts";
export type { WaitForDataPlaneOptions } from "./wait_for_data_plane.ts";
export { ArmError, ArmOperationError, armResponseOf } from "./errors.ts";
export type {
  ArmErrorDetail,
  ArmErrorInit,
  ArmOperationErrorInit,
  ArmResponseInfo,
} from "./errors.ts";
export type {
  ArmClientOptions,
  ArmListOptions,
  ArmOperationOptions,
  LroOptions,
} from "./options.ts";
export type {
  AccessPolicyEntry,
  CertificatePermission,
  CheckNameAvailabilityResult,
  DeletedVault,
  KeyPermission,
  NetworkRuleSet,
  Permissions,
  Resource,
  ResourceGroup,
  SecretPermission,
  Sku,
  SkuName,
  StoragePermission,
  SystemData,
  Vault,
  VaultAccessPolicyParameters,
  VaultCreateOrUpdateParameters,
  VaultPatchParameters,
  VaultProperties,
  VaultProvisioningState,
} from "./models.ts";
export type { Page, PagedAsyncIterableIterator, PageSettings } from "../http/paging.ts";
