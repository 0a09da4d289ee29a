/** Reading a JWT's `exp` without verifying it (no jose needed to learn when a token expires). */

import { decodeBase64 } from "../http/_base64.ts";

/** The `exp` claim of a JWT in milliseconds, or `undefined` when it is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  try {
    const payload = token.split(".")[1];
    if (!payload) return undefined;
    const { exp } = JSON.parse(new TextDecoder().decode(decodeBase64(payload)));
    return typeof exp == "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
