/**
 * Faults a test can inject into the emulator: throttling, server errors, latency, dropped
 * connections, `VaultRegisteringDns` and a CAE claims challenge. The router consults them
 * before a request reaches a service.
 *
 * @module
 */

/**
 * Which service a fault hits: `"vault"` (every `*.vault.azure.net` and Managed HSM pool), `"arm"`
 * (`management.azure.com`), `"entra"` (the login hosts) or `"any"` (the default).
 *
 * @example
 * ```ts
 * import { createEmulator, type FaultTarget } from "kvfetch/testing";
 *
 * const target: FaultTarget = "arm";
 * createEmulator().faults.serverError(1, { status: 500, service: target });
 * ```
 */
export type FaultTarget = "vault" | "arm" | "entra" | "any";

/**
 * The emulator's fault injection. Each fault applies to the next matching requests, in the
 * order queued.
 *
 * @example
 * ```ts
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator();
 * emulator.faults.throttle(2, { retryAfter: 0 }); // the next two requests get 429
 * emulator.faults.dropConnection(1, { service: "vault" }); // then a vault request fails like a network error
 * console.log(emulator.faults.pending()); // 3
 * ```
 */
export interface EmulatorFaults {
  /** The next `count` requests get `429` with `Retry-After` (seconds; default 0). */
  throttle(count?: number, options?: { retryAfter?: number; service?: FaultTarget }): void;
  /** The next `count` requests get a server error (`status` default 503, 500–599). */
  serverError(
    count?: number,
    options?: { status?: number; retryAfter?: number; service?: FaultTarget },
  ): void;
  /** The next `count` requests fail as a dropped connection: the fetch rejects with a `TypeError`. */
  dropConnection(count?: number, options?: { service?: FaultTarget }): void;
  /** Every request waits `ms` (real time) before it is answered; `0` turns it off. */
  latency(ms: number, options?: { service?: FaultTarget }): void;
  /** The next `count` requests to vault `name`'s data plane get `400 VaultRegisteringDns`. */
  registeringDns(name: string, count?: number): void;
  /**
   * The next data-plane request with a valid token gets a CAE claims challenge (`401`,
   * `error="insufficient_claims"`), and that token stays refused with it: the client must get a
   * new token with the claims.
   */
  claimsChallenge(options?: { claims?: string }): void;
  /** Faults still queued (the sum of their counts; latency not counted). */
  pending(): number;
  /** Removes every queued fault and the latency. */
  clear(): void;
}

/** One queued fault. */
export interface QueuedFault {
  kind: "throttle" | "server" | "drop" | "dns";
  service: FaultTarget;
  remaining: number;
  status?: number;
  retryAfter?: number;
  vault?: string;
}

/** The claims of the example CAE challenge in PROTOCOL.md §4 (decoded). */
export const DEFAULT_CAE_CLAIMS =
  '{"access_token":{"nbf":{"essential":true,"value":"1726077595"},"xms_caeerror":{"value":"10012"}}}';

/** The faults and what the router asks of them. */
export interface FaultState extends EmulatorFaults {
  /** The first queued fault for this request, counted down. */
  take(service: Exclude<FaultTarget, "any">, vault?: string): QueuedFault | undefined;
  latencyFor(service: Exclude<FaultTarget, "any">): number;
  /** Takes the pending claims challenge, if any. */
  takeClaims(): string | undefined;
}

const count = (n: number | undefined, what: string): number => {
  const c = n ?? 1;
  if (!Number.isInteger(c) || c < 1) throw new TypeError(`faults.${what}: count must be 1 or more`);
  return c;
};

/** A fresh fault state. */
export function createFaults(): FaultState {
  let queue: QueuedFault[] = [];
  let delay: { ms: number; service: FaultTarget } = { ms: 0, service: "any" };
  let claims: string | undefined;
  const push = (f: QueuedFault) => void queue.push(f);
  return {
    throttle(n, options = {}) {
      push({
        kind: "throttle",
        service: options.service ?? "any",
        remaining: count(n, "throttle"),
        status: 429,
        retryAfter: options.retryAfter ?? 0,
      });
    },
    serverError(n, options = {}) {
      const status = options.status ?? 503;
      if (!Number.isInteger(status) || status < 500 || status > 599) {
        throw new TypeError("faults.serverError: status must be 500-599");
      }
      const f: QueuedFault = {
        kind: "server",
        service: options.service ?? "any",
        remaining: count(n, "serverError"),
        status,
      };
      if (options.retryAfter !== undefined) f.retryAfter = options.retryAfter;
      push(f);
    },
    dropConnection(n, options = {}) {
      push({
        kind: "drop",
        service: options.service ?? "any",
        remaining: count(n, "dropConnection"),
      });
    },
    latency(ms, options = {}) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new TypeError("faults.latency: ms must be 0 or more");
      }
      delay = { ms, service: options.service ?? "any" };
    },
    registeringDns(name, n) {
      push({
        kind: "dns",
        service: "vault",
        remaining: count(n, "registeringDns"),
        vault: name.toLowerCase(),
      });
    },
    claimsChallenge(options = {}) {
      claims = options.claims ?? DEFAULT_CAE_CLAIMS;
    },
    pending: () => queue.reduce((sum, f) => sum + f.remaining, 0),
    clear() {
      queue = [];
      delay = { ms: 0, service: "any" };
      claims = undefined;
    },
    take(service, vault) {
      const i = queue.findIndex((f) =>
        (f.service === "any" || f.service === service) &&
        (f.kind !== "dns" || (service === "vault" && f.vault === vault))
      );
      if (i < 0) return undefined;
      const f = queue[i]!;
      if (--f.remaining <= 0) queue.splice(i, 1);
      return f;
    },
    latencyFor(service) {
      return delay.service === "any" || delay.service === service ? delay.ms : 0;
    },
    takeClaims() {
      const c = claims;
      claims = undefined;
      return c;
    },
  };
}
