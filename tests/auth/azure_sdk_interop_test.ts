/**
 * kvfetch credentials and the OFFICIAL Azure SDK for JS, both ways:
 *
 * (a) `@azure/identity` credentials work wherever kvfetch takes a `TokenCredential` (here:
 *     kvfetch's `ChainedTokenCredential`), at run time and at the type level;
 * (b) kvfetch credentials work in `@azure/keyvault-secrets`' `SecretClient`, through its Key
 *     Vault challenge (tenant from the challenge, CAE) and its CAE claims challenge.
 *
 * The SDK runs against loopback servers through `loopbackHttpClient` (see `../_azure_sdk.ts`);
 * kvfetch's own token requests do NOT go through the SDK pipeline: they go through kvfetch's
 * `fetch` option, which reroutes `https://login.microsoftonline.com` to a loopback fake Entra
 * (so kvfetch builds exactly the URLs and assertion audiences it would build in production).
 * Anything aimed at another origin is refused without touching the network.
 *
 * The type-level checks are typed assignments: `deno test` and `deno check` type-check this
 * file, so an incompatible `TokenCredential` shape fails the run before any test starts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compactVerify, decodeJwt, decodeProtectedHeader, importX509 } from "jose";
import {
  AUTHORITY_HOST,
  ClientSecretCredential as AzureClientSecretCredential,
  type GetTokenOptions as CoreGetTokenOptions,
  identityOptions,
  loopbackHttpClient,
  SecretClient,
  type TokenCredential as CoreTokenCredential,
  VAULT_SCOPE,
  VAULT_URL,
} from "../_azure_sdk.ts";
import {
  type AccessToken,
  ChainedTokenCredential,
  ClientCertificateCredential,
  type ClientCredentialOptions,
  ClientSecretCredential,
  type FetchLike,
  type GetTokenOptions,
  KvfetchError,
  StaticTokenCredential,
  type TokenCredential,
} from "../../mod.ts";
import { type FakeEntra, fakeEntra, invalidSecretResponse, tokenResponse } from "../_entra.ts";
import { type Loopback, serve } from "../_loopback.ts";
import { makeCertificate, type TestCertificate, thumbprint } from "../_certs.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "9b2c8f4e-1d3a-4c5b-8e7f-0a1b2c3d4e5f";
const SECRET = "kvfetch~interop.Secret_value-1";
const CP1 = { access_token: { xms_cc: { values: ["cp1"] } } };

function challengeFor(tenant: string): string {
  return `Bearer authorization="https://login.microsoftonline.com/${tenant}", ` +
    `resource="https://vault.azure.net"`;
}

// ---------------------------------------------------------------------------------------------
// Type-level interop. Each line is a typed assignment that `deno check` verifies.

/** kvfetch's credential classes and interface, seen as `@azure/core-auth`'s TokenCredential. */
export function kvfetchAsCoreAuth(
  secret: ClientSecretCredential,
  certificate: ClientCertificateCredential,
  chain: ChainedTokenCredential,
  any: TokenCredential,
): CoreTokenCredential[] {
  const a: CoreTokenCredential = secret;
  const b: CoreTokenCredential = certificate;
  const c: CoreTokenCredential = chain;
  const d: CoreTokenCredential = any;
  return [a, b, c, d];
}

