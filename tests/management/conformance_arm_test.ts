/**
 * Conformance of `VaultsClient` and `ResourceGroupsClient` with Microsoft's own ARM data: the
 * REST API spec examples (`examples/arm/`), the sessions the Azure management libraries for .NET
 * recorded against real subscriptions (`recordings/arm-net/`) and the OpenAPI document itself
 * (`spec/arm/openapi.json`). The data lives outside the project, in the folder named by
 * `KVFETCH_CONFORMANCE_DIR`; without it, one visibly skipped test stands in for the lot. Nothing
 * is copied from it into the repository.
 *
 * Each test drives kvfetch through a replaying `fetch` that checks every request against the
 * next recorded one (method, origin, path, query as a sorted set, the bearer token, and the JSON
 * body deep-equal wherever the data has one) and answers with the recorded response; the test
 * then checks what kvfetch returns against the recorded body, with ISO dates as `Date`s.
 *
 * Differences allowed on purpose, each asserted where it occurs:
 *
 * - **The .NET Fluent library does not wait out `RegisteringDns`.** Its first `PUT` of a new vault
 *   answers `200` `RegisteringDns` (no `Location`), and the library goes straight on with the
 *   next `PUT`. kvfetch, like `@azure/arm-keyvault` (core-lro), would poll the vault until it is
 *   `Succeeded`; to replay those steps the test passes `waitForCompletion: false` and asserts the
 *   state. Where the recording itself shows the poll (ManageKeyVaultTest: the second vault's
 *   `PUT` → `RegisteringDns`, then `GET` → `Succeeded`), kvfetch's default wait replays it
 *   unchanged.
 * - **Microsoft Graph calls are not replayed.** CanCRUDKeyVault creates a service principal and a
 *   user through `graph.windows.net` (`/{tenant}/applications`, `/users`, …) for its access
 *   policies; kvfetch has no Graph client. Only `/subscriptions/…` exchanges are replayed, and the
 *   test asserts how many were left out.
 * - **A resource group delete is polled until the first `200`.** The .NET library polled once more
 *   after it (both recordings end with two `200`s); the replayer lets a record that repeats the
 *   one before it exactly be left unused, and the tests assert which.
 * - **Request URIs** are taken from `EncodedRequestUri` (the exact bytes sent); the host is
 *   `management.azure.com` (the recorder drops it; the `Location` headers name it).
 * - **The purge example's 202 names `https://some.endpoint.com/…` as its `Location`.** kvfetch never
 *   sends a request (or a token) to another origin than the ARM endpoint: with the default wait it
 *   fails with `ERR_FOREIGN_OPERATION_URL` and sends nothing more; with `waitForCompletion: false`
 *   it resolves after the 202. Both are asserted.
 * - **Spec examples are single exchanges**, so an example whose operation is long-running replays
 *   its final answers only (`createVault`'s 200 and 201 already say `Succeeded`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { readdir, readFile } from "node:fs/promises";
import {
  type AccessToken,
  armResponseOf,
  DEFAULT_VAULTS_API_VERSION,
  KvfetchError,
  ResourceGroupsClient,
  type Vault,
  VaultsClient,
} from "../../mod.ts";

function conformanceDir(): string | undefined {
  try {
    return process.env.KVFETCH_CONFORMANCE_DIR || undefined;
  } catch {
    return undefined; // no permission to read the environment: treated as unset
  }
}

const DIR = conformanceDir();
const ARM = "https://management.azure.com";
const TOKEN = "conformance-arm-token";

// ---------------------------------------------------------------------------------------------
// Shapes of the data

interface SpecExample {
  operationId: string;
  title?: string;
  parameters: Record<string, unknown>;
  responses: Record<string, { headers?: Record<string, string>; body?: unknown }>;
}

interface NetEntry {
  RequestUri: string;
  EncodedRequestUri?: string;
  RequestMethod: string;
  RequestBody: string;
  StatusCode: number;
  ResponseHeaders: Record<string, string[]>;
  ResponseBody: string;
}

/** One recorded exchange. */
interface Exchange {
  method: string;
  url: string;
  /** The JSON body the service got; `null`: none; `undefined`: not recorded. */
  requestBody?: unknown;
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Served {
  request: { url: string; method: string; headers: Headers; body: string };
  record: Exchange;
  index: number;
}

// ---------------------------------------------------------------------------------------------
// The replayer

const sortedQuery = (url: URL) =>
  `[${[...url.searchParams].map((p) => JSON.stringify(p)).sort().join(",")}]`;

const sameExchange = (a: Exchange, b: Exchange) =>
  a.method === b.method && a.url === b.url && a.status === b.status && a.body === b.body;

/** Hands out recorded responses in order, checking each request against the next record. */
class Replay {
  readonly served: Served[] = [];
  readonly skipped: number[] = [];
  failure: Error | undefined;
  #next = 0;
  constructor(readonly records: Exchange[]) {}

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const request = {
      url,
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body: init.body == null ? "" : await new Response(init.body).text(),
    };
    try {
      const index = this.#match(request);
      const record = this.records[index]!;
      this.served.push({ request, record, index });
      const headers = new Headers(record.headers);
      headers.delete("content-length");
      const empty = record.status === 204 || record.body === "";
      return new Response(empty ? null : record.body, { status: record.status, headers });
    } catch (error) {
      this.failure ??= error as Error;
      throw error;
    }
  };

