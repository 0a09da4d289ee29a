/**
 * An in-memory fake of the Azure Key Vault secrets data plane, as a web handler
 * (`(request) => Promise<Response>`): run it on a loopback socket with `serve()` from
 * `./_loopback.ts` (and reach it as `https://myvault.vault.azure.net` through `routedFetch` from
 * `./_route.ts`), or call `handler` directly.
 *
 * It follows the real service where the real traffic shows it (PROTOCOL.md §1.2, §1.5, §4 and
 * the conformance recordings): required `api-version`; the `401` Bearer challenge; bodies and
 * key order of SecretBundle, SecretItem and DeletedSecretBundle; Unix-seconds timestamps;
 * `nextLink` with `:443` and `nextLink: null` on the last page; soft delete that answers `404`
 * on `GET /deletedsecrets/{name}` until it completes (and recovery likewise on
 * `GET /secrets/{name}`); `204` purge; recover and restore answering without `value`; the
 * service's error bodies and response headers. Names are case-insensitive, as in Key Vault.
 * Faults (429, 503, anything) and a CAE claims challenge can be injected.
 */

import {
  type FakeKeys,
  fakeKeys,
  type KeyOperationId,
  type KeyRoute,
  type KeyState,
} from "./keys.ts";

import {
  type CertificateOperationId,
  type CertificateRoute,
  type CertificatesContents,
  type CertificatesKit,
  fakeCertificates,
  type FakeCertificatesControl,
} from "./certificates.ts";
import type { VaultKit } from "./_kit.ts";
import { encodeBase64 } from "../../http/_base64.ts";

export type { CertificateState, FakeCertificatesControl } from "./certificates.ts";
export type { FakeKeys, KeyState, KeyVersionState, SeedKeyOptions } from "./keys.ts";

/** The default public vault URL. */
export const FAKE_VAULT_URL = "https://myvault.vault.azure.net";
/** The default tenant named by the challenge. */
export const FAKE_TENANT_ID = "6a1d3c8e-4b2f-4e7a-9c5d-0f1e2d3c4b5a";
/** The claims of the example CAE challenge in PROTOCOL.md §4 (decoded). */
export const CAE_CLAIMS =
  '{"access_token":{"nbf":{"essential":true,"value":"1726077595"},"xms_caeerror":{"value":"10012"}}}';

/** Operation ids, as in secrets.json. */
export type Operation =
  | "SetSecret"
  | "GetSecret"
  | "UpdateSecret"
  | "DeleteSecret"
  | "GetSecrets"
  | "GetSecretVersions"
  | "GetDeletedSecrets"
  | "GetDeletedSecret"
  | "RecoverDeletedSecret"
  | "PurgeDeletedSecret"
  | "BackupSecret"
  | "RestoreSecret"
  | KeyOperationId
  | CertificateOperationId
  | "Unknown";

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  /** The URL as it reached the handler (a loopback URL when served on a socket). */
  url: string;
  /** Path, e.g. `/secrets/s1/`. */
  path: string;
  /** Query parameters (the first of each name). */
  query: Record<string, string>;
  headers: Headers;
  /** The `Authorization` header, or `null`. */
  authorization: string | null;
  /** The `Content-Length` header, or `null`. */
  contentLength: string | null;
  /** The `Content-Type` header, or `null`. */
  contentType: string | null;
  /** The `x-ms-client-request-id` header, or `null`. */
  clientRequestId: string | null;
  /** The body as text (`""` when none). */
  body: string;
  /** The `api-version` query parameter, or `null`. */
  apiVersion: string | null;
  /** Which operation the method and path name (whatever the answer was). */
  operation: Operation;
  /** The status the fake answered (0 while the request is in flight). */
  status: number;
  /** The fake's clock (ms) when the request arrived. */
  at: number;
}

/** A canned failure for the next matching requests. */
export interface Fault {
  status: number;
  /** How many requests get it. Default 1. */
  count?: number;
  headers?: Record<string, string>;
  /** The JSON body; default a `{"error":{...}}` fitting the status. `null`: no body. */
  body?: unknown;
  /**
   * Hit requests before the api-version and token checks (even the token-less challenge
   * request). Default `false`: only requests that would otherwise reach an operation.
   */
  beforeAuth?: boolean;
  /** Only requests for which this returns true. */
  when?: (request: RecordedRequest) => boolean;
}

