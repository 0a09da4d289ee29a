/**
 * A fake Azure Resource Manager for `Microsoft.KeyVault` vaults and `Microsoft.Resources`
 * resource groups, as a web handler (`(request) => Promise<Response>`): run it on a loopback
 * socket with `serve()` from `./_loopback.ts` and reach it as `https://management.azure.com`
 * through `routedFetch`, or call `handler` directly (the workerd smoke suite does). This file is
 * the HTTP side; the state and ARM's rules live in `./_fake_arm_state.ts`.
 *
 * It answers as ARM does where the recordings and the spec show it: bearer token required
 * (`401` + `WWW-Authenticate` otherwise), `api-version` required and checked per provider (the
 * resources listing answers `2015-11-01` only), paths compared without case, `{value, nextLink}`
 * pages with `$skiptoken` next links on the public origin, `x-ms-request-id`,
 * `x-ms-correlation-request-id` and `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}`
 * counting down, ARM's error bodies. Long-running operations:
 *
 * - vault create / recover (`createStyle`): `"location"` (default) answers `201`,
 *   `RegisteringDns`, `Location` + `Retry-After`, and the `Location` answers `202` until done,
 *   then `200` with the vault; `"asyncOperation"` answers `201` with `Azure-AsyncOperation`
 *   (`{status: InProgress | Succeeded | Failed, error}`); `"body"` answers `200`
 *   `RegisteringDns` with no header and the vault's own `GET` advances it; `"sync"` answers
 *   `200` `Succeeded` at once;
 * - purge: `202` + `Location` (`202` …, then `200`);
 * - resource group delete: `202` + `Location` under `/operationresults/` (`202` …, then `200`);
 * - vault delete, update, access policies: synchronous.
 *
 * `dataPlaneHandler(name)` is the vault's own host: `VaultRegisteringDns` (400) until ARM has
 * finished (plus `dnsLag` more requests), then Key Vault's `401` challenge.
 */

import {
  armDate,
  ArmFault,
  ArmState,
  type ArmStateOptions,
  type DeletedVaultState,
  type GroupState,
  type OperationState,
  vaultId,
  type VaultState,
} from "./state.ts";

export { ArmFault, ArmState } from "./state.ts";

/** The public ARM endpoint ids and links are built on. */
export const FAKE_ARM_ENDPOINT = "https://management.azure.com";
/** A subscription for the tests. */
export const FAKE_SUBSCRIPTION_ID = "8e7e5ad7-4c7b-4d33-9d1b-6c2f5b8e0a11";
/** The tenant of the fake's vaults and challenges. */
export const FAKE_ARM_TENANT_ID = "6a1d3c8e-4b2f-4e7a-9c5d-0f1e2d3c4b5a";

/** The `Microsoft.KeyVault` api-versions the fake answers. */
export const KEYVAULT_API_VERSIONS = [
  "2026-04-01",
  "2026-02-01",
  "2025-05-01",
  "2024-11-01",
  "2023-07-01",
  "2022-07-01",
  "2021-10-01",
  "2019-09-01",
  "2018-02-14",
] as const;
/** The `Microsoft.Resources` api-versions the fake answers. */
export const RESOURCES_API_VERSIONS = [
  "2024-03-01",
  "2022-09-01",
  "2021-04-01",
  "2021-01-01",
] as const;

/** How vault creation answers. */
export type CreateStyle = "location" | "asyncOperation" | "body" | "sync";

/** One request as the fake saw it. */
export interface ArmRequestRecord {
  method: string;
  /** The URL as it reached the handler. */
  url: string;
  path: string;
  /** Query parameters, decoded (the first of each name). */
  query: Record<string, string>;
  headers: Headers;
  authorization: string | null;
  body: string;
  apiVersion: string | null;
  /** Which operation the route names (`Vaults_CreateOrUpdate`, …; `Unknown`). */
  operation: string;
  /** The status answered (0 while in flight). */
  status: number;
}

