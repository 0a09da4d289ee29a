/**
 * The Azure clouds kvfetch knows: their Entra authority hosts, ARM endpoints and Key Vault /
 * Managed HSM DNS suffixes and audiences (azure-cli `cloud.py`; PROTOCOL.md §3.4).
 *
 * @module
 */

/**
 * The endpoints of one Azure cloud.
 *
 * @example Building the Key Vault scope of a cloud
 * ```ts
 * import { AzureClouds } from "./clouds.ts";
 *
 * const cloud = AzureClouds.usGovernment;
 * console.log(`${cloud.keyVaultAudience}/.default`);
 * ```
 */
export interface AzureCloud {
  /** The cloud's name as the Azure CLI knows it, e.g. `AzureCloud`. */
  readonly name: string;
  /** The Microsoft Entra ID authority host, e.g. `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** The Azure Resource Manager endpoint, e.g. `https://management.azure.com`. */
  readonly resourceManagerEndpoint: string;
  /** The audience of ARM tokens (scope: audience + `/.default`). */
  readonly resourceManagerAudience: string;
  /** The DNS suffix of vaults, without a leading dot, e.g. `vault.azure.net`. */
  readonly keyVaultDnsSuffix: string;
  /** The audience of Key Vault tokens, e.g. `https://vault.azure.net`. */
  readonly keyVaultAudience: string;
  /** The DNS suffix of Managed HSM pools, e.g. `managedhsm.azure.net`. */
  readonly managedHsmDnsSuffix: string;
  /** The audience of Managed HSM tokens, e.g. `https://managedhsm.azure.net`. */
  readonly managedHsmAudience: string;
}

/** The names of the clouds in {@link AzureClouds}. */
export type AzureCloudName = "public" | "china" | "usGovernment";

/**
 * The Azure clouds: public, China (operated by 21Vianet) and US Government. Azure Germany
 * closed in 2021 and is not listed.
 *
 * @example Authenticating against Azure China
 * ```ts
 * import { AzureClouds } from "./clouds.ts";
 *
 * console.log(AzureClouds.china.authorityHost); // https://login.chinacloudapi.cn
 * ```
 */
export const AzureClouds: Readonly<Record<AzureCloudName, AzureCloud>> = Object.freeze({
  public: Object.freeze({
    name: "AzureCloud",
    authorityHost: "https://login.microsoftonline.com",
    resourceManagerEndpoint: "https://management.azure.com",
    resourceManagerAudience: "https://management.azure.com",
    keyVaultDnsSuffix: "vault.azure.net",
    keyVaultAudience: "https://vault.azure.net",
    managedHsmDnsSuffix: "managedhsm.azure.net",
    managedHsmAudience: "https://managedhsm.azure.net",
  }),
  china: Object.freeze({
    name: "AzureChinaCloud",
    authorityHost: "https://login.chinacloudapi.cn",
    resourceManagerEndpoint: "https://management.chinacloudapi.cn",
    resourceManagerAudience: "https://management.chinacloudapi.cn",
    keyVaultDnsSuffix: "vault.azure.cn",
    keyVaultAudience: "https://vault.azure.cn",
    managedHsmDnsSuffix: "managedhsm.azure.cn",
    managedHsmAudience: "https://managedhsm.azure.cn",
  }),
  usGovernment: Object.freeze({
    name: "AzureUSGovernment",
    authorityHost: "https://login.microsoftonline.us",
    resourceManagerEndpoint: "https://management.usgovcloudapi.net",
    resourceManagerAudience: "https://management.usgovcloudapi.net",
    keyVaultDnsSuffix: "vault.usgovcloudapi.net",
    keyVaultAudience: "https://vault.usgovcloudapi.net",
    managedHsmDnsSuffix: "managedhsm.usgovcloudapi.net",
    managedHsmAudience: "https://managedhsm.usgovcloudapi.net",
  }),
});

/** Resolves a cloud option (a name or a cloud object) to a cloud, or throws a `TypeError`. */
export function resolveCloud(cloud: AzureCloudName | AzureCloud | undefined): AzureCloud {
  if (cloud === undefined) return AzureClouds.public;
  if (typeof cloud === "string") {
    const found = Object.hasOwn(AzureClouds, cloud) ? AzureClouds[cloud] : undefined;
    if (!found) {
      throw new TypeError(
        `"cloud" option must be one of ${Object.keys(AzureClouds).join(", ")} or a cloud object`,
      );
    }
    return found;
  }
  if (typeof cloud !== "object" || cloud === null || typeof cloud.authorityHost !== "string") {
    throw new TypeError('"cloud" option must be a cloud name or an AzureCloud object');
  }
  return cloud;
}
