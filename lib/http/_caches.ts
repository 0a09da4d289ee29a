/**
 * The registry of kvfetch's process-wide caches, so that one call can empty them all, and the
 * per-transport map that keeps what one `fetch` learned away from clients using another.
 */

const registry = new Set<() => void>();

/** Registers a cache's `clear` for {@link clearRegisteredCaches}. */
export function registerCache(clear: () => void): void {
  registry.add(clear);
}

/** Empties every registered cache. */
export function clearRegisteredCaches(): void {
  for (const clear of registry) clear();
}

/** A string-keyed cache per transport (the `fetch` function a client sends with). */
export class TransportCache<V> {
  #maps = new WeakMap<object, Map<string, V>>();

  constructor() {
    registerCache(() => (this.#maps = new WeakMap()));
  }

  /** The map of one transport. */
  of(fetch: object): Map<string, V> {
    let map = this.#maps.get(fetch);
    if (!map) this.#maps.set(fetch, map = new Map());
    return map;
  }
}
