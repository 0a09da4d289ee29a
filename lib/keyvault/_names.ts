/** Checks of names, versions and options before any request (Key Vault's own rules). */

import { need } from "../http/_check.ts";

/** Returns `name`, or throws a TypeError unless it is a valid Key Vault object name. */
export function checkName(name: unknown): string {
  need(
    typeof name == "string" && /^[0-9a-zA-Z-]{1,127}$/.test(name),
    "name",
    "must be 1 to 127 letters, digits and dashes",
  );
  return name as string;
}

/** Returns `""` (latest) for no version, else a checked 32-hex-character version. */
export function checkVersion(version: unknown): string {
  if (version === undefined || version === "") return "";
  need(
    typeof version == "string" && /^[0-9a-fA-F]{32}$/.test(version),
    "version",
    "must be 32 hexadecimal characters",
  );
  return version as string;
}

/** Checks `maxPageSize` against Key Vault's `maxresults` range (1 to 25). */
export function checkPageSize(size: number | undefined): number | undefined {
  need(
    size === undefined || (Number.isInteger(size) && size > 0 && size < 26),
    "maxPageSize",
    "must be an integer from 1 to 25",
    RangeError,
  );
  return size;
}

/** Unix seconds to a Date (Key Vault timestamps). */
export function fromUnix(seconds: number | null | undefined): Date | undefined {
  return typeof seconds == "number" ? new Date(seconds * 1000) : undefined;
}

/** A Date to Unix seconds, checking it is a valid date. */
export function toUnix(date: Date | undefined, option: string): number | undefined {
  if (date === undefined) return undefined;
  need(date instanceof Date && !isNaN(+date), option, "must be a valid Date");
  return Math.floor(+date / 1000);
}

/** Checks tags: a plain object of strings. */
export function checkTags(tags: unknown): Record<string, string> | undefined {
  need(
    tags === undefined ||
      (tags?.constructor == Object &&
        Object.values(tags as object).every((t) => typeof t == "string")),
    "tags",
    "must be an object of strings",
  );
  return tags as Record<string, string> | undefined;
}
