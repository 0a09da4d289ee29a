/**
 * The certificates half of the emulator's vault: every operation of Key Vault's certificates
 * data plane, with REAL X.509 (lib/testing/_x509.ts). The vault (./vault.ts) routes
 * `/certificates…` and `/deletedcertificates…` here and lends its helpers (errors, paging,
 * soft-delete progress, version ids, the clock), as for the keys half.
 *
 * - `Self` issuer: create answers 202 with a pending operation (and a real CSR); after
 *   `pendingPolls` reads of `/certificates/{name}/pending` it completes with a real self-signed
 *   certificate carrying the policy's subject, SANs, key usage, EKUs, validity and key (with
 *   `pendingPolls` 0, the emulator's default, the 202's operation is already `completed`).
 * - `Unknown` issuer: the operation waits for `mergeCertificate`; the merged leaf's public key
 *   must match the pending key (Azure's 400 otherwise); merge answers 201.
 * - An issuer the vault knows (`createIssuer`) but cannot reach: the operation ends `failed` with
 *   the service's error shape on its next read. An issuer it does not know: 400 at create.
 * - Every certificate version has its backing key (`kid`, usable through the keys API) and
 *   secret (`sid`: PKCS#8 key, when exportable, then the chain as PEM). For a PKCS#12 content
 *   type the secret still holds PEM (the emulator writes no PFX), and PFX import is refused with
 *   the service's "can not be read" error.
 * - Soft delete, recover, purge, backup and restore follow the vault's secrets and keys
 *   (the same delete/recover polls); everything is plain JSON, so snapshots cover it. The
 *   backing key and secret do not follow the certificate's soft delete (a known gap).
 * - The clock runs `AutoRenew` lifetime actions of self-signed certificates: once the trigger has
 *   passed, the next certificates request issues a new version.
 */
import { parseCertificatePem, toPem } from "../../auth/_pem.ts";
import {
  certificateThumbprint,
  createCsr,
  generateCertificateKeyPair,
  issueCertificate,
  KEY_USAGES,
  parseCertificate,
  type X509KeySpec,
  type X509KeyUsage,
} from "../_x509.ts";
import type { Pending, VaultKit } from "./_kit.ts";
import { encodeBase64 } from "../../http/_base64.ts";

type Json = Record<string, unknown>;

/** Operation ids of certificates.json. */
export type CertificateOperationId =
  | "CreateCertificate"
  | "ImportCertificate"
  | "GetCertificate"
  | "UpdateCertificate"
  | "DeleteCertificate"
  | "GetCertificates"
  | "GetCertificateVersions"
  | "GetCertificatePolicy"
  | "UpdateCertificatePolicy"
  | "GetCertificateOperation"
  | "UpdateCertificateOperation"
  | "DeleteCertificateOperation"
  | "MergeCertificate"
  | "BackupCertificate"
  | "RestoreCertificate"
  | "GetDeletedCertificates"
  | "GetDeletedCertificate"
  | "RecoverDeletedCertificate"
  | "PurgeDeletedCertificate"
  | "SetCertificateContacts"
  | "GetCertificateContacts"
  | "DeleteCertificateContacts"
  | "GetCertificateIssuers"
  | "SetCertificateIssuer"
  | "GetCertificateIssuer"
  | "UpdateCertificateIssuer"
  | "DeleteCertificateIssuer";

/** One route of the certificates data plane. */
export interface CertificateRoute {
  operation: CertificateOperationId;
  name?: string;
  version?: string;
}

/** One certificate version (DER and PKCS#8 as base64). */
export interface CertificateVersionState {
  version: string;
  /** Leaf first, base64 DER. */
  chain: string[];
  /** The private key, base64 PKCS#8. */
  pkcs8: string;
  contentType: string;
  exportable: boolean;
  enabled: boolean;
  nbf: number;
  exp: number;
  created: number;
  updated: number;
  tags?: Record<string, string>;
}

/** A pending (or finished) certificate operation. */
export interface CertificateOperationState {
  issuer: string;
  /** base64 DER. */
  csr: string;
  /** The pending key, base64 PKCS#8, and its kind. */
  pkcs8: string;
  key: X509KeySpec;
  status: "inProgress" | "completed" | "failed" | "cancelled";
  /** The version the certificate gets when the operation completes. */
  version: string;
  cancellationRequested: boolean;
  polls: number;
  error?: { code: string; message: string };
  requestId: string;
  tags?: Record<string, string>;
  enabled?: boolean;
}

/** A certificate name's state. */
export interface CertificateState extends Pending {
  name: string;
  versions: CertificateVersionState[];
  policy: Json;
  operation?: CertificateOperationState;
  deletedDate?: number;
  scheduledPurgeDate?: number;
}

/** Everything the certificates half stores, as plain JSON. */
export interface CertificatesContents {
  certificates: CertificateState[];
  contacts?: Json[];
  issuers: Record<string, Json>;
}

/** What the vault lends the certificates half. */
export interface CertificatesKit extends VaultKit {
  /** Reads of a `Self` operation answered `inProgress` before it completes. */
  pendingPolls: number;
  requestId: () => string;
  /** Stores a version's backing key (private JWK) and secret under `version`. */
  backing: (
    name: string,
    version: string,
    material: { jwk: JsonWebKey; kty: string; secret: string; contentType: string; exp: number },
  ) => Promise<void>;
}

