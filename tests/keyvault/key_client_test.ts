/** KeyClient against the fake vault (keys half with real key pairs), over loopback sockets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as jose from "jose";
import {
  fromPem,
  KeyClient,
  KvfetchError,
  parseKeyVaultKeyIdentifier,
  RestError,
} from "../../mod.ts";
import { FAKE_VAULT_URL } from "../_fake_vault.ts";
import { FAKE_HSM_URL, keySetup } from "../_key_setup.ts";
import { testKeyPair } from "../_keys.ts";
import crypto from "node:crypto";

const isRest = (status: number, code?: string) => (e: unknown) =>
  e instanceof RestError && e.status === status && (code === undefined || e.errorCode === code);

test("KeyClient.createRsaKey(), createEcKey() and getKey() return Key Vault's and the standard JWK", async () => {
  const t = await keySetup();
  try {
    const rsa = await t.client.createRsaKey("rsa-1", {
      keySize: 3072,
      tags: { team: "payments" },
      expiresOn: new Date(Date.UTC(2027, 0, 1)),
    });
    assert.equal(rsa.name, "rsa-1");
    assert.equal(rsa.keyType, "RSA");
    assert.equal(rsa.jwk?.kty, "RSA");
    assert.equal(rsa.jwk?.kid, rsa.id);
    assert.equal(jose.base64url.decode(rsa.key!.n!).length, 384);
    assert.deepEqual(rsa.properties.tags, { team: "payments" });
    assert.equal(+rsa.properties.expiresOn!, Date.UTC(2027, 0, 1));
    const body = JSON.parse(t.vault.requests.at(-1)!.body);
    assert.deepEqual(body, {
      kty: "RSA",
      key_size: 3072,
      attributes: { exp: Date.UTC(2027, 0, 1) / 1000 },
      tags: { team: "payments" },
    });
    const ec = await t.client.createEcKey("ec-1", {
      curve: "P-384",
      hsm: true,
      keyOps: ["sign", "verify"],
    });
    assert.equal(ec.keyType, "EC-HSM");
    assert.equal(ec.jwk?.kty, "EC");
    assert.equal(ec.jwk?.crv, "P-384");
    assert.deepEqual(ec.keyOperations, ["sign", "verify"]);
    const got = await t.client.getKey("ec-1");
    assert.deepEqual(got.key, ec.key);
    assert.equal(new URL(t.vault.requests.at(-1)!.url).pathname, "/keys/ec-1/");
    const byVersion = await t.client.getKey("rsa-1", { version: rsa.properties.version });
    assert.equal(byVersion.id, rsa.id);
    // The JWK is usable by jose as is.
    await jose.importJWK(got.jwk as jose.JWK, "ES384");
  } finally {
    await t.close();
  }
});

test("KeyClient.createKey() refuses bad input before any request", async () => {
  const t = await keySetup();
  try {
    const before = t.vault.requests.length;
    const cases: [() => Promise<unknown>, new (...a: never[]) => Error, RegExp][] = [
      [() => t.client.createKey("bad name", "RSA"), TypeError, /"name"/],
      [() => t.client.createKey("k", "RSA-PSS" as "RSA"), TypeError, /"keyType"/],
      [() => t.client.createRsaKey("k", { keySize: 1024 }), RangeError, /2048, 3072, 4096/],
      [() => t.client.createOctKey("k", { keySize: 512 }), RangeError, /128, 192, 256/],
      [() => t.client.createKey("k", "EC", { keySize: 256 }), TypeError, /does not apply to EC/],
      [() => t.client.createEcKey("k", { curve: "P-192" as "P-256" }), TypeError, /"curve"/],
      [() => t.client.createRsaKey("k", { publicExponent: 4 }), RangeError, /odd integer/],
      [
        () => t.client.createRsaKey("k", { keyOps: ["sign", "fly" as "sign"] }),
        TypeError,
        /"keyOps"/,
      ],
      [() => t.client.getKey("k", { version: "v1" }), TypeError, /"version"/],
      [() => t.client.getRandomBytes(0), RangeError, /1 to 128/],
      [() => t.client.getRandomBytes(129), RangeError, /1 to 128/],
      [
        () => t.client.updateKeyRotationPolicy("k", { expiresIn: "90 days" }),
        TypeError,
        /ISO 8601/,
      ],
      [
        () => t.client.updateKeyRotationPolicy("k", { lifetimeActions: [{ action: "Rotate" }] }),
        TypeError,
        /exactly one/,
      ],
      [() => t.client.restoreKeyBackup(new Uint8Array()), TypeError, /"backup"/],
      [
        () => t.client.importKey("k", { kty: "EC", crv: "P-256", x: "AA", y: "AA" }),
        KvfetchError,
        /32 bytes|coordinate/,
      ],
    ];
    for (const [call, Type, message] of cases) {
      await assert.rejects(
        call(),
        (e: unknown) => e instanceof Type && message.test((e as Error).message),
      );
    }
    assert.equal(t.vault.requests.length, before, "nothing was sent");
  } finally {
    await t.close();
  }
});

test("KeyClient.importKey() imports a PEM key; key material never reaches an error", async () => {
  const t = await keySetup();
  try {
    const pem = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey
      .export({ type: "pkcs8", format: "pem" }) as string;
    const jwk = await fromPem(pem, { keyOps: ["sign", "verify"] });
    const key = await t.client.importKey("imported", jwk, {
      hardwareProtected: true,
      tags: { from: "pem" },
    });
    assert.equal(key.keyType, "EC-HSM");
    assert.equal(key.key?.d, undefined, "the vault returns the public key only");
    const sent = JSON.parse(t.vault.requests.at(-1)!.body);
    assert.equal(sent.key.d, jwk.d);
    assert.equal(sent.Hsm, true);
    // A failure quotes no private member.
    t.vault.failNext({
      status: 400,
      body: { error: { code: "BadParameter", message: `bad key ${jwk.d}` } },
    });
    await assert.rejects(t.client.importKey("imported", jwk), (e: unknown) => {
      assert.ok(e instanceof RestError);
      assert.ok(!e.message.includes(jwk.d!), "d is cut out");
      return true;
    });
  } finally {
    await t.close();
  }
});

test("KeyClient.updateKeyProperties(), versions, rotate and rotation policy", async () => {
  const t = await keySetup({ defaultMaxResults: 2 });
  try {
    const v1 = await t.client.createEcKey("rot");
    const updated = await t.client.updateKeyProperties("rot", v1.properties.version!, {
      enabled: false,
      keyOps: ["verify"],
      tags: { a: "b" },
    });
    assert.equal(updated.properties.enabled, false);
    assert.deepEqual(updated.keyOperations, ["verify"]);
    assert.deepEqual(JSON.parse(t.vault.requests.at(-1)!.body), {
      key_ops: ["verify"],
      attributes: { enabled: false },
      tags: { a: "b" },
    });
    const v2 = await t.client.rotateKey("rot");
    const v3 = await t.client.rotateKey("rot");
    assert.notEqual(v2.properties.version, v1.properties.version);
    assert.notDeepEqual(v2.key, v1.key);
    const versions = [];
    for await (const p of t.client.listPropertiesOfKeyVersions("rot")) versions.push(p.version);
    assert.deepEqual(versions.sort(), [v1, v2, v3].map((k) => k.properties.version).sort());
    const initial = await t.client.getKeyRotationPolicy("rot");
    assert.deepEqual(initial.lifetimeActions, [{
      action: "Notify",
      timeAfterCreate: undefined,
      timeBeforeExpiry: "P30D",
    }]);
    const policy = await t.client.updateKeyRotationPolicy("rot", {
      expiresIn: "P48M",
      lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P18M" }, {
        action: "Notify",
        timeBeforeExpiry: "P30D",
      }],
    });
    assert.deepEqual(JSON.parse(t.vault.requests.at(-1)!.body), {
      lifetimeActions: [
        { trigger: { timeAfterCreate: "P18M" }, action: { type: "Rotate" } },
        { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } },
      ],
      attributes: { expiryTime: "P48M" },
    });
    assert.equal(policy.expiresIn, "P48M");
    assert.equal(policy.id, `${FAKE_VAULT_URL}/keys/rot/rotationpolicy`);
    assert.ok(policy.createdOn instanceof Date);
    assert.deepEqual(
      (await t.client.getKeyRotationPolicy("rot")).lifetimeActions?.[0]?.action,
      "Rotate",
    );
  } finally {
    await t.close();
  }
});

test("KeyClient lists keys and deleted keys across pages", async () => {
  const t = await keySetup({ defaultMaxResults: 2 });
  try {
    for (const name of ["k1", "k2", "k3", "k4", "k5"]) await t.client.createEcKey(name);
    const names = [];
    for await (const p of t.client.listPropertiesOfKeys()) names.push(p.name);
    assert.deepEqual(names, ["k1", "k2", "k3", "k4", "k5"]);
    const pages = [];
    for await (const page of t.client.listPropertiesOfKeys().byPage({ maxPageSize: 2 })) {
      pages.push(page.length);
    }
    assert.deepEqual(pages, [2, 2, 1]);
    for (const name of ["k1", "k2", "k3"]) await t.client.deleteKey(name);
    const deleted = [];
    for await (const d of t.client.listDeletedKeys()) {
      deleted.push([d.name, !!d.recoveryId, d.deletedOn instanceof Date]);
    }
    assert.deepEqual(deleted, [["k1", true, true], ["k2", true, true], ["k3", true, true]]);
  } finally {
    await t.close();
  }
});

test("KeyClient delete, recover, purge, backup and restore, with 404 and 409", async () => {
  const t = await keySetup();
  try {
    const created = await t.client.createRsaKey("life");
    const backup = await t.client.backupKey("life");
    assert.ok(backup.length > 0);
    const deleted = await t.client.deleteKey("life");
    assert.equal(deleted.recoveryId, `${FAKE_VAULT_URL}/deletedkeys/life`);
    assert.ok(t.waits.length >= 1, "waited for the soft delete");
    assert.deepEqual((await t.client.getDeletedKey("life")).key, created.key);
    await assert.rejects(t.client.getKey("life"), isRest(404, "KeyNotFound"));
    await assert.rejects(
      t.client.createRsaKey("life"),
      (e: unknown) =>
        isRest(409, "Conflict")(e) &&
        (e as RestError).innerErrorCode === "ObjectIsDeletedButRecoverable",
    );
    const recovered = await t.client.recoverDeletedKey("life");
    assert.deepEqual(recovered.key, created.key);
    assert.equal((await t.client.getKey("life")).id, created.id);
    await t.client.deleteKey("life");
    await t.client.purgeDeletedKey("life");
    await assert.rejects(t.client.getDeletedKey("life"), isRest(404));
    await assert.rejects(t.client.deleteKey("life"), isRest(404));
    const restored = await t.client.restoreKeyBackup(backup);
    assert.deepEqual(restored.key, created.key);
    assert.equal(JSON.parse(t.vault.requests.at(-1)!.body).value, jose.base64url.encode(backup));
    await assert.rejects(t.client.restoreKeyBackup(backup), isRest(409));
    const noWait = await t.client.deleteKey("life", { waitForCompletion: false });
    assert.ok(noWait.recoveryId);
  } finally {
    await t.close();
  }
});

test("KeyClient surfaces 403 as a RestError", async () => {
  const t = await keySetup();
  try {
    t.vault.failNext({
      status: 403,
      body: {
        error: {
          code: "Forbidden",
          message: "The user does not have keys get permission.",
          innererror: { code: "AccessDenied" },
        },
      },
    });
    await assert.rejects(
      t.client.getKey("any"),
      (e: unknown) =>
        isRest(403, "Forbidden")(e) && (e as RestError).innerErrorCode === "AccessDenied",
    );
  } finally {
    await t.close();
  }
});

test("KeyClient on Managed HSM: oct keys, random bytes, attestation", async () => {
  const t = await keySetup({ vaultUrl: FAKE_HSM_URL });
  try {
    assert.equal(t.client.vaultUrl, FAKE_HSM_URL);
    const oct = await t.client.createOctKey("aes", { keySize: 128 });
    assert.equal(oct.keyType, "oct-HSM");
    assert.equal(oct.key?.k, undefined, "no key material leaves the HSM");
    assert.deepEqual(JSON.parse(t.vault.requests.at(-1)!.body), { kty: "oct-HSM", key_size: 128 });
    const bytes = await t.client.getRandomBytes(33);
    assert.equal(bytes.length, 33);
    assert.deepEqual(JSON.parse(t.vault.requests.at(-1)!.body), { count: 33 });
    const attested = await t.client.getKeyAttestation("aes");
    assert.equal(attested.properties.attestation?.version, "1.0");
    assert.match(
      new TextDecoder().decode(attested.properties.attestation!.certificatePemFile),
      /BEGIN CERTIFICATE/,
    );
    assert.equal(new URL(t.vault.requests.at(-1)!.url).pathname, "/keys/aes//attestation");
  } finally {
    await t.close();
  }
});

test("KeyClient.releaseKey() sends the attestation token and keeps it out of errors", async () => {
  const t = await keySetup();
  try {
    const policy = new TextEncoder().encode(JSON.stringify({ version: "1.0.0", anyOf: [] }));
    const key = await t.client.createRsaKey("exportable", {
      hsm: true,
      exportable: true,
      releasePolicy: { encodedPolicy: policy },
    });
    assert.deepEqual(JSON.parse(t.vault.requests.at(-1)!.body).release_policy, {
      data: jose.base64url.encode(policy),
    });
    assert.equal(key.properties.exportable, true);
    assert.deepEqual(key.properties.releasePolicy?.encodedPolicy, policy);
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.attestation-signature";
    const released = await t.client.releaseKey("exportable", token, {
      nonce: "n-1",
      algorithm: "RSA_AES_KEY_WRAP_256",
    });
    assert.equal(released.value.split(".").length, 3);
    assert.deepEqual(JSON.parse(t.vault.requests.at(-1)!.body), {
      target: token,
      nonce: "n-1",
      enc: "RSA_AES_KEY_WRAP_256",
    });
    t.vault.failNext({
      status: 400,
      body: { error: { code: "BadParameter", message: `token ${token} refused` } },
    });
    await assert.rejects(
      t.client.releaseKey("exportable", token),
      (e: unknown) => e instanceof RestError && !e.message.includes(token),
    );
    await t.client.createRsaKey("plain");
    await assert.rejects(t.client.releaseKey("plain", token), isRest(400));
  } finally {
    await t.close();
  }
});

test("parseKeyVaultKeyIdentifier() splits key ids", () => {
  assert.deepEqual(
    parseKeyVaultKeyIdentifier(
      "https://myvault.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef",
    ),
    {
      sourceId: "https://myvault.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef",
      vaultUrl: "https://myvault.vault.azure.net",
      name: "k1",
      version: "0123456789abcdef0123456789abcdef",
    },
  );
  assert.equal(
    parseKeyVaultKeyIdentifier("https://h.managedhsm.azure.net/deletedkeys/k1").version,
    undefined,
  );
  assert.throws(
    () => parseKeyVaultKeyIdentifier("https://myvault.vault.azure.net/secrets/k1"),
    TypeError,
  );
});

test("KeyClient refuses a malformed key in a response with ERR_INVALID_RESPONSE", async () => {
  const t = await keySetup();
  try {
    const { publicJwk } = await testKeyPair("P-256");
    t.vault.failNext({
      status: 200,
      body: { key: { ...publicJwk, kid: `${FAKE_VAULT_URL}/keys/x/1`, x: "A" }, attributes: {} },
    });
    await assert.rejects(
      t.client.getKey("x"),
      (e: unknown) => e instanceof KvfetchError && e.code === "ERR_INVALID_RESPONSE",
    );
  } finally {
    await t.close();
  }
});

test("KeyClient.getCryptographyClient() shares the client's vault and options", async () => {
  const t = await keySetup();
  try {
    await t.client.createRsaKey("c1");
    const crypto1 = t.client.getCryptographyClient("c1");
    assert.equal(crypto1.keyID, `${FAKE_VAULT_URL}/keys/c1`);
    assert.equal(crypto1.vaultUrl, FAKE_VAULT_URL);
    const { result } = await crypto1.signData("RS256", new TextEncoder().encode("x"));
    assert.equal(result.length, 256);
    assert.ok(new KeyClient(FAKE_VAULT_URL, t.credential) instanceof KeyClient);
  } finally {
    await t.close();
  }
});
