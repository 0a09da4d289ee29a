/**
 * The operation helpers every Key Vault data-plane client shares: send an operation and check
 * its status, read and validate its body, list with paging, wait for a soft delete or a
 * recovery, and the raw `fetch` escape hatch. A client adds its routes and models, not another
 * copy of these.
 */

import type * as v from "valibot";
import { KvfetchError } from "../http/errors.ts";
import { need } from "../http/_check.ts";
import type { HttpBody, HttpHeaders } from "../http/web_types.ts";
import { operationSignal } from "../http/_official_options.ts";
import { readJson } from "../http/json.ts";
import { type PagedAsyncIterableIterator, pagedIterator, pageSchema } from "../http/paging.ts";
import { responseError } from "../http/response_error.ts";
import { type HttpResult, resultHead } from "../http/send.ts";
import type { TokenCredential } from "../auth/types.ts";
import { sensitiveOf, VaultPipeline } from "./_vault_pipeline.ts";
import { checkPageSize } from "./_names.ts";
import type { ListOptions, PollOptions, VaultClientOptions } from "./options.ts";

/** How {@link VaultOperations.poll} waits, after checks. */
export interface Poll {
  wait: boolean;
  interval: number;
  maxWait: number;
  signal?: AbortSignal | undefined;
}

/** Checks {@link PollOptions} and applies their defaults. */
export function pollOptions(options: PollOptions): Poll {
  const signal = operationSignal(options);
  const { pollIntervalMs: interval = 2000, maxWaitMs: maxWait = 120_000 } = options;
  need(interval >= 0 && interval < Infinity, "pollIntervalMs", "must be >= 0", RangeError);
  need(maxWait >= 0, "maxWaitMs", "must be >= 0", RangeError);
  return { wait: options.waitForCompletion !== false, interval, maxWait, signal };
}

/** One vault's pipeline plus the operation helpers. */
export class VaultOperations {
  readonly pipeline: VaultPipeline;

  constructor(vaultUrl: string, credential: TokenCredential, options: VaultClientOptions) {
    this.pipeline = new VaultPipeline(vaultUrl, credential, options);
  }

  /** Sends through the pipeline; a status outside `expected` becomes a `RestError`. */
  async call(
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    body?: unknown,
    expected: readonly number[] = [200],
  ): Promise<HttpResult> {
    const result = await this.pipeline.request({ method, path, body, signal });
    if (!expected.includes(resultHead(result).status)) {
      throw await responseError(result, sensitiveOf(result));
    }
    return result;
  }

  /** Sends an operation expecting 200 and returns its body, validated by `schema`. */
  async read<const S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<v.InferOutput<S>> {
    const result = await this.call(method, path, signal, body);
    return await readJson(result, schema, `${method} ${path}`);
  }

  /** Lists `path` page by page, validating each item with `item` and mapping it with `map`. */
  list<const S extends v.GenericSchema, T>(
    path: string,
    item: S,
    map: (item: v.InferOutput<S>) => T,
    options: ListOptions,
  ): PagedAsyncIterableIterator<T> {
    const signal = operationSignal(options);
    const schema = pageSchema(item);
    return pagedIterator<T>({
      firstPageUrl: (size) => this.pipeline.url(path, { maxresults: checkPageSize(size) }),
      getPage: async (url) => {
        const result = await this.call("GET", url.href, signal);
        const page = await readJson(result, schema, path);
        return { value: page.value.map(map), nextLink: page.nextLink };
      },
    }, options);
  }

  /**
   * Polls `path` until it exists (200, or 403: allowed to act, not to read), then resolves
   * with `done`; past `maxWait`, `ERR_OPERATION_TIMEOUT`.
   */
  async poll<T>(what: string, path: string, poll: Poll, done: T): Promise<T> {
    const { now, sleep } = this.pipeline.http;
    const start = now();
    for (;;) {
      const result = await this.call("GET", path, poll.signal, undefined, [200, 403, 404]);
      if (resultHead(result).status !== 404) return done;
      if (now() - start + poll.interval > poll.maxWait) {
        throw new KvfetchError(
          "ERR_OPERATION_TIMEOUT",
          `The ${what} did not finish within ${poll.maxWait} ms (Key Vault goes on with it; ` +
            'wait longer with "maxWaitMs", or pass "waitForCompletion: false")',
        );
      }
      await sleep(poll.interval, poll.signal);
    }
  }

  /** The escape hatch: any request to the vault, authenticated; the response whatever it is. */
  async fetch(path: string, init: RequestInit): Promise<Response> {
    need(typeof path == "string", "path", "must be a string");
    const result = await this.pipeline.request({
      method: init.method ?? "GET",
      path,
      headers: (init.headers ?? undefined) as HttpHeaders | undefined,
      rawBody: (init.body ?? null) as HttpBody | null,
      signal: init.signal ?? undefined,
    });
    return result.response;
  }
}
