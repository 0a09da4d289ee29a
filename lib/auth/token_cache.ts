/**
 * The process-wide token cache shared by every kvfetch credential.
 *
 * - Keyed by authority, tenant, client id, scopes, CAE, the transport, and a fingerprint of the
 *   credential's proof (a digest salted with per-process random bytes, so the key never holds
 *   the secret itself, and a credential with a wrong secret never gets the right one's token).
 * - Concurrent callers share one request.
 * - Tokens are refreshed ahead of expiry in the background (at `refresh_in` when Entra sends
 *   it, else when 5 minutes remain, or halfway through the lifetime of short tokens). A failed
 *   background refresh keeps the old token, which is still valid, and tries again later.
 * - An expired token is never returned.
 * - A request with claims (a CAE challenge) or `forceRefresh` never reads the cache; its
 *   token replaces the cached one, since the old one is the token the service just refused.
 *   Such requests are single-flight too: concurrent ones for the same key and claims share
 *   one token request (any request in flight for the key, when there are no claims).
 *
 * @module
 */

import type { AccessToken } from "./types.ts";
import { throwIfAborted, waitFor } from "../http/_abort.ts";
import { registerCache } from "../http/_caches.ts";

/** A token is treated as expired this long before its real expiry (clock skew, latency). */
export const EXPIRY_MARGIN_MS = 10_000;
/** After a failed background refresh, wait this long before the next one. */
export const REFRESH_RETRY_MS = 30_000;
/** Tokens living longer than this are refreshed when 5 minutes remain; shorter ones halfway. */
const LONG_LIVED_MS = 10 * 60_000;
/**
 * A token that a forced (claims or `forceRefresh`) request just got is also the answer to the
 * forced requests that follow within this time: callers refused together share one refresh
 * even when they arrive after it finished.
 */
export const FORCED_REUSE_MS = 5_000;
/** The most entries the cache keeps; the oldest go first. */
const MAX_ENTRIES = 1000;

interface Entry {
  token?: AccessToken;
  refreshAt: number;
  inflight?: Promise<AccessToken> | undefined;
  /** The claims the request in flight asks for. */
  inflightClaims?: string | undefined;
  /** When the last forced request finished, and its claims. */
  forcedAt?: number;
  forcedClaims?: string | undefined;
  retryAt: number;
}

const entries = new Map<string, Entry>();
registerCache(() => entries.clear());

/** What {@link cachedToken} needs to know about one call. */
export interface CacheRequest {
  /** The cache key (see {@link cacheKey}). */
  key: string;
  /** Gets a fresh token from the network. */
  acquire: () => Promise<AccessToken>;
  /** The clock. */
  now: () => number;
  /** Skip the cache (claims challenge, refused token). */
  bypass?: boolean | undefined;
  /** The claims asked for: a bypassing request shares only a request with the same claims. */
  claims?: string | undefined;
  /** Stops this caller's wait; the shared request goes on for the others. */
  signal?: AbortSignal | undefined;
}

/** Returns a valid token for `key`, from the cache or from `acquire`. */
export function cachedToken(request: CacheRequest): Promise<AccessToken> {
  const { key, now: clock, signal } = request;
  throwIfAborted(signal);
  let entry = entries.get(key);
  if (!entry) {
    entry = { refreshAt: 0, retryAt: 0 };
    entries.set(key, entry);
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  }
  const now = clock();
  const token = entry.token;
  if (!request.bypass && token && now < token.expiresOnTimestamp - EXPIRY_MARGIN_MS) {
    if (now >= entry.refreshAt && now >= entry.retryAt && !entry.inflight) {
      // Refresh in the background; this caller gets the still-valid token at once.
      start(entry, request).catch(() => {
        entry.retryAt = clock() + REFRESH_RETRY_MS;
      });
    }
    return Promise.resolve(token);
  }
  if (
    request.bypass && token && entry.forcedClaims === request.claims &&
    now - entry.forcedAt! < FORCED_REUSE_MS && now < token.expiresOnTimestamp - EXPIRY_MARGIN_MS
  ) {
    return Promise.resolve(token);
  }
  const joinable = entry.inflight &&
    (!request.bypass || entry.inflightClaims === request.claims);
  return waitFor(joinable ? entry.inflight! : start(entry, request), signal);
}

function start(entry: Entry, request: CacheRequest): Promise<AccessToken> {
  const promise = (async () => {
    const startedAt = request.now();
    const token = await request.acquire();
    entry.token = token;
    entry.refreshAt = refreshTime(token, startedAt);
    entry.retryAt = 0;
    if (request.bypass) {
      entry.forcedAt = request.now();
      entry.forcedClaims = request.claims;
    } else entry.forcedAt = -Infinity;
    return token;
  })();
  entry.inflight = promise;
  entry.inflightClaims = request.claims;
  const clear = () => {
    if (entry.inflight === promise) entry.inflight = entry.inflightClaims = undefined;
  };
  promise.then(clear, clear);
  return promise;
}

/** When to refresh a token obtained at `obtainedAt`. */
function refreshTime(token: AccessToken, obtainedAt: number): number {
  if (token.refreshAfterTimestamp !== undefined) return token.refreshAfterTimestamp;
  const lifetime = token.expiresOnTimestamp - obtainedAt;
  return lifetime > LONG_LIVED_MS
    ? token.expiresOnTimestamp - 5 * 60_000
    : obtainedAt + lifetime / 2;
}

/** The parts of a cache key. */
export interface CacheKeyParts {
  /** The credential kind, e.g. `secret`. */
  kind: string;
  /** The authority host or endpoint. */
  authority: string;
  /** The tenant. */
  tenantId: string;
  /** The client id. */
  clientId: string;
  /** The scopes. */
  scopes: string[];
  /** Whether the token is CAE-capable. */
  cae: boolean;
  /** A fingerprint of the credential's proof (see {@link fingerprint}). */
  proof: string;
  /** The transport (the credential's `fetch`): what one transport got, another never sees. */
  transport?: object | undefined;
}

/** Builds a cache key. Scopes are order-insensitive; ids are case-insensitive. */
export function cacheKey(parts: CacheKeyParts): string {
  return JSON.stringify([
    parts.kind,
    parts.authority.toLowerCase(),
    parts.tenantId.toLowerCase(),
    parts.clientId.toLowerCase(),
    [...parts.scopes].sort(),
    parts.cae,
    parts.proof,
    parts.transport ? objectId(parts.transport) : "",
  ]);
}

/** 32 random bytes made once per process, never exported: the salt of every fingerprint. */
let salt: Uint8Array | undefined;

/**
 * A fingerprint of a secret for cache keys: SHA-256 of a per-process random salt and the secret,
 * so a cache key cannot be used to guess the secret offline. (A salted digest rather than an
 * HMAC: generating an HMAC key costs tens of milliseconds on Deno's first call; a digest a tenth
 * of one.)
 */
export async function fingerprint(secret: string): Promise<string> {
  salt ??= crypto.getRandomValues(new Uint8Array(32));
  const text = new TextEncoder().encode(secret);
  const input = new Uint8Array(salt.length + text.length);
  input.set(salt);
  input.set(text, salt.length);
  const digest = await crypto.subtle.digest("SHA-256", input);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A stable id for an object (e.g. a callback) within this process, for cache keys. */
const objectIds = new WeakMap<object, string>();
let nextObjectId = 0;
export function objectId(value: object): string {
  let id = objectIds.get(value);
  if (!id) objectIds.set(value, id = `#${++nextObjectId}`);
  return id;
}

/** Empties the cache. For tests. */
export function clearTokenCache(): void {
  entries.clear();
}
