/**
 * A Cloudflare Worker (no `nodejs_compat`) that serves a secret and the JSON Web Key Set of a
 * Key Vault key with kvfetch: `GET /secret` answers the secret `greeting` as text,
 * `GET /.well-known/jwks.json` the public key of `signing-key` (what a relying party needs to
 * verify JWTs the vault signs). Configured by the Worker's variables and secrets
 * (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_KEYVAULT_URL`).
 */
import { credentialFromEnv } from "kvfetch/auth";
import type { FetchLike } from "kvfetch";
import { KeyClient } from "kvfetch/keys";
import { SecretClient } from "kvfetch/secrets";

/** The Worker's bindings. */
export interface Env {
  AZURE_TENANT_ID: string;
  AZURE_CLIENT_ID: string;
  AZURE_CLIENT_SECRET: string;
  AZURE_KEYVAULT_URL: string;
}

/** The Worker, with the `fetch` kvfetch should use (the platform's by default). */
export function createWorker(transport: { fetch?: FetchLike } = {}): {
  fetch(request: Request, env: Env): Promise<Response>;
} {
  return {
    async fetch(request: Request, env: Env): Promise<Response> {
      const credential = credentialFromEnv({ ...env }, { managedIdentity: false, ...transport });
      const path = new URL(request.url).pathname;
      if (request.method === "GET" && path === "/secret") {
        const secrets = new SecretClient(env.AZURE_KEYVAULT_URL, credential, transport);
        const secret = await secrets.getSecret("greeting");
        return new Response(secret.value, { headers: { "content-type": "text/plain" } });
      }
      if (request.method === "GET" && path === "/.well-known/jwks.json") {
        const keys = new KeyClient(env.AZURE_KEYVAULT_URL, credential, transport);
        const key = await keys.getKey("signing-key");
        const { kty, n, e, crv, x, y } = key.key ?? {};
        const jwk = Object.fromEntries(
          Object.entries({ kty, n, e, crv, x, y, kid: key.id, use: "sig" }).filter(([, v]) =>
            v !== undefined
          ),
        );
        return Response.json({ keys: [jwk] }, {
          headers: { "cache-control": "public, max-age=300" },
        });
      }
      return new Response("not found\n", { status: 404 });
    },
  };
}

export default createWorker();
