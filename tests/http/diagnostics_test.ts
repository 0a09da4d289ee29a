/**
 * Diagnostics: the `User-Agent` on every request, the `logger` hook on every client and
 * credential (method, redacted URL, status, attempt, duration, request ids) and the canary proof
 * that nothing secret reaches it; the version constant and the README's error-code table kept in
 * step with their sources.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createEmulator } from "../../lib/testing/mod.ts";
import { SecretClient } from "../../lib/keyvault/secrets.ts";
import { KeyClient } from "../../lib/keyvault/keys.ts";
import { VaultsClient } from "../../lib/management/mod.ts";
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  credentialFromEnv,
  ManagedIdentityCredential,
  StaticTokenCredential,
} from "../../lib/auth/mod.ts";
import { type HttpLogEntry, VERSION } from "../../mod.ts";
import { redactUrl } from "../../lib/http/log.ts";

const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const CLIENT_SECRET = "CANARY-client-secret-0001";
const SECRET_VALUE = "CANARY-secret-value-0002";
const ASSERTION = "CANARY-assertion-0003";
const STATIC_TOKEN = "CANARY-static-token-0004";

test("every request carries a User-Agent naming kvfetch, its version and the runtime", async () => {
  const emulator = createEmulator({ vaults: ["uavault"] });
  const agents: string[] = [];
  const fetch = (url: string, init?: RequestInit) => {
    agents.push(new Headers(init?.headers).get("user-agent") ?? "");
    return emulator.fetch(url, init);
  };
  const credential = new ClientSecretCredential({
    tenantId: emulator.env.AZURE_TENANT_ID,
    clientId: emulator.env.AZURE_CLIENT_ID,
    clientSecret: emulator.env.AZURE_CLIENT_SECRET,
    fetch,
  });
  const client = new SecretClient(emulator.vaultUrl("uavault"), credential, { fetch });
  await client.setSecret("a", "b");
  assert.ok(agents.length >= 3); // token, probe, PUT
  for (const agent of agents) {
    assert.match(agent, new RegExp(`^kvfetch/${VERSION.replaceAll(".", "\\.")} \\S`));
    assert.match(agent, /^[\x20-\x7e]+$/);
  }
});

test("redactUrl keeps api-version and page sizes, replaces every other query value", () => {
  assert.equal(
    redactUrl(
      "https://v.vault.azure.net/secrets?api-version=2025-07-01&maxresults=25&$skiptoken=abc&sig=x",
    ),
    "https://v.vault.azure.net/secrets?api-version=2025-07-01&maxresults=25&%24skiptoken=REDACTED&sig=REDACTED",
  );
  assert.equal(redactUrl("https://h/p"), "https://h/p");
});

test("logger: every try reported with status, attempt, duration and ids; no canary ever logged", async () => {
  const emulator = createEmulator({
    vaults: ["canary"],
    apps: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, objectId: crypto.randomUUID() }],
  });
  const entries: HttpLogEntry[] = [];
  const logger = (entry: HttpLogEntry) => entries.push(entry);
  const tokens: string[] = [];
  const inner = new ClientSecretCredential({
    tenantId: emulator.tenantId,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    fetch: emulator.fetch,
    logger,
  });
  const credential = {
    async getToken(scopes: string | string[], options?: Record<string, unknown>) {
      const token = await inner.getToken(scopes, options);
      tokens.push(token.token);
      return token;
    },
  };
  const vaultUrl = emulator.vaultUrl("canary");
  const secrets = new SecretClient(vaultUrl, credential, { fetch: emulator.fetch, logger });
  await secrets.setSecret("db-password", SECRET_VALUE);
  assert.equal((await secrets.getSecret("db-password")).value, SECRET_VALUE);
  for await (const _ of secrets.listPropertiesOfSecrets()) { /* a listing, for paging URLs */ }
  await new KeyClient(vaultUrl, credential, { fetch: emulator.fetch, logger }).createEcKey("k");
  // A throttled try, retried: reported twice, the first one "retrying".
  emulator.faults.throttle(1, { service: "vault" });
  await secrets.getSecret("db-password");
  // Failures: a missing secret, a refused assertion, a token the vault rejects.
  await secrets.getSecret("absent").catch(() => {});
  await new ClientAssertionCredential({
    tenantId: emulator.tenantId,
    clientId: CLIENT_ID,
    getAssertion: () => Promise.resolve(ASSERTION),
    fetch: emulator.fetch,
    logger,
  }).getToken("https://vault.azure.net/.default").catch(() => {});
  await new SecretClient(
    vaultUrl,
    new StaticTokenCredential({ token: STATIC_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
    { fetch: emulator.fetch, logger, retry: { maxRetries: 0 } },
  ).getSecret("db-password").catch(() => {});
  await new VaultsClient(emulator.subscriptionId, credential, { fetch: emulator.fetch, logger })
    .get("emulator-rg", "canary");

  assert.ok(tokens.length > 0);
  const logged = JSON.stringify(entries);
  for (const canary of [CLIENT_SECRET, SECRET_VALUE, ASSERTION, STATIC_TOKEN, ...tokens]) {
    assert.ok(!logged.includes(canary), `logged ${canary.slice(0, 12)}…`);
  }
  assert.doesNotMatch(logged, /CANARY/);

  const token = entries.find((e) => e.url.includes("/oauth2/v2.0/token"));
  assert.equal(token?.method, "POST");
  assert.equal(token?.status, 200);
  const puts = entries.filter((e) => e.method === "PUT" && e.url.includes("/secrets/db-password"));
  // The token-less challenge probe, then the request itself.
  assert.deepEqual(puts.map((e) => e.status), [401, 200]);
  const put = puts[1]!;
  assert.equal(put.attempt, 1);
  assert.match(put.url, /\?api-version=2025-07-01$/);
  assert.match(put.clientRequestId, /^[0-9a-f-]{36}$/);
  assert.ok(typeof put.durationMs == "number" && put.durationMs >= 0);
  const throttled = entries.findIndex((e) => e.status === 429);
  assert.ok(throttled >= 0);
  assert.equal(entries[throttled]!.retrying, true);
  assert.equal(entries[throttled + 1]!.attempt, 2);
  assert.equal(entries[throttled + 1]!.clientRequestId, entries[throttled]!.clientRequestId);
  assert.ok(entries.some((e) => e.status === 404 && e.url.includes("/secrets/absent")));
  assert.ok(entries.some((e) => e.url.startsWith("https://management.azure.com/subscriptions/")));
  assert.ok(entries.every((e) =>
    Object.keys(e).every((k) =>
      [
        "method",
        "url",
        "status",
        "error",
        "retrying",
        "attempt",
        "durationMs",
        "clientRequestId",
        "requestId",
      ].includes(k)
    )
  ));
});

