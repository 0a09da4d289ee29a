/**
 * Key release against the emulator: the answer is a JWS signed by the vault's release key, whose
 * certificate rides in `x5c`, so code that verifies release answers can be tested.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compactVerify, decodeProtectedHeader, importX509 } from "jose";
import { clearCaches, KeyClient } from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";

test("emulator: releaseKey answers a JWS that verifies with its x5c certificate", async () => {
  clearCaches();
  const emulator = createEmulator({ vaults: ["myvault"] });
  const client = new KeyClient(emulator.vaultUrl("myvault"), emulator.credential(), {
    fetch: emulator.fetch,
  });
  await client.createRsaKey("releasable", {
    exportable: true,
    releasePolicy: { encodedPolicy: new TextEncoder().encode('{"version":"1.0.0","anyOf":[]}') },
  });
  const { value } = await client.releaseKey("releasable", "attestation-token", { nonce: "n-1" });
  const header = decodeProtectedHeader(value);
  assert.equal(header.alg, "RS256");
  const pem = `-----BEGIN CERTIFICATE-----\n${header.x5c![0]}\n-----END CERTIFICATE-----`;
  const { payload } = await compactVerify(value, await importX509(pem, "RS256"));
  const body = JSON.parse(new TextDecoder().decode(payload));
  assert.equal(body.nonce, "n-1");
  assert.equal(body.response.key.key.kty, "RSA");
  // A tampered payload does not verify.
  const [h, , s] = value.split(".");
  const forged = `${h}.${btoa('{"nonce":"x"}').replace(/=+$/, "")}.${s}`;
  await assert.rejects(compactVerify(forged, await importX509(pem, "RS256")));
});
