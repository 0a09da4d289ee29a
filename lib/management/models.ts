/**
 * The shapes of ARM's Key Vault and resource group resources, named as in
 * `@azure/arm-keyvault` and `@azure/arm-resources`, and the valibot schemas that check what ARM
 * sends. Objects keep ARM's nesting (`vault.properties.vaultUri`); ISO dates become `Date`s;
 * properties a newer api-version adds are kept on the objects as ARM sent them (they are not
 * typed here), never rejected.
 *
 * @module
 */

import * as v from "valibot";
import { must } from "../http/json.ts";
import {
  canonical,
  CERTIFICATE_PERMISSIONS,
  KEY_PERMISSIONS,
  SECRET_PERMISSIONS,
  STORAGE_PERMISSIONS,
} from "./_permissions.ts";

/**
 * A key permission of an access policy.
 *
 * @example
 * ```ts
 * import type { KeyPermission } from "kvfetch/management";
 *
 * const cryptoUser: KeyPermission[] = ["get", "wrapKey", "unwrapKey"];
 * console.log(cryptoUser.length);
 * ```
 */
export type KeyPermission =
  | "all"
  | "encrypt"
  | "decrypt"
  | "wrapKey"
  | "unwrapKey"
  | "sign"
  | "verify"
  | "get"
  | "list"
  | "create"
  | "update"
  | "import"
  | "delete"
  | "backup"
  | "restore"
  | "recover"
  | "purge"
  | "release"
  | "rotate"
  | "getrotationpolicy"
  | "setrotationpolicy";

/**
 * A secret permission of an access policy.
 *
 * @example
 * ```ts
 * import type { SecretPermission } from "kvfetch/management";
 *
 * const reader: SecretPermission[] = ["get", "list"];
 * console.log(reader);
 * ```
 */
export type SecretPermission =
  | "all"
  | "get"
  | "list"
  | "set"
  | "delete"
  | "backup"
  | "restore"
  | "recover"
  | "purge";

/**
 * A certificate permission of an access policy.
 *
 * @example
 * ```ts
 * import type { CertificatePermission } from "kvfetch/management";
 *
 * const issuer: CertificatePermission[] = ["get", "create", "manageissuers"];
 * console.log(issuer);
 * ```
 */
export type CertificatePermission =
  | "all"
  | "get"
  | "list"
  | "delete"
  | "create"
  | "import"
  | "update"
  | "managecontacts"
  | "getissuers"
  | "listissuers"
  | "setissuers"
  | "deleteissuers"
  | "manageissuers"
  | "recover"
  | "purge"
  | "backup"
  | "restore";

/**
 * A storage account permission of an access policy.
 *
 * @example
 * ```ts
 * import type { StoragePermission } from "kvfetch/management";
 *
 * const sas: StoragePermission[] = ["getsas", "listsas"];
 * console.log(sas);
 * ```
 */
export type StoragePermission =
  | "all"
  | "get"
  | "list"
  | "delete"
  | "set"
  | "update"
  | "regeneratekey"
  | "recover"
  | "purge"
  | "backup"
  | "restore"
  | "setsas"
  | "listsas"
  | "getsas"
  | "deletesas";

/**
 * What an identity may do with keys, secrets, certificates and storage accounts. ARM compares
 * the values without case and old vaults answer `Get`; kvfetch returns the spelling above. A
 * value this release does not know (one the service added later) is returned as sent.
 *
 * @example
 * ```ts
 * import type { Permissions } from "kvfetch/management";
 *
 * const permissions: Permissions = { secrets: ["get", "list"], keys: ["get"] };
 * console.log(permissions.secrets);
 * ```
 */
export interface Permissions {
  /** Permissions to keys. */
  keys?: KeyPermission[];
  /** Permissions to secrets. */
  secrets?: SecretPermission[];
  /** Permissions to certificates. */
  certificates?: CertificatePermission[];
  /** Permissions to storage accounts. */
  storage?: StoragePermission[];
}

/**
 * An identity with access to a vault (the vault's tenant, the identity's object id).
 *
 * @example Letting an application read secrets
 * ```ts
 * import type { AccessPolicyEntry } from "kvfetch/management";
 *
 * const policy: AccessPolicyEntry = {
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   objectId: "4349cdfe-57fa-4f82-b57b-836dc8c26769",
 *   permissions: { secrets: ["get", "list"] },
 * };
 * console.log(policy.permissions.secrets);
 * ```
 */
