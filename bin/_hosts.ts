/**
 * The host names the served emulator answers (and tunnels to): the ones `createEmulator`'s
 * router serves over https. `tests/served/served_test.ts` checks that the emulator answers each
 * of them, and refuses names outside the list.
 *
 * @module
 */

/** Microsoft Entra ID's login hosts (one per cloud). */
export const ENTRA_NAMES: readonly string[] = [
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
];

/** Azure Resource Manager. */
export const ARM_NAME = "management.azure.com";

/** Every vault is `{name}.vault.azure.net`. */
export const VAULT_SUFFIX = ".vault.azure.net";

/** The names a leaf certificate must cover (DNS subject alternative names). */
export const SERVED_NAMES: readonly string[] = [...ENTRA_NAMES, ARM_NAME, `*${VAULT_SUFFIX}`];

/** The DNS names the local CA is constrained to (each with its subdomains). */
export const CONSTRAINED_NAMES: readonly string[] = [
  ...ENTRA_NAMES,
  ARM_NAME,
  VAULT_SUFFIX.slice(1),
];

/** Whether `host` (a name, lower or upper case, no port) is one the emulator answers. */
export function isServedHost(host: string): boolean {
  const h = host.toLowerCase();
  if (ENTRA_NAMES.includes(h) || h === ARM_NAME) return true;
  if (!h.endsWith(VAULT_SUFFIX)) return false;
  const name = h.slice(0, -VAULT_SUFFIX.length);
  // A vault name: 3-24 letters, digits and hyphens (one label).
  return /^[a-z0-9-]{3,24}$/.test(name);
}
