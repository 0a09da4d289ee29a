/**
 * What the emulator's conformance tests (tests/testing/conformance_emulator*_test.ts) share: one
 * test per data file of a conformance folder, the emulator's version ids put in place of the
 * recorded ones, and the comparison of a whole listing (the emulator's `nextLink` pages against
 * the recorded pages). What each test sends, and the differences it allows, is written at the
 * top of each test file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { type CppRecording, DIR, type Exchange, recordedExchanges } from "./_conformance.ts";
import { emulatorCall, type Json, parseJson } from "./_emulator_call.ts";
import type { Emulator } from "../lib/testing/mod.ts";

/**
 * Calls `each` (which registers a test) for every `.json` file of `KVFETCH_CONFORMANCE_DIR/folder`,
 * sorted. With the variable unset, registers one skipped test named `unset` (when given) instead.
 */
export async function forEachConformanceFile(
  folder: string,
  unset: string | undefined,
  each: (file: string, read: () => Promise<unknown>) => void,
): Promise<void> {
  if (DIR === undefined) {
    if (unset) test(unset, { skip: "KVFETCH_CONFORMANCE_DIR is not set" }, () => {});
    return;
  }
  const dir = `${DIR}/${folder}`;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".json")).sort()) {
    each(file, async () => JSON.parse(await readFile(`${dir}/${file}`, "utf8")));
  }
}

/** {@link forEachConformanceFile} for C++ SDK recordings: `exchanges` reads one's exchanges. */
export function forEachCppRecording(
  folder: string,
  unset: string | undefined,
  each: (file: string, exchanges: () => Promise<Exchange[]>) => void,
): Promise<void> {
  return forEachConformanceFile(
    folder,
    unset,
    (file, read) => each(file, async () => recordedExchanges(await read() as CppRecording)),
  );
}

/** One exchange of a C++ session to send, with its URL and its recorded JSON body. */
export interface CppStep {
  index: number;
  exchange: Exchange;
  url: URL;
  recorded: Json | undefined;
}

/** The exchanges of a session to send: all but the `$skiptoken` pages (folded into the first). */
export function* cppSteps(exchanges: Exchange[]): Generator<CppStep> {
  for (const [index, exchange] of exchanges.entries()) {
    const url = new URL(exchange.url);
    if (url.searchParams.has("$skiptoken")) continue; // folded into the first page
    yield { index, exchange, url, recorded: parseJson(exchange.body) };
  }
}

/** The 32-hex version at the end of an id of `collection` (`secrets`, `keys`), or none. */
function versionIn(collection: string, id: unknown): string | undefined {
  return typeof id === "string"
    ? new RegExp(`/${collection}/[^/]+/([0-9a-f]{32})$`).exec(id)?.[1]
    : undefined;
}

/** `path` with each recorded version (a key of `versions`) replaced by the emulator's. */
export function withVersions(path: string, versions: Map<string, string>): string {
  for (const [from, to] of versions) path = path.replace(from, to);
  return path;
}

/** The emulator's version ids for the recorded ones of a session, as its steps make them. */
export class Versions {
  readonly #map = new Map<string, string>();
  readonly #collection: string;

  constructor(collection: string) {
    this.#collection = collection;
  }

  /** `path` with the recorded versions met so far replaced by the emulator's. */
  apply(path: string): string {
    return withVersions(path, this.#map);
  }

  /** Pairs the version of a recorded id with the version of the emulator's id of the same step. */
  note(recordedId: unknown, ourId: unknown): void {
    const recorded = versionIn(this.#collection, recordedId);
    const ours = versionIn(this.#collection, ourId);
    if (recorded && ours) this.#map.set(recorded, ours);
  }
}

/** The names a listing answer lists, page after page, following its `nextLink`s. */
export async function followPages(
  first: Json | undefined,
  next: (url: string) => Promise<Json | undefined>,
  names: (page: Json | undefined) => string[],
): Promise<string[]> {
  const ours = names(first);
  let page = first;
  while (typeof page?.nextLink === "string") {
    page = await next(page.nextLink);
    ours.push(...names(page));
  }
  return ours;
}

/**
 * Compares the listings of a C++ SDK session as a whole: the returned check takes the index of
 * a recorded first page and the emulator's answer to it. The emulator's pages (following its
 * `nextLink`s with `token`) are compared with the recorded listing: that page and the
 * `$skiptoken` pages that follow it. The recorded vault also held other tests' objects: the
 * emulator must list every name of this session (`created`) the recording lists, and (when the
 * recording followed every page) no name the recording does not.
 */
export function cppListing(o: {
  emulator: Emulator;
  token: string;
  exchanges: Exchange[];
  names: (page: Json | undefined) => string[];
  created: Set<string>;
}): (index: number, first: Json | undefined, what: string) => Promise<void> {
  const next = async (link: string) =>
    parseJson((await emulatorCall(o.emulator, o.token, "GET", link)).text);
  return async (index, first, what) => {
    const ours = await followPages(first, next, o.names);
    const pathname = new URL(o.exchanges[index]!.url).pathname;
    const pages = o.exchanges.filter((e, i) =>
      e.method === "GET" && new URL(e.url).pathname === pathname &&
      (i === index || (i > index && new URL(e.url).searchParams.has("$skiptoken")))
    ).map((e) => parseJson(e.body));
    const theirs = pages.flatMap(o.names);
    const complete = typeof pages[pages.length - 1]?.nextLink !== "string";
    const recordedSet = new Set(theirs);
    for (const name of complete ? ours : []) {
      assert.ok(recordedSet.has(name), `${what} lists ${name}`);
    }
    for (const name of theirs.filter((n) => o.created.has(n))) {
      assert.ok(ours.includes(name), `${what} misses ${name}`);
    }
  };
}
