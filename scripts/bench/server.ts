/**
 * The bench's fake Microsoft Entra token endpoint and Key Vault, in a process of its own (so
 * its CPU is never counted against a client), on HTTPS with the bench's generated leaf
 * certificate, HTTP/1.1 only (`node:https`: every client speaks the same protocol).
 *
 * Runs on Node (transpiled to `.ci/out/bench/node/server.mjs` by `scripts/bench.ts`).
 *
 * - `POST /{tenant}/oauth2/v2.0/token` (client credentials, the right client id and secret):
 *   a ~800-character JWT-shaped access token, `expires_in` 3599.
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`: what MSAL fetches first for an
 *   authority host it has no built-in metadata for (this one).
 * - `GET /secrets/{name}[/{version}]`: without a token, Key Vault's 401 challenge
 *   (`WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}",
 *   resource="https://vault.azure.net"`); with the issued token, a secret bundle with Key
 *   Vault's response headers.
 *
 * A second, plain-HTTP listener on 127.0.0.1 is the control endpoint: `GET /counts` (requests
 * by kind, and the server's own CPU time so far as `cpuUs`), `POST /reset` (the same, after
 * zeroing), `POST /shutdown`.
 * The process exits by itself after `--max-seconds`.
 *
 * Usage: node server.mjs --cert leaf.pem --key leaf.key --tenant T --client-id C
 *          --client-secret S --max-seconds N
 * Prints one JSON line: `{"port": <https port>, "control": <http port>}`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer } from "node:https";
import { randomUUID } from "node:crypto";
import process from "node:process";
import { setTimeout } from "node:timers";

function arg(name: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? undefined : process.argv[at + 1];
  if (value === undefined) throw new Error(`server: --${name} is required`);
  return value;
}

const tenant = arg("tenant");
const clientId = arg("client-id");
const clientSecret = arg("client-secret");
const maxSeconds = Number(arg("max-seconds"));

/** Requests by kind, reset by the bench before each measured process. */
type Counts = Record<
  "token" | "metadata" | "probe" | "get" | "rejected" | "other",
  number
>;
const zero = (): Counts => ({ token: 0, metadata: 0, probe: 0, get: 0, rejected: 0, other: 0 });
let counts = zero();

const b64url = (text: string) =>
  btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A JWT-shaped (RS256-sized) access token of about 800 characters, as Entra issues them. */
function accessToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const header = {
    typ: "JWT",
    alg: "RS256",
    x5t: "bench-kid-0123456789",
    kid: "bench-kid-0123456789",
  };
  const claims = {
    aud: "https://vault.azure.net",
    iss: `https://sts.windows.net/${tenant}/`,
    iat: now,
    nbf: now,
    exp: now + 3599,
    aio: "k2BgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGA=",
    appid: clientId,
    appidacr: "1",
    idp: `https://sts.windows.net/${tenant}/`,
    oid: "6a2f2c1e-0b8e-4f57-9d1c-5b2f3a4e6d7c",
    rh: "0.AAAA-bench-refresh-hint.",
    sub: "6a2f2c1e-0b8e-4f57-9d1c-5b2f3a4e6d7c",
    tid: tenant,
    uti: "bench-uti",
    ver: "1.0",
    xms_cc: ["cp1"],
  };
  const signature = "s".repeat(342); // base64url of a 2048-bit RSA signature
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.${signature}`;
}

const token = accessToken();
const bearer = `Bearer ${token}`;
let vaultOrigin = "";

const SECRET_VALUE =
  "Server=tcp:bench.database.windows.net,1433;User ID=app;Password=p@ss-0123456789";
const VERSION = "6f0c1d2e3b4a59687766554433221100";
const CREATED = 1732000000;

function keyVaultHeaders(request: IncomingMessage): Record<string, string> {
  return {
    "cache-control": "no-cache",
    pragma: "no-cache",
    "content-type": "application/json; charset=utf-8",
    expires: "-1",
    "x-ms-keyvault-region": "westeurope",
    "x-ms-client-request-id": String(request.headers["x-ms-client-request-id"] ?? randomUUID()),
    "x-ms-request-id": randomUUID(),
    "x-ms-keyvault-service-version": "1.9.2164.1",
    "x-ms-keyvault-network-info": "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;",
    "x-content-type-options": "nosniff",
    "strict-transport-security": "max-age=31536000;includeSubDomains",
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" },
) {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(text)) });
  response.end(text);
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const METADATA_PATH = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const SECRET_PATH = /^\/secrets\/([0-9A-Za-z-]+)(?:\/([0-9a-f]*))?\/?$/;

function handle(request: IncomingMessage, response: ServerResponse, body: string) {
  const url = new URL(request.url ?? "/", vaultOrigin);
  const path = url.pathname;
  if (request.method === "POST" && TOKEN_PATH.test(path)) {
    counts.token++;
    const form = new URLSearchParams(body);
    if (
      form.get("grant_type") !== "client_credentials" || form.get("client_id") !== clientId ||
      form.get("client_secret") !== clientSecret
    ) {
      counts.rejected++;
      return send(response, 401, {
        error: "invalid_client",
        error_description: "AADSTS7000215: Invalid client secret provided.",
        error_codes: [7000215],
      });
    }
    return send(response, 200, {
      token_type: "Bearer",
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: token,
    }, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store, no-cache",
      pragma: "no-cache",
      "x-ms-request-id": randomUUID(),
    });
  }
  const metadata = METADATA_PATH.exec(path);
  if (request.method === "GET" && metadata) {
    counts.metadata++;
    const base = `${vaultOrigin}/${metadata[1]}`;
    return send(response, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      issuer: `https://login.microsoftonline.com/${metadata[1]}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt"],
      tenant_region_scope: "WW",
      cloud_instance_name: "microsoftonline.com",
    });
  }
  const secret = SECRET_PATH.exec(path);
  if (request.method === "GET" && secret) {
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      counts.probe++;
      return send(response, 401, {
        error: {
          code: "Unauthorized",
          message: "AKV10000: Request is missing a Bearer or PoP token.",
        },
      }, {
        ...keyVaultHeaders(request),
        "www-authenticate":
          `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="https://vault.azure.net"`,
      });
    }
    if (authorization !== bearer) {
      counts.rejected++;
      return send(response, 401, {
        error: { code: "Unauthorized", message: "AKV10032: Invalid issuer." },
      }, keyVaultHeaders(request));
    }
    counts.get++;
    return send(response, 200, {
      value: SECRET_VALUE,
      contentType: "text/plain",
      id: `${vaultOrigin}/secrets/${secret[1]}/${secret[2] || VERSION}`,
      attributes: {
        enabled: true,
        created: CREATED,
        updated: CREATED,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
      },
      tags: { env: "bench" },
    }, keyVaultHeaders(request));
  }
  counts.other++;
  return send(response, 404, { error: { code: "NotFound", message: `${request.method} ${path}` } });
}

const server = createServer({
  cert: readFileSync(arg("cert")),
  key: readFileSync(arg("key")),
  keepAliveTimeout: 30_000,
}, (request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (chunk: Buffer) => parts.push(chunk));
  request.on("end", () => handle(request, response, Buffer.concat(parts).toString("utf8")));
});

const control = createHttpServer((request, response) => {
  const reply = (body: unknown) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const cpu = process.cpuUsage();
  if (request.method === "GET" && request.url === "/counts") {
    return reply({ ...counts, cpuUs: cpu.user + cpu.system });
  }
  if (request.method === "POST" && request.url === "/reset") {
    counts = zero();
    return reply({ ...counts, cpuUs: cpu.user + cpu.system });
  }
  if (request.method === "POST" && request.url === "/shutdown") {
    reply({ ok: true });
    return shutdown(0);
  }
  response.writeHead(404).end();
});

function shutdown(code: number) {
  server.closeAllConnections();
  server.close();
  control.close();
  setTimeout(() => process.exit(code), 50).unref();
}

// Bounded: the bench shuts the server down, and it stops by itself in any case.
setTimeout(() => {
  console.error(`server: --max-seconds ${maxSeconds} reached, exiting`);
  process.exit(2);
}, maxSeconds * 1000).unref();
process.on("SIGTERM", () => shutdown(0));

const listening = (s: { listen: (port: number, host: string, cb: () => void) => unknown }) =>
  new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
await Promise.all([listening(server), listening(control)]);
const port = (server.address() as { port: number }).port;
vaultOrigin = `https://127.0.0.1:${port}`;
process.stdout.write(
  JSON.stringify({ port, control: (control.address() as { port: number }).port }) + "\n",
);
