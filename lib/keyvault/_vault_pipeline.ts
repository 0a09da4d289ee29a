/**
 * The authenticated, challenge-aware request path every Key Vault data-plane client uses.
 *
 * 1. A vault whose challenge is not known yet gets a first request without a token and
 *    without a body: nothing secret leaves before the vault has answered.
 * 2. Its 401 `WWW-Authenticate` challenge gives the tenant and resource; the resource must be
 *    the vault host's parent domain, or no token is ever requested (token-leak defence).
 * 3. The challenge is cached per normalised vault origin for the whole process.
 * 4. The real request goes out with `Authorization: Bearer …`. A 401 carrying a CAE
 *    `insufficient_claims` challenge gets one retry with a token for those claims; a plain 401
 *    gets one retry with a fresh token.
 */

import { KvfetchError } from "../http/errors.ts";
import { readClaimsChallenge, readKeyVaultChallenge } from "../http/challenge.ts";
import {
  type HttpResult,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  send,
} from "../http/send.ts";
import { secureUrl } from "../http/_secure_url.ts";
import { AzureClouds } from "../auth/clouds.ts";
import { CredentialUnavailableError } from "../auth/errors.ts";
import type { AccessToken, KeyVaultChallenge, TokenCredential } from "../auth/types.ts";
import type { VaultClientOptions } from "./options.ts";

/** The challenge learned per vault origin, shared by every client in the process. */
const challenges = new Map<string, KeyVaultChallenge>();

/** Forgets every learned challenge. For tests. */
export function clearChallengeCache(): void {
  challenges.clear();
}

const KNOWN_SUFFIXES: string[] = Object.values(AzureClouds)
  .flatMap((c) => [c.keyVaultDnsSuffix, c.managedHsmDnsSuffix]);

const SERVICE_VERSION = /^(\d+\.\d+(-preview(\.\d+)?)?|\d{4}-\d{2}-\d{2}(-preview)?)$/;

/** One request to the vault, before authentication. */
export interface VaultRequest {
  method: string;
  /** A path below the vault (`/secrets/x`) or an absolute same-origin URL (a nextLink). */
  path: string;
  /** Query parameters; `api-version` is added unless the URL already has one. */
  query?: Record<string, string | number | undefined>;
  /** A JSON body. */
  body?: unknown;
  /** A raw body, for the `fetch` escape hatch. */
  rawBody?: BodyInit | null;
  headers?: HeadersInit;
  signal?: AbortSignal | undefined;
}

/** The request path of one vault, with its credential and options. */
export class VaultPipeline {
  /** The vault URL, normalised: `https://{name}.vault.azure.net` (no trailing slash). */
  readonly vaultUrl: string;
  readonly serviceVersion: string;
  readonly http: ResolvedHttpOptions;
  readonly #origin: string;
  readonly #host: string;
  readonly #credential: TokenCredential;
  readonly #verifyResource: boolean;

