/**
 * The `User-Agent` kvfetch sends: `kvfetch/<version> <runtime>`, the runtime read from
 * `navigator.userAgent` where the runtime has one (Deno, Node 21+, Bun, Workers), else
 * `Node.js/<version>` from `process.versions` read through `globalThis` (no Node import).
 *
 * Browsers do not let a page set `User-Agent` (and send their own), so there it goes as
 * `x-ms-useragent`, the header Azure reads for the same purpose.
 */

import { VERSION } from "./version.ts";

/** Visible ASCII only, at most 200 characters: a header value that cannot be refused. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]+/g, " ").trim().slice(0, 200);

function runtime(): string {
  const g = globalThis as {
    navigator?: { userAgent?: unknown };
    process?: { versions?: { node?: unknown } };
  };
  const ua = g.navigator?.userAgent;
  if (typeof ua == "string" && ua) return headerSafe(ua);
  const node = g.process?.versions?.node;
  if (typeof node == "string") return `Node.js/${headerSafe(node)}`;
  return "unknown-runtime";
}

/** Whether this is a browser page or worker (where `User-Agent` cannot be set). */
function inBrowser(): boolean {
  const g = globalThis as { document?: unknown; importScripts?: unknown; Deno?: unknown };
  return (typeof g.document == "object" || typeof g.importScripts == "function") &&
    g.Deno === undefined;
}

/** The header name and value, worked out once. */
export const USER_AGENT: { name: string; value: string } = {
  name: inBrowser() ? "x-ms-useragent" : "user-agent",
  value: `kvfetch/${VERSION} ${runtime()}`,
};
