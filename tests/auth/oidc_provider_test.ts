/**
 * kvfetch's confidential-client credentials against a REAL, independent OAuth 2.0 server:
 * `oidc-provider` on loopback with Entra's token endpoint layout (see `../_oidc.ts`).
 *
 * The server verifies what it can (secrets, Basic encoding, assertion signature, alg, iss/sub,
 * exp, jti replay), but it also accepts `aud` = its issuer, which Entra would refuse: so every
 * certificate test decodes the recorded assertion and checks `aud` === the token endpoint URL
 * itself, as Entra requires.
 *
 * oidc-provider needs nothing from kvfetch that Entra would not: kvfetch's requests are sent
 * unmodified (same form fields, same headers, the `client-request-id` headers are simply
 * ignored). The only server-side adaptations are in `../_oidc.ts` (the Entra-style token path,
 * the statically registered `https://vault.azure.net/.default` scope, the client registrations
 * with their public JWKS), none of which changes what a client has to send.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  importX509,
  type JWTPayload,
} from "jose";
import {
  AuthenticationError,
  ClientCertificateCredential,
  ClientSecretCredential,
} from "../../mod.ts";
import {
  type OidcServer,
  PRIVATE_KEY_JWT_CLIENT_ID,
  SECRET_BASIC_CLIENT,
  SECRET_POST_CLIENT,
  startOidcProvider,
  type TokenRequestRecord,
  VAULT_SCOPE,
} from "../_oidc.ts";
import { makeCertificate, type TestCertificate, thumbprint } from "../_certs.ts";
import { visible } from "../_entra.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Runs `body` against a fresh oidc-provider whose token path is `/${TENANT}/oauth2/v2.0/token`. */
async function withServer(
  options: Parameters<typeof startOidcProvider>[0],
  body: (server: OidcServer) => Promise<void>,
): Promise<void> {
  const server = await startOidcProvider({ tenant: TENANT, ...options });
  try {
    assert.equal(server.tokenEndpoint, `${server.issuer}/${TENANT}/oauth2/v2.0/token`);
    await body(server);
  } finally {
    await server.close();
  }
}

/** The last recorded token request, which must exist. */
function lastRequest(server: OidcServer): TokenRequestRecord {
  const record = server.tokenRequests.at(-1);
  assert.ok(record, "the token endpoint saw a request");
  return record;
}

function field(record: TokenRequestRecord, name: string): string | undefined {
  const value = record.body[name];
  assert.ok(!Array.isArray(value), `${name} was sent once`);
  return value;
}

/** The certificate's public key as a JWK for the server: no `alg`, so it serves any RSA alg. */
async function publicJwks(certificate: TestCertificate): Promise<{ keys: JsonWebKey[] }> {
  const jwk = await exportJWK(certificate.keys.publicKey);
  assert.equal(jwk.alg, undefined, "jose's exportJWK leaves alg out");
  return { keys: [jwk as JsonWebKey] };
}

function assertOidcToken(token: { token: string; expiresOnTimestamp: number }, before: number) {
  assert.equal(typeof token.token, "string");
  assert.ok(token.token.length > 20);
  // oidc-provider's expires_in is 600 s here.
  assert.ok(token.expiresOnTimestamp >= before + 600_000);
  assert.ok(token.expiresOnTimestamp <= Date.now() + 600_000);
}

