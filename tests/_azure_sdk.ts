/**
 * Test-only glue for running the OFFICIAL Azure SDK for JS (`@azure/identity`,
 * `@azure/keyvault-secrets`) against fake Entra / Key Vault servers on loopback.
 *
 * The SDK insists on https URLs (`authorityHost` must be https, bearer tokens are refused over
 * http, and Key Vault's challenge policy checks that the vault host ends with "." + the challenge
 * `resource` host). So the SDK is handed its real https URLs, and a custom `httpClient` (the last
 * stage of every core-rest-pipeline) rewrites the origin to a loopback `http://127.0.0.1:PORT`
 * server just before the bytes leave. Every policy (retry, challenge, bearer, user agent, ...)
 * runs exactly as in production; only the transport differs.
 *
 * Anything whose origin is not in the route table is refused (and recorded) without touching the
 * network, so a stray IMDS probe, instance discovery or region discovery shows up as a failure
 * in the test instead of an attempt to reach the internet.
 *
 * Take the SDK classes from this module (they are re-exported below): it first evaluates
 * `_deno_node_compat.ts`, whose shims must be in place before `@azure/identity` loads.
 */
import "./_deno_node_compat.ts";
import { makeCertificate, thumbprint } from "./_certs.ts";
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
  RestError,
} from "@azure/core-rest-pipeline";

export {
  ClientCertificateCredential,
  ClientSecretCredential,
  type ClientSecretCredentialOptions,
} from "@azure/identity";
export { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
export type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
export type { HttpClient, PipelineRequest, PipelineResponse };

/** The public-cloud authority host the SDK is pointed at (and which gets rerouted). */
export const AUTHORITY_HOST = "https://login.microsoftonline.com";
/** A vault URL the SDK accepts: its host ends with ".vault.azure.net". */
export const VAULT_URL = "https://myvault.vault.azure.net";
/** The Key Vault token scope. */
export const VAULT_SCOPE = "https://vault.azure.net/.default";

/** One request the loopback client sent (or refused). */
export interface SdkRequest {
  /** The URL the SDK asked for (https, real host). */
  url: string;
  /** The loopback URL the request actually went to ("" when refused). */
  sentTo: string;
  method: string;
  /** The headers as the SDK set them, names lower-cased (without the added forwarding headers). */
  headers: Record<string, string>;
  /** The request body as text ("" when none). */
  body: string;
}

export interface LoopbackHttpClientOptions {
  /**
   * Add `x-forwarded-host` (the original host) and `x-forwarded-proto: https` to every rerouted
   * request so a fake server can rebuild the URLs it hands back (Key Vault ids). Default true.
   */
  forwardedHeaders?: boolean;
}

/** An `HttpClient` for Azure SDK client options (`{ httpClient }`), with a record of traffic. */
export interface LoopbackHttpClient extends HttpClient {
  /** Every request that was rerouted to loopback, in order. */
  readonly sent: SdkRequest[];
  /** Every request whose origin had no route; they were failed without any network access. */
  readonly refused: SdkRequest[];
}

/**
 * Builds an `HttpClient` that sends each SDK request to the loopback origin mapped from its https
 * origin, using the global `fetch`. `routes` maps e.g. `"https://login.microsoftonline.com"` to
 * `"http://127.0.0.1:41234"`. A request to an origin with no route fails with a `RestError`
 * (code `REQUEST_SEND_ERROR`, which core-rest-pipeline treats as a network error).
 */
export function loopbackHttpClient(
  routes: Record<string, string>,
  options: LoopbackHttpClientOptions = {},
): LoopbackHttpClient {
  const table = new Map<string, string>();
  for (const [from, to] of Object.entries(routes)) {
    const target = new URL(to);
    if (target.hostname !== "127.0.0.1" && target.hostname !== "localhost") {
      throw new Error(`loopbackHttpClient: ${to} is not a loopback origin`);
    }
    table.set(new URL(from).origin, target.origin);
  }
  const forwarded = options.forwardedHeaders ?? true;
  const sent: SdkRequest[] = [];
  const refused: SdkRequest[] = [];

  async function sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const original = new URL(request.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
    const body = await bodyBytes(request);
    const record: SdkRequest = {
      url: request.url,
      sentTo: "",
      method: request.method,
      headers,
      body: body === undefined ? "" : new TextDecoder().decode(body),
    };
    const target = table.get(original.origin);
    if (target === undefined) {
      refused.push(record);
      throw new RestError(`loopbackHttpClient: no route for ${original.origin} (${request.url})`, {
        code: RestError.REQUEST_SEND_ERROR,
        request,
      });
    }
    const url = target + original.pathname + original.search;
    record.sentTo = url;
    sent.push(record);

    const wireHeaders = new Headers(headers);
    if (forwarded) {
      wireHeaders.set("x-forwarded-host", original.host);
      wireHeaders.set("x-forwarded-proto", original.protocol.slice(0, -1));
    }
    const signals: AbortSignal[] = [];
    if (request.abortSignal) signals.push(request.abortSignal as AbortSignal);
    if (request.timeout > 0) signals.push(AbortSignal.timeout(request.timeout));

    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: wireHeaders,
        body: body as BodyInit | undefined,
        redirect: "manual", // the pipeline's redirectPolicy decides
        signal: signals.length ? AbortSignal.any(signals) : undefined,
      });
    } catch (error) {
      if (request.abortSignal?.aborted) throw error; // the pipeline maps aborts itself
      throw new RestError(`loopbackHttpClient: ${String(error)}`, {
        code: RestError.REQUEST_SEND_ERROR,
        request,
      });
    }
    const responseHeaders = createHttpHeaders();
    response.headers.forEach((value, name) => responseHeaders.set(name, value));
    const result: PipelineResponse = { request, status: response.status, headers: responseHeaders };
    if (request.streamResponseStatusCodes?.has(response.status) && response.body) {
      result.browserStreamBody = response.body;
    } else {
      result.bodyAsText = await response.text();
    }
    return result;
  }

  return { sendRequest, sent, refused };
}

