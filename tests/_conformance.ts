/**
 * The replaying machinery of the conformance tests (tests/keyvault/conformance_*_test.ts): the
 * folder named by `KVFETCH_CONFORMANCE_DIR`, the shapes of Microsoft's data (spec examples, C++
 * recordings), and `Replay`, a `fetch` that checks each request kvfetch sends against the next
 * recorded one and answers with the recorded response. What each test compares, and the
 * differences it allows, is written at the top of each test file.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import type { AccessToken } from "../mod.ts";

export function conformanceDir(): string | undefined {
  try {
    return process.env.KVFETCH_CONFORMANCE_DIR || undefined;
  } catch {
    return undefined; // no permission to read the environment: treated as unset
  }
}

export const DIR = conformanceDir();
export const TOKEN = "conformance-token";
export const SEED = {
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  scope: "https://vault.azure.net/.default",
};

export interface SpecExample {
  operationId: string;
  title?: string;
  parameters: Record<string, unknown>;
  responses: Record<string, { headers?: Record<string, string>; body?: unknown }>;
}

export interface CppRecording {
  networkCallRecords: {
    Method: string;
    Url: string;
    Headers: Record<string, string>;
    Response: Record<string, string>;
  }[];
}

// ---------------------------------------------------------------------------------------------
// The replayer

/** One recorded exchange: the request kvfetch must send and the answer it gets. */
export interface Exchange {
  method: string;
  url: string;
  /** The JSON body the service expects; `null`: no body; `undefined`: not recorded. */
  requestBody?: unknown;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SeenRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

export interface Served {
  request: SeenRequest;
  record: Exchange;
  index: number;
  /** The response body as served (after any nextLink rewrite). */
  text: string;
}

const NULL_BODY_STATUS = new Set([204, 205, 304]);

/** The query as a sorted list of decoded `[name, value]` pairs. */
function sortedQuery(url: URL): string {
  return `[${[...url.searchParams].map((pair) => JSON.stringify(pair)).sort().join(",")}]`;
}

/** Why a request does not match a record, or `undefined` when it does. */
/**
 * A path difference a test allows (each test file writes down why): `sent` is kvfetch's path,
 * `recorded` the data's.
 */
export type PathAllowance = (method: string, sent: string, recorded: string) => boolean;

/** Reading the latest version: `GET /{collection}/{name}/` (empty version) for `GET /{collection}/{name}`. */
export const latestVersionPath = (collection: string): PathAllowance => (method, sent, recorded) =>
  method === "GET" && new RegExp(`^/${collection}/[^/]+$`).test(recorded) &&
  sent === `${recorded}/`;

function mismatch(seen: SeenRequest, record: Exchange, allowed: PathAllowance): string | undefined {
  if (seen.method !== record.method) return `method ${seen.method}, recorded ${record.method}`;
  const sent = new URL(seen.url);
  const want = new URL(record.url);
  if (sent.origin !== want.origin) return `origin ${sent.origin}, recorded ${want.origin}`;
  if (sent.pathname !== want.pathname && !allowed(seen.method, sent.pathname, want.pathname)) {
    return `path ${sent.pathname}, recorded ${want.pathname}`;
  }
  const q1 = sortedQuery(sent);
  const q2 = sortedQuery(want);
  if (q1 !== q2) return `query ${q1}, recorded ${q2}`;
  return undefined;
}

function sameExchange(a: Exchange, b: Exchange): boolean {
  return a.method === b.method && a.url === b.url && a.status === b.status && a.body === b.body;
}

/**
 * A `fetch` that hands out recorded responses in order and asserts that each request kvfetch
 * sends is the next recorded one. The first failed check is kept in `failure` (kvfetch turns
 * a throwing fetch into a network error, so the test reports this instead).
 */
export class Replay {
  readonly records: Exchange[];
  readonly served: Served[] = [];
  /** Indexes of records skipped as exact repeats of the record before them. */
  readonly skipped: number[] = [];
  /** How many `nextLink` hosts were rewritten (see the module comment). */
  rewrittenNextLinks = 0;
  failure: Error | undefined;
  #next = 0;
  readonly #nextLinkHost: { from: string; to: string } | undefined;

  readonly #allowed: PathAllowance;

