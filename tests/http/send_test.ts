import { test } from "node:test";
import assert from "node:assert/strict";
import { send } from "../../lib/http/send.ts";
import { responseError } from "../../lib/http/response_error.ts";
import { KvfetchError, RestError } from "../../mod.ts";
import { json, recordingSleep, scriptedFetch } from "../_fetch.ts";

const URL_ = "https://myvault.vault.azure.net/secrets/s1?api-version=2025-07-01";

for (const status of [408, 429, 500, 502, 503, 504]) {
  test(`send() retries ${status} and returns the later success`, async () => {
    const fetch = scriptedFetch(json(status, {}), json(status, {}), json(200, { ok: true }));
    const sleep = recordingSleep();
    const result = await send({ method: "GET", url: URL_ }, { fetch, sleep });
    assert.equal(result.response.status, 200);
    assert.equal(result.attempts, 3);
    assert.equal(fetch.calls.length, 3);
    assert.equal(sleep.waits.length, 2);
    assert.deepEqual(await result.response.json(), { ok: true });
  });
}

for (const status of [400, 401, 403, 404, 409, 412, 501, 505]) {
  test(`send() does not retry ${status}`, async () => {
    const fetch = scriptedFetch(json(status, { error: { code: "X", message: "no" } }));
    const sleep = recordingSleep();
    const result = await send({ method: "GET", url: URL_ }, { fetch, sleep });
    assert.equal(result.response.status, status);
    assert.equal(result.attempts, 1);
    assert.equal(fetch.calls.length, 1);
    assert.deepEqual(sleep.waits, []);
  });
}

test("send() gives up after maxRetries and returns the last response with the attempt count", async () => {
  const fetch = scriptedFetch(
    json(503, { error: { code: "ServiceUnavailable", message: "busy" } }),
  );
  const sleep = recordingSleep();
  const result = await send({ method: "GET", url: URL_ }, {
    fetch,
    sleep,
    retry: { maxRetries: 2 },
  });
  assert.equal(result.response.status, 503);
  assert.equal(result.attempts, 3);
  assert.equal(fetch.calls.length, 3);
  const error = await responseError(result);
  assert.ok(error instanceof RestError);
  assert.equal(error.attempts, 3);
  assert.equal(error.errorCode, "ServiceUnavailable");
});

test("send() with maxRetries 0 sends once", async () => {
  const fetch = scriptedFetch(json(429, {}));
  const result = await send({ method: "GET", url: URL_ }, { fetch, retry: { maxRetries: 0 } });
  assert.equal(result.attempts, 1);
  assert.equal(fetch.calls.length, 1);
});

test("send() waits exactly retry-after-ms", async () => {
  const fetch = scriptedFetch(json(429, {}, { "retry-after-ms": "1234" }), json(200, {}));
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep });
  assert.deepEqual(sleep.waits, [1234]);
});

test("send() waits exactly x-ms-retry-after-ms", async () => {
  const fetch = scriptedFetch(json(503, {}, { "x-ms-retry-after-ms": "250" }), json(200, {}));
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep });
  assert.deepEqual(sleep.waits, [250]);
});

test("send() prefers retry-after-ms over Retry-After", async () => {
  const fetch = scriptedFetch(
    json(429, {}, { "retry-after-ms": "100", "retry-after": "7" }),
    json(200, {}),
  );
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep });
  assert.deepEqual(sleep.waits, [100]);
});

test("send() waits exactly Retry-After seconds", async () => {
  const fetch = scriptedFetch(json(429, {}, { "retry-after": "7" }), json(200, {}));
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep });
  assert.deepEqual(sleep.waits, [7000]);
});

test("send() waits until a Retry-After HTTP-date, measured with the injected clock", async () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const at = new Date(now + 5000).toUTCString();
  const fetch = scriptedFetch(json(503, {}, { "retry-after": at }), json(200, {}));
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep, now: () => now });
  assert.deepEqual(sleep.waits, [5000]);
});

test("send() treats a Retry-After date in the past as no wait", async () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const fetch = scriptedFetch(
    json(503, {}, { "retry-after": new Date(now - 60_000).toUTCString() }),
    json(200, {}),
  );
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep, now: () => now });
  assert.deepEqual(sleep.waits, [0]);
});

test("send() caps a server-sent wait at maxRetryDelayMs", async () => {
  const fetch = scriptedFetch(json(429, {}, { "retry-after": "3600" }), json(200, {}));
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep, retry: { maxRetryDelayMs: 5000 } });
  assert.deepEqual(sleep.waits, [5000]);
});