  #match(seen: Served["request"]): number {
    const label = `request #${this.served.length + 1} ${seen.method} ${seen.url}`;
    assert.equal(seen.headers.get("authorization"), `Bearer ${TOKEN}`, `${label}: bearer token`);
    for (;;) {
      const index = this.#next;
      const record = this.records[index];
      if (!record) assert.fail(`${label}: the recording has only ${this.records.length} exchanges`);
      const diff = mismatch(seen, record);
      if (diff === undefined) {
        this.#next++;
        if (record.requestBody === null) {
          assert.equal(seen.body, "", `${label}: no body`);
        } else if (record.requestBody !== undefined) {
          assert.equal(
            seen.headers.get("content-type"),
            "application/json",
            `${label}: content type`,
          );
          assert.deepEqual(JSON.parse(seen.body), record.requestBody, `${label}: JSON body`);
        }
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

  get last(): Served {
    const last = this.served.at(-1);
    assert.ok(last, "no request was sent");
    return last;
  }

  /** The JSON body of an answer (the last by default). */
  json<T>(served: Served = this.last): T {
    return JSON.parse(served.record.body) as T;
  }

  /** Asserts every record was used, allowing trailing exact repeats only. */
  done(): void {
    if (this.failure) throw this.failure;
    while (this.#next < this.records.length) {
      const previous = this.records[this.#next - 1];
      if (!previous || !sameExchange(previous, this.records[this.#next]!)) break;
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

function mismatch(seen: Served["request"], record: Exchange): string | undefined {
  if (seen.method !== record.method) return `method ${seen.method}, recorded ${record.method}`;
  const sent = new URL(seen.url);
  const want = new URL(record.url);
  if (sent.origin !== want.origin) return `origin ${sent.origin}, recorded ${want.origin}`;
  if (sent.pathname !== want.pathname) return `path ${sent.pathname}, recorded ${want.pathname}`;
  const q1 = sortedQuery(sent);
  const q2 = sortedQuery(want);
  return q1 === q2 ? undefined : `query ${q1}, recorded ${q2}`;
}

async function replaying(replay: Replay, scenario: () => Promise<void>): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    throw replay.failure ?? error;
  }
  replay.done();
}

// ---------------------------------------------------------------------------------------------
// What kvfetch should return for a recorded body: the body, with ISO dates as Dates and null
// read as absent (kvfetch's models keep every other field as ARM sent it).

const DATE_KEYS = new Set(["createdAt", "lastModifiedAt", "deletionDate", "scheduledPurgeDate"]);

function model(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(model);
  if (json === null) return undefined;
  if (typeof json != "object") return json;
  return Object.fromEntries(
    Object.entries(json as Record<string, unknown>).map(([key, value]) => [
      key,
      DATE_KEYS.has(key) && typeof value == "string"
        ? new Date(value.replace(/(\.\d{3})\d*/, "$1").replace(/(\d\d)$/, "$1Z"))
        : model(value),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Clients

function credential() {
  return {
    getToken(): Promise<AccessToken> {
      return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

function clients(
  replay: Replay,
  subscriptionId: string,
  apiVersion: string,
  groupsApiVersion = "2021-04-01",
) {
  const waits: number[] = [];
  let clock = Date.UTC(2019, 9, 22, 23, 0, 0);
  const http = {
    fetch: replay.fetch,
    retry: { maxRetries: 0 },
    now: () => clock,
    sleep: (ms: number) => {
      waits.push(ms);
      clock += ms;
      return Promise.resolve();
    },
  };
  return {
    waits,
    vaults: new VaultsClient(subscriptionId, credential(), { ...http, apiVersion }),
    groups: new ResourceGroupsClient(subscriptionId, credential(), {
      ...http,
      apiVersion: groupsApiVersion,
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Spec examples

const str = (example: SpecExample, name: string) => example.parameters[name] as string;

/** The exchange of one example response. */
function exampleExchange(
  example: SpecExample,
  status: string,
  path: string,
  body?: unknown,
): Exchange {
  const response = example.responses[status]!;
  return {
    method: "",
    url: `${ARM}/subscriptions/${str(example, "subscriptionId")}${path}?api-version=${
      str(example, "api-version")
    }`,
    requestBody: body,
    status: Number(status),
    headers: { "content-type": "application/json; charset=utf-8", ...(response.headers ?? {}) },
    body: response.body === undefined ? "" : JSON.stringify(response.body),
  };
}

type Driver = (example: SpecExample, status: string) => Promise<void>;

const vaultPath = (e: SpecExample) =>
  `/resourceGroups/${str(e, "resourceGroupName")}/providers/Microsoft.KeyVault/vaults/${
    str(e, "vaultName")
  }`;
const deletedPath = (e: SpecExample) =>
  `/providers/Microsoft.KeyVault/locations/${str(e, "location")}/deletedVaults/${
    str(e, "vaultName")
  }`;

/** Runs one example response through the kvfetch call it documents. */
const EXAMPLE_DRIVERS: Record<string, Driver> = {
  async Vaults_CreateOrUpdate(e, status) {
    const parameters = e.parameters.parameters as never;
    const replay = new Replay([{
      ...exampleExchange(e, status, vaultPath(e), parameters),
      method: "PUT",
    }]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      const vault = await vaults.createOrUpdate(
        str(e, "resourceGroupName"),
        str(e, "vaultName"),
        parameters,
      );
      assert.deepStrictEqual(vault, model(e.responses[status]!.body));
      assert.ok(vault.systemData?.createdAt instanceof Date);
      assert.equal(armResponseOf(vault)?.status, Number(status));
    });
  },
  async Vaults_Get(e, status) {
    const replay = new Replay([{
      ...exampleExchange(e, status, vaultPath(e), null),
      method: "GET",
    }]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      const vault = await vaults.get(str(e, "resourceGroupName"), str(e, "vaultName"));
      assert.deepStrictEqual(vault, model(e.responses[status]!.body));
    });
  },
  async Vaults_Delete(e, status) {
    const replay = new Replay([{
      ...exampleExchange(e, status, vaultPath(e), null),
      method: "DELETE",
    }]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      assert.equal(
        await vaults.delete(str(e, "resourceGroupName"), str(e, "vaultName")),
        undefined,
      );
    });
  },
  async Vaults_GetDeleted(e, status) {
    const replay = new Replay([{
      ...exampleExchange(e, status, deletedPath(e), null),
      method: "GET",
    }]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      const deleted = await vaults.getDeleted(str(e, "vaultName"), str(e, "location"));
      assert.deepStrictEqual(deleted, model(e.responses[status]!.body));
      assert.ok(deleted.properties?.scheduledPurgeDate instanceof Date);
    });
  },
  async Vaults_PurgeDeleted(e, status) {
    const exchange = {
      ...exampleExchange(e, status, `${deletedPath(e)}/purge`, null),
      method: "POST",
    };
    const location = e.responses[status]!.headers?.Location;
    if (status === "202") {
      // Its Location is on another origin: refused before anything is sent there.
      assert.match(location ?? "", /^https:\/\/some\.endpoint\.com\//);
      const refused = new Replay([exchange]);
      const one = clients(refused, str(e, "subscriptionId"), str(e, "api-version"));
      await assert.rejects(
        one.vaults.purgeDeleted(str(e, "vaultName"), str(e, "location")),
        (error: unknown) =>
          error instanceof KvfetchError && error.code === "ERR_FOREIGN_OPERATION_URL",
      );
      assert.equal(refused.served.length, 1, "nothing sent to some.endpoint.com");
      refused.done();
    }
    const replay = new Replay([exchange]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      const options = status === "202" ? { waitForCompletion: false } : {};
      assert.equal(
        await vaults.purgeDeleted(str(e, "vaultName"), str(e, "location"), options),
        undefined,
      );
    });
  },
  async Vaults_UpdateAccessPolicy(e, status) {
    const parameters = e.parameters.parameters as { properties: { accessPolicies: never[] } };
    const kind = str(e, "operationKind") as "add";
    const path = `${vaultPath(e)}/accessPolicies/${kind}`;
    const replay = new Replay([{ ...exampleExchange(e, status, path, parameters), method: "PUT" }]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      const result = await vaults.updateAccessPolicy(
        str(e, "resourceGroupName"),
        str(e, "vaultName"),
        kind,
        parameters.properties.accessPolicies,
      );
      assert.deepStrictEqual(result, model(e.responses[status]!.body));
    });
  },
  async Vaults_CheckNameAvailability(e, status) {
    const body = e.parameters.vaultName as { name: string; type: string };
    const path = "/providers/Microsoft.KeyVault/checkNameAvailability";
    const replay = new Replay([{ ...exampleExchange(e, status, path, body), method: "POST" }]);
    const { vaults } = clients(replay, str(e, "subscriptionId"), str(e, "api-version"));
    await replaying(replay, async () => {
      const result = await vaults.checkNameAvailability(body.name);
      assert.deepStrictEqual(result, model(e.responses[status]!.body));
    });
  },
};

// ---------------------------------------------------------------------------------------------
// The .NET recordings

function netExchanges(entries: NetEntry[]): { records: Exchange[]; leftOut: number } {
  const records: Exchange[] = [];
  let leftOut = 0;
  for (const e of entries) {
    const uri = e.EncodedRequestUri ? atob(e.EncodedRequestUri) : e.RequestUri;
    if (!uri.startsWith("/subscriptions/")) {
      leftOut++; // Microsoft Graph: see the module comment
      continue;
    }
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(e.ResponseHeaders)) {
      headers[name] = values.join(", ");
    }
    records.push({
      method: e.RequestMethod,
      url: `${ARM}${uri}`,
      requestBody: e.RequestBody ? JSON.parse(e.RequestBody) : null,
      status: e.StatusCode,
      headers,
      body: e.ResponseBody,
    });
  }
  return { records, leftOut };
}

interface NetScenario {
  /** Graph exchanges left out. */
  leftOut: number;
  /** Records left unused as exact repeats. */
  skipped: number[];
  run(
    ctx: { replay: Replay; vaults: VaultsClient; groups: ResourceGroupsClient; waits: number[] },
  ): Promise<void>;
}

const body = <T>(replay: Replay, at: number) => replay.records[at]!.requestBody as T;

/** Each .NET test, as the matching kvfetch calls. */
const SCENARIOS: Record<string, NetScenario> = {
  "ManageKeyVaultTest.json": {
    leftOut: 8,
    skipped: [19],
    async run({ replay, vaults, groups, waits }) {
      const sub = "1c638cf4-608f-4ee6-b680-c329e824c3a8";
      const rg = "rgnemv5bd34926de396";
      const [v1, v2] = ["vault1e39012994b6", "vault282528017008"];
      const group = await groups.createOrUpdate(rg, body(replay, 0));
      assert.deepStrictEqual(group, model(replay.json()));
      // The Fluent library goes on without waiting out RegisteringDns (module comment).
      const first = await vaults.createOrUpdate(rg, v1, body(replay, 1), {
        waitForCompletion: false,
      });
      assert.equal(first.properties.provisioningState, "RegisteringDns");
      assert.deepStrictEqual(first, model(replay.json()));
      for (const at of [2, 3]) {
        const vault = await vaults.createOrUpdate(rg, v1, body(replay, at));
        assert.equal(vault.properties.provisioningState, "Succeeded");
        assert.deepStrictEqual(vault, model(replay.json()));
      }
      assert.deepStrictEqual(await vaults.get(rg, v1), model(replay.json()));
      // The second vault: PUT → RegisteringDns, then kvfetch's own poll GET → Succeeded, as recorded.
      const waited = waits.length;
      const second = await vaults.createOrUpdate(rg, v2, body(replay, 5));
      assert.equal(second.properties.provisioningState, "Succeeded");
      assert.deepStrictEqual(second, model(replay.json()));
      assert.deepEqual(waits.slice(waited), [2000], "no Retry-After: pollIntervalMs");
      const listed: Vault[] = [];
      const pages = [];
      for await (const page of vaults.listByResourceGroup(rg).byPage()) {
        pages.push(page.continuationToken);
        listed.push(...page);
      }
      assert.equal(pages.length, 2);
      assert.match(pages[0] ?? "", /^https:\/\/management\.azure\.com\/.*%24skiptoken=/);
      assert.equal(pages[1], undefined);
      assert.deepEqual(listed.map((v) => v.name), [v2, v1]);
      assert.deepStrictEqual(
        listed,
        model((replay.json<{ value: unknown[] }>(replay.served.at(-2)!)).value),
      );
      await vaults.delete(rg, v1);
      await vaults.delete(rg, v2);
      const before = waits.length;
      await groups.delete(rg);
      assert.deepEqual(
        waits.slice(before),
        Array(7).fill(15_000),
        "Retry-After: 15 before each poll",
      );
      assert.equal(new URL(replay.last.request.url).searchParams.get("api-version"), "2019-08-01");
      assert.ok(
        replay.served.every((s) => s.request.url.startsWith(`${ARM}/subscriptions/${sub}/`)),
      );
    },
  },
  "CanCRUDKeyVault.json": {
    leftOut: 16,
    skipped: [13],
    async run({ replay, vaults, groups, waits }) {
      const rg = "rgNEMV8786";
      const name = "vault17708";
      await groups.createOrUpdate(rg, body(replay, 0));
      const first = await vaults.createOrUpdate(rg, name, body(replay, 1), {
        waitForCompletion: false,
      });
      assert.equal(first.properties.provisioningState, "RegisteringDns");
      const updated = await vaults.createOrUpdate(rg, name, body(replay, 2));
      assert.deepStrictEqual(updated, model(replay.json()));
      assert.deepEqual(updated.properties.accessPolicies?.[0]?.permissions.secrets, []);
      const got = await vaults.get(rg, name);
      assert.deepStrictEqual(got, model(replay.json()));
      await groups.delete(rg);
      assert.deepEqual(waits, Array(8).fill(15_000));
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Registration

if (DIR === undefined) {
  test("conformance: ARM", { skip: "KVFETCH_CONFORMANCE_DIR is not set" }, () => {});
} else {
  const dir = DIR;
  const spec = JSON.parse(await readFile(`${dir}/spec/arm/openapi.json`, "utf8")) as {
    info: { version: string };
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const operations = new Map<string, { method: string; path: string }>();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId) operations.set(op.operationId, { method: method.toUpperCase(), path });
    }
  }

  test("conformance: the default api-version is the ARM spec's stable version", async () => {
    assert.equal(DEFAULT_VAULTS_API_VERSION, spec.info.version);
    const manifest = await readFile(`${dir}/MANIFEST.tsv`, "utf8");
    const line = manifest.split("\n").find((l) => l.startsWith("spec/arm/openapi.json\t"));
    assert.ok(line?.includes(`/stable/${spec.info.version}/openapi.json`), line);
  });

  const examplesDir = `${dir}/examples/arm`;
  for (const file of (await readdir(examplesDir)).filter((f) => f.endsWith(".json")).sort()) {
    test(`conformance: ARM example ${file}`, async () => {
      const example = JSON.parse(await readFile(`${examplesDir}/${file}`, "utf8")) as SpecExample;
      const op = operations.get(example.operationId);
      assert.ok(op, `${example.operationId} is not an operation of the spec`);
      const driver = EXAMPLE_DRIVERS[example.operationId];
      assert.ok(driver, `no kvfetch call is mapped to ${example.operationId} (${file})`);
      for (const status of Object.keys(example.responses)) await driver(example, status);
    });
  }

  const recordingsDir = `${dir}/recordings/arm-net`;
  for (const file of (await readdir(recordingsDir)).filter((f) => f.endsWith(".json")).sort()) {
    test(`conformance: ARM recording arm-net/${file}`, async () => {
      const scenario = SCENARIOS[file];
      assert.ok(scenario, `no kvfetch scenario is written for recording ${file}`);
      const recording = JSON.parse(await readFile(`${recordingsDir}/${file}`, "utf8")) as {
        Entries: NetEntry[];
      };
      const { records, leftOut } = netExchanges(recording.Entries);
      assert.equal(leftOut, scenario.leftOut, "Graph exchanges left out");
      const replay = new Replay(records);
      const sub = new URL(records[0]!.url).pathname.split("/")[2]!;
      const ctx = { replay, ...clients(replay, sub, "2018-02-14", "2021-01-01") };
      await replaying(replay, () => scenario.run(ctx));
      assert.deepEqual(replay.skipped, scenario.skipped, "records left unused as exact repeats");
    });
  }

  test("conformance: every Vaults operation of the spec is a VaultsClient call on the spec's path", async () => {
    const sub = "00000000-0000-0000-0000-000000000000";
    const sent: { method: string; url: string }[] = [];
    const answer = (status: number, json: unknown) =>
      Promise.resolve(new Response(json === null ? null : JSON.stringify(json), { status }));
    const vault = {
      properties: {
        tenantId: sub,
        sku: { family: "A", name: "standard" },
        provisioningState: "Succeeded",
      },
    };
    const fetch = (url: string, init: RequestInit) => {
      sent.push({ method: init.method ?? "GET", url });
      const path = new URL(url).pathname;
      if (path.endsWith("/checkNameAvailability")) return answer(200, { nameAvailable: true });
      if (/\/accessPolicies\//.test(path)) {
        return answer(200, { properties: { accessPolicies: [] } });
      }
      if (init.method === "GET" && /\/(vaults|deletedVaults|resources)$/.test(path)) {
        return answer(200, { value: [] });
      }
      if (init.method === "GET" && path.includes("/deletedVaults/")) return answer(200, {});
      if (init.method === "DELETE" || init.method === "POST") return answer(200, null);
      return answer(200, vault);
    };
    const vaults = new VaultsClient(sub, credential(), { fetch });
    const drain = async (list: AsyncIterable<unknown>) => {
      for await (const _ of list);
    };
    const calls: Record<string, () => Promise<unknown>> = {
      Vaults_CreateOrUpdate: () =>
        vaults.createOrUpdate("rg", "vault1", {
          location: "westus",
          properties: vault.properties as never,
        }),
      Vaults_Update: () => vaults.update("rg", "vault1", { tags: {} }),
      Vaults_Get: () => vaults.get("rg", "vault1"),
      Vaults_Delete: () => vaults.delete("rg", "vault1"),
      Vaults_ListByResourceGroup: () => drain(vaults.listByResourceGroup("rg")),
      Vaults_ListBySubscription: () => drain(vaults.listBySubscription()),
      Vaults_List: () => drain(vaults.list()),
      Vaults_ListDeleted: () => drain(vaults.listDeleted()),
      Vaults_GetDeleted: () => vaults.getDeleted("vault1", "westus"),
      Vaults_PurgeDeleted: () => vaults.purgeDeleted("vault1", "westus"),
      Vaults_UpdateAccessPolicy: () => vaults.updateAccessPolicy("rg", "vault1", "add", []),
      Vaults_CheckNameAvailability: () => vaults.checkNameAvailability("vault1"),
    };
    const specOps = [...operations.keys()].filter((id) => id.startsWith("Vaults_")).sort();
    assert.deepEqual(Object.keys(calls).sort(), specOps, "one call per Vaults_* operation");
    const values: Record<string, string> = {
      subscriptionId: sub,
      resourceGroupName: "rg",
      vaultName: "vault1",
      location: "westus",
      operationKind: "add",
    };
    for (const [id, call] of Object.entries(calls)) {
      sent.length = 0;
      await call();
      const op = operations.get(id)!;
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
      assert.equal(sent.length, 1, id);
      assert.equal(sent[0]!.method, op.method, `${id}: method`);
      const url = new URL(sent[0]!.url);
      assert.equal(url.origin + url.pathname, `${ARM}${path}`, `${id}: path`);
      assert.equal(
        url.searchParams.get("api-version"),
        id === "Vaults_List" ? "2015-11-01" : spec.info.version,
        `${id}: api-version`,
      );
    }
  });
}