  constructor(
    records: Exchange[],
    nextLinkHost?: { from: string; to: string },
    allowed: PathAllowance = () => false,
  ) {
    this.records = records;
    this.#nextLinkHost = nextLinkHost;
    this.#allowed = allowed;
  }

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const seen: SeenRequest = {
      url,
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body: init.body == null ? "" : await new Response(init.body).text(),
    };
    try {
      const index = this.#match(seen);
      const record = this.records[index]!;
      const text = this.#rewrite(record.body);
      this.served.push({ request: seen, record, index, text });
      const headers = new Headers(record.headers);
      headers.delete("content-length"); // a rewritten body has another length
      const empty = NULL_BODY_STATUS.has(record.status) || text === "";
      return new Response(empty ? null : text, { status: record.status, headers });
    } catch (error) {
      this.failure ??= error as Error;
      throw error;
    }
  };

  #match(seen: SeenRequest): number {
    const n = this.served.length + 1;
    const label = `request #${n} ${seen.method} ${seen.url}`;
    assert.equal(seen.headers.get("authorization"), `Bearer ${TOKEN}`, `${label}: bearer token`);
    for (;;) {
      const index = this.#next;
      const record = this.records[index];
      if (!record) {
        assert.fail(`${label}: the recording has only ${this.records.length} exchanges`);
      }
      const diff = mismatch(seen, record, this.#allowed);
      if (diff === undefined) {
        this.#next++;
        this.#checkBody(seen, record, label);
        return index;
      }
      const previous = this.records[index - 1];
      if (previous && sameExchange(previous, record)) {
        this.skipped.push(index);
        this.#next++;
        continue;
      }
      assert.fail(`${label} does not match recorded exchange #${index + 1}: ${diff}`);
    }
  }

