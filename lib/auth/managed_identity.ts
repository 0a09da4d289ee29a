/**
 * `ManagedIdentityCredential`: tokens for the identity Azure assigns to the compute the code
 * runs on: App Service, Functions and Container Apps (`IDENTITY_ENDPOINT`), or virtual
 * machines, scale sets and AKS nodes (the Instance Metadata Service, IMDS).
 *
 * @module
 */

import * as v from "valibot";
import { KvfetchError } from "../http/errors.ts";
import { parseJson, tryReadJson } from "../http/json.ts";
import {
  type HttpOptions,
  type HttpResult,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  send,
} from "../http/send.ts";
import { backoffMs } from "../http/retry.ts";
import { checkId, checkScopes } from "./_confidential_client.ts";
import { AuthenticationError, CredentialUnavailableError } from "./errors.ts";
import { redact } from "../http/_redact.ts";
import { Seconds } from "./_seconds.ts";
import { toAccessToken } from "./_token.ts";
import { cachedToken, cacheKey, fingerprint } from "./token_cache.ts";
import { TransportCache } from "../http/_caches.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";

const IMDS_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token";
const IMDS_API_VERSION = "2018-02-01";
const APP_SERVICE_API_VERSION = "2019-08-01";
/** How long a failed IMDS probe is remembered, so that a chain off Azure stays fast. */
const UNAVAILABLE_TTL_MS = 60_000;

/**
 * Options of {@link ManagedIdentityCredential}. Give at most one of `clientId`, `resourceId`
 * and `objectId` to pick a user-assigned identity; give none for the system-assigned one.
 *
 * @example
 * ```ts
 * import type { ManagedIdentityCredentialOptions } from "kvfetch/auth";
 *
 * const options: ManagedIdentityCredentialOptions = {
 *   clientId: "00000000-0000-0000-0000-000000000002",
 *   env: {}, // Deno.env.toObject(), process.env
 * };
 * console.log(options.clientId);
 * ```
 */
export interface ManagedIdentityCredentialOptions extends Omit<HttpOptions, "signal"> {
  /** The client id of a user-assigned identity. */
  clientId?: string;
  /** The ARM resource id of a user-assigned identity (`/subscriptions/…/userAssignedIdentities/…`). */
  resourceId?: string;
  /** The object (principal) id of a user-assigned identity. */
  objectId?: string;
  /**
   * The environment variables: `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` select App Service
   * and its kin; `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS. Pass `Deno.env.toObject()`,
   * `process.env` or a Worker's `env`.
   * @default {} (IMDS)
   */
  env?: Record<string, string | undefined>;
  /**
   * The IMDS token endpoint.
   * @default "http://169.254.169.254/metadata/identity/oauth2/token"
   */
  imdsEndpoint?: string;
  /**
   * How long the first, header-less IMDS request may take before kvfetch decides it is not
   * running on Azure, in milliseconds.
   * @default 800
   */
  probeTimeoutMs?: number;
}

const MsiToken = v.object({
  access_token: v.pipe(v.string(), v.check((t) => t.length > 0)),
  expires_on: v.nullish(Seconds),
  expires_in: v.nullish(Seconds),
  refresh_in: v.nullish(Seconds),
  token_type: v.nullish(v.string()),
});
const MsiError = v.object({
  error: v.nullish(v.string()),
  error_description: v.nullish(v.string()),
  message: v.nullish(v.string()),
  Message: v.nullish(v.string()),
});

/**
 * IMDS availability per transport and endpoint, shared by every credential in the process that
 * sends with the same `fetch` (what a test double says never reaches a real credential).
 */
const probes = new TransportCache<{ available: boolean; at: number; pending?: Promise<boolean> }>();

/**
 * Gets tokens for the managed identity of the Azure compute this code runs on. With
 * `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` in `env` it asks App Service's identity endpoint
 * (api-version 2019-08-01); otherwise it asks IMDS (api-version 2018-02-01, `Metadata: true`).
 *
 * Off Azure, IMDS does not answer: the first request is a quick probe, and the credential fails
 * with a {@link CredentialUnavailableError} within about a second instead of hanging.
 *
 * @example App Service's identity endpoint, emulated (on Azure, pass `process.env` and no `fetch`)
 * ```ts
 * import { ManagedIdentityCredential } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator();
 * const credential = new ManagedIdentityCredential({
 *   env: emulator.managedIdentityEnv, // IDENTITY_ENDPOINT and IDENTITY_HEADER
 *   fetch: emulator.fetch,
 * });
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true
 * ```
 */
