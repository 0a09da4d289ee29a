/**
 * A real, independent OAuth 2.0 authorization server for tests: the npm package `oidc-provider`
 * (panva, 9.x) listening on 127.0.0.1 on a free port, with its token endpoint laid out like
 * Microsoft Entra ID's: `http://127.0.0.1:<port>/<tenant>/oauth2/v2.0/token`. Only the
 * `client_credentials` grant is exercised. Tests only; nothing here is used by the library.
 *
 * Findings from reading oidc-provider 9.13.3's source (Deno npm cache:
 * ~/.cache/deno/npm/registry.npmjs.org/oidc-provider/9.13.3/):
 *
 * - Accepted `aud` of a `private_key_jwt` client assertion: lib/shared/jwt_client_auth.js:12 takes
 *   `ctx.oidc.clientJwtAuthExpectedAudience()`, defined at lib/helpers/oidc_context.js:133-135 as
 *     `new Set([this.issuer, this.urlFor('token'), this.urlFor(this.route)])`
 *   (the last two are the same URL at the token endpoint). A string `aud` must equal either the
 *   issuer identifier exactly (here `http://127.0.0.1:<port>`; with a trailing slash it fails) or
 *   the token endpoint URL exactly; an array `aud` passes when any member matches
 *   (jwt_client_auth.js:48-58). So the Entra rule (aud = token endpoint URL) works, but this server
 *   does NOT catch a client that wrongly sends the issuer: tests that care must decode
 *   `tokenRequests[i].body.client_assertion` themselves. `urlFor` is built from `ctx.href`, i.e.
 *   from the request's Host header (lib/helpers/oidc_context.js:77-84): a client that posts to
 *   `localhost:<port>` but signs aud `http://127.0.0.1:<port>/...` is rejected, so always use
 *   `tokenEndpoint` verbatim. The default `assertJwtClientAuthClaimsAndHeader`
 *   (lib/helpers/defaults.js:632-638) narrows aud to the issuer only under FAPI 2.0 (not enabled).
 * - Other assertion rules (lib/shared/jwt_client_auth.js:32-84; lib/helpers/jwt.js `assertPayload`;
 *   lib/shared/client_auth.js:176-197), all checked against this server:
 *   `sub` is REQUIRED and it is `sub`, not `iss`, that selects the client; `iss` must equal the
 *   client_id; a `client_id` form field is optional but must match if sent; `exp` is required and
 *   has NO upper limit (exp = now + 10 years passes); `jti` is required and replay-checked (reuse
 *   within exp + tolerance -> invalid_client); `iat` and `nbf` are optional (a future `iat` is
 *   ignored when `exp` is present); `exp` may be past and `nbf` future by up to `clockTolerance`
 *   (default 15 s, lib/helpers/defaults.js:857; option `clockTolerance` here). `typ` is not
 *   checked.
 *   `client_assertion_type` must be `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
 *   (otherwise invalid_request, not invalid_client). The header alg must be in
 *   `enabledJWA.clientAuthSigningAlgValues` (restricted here to PS256 RS256 ES256), or equal the
 *   client's `token_endpoint_auth_signing_alg` if pinned (`privateKeyJwtAlg`). The verification key
 *   is picked by alg and `kid` only: `x5t`/`x5t#S256` headers (as Entra certificate credentials
 *   send) are ignored, a JWK without `kid` is matched by key type, and a JWK carrying an `alg`
 *   member matches only that alg. Every invalid_client body says just "client authentication
 *   failed"; the real reason is in `tokenRequests[i].errorDetail`.
 * - client_secret_basic vs client_secret_post: lib/shared/client_auth.js:115-153 treats both as
 *   interchangeable (`methods = ['client_secret_basic', 'client_secret_post']` for either form),
 *   so a client registered for one still authenticates with the other. Use `tokenRequests` to
 *   assert which form a client really sent. The Basic credentials are `decodeURIComponent`-ed after
 *   `+` -> space (lib/shared/client_auth.js:30-36), as RFC 6749 section 2.3.1 requires; the basic
 *   client's default secret therefore holds characters that break without form-urlencoding.
 *   Sending two mechanisms at once (header + client_secret, ...) is invalid_request.
 * - Plain http issuers are accepted on any host (lib/provider.js:85-96 only checks it is a web URI
 *   without query/fragment); there is no loopback special case and no https requirement.
 * - The issuer's path is the mount path of every route (lib/provider.js:153, 210-218), so the
 *   issuer is the bare origin and `routes.token` carries the whole Entra path. (Entra's real issuer
 *   is `https://login.microsoftonline.com/<tenant>/v2.0`; that does not matter for client
 *   credentials, where the client never sees the issuer.)
 * - Scope: whether resource indicators are on (the 9.x default) or off, a request without a
 *   `resource` parameter has its scope filtered down to the statically registered `scopes`
 *   (lib/shared/check_resource.js:6-10, 34, 47); any other value is silently dropped, and the token
 *   is still issued, just without `scope` (checked: `https://management.azure.com/.default` gets a
 *   200 here). We therefore register `https://vault.azure.net/.default` in `scopes` and disable
 *   `resourceIndicators` (so a stray `resource` parameter is ignored too): the result is an opaque
 *   access token, `token_type: "Bearer"`, `expires_in` = `ttl.ClientCredentials` (600 s by
 *   default here, option `accessTokenTtl`), and `scope` echoed back. The more Entra-like
 *   alternative, a JWT access token with aud https://vault.azure.net via
 *   resourceIndicators.getResourceServerInfo, was not needed: a client treats the token as opaque.
 * - Storage: the built-in memory adapter is per provider in 9.x (lib/helpers/initialize_adapter.js
 *   calls `createMemoryAdapter()` per instance) but prints a "development-only in-memory adapter"
 *   warning, so a tiny per-server Map adapter (`memoryAdapter` below) is passed instead. It holds
 *   issued ClientCredentials tokens and the ReplayDetection (jti) entries.
 * - It keeps no timers (no setInterval/setTimeout in lib/), so closing the http server is all the
 *   shutdown needed. It warns "Unsupported runtime" once on import under Deno (lib/index.js:10) and
 *   works anyway.
 * - Permissions: `--allow-net=127.0.0.1,localhost --allow-env` is enough (checked); `--allow-env`
 *   is unavoidable because its dependencies read env vars at import time (depd: NO_DEPRECATION,
 *   debug: DEBUG). `--allow-read` is not needed by this file but is harmless; no `--allow-sys`.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** The scope kvfetch asks Entra for when talking to Key Vault. */
