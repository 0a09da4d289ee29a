/**
 * ARM's naming and value rules, checked before any request: a name, id or value that breaks one
 * is a `TypeError` (a `RangeError` for numbers out of range) naming the rule, and nothing is sent.
 */

import { need } from "../http/_check.ts";
import { checkTags } from "../http/_tags.ts";
import {
  canonical,
  CERTIFICATE_PERMISSIONS,
  KEY_PERMISSIONS,
  SECRET_PERMISSIONS,
  STORAGE_PERMISSIONS,
} from "./_permissions.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One character of a rejected value, escaped: all a message quotes of it. */
const charAt = (text: string, at: number) =>
  `${JSON.stringify(String.fromCodePoint(text.codePointAt(at)!))} at position ${at + 1}`;

/** A short, escaped rendering of a rejected value that is not a secret (an enum value). */
const shown = (value: unknown) =>
  typeof value == "string" ? JSON.stringify(value.slice(0, 40)) : typeof value;

/** Returns `value` when it is a UUID (a subscription, tenant, object or application id). */
export function checkUuid(value: unknown, option: string): string {
  need(typeof value == "string", option, "must be a string");
  need(
    UUID.test(value as string),
    option,
    "must be a UUID like 00000000-0000-0000-0000-000000000000",
  );
  return value as string;
}

/**
 * Returns `name` when it follows Key Vault's vault naming rules: 3 to 24 characters, letters,
 * digits and hyphens only, starting with a letter, not ending with a hyphen, no `--`.
 */
export function checkVaultName(name: unknown, option = "vaultName"): string {
  need(typeof name == "string", option, "must be a string");
  const text = name as string;
  need(
    text.length >= 3 && text.length <= 24,
    option,
    `must be 3 to 24 characters (got ${text.length})`,
  );
  const at = text.search(/[^0-9a-zA-Z-]/);
  if (at >= 0) {
    throw new TypeError(
      `"${option}" may only contain letters, digits and hyphens (found ${charAt(text, at)})`,
    );
  }
  need(/^[a-zA-Z]/.test(text), option, "must start with a letter");
  need(!text.endsWith("-"), option, "must not end with a hyphen");
  need(!text.includes("--"), option, 'must not contain two consecutive hyphens ("--")');
  return text;
}

/**
 * Returns `name` when it follows ARM's resource group naming rules: 1 to 90 characters, letters,
 * digits, underscores, hyphens, periods and parentheses, not ending with a period.
 */
export function checkResourceGroupName(name: unknown, option = "resourceGroupName"): string {
  need(typeof name == "string", option, "must be a string");
  const text = name as string;
  need(
    text.length >= 1 && text.length <= 90,
    option,
    `must be 1 to 90 characters (got ${text.length})`,
  );
  const at = text.search(/[^-\p{L}\p{N}_.()]/u);
  if (at >= 0) {
    throw new TypeError(
      `"${option}" may only contain letters, digits, underscores, hyphens, periods and ` +
        `parentheses (found ${charAt(text, at)})`,
    );
  }
  need(!text.endsWith("."), option, "must not end with a period");
  return text;
}

/** Returns `location` when it is an Azure location's name (`westus2`), not its display name. */
export function checkLocation(location: unknown, option = "location"): string {
  need(typeof location == "string", option, "must be a string");
  need(
    /^[A-Za-z0-9]{1,64}$/.test(location as string),
    option,
    'must be a location\'s name: letters and digits, like "westus2" (not "West US 2")',
  );
  return location as string;
}

/** Returns an ARM api-version (`2026-04-01`, `2026-03-01-preview`), checked. */
export function checkApiVersion(version: unknown, option = "apiVersion"): string {
  need(
    typeof version == "string" && /^\d{4}-\d\d-\d\d(-preview)?$/.test(version),
    option,
    "must be an ARM api-version such as 2026-04-01",
  );
  return version as string;
}

/** ARM's tag limits: 50 per resource, names up to 512 characters, values up to 256. */
export const checkArmTags = (tags: unknown): Record<string, string> | undefined =>
  checkTags(tags, 50);

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x == "object" && x !== null && !Array.isArray(x);

function checkObject(value: unknown, option: string): Record<string, unknown> {
  need(isObject(value), option, "must be an object");
  return value as Record<string, unknown>;
}

function checkOptional(
  object: Record<string, unknown>,
  key: string,
  path: string,
  type: "boolean" | "string",
): void {
  const value = object[key];
  need(value === undefined || typeof value == type, `${path}.${key}`, `must be a ${type}`);
}

function checkOneOf(value: unknown, allowed: readonly string[], option: string): void {
  need(
    typeof value == "string" && allowed.includes(value),
    option,
    `must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")} (got ${shown(value)})`,
  );
}

/** SKU names and families. */
export function checkSku(sku: unknown, option: string): void {
  const object = checkObject(sku, option);
  checkOneOf(object.name, ["standard", "premium"], `${option}.name`);
  if (object.family !== undefined) checkOneOf(object.family, ["A"], `${option}.family`);
}

