/**
 * The engine behind the client-secret, certificate and assertion credentials: tenant and scope
 * checks, the claims parameter, the shared cache, and one token request through `send()`.
 */

import { KvfetchError } from "../http/errors.ts";
import { type ResolvedHttpOptions, resolveHttpOptions, send } from "../http/send.ts";
import { secureUrl } from "../http/_secure_url.ts";
import { need } from "../http/_check.ts";
import { resolveCloud } from "./clouds.ts";
import {
  type ClientAuthentication,
  clientCredentialsRequest,
  processTokenResponse,
} from "./token_endpoint.ts";
import { cachedToken, cacheKey } from "./token_cache.ts";
import type { AccessToken, ClientCredentialOptions, GetTokenOptions } from "./types.ts";

const ID = /^[0-9A-Za-z][0-9A-Za-z._-]{0,255}$/;

/** Checks an id-like option (tenant, client id: a GUID or a domain) before anything is sent. */
export function checkId(value: unknown, option: string): string {
  need(typeof value == "string" && ID.test(value), option, "must be a GUID or a domain name");
  return value as string;
}

/** Normalises the scopes argument of `getToken`, or throws a `TypeError`. */
export function checkScopes(scopes: unknown): string[] {
  const list = typeof scopes == "string" ? [scopes] : scopes;
  need(
    Array.isArray(list) && list.length &&
      list.every((s) => typeof s == "string" && /^\S+$/.test(s)),
    "scopes",
    "must be one or more scopes, e.g. https://vault.azure.net/.default",
  );
  return list as string[];
}

/** The `claims` parameter of a CAE-capable request without a challenge: the same every time. */
const CP1 = JSON.stringify({ access_token: { xms_cc: { values: ["cp1"] } } });

/**
 * The `claims` parameter: the challenge's claims, plus the `cp1` client capability
 * (`access_token.xms_cc`) when CAE is enabled. Undefined when there is nothing to send.
 */
function claimsParameter(
  claims: string | undefined,
  enableCae: boolean,
): string | undefined {
  if (!claims) return enableCae ? CP1 : undefined;
  let parsed: { access_token?: Record<string, unknown> } | undefined;
  try {
    parsed = JSON.parse(claims);
  } catch {
    // reported below
  }
  need(parsed?.constructor == Object, "claims", "must be a JSON object");
  if (enableCae) parsed!.access_token = { ...parsed!.access_token, xms_cc: { values: ["cp1"] } };
  return JSON.stringify(parsed);
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
  /** Cache keys already built, by tenant, scopes and CAE: the same call builds nothing twice. */
  readonly #keys = new Map<string, string>();

  constructor(
    kind: string,
    options: ClientCredentialOptions,
    auth: ClientAuthentication,
    proof: () => Promise<string>,
  ) {
    need(typeof options == "object" && options, "options", "must be an object");
    this.tenantId = checkId(options.tenantId, "tenantId");
    this.clientId = checkId(options.clientId, "clientId");
    const host = options.authorityHost ?? resolveCloud(options.cloud).authorityHost;
    this.authorityHost = secureUrl(host, "authorityHost", options.allowInsecureLoopback).href
      .replace(/\/+$/, "");
    const allowed = options.additionallyAllowedTenants ?? [];
    need(
      Array.isArray(allowed) && allowed.every((t) => typeof t == "string"),
      "additionallyAllowedTenants",
      "must be an array of tenant ids",
    );
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
    const allowed = this.#allowedTenants;
    if (allowed.includes("*") || allowed.includes(requested.toLowerCase())) return requested;
    throw new KvfetchError(
      "ERR_TENANT_NOT_ALLOWED",
      `No token for tenant ${requested}: this credential is for tenant ${this.tenantId} (use its ` +
        'GUID if they are the same, or list it in "additionallyAllowedTenants")',
    );
  }

  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const list = checkScopes(scopes);
    const tenantId = this.tenantFor(options.tenantId);
    const enableCae = options.enableCae === true;
    const memo = `${tenantId} ${enableCae} ${list.join(" ")}`;
    let key = this.#keys.get(memo);
    if (key === undefined) {
      key = cacheKey({
        kind: this.#kind,
        authority: this.authorityHost,
        tenantId,
        clientId: this.clientId,
        scopes: list,
        cae: enableCae,
        proof: await this.#proof(),
        transport: this.#http.fetch,
      });
      if (this.#keys.size < 64) this.#keys.set(memo, key);
    }
    const claims = claimsParameter(options.claims, enableCae);
    return await cachedToken({
      key,
      now: this.#http.now,
      bypass: !!options.claims || options.forceRefresh === true,
      claims: options.claims ? claims : undefined,
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
