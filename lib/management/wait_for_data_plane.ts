/**
 * `waitForDataPlane()`: waiting out the lag between a vault's creation and its DNS name.
 *
 * @module
 */

import { KvfetchError } from "../http/errors.ts";
import { parseAzureErrorBody, responseError } from "../http/response_error.ts";
import { retryAfterMs } from "../http/retry.ts";
import {
  checkSignal,
  type HttpOptions,
  resolveHttpOptions,
  resultHead,
  resultText,
  sendResolved,
} from "../http/send.ts";
import { need } from "../http/_check.ts";
import { secureUrl } from "../http/_secure_url.ts";
import { vaultCloud } from "../auth/clouds.ts";

/**
 * Options of {@link waitForDataPlane}.
 *
 * @example Waiting at most a minute, checking every three seconds
 * ```ts
 * import type { WaitForDataPlaneOptions } from "kvfetch/management";
 *
 * const options: WaitForDataPlaneOptions = { pollIntervalMs: 3_000, maxWaitMs: 60_000 };
 * console.log(options.maxWaitMs);
 * ```
 */
export interface WaitForDataPlaneOptions extends Omit<HttpOptions, "retry"> {
  /** The wait between two checks, in milliseconds (a `Retry-After` wins). @default 5000 */
  pollIntervalMs?: number;
  /**
   * The longest to wait, in milliseconds; past it, `ERR_OPERATION_TIMEOUT`.
   * @default 300000 (5 minutes)
   */
  maxWaitMs?: number;
  /**
   * The Key Vault api-version of the check request.
   * @default "2025-07-01"
   */
  serviceVersion?: string;
  /** Accept a vault host outside the known clouds' Key Vault and Managed HSM suffixes. */
  allowUnknownVaultHost?: boolean;
  /** Allow a plain `http:` vault URL, for loopback hosts only (a local emulator). */
  allowInsecureLoopback?: boolean;
}

/** At most this many checks, whatever the clock says. */
const MAX_TRIES = 1000;

/** Statuses that mean the vault is not answering yet. */
const NOT_YET = new Set([404, 408, 429, 500, 502, 503, 504]);

/**
 * Waits until a new vault's data plane answers. ARM reports a vault `Succeeded` before its DNS
 * name resolves everywhere; until it does, requests fail to connect or are refused with
 * `VaultRegisteringDns`. This sends `GET {vault}/secrets` without a token (and so without
 * anything secret) until the vault answers as a vault does: its `401` challenge (or any `2xx`
 * or `403`) means ready. Network failures, `VaultRegisteringDns`, `404`, `408`, `429` and
 * `5xx` mean "not yet" and are tried again after `pollIntervalMs` (or the `Retry-After` asked
 * for); any other answer is a `RestError`. Past `maxWaitMs`, `ERR_OPERATION_TIMEOUT`; the
 * `signal` stops the wait at once.
 *
 * @example After creating a vault, before the first secret
 * ```ts
 * import { VaultsClient, waitForDataPlane } from "kvfetch/management";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] }); // in resource group emulator-rg
 * const options = { fetch: emulator.fetch }; // against Azure: leave out fetch
 * const vaults = new VaultsClient(emulator.subscriptionId, emulator.credential(), options);
 * const { properties } = await vaults.createOrUpdate("emulator-rg", "new-vault", {
 *   location: "westus",
 *   properties: { tenantId: emulator.tenantId, sku: { name: "standard" }, accessPolicies: [] },
 * });
 * await waitForDataPlane(properties.vaultUri!, { ...options, maxWaitMs: 120_000 });
 * const secrets = new SecretClient(properties.vaultUri!, emulator.credential(), options);
 * console.log((await secrets.setSecret("first", "value")).name); // first
 * ```
 *
 * @param vaultUri The vault's URL (`vault.properties.vaultUri`), e.g. `https://my-vault.vault.azure.net/`.
 * @param options The wait bounds, transport, clock and cancellation.
 *
 * @throws {KvfetchError} `ERR_OPERATION_TIMEOUT` when the data plane does not answer within
 *   `maxWaitMs`; `ERR_NETWORK` or `ERR_TIMEOUT` for other failures.
 * @throws {TypeError} When the vault URL or an option is invalid.
 */
export async function waitForDataPlane(
  vaultUri: string,
  options: WaitForDataPlaneOptions = {},
): Promise<void> {
  need(typeof options == "object" && options, "options", "must be an object");
  const url = secureUrl(vaultUri, "vaultUri", options.allowInsecureLoopback);
  need(
    url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password,
    "vaultUri",
    "must be the bare vault URL, like https://my-vault.vault.azure.net/",
  );
  need(
    options.allowUnknownVaultHost || vaultCloud(url.hostname),
    "vaultUri",
    `host ${url.hostname} is not a Key Vault or Managed HSM host (set "allowUnknownVaultHost" ` +
      "for an emulator)",
  );
  const { pollIntervalMs: interval = 5000, maxWaitMs: maxWait = 300_000 } = options;
  need(
    typeof interval == "number" && interval >= 0 && interval < Infinity,
    "pollIntervalMs",
    "must be a finite number >= 0",
    RangeError,
  );
  need(typeof maxWait == "number" && maxWait >= 0, "maxWaitMs", "must be >= 0", RangeError);
  const version = options.serviceVersion ?? "2025-07-01";
  need(
    /^(\d+\.\d+|\d{4}-\d\d-\d\d)(-preview(\.\d+)?)?$/.test(version),
    "serviceVersion",
    "must be a Key Vault api-version such as 2025-07-01",
  );
  const { signal } = options;
  checkSignal(signal);
  // Each check is one try: the polling here is the retry.
  const http = resolveHttpOptions({ ...options, retry: { maxRetries: 0 } });
  const request = {
    method: "GET",
    url: `${url.origin}/secrets?api-version=${version}&maxresults=1`,
    headers: { accept: "application/json" },
  };
  const start = http.now();
  for (let tries = 1;; tries++) {
    let why: string;
    let headers: Headers | undefined;
    try {
      const result = await sendResolved(request, http);
      const head = resultHead(result);
      const { status } = head;
      if (status === 401 || status === 403 || (status >= 200 && status < 300)) return;
      const code = parseAzureErrorBody(await resultText(result)).errorCode;
      if (code !== "VaultRegisteringDns" && !NOT_YET.has(status)) {
        throw await responseError(result);
      }
      why = `answered ${status}${code ? ` (${code})` : ""}`;
      headers = head.headers;
    } catch (error) {
      if (
        !(error instanceof KvfetchError) || !["ERR_NETWORK", "ERR_TIMEOUT"].includes(error.code)
      ) {
        throw error;
      }
      why = error.code === "ERR_TIMEOUT" ? "timed out" : "could not be reached";
    }
    const wait = (headers && retryAfterMs(headers, http.now())) ?? interval;
    if (http.now() - start + wait > maxWait || tries >= MAX_TRIES) {
      throw new KvfetchError(
        "ERR_OPERATION_TIMEOUT",
        `The vault ${url.origin} still ${why} after ${tries} tries in ${maxWait} ms (a new vault's ` +
          'DNS name can take minutes): wait longer with "maxWaitMs"',
      );
    }
    await http.sleep(wait, signal);
  }
}
