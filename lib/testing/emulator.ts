/**
 * `createEmulator`: the router (host → service) and the emulator's public face. The services
 * live in `./entra/`, `./vault/` and `./arm/`; the clock, ids and faults in their own files.
 *
 * @module
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "../auth/types.ts";
import { type AzureCloudName, AzureClouds } from "../auth/clouds.ts";
import { type ArmSnapshot } from "./arm/state.ts";
import { type FakeArm, fakeArm } from "./arm/arm.ts";
import { createClock, type EmulatorClock } from "./clock.ts";
import { type EmulatorApp, ENTRA_HOSTS, entraHandler } from "./entra/entra.ts";
import { createSigner, type TokenClaims } from "./entra/tokens.ts";
import {
  APP_SERVICE_ENDPOINT,
  IMDS_HOST,
  managedIdentityHandler,
} from "./entra/managed_identity.ts";
import { createFaults, type EmulatorFaults, type QueuedFault } from "./faults.ts";
import { createIds } from "./ids.ts";
import { type FakeVault, fakeVault, type VaultContents } from "./vault/vault.ts";

export type { EmulatorApp } from "./entra/entra.ts";
export type { EmulatorClock } from "./clock.ts";
export type { EmulatorFaults, FaultTarget } from "./faults.ts";

/**
 * How {@link createEmulator} sets up the emulator. Everything is optional.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorOptions } from "kvfetch/testing";
 *
 * const options: EmulatorOptions = { seed: "my-test", vaults: ["myvault"], now: Date.UTC(2026, 0, 1) };
 * console.log(createEmulator(options).vaultUrl("myvault")); // https://myvault.vault.azure.net
 * ```
 */
export interface EmulatorOptions {
  /** Seed of every id and of the token-signing key. Default `"kvfetch"`. */
  seed?: string;
  /** The directory (tenant) id. Default: from the seed. */
  tenantId?: string;
  /** The subscription id. Default: from the seed. */
  subscriptionId?: string;
  /** The applications Entra knows. Default: one, from the seed, with the secret `"emulator-secret"`. */
  apps?: EmulatorApp[];
  /**
   * The Azure cloud the emulator plays: `"public"` (default: `login.microsoftonline.com`,
   * `*.vault.azure.net`, `management.azure.com`), `"usGovernment"` (`login.microsoftonline.us`,
   * `*.vault.usgovcloudapi.net`, `management.usgovcloudapi.net`) or `"china"`
   * (`login.chinacloudapi.cn`, `*.vault.azure.cn`, `management.chinacloudapi.cn`). Vault URLs,
   * `vaultUri`s, challenges and token audiences are that cloud's, so kvfetch clients given the
   * same `cloud` work against it with their default options. Entra answers every cloud's host.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ cloud: "usGovernment", vaults: ["myvault"] });
   * console.log(emulator.vaultUrl("myvault")); // https://myvault.vault.usgovcloudapi.net
   * ```
   */
  cloud?: AzureCloudName;
  /** Start the clock frozen at this time (ms since the epoch). Default: follow the host's clock. */
  now?: number;
  /**
   * Vaults that exist from the start (in resource group `emulator-rg`, `westus2`), their data
   * plane ready at `https://{name}.vault.azure.net`. Default none.
   */
  vaults?: string[];
  /**
   * Soft-delete retention (`softDeleteRetentionInDays`, 7 to 90) of the vaults the `vaults`
   * option makes: a deleted secret or key answers `recoverableDays` and a `scheduledPurgeDate`
   * this many days after its `deletedDate`, and is purged by the vault once the clock passes
   * it. Below 90 the recovery level is `CustomizedRecoverable+Purgeable`. Vaults made through
   * ARM take their own `softDeleteRetentionInDays`. Default 90.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ vaults: ["myvault"], recoverableDays: 7, now: 0 });
   * // ... delete a secret; then, 7 days later, it is gone for good:
   * emulator.clock.advance(7 * 86_400_000);
   * ```
   */
  recoverableDays?: number;
  /**
   * Purge protection (`enablePurgeProtection`) of the vaults the `vaults` option makes: purging a
   * deleted secret or key answers Azure's `403 Forbidden` (`Operation "purge" is not
   * allowed because purge protection is enabled for this vault…`), the recovery level is
   * `Recoverable`, and only the clock passing the scheduled purge date removes the item. Vaults
   * made through ARM take their own `enablePurgeProtection`. Default `false`.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ vaults: ["myvault"], purgeProtection: true });
   * console.log(emulator.vaultUrl("myvault")); // https://myvault.vault.azure.net
   * ```
   */
  purgeProtection?: boolean;
  /**
   * Items per page of a data-plane listing when the request has no `maxresults` (Azure: 25).
   * A request's `maxresults` must be 1 to 25 either way.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * // Small pages, to exercise a client's paging with a handful of items.
   * const emulator = createEmulator({ vaults: ["myvault"], pageSize: 2 });
   * console.log(emulator.vaultUrl("myvault")); // https://myvault.vault.azure.net
   * ```
   */
  pageSize?: number;
  /**
   * Added latency (real ms) of every request, as `faults.latency(ms)` sets it; `reset()` keeps
   * it. Default 0.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * // Each answer takes at least 5 ms: timeouts and spinners get something to do.
   * const emulator = createEmulator({ vaults: ["myvault"], latency: 5 });
   * console.log(emulator.faults.pending()); // 0 (latency is not a queued fault)
   * ```
   */
  latency?: number;
  /**
   * Managed HSM pools that exist from the start, their data plane ready at
   * `https://{name}.managedhsm.azure.net` (the cloud's `managedhsm` suffix): keys (with `oct`
   * keys and `-HSM` types), random bytes (`POST /rng`) and key attestation, with tokens for
   * `https://managedhsm.azure.net`. Pools are not managed through ARM, and their local RBAC is
   * not emulated (`accessControl` does not apply). Default none.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ managedHsms: ["myhsm"] });
   * console.log(emulator.managedHsmUrl("myhsm")); // https://myhsm.managedhsm.azure.net
   * ```
   */
  managedHsms?: string[];
  /** Token lifetime in seconds. Default 3599 (Entra's `expires_in`). */
  tokenLifetime?: number;
  /**
   * Data-plane polls a soft delete answers `404` on `GET /deleted{secrets,keys}/{name}` before
   * it completes (the asynchronous completion clients poll through; Azure's recordings show
   * one or two). Default 0: done by the next request.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * // As the recorded sessions: one 404 after each delete and each recovery, then done.
   * const emulator = createEmulator({ vaults: ["myvault"], deletePolls: 1, recoverPolls: 1 });
   * console.log(emulator.snapshot().deletePolls); // 1
   * ```
   */
  deletePolls?: number;
  /**
   * Data-plane polls a recovery answers `404` on `GET /{secrets,keys}/{name}` before the
   * recovered item is back. Default 0.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ vaults: ["myvault"], recoverPolls: 2 });
   * console.log(emulator.snapshot().recoverPolls); // 2
   * ```
   */
  recoverPolls?: number;
  /**
   * Reads of a self-signed certificate's pending operation answered `inProgress` before it
   * completes. Default 0: the certificate is issued at once and the create answer's operation
   * (still a 202) is already `completed`, so tests do not wait on a client's poll interval.
   * Azure's is always `inProgress` first: set 1 or more to exercise the pending path.
   *
   * @example Certificates that take three polls to issue
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ vaults: ["myvault"], certificatePolls: 3 });
   * console.log(emulator.vaultUrl("myvault"));
   * ```
   */
  certificatePolls?: number;
  /**
   * ARM polls a new vault answers `RegisteringDns` (its data plane is not there yet). Default 2;
   * 0 makes a vault ready at once.
   *
   * @example
   * ```ts
   * import { createEmulator } from "./mod.ts";
   *
   * const emulator = createEmulator({ registrationPolls: 0 });
   * console.log(emulator.snapshot().registrationPolls); // 0
   * ```
   */
  registrationPolls?: number;
  /**
   * The `Retry-After` (seconds) of ARM's long-running-operation answers. Default 0, so that
   * pollers that honour it (kvfetch's, the SDK's) poll at once.
   */
  armRetryAfter?: number;
  /**
   * Enforce each vault's access policies for the caller's `oid`: a data-plane request whose
   * token's object id has no policy granting the operation's permission gets `403 Forbidden`
   * (inner code `AccessDenied`), as Azure answers. Vaults with `enableRbacAuthorization`
   * (the `vaults` option makes those) are not checked: role assignments are not emulated.
   * Default `false`.
   */
  accessControl?: boolean;
  /** A snapshot from {@link Emulator.snapshot} to start from (its options win). */
  state?: EmulatorSnapshot;
}

