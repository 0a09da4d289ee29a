/**
 * The workerd smoke suite: runs INSIDE a Cloudflare worker (workerd, nodejs_compat off) and
 * exercises every kvfetch module that exists against an in-worker fake `fetch`: a fake Entra
 * ID token endpoint and tests/_fake_vault.ts's Key Vault. Nothing leaves the worker.
 *
 * - auth: `ClientSecretCredential` (post and basic) and `ClientCertificateCredential` (RSA
 *   PS256 and EC ES256, certificates made in the worker with Web Crypto by tests/_certs.ts)
 *   get tokens, and the fake endpoint verifies each client assertion's signature;
 * - secrets: `SecretClient` through the Key Vault challenge: set, get (latest and by version),
 *   list across pages, update, delete (with polling), get/list deleted, recover, purge, backup
 *   and restore, and a 404 as a `RestError`;
 * - management: `VaultsClient`, `ResourceGroupsClient` and `waitForDataPlane` against the fake
 *   ARM (`./smoke_management.ts`).
 * - certificates: `CertificateClient` against tests/_fake_certificates.ts: self-signed PEM
 *   certificates created and downloaded, the key signing what the certificate verifies, CSR +
 *   merge, paging, the PKCS#12 coded error (`./smoke_certificates.ts`).
 * - testing: the emulator (`kvfetch/testing`) itself inside the worker, used by kvfetch's clients
 *   with default options (`./smoke_emulator.ts`).
 * - keys: `KeyClient` creates RSA and EC keys in the fake (real key pairs); `CryptographyClient`
 *   encrypts and wraps locally (RSA-OAEP-256) and the fake decrypts, the fake signs and the
 *   worker verifies locally (RS256, PS256, ES256, and an RSA digest); `signJwt` tokens verify
 *   with jose, `verifyJwt` and a JWKS from `toJwks`.
 *
 * `scripts/test_workerd.ts` bundles it (esbuild, conditions workerd,worker,browser), refuses a
 * bundle with any Node built-in, and runs it with `workerd test`. The worker's `test()` handler
 * prints one line per check and `workerd smoke: N passed, N failed`, and throws on a failure.
 * `runSmoke()` is exported too, so any runtime can run the same checks.
 *
 * @module
 */
import {
  type AccessToken,
  ClientCertificateCredential,
  ClientSecretCredential,
  type TokenCredential,
} from "kvfetch/auth";
import { SecretClient } from "kvfetch/secrets";
import { CryptographyClient, KeyClient, signJwt, verifyJwt } from "kvfetch/keys";
import { toCryptoKey, toJwks } from "kvfetch/jwk";
import { KvfetchError, RestError } from "kvfetch";
import { createLocalJWKSet, importJWK, importX509, jwtVerify } from "jose";
import { makeCertificate } from "../_certs.ts";
import { FAKE_TENANT_ID, FAKE_VAULT_URL, fakeVault } from "../_fake_vault.ts";
import { runManagementSmoke } from "./smoke_management.ts";
import { runCertificatesSmoke } from "./smoke_certificates.ts";
import { runEmulatorSmoke } from "./smoke_emulator.ts";

const AUTHORITY = "https://login.microsoftonline.com";
const SCOPE = "https://vault.azure.net/.default";
const TOKEN_ENDPOINT = `${AUTHORITY}/${FAKE_TENANT_ID}/oauth2/v2.0/token`;
const CLIENT_ID = "00000000-0000-4000-8000-000000000001";
const CLIENT_SECRET = "s3cr3t-Ω";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** One check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

class AssertionFailed extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