export const VAULT_SCOPE = "https://vault.azure.net/.default";

/** A client id and secret. */
export interface SecretClient {
  id: string;
  secret: string;
}

/** Registered with `token_endpoint_auth_method: "client_secret_post"`. */
export const SECRET_POST_CLIENT: SecretClient = {
  id: "11111111-1111-4111-8111-111111111111",
  secret: "post~Secret.value_1-abc",
};

/**
 * Registered with `token_endpoint_auth_method: "client_secret_basic"`. The secret holds `+ / : %`
 * and a space, so a client that does not form-urlencode id and secret before base64 fails.
 */
export const SECRET_BASIC_CLIENT: SecretClient = {
  id: "22222222-2222-4222-8222-222222222222",
  secret: "basic~Secret:with+plus/slash%25 space",
};

/** Registered with `token_endpoint_auth_method: "private_key_jwt"`. */
export const PRIVATE_KEY_JWT_CLIENT_ID = "33333333-3333-4333-8333-333333333333";

/** A public JSON Web Key Set. */
export interface PublicJwks {
  keys: JsonWebKey[];
}

export interface OidcProviderOptions {
  /** Tenant path segment of the token endpoint. Default `"tenant-a"`. */
  tenant?: string;
  /** Whole token endpoint path; overrides `tenant`. Default `/${tenant}/oauth2/v2.0/token`. */
  tokenPath?: string;
  /** Default {@link SECRET_POST_CLIENT}. */
  secretPostClient?: SecretClient;
  /** Default {@link SECRET_BASIC_CLIENT}. */
  secretBasicClient?: SecretClient;
  /** Default {@link PRIVATE_KEY_JWT_CLIENT_ID}. */
  privateKeyJwtClientId?: string;
  /**
   * Public keys of the `private_key_jwt` client (RSA for PS256/RS256, EC P-256 for ES256). Public
   * members only: oidc-provider rejects private ones. Without it the client is not registered.
   */
  privateKeyJwks?: PublicJwks;
  /**
   * Pin the assertion alg (`token_endpoint_auth_signing_alg`). Default: unpinned, any of PS256,
   * RS256, ES256 that the JWKS has a key for.
   */
  privateKeyJwtAlg?: "PS256" | "RS256" | "ES256";
  /** Extra scopes accepted besides {@link VAULT_SCOPE}. */
  scopes?: string[];
  /** Access token lifetime in seconds (`expires_in`). Default 600. */
  accessTokenTtl?: number;
  /** Clock tolerance in seconds for assertion `exp`/`nbf`. Default 15 (oidc-provider's). */
  clockTolerance?: number;
}

