/** Checks of names, versions and options before any request (Key Vault's own rules). */

import { need } from "../http/_check.ts";

/** Returns `name`, or throws a TypeError naming the Key Vault naming rule it breaks. */
export function checkName(name: unknown): string {
  need(typeof name == "string", "name", "must be a string");
  const text = name as string;
  need(text && text.length < 128, "name", `must be 1 to 127 characters (got ${text.length})`);
  const at = text.search(/[^0-9a-zA-Z-]/);
  if (at >= 0) {
    // One character, escaped, is all a message may quote of a rejected name.
    const found = JSON.stringify(String.fromCodePoint(text.codePointAt(at)!));
    throw new TypeError(
      `"name" may only contain letters, digits and dashes (found ${found} at position ${at + 1})`,
    );
  }
  return text;
}

/** Returns `""` (latest) for no version, else a checked 32-hex-character version. */
export function checkVersion(version: unknown): string {
  if (version === undefined || version === "") return "";
  need(
    typeof version == "string" && /^[0-9a-fA-F]{32}$/.test(version),
    "version",
    'must be 32 hexadecimal characters; omit it (or pass "") for the latest version',
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

export { checkTags } from "../http/_tags.ts";