test("ClientSecretCredential (authMethod post) gets a token from oidc-provider", async () => {
  await withServer({}, async (server) => {
    const credential = new ClientSecretCredential({
      tenantId: TENANT,
      clientId: SECRET_POST_CLIENT.id,
      clientSecret: SECRET_POST_CLIENT.secret,
      authorityHost: server.issuer,
      allowInsecureLoopback: true,
    });
    const before = Date.now();
    const token = await credential.getToken(VAULT_SCOPE);
    assertOidcToken(token, before);
    assert.equal(token.tokenType, "Bearer");

    assert.equal(server.tokenRequests.length, 1);
    const record = lastRequest(server);
    assert.equal(record.status, 200, record.errorDetail);
    assert.equal(record.authorization, undefined, "no Authorization header with post");
    assert.match(record.contentType ?? "", /^application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.keys(record.body).sort(), [
      "client_id",
      "client_secret",
      "grant_type",
      "scope",
    ]);
    assert.equal(field(record, "client_secret"), SECRET_POST_CLIENT.secret);
    assert.equal(field(record, "client_id"), SECRET_POST_CLIENT.id);
    assert.equal(field(record, "grant_type"), "client_credentials");
    assert.equal(field(record, "scope"), VAULT_SCOPE);

    // Cached: no second request.
    assert.equal((await credential.getToken(VAULT_SCOPE)).token, token.token);
    assert.equal(server.tokenRequests.length, 1);
  });
});

test("ClientSecretCredential (authMethod basic) gets a token from oidc-provider", async () => {
  await withServer({}, async (server) => {
    const credential = new ClientSecretCredential({
      tenantId: TENANT,
      clientId: SECRET_BASIC_CLIENT.id,
      // Holds "+ / : %" and a space: the server decodes Basic credentials per RFC 6749 §2.3.1.
      clientSecret: SECRET_BASIC_CLIENT.secret,
      authMethod: "basic",
      authorityHost: server.issuer,
      allowInsecureLoopback: true,
    });
    const before = Date.now();
    assertOidcToken(await credential.getToken(VAULT_SCOPE), before);

    assert.equal(server.tokenRequests.length, 1);
    const record = lastRequest(server);
    assert.equal(record.status, 200, record.errorDetail);
    assert.match(record.authorization ?? "", /^Basic [A-Za-z0-9+/]+=*$/);
    assert.equal(field(record, "client_secret"), undefined, "no client_secret in the body");
    // kvfetch also sends client_id in the body; the server accepts it since it matches.
    assert.equal(field(record, "client_id"), SECRET_BASIC_CLIENT.id);
    const [id, secret] = atob(record.authorization!.slice("Basic ".length)).split(":");
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    assert.equal(formDecode(id!), SECRET_BASIC_CLIENT.id);
    assert.equal(formDecode(secret!), SECRET_BASIC_CLIENT.secret);
  });
});

test("ClientSecretCredential with a wrong secret raises AuthenticationError invalid_client, secret hidden", async () => {
  await withServer({}, async (server) => {
    for (
      const [client, authMethod] of [[SECRET_POST_CLIENT, "post"], [
        SECRET_BASIC_CLIENT,
        "basic",
      ]] as const
    ) {
      const wrong = `wrong~${authMethod}.Secret_${crypto.randomUUID()}`;
      const credential = new ClientSecretCredential({
        tenantId: TENANT,
        clientId: client.id,
        clientSecret: wrong,
        authMethod,
        authorityHost: server.issuer,
        allowInsecureLoopback: true,
      });
      const sentBefore = server.tokenRequests.length;
      await assert.rejects(credential.getToken(VAULT_SCOPE), (error: unknown) => {
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.equal(error.code, "ERR_AUTHENTICATION");
        assert.equal(error.error, "invalid_client");
        assert.equal(error.status, 401);
        assert.match(error.message, /refused \(401 invalid_client\)/);
        assert.match(error.message, new RegExp(`client ${client.id}`));
        const shown = visible(error);
        assert.ok(!shown.includes(wrong), "the secret appears nowhere in the error");
        assert.ok(!shown.includes(encodeURIComponent(wrong)), "nor its encoded form");
        assert.ok(!shown.includes("Basic "), "nor the Basic header");
        return true;
      });
      assert.equal(server.tokenRequests.length, sentBefore + 1, "a 401 is not retried");
      const record = lastRequest(server);
      assert.equal(record.status, 401);
      assert.equal(record.errorDetail, "invalid secret provided");
      if (authMethod === "post") assert.equal(field(record, "client_secret"), wrong);
      else assert.match(record.authorization ?? "", /^Basic /);
    }
  });
});

