/**
 * Proves tests/_oidc.ts serves a working Entra-shaped client-credentials token endpoint, using
 * raw `fetch` only (no kvfetch auth code).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  type OidcServer,
  PRIVATE_KEY_JWT_CLIENT_ID,
  SECRET_BASIC_CLIENT,
  SECRET_POST_CLIENT,
  startOidcProvider,
  VAULT_SCOPE,
} from "../_oidc.ts";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

let server: OidcServer;
let privateKey: CryptoKey;

before(async () => {
  const pair = await generateKeyPair("PS256", { modulusLength: 2048 });
  privateKey = pair.privateKey;
  const publicJwk = await exportJWK(pair.publicKey);
  server = await startOidcProvider({ privateKeyJwks: { keys: [publicJwk] } });
});

after(async () => {
  await server?.close();
});

async function postForm(
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(server.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return { status: response.status, json: await response.json() };
}

function assertToken(result: { status: number; json: Record<string, unknown> }): void {
  assert.equal(result.status, 200, JSON.stringify(result.json));
  assert.equal(typeof result.json.access_token, "string");
  assert.ok((result.json.access_token as string).length > 0);
  assert.equal(result.json.token_type, "Bearer");
  assert.equal(result.json.expires_in, 600);
  assert.equal(result.json.scope, VAULT_SCOPE);
}

function basic(id: string, secret: string): string {
  const form = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${btoa(`${form(id)}:${form(secret)}`)}`;
}

async function assertion(aud: string, jti = crypto.randomUUID()): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ jti })
    .setProtectedHeader({ alg: "PS256", typ: "JWT" })
    .setIssuer(PRIVATE_KEY_JWT_CLIENT_ID)
    .setSubject(PRIVATE_KEY_JWT_CLIENT_ID)
    .setAudience(aud)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

test("token endpoint has Entra's layout on loopback", () => {
  assert.match(server.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.tokenEndpoint, `${server.issuer}/tenant-a/oauth2/v2.0/token`);
});

test("client_secret_post gets an access token", async () => {
  const result = await postForm({
    grant_type: "client_credentials",
    client_id: SECRET_POST_CLIENT.id,
    client_secret: SECRET_POST_CLIENT.secret,
    scope: VAULT_SCOPE,
  });
  assertToken(result);
  const record = server.tokenRequests.at(-1);
  assert.equal(record?.authorization, undefined);
  assert.equal(record?.body.client_secret, SECRET_POST_CLIENT.secret);
});

test("client_secret_basic gets an access token", async () => {
  const result = await postForm(
    { grant_type: "client_credentials", scope: VAULT_SCOPE },
    { authorization: basic(SECRET_BASIC_CLIENT.id, SECRET_BASIC_CLIENT.secret) },
  );
  assertToken(result);
  const record = server.tokenRequests.at(-1);
  assert.match(record?.authorization ?? "", /^Basic /);
  assert.equal(record?.body.client_secret, undefined);
});

test("client_secret_basic without form-urlencoding the secret is rejected", async () => {
  const raw = `Basic ${btoa(`${SECRET_BASIC_CLIENT.id}:${SECRET_BASIC_CLIENT.secret}`)}`;
  const result = await postForm(
    { grant_type: "client_credentials", scope: VAULT_SCOPE },
    { authorization: raw },
  );
  assert.ok(result.status === 400 || result.status === 401, String(result.status));
});

test("private_key_jwt (PS256, aud = token endpoint) gets an access token", async () => {
  const result = await postForm({
    grant_type: "client_credentials",
    client_id: PRIVATE_KEY_JWT_CLIENT_ID,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(server.tokenEndpoint),
    scope: VAULT_SCOPE,
  });
  assertToken(result);
});

test("private_key_jwt: aud = issuer also passes; a foreign aud and a replayed jti fail", async () => {
  const viaIssuer = await postForm({
    grant_type: "client_credentials",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(server.issuer),
    scope: VAULT_SCOPE,
  });
  assertToken(viaIssuer);

  const wrongAud = await postForm({
    grant_type: "client_credentials",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion("https://login.microsoftonline.com/tenant-a/v2.0"),
    scope: VAULT_SCOPE,
  });
  assert.equal(wrongAud.status, 401);
  assert.equal(wrongAud.json.error, "invalid_client");

  const jti = crypto.randomUUID();
  const first = await postForm({
    grant_type: "client_credentials",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(server.tokenEndpoint, jti),
    scope: VAULT_SCOPE,
  });
  assertToken(first);
  const replay = await postForm({
    grant_type: "client_credentials",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(server.tokenEndpoint, jti),
    scope: VAULT_SCOPE,
  });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.error, "invalid_client");
});

test("wrong client secret is invalid_client", async () => {
  const result = await postForm({
    grant_type: "client_credentials",
    client_id: SECRET_POST_CLIENT.id,
    client_secret: "not-the-secret",
    scope: VAULT_SCOPE,
  });
  assert.ok(result.status === 400 || result.status === 401, String(result.status));
  assert.equal(result.json.error, "invalid_client");
  assert.equal(server.tokenRequests.at(-1)?.errorDetail, "invalid secret provided");
});
