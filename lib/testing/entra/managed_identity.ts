/**
 * The emulator's managed identity endpoints: the Instance Metadata Service
 * (`http://169.254.169.254/metadata/identity/oauth2/token`, `Metadata: true`) and App Service's
 * identity endpoint (`IDENTITY_ENDPOINT` with `X-IDENTITY-HEADER`), issuing the same signed
 * tokens as the token endpoint. The system-assigned identity is the first app; `client_id`
 * (or `object_id`/`principal_id`) selects another.
 *
 * @module
 */
import type { Ids } from "../ids.ts";
import type { EmulatorApp } from "./entra.ts";
import type { TokenClaims, TokenSigner } from "./tokens.ts";

/** The IMDS host. */
export const IMDS_HOST = "169.254.169.254";
/** Where the emulator's App Service identity endpoint answers. */
export const APP_SERVICE_ENDPOINT = "http://localhost:42356/msi/token";

/** What the managed identity service needs from the emulator. */
export interface ManagedIdentityContext {
  tenantId: string;
  apps: () => readonly EmulatorApp[];
  now: () => number;
  ids: Ids;
  signer: TokenSigner;
  /** The `IDENTITY_HEADER` App Service requires. */
  identityHeader: string;
}

function audienceOfResource(resource: string): string {
  const r = resource.replace(/\/\.default$/, "");
  return /^https:\/\/management\.(azure\.com|core\.windows\.net)$/.test(r) ? `${r}/` : r;
}

/** The managed identity handler (IMDS and App Service). */
export function managedIdentityHandler(
  ctx: ManagedIdentityContext,
): (request: Request) => Response {
  const bad = (status: number, error: string, description: string) =>
    Response.json({ error, error_description: description }, { status });
  return (request: Request): Response => {
    const url = new URL(request.url);
    const imds = url.hostname === IMDS_HOST;
    const q = url.searchParams;
    if (request.method !== "GET") return bad(405, "invalid_request", "Use GET.");
    if (imds) {
      if (url.pathname !== "/metadata/identity/oauth2/token") {
        return bad(404, "not_found", `No IMDS endpoint ${url.pathname} in the kvfetch emulator.`);
      }
      if (request.headers.get("metadata")?.toLowerCase() !== "true") {
        return bad(400, "invalid_request", "Required metadata header not specified");
      }
    } else if (request.headers.get("x-identity-header") !== ctx.identityHeader) {
      return bad(401, "unauthorized", "The X-IDENTITY-HEADER is missing or wrong.");
    }
    if (!q.get("api-version")) return bad(400, "invalid_request", "api-version is required");
    const resource = q.get("resource");
    if (!resource) {
      return bad(400, "invalid_request", "Required audience parameter not specified");
    }
    const wanted = q.get("client_id") ?? undefined;
    const wantedObject = q.get("object_id") ?? q.get("principal_id") ?? undefined;
    const apps = ctx.apps();
    const app = wanted !== undefined
      ? apps.find((a) => a.clientId.toLowerCase() === wanted.toLowerCase())
      : wantedObject !== undefined
      ? apps.find((a) => a.objectId.toLowerCase() === wantedObject.toLowerCase())
      : apps[0];
    if (app === undefined) {
      return bad(
        400,
        "invalid_request",
        "Identity not found: no user-assigned identity with that id is assigned to this resource.",
      );
    }
    const now = Math.floor(ctx.now() / 1000);
    const lifetime = 86_399;
    const claims: TokenClaims = {
      aud: audienceOfResource(resource),
      iss: `https://sts.windows.net/${ctx.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      tid: ctx.tenantId,
      oid: app.objectId,
      sub: app.objectId,
      appid: app.clientId,
      azp: app.clientId,
      idtyp: "app",
      ver: "1.0",
      uti: ctx.ids.hex(16),
    };
    const body: Record<string, string> = {
      access_token: ctx.signer.sign(claims),
      client_id: app.clientId,
      expires_on: String(now + lifetime),
      not_before: String(now),
      resource,
      token_type: "Bearer",
    };
    if (imds) {
      body.expires_in = String(lifetime);
      body.ext_expires_in = String(lifetime);
    }
    return Response.json(body);
  };
}
