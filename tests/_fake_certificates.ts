/**
 * An in-memory fake of the Key Vault certificates data plane, as a web handler, in two parts:
 * the state (`CertificateState`: certificates with real key pairs and real X.509 DER made with
 * Web Crypto, pending operations, contacts, issuers; no HTTP in it) and the HTTP handling
 * (`fakeCertificates().handler`: routes, the Bearer challenge, api-version, Azure's status codes
 * and error bodies). It also answers `GET /secrets/{name}[/{version}]` for the secret behind a
 * certificate (PEM: PKCS#8 key then the chain), and hands every other path to `fallback` (the
 * secrets/keys fake vault's handler) when given, so the two compose behind one challenge.
 *
 * Behaviour, as the real service and the recordings show it: create answers 202 with a pending
 * operation; a `Self` operation stays `inProgress` for `pendingPolls` reads, then completes; an
 * `Unknown` one waits for merge (201) with a CSR of its key; a `cancellation_requested` operation
 * ends `cancelled` on its next read; `failOperation()` makes one end `failed` with an error.
 * Soft delete answers 404 on `GET /deletedcertificates/{name}` `deleteDelayPolls` times, and a
 * recovery 404 on `GET /certificates/{name}/` `recoverDelayPolls` times. 409 for a name in the
 * deleted state, for a create while an operation is pending, and for restoring over a live name.
 *
 * PKCS#12 is not parsed here: a "PFX" for this fake is base64 of
 * `KVFETCH-FAKE-PFX:{"password":…,"pem":…}` (see {@link fakePfx}), enough to test the wire
 * format and the wrong-password answer.
 */
import { parseCertificatePem } from "../lib/auth/_pem.ts";
import { toPem } from "../lib/auth/_pem.ts";
import { certificateSpki, makeCertificate, makeCsr } from "./_certs.ts";

export const CERTS_VAULT_URL = "https://myvault.vault.azure.net";
export const CERTS_TENANT_ID = "6a1d3c8e-4b2f-4e7a-9c5d-0f1e2d3c4b5a";

type Json = Record<string, unknown>;

/** One certificate version in the fake. */
export interface CertVersion {
  version: string;
  /** Leaf first. */
  chain: Uint8Array<ArrayBuffer>[];
  /** PKCS#8 of the key. */
  pkcs8: Uint8Array<ArrayBuffer>;
  contentType: string;
  exportable: boolean;
  enabled: boolean;
  nbf: number;
  exp: number;
  created: number;
  updated: number;
  tags?: Record<string, string> | undefined;
}

/** A pending (or finished) certificate operation. */
export interface PendingOperation {
  issuer: string;
  csr: Uint8Array<ArrayBuffer>;
  keys: CryptoKeyPair;
  status: "inProgress" | "completed" | "failed" | "cancelled";
  cancellationRequested: boolean;
  polls: number;
  error?: { code: string; message: string } | undefined;
  requestId: string;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
}

/** A certificate name's state. */
export interface CertEntry {
  name: string;
  status: "active" | "deleting" | "deleted" | "recovering";
  versions: CertVersion[];
  policy: Json;
  operation?: PendingOperation | undefined;
  deletedDate?: number;
  scheduledPurgeDate?: number;
  polls: number;
}

/** A PFX stand-in the fake accepts (see the module doc). */
export function fakePfx(pem: string, password: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`KVFETCH-FAKE-PFX:${JSON.stringify({ password, pem })}`);
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const b64u = (bytes: Uint8Array) =>
  b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const hex32 = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
const equal = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The state model: plain data and the operations on it, no HTTP. */
export class CertificateState {
  readonly entries = new Map<string, CertEntry>();
  contacts: Json[] | undefined;
  readonly issuers = new Map<string, Json>();
  /** Every (lower-cased) name a pending operation must fail, with its error. */
  readonly failing = new Map<string, { code: string; message: string }>();

