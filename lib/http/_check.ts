/** Throws `new Type('"option" what')` unless `ok`: the one shape of every option check. */
export function need(
  ok: unknown,
  option: string,
  what: string,
  Type: new (message: string) => Error = TypeError,
): void {
  if (!ok) throw new Type(`"${option}" ${what}`);
}

/** Whether a value is a function. */
export const isFunction = (f: unknown): boolean => typeof f == "function";
