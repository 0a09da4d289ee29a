/**
 * The transport-security rule every kvfetch client applies to the URLs it is configured with:
 * `https:` always; plain `http:` only for a loopback host and only when the caller opted in.
 */

/** Whether a URL's host is this machine: `localhost`, `127.0.0.0/8` or `[::1]`. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" ||
    /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Parses `value` as an absolute URL and checks its scheme, or throws a `TypeError` naming
 * `option`. Credentials and tokens are only ever sent to URLs that pass this check.
 */
export function secureUrl(
  value: string | URL,
  option: string,
  allowInsecureLoopback: boolean | undefined,
): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`"${option}" must be an absolute URL`);
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) {
    if (allowInsecureLoopback === true) return url;
    throw new TypeError(
      `"${option}" uses plain http; kvfetch only allows http for loopback hosts, and only with ` +
        `the "allowInsecureLoopback" option`,
    );
  }
  throw new TypeError(`"${option}" must be an https: URL (got ${url.protocol})`);
}
