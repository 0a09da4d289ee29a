/**
 * `ResourceGroupsClient`: the resource groups the vault samples create and delete.
 *
 * @module
 */

import type { TokenCredential } from "../auth/types.ts";
import { ArmPipeline } from "./_arm_pipeline.ts";
import { bodied, lroOptions, runLro } from "./_lro.ts";
import { checkArmTags, checkLocation, checkResourceGroupName } from "./_checks.ts";
import { type ResourceGroup, ResourceGroupSchema } from "./models.ts";
import type { ArmClientOptions, ArmOperationOptions, LroOptions } from "./options.ts";
import { need } from "../http/_check.ts";

/**
 * The `Microsoft.Resources` api-version `ResourceGroupsClient` speaks by default: a stable
 * version every ARM region answers (the resource-group operations have not changed since).
 *
 * @example
 * ```ts
 * import { DEFAULT_RESOURCE_GROUPS_API_VERSION } from "kvfetch/management";
 *
 * console.log(DEFAULT_RESOURCE_GROUPS_API_VERSION); // 2021-04-01
 * ```
 */
export const DEFAULT_RESOURCE_GROUPS_API_VERSION = "2021-04-01";

/**
 * Options of {@link ResourceGroupsClient}.
 *
 * @example
 * ```ts
 * import type { ResourceGroupsClientOptions } from "kvfetch/management";
 *
 * const options: ResourceGroupsClientOptions = { apiVersion: "2021-04-01", cloud: "china" };
 * console.log(options.cloud);
 * ```
 */
export interface ResourceGroupsClientOptions extends ArmClientOptions {
  /**
   * The `Microsoft.Resources` api-version.
   * @default "2021-04-01"
   */
  apiVersion?: string;
}

/**
 * What {@link ResourceGroupsClient.createOrUpdate} sends.
 *
 * @example
 * ```ts
 * import type { ResourceGroupParameters } from "kvfetch/management";
 *
 * const group: ResourceGroupParameters = { location: "westus", tags: { purpose: "samples" } };
 * console.log(group.location);
 * ```
 */
export interface ResourceGroupParameters {
  /** Where the group's metadata lives, e.g. `westus`. */
  location: string;
  /** Tags (at most 50). */
  tags?: Record<string, string>;
  /** The resource that manages the group, if any. */
  managedBy?: string;
}

/**
 * Creates, reads and deletes resource groups over Azure Resource Manager (method names as in
 * `@azure/arm-resources`'s `client.resourceGroups`): the vault samples put their vaults in one.
 *
 * @example Create a group for the samples
 * ```ts
 * import { ResourceGroupsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 *
 * const groups = new ResourceGroupsClient(
 *   emulator.subscriptionId,
 *   emulator.credential(),
 *   { fetch: emulator.fetch }, // against Azure: leave out fetch
 * );
 * await groups.createOrUpdate("kvfetch-samples", { location: "westus" });
 * console.log(groups.endpoint);
 * ```
 */
export class ResourceGroupsClient {
  /** The subscription id. */
  readonly subscriptionId: string;
  /** The ARM endpoint. */
  readonly endpoint: string;
  /** The `Microsoft.Resources` api-version sent. */
  readonly apiVersion: string;
  readonly #arm: ArmPipeline;

  /**
   * Creates a client. Checks the subscription id and options at once; sends nothing yet.
   *
   * @param subscriptionId The subscription (a UUID).
   * @param credential Any `TokenCredential`.
   * @param options Cloud, api-version, transport options.
   */
  constructor(
    subscriptionId: string,
    credential: TokenCredential,
    options: ResourceGroupsClientOptions = {},
  ) {
    this.#arm = new ArmPipeline(
      subscriptionId,
      credential,
      options,
      DEFAULT_RESOURCE_GROUPS_API_VERSION,
    );
    this.subscriptionId = this.#arm.subscriptionId;
    this.endpoint = this.#arm.endpoint;
    this.apiVersion = this.#arm.apiVersion;
  }

  /**
   * Creates a resource group or updates its tags (`PUT /subscriptions/{id}/resourcegroups/{name}`).
   *
   * @param resourceGroupName 1–90 letters, digits, `_`, `-`, `.`, `(` and `)`, not ending in `.`.
   * @param parameters Location and tags.
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
    parameters: ResourceGroupParameters,
    options: LroOptions = {},
  ): Promise<ResourceGroup> {
    const lro = lroOptions(options);
    const path = this.#path(resourceGroupName);
    need(typeof parameters == "object" && parameters, "parameters", "must be an object");
    checkLocation(parameters.location, "parameters.location");
    checkArmTags(parameters.tags);
    need(
      parameters.managedBy === undefined || typeof parameters.managedBy == "string",
      "parameters.managedBy",
      "must be a string",
    );
    return await runLro(this.#arm, {
      method: "PUT",
      url: this.#arm.url(path),
      body: parameters,
      expected: [200, 201],
      what: `creation of resource group ${resourceGroupName}`,
      result: (final) => this.#arm.read(bodied(final), ResourceGroupSchema),
    }, lro);
  }

  /**
   * Reads a resource group.
   *
   * @param resourceGroupName The group.
   * @param options Cancellation.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async get(resourceGroupName: string, options: ArmOperationOptions = {}): Promise<ResourceGroup> {
    const url = this.#arm.url(this.#path(resourceGroupName));
    return await this.#arm.read(await this.#arm.call("GET", url, options), ResourceGroupSchema);
  }

  /**
   * Deletes a resource group and everything in it (its vaults become soft-deleted). ARM answers
   * `202`; by default kvfetch polls the `Location` until the group is gone (minutes).
   *
   * @param resourceGroupName The group.
   * @param options How to wait.
   *
   * @throws {ArmError} When ARM answers with a status the operation does not expect
   *   (`statusCode`, Azure's `errorCode`, `details`).
   * @throws {KvfetchError} When ARM cannot be reached or answers something unusable, an operation
   *   fails or times out (`ERR_OPERATION_FAILED`, `ERR_OPERATION_TIMEOUT`), or the credential fails.
   * @throws {TypeError} When an argument or option is invalid (nothing is sent).
   */
  async delete(resourceGroupName: string, options: LroOptions = {}): Promise<void> {
    const lro = lroOptions(options);
    await runLro(this.#arm, {
      method: "DELETE",
      url: this.#arm.url(this.#path(resourceGroupName)),
      expected: [200, 202, 204],
      what: `deletion of resource group ${resourceGroupName}`,
      result: () => Promise.resolve(),
    }, lro);
  }

  #path(resourceGroupName: string): string {
    return `/resourcegroups/${encodeURIComponent(checkResourceGroupName(resourceGroupName))}`;
  }
}
