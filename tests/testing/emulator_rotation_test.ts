/**
 * The emulator's key rotation policies on its clock (a `Rotate` lifetime action fires when the
 * clock passes its trigger; `Notify` changes nothing), `rotate` with the policy's `expiryTime`,
 * and the enabled/`nbf`/`exp` semantics of keys and secrets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator, type Emulator } from "../../lib/testing/mod.ts";
import { freshTokenClient } from "../_emulator_call.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const V = "https://myvault.vault.azure.net";
const Q = "?api-version=7.6";

const client = (emulator: Emulator) =>
  freshTokenClient(emulator, undefined, (path) => `${V}${path}${Q}`);

const versionsOf = async (call: ReturnType<typeof client>, name: string) =>
  (await call("GET", `/keys/${name}/versions`)).json.value.length as number;

test("rotation policy: timeAfterCreate fires when the clock passes it; rotate sets exp from expiryTime", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: START });
  const call = client(emulator);
  await call("POST", "/keys/k1/create", { kty: "EC", crv: "P-256" });
  const policy = await call("PUT", "/keys/k1/rotationpolicy", {
    lifetimeActions: [
      { trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } },
      { trigger: { timeBeforeExpiry: "P7D" }, action: { type: "Notify" } },
    ],
    attributes: { expiryTime: "P90D" },
  });
  assert.equal(policy.status, 200);
  assert.equal((await call("GET", "/keys/k1/rotationpolicy")).json.attributes.expiryTime, "P90D");
  emulator.clock.advance(30 * DAY - 1000);
  assert.equal(await versionsOf(call, "k1"), 1);
  emulator.clock.advance(1000);
  assert.equal(await versionsOf(call, "k1"), 2);
  const current = (await call("GET", "/keys/k1")).json;
  assert.equal(current.attributes.created, (START + 30 * DAY) / 1000);
  assert.equal(current.attributes.exp, (START + 120 * DAY) / 1000);
  // The next rotation counts from the new version's creation; an explicit rotate too.
  emulator.clock.advance(29 * DAY);
  assert.equal(await versionsOf(call, "k1"), 2);
  const rotated = await call("POST", "/keys/k1/rotate");
  assert.equal(rotated.status, 200);
  assert.equal(rotated.json.attributes.exp, (START + 59 * DAY) / 1000 + 90 * 86_400);
  assert.equal(await versionsOf(call, "k1"), 3);
});

test("rotation policy: timeBeforeExpiry fires that long before exp; Notify alone never rotates", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: START });
  const call = client(emulator);
  const exp = (START + 60 * DAY) / 1000;
  await call("POST", "/keys/k1/create", { kty: "RSA", attributes: { exp } });
  await call("POST", "/keys/k2/create", { kty: "RSA", attributes: { exp } });
  await call("PUT", "/keys/k1/rotationpolicy", {
    lifetimeActions: [{ trigger: { timeBeforeExpiry: "P10D" }, action: { type: "Rotate" } }],
  });
  await call("PUT", "/keys/k2/rotationpolicy", {
    lifetimeActions: [{ trigger: { timeBeforeExpiry: "P10D" }, action: { type: "Notify" } }],
  });
  emulator.clock.advance(50 * DAY);
  assert.equal(await versionsOf(call, "k1"), 2);
  assert.equal(await versionsOf(call, "k2"), 1);
  // Bad durations are refused.
  const bad = await call("PUT", "/keys/k1/rotationpolicy", {
    lifetimeActions: [{ trigger: { timeAfterCreate: "30 days" }, action: { type: "Rotate" } }],
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "BadParameter");
});

test("key attributes: disabled refuses all; outside nbf..exp only decrypt, unwrap and verify work", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: START });
  const call = client(emulator);
  const exp = (START + DAY) / 1000;
  const made = await call("POST", "/keys/k1/create", { kty: "RSA", attributes: { exp } });
  const kid = String(made.json.key.kid).split("/").at(-1);
  const value = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  const enc = await call("POST", `/keys/k1/${kid}/encrypt`, { alg: "RSA-OAEP", value });
  assert.equal(enc.status, 200);
  const sig = await call("POST", `/keys/k1/${kid}/sign`, { alg: "RS256", value });
  emulator.clock.advance(DAY);
  const refused = await call("POST", `/keys/k1/${kid}/encrypt`, { alg: "RSA-OAEP", value });
  assert.equal(refused.status, 403);
  assert.deepEqual(refused.json.error, {
    code: "Forbidden",
    message: "Operation encrypt is not allowed on an expired key.",
    innererror: { code: "KeyExpired" },
  });
  assert.equal((await call("POST", `/keys/k1/${kid}/sign`, { alg: "RS256", value })).status, 403);
  const dec = await call("POST", `/keys/k1/${kid}/decrypt`, {
    alg: "RSA-OAEP",
    value: enc.json.value,
  });
  assert.equal(dec.json.value, value);
  const ver = await call("POST", `/keys/k1/${kid}/verify`, {
    alg: "RS256",
    digest: value,
    value: sig.json.value,
  });
  assert.equal(ver.json.value, true);
  // Not yet valid.
  const later = (START + 10 * DAY) / 1000;
  const k2 = await call("POST", "/keys/k2/create", { kty: "RSA", attributes: { nbf: later } });
  const v2 = String(k2.json.key.kid).split("/").at(-1);
  const early = await call("POST", `/keys/k2/${v2}/wrapKey`, { alg: "RSA-OAEP", value });
  assert.equal(early.status, 403);
  assert.equal(early.json.error.innererror.code, "KeyNotYetValid");
  // Disabled: everything refused, decrypt too.
  await call("PATCH", `/keys/k1/${kid}`, { attributes: { enabled: false } });
  const off = await call("POST", `/keys/k1/${kid}/decrypt`, {
    alg: "RSA-OAEP",
    value: enc.json.value,
  });
  assert.equal(off.status, 403);
  assert.equal(off.json.error.innererror.code, "KeyDisabled");
});

test("secret attributes: a disabled secret's value is refused (403 SecretDisabled); exp and nbf are informational, as in Azure", async () => {
  const emulator = createEmulator({ vaults: ["myvault"], now: START });
  const call = client(emulator);
  await call("PUT", "/secrets/s1", { value: "v", attributes: { exp: (START + DAY) / 1000 } });
  emulator.clock.advance(2 * DAY);
  assert.equal((await call("GET", "/secrets/s1")).json.value, "v");
  await call("PATCH", "/secrets/s1", { attributes: { enabled: false } });
  const off = await call("GET", "/secrets/s1");
  assert.equal(off.status, 403);
  assert.deepEqual(off.json.error, {
    code: "Forbidden",
    message: "Operation get is not allowed on a disabled secret.",
    innererror: { code: "SecretDisabled" },
  });
  assert.equal((await call("GET", "/secrets")).json.value.length, 1); // still listed
});