export interface AccessPolicyEntry {
  /** The Entra tenant id (a UUID); the vault's own. */
  tenantId: string;
  /** The object id (a UUID) of a user, service principal or group. */
  objectId: string;
  /** The application acting on behalf of the principal (compound identity), a UUID. */
  applicationId?: string;
  /** What it may do. */
  permissions: Permissions;
}

/**
 * A vault's SKU.
 *
 * @example
 * ```ts
 * import type { Sku } from "kvfetch/management";
 *
 * const sku: Sku = { family: "A", name: "premium" }; // premium: HSM-backed keys
 * console.log(sku.name);
 * ```
 */
export interface Sku {
  /** The SKU family; only `A` exists. Sent as `A` when left out. */
  family?: "A";
  /** `standard` or `premium`. */
  name: SkuName;
}

/**
 * A vault SKU name.
 *
 * @example
 * ```ts
 * import type { SkuName } from "kvfetch/management";
 *
 * const name: SkuName = "standard";
 * console.log(name);
 * ```
 */
export type SkuName = "standard" | "premium";

/**
 * Which networks may reach a vault.
 *
 * @example Only one office range, plus trusted Azure services
 * ```ts
 * import type { NetworkRuleSet } from "kvfetch/management";
 *
 * const acls: NetworkRuleSet = {
 *   bypass: "AzureServices",
 *   defaultAction: "Deny",
 *   ipRules: [{ value: "124.56.78.0/24" }],
 * };
 * console.log(acls.defaultAction);
 * ```
 */
export interface NetworkRuleSet {
  /** What may bypass the rules: `AzureServices` (the default) or `None`. */
  bypass?: "AzureServices" | "None";
  /** What happens when no rule matches. */
  defaultAction?: "Allow" | "Deny";
  /** IPv4 addresses or CIDR ranges. */
  ipRules?: { value: string }[];
  /** Subnets, by resource id. */
  virtualNetworkRules?: { id: string; ignoreMissingVnetServiceEndpoint?: boolean }[];
}

/**
 * A vault's provisioning state: a new vault answers `RegisteringDns` until its DNS name exists.
 *
 * @example
 * ```ts
 * import type { VaultProvisioningState } from "kvfetch/management";
 *
 * const state: VaultProvisioningState = "RegisteringDns";
 * console.log(state === "Succeeded");
 * ```
 */
export type VaultProvisioningState =
  | "Succeeded"
  | "RegisteringDns"
  | (string & Record<never, never>);

/**
 * A vault's properties, as sent on create and as ARM answers.
 *
 * @example The properties of the Python sample's vault
 * ```ts
 * import type { VaultProperties } from "kvfetch/management";
 *
 * const properties: VaultProperties = {
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   sku: { name: "standard" },
 *   accessPolicies: [],
 *   softDeleteRetentionInDays: 7,
 * };
 * console.log(properties.sku.name);
 * ```
 */
export interface VaultProperties {
  /** The Entra tenant that authenticates requests to the vault (a UUID). */
  tenantId: string;
  /** The SKU. */
  sku: Sku;
  /** Up to 1024 identities with access (ignored when `enableRbacAuthorization`). */
  accessPolicies?: AccessPolicyEntry[];
  /** The vault's data-plane URL, e.g. `https://my-vault.vault.azure.net/`. */
  vaultUri?: string;
  /** The HSM pool's resource id (read-only). */
  hsmPoolResourceId?: string;
  /** Virtual machines may retrieve certificates stored as secrets. */
  enabledForDeployment?: boolean;
  /** Azure Disk Encryption may retrieve secrets and unwrap keys. */
  enabledForDiskEncryption?: boolean;
  /** Azure Resource Manager may retrieve secrets. */
  enabledForTemplateDeployment?: boolean;
  /** Soft delete; on by default and it cannot be turned off. */
  enableSoftDelete?: boolean;
  /** Days a deleted vault is kept: 7 to 90 (the default). */
  softDeleteRetentionInDays?: number;
  /** Authorize data actions with Azure RBAC instead of access policies. */
  enableRbacAuthorization?: boolean;
  /** `recover` restores a soft-deleted vault of the same name. */
  createMode?: "recover" | "default";
  /** Purge protection: irreversible once on. */
  enablePurgeProtection?: boolean;
  /** Network rules. */
  networkAcls?: NetworkRuleSet;
  /** `RegisteringDns` while the DNS name is being created, then `Succeeded`. */
  provisioningState?: VaultProvisioningState;
  /** Private endpoint connections (read-only), as ARM sends them. */
  privateEndpointConnections?: Record<string, unknown>[];
  /** `Enabled` or `Disabled`: whether the vault accepts traffic from public networks. */
  publicNetworkAccess?: string;
}

