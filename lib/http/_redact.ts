/**
 * Cutting secrets out of text. kvfetch never builds a message from a secret, but a server may
 * echo one back (an error description quoting a client secret, a vault message quoting a value);
 * these helpers remove such echoes before anything reaches the caller.
 */

/** `application/x-www-form-urlencoded`, as `URLSearchParams` writes it (`~` is `%7E`, space `+`). */
export const formEncode = (value: string): string =>
  new URLSearchParams([["", value]]).toString().slice(1);

const scrub = (text: string, secrets: string[]) =>
  secrets
    // Very short values would shred ordinary words; real secrets are longer.
    .filter((s) => s.length >= 4)
    // Each secret as it may have travelled (and been echoed): raw, in a URL, in a form body.
    .flatMap((s) => [s, encodeURIComponent(s), formEncode(s)])
    // Longest first, so a form that contains another is cut whole.
    .sort((a, b) => b.length - a.length)
    .reduce((t, s) => t.split(s).join("[REDACTED]"), text);

/**
 * Replaces every occurrence of each secret in `text` with `[REDACTED]`: raw,
 * `encodeURIComponent`-encoded and form-encoded.
 */
export function redact<T extends string | undefined>(text: T, secrets: string[]): T {
  return (text ? scrub(text, secrets) : text) as T;
}

/**
 * `text` when all of it matches `shape`, else `undefined`: server-sent codes and ids are kept
 * only when they look like what they claim to be, so they can never carry anything else.
 */
export const ifShaped = (text: string | null | undefined, shape: RegExp): string | undefined =>
  text && shape.test(text) ? text : undefined;

/** Cuts secrets out of an error's message and stack (in place); returns the error. */
export function redactError(error: unknown, secrets: string[]): unknown {
  if (error instanceof Error) {
    for (const key of ["message", "stack"] as const) {
      const text = error[key];
      if (typeof text === "string" && text !== scrub(text, secrets)) {
        Object.defineProperty(error, key, {
          value: scrub(text, secrets),
          writable: true,
          configurable: true,
          enumerable: false,
        });
      }
    }
  }
  return error;
}
