/** The fake vault the tests use is the emulator's vault service (lib/testing/vault/). */
export * from "../lib/testing/vault/vault.ts";