/** How the fake is set up. Everything is optional. */
export interface FakeVaultOptions {
  /** The public vault URL ids and next links are built from. Default {@link FAKE_VAULT_URL}. */
  vaultUrl?: string;
  /** Tenant named by the challenge. Default {@link FAKE_TENANT_ID}. */
  tenantId?: string;
  /** Authority host of the challenge. Default `https://login.microsoftonline.com`. */
  authority?: string;
  /** Resource of the challenge. Default `https://vault.azure.net`. */
  resource?: string;
  /**
   * Form of the challenge:
   * - `"authorization"` (default): `Bearer authorization="<authority>/<tenant>", resource="<resource>"`
   * - `"authorization_uri"`: `Bearer authorization_uri="<authority>/<tenant>", resource="<resource>"`
   * - `"scope"`: `Bearer authorization="<authority>/<tenant>", scope="<resource>/.default"`
   */
  challengeStyle?: "authorization" | "authorization_uri" | "scope";
  /** A whole `WWW-Authenticate` value to send instead (overrides `challengeStyle`). */
  wwwAuthenticate?: string;
  /** Which bearer tokens are valid. Default: any non-empty token. */
  acceptToken?: (token: string) => boolean;
  /** Ask for a token at all. Default `true`. */
  requireAuth?: boolean;
  /** Accepted api-versions. Default: any non-empty value. */
  apiVersions?: readonly string[];
  /** api-version written into next links. Default: the request's. */
  nextLinkApiVersion?: string;
  /** Page size when the request has no `maxresults`. Default 25 (the service's). */
  defaultMaxResults?: number;
  /** The clock, in ms. Default `Date.now`. Timestamps in bodies are its Unix seconds. */
  now?: () => number;
  /**
   * `GET /deletedsecrets/{name}` answers 404 this many times after a delete before it answers
   * 200. Default 2 (or unlimited when only `deleteDelayMs` is given).
   */
  deleteDelayPolls?: number;
  /** ...or until this many ms of the clock have passed since the delete. */
  deleteDelayMs?: number;
  /**
   * `GET /secrets/{name}` answers 404 this many times after a recover before it answers 200.
   * Default 1 (as in the recordings; unlimited when only `recoverDelayMs` is given).
   */
  recoverDelayPolls?: number;
  /** ...or until this many ms of the clock have passed since the recover. */
  recoverDelayMs?: number;
  /**
   * Soft delete on (default). Off: delete removes the secret at once, the delete answer has no
   * `recoveryId`, and `recoveryLevel` is `"Purgeable"`.
   */
  softDelete?: boolean;
  /**
   * `recoverableDays` (and the purge date: a deleted item is purged by the vault once the clock
   * passes it). 7 to 90; default 90. Below 90 the recovery level is `CustomizedRecoverable…`.
   */
  recoverableDays?: number;
  /**
   * Purge protection: purging a deleted item answers `403 Forbidden` (the vault purges it itself
   * at its scheduled purge date) and the recovery level is `Recoverable` (or
   * `CustomizedRecoverable`). A function is asked at each request (a vault whose protection is
   * switched on later through ARM). Default `false`.
   */
  purgeProtection?: boolean | (() => boolean);
  /** The vault's name and location in the purge-protection message. Default from the URL. */
  vaultLocation?: string;
  /** A Managed HSM pool (oct keys, random bytes, attestation). Default: from the URL's host. */
  managedHsm?: boolean;
  /** `x-ms-keyvault-region`. Default `"westus2"`. */
  region?: string;
  /** `x-ms-keyvault-service-version`. Default `"1.9.2024.1"`. */
  serviceVersion?: string;
  /** Where request ids come from. Default `crypto.randomUUID`. */
  uuid?: () => string;
  /** Where version ids (32 hex digits) come from. Default random. */
  versionId?: () => string;
  /**
   * Reads of a `Self`-issued certificate's pending operation answered `inProgress` before it
   * completes. Default 0: issued at once, the create answer already `completed`.
   */
  certificatePolls?: number;
}

/** What a secret looks like inside the fake. */
export interface SecretVersionState {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  kid?: string;
}

/** A secret name's state inside the fake. */
export interface SecretState {
  name: string;
  status: "active" | "deleting" | "deleted" | "recovering";
  managed: boolean;
  /** Versions in creation order; the last is the current one. */
  versions: SecretVersionState[];
  deletedDate?: number;
  scheduledPurgeDate?: number;
  /** 404 answers given so far while deleting or recovering. */
  polls: number;
}

/** Seed options for {@link FakeVault.seed}. */
export interface SeedOptions {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  /** Unix seconds; default the clock's. */
  created?: number;
  /** A certificate-backed secret: `managed: true` and a `kid`. */
  managed?: boolean;
  kid?: string;
  /** The version id (a certificate's secret has the certificate's). Default a new one. */
  version?: string;
}

/** The fake: its handler, what it saw, its state and its knobs. */
export interface FakeVault {
  handler: (request: Request) => Promise<Response>;
  /** The public vault URL, without a trailing slash. */
  readonly vaultUrl: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** The api-version of every request that had one, in order. */
  readonly apiVersions: string[];
  /** A copy of a name's state (any status), or `undefined`. */
  secret(name: string): SecretState | undefined;
  /** Names of the live secrets, sorted. */
  names(): string[];
  /** Names of the deleted secrets whose deletion completed, sorted. */
  deletedNames(): string[];
  /** Adds a version directly (no HTTP). Returns the version id. */
  seed(name: string, value: string, options?: SeedOptions): string;
  /** Finishes every pending delete and recover now. */
  settle(): void;
  /** Queues a fault (see {@link Fault}). */
  failNext(fault: Fault): void;
  /** The next `count` requests get 429 with `Retry-After: 0` (or the given headers). */
  throttleNext(count?: number, options?: { retryAfter?: string; retryAfterMs?: number }): void;
  /** The next `count` requests get 503 (with `Retry-After` when given). */
  unavailableNext(count?: number, options?: { retryAfter?: string }): void;
  /**
   * The next request with a valid token gets a CAE claims challenge (401,
   * `error="insufficient_claims"`). With `revoke` (default true) that token stays rejected
   * with the same challenge, so the client must get a new one.
   */
  caeNext(options?: { claims?: string; revoke?: boolean }): void;
  /** From now on, this token gets the CAE challenge. */
  revokeToken(token: string, claims?: string): void;
  /** Faults still queued (sum of their remaining counts). */
  pendingFaults(): number;
  /** The keys half: real key pairs (./keys.ts). */
  readonly keys: FakeKeys;
  /** The certificates half: real X.509 (./certificates.ts). */
  readonly certificates: FakeCertificatesControl;
  /** Everything stored (secrets with their versions and pending states, keys), as plain JSON. */
  exportState(): VaultContents;
  /** Replaces everything stored with `contents` (from {@link FakeVault.exportState}). */
  importState(contents: VaultContents): void;
}