export class ManagedIdentityCredential implements TokenCredential {
  readonly #http: ResolvedHttpOptions;
  readonly #id: { name: "client_id" | "resource_id" | "object_id"; value: string } | undefined;
  readonly #appService: { endpoint: URL; header: string; proof: Promise<string> } | undefined;
  /** Cache keys by scope, built once. */
  readonly #keys = new Map<string, string>();
  readonly #imds: URL;
  readonly #probeTimeoutMs: number;

  /**
   * Creates the credential. Sends nothing yet.
   *
   * @param options Which identity, the environment, and transport options.
   */
  constructor(options: ManagedIdentityCredentialOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("ManagedIdentityCredential options must be an object");
    }
    const given = (["clientId", "resourceId", "objectId"] as const)
      .filter((k) => options[k] !== undefined);
    if (given.length > 1) {
      throw new TypeError(`Give at most one of "clientId", "resourceId" and "objectId"`);
    }
    if (options.clientId !== undefined) {
      this.#id = { name: "client_id", value: checkId(options.clientId, "clientId") };
    } else if (options.objectId !== undefined) {
      this.#id = { name: "object_id", value: checkId(options.objectId, "objectId") };
    } else if (options.resourceId !== undefined) {
      const id = options.resourceId;
      if (typeof id !== "string" || !/^\/subscriptions\/[^?#\s]+$/i.test(id)) {
        throw new TypeError('"resourceId" must be an ARM resource id (/subscriptions/…)');
      }
      this.#id = { name: "resource_id", value: id };
    }
    const env = options.env ?? {};
    if (typeof env !== "object" || env === null) throw new TypeError('"env" must be an object');
    if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) {
      const header = env.IDENTITY_HEADER;
      this.#appService = {
        endpoint: parseEndpoint(env.IDENTITY_ENDPOINT, "IDENTITY_ENDPOINT"),
        header,
        // Keyed by the header's hash: a wrong header never gets the right one's token.
        proof: fingerprint(header),
      };
    }
    const podHost = env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    this.#imds = options.imdsEndpoint !== undefined
      ? parseEndpoint(options.imdsEndpoint, "imdsEndpoint")
      : podHost
      ? new URL(
        "/metadata/identity/oauth2/token",
        parseEndpoint(podHost, "AZURE_POD_IDENTITY_AUTHORITY_HOST"),
      )
      : new URL(IMDS_ENDPOINT);
    const probe = options.probeTimeoutMs ?? 800;
    if (typeof probe !== "number" || !(probe > 0) || !Number.isFinite(probe)) {
      throw new RangeError('"probeTimeoutMs" option must be a positive number');
    }
    this.#probeTimeoutMs = probe;
    this.#http = resolveHttpOptions({ ...options, signal: undefined });
  }

  /**
   * Gets a token for one resource's `.default` scope, from the cache when it holds a valid one.
   *
   * @param scopes Exactly one scope, e.g. `https://vault.azure.net/.default`.
   * @param options Cancellation and `forceRefresh`; tenant and claims do not apply to
   *   managed identities.
   *
   * @throws {AuthenticationError} When Microsoft Entra ID refuses to issue a token (`error`,
   *   `errorCodes`).
   * @throws {CredentialUnavailableError} When the credential cannot work here.
   * @throws {KvfetchError} When the token endpoint cannot be reached (`ERR_NETWORK`, `ERR_TIMEOUT`).
   * @throws {TypeError} When the scopes or options are invalid.
   */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const list = checkScopes(scopes);
    if (list.length !== 1) {
      throw new TypeError("ManagedIdentityCredential takes exactly one scope");
    }
    const resource = list[0]!.replace(/\/\.default$/, "");
    const endpoint = this.#appService?.endpoint ?? this.#imds;
    let key = this.#keys.get(list[0]!);
    if (key === undefined) {
      key = cacheKey({
        kind: this.#appService ? "app-service" : "imds",
        authority: endpoint.href,
        tenantId: "",
        clientId: this.#id ? `${this.#id.name}=${this.#id.value}` : "system",
        scopes: list,
        cae: false,
        proof: this.#appService ? await this.#appService.proof : "",
        transport: this.#http.fetch,
      });
      if (this.#keys.size < 64) this.#keys.set(list[0]!, key);
    }
    return await cachedToken({
      key,
      now: this.#http.now,
      bypass: !!options.claims || options.forceRefresh === true,
      signal: options.abortSignal,
      acquire: () => this.#appService ? this.#fromAppService(resource) : this.#fromImds(resource),
    });
  }

  async #fromAppService(resource: string): Promise<AccessToken> {
    const { endpoint, header } = this.#appService!;
    const url = new URL(endpoint);
    url.searchParams.set("resource", resource);
    url.searchParams.set("api-version", APP_SERVICE_API_VERSION);
    if (this.#id) {
      const name = { client_id: "client_id", resource_id: "mi_res_id", object_id: "principal_id" };
      url.searchParams.set(name[this.#id.name], this.#id.value);
    }
    const sentAt = this.#http.now();
    const result = await send({
      method: "GET",
      url,
      headers: { accept: "application/json", "x-identity-header": header },
    }, this.#http);
    return await this.#readToken(result, sentAt, "App Service managed identity endpoint", [header]);
  }

  async #fromImds(resource: string): Promise<AccessToken> {
    if (!(await this.#imdsAvailable())) {
      throw new CredentialUnavailableError(
        `ManagedIdentityCredential: no managed identity endpoint answered at ${this.#imds.host} ` +
          `within ${this.#probeTimeoutMs} ms, so this is probably not Azure compute with a ` +
          "managed identity. Elsewhere, set AZURE_TENANT_ID, AZURE_CLIENT_ID and " +
          "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE[_PATH], or " +
          "AZURE_FEDERATED_TOKEN_FILE) and use credentialFromEnv().",
      );
    }
    const url = new URL(this.#imds);
    url.searchParams.set("api-version", IMDS_API_VERSION);
    url.searchParams.set("resource", resource);
    if (this.#id) {
      const name = { client_id: "client_id", resource_id: "msi_res_id", object_id: "object_id" };
      url.searchParams.set(name[this.#id.name], this.#id.value);
    }
    // IMDS answers 404 while an identity is being assigned and 410 while it upgrades.
    for (let attempt = 1;; attempt++) {
      const sentAt = this.#http.now();
      const result = await send({
        method: "GET",
        url,
        headers: { accept: "application/json", metadata: "true" },
      }, this.#http);
      const status = result.response.status;
      if ((status === 404 || status === 410) && attempt <= this.#http.retry.maxRetries) {
        await result.response.body?.cancel();
        await this.#http.sleep(backoffMs(attempt, this.#http.retry), undefined);
        continue;
      }
      return await this.#readToken(result, sentAt, "IMDS", []);
    }
  }

  /** The header-less probe: any HTTP answer means IMDS is there. */
  #imdsAvailable(): Promise<boolean> {
    const key = this.#imds.href;
    const cache = probes.of(this.#http.fetch);
    const known = cache.get(key);
    const now = this.#http.now();
    if (known?.pending) return known.pending;
    if (known && (known.available || now - known.at < UNAVAILABLE_TTL_MS)) {
      return Promise.resolve(known.available);
    }
    const pending = send({ method: "GET", url: this.#imds }, {
      ...this.#http,
      timeoutMs: this.#probeTimeoutMs,
      retry: { ...this.#http.retry, maxRetries: 0 },
    }).then(
      async (result) => {
        await result.response.body?.cancel();
        return true;
      },
      () => false,
    ).then((available) => {
      cache.set(key, { available, at: this.#http.now() });
      return available;
    });
    cache.set(key, { available: false, at: now, pending });
    return pending;
  }

  async #readToken(
    result: HttpResult,
    sentAt: number,
    where: string,
    sensitive: string[],
  ): Promise<AccessToken> {
    const { response } = result;
    const json = await tryReadJson(response);
    if (response.status !== 200) {
      const parsed = v.safeParse(MsiError, json);
      const e = parsed.success ? parsed.output : {};
      const error = redact(e.error ?? undefined, sensitive);
      const detail = redact(e.error_description ?? e.message ?? e.Message ?? undefined, sensitive);
      const message = `ManagedIdentityCredential: the ${where} answered ${response.status}` +
        (error ? ` ${error}` : "") + (detail ? `: ${detail}` : "");
      // IMDS says 400 when the VM has no identity, or not the one asked for.
      if (response.status === 400 && where === "IMDS") {
        throw new CredentialUnavailableError(message);
      }
      throw new AuthenticationError({
        message,
        status: response.status,
        error,
        errorDescription: detail,
        response,
      });
    }
    // A token that cannot go into a header, has expired or has no expiry is ERR_INVALID_RESPONSE
    // (wrapped); a lifetime over 24 hours is clamped (see toAccessToken).
    const what = `The ${where} token response`;
    try {
      const token = parseJson(json, MsiToken, what, response.status);
      return toAccessToken(token, sentAt, this.#http.now(), what, response.status);
    } catch (cause) {
      throw new AuthenticationError({
        message: cause instanceof KvfetchError ? cause.message : `The ${where} response is invalid`,
        status: response.status,
        cause,
        response,
      });
    }
  }
}

function parseEndpoint(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`"${option}" must be an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`"${option}" must be an http: or https: URL`);
  }
  return url;
}