/** A certificate test: register the key, get a token, return the decoded assertion. */
async function certificateToken(
  certificate: TestCertificate,
  serverAlg: "PS256" | "RS256" | "ES256",
  signingAlgorithm?: "PS256" | "RS256",
) {
  let result: {
    header: Record<string, unknown>;
    claims: JWTPayload;
    record: TokenRequestRecord;
    endpoint: string;
    before: number;
    after: number;
  } | undefined;
  await withServer(
    { privateKeyJwks: await publicJwks(certificate), privateKeyJwtAlg: serverAlg },
    async (server) => {
      const credential = new ClientCertificateCredential({
        tenantId: TENANT,
        clientId: PRIVATE_KEY_JWT_CLIENT_ID,
        certificate: certificate.pem,
        ...(signingAlgorithm ? { signingAlgorithm } : {}),
        authorityHost: server.issuer,
        allowInsecureLoopback: true,
      });
      const before = Math.floor(Date.now() / 1000);
      const token = await credential.getToken(VAULT_SCOPE);
      const after = Math.ceil(Date.now() / 1000);
      assertOidcToken(token, before * 1000);

      assert.equal(server.tokenRequests.length, 1);
      const record = lastRequest(server);
      assert.equal(record.status, 200, record.errorDetail);
      assert.equal(record.authorization, undefined);
      assert.deepEqual(Object.keys(record.body).sort(), [
        "client_assertion",
        "client_assertion_type",
        "client_id",
        "grant_type",
        "scope",
      ]);
      assert.equal(field(record, "client_assertion_type"), ASSERTION_TYPE);
      assert.equal(field(record, "client_id"), PRIVATE_KEY_JWT_CLIENT_ID);
      assert.equal(field(record, "grant_type"), "client_credentials");
      assert.equal(field(record, "scope"), VAULT_SCOPE);
      const assertion = field(record, "client_assertion")!;

      // The server verified the signature; check it independently against the certificate.
      const alg = decodeProtectedHeader(assertion).alg!;
      await compactVerify(assertion, await importX509(certificate.certificatePem, alg));

      // A forced refresh signs a new assertion (fresh jti: the server's replay check passes).
      await credential.getToken(VAULT_SCOPE, { forceRefresh: true });
      assert.equal(server.tokenRequests.length, 2);
      const second = lastRequest(server);
      assert.equal(second.status, 200, second.errorDetail);
      const secondAssertion = field(second, "client_assertion")!;
      assert.notEqual(decodeJwt(secondAssertion).jti, decodeJwt(assertion).jti);

      result = {
        header: decodeProtectedHeader(assertion) as Record<string, unknown>,
        claims: decodeJwt(assertion),
        record,
        endpoint: server.tokenEndpoint,
        before,
        after,
      };
    },
  );
  assert.ok(result);
  return result;
}

/** Microsoft's assertion rules, checked on the decoded claims (the server accepts more). */
function assertEntraClaims(
  { claims, endpoint, before, after }: Awaited<ReturnType<typeof certificateToken>>,
): void {
  assert.deepEqual(Object.keys(claims).sort(), ["aud", "exp", "iat", "iss", "jti", "nbf", "sub"]);
  // Exactly the token endpoint URL: not the issuer, not an array.
  assert.equal(claims.aud, endpoint);
  assert.equal(claims.iss, PRIVATE_KEY_JWT_CLIENT_ID);
  assert.equal(claims.sub, PRIVATE_KEY_JWT_CLIENT_ID);
  assert.match(String(claims.jti), UUID);
  assert.equal(claims.exp! - claims.nbf!, 600);
  assert.equal(claims.iat, claims.nbf);
  assert.ok(claims.nbf! >= before && claims.nbf! <= after);
}

