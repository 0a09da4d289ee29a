/**
 * The emulator's clock: every timestamp, token lifetime, `nbf`/`exp` check, purge date and
 * operation time reads it, so a test can move time on without waiting.
 *
 * @module
 */

/**
 * The emulator's injectable clock.
 *
 * @example
 * ```ts
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ now: Date.UTC(2026, 0, 1) });
 * emulator.clock.advance(3_600_000); // one hour later, for every service at once
 * console.log(new Date(emulator.clock.now()).toISOString()); // 2026-01-01T01:00:00.000Z
 * ```
 */
export interface EmulatorClock {
  /** The emulator's time, in ms since the epoch. */
  now(): number;
  /** Moves the clock on by `ms` (tokens expire, rotation and purge dates pass). */
  advance(ms: number): void;
  /** Sets the clock to `ms` since the epoch (it keeps running if it was running). */
  set(ms: number): void;
  /** `true` when the clock stands still until advanced or set. */
  readonly frozen: boolean;
}

/** What a clock saves in a snapshot. */
export interface ClockState {
  frozen: boolean;
  /** Frozen: the time. Running: the offset from the host's clock. */
  value: number;
}

/** A clock frozen at `start`, or following the host's clock when `start` is `undefined`. */
export function createClock(start?: number, state?: ClockState): EmulatorClock & {
  state(): ClockState;
} {
  const frozen = state?.frozen ?? start !== undefined;
  let value = state?.value ?? start ?? 0;
  if (!Number.isFinite(value)) throw new TypeError("createEmulator: `now` must be a number");
  return {
    now: () => (frozen ? value : Date.now() + value),
    advance(ms: number): void {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new TypeError("clock.advance: ms must be a finite number, 0 or more");
      }
      value += ms;
    },
    set(ms: number): void {
      if (!Number.isFinite(ms)) throw new TypeError("clock.set: ms must be a finite number");
      value = frozen ? ms : ms - Date.now();
    },
    get frozen(): boolean {
      return frozen;
    },
    state: () => ({ frozen, value }),
  };
}