async function bodyBytes(request: PipelineRequest): Promise<Uint8Array | undefined> {
  let body = request.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === "function") body = body();
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice();
  }
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof ReadableStream) return new Uint8Array(await new Response(body).arrayBuffer());
  throw new Error(
    `loopbackHttpClient: unsupported request body ${Object.prototype.toString.call(body)}`,
  );
}

/**
 * Options for `ClientSecretCredential` / `ClientCertificateCredential` so that MSAL only ever
 * talks to `${AUTHORITY_HOST}/<tenant>/...` through `httpClient`.
 *
 * What MSAL (msal-node 7.2 / msal-common 16.17) asks the network for, per authority host:
 * - login.microsoftonline.com (and the other national-cloud hosts built into msal-common): only
 *   `POST /<tenant>/oauth2/v2.0/token?client-request-id=<uuid>`. The endpoint metadata and the
 *   instance-discovery metadata are hard-coded in msal-common, with or without
 *   `disableInstanceDiscovery`.
 * - any other host: first `GET <host>/<tenant>/v2.0/.well-known/openid-configuration` (answer
 *   with `openIdConfiguration()`), and, unless `disableInstanceDiscovery: true`, before that
 *   `GET https://login.microsoftonline.com/common/discovery/instance?...` (answer with
 *   `instanceDiscovery()`): note the fixed host. `disableInstanceDiscovery: true` puts the
 *   authority in MSAL's `knownAuthorities`, which skips that call.
 * `authorityHost` is passed explicitly so that `AZURE_AUTHORITY_HOST` cannot move it, and
 * `retryOptions.maxRetries: 0` stops identity's own pipeline retrying 3 times (with back-off).
 * Region discovery (IMDS at 169.254.169.254) only happens when `AZURE_REGIONAL_AUTHORITY_NAME`
 * is set; it would go through `httpClient` too, and be refused.
 */
