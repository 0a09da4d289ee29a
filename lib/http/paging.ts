/**
 * Paging over Azure's `{"value": [...], "nextLink": "..."}` list responses.
 *
 * @module
 */

import * as v from "valibot";
import { KvfetchError } from "./errors.ts";

/**
 * Options for {@link PagedAsyncIterableIterator.byPage}.
 *
 * @example Resuming a listing where an earlier one stopped
 * ```ts
 * import type { PageSettings } from "kvfetch";
 *
 * const settings: PageSettings = { maxPageSize: 10, continuationToken: undefined };
 * console.log(settings);
 * ```
 */
export interface PageSettings {
  /** How many items the service should put in one page (the service may send fewer). */
  maxPageSize?: number;
  /**
   * Where to resume: the `continuationToken` of a page seen earlier (its `nextLink`).
   * It must point at the same origin as the listing.
   */
  continuationToken?: string;
  /**
   * The most pages this listing may fetch; one more fails with `ERR_PAGE_LIMIT` (after the
   * pages already yielded). A bound against a service that never stops paging.
   * @default 10000
   */
  maxPages?: number;
}

/**
 * One page of items, as yielded by `byPage()`. `continuationToken` resumes the listing after
 * this page; it is absent on the last page.
 *
 * @example Reading a page's continuation token
 * ```ts
 * import type { Page } from "kvfetch";
 *
 * const page: Page<string> = Object.assign(["a", "b"], { continuationToken: undefined });
 * console.log(page.length, page.continuationToken);
 * ```
 */
export type Page<T> = T[] & { continuationToken?: string | undefined };

/**
 * A listing: iterate it with `for await` to get every item, or call `byPage()` to get the
 * pages. Shaped like `PagedAsyncIterableIterator` from `@azure/core-paging`, so code written
 * for the official SDK keeps working.
 *
 * @example Items, then pages
 * ```ts
 * import { type PagedAsyncIterableIterator, SecretClient } from "kvfetch";
 * import { createEmulator } from "kvfetch/testing";
 *
 * async function countAll(list: PagedAsyncIterableIterator<unknown>): Promise<number> {
 *   let count = 0;
 *   for await (const page of list.byPage({ maxPageSize: 25 })) count += page.length;
 *   return count;
 * }
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * for (const name of ["a", "b", "c"]) await client.setSecret(name, "value");
 * for await (const p of client.listPropertiesOfSecrets()) console.log(p.name); // a, b, c
 * console.log(await countAll(client.listPropertiesOfSecrets())); // 3
 * ```
 */
export interface PagedAsyncIterableIterator<T> extends AsyncIterableIterator<T> {
  /** Iterates the pages instead of the items. */
  byPage(settings?: PageSettings): AsyncIterableIterator<Page<T>>;
}

/** One page as a service sends it, after validation. */
export interface RawPage<T> {
  /** The items of this page. */
  value: T[];
  /** Where the next page is; `null` or absent on the last page. */
  nextLink?: string | null | undefined;
}

/** The valibot schema of one `{"value": [...], "nextLink": ...}` page with the given items. */
export function pageSchema<const S extends v.GenericSchema>(
  item: S,
): v.GenericSchema<unknown, RawPage<v.InferOutput<S>>> {
  return v.object({
    // Some services omit `value` on an empty page.
    value: v.nullish(v.array(item), []),
    nextLink: v.nullish(v.string()),
  }) as unknown as v.GenericSchema<unknown, RawPage<v.InferOutput<S>>>;
}

/** How {@link pagedIterator} gets its pages. */
export interface PagedSource<T> {
  /** The URL of the first page, given the caller's `maxPageSize` (if any). */
  firstPageUrl(maxPageSize: number | undefined): URL;
  /** Fetches and validates one page. */
  getPage(url: URL): Promise<RawPage<T>>;
}

/**
 * Builds a {@link PagedAsyncIterableIterator} that follows `nextLink` only while it stays on
 * the origin of the first page. Origins are compared normalised, so
 * `https://v.vault.azure.net:443` and `https://v.vault.azure.net` are the same; a link to any
 * other origin (or scheme) raises `ERR_FOREIGN_NEXT_LINK` and nothing is sent to it. A link
 * to a page already followed raises `ERR_PAGING_LOOP`; more than `maxPages` pages (the
 * listing's, else the page settings', else 10,000) raise `ERR_PAGE_LIMIT`.
 */
export function pagedIterator<T>(
  source: PagedSource<T>,
  defaults: { maxPages?: number | undefined } = {},
): PagedAsyncIterableIterator<T> {
  async function* pages(settings: PageSettings = {}): AsyncIterableIterator<Page<T>> {
    const { maxPageSize, continuationToken, maxPages = defaults.maxPages ?? 10_000 } = settings;
    if (maxPageSize !== undefined && (!Number.isInteger(maxPageSize) || maxPageSize < 1)) {
      throw new RangeError('"maxPageSize" option must be a positive integer');
    }
    if (!Number.isInteger(maxPages) || maxPages < 1) {
      throw new RangeError('"maxPages" option must be a positive integer');
    }
    const first = source.firstPageUrl(maxPageSize);
    let url: URL | undefined = continuationToken === undefined
      ? first
      : sameOriginLink(continuationToken, first, first);
    // Normalised hrefs of every page asked for: a link back to one of them is a loop.
    const seen = new Set<string>();
    while (url) {
      const key = new URL(url);
      key.searchParams.sort();
      if (seen.has(key.href)) {
        throw new KvfetchError(
          "ERR_PAGING_LOOP",
          `A list response from ${first.origin} points its next page back at a page already ` +
            `read (after ${seen.size} pages); stopped`,
        );
      }
      if (seen.size >= maxPages) {
        throw new KvfetchError(
          "ERR_PAGE_LIMIT",
          `The listing at ${first.origin} has more than ${maxPages} pages (the "maxPages" ` +
            "option); stopped",
        );
      }
      seen.add(key.href);
      const page = await source.getPage(url);
      // The page itself came from the right origin: deliver it, then refuse a foreign link.
      let next: URL | undefined;
      let refusal: unknown;
      try {
        next = page.nextLink ? sameOriginLink(page.nextLink, url, first) : undefined;
      } catch (error) {
        refusal = error;
      }
      yield Object.assign(page.value, { continuationToken: next?.href });
      if (refusal) throw refusal;
      url = next;
    }
  }
  async function* items(): AsyncIterableIterator<T> {
    for await (const page of pages()) yield* page;
  }
  const all = items();
  return {
    next: () => all.next(),
    [Symbol.asyncIterator]() {
      return this;
    },
    byPage: (settings?: PageSettings) => pages(settings),
  };
}

function sameOriginLink(link: string, base: URL, first: URL): URL {
  let next: URL;
  try {
    next = new URL(link, base);
  } catch {
    throw new KvfetchError("ERR_INVALID_RESPONSE", "A list response has an unparsable nextLink");
  }
  if (next.origin !== first.origin) {
    throw new KvfetchError(
      "ERR_FOREIGN_NEXT_LINK",
      `A list response from ${first.origin} points its next page at ${next.origin}; ` +
        "kvfetch only follows links on the origin it was asked to list",
    );
  }
  return next;
}
