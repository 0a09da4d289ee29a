/**
 * Resetting kvfetch's process-wide caches, for tests.
 *
 * @module
 */

import { clearRegisteredCaches } from "./_caches.ts";

/**
 * Empties every process-wide cache kvfetch keeps: access tokens, learned Key Vault
 * challenges (and probes in flight), and managed identity availability. Call it between
 * tests that must not see each other's tokens or challenges; production code never needs it.
 *
 * What the caches are keyed by (see ARCHITECTURE.md): tokens by credential kind, authority,
 * tenant, client, scopes, CAE, a keyed hash of the credential's proof and the transport;
 * challenges by transport, vault origin and whether the client verifies the challenge
 * resource; managed identity availability by transport and endpoint.
 *
 * @example Isolating tests (call it from your test framework's `afterEach` hook)
 * ```ts
 * import { clearCaches } from "kvfetch";
 *
 * clearCaches();
 * ```
 */
export function clearCaches(): void {
  clearRegisteredCaches();
}