  constructor(
    vaultUrl: string | URL,
    credential: TokenCredential,
    options: VaultClientOptions = {},
  ) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Client options must be an object");
    }
    const url = secureUrl(vaultUrl, "vaultUrl", options.allowInsecureLoopback);
    if (url.username || url.password || url.search || url.hash || !/^\/?$/.test(url.pathname)) {
      throw new TypeError(
        '"vaultUrl" must be the bare vault URL, like https://myvault.vault.azure.net',
      );
    }
    const host = url.hostname.toLowerCase();
    if (
      options.allowUnknownVaultHost !== true &&
      !KNOWN_SUFFIXES.some((suffix) => host.endsWith(`.${suffix}`))
    ) {
      throw new TypeError(
        `"vaultUrl" host ${host} is not a Key Vault or Managed HSM host of a known Azure cloud ` +
          `(${KNOWN_SUFFIXES.map((s) => `*.${s}`).join(", ")}); for an emulator, set ` +
          '"allowUnknownVaultHost"',
      );
    }
    if (typeof credential?.getToken !== "function") {
      throw new TypeError("credential must have a getToken() method (a TokenCredential)");
    }
    const serviceVersion = options.serviceVersion ?? "2025-07-01";
    if (typeof serviceVersion !== "string" || !SERVICE_VERSION.test(serviceVersion)) {
      throw new TypeError(
        '"serviceVersion" option must be a Key Vault api-version such as "7.6" or "2025-07-01"',
      );
    }
    this.#origin = url.origin;
    this.#host = host;
    this.vaultUrl = url.origin;
    this.serviceVersion = serviceVersion;
    this.#credential = credential;
    this.#verifyResource = options.disableChallengeResourceVerification !== true;
    this.http = resolveHttpOptions({ ...options, signal: undefined });
    if (options.challenge !== undefined) this.#seed(options.challenge);
  }

  #seed(seed: { tenantId: string; scope: string }): void {
    if (
      typeof seed !== "object" || seed === null || typeof seed.tenantId !== "string" ||
      !/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(seed.tenantId) || typeof seed.scope !== "string"
    ) {
      throw new TypeError('"challenge" option must be { tenantId, scope } with a valid tenant id');
    }
    let resource: string;
    try {
      resource = new URL(seed.scope).origin;
    } catch {
      throw new TypeError(
        '"challenge.scope" must be a URL such as https://vault.azure.net/.default',
      );
    }
    if (this.#verifyResource && !this.#belongs(resource)) {
      throw new TypeError(
        `"challenge.scope" ${seed.scope} does not belong to the vault host ${this.#host}`,
      );
    }
    if (!challenges.has(this.#origin)) {
      challenges.set(this.#origin, {
        authority: `${AzureClouds.public.authorityHost}/${seed.tenantId}`,
        tenantId: seed.tenantId,
        resource,
        scope: seed.scope,
      });
    }
  }

  /** Whether a resource (or scope) URL's host is a parent domain of the vault host. */
  #belongs(resource: string): boolean {
    try {
      const host = new URL(resource).hostname.toLowerCase();
      return host !== "" && this.#host.endsWith(`.${host}`);
    } catch {
      return false;
    }
  }

  /** Resolves a path or same-origin URL to the full request URL, with an api-version. */
  url(path: string, query: VaultRequest["query"] = {}): URL {
    const url = new URL(path, `${this.#origin}/`);
    if (url.origin !== this.#origin) {
      throw new KvfetchError(
        "ERR_FOREIGN_NEXT_LINK",
        `Refusing to send a request for vault ${this.#origin} to ${url.origin}`,
      );
    }
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    if (!url.searchParams.has("api-version")) {
      url.searchParams.set("api-version", this.serviceVersion);
    }
    return url;
  }

  /** Sends one operation through the challenge flow; resolves with the final response. */
  async request(request: VaultRequest): Promise<HttpResult> {
    const url = this.url(request.path, request.query);
    const headers = new Headers(request.headers);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    let body: BodyInit | null = request.rawBody ?? null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers.set("content-type", "application/json");
    }
    // One id for every request this operation makes (probe, retries, CAE).
    if (!headers.has("x-ms-client-request-id")) {
      headers.set("x-ms-client-request-id", crypto.randomUUID());
    }
    const http = { ...this.http, signal: request.signal };
    const sendWith = (token: string | undefined) => {
      const h = new Headers(headers);
      if (token) h.set("authorization", `Bearer ${token}`);
      return send({ method: request.method, url, headers: h, body }, http);
    };

    let challenge = challenges.get(this.#origin);
    if (!challenge) {
      const probeHeaders = new Headers(headers);
      probeHeaders.delete("content-type");
      const probe = await send({ method: request.method, url, headers: probeHeaders }, http);
      if (probe.response.status !== 401) {
        if (body === null) return probe;
        await probe.response.body?.cancel();
        throw new KvfetchError(
          "ERR_CHALLENGE_INVALID",
          `${this.#origin} answered a request without a token with status ` +
            `${probe.response.status} instead of a 401 challenge; kvfetch does not send ` +
            "request bodies to a vault that has not challenged",
        );
      }
      challenge = this.#learn(probe);
    }

    let token = await this.#token(challenge, { signal: request.signal });
    let result = await sendWith(token);
    let claimsRetried = false;
    let refreshed = false;
    while (result.response.status === 401) {
      const header = result.response.headers.get("www-authenticate");
      const cae = readClaimsChallenge(header);
      if (cae.error === "insufficient_claims" && cae.claims && !claimsRetried) {
        claimsRetried = true;
        token = await this.#token(challenge, { signal: request.signal, claims: cae.claims });
      } else if (!refreshed && !claimsRetried) {
        refreshed = true;
        // The vault may have moved (another tenant); learn again, verifying again.
        if (readKeyVaultChallenge(header)) challenge = this.#learn(result);
        token = await this.#token(challenge, { signal: request.signal, forceRefresh: true });
      } else {
        return result;
      }
      await result.response.body?.cancel();
      result = await sendWith(token);
    }
    return result;
  }

  /** Reads, verifies and caches the challenge of a 401. */
  #learn(result: HttpResult): KeyVaultChallenge {
    const info = readKeyVaultChallenge(result.response.headers.get("www-authenticate"));
    void result.response.body?.cancel();
    if (!info) {
      throw new KvfetchError(
        "ERR_CHALLENGE_INVALID",
        `${this.#origin} answered 401 without a usable Bearer challenge (authorization and ` +
          "resource or scope) in WWW-Authenticate",
      );
    }
    if (this.#verifyResource && !this.#belongs(info.resource ?? info.scope)) {
      throw new KvfetchError(
        "ERR_CHALLENGE_RESOURCE_MISMATCH",
        `The challenge resource '${info.resource ?? info.scope}' does not match the vault ` +
          `host ${this.#host}, so no token was requested for it. If the vault URL is right, ` +
          "see https://aka.ms/azsdk/blog/vault-uri (or set disableChallengeResourceVerification).",
      );
    }
    const challenge: KeyVaultChallenge = {
      authority: info.authority,
      tenantId: info.tenantId,
      resource: info.resource ?? new URL(info.scope).origin,
      scope: info.scope,
    };
    challenges.set(this.#origin, challenge);
    return challenge;
  }

  async #token(
    challenge: KeyVaultChallenge,
    options: { signal?: AbortSignal | undefined; claims?: string; forceRefresh?: boolean },
  ): Promise<string> {
    const token: AccessToken | null = await this.#credential.getToken([challenge.scope], {
      abortSignal: options.signal,
      tenantId: challenge.tenantId,
      enableCae: true,
      claims: options.claims,
      forceRefresh: options.forceRefresh,
      challenge: options.claims ? { ...challenge, claims: options.claims } : challenge,
    });
    if (!token?.token) {
      throw new CredentialUnavailableError("The credential returned no token");
    }
    return token.token;
  }
}
