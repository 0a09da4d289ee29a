/**
 * The OAuth 2.0 client-credentials grant against Microsoft Entra ID's v2.0 token endpoint,
 * split as oauth4webapi splits it: {@link clientCredentialsRequest} builds the request,
 * {@link processTokenResponse} validates the response. Between the two, the caller may send,
 * log or retry as it likes; credentials use {@link send} from the HTTP core.
 *
 * @module
 */

import * as v from "valibot";
import type { HttpRequest, HttpResult } from "../http/send.ts";
import { parseJson, tryReadJson } from "../http/json.ts";
import { AuthenticationError } from "./errors.ts";
import { Seconds } from "./_seconds.ts";
import { toAccessToken } from "./_token.ts";
import { formEncode as form, ifShaped, redact } from "../http/_redact.ts";
import { need } from "../http/_check.ts";
import { stripQuery } from "../http/_url.ts";
import type { AccessToken } from "./types.ts";

/**
 * How a client proves its identity to the token endpoint: a function that adds its proof to the
 * form body or the headers, oauth4webapi style. Build one with {@link clientSecretPost},
 * {@link clientSecretBasic} or {@link clientAssertion}.
 *
 * @example A strategy of your own (here: a pre-shared assertion)
 * ```ts
 * import { type ClientAuthentication, clientCredentialsRequest } from "kvfetch/auth";
 *
 * const presigned: ClientAuthentication = (body) => {
 *   body.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
 *   body.set("client_assertion", "eyJhbGciOi…");
 * };
 * const params = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * const { request, sensitive } = await clientCredentialsRequest(params, presigned);
 * console.log(request.method, sensitive); // POST [ "eyJhbGciOi…" ]: never in an error message
 * ```
 */
export type ClientAuthentication = (
  body: URLSearchParams,
  headers: Headers,
  context: ClientAuthenticationContext,
) => void | Promise<void>;

/**
 * What a {@link ClientAuthentication} knows about the request it authenticates.
 *
 * @example An authentication strategy that reads its context
 * ```ts
 * import { clientCredentialsRequest } from "kvfetch";
 * import type { ClientAuthentication, ClientAuthenticationContext } from "kvfetch";
 *
 * const told: ClientAuthenticationContext[] = [];
 * const auth: ClientAuthentication = (body, _headers, context) => {
 *   told.push(context); // a client assertion's `aud` is context.tokenEndpoint, its `sub` clientId
 *   body.set("client_secret", "the-secret-value");
 * };
 * const params = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * await clientCredentialsRequest(params, auth, { now: Date.UTC(2026, 0, 1) });
 * console.log(told[0]?.clientId, new Date(told[0]!.now).toISOString()); // …0001 2026-01-01T00:00…
 * ```
 */
export interface ClientAuthenticationContext {
  /** The token endpoint URL (the `aud` of a client assertion for Entra). */
  tokenEndpoint: string;
  /** The application (client) id. */
  clientId: string;
  /** The current time, in milliseconds since the epoch. */
  now: number;
  /** Cancels the token request. */
  signal?: AbortSignal | undefined;
}

/**
 * The client secret in the form body (`client_secret`), the default for Entra ID.
 *
 * @example
 * ```ts
 * import { clientCredentialsRequest, clientSecretPost } from "kvfetch/auth";
 *
 * const auth = clientSecretPost("the-secret-value");
 * const params = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * const { request } = await clientCredentialsRequest(params, auth);
 * console.log(new URLSearchParams(String(request.body)).has("client_secret")); // true: in the body
 * ```
 */
export function clientSecretPost(clientSecret: string): ClientAuthentication {
  checkSecret(clientSecret);
  return (body) => body.set("client_secret", clientSecret);
}

/**
 * The client secret as HTTP Basic authentication (RFC 6749 §2.3.1, which Entra ID also
 * accepts): id and secret are form-urlencoded, joined by `:` and base64-encoded.
 *
 * @example
 * ```ts
 * import { clientCredentialsRequest, clientSecretBasic } from "kvfetch/auth";
 *
 * const auth = clientSecretBasic("the-secret-value");
 * const params = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * const { request } = await clientCredentialsRequest(params, auth);
 * const headers = request.headers as Headers; // clientCredentialsRequest builds a Headers
 * console.log(headers.get("authorization")?.split(" ")[0]); // Basic
 * ```
 */
export function clientSecretBasic(clientSecret: string): ClientAuthentication {
  checkSecret(clientSecret);
  // Each part form-urlencoded, as RFC 6749 §2.3.1 asks.
  return (_body, headers, { clientId }) =>
    headers.set("authorization", `Basic ${btoa(`${form(clientId)}:${form(clientSecret)}`)}`);
}

