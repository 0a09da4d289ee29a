/**
 * The authenticated, challenge-aware request path every Key Vault data-plane client uses.
 *
 * 1. A vault whose challenge is not known yet gets a first request without a token and
 *    without a body: nothing secret leaves before the vault has answered. Concurrent first
 *    requests share that one probe, and its failure.
 * 2. Its 401 `WWW-Authenticate` challenge gives the tenant and resource; the resource must be
 *    the vault host's parent domain, or no token is ever requested (token-leak defence). The
 *    scope asked for is built from that verified resource, never from the challenge text.
 * 3. The challenge is cached for the whole process per transport (the client's `fetch`),
 *    normalised vault origin and verification mode, so that a test double, a pre-seed or a
 *    client that opted out of verification never changes what another client sees.
 * 4. The real request goes out with `Authorization: Bearer …`. A 401 carrying a CAE
 *    `insufficient_claims` challenge gets one retry with a token for those claims; a plain 401
 *    gets one retry with a fresh token. (kvfetch credentials share such forced requests: N
 *    callers refused at once cause one token request.)
 */

import type { HttpBody, HttpHeaders } from "../http/web_types.ts";
import { KvfetchError, RestError } from "../http/errors.ts";
import { readClaimsChallenge, readKeyVaultChallenge, resourceOrigin } from "../http/challenge.ts";
import {
  checkSignal,
  type HttpResult,
  plainHeaders,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  resultHead,
  resultText,
  sendResolved,
} from "../http/send.ts";
import { parseAzureErrorBody } from "../http/response_error.ts";
import { waitFor } from "../http/_abort.ts";
import { TransportCache } from "../http/_caches.ts";
import { secureUrl } from "../http/_secure_url.ts";
import { need } from "../http/_check.ts";
import { AzureClouds, vaultCloud } from "../auth/clouds.ts";
import { bearerToken } from "../auth/_token.ts";
import type { AccessToken, KeyVaultChallenge, TokenCredential } from "../auth/types.ts";
import type { VaultClientOptions } from "./options.ts";

/** The challenges learned, per transport, then per verification mode and vault origin. */
const challenges = new TransportCache<KeyVaultChallenge>();

/** What a shared probe found: the challenge, or the vault's answer when it did not challenge. */
type Probe = { challenge: KeyVaultChallenge } | { result: HttpResult };

/** The probes in flight, keyed as the challenges: concurrent first requests share one. */
const probing = new TransportCache<Promise<Probe>>();

/** The bearer token each result was sent with, to cut it out of any error text. */
const sentTokens = new WeakMap<HttpResult, string>();

/** The values to cut out of errors about `result`: the bearer token it was sent with. */
export function sensitiveOf(result: HttpResult): string[] {
  const token = sentTokens.get(result);
  return token ? [token] : [];
}

