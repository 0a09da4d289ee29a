/**
 * A `fetch` that sends public HTTPS origins to loopback servers, so tests can use real vault
 * URLs (`https://myvault.vault.azure.net/...`) against fakes on `http://127.0.0.1:<port>`.
 * Any origin not in the map is refused with a `TypeError` (what `fetch` throws for a network
 * error) before anything touches the network.
 */

/** A routed `fetch` plus what it was asked for. */
export interface RoutedFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Every URL the caller asked for, as given (before rewriting), refused ones included. */
  readonly urls: string[];
  /** The loopback URLs actually fetched, in order. */
  readonly targets: string[];
}

/**
 * `routes` maps an origin (`https://myvault.vault.azure.net`, with or without `:443`) to a
 * loopback origin (`http://127.0.0.1:1234`). Path and query are kept as they are; method,
 * headers, body, signal and redirect mode go through unchanged.
 */
export function routedFetch(routes: Record<string, string>): RoutedFetch {
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(routes)) {
    const target = new URL(to);
    if (target.hostname !== "127.0.0.1" && target.hostname !== "localhost") {
      throw new TypeError(`routedFetch: ${to} is not a loopback origin`);
    }
    map.set(new URL(from).origin, target.origin);
  }
  const urls: string[] = [];
  const targets: string[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const original = input instanceof Request ? input.url : String(input);
    urls.push(original);
    let url: URL;
    try {
      url = new URL(original);
    } catch {
      throw new TypeError(`routedFetch: invalid URL ${original}`);
    }
    // URL.origin drops the default port, so ":443" and no port land on the same route.
    const origin = map.get(url.origin);
    if (origin === undefined) {
      throw new TypeError(`routedFetch: no route for ${url.origin} (refusing to leave loopback)`);
    }
    const target = `${origin}${url.pathname}${url.search}`;
    targets.push(target);
    if (input instanceof Request) {
      const bodyless = input.method === "GET" || input.method === "HEAD";
      return await fetch(target, {
        method: input.method,
        headers: input.headers,
        body: bodyless ? undefined : await input.arrayBuffer(),
        signal: input.signal,
        redirect: input.redirect,
        ...init,
      });
    }
    return await fetch(target, init);
  };
  return Object.assign(fn, { urls, targets });
}