/** A canned answer for the next matching requests. */
export interface ArmFaultInjection {
  status: number;
  code?: string;
  message?: string;
  details?: unknown[];
  target?: string;
  headers?: Record<string, string>;
  /** How many requests get it. Default 1. */
  count?: number;
  /** Only requests for which this is true. */
  when?: (request: ArmRequestRecord) => boolean;
}

/** How the fake is set up. */
export interface FakeArmOptions extends ArmStateOptions {
  /** The public endpoint links are built on. Default {@link FAKE_ARM_ENDPOINT}. */
  endpoint?: string;
  /** How vault creation answers. Default `"location"`. */
  createStyle?: CreateStyle;
  /** The `Retry-After` of operation answers (`null`: none). Default `"1"`. */
  retryAfter?: string | null;
  /** Page size when the request has no `$top`. Default 100. */
  pageSize?: number;
  /** Which bearer tokens are valid. Default: any non-empty token. */
  acceptToken?: (token: string) => boolean;
  /** The tenant named by challenges. Default {@link FAKE_ARM_TENANT_ID}. */
  tenantId?: string;
  /** The Entra host challenges name (another cloud's). Default `https://login.microsoftonline.com`. */
  authorityHost?: string;
  /** The audience a vault's challenge names. Default `https://vault.azure.net`. */
  vaultAudience?: string;
}

/** The fake: its handler, its state, what it saw, and its knobs. */
export interface FakeArm {
  handler: (request: Request) => Promise<Response>;
  /** The public endpoint. */
  readonly endpoint: string;
  readonly state: ArmState;
  readonly requests: ArmRequestRecord[];
  /** How vault creation answers from now on. */
  createStyle: CreateStyle;
  /** The `Retry-After` of operation answers from now on. */
  retryAfter: string | null;
  /** The handler of vault `name`'s data plane (`https://{name}.vault.azure.net`). */
  dataPlaneHandler(name: string): (request: Request) => Promise<Response>;
  /** Queues a canned answer. */
  failNext(fault: ArmFaultInjection): void;
  /** Canned answers still queued. */
  pendingFaults(): number;
}

interface Route {
  operation: string;
  sub: string;
  group?: string;
  name?: string;
  location?: string;
  kind?: string;
  id?: string;
  provider: "keyvault" | "resources";
}

