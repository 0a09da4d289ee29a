/** The emulator's faults, clock and access control, seen through kvfetch's clients and raw fetch. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CertificateClient,
  clearCaches,
  ClientSecretCredential,
  CryptographyClient,
  KeyClient,
  RestError,
  SecretClient,
  VaultsClient,
} from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";

function setup(options: Parameters<typeof createEmulator>[0] = {}) {
  clearCaches();
  const emulator = createEmulator({ vaults: ["myvault"], ...options });
  const credential = new ClientSecretCredential({
    tenantId: emulator.tenantId,
    clientId: emulator.env.AZURE_CLIENT_ID,
    clientSecret: emulator.env.AZURE_CLIENT_SECRET,
    fetch: emulator.fetch,
  });
  const client = new SecretClient(emulator.vaultUrl("myvault"), credential, {
    fetch: emulator.fetch,
  });
  return { emulator, credential, client };
}

async function vaultToken(emulator: ReturnType<typeof createEmulator>): Promise<string> {
  return (await emulator.credential().getToken("https://vault.azure.net/.default"))!.token;
}

test("faults.throttle: the next N requests get 429 with Retry-After; SecretClient retries through", async () => {
  const { emulator, client } = setup();
  emulator.faults.throttle(1, { retryAfter: 7, service: "vault" });
  const raw = await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6");
  assert.equal(raw.status, 429);
  assert.equal(raw.headers.get("retry-after"), "7");
  assert.equal((await raw.json()).error.code, "Throttled");
  emulator.faults.throttle(2, { service: "vault" });
  await client.setSecret("a", "1");
  assert.equal(emulator.faults.pending(), 0);
});

test("faults.serverError: 5xx with the status asked for, then the service again", async () => {
  const { emulator, client } = setup();
  emulator.faults.serverError(1, { status: 500, service: "vault" });
  const raw = await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6");
  assert.equal(raw.status, 500);
  emulator.faults.serverError(1, { service: "vault" });
  await client.setSecret("a", "1"); // 503 is retried
  assert.throws(() => emulator.faults.serverError(1, { status: 404 }), TypeError);
});

test("faults.dropConnection: the fetch rejects with a TypeError, as a network failure does", async () => {
  const emulator = createEmulator({ vaults: ["myvault"] });
  emulator.faults.dropConnection(1);
  await assert.rejects(
    emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6"),
    TypeError,
  );
  assert.equal(
    (await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6")).status,
    401,
  );
});

test("faults.latency: requests wait (real time), and an abort ends the wait", async () => {
  const emulator = createEmulator({ vaults: ["myvault"] });
  emulator.faults.latency(60, { service: "vault" });
  const start = performance.now();
  await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6");
  assert.ok(performance.now() - start >= 55);
  const controller = new AbortController();
  const pending = emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6", {
    signal: controller.signal,
  });
  controller.abort();
  await assert.rejects(pending);
  emulator.faults.latency(0);
  emulator.faults.clear();
});

test("faults.registeringDns: 400 VaultRegisteringDns for that vault only", async () => {
  const emulator = createEmulator({ vaults: ["myvault", "other"] });
  emulator.faults.registeringDns("myvault", 1);
  assert.equal(
    (await emulator.fetch("https://other.vault.azure.net/secrets?api-version=7.6")).status,
    401,
  );
  const refused = await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6");
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).error.code, "VaultRegisteringDns");
});

test("faults.claimsChallenge: a CAE challenge; kvfetch gets a token with the claims and succeeds", async () => {
  const { emulator, client } = setup();
  await client.setSecret("a", "1");
  emulator.faults.claimsChallenge();
  assert.equal((await client.getSecret("a")).value, "1");
  // The raw view: the challenged token stays refused with insufficient_claims.
  const token = await vaultToken(emulator);
  emulator.faults.claimsChallenge({ claims: '{"access_token":{"nbf":{"essential":true}}}' });
  const url = "https://myvault.vault.azure.net/secrets?api-version=7.6";
  for (let i = 0; i < 2; i++) {
    const r = await emulator.fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get("www-authenticate")!, /error="insufficient_claims", claims="/);
  }
});

test("clock: deletion and purge dates follow the emulator's clock; set() and advance()", async () => {
  const start = Date.UTC(2026, 0, 1);
  const { emulator, client } = setup({ now: start });
  // As Azure documents: a secret's get works outside its nbf/exp window.
  await client.setSecret("later", "v", { notBefore: new Date(start + 3600_000) });
  assert.equal((await client.getSecret("later")).value, "v");
  emulator.clock.advance(2 * 3600_000);
  const deleted = await client.deleteSecret("later");
  assert.equal(deleted.deletedOn?.getTime(), start + 2 * 3600_000);
  assert.equal(deleted.scheduledPurgeDate?.getTime(), start + 2 * 3600_000 + 90 * 86_400_000);
  emulator.clock.set(Date.UTC(2027, 0, 1));
  assert.equal(emulator.clock.now(), Date.UTC(2027, 0, 1));
  assert.equal(emulator.clock.frozen, true);
  assert.throws(() => emulator.clock.advance(-1), TypeError);
});

test("clock: a key's exp is checked by the vault against the emulator's clock", async () => {
  const { emulator, credential } = setup();
  const keys = new KeyClient(emulator.vaultUrl("myvault"), credential, { fetch: emulator.fetch });
  const key = await keys.createEcKey("short", { expiresOn: new Date(Date.now() + 3600_000) });
  const signer = new CryptographyClient(key, credential, { fetch: emulator.fetch });
  const digest = new Uint8Array(32).fill(1);
  await signer.sign("ES256", digest);
  emulator.clock.advance(2 * 3600_000);
  clearCaches(); // the token kvfetch cached has expired by the emulator's clock
  await assert.rejects(
    signer.sign("ES256", digest),
    (e: unknown) => e instanceof RestError && e.status === 403,
  );
});

test("clock: a running clock follows the host's, shifted by advance()", () => {
  const emulator = createEmulator();
  assert.equal(emulator.clock.frozen, false);
  const before = Date.now();
  emulator.clock.advance(86_400_000);
  assert.ok(emulator.clock.now() >= before + 86_400_000);
  assert.ok(emulator.clock.now() < Date.now() + 86_400_000 + 1000);
});

test("accessControl: the vault's access policies are enforced for the caller's oid (403 AccessDenied)", async () => {
  clearCaches();
  const reader = {
    clientId: "11111111-1111-4111-8111-111111111111",
    clientSecret: "reader-secret",
    objectId: "22222222-2222-4222-8222-222222222222",
  };
  const admin = {
    clientId: "33333333-3333-4333-8333-333333333333",
    clientSecret: "admin-secret",
    objectId: "44444444-4444-4444-8444-444444444444",
  };
  const emulator = createEmulator({ apps: [admin, reader], accessControl: true });
  const options = { fetch: emulator.fetch };
  const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(admin), options);
  await emulator.fetch(
    `https://management.azure.com/subscriptions/${emulator.subscriptionId}/resourcegroups/rg?api-version=2021-04-01`,
    {
      method: "PUT",
      headers: {
        authorization: `Bearer ${
          (await emulator.credential(admin).getToken(
            "https://management.azure.com/.default",
          ))!.token
        }`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ location: "westus2" }),
    },
  );
  const vault = await vaults.createOrUpdate("rg", "acl-vault", {
    location: "westus2",
    properties: {
      tenantId: emulator.tenantId,
      sku: { name: "standard" },
      accessPolicies: [
        {
          tenantId: emulator.tenantId,
          objectId: admin.objectId,
          permissions: { secrets: ["all"], certificates: ["all"] },
        },
        {
          tenantId: emulator.tenantId,
          objectId: reader.objectId,
          permissions: { secrets: ["get"], certificates: ["get"] },
        },
      ],
    },
  });
  const url = vault.properties.vaultUri!;
  const asAdmin = new SecretClient(url, emulator.credential(admin), options);
  const asReader = new SecretClient(url, emulator.credential(reader), options);
  await asAdmin.setSecret("s", "v");
  const policy = { issuerName: "Self", subject: "CN=acl" } as const;
  await new CertificateClient(url, emulator.credential(admin), options)
    .createCertificate("c", policy, { pollIntervalMs: 0 });
  const certsAsReader = new CertificateClient(url, emulator.credential(reader), options);
  assert.equal((await certsAsReader.getCertificate("c")).name, "c");
  await assert.rejects(
    certsAsReader.createCertificate("c", policy, { pollIntervalMs: 0 }),
    /does not have certificates create permission/,
  );
  assert.equal((await asReader.getSecret("s")).value, "v");
  await assert.rejects(asReader.setSecret("s", "w"), (e: unknown) => {
    assert.ok(e instanceof RestError);
    assert.equal(e.status, 403);
    assert.equal(e.errorCode, "Forbidden");
    assert.equal(e.innerErrorCode, "AccessDenied");
    assert.match(e.message, /does not have secrets set permission on key vault 'acl-vault/);
    return true;
  });
  const raw = await emulator.fetch(`${url}secrets?api-version=7.6`, {
    headers: { authorization: `Bearer ${await readerToken()}` },
  });
  assert.equal(raw.status, 403);
  assert.deepEqual((await raw.json()).error.innererror, { code: "AccessDenied" });
  async function readerToken() {
    return (await emulator.credential(reader).getToken("https://vault.azure.net/.default"))!.token;
  }
});

test("faults target a service: ARM's throttle is ARM's (TooManyRequests), Entra's 5xx is Entra's", async () => {
  const emulator = createEmulator({ vaults: ["myvault"] });
  const armToken = (await emulator.credential().getToken("https://management.azure.com/.default"))!
    .token;
  const groups =
    `https://management.azure.com/subscriptions/${emulator.subscriptionId}/providers/Microsoft.KeyVault/vaults?api-version=2026-04-01`;
  emulator.faults.throttle(1, { service: "arm", retryAfter: 3 });
  // A vault request is not hit by an ARM fault.
  assert.equal(
    (await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6")).status,
    401,
  );
  const throttled = await emulator.fetch(groups, {
    headers: { authorization: `Bearer ${armToken}` },
  });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get("retry-after"), "3");
  assert.equal((await throttled.json()).error.code, "TooManyRequests");
  assert.equal(
    (await emulator.fetch(groups, { headers: { authorization: `Bearer ${armToken}` } })).status,
    200,
  );
  emulator.faults.serverError(1, { service: "entra", status: 502 });
  await assert.rejects(emulator.credential().getToken("https://vault.azure.net/.default"));
  assert.ok(await emulator.credential().getToken("https://vault.azure.net/.default"));
  // Managed identity's endpoints are Entra's too.
  emulator.faults.dropConnection(1, { service: "entra" });
  await assert.rejects(
    emulator.fetch(
      "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net",
      { headers: { metadata: "true" } },
    ),
    TypeError,
  );
});

test("faults: pending() counts queued faults; clear() and reset() remove them; the latency option survives reset", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], latency: 30 });
  emulator.faults.throttle(2);
  emulator.faults.serverError(1);
  emulator.faults.registeringDns("myvault", 2);
  assert.equal(emulator.faults.pending(), 5);
  emulator.faults.clear();
  assert.equal(emulator.faults.pending(), 0);
  emulator.faults.throttle(1);
  emulator.reset();
  assert.equal(emulator.faults.pending(), 0);
  const start = performance.now();
  const answer = await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6");
  assert.equal(answer.status, 401);
  assert.ok(performance.now() - start >= 25, "the latency option is kept by reset()");
  assert.throws(() => emulator.faults.latency(-1), TypeError);
});

test("emulator.credential() keeps its token, so a throttle meets the vault (and is retried)", async () => {
  clearCaches();
  const emulator = createEmulator({ vaults: ["myvault"] });
  const seen: string[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    seen.push(new URL(input instanceof Request ? input.url : input).hostname);
    return emulator.fetch(input, init);
  };
  const credential = emulator.credential();
  const client = new SecretClient(emulator.vaultUrl("myvault"), credential, { fetch });
  await client.setSecret("s", "v");
  const tokens = (await credential.getToken("https://vault.azure.net/.default"))!.token;
  emulator.faults.throttle(2, { retryAfter: 0 });
  assert.equal((await client.getSecret("s")).value, "v");
  assert.equal((await credential.getToken("https://vault.azure.net/.default"))!.token, tokens);
  assert.deepEqual(seen.filter((h) => h !== "myvault.vault.azure.net"), []);
  // A forced refresh (what a refused token leads to) asks Entra again.
  const fresh = await emulator.credential().getToken("https://vault.azure.net/.default", {
    forceRefresh: true,
  });
  assert.ok(fresh?.token);
});
