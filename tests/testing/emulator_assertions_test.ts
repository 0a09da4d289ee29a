/**
 * The emulator's Entra ID accepts certificate assertions (signature, `aud`, `x5t#S256` / `x5t`
 * checked) and federated assertions (issuer, subject, audience, signature checked), from
 * kvfetch's ClientCertificateCredential and ClientAssertionCredential, and refuses bad ones.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clearCaches,
  ClientAssertionCredential,
  ClientCertificateCredential,
  SecretClient,
} from "../../mod.ts";
import { createEmulator } from "../../lib/testing/mod.ts";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { makeCertificate } from "../_certs.ts";

const APP = {
  clientId: "55555555-5555-4555-8555-555555555555",
  clientSecret: "unused",
  objectId: "66666666-6666-4666-8666-666666666666",
};

test("emulator: certificate assertions (RSA PS256 x5t#S256, RSA RS256 x5t, EC) get tokens; a foreign certificate does not", async () => {
  for (
    const [type, signingAlgorithm] of [["RSA", "PS256"], ["RSA", "RS256"], [
      "EC",
      undefined,
    ]] as const
  ) {
    clearCaches();
    const cert = await makeCertificate(type === "EC" ? { type, curve: "P-256" } : { type });
    const emulator = createEmulator({
      vaults: ["certvault"],
      apps: [{ ...APP, certificate: cert.certificatePem }],
    });
    const credential = new ClientCertificateCredential({
      tenantId: emulator.tenantId,
      clientId: APP.clientId,
      certificate: cert.pem,
      ...(signingAlgorithm ? { signingAlgorithm } : {}),
      fetch: emulator.fetch,
    });
    const client = new SecretClient(emulator.vaultUrl("certvault"), credential, {
      fetch: emulator.fetch,
    });
    await client.setSecret("s", type);
    assert.equal((await client.getSecret("s")).value, type);

    const other = await makeCertificate({ type: "RSA" });
    clearCaches();
    const foreign = new ClientCertificateCredential({
      tenantId: emulator.tenantId,
      clientId: APP.clientId,
      certificate: other.pem,
      fetch: emulator.fetch,
    });
    await assert.rejects(
      foreign.getToken("https://vault.azure.net/.default"),
      (e: unknown) => /700027/.test(String((e as Error).message)),
    );
  }
});

test("emulator: federated assertions are checked for issuer, subject, audience and signature", async () => {
  clearCaches();
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  const issuer = "https://token.actions.githubusercontent.com";
  const subject = "repo:kvfetch/kvfetch:ref:refs/heads/main";
  const emulator = createEmulator({
    vaults: ["fedvault"],
    apps: [{ ...APP, federated: { issuer, subject, jwks: { keys: [jwk] } } }],
  });
  const assertion = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience("api://AzureADTokenExchange")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
  const credential = new ClientAssertionCredential({
    tenantId: emulator.tenantId,
    clientId: APP.clientId,
    getAssertion: () => assertion(subject),
    fetch: emulator.fetch,
  });
  const client = new SecretClient(emulator.vaultUrl("fedvault"), credential, {
    fetch: emulator.fetch,
  });
  await client.setSecret("fed", "ok");
  assert.equal((await client.getSecret("fed")).value, "ok");
  clearCaches();
  const wrong = new ClientAssertionCredential({
    tenantId: emulator.tenantId,
    clientId: APP.clientId,
    getAssertion: () => assertion("repo:someone/else:ref:refs/heads/main"),
    fetch: emulator.fetch,
  });
  await assert.rejects(
    wrong.getToken("https://vault.azure.net/.default"),
    (e: unknown) => /70021/.test(String((e as Error).message)),
  );
});
