/**
 * Code moved from the official Azure SDK keeps working, or fails loudly: the same official-style
 * error handlers (`isRestError` from `@azure/core-rest-pipeline`, `e.statusCode`) run against the
 * official `@azure/keyvault-secrets` SecretClient and kvfetch's, on the same emulator, and reach
 * the same decisions for 404, 409 and 429; official option names kvfetch does not take are a
 * `TypeError` naming the kvfetch option, in every constructor and operation.
 */
import { SecretClient as OfficialSecretClient } from "../_azure_sdk.ts";
import {
  createHttpHeaders,
  type HttpClient,
  isRestError,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator } from "../../lib/testing/mod.ts";
import { SecretClient } from "../../lib/keyvault/secrets.ts";
import { KeyClient } from "../../lib/keyvault/keys.ts";
import { CertificateClient } from "../../lib/keyvault/certificates.ts";
import { CryptographyClient } from "../../lib/keyvault/keys.ts";
import { ResourceGroupsClient, VaultsClient } from "../../lib/management/mod.ts";
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  credentialFromEnv,
  ManagedIdentityCredential,
} from "../../lib/auth/mod.ts";
import { KvfetchError, RestError } from "../../mod.ts";

/** An official-SDK `HttpClient` whose transport is the emulator's `fetch`. */
function fetchHttpClient(fetch: (url: string, init?: RequestInit) => Promise<Response>) {
  const client: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const headers = new Headers();
      for (const [name, value] of request.headers) headers.set(name, value);
      const response = await fetch(request.url, {
        method: request.method,
        headers,
        body: request.body as BodyInit | undefined,
      });
      const responseHeaders = createHttpHeaders();
      response.headers.forEach((value, name) => responseHeaders.set(name, value));
      return {
        request,
        status: response.status,
        headers: responseHeaders,
        bodyAsText: await response.text(),
      };
    },
  };
  return client;
}

/** The handlers as people write them for the official SDK. */
async function getOrUndefined(get: () => Promise<{ value?: string | undefined }>) {
  try {
    return (await get()).value;
  } catch (e) {
    if (isRestError(e) && e.statusCode === 404) return undefined;
    throw e;
  }
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (e) {
    if (isRestError(e) && e.statusCode === 409) return "conflict";
    if (isRestError(e) && e.statusCode === 429) return "throttled";
    if (isRestError(e)) return `rest ${e.statusCode}`;
    return `other ${(e as Error).name}`;
  }
}

test("official-style 404/409/429 handlers decide the same for kvfetch and the official SDK", async () => {
  const emulator = createEmulator({ vaults: ["migrate"] });
  const vaultUrl = emulator.vaultUrl("migrate");
  const ours = new SecretClient(vaultUrl, emulator.credential(), {
    fetch: emulator.fetch,
    retry: { maxRetries: 0 },
  });
  const official = new OfficialSecretClient(vaultUrl, {
    getToken: (scopes) => emulator.credential().getToken(scopes),
  }, { httpClient: fetchHttpClient(emulator.fetch), retryOptions: { maxRetries: 0 } });

  // 404: "ignore a missing secret".
  assert.equal(await getOrUndefined(() => official.getSecret("absent")), undefined);
  assert.equal(await getOrUndefined(() => ours.getSecret("absent")), undefined);

  // A 404 with a statusCode other handlers test also matches by errorCode.
  const missing = await ours.getSecret("absent").catch((e) => e);
  assert.ok(missing instanceof RestError);
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.errorCode, "SecretNotFound");
  assert.equal(missing.code, "ERR_HTTP_STATUS");

  // 409: setting a secret that is deleted but not purged.
  await ours.setSecret("gone", "v1");
  await ours.deleteSecret("gone", { pollIntervalMs: 0 });
  const officialConflict = await outcome(() => official.setSecret("gone", "v2"));
  const ourConflict = await outcome(() => ours.setSecret("gone", "v2"));
  assert.equal(ourConflict, officialConflict);
  assert.equal(ourConflict, "conflict");

  // 429: throttled (no retries on either side).
  emulator.faults.throttle(1, { service: "vault" });
  const officialThrottled = await outcome(() => official.getSecret("absent"));
  emulator.faults.throttle(1, { service: "vault" });
  const ourThrottled = await outcome(() => ours.getSecret("absent"));
  assert.equal(ourThrottled, officialThrottled);
  assert.equal(ourThrottled, "throttled");
});

test("JSON.stringify(RestError) keeps name, message, code and status, never the body", () => {
  const error = new RestError({
    status: 404,
    method: "GET",
    url: "https://myvault.vault.azure.net/secrets/db/?api-version=2025-07-01&sig=CANARY",
    errorCode: "SecretNotFound",
    serviceMessage: "A secret with (name/id) db was not found in this key vault.",
    response: new Response('{"value":"CANARY-BODY"}', { status: 404 }),
  });
  const json = JSON.parse(JSON.stringify(error));
  assert.equal(json.name, "RestError");
  assert.equal(json.code, "ERR_HTTP_STATUS");
  assert.equal(json.status, 404);
  assert.equal(json.statusCode, 404);
  assert.equal(json.errorCode, "SecretNotFound");
  assert.match(json.message, /failed with status 404/);
  assert.doesNotMatch(JSON.stringify(error), /CANARY/);
  const plain = JSON.parse(JSON.stringify(new KvfetchError("ERR_TIMEOUT", "timed out")));
  assert.deepEqual(plain, { name: "KvfetchError", code: "ERR_TIMEOUT", message: "timed out" });
});

