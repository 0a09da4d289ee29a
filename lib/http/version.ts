/**
 * kvfetch's version, as sent in its `User-Agent`. A test keeps it equal to `deno.json`'s.
 *
 * @example
 * ```ts
 * import { VERSION } from "kvfetch";
 *
 * console.log(`kvfetch ${VERSION}`);
 * ```
 *
 * @module
 */

/**
 * kvfetch's version, e.g. `0.1.0`.
 *
 * @example
 * ```ts
 * import { VERSION } from "kvfetch";
 *
 * console.log(VERSION);
 * ```
 */
export const VERSION = "0.1.0";