/**
 * The emulator's whole state as plain JSON ({@link Emulator.snapshot}); give it to
 * `createEmulator({ state })` to continue from it.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorSnapshot } from "kvfetch/testing";
 *
 * const saved: EmulatorSnapshot = createEmulator({ vaults: ["myvault"] }).snapshot();
 * const again = createEmulator({ state: JSON.parse(JSON.stringify(saved)) });
 * console.log(again.tenantId === saved.tenantId); // true
 * ```
 */
export interface EmulatorSnapshot {
  /** Always `"kvfetch-emulator/1"`. */
  format: "kvfetch-emulator/1";
  /** The seed of ids and of the token-signing key. */
  seed: string;
  /** The directory (tenant) id. */
  tenantId: string;
  /** The subscription id. */
  subscriptionId: string;
  /** The applications Entra knows. */
  apps: EmulatorApp[];
  /** Token lifetime in seconds. */
  tokenLifetime: number;
  /** See {@link EmulatorOptions.deletePolls}. */
  deletePolls: number;
  /** See {@link EmulatorOptions.recoverPolls}. */
  recoverPolls: number;
  /** See {@link EmulatorOptions.certificatePolls}. */
  certificatePolls?: number;
  /** See {@link EmulatorOptions.registrationPolls}. */
  registrationPolls: number;
  /** See {@link EmulatorOptions.armRetryAfter}. */
  armRetryAfter: number;
  /** See {@link EmulatorOptions.accessControl}. */
  accessControl: boolean;
  /** See {@link EmulatorOptions.pageSize}. */
  pageSize?: number;
  /** See {@link EmulatorOptions.cloud}. */
  cloud?: AzureCloudName;
  /** The clock: frozen at `value`, or running at `value` ms from the host's clock. */
  clock: { frozen: boolean; value: number };
  /** How far the id generator has gone. */
  ids: number;
  /** The control plane (groups, vaults, deleted vaults, operations), as the ARM service keeps it. */
  arm: unknown;
  /** Each vault's contents (secrets, keys), by lower-cased vault name. */
  vaults: Record<string, unknown>;
  /** Each Managed HSM pool's contents, by lower-cased name. */
  managedHsms?: Record<string, unknown>;
  /** Ids (`uti`) of tokens refused with a claims challenge. */
  revoked: Record<string, string>;
}