/** What tests can do with the certificates directly (`FakeVault.certificates`). */
export interface FakeCertificatesControl {
  /** Reads of a `Self` operation answered `inProgress` before it completes (settable). */
  pendingPolls: number;
  /** The next read of `name`'s pending operation ends it `failed` with this error. */
  failOperation(name: string, error?: { code: string; message: string }): void;
  /** A copy of a certificate's state (any status), or `undefined`. */
  certificate(name: string): CertificateState | undefined;
}

/** What one request lends the certificates half. */
export interface CertificateRequest {
  body: string;
  query: Record<string, string>;
  page: (kind: string, path: string, items: { key: string; json: unknown }[]) => unknown;
}

const PEM_TYPE = "application/x-pem-file";
const BACKUP_PREFIX = "KvfetchEmulatorCertificateBackupV1.";
const IN_PROGRESS =
  "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";

const b64 = (bytes: Uint8Array): string => encodeBase64(bytes);
const unb64 = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(
    atob(text.replace(/-/g, "+").replace(/_/g, "/").replace(/\s+/g, "")),
    (c) => c.charCodeAt(0),
  );
const equal = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The certificates half: routes, operations, and the state as JSON. The vault builds it with
 * its own helpers; reach it through `createEmulator` (or `fakeVault`).
 *
 * @example Through the emulator, a self-signed certificate and its backing key
 * ```ts
 * import { createEmulator } from "../mod.ts";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const token = await emulator.credential().getToken("https://vault.azure.net/.default");
 * const response = await emulator.fetch(
 *   `${emulator.vaultUrl("myvault")}/certificates/tls/create?api-version=7.6`,
 *   {
 *     method: "POST",
 *     headers: { authorization: `Bearer ${token?.token}`, "content-type": "application/json" },
 *     body: JSON.stringify({ policy: { x509_props: { subject: "CN=tls" } } }),
 *   },
 * );
 * console.log(response.status); // 202, a pending operation with a CSR
 * ```
 */