const PERMISSIONS: Record<string, readonly string[]> = {
  keys: KEY_PERMISSIONS,
  secrets: SECRET_PERMISSIONS,
  certificates: CERTIFICATE_PERMISSIONS,
  storage: STORAGE_PERMISSIONS,
};

/**
 * Checks one permission set: each of `keys`, `secrets`, `certificates` and `storage` is absent
 * or an array of that kind's permission values (compared without case, as ARM does).
 */
function checkPermissions(permissions: unknown, option: string): void {
  const object = checkObject(permissions, option);
  for (const [kind, allowed] of Object.entries(PERMISSIONS)) {
    const list = object[kind];
    if (list === undefined) continue;
    need(Array.isArray(list), `${option}.${kind}`, "must be an array of permissions");
    (list as unknown[]).forEach((value, i) => {
      need(
        typeof value == "string" && canonical(allowed, value) !== undefined,
        `${option}.${kind}[${i}]`,
        `must be a ${kind} permission (${allowed.join(", ")}); got ${shown(value)}`,
      );
    });
  }
}

/** Checks a list of access policies (at most 1024) and each entry's ids and permissions. */
export function checkAccessPolicies(policies: unknown, option: string): void {
  need(Array.isArray(policies), option, "must be an array of access policies");
  const list = policies as unknown[];
  need(
    list.length <= 1024,
    option,
    `may hold at most 1024 policies (got ${list.length})`,
    RangeError,
  );
  list.forEach((entry, i) => {
    const path = `${option}[${i}]`;
    const object = checkObject(entry, path);
    checkUuid(object.tenantId, `${path}.tenantId`);
    checkUuid(object.objectId, `${path}.objectId`);
    if (object.applicationId !== undefined) {
      checkUuid(object.applicationId, `${path}.applicationId`);
    }
    checkPermissions(object.permissions, `${path}.permissions`);
  });
}

/** Checks a network rule set's enumerations and rule lists. */
function checkNetworkAcls(acls: unknown, option: string): void {
  const object = checkObject(acls, option);
  if (object.bypass !== undefined) {
    checkOneOf(object.bypass, ["AzureServices", "None"], `${option}.bypass`);
  }
  if (object.defaultAction !== undefined) {
    checkOneOf(object.defaultAction, ["Allow", "Deny"], `${option}.defaultAction`);
  }
  for (const [key, field] of [["ipRules", "value"], ["virtualNetworkRules", "id"]] as const) {
    const rules = object[key];
    if (rules === undefined) continue;
    need(Array.isArray(rules), `${option}.${key}`, "must be an array");
    (rules as unknown[]).forEach((rule, i) => {
      const path = `${option}.${key}[${i}]`;
      need(
        typeof checkObject(rule, path)[field] == "string",
        `${path}.${field}`,
        "must be a string",
      );
    });
  }
}

const BOOLEANS = [
  "enabledForDeployment",
  "enabledForDiskEncryption",
  "enabledForTemplateDeployment",
  "enableSoftDelete",
  "enableRbacAuthorization",
  "enablePurgeProtection",
] as const;

/**
 * Checks vault properties: for a create (`full`), `tenantId` and `sku` are required; for a
 * patch every field is optional. Unknown fields pass through untouched (ARM adds fields).
 */
export function checkVaultProperties(properties: unknown, option: string, full: boolean): void {
  const object = checkObject(properties, option);
  if (full || object.tenantId !== undefined) checkUuid(object.tenantId, `${option}.tenantId`);
  if (full || object.sku !== undefined) checkSku(object.sku, `${option}.sku`);
  if (object.accessPolicies !== undefined) {
    checkAccessPolicies(object.accessPolicies, `${option}.accessPolicies`);
  }
  for (const key of BOOLEANS) checkOptional(object, key, option, "boolean");
  checkOptional(object, "vaultUri", option, "string");
  checkOptional(object, "publicNetworkAccess", option, "string");
  const days = object.softDeleteRetentionInDays;
  need(
    days === undefined ||
      (Number.isInteger(days) && (days as number) >= 7 && (days as number) <= 90),
    `${option}.softDeleteRetentionInDays`,
    `must be a whole number of days from 7 to 90 (got ${days})`,
    RangeError,
  );
  if (object.createMode !== undefined) {
    checkOneOf(object.createMode, ["default", "recover"], `${option}.createMode`);
  }
  if (object.networkAcls !== undefined) {
    checkNetworkAcls(object.networkAcls, `${option}.networkAcls`);
  }
}

/** Checks the parameters of a vault create: location, tags and properties. */
export function checkCreateParameters(parameters: unknown): Record<string, unknown> {
  const object = checkObject(parameters, "parameters");
  checkLocation(object.location, "parameters.location");
  checkArmTags(object.tags);
  checkVaultProperties(object.properties, "parameters.properties", true);
  return object;
}

/** Checks the parameters of a vault patch: tags and properties, all optional. */
export function checkPatchParameters(parameters: unknown): Record<string, unknown> {
  const object = checkObject(parameters, "parameters");
  checkArmTags(object.tags);
  if (object.properties !== undefined) {
    checkVaultProperties(object.properties, "parameters.properties", false);
  }
  return object;
}