/**
 * The environment a credential built from variables needs (`credentialFromEnv`,
 * `@azure/identity`'s `EnvironmentCredential`), for the emulator's first app.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorEnv } from "kvfetch/testing";
 *
 * const env: EmulatorEnv = createEmulator().env;
 * console.log(env.AZURE_CLIENT_SECRET); // emulator-secret
 * ```
 */
export interface EmulatorEnv {
  /** The tenant id. */
  AZURE_TENANT_ID: string;
  /** The first app's client id. */
  AZURE_CLIENT_ID: string;
  /** The first app's client secret. */
  AZURE_CLIENT_SECRET: string;
  /** The subscription id. */
  AZURE_SUBSCRIPTION_ID: string;
}

/**
 * An emulator ({@link createEmulator}).
 *
 * @example
 * ```ts
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const token = await emulator.credential().getToken("https://vault.azure.net/.default");
 * const response = await emulator.fetch(
 *   `${emulator.vaultUrl("myvault")}/secrets?api-version=7.6`,
 *   { headers: { authorization: `Bearer ${token?.token}` } },
 * );
 * console.log(response.status); // 200
 * ```
 */
export interface Emulator {
  /**
   * A `fetch` that answers Azure's hosts (`login.microsoftonline.com`, `*.vault.azure.net`,
   * `management.azure.com`) from memory; any other host is refused as a network failure.
   * Pass it as the `fetch` option of kvfetch's clients and credentials.
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /**
   * A credential of the first app (client credentials over {@link Emulator.fetch}); every call
   * asks the emulator's Entra ID for a new token.
   */
  credential(app?: EmulatorApp): TokenCredential;
  /** `AZURE_*` variables for the first app. */
  readonly env: EmulatorEnv;
  /**
   * The variables of App Service's managed identity endpoint, which the emulator answers (give
   * them as `ManagedIdentityCredential`'s `env`); without them, `ManagedIdentityCredential` asks
   * IMDS (`http://169.254.169.254`), which the emulator answers too. The system-assigned
   * identity is the first app; a `clientId` names another.
   */
  readonly managedIdentityEnv: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** The directory (tenant) id. */
  readonly tenantId: string;
  /** The subscription id. */
  readonly subscriptionId: string;
  /** The applications Entra knows (the first is the default). */
  readonly apps: readonly EmulatorApp[];
  /** `https://{name}.vault.azure.net` (the cloud's vault suffix). */
  vaultUrl(name: string): string;
  /** `https://{name}.managedhsm.azure.net` (the cloud's Managed HSM suffix). */
  managedHsmUrl(name: string): string;
  /** The clock every service reads. */
  readonly clock: EmulatorClock;
  /** Fault injection. */
  readonly faults: EmulatorFaults;
  /** Everything, as plain JSON (see {@link EmulatorSnapshot}). */
  snapshot(): EmulatorSnapshot;
  /**
   * Back to the state the emulator was created with (faults cleared, the `latency` option
   * kept, clock kept).
   */
  reset(): void;
}

/** Each cloud's classic ARM audience (`management.core.…`), which ARM accepts beside its own. */
const CLASSIC_ARM: Record<AzureCloudName, string> = {
  public: "https://management.core.windows.net",
  usGovernment: "https://management.core.usgovcloudapi.net",
  china: "https://management.core.chinacloudapi.cn",
};
const DEFAULT_GROUP = "emulator-rg";
/** The data plane's api-versions (GA and the published previews), oldest first. */
const VAULT_API_VERSIONS = [
  "2015-06-01",
  "2016-10-01",
  "7.0",
  "7.1",
  "7.2",
  "7.3-preview",
  "7.3",
  "7.4-preview.1",
  "7.4",
  "7.5-preview.1",
  "7.5",
  "7.6-preview.1",
  "7.6-preview.2",
  "7.6",
  "2025-06-01-preview",
  "2025-07-01",
  "2026-04-01",
];

function networkFailure(host: string, why: string): TypeError {
  return new TypeError(`fetch failed: ${why} (${host}, kvfetch emulator)`);
}