/**
 * Who created and last changed a resource, and when.
 *
 * @example
 * ```ts
 * import type { SystemData } from "kvfetch/management";
 *
 * const data: SystemData = { createdBy: "ops@contoso.com", createdAt: new Date() };
 * console.log(data.createdAt?.getFullYear());
 * ```
 */
export interface SystemData {
  /** Who created it. */
  createdBy?: string;
  /** `User`, `Application`, `ManagedIdentity` or `Key`. */
  createdByType?: string;
  /** When it was created. */
  createdAt?: Date;
  /** Who changed it last. */
  lastModifiedBy?: string;
  /** `User`, `Application`, `ManagedIdentity` or `Key`. */
  lastModifiedByType?: string;
  /** When it was changed last. */
  lastModifiedAt?: Date;
}

/**
 * A key vault as ARM describes it.
 *
 * @example
 * ```ts
 * import { type Vault, VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // in resource group emulator-rg
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const vault: Vault = await vaults.get("emulator-rg", "myvault");
 * console.log(vault.location, vault.properties.vaultUri); // westus2 https://myvault.vault.azure.net/
 * ```
 */
export interface Vault {
  /** The resource id. */
  id?: string;
  /** The vault's name. */
  name?: string;
  /** `Microsoft.KeyVault/vaults`. */
  type?: string;
  /** The location. */
  location?: string;
  /** Tags. */
  tags?: Record<string, string>;
  /** Creation and change metadata. */
  systemData?: SystemData;
  /** The vault's properties. */
  properties: VaultProperties;
}

/**
 * What {@link VaultsClient.createOrUpdate} sends: the location, tags and properties.
 *
 * @example
 * ```ts
 * import type { VaultCreateOrUpdateParameters } from "kvfetch/management";
 *
 * const parameters: VaultCreateOrUpdateParameters = {
 *   location: "westus",
 *   properties: {
 *     tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *     sku: { name: "standard" },
 *     accessPolicies: [],
 *   },
 * };
 * console.log(parameters.location);
 * ```
 */
export interface VaultCreateOrUpdateParameters {
  /** The location's name, e.g. `westus`. */
  location: string;
  /** Tags (at most 50). */
  tags?: Record<string, string>;
  /** The vault's properties. */
  properties: VaultProperties;
}

/**
 * What {@link VaultsClient.update} sends: any of the properties, and tags.
 *
 * @example Turning purge protection on
 * ```ts
 * import type { VaultPatchParameters } from "kvfetch/management";
 *
 * const patch: VaultPatchParameters = { properties: { enablePurgeProtection: true } };
 * console.log(patch.properties?.enablePurgeProtection);
 * ```
 */
export interface VaultPatchParameters {
  /** Tags (replace the vault's). */
  tags?: Record<string, string>;
  /** The properties to change. */
  properties?: Partial<Omit<VaultProperties, "vaultUri" | "hsmPoolResourceId">>;
}

/**
 * A soft-deleted vault, kept until its scheduled purge date.
 *
 * @example
 * ```ts
 * import { type DeletedVault, VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // in resource group emulator-rg
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await vaults.delete("emulator-rg", "myvault");
 * const deleted: DeletedVault = await vaults.getDeleted("myvault", "westus2");
 * console.log(deleted.name, deleted.properties?.scheduledPurgeDate?.toISOString().slice(0, 10));
 * ```
 */
export interface DeletedVault {
  /** The deleted vault's resource id (under `locations/{location}/deletedVaults`). */
  id?: string;
  /** The vault's name. */
  name?: string;
  /** `Microsoft.KeyVault/deletedVaults`. */
  type?: string;
  /** What was deleted, and until when it can be recovered. */
  properties?: {
    /** The resource id of the vault that was deleted. */
    vaultId?: string;
    /** Its location. */
    location?: string;
    /** When it was deleted. */
    deletionDate?: Date;
    /** When Key Vault purges it. */
    scheduledPurgeDate?: Date;
    /** Its tags. */
    tags?: Record<string, string>;
    /** Whether purge protection was on (then it cannot be purged before that date). */
    purgeProtectionEnabled?: boolean;
  };
}