function equal<T>(actual: T, expected: T, what: string): void {
  assert(
    Object.is(actual, expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

/** What the fake token endpoint saw. */
interface TokenCall {
  form: URLSearchParams;
  authorization: string | null;
  contentType: string | null;
}

/** A fake Entra ID token endpoint (client credentials), as a web handler. */
function fakeEntra() {
  const calls: TokenCall[] = [];
  const certificates = new Map<string, string>(); // client_id -> certificate PEM
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== `/${FAKE_TENANT_ID}/oauth2/v2.0/token`) {
      return Response.json({ error: "invalid_request" }, { status: 404 });
    }
    // Decoded by hand: workerd warns about .text() on a form body.
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    calls.push({
      form,
      authorization: request.headers.get("authorization"),
      contentType: request.headers.get("content-type"),
    });
    const basic = request.headers.get("authorization");
    const [basicId, basicSecret] = basic?.startsWith("Basic ")
      ? atob(basic.slice(6)).split(":").map(decodeURIComponent)
      : [];
    const clientId = form.get("client_id") ?? basicId;
    let authenticated = false;
    if (form.get("client_secret") === CLIENT_SECRET || basicSecret === CLIENT_SECRET) {
      authenticated = true;
    } else if (form.get("client_assertion_type") === ASSERTION_TYPE && clientId) {
      const pem = certificates.get(clientId);
      const jwt = form.get("client_assertion") ?? "";
      const alg = JSON.parse(atob(jwt.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).alg;
      if (pem) {
        try {
          await jwtVerify(jwt, await importX509(pem, alg), {
            audience: TOKEN_ENDPOINT,
            issuer: clientId,
            subject: clientId,
          });
          authenticated = true;
        } catch {
          authenticated = false;
        }
      }
    }
    if (!authenticated || form.get("grant_type") !== "client_credentials") {
      return Response.json({ error: "invalid_client", error_codes: [7000215] }, { status: 401 });
    }
    return Response.json({
      token_type: "Bearer",
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: `entra-token-${calls.length}`,
    });
  };
  return { calls, certificates, handler };
}

/**
 * The worker's `fetch` stand-in: Entra's and the vault's origins go to in-worker handlers;
 * anything else is refused like a network error.
 */
function fakeFetch(routes: Record<string, (request: Request) => Promise<Response>>) {
  const seen: string[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    seen.push(`${request.method} ${request.url}`);
    const handler = routes[new URL(request.url).origin];
    if (!handler) throw new TypeError(`fake fetch: no route for ${request.url}`);
    return await handler(request);
  };
  return Object.assign(fetch, { seen });
}

/** A credential that counts the tokens it is asked for (for the vault checks). */
function counting(inner: TokenCredential): TokenCredential & { calls: number } {
  const counter = {
    calls: 0,
    getToken(scopes: string | string[], options?: Parameters<TokenCredential["getToken"]>[1]) {
      counter.calls++;
      return inner.getToken(scopes, options) as Promise<AccessToken>;
    },
  };
  return counter;
}

/** Runs every check; never throws. */
export async function runSmoke(
  log: (line: string) => void = (line) => console.log(line),
): Promise<{ passed: number; failed: number; results: CheckResult[] }> {
  const results: CheckResult[] = [];
  const check = async (name: string, fn: () => Promise<void> | void) => {
    const start = Date.now();
    try {
      await fn();
      results.push({ name, ok: true, ms: Date.now() - start });
      log(`ok   ${name}`);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ name, ok: false, error: message, ms: Date.now() - start });
      log(`FAIL ${name}\n     ${message}`);
    }
  };

  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const now = () => clock;
  const sleep = (ms: number, signal?: AbortSignal) => {
    clock += ms;
    signal?.throwIfAborted();
    return Promise.resolve();
  };
  const entra = fakeEntra();
  const vault = fakeVault({ now, defaultMaxResults: 2 });
  const fetch = fakeFetch({ [AUTHORITY]: entra.handler, [FAKE_VAULT_URL]: vault.handler });
  const http = { fetch, now, sleep };

  await check("the platform has Web Crypto and the fetch types", () => {
    equal(typeof crypto.subtle.sign, "function", "crypto.subtle.sign");
    equal(typeof Request, "function", "Request");
    equal(typeof Headers, "function", "Headers");
  });

  await check(
    "ClientSecretCredential gets a token (client_secret_post) and caches it",
    async () => {
      const credential = new ClientSecretCredential({
        tenantId: FAKE_TENANT_ID,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        ...http,
      });
      const before = entra.calls.length;
      const token = await credential.getToken(SCOPE);
      assert(token.token.startsWith("entra-token-"), `token ${token.token}`);
      assert(token.expiresOnTimestamp > clock, "expiry in the future");
      const call = entra.calls.at(-1)!;
      equal(call.form.get("client_id"), CLIENT_ID, "client_id");
      equal(call.form.get("client_secret"), CLIENT_SECRET, "client_secret");
      equal(call.form.get("scope"), SCOPE, "scope");
      equal(call.form.get("grant_type"), "client_credentials", "grant_type");
      assert(call.contentType?.startsWith("application/x-www-form-urlencoded"), "content type");
      equal((await credential.getToken(SCOPE)).token, token.token, "second token (cached)");
      equal(entra.calls.length, before + 1, "token requests");
    },
  );

  await check("ClientSecretCredential gets a token with client_secret_basic", async () => {
    const credential = new ClientSecretCredential({
      tenantId: FAKE_TENANT_ID,
      clientId: crypto.randomUUID(), // not the one above: that token is cached
      clientSecret: CLIENT_SECRET,
      authMethod: "basic",
      ...http,
    });
    assert((await credential.getToken(SCOPE)).token.startsWith("entra-token-"), "token");
    const call = entra.calls.at(-1)!;
    assert(call.authorization?.startsWith("Basic "), "Authorization: Basic");
    equal(call.form.get("client_secret"), null, "no client_secret in the form");
  });

  await check("ClientSecretCredential: a wrong secret is an AuthenticationError", async () => {
    const credential = new ClientSecretCredential({
      tenantId: FAKE_TENANT_ID,
      clientId: CLIENT_ID,
      clientSecret: "wrong",
      ...http,
    });
    const error = await credential.getToken(SCOPE).then(() => undefined, (e: unknown) => e);
    assert(error instanceof KvfetchError, `a KvfetchError, got ${error}`);
    equal((error as Error).name, "AuthenticationError", "error name");
    assert(!String((error as Error).message).includes("wrong"), "the secret is not echoed");
  });

  for (const kind of ["RSA", "EC"] as const) {
    const alg = kind === "RSA" ? "PS256" : "ES256";
    await check(
      `ClientCertificateCredential (${kind}, ${alg}) gets a token with a verified assertion`,
      async () => {
        const cert = await makeCertificate({ type: kind, subject: `kvfetch workerd ${kind}` });
        const clientId = crypto.randomUUID();
        entra.certificates.set(clientId, cert.certificatePem);
        const credential = new ClientCertificateCredential({
          tenantId: FAKE_TENANT_ID,
          clientId,
          certificate: cert.pem,
          ...http,
          // The fake endpoint checks the assertion's exp/nbf against the real clock.
          now: Date.now,
        });
        const token = await credential.getToken(SCOPE);
        assert(token.token.startsWith("entra-token-"), `token ${token.token}`);
        const call = entra.calls.at(-1)!;
        equal(call.form.get("client_assertion_type"), ASSERTION_TYPE, "assertion type");
        const header = JSON.parse(atob(
          call.form.get("client_assertion")!.split(".")[0]!
            .replace(/-/g, "+").replace(/_/g, "/"),
        ));
        equal(header.alg, alg, "alg");
        assert(typeof header["x5t#S256"] === "string", "x5t#S256 header");
        equal(call.form.get("client_secret"), null, "no client secret");
      },
    );
  }

  const secretCredential = counting(
    new ClientSecretCredential({
      tenantId: FAKE_TENANT_ID,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...http,
    }),
  );
  const client = new SecretClient(FAKE_VAULT_URL, secretCredential, http);
  let firstVersion = "";

  await check("SecretClient.setSecret() goes through the Key Vault challenge", async () => {
    const set = await client.setSecret("db-password", "hunter2", {
      contentType: "text/plain",
      tags: { env: "smoke" },
    });
    equal(set.name, "db-password", "name");
    equal(set.value, "hunter2", "value");
    assert(/^[0-9a-f]{32}$/.test(set.properties.version ?? ""), "version");
    firstVersion = set.properties.version!;
    const puts = vault.requests.filter((r) => r.method === "PUT");
    equal(puts.length, 2, "PUT requests (challenge probe, then with the token)");
    equal(puts[0]!.authorization, null, "the probe carries no token");
    equal(puts[0]!.body, "", "the probe carries no body");
    assert(puts[1]!.authorization?.startsWith("Bearer entra-token-"), "the token");
    equal(secretCredential.calls, 1, "token requests");
  });

  await check("SecretClient.getSecret() reads the latest version and a given version", async () => {
    await client.setSecret("db-password", "hunter3");
    equal((await client.getSecret("db-password")).value, "hunter3", "latest");
    const old = await client.getSecret("db-password", { version: firstVersion });
    equal(old.value, "hunter2", "first version");
    equal(old.properties.contentType, "text/plain", "content type");
    equal(old.properties.tags?.env, "smoke", "tag");
  });

  await check("SecretClient lists secrets and versions across pages", async () => {
    for (const name of ["api-key", "cache-key", "queue-key"]) await client.setSecret(name, "v");
    const names: string[] = [];
    for await (const properties of client.listPropertiesOfSecrets()) names.push(properties.name);
    equal(names.sort().join(","), "api-key,cache-key,db-password,queue-key", "names");
    const pages = vault.requests.filter((r) => r.method === "GET" && r.path === "/secrets");
    assert(pages.length >= 2, `followed nextLink (${pages.length} pages)`);
    let versions = 0;
    for await (const page of client.listPropertiesOfSecretVersions("db-password").byPage()) {
      versions += page.length;
    }
    equal(versions, 2, "versions");
  });

  await check("SecretClient.updateSecretProperties() changes tags and attributes", async () => {
    const updated = await client.updateSecretProperties("api-key", "", {
      enabled: false,
      tags: { rotated: "yes" },
    });
    equal(updated.enabled, false, "enabled");
    equal(updated.tags?.rotated, "yes", "tag");
  });

  await check("SecretClient deletes (waiting), lists deleted, recovers and purges", async () => {
    const deleted = await client.deleteSecret("cache-key");
    equal(deleted.name, "cache-key", "deleted name");
    assert(deleted.recoveryId, "recoveryId");
    const gone = await client.getSecret("cache-key").then(() => undefined, (e: unknown) => e);
    assert(gone instanceof RestError, `a RestError, got ${gone}`);
    equal((gone as RestError).status, 404, "status after delete");
    equal((await client.getDeletedSecret("cache-key")).name, "cache-key", "getDeletedSecret");
    const listed: string[] = [];
    for await (const item of client.listDeletedSecrets()) listed.push(item.name);
    assert(listed.includes("cache-key"), `listDeletedSecrets: ${listed}`);
    await client.recoverDeletedSecret("cache-key");
    equal((await client.getSecret("cache-key")).value, "v", "recovered value");
    await client.deleteSecret("queue-key");
    await client.purgeDeletedSecret("queue-key");
    equal(vault.secret("queue-key"), undefined, "purged");
  });

  await check("SecretClient backs up and restores a secret", async () => {
    const backup = await client.backupSecret("db-password");
    assert(backup instanceof Uint8Array && backup.length > 0, "backup bytes");
    await client.deleteSecret("db-password");
    await client.purgeDeletedSecret("db-password");
    const restored = await client.restoreSecretBackup(backup);
    equal(restored.name, "db-password", "restored name");
    equal((await client.getSecret("db-password")).value, "hunter3", "restored value");
  });

  await check("SecretClient with ClientCertificateCredential reads a secret", async () => {
    const cert = await makeCertificate({ type: "EC", curve: "P-384" });
    const clientId = crypto.randomUUID();
    entra.certificates.set(clientId, cert.certificatePem);
    const credential = new ClientCertificateCredential({
      tenantId: FAKE_TENANT_ID,
      clientId,
      certificate: cert.pem,
      fetch,
    });
    const other = new SecretClient(FAKE_VAULT_URL, credential, http);
    equal((await other.getSecret("db-password")).value, "hunter3", "value");
    const call = entra.calls.at(-1)!;
    equal(call.form.get("client_id"), clientId, "the certificate client asked for the token");
  });

  await check(
    "SecretClient: a missing secret is a RestError 404 with Key Vault's code",
    async () => {
      const error = await client.getSecret("no-such-secret").then(
        () => undefined,
        (e: unknown) => e,
      );
      assert(error instanceof RestError, `a RestError, got ${error}`);
      equal(error.status, 404, "status");
      equal(error.errorCode, "SecretNotFound", "error code");
    },
  );

  const keys = new KeyClient(FAKE_VAULT_URL, secretCredential, http);
  let rsaKey: Awaited<ReturnType<KeyClient["createRsaKey"]>> | undefined;
  let ecKey: Awaited<ReturnType<KeyClient["createEcKey"]>> | undefined;

  await check("KeyClient creates RSA and EC keys and reads their JWKs", async () => {
    rsaKey = await keys.createRsaKey("smoke-rsa");
    ecKey = await keys.createEcKey("smoke-ec", { curve: "P-256" });
    equal(rsaKey.jwk?.kty, "RSA", "RSA jwk");
    equal(ecKey.jwk?.crv, "P-256", "EC jwk");
    equal((await keys.getKey("smoke-ec")).id, ecKey.id, "getKey");
    const cryptoKey = await toCryptoKey(ecKey.jwk!, { alg: "ES256" });
    equal(cryptoKey.usages.join(), "verify", "a Web Crypto key");
  });

  await check("CryptographyClient encrypts and wraps locally; the vault decrypts", async () => {
    const client = new CryptographyClient(rsaKey!, secretCredential, http);
    const before = vault.requests.length;
    const plaintext = new TextEncoder().encode("a data key for the worker");
    const encrypted = await client.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
    equal(encrypted.local, true, "local encrypt");
    const wrapped = await client.wrapKey("RSA-OAEP", plaintext.subarray(0, 16));
    equal(wrapped.local, true, "local wrap");
    equal(vault.requests.length, before, "nothing sent to encrypt or wrap");
    const decrypted = await client.decrypt({
      algorithm: "RSA-OAEP-256",
      ciphertext: encrypted.result,
    });
    equal(new TextDecoder().decode(decrypted.result), "a data key for the worker", "round trip");
    const unwrapped = await client.unwrapKey("RSA-OAEP", wrapped.result);
    equal(unwrapped.result.length, 16, "unwrapped");
  });

  await check("CryptographyClient: the vault signs, the worker verifies locally", async () => {
    const data = new TextEncoder().encode("signed in the vault");
    for (const [key, alg] of [[rsaKey!, "RS256"], [rsaKey!, "PS256"], [ecKey!, "ES256"]] as const) {
      const client = new CryptographyClient(key, secretCredential, http);
      const signed = await client.signData(alg, data);
      const verified = await client.verifyData(alg, data, signed.result);
      equal(verified.result && verified.local, true, `${alg} verifyData local`);
      if (alg !== "ES256") {
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
        const byDigest = await client.verify(alg, digest, signed.result);
        equal(byDigest.result && byDigest.local, true, `${alg} verify(digest) local`);
      }
      const bad = signed.result.slice();
      bad[0]! ^= 1;
      equal((await client.verifyData(alg, data, bad)).result, false, `${alg} tampered`);
    }
  });

  await check("signJwt in a Worker: jose, verifyJwt and a JWKS accept the tokens", async () => {
    for (const [key, alg] of [[rsaKey!, "PS256"], [ecKey!, "ES256"]] as const) {
      const token = await signJwt({ role: "smoke" }, {
        key: new CryptographyClient(key, secretCredential, http),
        alg,
        issuer: "https://smoke.example",
        expiresIn: "5m",
        now,
      });
      const at = { currentDate: new Date(clock) };
      const { payload } = await jwtVerify(token, await importJWK(key.jwk!, alg), at);
      equal(payload.role, "smoke", `${alg} jose`);
      equal(
        (await verifyJwt(token, key, at)).payload.iss,
        "https://smoke.example",
        `${alg} verifyJwt`,
      );
      const jwks = createLocalJWKSet(
        toJwks([rsaKey!, ecKey!]) as Parameters<typeof createLocalJWKSet>[0],
      );
      equal((await jwtVerify(token, jwks, at)).protectedHeader.kid, key.id, `${alg} JWKS`);
    }
  });

  await check("nothing left the worker: every request went to the two fakes", () => {
    const origins = new Set(fetch.seen.map((line) => new URL(line.split(" ")[1]!).origin));
    equal([...origins].sort().join(" "), [AUTHORITY, FAKE_VAULT_URL].sort().join(" "), "origins");
  });

  await runManagementSmoke(check);
  await runCertificatesSmoke(check);
  await runEmulatorSmoke(check);

  const failed = results.filter((r) => !r.ok).length;
  return { passed: results.length - failed, failed, results };
}

/** The worker: `workerd test` calls `test()`. */
export default {
  async test(): Promise<void> {
    const { passed, failed } = await runSmoke();
    // What makes this a bare worker: no Node globals, and a node: module does not even load
    // (nodejs_compat is off). The specifier is built at run time so that no bundler sees it.
    const g = globalThis as Record<string, unknown>;
    const nodeGlobals = ["process", "Buffer", "global", "require"].filter((name) =>
      typeof g[name] !== "undefined"
    );
    const builtin = ["node", "buffer"].join(":");
    const nodeLoads = await import(builtin).then(() => true, () => false);
    const platform = [
      ["no Node globals (process, Buffer, global, require)", nodeGlobals.length === 0],
      ["node: modules are unavailable (nodejs_compat off)", !nodeLoads],
    ] as const;
    for (const [name, ok] of platform) console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
    if (nodeGlobals.length) console.log(`     present: ${nodeGlobals.join(", ")}`);
    const bad = failed + platform.filter(([, ok]) => !ok).length;
    const total = passed + failed + platform.length;
    console.log(`workerd smoke: ${total - bad} passed, ${bad} failed`);
    if (bad) throw new Error(`workerd smoke: ${bad} of ${total} checks failed`);
  },
};
