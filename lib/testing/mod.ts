/**
 * `kvfetch/testing`: an in-memory Microsoft Entra ID + Azure Key Vault + Azure Resource Manager
 * that answers as a plain `fetch` function, for trying kvfetch without a subscription and for
 * testing code that uses it. It runs wherever `fetch` and Web Crypto run (Deno, Node, Bun,
 * Workers), inside the test process, with Azure's real host names: kvfetch's clients need no
 * opt-outs (challenge verification stays on).
 *
 * It is its own subpath and is not re-exported from the root `kvfetch`, so importing kvfetch
 * never pulls the emulator (or `@noble/curves`, which it uses for signatures over a digest)
 * into a bundle. kvfetch's process-wide caches (tokens, learned challenges) are keyed by the
 * `fetch` a client uses, so each emulator starts clean; between tests that reuse one emulator,
 * call `clearCaches()` from `kvfetch` too.
 *
 * @example
 * ```ts
 * import { createEmulator } from "kvfetch/testing";
 * import { SecretClient } from "kvfetch/secrets";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient(emulator.vaultUrl("myvault"), emulator.credential(), {
 *   fetch: emulator.fetch,
 * });
 * await client.setSecret("db-password", "s3cret");
 * console.log((await client.getSecret("db-password")).value); // s3cret
 * ```
 *
 * @module
 */
export {
  createEmulator,
  type Emulator,
  type EmulatorApp,
  type EmulatorClock,
  type EmulatorEnv,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorSnapshot,
  type FaultTarget,
} from "./emulator.ts";