/** What a vault holds, as plain JSON (see {@link FakeVault.exportState}). */
export interface VaultContents {
  secrets: (SecretState & { since: number })[];
  keys: KeyState[];
  /** Certificates, their pending operations, contacts and issuers (./certificates.ts). */
  certificates?: CertificatesContents;
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const DAY = 86_400;
const NOT_FOUND_HELP =
  "If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";
const BACKUP_PREFIX = "KvfetchFakeVaultSecretBackupV1.";
const MAX_VALUE_BYTES = 25 * 1024;
const MAX_TAGS = 15;

interface Entry {
  name: string;
  status: SecretState["status"];
  managed: boolean;
  versions: SecretVersionState[];
  deletedDate?: number;
  scheduledPurgeDate?: number;
  since: number;
  polls: number;
}

interface Route {
  operation: Operation;
  /** A keys operation, answered by the keys half. */
  keyRoute?: KeyRoute;
  /** A certificates operation, answered by the certificates half. */
  certRoute?: CertificateRoute;
  name?: string;
  version?: string;
  /** For "Unknown": 404 (no such path) or 405 (path known, method not). */
  miss?: 404 | 405;
}

interface QueuedFault extends Fault {
  remaining: number;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly inner: string | undefined;
  constructor(status: number, code: string, message: string, inner?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.inner = inner;
  }
}

/** Creates a fake vault. */
export function fakeVault(options: FakeVaultOptions = {}): FakeVault {
  const vaultUrl = new URL(options.vaultUrl ?? FAKE_VAULT_URL).origin;
  const parsedVault = new URL(vaultUrl);
  const portOrigin = `${parsedVault.protocol}//${parsedVault.hostname}:${
    parsedVault.port || (parsedVault.protocol === "https:" ? "443" : "80")
  }`;
  const now = options.now ?? Date.now;
  const seconds = () => Math.floor(now() / 1000);
  const tenantId = options.tenantId ?? FAKE_TENANT_ID;
  const authority = (options.authority ?? "https://login.microsoftonline.com").replace(/\/+$/, "");
  const resource = options.resource ?? "https://vault.azure.net";
  const acceptToken = options.acceptToken ?? ((token: string) => token.length > 0);
  const requireAuth = options.requireAuth ?? true;
  const softDelete = options.softDelete ?? true;
  const recoverableDays = options.recoverableDays ?? 90;
  const protection = options.purgeProtection ?? false;
  const purgeProtected = () =>
    softDelete && (typeof protection === "function" ? protection() : protection);
  /** `Purgeable`, `Recoverable+Purgeable`, `Recoverable`, `CustomizedRecoverable…`. */
  const recoveryLevelNow = () =>
    !softDelete
      ? "Purgeable"
      : `${recoverableDays < 90 ? "Customized" : ""}Recoverable${
        purgeProtected() ? "" : "+Purgeable"
      }`;
  const deletePolls = options.deleteDelayPolls ??
    (options.deleteDelayMs !== undefined ? Infinity : 2);
  const recoverPolls = options.recoverDelayPolls ??
    (options.recoverDelayMs !== undefined ? Infinity : 1);
  const defaultMax = options.defaultMaxResults ?? 25;
  const region = options.region ?? "westus2";
  const serviceVersion = options.serviceVersion ?? "1.9.2024.1";
  const uuid = options.uuid ?? (() => crypto.randomUUID());

  const store = new Map<string, Entry>();
  const requests: RecordedRequest[] = [];
  const faults: QueuedFault[] = [];
  const revoked = new Map<string, string>();
  let cae: { claims: string; revoke: boolean } | undefined;

  // ---- responses -------------------------------------------------------------------------

  function headersFor(record: RecordedRequest, json: boolean): Headers {
    const h = new Headers({
      "cache-control": "no-cache",
      pragma: "no-cache",
      expires: "-1",
      "strict-transport-security": "max-age=31536000;includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-ms-keyvault-network-info": "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;",
      "x-ms-keyvault-region": region,
      "x-ms-keyvault-service-version": serviceVersion,
      "x-ms-request-id": uuid(),
    });
    if (json) h.set("content-type", "application/json; charset=utf-8");
    if (record.clientRequestId !== null) {
      h.set("x-ms-client-request-id", record.clientRequestId);
    }
    return h;
  }

  function reply(
    record: RecordedRequest,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ): Response {
    const h = headersFor(record, body !== null);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return new Response(body === null ? null : JSON.stringify(body), { status, headers: h });
  }

  function errorBody(code: string, message: string, inner?: string): unknown {
    return {
      error: inner === undefined
        ? { code, message }
        : { code, message, innererror: { code: inner } },
    };
  }

  function challengeHeader(): string {
    if (options.wwwAuthenticate !== undefined) return options.wwwAuthenticate;
    const auth = `${authority}/${tenantId}`;
    switch (options.challengeStyle ?? "authorization") {
      case "authorization_uri":
        return `Bearer authorization_uri="${auth}", resource="${resource}"`;
      case "scope":
        return `Bearer authorization="${auth}", scope="${resource.replace(/\/+$/, "")}/.default"`;
      default:
        return `Bearer authorization="${auth}", resource="${resource}"`;
    }
  }

  function challenge(record: RecordedRequest, message: string): Response {
    return reply(record, 401, errorBody("Unauthorized", message), {
      "www-authenticate": challengeHeader(),
    });
  }

  function caeChallenge(record: RecordedRequest, claims: string): Response {
    const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(claims)));
    return reply(
      record,
      401,
      errorBody(
        "Unauthorized",
        "Continuous access evaluation resulted in a claims challenge: the token needs new claims.",
      ),
      {
        "www-authenticate":
          `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${encoded}"`,
      },
    );
  }

  function faultResponse(record: RecordedRequest, fault: QueuedFault): Response {
    let body = fault.body;
    if (body === undefined) {
      body = fault.status === 429
        ? errorBody(
          "Throttled",
          "Request was not processed because too many requests were received. Reason: A generic ThrottlingPolicy limit has been reached. Please retry after some time.",
        )
        : fault.status === 503
        ? errorBody("ServiceUnavailable", "The service is temporarily unavailable. Please retry.")
        : errorBody("InternalServerError", "An injected failure.");
    }
    return reply(record, fault.status, body, fault.headers);
  }

  function takeFault(record: RecordedRequest, beforeAuth: boolean): QueuedFault | undefined {
    const index = faults.findIndex((f) =>
      (f.beforeAuth ?? false) === beforeAuth && (f.when === undefined || f.when(record))
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  // What both halves borrow; `recoveryLevel` stays a getter (asked at each answer), so each
  // half gets an object whose prototype is this one, not a copy.
  const kit: VaultKit = {
    vaultUrl,
    seconds,
    now,
    softDelete,
    recoverableDays,
    get recoveryLevel() {
      return recoveryLevelNow();
    },
    purgeRefusal: () => (purgeProtected() ? purgeForbidden() : undefined),
    error: (status, code, message, inner) => new HttpError(status, code, message, inner),
    progress: (e, poll) => progress(e as Entry, poll),
    newVersionId: () => newVersionId(),
  };
  const extendKit = <T extends object>(members: T): VaultKit & T =>
    Object.assign(Object.create(kit) as VaultKit, members);

  const keysHalf = fakeKeys(extendKit({
    managedHsm: options.managedHsm ?? parsedVault.hostname.endsWith(".managedhsm.azure.net"),
    reply: (status: number, body: unknown) => ({ status, body }),
  }));

  // A certificate version's backing key and secret share its version id.
  let self: FakeVault | undefined;
  const certsHalf = fakeCertificates(extendKit<Omit<CertificatesKit, keyof VaultKit>>({
    pendingPolls: options.certificatePolls ?? 0,
    requestId: () => uuid(),
    backing: async (name, version, m) => {
      // A restore after a purge finds the versions still there (they do not follow the
      // certificate's soft delete): keep them.
      const has = (versions?: { version: string }[]) =>
        versions?.some((v) => v.version === version);
      if (has(keysHalf.api.key(name)?.versions) || has(self!.secret(name)?.versions)) return;
      const { key_ops: _, ext: __, alg: ___, ...jwk } = m.jwk;
      await keysHalf.api.seedKey(name, m.kty, {
        jwk: jwk as Record<string, string>,
        version,
        exp: m.exp,
      });
      self!.seed(name, m.secret, {
        contentType: m.contentType,
        managed: true,
        kid: `${vaultUrl}/keys/${name}/${version}`,
        version,
        exp: m.exp,
      });
    },
  }));

  // ---- ids and bodies --------------------------------------------------------------------

  const secretId = (e: Entry, version?: string) =>
    version === undefined
      ? `${vaultUrl}/secrets/${e.name}`
      : `${vaultUrl}/secrets/${e.name}/${version}`;

  function attributes(v: SecretVersionState): Record<string, unknown> {
    const a: Record<string, unknown> = { enabled: v.enabled };
    if (v.nbf !== undefined) a.nbf = v.nbf;
    if (v.exp !== undefined) a.exp = v.exp;
    a.created = v.created;
    a.updated = v.updated;
    a.recoveryLevel = recoveryLevelNow();
    if (softDelete) a.recoverableDays = recoverableDays;
    return a;
  }

  /** Azure's answer to a purge in a vault with purge protection. */
  function purgeForbidden(): HttpError {
    const where = options.vaultLocation ??
      `${parsedVault.hostname.split(".")[0]};location=${region}`;
    return new HttpError(
      403,
      "Forbidden",
      `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.\r\nVault: ${where}`,
    );
  }

  /** Purges what was deleted and whose scheduled purge date the clock has passed. */
  function purgeDue(): void {
    const t = seconds();
    for (const [key, e] of store) {
      if (
        e.status === "deleted" && e.scheduledPurgeDate !== undefined && e.scheduledPurgeDate <= t
      ) {
        store.delete(key);
      }
    }
    keysHalf.purgeDue(t);
    certsHalf.purgeDue(t);
  }

  /** SecretBundle (value first, as the service orders it) or SecretItem (`item`). */
  function bundle(
    e: Entry,
    v: SecretVersionState,
    shape: { value: boolean; versionInId: boolean; kid: boolean },
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (shape.value) out.value = v.value;
    if (v.contentType !== undefined) out.contentType = v.contentType;
    out.id = secretId(e, shape.versionInId ? v.version : undefined);
    if (e.managed) out.managed = true;
    out.attributes = attributes(v);
    if (shape.kid && v.kid !== undefined) out.kid = v.kid;
    if (v.tags !== undefined) out.tags = { ...v.tags };
    return out;
  }

  const fullBundle = (e: Entry, v: SecretVersionState) =>
    bundle(e, v, { value: true, versionInId: true, kid: true });
  const bundleNoValue = (e: Entry, v: SecretVersionState) =>
    bundle(e, v, { value: false, versionInId: true, kid: true });

  function deletedBundle(e: Entry, item: boolean): Record<string, unknown> {
    const v = latest(e);
    const rest = item
      ? bundle(e, v, { value: false, versionInId: false, kid: false })
      : bundleNoValue(e, v);
    if (!softDelete) return rest;
    return {
      recoveryId: `${vaultUrl}/deletedsecrets/${e.name}`,
      deletedDate: e.deletedDate,
      scheduledPurgeDate: e.scheduledPurgeDate,
      ...rest,
    };
  }

  const latest = (e: Entry) => e.versions[e.versions.length - 1]!;

  // ---- state -----------------------------------------------------------------------------

  /**
   * Completes a pending delete or recover whose time has come; counts a poll when `poll`
   * names the pending state (GET /deletedsecrets/{name} polls a delete, GET /secrets/{name} a
   * recover).
   */
  function progress(e: Entry, poll?: "deleting" | "recovering"): void {
    if (e.status !== "deleting" && e.status !== "recovering") return;
    const deleting = e.status === "deleting";
    const polls = deleting ? deletePolls : recoverPolls;
    const ms = deleting ? options.deleteDelayMs : options.recoverDelayMs;
    if (e.polls >= polls || (ms !== undefined && now() - e.since >= ms)) {
      e.status = deleting ? "deleted" : "active";
      e.polls = 0;
      return;
    }
    if (poll === e.status) e.polls++;
  }

  function newVersionId(): string {
    if (options.versionId !== undefined) return options.versionId();
    return Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
  }

  function notFound(name: string): HttpError {
    return new HttpError(
      404,
      "SecretNotFound",
      `A secret with (name/id) ${name} was not found in this key vault. ${NOT_FOUND_HELP}`,
    );
  }

  function deletedNotFound(name: string): HttpError {
    return new HttpError(404, "SecretNotFound", `Deleted Secret not found: ${name}`);
  }

  function conflictFor(e: Entry): HttpError {
    switch (e.status) {
      case "deleting":
        return new HttpError(
          409,
          "Conflict",
          `Secret ${e.name} is currently being deleted.`,
          "ObjectIsBeingDeleted",
        );
      case "recovering":
        return new HttpError(
          409,
          "Conflict",
          `Secret ${e.name} is currently being recovered.  Wait for recovery to complete before performing any other operation.`,
          "ObjectIsBeingRecovered",
        );
      default:
        return new HttpError(
          409,
          "Conflict",
          `Secret ${e.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
          "ObjectIsDeletedButRecoverable",
        );
    }
  }

  /** The live secret, counting a poll while it is being recovered. */
  function live(name: string, poll: boolean): Entry {
    const e = store.get(name.toLowerCase());
    if (e === undefined) throw notFound(name);
    progress(e, poll ? "recovering" : undefined);
    if (e.status !== "active") throw notFound(name);
    return e;
  }

  function version(e: Entry, name: string, version: string | undefined): SecretVersionState {
    if (!version) return latest(e);
    const v = e.versions.find((x) => x.version === version.toLowerCase());
    if (v === undefined) throw notFound(`${name}/${version}`);
    return v;
  }

  // ---- request parsing -------------------------------------------------------------------

  function bad(message: string): HttpError {
    return new HttpError(400, "BadParameter", message);
  }

  function parseJson(text: string): Record<string, unknown> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw bad("The request body is not valid JSON.");
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw bad("The request body must be a JSON object.");
    }
    return json as Record<string, unknown>;
  }

  interface Props {
    contentType?: string | undefined;
    tags?: Record<string, string> | undefined;
    enabled?: boolean | undefined;
    nbf?: number | null | undefined;
    exp?: number | null | undefined;
  }

  function parseProps(json: Record<string, unknown>): Props {
    const out: Props = {};
    const ct = json.contentType;
    if (ct !== undefined && ct !== null) {
      if (typeof ct !== "string") throw bad("Property contentType must be a string.");
      out.contentType = ct;
    }
    const tags = json.tags;
    if (tags !== undefined && tags !== null) {
      if (typeof tags !== "object" || Array.isArray(tags)) {
        throw bad("Property tags must be an object.");
      }
      const entries = Object.entries(tags as Record<string, unknown>);
      if (entries.length > MAX_TAGS) throw bad(`At most ${MAX_TAGS} tags are allowed.`);
      for (const [, v] of entries) {
        if (typeof v !== "string") throw bad("Tag values must be strings.");
      }
      out.tags = Object.fromEntries(entries) as Record<string, string>;
    }
    const attrs = json.attributes;
    if (attrs !== undefined && attrs !== null) {
      if (typeof attrs !== "object" || Array.isArray(attrs)) {
        throw bad("Property attributes must be an object.");
      }
      const a = attrs as Record<string, unknown>;
      if (a.enabled !== undefined && a.enabled !== null) {
        if (typeof a.enabled !== "boolean") throw bad("Attribute enabled must be a boolean.");
        out.enabled = a.enabled;
      }
      for (const key of ["nbf", "exp"] as const) {
        const t = a[key];
        if (t === undefined) continue;
        if (t !== null && !Number.isInteger(t)) {
          throw bad(`Attribute ${key} must be an integer (Unix seconds).`);
        }
        out[key] = t as number | null;
      }
    }
    return out;
  }

  function parseMax(record: RecordedRequest): number {
    const raw = record.query.maxresults;
    if (raw === undefined) return defaultMax;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 1 && n <= 25)) {
      throw bad(`Invalid maxresults value '${raw}': it must be an integer between 1 and 25.`);
    }
    return n;
  }

  // ---- paging ----------------------------------------------------------------------------

  function page(
    record: RecordedRequest,
    kind: string,
    path: string,
    items: { key: string; json: unknown }[],
  ): unknown {
    const max = parseMax(record);
    let after: string | undefined;
    const token = record.query.$skiptoken;
    if (token !== undefined) {
      after = readSkipToken(token, kind);
      if (after === undefined) throw bad("The $skiptoken parameter is invalid.");
    }
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rest = after === undefined ? items : items.filter((i) => i.key > after!);
    const value = rest.slice(0, max);
    let nextLink: string | null = null;
    if (rest.length > max) {
      const v = options.nextLinkApiVersion ?? record.apiVersion ?? "";
      const skip = makeSkipToken(kind, value[value.length - 1]!.key);
      nextLink = `${portOrigin}${path}?api-version=${v}&$skiptoken=${skip}` +
        (record.query.maxresults !== undefined ? `&maxresults=${max}` : "");
    }
    return { value: value.map((i) => i.json), nextLink };
  }

  // ---- operations ------------------------------------------------------------------------

  function setSecret(record: RecordedRequest, name: string): Response {
    const json = parseJson(record.body);
    if (typeof json.value !== "string") {
      throw bad("Property value is required and must be a string.");
    }
    if (new TextEncoder().encode(json.value).length > MAX_VALUE_BYTES) {
      throw bad("The secret value exceeds the maximum size of 25 KB.");
    }
    const props = parseProps(json);
    const key = name.toLowerCase();
    let e = store.get(key);
    if (e !== undefined) {
      progress(e);
      if (e.status !== "active") throw conflictFor(e);
    }
    const t = seconds();
    const v: SecretVersionState = {
      version: newVersionId(),
      value: json.value,
      enabled: props.enabled ?? true,
      created: t,
      updated: t,
    };
    if (props.contentType !== undefined) v.contentType = props.contentType;
    if (props.tags !== undefined) v.tags = props.tags;
    if (props.nbf !== undefined && props.nbf !== null) v.nbf = props.nbf;
    if (props.exp !== undefined && props.exp !== null) v.exp = props.exp;
    if (e === undefined) {
      e = { name, status: "active", managed: false, versions: [], since: now(), polls: 0 };
      store.set(key, e);
    }
    e.versions.push(v);
    return reply(record, 200, fullBundle(e, v));
  }

  function getSecret(record: RecordedRequest, name: string, ver: string | undefined): Response {
    const e = live(name, true);
    const v = version(e, name, ver);
    if (!v.enabled) {
      throw new HttpError(
        403,
        "Forbidden",
        "Operation get is not allowed on a disabled secret.",
        "SecretDisabled",
      );
    }
    return reply(record, 200, fullBundle(e, v));
  }

  function updateSecret(record: RecordedRequest, name: string, ver: string | undefined): Response {
    const json = parseJson(record.body);
    const props = parseProps(json);
    const e = live(name, false);
    const v = version(e, name, ver);
    if (props.contentType !== undefined) v.contentType = props.contentType;
    if (props.tags !== undefined) v.tags = props.tags;
    if (props.enabled !== undefined) v.enabled = props.enabled;
    for (const key of ["nbf", "exp"] as const) {
      const t = props[key];
      if (t === null) delete v[key];
      else if (t !== undefined) v[key] = t;
    }
    v.updated = seconds();
    return reply(record, 200, bundleNoValue(e, v));
  }

  function deleteSecret(record: RecordedRequest, name: string): Response {
    const e = store.get(name.toLowerCase());
    if (e === undefined) throw notFound(name);
    progress(e);
    if (e.status === "recovering") throw conflictFor(e);
    if (e.status !== "active") throw notFound(name);
    if (!softDelete) {
      store.delete(name.toLowerCase());
      return reply(record, 200, bundleNoValue(e, latest(e)));
    }
    const t = seconds();
    e.status = "deleting";
    e.deletedDate = t;
    e.scheduledPurgeDate = t + recoverableDays * DAY;
    e.since = now();
    e.polls = 0;
    progress(e); // a zero delay completes at once
    return reply(record, 200, deletedBundle(e, false));
  }

  function getDeletedSecret(record: RecordedRequest, name: string): Response {
    const e = store.get(name.toLowerCase());
    if (e === undefined) throw deletedNotFound(name);
    progress(e, "deleting");
    if (e.status !== "deleted") throw deletedNotFound(name);
    return reply(record, 200, deletedBundle(e, false));
  }

  function recoverDeletedSecret(record: RecordedRequest, name: string): Response {
    const e = store.get(name.toLowerCase());
    if (e === undefined) throw deletedNotFound(name);
    progress(e);
    if (e.status === "deleting" || e.status === "recovering") throw conflictFor(e);
    if (e.status !== "deleted") throw deletedNotFound(name);
    e.status = "recovering";
    delete e.deletedDate;
    delete e.scheduledPurgeDate;
    e.since = now();
    e.polls = 0;
    progress(e);
    return reply(record, 200, bundleNoValue(e, latest(e)));
  }

  function purgeDeletedSecret(record: RecordedRequest, name: string): Response {
    const e = store.get(name.toLowerCase());
    if (e === undefined) throw deletedNotFound(name);
    progress(e);
    if (e.status === "deleting" || e.status === "recovering") throw conflictFor(e);
    if (e.status !== "deleted") throw deletedNotFound(name);
    if (purgeProtected()) throw purgeForbidden();
    store.delete(name.toLowerCase());
    return reply(record, 204, null);
  }

  function getSecrets(record: RecordedRequest): Response {
    const items = [...store.values()].filter((e) => e.status === "active").map((e) => ({
      key: e.name.toLowerCase(),
      json: bundle(e, latest(e), { value: false, versionInId: false, kid: false }),
    }));
    return reply(record, 200, page(record, "secrets", "/secrets", items));
  }

  function getSecretVersions(record: RecordedRequest, name: string): Response {
    const e = store.get(name.toLowerCase());
    const items = e === undefined || e.status !== "active" ? [] : e.versions.map((v) => ({
      key: v.version,
      json: bundle(e, v, { value: false, versionInId: true, kid: false }),
    }));
    const path = `/secrets/${e?.name ?? name}/versions`;
    return reply(record, 200, page(record, `versions:${name.toLowerCase()}`, path, items));
  }

  function getDeletedSecrets(record: RecordedRequest): Response {
    const items = [...store.values()].filter((e) => e.status === "deleted").map((e) => ({
      key: e.name.toLowerCase(),
      json: deletedBundle(e, true),
    }));
    return reply(record, 200, page(record, "deletedsecrets", "/deletedsecrets", items));
  }

  function backupSecret(record: RecordedRequest, name: string): Response {
    const e = live(name, false);
    const blob = JSON.stringify({ name: e.name, managed: e.managed, versions: e.versions });
    return reply(record, 200, { value: base64url(BACKUP_PREFIX + base64url(blob)) });
  }

  function restoreSecret(record: RecordedRequest): Response {
    const json = parseJson(record.body);
    if (typeof json.value !== "string") {
      throw bad("Property value is required and must be a string.");
    }
    const restored = readBackup(json.value);
    if (restored === undefined) throw bad("Backup blob contains invalid or corrupt version.");
    const key = restored.name.toLowerCase();
    const existing = store.get(key);
    if (existing !== undefined) {
      progress(existing);
      if (existing.status === "active") {
        throw new HttpError(
          409,
          "Conflict",
          `Secret ${existing.name} already exists. Delete and purge it before restoring a backup of it.`,
        );
      }
      throw conflictFor(existing);
    }
    const e: Entry = {
      name: restored.name,
      status: "active",
      managed: restored.managed,
      versions: restored.versions,
      since: now(),
      polls: 0,
    };
    store.set(key, e);
    return reply(record, 200, bundleNoValue(e, latest(e)));
  }

  function readBackup(value: string):
    | { name: string; managed: boolean; versions: SecretVersionState[] }
    | undefined {
    try {
      const outer = fromBase64url(value);
      if (!outer.startsWith(BACKUP_PREFIX)) return undefined;
      const data = JSON.parse(fromBase64url(outer.slice(BACKUP_PREFIX.length)));
      if (
        typeof data?.name !== "string" || !NAME.test(data.name) ||
        !Array.isArray(data.versions) || data.versions.length === 0
      ) return undefined;
      return { name: data.name, managed: data.managed === true, versions: data.versions };
    } catch {
      return undefined;
    }
  }

  // ---- routing ---------------------------------------------------------------------------

  function route(method: string, path: string): Route {
    const s = path.split("/").slice(1);
    const m = method.toUpperCase();
    const miss = (allowed: boolean): Route => ({ operation: "Unknown", miss: allowed ? 405 : 404 });
    const one = (op: Operation, ok: boolean, name?: string, version?: string): Route =>
      ok ? { operation: op, name, version } : miss(true);
    if (s[0] === "secrets") {
      if (s.length === 1 || (s.length === 2 && s[1] === "")) return one("GetSecrets", m === "GET");
      const name = s[1]!;
      if (s.length === 2) {
        if (name === "restore" && m === "POST") return { operation: "RestoreSecret" };
        const ops: Record<string, Operation> = {
          PUT: "SetSecret",
          GET: "GetSecret",
          PATCH: "UpdateSecret",
          DELETE: "DeleteSecret",
        };
        return ops[m] ? { operation: ops[m]!, name } : miss(true);
      }
      if (s.length === 3) {
        const third = s[2]!;
        if (third === "versions" && m === "GET") return { operation: "GetSecretVersions", name };
        if (third === "backup" && m === "POST") return { operation: "BackupSecret", name };
        if (m === "GET") return { operation: "GetSecret", name, version: third };
        if (m === "PATCH") return { operation: "UpdateSecret", name, version: third };
        return miss(true);
      }
      return miss(false);
    }
    const keyRoute = keysHalf.route(m, s);
    if (keyRoute === "miss") return miss(true);
    if (keyRoute) return { operation: keyRoute.operation, keyRoute };
    const certRoute = certsHalf.route(m, s);
    if (certRoute === "miss") return miss(true);
    if (certRoute) return { operation: certRoute.operation, certRoute };
    if (s[0] === "deletedsecrets") {
      if (s.length === 1 || (s.length === 2 && s[1] === "")) {
        return one("GetDeletedSecrets", m === "GET");
      }
      const name = s[1]!;
      if (s.length === 2 || (s.length === 3 && s[2] === "")) {
        if (m === "GET") return { operation: "GetDeletedSecret", name };
        if (m === "DELETE") return { operation: "PurgeDeletedSecret", name };
        return miss(true);
      }
      if (s.length === 3 && s[2] === "recover") {
        return one("RecoverDeletedSecret", m === "POST", name);
      }
      return miss(false);
    }
    return miss(false);
  }

  function operate(record: RecordedRequest, r: Route): Response {
    if (r.operation === "Unknown") {
      if (r.miss === 405) {
        throw new HttpError(
          405,
          "MethodNotAllowed",
          `The method ${record.method} is not allowed on ${record.path}.`,
        );
      }
      throw new HttpError(404, "NotFound", `The path ${record.path} is not a secrets operation.`);
    }
    let name = r.name;
    if (name !== undefined) {
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep it as sent; the name check rejects it
      }
      if (!NAME.test(name)) throw bad(`The request URI contains an invalid name: ${name}`);
    }
    const n = name ?? "";
    switch (r.operation) {
      case "SetSecret":
        return setSecret(record, n);
      case "GetSecret":
        return getSecret(record, n, r.version);
      case "UpdateSecret":
        return updateSecret(record, n, r.version);
      case "DeleteSecret":
        return deleteSecret(record, n);
      case "GetSecrets":
        return getSecrets(record);
      case "GetSecretVersions":
        return getSecretVersions(record, n);
      case "GetDeletedSecrets":
        return getDeletedSecrets(record);
      case "GetDeletedSecret":
        return getDeletedSecret(record, n);
      case "RecoverDeletedSecret":
        return recoverDeletedSecret(record, n);
      case "PurgeDeletedSecret":
        return purgeDeletedSecret(record, n);
      case "BackupSecret":
        return backupSecret(record, n);
      case "RestoreSecret":
        return restoreSecret(record);
      default:
        throw new HttpError(500, "InternalServerError", `Fake vault bug: ${r.operation} unrouted`);
    }
  }

  async function answer(record: RecordedRequest, r: Route): Promise<Response> {
    const early = takeFault(record, true);
    if (early) return faultResponse(record, early);

    const apiVersion = record.apiVersion;
    if (!apiVersion) {
      throw bad(
        "The 'api-version' query parameter is required; there is no default. Use e.g. api-version=7.6.",
      );
    }
    if (options.apiVersions !== undefined && !options.apiVersions.includes(apiVersion)) {
      const newest = options.apiVersions[options.apiVersions.length - 1] ?? "";
      throw bad(
        `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${newest}).`,
      );
    }

    if (requireAuth) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(record.authorization ?? "");
      const token = match?.[1];
      if (token === undefined) {
        return challenge(record, "AKV10000: Request is missing a Bearer or PoP token.");
      }
      if (!acceptToken(token)) {
        return challenge(
          record,
          "The access token was rejected (the fake vault's acceptToken said no).",
        );
      }
      const revokedClaims = revoked.get(token);
      if (revokedClaims !== undefined) return caeChallenge(record, revokedClaims);
      if (cae !== undefined) {
        const { claims, revoke } = cae;
        cae = undefined;
        if (revoke) revoked.set(token, claims);
        return caeChallenge(record, claims);
      }
    }

    const fault = takeFault(record, false);
    if (fault) return faultResponse(record, fault);

    for (const e of store.values()) progress(e);
    purgeDue();
    await keysHalf.rotateDue(seconds());
    if (r.keyRoute) {
      const pager = (kind: string, path: string, items: { key: string; json: unknown }[]) =>
        page(record, kind, path, items);
      const out = await keysHalf.operate(r.keyRoute, { body: record.body, page: pager });
      return reply(record, out.status, out.body);
    }
    if (r.certRoute) {
      const pager = (kind: string, path: string, items: { key: string; json: unknown }[]) =>
        page(record, kind, path, items);
      return certsHalf.operate(r.certRoute, { body: record.body, query: record.query, page: pager })
        .then((out) => reply(record, out.status, out.body));
    }
    return operate(record, r);
  }

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = await request.text();
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
      if (!(k in query)) query[k] = v;
    });
    const h = new Headers(request.headers);
    const r = route(request.method, url.pathname);
    const record: RecordedRequest = {
      method: request.method,
      url: request.url,
      path: url.pathname,
      query,
      headers: h,
      authorization: h.get("authorization"),
      contentLength: h.get("content-length"),
      contentType: h.get("content-type"),
      clientRequestId: h.get("x-ms-client-request-id"),
      body,
      apiVersion: url.searchParams.get("api-version"),
      operation: r.operation,
      status: 0,
      at: now(),
    };
    requests.push(record);
    let response: Response;
    try {
      response = await answer(record, r);
    } catch (error) {
      response = error instanceof HttpError
        ? reply(record, error.status, errorBody(error.code, error.message, error.inner))
        : reply(record, 500, errorBody("InternalServerError", `Fake vault bug: ${error}`));
    }
    record.status = response.status;
    return response;
  }

  // ---- the public object -----------------------------------------------------------------

  function snapshot(e: Entry): SecretState {
    const s: SecretState = {
      name: e.name,
      status: e.status,
      managed: e.managed,
      versions: e.versions.map((v) => ({ ...v, ...(v.tags ? { tags: { ...v.tags } } : {}) })),
      polls: e.polls,
    };
    if (e.deletedDate !== undefined) s.deletedDate = e.deletedDate;
    if (e.scheduledPurgeDate !== undefined) s.scheduledPurgeDate = e.scheduledPurgeDate;
    return s;
  }

  const sortedNames = (status: SecretState["status"]) =>
    [...store.values()].filter((e) => e.status === status).map((e) => e.name).sort((a, b) =>
      a.toLowerCase() < b.toLowerCase() ? -1 : 1
    );

  function queue(fault: Fault): void {
    faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  return self = {
    handler,
    vaultUrl,
    requests,
    get apiVersions(): string[] {
      return requests.flatMap((r) => (r.apiVersion === null ? [] : [r.apiVersion]));
    },
    secret(name: string): SecretState | undefined {
      purgeDue();
      const e = store.get(name.toLowerCase());
      if (e === undefined) return undefined;
      progress(e);
      return snapshot(e);
    },
    names(): string[] {
      for (const e of store.values()) progress(e);
      return sortedNames("active");
    },
    deletedNames(): string[] {
      for (const e of store.values()) progress(e);
      purgeDue();
      return sortedNames("deleted");
    },
    seed(name: string, value: string, seed: SeedOptions = {}): string {
      if (!NAME.test(name)) throw new TypeError(`fakeVault.seed: invalid name ${name}`);
      const key = name.toLowerCase();
      let e = store.get(key);
      if (e !== undefined && e.status !== "active") {
        throw new TypeError(`fakeVault.seed: ${name} is ${e.status}`);
      }
      if (e === undefined) {
        e = { name, status: "active", managed: false, versions: [], since: now(), polls: 0 };
        store.set(key, e);
      }
      if (seed.managed) e.managed = true;
      const t = seed.created ?? seconds();
      const v: SecretVersionState = {
        version: seed.version ?? newVersionId(),
        value,
        enabled: seed.enabled ?? true,
        created: t,
        updated: t,
      };
      if (seed.contentType !== undefined) v.contentType = seed.contentType;
      if (seed.tags !== undefined) v.tags = { ...seed.tags };
      if (seed.nbf !== undefined) v.nbf = seed.nbf;
      if (seed.exp !== undefined) v.exp = seed.exp;
      if (seed.kid !== undefined) v.kid = seed.kid;
      e.versions.push(v);
      return v.version;
    },
    settle(): void {
      for (const e of store.values()) {
        if (e.status === "deleting") e.status = "deleted";
        if (e.status === "recovering") e.status = "active";
        e.polls = 0;
      }
    },
    failNext: queue,
    throttleNext(count = 1, throttle: { retryAfter?: string; retryAfterMs?: number } = {}): void {
      const headers: Record<string, string> = {};
      if (throttle.retryAfterMs !== undefined) {
        headers["retry-after-ms"] = String(throttle.retryAfterMs);
        if (throttle.retryAfter !== undefined) headers["retry-after"] = throttle.retryAfter;
      } else {
        headers["retry-after"] = throttle.retryAfter ?? "0";
      }
      queue({ status: 429, count, headers });
    },
    unavailableNext(count = 1, unavailable: { retryAfter?: string } = {}): void {
      const headers: Record<string, string> = {};
      if (unavailable.retryAfter !== undefined) headers["retry-after"] = unavailable.retryAfter;
      queue({ status: 503, count, headers });
    },
    caeNext(next: { claims?: string; revoke?: boolean } = {}): void {
      cae = { claims: next.claims ?? CAE_CLAIMS, revoke: next.revoke ?? true };
    },
    revokeToken(token: string, claims = CAE_CLAIMS): void {
      revoked.set(token, claims);
    },
    pendingFaults(): number {
      return faults.reduce((sum, f) => sum + f.remaining, 0);
    },
    keys: keysHalf.api,
    certificates: certsHalf.api,
    exportState(): VaultContents {
      return {
        secrets: [...store.values()].map((e) => structuredClone(e)),
        keys: keysHalf.api.exportState(),
        certificates: certsHalf.exportState(),
      };
    },
    importState(contents: VaultContents): void {
      store.clear();
      for (const e of contents.secrets) store.set(e.name.toLowerCase(), structuredClone(e));
      keysHalf.api.importState(contents.keys);
      certsHalf.importState(contents.certificates);
    },
  };
}

function base64url(text: string): string {
  return encodeBase64(new TextEncoder().encode(text), true);
}

function fromBase64url(value: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new TypeError("not base64url");
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder("utf-8", { fatal: true }).decode(
    Uint8Array.from(binary, (c) => c.charCodeAt(0)),
  );
}

function makeSkipToken(kind: string, key: string): string {
  return base64url(JSON.stringify({ NextMarker: `2!${kind}!${key}`, TargetLocation: 0 }));
}

function readSkipToken(token: string, kind: string): string | undefined {
  try {
    const data = JSON.parse(fromBase64url(token));
    const marker = data?.NextMarker;
    const prefix = `2!${kind}!`;
    return typeof marker === "string" && marker.startsWith(prefix)
      ? marker.slice(prefix.length)
      : undefined;
  } catch {
    return undefined;
  }
}
