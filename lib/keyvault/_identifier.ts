/** Parses `https://{vault}/{collection}/{name}[/{version}]` ids of Key Vault objects. */
export interface ParsedIdentifier {
  sourceId: string;
  vaultUrl: string;
  name: string;
  version: string | undefined;
}

/**
 * Splits an identifier whose collection is one of `collections`; a `TypeError` for anything
 * else (callers that read server data turn that into an invalid-response issue).
 */
export function parseIdentifier(
  id: unknown,
  collections: readonly string[],
  what: string,
): ParsedIdentifier {
  if (typeof id !== "string") throw new TypeError(`A ${what} identifier must be a string`);
  // The same ids come back call after call (and twice per bundle: checked, then mapped).
  const key = `${collections.join(",")} ${id}`;
  let parsed = recent.get(key);
  if (!parsed) {
    if (recent.size >= 256) recent.clear();
    recent.set(key, parsed = parse(id, collections, what));
  }
  // A copy: the caller owns what it gets, the memo stays intact.
  return { ...parsed };
}

/** Identifiers parsed lately. */
const recent = new Map<string, ParsedIdentifier>();

function parse(id: string, collections: readonly string[], what: string): ParsedIdentifier {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw new TypeError(`Not a ${what} identifier: not an absolute URL`);
  }
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const [collection, name, version, ...rest] = segments;
  if (
    !collection || !collections.includes(collection.toLowerCase()) || !name || rest.length > 0 ||
    url.search || url.hash
  ) {
    throw new TypeError(
      `Not a ${what} identifier: expected ${url.origin}/${collections[0]}/{name}[/{version}]`,
    );
  }
  const decode = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new TypeError(`Not a ${what} identifier: malformed %-escape in its path`);
    }
  };
  return {
    sourceId: id,
    vaultUrl: url.origin,
    name: decode(name),
    version: version ? decode(version) : undefined,
  };
}
