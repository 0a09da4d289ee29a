/**
 * Types for the Web platform values kvfetch's signatures mention, written so that they resolve
 * without the DOM lib: in a Node project (`lib: ["es2023"]` + `@types/node`), a Bun project, a
 * Workers project (`@cloudflare/workers-types`) and Deno alike. The Web Crypto ones are taken
 * from the type of the global `crypto`, which every one of those declares, so they are the
 * runtime's own `CryptoKey` and key usages wherever they are used.
 *
 * @module
 */

/**
 * The runtime's Web Crypto `CryptoKey` (what `crypto.subtle.generateKey` resolves with).
 *
 * @example
 * ```ts
 * import type { WebCryptoKey } from "kvfetch/jwk";
 *
 * const { privateKey }: { privateKey: WebCryptoKey } = await crypto.subtle.generateKey(
 *   { name: "ECDSA", namedCurve: "P-256" },
 *   false,
 *   ["sign", "verify"],
 * );
 * console.log(privateKey.type); // private
 * ```
 */
export type WebCryptoKey = Extract<
  Awaited<ReturnType<typeof crypto.subtle.generateKey>>,
  { type: string }
>;

/**
 * A Web Crypto key usage: `"sign"`, `"verify"`, `"encrypt"`, `"decrypt"`, `"wrapKey"`, …
 *
 * @example
 * ```ts
 * import type { WebKeyUsage } from "kvfetch/jwk";
 *
 * const usages: WebKeyUsage[] = ["sign"];
 * console.log(usages);
 * ```
 */
export type WebKeyUsage = Parameters<typeof crypto.subtle.importKey>[4] extends Iterable<infer U>
  ? U
  : never;

/**
 * The algorithm argument of `crypto.subtle.importKey`, e.g.
 * `{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }` or `{ name: "ECDSA", namedCurve: "P-256" }`.
 *
 * @example
 * ```ts
 * import type { WebKeyImportAlgorithm } from "kvfetch/certificates";
 *
 * const algorithm: WebKeyImportAlgorithm = { name: "ECDSA", namedCurve: "P-256" };
 * console.log(algorithm);
 * ```
 */
export type WebKeyImportAlgorithm = Exclude<Parameters<typeof crypto.subtle.importKey>[2], string>;

/**
 * Request headers: a `Headers` object, `[name, value]` pairs, or a plain object.
 *
 * @example
 * ```ts
 * import type { HttpHeaders } from "kvfetch";
 *
 * const headers: HttpHeaders = { accept: "application/json" };
 * console.log(headers);
 * ```
 */
export type HttpHeaders = Headers | readonly (readonly [string, string])[] | Record<string, string>;

/**
 * A request body: text, bytes, a `Blob`, a stream, form parameters or form data.
 *
 * @example
 * ```ts
 * import type { HttpBody } from "kvfetch";
 *
 * const body: HttpBody = JSON.stringify({ value: "x" });
 * console.log(body);
 * ```
 */
export type HttpBody =
  | string
  | ArrayBuffer
  | Uint8Array<ArrayBuffer>
  | Blob
  | ReadableStream<Uint8Array>
  | URLSearchParams
  | FormData;