test("logger: a failed try below HTTP is reported with its code; a throwing logger is ignored", async () => {
  const entries: HttpLogEntry[] = [];
  const client = new SecretClient(
    "https://offline.vault.azure.net",
    new StaticTokenCredential({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
    {
      fetch: () => Promise.reject(new TypeError("connection refused")),
      retry: { maxRetries: 1, retryDelayMs: 0 },
      sleep: () => Promise.resolve(),
      logger: (entry) => {
        entries.push(entry);
        throw new Error("a broken logger");
      },
    },
  );
  await assert.rejects(client.getSecret("x"), { code: "ERR_NETWORK" });
  assert.deepEqual(entries.map((e) => [e.attempt, e.error, e.retrying]), [
    [1, "ERR_NETWORK", true],
    [2, "ERR_NETWORK", false],
  ]);
});

test("logger is checked and taken by every credential with I/O", () => {
  assert.throws(() => new ManagedIdentityCredential({ logger: "no" as never }), /"logger"/);
  assert.throws(
    () => credentialFromEnv({}, { logger: 1 as never }),
    /"logger"/,
  );
});

/** A repository file, when the tests run from the repository (not from a compiled copy). */
function repoFile(path: string): string | undefined {
  const url = new URL(`../../${path}`, import.meta.url);
  return url.protocol === "file:" && existsSync(url) ? readFileSync(url, "utf8") : undefined;
}

const deno = repoFile("deno.json");
test("VERSION is deno.json's version", { skip: deno ? false : "no deno.json here" }, () => {
  assert.equal(VERSION, JSON.parse(deno!).version);
});

const readme = repoFile("README.md");
const errors = repoFile("lib/http/errors.ts");
test(
  "the README's table of error codes lists exactly the codes of KvfetchErrorCode",
  { skip: readme && errors ? false : "no sources here" },
  () => {
    const union = errors!.match(/export type KvfetchErrorCode =([^;]+);/)![1]!;
    const codes = [...union.matchAll(/"(ERR_[A-Z_]+)"/g)].map((m) => m[1]).sort();
    const section = readme!.split(/^## Diagnostics$/m)[1]?.split(/^## /m)[0] ?? "";
    const rows = [...section.matchAll(/^\| `(ERR_[A-Z_]+)` *\|/gm)].map((m) => m[1]).sort();
    assert.ok(codes.length > 20);
    assert.deepEqual(rows, codes);
  },
);
