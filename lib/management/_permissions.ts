/** The permission values of a vault access policy (`KeyPermissions`, … in the ARM spec). */

import type {
  CertificatePermission,
  KeyPermission,
  SecretPermission,
  StoragePermission,
} from "./models.ts";

/** Key permissions. */
export const KEY_PERMISSIONS: readonly KeyPermission[] = [
  "all",
  "encrypt",
  "decrypt",
  "wrapKey",
  "unwrapKey",
  "sign",
  "verify",
  "get",
  "list",
  "create",
  "update",
  "import",
  "delete",
  "backup",
  "restore",
  "recover",
  "purge",
  "release",
  "rotate",
  "getrotationpolicy",
  "setrotationpolicy",
];

/** Secret permissions. */
export const SECRET_PERMISSIONS: readonly SecretPermission[] = [
  "all",
  "get",
  "list",
  "set",
  "delete",
  "backup",
  "restore",
  "recover",
  "purge",
];

/** Certificate permissions. */
export const CERTIFICATE_PERMISSIONS: readonly CertificatePermission[] = [
  "all",
  "get",
  "list",
  "delete",
  "create",
  "import",
  "update",
  "managecontacts",
  "getissuers",
  "listissuers",
  "setissuers",
  "deleteissuers",
  "manageissuers",
  "recover",
  "purge",
  "backup",
  "restore",
];

/** Storage account permissions. */
export const STORAGE_PERMISSIONS: readonly StoragePermission[] = [
  "all",
  "get",
  "list",
  "delete",
  "set",
  "update",
  "regeneratekey",
  "recover",
  "purge",
  "backup",
  "restore",
  "setsas",
  "listsas",
  "getsas",
  "deletesas",
];

/**
 * The spelling of `value` in `allowed`, compared without case (ARM accepts and echoes `Get` for
 * `get`), or `undefined` when it is none of them.
 */
export function canonical<T extends string>(allowed: readonly T[], value: string): T | undefined {
  const lower = value.toLowerCase();
  return allowed.find((a) => a.toLowerCase() === lower);
}
