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
import { need } from "../http/_check.ts";
import { AzureClouds } from "../auth/clouds.ts";
import { CredentialUnavailableError } from "../auth/errors.ts";
import type { KeyVaultChallenge, TokenCredential } from "../auth/types.ts";
import type { VaultClientOptions } from "./options.ts";

/** The challenge learned per vault origin, shared by every client in the process. */
const challenges = new Map<string, KeyVaultChallenge>();

/** The probe in flight per vault origin: concurrent first requests wait for it. */
const probing = new Map<string, Promise<KeyVaultChallenge | undefined>>();

/** Forgets every learned challenge. For tests. */
export function clearChallengeCache(): void {
  challenges.clear();
}

const KNOWN_SUFFIXES = Object.values(AzureClouds)
  .flatMap((c) => [c.keyVaultDnsSuffix, c.managedHsmDnsSuffix]);

/** One request to the vault, before authentication. */
export interface VaultRequest {
  method: string;
  /** A path below the vault (`/secrets/x`) or an absolute same-origin URL (a nextLink). */
  path: string;
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
  readonly http: ResolvedHttpOptions;
  readonly #version: string;
  readonly #host: string;
  readonly #credential: TokenCredential;
  readonly #verify: boolean;

  constructor(
    vaultUrl: string | URL,
    credential: TokenCredential,
    options: VaultClientOptions = {},
  ) {
    need(typeof options == "object" && options, "options", "must be an object");
    const url = secureUrl(vaultUrl, "vaultUrl", options.allowInsecureLoopback);
    const host = url.hostname;
    need(
      url.href === `${url.origin}/`,
      "vaultUrl",
      "must be the bare vault URL, like https://myvault.vault.azure.net",
    );
    need(
      options.allowUnknownVaultHost || KNOWN_SUFFIXES.some((s) => host.endsWith(`.${s}`)),
      "vaultUrl",
      `host ${host} is not a Key Vault or Managed HSM host (set "allowUnknownVaultHost" for ` +
        "an emulator)",
    );
    need(typeof credential?.getToken == "function", "credential", "must be a TokenCredential");
    const version = options.serviceVersion ?? "2025-07-01";
    need(
      /^(\d+\.\d+(-preview(\.\d+)?)?|\d{4}-\d\d-\d\d(-preview)?)$/.test(version),
      "serviceVersion",
      "must be a Key Vault api-version such as 7.6 or 2025-07-01",
    );
    this.vaultUrl = url.origin;
    this.#host = host;
    this.#version = version;
    this.#credential = credential;
    this.#verify = !options.disableChallengeResourceVerification;
    this.http = resolveHttpOptions({ ...options, signal: undefined });
    const seed = options.challenge;
    if (seed !== undefined) {
      const { tenantId, scope } = seed ?? {};
      let resource = "";
      try {
        resource = new URL(scope).origin;
      } catch {
        // reported below
      }
      need(
        typeof tenantId == "string" && /^[\w.-]+$/.test(tenantId) && resource &&
          this.#belongs(resource),
        "challenge",
        SEED,
      );
      if (!challenges.has(this.vaultUrl)) {
        const authority = `${AzureClouds.public.authorityHost}/${tenantId}`;
        challenges.set(this.vaultUrl, { authority, tenantId, resource, scope });
      }
    }
  }