test("ClientCertificateCredential (RSA, default PS256) authenticates to oidc-provider with x5t#S256", async () => {
  const certificate = await makeCertificate({ type: "RSA" });
  const result = await certificateToken(certificate, "PS256");
  assert.deepEqual(result.header, {
    alg: "PS256",
    typ: "JWT",
    "x5t#S256": await thumbprint(certificate.der, "SHA-256"),
  });
  assertEntraClaims(result);
});

test("ClientCertificateCredential with signingAlgorithm RS256 sends x5t and no x5t#S256", async () => {
  const certificate = await makeCertificate({ type: "RSA" });
  const result = await certificateToken(certificate, "RS256", "RS256");
  assert.deepEqual(result.header, {
    alg: "RS256",
    typ: "JWT",
    x5t: await thumbprint(certificate.der, "SHA-1"),
  });
  assert.ok(!("x5t#S256" in result.header));
  assertEntraClaims(result);
});

test("ClientCertificateCredential (EC P-256) signs ES256 assertions oidc-provider accepts", async () => {
  const certificate = await makeCertificate({ type: "EC", curve: "P-256" });
  const result = await certificateToken(certificate, "ES256");
  assert.deepEqual(result.header, {
    alg: "ES256",
    typ: "JWT",
    "x5t#S256": await thumbprint(certificate.der, "SHA-256"),
  });
  assertEntraClaims(result);
});

test("ClientCertificateCredential issued by a CA, key in PKCS#1 form, still authenticates", async () => {
  const ca = await makeCertificate({ type: "RSA", subject: "kvfetch test CA" });
  const leaf = await makeCertificate({ type: "RSA", subject: "kvfetch leaf", issuer: ca });
  // Chain with the CA first, then the leaf, then a traditional "RSA PRIVATE KEY" block.
  const pem = ca.certificatePem + leaf.certificatePem + leaf.traditionalKeyPem;
  const result = await certificateToken({ ...leaf, pem }, "PS256");
  // The thumbprint is the leaf's (the certificate the key belongs to), not the first one's.
  assert.equal(result.header["x5t#S256"], await thumbprint(leaf.der, "SHA-256"));
  assertEntraClaims(result);
});

test("ClientCertificateCredential with a certificate the server does not know gets invalid_client", async () => {
  const registered = await makeCertificate({ type: "RSA" });
  const other = await makeCertificate({ type: "RSA" });
  await withServer({ privateKeyJwks: await publicJwks(registered) }, async (server) => {
    const credential = new ClientCertificateCredential({
      tenantId: TENANT,
      clientId: PRIVATE_KEY_JWT_CLIENT_ID,
      certificate: other.pem,
      authorityHost: server.issuer,
      allowInsecureLoopback: true,
    });
    await assert.rejects(credential.getToken(VAULT_SCOPE), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.error, "invalid_client");
      const assertion = field(lastRequest(server), "client_assertion")!;
      assert.ok(!visible(error).includes(assertion), "the assertion appears nowhere");
      return true;
    });
    assert.match(lastRequest(server).errorDetail ?? "", /signature/i);
  });
});

test("ClientSecretCredential with enableCae sends the cp1 claims, which oidc-provider accepts", async () => {
  await withServer({}, async (server) => {
    const credential = new ClientSecretCredential({
      tenantId: TENANT,
      clientId: SECRET_POST_CLIENT.id,
      clientSecret: SECRET_POST_CLIENT.secret,
      authorityHost: server.issuer,
      allowInsecureLoopback: true,
    });
    const before = Date.now();
    assertOidcToken(await credential.getToken(VAULT_SCOPE, { enableCae: true }), before);
    const record = lastRequest(server);
    assert.equal(record.status, 200, record.errorDetail);
    assert.deepEqual(JSON.parse(field(record, "claims") ?? "null"), {
      access_token: { xms_cc: { values: ["cp1"] } },
    });
  });
});