test("send() ignores an unparsable Retry-After and backs off instead", async () => {
  const fetch = scriptedFetch(json(429, {}, { "retry-after": "soon" }), json(200, {}));
  const sleep = recordingSleep();
  await send({ method: "GET", url: URL_ }, { fetch, sleep, retry: { retryDelayMs: 1000 } });
  assert.equal(sleep.waits.length, 1);
  assert.ok(sleep.waits[0]! >= 500 && sleep.waits[0]! <= 1000, `waited ${sleep.waits[0]}`);
});

test("send() backs off exponentially with jitter, within [ceiling/2, ceiling], capped", async () => {
  // 200 runs of 6 retries each: every wait must fall in its band, and the jitter must vary.
  const seen = new Set<number>();
  for (let run = 0; run < 200; run++) {
    const fetch = scriptedFetch(json(500, {}));
    const sleep = recordingSleep();
    await send({ method: "GET", url: URL_ }, {
      fetch,
      sleep,
      retry: { maxRetries: 6, retryDelayMs: 100, maxRetryDelayMs: 1600 },
    });
    assert.equal(sleep.waits.length, 6);
    sleep.waits.forEach((wait, i) => {
      const ceiling = Math.min(1600, 100 * 2 ** i);
      assert.ok(wait >= ceiling / 2 && wait <= ceiling, `retry ${i + 1} waited ${wait}`);
    });
    seen.add(sleep.waits[0]!);
  }
  assert.ok(seen.size > 50, "jitter varies the waits");
});

test("send() retries a network failure and succeeds", async () => {
  const fetch = scriptedFetch(new TypeError("connection reset"), json(200, { ok: 1 }));
  const sleep = recordingSleep();
  const result = await send({ method: "GET", url: URL_ }, { fetch, sleep });
  assert.equal(result.response.status, 200);
  assert.equal(result.attempts, 2);
  assert.equal(sleep.waits.length, 1);
});

test("send() reports ERR_NETWORK with the cause after the last network failure", async () => {
  const cause = new TypeError("connection refused");
  const fetch = scriptedFetch(cause);
  const sleep = recordingSleep();
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch, sleep, retry: { maxRetries: 2 } }),
    (error: unknown) => {
      assert.ok(error instanceof KvfetchError);
      assert.equal(error.code, "ERR_NETWORK");
      assert.equal(error.cause, cause);
      assert.match(error.message, /after 3 attempts/);
      assert.doesNotMatch(error.message, /api-version/, "no query string in messages");
      return true;
    },
  );
  assert.equal(fetch.calls.length, 3);
});

test("send() sends the same x-ms-client-request-id on every try", async () => {
  const fetch = scriptedFetch(json(503, {}), json(503, {}), json(200, {}));
  const result = await send({ method: "GET", url: URL_ }, { fetch, sleep: recordingSleep() });
  const ids = fetch.calls.map((c) => c.headers.get("x-ms-client-request-id"));
  assert.match(ids[0]!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(ids, [ids[0], ids[0], ids[0]]);
  assert.equal(result.clientRequestId, ids[0]);
});

test("send() keeps a caller's x-ms-client-request-id", async () => {
  const fetch = scriptedFetch(json(200, {}));
  await send({ method: "GET", url: URL_, headers: { "x-ms-client-request-id": "mine-1" } }, {
    fetch,
  });
  assert.equal(fetch.calls[0]!.headers.get("x-ms-client-request-id"), "mine-1");
});

test("send() re-sends a streamed body intact on every retry", async () => {
  const fetch = scriptedFetch(json(503, {}), json(500, {}), json(200, {}));
  const payload = JSON.stringify({ value: "s3cr3t-é-✓" });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = new TextEncoder().encode(payload);
      controller.enqueue(bytes.slice(0, 5));
      controller.enqueue(bytes.slice(5));
      controller.close();
    },
  });
  await send({
    method: "PUT",
    url: URL_,
    body,
    headers: { "content-type": "application/json" },
  }, { fetch, sleep: recordingSleep() });
  assert.deepEqual(fetch.calls.map((c) => c.body), [payload, payload, payload]);
  assert.ok(fetch.calls.every((c) => c.headers.get("content-type") === "application/json"));
});