  /** Whether a resource (or scope) URL's host is a parent domain of the vault host. */
  #belongs(resource: string): boolean {
    try {
      return !this.#verify || this.#host.endsWith(`.${new URL(resource).hostname}`);
    } catch {
      return false;
    }
  }

  /** Resolves a path or same-origin URL to the full request URL, with an api-version. */
  url(path: string, query: Record<string, unknown> = {}): URL {
    const url = new URL(path, this.vaultUrl);
    if (url.origin !== this.vaultUrl) {
      throw new KvfetchError("ERR_FOREIGN_NEXT_LINK", `Refusing to send ${url.origin} a request`);
    }
    for (const [k, v] of Object.entries({ "api-version": this.#version, ...query })) {
      if (v !== undefined && !url.searchParams.has(k)) url.searchParams.set(k, String(v));
    }
    return url;
  }

  /** Sends one operation through the challenge flow; resolves with the final response. */
  async request(request: VaultRequest): Promise<HttpResult> {
    const { method, signal } = request;
    const url = this.url(request.path);
    const headers = new Headers(request.headers);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    // One id for every request this operation makes (probe, retries, CAE).
    if (!headers.has("x-ms-client-request-id")) {
      headers.set("x-ms-client-request-id", crypto.randomUUID());
    }
    const http = { ...this.http, signal };
    // Another request may be learning this vault's challenge right now: share its answer.
    // (No await unless one is in flight: the check and the claim below must be one step.)
    let challenge = challenges.get(this.vaultUrl);
    const inFlight = challenge ? undefined : probing.get(this.vaultUrl);
    if (inFlight) challenge = await inFlight;
    if (!challenge) {
      let settle!: (learned: KeyVaultChallenge | undefined) => void;
      const mine = new Promise<KeyVaultChallenge | undefined>((resolve) => (settle = resolve));
      probing.set(this.vaultUrl, mine);
      try {
        // Token-less and body-less: nothing secret goes out before the vault has challenged.
        const probe = await send({ method, url, headers }, http);
        if (probe.response.status !== 401) {
          if (request.body === undefined && !request.rawBody) return probe;
          throw invalid(`${this.vaultUrl} did not challenge (status ${probe.response.status})`);
        }
        challenge = this.#learn(probe);
      } finally {
        // On failure the waiters get undefined and probe for themselves.
        if (probing.get(this.vaultUrl) === mine) probing.delete(this.vaultUrl);
        settle(challenge);
      }
    }
    // Verified on every use: the cached challenge may come from a client that does not verify.
    this.#verifyResource(challenge.resource);
    let body = request.rawBody ?? null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers.set("content-type", "application/json");
    }
    let claims: string | undefined;
    let forceRefresh = false;
    for (;;) {
      const token = await this.#credential.getToken([challenge.scope], {
        abortSignal: signal,
        tenantId: challenge.tenantId,
        enableCae: true,
        claims,
        forceRefresh,
        challenge: claims ? { ...challenge, claims } : challenge,
      });
      if (!token?.token) throw new CredentialUnavailableError("The credential returned no token");
      headers.set("authorization", `Bearer ${token.token}`);
      const result = await send({ method, url, headers, body }, http);
      const header = result.response.headers.get("www-authenticate");
      if (result.response.status !== 401 || claims) return result;
      // A CAE challenge gets one try with its claims; a plain 401 one with a fresh token.
      const cae = readClaimsChallenge(header);
      if (cae.error === "insufficient_claims" && cae.claims) claims = cae.claims;
      else if (forceRefresh) return result;
      else {
        forceRefresh = true;
        // The vault may have moved (another tenant): learn again, verifying again.
        if (readKeyVaultChallenge(header)) challenge = this.#learn(result);
      }
      await result.response.body?.cancel();
    }
  }

  /** Reads, verifies and caches the challenge of a 401. */
  #learn(result: HttpResult): KeyVaultChallenge {
    void result.response.body?.cancel();
    const info = readKeyVaultChallenge(result.response.headers.get("www-authenticate"));
    if (!info) throw invalid(`${this.vaultUrl} answered 401 without a Bearer challenge`);
    const resource = info.resource ?? new URL(info.scope).origin;
    this.#verifyResource(resource);
    const challenge = { ...info, resource };
    challenges.set(this.vaultUrl, challenge);
    return challenge;
  }

  /** Throws ERR_CHALLENGE_RESOURCE_MISMATCH unless the resource belongs to this vault's host. */
  #verifyResource(resource: string): void {
    if (!this.#belongs(resource)) {
      throw new KvfetchError(
        "ERR_CHALLENGE_RESOURCE_MISMATCH",
        `The challenge resource ${resource} does not match the vault host ${this.#host}, so no ` +
          "token was requested (see https://aka.ms/azsdk/blog/vault-uri)",
      );
    }
  }
}

const SEED = "must be { tenantId, scope } with a scope of the vault's own resource";

const invalid = (message: string) => new KvfetchError("ERR_CHALLENGE_INVALID", message);
