/**
 * kvfetch's SecretClient and ClientSecretCredential against the emulator, with DEFAULT options
 * (challenge-resource verification on, no unknown-host or insecure opt-outs) and real host
 * names; the emulator's own Entra tokens, challenge, snapshot, reset and ids.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { clearCaches, ClientSecretCredential, RestError, SecretClient } from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";
import { decodeJwt } from "jose";

function setup(options: Parameters<typeof createEmulator>[0] = {}) {
  clearCaches();
  const emulator = createEmulator({ vaults: ["myvault"], ...options });
  const credential = new ClientSecretCredential({
    tenantId: emulator.env.AZURE_TENANT_ID,
    clientId: emulator.env.AZURE_CLIENT_ID,
    clientSecret: emulator.env.AZURE_CLIENT_SECRET,
    fetch: emulator.fetch,
  });
  const client = new SecretClient(emulator.vaultUrl("myvault"), credential, {
    fetch: emulator.fetch,
  });
  return { emulator, credential, client };
}

test("emulator: SecretClient (default options) runs the whole secrets surface", async () => {
  const { client } = setup();
  const set = await client.setSecret("db-password", "s3cret", {
    contentType: "text/plain",
    tags: { env: "test" },
  });
  assert.equal(set.value, "s3cret");
  assert.equal(set.properties.vaultUrl, "https://myvault.vault.azure.net");
  const second = await client.setSecret("db-password", "s3cret-2");
  assert.equal((await client.getSecret("db-password")).value, "s3cret-2");
  assert.equal(
    (await client.getSecret("db-password", { version: set.properties.version })).value,
    "s3cret",
  );
  const updated = await client.updateSecretProperties("db-password", second.properties.version!, {
    tags: { rotated: "yes" },
  });
  assert.deepEqual(updated.tags, { rotated: "yes" });
  const names: string[] = [];
  for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
  assert.deepEqual(names, ["db-password"]);
  let versions = 0;
  for await (const _ of client.listPropertiesOfSecretVersions("db-password")) versions++;
  assert.equal(versions, 2);

  const backup = await client.backupSecret("db-password");
  const deleted = await client.deleteSecret("db-password");
  assert.equal(deleted.name, "db-password");
  assert.ok(deleted.recoveryId);
  const listed: string[] = [];
  for await (const d of client.listDeletedSecrets()) listed.push(d.name);
  assert.deepEqual(listed, ["db-password"]);
  assert.equal((await client.getDeletedSecret("db-password")).name, "db-password");
  await assert.rejects(
    client.setSecret("db-password", "x"),
    (e: unknown) => e instanceof RestError && e.status === 409,
  );
  await client.recoverDeletedSecret("db-password");
  assert.equal((await client.getSecret("db-password")).value, "s3cret-2");
  await client.deleteSecret("db-password");
  await client.purgeDeletedSecret("db-password");
  await assert.rejects(
    client.getDeletedSecret("db-password"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
  const restored = await client.restoreSecretBackup(backup);
  assert.equal(restored.name, "db-password");
  assert.equal((await client.getSecret("db-password")).value, "s3cret-2");
});

test("emulator: tokens are signed JWTs naming aud, iss, tid, oid, appid and exp", async () => {
  const { emulator } = setup({ now: Date.UTC(2026, 0, 1) });
  const token = await emulator.credential().getToken("https://vault.azure.net/.default");
  const claims = decodeJwt(token!.token);
  assert.equal(claims.aud, "https://vault.azure.net");
  assert.equal(claims.iss, `https://sts.windows.net/${emulator.tenantId}/`);
  assert.equal(claims.tid, emulator.tenantId);
  assert.equal(claims.oid, emulator.apps[0]!.objectId);
  assert.equal(claims.appid, emulator.env.AZURE_CLIENT_ID);
  assert.equal(claims.exp, Date.UTC(2026, 0, 1) / 1000 + 3599);
  const jwks = await (await emulator.fetch(
    `https://login.microsoftonline.com/${emulator.tenantId}/discovery/v2.0/keys`,
  )).json();
  const { importJWK, jwtVerify } = await import("jose");
  const key = await importJWK(jwks.keys[0], "ES256");
  await jwtVerify(token!.token, key, { currentDate: new Date(Date.UTC(2026, 0, 1)) });
});

test("emulator: the bare request gets Azure's 401 challenge", async () => {
  const emulator = createEmulator({ vaults: ["myvault"] });
  const response = await emulator.fetch("https://myvault.vault.azure.net/secrets?api-version=7.6");
  assert.equal(response.status, 401);
  assert.equal(
    response.headers.get("www-authenticate"),
    `Bearer authorization="https://login.microsoftonline.com/${emulator.tenantId}", resource="https://vault.azure.net"`,
  );
  assert.deepEqual(await response.json(), {
    error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." },
  });
});

test("emulator: the vault refuses a wrong-audience, expired or forged token with 401 + challenge", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: Date.UTC(2026, 0, 1) });
  const url = "https://myvault.vault.azure.net/secrets?api-version=7.6";
  const send = (token: string) =>
    emulator.fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const arm = await emulator.credential().getToken("https://management.azure.com/.default");
  const wrong = await send(arm!.token);
  assert.equal(wrong.status, 401);
  assert.ok(wrong.headers.get("www-authenticate")?.startsWith("Bearer authorization="));
  assert.match((await wrong.json()).error.message, /AKV10022: Invalid audience/);
  const vault = await emulator.credential().getToken("https://vault.azure.net/.default");
  assert.equal((await send(vault!.token)).status, 200);
  const forged = vault!.token.slice(0, -4) + (vault!.token.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.equal((await send(forged)).status, 401);
  emulator.clock.advance(3600_000);
  const expired = await send(vault!.token);
  assert.equal(expired.status, 401);
  assert.match((await expired.json()).error.message, /TokenExpired/);
});

test("emulator: Entra refuses a wrong secret (AADSTS7000215), an unknown client and a bad scope", async () => {
  const emulator = createEmulator();
  const ask = (form: Record<string, string>) =>
    emulator.fetch(`https://login.microsoftonline.com/${emulator.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", ...form }),
    });
  const base = {
    client_id: emulator.env.AZURE_CLIENT_ID,
    client_secret: emulator.env.AZURE_CLIENT_SECRET,
    scope: "https://vault.azure.net/.default",
  };
  const bad = await ask({ ...base, client_secret: "nope" });
  assert.equal(bad.status, 401);
  assert.deepEqual((await bad.json()).error_codes, [7000215]);
  const unknown = await ask({ ...base, client_id: crypto.randomUUID() });
  assert.deepEqual((await unknown.json()).error_codes, [700016]);
  const scope = await ask({ ...base, scope: "https://vault.azure.net" });
  assert.deepEqual((await scope.json()).error_codes, [1002012]);
  const ok = await ask(base);
  assert.equal(ok.status, 200);
  const meta = await (await emulator.fetch(
    `https://login.microsoftonline.com/${emulator.tenantId}/v2.0/.well-known/openid-configuration`,
  )).json();
  assert.equal(
    meta.token_endpoint,
    `https://login.microsoftonline.com/${emulator.tenantId}/oauth2/v2.0/token`,
  );
});

test("emulator: unknown hosts and vaults fail like a network failure, before any answer", async () => {
  const emulator = createEmulator({ vaults: ["myvault"] });
  await assert.rejects(emulator.fetch("https://example.com/"), TypeError);
  await assert.rejects(emulator.fetch("https://othervault.vault.azure.net/secrets"), TypeError);
});

test("emulator: ids are deterministic from the seed; snapshot() restores into a new emulator", async () => {
  const a = setup({ seed: "s1", now: Date.UTC(2026, 0, 1) });
  const b = setup({ seed: "s1", now: Date.UTC(2026, 0, 1) });
  assert.equal(a.emulator.tenantId, b.emulator.tenantId);
  const va = await a.client.setSecret("x", "1");
  clearCaches();
  const vb = await b.client.setSecret("x", "1");
  assert.equal(va.properties.version, vb.properties.version);
  assert.notEqual(createEmulator({ seed: "s2" }).tenantId, a.emulator.tenantId);

  const saved = JSON.parse(JSON.stringify(a.emulator.snapshot()));
  clearCaches();
  const c = setup({ state: saved });
  assert.equal((await c.client.getSecret("x")).value, "1");
  assert.equal(c.emulator.clock.now(), Date.UTC(2026, 0, 1));
  const next = await c.client.setSecret("x", "2");
  clearCaches();
  const next2 = await a.client.setSecret("x", "2");
  assert.notEqual(next.properties.version, va.properties.version);
  assert.equal(typeof next2.properties.version, "string");
});

test("emulator: reset() goes back to the state it was created with", async () => {
  const { emulator, client } = setup();
  await client.setSecret("x", "1");
  emulator.faults.throttle(5);
  emulator.reset();
  assert.equal(emulator.faults.pending(), 0);
  await assert.rejects(
    client.getSecret("x"),
    (e: unknown) => e instanceof RestError && e.status === 404,
  );
});

test("emulator: deletePolls makes the soft delete answer 404 for that many polls", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], deletePolls: 2 });
  const token = (await emulator.credential().getToken("https://vault.azure.net/.default"))!.token;
  const call = (method: string, path: string, body?: unknown) =>
    emulator.fetch(`https://myvault.vault.azure.net${path}?api-version=7.6`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  assert.equal((await call("PUT", "/secrets/a", { value: "1" })).status, 200);
  assert.equal((await call("DELETE", "/secrets/a")).status, 200);
  assert.equal((await call("GET", "/deletedsecrets/a")).status, 404);
  assert.equal((await call("GET", "/deletedsecrets/a")).status, 404);
  assert.equal((await call("GET", "/deletedsecrets/a")).status, 200);
});

test("emulator: an unknown api-version gets Azure's 400 BadParameter; the published ones work", async () => {
  const { emulator } = setup();
  const token = (await emulator.credential().getToken("https://vault.azure.net/.default"))!.token;
  const get = (v: string) =>
    emulator.fetch(`https://myvault.vault.azure.net/secrets?api-version=${v}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const refused = await get("7.9");
  assert.equal(refused.status, 400);
  assert.deepEqual((await refused.json()).error, {
    code: "BadParameter",
    message:
      "The specified version (7.9) is not recognized. Consider using the latest supported version (2026-04-01).",
  });
  for (const v of ["7.3", "7.6", "2025-07-01", "2026-04-01"]) {
    const ok = await get(v);
    await ok.body?.cancel();
    assert.equal(ok.status, 200, v);
  }
});
