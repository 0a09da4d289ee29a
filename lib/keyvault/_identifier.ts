/** Parses `https://{vault}/{collection}/{name}[/{version}]` ids of Key Vault objects. */
export interface ParsedIdentifier {
  sourceId: string;
  vaultUrl: string;
  name: string;
  version: string | undefined;
}

export function parseIdentifier(
  id: unknown,
  collections: readonly string[],
  what: string,
): ParsedIdentifier {
  if (typeof id !== "string") throw new TypeError(`A ${what} identifier must be a string`);
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
  return {
    sourceId: id,
    vaultUrl: url.origin,
    name: decodeURIComponent(name),
    version: version ? decodeURIComponent(version) : undefined,
  };
}
