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
 * import { AzureClouds } from "kvfetch/auth";
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

/**
 * The names of the clouds in {@link AzureClouds}.
 *
 * @example Picking a cloud by name
 * ```ts
 * import { AzureClouds, type AzureCloudName } from "kvfetch";
 *
 * const name: AzureCloudName = "usGovernment";
 * console.log(AzureClouds[name].authorityHost);
 * ```
 */
export type AzureCloudName = "public" | "china" | "usGovernment";

/**
 * The Azure clouds: public, China (operated by 21Vianet) and US Government. Azure Germany
 * closed in 2021 and is not listed.
 *
 * @example Authenticating against Azure China
 * ```ts
 * import { AzureClouds } from "kvfetch/auth";
 *
 * console.log(AzureClouds.china.authorityHost); // https://login.chinacloudapi.cn
 * ```
 */
export const AzureClouds: Readonly<Record<AzureCloudName, AzureCloud>> = Object.freeze({
  public: cloud(
    "AzureCloud",
    "login.microsoftonline.com",
    "management.azure.com",
    "vault.azure.net",
    "managedhsm.azure.net",
  ),
  china: cloud(
    "AzureChinaCloud",
    "login.chinacloudapi.cn",
    "management.chinacloudapi.cn",
    "vault.azure.cn",
    "managedhsm.azure.cn",
  ),
  usGovernment: cloud(
    "AzureUSGovernment",
    "login.microsoftonline.us",
    "management.usgovcloudapi.net",
    "vault.usgovcloudapi.net",
    "managedhsm.usgovcloudapi.net",
  ),
});

function cloud(name: string, login: string, arm: string, vault: string, hsm: string): AzureCloud {
  return Object.freeze({
    name,
    authorityHost: `https://${login}`,
    resourceManagerEndpoint: `https://${arm}`,
    resourceManagerAudience: `https://${arm}`,
    keyVaultDnsSuffix: vault,
    keyVaultAudience: `https://${vault}`,
    managedHsmDnsSuffix: hsm,
    managedHsmAudience: `https://${hsm}`,
  });
}

/**
 * The cloud whose Key Vault or Managed HSM DNS suffix `host` is under (`myvault.vault.azure.net`
 * is the public cloud's), or `undefined` for any other host.
 */
export function vaultCloud(host: string): AzureCloud | undefined {
  return Object.values(AzureClouds).find((c) =>
    host.endsWith(`.${c.keyVaultDnsSuffix}`) || host.endsWith(`.${c.managedHsmDnsSuffix}`)
  );
}

/** Resolves a cloud option (a name or a cloud object) to a cloud, or throws a `TypeError`. */
export function resolveCloud(cloud: AzureCloudName | AzureCloud | undefined): AzureCloud {
  if (cloud === undefined) return AzureClouds.public;
  if (typeof cloud === "string") {
    const found = Object.hasOwn(AzureClouds, cloud) ? AzureClouds[cloud] : undefined;
    if (found) return found;
  } else if (typeof cloud?.authorityHost === "string") {
    return cloud;
  }
  throw new TypeError('"cloud" option must be "public", "china", "usGovernment" or an AzureCloud');
}