/** What one token endpoint request carried, and how it was answered. */
export interface TokenRequestRecord {
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** The `Content-Type` header, if any. */
  contentType: string | undefined;
  /** The parsed form body (strings; a repeated field is an array). */
  body: Record<string, string | string[]>;
  status: number;
  /**
   * On failure, oidc-provider's internal reason (`error_detail`, e.g. "audience (aud) must equal
   * the endpoint url, issuer identifier or token endpoint url"). The response body only says
   * "client authentication failed" for every invalid_client, so look here when a test fails.
   */
  errorDetail?: string;
}

export interface OidcServer {
  /** `http://127.0.0.1:<port>` (also an accepted assertion `aud`). */
  issuer: string;
  /** `http://127.0.0.1:<port>/<tenant>/oauth2/v2.0/token`. */
  tokenEndpoint: string;
  port: number;
  /** Every request to the token endpoint, oldest first. */
  readonly tokenRequests: readonly TokenRequestRecord[];
  close(): Promise<void>;
}

/** The slice of oidc-provider's API used here (the package ships no types). */
interface ProviderLike {
  use(fn: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): unknown;
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
interface KoaContext {
  method: string;
  path: string;
  status: number;
  get(field: string): string;
  oidc?: { body?: Record<string, string | string[]> };
}
type ProviderConstructor = new (issuer: string, configuration: unknown) => ProviderLike;

const ALGS = ["PS256", "RS256", "ES256"];

/** Start oidc-provider on 127.0.0.1, port 0. Always `close()` it (e.g. in `t.after`). */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcServer> {
  const tenant = options.tenant ?? "tenant-a";
  const tokenPath = options.tokenPath ?? `/${tenant}/oauth2/v2.0/token`;
  const post = options.secretPostClient ?? SECRET_POST_CLIENT;
  const basic = options.secretBasicClient ?? SECRET_BASIC_CLIENT;

  // The issuer must be known before the Provider exists, and it contains the port: listen first,
  // attach the provider's request listener once it is built (nobody knows the port before that).
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const common = {
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
  };
  const clients: Record<string, unknown>[] = [
    {
      ...common,
      client_id: post.id,
      client_secret: post.secret,
      token_endpoint_auth_method: "client_secret_post",
    },
    {
      ...common,
      client_id: basic.id,
      client_secret: basic.secret,
      token_endpoint_auth_method: "client_secret_basic",
    },
  ];
  if (options.privateKeyJwks) {
    clients.push({
      ...common,
      client_id: options.privateKeyJwtClientId ?? PRIVATE_KEY_JWT_CLIENT_ID,
      token_endpoint_auth_method: "private_key_jwt",
      jwks: options.privateKeyJwks,
      ...(options.privateKeyJwtAlg
        ? { token_endpoint_auth_signing_alg: options.privateKeyJwtAlg }
        : {}),
    });
  }

  const ttl = options.accessTokenTtl ?? 600;
  let provider: ProviderLike;
  try {
    provider = new (Provider as unknown as ProviderConstructor)(issuer, {
      clients,
      // The server's own signing key (for id tokens / JWT responses, unused here). Supplying one
      // avoids the "using the development keystore" warning.
      jwks: { keys: [await signingKey()] },
      // Client metadata defaults to id_token_signed_response_alg RS256, which would need an RSA key
      // in `jwks` (invalid_client_metadata otherwise); an EC key is much faster to generate.
      clientDefaults: { id_token_signed_response_alg: "ES256" },
      // Register the Entra-style scope statically; see the header comment ("Scope").
      scopes: [VAULT_SCOPE, ...(options.scopes ?? [])],
      routes: { token: tokenPath },
      adapter: memoryAdapter(),
      features: {
        clientCredentials: { enabled: true },
        resourceIndicators: { enabled: false },
        devInteractions: { enabled: false },
        introspection: { enabled: false },
        revocation: { enabled: false },
      },
      enabledJWA: { clientAuthSigningAlgValues: ALGS },
      clockTolerance: options.clockTolerance ?? 15,
      ttl: { ClientCredentials: () => ttl },
      // Only the token endpoint is used; no cookies are ever set, but a key silences a warning.
      cookies: { keys: ["kvfetch-test-cookie-key"] },
      // The default renderError answers with an HTML page when the request's Accept prefers
      // text/html (lib/shared/error_handler.js); keep every error body JSON, as Entra does.
      renderError(ctx: { type: string; body: unknown }, out: unknown) {
        ctx.type = "json";
        ctx.body = out;
      },
    });
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  const tokenRequests: TokenRequestRecord[] = [];
  const failures = new WeakMap<object, { message?: string; error_detail?: string }>();
  // Emitted by the token route's error handler (lib/helpers/initialize_app.js:174) with Koa's ctx.
  provider.on("grant.error", (ctx, error) => failures.set(ctx as object, error as never));
  // Unexpected provider failures would otherwise only show up as a bare 500.
  provider.on("server_error", (_ctx, error) => console.error("oidc-provider server_error", error));
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method === "POST" && ctx.path === tokenPath) {
      const failure = failures.get(ctx);
      tokenRequests.push({
        authorization: ctx.get("authorization") || undefined,
        contentType: ctx.get("content-type") || undefined,
        // The raw form fields, before oidc-provider drops unknown scopes.
        body: { ...(ctx.oidc?.body ?? {}) },
        status: ctx.status,
        ...(failure ? { errorDetail: failure.error_detail ?? failure.message } : {}),
      });
    }
  });
  server.on("request", provider.callback());

  return {
    issuer,
    tokenEndpoint: `${issuer}${tokenPath}`,
    port,
    tokenRequests,
    close: () => closeServer(server),
  };
}

