/**
 * Conformance of the emulator with Microsoft's REST API spec examples: every data-plane secrets
 * and keys example (`examples/dataplane/{secrets,keys}`) and every ARM example (`examples/arm`)
 * under `KVFETCH_CONFORMANCE_DIR` is sent to the emulator, and the answer must have the example's
 * status and a body of the same shape (the same top-level members, and the same members of
 * `attributes`, `key` and, for ARM, `properties`).
 *
 * How the requests are rebuilt, and the differences allowed:
 * - An example is one exchange against a vault that already holds what it names. Before sending
 *   it, the test makes that state through the emulator's own API (the secret, the key of the
 *   right type, the deleted secret, the resource group and vault); a version named in the
 *   example's path is replaced by the emulator's version of the item it made.
 * - The examples' bodies are sent as they are, except the two that cannot work against any real
 *   vault: `verify` sends the emulator's own signature of the example digest (the example's
 *   `digest` and `value` are swapped, and its signature was made by another key), and `wrapKey`'s
 *   standard-base64 `value` is sent as base64url (the conformance README notes the example is
 *   wrong there).
 * - The shape comparison leaves out the few members listed in `OPTIONAL` below, each with its
 *   reason; every other member must be on both sides.
 * - A listing example asks for `$skiptoken` pages the examples' vault made; the emulator is sent
 *   the same request without that token (a foreign token is refused, as Azure refuses one).
 * - Of the answers an example lists, the test expects the one the state it made leads to: a
 *   vault PUT answers `201` for a new vault (the example also lists `200`), delete answers
 *   `200`, purge of a deleted vault `202`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DIR, exampleExchange, type SpecExample, specOperations } from "../_conformance.ts";
import { createEmulator, type Emulator } from "../../lib/testing/mod.ts";
import { emulatorCall, type Json, parseJson, SCOPES, tokenFor } from "../_emulator_call.ts";
import { forEachConformanceFile, withVersions } from "../_conformance_emulator.ts";

/** Members one side has and the other may not, and why. */
const OPTIONAL = new Set([
  // Optional members the emulator always answers and the examples leave out: `recoverableDays`
  // of every attributes object (the examples predate it), and the vault properties
  // `enableSoftDelete`, `softDeleteRetentionInDays` and `enableRbacAuthorization` (Azure answers
  // them too once set; the examples' vault was made before they were defaults).
  "recoverableDays",
  "enableSoftDelete",
  "softDeleteRetentionInDays",
  "enableRbacAuthorization",
  // A vault property of the examples the emulator does not model (a deprecated HSM pool link).
  "hsmPoolResourceId",
]);

const members = (o: unknown) =>
  o && typeof o === "object" && !Array.isArray(o)
    ? Object.keys(o).filter((k) => !OPTIONAL.has(k)).sort()
    : [];

function shape(body: unknown): unknown {
  if (body === undefined || body === null || body === "") return undefined;
  const b = body as Json;
  if (Array.isArray(b.value)) {
    return { list: members(b), item: b.value.length ? members(b.value[0]) : undefined };
  }
  return {
    top: members(b),
    attributes: members(b.attributes),
    key: members(b.key),
    properties: members(b.properties),
  };
}

const ARM = "https://management.azure.com";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

interface Setup {
  /** Recorded version → the emulator's. */
  versions?: Record<string, string>;
  body?: Json;
  drop?: string[];
  status?: number;
}

async function call(
  emulator: Emulator,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const { status, text } = await emulatorCall(emulator, token, method, url, body);
  assert.ok(status < 300, `setup ${method} ${url}: ${status} ${text}`);
  return { status, json: parseJson(text) ?? {} };
}

const V = "https://myvault.vault.azure.net";
const Q = "?api-version=7.6";

