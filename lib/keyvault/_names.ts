/** Checks of names and versions before any request (Key Vault's own rules). */

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-fA-F]{32}$/;

/** Throws a TypeError unless `name` is a valid Key Vault object name. */
export function checkName(name: unknown, what = "name"): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TypeError(
      `Invalid ${what}: use 1 to 127 characters, letters, digits and "-" only`,
    );
  }
  return name;
}

/** Throws a TypeError unless `version` is absent, empty (latest) or 32 hex characters. */
export function checkVersion(version: unknown): string {
  if (version === undefined || version === "") return "";
  if (typeof version !== "string" || !VERSION.test(version)) {
    throw new TypeError("Invalid version: a Key Vault version is 32 hexadecimal characters");
  }
  return version;
}

/** Checks `maxPageSize` against Key Vault's `maxresults` range. */
export function checkPageSize(size: number | undefined): number | undefined {
  if (size === undefined) return undefined;
  if (!Number.isInteger(size) || size < 1 || size > 25) {
    throw new RangeError('"maxPageSize" option must be an integer from 1 to 25');
  }
  return size;
}

/** Unix seconds to a Date (Key Vault timestamps). */
export function fromUnix(seconds: number | null | undefined): Date | undefined {
  return typeof seconds === "number" ? new Date(seconds * 1000) : undefined;
}

/** A Date to Unix seconds, checking it is a valid date. */
export function toUnix(date: Date | undefined, option: string): number | undefined {
  if (date === undefined) return undefined;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TypeError(`"${option}" option must be a valid Date`);
  }
  return Math.floor(date.getTime() / 1000);
}

/** Checks tags: a plain object of strings. */
export function checkTags(tags: unknown): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw new TypeError('"tags" option must be an object of strings');
  }
  for (const value of Object.values(tags)) {
    if (typeof value !== "string") throw new TypeError('"tags" option values must be strings');
  }
  return tags as Record<string, string>;
}