  #checkBody(seen: SeenRequest, record: Exchange, label: string): void {
    if (record.requestBody === undefined) return;
    if (record.requestBody === null) {
      assert.equal(seen.body, "", `${label}: no body`);
      assert.equal(seen.headers.get("content-type"), null, `${label}: no content type`);
      return;
    }
    assert.equal(seen.headers.get("content-type"), "application/json", `${label}: content type`);
    assert.deepEqual(JSON.parse(seen.body), record.requestBody, `${label}: JSON body`);
  }

  #rewrite(body: string): string {
    const host = this.#nextLinkHost;
    if (!host) return body;
    const from = `"nextLink":"https://${host.from}`;
    this.rewrittenNextLinks += body.split(from).length - 1;
    return body.replaceAll(from, `"nextLink":"https://${host.to}`);
  }

  /** The next record kvfetch has not asked for yet (to shape a call the data has no body for). */
  peek(): Exchange | undefined {
    return this.records[this.#next];
  }

  /** A position to look back from with {@link Replay.since}. */
  mark(): number {
    return this.served.length;
  }

  since(mark: number): Served[] {
    return this.served.slice(mark);
  }

  /** The exchange that answered the last request. */
  get last(): Served {
    const last = this.served.at(-1);
    assert.ok(last, "no request was sent");
    return last;
  }

  /** The JSON body of an answer (the last one by default), as served. */
  json<T>(served: Served = this.last): T {
    return JSON.parse(served.text) as T;
  }

  /** Asserts every record was used, allowing trailing exact repeats only. */
  done(): void {
    if (this.failure) throw this.failure;
    while (this.#next < this.records.length) {
      const previous = this.records[this.#next - 1];
      const record = this.records[this.#next]!;
      if (!previous || !sameExchange(previous, record)) break;
      this.skipped.push(this.#next++);
    }
    assert.equal(
      this.#next,
      this.records.length,
      `kvfetch sent ${this.served.length} requests; recorded exchanges ${this.#next + 1}…` +
        `${this.records.length} were never asked for`,
    );
  }
}

/** Runs a scenario; a replay mismatch is reported as itself, not as kvfetch's network error. */
export async function replaying(replay: Replay, scenario: () => Promise<void>): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    throw replay.failure ?? error;
  }
  replay.done();
}

/** A credential that always hands out {@link TOKEN}. */
export function credential(): { getToken(): Promise<AccessToken> } {
  return {
    getToken(): Promise<AccessToken> {
      return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

/** Unix seconds to a Date. */
export const fromUnix = (s: number | undefined): Date | undefined =>
  typeof s === "number" ? new Date(s * 1000) : undefined;

/** `nextLink` as kvfetch reports it: the URL normalised (`:443` dropped), or none. */
export const continuation = (nextLink: string | null | undefined): string | undefined =>
  nextLink ? new URL(nextLink).href : undefined;

/** operationId → method and path template, from the spec's own OPERATIONS.tsv, for one spec file. */
export async function specOperations(
  dir: string,
  specFile: string,
): Promise<Map<string, { method: string; path: string }>> {
  const text = await readFile(`${dir}/spec/OPERATIONS.tsv`, "utf8");
  const ops = new Map<string, { method: string; path: string }>();
  for (const line of text.split("\n").slice(1)) {
    const [file, operationId, method, path] = line.split("\t");
    if (file === specFile && operationId && method && path) {
      ops.set(operationId, { method, path });
    }
  }
  return ops;
}

/** The exchange an example describes: path and query filled from its parameters. */
export function exampleExchange(
  example: SpecExample,
  op: { method: string; path: string },
): Exchange {
  const p = example.parameters;
  const used = new Set(["vaultBaseUrl"]);
  const path = op.path.replace(/\{([^}]+)\}/g, (_, key: string) => {
    used.add(key);
    const value = p[key];
    return value === undefined ? "" : encodeURIComponent(String(value));
  });
  const url = new URL(path, String(p.vaultBaseUrl));
  let requestBody: unknown = null;
  for (const [key, value] of Object.entries(p)) {
    if (used.has(key)) continue;
    if (typeof value === "object" && value !== null) requestBody = value;
    else url.searchParams.set(key, String(value));
  }
  const [status, response] = Object.entries(example.responses)
    .find(([code]) => code.startsWith("2")) ?? assert.fail("the example has no 2xx response");
  const headers: Record<string, string> = { ...response.headers };
  if (response.body !== undefined) headers["content-type"] ??= "application/json; charset=utf-8";
  return {
    method: op.method,
    url: url.href,
    requestBody,
    status: Number(status),
    headers,
    body: response.body === undefined ? "" : JSON.stringify(response.body),
  };
}

/** A parameter of an example, as a string. */
export const str = (example: SpecExample, key: string): string | undefined => {
  const value = example.parameters[key];
  return value === undefined ? undefined : String(value);
};

export function recordedExchanges(recording: CppRecording): Exchange[] {
  return recording.networkCallRecords.map((r) => {
    const { STATUS_CODE, BODY, REASON_PHRASE: _, ...headers } = r.Response;
    return {
      method: r.Method,
      url: r.Url,
      status: Number(STATUS_CODE),
      headers,
      body: BODY ?? "",
    };
  });
}

/** What {@link testSpecExamples} needs from a conformance test file. */
export interface SpecExampleSuite<C extends { replay: Replay }> {
  /** The collection, as the test names say it (`secrets`, `keys`, `certificates`). */
  collection: string;
  dir: string;
  /** The operations of the collection's spec file, from {@link specOperations}. */
  operations: Map<string, { method: string; path: string }>;
  /** The kvfetch call each operation maps to. */
  drivers: Record<string, (ctx: C, example: SpecExample, exchange: Exchange) => Promise<void>>;
  /** A client context on a replay. */
  context: (vaultUrl: string, serviceVersion: string, replay: Replay) => C;
  allowed?: PathAllowance;
  /** Adjusts the exchange before the replay (e.g. the request body kvfetch is expected to send). */
  prepare?: (example: SpecExample, exchange: Exchange) => void;
}

/**
 * One test per spec example of the collection: the example's exchange is replayed to the kvfetch
 * call its operation maps to, which must send exactly that one request, with the example's
 * api-version.
 */
export async function testSpecExamples<C extends { replay: Replay }>(
  suite: SpecExampleSuite<C>,
): Promise<void> {
  const examplesDir = `${suite.dir}/examples/dataplane/${suite.collection}`;
  for (const file of (await readdir(examplesDir)).filter((f) => f.endsWith(".json")).sort()) {
    test(`conformance: ${suite.collection} example ${file}`, async () => {
      const example = JSON.parse(await readFile(`${examplesDir}/${file}`, "utf8")) as SpecExample;
      const op = suite.operations.get(example.operationId);
      assert.ok(op, `${example.operationId} is not a ${suite.collection} operation of the spec`);
      const driver = suite.drivers[example.operationId];
      assert.ok(driver, `no kvfetch call is mapped to ${example.operationId} (${file})`);
      const exchange = exampleExchange(example, op);
      suite.prepare?.(example, exchange);
      const serviceVersion = str(example, "api-version")!;
      const ctx = suite.context(
        String(example.parameters.vaultBaseUrl).replace(/\/$/, ""),
        serviceVersion,
        new Replay([exchange], undefined, suite.allowed),
      );
      await replaying(ctx.replay, () => driver(ctx, example, exchange));
      assert.equal(ctx.replay.served.length, 1, "one request, as in the example");
      assert.equal(
        new URL(ctx.replay.last.request.url).searchParams.get("api-version"),
        serviceVersion,
      );
    });
  }
}