/** Makes the state an example needs; returns how to rewrite it. */
async function prepare(
  emulator: Emulator,
  tokens: { vault: string; arm: string },
  example: SpecExample,
): Promise<Setup> {
  const p = example.parameters;
  const vault = (method: string, path: string, body?: unknown) =>
    call(emulator, tokens.vault, method, `${V}${path}${Q}`, body);
  const arm = (method: string, path: string, body?: unknown) =>
    call(
      emulator,
      tokens.arm,
      method,
      `${ARM}${path}?api-version=${path.includes("/providers/") ? "2026-04-01" : "2021-04-01"}`,
      body,
    );
  const secret = String(p["secret-name"] ?? "");
  const key = String(p["key-name"] ?? "");
  const group = String(p.resourceGroupName ?? "sample-resource-group");
  const vaultName = String(p.vaultName ?? "sample-vault");
  const newVault = async () => {
    await arm("PUT", `/subscriptions/${SUBSCRIPTION}/resourcegroups/${group}`, {
      location: "westus",
    });
    await arm(
      "PUT",
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${vaultName}`,
      {
        location: "westus",
        properties: {
          tenantId: emulator.tenantId,
          sku: { family: "A", name: "standard" },
          accessPolicies: [],
        },
      },
    );
  };
  const versionOf = (id: unknown) => String(id).split("/").at(-1)!;
  switch (example.operationId) {
    case "GetSecret":
    case "UpdateSecret": {
      const made = await vault("PUT", `/secrets/${secret}`, { value: "mysecretvalue" });
      return { versions: { [String(p["secret-version"])]: versionOf(made.json.id) } };
    }
    case "DeleteSecret":
      await vault("PUT", `/secrets/${secret}`, { value: "v" });
      return {};
    case "RecoverDeletedSecret":
    case "PurgeDeletedSecret":
      await vault("PUT", `/secrets/${secret}`, { value: "v" });
      await vault("DELETE", `/secrets/${secret}`);
      return {};
    case "GetSecrets":
      await vault("PUT", `/secrets/listsecrettest0`, { value: "v", contentType: "plainText" });
      await vault("PUT", `/secrets/listsecrettest1`, { value: "v", contentType: "plainText" });
      return {};
    case "GetDeletedSecrets":
      for (const n of ["listdeletedsecrettest0", "listdeletedsecrettest1"]) {
        await vault("PUT", `/secrets/${n}`, { value: "v", contentType: "plainText" });
        await vault("DELETE", `/secrets/${n}`);
      }
      return { drop: ["$skiptoken"] };
    case "RotateKey": {
      const tags = (example.responses["200"]?.body as Json | undefined)?.tags;
      await vault("POST", `/keys/${key}/create`, { kty: "RSA", key_size: 2048, tags });
      return {};
    }
    case "encrypt":
    case "sign":
    case "wrapKey": {
      const made = await vault("POST", `/keys/${key}/create`, { kty: "RSA", key_size: 2048 });
      const versions = { [String(p["key-version"])]: versionOf((made.json.key as Json).kid) };
      if (example.operationId !== "wrapKey") return { versions };
      const body = { ...(p.parameters as Json) };
      body.value = String(body.value).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      return { versions, body };
    }
    case "verify": {
      const made = await vault("POST", `/keys/${key}/create`, { kty: "RSA", key_size: 2048 });
      const version = versionOf((made.json.key as Json).kid);
      const { alg, value: digest } = p.parameters as Json;
      const signed = await vault("POST", `/keys/${key}/${version}/sign`, { alg, value: digest });
      return {
        versions: { [String(p["key-version"])]: version },
        body: { alg, digest, value: signed.json.value },
      };
    }
    case "Vaults_CreateOrUpdate":
      await arm("PUT", `/subscriptions/${SUBSCRIPTION}/resourcegroups/${group}`, {
        location: "westus",
      });
      return { status: 201 };
    case "Vaults_Get":
    case "Vaults_UpdateAccessPolicy":
      await newVault();
      return {};
    case "Vaults_Delete":
      await newVault();
      return { status: 200 };
    case "Vaults_GetDeleted":
    case "Vaults_PurgeDeleted":
      await newVault();
      await arm(
        "DELETE",
        `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${vaultName}`,
      );
      return example.operationId === "Vaults_PurgeDeleted" ? { status: 202 } : {};
    default:
      return {};
  }
}

const SETS = [
  { folder: "examples/dataplane/secrets", spec: "spec/dataplane/secrets.json" },
  { folder: "examples/dataplane/keys", spec: "spec/dataplane/keys.json" },
  { folder: "examples/arm", spec: "spec/arm/openapi.json" },
];
for (const [i, { folder, spec }] of SETS.entries()) {
  await forEachConformanceFile(
    folder,
    i === 0 ? "conformance: the emulator answers the spec examples" : undefined,
    (file, read) =>
      test(`conformance: the emulator answers ${folder}/${file} as the example`, async () => {
        const example = await read() as SpecExample;
        const op = (await specOperations(DIR!, spec)).get(example.operationId);
        assert.ok(op, `${example.operationId} is in OPERATIONS.tsv`);
        const isArm = folder === "examples/arm";
        const emulator = createEmulator({
          vaults: ["myvault"],
          subscriptionId: SUBSCRIPTION,
          registrationPolls: 0,
        });
        const tokens = {
          vault: await tokenFor(emulator),
          arm: await tokenFor(emulator, SCOPES.arm),
        };
        const setup = await prepare(emulator, tokens, example);
        const withBase = isArm
          ? { ...example, parameters: { ...example.parameters, vaultBaseUrl: ARM } }
          : example;
        const exchange = exampleExchange(withBase, op);
        const url = new URL(exchange.url);
        const path = withVersions(url.pathname, new Map(Object.entries(setup.versions ?? {})));
        for (const name of setup.drop ?? []) url.searchParams.delete(name);
        const body = setup.body ?? exchange.requestBody ?? undefined;
        const response = await emulatorCall(
          emulator,
          isArm ? tokens.arm : tokens.vault,
          exchange.method,
          `${url.origin}${path}${url.search}`,
          body,
        );
        const text = response.text;
        const status = setup.status ?? exchange.status;
        assert.equal(response.status, status, `${file}: ${text}`);
        const expected = example.responses[String(status)]?.body;
        assert.deepEqual(shape(parseJson(text)), shape(expected), `${file}: body shape`);
      }),
  );
}
