/**
 * The emulator's Microsoft Entra ID: the v2.0 token endpoint (client credentials with a client
 * secret), the OpenID metadata, JWKS and instance-discovery documents MSAL asks for, with
 * Entra's error bodies (`AADSTS…`). Tokens come from `./tokens.ts`.
 *
 * @module
 */
import { createLocalJWKSet, decodeProtectedHeader, importX509, type JWK, jwtVerify } from "jose";
import type { Ids } from "../ids.ts";
import type { TokenClaims, TokenSigner } from "./tokens.ts";
import { encodeBase64 } from "../../http/_base64.ts";

/**
 * An application (service principal) the emulator's Entra knows.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorApp } from "kvfetch/testing";
 *
 * const reader: EmulatorApp = {
 *   clientId: "11111111-1111-4111-8111-111111111111",
 *   clientSecret: "reader-secret",
 *   objectId: "22222222-2222-4222-8222-222222222222",
 * };
 * const emulator = createEmulator({ apps: [reader] });
 * console.log(emulator.env.AZURE_CLIENT_ID === reader.clientId); // true
 * ```
 */
export interface EmulatorApp {
  /** The application (client) id. */
  clientId: string;
  /** Its client secret. */
  clientSecret: string;
  /** The service principal's object id (the `oid` of its tokens, what access policies name). */
  objectId: string;
  /**
   * A certificate (PEM, `-----BEGIN CERTIFICATE-----`) registered for the app: client assertions
   * signed with its key and naming it by `x5t#S256` (or `x5t`) are accepted.
   */
  certificate?: string;
  /**
   * A federated identity credential: assertions from `issuer` for `subject` (audience
   * `api://AzureADTokenExchange` unless given), signed with a key of `jwks`.
   */
  federated?: {
    issuer: string;
    subject: string;
    audience?: string;
    jwks: { keys: Record<string, unknown>[] };
  };
}

/** The hosts answered as Entra (one per cloud). */
export const ENTRA_HOSTS: readonly string[] = [
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
];

/** What the Entra service needs from the emulator. */
export interface EntraContext {
  tenantId: string;
  apps: () => readonly EmulatorApp[];
  now: () => number;
  ids: Ids;
  signer: TokenSigner;
  /** Token lifetime in seconds. */
  lifetime: number;
}

