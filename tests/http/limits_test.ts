/** Every body read, wait and listing is bounded: size caps, timeouts that hold, paging loops. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { send } from "../../lib/http/send.ts";
import { pagedIterator } from "../../lib/http/paging.ts";
import { KvfetchError } from "../../mod.ts";
import { json, recordingSleep, scriptedFetch } from "../_fetch.ts";
import { serve } from "../_loopback.ts";

const URL_ = "https://myvault.vault.azure.net/secrets/s1?api-version=2025-07-01";

/** A body of `chunks` chunks of `size` bytes that counts what was pulled and whether it ended. */
function countingBody(chunks: number, size: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(size).fill(97));
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

const tooLarge = (e: unknown) =>
  e instanceof KvfetchError && e.code === "ERR_RESPONSE_TOO_LARGE" &&
  /"maxResponseBytes"/.test(e.message);

test("a body declared larger than maxResponseBytes is refused without reading it", async () => {
  const body = countingBody(100, 1000);
  const fetch = scriptedFetch(
    () => new Response(body.stream, { headers: { "content-length": "100000" } }),
  );
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch, maxResponseBytes: 1000 }),
    tooLarge,
  );
  assert.equal(body.state.pulled, 0);
  assert.equal(fetch.calls.length, 1, "not retried");
});

test("a streamed body past maxResponseBytes stops the read there", async () => {
  const body = countingBody(1000, 1000);
  const fetch = scriptedFetch(() => new Response(body.stream));
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch, maxResponseBytes: 4096 }),
    tooLarge,
  );
  assert.ok(body.state.pulled <= 6, `read ${body.state.pulled} chunks, not all 1000`);
  assert.ok(body.state.cancelled);
});

test("a body within maxResponseBytes reads whole, with or without a declared length", async () => {
  const fetch = scriptedFetch(
    () => new Response(countingBody(4, 1000).stream),
    json(200, { ok: true }),
  );
  const streamed = await send({ method: "GET", url: URL_ }, { fetch, maxResponseBytes: 4000 });
  assert.equal((await streamed.response.text()).length, 4000);
  const declared = await send({ method: "GET", url: URL_ }, { fetch, maxResponseBytes: 4000 });
  assert.deepEqual(await declared.response.json(), { ok: true });
});

test("the body of a response that will be retried is cancelled, not read", async () => {
  const body = countingBody(1000, 1000);
  const fetch = scriptedFetch(() => new Response(body.stream, { status: 503 }), json(200, {}));
  const result = await send({ method: "GET", url: URL_ }, { fetch, sleep: recordingSleep() });
  assert.equal(result.response.status, 200);
  assert.ok(body.state.cancelled);
  assert.ok(body.state.pulled <= 1, `pulled ${body.state.pulled}`);
});

test("the per-try timeout holds when the fetch ignores its signal", async () => {
  const never: typeof fetch = () => new Promise<Response>(() => {});
  const started = performance.now();
  await assert.rejects(
    send({ method: "GET", url: URL_ }, {
      fetch: never,
      timeoutMs: 50,
      retry: { maxRetries: 1 },
      sleep: recordingSleep(),
    }),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_TIMEOUT",
  );
  assert.ok(performance.now() - started < 2000);
});

test("the per-try timeout holds when a body never ends and the fetch ignores its signal", async () => {
  const endless = () =>
    Promise.resolve(new Response(new ReadableStream({ pull() {/* never enqueues */} })));
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch: endless, timeoutMs: 50, retry: { maxRetries: 0 } }),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_TIMEOUT",
  );
});

test("maxResponseBytes is checked like every other option", async () => {
  for (const bad of [0, -1, 1.5, Infinity, "1"]) {
    await assert.rejects(
      send({ method: "GET", url: URL_ }, { maxResponseBytes: bad as number }),
      RangeError,
    );
  }
});

test("a network failure names the cause's code, never its message", async () => {
  const cause = Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("getaddrinfo ENOTFOUND x.vault.azure.net?sig=s3cret"), {
      code: "ENOTFOUND",
    }),
  });
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch: scriptedFetch(cause), retry: { maxRetries: 0 } }),
    (e: unknown) => {
      assert.ok(e instanceof KvfetchError);
      assert.match(e.message, /network error \(ENOTFOUND\)/);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    },
  );
  const odd = Object.assign(new TypeError("boom"), { code: "not a code: s3cret" });
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch: scriptedFetch(odd), retry: { maxRetries: 0 } }),
    (e: unknown) => e instanceof KvfetchError && !/s3cret/.test(e.message),
  );
});

test("a refused loopback connection is reported with its code", async () => {
  const server = await serve(() => new Response("x"));
  const origin = server.origin;
  await server.close();
  await assert.rejects(
    send({ method: "GET", url: `${origin}/x` }, { retry: { maxRetries: 0 } }),
    (e: unknown) =>
      e instanceof KvfetchError && /\((ECONNREFUSED|ConnectionRefused)\)/.test(e.message),
  );
});

/** A paged source whose next links follow `links` (page i links to links[i]). */
function pages(links: (string | null)[]) {
  const asked: string[] = [];
  const base = "https://myvault.vault.azure.net";
  const list = pagedIterator({
    firstPageUrl: () => new URL(`${base}/secrets?api-version=2025-07-01&maxresults=2`),
    getPage: (url) => {
      asked.push(url.href);
      const i = asked.length - 1;
      const next = links[i] ?? null;
      return Promise.resolve({ value: [i], nextLink: next && new URL(next, base).href });
    },
  });
  return { list, asked };
}

test("paging stops with ERR_PAGING_LOOP when a nextLink repeats a page already followed", async () => {
  const first = "/secrets?maxresults=2&api-version=2025-07-01"; // page 1, params reordered
  for (
    const links of [
      ["/secrets?$skiptoken=A", "/secrets?$skiptoken=A"], // the same link forever
      ["/secrets?$skiptoken=A", "/secrets?$skiptoken=B", "/secrets?$skiptoken=A"], // A → B → A
      ["/secrets?$skiptoken=A", first], // back to page 1
    ]
  ) {
    const { list, asked } = pages(links);
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of list) seen.push(item);
      })(),
      (e: unknown) => e instanceof KvfetchError && e.code === "ERR_PAGING_LOOP",
      links.join(" "),
    );
    assert.equal(asked.length, links.length, "no page was fetched twice");
    assert.deepEqual(seen, links.map((_, i) => i));
  }
});

test("maxPages bounds a listing that never ends", async () => {
  const links = Array.from({ length: 50 }, (_, i) => `/secrets?$skiptoken=${i}`);
  const { list, asked } = pages(links);
  let count = 0;
  await assert.rejects(
    (async () => {
      for await (const page of list.byPage({ maxPages: 5 })) count += page.length;
    })(),
    (e: unknown) => e instanceof KvfetchError && e.code === "ERR_PAGE_LIMIT",
  );
  assert.equal(asked.length, 5);
  assert.equal(count, 5);
  await assert.rejects(pages([]).list.byPage({ maxPages: 0 }).next(), RangeError);
});
