/**
 * Defence in depth for secret values: if a service ever echoes a value into an error message,
 * it is cut out of the message and the stack before the error reaches the caller.
 */
export function redactError(error: unknown, values: string[]): unknown {
  if (!(error instanceof Error)) return error;
  const secrets = values.filter((v) => v.length >= 4);
  if (secrets.length === 0) return error;
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join("[REDACTED]"), text);
  if (secrets.some((s) => error.message.includes(s))) {
    Object.defineProperty(error, "message", {
      value: scrub(error.message),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (typeof error.stack === "string" && secrets.some((s) => error.stack!.includes(s))) {
    Object.defineProperty(error, "stack", {
      value: scrub(error.stack),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return error;
}