test("send() keeps the content type of a URLSearchParams body", async () => {
  const fetch = scriptedFetch(json(200, {}));
  await send({
    method: "POST",
    url: URL_,
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "a b" }),
  }, { fetch });
  assert.equal(fetch.calls[0]!.body, "grant_type=client_credentials&scope=a+b");
  assert.match(fetch.calls[0]!.headers.get("content-type")!, /^application\/x-www-form-urlencoded/);
});

test("send() asks fetch not to follow redirects and fails on a 3xx", async () => {
  const fetch = scriptedFetch(
    new Response(null, { status: 302, headers: { location: "https://evil.example/steal" } }),
  );
  await assert.rejects(send({ method: "GET", url: URL_ }, { fetch }), (error: unknown) => {
    assert.ok(error instanceof RestError);
    assert.equal(error.status, 302);
    assert.match(error.message, /redirected to https:\/\/evil\.example/);
    return true;
  });
  assert.equal(fetch.calls.length, 1);
});

test("send() passes redirect: manual to fetch", async () => {
  let seen: RequestInit | undefined;
  await send({ method: "GET", url: URL_ }, {
    fetch: (_url, init) => {
      seen = init;
      return Promise.resolve(json(200, {}));
    },
  });
  assert.equal(seen?.redirect, "manual");
});

test("send() rejects with the abort reason when aborted during a retry wait", async () => {
  const controller = new AbortController();
  const fetch = scriptedFetch(json(429, {}, { "retry-after": "30" }));
  const reason = new Error("user gave up");
  setTimeout(() => controller.abort(reason), 20);
  const started = performance.now();
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch, signal: controller.signal }),
    (error: unknown) => error === reason,
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `stopped after ${elapsed.toFixed(0)} ms, not 30 s`);
  assert.equal(fetch.calls.length, 1);
});

test("send() rejects at once, sending nothing, when the signal is already aborted", async () => {
  const fetch = scriptedFetch(json(200, {}));
  const reason = new DOMException("stop", "AbortError");
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch, signal: AbortSignal.abort(reason) }),
    (error: unknown) => error === reason,
  );
  assert.equal(fetch.calls.length, 0);
});

test("send() rejects with the abort reason when aborted during a try", async () => {
  const controller = new AbortController();
  const reason = new Error("cancelled mid-flight");
  const fetch = (_url: string, init: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      init.signal!.addEventListener("abort", () => reject(init.signal!.reason));
      setTimeout(() => controller.abort(reason), 10);
    });
  await assert.rejects(
    send({ method: "GET", url: URL_ }, { fetch, signal: controller.signal }),
    (error: unknown) => error === reason,
  );
});

test("send() refuses bad options with the option's name", async () => {
  const cases: [Record<string, unknown>, RegExp, ErrorConstructor][] = [
    [{ retry: { maxRetries: -1 } }, /"retry\.maxRetries"/, RangeError],
    [{ retry: { maxRetries: 1.5 } }, /"retry\.maxRetries"/, RangeError],
    [{ retry: { retryDelayMs: Number.NaN } }, /"retry\.retryDelayMs"/, RangeError],
    [{ retry: { maxRetryDelayMs: -5 } }, /"retry\.maxRetryDelayMs"/, RangeError],
    [{ retry: 3 }, /"retry"/, TypeError],
    [{ timeoutMs: 0 }, /"timeoutMs"/, RangeError],
    [{ timeoutMs: "5" }, /"timeoutMs"/, RangeError],
    [{ fetch: "nope" }, /"fetch"/, TypeError],
    [{ signal: {} }, /"signal"/, TypeError],
    [{ now: 5 }, /"now"/, TypeError],
  ];
  for (const [options, message, type] of cases) {
    await assert.rejects(send({ method: "GET", url: URL_ }, options as never), (error: unknown) => {
      assert.ok(error instanceof type, `${JSON.stringify(options)} -> ${error}`);
      assert.match((error as Error).message, message);
      return true;
    });
  }
});

test("send() refuses a GET with a body before sending anything", async () => {
  const fetch = scriptedFetch(json(200, {}));
  await assert.rejects(send({ method: "GET", url: URL_, body: "x" }, { fetch }), TypeError);
  assert.equal(fetch.calls.length, 0);
});

test("send() returns a buffered response whose body reads as sent", async () => {
  const fetch = scriptedFetch(
    new Response(null, { status: 204, headers: { "x-ms-request-id": "r-1" } }),
  );
  const result = await send({ method: "DELETE", url: URL_ }, { fetch });
  assert.equal(result.response.status, 204);
  assert.equal(result.response.headers.get("x-ms-request-id"), "r-1");
  assert.equal(await result.response.text(), "");
});
