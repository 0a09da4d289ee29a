import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import {
  AuthenticationError,
  CredentialUnavailableError,
  KvfetchError,
  ManagedIdentityCredential,
  type ManagedIdentityCredentialOptions,
} from "../../mod.ts";
import { clearCaches as clearImdsProbes } from "../../lib/http/caches.ts";
import { clearTokenCache } from "../../lib/auth/token_cache.ts";
import { type Loopback, serve } from "../_loopback.ts";
import { json, recordingSleep } from "../_fetch.ts";
import { visible } from "../_entra.ts";

// Every test points the credential at loopback (`imdsEndpoint`, `IDENTITY_ENDPOINT` or
// `AZURE_POD_IDENTITY_AUTHORITY_HOST`): nothing here may ever reach 169.254.169.254.

const SCOPE = "https://vault.azure.net/.default";
const RESOURCE = "https://vault.azure.net";
const IDENTITY_HEADER = "5f0b8c3e-9a2d-4e51-b7c6-0d1e2f3a4b5c";
const CLIENT_ID = "00000000-0000-0000-0000-000000000002";
const OBJECT_ID = "11111111-2222-3333-4444-555555555555";
const RESOURCE_ID = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/" +
  "providers/Microsoft.ManagedIdentity/userAssignedIdentities/my-identity";
const IMDS_PATH = "/metadata/identity/oauth2/token";

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
}

interface Recording extends Loopback {
  seen: Seen[];
}

type Answer = (request: Seen, n: number) => Response | Promise<Response>;

