/** Drops the query and fragment of a URL for messages: they may hold opaque tokens. */
export function stripQuery(url: string): string {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return url.replace(/[?#].*$/s, "");
  }
}
