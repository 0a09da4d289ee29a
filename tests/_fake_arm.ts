/** The fake ARM the tests use is the emulator's ARM service (lib/testing/arm/). */
export * from "../lib/testing/arm/arm.ts";