/** `@azure/identity`'s credentials and `@azure/core-auth`'s interface, seen as kvfetch's. */
export function coreAuthAsKvfetch(
  identity: AzureClientSecretCredential,
  any: CoreTokenCredential,
): TokenCredential[] {
  const a: TokenCredential = identity;
  const b: TokenCredential = any;
  // The options kvfetch passes on are acceptable to core-auth credentials, and back.
  const kvOptions: GetTokenOptions = { enableCae: true, tenantId: TENANT, claims: "{}" };
  const coreOptions: CoreGetTokenOptions = kvOptions;
  void coreOptions;
  // The check is live: something that is not a credential does not pass.
  // @ts-expect-error getToken must resolve to an AccessToken, not a string
  const notACredential: TokenCredential = { getToken: () => Promise.resolve("token") };
  void notACredential;
  return [a, b];
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A kvfetch `fetch` that reroutes origins to loopback and refuses every other origin. */
function routedFetch(routes: Record<string, string>): FetchLike & { urls: string[] } {
  const urls: string[] = [];
  const fn: FetchLike = (url, init) => {
    const original = new URL(url);
    const target = routes[original.origin];
    urls.push(url);
    if (target === undefined) {
      return Promise.reject(new TypeError(`routedFetch: no route for ${original.origin}`));
    }
    return fetch(target + original.pathname + original.search, init);
  };
  return Object.assign(fn, { urls });
}

interface VaultRequest {
  method: string;
  path: string;
  authorization: string | null;
}

/**
 * A fake Key Vault on loopback: a request without `Authorization` gets the challenge; with one,
 * `answer` decides (default: the secret `db-password`).
 */
async function fakeVault(
  challenge: string,
  answer?: (request: VaultRequest, n: number) => Response | undefined,
): Promise<Loopback & { requests: VaultRequest[] }> {
  const requests: VaultRequest[] = [];
  const server = await serve((request) => {
    const url = new URL(request.url);
    const seen: VaultRequest = {
      method: request.method,
      path: url.pathname,
      authorization: request.headers.get("authorization"),
    };
    requests.push(seen);
    if (!seen.authorization) {
      return new Response(null, { status: 401, headers: { "www-authenticate": challenge } });
    }
    return answer?.(seen, requests.length) ?? Response.json({
      value: "hunter2",
      id: `${VAULT_URL}/secrets/db-password/0123456789abcdef0123456789abcdef`,
      attributes: { enabled: true, created: 1700000000, updated: 1700000000 },
    });
  });
  return Object.assign(server, { requests });
}

/** A fake Entra that issues distinct tokens and remembers them in order. */
async function issuingEntra(): Promise<FakeEntra & { issued: string[] }> {
  const issued: string[] = [];
  const entra = await fakeEntra((_call, n) => {
    const token = `entra-token-${n}-${crypto.randomUUID()}`;
    issued.push(token);
    return tokenResponse(token);
  });
  return Object.assign(entra, { issued });
}

interface GetTokenCall {
  scopes: string | string[];
  options: GetTokenOptions | undefined;
  result?: AccessToken;
  error?: unknown;
}

/** Records every call the SDK makes to a kvfetch credential's `getToken`, and what it returned. */
function recordGetToken<T extends TokenCredential>(credential: T): T & { calls: GetTokenCall[] } {
  const calls: GetTokenCall[] = [];
  const original = credential.getToken.bind(credential);
  credential.getToken = async (scopes, options) => {
    const call: GetTokenCall = { scopes, options: options && { ...options } };
    calls.push(call);
    try {
      const result = await original(scopes, options);
      call.result = result ?? undefined;
      return result;
    } catch (error) {
      call.error = error;
      throw error;
    }
  };
  return Object.assign(credential, { calls });
}

// ---------------------------------------------------------------------------------------------
// (a) @azure/identity credentials where kvfetch expects a TokenCredential

test("ChainedTokenCredential from kvfetch gets a token from an @azure/identity ClientSecretCredential", async () => {
  const entra = await issuingEntra();
  try {
    const httpClient = loopbackHttpClient({ [AUTHORITY_HOST]: entra.origin });
    const clientId = crypto.randomUUID();
    const identity = new AzureClientSecretCredential(
      TENANT,
      clientId,
      SECRET,
      identityOptions(httpClient),
    );
    const asKvfetch: TokenCredential = identity;
    // An unavailable kvfetch credential first: the chain passes the turn to @azure/identity's.
    const expired = new StaticTokenCredential({ token: "old", expiresOnTimestamp: 1 });
    const chain = new ChainedTokenCredential(expired, asKvfetch);

    const token = await chain.getToken(VAULT_SCOPE);
    assert.equal(token.token, entra.issued[0]);
    assert.equal(token.tokenType, "Bearer");
    assert.ok(Math.abs(token.expiresOnTimestamp - (Date.now() + 3599_000)) < 60_000);
    assert.deepEqual(httpClient.refused, []);
    assert.equal(entra.calls.length, 1);
    const call = entra.calls[0]!;
    assert.equal(call.method, "POST");
    assert.equal(call.path, `/${TENANT}/oauth2/v2.0/token`);
    assert.equal(call.form.get("client_id"), clientId);
    assert.equal(call.form.get("client_secret"), SECRET);
    assert.equal(call.form.get("x-client-SKU"), "msal.js.node", "MSAL made this request");
    assert.equal(call.form.get("claims"), null);

    // kvfetch passes its GetTokenOptions through: enableCae reaches MSAL, which asks for cp1.
    const cae = await chain.getToken(VAULT_SCOPE, { enableCae: true });
    assert.equal(entra.calls.length, 2);
    assert.equal(cae.token, entra.issued[1]);
    assert.deepEqual(
      JSON.parse(entra.calls[1]!.form.get("claims") ?? "null").access_token,
      CP1.access_token,
    );
  } finally {
    await entra.close();
  }
});

test("ChainedTokenCredential from kvfetch stops at an @azure/identity authentication failure", async () => {
  const entra = await fakeEntra(() => invalidSecretResponse());
  try {
    const httpClient = loopbackHttpClient({ [AUTHORITY_HOST]: entra.origin });
    const identity = new AzureClientSecretCredential(
      TENANT,
      crypto.randomUUID(),
      "wrong-secret-value",
      identityOptions(httpClient),
    );
    let fallbackAsked = false;
    const fallback: TokenCredential = {
      getToken() {
        fallbackAsked = true;
        return Promise.resolve({ token: "fallback", expiresOnTimestamp: Date.now() + 60_000 });
      },
    };
    await assert.rejects(
      new ChainedTokenCredential(identity, fallback).getToken(VAULT_SCOPE),
      (error: unknown) => {
        // @azure/identity's own error, passed through untouched.
        // @azure/identity 4.14 wraps MSAL's ServerError (Entra's invalid_client) in an
        // AuthenticationRequiredError. kvfetch's chain moves on only for
        // CredentialUnavailableError, so it stops here, as its documentation says. NOTE:
        // @azure/identity's own ChainedTokenCredential would move on to the next credential
        // for an AuthenticationRequiredError; kvfetch (documented in chained.ts) does not.
        assert.match((error as Error).name, /^Authentication(Required)?Error$/);
        assert.ok(!(error instanceof KvfetchError));
        assert.match((error as Error).message, /AADSTS7000215/);
        return true;
      },
    );
    assert.equal(fallbackAsked, false, "a configured-but-wrong credential ends the chain");
    assert.equal(entra.calls.length, 1);
  } finally {
    await entra.close();
  }
});

// ---------------------------------------------------------------------------------------------
// (b) kvfetch credentials inside the official SecretClient

let certificatePromise: Promise<TestCertificate> | undefined;
const certificate = () => certificatePromise ??= makeCertificate({ type: "RSA" });

interface Kind {
  name: string;
  make(options: ClientCredentialOptions): Promise<TokenCredential>;
  /** Checks how the credential proved itself in one token request to the fake Entra. */
  checkProof(form: URLSearchParams, tokenEndpoint: string): Promise<void>;
}

const KINDS: Kind[] = [
  {
    name: "ClientSecretCredential",
    make: (options) =>
      Promise.resolve(new ClientSecretCredential({ ...options, clientSecret: SECRET })),
    checkProof(form) {
      assert.equal(form.get("client_secret"), SECRET);
      assert.equal(form.get("client_assertion"), null);
      return Promise.resolve();
    },
  },
  {
    name: "ClientCertificateCredential",
    make: async (options) =>
      new ClientCertificateCredential({ ...options, certificate: (await certificate()).pem }),
    async checkProof(form, tokenEndpoint) {
      const cert = await certificate();
      assert.equal(form.get("client_secret"), null);
      assert.equal(
        form.get("client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      );
      const assertion = form.get("client_assertion") ?? "";
      assert.deepEqual(decodeProtectedHeader(assertion), {
        alg: "PS256",
        typ: "JWT",
        "x5t#S256": await thumbprint(cert.der, "SHA-256"),
      });
      const claims = decodeJwt(assertion);
      assert.equal(claims.aud, tokenEndpoint);
      assert.equal(claims.iss, form.get("client_id"));
      assert.equal(claims.sub, form.get("client_id"));
      assert.equal(claims.exp! - claims.nbf!, 600);
      await compactVerify(assertion, await importX509(cert.certificatePem, "PS256"));
    },
  },
];

/** Entra's token endpoint URL for `tenant`, as kvfetch must build it (and sign it as aud). */
const tokenEndpoint = (tenant: string) => `${AUTHORITY_HOST}/${tenant}/oauth2/v2.0/token`;

for (const kind of KINDS) {
  test(`${kind.name} from kvfetch works in the official SecretClient through the Key Vault challenge`, async () => {
    const entra = await issuingEntra();
    const vault = await fakeVault(challengeFor(TENANT));
    try {
      const fetch = routedFetch({ [AUTHORITY_HOST]: entra.origin });
      const kvfetchCredential = recordGetToken(
        await kind.make({
          tenantId: TENANT,
          clientId: crypto.randomUUID(),
          fetch,
          retry: { maxRetries: 0 },
        }),
      );
      const asCoreAuth: CoreTokenCredential = kvfetchCredential;
      const httpClient = loopbackHttpClient({ [VAULT_URL]: vault.origin });
      const client = new SecretClient(VAULT_URL, asCoreAuth, {
        httpClient,
        retryOptions: { maxRetries: 0 },
      });

      const secret = await client.getSecret("db-password");
      assert.equal(secret.value, "hunter2");
      assert.equal(secret.properties.version, "0123456789abcdef0123456789abcdef");

      // The SDK asked kvfetch once, with the challenge's tenant and CAE on.
      assert.equal(kvfetchCredential.calls.length, 1);
      const call = kvfetchCredential.calls[0]!;
      assert.deepEqual(call.scopes, [VAULT_SCOPE]);
      assert.equal(call.options?.tenantId, TENANT);
      assert.equal(call.options?.enableCae, true);
      assert.equal(call.options?.claims, undefined);
      assert.equal(call.error, undefined);

      // kvfetch's own request went to (rerouted) Entra, with the cp1 capability.
      assert.deepEqual(fetch.urls, [tokenEndpoint(TENANT)]);
      assert.equal(entra.calls.length, 1);
      const form = entra.calls[0]!.form;
      assert.equal(entra.calls[0]!.path, `/${TENANT}/oauth2/v2.0/token`);
      assert.equal(form.get("grant_type"), "client_credentials");
      assert.equal(form.get("scope"), VAULT_SCOPE);
      assert.deepEqual(JSON.parse(form.get("claims") ?? "null"), CP1);
      await kind.checkProof(form, tokenEndpoint(TENANT));

      // The vault saw exactly the token kvfetch obtained from Entra.
      assert.equal(call.result?.token, entra.issued[0]);
      assert.deepEqual(
        vault.requests.map((r) => r.authorization),
        [null, `Bearer ${entra.issued[0]}`],
      );
      // Only vault traffic went through the SDK pipeline; nothing was refused.
      assert.deepEqual(httpClient.refused, []);
      assert.deepEqual(
        httpClient.sent.map((r) => new URL(r.url).host),
        ["myvault.vault.azure.net", "myvault.vault.azure.net"],
      );

      // The next call reuses the token: no new token request.
      await client.getSecret("db-password");
      assert.equal(entra.calls.length, 1);
      assert.equal(vault.requests.at(-1)?.authorization, `Bearer ${entra.issued[0]}`);
    } finally {
      await entra.close();
      await vault.close();
    }
  });

  test(`${kind.name} from kvfetch in SecretClient refuses a challenge for another tenant unless allowed`, async () => {
    const entra = await issuingEntra();
    const vault = await fakeVault(challengeFor(OTHER_TENANT));
    try {
      const fetch = routedFetch({ [AUTHORITY_HOST]: entra.origin });
      const base = {
        tenantId: TENANT,
        clientId: crypto.randomUUID(),
        fetch,
        retry: { maxRetries: 0 },
      };
      const strict = recordGetToken(await kind.make(base));
      const httpClient = loopbackHttpClient({ [VAULT_URL]: vault.origin });
      const options = { httpClient, retryOptions: { maxRetries: 0 } };

      await assert.rejects(
        new SecretClient(VAULT_URL, strict, options).getSecret("db-password"),
        (error: unknown) => {
          assert.ok(error instanceof KvfetchError, String(error));
          assert.equal(error.code, "ERR_TENANT_NOT_ALLOWED");
          assert.match(error.message, new RegExp(OTHER_TENANT));
          assert.match(error.message, /additionallyAllowedTenants/);
          return true;
        },
      );
      assert.equal(strict.calls.length, 1);
      assert.equal(strict.calls[0]!.options?.tenantId, OTHER_TENANT);
      assert.equal(entra.calls.length, 0, "nothing was sent to Entra");
      assert.deepEqual(vault.requests.map((r) => r.authorization), [null]);

      // Allowed: the token comes from the challenge's tenant.
      const allowed = await kind.make({ ...base, additionallyAllowedTenants: [OTHER_TENANT] });
      const secret = await new SecretClient(VAULT_URL, allowed, options).getSecret("db-password");
      assert.equal(secret.value, "hunter2");
      assert.deepEqual(fetch.urls, [tokenEndpoint(OTHER_TENANT)]);
      assert.equal(entra.calls[0]!.path, `/${OTHER_TENANT}/oauth2/v2.0/token`);
      await kind.checkProof(entra.calls[0]!.form, tokenEndpoint(OTHER_TENANT));
      assert.equal(vault.requests.at(-1)?.authorization, `Bearer ${entra.issued[0]}`);
    } finally {
      await entra.close();
      await vault.close();
    }
  });

  test(`${kind.name} from kvfetch answers SecretClient's CAE insufficient_claims challenge`, async () => {
    const demanded = {
      access_token: {
        nbf: { essential: true, value: "1726077595" },
        xms_caeerror: { value: "10012" },
      },
    };
    const caeChallenge = `Bearer realm="", ` +
      `authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ` +
      `error="insufficient_claims", claims="${btoa(JSON.stringify(demanded))}"`;
    const entra = await issuingEntra();
    // The first token is refused with a claims challenge (as after a revocation event).
    const vault = await fakeVault(
      challengeFor(TENANT),
      (request) =>
        request.authorization === `Bearer ${entra.issued[0]}`
          ? new Response(null, { status: 401, headers: { "www-authenticate": caeChallenge } })
          : undefined,
    );
    try {
      const fetch = routedFetch({ [AUTHORITY_HOST]: entra.origin });
      const kvfetchCredential = recordGetToken(
        await kind.make({
          tenantId: TENANT,
          clientId: crypto.randomUUID(),
          fetch,
          retry: { maxRetries: 0 },
        }),
      );
      const client = new SecretClient(VAULT_URL, kvfetchCredential, {
        httpClient: loopbackHttpClient({ [VAULT_URL]: vault.origin }),
        retryOptions: { maxRetries: 0 },
      });
      assert.equal((await client.getSecret("db-password")).value, "hunter2");

      assert.equal(kvfetchCredential.calls.length, 2);
      const second = kvfetchCredential.calls[1]!;
      assert.equal(second.options?.tenantId, TENANT);
      assert.equal(second.options?.enableCae, true);
      assert.deepEqual(JSON.parse(second.options?.claims ?? "null"), demanded);
      assert.equal(second.result?.token, entra.issued[1], "a new token, not the cached one");

      assert.equal(entra.calls.length, 2);
      assert.deepEqual(JSON.parse(entra.calls[1]!.form.get("claims") ?? "null"), {
        access_token: { ...demanded.access_token, ...CP1.access_token },
      });
      await kind.checkProof(entra.calls[1]!.form, tokenEndpoint(TENANT));
      assert.deepEqual(vault.requests.map((r) => r.authorization), [
        null,
        `Bearer ${entra.issued[0]}`,
        `Bearer ${entra.issued[1]}`,
      ]);
    } finally {
      await entra.close();
      await vault.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The abort signal of @azure/core-auth's GetTokenOptions

test(
  "ClientSecretCredential from kvfetch accepts an @azure/core-auth AbortSignalLike",
  async () => {
    const entra = await issuingEntra();
    try {
      const credential = new ClientSecretCredential({
        tenantId: TENANT,
        clientId: crypto.randomUUID(),
        clientSecret: SECRET,
        fetch: routedFetch({ [AUTHORITY_HOST]: entra.origin }),
        retry: { maxRetries: 0 },
      });
      const asCoreAuth: CoreTokenCredential = credential;
      // Exactly the members @azure/abort-controller's AbortSignalLike declares, as an SDK caller
      // (or @azure/abort-controller 1.x's own AbortController) may hand them over.
      const signalLike = (aborted: boolean) => ({
        aborted,
        reason: aborted ? new Error("stop") : undefined,
        addEventListener() {},
        removeEventListener() {},
      });
      const token = await asCoreAuth.getToken(VAULT_SCOPE, { abortSignal: signalLike(false) });
      assert.equal(token?.token, entra.issued[0]);
      await assert.rejects(
        asCoreAuth.getToken(VAULT_SCOPE, { abortSignal: signalLike(true), enableCae: true }),
        (error: unknown) => (error as Error).message === "stop",
      );
    } finally {
      await entra.close();
    }
  },
);
