/**
 * The engine behind the client-secret, certificate and assertion credentials: tenant and scope
 * checks, the claims parameter, the shared cache, and one token request through `send()`.
 */

import { KvfetchError } from "../http/errors.ts";
import { type ResolvedHttpOptions, resolveHttpOptions, send } from "../http/send.ts";
import { secureUrl } from "../http/_secure_url.ts";
import { resolveCloud } from "./clouds.ts";
import {
  type ClientAuthentication,
  clientCredentialsRequest,
  processTokenResponse,
} from "./token_endpoint.ts";
import { cachedToken, cacheKey } from "./token_cache.ts";
import type { AccessToken, ClientCredentialOptions, GetTokenOptions } from "./types.ts";

const ID = /^[0-9A-Za-z][0-9A-Za-z._-]*$/;

/** Checks an id-like option (tenant, client id) before anything is sent. */
export function checkId(value: unknown, option: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`"${option}" must be a non-empty string`);
  }
  if (!ID.test(value) || value.length > 256) {
    throw new TypeError(
      `"${option}" must contain only letters, digits, ".", "_" and "-" (a GUID or a domain)`,
    );
  }
  return value;
}

/** Normalises the scopes argument of `getToken`, or throws a `TypeError`. */
export function checkScopes(scopes: unknown): string[] {
  const list = typeof scopes === "string" ? [scopes] : scopes;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      "getToken() needs at least one scope, e.g. https://vault.azure.net/.default",
    );
  }
  for (const scope of list) {
    if (typeof scope !== "string" || scope.trim() === "" || /\s/.test(scope)) {
      throw new TypeError("Each scope must be a non-empty string without spaces");
    }
  }
  return list as string[];
}

/** The `claims` request that opts into CAE (the `cp1` client capability). */
const CP1 = { access_token: { xms_cc: { values: ["cp1"] } } };

/**
 * The `claims` parameter: the challenge's claims, merged with the `cp1` capability when CAE is
 * enabled. Undefined when there is nothing to send.
 */
export function claimsParameter(
  claims: string | undefined,
  enableCae: boolean,
): string | undefined {
  if (!claims && !enableCae) return undefined;
  let parsed: Record<string, unknown> = {};
  if (claims) {
    try {
      const value = JSON.parse(claims);
      if (value && typeof value === "object" && !Array.isArray(value)) parsed = value;
      else throw new Error();
    } catch {
      throw new TypeError('"claims" must be a JSON object (the decoded claims of a challenge)');
    }
  }
  return JSON.stringify(enableCae ? deepMerge(parsed, CP1) : parsed);
}

function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    out[k] = isPlainObject(existing) && isPlainObject(v) ? deepMerge(existing, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One configured application and how it proves itself. */
export class ConfidentialClient {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authorityHost: string;
  readonly #kind: string;
  readonly #auth: ClientAuthentication;
  readonly #proof: () => Promise<string>;
  readonly #http: ResolvedHttpOptions;
  readonly #allowedTenants: string[];

  constructor(
    kind: string,
    options: ClientCredentialOptions,
    auth: ClientAuthentication,
    proof: () => Promise<string>,
  ) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`${kind} credential options must be an object`);
    }
    this.tenantId = checkId(options.tenantId, "tenantId");
    this.clientId = checkId(options.clientId, "clientId");
    const cloud = resolveCloud(options.cloud);
    const host = secureUrl(
      options.authorityHost ?? cloud.authorityHost,
      "authorityHost",
      options.allowInsecureLoopback,
    );
    this.authorityHost = host.href.replace(/\/+$/, "");
    const allowed = options.additionallyAllowedTenants ?? [];
    if (!Array.isArray(allowed) || allowed.some((t) => typeof t !== "string")) {
      throw new TypeError('"additionallyAllowedTenants" must be an array of tenant ids');
    }
    this.#allowedTenants = allowed.map((t) => t.toLowerCase());
    this.#http = resolveHttpOptions({ ...options, signal: undefined });
    this.#kind = kind;
    this.#auth = auth;
    this.#proof = proof;
  }

  /** The tenant a request goes to: the configured one, or an allowed one the caller named. */
  tenantFor(requested: string | undefined): string {
    if (!requested || requested.toLowerCase() === this.tenantId.toLowerCase()) {
      return this.tenantId;
    }
    checkId(requested, "tenantId");
    if (
      this.#allowedTenants.includes("*") || this.#allowedTenants.includes(requested.toLowerCase())
    ) {
      return requested;
    }
    throw new KvfetchError(
      "ERR_TENANT_NOT_ALLOWED",
      `A token was requested for tenant ${requested}, but this credential is configured for ` +
        `tenant ${this.tenantId}. If both are the same directory, configure the tenant GUID; ` +
        `otherwise add the tenant to "additionallyAllowedTenants" (or "*" for any tenant).`,
    );
  }

  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const list = checkScopes(scopes);
    const tenantId = this.tenantFor(options.tenantId);
    const enableCae = options.enableCae === true;
    const claims = claimsParameter(options.claims, enableCae);
    const key = cacheKey({
      kind: this.#kind,
      authority: this.authorityHost,
      tenantId,
      clientId: this.clientId,
      scopes: list,
      cae: enableCae,
      proof: await this.#proof(),
    });
    return await cachedToken({
      key,
      now: this.#http.now,
      bypass: !!options.claims || options.forceRefresh === true,
      signal: options.abortSignal,
      acquire: () => this.#acquire(tenantId, list, claims),
    });
  }

  async #acquire(tenantId: string, scopes: string[], claims: string | undefined) {
    const tokenEndpoint = `${this.authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const built = await clientCredentialsRequest(
      { tokenEndpoint, clientId: this.clientId, scopes, claims },
      this.#auth,
      { now: this.#http.now() },
    );
    const sentAt = this.#http.now();
    const result = await send(built.request, this.#http);
    return await processTokenResponse(result, {
      now: sentAt,
      sensitive: built.sensitive,
      clientId: this.clientId,
    });
  }
}
