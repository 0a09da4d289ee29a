/** The keys half of the fake vault is the emulator's (lib/testing/vault/keys.ts). */
export * from "../lib/testing/vault/keys.ts";
