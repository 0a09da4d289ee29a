/**
 * base64 and base64url for bytes, with `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64`
 * where the runtime has them (feature detection) and `btoa` / `atob` elsewhere.
 */

type Base64Native = {
  toBase64?: (this: Uint8Array, o?: { alphabet?: string; omitPadding?: boolean }) => string;
};
type Base64Static = { fromBase64?: (s: string, o?: { alphabet?: string }) => Uint8Array };

/** Encodes bytes as base64 (`url`: the URL-safe alphabet without padding). */
export function encodeBase64(bytes: Uint8Array, url = false): string {
  const native = (Uint8Array.prototype as Base64Native).toBase64;
  if (native) {
    return native.call(bytes, url ? { alphabet: "base64url", omitPadding: true } : {});
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  const base64 = btoa(binary);
  return url ? base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : base64;
}

/** Decodes base64 or base64url (padded or not). Throws on malformed input. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const native = (Uint8Array as Base64Static).fromBase64;
  if (native) return new Uint8Array(native(standard, {}));
  return Uint8Array.from(atob(standard), (c) => c.charCodeAt(0));
}
