/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1) and Key Vault's reading of its challenge
 * (PROTOCOL.md §4).
 *
 * @module
 */

import { decodeBase64 } from "./_base64.ts";

/** One challenge of a `WWW-Authenticate` header: its scheme and parameters. */
export interface AuthChallenge {
  /** The scheme as sent, e.g. `Bearer`. */
  scheme: string;
  /** Parameters by lower-case name; quoted values are unquoted. The first of a name wins. */
  params: Record<string, string>;
}

/** A token, then optionally `=` and a quoted string (with `\` escapes) or a bare value. */
const ITEM = /([!#$%&'*+\-.^_`|~\w]+)(?:[ \t]*=[ \t]*(?:"((?:[^"\\]|\\[^])*)"?|([^\s,]*)))?/g;

/**
 * Parses a `WWW-Authenticate` header into its challenges. Tolerant: it never throws, skips
 * what it cannot read, accepts quoted values with commas and escaped quotes, unquoted URL
 * values, and several challenges in one header (`Bearer a="1", Basic realm="x"`): a token
 * without `=` starts a challenge, a `name=value` pair belongs to the challenge before it.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  for (const [item, token, quoted, bare] of String(header).matchAll(ITEM)) {
    if (!item.includes("=")) {
      out.push({ scheme: token!, params: Object.create(null) });
    } else {
      const params = out.at(-1)?.params;
      const name = token!.toLowerCase();
      if (params && !(name in params)) {
        params[name] = quoted?.replace(/\\([^])/g, "$1") ?? bare ?? "";
      }
    }
  }
  return out;
}

/** What a Key Vault `Bearer` challenge says. */
export interface KeyVaultChallengeInfo {
  /** The authority URL, including the tenant. */
  authority: string;
  /** The tenant: the first path segment of the authority. */
  tenantId: string;
  /** The resource: the origin of the challenge's `resource` (or of its `scope`). */
  resource: string;
  /** The scope to ask for, built from the resource: `resource + "/.default"`. */
  scope: string;
}

/** The CAE part of a challenge: `error="insufficient_claims"` and the decoded `claims`. */
export interface ClaimsChallenge {
  /** The `error` parameter. */
  error: string | undefined;
  /** The decoded claims (a JSON string), when present and readable. */
  claims: string | undefined;
}

const TENANT = /^[0-9A-Za-z][0-9A-Za-z._-]*$/;

/**
 * The origin of a challenge's `resource`, or of a `scope` (`<resource>/.default`), or a reason
 * why it is not usable: not one absolute http(s) URL, with userinfo, a path, query or fragment,
 * or whitespace (several values).
 */
export function resourceOrigin(value: string, isScope = false): string | { refused: string } {
  const text = isScope ? value.replace(/\/\.default$/, "") : value;
  let url: URL | undefined;
  try {
    if (!/\s/.test(text)) url = new URL(text);
  } catch {
    // reported below
  }
  // http only for a loopback emulator's resource: the token itself goes to the vault URL only.
  if (!url || !/^https?:$/.test(url.protocol)) return { refused: "is not one absolute URL" };
  if (url.username || url.password) return { refused: "has userinfo" };
  if (url.pathname.replace(/\/$/, "") || url.search || url.hash || /[?#]/.test(text)) {
    return { refused: isScope ? "is not <resource>/.default" : "has a path or query" };
  }
  return url.origin;
}

/**
 * Reads the Key Vault challenge from a `WWW-Authenticate` header: the first `Bearer` challenge
 * with an authority (`authorization` or `authorization_uri`) whose first path segment is a
 * tenant, and a resource or scope. `undefined` when there is none; `{ refused }` when its
 * resource or scope cannot be used (the reason, for the error message).
 */
export function readKeyVaultChallenge(
  header: string | null,
): KeyVaultChallengeInfo | { refused: string } | undefined {
  if (!header) return undefined;
  for (const challenge of parseWwwAuthenticate(header)) {
    if (challenge.scheme.toLowerCase() !== "bearer") continue;
    const p = challenge.params;
    const authority = p.authorization ?? p.authorization_uri ?? p.authorization_url;
    let tenantId: string | undefined;
    try {
      if (authority) tenantId = new URL(authority).pathname.split("/")[1];
    } catch {
      tenantId = undefined;
    }
    const named = p.resource || p.scope;
    if (!authority || !tenantId || !TENANT.test(tenantId) || !named) continue;
    const resource = resourceOrigin(named, !p.resource);
    if (typeof resource != "string") {
      return { refused: `its ${p.resource ? "resource" : "scope"} ${resource.refused}` };
    }
    return { authority, tenantId, resource, scope: `${resource}/.default` };
  }
  return undefined;
}

/**
 * Reads the CAE part of a `WWW-Authenticate` header (any `Bearer` challenge with `error` or
 * `claims`). Claims arrive base64 (standard or URL-safe, padded or not) and are returned
 * decoded, only when they decode to a JSON object.
 */
export function readClaimsChallenge(header: string | null): ClaimsChallenge {
  if (!header) return { error: undefined, claims: undefined };
  for (const challenge of parseWwwAuthenticate(header)) {
    if (challenge.scheme.toLowerCase() !== "bearer") continue;
    const { error, claims } = challenge.params;
    if (error === undefined && claims === undefined) continue;
    return { error, claims: claims ? decodeClaims(claims) : undefined };
  }
  return { error: undefined, claims: undefined };
}

function decodeClaims(encoded: string): string | undefined {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(decodeBase64(encoded));
    const json = JSON.parse(text);
    return json && typeof json === "object" && !Array.isArray(json) ? text : undefined;
  } catch {
    return undefined;
  }
}