const ROUTES: [RegExp, string, Route["provider"], string[], string[]][] = [
  // [path, operation, provider, methods, group names]
  [/^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i, "ResourceGroups", "resources", [
    "PUT",
    "GET",
    "DELETE",
  ], ["sub", "group"]],
  [
    /^\/subscriptions\/([^/]+)\/operationresults\/([^/]+)$/i,
    "ResourceGroups_OperationResult",
    "resources",
    ["GET"],
    ["sub", "id"],
  ],
  [/^\/subscriptions\/([^/]+)\/resources$/i, "Vaults_List", "resources", ["GET"], ["sub"]],
  [
    /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/vaults$/i,
    "Vaults_ListByResourceGroup",
    "keyvault",
    ["GET"],
    ["sub", "group"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/vaults\/([^/]+)$/i,
    "Vaults",
    "keyvault",
    ["PUT", "PATCH", "GET", "DELETE"],
    ["sub", "group", "name"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/vaults\/([^/]+)\/accesspolicies\/([^/]+)$/i,
    "Vaults_UpdateAccessPolicy",
    "keyvault",
    ["PUT"],
    ["sub", "group", "name", "kind"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/vaults$/i,
    "Vaults_ListBySubscription",
    "keyvault",
    ["GET"],
    ["sub"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/deletedvaults$/i,
    "Vaults_ListDeleted",
    "keyvault",
    ["GET"],
    ["sub"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/locations\/([^/]+)\/deletedvaults\/([^/]+)$/i,
    "Vaults_GetDeleted",
    "keyvault",
    ["GET"],
    ["sub", "location", "name"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/locations\/([^/]+)\/deletedvaults\/([^/]+)\/purge$/i,
    "Vaults_PurgeDeleted",
    "keyvault",
    ["POST"],
    ["sub", "location", "name"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/checknameavailability$/i,
    "Vaults_CheckNameAvailability",
    "keyvault",
    ["POST"],
    ["sub"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/locations\/([^/]+)\/operationresults\/([^/]+)$/i,
    "KeyVault_OperationResult",
    "keyvault",
    ["GET"],
    ["sub", "location", "id"],
  ],
  [
    /^\/subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/locations\/([^/]+)\/operations\/([^/]+)$/i,
    "KeyVault_OperationStatus",
    "keyvault",
    ["GET"],
    ["sub", "location", "id"],
  ],
];

function route(method: string, path: string): Route | { miss: 404 | 405 } {
  for (const [pattern, operation, provider, methods, names] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    if (!methods.includes(method)) return { miss: 405 };
    const out: Route = { operation, provider, sub: "" };
    names.forEach((
      name,
      i,
    ) => ((out as unknown as Record<string, string>)[name] = decodeURIComponent(m[i + 1]!)));
    if (operation === "Vaults") {
      out.operation = {
        PUT: "Vaults_CreateOrUpdate",
        PATCH: "Vaults_Update",
        GET: "Vaults_Get",
        DELETE: "Vaults_Delete",
      }[method]!;
    } else if (operation === "ResourceGroups") {
      out.operation = {
        PUT: "ResourceGroups_CreateOrUpdate",
        GET: "ResourceGroups_Get",
        DELETE: "ResourceGroups_Delete",
      }[method]!;
    }
    return out;
  }
  return { miss: 404 };
}

/** Creates a fake ARM. */
export function fakeArm(options: FakeArmOptions = {}): FakeArm {
  const endpoint = new URL(options.endpoint ?? FAKE_ARM_ENDPOINT).origin;
  const authorityHost = options.authorityHost ?? "https://login.microsoftonline.com";
  const vaultAudience = options.vaultAudience ?? "https://vault.azure.net";
  const state = new ArmState(options);
  const requests: ArmRequestRecord[] = [];
  const faults: (ArmFaultInjection & { remaining: number })[] = [];
  const acceptToken = options.acceptToken ?? ((token: string) => token.length > 0);
  const pageSize = options.pageSize ?? 100;
  const tenantId = options.tenantId ?? FAKE_ARM_TENANT_ID;
  const quota = { reads: 12_000, writes: 1_200, deletes: 15_000 };
  const fake: FakeArm = {
    handler,
    endpoint,
    state,
    requests,
    createStyle: options.createStyle ?? "location",
    retryAfter: options.retryAfter === undefined ? "1" : options.retryAfter,
    dataPlaneHandler,
    failNext(fault) {
      faults.push({ ...fault, remaining: fault.count ?? 1 });
    },
    pendingFaults: () => faults.reduce((n, f) => n + f.remaining, 0),
  };

  // ---- responses ------------------------------------------------------------------------

  function headersFor(record: ArmRequestRecord, json: boolean): Headers {
    const id = state.uuid();
    const h = new Headers({
      "cache-control": "no-cache",
      pragma: "no-cache",
      expires: "-1",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-ms-request-id": id,
      "x-ms-correlation-request-id": id,
      "x-ms-routing-request-id": `WESTUS:${
        armDate(state.now()).replace(/[-:.]/g, "").slice(0, 15)
      }Z:${id}`,
    });
    if (json) h.set("content-type", "application/json; charset=utf-8");
    const bucket = record.method === "GET"
      ? "reads"
      : record.method === "DELETE"
      ? "deletes"
      : "writes";
    h.set(`x-ms-ratelimit-remaining-subscription-${bucket}`, String(--quota[bucket]));
    if (record.operation.startsWith("Vaults") || record.operation.startsWith("KeyVault")) {
      h.set("x-ms-keyvault-service-version", "1.5.1361.0");
    }
    return h;
  }

  function reply(
    record: ArmRequestRecord,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ): Response {
    const h = headersFor(record, body !== null);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return new Response(body === null ? null : JSON.stringify(body), { status, headers: h });
  }

  const fail = (record: ArmRequestRecord, fault: ArmFault, extra?: Record<string, string>) =>
    reply(record, fault.status, fault.body(), extra);

  const retry = (): Record<
    string,
    string
  > => (fake.retryAfter === null ? {} : { "retry-after": fake.retryAfter });

  // ---- bodies ---------------------------------------------------------------------------

  function vaultBody(v: VaultState): Record<string, unknown> {
    return {
      id: vaultId(v.subscriptionId, v.resourceGroup, v.name),
      name: v.name,
      type: "Microsoft.KeyVault/vaults",
      location: v.location,
      tags: v.tags,
      systemData: {
        createdBy: state.options.principal,
        createdByType: "Application",
        createdAt: armDate(v.createdAt),
        lastModifiedBy: state.options.principal,
        lastModifiedByType: "Application",
        lastModifiedAt: armDate(v.modifiedAt),
      },
      properties: {
        ...v.properties,
        sku: { family: "A", ...(v.properties.sku as object) },
        provisioningState: v.provisioning,
      },
    };
  }

  function deletedBody(d: DeletedVaultState): Record<string, unknown> {
    const v = d.vault;
    return {
      id:
        `/subscriptions/${v.subscriptionId}/providers/Microsoft.KeyVault/locations/${v.location}/deletedVaults/${v.name}`,
      name: v.name,
      type: "Microsoft.KeyVault/deletedVaults",
      properties: {
        vaultId: vaultId(v.subscriptionId, v.resourceGroup, v.name),
        location: v.location,
        deletionDate: armDate(d.deletionDate).replace(/\.\d+Z$/, "Z"),
        scheduledPurgeDate: armDate(d.scheduledPurgeDate).replace(/\.\d+Z$/, "Z"),
        tags: v.tags,
        purgeProtectionEnabled: v.properties.enablePurgeProtection === true,
      },
    };
  }

  function groupBody(g: GroupState): Record<string, unknown> {
    const body: Record<string, unknown> = {
      id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.name}`,
      name: g.name,
      type: "Microsoft.Resources/resourceGroups",
      location: g.location,
    };
    if (g.tags) body.tags = g.tags;
    if (g.managedBy) body.managedBy = g.managedBy;
    body.properties = { provisioningState: g.deleting ? "Deleting" : "Succeeded" };
    return body;
  }

  function operationUrl(op: OperationState, apiVersion: string, status: boolean): string {
    if (op.kind === "group-delete") {
      const token = btoa(JSON.stringify({ jobId: op.id, jobLocation: op.location })).replace(
        /=+$/,
        "",
      );
      return `${endpoint}/subscriptions/${op.subscriptionId}/operationresults/${token}?api-version=${apiVersion}`;
    }
    const kind = status ? "operations" : "operationResults";
    return `${endpoint}/subscriptions/${op.subscriptionId}/providers/Microsoft.KeyVault/locations/${op.location}/${kind}/${op.id}?api-version=${apiVersion}`;
  }

  function page<T>(record: ArmRequestRecord, items: T[], map: (item: T) => unknown): Response {
    const top = record.query.$top === undefined ? pageSize : Number(record.query.$top);
    if (!Number.isInteger(top) || top < 1) {
      return fail(
        record,
        new ArmFault(
          400,
          "InvalidTopValue",
          `The value '${record.query.$top}' of $top is not valid.`,
        ),
      );
    }
    let offset = 0;
    const skip = record.query.$skiptoken;
    if (skip !== undefined) {
      try {
        offset = JSON.parse(atob(skip)).o;
      } catch {
        return fail(record, new ArmFault(400, "InvalidSkipToken", "The skip token is not valid."));
      }
    }
    const value = items.slice(offset, offset + top).map(map);
    let nextLink: string | undefined;
    if (offset + top < items.length) {
      const params = [`api-version=${record.apiVersion}`];
      if (record.query.$filter !== undefined) {
        params.push(`$filter=${encodeURIComponent(record.query.$filter)}`);
      }
      if (record.query.$top !== undefined) params.push(`$top=${top}`);
      params.push(`%24skiptoken=${encodeURIComponent(btoa(JSON.stringify({ o: offset + top })))}`);
      nextLink = `${endpoint}${record.path}?${params.join("&")}`;
    }
    return reply(record, 200, nextLink === undefined ? { value } : { value, nextLink });
  }

  // ---- the handler ----------------------------------------------------------------------

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const record: ArmRequestRecord = {
      method: request.method.toUpperCase(),
      url: request.url,
      path: url.pathname,
      query: {},
      headers: request.headers,
      authorization: request.headers.get("authorization"),
      body: request.method === "GET" || request.method === "HEAD" ? "" : await request.text(),
      apiVersion: url.searchParams.get("api-version"),
      operation: "Unknown",
      status: 0,
    };
    url.searchParams.forEach((v, k) => {
      if (!(k in record.query)) record.query[k] = v;
    });
    requests.push(record);
    const found = route(record.method, url.pathname);
    if ("operation" in found) record.operation = found.operation;
    const response = answer(record, found);
    record.status = response.status;
    return response;
  }

  function answer(record: ArmRequestRecord, found: Route | { miss: 404 | 405 }): Response {
    const auth = record.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!token || !acceptToken(token)) {
      return reply(
        record,
        401,
        {
          error: {
            code: token ? "InvalidAuthenticationToken" : "AuthenticationFailed",
            message: token
              ? "The access token is invalid."
              : "Authentication failed. The 'Authorization' header is missing.",
          },
        },
        {
          "www-authenticate":
            `Bearer authorization_uri="${authorityHost}/${tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
        },
      );
    }
    const index = faults.findIndex((f) => f.when === undefined || f.when(record));
    if (index >= 0) {
      const f = faults[index]!;
      if (--f.remaining <= 0) faults.splice(index, 1);
      const error: Record<string, unknown> = {
        code: f.code ?? "InternalServerError",
        message: f.message ?? "An injected failure.",
      };
      if (f.target !== undefined) error.target = f.target;
      if (f.details !== undefined) error.details = f.details;
      return reply(record, f.status, { error }, f.headers);
    }
    if ("miss" in found) {
      return found.miss === 404
        ? fail(
          record,
          new ArmFault(
            404,
            "InvalidResourceType",
            `The resource type could not be found for path '${record.path}'.`,
          ),
        )
        : fail(
          record,
          new ArmFault(405, "MethodNotAllowed", `The method '${record.method}' is not allowed.`),
        );
    }
    const versions: readonly string[] = found.operation === "Vaults_List"
      ? ["2015-11-01"]
      : found.provider === "resources"
      ? RESOURCES_API_VERSIONS
      : KEYVAULT_API_VERSIONS;
    if (!record.apiVersion) {
      return fail(
        record,
        new ArmFault(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        ),
      );
    }
    if (!versions.includes(record.apiVersion)) {
      return fail(
        record,
        new ArmFault(
          400,
          found.operation === "Vaults_List"
            ? "NoRegisteredProviderFound"
            : "InvalidApiVersionParameter",
          `The api-version '${record.apiVersion}' is invalid. The supported versions are '${
            versions.join(",")
          }'.`,
        ),
      );
    }
    let body: Record<string, unknown> = {};
    if (record.body) {
      try {
        body = JSON.parse(record.body);
      } catch {
        return fail(
          record,
          new ArmFault(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
          ),
        );
      }
    }
    try {
      return operation(record, found, body);
    } catch (error) {
      if (error instanceof ArmFault) return fail(record, error);
      throw error;
    }
  }

  function operation(record: ArmRequestRecord, r: Route, body: Record<string, unknown>): Response {
    const v = record.apiVersion!;
    const sub = r.sub;
    switch (r.operation) {
      case "ResourceGroups_CreateOrUpdate": {
        const { group, created } = state.putGroup(sub, r.group!, body as never);
        return reply(record, created ? 201 : 200, groupBody(group));
      }
      case "ResourceGroups_Get":
        return reply(record, 200, groupBody(state.group(sub, r.group!)));
      case "ResourceGroups_Delete": {
        const op = state.startGroupDelete(sub, r.group!);
        return reply(record, 202, null, { location: operationUrl(op, v, false), ...retry() });
      }
      case "ResourceGroups_OperationResult": {
        let id: string;
        try {
          id = JSON.parse(atob(r.id!)).jobId;
        } catch {
          throw new ArmFault(404, "OperationNotFound", "The operation was not found.");
        }
        const op = state.poll(sub, id);
        if (op.status === "InProgress") {
          return reply(record, 202, null, { location: operationUrl(op, v, false), ...retry() });
        }
        return reply(record, 200, null);
      }
      case "Vaults_CreateOrUpdate": {
        const { vault, created, operation: op } = state.putVault(sub, r.group!, r.name!, body);
        // API 2018-02-14 and before answered a new vault `200` with its state in the body
        // (`RegisteringDns` while it registers), as the .NET recordings show.
        const legacy = v <= "2018-02-14";
        if (!op || op.status !== "InProgress") {
          return reply(record, created && !legacy ? 201 : 200, vaultBody(vault));
        }
        switch (legacy ? "body" : fake.createStyle) {
          case "sync":
            state.settle();
            return reply(record, 200, vaultBody(vault));
          case "body":
            return reply(record, 200, vaultBody(vault));
          case "asyncOperation":
            return reply(record, 201, vaultBody(vault), {
              "azure-asyncoperation": operationUrl(op, v, true),
              ...retry(),
            });
          default:
            return reply(record, 201, vaultBody(vault), {
              location: operationUrl(op, v, false),
              ...retry(),
            });
        }
      }
      case "Vaults_Get": {
        const vault = state.vault(sub, r.group!, r.name!);
        if (fake.createStyle === "body" && vault.operation) state.poll(sub, vault.operation);
        return reply(record, 200, vaultBody(state.vault(sub, r.group!, r.name!)));
      }
      case "Vaults_Update":
        return reply(record, 200, vaultBody(state.patchVault(sub, r.group!, r.name!, body)));
      case "Vaults_Delete":
        return reply(record, state.deleteVault(sub, r.group!, r.name!) ? 200 : 204, null);
      case "Vaults_ListByResourceGroup":
        return page(record, state.vaultsOf(sub, r.group!), vaultBody);
      case "Vaults_ListBySubscription":
        return page(record, state.vaultsOf(sub), vaultBody);
      case "Vaults_List": {
        if (record.query.$filter !== "resourceType eq 'Microsoft.KeyVault/vaults'") {
          throw new ArmFault(
            400,
            "InvalidFilterInQueryString",
            `Invalid $filter '${record.query.$filter}' specified in the query string.`,
          );
        }
        return page(record, state.vaultsOf(sub), (x) => {
          const full = vaultBody(x);
          return {
            id: full.id,
            name: full.name,
            type: full.type,
            location: full.location,
            tags: full.tags,
          };
        });
      }
      case "Vaults_ListDeleted":
        return page(record, state.deletedOf(sub), deletedBody);
      case "Vaults_GetDeleted":
        return reply(record, 200, deletedBody(state.deletedVault(sub, r.location!, r.name!)));
      case "Vaults_PurgeDeleted": {
        const op = state.startPurge(sub, r.location!, r.name!);
        if (op.status !== "InProgress") return reply(record, 200, null);
        return reply(record, 202, null, { location: operationUrl(op, v, false), ...retry() });
      }
      case "Vaults_UpdateAccessPolicy": {
        const policies = (body.properties as { accessPolicies?: unknown } | undefined)
          ?.accessPolicies;
        if (!Array.isArray(policies)) {
          throw new ArmFault(400, "BadRequest", "properties.accessPolicies is required.");
        }
        const vault = state.updateAccessPolicy(sub, r.group!, r.name!, r.kind!, policies);
        return reply(record, 200, {
          id: `${vaultId(sub, vault.resourceGroup, vault.name)}/accessPolicies/`,
          type: "Microsoft.KeyVault/vaults/accessPolicies",
          properties: { accessPolicies: vault.properties.accessPolicies },
        });
      }
      case "Vaults_CheckNameAvailability": {
        if (body.type !== "Microsoft.KeyVault/vaults" || typeof body.name != "string") {
          throw new ArmFault(
            400,
            "BadRequest",
            "The name and the type 'Microsoft.KeyVault/vaults' are required.",
          );
        }
        return reply(record, 200, state.checkName(body.name));
      }
      case "KeyVault_OperationResult": {
        const op = state.poll(sub, r.id!);
        if (op.status === "InProgress") {
          return reply(record, 202, null, { location: operationUrl(op, v, false), ...retry() });
        }
        if (op.status === "Failed") {
          return fail(
            record,
            new ArmFault(op.error!.status, op.error!.code, op.error!.message, {
              details: op.error!.details as never,
            }),
          );
        }
        if (op.kind === "vault") {
          const vault = state.vaults.get(op.name.toLowerCase());
          return vault ? reply(record, 200, vaultBody(vault)) : reply(record, 200, null);
        }
        return reply(record, 200, null);
      }
      case "KeyVault_OperationStatus": {
        const op = state.poll(sub, r.id!);
        const status: Record<string, unknown> = {
          id: operationUrl(op, v, true).replace(endpoint, "").replace(/\?.*$/, ""),
          name: op.id,
          status: op.status,
          startTime: armDate(op.startTime),
        };
        if (op.endTime !== undefined) status.endTime = armDate(op.endTime);
        if (op.error) {
          status.error = {
            code: op.error.code,
            message: op.error.message,
            details: op.error.details,
          };
        }
        return reply(record, 200, status, op.status === "InProgress" ? retry() : {});
      }
    }
    throw new ArmFault(404, "InvalidResourceType", `No route for ${record.path}.`);
  }

  // ---- the data plane -------------------------------------------------------------------

  function dataPlaneHandler(name: string): (request: Request) => Promise<Response> {
    return (request: Request) => {
      const status = state.dataPlane(name);
      const headers = new Headers({
        "content-type": "application/json; charset=utf-8",
        "x-ms-request-id": state.uuid(),
      });
      if (status === "ready" && !request.headers.get("authorization")) {
        headers.set(
          "www-authenticate",
          `Bearer authorization="${authorityHost}/${tenantId}", resource="${vaultAudience}"`,
        );
        return Promise.resolve(
          new Response(
            JSON.stringify({
              error: {
                code: "Unauthorized",
                message: "AKV10000: Request is missing a Bearer or PoP token.",
              },
            }),
            { status: 401, headers },
          ),
        );
      }
      if (status === "ready") {
        return Promise.resolve(
          new Response(JSON.stringify({ value: [] }), { status: 200, headers }),
        );
      }
      return Promise.resolve(
        new Response(
          JSON.stringify({
            error: {
              code: "VaultRegisteringDns",
              message:
                `The DNS name of vault '${name}' is being registered. Retry in a few seconds.`,
            },
          }),
          { status: 400, headers },
        ),
      );
    };
  }

  return fake;
}