async function recordingServer(answer: Answer): Promise<Recording> {
  const seen: Seen[] = [];
  const server = await serve((request) => {
    const s = { method: request.method, url: new URL(request.url), headers: request.headers };
    seen.push(s);
    return answer(s, seen.length);
  });
  return Object.assign(server, { seen });
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** An App Service (2019-08-01) token response. */
function appServiceToken(token: string, expiresOn: number, clientId = CLIENT_ID): Response {
  return json(200, {
    access_token: token,
    expires_on: String(expiresOn),
    resource: RESOURCE,
    token_type: "Bearer",
    client_id: clientId,
  });
}

/** An IMDS (2018-02-01) token response: every number a string, as IMDS sends them. */
function imdsToken(token: string, expiresOn: number, extra: Record<string, unknown> = {}) {
  return json(200, {
    access_token: token,
    client_id: CLIENT_ID,
    expires_in: "3599",
    expires_on: String(expiresOn),
    ext_expires_in: "3599",
    not_before: String(expiresOn - 3600),
    resource: RESOURCE,
    token_type: "Bearer",
    ...extra,
  });
}

function isProbe(request: Seen): boolean {
  return !request.headers.has("metadata");
}

/** What real IMDS says to a request without `Metadata: true`. */
function probeAnswer(): Response {
  return json(400, {
    error: "invalid_request",
    error_description: "Required metadata header not specified",
  });
}

/** A fake IMDS: answers the probe like IMDS, and token requests with `answer`. */
function fakeImds(answer: Answer): Promise<Recording> {
  let n = 0;
  return recordingServer((request) => isProbe(request) ? probeAnswer() : answer(request, ++n));
}

function reset(): void {
  clearImdsProbes();
  clearTokenCache();
}

function imdsOptions(
  server: Loopback,
  overrides: ManagedIdentityCredentialOptions = {},
): ManagedIdentityCredentialOptions {
  return { imdsEndpoint: `${server.origin}${IMDS_PATH}`, env: {}, ...overrides };
}

function appServiceEnv(server: Loopback): Record<string, string> {
  return { IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER };
}

/** A TCP server on loopback that accepts connections and never answers. */
async function silentServer(): Promise<
  { origin: string; connections: number; close(): Promise<void> }
> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    // Count requests, not sockets: Node's fetch may open a spare connection that carries none.
    socket.once("data", () => connections++);
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (connections are refused). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await promise;
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

function assertUnavailable(error: unknown): void {
  assert.ok(error instanceof CredentialUnavailableError, `got ${String(error)}`);
  assert.ok(error instanceof KvfetchError);
  assert.equal(error.code, "ERR_CREDENTIAL_UNAVAILABLE");
  assert.equal(error.name, "CredentialUnavailableError");
}

// --- App Service, Functions, Container Apps ------------------------------------------------

test("ManagedIdentityCredential on App Service sends the exact 2019-08-01 request", async () => {
  reset();
  const expiresOn = inAnHour();
  const server = await recordingServer(() => appServiceToken("app-token", expiresOn));
  try {
    const credential = new ManagedIdentityCredential({ env: appServiceEnv(server) });
    const token = await credential.getToken(SCOPE);
    assert.equal(token.token, "app-token");
    assert.equal(token.tokenType, "Bearer");
    assert.equal(token.expiresOnTimestamp, expiresOn * 1000);
    assert.equal(server.seen.length, 1, "no probe on App Service");
    const request = server.seen[0]!;
    assert.equal(request.method, "GET");
    assert.equal(request.url.pathname, "/msi/token");
    assert.deepEqual([...request.url.searchParams], [
      ["resource", RESOURCE],
      ["api-version", "2019-08-01"],
    ]);
    assert.equal(request.headers.get("x-identity-header"), IDENTITY_HEADER);
    assert.equal(request.headers.get("metadata"), null);
    assert.equal(request.headers.get("authorization"), null);

    // Cached: the second call sends nothing.
    assert.equal((await credential.getToken([SCOPE])).token, "app-token");
    assert.equal(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

test("ManagedIdentityCredential on App Service names a user-assigned identity by client_id, mi_res_id or principal_id", async () => {
  reset();
  const expiresOn = inAnHour();
  const server = await recordingServer((_r, n) => appServiceToken(`t${n}`, expiresOn));
  try {
    const env = appServiceEnv(server);
    const cases: [ManagedIdentityCredentialOptions, string, string][] = [
      [{ clientId: CLIENT_ID }, "client_id", CLIENT_ID],
      [{ resourceId: RESOURCE_ID }, "mi_res_id", RESOURCE_ID],
      [{ objectId: OBJECT_ID }, "principal_id", OBJECT_ID],
    ];
    for (const [i, [options, name, value]] of cases.entries()) {
      const token = await new ManagedIdentityCredential({ ...options, env }).getToken(SCOPE);
      assert.equal(token.token, `t${i + 1}`, "each identity has its own cache entry");
      const request = server.seen[i]!;
      assert.deepEqual([...request.url.searchParams], [
        ["resource", RESOURCE],
        ["api-version", "2019-08-01"],
        [name, value],
      ]);
      assert.equal(request.headers.get("x-identity-header"), IDENTITY_HEADER);
    }
  } finally {
    await server.close();
  }
});

test("ManagedIdentityCredential turns App Service errors into AuthenticationError without the identity header", async () => {
  reset();
  const bodies: [number, unknown][] = [
    // What App Service says for an identity it does not know, echoing the header for spite.
    [400, {
      statusCode: 400,
      message: `Unable to load the proper Managed Identity. header=${IDENTITY_HEADER}`,
      correlationId: "4f7a9a38-8f7a-4e8e-8f5c-2f3bd0a1c9aa",
    }],
    [401, {
      error: "unauthorized_client",
      error_description: `The x-identity-header ${IDENTITY_HEADER} is wrong`,
    }],
    [403, { error: `forbidden:${IDENTITY_HEADER}`, Message: `no (${IDENTITY_HEADER})` }],
    [404, "<html>not found</html>"],
  ];
  for (const [status, body] of bodies) {
    const server = await recordingServer(() =>
      typeof body === "string" ? new Response(body, { status }) : json(status, body)
    );
    try {
      await assert.rejects(
        new ManagedIdentityCredential({ env: appServiceEnv(server) }).getToken(SCOPE),
        (error: unknown) => {
          assert.ok(error instanceof AuthenticationError, `${status}: ${String(error)}`);
          assert.ok(!(error instanceof CredentialUnavailableError));
          assert.equal(error.code, "ERR_AUTHENTICATION");
          assert.equal(error.status, status);
          assert.match(error.message, new RegExp(`App Service .*answered ${status}`));
          assert.ok(!visible(error).includes(IDENTITY_HEADER), `${status}: header leaked`);
          assert.ok(!Object.keys(error).includes("response"));
          return true;
        },
      );
      assert.equal(server.seen.length, 1, `${status} is not retried`);
    } finally {
      await server.close();
    }
  }
  // The header is cut out of the details, which are otherwise kept.
  const server = await recordingServer(() => json(400, { message: `bad ${IDENTITY_HEADER} x` }));
  try {
    await assert.rejects(
      new ManagedIdentityCredential({ env: appServiceEnv(server) }).getToken(SCOPE),
      /answered 400: bad \[REDACTED\] x/,
    );
  } finally {
    await server.close();
  }
});

test("ManagedIdentityCredential retries a 503 from App Service with the injected sleep", async () => {
  reset();
  const expiresOn = inAnHour();
  const server = await recordingServer((_r, n) =>
    n === 1 ? new Response("busy", { status: 503 }) : appServiceToken("after-503", expiresOn)
  );
  try {
    const sleep = recordingSleep();
    const credential = new ManagedIdentityCredential({ env: appServiceEnv(server), sleep });
    assert.equal((await credential.getToken(SCOPE)).token, "after-503");
    assert.equal(server.seen.length, 2);
    assert.equal(sleep.waits.length, 1);
  } finally {
    await server.close();
  }
});

test("ManagedIdentityCredential rejects malformed App Service token responses with AuthenticationError", async () => {
  reset();
  const bodies: unknown[] = [
    { expires_on: String(inAnHour()), token_type: "Bearer" },
    { access_token: "", expires_on: String(inAnHour()) },
    { access_token: "x", expires_on: "tomorrow" },
    { access_token: "x", token_type: "Bearer" },
    "not json",
  ];
  for (const body of bodies) {
    const server = await recordingServer(() =>
      typeof body === "string" ? new Response(body) : json(200, body)
    );
    try {
      await assert.rejects(
        new ManagedIdentityCredential({ env: appServiceEnv(server) }).getToken(SCOPE),
        (error: unknown) =>
          error instanceof AuthenticationError && error.status === 200 &&
          !visible(error).includes(IDENTITY_HEADER),
        JSON.stringify(body),
      );
    } finally {
      await server.close();
    }
  }
});

test("ManagedIdentityCredential prefers App Service to IMDS, and needs both IDENTITY_ variables", async () => {
  reset();
  const expiresOn = inAnHour();
  const app = await recordingServer(() => appServiceToken("from-app-service", expiresOn));
  const imds = await fakeImds(() => imdsToken("from-imds", expiresOn));
  try {
    const both = new ManagedIdentityCredential(imdsOptions(imds, { env: appServiceEnv(app) }));
    assert.equal((await both.getToken(SCOPE)).token, "from-app-service");
    assert.equal(imds.hits, 0);

    // IDENTITY_ENDPOINT alone does not select App Service.
    const half = new ManagedIdentityCredential(
      imdsOptions(imds, { env: { IDENTITY_ENDPOINT: `${app.origin}/msi/token` } }),
    );
    assert.equal((await half.getToken(SCOPE)).token, "from-imds");
    assert.equal(app.hits, 1);
  } finally {
    await app.close();
    await imds.close();
  }
});

// --- IMDS ------------------------------------------------------------------------------------

test("ManagedIdentityCredential probes IMDS without the Metadata header, then sends the exact 2018-02-01 request", async () => {
  reset();
  const expiresOn = inAnHour();
  const imds = await fakeImds(() => imdsToken("imds-token", expiresOn));
  try {
    const credential = new ManagedIdentityCredential(imdsOptions(imds));
    const token = await credential.getToken(SCOPE);
    assert.equal(token.token, "imds-token");
    assert.equal(token.tokenType, "Bearer");
    assert.equal(token.expiresOnTimestamp, expiresOn * 1000, "expires_on wins over expires_in");
    assert.equal(imds.seen.length, 2);

    const [probe, request] = imds.seen as [Seen, Seen];
    assert.equal(probe.method, "GET");
    assert.equal(probe.url.pathname, IMDS_PATH);
    assert.equal(probe.headers.get("metadata"), null, "the probe has no Metadata header");

    assert.equal(request.method, "GET");
    assert.equal(request.url.pathname, IMDS_PATH);
    assert.equal(request.headers.get("metadata"), "true");
    assert.deepEqual([...request.url.searchParams], [
      ["api-version", "2018-02-01"],
      ["resource", RESOURCE],
    ]);
    assert.equal(request.headers.get("x-identity-header"), null);

    // Cached token, remembered probe: nothing more is sent.
    await credential.getToken(SCOPE);
    assert.equal(imds.seen.length, 2);
  } finally {
    await imds.close();
  }
});

test("ManagedIdentityCredential computes the IMDS expiry from expires_in alone, and takes numbers", async () => {
  reset();
  const now = 1_800_000_000_000;
  const imds = await fakeImds((_r, n) =>
    n === 1
      ? json(200, { access_token: "a", expires_in: "86399", token_type: "Bearer" })
      : json(200, { access_token: "b", expires_in: 600, expires_on: 1_800_000_900 })
  );
  try {
    const credential = new ManagedIdentityCredential(imdsOptions(imds, { now: () => now }));
    const a = await credential.getToken(SCOPE);
    assert.equal(a.token, "a");
    assert.equal(a.expiresOnTimestamp, now + 86_399_000);
    const b = await credential.getToken(SCOPE, { forceRefresh: true });
    assert.equal(b.token, "b");
    assert.equal(b.expiresOnTimestamp, 1_800_000_900_000);
  } finally {
    await imds.close();
  }
});

test("ManagedIdentityCredential names a user-assigned identity to IMDS by client_id, msi_res_id or object_id", async () => {
  reset();
  const expiresOn = inAnHour();
  const imds = await fakeImds((_r, n) => imdsToken(`t${n}`, expiresOn));
  try {
    const cases: [ManagedIdentityCredentialOptions, string, string][] = [
      [{ clientId: CLIENT_ID }, "client_id", CLIENT_ID],
      [{ resourceId: RESOURCE_ID }, "msi_res_id", RESOURCE_ID],
      [{ objectId: OBJECT_ID }, "object_id", OBJECT_ID],
    ];
    for (const [i, [options]] of cases.entries()) {
      const token = await new ManagedIdentityCredential(imdsOptions(imds, options)).getToken(SCOPE);
      assert.equal(token.token, `t${i + 1}`);
    }
    const probes = imds.seen.filter(isProbe);
    assert.equal(probes.length, 1, "one probe per endpoint, shared by every credential");
    const requests = imds.seen.filter((r) => !isProbe(r));
    for (const [i, [, name, value]] of cases.entries()) {
      assert.deepEqual([...requests[i]!.url.searchParams], [
        ["api-version", "2018-02-01"],
        ["resource", RESOURCE],
        [name, value],
      ]);
    }
  } finally {
    await imds.close();
  }
});

test("ManagedIdentityCredential retries IMDS 404 and 410 (identity being assigned, IMDS upgrading)", async () => {
  reset();
  const expiresOn = inAnHour();
  const imds = await fakeImds((_r, n) =>
    n === 1
      ? json(404, { error: "not_found", error_description: "Identity not yet assigned" })
      : n === 2
      ? new Response("upgrading", { status: 410 })
      : imdsToken("after-retries", expiresOn)
  );
  try {
    const sleep = recordingSleep();
    const credential = new ManagedIdentityCredential(imdsOptions(imds, { sleep }));
    const start = performance.now();
    assert.equal((await credential.getToken(SCOPE)).token, "after-retries");
    assert.ok(performance.now() - start < 1000, "the injected sleep did not wait");
    assert.equal(imds.seen.filter((r) => !isProbe(r)).length, 3);
    assert.equal(sleep.waits.length, 2);
    assert.ok(sleep.waits.every((ms) => ms > 0));
  } finally {
    await imds.close();
  }
});

test("ManagedIdentityCredential gives up on IMDS 404 after maxRetries", async () => {
  reset();
  const imds = await fakeImds(() => json(404, { error: "not_found" }));
  try {
    const sleep = recordingSleep();
    const credential = new ManagedIdentityCredential(
      imdsOptions(imds, { sleep, retry: { maxRetries: 2 } }),
    );
    await assert.rejects(
      credential.getToken(SCOPE),
      (error: unknown) => error instanceof AuthenticationError && error.status === 404,
    );
    assert.equal(imds.seen.filter((r) => !isProbe(r)).length, 3);
    assert.equal(sleep.waits.length, 2);
  } finally {
    await imds.close();
  }
});

test("ManagedIdentityCredential reports IMDS 400 'Identity not found' as CredentialUnavailableError", async () => {
  reset();
  const imds = await fakeImds(() =>
    json(400, { error: "invalid_request", error_description: "Identity not found" })
  );
  try {
    const sleep = recordingSleep();
    await assert.rejects(
      new ManagedIdentityCredential(imdsOptions(imds, { clientId: CLIENT_ID, sleep }))
        .getToken(SCOPE),
      (error: unknown) => {
        assertUnavailable(error);
        assert.match((error as Error).message, /IMDS answered 400 invalid_request/);
        assert.match((error as Error).message, /Identity not found/);
        return true;
      },
    );
    assert.equal(imds.seen.filter((r) => !isProbe(r)).length, 1, "a 400 is not retried");
    assert.equal(sleep.waits.length, 0);
  } finally {
    await imds.close();
  }
});

test("ManagedIdentityCredential treats any HTTP answer to the probe as IMDS being there", async () => {
  reset();
  const expiresOn = inAnHour();
  for (const status of [200, 400, 404, 500]) {
    reset();
    const imds = await recordingServer((request) =>
      isProbe(request) ? new Response("?", { status }) : imdsToken("ok", expiresOn)
    );
    try {
      const credential = new ManagedIdentityCredential(imdsOptions(imds));
      assert.equal((await credential.getToken(SCOPE)).token, "ok", String(status));
      assert.equal(imds.seen.filter(isProbe).length, 1, `${status}: the probe is not retried`);
    } finally {
      await imds.close();
    }
  }
});

test("ManagedIdentityCredential moves IMDS to AZURE_POD_IDENTITY_AUTHORITY_HOST", async () => {
  reset();
  const expiresOn = inAnHour();
  const pod = await fakeImds(() => imdsToken("from-pod-identity", expiresOn));
  const other = await fakeImds(() => imdsToken("from-option", expiresOn));
  try {
    const env = { AZURE_POD_IDENTITY_AUTHORITY_HOST: pod.origin };
    const token = await new ManagedIdentityCredential({ env, clientId: CLIENT_ID })
      .getToken(SCOPE);
    assert.equal(token.token, "from-pod-identity");
    assert.equal(pod.seen.length, 2);
    for (const request of pod.seen) assert.equal(request.url.pathname, IMDS_PATH);
    assert.equal(pod.seen[1]!.url.searchParams.get("client_id"), CLIENT_ID);
    assert.equal(pod.seen[1]!.headers.get("metadata"), "true");

    // An explicit imdsEndpoint wins over the variable.
    const explicit = new ManagedIdentityCredential(imdsOptions(other, { env }));
    assert.equal((await explicit.getToken(SCOPE)).token, "from-option");
    assert.equal(pod.seen.length, 2);
  } finally {
    await pod.close();
    await other.close();
  }
});

test("ManagedIdentityCredential shares one IMDS probe among concurrent callers", async () => {
  reset();
  const expiresOn = inAnHour();
  const imds = await fakeImds((_r, n) => imdsToken(`t${n}`, expiresOn));
  try {
    const tokens = await Promise.all([
      new ManagedIdentityCredential(imdsOptions(imds)).getToken(SCOPE),
      new ManagedIdentityCredential(imdsOptions(imds, { clientId: CLIENT_ID })).getToken(SCOPE),
      new ManagedIdentityCredential(imdsOptions(imds, { objectId: OBJECT_ID })).getToken(SCOPE),
    ]);
    assert.equal(new Set(tokens.map((t) => t.token)).size, 3);
    assert.equal(imds.seen.filter(isProbe).length, 1);
  } finally {
    await imds.close();
  }
});

// --- Off Azure -------------------------------------------------------------------------------

test("ManagedIdentityCredential off Azure fails with CredentialUnavailableError within the probe timeout", async () => {
  reset();
  const silent = await silentServer();
  try {
    const credential = new ManagedIdentityCredential({
      imdsEndpoint: `${silent.origin}${IMDS_PATH}`,
    });
    const first = await timed(credential.getToken(SCOPE));
    assertUnavailable(first.error);
    assert.match((first.error as Error).message, /within 800 ms/);
    assert.match((first.error as Error).message, /credentialFromEnv/);
    assert.ok(first.ms >= 700, `the probe waited for its timeout (${first.ms.toFixed(0)} ms)`);
    assert.ok(first.ms < 1500, `first failure took ${first.ms.toFixed(0)} ms`);
    assert.equal(silent.connections, 1, "one probe, no retries");

    // The verdict is remembered: the next call, by this or another credential, fails at once.
    const second = await timed(
      new ManagedIdentityCredential({
        imdsEndpoint: `${silent.origin}${IMDS_PATH}`,
        clientId: CLIENT_ID,
      }).getToken(SCOPE),
    );
    assertUnavailable(second.error);
    assert.ok(second.ms < 200, `second failure took ${second.ms.toFixed(0)} ms`);
    assert.equal(silent.connections, 1, "no new connection");
    console.log(
      `off Azure (silent port): first ${first.ms.toFixed(0)} ms, then ${second.ms.toFixed(0)} ms`,
    );

    // Forgetting the verdict probes again.
    clearImdsProbes();
    const third = await timed(credential.getToken(SCOPE));
    assertUnavailable(third.error);
    assert.equal(silent.connections, 2);
  } finally {
    await silent.close();
  }
});

test("ManagedIdentityCredential honours a shorter probeTimeoutMs", async () => {
  reset();
  const silent = await silentServer();
  try {
    const credential = new ManagedIdentityCredential({
      imdsEndpoint: `${silent.origin}${IMDS_PATH}`,
      probeTimeoutMs: 150,
    });
    const { ms, error } = await timed(credential.getToken(SCOPE));
    assertUnavailable(error);
    assert.match((error as Error).message, /within 150 ms/);
    assert.ok(ms < 700, `took ${ms.toFixed(0)} ms`);
  } finally {
    await silent.close();
  }
});

test("ManagedIdentityCredential off Azure fails fast when the IMDS port refuses connections", async () => {
  reset();
  const port = await closedPort();
  const credential = new ManagedIdentityCredential({
    imdsEndpoint: `http://127.0.0.1:${port}${IMDS_PATH}`,
  });
  const first = await timed(credential.getToken(SCOPE));
  assertUnavailable(first.error);
  assert.ok(first.ms < 500, `refused took ${first.ms.toFixed(0)} ms`);
  const second = await timed(credential.getToken(SCOPE));
  assertUnavailable(second.error);
  assert.ok(second.ms < 200, `second took ${second.ms.toFixed(0)} ms`);
  console.log(
    `off Azure (refused port): first ${first.ms.toFixed(0)} ms, then ${second.ms.toFixed(0)} ms`,
  );
});

test("ManagedIdentityCredential stops waiting for a hanging probe when the caller aborts", async () => {
  reset();
  const silent = await silentServer();
  try {
    const credential = new ManagedIdentityCredential({
      imdsEndpoint: `${silent.origin}${IMDS_PATH}`,
      probeTimeoutMs: 600,
    });
    const reason = new Error("caller gave up");
    const { ms, error } = await timed(
      credential.getToken(SCOPE, { abortSignal: AbortSignal.abort(reason) }),
    );
    assert.equal(error, reason, "an already-aborted signal rejects at once");
    assert.ok(ms < 100);
    assert.equal(silent.connections, 0);

    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    const late = await timed(credential.getToken(SCOPE, { abortSignal: controller.signal }));
    assert.equal(late.error, reason);
    assert.ok(late.ms < 400, `abort took ${late.ms.toFixed(0)} ms`);
    // The shared probe goes on for other callers and still reaches its verdict.
    const after = await timed(credential.getToken(SCOPE));
    assertUnavailable(after.error);
    assert.equal(silent.connections, 1, "the aborted caller's probe was reused");
  } finally {
    await silent.close();
  }
});

// --- Bad input -------------------------------------------------------------------------------

test("ManagedIdentityCredential refuses bad options and scopes before any request", async () => {
  reset();
  const imds = await fakeImds(() => imdsToken("never", inAnHour()));
  try {
    const base = imdsOptions(imds);
    const bad: [ManagedIdentityCredentialOptions, typeof TypeError | typeof RangeError, RegExp][] =
      [
        [{ clientId: CLIENT_ID, objectId: OBJECT_ID }, TypeError, /at most one/],
        [{ clientId: CLIENT_ID, resourceId: RESOURCE_ID }, TypeError, /at most one/],
        [{ resourceId: RESOURCE_ID, objectId: OBJECT_ID }, TypeError, /at most one/],
        [{ resourceId: "my-identity" }, TypeError, /"resourceId"/],
        [{ resourceId: "/subscriptions/x?api-version=1" }, TypeError, /"resourceId"/],
        [{ resourceId: "/resourceGroups/rg" }, TypeError, /"resourceId"/],
        [{ clientId: "" }, TypeError, /"clientId"/],
        [{ clientId: "a b" }, TypeError, /"clientId"/],
        [{ objectId: "../x" }, TypeError, /"objectId"/],
        [{ probeTimeoutMs: 0 }, RangeError, /"probeTimeoutMs"/],
        [{ probeTimeoutMs: -1 }, RangeError, /"probeTimeoutMs"/],
        [{ probeTimeoutMs: Number.NaN }, RangeError, /"probeTimeoutMs"/],
        [{ probeTimeoutMs: Infinity }, RangeError, /"probeTimeoutMs"/],
        [{ imdsEndpoint: "not a url" }, TypeError, /"imdsEndpoint"/],
        [{ imdsEndpoint: "ftp://127.0.0.1/x" }, TypeError, /"imdsEndpoint"/],
        [{ env: { IDENTITY_ENDPOINT: "nope", IDENTITY_HEADER } }, TypeError, /IDENTITY_ENDPOINT/],
        [
          { env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: "nope" }, imdsEndpoint: undefined },
          TypeError,
          /AZURE_POD_IDENTITY_AUTHORITY_HOST/,
        ],
        [{ env: "x" as never }, TypeError, /"env"/],
      ];
    for (const [override, kind, message] of bad) {
      assert.throws(
        () => new ManagedIdentityCredential({ ...base, ...override }),
        (error: unknown) => error instanceof kind && message.test((error as Error).message),
        JSON.stringify(override),
      );
    }
    assert.throws(() => new ManagedIdentityCredential(null as never), TypeError);

    const credential = new ManagedIdentityCredential(base);
    const scopes: unknown[] = [
      [SCOPE, "https://storage.azure.com/.default"],
      [],
      "",
      [""],
      ["a b"],
      [42],
    ];
    for (const s of scopes) {
      await assert.rejects(credential.getToken(s as never), TypeError, JSON.stringify(s));
    }
    await assert.rejects(
      credential.getToken([SCOPE, SCOPE]),
      /exactly one scope/,
    );
    assert.equal(imds.hits, 0);
  } finally {
    await imds.close();
  }
});