/**
 * Whether a vault name is free.
 *
 * @example
 * ```ts
 * import type { CheckNameAvailabilityResult } from "kvfetch/management";
 *
 * const taken: CheckNameAvailabilityResult = { nameAvailable: false, reason: "AlreadyExists" };
 * console.log(taken.reason);
 * ```
 */
export interface CheckNameAvailabilityResult {
  /** Whether the name can be used. */
  nameAvailable?: boolean;
  /** Why not: `AccountNameInvalid` or `AlreadyExists`. */
  reason?: "AccountNameInvalid" | "AlreadyExists" | (string & Record<never, never>);
  /** ARM's explanation. */
  message?: string;
}

/**
 * The access policies of a vault, as {@link VaultsClient.updateAccessPolicy} answers.
 *
 * @example
 * ```ts
 * import { type VaultAccessPolicyParameters, VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // in resource group emulator-rg
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const reader = { tenantId: emulator.tenantId, objectId: emulator.apps[0]!.objectId };
 * const result: VaultAccessPolicyParameters = await vaults.updateAccessPolicy(
 *   "emulator-rg",
 *   "myvault",
 *   "add",
 *   [{ ...reader, permissions: { secrets: ["get", "list"] } }],
 * );
 * const policies = result.properties.accessPolicies;
 * console.log(policies.map((p) => p.permissions.secrets)); // [ [ "get", "list" ] ]
 * ```
 */
export interface VaultAccessPolicyParameters {
  /** The resource id of the access policy. */
  id?: string;
  /** Its name. */
  name?: string;
  /** `Microsoft.KeyVault/vaults/accessPolicies`. */
  type?: string;
  /** The location. */
  location?: string;
  /** The policies. */
  properties: { accessPolicies: AccessPolicyEntry[] };
}

/**
 * A resource as the resources API lists it ({@link VaultsClient.list}).
 *
 * @example
 * ```ts
 * import type { Resource } from "kvfetch/management";
 *
 * const vault: Resource = { name: "my-vault", type: "Microsoft.KeyVault/vaults" };
 * console.log(vault.name);
 * ```
 */
export interface Resource {
  /** The resource id. */
  id?: string;
  /** The name. */
  name?: string;
  /** The resource type. */
  type?: string;
  /** The location. */
  location?: string;
  /** Tags. */
  tags?: Record<string, string>;
}

/**
 * A resource group.
 *
 * @example
 * ```ts
 * import type { ResourceGroup } from "kvfetch/management";
 *
 * const group: ResourceGroup = { name: "kvfetch-samples", location: "westus" };
 * console.log(group.location);
 * ```
 */
export interface ResourceGroup {
  /** The resource id. */
  id?: string;
  /** The name. */
  name?: string;
  /** `Microsoft.Resources/resourceGroups`. */
  type?: string;
  /** The location of its metadata. */
  location: string;
  /** Tags. */
  tags?: Record<string, string>;
  /** The resource that manages this group, if any. */
  managedBy?: string;
  /** `Succeeded`, or `Deleting` while a delete runs. */
  properties?: { provisioningState?: string };
}

// ---------------------------------------------------------------------------------------------
// Schemas: what ARM sends, checked. `null` reads as absent.

/** An optional field: absent, `null` (read as absent) or a value matching `schema`. */
const opt = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(v.nullish(schema), v.transform((x) => x ?? undefined));

/** ARM's ISO 8601 date-times (`2020-01-01T12:00:00.0000000Z`: seven fraction digits). */
const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i;

/** An ARM date-time as a `Date` (UTC when it names no zone), or an invalid `Date`. */
export function parseArmDate(text: string): Date {
  const m = ISO.exec(text);
  if (!m) return new Date(NaN);
  const fraction = m[2] ? `.${m[2].slice(0, 3).padEnd(3, "0")}` : "";
  return new Date(`${m[1]}${fraction}${m[3] ?? "Z"}`);
}

const DateTime = v.pipe(
  v.string(),
  must("an ISO 8601 date-time", (s: string) => !isNaN(+parseArmDate(s))),
  v.transform(parseArmDate),
);

