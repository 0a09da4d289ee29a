import * as v from "valibot";

/**
 * A duration or time in seconds as token endpoints send it: Entra sends numbers, managed
 * identity endpoints numeric strings (`"3599"`).
 */
export const Seconds = v.pipe(
  v.unknown(),
  v.transform((x) => typeof x === "string" && /^\s*\d+(\.\d+)?\s*$/.test(x) ? Number(x) : x),
  v.number(),
);
