/** The tag rules Azure applies to Key Vault objects and ARM resources alike. */

import { need } from "./_check.ts";

/**
 * Checks tags against Azure's limits: a plain (or null-prototype) object of at most `max`
 * string values (Key Vault's data plane: 15, the default; an ARM resource: 50), names up to 512
 * characters, values up to 256.
 */
export function checkTags(tags: unknown, max = 15): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  const proto = typeof tags == "object" && tags ? Object.getPrototypeOf(tags) : undefined;
  need(
    proto === Object.prototype || proto === null,
    "tags",
    "must be a plain object of strings (not an array, Map or class instance)",
  );
  const entries = Object.entries(tags as object);
  need(
    entries.length <= max,
    "tags",
    `may hold at most ${max} tags (got ${entries.length})`,
    RangeError,
  );
  for (const [name, value] of entries) {
    need(
      typeof value == "string",
      "tags",
      `values must be strings (got ${value === null ? "null" : typeof value})`,
    );
    const [n, v] = [name.length, value.length];
    need(n <= 512, "tags", `names may be at most 512 characters (got ${n})`, RangeError);
    need(v <= 256, "tags", `values may be at most 256 characters (got ${v})`, RangeError);
  }
  return tags as Record<string, string>;
}
