/**
 * The request path every ARM client uses: one ARM endpoint (the cloud's, or an explicit one),
 * bearer tokens for `<cloud ARM audience>/.default` from the caller's credential, and nothing
 * ever sent to another origin than that endpoint (a `nextLink`, `Location` or
 * `Azure-AsyncOperation` URL elsewhere is refused before anything is sent).
 *
 * A `401` is retried once: with a token for the claims of a CAE `insufficient_claims`
 * challenge, else with a fresh token.
 */

import type * as v from "valibot";
import { KvfetchError } from "../http/errors.ts";
import { type PagedAsyncIterableIterator, pagedIterator, pageSchema } from "../http/paging.ts";
import { readJson, tryReadJson } from "../http/json.ts";
import { readClaimsChallenge } from "../http/challenge.ts";
import { parseAzureErrorBody } from "../http/response_error.ts";
import {
  checkSignal,
  type HttpResult,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  resultHead,
  resultText,
  sendResolved,
} from "../http/send.ts";
import { throwIfAborted, waitFor } from "../http/_abort.ts";
import { need } from "../http/_check.ts";
import { refuseOfficialOptions } from "../http/_official_options.ts";
import { secureUrl } from "../http/_secure_url.ts";
import { stripQuery } from "../http/_url.ts";
import { resolveCloud } from "../auth/clouds.ts";
import type { TokenCredential } from "../auth/types.ts";
import { bearerToken } from "../auth/_token.ts";
import { jwtClaims } from "../auth/_jwt.ts";
import { checkApiVersion, checkUuid } from "./_checks.ts";
import type { ArmClientOptions, ArmListOptions, ArmOperationOptions } from "./options.ts";
import {
  ArmError,
  type ArmResponseInfo,
  readArmErrorFields,
  responseInfo,
  withInfo,
} from "./errors.ts";

/** One ARM request. */
export interface ArmSend extends ArmOperationOptions {
  /** A JSON body. */
  body?: unknown;
  /** The statuses the caller expects; any other is an {@link ArmError}. */
  expected?: readonly number[];
  /** Advice for the message of an {@link ArmError}, chosen from what went wrong. */
  hint?: (error: ArmErrorHintInput) => string | undefined;
}

/** The values to cut out of errors about a result: the token it was sent with. */
const sentTokens = new WeakMap<HttpResult, string>();
const infos = new WeakMap<HttpResult, ArmResponseInfo>();

/** The request path of one subscription at one ARM endpoint. */
export class ArmPipeline {
  /** The ARM endpoint's origin, e.g. `https://management.azure.com`. */
  readonly endpoint: string;
  /** The token scope. */
  readonly scope: string;
  /** The api-version sent unless a call names another. */
  readonly apiVersion: string;
  /** The subscription id. */
  readonly subscriptionId: string;
  /** The transport options, resolved. */
  readonly http: ResolvedHttpOptions;
  readonly #credential: TokenCredential;
  #checked = "";

  constructor(
    subscriptionId: string,
    credential: TokenCredential,
    options: ArmClientOptions,
    defaultApiVersion: string,
  ) {
    need(typeof options == "object" && options, "options", "must be an object");
    this.subscriptionId = checkUuid(subscriptionId, "subscriptionId");
    need(typeof credential?.getToken == "function", "credential", "must be a TokenCredential");
    const cloud = resolveCloud(options.cloud);
    const url = secureUrl(
      options.endpoint ?? cloud.resourceManagerEndpoint,
      "endpoint",
      options.allowInsecureLoopback,
    );
    need(
      url.href === `${url.origin}/`,
      "endpoint",
      "must be a bare origin, like https://management.azure.com",
    );
    this.endpoint = url.origin;
    this.scope = `${cloud.resourceManagerAudience.replace(/\/+$/, "")}/.default`;
    this.apiVersion = checkApiVersion(options.apiVersion ?? defaultApiVersion);
    this.#credential = credential;
    this.http = resolveHttpOptions({ ...options, signal: undefined });
  }

