/** Reading JWT claims without verifying them (no jose needed to learn when a token expires). */

import { decodeBase64 } from "../http/_base64.ts";

/** The claims of a JWT, unverified, or `undefined` when it is not a JWT with a JSON payload. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  try {
    const payload = token.split(".")[1];
    if (!payload) return undefined;
    const claims = JSON.parse(new TextDecoder().decode(decodeBase64(payload)));
    return typeof claims == "object" && claims ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp` claim of a JWT in milliseconds, or `undefined` when it is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp == "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
}