const OFFICIAL_CLIENT_OPTIONS: [string, unknown, RegExp][] = [
  ["retryOptions", { maxRetries: 0 }, /"retry"/],
  ["httpClient", { sendRequest() {} }, /"fetch"/],
  ["additionalPolicies", [], /"fetch"/],
  ["allowInsecureConnection", true, /"allowInsecureLoopback"/],
  ["userAgentOptions", { userAgentPrefix: "x" }, /"fetch"/],
  ["proxyOptions", { host: "http://proxy" }, /"fetch"/],
  ["loggingOptions", {}, /"logger"/],
  ["abortSignal", new AbortController().signal, /"signal"/],
];

test("official client option names kvfetch does not take throw a TypeError naming the kvfetch option", () => {
  const emulator = createEmulator({ vaults: ["opts"] });
  const vaultUrl = emulator.vaultUrl("opts");
  const credential = emulator.credential();
  const sub = "00000000-0000-0000-0000-000000000000";
  const keyId = `${vaultUrl}/keys/k/0123456789abcdef0123456789abcdef`;
  const constructors: [string, (options: Record<string, unknown>) => unknown][] = [
    ["SecretClient", (o) => new SecretClient(vaultUrl, credential, o)],
    ["KeyClient", (o) => new KeyClient(vaultUrl, credential, o)],
    ["CertificateClient", (o) => new CertificateClient(vaultUrl, credential, o)],
    ["CryptographyClient", (o) => new CryptographyClient(keyId, credential, o)],
    ["VaultsClient", (o) => new VaultsClient(sub, credential, o)],
    ["ResourceGroupsClient", (o) => new ResourceGroupsClient(sub, credential, o)],
    [
      "ClientSecretCredential",
      (o) => new ClientSecretCredential({ tenantId: "t", clientId: "c", clientSecret: "s", ...o }),
    ],
    ["ClientAssertionCredential", (o) =>
      new ClientAssertionCredential({
        tenantId: "t",
        clientId: "c",
        getAssertion: () => Promise.resolve("a"),
        ...o,
      })],
    ["ManagedIdentityCredential", (o) => new ManagedIdentityCredential(o)],
    ["credentialFromEnv", (o) => credentialFromEnv({}, o)],
  ];
  for (const [what, make] of constructors) {
    make({}); // the constructor itself works
    for (const [name, value, hint] of OFFICIAL_CLIENT_OPTIONS) {
      assert.throws(() => make({ [name]: value }), (e: unknown) => {
        assert.ok(e instanceof TypeError, `${what} { ${name} }`);
        assert.match(e.message, new RegExp(`"${name}"`));
        assert.match(e.message, hint, `${what} { ${name} }: ${e.message}`);
        return true;
      });
    }
  }
  // Official names with the same meaning work.
  new SecretClient(vaultUrl, credential, {
    serviceVersion: "7.6",
    disableChallengeResourceVerification: false,
  });
});

test("official operation option names kvfetch does not take throw before anything is sent", async () => {
  const emulator = createEmulator({ vaults: ["ops"] });
  let sent = 0;
  const fetch = (url: string, init?: RequestInit) => {
    sent++;
    return emulator.fetch(url, init);
  };
  const secrets = new SecretClient(emulator.vaultUrl("ops"), emulator.credential(), { fetch });
  const keys = new KeyClient(emulator.vaultUrl("ops"), emulator.credential(), { fetch });
  const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), { fetch });
  const signal = new AbortController().signal;
  const cases: [string, () => unknown][] = [
    ["getSecret abortSignal", () => secrets.getSecret("x", { abortSignal: signal } as never)],
    [
      "setSecret requestOptions",
      () => secrets.setSecret("x", "v", { requestOptions: { timeout: 1 } } as never),
    ],
    [
      "deleteSecret updateIntervalInMs",
      () => secrets.deleteSecret("x", { updateIntervalInMs: 0 } as never),
    ],
    [
      "listPropertiesOfSecrets abortSignal",
      () => secrets.listPropertiesOfSecrets({ abortSignal: signal } as never),
    ],
    ["getKey tracingOptions", () => keys.getKey("k", { tracingOptions: {} } as never)],
    [
      "vaults.get abortSignal",
      () => vaults.get("my-rg", "myvault", { abortSignal: signal } as never),
    ],
    ["vaults.list abortSignal", () => vaults.list({ abortSignal: signal } as never)],
  ];
  for (const [what, run] of cases) {
    await assert.rejects(
      async () => {
        const result = run();
        if (
          result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] == "function"
        ) {
          for await (const _ of result as AsyncIterable<unknown>) break;
        }
        await result;
      },
      (e: unknown) => {
        assert.ok(e instanceof TypeError, what);
        assert.match(e.message, /official Azure SDK/, what);
        return true;
      },
    );
  }
  assert.equal(sent, 0);
});
