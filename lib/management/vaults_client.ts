/**
 * `VaultsClient`: create, configure, list, delete, recover and purge key vaults over Azure
 * Resource Manager.
 *
 * @module
 */

import { need } from "../http/_check.ts";
import type { PagedAsyncIterableIterator } from "../http/paging.ts";
import type { HttpResult } from "../http/send.ts";
import type { TokenCredential } from "../auth/types.ts";
import { ArmPipeline } from "./_arm_pipeline.ts";
import { bodied, type Lro, lroOptions, runLro } from "./_lro.ts";
import {
  checkAccessPolicies,
  checkCreateParameters,
  checkLocation,
  checkPatchParameters,
  checkResourceGroupName,
  checkSku,
  checkUuid,
  checkVaultName,
} from "./_checks.ts";
import {
  type AccessPolicyEntry,
  type CheckNameAvailabilityResult,
  CheckNameAvailabilityResultSchema,
  type DeletedVault,
  DeletedVaultSchema,
  type Resource,
  ResourceSchema,
  type SkuName,
  type Vault,
  type VaultAccessPolicyParameters,
  VaultAccessPolicyParametersSchema,
  type VaultCreateOrUpdateParameters,
  type VaultPatchParameters,
  VaultSchema,
} from "./models.ts";
import type {
  ArmClientOptions,
  ArmListOptions,
  ArmOperationOptions,
  LroOptions,
} from "./options.ts";

/**
 * The `Microsoft.KeyVault` api-version `VaultsClient` speaks by default: the newest stable
 * version of the ARM spec (`stable/2026-04-01/openapi.json`, `info.version` `2026-04-01`).
 *
 * @example Pinning a client to the default of this release
 * ```ts
 * import { DEFAULT_VAULTS_API_VERSION, VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 *
 * const vaults = new VaultsClient(
 *   emulator.subscriptionId,
 *   emulator.credential(),
 *   { apiVersion: DEFAULT_VAULTS_API_VERSION, fetch: emulator.fetch }, // against Azure: no fetch
 * );
 * console.log(vaults.apiVersion);
 * ```
 */
export const DEFAULT_VAULTS_API_VERSION = "2026-04-01";

/** The only api-version of the resources API's `$filter=resourceType eq …` listing. */
const RESOURCES_API_VERSION = "2015-11-01";

/**
 * Options of {@link VaultsClient}.
 *
 * @example A client pinned to an older api-version, naming the tenant recoveries use
 * ```ts
 * import type { VaultsClientOptions } from "kvfetch/management";
 *
 * const options: VaultsClientOptions = {
 *   apiVersion: "2025-05-01",
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 * };
 * console.log(options.apiVersion);
 * ```
 */
export interface VaultsClientOptions extends ArmClientOptions {
  /**
   * The `Microsoft.KeyVault` api-version.
   * @default "2026-04-01"
   */
  apiVersion?: string;
  /**
   * The tenant (a UUID) {@link VaultsClient.recover} names in its request; without it, the
   * `tid` claim of the credential's ARM token.
   */
  tenantId?: string;
}

/**
 * Options of {@link VaultsClient.recover}.
 *
 * @example
 * ```ts
 * import type { RecoverVaultOptions } from "kvfetch/management";
 *
 * const options: RecoverVaultOptions = { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
 * console.log(options.tenantId);
 * ```
 */
export interface RecoverVaultOptions extends LroOptions {
  /** The vault's tenant; else the client's `tenantId`, else the token's `tid` claim. */
  tenantId?: string;
  /** The SKU the request names (ARM keeps the deleted vault's own). @default "standard" */
  sku?: SkuName;
}

/**
 * How {@link VaultsClient.updateAccessPolicy} changes a vault's access policies: `add` merges
 * permissions into an identity's policy, `remove` takes them away, `replace` sets the list.
 *
 * @example
 * ```ts
 * import type { AccessPolicyUpdateKind } from "kvfetch/management";
 *
 * const kind: AccessPolicyUpdateKind = "add";
 * console.log(kind);
 * ```
 */
export type AccessPolicyUpdateKind = "add" | "replace" | "remove";

