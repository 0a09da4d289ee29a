/** What every token kvfetch gets from a token endpoint must satisfy before it is used. */

import { KvfetchError } from "../http/errors.ts";
import { invalidBody } from "../http/json.ts";
import { CredentialUnavailableError } from "./errors.ts";
import type { AccessToken } from "./types.ts";

/**
 * The longest lifetime a token is trusted for: Entra ID's maximum access-token lifetime (and a
 * managed identity token's), 24 hours. A token said to live longer is refreshed after 24 hours.
 */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;

/** Whether `token` can go into an HTTP header as is: visible ASCII only (`\x21`–`\x7E`). */
export const isHeaderSafe = (token: string): boolean => /^[\x21-\x7E]+$/.test(token);

/**
 * The bearer value of what a credential's `getToken` resolved to, checked before it goes into
 * an `Authorization` header: no token is a {@link CredentialUnavailableError}, a token with
 * anything but visible ASCII is `ERR_INVALID_TOKEN` (the token is never shown). Every kvfetch
 * client sends what this returns.
 */
export function bearerToken(token: AccessToken | null | undefined): string {
  const value = token?.token;
  if (!value) throw new CredentialUnavailableError("The credential returned no token");
  if (typeof value != "string" || !isHeaderSafe(value)) {
    throw new KvfetchError(
      "ERR_INVALID_TOKEN",
      "The credential returned an access token with characters that cannot be sent in an " +
        "HTTP header (the token is not shown); check the credential",
    );
  }
  return value;
}

/** The fields of a token response, as its schema validated them (times in seconds). */
export interface TokenFields {
  access_token: string;
  /** Unix time; wins over `expires_in`. */
  expires_on?: number | null | undefined;
  expires_in?: number | null | undefined;
  refresh_in?: number | null | undefined;
}

/**
 * The {@link AccessToken} of a token response sent at `sentAt` and read at `now`, or an
 * `ERR_INVALID_RESPONSE` error (never quoting the token) when the token cannot go into a header
 * or its expiry (`expires_on`, else `sentAt + expires_in`) is missing, not finite, or not after
 * `now`. The lifetime is clamped to {@link MAX_TOKEN_LIFETIME_MS}; `refresh_in` is ignored
 * unless it falls strictly inside the lifetime.
 */
export function toAccessToken(
  fields: TokenFields,
  sentAt: number,
  now: number,
  what: string,
  status: number,
): AccessToken {
  const { access_token: token, expires_on: on, expires_in: inS, refresh_in: refreshIn } = fields;
  const expiresOn = on != null ? on * 1000 : sentAt + (inS ?? NaN) * 1000;
  const fail = (path: string, expected: string, received: string) =>
    invalidBody(what, status, [{ path, expected, received, check: "token" }]);
  if (!isHeaderSafe(token)) throw fail("access_token", "visible ASCII characters", "string");
  if (!(expiresOn > now && expiresOn < Infinity)) {
    throw on != null
      ? fail("expires_on", "a finite time in the future", "number")
      : fail("expires_in", "a positive, finite number of seconds", typeof (inS ?? undefined));
  }
  const expires = Math.min(expiresOn, now + MAX_TOKEN_LIFETIME_MS);
  const refresh = sentAt + (refreshIn ?? NaN) * 1000;
  return {
    token,
    tokenType: "Bearer",
    expiresOnTimestamp: expires,
    refreshAfterTimestamp: refresh > sentAt && refresh < expires ? refresh : undefined,
  };
}
