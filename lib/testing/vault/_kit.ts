/**
 * What the fake vault lends each of its object halves (keys, certificates): its address, its
 * clock, its soft-delete settings and the helpers every half answers with.
 * @module
 */

/** A pending delete/recover, as the fake vault's `progress` moves it on. */
export interface Pending {
  status: "active" | "deleting" | "deleted" | "recovering";
  since: number;
  polls: number;
}

/** The members the fake vault lends every half (its closure's helpers). */
export interface VaultKit {
  vaultUrl: string;
  seconds: () => number;
  now: () => number;
  softDelete: boolean;
  recoverableDays: number;
  /** The vault's recovery level, asked at each answer (purge protection may be switched on later). */
  readonly recoveryLevel: string;
  /** Azure's refusal of a purge when the vault has purge protection, else `undefined`. */
  purgeRefusal: () => Error | undefined;
  error: (status: number, code: string, message: string, inner?: string) => Error;
  progress: (e: Pending, poll?: "deleting" | "recovering") => void;
  newVersionId: () => string;
}