export function fakeCertificates(kit: CertificatesKit): {
  route(method: string, s: string[]): CertificateRoute | "miss" | undefined;
  operate(route: CertificateRoute, request: CertificateRequest): Promise<{
    status: number;
    body: unknown;
  }>;
  /** Purges the deleted certificates whose scheduled purge date (seconds) has passed. */
  purgeDue(seconds: number): void;
  exportState(): CertificatesContents;
  importState(contents: CertificatesContents | undefined): void;
  api: FakeCertificatesControl;
} {
  let pendingPolls = kit.pendingPolls;
  const failing = new Map<string, { code: string; message: string }>();
  const store = new Map<string, CertificateState>();
  let contacts: Json[] | undefined;
  const issuers = new Map<string, Json>();
  const base = `${kit.vaultUrl}/certificates`;

  const bad = (message: string) => kit.error(400, "BadParameter", message);
  const notFound = (name: string) =>
    kit.error(
      404,
      "CertificateNotFound",
      `A certificate with (name/id) ${name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  const conflict = (e: CertificateState) =>
    kit.error(
      409,
      "Conflict",
      e.status === "recovering"
        ? `Certificate ${e.name} is currently being recovered.  Wait for recovery to complete before performing any other operation.`
        : `Certificate ${e.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
    );

  // ---- state -----------------------------------------------------------------------------

  function live(name: string, poll = false): CertificateState {
    const e = store.get(name.toLowerCase());
    if (!e) throw notFound(name);
    kit.progress(e, poll ? "recovering" : undefined);
    if (e.status !== "active") throw notFound(name);
    return e;
  }
  function withVersions(name: string, poll = false): CertificateState {
    const e = live(name, poll);
    if (!e.versions.length) throw notFound(name);
    return e;
  }
  function deleted(name: string, poll = false): CertificateState {
    const e = store.get(name.toLowerCase());
    if (e) kit.progress(e, poll ? "deleting" : undefined);
    if (!e || e.status !== "deleted") {
      // GET /deletedcertificates/{name} says so; recover and purge answer as for a live name.
      if (!poll) throw notFound(name);
      throw kit.error(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`);
    }
    return e;
  }
  function versionOf(e: CertificateState, version?: string): CertificateVersionState {
    const v = version ? e.versions.find((x) => x.version === version) : e.versions.at(-1);
    if (!v) throw notFound(version ? `${e.name}/${version}` : e.name);
    return v;
  }
  function json(text: string): Json {
    if (!text) return {};
    try {
      const out = JSON.parse(text);
      if (out && typeof out === "object" && !Array.isArray(out)) return out;
    } catch { /* below */ }
    throw bad("The request body is not valid JSON.");
  }

  /** Fills the service's defaults into a policy from a request. */
  function fullPolicy(name: string, given: Json | undefined, prior?: Json): Json {
    const now = kit.seconds();
    const p = given ?? {};
    const merged = (key: string, defaults: Json) => ({
      ...defaults,
      ...(prior?.[key] as Json | undefined),
      ...(p[key] as Json | undefined),
    });
    const keyProps = merged("key_props", { exportable: true, kty: "RSA", reuse_key: false });
    if (String(keyProps.kty).startsWith("EC")) {
      keyProps.crv ??= "P-256";
      delete keyProps.key_size;
    } else keyProps.key_size ??= 2048;
    const x509 = merged("x509_props", {
      ekus: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
      key_usage: ["digitalSignature", "keyEncipherment"],
      validity_months: 12,
    });
    const months = Number(x509.validity_months);
    if (!Number.isInteger(months) || months < 1 || months > 1200) {
      throw bad("Property validity_months must be between 1 and 1200.");
    }
    for (const u of (x509.key_usage as unknown[]) ?? []) {
      if (!KEY_USAGES.includes(u as X509KeyUsage)) throw bad(`Invalid key usage: ${u}`);
    }
    return {
      id: `${base}/${name}/policy`,
      key_props: keyProps,
      secret_props: merged("secret_props", { contentType: "application/x-pkcs12" }),
      x509_props: x509,
      lifetime_actions: p.lifetime_actions ?? prior?.lifetime_actions ??
        [{ trigger: { lifetime_percentage: 80 }, action: { action_type: "AutoRenew" } }],
      issuer: merged("issuer", { name: "Self" }),
      attributes: {
        enabled: true,
        ...(prior?.attributes as Json | undefined),
        ...(p.attributes as Json | undefined),
        created: (prior?.attributes as Json | undefined)?.created ?? now,
        updated: now,
      },
    };
  }

  function keySpec(policy: Json): X509KeySpec {
    const k = policy.key_props as Json;
    if (String(k.kty).startsWith("EC")) {
      const crv = String(k.crv);
      if (crv !== "P-256" && crv !== "P-384" && crv !== "P-521") {
        throw bad(`The curve ${crv} is not supported for certificates.`);
      }
      return { type: "EC", curve: crv };
    }
    const size = Number(k.key_size);
    if (![2048, 3072, 4096].includes(size)) {
      throw bad(`Invalid key size ${size}: RSA certificate keys are 2048, 3072 or 4096 bits.`);
    }
    return { type: "RSA", size };
  }

  function extensionsOf(policy: Json) {
    const x = policy.x509_props as Json;
    const sans = (x.sans ?? {}) as Json;
    return {
      keyUsage: (x.key_usage ?? []) as X509KeyUsage[],
      extendedKeyUsage: (x.ekus ?? []) as string[],
      dnsNames: (sans.dns_names ?? []) as string[],
      emails: (sans.emails ?? []) as string[],
      uris: (sans.uris ?? []) as string[],
    };
  }

  async function importKey(pkcs8: Uint8Array<ArrayBuffer>, spec: X509KeySpec) {
    const algorithm = spec.type === "EC"
      ? { name: "ECDSA", namedCurve: spec.curve ?? "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", hash: spec.hash ?? "SHA-256" };
    return await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, true, ["sign"]);
  }

  /** The SubjectPublicKeyInfo of a private key (PKCS#8). */
  async function spkiOf(pkcs8: Uint8Array<ArrayBuffer>, spec: X509KeySpec) {
    const key = await importKey(pkcs8, spec);
    const { d: _, p: __, q: ___, dp: _1, dq: _2, qi: _3, key_ops: _4, ...pub } = await crypto
      .subtle.exportKey("jwk", key);
    const publicKey = await crypto.subtle.importKey("jwk", pub, key.algorithm, true, ["verify"]);
    return new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  }

  async function addVersion(
    e: CertificateState,
    chain: Uint8Array<ArrayBuffer>[],
    pkcs8: Uint8Array<ArrayBuffer>,
    spec: X509KeySpec,
    from: { tags?: Record<string, string>; enabled?: boolean; version?: string },
  ): Promise<CertificateVersionState> {
    const now = kit.seconds();
    const leaf = parseCertificate(chain[0]!);
    const keyProps = e.policy.key_props as Json;
    const contentType = String((e.policy.secret_props as Json).contentType);
    const v: CertificateVersionState = {
      version: from.version ?? kit.newVersionId(),
      chain: chain.map(b64),
      pkcs8: b64(pkcs8),
      contentType,
      exportable: keyProps.exportable !== false,
      enabled: from.enabled ?? true,
      nbf: Math.floor(leaf.notBefore.getTime() / 1000),
      exp: Math.floor(leaf.notAfter.getTime() / 1000),
      created: now,
      updated: now,
    };
    if (from.tags) v.tags = { ...from.tags };
    const privateKey = await importKey(pkcs8, spec);
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    const chainPem = chain.map((d) => toPem(d, "CERTIFICATE")).join("");
    await kit.backing(e.name, v.version, {
      jwk,
      kty: spec.type,
      secret: (v.exportable ? toPem(pkcs8, "PRIVATE KEY") : "") + chainPem,
      contentType,
      exp: v.exp,
    });
    e.versions.push(v);
    return v;
  }

  async function issueSelfSigned(e: CertificateState, op: CertificateOperationState) {
    const pkcs8 = unb64(op.pkcs8);
    const privateKey = await importKey(pkcs8, op.key);
    const publicKey = await spkiOf(pkcs8, op.key);
    const x = e.policy.x509_props as Json;
    const now = kit.now();
    const notAfter = new Date(now);
    notAfter.setUTCMonth(notAfter.getUTCMonth() + Number(x.validity_months ?? 12));
    const der = await issueCertificate({
      publicKey,
      signingKey: privateKey,
      subject: String(x.subject ?? "CN=" + e.name),
      notBefore: new Date(now - 300_000),
      notAfter,
      extensions: extensionsOf(e.policy),
    });
    const from: { tags?: Record<string, string>; enabled?: boolean; version?: string } = {
      version: op.version,
    };
    if (op.tags) from.tags = op.tags;
    if (op.enabled !== undefined) from.enabled = op.enabled;
    await addVersion(e, [der], pkcs8, op.key, from);
  }

  /** When the latest version's `AutoRenew` lifetime action is due (Unix seconds), if it has one. */
  function renewalTime(e: CertificateState): number | undefined {
    const v = e.versions.at(-1);
    if (!v || !/^self$/i.test(String((e.policy.issuer as Json | undefined)?.name))) {
      return undefined;
    }
    for (const action of (e.policy.lifetime_actions ?? []) as Json[]) {
      const type = String((action.action as Json | undefined)?.action_type ?? "");
      if (type.toLowerCase() !== "autorenew") continue;
      const t = (action.trigger ?? {}) as Json;
      if (typeof t.days_before_expiry === "number") return v.exp - t.days_before_expiry * 86_400;
      if (typeof t.lifetime_percentage === "number") {
        return v.nbf + ((v.exp - v.nbf) * t.lifetime_percentage) / 100;
      }
    }
    return undefined;
  }

  /**
   * Lifetime actions run by the clock: a self-signed certificate whose `AutoRenew` trigger has
   * passed gets a new version (a new key unless the policy reuses it), as the service renews it.
   */
  async function renewDue(): Promise<void> {
    const now = kit.seconds();
    for (const e of store.values()) {
      if (e.status !== "active" || e.operation?.status === "inProgress") continue;
      const due = renewalTime(e);
      if (due === undefined || now < due) continue;
      const latest = e.versions.at(-1)!;
      const spec = keySpec(e.policy);
      let pkcs8 = unb64(latest.pkcs8);
      if ((e.policy.key_props as Json).reuse_key !== true) {
        const keys = await generateCertificateKeyPair(spec);
        pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
      }
      const op: CertificateOperationState = {
        issuer: "Self",
        csr: "",
        pkcs8: b64(pkcs8),
        key: spec,
        status: "inProgress",
        version: kit.newVersionId(),
        cancellationRequested: false,
        polls: 0,
        requestId: kit.requestId().replace(/-/g, ""),
      };
      if (latest.tags) op.tags = latest.tags;
      await issueSelfSigned(e, op);
      op.status = "completed";
      e.operation = op;
    }
  }

  /** Reading the operation moves it on. */
  async function advance(e: CertificateState): Promise<CertificateOperationState> {
    const op = e.operation;
    if (!op) {
      throw kit.error(
        404,
        "PendingCertificateNotFound",
        `Pending certificate not found: ${e.name}`,
      );
    }
    if (op.status !== "inProgress") return op;
    const failure = failing.get(e.name.toLowerCase());
    if (op.cancellationRequested) {
      op.status = "cancelled";
    } else if (failure) {
      failing.delete(e.name.toLowerCase());
      op.status = "failed";
      op.error = failure;
    } else if (/^self$/i.test(op.issuer)) {
      if (op.polls++ >= pendingPolls) {
        await issueSelfSigned(e, op);
        op.status = "completed";
      }
    } else if (!/^unknown$/i.test(op.issuer)) {
      op.status = "failed";
      op.error = {
        code: "CertificateIssuerError",
        message:
          `The certificate issuer ${op.issuer} could not be reached: the emulator issues only Self and Unknown certificates.`,
      };
    }
    return op;
  }

  // ---- bodies ----------------------------------------------------------------------------

  function attributes(v: CertificateVersionState): Json {
    const a: Json = {
      enabled: v.enabled,
      nbf: v.nbf,
      exp: v.exp,
      created: v.created,
      updated: v.updated,
    };
    if (kit.softDelete) a.recoverableDays = kit.recoverableDays;
    a.recoveryLevel = kit.recoveryLevel;
    return a;
  }
  function deletion(e: CertificateState): Json {
    return e.deletedDate === undefined ? {} : {
      recoveryId: `${kit.vaultUrl}/deletedcertificates/${e.name}`,
      deletedDate: e.deletedDate,
      scheduledPurgeDate: e.scheduledPurgeDate,
    };
  }
  async function bundle(e: CertificateState, v: CertificateVersionState, policy = true) {
    const leaf = unb64(v.chain[0]!);
    const out: Json = {
      ...deletion(e),
      id: `${base}/${e.name}/${v.version}`,
      kid: `${kit.vaultUrl}/keys/${e.name}/${v.version}`,
      sid: `${kit.vaultUrl}/secrets/${e.name}/${v.version}`,
      x5t: await certificateThumbprint(leaf, "SHA-1"),
      cer: v.chain[0],
      attributes: attributes(v),
    };
    if (policy) out.policy = e.policy;
    if (e.operation) out.pending = { id: `${base}/${e.name}/pending` };
    if (v.tags) out.tags = { ...v.tags };
    return out;
  }
  function pendingBundle(e: CertificateState, op: CertificateOperationState): Json {
    const at = (e.policy.attributes ?? {}) as Json;
    const attributes: Json = { enabled: false, created: at.created, updated: at.updated };
    if (kit.softDelete) attributes.recoverableDays = kit.recoverableDays;
    attributes.recoveryLevel = kit.recoveryLevel;
    const out: Json = {
      id: `${base}/${e.name}/${op.version}`,
      kid: `${kit.vaultUrl}/keys/${e.name}/${op.version}`,
      sid: `${kit.vaultUrl}/secrets/${e.name}/${op.version}`,
      attributes,
      policy: e.policy,
      pending: { id: `${base}/${e.name}/pending` },
    };
    if (op.tags) out.tags = { ...op.tags };
    return out;
  }

  async function item(e: CertificateState, v: CertificateVersionState | undefined, id = false) {
    const out: Json = {
      ...deletion(e),
      id: v && id ? `${base}/${e.name}/${v.version}` : `${base}/${e.name}`,
    };
    if (v) out.x5t = await certificateThumbprint(unb64(v.chain[0]!), "SHA-1");
    out.attributes = v ? attributes(v) : e.policy.attributes;
    if (v?.tags) out.tags = { ...v.tags };
    return out;
  }
  function operationBody(e: CertificateState, op: CertificateOperationState): Json {
    const out: Json = {
      id: `${base}/${e.name}/pending`,
      issuer: { name: op.issuer },
      csr: op.csr,
      cancellation_requested: op.cancellationRequested,
      status: op.status,
    };
    if (op.status === "inProgress") out.status_details = IN_PROGRESS;
    if (op.error) out.error = op.error;
    if (op.status === "completed") out.target = `${base}/${e.name}`;
    out.request_id = op.requestId;
    return out;
  }
  function issuerBody(name: string, i: Json): Json {
    const out: Json = { id: `${base}/issuers/${name}`, provider: i.provider };
    if (i.credentials) {
      const { pwd: _, ...credentials } = i.credentials as Json;
      out.credentials = credentials;
    }
    if (i.org_details) out.org_details = i.org_details;
    out.attributes = i.attributes;
    return out;
  }

  // ---- operations ------------------------------------------------------------------------

  async function create(name: string, body: Json): Promise<CertificateState> {
    const existing = store.get(name.toLowerCase());
    if (existing) {
      kit.progress(existing);
      if (existing.status !== "active") throw conflict(existing);
      if (existing.operation?.status === "inProgress") {
        throw kit.error(
          409,
          "Conflict",
          `There is a pending operation for certificate ${name}; it must be completed, cancelled or deleted first.`,
        );
      }
    }
    const given = body.policy as Json | undefined;
    const x509 = (given?.x509_props ?? existing?.policy.x509_props ?? {}) as Json;
    const sans = x509.sans as Json | undefined;
    if (!x509.subject && !(sans && Object.values(sans).some((l) => (l as unknown[])?.length))) {
      throw bad("Subject or SubjectAlternativeNames must be specified.");
    }
    const policy = fullPolicy(name, given, existing?.policy);
    const issuer = String((policy.issuer as Json).name);
    if (!/^(self|unknown)$/i.test(issuer) && !issuers.has(issuer.toLowerCase())) {
      throw bad(`Issuer not found: ${issuer}`);
    }
    const spec = keySpec(policy);
    const keys = await generateCertificateKeyPair(spec);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
    const e: CertificateState = existing ??
      { name, status: "active", versions: [], policy, since: kit.now(), polls: 0 };
    e.policy = policy;
    const attrs = body.attributes as Json | undefined;
    const op: CertificateOperationState = {
      issuer,
      csr: b64(await createCsr(keys, String(x509.subject ?? ""), extensionsOf(policy))),
      pkcs8: b64(pkcs8),
      key: spec,
      status: "inProgress",
      version: kit.newVersionId(),
      cancellationRequested: false,
      polls: 0,
      requestId: kit.requestId().replace(/-/g, ""),
    };
    if (body.tags) op.tags = body.tags as Record<string, string>;
    if (typeof attrs?.enabled === "boolean") op.enabled = attrs.enabled;
    e.operation = op;
    store.set(name.toLowerCase(), e);
    return e;
  }

  async function merge(name: string, body: Json): Promise<CertificateState> {
    const e = live(name);
    const op = e.operation;
    if (!op || op.status !== "inProgress") {
      throw kit.error(404, "PendingCertificateNotFound", `Pending certificate not found: ${name}`);
    }
    const x5c = body.x5c;
    if (!Array.isArray(x5c) || !x5c.length || !x5c.every((c) => typeof c === "string")) {
      throw bad("Property x5c is required and must be a list of certificates.");
    }
    let chain: Uint8Array<ArrayBuffer>[];
    let spki: Uint8Array;
    try {
      chain = x5c.map((c: string) => unb64(c));
      spki = parseCertificate(chain[0]!).spki;
    } catch {
      throw bad("The specified X.509 certificate content can not be read.");
    }
    const pkcs8 = unb64(op.pkcs8);
    const ours = await spkiOf(pkcs8, op.key);
    if (!equal(spki, ours)) {
      throw bad("Public key from x509 certificate and key of this instance doesn't match");
    }
    const attrs = body.attributes as Json | undefined;
    const from: { tags?: Record<string, string>; enabled?: boolean; version?: string } = {
      version: op.version,
    };
    const tags = (body.tags as Record<string, string> | undefined) ?? op.tags;
    if (tags) from.tags = tags;
    const enabled = (attrs?.enabled as boolean | undefined) ?? op.enabled;
    if (enabled !== undefined) from.enabled = enabled;
    await addVersion(e, chain, pkcs8, op.key, from);
    op.status = "completed";
    return e;
  }

  async function importCertificate(name: string, body: Json): Promise<CertificateState> {
    const existing = store.get(name.toLowerCase());
    if (existing) {
      kit.progress(existing);
      if (existing.status !== "active") throw conflict(existing);
    }
    if (typeof body.value !== "string") throw bad("Property value is required.");
    const policyIn = body.policy as Json | undefined;
    const contentType = (policyIn?.secret_props as Json | undefined)?.contentType ??
      (existing?.policy.secret_props as Json | undefined)?.contentType;
    if (contentType !== PEM_TYPE) {
      throw bad(
        "The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.",
      );
    }
    let parsed: ReturnType<typeof parseCertificatePem>;
    try {
      if (!/-----BEGIN PRIVATE KEY-----/.test(body.value)) throw new TypeError("no PKCS#8 key");
      parsed = parseCertificatePem(body.value);
      if (!parsed.certificates.length) throw new TypeError("no certificate");
      parseCertificate(parsed.certificates[0]!);
    } catch {
      throw bad(
        "Private key is not specified in the specified X.509 PEM certificate content. Please specify private key in the X.509 PEM certificate content.",
      );
    }
    const leaf = parseCertificate(parsed.certificates[0]!);
    const spec: X509KeySpec = parsed.key.type === "EC"
      ? { type: "EC", curve: parsed.key.curve ?? "P-256" }
      : { type: "RSA" };
    const imported = await importKey(parsed.key.pkcs8, spec).catch(() => {
      throw bad("The private key of the specified X.509 PEM certificate content can not be read.");
    });
    if (!equal(leaf.spki, await spkiOf(parsed.key.pkcs8, spec))) {
      throw bad("The private key does not match the certificate's public key.");
    }
    const keyProps: Json = spec.type === "EC"
      ? { kty: "EC", crv: spec.curve }
      : { kty: "RSA", key_size: (imported.algorithm as RsaHashedKeyAlgorithm).modulusLength };
    const e: CertificateState = existing ??
      { name, status: "active", versions: [], policy: {}, since: kit.now(), polls: 0 };
    const given: Json = {
      ...policyIn,
      key_props: { ...keyProps, ...(policyIn?.key_props as Json | undefined) },
      x509_props: {
        subject: leaf.subjectText,
        ...(policyIn?.x509_props as Json | undefined),
      },
      issuer: { name: "Unknown", ...(policyIn?.issuer as Json | undefined) },
    };
    e.policy = fullPolicy(name, given, existing?.policy);
    const attrs = body.attributes as Json | undefined;
    const from: { tags?: Record<string, string>; enabled?: boolean } = {};
    if (body.tags) from.tags = body.tags as Record<string, string>;
    if (typeof attrs?.enabled === "boolean") from.enabled = attrs.enabled;
    await addVersion(e, parsed.certificates, parsed.key.pkcs8, spec, from);
    store.set(name.toLowerCase(), e);
    return e;
  }

  function deleteCertificate(name: string): CertificateState {
    const e = withVersions(name);
    if (!kit.softDelete) {
      store.delete(name.toLowerCase());
      return e;
    }
    const now = kit.seconds();
    e.status = "deleting";
    e.since = kit.now();
    e.polls = 0;
    e.deletedDate = now;
    e.scheduledPurgeDate = now + kit.recoverableDays * 86_400;
    kit.progress(e); // a zero delay completes at once
    return e;
  }

  // ---- routing ---------------------------------------------------------------------------

  function route(method: string, s: string[]): CertificateRoute | "miss" | undefined {
    const m = method.toUpperCase();
    const parts = s.at(-1) === "" ? s.slice(0, -1) : s;
    const [collection, a, b, c] = parts;
    const r = (operation: CertificateOperationId, name?: string, version?: string) => {
      const out: CertificateRoute = { operation };
      if (name !== undefined) out.name = name;
      if (version !== undefined) out.version = version;
      return out;
    };
    if (collection === "deletedcertificates") {
      if (parts.length === 1) return m === "GET" ? r("GetDeletedCertificates") : "miss";
      if (parts.length === 2) {
        if (m === "GET") return r("GetDeletedCertificate", a);
        if (m === "DELETE") return r("PurgeDeletedCertificate", a);
        return "miss";
      }
      if (parts.length === 3 && b === "recover" && m === "POST") {
        return r("RecoverDeletedCertificate", a);
      }
      return "miss";
    }
    if (collection !== "certificates") return undefined;
    if (parts.length === 1) return m === "GET" ? r("GetCertificates") : "miss";
    if (a === "contacts" && parts.length === 2) {
      const ops: Record<string, CertificateOperationId> = {
        PUT: "SetCertificateContacts",
        GET: "GetCertificateContacts",
        DELETE: "DeleteCertificateContacts",
      };
      return ops[m] ? r(ops[m]!) : "miss";
    }
    if (a === "issuers") {
      if (parts.length === 2) return m === "GET" ? r("GetCertificateIssuers") : "miss";
      if (parts.length !== 3) return "miss";
      const ops: Record<string, CertificateOperationId> = {
        PUT: "SetCertificateIssuer",
        GET: "GetCertificateIssuer",
        PATCH: "UpdateCertificateIssuer",
        DELETE: "DeleteCertificateIssuer",
      };
      return ops[m] ? r(ops[m]!, b) : "miss";
    }
    if (a === "restore" && parts.length === 2 && m === "POST") return r("RestoreCertificate");
    if (parts.length === 2) {
      if (m === "GET") return r("GetCertificate", a);
      if (m === "DELETE") return r("DeleteCertificate", a);
      if (m === "PATCH") return r("UpdateCertificate", a);
      return "miss";
    }
    if (parts.length === 3) {
      if (b === "create") return m === "POST" ? r("CreateCertificate", a) : "miss";
      if (b === "import") return m === "POST" ? r("ImportCertificate", a) : "miss";
      if (b === "backup") return m === "POST" ? r("BackupCertificate", a) : "miss";
      if (b === "versions") return m === "GET" ? r("GetCertificateVersions", a) : "miss";
      if (b === "policy") {
        if (m === "GET") return r("GetCertificatePolicy", a);
        return m === "PATCH" ? r("UpdateCertificatePolicy", a) : "miss";
      }
      if (b === "pending") {
        const ops: Record<string, CertificateOperationId> = {
          GET: "GetCertificateOperation",
          PATCH: "UpdateCertificateOperation",
          DELETE: "DeleteCertificateOperation",
        };
        return ops[m] ? r(ops[m]!, a) : "miss";
      }
      if (m === "GET") return r("GetCertificate", a, b);
      if (m === "PATCH") return r("UpdateCertificate", a, b);
      return "miss";
    }
    if (parts.length === 4 && b === "pending" && c === "merge") {
      return m === "POST" ? r("MergeCertificate", a) : "miss";
    }
    return "miss";
  }

  async function operate(
    rt: CertificateRoute,
    request: CertificateRequest,
  ): Promise<{ status: number; body: unknown }> {
    const body = json(request.body);
    let name = rt.name ?? "";
    try {
      name = decodeURIComponent(name);
    } catch { /* the check below refuses it */ }
    if (rt.name !== undefined && !/^[0-9a-zA-Z-]{1,127}$/.test(name)) {
      throw bad(`The request URI contains an invalid name: ${name}`);
    }
    const ok = (payload: unknown, status = 200) => ({ status, body: payload });
    const listing = async (kind: string, path: string, entries: CertificateState[]) =>
      request.page(
        kind,
        path,
        await Promise.all(
          entries.map(async (e) => ({
            key: e.name.toLowerCase(),
            json: await item(e, e.versions.at(-1)),
          })),
        ),
      );
    for (const e of store.values()) kit.progress(e);
    await renewDue();
    switch (rt.operation) {
      case "CreateCertificate": {
        const e = await create(name, body);
        // With `certificatePolls: 0` a self-signed certificate is issued at once: the 202's
        // operation is already `completed` (Azure's is always `inProgress` first).
        if (pendingPolls === 0 && /^self$/i.test(e.operation!.issuer)) await advance(e);
        return ok(operationBody(e, e.operation!), 202);
      }
      case "ImportCertificate": {
        const e = await importCertificate(name, body);
        return ok(await bundle(e, e.versions.at(-1)!));
      }
      case "GetCertificate": {
        const e = live(name, true);
        const op = e.operation;
        // A certificate still being made reads as its pending version: no `cer` yet.
        if (
          op && op.status !== "completed" &&
          (rt.version ? rt.version === op.version : !e.versions.length)
        ) return ok(pendingBundle(e, op));
        if (!e.versions.length) throw notFound(name);
        return ok(await bundle(e, versionOf(e, rt.version)));
      }
      case "UpdateCertificate": {
        const e = withVersions(name);
        const v = versionOf(e, rt.version);
        const attrs = body.attributes as Json | undefined;
        if (typeof attrs?.enabled === "boolean") v.enabled = attrs.enabled;
        if (body.tags !== undefined) v.tags = body.tags as Record<string, string>;
        v.updated = kit.seconds();
        return ok(await bundle(e, v));
      }
      case "DeleteCertificate": {
        const e = deleteCertificate(name);
        return ok(await bundle(e, e.versions.at(-1)!));
      }
      case "GetCertificates": {
        const pending = request.query.includePending === "true";
        const all = [...store.values()].filter((e) =>
          e.status === "active" && (e.versions.length > 0 || (pending && e.operation))
        );
        const out = await listing("certificates", "/certificates", all) as Json;
        // The next pages list the pending ones too.
        if (pending && typeof out.nextLink === "string") out.nextLink += "&includePending=true";
        return ok(out);
      }
      case "GetCertificateVersions": {
        const e = withVersions(name);
        const items = await Promise.all(
          e.versions.map(async (v) => ({ key: v.version, json: await item(e, v, true) })),
        );
        return ok(
          request.page(
            `certversions-${e.name.toLowerCase()}`,
            `/certificates/${e.name}/versions`,
            items,
          ),
        );
      }
      case "GetCertificatePolicy":
        return ok(live(name).policy);
      case "UpdateCertificatePolicy": {
        const e = live(name);
        e.policy = fullPolicy(e.name, body, e.policy);
        keySpec(e.policy);
        return ok(e.policy);
      }
      case "GetCertificateOperation":
      case "UpdateCertificateOperation":
      case "DeleteCertificateOperation": {
        const e = live(name);
        const op = await advance(e);
        if (rt.operation === "UpdateCertificateOperation") {
          if (typeof body.cancellation_requested !== "boolean") {
            throw bad("Property cancellation_requested is required.");
          }
          if (body.cancellation_requested && op.status === "inProgress") {
            op.cancellationRequested = true;
          }
        } else if (rt.operation === "DeleteCertificateOperation") {
          delete e.operation;
          if (!e.versions.length) store.delete(name.toLowerCase());
        }
        return ok(operationBody(e, op));
      }
      case "MergeCertificate": {
        const e = await merge(name, body);
        return ok(await bundle(e, e.versions.at(-1)!), 201);
      }
      case "BackupCertificate": {
        const e = withVersions(name);
        const { operation: _, ...saved } = structuredClone(e);
        const blob = new TextEncoder().encode(BACKUP_PREFIX + JSON.stringify(saved));
        return ok({ value: b64(blob).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") });
      }
      case "RestoreCertificate": {
        let saved: CertificateState | undefined;
        try {
          const text = new TextDecoder().decode(unb64(String(body.value)));
          if (text.startsWith(BACKUP_PREFIX)) saved = JSON.parse(text.slice(BACKUP_PREFIX.length));
        } catch { /* below */ }
        if (!saved || typeof saved.name !== "string" || !Array.isArray(saved.versions)) {
          throw bad("Backup blob contains invalid or corrupt version.");
        }
        const existing = store.get(saved.name.toLowerCase());
        if (existing) {
          if (existing.status !== "active") throw conflict(existing);
          throw kit.error(
            409,
            "Conflict",
            `Certificate ${saved.name} already exists. Delete and purge it before restoring a backup of it.`,
          );
        }
        const e: CertificateState = {
          name: saved.name,
          status: "active",
          versions: saved.versions,
          policy: saved.policy,
          since: kit.now(),
          polls: 0,
        };
        for (const v of e.versions) {
          const spec = keySpec(e.policy);
          const pkcs8 = unb64(v.pkcs8);
          const jwk = await crypto.subtle.exportKey("jwk", await importKey(pkcs8, spec));
          const chainPem = v.chain.map((d) => toPem(unb64(d), "CERTIFICATE")).join("");
          await kit.backing(e.name, v.version, {
            jwk,
            kty: spec.type,
            secret: (v.exportable ? toPem(pkcs8, "PRIVATE KEY") : "") + chainPem,
            contentType: v.contentType,
            exp: v.exp,
          });
        }
        store.set(e.name.toLowerCase(), e);
        return ok(await bundle(e, e.versions.at(-1)!));
      }
      case "GetDeletedCertificates": {
        const all = [...store.values()].filter((e) => e.status === "deleted");
        return ok(await listing("deletedcertificates", "/deletedcertificates", all));
      }
      case "GetDeletedCertificate": {
        const e = deleted(name, true);
        return ok(await bundle(e, e.versions.at(-1)!));
      }
      case "RecoverDeletedCertificate": {
        const e = deleted(name);
        e.status = "recovering";
        e.since = kit.now();
        e.polls = 0;
        delete e.deletedDate;
        delete e.scheduledPurgeDate;
        const out = await bundle(e, e.versions.at(-1)!);
        kit.progress(e);
        return ok(out);
      }
      case "PurgeDeletedCertificate": {
        deleted(name);
        const refusal = kit.purgeRefusal();
        if (refusal) throw refusal;
        store.delete(name.toLowerCase());
        return ok(null, 204);
      }
      case "SetCertificateContacts": {
        if (!Array.isArray(body.contacts)) throw bad("Property contacts is required.");
        contacts = body.contacts as Json[];
        return ok({ id: `${base}/contacts`, contacts });
      }
      case "GetCertificateContacts":
      case "DeleteCertificateContacts": {
        if (!contacts) throw kit.error(404, "ContactsNotFound", "Contacts not found");
        const out = { id: `${base}/contacts`, contacts };
        if (rt.operation === "DeleteCertificateContacts") contacts = undefined;
        return ok(out);
      }
      case "GetCertificateIssuers": {
        const items = [...issuers.entries()].map(([key, i]) => ({
          key,
          json: { id: `${base}/issuers/${i.name}`, provider: i.provider },
        }));
        return ok(request.page("issuers", "/certificates/issuers", items));
      }
      case "SetCertificateIssuer": {
        if (typeof body.provider !== "string") throw bad("Property provider is required.");
        const now = kit.seconds();
        const { attributes: a, ...rest } = body;
        issuers.set(name.toLowerCase(), {
          ...rest,
          name,
          attributes: { enabled: true, ...(a as Json | undefined), created: now, updated: now },
        });
        return ok(issuerBody(name, issuers.get(name.toLowerCase())!));
      }
      case "GetCertificateIssuer":
      case "UpdateCertificateIssuer":
      case "DeleteCertificateIssuer": {
        const i = issuers.get(name.toLowerCase());
        if (!i) throw kit.error(404, "CertificateIssuerNotFound", `Issuer not found: ${name}`);
        if (rt.operation === "UpdateCertificateIssuer") {
          for (const [k, v] of Object.entries(body)) {
            if (v === undefined || k === "name") continue;
            i[k] = k === "attributes"
              ? { ...(i.attributes as Json), ...(v as Json), updated: kit.seconds() }
              : v;
          }
        }
        if (rt.operation === "DeleteCertificateIssuer") issuers.delete(name.toLowerCase());
        return ok(issuerBody(String(i.name), i));
      }
    }
  }

  const api: FakeCertificatesControl = {
    get pendingPolls() {
      return pendingPolls;
    },
    set pendingPolls(value: number) {
      pendingPolls = value;
    },
    failOperation(
      name,
      error = { code: "CertificateIssuerError", message: "The issuer refused the request." },
    ) {
      failing.set(name.toLowerCase(), { ...error });
    },
    certificate(name) {
      const e = store.get(name.toLowerCase());
      return e && structuredClone(e);
    },
  };

  /** Purges the deleted certificates whose scheduled purge date the clock has passed. */
  function purgeDue(seconds: number): void {
    for (const [key, e] of store) {
      if (
        e.status === "deleted" && e.scheduledPurgeDate !== undefined &&
        e.scheduledPurgeDate <= seconds
      ) {
        store.delete(key);
      }
    }
  }

  return {
    api,
    route,
    operate,
    purgeDue,
    exportState() {
      const out: CertificatesContents = {
        certificates: [...store.values()].map((e) => structuredClone(e)),
        issuers: Object.fromEntries([...issuers].map(([k, v]) => [k, structuredClone(v)])),
      };
      if (contacts) out.contacts = structuredClone(contacts);
      return out;
    },
    importState(contents) {
      store.clear();
      issuers.clear();
      contacts = contents?.contacts && structuredClone(contents.contacts);
      for (const e of contents?.certificates ?? []) {
        store.set(e.name.toLowerCase(), structuredClone(e));
      }
      for (const [k, v] of Object.entries(contents?.issuers ?? {})) {
        issuers.set(k, structuredClone(v));
      }
    },
  };
}