function jsonError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The access-policy permission of a certificates request (`certificates get`, `managecontacts`…). */
function certificatePermission(
  m: string,
  s: string[],
): { kind: "certificates"; permission: string } {
  const kind = "certificates" as const;
  const at = (permission: string) => ({ kind, permission });
  if (s[0] === "deletedcertificates") {
    if (s.length === 1) return at("list");
    if (s[2] === "recover") return at("recover");
    return at(m === "DELETE" ? "purge" : "get");
  }
  if (s.length === 1) return at("list");
  if (s[1] === "contacts") return at("managecontacts");
  if (s[1] === "issuers") {
    if (s.length === 2) return at("listissuers");
    const byMethod: Record<string, string> = {
      GET: "getissuers",
      PUT: "setissuers",
      PATCH: "setissuers",
      DELETE: "deleteissuers",
    };
    return at(byMethod[m] ?? "getissuers");
  }
  if (s[1] === "restore") return at("restore");
  const ops: Record<string, string> = {
    create: "create",
    import: "import",
    versions: "list",
    backup: "backup",
    merge: "create",
  };
  const op = s[s.length - 1]!;
  if (s.length >= 3 && ops[op] !== undefined) return at(ops[op]!);
  if (s[2] === "pending") return at(m === "GET" ? "get" : m === "DELETE" ? "delete" : "update");
  if (s[2] === "policy") return at(m === "GET" ? "get" : "update");
  return at(m === "GET" ? "get" : m === "DELETE" ? "delete" : "update");
}

