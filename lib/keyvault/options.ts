/**
 * Options shared by every Key Vault data-plane client.
 *
 * @module
 */

import type { HttpOptions } from "../http/send.ts";

/**
 * Options of every Key Vault data-plane client (`SecretClient`, and the key clients to come).
 *
 * @example Skipping the first 401 by pre-seeding the challenge
 * ```ts
 * import type { VaultClientOptions } from "kvfetch/keys";
 *
 * const options: VaultClientOptions = {
 *   challenge: {
 *     tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *     scope: "https://vault.azure.net/.default",
 *   },
 *   retry: { maxRetries: 2 },
 * };
 * console.log(options.challenge?.scope);
 * ```
 */
export interface VaultClientOptions extends Omit<HttpOptions, "signal"> {
  /**
   * The Key Vault REST api-version to speak.
   * @default "2025-07-01"
   */
  serviceVersion?: string;
  /**
   * What the vault's challenge would say, to skip the first (token-less) round trip: the
   * tenant and the scope. The scope's host must be a suffix of the vault's host, as a real
   * challenge's must.
   */
  challenge?: { tenantId: string; scope: string };
  /**
   * Do not check that the challenge's resource belongs to the vault's host. Only for
   * private endpoints or emulators whose challenge names another resource: a token is then
   * sent wherever the vault URL points.
   * @default false
   */
  disableChallengeResourceVerification?: boolean;
  /**
   * Accept a vault host outside the Key Vault and Managed HSM DNS suffixes of the known clouds
   * (`*.vault.azure.net`, `*.managedhsm.azure.net`, `*.vault.azure.cn`, …), e.g. an emulator.
   * @default false
   */
  allowUnknownVaultHost?: boolean;
  /**
   * Allow a plain `http:` vault URL, for loopback hosts only (a local emulator). Never use it
   * in production: the bearer token would travel unencrypted.
   * @default false
   */
  allowInsecureLoopback?: boolean;
}

/**
 * Options of a single call: cancellation.
 *
 * @example Giving up after five seconds
 * ```ts
 * import type { OperationOptions } from "kvfetch/keys";
 *
 * const options: OperationOptions = { signal: AbortSignal.timeout(5_000) };
 * console.log(options.signal?.aborted);
 * ```
 */
export interface OperationOptions {
  /** Cancels the operation, including retries and polling. */
  signal?: AbortSignal;
}

/**
 * Options of a listing: cancellation and a bound on the number of pages.
 *
 * @example At most 40 pages
 * ```ts
 * import type { ListOptions } from "kvfetch/keys";
 *
 * const options: ListOptions = { maxPages: 40 };
 * console.log(options.maxPages);
 * ```
 */
export interface ListOptions extends OperationOptions {
  /**
   * The most pages the listing may fetch; one more fails with `ERR_PAGE_LIMIT`.
   * `byPage({ maxPages })` overrides it.
   * @default 10000
   */
  maxPages?: number;
}

/**
 * How deletes and recoveries wait for Key Vault to finish (soft delete and recovery are
 * asynchronous).
 *
 * @example Not waiting at all
 * ```ts
 * import type { PollOptions } from "kvfetch/keys";
 *
 * const options: PollOptions = { waitForCompletion: false };
 * console.log(options.waitForCompletion);
 * ```
 */
export interface PollOptions extends OperationOptions {
  /** Wait until the operation has finished. @default true */
  waitForCompletion?: boolean;
  /** How long to wait between two checks, in milliseconds. @default 2000 */
  pollIntervalMs?: number;
  /**
   * The longest to wait, in milliseconds; past it, `ERR_OPERATION_TIMEOUT` (the operation
   * itself goes on at Key Vault).
   * @default 120000
   */
  maxWaitMs?: number;
}