  constructor(
    readonly vaultUrl: string,
    readonly seconds: () => number,
    readonly knobs: { pendingPolls: number; deletePolls: number; recoverPolls: number },
  ) {}

  get(name: string): CertEntry | undefined {
    return this.entries.get(name.toLowerCase());
  }

  live(name: string): CertEntry {
    const e = this.get(name);
    if (!e || e.status === "deleted" || e.status === "deleting") {
      throw new HttpError(
        404,
        "CertificateNotFound",
        `A certificate with (name/id) ${name} was not found in this key vault.`,
      );
    }
    if (e.status === "recovering" && e.polls++ < this.knobs.recoverPolls) {
      throw new HttpError(
        404,
        "CertificateNotFound",
        `A certificate with (name/id) ${name} was not found in this key vault.`,
      );
    }
    if (e.status === "recovering") e.status = "active";
    return e;
  }

  withVersions(name: string): CertEntry {
    const e = this.live(name);
    if (!e.versions.length) {
      throw new HttpError(
        404,
        "CertificateNotFound",
        `Pending certificate not yet available: ${name}`,
      );
    }
    return e;
  }

  deleted(name: string): CertEntry {
    const e = this.get(name);
    if (e?.status === "deleting" && e.polls++ >= this.knobs.deletePolls) e.status = "deleted";
    if (!e || e.status !== "deleted") {
      throw new HttpError(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`);
    }
    return e;
  }

  /** Fills the service's defaults into a policy from a request. */
  fullPolicy(name: string, given: Json | undefined, base?: Json): Json {
    const now = this.seconds();
    const p = given ?? {};
    const merged = (key: string, defaults: Json) => ({
      ...defaults,
      ...(base?.[key] as Json | undefined),
      ...(p[key] as Json | undefined),
    });
    return {
      id: `${this.vaultUrl}/certificates/${name}/policy`,
      key_props: merged("key_props", {
        exportable: true,
        kty: "RSA",
        key_size: 2048,
        reuse_key: false,
      }),
      secret_props: merged("secret_props", { contentType: "application/x-pkcs12" }),
      x509_props: merged("x509_props", {
        ekus: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
        key_usage: ["digitalSignature", "keyEncipherment"],
        validity_months: 12,
      }),
      lifetime_actions: p.lifetime_actions ?? base?.lifetime_actions ??
        [{ trigger: { lifetime_percentage: 80 }, action: { action_type: "AutoRenew" } }],
      issuer: merged("issuer", { name: "Self" }),
      attributes: {
        enabled: true,
        ...(base?.attributes as Json | undefined),
        ...(p.attributes as Json | undefined),
        created: (base?.attributes as Json | undefined)?.created ?? now,
        updated: now,
      },
    };
  }

  /** `POST /certificates/{name}/create`. */
  async create(name: string, body: Json): Promise<CertEntry> {
    const existing = this.get(name);
    if (existing && existing.status !== "active") {
      throw new HttpError(
        409,
        "Conflict",
        `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
      );
    }
    if (existing?.operation?.status === "inProgress") {
      throw new HttpError(409, "Conflict", `There is a pending operation for certificate ${name}.`);
    }
    const given = body.policy as Json | undefined;
    const x509 = (given?.x509_props ?? {}) as Json;
    const sans = x509.sans as Json | undefined;
    if (!x509.subject && !(sans && Object.values(sans).some((l) => (l as unknown[])?.length))) {
      throw new HttpError(
        400,
        "BadParameter",
        "Subject or SubjectAlternativeNames must be specified.",
      );
    }
    const policy = this.fullPolicy(name, given, existing?.policy);
    const issuer = String((policy.issuer as Json).name);
    if (!/^(self|unknown)$/i.test(issuer) && !this.issuers.has(issuer.toLowerCase())) {
      throw new HttpError(400, "BadParameter", `Issuer not found: ${issuer}`);
    }
    const keyProps = policy.key_props as Json;
    const ec = String(keyProps.kty).startsWith("EC");
    if (ec && keyProps.crv === "P-256K") {
      throw new HttpError(400, "BadParameter", "The fake has no P-256K keys");
    }
    const keys = await crypto.subtle.generateKey(
      ec ? { name: "ECDSA", namedCurve: String(keyProps.crv ?? "P-256") } : {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: Number(keyProps.key_size ?? 2048),
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const subject = String(x509.subject ?? "kvfetch").replace(/^cn=/i, "");
    const entry: CertEntry = existing ?? { name, status: "active", versions: [], policy, polls: 0 };
    entry.policy = policy;
    const attrs = body.attributes as Json | undefined;
    entry.operation = {
      issuer,
      csr: await makeCsr(keys, subject),
      keys,
      status: "inProgress",
      cancellationRequested: false,
      polls: 0,
      requestId: hex32(),
      tags: body.tags as Record<string, string> | undefined,
      enabled: attrs?.enabled as boolean | undefined,
    };
    this.entries.set(name.toLowerCase(), entry);
    return entry;
  }

  /** Reading the operation moves it on. */
  async advance(entry: CertEntry): Promise<PendingOperation> {
    const op = entry.operation;
    if (!op) {
      throw new HttpError(
        404,
        "PendingCertificateNotFound",
        `Pending certificate not found: ${entry.name}`,
      );
    }
    if (op.status !== "inProgress") return op;
    const failure = this.failing.get(entry.name.toLowerCase());
    if (op.cancellationRequested) {
      op.status = "cancelled";
    } else if (failure) {
      op.status = "failed";
      op.error = failure;
      this.failing.delete(entry.name.toLowerCase());
    } else if (/^self$/i.test(op.issuer) && op.polls++ >= this.knobs.pendingPolls) {
      const subject = String((entry.policy.x509_props as Json).subject ?? "kvfetch")
        .replace(/^cn=/i, "");
      const months = Number((entry.policy.x509_props as Json).validity_months ?? 12);
      const now = this.seconds() * 1000;
      const cert = await makeCertificate({
        keys: op.keys,
        subject,
        notBefore: new Date(now - 600_000),
        notAfter: new Date(now + months * 30 * 86_400_000),
      });
      await this.addVersion(entry, [cert.der], op);
      op.status = "completed";
    }
    return op;
  }

  async addVersion(
    entry: CertEntry,
    chain: Uint8Array<ArrayBuffer>[],
    from: {
      keys?: CryptoKeyPair;
      pkcs8?: Uint8Array<ArrayBuffer>;
      tags?: Record<string, string> | undefined;
      enabled?: boolean | undefined;
    },
  ): Promise<CertVersion> {
    const now = this.seconds();
    const pkcs8 = from.pkcs8 ??
      new Uint8Array(await crypto.subtle.exportKey("pkcs8", from.keys!.privateKey));
    const validity = readValidity(chain[0]!);
    const keyProps = entry.policy.key_props as Json;
    const version: CertVersion = {
      version: hex32(),
      chain,
      pkcs8,
      contentType: String((entry.policy.secret_props as Json).contentType),
      exportable: keyProps.exportable !== false,
      enabled: from.enabled ?? true,
      nbf: validity.nbf,
      exp: validity.exp,
      created: now,
      updated: now,
      tags: from.tags,
    };
    entry.versions.push(version);
    return version;
  }

  /** `POST /certificates/{name}/pending/merge`. */
  async merge(name: string, body: Json): Promise<CertEntry> {
    const entry = this.live(name);
    const op = entry.operation;
    if (!op || op.status !== "inProgress") {
      throw new HttpError(
        404,
        "PendingCertificateNotFound",
        `Pending certificate not found: ${name}`,
      );
    }
    const x5c = body.x5c as string[] | undefined;
    if (!Array.isArray(x5c) || !x5c.length) {
      throw new HttpError(400, "BadParameter", "x5c must be specified.");
    }
    const chain = x5c.map((c) => new Uint8Array(unb64(c)));
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", op.keys.publicKey));
    if (!equal(certificateSpki(chain[0]!), spki)) {
      throw new HttpError(
        400,
        "BadParameter",
        "Public key from x509 certificate and key of this instance doesn't match",
      );
    }
    const attrs = body.attributes as Json | undefined;
    await this.addVersion(entry, chain, {
      keys: op.keys,
      tags: (body.tags as Record<string, string> | undefined) ?? op.tags,
      enabled: (attrs?.enabled as boolean | undefined) ?? op.enabled,
    });
    op.status = "completed";
    return entry;
  }

  /** `POST /certificates/{name}/import`. */
  async import(name: string, body: Json): Promise<CertEntry> {
    const existing = this.get(name);
    if (existing && existing.status !== "active") {
      throw new HttpError(
        409,
        "Conflict",
        `Certificate ${name} is currently in a deleted but recoverable state.`,
      );
    }
    let pem = String(body.value ?? "");
    const policyIn = body.policy as Json | undefined;
    const isPem = (policyIn?.secret_props as Json | undefined)?.contentType ===
      "application/x-pem-file";
    if (!isPem) {
      let text = "";
      try {
        text = new TextDecoder().decode(unb64(pem));
      } catch { /* not base64 */ }
      if (!text.startsWith("KVFETCH-FAKE-PFX:")) {
        throw new HttpError(
          400,
          "BadParameter",
          "The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.",
        );
      }
      const pfx = JSON.parse(text.slice("KVFETCH-FAKE-PFX:".length));
      if (pfx.password !== (body.pwd ?? "")) {
        throw new HttpError(
          400,
          "BadParameter",
          "Private key is not specified in the specified X.509 PEM certificate content or the password is wrong.",
        );
      }
      pem = pfx.pem;
    }
    let parsed;
    try {
      parsed = parseCertificatePem(pem);
    } catch {
      throw new HttpError(
        400,
        "BadParameter",
        "The specified PEM X.509 certificate content can not be read. Please check if certificate is in valid PEM format.",
      );
    }
    const base = existing?.policy;
    const entry: CertEntry = existing ??
      { name, status: "active", versions: [], policy: {}, polls: 0 };
    const subjectPolicy = {
      ...policyIn,
      x509_props: { subject: "CN=imported", ...(policyIn?.x509_props as Json | undefined) },
    };
    entry.policy = this.fullPolicy(name, subjectPolicy, base);
    (entry.policy.issuer as Json).name = "Unknown";
    const attrs = body.attributes as Json | undefined;
    await this.addVersion(entry, parsed.certificates, {
      pkcs8: parsed.key.pkcs8,
      tags: body.tags as Record<string, string> | undefined,
      enabled: attrs?.enabled as boolean | undefined,
    });
    this.entries.set(name.toLowerCase(), entry);
    return entry;
  }

  delete(name: string): CertEntry {
    const entry = this.withVersions(name);
    const now = this.seconds();
    entry.status = "deleting";
    entry.polls = 0;
    entry.deletedDate = now;
    entry.scheduledPurgeDate = now + 90 * 86_400;
    return entry;
  }

  recover(name: string): CertEntry {
    const entry = this.deleted(name);
    entry.status = "recovering";
    entry.polls = 0;
    delete entry.deletedDate;
    delete entry.scheduledPurgeDate;
    return entry;
  }

  purge(name: string): void {
    this.deleted(name);
    this.entries.delete(name.toLowerCase());
  }
}

/** X.509 validity as Unix seconds (UTCTime only, as tests/_certs.ts writes it). */
function readValidity(der: Uint8Array): { nbf: number; exp: number } {
  const text = new TextDecoder("latin1").decode(der);
  // UTCTime items: tag 0x17, length 13, "YYMMDDHHMMSSZ".
  const times = [...text.matchAll(new RegExp(String.fromCharCode(0x17, 0x0d) + "(\\d{12})Z", "g"))]
    .map((m) => {
      const d = m[1]!;
      const year = Number(d.slice(0, 2));
      return Date.UTC(
        year < 50 ? 2000 + year : 1900 + year,
        Number(d.slice(2, 4)) - 1,
        Number(d.slice(4, 6)),
        Number(d.slice(6, 8)),
        Number(d.slice(8, 10)),
        Number(d.slice(10, 12)),
      ) / 1000;
    });
  return { nbf: times[0] ?? 0, exp: times[1] ?? 0 };
}

/** One request, as the fake saw it. */
export interface SeenCertRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  authorization: string | null;
  status: number;
}

/** How the fake is set up. */
export interface FakeCertificatesOptions {
  vaultUrl?: string;
  tenantId?: string;
  now?: () => number;
  /** Reads of a `Self` operation answered `inProgress` before it completes. Default 1. */
  pendingPolls?: number;
  /** 404s of `GET /deletedcertificates/{name}` after a delete. Default 1. */
  deleteDelayPolls?: number;
  /** 404s of `GET /certificates/{name}/` after a recover. Default 1. */
  recoverDelayPolls?: number;
  /** Page size without `maxresults`. Default 25. */
  defaultMaxResults?: number;
  /** Handles every path this fake does not (e.g. the fake vault's handler). */
  fallback?: (request: Request) => Promise<Response>;
}

/** The fake: state, handler and what it saw. */
export interface FakeCertificates {
  handler: (request: Request) => Promise<Response>;
  readonly state: CertificateState;
  readonly requests: SeenCertRequest[];
  /** The next read of `name`'s pending operation ends it `failed` with this error. */
  failOperation(name: string, error?: { code: string; message: string }): void;
}

/** Creates the fake. */
export function fakeCertificates(options: FakeCertificatesOptions = {}): FakeCertificates {
  const vaultUrl = new URL(options.vaultUrl ?? CERTS_VAULT_URL).origin;
  const now = options.now ?? Date.now;
  const seconds = () => Math.floor(now() / 1000);
  const tenantId = options.tenantId ?? CERTS_TENANT_ID;
  const defaultMax = options.defaultMaxResults ?? 25;
  const state = new CertificateState(vaultUrl, seconds, {
    pendingPolls: options.pendingPolls ?? 1,
    deletePolls: options.deleteDelayPolls ?? 1,
    recoverPolls: options.recoverDelayPolls ?? 1,
  });
  const requests: SeenCertRequest[] = [];
  const base = `${vaultUrl}/certificates`;

  // ---- bodies --------------------------------------------------------------------------

  const attributes = (v: CertVersion) => ({
    enabled: v.enabled,
    nbf: v.nbf,
    exp: v.exp,
    created: v.created,
    updated: v.updated,
    recoverableDays: 90,
    recoveryLevel: "Recoverable+Purgeable",
  });

  async function bundle(e: CertEntry, v: CertVersion, withPolicy = true): Promise<Json> {
    const x5t = b64u(new Uint8Array(await crypto.subtle.digest("SHA-1", v.chain[0]!)));
    return {
      id: `${base}/${e.name}/${v.version}`,
      kid: `${vaultUrl}/keys/${e.name}/${v.version}`,
      sid: `${vaultUrl}/secrets/${e.name}/${v.version}`,
      x5t,
      cer: b64(v.chain[0]!),
      attributes: attributes(v),
      tags: v.tags,
      policy: withPolicy ? e.policy : undefined,
      ...deletion(e),
    };
  }

  function deletion(e: CertEntry): Json {
    return e.deletedDate === undefined ? {} : {
      recoveryId: `${vaultUrl}/deletedcertificates/${e.name}`,
      deletedDate: e.deletedDate,
      scheduledPurgeDate: e.scheduledPurgeDate,
    };
  }

  async function item(e: CertEntry, v: CertVersion | undefined): Promise<Json> {
    const x5t = v && b64u(new Uint8Array(await crypto.subtle.digest("SHA-1", v.chain[0]!)));
    return {
      id: v ? `${base}/${e.name}/${v.version}` : `${base}/${e.name}`,
      x5t,
      attributes: v ? attributes(v) : e.policy.attributes,
      tags: v?.tags,
      ...deletion(e),
    };
  }

  function operation(e: CertEntry, op: PendingOperation): Json {
    return {
      id: `${base}/${e.name}/pending`,
      issuer: { name: op.issuer },
      csr: b64(op.csr),
      cancellation_requested: op.cancellationRequested,
      status: op.status,
      status_details: op.status === "inProgress"
        ? "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later."
        : undefined,
      error: op.error,
      target: op.status === "completed" ? `${base}/${e.name}` : undefined,
      request_id: op.requestId,
    };
  }

  function issuerBody(name: string, i: Json): Json {
    const { pwd: _, ...credentials } = (i.credentials ?? {}) as Json;
    return {
      id: `${base}/issuers/${name}`,
      provider: i.provider,
      credentials: i.credentials ? credentials : undefined,
      org_details: i.org_details,
      attributes: i.attributes,
    };
  }

  function page(all: Json[], url: URL): Json {
    const max = Number(url.searchParams.get("maxresults") ?? defaultMax);
    if (!(max >= 1 && max <= 25)) {
      throw new HttpError(400, "BadParameter", "invalid maxresults");
    }
    const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
    const slice = all.slice(skip, skip + max);
    let nextLink: string | null = null;
    if (skip + max < all.length) {
      const next = new URL(`${vaultUrl}:443${url.pathname}`);
      next.searchParams.set("api-version", url.searchParams.get("api-version")!);
      next.searchParams.set("$skiptoken", String(skip + max));
      next.searchParams.set("maxresults", String(max));
      if (url.searchParams.has("includePending")) {
        next.searchParams.set("includePending", url.searchParams.get("includePending")!);
      }
      nextLink = next.href.replace(`${new URL(vaultUrl).host}/`, `${new URL(vaultUrl).host}:443/`);
    }
    return { value: slice, nextLink };
  }

  const sorted = () => [...state.entries.values()].sort((a, b) => a.name.localeCompare(b.name));

  // ---- routes --------------------------------------------------------------------------

  async function route(method: string, url: URL, body: Json): Promise<[number, unknown]> {
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [collection, a, b, c] = parts;
    if (collection === "secrets" && a && parts.length <= 3 && method === "GET") {
      const e = state.withVersions(a);
      const v = b ? e.versions.find((x) => x.version === b) : e.versions.at(-1);
      if (!v) {
        throw new HttpError(
          404,
          "SecretNotFound",
          `A secret with (name/id) ${a}/${b} was not found in this key vault.`,
        );
      }
      const pem = v.contentType === "application/x-pem-file";
      const chainPem = v.chain.map((d) => toPem(d, "CERTIFICATE")).join("");
      const value = pem
        ? (v.exportable ? toPem(v.pkcs8, "PRIVATE KEY") : "") + chainPem
        : b64(fakePfx((v.exportable ? toPem(v.pkcs8, "PRIVATE KEY") : "") + chainPem, ""));
      return [200, {
        value,
        contentType: v.contentType,
        id: `${vaultUrl}/secrets/${e.name}/${v.version}`,
        managed: true,
        attributes: attributes(v),
        kid: `${vaultUrl}/keys/${e.name}/${v.version}`,
      }];
    }
    if (collection === "deletedcertificates") {
      if (!a && method === "GET") {
        const all = sorted().filter((e) => e.status === "deleted");
        return [200, page(await Promise.all(all.map((e) => item(e, e.versions.at(-1)))), url)];
      }
      if (a && !b && method === "GET") {
        const e = state.deleted(a);
        return [200, await bundle(e, e.versions.at(-1)!)];
      }
      if (a && !b && method === "DELETE") return (state.purge(a), [204, null]);
      if (a && b === "recover" && method === "POST") {
        const e = state.recover(a);
        return [200, await bundle(e, e.versions.at(-1)!)];
      }
      throw new HttpError(405, "MethodNotAllowed", "no such operation");
    }
    if (collection !== "certificates") throw new HttpError(404, "NotFound", "no such path");
    if (!a) {
      if (method !== "GET") throw new HttpError(405, "MethodNotAllowed", "no such operation");
      const pending = url.searchParams.get("includePending") === "true";
      const all = sorted().filter((e) => e.status === "active" || e.status === "recovering").filter(
        (e) => e.versions.length || pending,
      );
      return [200, page(await Promise.all(all.map((e) => item(e, e.versions.at(-1)))), url)];
    }
    if (a === "contacts" && !b) {
      if (method === "PUT") {
        state.contacts = body.contacts as Json[];
      } else if (!state.contacts) {
        throw new HttpError(404, "ContactsNotFound", "Contacts not found");
      }
      const answer = { id: `${base}/contacts`, contacts: state.contacts };
      if (method === "DELETE") state.contacts = undefined;
      return [200, answer];
    }
    if (a === "issuers") {
      if (!b) {
        const all = [...state.issuers.entries()].map(([n, i]) => ({
          id: `${base}/issuers/${n}`,
          provider: i.provider,
        }));
        return [200, page(all, url)];
      }
      const key = b.toLowerCase();
      const now = seconds();
      if (method === "PUT") {
        if (!body.provider) throw new HttpError(400, "BadParameter", "provider is required");
        state.issuers.set(key, {
          ...body,
          attributes: { enabled: true, ...(body.attributes as Json), created: now, updated: now },
        });
      }
      const issuer = state.issuers.get(key);
      if (!issuer) throw new HttpError(404, "CertificateIssuerNotFound", `Issuer not found: ${b}`);
      if (method === "PATCH") {
        for (const [k, v] of Object.entries(body)) {
          if (v !== undefined) {
            issuer[k] = k === "attributes"
              ? { ...(issuer.attributes as Json), ...(v as Json), updated: now }
              : v;
          }
        }
      }
      if (method === "DELETE") state.issuers.delete(key);
      return [200, issuerBody(b, issuer)];
    }
    if (a === "restore" && method === "POST") {
      const text = new TextDecoder().decode(unb64(String(body.value)));
      if (!text.startsWith("KVFETCH-FAKE-CERT-BACKUP:")) {
        throw new HttpError(
          400,
          "BadParameter",
          "Backup blob contains invalid or corrupt version.",
        );
      }
      const name = text.slice("KVFETCH-FAKE-CERT-BACKUP:".length);
      const saved = backups.get(name.toLowerCase());
      if (!saved) throw new HttpError(400, "BadParameter", "Backup blob is unknown.");
      if (state.get(name)) {
        throw new HttpError(409, "Conflict", `Certificate ${name} already exists.`);
      }
      const copy: CertEntry = {
        ...saved,
        status: "active",
        versions: [...saved.versions],
        polls: 0,
      };
      state.entries.set(name.toLowerCase(), copy);
      return [200, await bundle(copy, copy.versions.at(-1)!)];
    }
    // /certificates/{name}/...
    if (!b && method === "DELETE") {
      const e = state.delete(a);
      return [200, await bundle(e, e.versions.at(-1)!)];
    }
    if (b === "create" && method === "POST") {
      const e = await state.create(a, body);
      return [202, operation(e, e.operation!)];
    }
    if (b === "import" && method === "POST") {
      const e = await state.import(a, body);
      return [200, await bundle(e, e.versions.at(-1)!)];
    }
    if (b === "pending" && c === "merge" && method === "POST") {
      const e = await state.merge(a, body);
      return [201, await bundle(e, e.versions.at(-1)!)];
    }
    if (b === "pending" && !c) {
      const e = state.live(a);
      const op = await state.advance(e);
      if (method === "PATCH") {
        if (body.cancellation_requested === true && op.status === "inProgress") {
          op.cancellationRequested = true;
        }
      } else if (method === "DELETE") {
        e.operation = undefined;
        if (!e.versions.length) state.entries.delete(a.toLowerCase());
      }
      return [200, operation(e, op)];
    }
    if (b === "policy" && !c) {
      const e = state.live(a);
      if (method === "PATCH") e.policy = state.fullPolicy(e.name, body, e.policy);
      return [200, e.policy];
    }
    if (b === "versions" && !c && method === "GET") {
      const e = state.withVersions(a);
      return [200, page(await Promise.all(e.versions.map((v) => item(e, v))), url)];
    }
    if (b === "backup" && !c && method === "POST") {
      const e = state.withVersions(a);
      backups.set(e.name.toLowerCase(), structuredClone({ ...e, operation: undefined }));
      const blob = new TextEncoder().encode(`KVFETCH-FAKE-CERT-BACKUP:${e.name}`);
      return [200, { value: b64u(blob) }];
    }
    if (!c && (method === "GET" || method === "PATCH")) {
      const e = state.withVersions(a);
      const v = b ? e.versions.find((x) => x.version === b) : e.versions.at(-1);
      if (!v) {
        throw new HttpError(
          404,
          "CertificateNotFound",
          `A certificate with (name/id) ${a}/${b} was not found in this key vault.`,
        );
      }
      if (method === "PATCH") {
        const attrs = body.attributes as Json | undefined;
        if (attrs?.enabled !== undefined) v.enabled = attrs.enabled as boolean;
        if (body.tags !== undefined) v.tags = body.tags as Record<string, string>;
        v.updated = seconds();
      }
      return [200, await bundle(e, v)];
    }
    throw new HttpError(405, "MethodNotAllowed", "no such operation");
  }

  const backups = new Map<string, CertEntry>();

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const ours = /^\/(certificates|deletedcertificates)(\/|$)/.test(url.pathname) ||
      (/^\/secrets\/[^/]+(\/[^/]*)?$/.test(url.pathname) &&
        state.get(decodeURIComponent(url.pathname.split("/")[2]!))?.versions.length);
    if (!ours && options.fallback) return await options.fallback(request);
    const text = await request.text();
    const seen: SeenCertRequest = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: text,
      authorization: request.headers.get("authorization"),
      status: 0,
    };
    requests.push(seen);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      seen.status = status;
      return new Response(body === null ? null : JSON.stringify(body), {
        status,
        headers: {
          ...(body === null ? {} : { "content-type": "application/json; charset=utf-8" }),
          "x-ms-request-id": crypto.randomUUID(),
          ...headers,
        },
      });
    };
    if (!url.searchParams.get("api-version")) {
      return answer(400, { error: { code: "BadParameter", message: "api-version is required" } });
    }
    if (!/^Bearer \S+$/.test(seen.authorization ?? "")) {
      return answer(
        401,
        {
          error: {
            code: "Unauthorized",
            message: "AKV10000: Request is missing a Bearer or PoP token.",
          },
        },
        {
          "www-authenticate":
            `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
        },
      );
    }
    let body: Json = {};
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return answer(400, { error: { code: "BadParameter", message: "invalid JSON" } });
      }
    }
    try {
      const [status, out] = await route(request.method, url, body);
      return answer(status, out);
    } catch (error) {
      if (error instanceof HttpError) {
        return answer(error.status, { error: { code: error.code, message: error.message } });
      }
      throw error;
    }
  }

  return {
    handler,
    state,
    requests,
    failOperation(
      name,
      error = { code: "CertificateIssuerError", message: "The issuer refused the request." },
    ) {
      state.failing.set(name.toLowerCase(), error);
    },
  };
}
