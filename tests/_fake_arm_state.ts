/** The fake ARM's state is the emulator's (lib/testing/arm/state.ts). */
export * from "../lib/testing/arm/state.ts";
