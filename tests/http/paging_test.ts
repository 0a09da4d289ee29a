import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { pagedIterator, pageSchema } from "../../lib/http/paging.ts";
import { readJson } from "../../lib/http/json.ts";
import { send } from "../../lib/http/send.ts";
import { KvfetchError } from "../../mod.ts";
import { json, scriptedFetch, type SeenRequest } from "../_fetch.ts";

const VAULT = "https://myvault.vault.azure.net";
const Item = v.object({ id: v.string() });

/** A three-page listing, the way Key Vault links pages (`:443` and all). */
function threePages(nextOrigin = `${VAULT}:443`) {
  return scriptedFetch((req: SeenRequest) => {
    const url = new URL(req.url);
    const token = url.searchParams.get("$skiptoken");
    if (token === null) {
      return json(200, {
        value: [{ id: "a" }, { id: "b" }],
        nextLink: `${nextOrigin}/secrets?api-version=2025-07-01&$skiptoken=p2&maxresults=2`,
      });
    }
    if (token === "p2") {
      return json(200, {
        value: [{ id: "c" }, { id: "d" }],
        nextLink: `${VAULT}:443/secrets?api-version=2025-07-01&$skiptoken=p3&maxresults=2`,
      });
    }
    return json(200, { value: [{ id: "e" }], nextLink: null });
  });
}

function listing(fetch: ReturnType<typeof scriptedFetch>) {
  return pagedIterator({
    firstPageUrl(maxPageSize) {
      const url = new URL(`${VAULT}/secrets?api-version=2025-07-01`);
      if (maxPageSize) url.searchParams.set("maxresults", String(maxPageSize));
      return url;
    },
    async getPage(url) {
      const { response } = await send({ method: "GET", url }, { fetch });
      return await readJson(response, pageSchema(Item), "list page");
    },
  });
}

test("pagedIterator() yields every item across 3 pages", async () => {
  const fetch = threePages();
  const ids: string[] = [];
  for await (const item of listing(fetch)) ids.push(item.id);
  assert.deepEqual(ids, ["a", "b", "c", "d", "e"]);
  assert.equal(fetch.calls.length, 3);
  assert.equal(
    fetch.calls[1]!.url,
    `${VAULT}/secrets?api-version=2025-07-01&$skiptoken=p2&maxresults=2`,
    "the :443 link is the same origin",
  );
});

test("pagedIterator().byPage() yields pages with continuation tokens and passes maxPageSize", async () => {
  const fetch = threePages();
  const pages: { ids: string[]; token: string | undefined }[] = [];
  for await (const page of listing(fetch).byPage({ maxPageSize: 2 })) {
    pages.push({ ids: page.map((i) => i.id), token: page.continuationToken });
  }
  assert.deepEqual(pages.map((p) => p.ids), [["a", "b"], ["c", "d"], ["e"]]);
  assert.match(pages[0]!.token!, /\$skiptoken=p2/);
  assert.equal(pages[2]!.token, undefined);
  assert.equal(new URL(fetch.calls[0]!.url).searchParams.get("maxresults"), "2");
});

test("pagedIterator().byPage() resumes from a continuation token", async () => {
  const fetch = threePages();
  const first = await listing(fetch).byPage().next();
  const token = (first.value as { continuationToken?: string }).continuationToken!;
  const rest: string[] = [];
  for await (const page of listing(fetch).byPage({ continuationToken: token })) {
    rest.push(...page.map((i) => i.id));
  }
  assert.deepEqual(rest, ["c", "d", "e"]);
});

test("pagedIterator() refuses a nextLink to another origin and sends nothing there", async () => {
  for (
    const foreign of [
      "https://evil.example",
      "https://myvault.vault.azure.net.evil.example",
      "http://myvault.vault.azure.net",
      "https://myvault.vault.azure.net:8443",
    ]
  ) {
    const fetch = threePages(foreign);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of listing(fetch)) seen.push(item.id);
      })(),
      (error: unknown) => {
        assert.ok(error instanceof KvfetchError);
        assert.equal(error.code, "ERR_FOREIGN_NEXT_LINK");
        assert.ok(error.message.includes(new URL(foreign).origin));
        return true;
      },
    );
    assert.deepEqual(seen, ["a", "b"], "the first page's items were delivered");
    assert.equal(fetch.calls.length, 1, `no request to ${foreign}`);
  }
});

test("pagedIterator() refuses a foreign continuation token before any request", async () => {
  const fetch = threePages();
  await assert.rejects(
    listing(fetch).byPage({ continuationToken: "https://evil.example/secrets?x=1" }).next(),
    (error: unknown) => error instanceof KvfetchError && error.code === "ERR_FOREIGN_NEXT_LINK",
  );
  assert.equal(fetch.calls.length, 0);
});

test("pagedIterator() ends on an absent nextLink and accepts an empty page", async () => {
  const fetch = scriptedFetch(json(200, { value: [] }));
  const items = [];
  for await (const item of listing(fetch)) items.push(item);
  assert.deepEqual(items, []);
  assert.equal(fetch.calls.length, 1);
});

test("pagedIterator() rejects a bad maxPageSize with its name", async () => {
  const fetch = threePages();
  for (const maxPageSize of [0, -1, 2.5]) {
    await assert.rejects(listing(fetch).byPage({ maxPageSize }).next(), /"maxPageSize"/);
  }
  assert.equal(fetch.calls.length, 0);
});