/** The access-policy permission a data-plane request needs (`secrets get`, `keys sign`, …). */
function permissionFor(
  method: string,
  path: string,
): { kind: "secrets" | "keys" | "certificates"; permission: string } | undefined {
  const s = path.split("/").filter((p) => p !== "").map((p) => p.toLowerCase());
  const m = method.toUpperCase();
  const collection = s[0];
  if (collection === "certificates" || collection === "deletedcertificates") {
    return certificatePermission(m, s);
  }
  if (collection === "secrets" || collection === "deletedsecrets") {
    const kind = "secrets" as const;
    if (collection === "deletedsecrets") {
      if (s.length === 1) return { kind, permission: "list" };
      if (s[2] === "recover") return { kind, permission: "recover" };
      return { kind, permission: m === "DELETE" ? "purge" : "get" };
    }
    if (s.length === 1) return { kind, permission: "list" };
    if (s[1] === "restore") return { kind, permission: "restore" };
    if (s[2] === "versions") return { kind, permission: "list" };
    if (s[2] === "backup") return { kind, permission: "backup" };
    const byMethod: Record<string, string> = {
      GET: "get",
      PUT: "set",
      PATCH: "set",
      DELETE: "delete",
    };
    const permission = byMethod[m];
    return permission === undefined ? undefined : { kind, permission };
  }
  if (collection === "keys" || collection === "deletedkeys") {
    const kind = "keys" as const;
    if (collection === "deletedkeys") {
      if (s.length === 1) return { kind, permission: "list" };
      if (s[2] === "recover") return { kind, permission: "recover" };
      return { kind, permission: m === "DELETE" ? "purge" : "get" };
    }
    if (s.length === 1) return { kind, permission: "list" };
    if (s[1] === "restore") return { kind, permission: "restore" };
    const op = s[s.length - 1]!;
    const ops: Record<string, string> = {
      create: "create",
      versions: "list",
      backup: "backup",
      rotate: "rotate",
      encrypt: "encrypt",
      decrypt: "decrypt",
      wrapkey: "wrapKey",
      unwrapkey: "unwrapKey",
      sign: "sign",
      verify: "verify",
      release: "release",
    };
    if (s.length >= 3 && ops[op] !== undefined) return { kind, permission: ops[op]! };
    if (op === "rotationpolicy") {
      return { kind, permission: m === "GET" ? "getrotationpolicy" : "setrotationpolicy" };
    }
    const byMethod: Record<string, string> = {
      GET: "get",
      PUT: "import",
      PATCH: "update",
      DELETE: "delete",
    };
    const permission = byMethod[m];
    return permission === undefined ? undefined : { kind, permission };
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Creates an in-memory Microsoft Entra ID + Key Vault + Azure Resource Manager that answers
 * as a `fetch` function, so kvfetch's clients run against it unchanged, with real host names
 * and default options.
 *
 * @example
 * ```ts
 * import { createEmulator } from "kvfetch/testing";
 * import { SecretClient } from "kvfetch/secrets";
 * import { ClientSecretCredential } from "kvfetch/auth";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const { AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET } = emulator.env;
 * const credential = new ClientSecretCredential({
 *   tenantId: AZURE_TENANT_ID,
 *   clientId: AZURE_CLIENT_ID,
 *   clientSecret: AZURE_CLIENT_SECRET,
 *   fetch: emulator.fetch,
 * });
 * const client = new SecretClient(emulator.vaultUrl("myvault"), credential, { fetch: emulator.fetch });
 * await client.setSecret("greeting", "hello");
 * console.log((await client.getSecret("greeting")).value); // hello
 * ```
 *
 * @example A real self-signed certificate, its private key as a CryptoKey
 * ```ts
 * import { createEmulator } from "./mod.ts";
 * import { CertificateClient } from "kvfetch/certificates";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient(emulator.vaultUrl("myvault"), emulator.credential(), {
 *   fetch: emulator.fetch,
 * });
 * const certificate = await client.createCertificate("api-tls", {
 *   issuerName: "Self",
 *   subject: "CN=api.example.com",
 *   subjectAlternativeNames: { dnsNames: ["api.example.com"] },
 *   keyType: "EC",
 *   contentType: "application/x-pem-file",
 * }, { pollIntervalMs: 0 });
 * const { privateKey, x5t } = await client.downloadCertificate("api-tls");
 * console.log(certificate.properties.expiresOn, x5t, privateKey?.type); // … "private"
 * ```
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const from = options.state;
  if (from !== undefined && from.format !== "kvfetch-emulator/1") {
    throw new TypeError("createEmulator: state is not a kvfetch emulator snapshot");
  }
  const seed = from?.seed ?? options.seed ?? "kvfetch";
  const seedIds = createIds(`${seed}\u0000setup`);
  const tenantId = from?.tenantId ?? options.tenantId ?? seedIds.uuid();
  const subscriptionId = from?.subscriptionId ?? options.subscriptionId ?? seedIds.uuid();
  const defaultApp: EmulatorApp = {
    clientId: seedIds.uuid(),
    clientSecret: "emulator-secret",
    objectId: seedIds.uuid(),
  };
  const apps = structuredClone(from?.apps ?? options.apps ?? [defaultApp]);
  if (apps.length === 0) throw new TypeError("createEmulator: apps must name at least one app");
  const lifetime = from?.tokenLifetime ?? options.tokenLifetime ?? 3599;
  const deletePolls = from?.deletePolls ?? options.deletePolls ?? 0;
  const recoverPolls = from?.recoverPolls ?? options.recoverPolls ?? 0;
  const certificatePolls = from?.certificatePolls ?? options.certificatePolls ?? 0;
  const registrationPolls = from?.registrationPolls ?? options.registrationPolls ?? 2;
  const armRetryAfter = from?.armRetryAfter ?? options.armRetryAfter ?? 0;
  const accessControl = from?.accessControl ?? options.accessControl ?? false;
  const cloudName = from?.cloud ?? options.cloud ?? "public";
  const cloud = AzureClouds[cloudName];
  if (cloud === undefined) {
    throw new TypeError('createEmulator: cloud must be "public", "usGovernment" or "china"');
  }
  const VAULT_SUFFIX = `.${cloud.keyVaultDnsSuffix}`;
  const ARM_HOST = new URL(cloud.resourceManagerEndpoint).hostname;
  const AUTHORITY = cloud.authorityHost;
  const VAULT_AUDIENCES = [cloud.keyVaultAudience, `${cloud.keyVaultAudience}/`];
  const HSM_SUFFIX = `.${cloud.managedHsmDnsSuffix}`;
  const HSM_AUDIENCES = [cloud.managedHsmAudience, `${cloud.managedHsmAudience}/`];
  const ARM_AUDIENCES = [cloud.resourceManagerAudience, CLASSIC_ARM[cloudName]].flatMap((a) => [
    `${a}/`,
    a,
  ]);
  const pageSize = from?.pageSize ?? options.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 25) {
    throw new TypeError("createEmulator: pageSize must be an integer from 1 to 25");
  }
  const retention = options.recoverableDays ?? 90;
  if (!Number.isInteger(retention) || retention < 7 || retention > 90) {
    throw new TypeError("createEmulator: recoverableDays must be an integer from 7 to 90");
  }
  const clock = createClock(options.now, from?.clock);
  let ids = createIds(seed, from?.ids ?? 0);
  const idSource = {
    uuid: () => ids.uuid(),
    hex: (n: number) => ids.hex(n),
    counter: () => ids.counter(),
  };
  const signer = createSigner(seed);
  const faults = createFaults();
  const baseLatency = options.latency ?? 0;
  if (baseLatency) faults.latency(baseLatency);
  let revoked = new Map<string, string>(Object.entries(from?.revoked ?? {}));

  const identityHeader = seedIds.hex(16);
  const managedIdentity = managedIdentityHandler({
    tenantId,
    apps: () => apps,
    now: () => clock.now(),
    ids: idSource,
    signer,
    identityHeader,
  });
  const entra = entraHandler({
    tenantId,
    apps: () => apps,
    now: () => clock.now(),
    ids: idSource,
    signer,
    lifetime,
  });

  let arm: FakeArm;
  let vaults = new Map<string, FakeVault>();
  let hsms = new Map<string, FakeVault>();

  /** What every data plane (vault or Managed HSM) of this emulator shares. */
  const dataPlane = {
    authority: AUTHORITY,
    tenantId,
    now: () => clock.now(),
    uuid: () => ids.uuid(),
    versionId: () => ids.hex(16),
    acceptToken: () => true,
    defaultMaxResults: pageSize,
    apiVersions: VAULT_API_VERSIONS,
    deleteDelayPolls: deletePolls,
    recoverDelayPolls: recoverPolls,
  };

  function newHsm(name: string): FakeVault {
    return fakeVault({
      ...dataPlane,
      resource: cloud.managedHsmAudience,
      managedHsm: true,
      purgeProtection: options.purgeProtection ?? false,
      vaultUrl: `https://${name}${HSM_SUFFIX}`,
      recoverableDays: retention,
    });
  }

  function newArm(): FakeArm {
    return fakeArm({
      tenantId,
      now: () => clock.now(),
      uuid: () => ids.uuid(),
      acceptToken: () => true,
      registrationPolls,
      endpoint: cloud.resourceManagerEndpoint,
      authorityHost: AUTHORITY,
      vaultAudience: cloud.keyVaultAudience,
      vaultDnsSuffix: cloud.keyVaultDnsSuffix,
      retryAfter: String(armRetryAfter),
      principal: apps[0]!.clientId,
    });
  }

  function newVault(name: string): FakeVault {
    // The ARM resource, live or deleted (read again for purge protection, which may change).
    const resource = () => arm.state.vaults.get(name) ?? arm.state.deleted.get(name)?.vault;
    const vault = resource();
    const days = vault?.properties.softDeleteRetentionInDays;
    return fakeVault({
      ...dataPlane,
      resource: cloud.keyVaultAudience,
      purgeProtection: () => resource()?.properties.enablePurgeProtection === true,
      vaultLocation: `${name};location=${vault?.location ?? "westus2"}`,
      vaultUrl: `https://${name}${VAULT_SUFFIX}`,
      certificatePolls,
      recoverableDays: typeof days === "number" ? days : 90,
    });
  }

  function load(snapshot: EmulatorSnapshot | undefined): void {
    arm = newArm();
    vaults = new Map();
    hsms = new Map();
    const pools = snapshot?.managedHsms ??
      Object.fromEntries((options.managedHsms ?? []).map((n) => [n.toLowerCase(), undefined]));
    for (const [name, contents] of Object.entries(pools)) {
      const hsm = newHsm(name);
      if (contents !== undefined) hsm.importState(structuredClone(contents) as VaultContents);
      hsms.set(name, hsm);
    }
    if (snapshot === undefined) {
      for (const name of options.vaults ?? []) {
        if (!arm.state.groups.size) {
          arm.state.putGroup(subscriptionId, DEFAULT_GROUP, { location: "westus2" });
        }
        arm.state.putVault(subscriptionId, DEFAULT_GROUP, name, {
          location: "westus2",
          properties: {
            tenantId,
            sku: { family: "A", name: "standard" },
            accessPolicies: [],
            enableRbacAuthorization: true,
            softDeleteRetentionInDays: retention,
            ...(options.purgeProtection ? { enablePurgeProtection: true } : {}),
          },
        });
      }
      arm.state.settle();
      return;
    }
    arm.state.restore(structuredClone(snapshot.arm) as ArmSnapshot);
    for (const [name, contents] of Object.entries(snapshot.vaults)) {
      const vault = newVault(name);
      vault.importState(structuredClone(contents) as VaultContents);
      vaults.set(name, vault);
    }
  }

  /** The data plane of `name`, made when ARM has the vault, dropped once it is purged. */
  function vaultOf(name: string): FakeVault {
    let vault = vaults.get(name);
    if (vault === undefined) {
      vault = newVault(name);
      vaults.set(name, vault);
    }
    return vault;
  }

  function forget(): void {
    for (const name of [...vaults.keys()]) {
      if (!arm.state.vaults.has(name) && !arm.state.deleted.has(name)) vaults.delete(name);
    }
  }

  function snapshot(): EmulatorSnapshot {
    forget();
    return {
      format: "kvfetch-emulator/1",
      seed,
      tenantId,
      subscriptionId,
      apps: structuredClone(apps),
      tokenLifetime: lifetime,
      deletePolls,
      recoverPolls,
      certificatePolls,
      registrationPolls,
      armRetryAfter,
      accessControl,
      pageSize,
      cloud: cloudName,
      clock: clock.state(),
      ids: ids.counter(),
      arm: arm.state.snapshot(),
      vaults: Object.fromEntries([...vaults].map(([name, v]) => [name, v.exportState()])),
      managedHsms: Object.fromEntries([...hsms].map(([name, v]) => [name, v.exportState()])),
      revoked: Object.fromEntries(revoked),
    };
  }

  load(from);
  const initial: EmulatorSnapshot = JSON.parse(JSON.stringify(snapshot()));

  // ---- faults and tokens -------------------------------------------------------------------

  function faultResponse(fault: QueuedFault, service: "vault" | "arm" | "entra"): Response {
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
    if (fault.kind === "throttle") {
      return service === "arm"
        ? jsonError(
          429,
          "TooManyRequests",
          "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits",
          headers,
        )
        : jsonError(
          429,
          "Throttled",
          "Request was not processed because too many requests were received. Reason: A generic ThrottlingPolicy limit has been reached. Please retry after some time.",
          headers,
        );
    }
    return jsonError(
      fault.status ?? 503,
      fault.status === 503 ? "ServiceUnavailable" : "InternalServerError",
      fault.status === 503
        ? "The service is temporarily unavailable. Please retry."
        : "An injected failure (kvfetch emulator).",
      headers,
    );
  }

  function dataPlaneChallenge(message: string, hsm: boolean): Response {
    const resource = hsm ? cloud.managedHsmAudience : cloud.keyVaultAudience;
    return jsonError(401, "Unauthorized", message, {
      "www-authenticate": `Bearer authorization="${AUTHORITY}/${tenantId}", resource="${resource}"`,
    });
  }

  function caeChallenge(claims: string): Response {
    const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(claims)));
    return jsonError(
      401,
      "Unauthorized",
      "Continuous access evaluation resulted in a claims challenge: the token needs new claims.",
      {
        "www-authenticate":
          `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${encoded}"`,
      },
    );
  }

  function bearer(request: Request): string | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
    return m?.[1];
  }

  /** The vault's answer to a bad token, or the token's claims. */
  function checkVaultToken(token: string, hsm = false): Response | TokenClaims {
    const audiences = hsm ? HSM_AUDIENCES : VAULT_AUDIENCES;
    const vaultChallenge = (message: string) => dataPlaneChallenge(message, hsm);
    const result = signer.verify(token, { now: clock.now(), audiences });
    if ("claims" in result && !("problem" in result)) {
      const claims = revoked.get(result.claims.uti);
      if (claims !== undefined) return caeChallenge(claims);
      return result.claims;
    }
    switch (result.problem) {
      case "audience":
        return vaultChallenge(
          `AKV10022: Invalid audience. Expected ${audiences[0]}, found: ${result.claims?.aud}.`,
        );
      case "expired":
        return vaultChallenge("[TokenExpired] Error validating token: 'S2S12086'.");
      case "not-yet-valid":
        return vaultChallenge("[TokenNotYetValid] Error validating token: 'S2S12085'.");
      default:
        return vaultChallenge("AKV10013: Invalid token: the signature does not verify.");
    }
  }

  function checkArmToken(token: string): Response | TokenClaims {
    const result = signer.verify(token, { now: clock.now(), audiences: ARM_AUDIENCES });
    if (!("problem" in result)) return result.claims;
    const challenge = (error: string) => ({
      "www-authenticate":
        `Bearer authorization_uri="${AUTHORITY}/${tenantId}", error="invalid_token", error_description="${error}"`,
    });
    switch (result.problem) {
      case "audience":
        return jsonError(
          401,
          "InvalidAuthenticationTokenAudience",
          `The access token has been obtained for wrong audience or resource '${result.claims?.aud}'. It should exactly match with one of the allowed audiences ${
            [...ARM_AUDIENCES].reverse().map((a) => `'${a}'`).join(",")
          }.`,
          challenge("The access token has been obtained for wrong audience or resource."),
        );
      case "expired": {
        const exp = new Date((result.claims?.exp ?? 0) * 1000).toISOString();
        const now = new Date(clock.now()).toISOString();
        return jsonError(
          401,
          "ExpiredAuthenticationToken",
          `The access token expiry UTC time '${exp}' is earlier than current UTC time '${now}'.`,
          challenge("The access token has expired."),
        );
      }
      default:
        return jsonError(
          401,
          "InvalidAuthenticationToken",
          "The access token is invalid.",
          challenge("The access token is invalid."),
        );
    }
  }

  /** Azure's 403 when the vault's access policies do not grant `oid` the operation. */
  function checkAccess(
    name: string,
    claims: TokenClaims,
    method: string,
    path: string,
  ): Response | undefined {
    const vault = arm.state.vaults.get(name);
    if (vault === undefined || vault.properties.enableRbacAuthorization === true) return undefined;
    const needed = permissionFor(method, path);
    if (needed === undefined) return undefined;
    const policies = (vault.properties.accessPolicies ?? []) as {
      tenantId?: string;
      objectId?: string;
      permissions?: Record<string, string[] | undefined>;
    }[];
    const granted = policies.some((p) =>
      p.objectId?.toLowerCase() === claims.oid.toLowerCase() &&
      (p.tenantId ?? tenantId).toLowerCase() === claims.tid.toLowerCase() &&
      (p.permissions?.[needed.kind] ?? []).some((x) => {
        const v = x.toLowerCase();
        return v === needed.permission.toLowerCase() || v === "all";
      })
    );
    if (granted) return undefined;
    const location = vault.location;
    return new Response(
      JSON.stringify({
        error: {
          code: "Forbidden",
          message:
            `The user, group or application 'appid=${claims.appid};oid=${claims.oid};iss=${claims.iss}' does not have ${needed.kind} ${needed.permission} permission on key vault '${vault.name};location=${location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
          innererror: { code: "AccessDenied" },
        },
      }),
      { status: 403, headers: { "content-type": "application/json; charset=utf-8" } },
    );
  }

  // ---- the router --------------------------------------------------------------------------

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const host = url.hostname.toLowerCase();
    const service = ENTRA_HOSTS.includes(host)
      ? "entra"
      : host === ARM_HOST
      ? "arm"
      : host.endsWith(VAULT_SUFFIX) && host.split(".").length === VAULT_SUFFIX.split(".").length
      ? "vault"
      : host.endsWith(HSM_SUFFIX) && host.split(".").length === HSM_SUFFIX.split(".").length
      ? "hsm"
      : undefined;
    if (
      url.protocol === "http:" &&
      (host === IMDS_HOST || url.origin === new URL(APP_SERVICE_ENDPOINT).origin)
    ) {
      const wait = faults.latencyFor("entra");
      if (wait > 0) await sleep(wait, request.signal);
      const fault = faults.take("entra");
      if (fault?.kind === "drop") throw networkFailure(host, "connection reset");
      if (fault !== undefined && fault.kind !== "dns") return faultResponse(fault, "entra");
      return managedIdentity(request);
    }
    if (service === undefined) throw networkFailure(host, "getaddrinfo ENOTFOUND");
    if (url.protocol !== "https:") throw networkFailure(host, "connection refused on http");
    const vaultName = service === "vault"
      ? host.slice(0, -VAULT_SUFFIX.length)
      : service === "hsm"
      ? host.slice(0, -HSM_SUFFIX.length)
      : undefined;
    if (service === "hsm" && !hsms.has(vaultName!)) {
      throw networkFailure(host, "getaddrinfo ENOTFOUND");
    }
    // A pool's faults are the data plane's (`"vault"`).
    const target = service === "hsm" ? "vault" : service;
    arm.state.expire(); // deleted vaults past their scheduled purge date are gone

    if (service === "vault") {
      forget();
      const plane = arm.state.dataPlane(vaultName!);
      if (plane === "missing") throw networkFailure(host, "getaddrinfo ENOTFOUND");
      if (plane === "registering") return await arm.dataPlaneHandler(vaultName!)(request);
    }
    const wait = faults.latencyFor(target);
    if (wait > 0) await sleep(wait, request.signal);
    const fault = faults.take(target, vaultName);
    if (fault?.kind === "drop") {
      throw networkFailure(host, "other side closed (dropped connection)");
    }
    if (fault?.kind === "dns") {
      return jsonError(
        400,
        "VaultRegisteringDns",
        `The vault '${vaultName}' is being registered in DNS. Retry after some time.`,
      );
    }
    if (fault !== undefined) return faultResponse(fault, target);

    if (service === "entra") return await entra(request);
    const token = bearer(request);
    if (service === "arm") {
      if (token !== undefined) {
        const checked = checkArmToken(token);
        if (checked instanceof Response) return checked;
      }
      const response = await arm.handler(request);
      forget();
      return response;
    }
    if (token !== undefined) {
      const checked = checkVaultToken(token, service === "hsm");
      if (checked instanceof Response) return checked;
      const claims = faults.takeClaims();
      if (claims !== undefined) {
        revoked.set(checked.uti, claims);
        return caeChallenge(claims);
      }
      if (accessControl && service === "vault") {
        const denied = checkAccess(
          vaultName!,
          checked,
          request.method,
          new URL(request.url).pathname,
        );
        if (denied) return denied;
      }
    }
    if (service === "hsm") return await hsms.get(vaultName!)!.handler(request);
    return await vaultOf(vaultName!).handler(request);
  }

  async function emulatorFetch(
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> {
    const request = new Request(input, init);
    if (request.signal.aborted) throw request.signal.reason;
    return await route(request);
  }

  function credential(app: EmulatorApp = apps[0]!): TokenCredential {
    // Like any credential, it keeps a token until 5 minutes before its expiry (on the emulator's
    // clock), so a fault aimed at the next requests meets the vault, not a token request.
    const cache = new Map<string, { token: AccessToken; exp: number }>();
    return {
      async getToken(scopes: string | string[], opts?: GetTokenOptions): Promise<AccessToken> {
        const list = typeof scopes === "string" ? [scopes] : scopes;
        const tenant = opts?.tenantId ?? tenantId;
        const key = `${tenant} ${list.join(" ")}`;
        const cached = cache.get(key);
        if (
          cached && !opts?.claims && !opts?.forceRefresh && clock.now() < cached.exp - 300_000
        ) {
          return cached.token;
        }
        const form = new URLSearchParams({
          grant_type: "client_credentials",
          client_id: app.clientId,
          client_secret: app.clientSecret,
          scope: list.join(" "),
        });
        if (opts?.claims) form.set("claims", opts.claims);
        const response = await emulatorFetch(
          `${AUTHORITY}/${tenant}/oauth2/v2.0/token`,
          {
            method: "POST",
            body: form,
            ...(opts?.abortSignal ? { signal: opts.abortSignal } : {}),
          },
        );
        const body = await response.json().catch(() => ({})) as Record<string, unknown>;
        if (!response.ok) {
          // Entra's errors are `error` + `error_description`; a fault's are ARM-style objects.
          const inner = body.error as { code?: unknown; message?: unknown } | string | undefined;
          const why = body.error_description ??
            (typeof inner === "object" ? `${inner?.code}: ${inner?.message}` : inner);
          throw new Error(`emulator credential: ${response.status} ${String(why)}`);
        }
        const lifetime = Number(body.expires_in) * 1000;
        const token: AccessToken = {
          token: String(body.access_token),
          expiresOnTimestamp: Date.now() + lifetime,
          tokenType: "Bearer",
        };
        cache.set(key, { token, exp: clock.now() + lifetime });
        return token;
      },
    };
  }

  return {
    fetch: emulatorFetch,
    credential,
    env: {
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: apps[0]!.clientId,
      AZURE_CLIENT_SECRET: apps[0]!.clientSecret,
      AZURE_SUBSCRIPTION_ID: subscriptionId,
    },
    managedIdentityEnv: {
      IDENTITY_ENDPOINT: APP_SERVICE_ENDPOINT,
      IDENTITY_HEADER: identityHeader,
    },
    tenantId,
    subscriptionId,
    apps,
    vaultUrl: (name: string) => `https://${name.toLowerCase()}${VAULT_SUFFIX}`,
    managedHsmUrl: (name: string) => `https://${name.toLowerCase()}${HSM_SUFFIX}`,
    clock,
    faults,
    snapshot,
    reset(): void {
      faults.clear();
      if (baseLatency) faults.latency(baseLatency);
      ids = createIds(seed, initial.ids);
      revoked = new Map(Object.entries(initial.revoked));
      load(initial);
    },
  };
}