const Str = opt(v.string());
const Bool = opt(v.boolean());
const Tags = opt(v.record(v.string(), v.string()));

/** A list of permission values, in kvfetch's spelling when known, else as sent. */
const PermissionList = (allowed: readonly string[]) =>
  opt(v.array(v.pipe(v.string(), v.transform((s) => canonical(allowed, s) ?? s))));

const PermissionsSchema = v.looseObject({
  keys: PermissionList(KEY_PERMISSIONS),
  secrets: PermissionList(SECRET_PERMISSIONS),
  certificates: PermissionList(CERTIFICATE_PERMISSIONS),
  storage: PermissionList(STORAGE_PERMISSIONS),
});

const AccessPolicySchema = v.looseObject({
  tenantId: v.string(),
  objectId: v.string(),
  applicationId: Str,
  permissions: PermissionsSchema,
});

const SystemDataSchema = v.looseObject({
  createdBy: Str,
  createdByType: Str,
  createdAt: opt(DateTime),
  lastModifiedBy: Str,
  lastModifiedByType: Str,
  lastModifiedAt: opt(DateTime),
});

const VaultPropertiesSchema = v.looseObject({
  tenantId: v.string(),
  sku: v.looseObject({
    family: Str,
    name: v.pipe(v.string(), v.transform((s) => canonical(["standard", "premium"], s) ?? s)),
  }),
  accessPolicies: opt(v.array(AccessPolicySchema)),
  vaultUri: Str,
  hsmPoolResourceId: Str,
  enabledForDeployment: Bool,
  enabledForDiskEncryption: Bool,
  enabledForTemplateDeployment: Bool,
  enableSoftDelete: Bool,
  softDeleteRetentionInDays: opt(v.number()),
  enableRbacAuthorization: Bool,
  createMode: Str,
  enablePurgeProtection: Bool,
  networkAcls: opt(v.looseObject({
    bypass: Str,
    defaultAction: Str,
    ipRules: opt(v.array(v.looseObject({ value: v.string() }))),
    virtualNetworkRules: opt(v.array(v.looseObject({
      id: v.string(),
      ignoreMissingVnetServiceEndpoint: Bool,
    }))),
  })),
  provisioningState: Str,
  privateEndpointConnections: opt(v.array(v.looseObject({}))),
  publicNetworkAccess: Str,
});

const ResourceFields = { id: Str, name: Str, type: Str };

/** A `Vault`. */
export const VaultSchema = v.looseObject({
  ...ResourceFields,
  location: Str,
  tags: Tags,
  systemData: opt(SystemDataSchema),
  properties: VaultPropertiesSchema,
}) as unknown as v.GenericSchema<unknown, Vault>;

/** A `DeletedVault`. */
export const DeletedVaultSchema = v.looseObject({
  ...ResourceFields,
  properties: opt(v.looseObject({
    vaultId: Str,
    location: Str,
    deletionDate: opt(DateTime),
    scheduledPurgeDate: opt(DateTime),
    tags: Tags,
    purgeProtectionEnabled: Bool,
  })),
}) as unknown as v.GenericSchema<unknown, DeletedVault>;

/** A `CheckNameAvailabilityResult`. */
export const CheckNameAvailabilityResultSchema = v.looseObject({
  nameAvailable: Bool,
  reason: Str,
  message: Str,
}) as unknown as v.GenericSchema<unknown, CheckNameAvailabilityResult>;

/** A `VaultAccessPolicyParameters`. */
export const VaultAccessPolicyParametersSchema = v.looseObject({
  ...ResourceFields,
  location: Str,
  properties: v.looseObject({ accessPolicies: v.array(AccessPolicySchema) }),
}) as unknown as v.GenericSchema<unknown, VaultAccessPolicyParameters>;

/** A `Resource` of the resources API. */
export const ResourceSchema = v.looseObject({
  ...ResourceFields,
  location: Str,
  tags: Tags,
}) as unknown as v.GenericSchema<unknown, Resource>;

/** A `ResourceGroup`. */
export const ResourceGroupSchema = v.looseObject({
  ...ResourceFields,
  location: v.string(),
  tags: Tags,
  managedBy: Str,
  properties: opt(v.looseObject({ provisioningState: Str })),
}) as unknown as v.GenericSchema<unknown, ResourceGroup>;