/**
 * Manages key vaults over Azure Resource Manager, on any runtime, with any credential. Method
 * names follow `@azure/arm-keyvault`'s `client.vaults`; long-running operations return
 * promises that resolve when ARM is done (`waitForCompletion: false` resolves with the first
 * answer) instead of pollers.
 *
 * Tokens are asked for `<cloud ARM audience>/.default`; requests go to the cloud's ARM endpoint
 * only. Names, ids and values are checked before any request.
 *
 * @example Create a vault (the Python sample's `vaults.create_or_update`)
 * ```ts
 * import { VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // in resource group emulator-rg
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const vault = await vaults.createOrUpdate("emulator-rg", "my-vault", {
 *   location: "westus",
 *   properties: { tenantId: emulator.tenantId, sku: { name: "standard" }, accessPolicies: [] },
 * });
 * console.log(vault.properties.vaultUri); // https://my-vault.vault.azure.net/
 * ```
 */
export class VaultsClient {
  /** The subscription id. */
  readonly subscriptionId: string;
  /** The ARM endpoint, e.g. `https://management.azure.com`. */
  readonly endpoint: string;
  /** The `Microsoft.KeyVault` api-version sent. */
  readonly apiVersion: string;
  readonly #arm: ArmPipeline;
  readonly #tenantId: string | undefined;

  /**
   * Creates a client. Checks the subscription id and options at once; sends nothing yet.
   *
   * @param subscriptionId The subscription (a UUID).
   * @param credential Any `TokenCredential`: a kvfetch credential or one from `@azure/identity`.
   * @param options Cloud, api-version, transport options.
   */
  constructor(
    subscriptionId: string,
    credential: TokenCredential,
    options: VaultsClientOptions = {},
  ) {
    this.#arm = new ArmPipeline(subscriptionId, credential, options, DEFAULT_VAULTS_API_VERSION);
    this.#tenantId = options.tenantId === undefined
      ? undefined
      : checkUuid(options.tenantId, "tenantId");
    this.subscriptionId = this.#arm.subscriptionId;
    this.endpoint = this.#arm.endpoint;
    this.apiVersion = this.#arm.apiVersion;
  }