export function identityOptions(httpClient: HttpClient): {
  httpClient: HttpClient;
  authorityHost: string;
  disableInstanceDiscovery: true;
  retryOptions: { maxRetries: number };
} {
  return {
    httpClient,
    authorityHost: AUTHORITY_HOST,
    disableInstanceDiscovery: true,
    retryOptions: { maxRetries: 0 },
  };
}

/**
 * The OpenID configuration document MSAL fetches from
 * `GET <authorityHost>/<tenant>/v2.0/.well-known/openid-configuration` before its first token
 * request when the authority host is not one it knows. MSAL requires `authorization_endpoint`,
 * `token_endpoint`, `issuer` and `jwks_uri`; the issuer must be https on the authority host or on
 * a Microsoft login host; the token request then goes to `token_endpoint` (keep it on the
 * authority host so it takes the same route).
 */
export function openIdConfiguration(
  tenant: string,
  authorityHost: string = AUTHORITY_HOST,
): Record<string, unknown> {
  const base = `${authorityHost}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
    jwks_uri: `${authorityHost}/${tenant}/discovery/v2.0/keys`,
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt"],
    tenant_region_scope: "WW",
    cloud_instance_name: "microsoftonline.com",
  };
}

type Bytes = Uint8Array<ArrayBuffer>;

/**
 * The answer to MSAL's instance-discovery call,
 * `GET https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=<authority>/oauth2/v2.0/authorize`,
 * which MSAL makes only for an authority host it has no built-in metadata for AND when
 * `disableInstanceDiscovery` is not set. Note that it goes to login.microsoftonline.com whatever
 * the authority host is.
 */
export function instanceDiscovery(
  tenant: string,
  authorityHost: string = AUTHORITY_HOST,
): Record<string, unknown> {
  const host = new URL(authorityHost).host;
  return {
    tenant_discovery_endpoint: `${authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

// ---------------------------------------------------------------------------------------------
// A self-signed RSA certificate, from the shared generator in _certs.ts, in the shape the SDK
// tests use: `ClientCertificateCredential({ certificate: pem })` only needs the PEM blocks.

/** A generated test certificate. */
export interface TestCertificate {
  /** `-----BEGIN CERTIFICATE-----` block. */
  certificatePem: string;
  /** `-----BEGIN PRIVATE KEY-----` (PKCS#8) block. */
  privateKeyPem: string;
  /** Private key then certificate: what `ClientCertificateCredential` wants as `certificate`. */
  pem: string;
  /** The certificate's DER bytes. */
  der: Bytes;
  /** SubjectPublicKeyInfo DER of the key (import as RSASSA-PKCS1-v1_5 or RSA-PSS to verify). */
  spki: Bytes;
  /** base64url of SHA-1(der): the `x5t` JWT header value. */
  x5t: string;
  /** base64url of SHA-256(der): the `x5t#S256` JWT header value. */
  x5tS256: string;
}

/** Makes an RSA-2048 key and a self-signed SHA256-with-RSA X.509 v3 certificate for it. */
export async function selfSignedCertificate(
  commonName = "kvfetch-test",
): Promise<TestCertificate> {
  const cert = await makeCertificate({ subject: commonName });
  return {
    certificatePem: cert.certificatePem,
    privateKeyPem: cert.keyPem,
    pem: cert.keyPem + cert.certificatePem,
    der: cert.der,
    spki: new Uint8Array(await crypto.subtle.exportKey("spki", cert.keys.publicKey)),
    x5t: await thumbprint(cert.der, "SHA-1"),
    x5tS256: await thumbprint(cert.der, "SHA-256"),
  };
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a compact JWS without verifying it. */
export function decodeJwt(jwt: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: Bytes;
  signature: Bytes;
} {
  const [h = "", c = "", s = ""] = jwt.split(".");
  const bytes = (part: string) =>
    Uint8Array.from(
      atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4)),
      (ch) => ch.charCodeAt(0),
    );
  const text = (part: string) => new TextDecoder().decode(bytes(part));
  return {
    header: JSON.parse(text(h)),
    claims: JSON.parse(text(c)),
    signingInput: new TextEncoder().encode(`${h}.${c}`),
    signature: bytes(s),
  };
}
