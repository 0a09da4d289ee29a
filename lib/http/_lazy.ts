/**
 * A value made on first use. Modules that only some programs use build their valibot schemas
 * this way, marked pure, so that a bundle importing the root `kvfetch` without using them
 * drops them (a top-level `v.object(…)` call would be kept as a possible side effect).
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
