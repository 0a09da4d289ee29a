/**
 * Options of the ARM clients and their calls.
 *
 * @module
 */

import type { HttpOptions } from "../http/send.ts";
import type { AzureCloud, AzureCloudName } from "../auth/clouds.ts";
import type { ArmResponseInfo } from "./errors.ts";

/**
 * Options of every ARM client (`VaultsClient`, `ResourceGroupsClient`).
 *
 * @example A client for Azure US Government, with fewer retries
 * ```ts
 * import type { ArmClientOptions } from "kvfetch/management";
 *
 * const options: ArmClientOptions = { cloud: "usGovernment", retry: { maxRetries: 2 } };
 * console.log(options.cloud);
 * ```
 */
export interface ArmClientOptions extends Omit<HttpOptions, "signal"> {
  /**
   * The Azure cloud: its ARM endpoint is where requests go, and its ARM audience names the
   * token scope (`<audience>/.default`).
   * @default "public"
   */
  cloud?: AzureCloudName | AzureCloud;
  /**
   * Another ARM endpoint than the cloud's (Azure Stack, an emulator): a bare https origin. The
   * token scope stays the cloud's.
   */
  endpoint?: string;
  /** The api-version to speak; each client documents its default. */
  apiVersion?: string;
  /**
   * Allow a plain `http:` endpoint, for loopback hosts only (a local emulator). Never use it in
   * production: the bearer token would travel unencrypted.
   * @default false
   */
  allowInsecureLoopback?: boolean;
}

/**
 * Options of a single ARM call: cancellation, and a look at every response.
 *
 * @example Logging the remaining write quota of every response
 * ```ts
 * import { type ArmOperationOptions, VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // in resource group emulator-rg
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const options: ArmOperationOptions = {
 *   signal: AbortSignal.timeout(60_000),
 *   onResponse: (info) => console.log(info.status, info.rateLimits["subscription-writes"]),
 * };
 * await vaults.update("emulator-rg", "myvault", { tags: { env: "test" } }, options); // 200 1199
 * ```
 */
export interface ArmOperationOptions {
  /** Cancels the call, including retries and polling. */
  signal?: AbortSignal;
  /** Called with every ARM response of the call (the first one, each poll, the final read). */
  onResponse?: (info: ArmResponseInfo) => void;
}

/**
 * How a long-running ARM operation is waited for: ARM answers `201`/`202` and kvfetch polls the
 * operation's `Azure-AsyncOperation` (else `Location`) URL, waiting what `Retry-After` asks.
 *
 * @example Starting a purge without waiting for it
 * ```ts
 * import type { LroOptions } from "kvfetch/management";
 *
 * const options: LroOptions = { waitForCompletion: false };
 * console.log(options.waitForCompletion);
 * ```
 */
export interface LroOptions extends ArmOperationOptions {
  /**
   * Wait until the operation has finished. With `false` the call resolves with ARM's first
   * answer (a new vault may then still be `RegisteringDns`).
   * @default true
   */
  waitForCompletion?: boolean;
  /** The wait between two polls when ARM sends no `Retry-After`, in milliseconds. @default 2000 */
  pollIntervalMs?: number;
  /**
   * The longest to wait, in milliseconds; past it, `ERR_OPERATION_TIMEOUT` (the operation goes
   * on at Azure). A `Retry-After` that would end past it ends the wait at once.
   * @default 1800000 (30 minutes)
   */
  maxWaitMs?: number;
}

/**
 * Options of an ARM listing.
 *
 * @example Ten vaults a page, at most five pages
 * ```ts
 * import type { ArmListOptions } from "kvfetch/management";
 *
 * const options: ArmListOptions = { top: 10, maxPages: 5 };
 * console.log(options.top);
 * ```
 */
export interface ArmListOptions extends ArmOperationOptions {
  /** How many items ARM should put in a page (`$top`); `byPage({ maxPageSize })` overrides it. */
  top?: number;
  /**
   * The most pages the listing may fetch; one more fails with `ERR_PAGE_LIMIT`.
   * @default 10000
   */
  maxPages?: number;
}