function b64u(bytes: Uint8Array): string {
  return encodeBase64(bytes, true);
}

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new TypeError("EmulatorApp.certificate must be a PEM certificate");
  return Uint8Array.from(atob(m[1]!.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

function entraError(
  ctx: EntraContext,
  status: number,
  error: string,
  code: number,
  description: string,
): Response {
  const trace = ctx.ids.uuid();
  const correlation = ctx.ids.uuid();
  const stamp = new Date(ctx.now()).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  return Response.json({
    error,
    error_description:
      `AADSTS${code}: ${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${stamp}`,
    error_codes: [code],
    timestamp: stamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  }, { status, headers: { "cache-control": "no-store, no-cache", pragma: "no-cache" } });
}

/** The audience a `.default` scope gives (what Entra writes into `aud`). */
export function audienceOf(scope: string): string | undefined {
  if (!scope.endsWith("/.default")) return undefined;
  let resource = scope.slice(0, -"/.default".length);
  if (resource === "") return undefined;
  if (/^https:\/\/management\.(azure\.com|core\.windows\.net)$/.test(resource)) resource += "/";
  return resource;
}

/** The Entra handler. */
export function entraHandler(ctx: EntraContext): (request: Request) => Promise<Response> {
  const known = (tenant: string) =>
    tenant.toLowerCase() === ctx.tenantId.toLowerCase() || tenant === "organizations" ||
    tenant === "common";

  function metadata(host: string, tenant: string): unknown {
    const base = `https://${host}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: [
        "client_secret_post",
        "private_key_jwt",
        "client_secret_basic",
      ],
      jwks_uri: `https://${host}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256", "ES256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `https://${host}/${ctx.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    };
  }

  /** Why an assertion is refused (`[AADSTS code, message]`), or `undefined` when it is good. */
  async function checkAssertion(
    app: EmulatorApp,
    assertion: string,
    endpoint: string,
  ): Promise<[number, string] | undefined> {
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion) as Record<string, unknown>;
    } catch {
      return [50027, "JWT token is invalid or malformed."];
    }
    const currentDate = new Date(ctx.now());
    const federated = app.federated;
    if (federated !== undefined && header["x5t#S256"] === undefined && header.x5t === undefined) {
      try {
        await jwtVerify(assertion, createLocalJWKSet(federated.jwks as { keys: JWK[] }), {
          issuer: federated.issuer,
          subject: federated.subject,
          audience: federated.audience ?? "api://AzureADTokenExchange",
          currentDate,
        });
        return undefined;
      } catch (error) {
        return [
          70021,
          `No matching federated identity record found for presented assertion (${
            (error as Error).message
          }). Assertion Issuer: '${federated.issuer}'.`,
        ];
      }
    }
    if (app.certificate === undefined) {
      return [700027, `The application '${app.clientId}' has no certificate registered.`];
    }
    const der = pemBody(app.certificate);
    const s256 = b64u(new Uint8Array(await crypto.subtle.digest("SHA-256", der)));
    const sha1 = b64u(new Uint8Array(await crypto.subtle.digest("SHA-1", der)));
    if (header["x5t#S256"] !== s256 && header.x5t !== sha1) {
      return [
        700027,
        "Client assertion failed signature validation. The key was not found: the x5t#S256 (or x5t) thumbprint names no certificate of the application.",
      ];
    }
    const alg = String(header.alg);
    try {
      const key = await importX509(app.certificate, alg);
      await jwtVerify(assertion, key, { currentDate, algorithms: [alg] }).catch((e: unknown) => {
        throw Object.assign(new Error("signature"), { cause: e });
      });
    } catch (error) {
      const code = ((error as Error).cause as { code?: string } | undefined)?.code;
      if (code === "ERR_JWT_EXPIRED") {
        return [700024, "Client assertion is not within its valid time range."];
      }
      return [700027, "Client assertion failed signature validation."];
    }
    const claims = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.from(
          atob(assertion.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")),
          (c) => c.charCodeAt(0),
        ),
      ),
    );
    if (claims.iss !== app.clientId || claims.sub !== app.clientId) {
      return [
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter.",
      ];
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(endpoint)) {
      return [700212, `The client assertion's audience must be the token endpoint '${endpoint}'.`];
    }
    if (typeof claims.exp !== "number") {
      return [700024, "Client assertion is not within its valid time range."];
    }
    return undefined;
  }

  async function token(host: string, tenant: string, request: Request): Promise<Response> {
    if (!known(tenant)) {
      return entraError(
        ctx,
        400,
        "invalid_request",
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    const grant = form.get("grant_type");
    if (grant !== "client_credentials") {
      return entraError(
        ctx,
        400,
        "unsupported_grant_type",
        70003,
        `The app requested an unsupported grant type '${grant ?? ""}'.`,
      );
    }
    const clientId = form.get("client_id") ?? "";
    const app = ctx.apps().find((a) => a.clientId.toLowerCase() === clientId.toLowerCase());
    if (app === undefined) {
      return entraError(
        ctx,
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${ctx.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const secret = form.get("client_secret");
    const assertion = form.get("client_assertion");
    if (secret === null && assertion === null) {
      return entraError(
        ctx,
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    }
    if (assertion !== null) {
      const type = form.get("client_assertion_type");
      if (type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
        return entraError(
          ctx,
          400,
          "invalid_request",
          50027,
          `Invalid client_assertion_type '${type ?? ""}'.`,
        );
      }
      const problem = await checkAssertion(
        app,
        assertion,
        `https://${host}/${tenant}/oauth2/v2.0/token`,
      );
      if (problem !== undefined) {
        return entraError(ctx, 401, "invalid_client", problem[0], problem[1]);
      }
    } else if (secret !== app.clientSecret) {
      return entraError(
        ctx,
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    const scopes = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
    const audience = scopes.length === 1 ? audienceOf(scopes[0]!) : undefined;
    if (audience === undefined) {
      return entraError(
        ctx,
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${
          scopes.join(" ")
        } is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const now = Math.floor(ctx.now() / 1000);
    const claims: TokenClaims = {
      aud: audience,
      iss: `https://sts.windows.net/${ctx.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + ctx.lifetime,
      tid: ctx.tenantId,
      oid: app.objectId,
      sub: app.objectId,
      appid: app.clientId,
      azp: app.clientId,
      idtyp: "app",
      ver: "1.0",
      uti: ctx.ids.hex(16),
    };
    if (form.get("claims") !== null) claims.xms_cc = ["cp1"];
    void host;
    return Response.json({
      token_type: "Bearer",
      expires_in: ctx.lifetime,
      ext_expires_in: ctx.lifetime,
      access_token: ctx.signer.sign(claims),
    }, { headers: { "cache-control": "no-store, no-cache", pragma: "no-cache" } });
  }

  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const host = url.hostname.toLowerCase();
    const parts = url.pathname.split("/").filter((p) => p !== "");
    const method = request.method.toUpperCase();
    if (
      method === "GET" && parts[0] === "common" && parts[1] === "discovery" &&
      parts[2] === "instance"
    ) {
      return Response.json({
        tenant_discovery_endpoint:
          `https://${host}/${ctx.tenantId}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{
          preferred_network: "login.microsoftonline.com",
          preferred_cache: "login.windows.net",
          aliases: [
            "login.microsoftonline.com",
            "login.windows.net",
            "login.microsoft.com",
            "sts.windows.net",
          ],
        }, {
          preferred_network: "login.microsoftonline.us",
          preferred_cache: "login.microsoftonline.us",
          aliases: ["login.microsoftonline.us", "login.usgovcloudapi.net"],
        }, {
          preferred_network: "login.chinacloudapi.cn",
          preferred_cache: "login.partner.microsoftonline.cn",
          aliases: ["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"],
        }],
      });
    }
    const tenant = parts[0] ?? "";
    const rest = parts.slice(1).join("/");
    if (
      method === "GET" &&
      (rest === "v2.0/.well-known/openid-configuration" ||
        rest === ".well-known/openid-configuration")
    ) {
      if (!known(tenant)) {
        return entraError(ctx, 400, "invalid_tenant", 90002, `Tenant '${tenant}' not found.`);
      }
      return Response.json(metadata(host, tenant));
    }
    if (method === "GET" && (rest === "discovery/v2.0/keys" || rest === "discovery/keys")) {
      return Response.json({ keys: [ctx.signer.jwk] });
    }
    if (method === "POST" && (rest === "oauth2/v2.0/token" || rest === "oauth2/token")) {
      return await token(host, tenant, request);
    }
    return entraError(
      ctx,
      404,
      "invalid_request",
      900561,
      `The endpoint ${method} ${url.pathname} is not answered by the kvfetch emulator's Entra ID.`,
    );
  };
}
