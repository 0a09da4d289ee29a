/**
 * Sending one request to the emulator's `fetch` from a test: a bearer token, and a JSON body
 * when there is one. Used by the emulator tests that talk REST to it directly.
 */
import type { Emulator } from "../lib/testing/mod.ts";

/** A JSON object as the tests read it. */
export type Json = Record<string, unknown>;

/** The scopes the tests ask the emulator's Entra for. */
export const SCOPES = {
  vault: "https://vault.azure.net/.default",
  managedHsm: "https://managedhsm.azure.net/.default",
  arm: "https://management.azure.com/.default",
} as const;

/** A token of the emulator's Entra for `scope`. */
export async function tokenFor(emulator: Emulator, scope: string = SCOPES.vault): Promise<string> {
  return (await emulator.credential().getToken(scope))!.token;
}

/** A body's JSON, or `undefined` when it is empty or not JSON. */
export function parseJson(text: string | null | undefined): Json | undefined {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends `method url` to the emulator with `token`. `body`: `undefined`, `null` or `""` sends none;
 * a string is sent as it is (JSON text already); anything else as its JSON.
 */
export async function emulatorCall(
  emulator: Emulator,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; text: string }> {
  const none = body === undefined || body === null || body === "";
  const response = await emulator.fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(none ? {} : { "content-type": "application/json" }),
    },
    ...(none ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A caller of {@link freshTokenClient}: the status and the parsed JSON (`any`, as tests read it). */
export type JsonCaller = (
  method: string,
  target: string,
  body?: unknown,
  // deno-lint-ignore no-explicit-any
) => Promise<{ status: number; json: any }>;

/**
 * A caller that takes a new token for every call (the tests that move the clock past a token's
 * life) and answers the status and the parsed JSON; `url` turns the caller's argument into the
 * URL (by default it is one).
 */
export function freshTokenClient(
  emulator: Emulator,
  scope: string = SCOPES.vault,
  url: (target: string) => string = (target) => target,
): JsonCaller {
  return async (method: string, target: string, body?: unknown) => {
    const token = await tokenFor(emulator, scope);
    const { status, text } = await emulatorCall(emulator, token, method, url(target), body);
    // deno-lint-ignore no-explicit-any
    return { status, json: (text ? JSON.parse(text) : undefined) as any };
  };
}