  /**
   * `{endpoint}/subscriptions/{id}{path}?api-version=…&…`. `path` segments must already be
   * encoded; query values are encoded here, names are sent as written (`$top`, `$filter`).
   */
  url(
    path: string,
    query: Record<string, string | number | undefined> = {},
    apiVersion = this.apiVersion,
  ): URL {
    let search = `api-version=${encodeURIComponent(apiVersion)}`;
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) search += `&${name}=${encodeURIComponent(value)}`;
    }
    return new URL(`${this.endpoint}/subscriptions/${this.subscriptionId}${path}?${search}`);
  }

  /**
   * Resolves a URL the service handed back (against `base`) and checks it is on the endpoint's
   * origin; else `ERR_FOREIGN_OPERATION_URL`, and nothing is sent there.
   */
  link(value: string, what: string, base: URL | string): URL {
    let url: URL;
    try {
      url = new URL(value, base);
    } catch {
      throw new KvfetchError("ERR_INVALID_RESPONSE", `An ARM response has an unparsable ${what}`);
    }
    if (url.origin !== this.endpoint) {
      throw new KvfetchError(
        "ERR_FOREIGN_OPERATION_URL",
        `An ARM response from ${this.endpoint} points its ${what} at ${url.origin}; kvfetch ` +
          "only sends requests (and tokens) to the ARM endpoint it was given",
      );
    }
    return url;
  }

  /** Sends one request with a bearer token; resolves with the response whatever its status. */
  async send(method: string, url: URL, request: ArmSend = {}): Promise<HttpResult> {
    refuseOfficialOptions(request, "operation", ["onResponse"]);
    const { signal } = request;
    checkSignal(signal);
    throwIfAborted(signal);
    if (url.origin !== this.endpoint) {
      throw new KvfetchError(
        "ERR_FOREIGN_OPERATION_URL",
        `Refusing to send ${url.origin} a request (the ARM endpoint is ${this.endpoint})`,
      );
    }
    const headers: Record<string, string> = {
      accept: "application/json",
      "x-ms-client-request-id": crypto.randomUUID(),
    };
    let body: string | null = null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
    }
    const http = signal ? { ...this.http, signal } : this.http;
    let token = await this.#token(signal, {});
    for (let retried = false;; retried = true) {
      headers.authorization = `Bearer ${token}`;
      const result = await sendResolved({ method, url, headers, body }, http);
      sentTokens.set(result, token);
      const head = resultHead(result);
      const info = responseInfo(head.status, head.headers, method, result.url);
      infos.set(result, info);
      request.onResponse?.(info);
      if (head.status !== 401 || retried) return result;
      const cae = readClaimsChallenge(head.headers.get("www-authenticate"));
      token = await this.#token(
        signal,
        cae.error === "insufficient_claims" && cae.claims
          ? { claims: cae.claims }
          : { forceRefresh: true },
      );
    }
  }

  /** {@link ArmPipeline.send}, then an {@link ArmError} for a status outside `expected`. */
  async call(method: string, url: URL, request: ArmSend = {}): Promise<HttpResult> {
    const result = await this.send(method, url, request);
    if (!(request.expected ?? [200]).includes(resultHead(result).status)) {
      throw await this.error(result, request.hint);
    }
    return result;
  }

  /** Reads a result's body with `schema`; the value remembers the response it came from. */
  async read<T>(result: HttpResult, schema: v.GenericSchema<unknown, T>): Promise<T> {
    const value = await readJson(result, schema, `${result.method} ${stripQuery(result.url)}`);
    return withInfo(value, this.info(result));
  }

  /**
   * Lists `path` page by page (`{value, nextLink}`), each item validated with `item` and
   * remembering its page's response. `maxPageSize` (else `options.top`) is sent as `$top`;
   * `nextLink`s are followed only on the endpoint's origin.
   */
  list<T>(
    path: string,
    item: v.GenericSchema<unknown, T>,
    options: ArmListOptions,
    query: Record<string, string> = {},
    apiVersion?: string,
  ): PagedAsyncIterableIterator<T> {
    need(typeof options == "object" && options, "options", "must be an object");
    refuseOfficialOptions(options, "operation", ["onResponse"]);
    const { top, signal, onResponse } = options;
    const checkTop = (n: number | undefined, option: string) =>
      need(
        n === undefined || (Number.isSafeInteger(n) && n > 0),
        option,
        "must be a positive integer",
        RangeError,
      );
    checkTop(top, "top");
    checkSignal(signal);
    const schema = pageSchema(item);
    return pagedIterator<T>({
      firstPageUrl: (size) => {
        checkTop(size, "maxPageSize");
        return this.url(path, { ...query, $top: size ?? top }, apiVersion);
      },
      getPage: async (url) => {
        const result = await this.call("GET", url, { signal, onResponse });
        const page = await readJson(result, schema, `GET ${stripQuery(url.href)}`);
        const info = this.info(result);
        return { value: page.value.map((x) => withInfo(x, info)), nextLink: page.nextLink };
      },
    }, options);
  }

  /**
   * The tenant the credential's ARM token was issued by (its `tid` claim), for calls that must
   * name the tenant (a vault recovery), or `undefined` when the token is not a JWT naming one.
   */
  async tokenTenant(signal: AbortSignal | undefined): Promise<string | undefined> {
    const tid = jwtClaims(await this.#token(signal, {}))?.tid;
    return typeof tid == "string" ? tid : undefined;
  }

  /** What a response said besides its body. */
  info(result: HttpResult): ArmResponseInfo {
    const known = infos.get(result);
    if (known) return known;
    const head = resultHead(result);
    return responseInfo(head.status, head.headers, result.method, result.url);
  }

  /** The values to cut out of errors about `result`: the bearer token it was sent with. */
  sensitive(result: HttpResult): string[] {
    const token = sentTokens.get(result);
    return token ? [token] : [];
  }

  /** The {@link ArmError} for a response the operation did not expect. */
  async error(
    result: HttpResult,
    hint?: (error: ArmErrorHintInput) => string | undefined,
  ): Promise<ArmError> {
    const head = resultHead(result);
    const sensitive = this.sensitive(result);
    const text = await resultText(result);
    const top = parseAzureErrorBody(text, sensitive);
    const json = await tryReadJson(result);
    const fields = readArmErrorFields((json as { error?: unknown } | undefined)?.error, sensitive);
    const softDeletedConflict = head.status === 409 &&
      /deleted state|soft[- ]?deleted/i.test(top.serviceMessage ?? "");
    return new ArmError({
      status: head.status,
      method: result.method,
      url: result.url,
      ...top,
      target: fields.target,
      details: fields.details,
      requestId: head.headers.get("x-ms-request-id") ?? undefined,
      clientRequestId: result.clientRequestId,
      attempts: result.attempts,
      response: result.response,
      info: this.info(result),
      softDeletedConflict,
      hint: hint?.({ status: head.status, errorCode: top.errorCode, softDeletedConflict }),
    });
  }

  async #token(
    signal: AbortSignal | undefined,
    options: { claims?: string; forceRefresh?: boolean },
  ): Promise<string> {
    const token = await waitFor(
      this.#credential.getToken([this.scope], {
        abortSignal: signal,
        enableCae: true,
        ...options,
      }),
      signal,
    );
    if (!token?.token || token.token !== this.#checked) this.#checked = bearerToken(token);
    return this.#checked;
  }
}

/** What a hint for an {@link ArmError} is chosen from. */
export interface ArmErrorHintInput {
  status: number;
  errorCode: string | undefined;
  softDeletedConflict: boolean;
}