/** One request to the vault, before authentication. */
export interface VaultRequest {
  method: string;
  /** A path below the vault (`/secrets/x`) or an absolute same-origin URL (a nextLink). */
  path: string;
  /** A JSON body. */
  body?: unknown;
  /** A raw body, for the `fetch` escape hatch. */
  rawBody?: HttpBody | null;
  headers?: HttpHeaders;
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
  /** The cache key of this vault's challenge (within this client's transport). */
  readonly #key: string;
  /** This client's own challenge: its pre-seed, or what it learned since. Never shared. */
  #own: KeyVaultChallenge | undefined;
  /** The last token that passed the header check. */
  #checked = "";

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
    const cloud = vaultCloud(host);
    need(
      options.allowUnknownVaultHost || cloud,
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
    this.#key = `${this.#verify ? "verified" : "unverified"} ${this.vaultUrl}`;
    this.http = resolveHttpOptions({ ...options, signal: undefined });
    const seed = options.challenge;
    if (seed !== undefined) {
      const { tenantId, scope } = seed ?? {};
      const resource = typeof scope == "string" ? resourceOrigin(scope, true) : "";
      need(
        typeof tenantId == "string" && /^[\w.-]+$/.test(tenantId) && typeof resource == "string" &&
          this.#belongs(resource),
        "challenge",
        "must be { tenantId, scope } with a scope of the vault's own resource, like " +
          "https://vault.azure.net/.default",
      );
      const authority = `${(cloud ?? AzureClouds.public).authorityHost}/${tenantId}`;
      this.#own = {
        authority,
        tenantId,
        resource: resource as string,
        scope: `${resource}/.default`,
      };
    }
  }

  /** Whether a resource origin's host is a parent domain of the vault host. */
  #belongs(resource: string): boolean {
    return !this.#verify || this.#host.endsWith(`.${new URL(resource).hostname}`);
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

  /** The request URL as a string: a plain vault path is appended without parsing a URL. */
  #href(path: string): string {
    // Starting with one "/", the path cannot change the origin; checked names hold no "?#".
    return path[0] === "/" && path[1] !== "/" && path[1] !== "\\" && !/[?#]/.test(path)
      ? `${this.vaultUrl}${path}?api-version=${this.#version}`
      : this.url(path).href;
  }

  /** Sends one operation through the challenge flow; resolves with the final response. */
  async request(request: VaultRequest): Promise<HttpResult> {
    const { method, signal } = request;
    checkSignal(signal);
    const url = this.#href(request.path);
    const headers = plainHeaders(request.headers);
    headers.accept ??= "application/json";
    // One id for every request this operation makes (probe, retries, CAE).
    headers["x-ms-client-request-id"] ??= crypto.randomUUID();
    const http = signal ? { ...this.http, signal } : this.http;
    let challenge = this.#own ?? challenges.of(this.http.fetch).get(this.#key);
    if (!challenge) {
      const probe = await this.#probe(method, url, headers, signal);
      if ("result" in probe) {
        if (request.body === undefined && !request.rawBody) return probe.result;
        throw invalid(
          `${this.vaultUrl} did not challenge (status ${resultHead(probe.result).status})`,
        );
      }
      challenge = probe.challenge;
    }
    let body = request.rawBody ?? null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
    }
    const token = (options: { claims?: string; forceRefresh?: boolean }) =>
      this.#token(challenge!, signal, options);
    let sent = await token({});
    for (let retried = false;; retried = true) {
      headers.authorization = `Bearer ${sent}`;
      const result = await sendResolved({ method, url, headers, body }, http);
      sentTokens.set(result, sent);
      const head = resultHead(result);
      if (head.status !== 401 || retried) return result;
      // A CAE challenge gets a token for its claims; a plain 401 a fresh token.
      const header = head.headers.get("www-authenticate");
      const cae = readClaimsChallenge(header);
      if (cae.error === "insufficient_claims" && cae.claims) {
        sent = await token({ claims: cae.claims });
      } else {
        // The vault may have moved (another tenant): learn again, verifying again.
        if (readKeyVaultChallenge(header)) challenge = this.#learn(head.headers);
        sent = await token({ forceRefresh: true });
      }
    }
  }

  /**
   * The challenge probe: one token-less, body-less request per vault and transport at a time.
   * It runs free of any caller's signal (a caller that aborts stops waiting; the probe goes on
   * for the others), and its failure is every waiter's failure.
   */
  async #probe(
    method: string,
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    share = true,
  ): Promise<Probe> {
    const inFlight = probing.of(this.http.fetch);
    let shared = share ? inFlight.get(this.#key) : undefined;
    const mine = !shared;
    if (!shared) {
      const { authorization: _, ...bare } = headers;
      const probe = sendResolved({ method, url, headers: bare }, this.http).then(
        (result): Probe => {
          const head = resultHead(result);
          return head.status === 401 ? { challenge: this.#learn(head.headers) } : { result };
        },
      );
      shared = probe.finally(() => {
        if (inFlight.get(this.#key) === shared) inFlight.delete(this.#key);
      });
      if (share) inFlight.set(this.#key, shared);
    }
    const probe = await waitFor(shared, signal);
    if (mine || "challenge" in probe) return probe;
    // A waiter: the probe's answer was not a challenge. A failure status is the waiter's
    // failure too; anything else (a vault that does not authenticate) and it sends its own,
    // unshared (so this recursion is one level deep).
    const { status, headers: answer } = resultHead(probe.result);
    if (status < 400) return await this.#probe(method, url, headers, signal, false);
    const details = parseAzureErrorBody(await resultText(probe.result));
    throw new RestError({
      status,
      method,
      url,
      ...details,
      requestId: answer.get("x-ms-request-id") ?? undefined,
      clientRequestId: headers["x-ms-client-request-id"],
      message: `${method} ${url.replace(/[?#].*$/s, "")} failed: the vault answered the ` +
        `shared challenge probe with status ${status}${
          details.errorCode ? ` (${details.errorCode})` : ""
        }`,
    });
  }

  /** Gets a token for the challenge, checks it can go into a header, and returns it. */
  async #token(
    challenge: KeyVaultChallenge,
    signal: AbortSignal | undefined,
    options: { claims?: string; forceRefresh?: boolean },
  ): Promise<string> {
    const { claims, forceRefresh } = options;
    const token: AccessToken | null = await waitFor(
      this.#credential.getToken([challenge.scope], {
        abortSignal: signal,
        tenantId: challenge.tenantId,
        enableCae: true,
        claims,
        forceRefresh,
        challenge: claims ? { ...challenge, claims } : challenge,
      }),
      signal,
    );
    // Only visible ASCII can go into a header: anything else is refused, unsent, unshown.
    if (!token?.token || token.token !== this.#checked) this.#checked = bearerToken(token);
    return this.#checked;
  }

  /** Reads, verifies and caches the challenge of a 401's headers. */
  #learn(headers: Headers): KeyVaultChallenge {
    const info = readKeyVaultChallenge(headers.get("www-authenticate"));
    if (!info) throw invalid(`${this.vaultUrl} answered 401 without a Bearer challenge`);
    if ("refused" in info) {
      throw invalid(
        `${this.vaultUrl} sent a challenge kvfetch cannot use: ${info.refused}; no token was ` +
          "requested",
      );
    }
    if (!this.#belongs(info.resource)) {
      throw new KvfetchError(
        "ERR_CHALLENGE_RESOURCE_MISMATCH",
        `The challenge resource ${info.resource} does not match the vault host ${this.#host}, so ` +
          "no token was requested. Check the vault URL; only for a private endpoint or an " +
          'emulator, set "disableChallengeResourceVerification" ' +
          "(see https://aka.ms/azsdk/blog/vault-uri)",
      );
    }
    challenges.of(this.http.fetch).set(this.#key, info);
    // A client that learned its vault moved drops its pre-seed.
    if (this.#own) this.#own = info;
    return info;
  }
}

const invalid = (message: string) => new KvfetchError("ERR_CHALLENGE_INVALID", message);
