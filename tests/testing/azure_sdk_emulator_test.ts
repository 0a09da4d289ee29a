/**
 * The official Azure SDK against the emulator, unmodified: `@azure/identity`'s
 * `ClientSecretCredential` (MSAL, with its default instance discovery and authority), the
 * `@azure/keyvault-secrets` `SecretClient` and `@azure/keyvault-keys` `KeyClient` /
 * `CryptographyClient`, the `@azure/keyvault-certificates` `CertificateClient` (their challenge
 * policy verifies the resource, as in production) and `@azure/arm-keyvault`'s `KeyVaultManagementClient` (core-lro, core-paging),
 * plugged in through their `httpClient` option: an adapter that hands each pipeline request to
 * the emulator's `fetch`. Nothing leaves the process.
 */
import { ClientSecretCredential, SecretClient } from "../_azure_sdk.ts";
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
  RestError,
} from "@azure/core-rest-pipeline";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { CertificateClient as SdkCertificateClient } from "@azure/keyvault-certificates";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator } from "../../lib/testing/mod.ts";

/** An `HttpClient` whose transport is `fetch` (the emulator's), recording each URL. */
function fetchHttpClient(
  fetch: (input: string, init?: RequestInit) => Promise<Response>,
): HttpClient & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      urls.push(`${request.method} ${request.url}`);
      const headers = new Headers();
      for (const [name, value] of request.headers) headers.set(name, value);
      let body = request.body;
      if (typeof body === "function") body = body();
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers,
          body: body as BodyInit | undefined,
          ...(request.abortSignal ? { signal: request.abortSignal as AbortSignal } : {}),
        });
      } catch (error) {
        if (request.abortSignal?.aborted) throw error;
        throw new RestError(String(error), { code: RestError.REQUEST_SEND_ERROR, request });
      }
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
}

/** An emulator with the given vaults, its `HttpClient` and an MSAL `ClientSecretCredential`. */
function sdkSession(vaults?: string[]) {
  const emulator = createEmulator(vaults ? { vaults } : {});
  const httpClient = fetchHttpClient(emulator.fetch);
  const credential = new ClientSecretCredential(
    emulator.env.AZURE_TENANT_ID,
    emulator.env.AZURE_CLIENT_ID,
    emulator.env.AZURE_CLIENT_SECRET,
    { httpClient },
  );
  return { emulator, httpClient, credential };
}

test("official SDK: ClientSecretCredential + SecretClient run unmodified against the emulator", async () => {
  const { emulator, httpClient, credential } = sdkSession(["sdkvault"]);
  const client = new SecretClient(emulator.vaultUrl("sdkvault"), credential, {
    httpClient,
    retryOptions: { maxRetries: 0 },
  });
  const set = await client.setSecret("sdk-secret", "from the SDK", { contentType: "text/plain" });
  assert.equal(set.value, "from the SDK");
  assert.equal((await client.getSecret("sdk-secret")).value, "from the SDK");
  const names: string[] = [];
  for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
  assert.deepEqual(names, ["sdk-secret"]);
  const poller = await client.beginDeleteSecret("sdk-secret", { intervalInMs: 0 });
  await poller.pollUntilDone();
  await client.purgeDeletedSecret("sdk-secret");
  // MSAL asked for a token at the real token endpoint; the challenge came first.
  assert.ok(
    httpClient.urls.some((u) =>
      u.startsWith(`POST https://login.microsoftonline.com/${emulator.tenantId}/oauth2/v2.0/token`)
    ),
  );
  assert.ok(httpClient.urls[0]!.includes("sdkvault.vault.azure.net"));
});

test("official SDK: @azure/arm-keyvault creates, gets, lists and deletes a vault on the emulator", async () => {
  const { emulator, httpClient, credential } = sdkSession();
  const group = await emulator.fetch(
    `https://management.azure.com/subscriptions/${emulator.subscriptionId}/resourcegroups/sdk-rg?api-version=2021-04-01`,
    {
      method: "PUT",
      headers: {
        authorization: `Bearer ${
          (await emulator.credential().getToken(
            "https://management.azure.com/.default",
          ))!.token
        }`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ location: "westus2" }),
    },
  );
  assert.equal(group.status, 201);
  const arm = new KeyVaultManagementClient(credential, emulator.subscriptionId, { httpClient });
  const vault = await arm.vaults.beginCreateOrUpdateAndWait("sdk-rg", "sdk-vault-1", {
    location: "westus2",
    properties: {
      tenantId: emulator.tenantId,
      sku: { family: "A", name: "standard" },
      accessPolicies: [],
    },
  }, { updateIntervalInMs: 0 });
  assert.equal(vault.properties.provisioningState, "Succeeded");
  assert.equal(vault.properties.vaultUri, "https://sdk-vault-1.vault.azure.net/");
  assert.equal((await arm.vaults.get("sdk-rg", "sdk-vault-1")).name, "sdk-vault-1");
  const listed: string[] = [];
  for await (const v of arm.vaults.listByResourceGroup("sdk-rg")) listed.push(v.name!);
  assert.deepEqual(listed, ["sdk-vault-1"]);
  await arm.vaults.delete("sdk-rg", "sdk-vault-1");
  const deleted: string[] = [];
  for await (const d of arm.vaults.listDeleted()) deleted.push(d.name!);
  assert.deepEqual(deleted, ["sdk-vault-1"]);
  await arm.vaults.beginPurgeDeletedAndWait("sdk-vault-1", "westus2", { updateIntervalInMs: 0 });
});

