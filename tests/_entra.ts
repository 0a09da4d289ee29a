/** A fake Microsoft Entra ID token endpoint on loopback that records what it was sent. */
import { type Loopback, serve } from "./_loopback.ts";

export interface TokenCall {
  method: string;
  path: string;
  headers: Headers;
  form: URLSearchParams;
}

export interface FakeEntra extends Loopback {
  calls: TokenCall[];
  /** `http://127.0.0.1:<port>`, to use as `authorityHost` with `allowInsecureLoopback`. */
  authorityHost: string;
}

export type Answer = (call: TokenCall, n: number) => Response | Promise<Response>;

/** Issues `token-1`, `token-2`, … valid for `expiresIn` seconds unless `answer` says otherwise. */
export async function fakeEntra(
  answer: Answer = (_call, n) => tokenResponse(`token-${n}`),
): Promise<FakeEntra> {
  const calls: TokenCall[] = [];
  const server = await serve(async (request) => {
    const url = new URL(request.url);
    const call: TokenCall = {
      method: request.method,
      path: url.pathname,
      headers: request.headers,
      form: new URLSearchParams(await request.text()),
    };
    calls.push(call);
    return await answer(call, calls.length);
  });
  return Object.assign(server, { calls, authorityHost: server.origin });
}

export function tokenResponse(
  token: string,
  extra: Record<string, unknown> = {},
): Response {
  return Response.json({
    token_type: "Bearer",
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: token,
    ...extra,
  });
}

/** A real-looking Entra error (AADSTS7000215: invalid client secret). */
export function invalidSecretResponse(echo = ""): Response {
  return Response.json({
    error: "invalid_client",
    error_description:
      `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '00000000-0000-0000-0000-000000000001'.${echo}\r\nTrace ID: 0d1b1f43-5d7c-4a2c-9b2e-6c0f5e2d2e00\r\nCorrelation ID: 4f7a9a38-8f7a-4e8e-8f5c-2f3bd0a1c9aa\r\nTimestamp: 2026-11-28 12:00:00Z`,
    error_codes: [7000215],
    timestamp: "2026-11-28 12:00:00Z",
    trace_id: "0d1b1f43-5d7c-4a2c-9b2e-6c0f5e2d2e00",
    correlation_id: "4f7a9a38-8f7a-4e8e-8f5c-2f3bd0a1c9aa",
    error_uri: "https://login.microsoftonline.com/error?code=7000215",
  }, { status: 401 });
}

/** Everything an error shows: message, stack, enumerable properties, JSON. */
export function visible(error: unknown): string {
  const e = error as Record<string, unknown>;
  let json = "";
  try {
    json = JSON.stringify(e);
  } catch {
    json = "";
  }
  return [String(e?.message), String(e?.stack), json, ...Object.values(e ?? {}).map(String)]
    .join("\n");
}