/**
 * A JWT client assertion (RFC 7523): a certificate-signed JWT, or a federated token from
 * another identity provider. `getAssertion` is called for every token request.
 *
 * @example
 * ```ts
 * import { clientAssertion, clientCredentialsRequest } from "kvfetch/auth";
 *
 * // Called for every token request: return a current JWT (a federated token, a signed assertion).
 * const auth = clientAssertion(() => Promise.resolve("eyJhbGciOi…"));
 * const params = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * const { request } = await clientCredentialsRequest(params, auth);
 * console.log(new URLSearchParams(String(request.body)).get("client_assertion_type"));
 * ```
 */
export function clientAssertion(
  getAssertion: (context: ClientAuthenticationContext) => string | Promise<string>,
): ClientAuthentication {
  need(typeof getAssertion == "function", "getAssertion", "must be a function returning a JWT");
  return async (body, _headers, context) => {
    const assertion = await getAssertion(context);
    need(typeof assertion == "string" && assertion.trim(), "getAssertion", "returned no JWT");
    body.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    body.set("client_assertion", assertion.trim());
  };
}

/**
 * The parameters of one client-credentials token request.
 *
 * @example
 * ```ts
 * import type { TokenRequestParameters } from "kvfetch/auth";
 *
 * const params: TokenRequestParameters = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * console.log(params.scopes);
 * ```
 */
export interface TokenRequestParameters {
  /** `https://{authority host}/{tenant}/oauth2/v2.0/token`. */
  tokenEndpoint: string;
  /** The application (client) id. */
  clientId: string;
  /** The scopes; for Entra, one resource's `.default` scope. */
  scopes: string[];
  /** A claims request (JSON), sent as the `claims` parameter. */
  claims?: string | undefined;
}

/**
 * A built token request, plus the values in it that must never appear anywhere else (the
 * client secret, also as decoded from Basic credentials, the assertion, the `Authorization`
 * header): {@link processTokenResponse} cuts each out of error text, raw,
 * `encodeURIComponent`-encoded and form-encoded.
 *
 * @example
 * ```ts
 * import { clientCredentialsRequest, clientSecretPost, type TokenRequest } from "kvfetch/auth";
 *
 * const params = {
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * };
 * const auth = clientSecretPost("the-secret");
 * const built: TokenRequest = await clientCredentialsRequest(params, auth);
 * console.log(built.request.method, String(built.request.url)); // never the body: it has the secret
 * console.log(built.sensitive.includes("the-secret")); // true: cut out of any error
 * ```
 */
export interface TokenRequest {
  /** The HTTP request to send. */
  request: HttpRequest;
  /** Values that must be cut out of anything reported about this request. */
  sensitive: string[];
}

/**
 * Builds a client-credentials token request: `grant_type=client_credentials`, `client_id`,
 * `scope` (space-separated), optional `claims`, plus what `auth` adds.
 *
 * @example
 * ```ts
 * import { clientCredentialsRequest, clientSecretPost } from "kvfetch/auth";
 *
 * const { request } = await clientCredentialsRequest({
 *   tokenEndpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   scopes: ["https://vault.azure.net/.default"],
 * }, clientSecretPost("the-secret-value"));
 * console.log(request.method, request.url);
 * ```
 */
export async function clientCredentialsRequest(
  params: TokenRequestParameters,
  auth: ClientAuthentication,
  options: { now?: number; signal?: AbortSignal | undefined; clientRequestId?: string } = {},
): Promise<TokenRequest> {
  const body = new URLSearchParams({
    client_id: params.clientId,
    scope: params.scopes.join(" "),
    grant_type: "client_credentials",
  });
  if (params.claims) body.set("claims", params.claims);
  const headers = new Headers({
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
  });
  const clientRequestId = options.clientRequestId ?? crypto.randomUUID();
  // Entra echoes `client-request-id` in its answer and logs; Azure services use the x-ms form.
  headers.set("client-request-id", clientRequestId);
  headers.set("x-ms-client-request-id", clientRequestId);
  await auth(body, headers, {
    tokenEndpoint: params.tokenEndpoint,
    clientId: params.clientId,
    now: options.now ?? Date.now(),
    signal: options.signal,
  });
  const authorization = headers.get("authorization");
  // `redact` also cuts the encoded forms of each (so the secret as sent in the form body).
  const sensitive = [
    body.get("client_secret"),
    body.get("client_assertion"),
    authorization,
    authorization?.slice(6), // the Basic credentials alone
    basicSecret(authorization),
  ].filter((s): s is string => !!s);
  return {
    request: { method: "POST", url: params.tokenEndpoint, headers, body: body.toString() },
    sensitive,
  };
}

const TokenResponse = v.object({
  access_token: v.string(),
  token_type: v.pipe(
    v.string(),
    v.check((t) => t.toLowerCase() === "bearer", 'token_type must be "Bearer"'),
  ),
  expires_in: Seconds,
  ext_expires_in: v.nullish(Seconds),
  refresh_in: v.nullish(Seconds),
});

