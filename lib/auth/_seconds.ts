import * as v from "valibot";

/**
 * A duration or time in seconds as token endpoints send it: Entra sends numbers, managed
 * identity endpoints numeric strings (`"3599"`).
 */
export const Seconds = v.union([
  v.pipe(v.number(), v.finite()),
  v.pipe(v.string(), v.regex(/^\s*\d+(\.\d+)?\s*$/), v.transform(Number)),
]);