test("official SDK: @azure/keyvault-keys KeyClient and CryptographyClient against the emulator", async () => {
  const { emulator, httpClient, credential } = sdkSession(["sdkkeys"]);
  const keys = new KeyClient(emulator.vaultUrl("sdkkeys"), credential, {
    httpClient,
    retryOptions: { maxRetries: 0 },
  });
  const rsa = await keys.createRsaKey("sdk-rsa", { keySize: 2048 });
  assert.equal(rsa.keyType, "RSA");
  const crypto = new CryptographyClient(rsa.id!, credential, { httpClient });
  const plaintext = new TextEncoder().encode("from the official SDK");
  const encrypted = await crypto.encrypt({ algorithm: "RSA-OAEP", plaintext });
  const decrypted = await crypto.decrypt({ algorithm: "RSA-OAEP", ciphertext: encrypted.result });
  assert.deepEqual(new Uint8Array(decrypted.result), plaintext);
  const signed = await crypto.signData("RS256", plaintext);
  assert.equal((await crypto.verifyData("RS256", plaintext, signed.result)).result, true);
  const ec = await keys.createEcKey("sdk-ec", { curve: "P-256" });
  const ecCrypto = new CryptographyClient(ec.id!, credential, { httpClient });
  const ecSigned = await ecCrypto.signData("ES256", plaintext);
  assert.equal((await ecCrypto.verifyData("ES256", plaintext, ecSigned.result)).result, true);
  const names: string[] = [];
  for await (const k of keys.listPropertiesOfKeys()) names.push(k.name);
  assert.deepEqual(names.sort(), ["sdk-ec", "sdk-rsa"]);
  const poller = await keys.beginDeleteKey("sdk-ec", { intervalInMs: 0 });
  await poller.pollUntilDone();
  await keys.purgeDeletedKey("sdk-ec");
});

test("official SDK: @azure/keyvault-certificates CertificateClient against the emulator", async () => {
  const { emulator, httpClient, credential } = sdkSession(["sdkcerts"]);
  const client = new SdkCertificateClient(emulator.vaultUrl("sdkcerts"), credential, {
    httpClient,
    retryOptions: { maxRetries: 0 },
  });
  const poller = await client.beginCreateCertificate("sdk-cert", {
    issuerName: "Self",
    subject: "CN=sdk.example.com",
    subjectAlternativeNames: { dnsNames: ["sdk.example.com"] },
    contentType: "application/x-pem-file",
  }, { intervalInMs: 0 });
  const certificate = await poller.pollUntilDone();
  assert.equal(certificate.name, "sdk-cert");
  assert.equal(certificate.policy?.subject, "CN=sdk.example.com");
  assert.ok(certificate.cer && certificate.cer.length > 100);
  const got = await client.getCertificate("sdk-cert");
  assert.equal(got.properties.version, certificate.properties.version);
  const policy = await client.getCertificatePolicy("sdk-cert");
  assert.equal(policy.issuerName, "Self");
  const pending = await client.beginCreateCertificate("sdk-csr", {
    issuerName: "Unknown",
    subject: "CN=csr",
  }, { intervalInMs: 0 });
  assert.equal(pending.isDone(), false);
  const op = await client.getCertificateOperation("sdk-csr");
  const operation = op.getOperationState().certificateOperation;
  assert.equal(operation?.status, "inProgress");
  assert.ok(operation?.csr && operation.csr.length > 0);
  await client.setContacts([{ email: "ops@example.com" }]);
  assert.equal((await client.getContacts())?.[0]?.email, "ops@example.com");
  await client.createIssuer("sdk-issuer", "Test");
  assert.equal((await client.getIssuer("sdk-issuer")).provider, "Test");
  const names: string[] = [];
  for await (const c of client.listPropertiesOfCertificates()) names.push(c.name!);
  assert.deepEqual(names, ["sdk-cert"]);
  const backup = await client.backupCertificate("sdk-cert");
  const deleting = await client.beginDeleteCertificate("sdk-cert", { intervalInMs: 0 });
  await deleting.pollUntilDone();
  await client.purgeDeletedCertificate("sdk-cert");
  const restored = await client.restoreCertificateBackup(backup!);
  assert.equal(restored.name, "sdk-cert");
});