const ErrorResponse = v.object({
  error: v.string(),
  error_description: v.nullish(v.string()),
  error_codes: v.nullish(v.array(v.number())),
  trace_id: v.nullish(v.string()),
  correlation_id: v.nullish(v.string()),
  timestamp: v.nullish(v.string()),
});

/**
 * Validates a token endpoint response and returns the token, or throws an
 * {@link AuthenticationError}.
 *
 * A 200 response must hold a `Bearer` `access_token` of visible ASCII characters (it goes into
 * an `Authorization` header) and a positive, finite `expires_in`, counted from `options.now`
 * (when the request was sent); otherwise the {@link AuthenticationError} (status 200) has the
 * `ERR_INVALID_RESPONSE` {@link ResponseBodyError} as its `cause`. A lifetime over 24 hours
 * (Entra's maximum) is clamped to 24 hours; `refresh_in` sets `refreshAfterTimestamp` only
 * when it falls strictly inside the lifetime.
 *
 * Any other status is a refusal: the {@link AuthenticationError} carries Entra's error fields (`error`, `errorDescription`,
 * `errorCodes`, `traceId`, `correlationId`, `timestamp`). Secrets listed in `sensitive` are cut
 * out of every text the error keeps; `traceId` and `correlationId` are kept only when they are
 * GUIDs, `timestamp` only when it is a timestamp.
 *
 * @example
 * ```ts
 * import { processTokenResponse } from "kvfetch/auth";
 *
 * const token = await processTokenResponse({
 *   response: Response.json({ token_type: "Bearer", expires_in: 3599, access_token: "eyJ0eXAiOiJKV1QifQ.e30.c2ln" }),
 *   attempts: 1,
 *   clientRequestId: "c0ffee00-0000-4000-8000-000000000000",
 *   method: "POST",
 *   url: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
 * }, { now: Date.now() });
 * console.log(token.expiresOnTimestamp > Date.now());
 * ```
 */
export async function processTokenResponse(
  result: HttpResult,
  options: { now: number; sensitive?: string[]; clientId?: string },
): Promise<AccessToken> {
  const { response } = result;
  const url = stripQuery(result.url);
  const where = `The token response from ${url}`;
  const json = await tryReadJson(response);
  const { status } = response;
  if (status !== 200) throw tokenError(status, json, url, response, options);
  try {
    if (json === undefined) throw new Error(`${where} is not valid JSON`);
    const token = parseJson(json, TokenResponse, where, status);
    return toAccessToken(token, options.now, options.now, where, status);
  } catch (cause) {
    throw new AuthenticationError({ message: (cause as Error).message, status, cause, response });
  }
}

function tokenError(
  status: number,
  json: unknown,
  url: string,
  response: Response,
  options: { sensitive?: string[]; clientId?: string },
): AuthenticationError {
  const parsed = v.safeParse(ErrorResponse, json);
  const e = parsed.success ? parsed.output : undefined;
  const scrub = (s: string | null | undefined) => redact(s ?? undefined, options.sensitive ?? []);
  const error = scrub(e?.error);
  const description = scrub(e?.error_description);
  // Entra's description is "AADSTS…: what went wrong.\r\nTrace ID: …\r\nCorrelation ID: …".
  const summary = description?.split(/\r?\n|(?<=\.) Trace ID:/)[0]?.trim();
  const client = options.clientId ? ` (client ${options.clientId})` : "";
  return new AuthenticationError({
    message: `The token request to ${url}${client} was refused (${status}${
      error ? ` ${error}` : ""
    })${summary ? `: ${summary}` : ""}`,
    status,
    error,
    errorDescription: description,
    errorCodes: e?.error_codes ?? undefined,
    traceId: ifShaped(e?.trace_id, GUID),
    correlationId: ifShaped(e?.correlation_id, GUID),
    timestamp: ifShaped(e?.timestamp, TIMESTAMP),
    response,
  });
}

/** The client secret inside Basic credentials, `base64(form(id) ":" form(secret))`, decoded. */
function basicSecret(authorization: string | null): string | null {
  try {
    const pair = atob(/^Basic (.+)$/i.exec(authorization ?? "")?.[1] ?? "");
    return new URLSearchParams(`s=${pair.slice(pair.indexOf(":") + 1)}`).get("s");
  } catch {
    return null; // not Basic credentials
  }
}

const GUID = /^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/i;
/** Entra's `2026-11-28 12:00:00Z`, or ISO 8601 (`2026-11-28T12:00:00.1234567Z`). */
const TIMESTAMP = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,7})?(Z|[+-]\d\d:\d\d)$/;

const checkSecret = (secret: unknown) =>
  need(typeof secret == "string" && secret.trim(), "clientSecret", "must be a non-empty string");
