/** send() against real loopback sockets: resets, stalls, redirects, throttling. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { send } from "../../lib/http/send.ts";
import { KvfetchError, RestError } from "../../mod.ts";
import { resettingServer, serve } from "../_loopback.ts";

const noWait = { retryDelayMs: 1, maxRetryDelayMs: 5 };

test("send() retries a connection reset by a real server and then succeeds", async () => {
  const server = await resettingServer(2, { status: 200, body: '{"ok":true}' });
  try {
    const result = await send({ method: "GET", url: `${server.origin}/secrets` }, {
      retry: noWait,
    });
    assert.equal(result.response.status, 200);
    assert.deepEqual(await result.response.json(), { ok: true });
    assert.equal(result.attempts, 3);
    assert.equal(server.hits, 3);
  } finally {
    await server.close();
  }
});

test("send() reports ERR_NETWORK when a real server resets every connection", async () => {
  const server = await resettingServer(Infinity);
  try {
    await assert.rejects(
      send({ method: "GET", url: `${server.origin}/secrets` }, {
        retry: { ...noWait, maxRetries: 2 },
      }),
      (error: unknown) => error instanceof KvfetchError && error.code === "ERR_NETWORK",
    );
    assert.equal(server.hits, 3);
  } finally {
    await server.close();
  }
});

test("send() reports ERR_NETWORK for a refused connection", async () => {
  // Bind, learn the port, close: nothing listens there afterwards.
  const server = await resettingServer(0);
  const origin = server.origin;
  await server.close();
  await assert.rejects(
    send({ method: "GET", url: `${origin}/x` }, { retry: { ...noWait, maxRetries: 1 } }),
    (error: unknown) => error instanceof KvfetchError && error.code === "ERR_NETWORK",
  );
});

test("send() times out a try whose headers never come, retries, then reports ERR_TIMEOUT", async () => {
  const release: (() => void)[] = [];
  const server = await serve(() =>
    new Promise<Response>((resolve) => release.push(() => resolve(new Response("late"))))
  );
  try {
    const started = performance.now();
    await assert.rejects(
      send({ method: "GET", url: `${server.origin}/slow` }, {
        timeoutMs: 150,
        retry: { ...noWait, maxRetries: 1 },
      }),
      (error: unknown) => {
        assert.ok(error instanceof KvfetchError);
        assert.equal(error.code, "ERR_TIMEOUT");
        assert.match(error.message, /timed out after 2 attempts/);
        return true;
      },
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
    assert.equal(server.hits, 2);
  } finally {
    release.forEach((r) => r());
    await server.close();
  }
});

test("send() times out a body that stalls after the headers and retries the request", async () => {
  const stalled: ReadableStreamDefaultController<Uint8Array>[] = [];
  let calls = 0;
  const server = await serve(() => {
    calls++;
    if (calls === 1) {
      // Headers and a first chunk, then nothing: the body never ends.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"value":"par'));
          stalled.push(controller);
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    return Response.json({ value: "complete" });
  });
  try {
    const result = await send({ method: "GET", url: `${server.origin}/stall` }, {
      timeoutMs: 200,
      retry: noWait,
    });
    assert.equal(result.attempts, 2);
    assert.deepEqual(await result.response.json(), { value: "complete" });
  } finally {
    for (const c of stalled) {
      try {
        c.close();
      } catch { /* already cancelled */ }
    }
    await server.close();
  }
});

test("send() honours a real server's Retry-After and re-sends the body", async () => {
  const bodies: string[] = [];
  const server = await serve(async (request) => {
    bodies.push(await request.text());
    return bodies.length === 1
      ? new Response("{}", { status: 429, headers: { "retry-after-ms": "30" } })
      : Response.json({ ok: true });
  });
  try {
    const started = performance.now();
    const result = await send({
      method: "PUT",
      url: `${server.origin}/secrets/a`,
      body: '{"value":"v"}',
    });
    assert.ok(performance.now() - started >= 25);
    assert.equal(result.attempts, 2);
    assert.deepEqual(bodies, ['{"value":"v"}', '{"value":"v"}']);
  } finally {
    await server.close();
  }
});

test("send() never follows a real redirect; the target is never contacted", async () => {
  const target = await serve(() => Response.json({ stolen: true }));
  const origin = await serve(() =>
    new Response(null, { status: 307, headers: { location: `${target.origin}/steal` } })
  );
  try {
    await assert.rejects(
      send({ method: "GET", url: `${origin.origin}/secrets/a`, headers: { authorization: "x" } }),
      (error: unknown) => error instanceof RestError && error.status === 307,
    );
    assert.equal(origin.hits, 1);
    assert.equal(target.hits, 0);
  } finally {
    await target.close();
    await origin.close();
  }
});