  /**
   * Creates a vault or replaces its configuration (`PUT …/vaults/{name}`) and, by default,
   * waits until ARM reports it `Succeeded` (a new vault answers `RegisteringDns` first). A new
   * vault's DNS name may still lag: see {@link waitForDataPlane}.
   *
   * @param resourceGroupName The resource group.
   * @param vaultName 3–24 letters, digits and hyphens, starting with a letter.
   * @param parameters Location, tags and properties (`tenantId` and `sku` required; the SKU
   *   family defaults to `A`).
   * @param options How to wait.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async createOrUpdate(
    resourceGroupName: string,
    vaultName: string,
    parameters: VaultCreateOrUpdateParameters,
    options: LroOptions = {},
  ): Promise<Vault> {
    const lro = lroOptions(options);
    const path = this.#vaultPath(resourceGroupName, vaultName);
    const checked = checkCreateParameters(parameters);
    return await this.#putVault(path, vaultName, resourceGroupName, withSkuFamily(checked), lro);
  }

  /**
   * Changes some of a vault's properties or its tags (`PATCH …/vaults/{name}`).
   *
   * @param resourceGroupName The resource group.
   * @param vaultName The vault.
   * @param parameters The properties to change, and tags.
   * @param options How to wait.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async update(
    resourceGroupName: string,
    vaultName: string,
    parameters: VaultPatchParameters,
    options: LroOptions = {},
  ): Promise<Vault> {
    const lro = lroOptions(options);
    const path = this.#vaultPath(resourceGroupName, vaultName);
    const body = checkPatchParameters(parameters);
    return await runLro(this.#arm, {
      method: "PATCH",
      url: this.#arm.url(path),
      body: withSkuFamily(body),
      expected: [200, 201],
      what: `update of vault ${vaultName}`,
      result: (final) => this.#vault(final),
    }, lro);
  }

  /**
   * Reads a vault (`GET …/vaults/{name}`).
   *
   * @param resourceGroupName The resource group.
   * @param vaultName The vault.
   * @param options Cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async get(
    resourceGroupName: string,
    vaultName: string,
    options: ArmOperationOptions = {},
  ): Promise<Vault> {
    const url = this.#arm.url(this.#vaultPath(resourceGroupName, vaultName));
    return await this.#arm.read(await this.#arm.call("GET", url, options), VaultSchema);
  }

  /**
   * Lists the vaults of a resource group (`GET …/resourceGroups/{group}/providers/…/vaults`).
   *
   * @param resourceGroupName The resource group.
   * @param options Page size (`top`), page bound, cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listByResourceGroup(
    resourceGroupName: string,
    options: ArmListOptions = {},
  ): PagedAsyncIterableIterator<Vault> {
    const group = encodeURIComponent(checkResourceGroupName(resourceGroupName));
    return this.#arm.list(
      `/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults`,
      VaultSchema,
      options,
    );
  }

  /**
   * Lists the vaults of the subscription (`GET /subscriptions/{id}/providers/…/vaults`).
   *
   * @param options Page size (`top`), page bound, cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listBySubscription(options: ArmListOptions = {}): PagedAsyncIterableIterator<Vault> {
    return this.#arm.list("/providers/Microsoft.KeyVault/vaults", VaultSchema, options);
  }

  /**
   * Lists the subscription's vaults through the resources API
   * (`GET /subscriptions/{id}/resources?$filter=resourceType eq 'Microsoft.KeyVault/vaults'`,
   * which only answers api-version 2015-11-01): ids, names, locations and tags only.
   *
   * @param options Page size (`top`), page bound, cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  list(options: ArmListOptions = {}): PagedAsyncIterableIterator<Resource> {
    return this.#arm.list(
      "/resources",
      ResourceSchema,
      options,
      { $filter: "resourceType eq 'Microsoft.KeyVault/vaults'" },
      RESOURCES_API_VERSION,
    );
  }

  /**
   * Deletes a vault (`DELETE …/vaults/{name}`, answered at once): with soft delete (always on
   * for new vaults) it can be recovered or purged until its scheduled purge date.
   *
   * @param resourceGroupName The resource group.
   * @param vaultName The vault.
   * @param options Cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async delete(
    resourceGroupName: string,
    vaultName: string,
    options: ArmOperationOptions = {},
  ): Promise<void> {
    const lro = lroOptions(options);
    await runLro(this.#arm, {
      method: "DELETE",
      url: this.#arm.url(this.#vaultPath(resourceGroupName, vaultName)),
      expected: [200, 204],
      what: `deletion of vault ${vaultName}`,
      result: () => Promise.resolve(),
    }, lro);
  }

  /**
   * Lists the soft-deleted vaults of the subscription (`GET …/deletedVaults`).
   *
   * @param options Page size (`top`), page bound, cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  listDeleted(options: ArmListOptions = {}): PagedAsyncIterableIterator<DeletedVault> {
    return this.#arm.list(
      "/providers/Microsoft.KeyVault/deletedVaults",
      DeletedVaultSchema,
      options,
    );
  }

  /**
   * Reads a soft-deleted vault (`GET …/locations/{location}/deletedVaults/{name}`).
   *
   * @param vaultName The vault.
   * @param location The location it was in, e.g. `westus`.
   * @param options Cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async getDeleted(
    vaultName: string,
    location: string,
    options: ArmOperationOptions = {},
  ): Promise<DeletedVault> {
    const url = this.#arm.url(this.#deletedPath(vaultName, location));
    return await this.#arm.read(await this.#arm.call("GET", url, options), DeletedVaultSchema);
  }

  /**
   * Purges a soft-deleted vault for good (`POST …/deletedVaults/{name}/purge`; ARM answers
   * `202` and kvfetch polls the `Location` until it is done). The name is free afterwards.
   *
   * @param vaultName The vault.
   * @param location The location it was in.
   * @param options How to wait.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async purgeDeleted(vaultName: string, location: string, options: LroOptions = {}): Promise<void> {
    const lro = lroOptions(options);
    await runLro(this.#arm, {
      method: "POST",
      url: this.#arm.url(`${this.#deletedPath(vaultName, location)}/purge`),
      expected: [200, 202],
      what: `purge of vault ${vaultName}`,
      result: () => Promise.resolve(),
    }, lro);
  }

  /**
   * Recovers a soft-deleted vault into a resource group (a create with
   * `properties.createMode: "recover"`), with its keys, secrets, certificates and access
   * policies.
   *
   * @param resourceGroupName The resource group to recover it into (the one it was in).
   * @param vaultName The vault.
   * @param location The location it was in.
   * @param options The tenant (else the client's, else the token's), how to wait.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async recover(
    resourceGroupName: string,
    vaultName: string,
    location: string,
    options: RecoverVaultOptions = {},
  ): Promise<Vault> {
    const lro = lroOptions(options);
    const path = this.#vaultPath(resourceGroupName, vaultName);
    checkLocation(location);
    const sku = { family: "A", name: options.sku ?? "standard" };
    checkSku(sku, "sku");
    let tenantId = options.tenantId === undefined
      ? this.#tenantId
      : checkUuid(options.tenantId, "tenantId");
    tenantId ??= await this.#arm.tokenTenant(options.signal);
    need(
      tenantId !== undefined,
      "tenantId",
      "is needed to recover a vault: the credential's token names no tenant (pass it in the " +
        "options or the client options)",
    );
    const body = { location, properties: { tenantId, sku, createMode: "recover" } };
    return await this.#putVault(path, vaultName, resourceGroupName, body, lro, "recovery");
  }

  /**
   * Adds, replaces or removes access policies of a vault
   * (`PUT …/vaults/{name}/accessPolicies/{add|replace|remove}`). `add` merges permissions into
   * an identity's policy, `remove` takes the listed permissions away, `replace` sets the list.
   *
   * @param resourceGroupName The resource group.
   * @param vaultName The vault.
   * @param operationKind `add`, `replace` or `remove`.
   * @param accessPolicies The policies (at most 1024).
   * @param options Cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async updateAccessPolicy(
    resourceGroupName: string,
    vaultName: string,
    operationKind: AccessPolicyUpdateKind,
    accessPolicies: AccessPolicyEntry[],
    options: ArmOperationOptions = {},
  ): Promise<VaultAccessPolicyParameters> {
    const lro = lroOptions(options);
    const path = this.#vaultPath(resourceGroupName, vaultName);
    need(
      operationKind === "add" || operationKind === "replace" || operationKind === "remove",
      "operationKind",
      'must be "add", "replace" or "remove"',
    );
    checkAccessPolicies(accessPolicies, "accessPolicies");
    return await runLro(this.#arm, {
      method: "PUT",
      url: this.#arm.url(`${path}/accessPolicies/${operationKind}`),
      body: { properties: { accessPolicies } },
      expected: [200, 201],
      what: `access policy update of vault ${vaultName}`,
      result: (final) => this.#arm.read(bodied(final), VaultAccessPolicyParametersSchema),
    }, lro);
  }

  /**
   * Says whether a vault name is free (`POST …/checkNameAvailability`). Vault names are
   * global: one held by any vault, or by a soft-deleted one, is not.
   *
   * @param vaultName The name (it must follow the vault naming rules).
   * @param options Cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async checkNameAvailability(
    vaultName: string,
    options: ArmOperationOptions = {},
  ): Promise<CheckNameAvailabilityResult> {
    const name = checkVaultName(vaultName);
    const url = this.#arm.url("/providers/Microsoft.KeyVault/checkNameAvailability");
    const body = { name, type: "Microsoft.KeyVault/vaults" };
    const result = await this.#arm.call("POST", url, { ...options, body });
    return await this.#arm.read(result, CheckNameAvailabilityResultSchema);
  }

  #vaultPath(resourceGroupName: string, vaultName: string): string {
    const group = encodeURIComponent(checkResourceGroupName(resourceGroupName));
    return `/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${
      checkVaultName(vaultName)
    }`;
  }

  #deletedPath(vaultName: string, location: string): string {
    const name = checkVaultName(vaultName);
    return `/providers/Microsoft.KeyVault/locations/${
      checkLocation(location)
    }/deletedVaults/${name}`;
  }

  #vault(final: HttpResult | undefined): Promise<Vault> {
    return this.#arm.read(bodied(final), VaultSchema);
  }

  #putVault(
    path: string,
    vaultName: string,
    resourceGroupName: string,
    body: unknown,
    lro: Lro,
    what = "creation",
  ): Promise<Vault> {
    return runLro(this.#arm, {
      method: "PUT",
      url: this.#arm.url(path),
      body,
      expected: [200, 201],
      what: `${what} of vault ${vaultName}`,
      result: (final) => this.#vault(final),
      hint: ({ softDeletedConflict }) =>
        softDeletedConflict
          ? `The name ${vaultName} is held by a soft-deleted vault: recover it with ` +
            `recover("${resourceGroupName}", "${vaultName}", location) or free the name with ` +
            `purgeDeleted("${vaultName}", location) (listDeleted() shows its location)`
          : undefined,
    }, lro);
  }
}

/** `properties.sku.family` defaults to `A`, the only family; the caller's object is not changed. */
function withSkuFamily(parameters: Record<string, unknown>): Record<string, unknown> {
  const properties = parameters.properties as Record<string, unknown> | undefined;
  const sku = properties?.sku as Record<string, unknown> | undefined;
  if (!sku || sku.family !== undefined) return parameters;
  return { ...parameters, properties: { ...properties, sku: { family: "A", ...sku } } };
}