async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  // fetch keeps idle keep-alive sockets open; without this close() waits for them.
  server.closeAllConnections();
  await closed;
}

async function signingKey(): Promise<JsonWebKey & { kid: string; use: string; alg: string }> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    d: jwk.d,
    kid: "server-es256",
    use: "sig",
    alg: "ES256",
  };
}

/**
 * Per-server storage for oidc-provider models, honouring `expiresIn`. Only what the
 * client_credentials grant touches is meaningful; the rest of the adapter interface is complete
 * enough for oidc-provider's type checks.
 */
function memoryAdapter(): (model: string) => unknown {
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  const get = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    return store.get(key)?.payload;
  };
  return (model) => ({
    upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Infinity;
      store.set(`${model}:${id}`, { payload, expiresAt });
      return Promise.resolve();
    },
    find: (id: string) => Promise.resolve(get(`${model}:${id}`)),
    findByUid: (_uid: string) => Promise.resolve(undefined),
    findByUserCode: (_userCode: string) => Promise.resolve(undefined),
    consume(id: string) {
      const payload = get(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    },
    destroy(id: string) {
      store.delete(`${model}:${id}`);
      return Promise.resolve();
    },
    revokeByGrantId(grantId: string) {
      for (const [key, { payload }] of store) if (payload.grantId === grantId) store.delete(key);
      return Promise.resolve();
    },
  });
}
