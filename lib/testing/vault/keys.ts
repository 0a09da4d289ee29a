/**
 * The keys half of the emulator's vault: every keys operation of PROTOCOL.md §1.3 with REAL
 * cryptography, so that what kvfetch does locally can be checked against what "the vault" does.
 * RSA and P-256/P-384/P-521 keys are Web Crypto key pairs; the operations Web Crypto cannot do
 * (signing or verifying a precomputed digest, RSA1_5, AES-CBC without padding) are done here with
 * BigInt arithmetic and `@noble/curves` (`kvfetch/testing`'s one dependency, also for P-256K).
 * Nothing here uses kvfetch's clients: it is an independent implementation.
 */
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { generateCertificateKeyPair, issueCertificate } from "../_x509.ts";
import type { Pending, VaultKit } from "./_kit.ts";
import { encodeBase64 } from "../../http/_base64.ts";

/** Operation ids of keys.json. */
export type KeyOperationId =
  | "CreateKey"
  | "ImportKey"
  | "GetKey"
  | "UpdateKey"
  | "DeleteKey"
  | "GetKeys"
  | "GetKeyVersions"
  | "GetDeletedKeys"
  | "GetDeletedKey"
  | "RecoverDeletedKey"
  | "PurgeDeletedKey"
  | "BackupKey"
  | "RestoreKey"
  | "RotateKey"
  | "GetKeyRotationPolicy"
  | "UpdateKeyRotationPolicy"
  | "GetRandomBytes"
  | "encrypt"
  | "decrypt"
  | "wrapKey"
  | "unwrapKey"
  | "sign"
  | "verify"
  | "release"
  | "GetKeyAttestation";

/** One route of the keys data plane. */
export interface KeyRoute {
  operation: KeyOperationId;
  name?: string;
  version?: string;
}

/** What the fake vault lends the keys half (its closure's helpers). */
export interface KeysKit extends VaultKit {
  managedHsm: boolean;
  reply: (status: number, body: unknown) => KeyReply;
}

/** An answer of the keys half: the fake vault adds the service's headers. */
export interface KeyReply {
  status: number;
  body: unknown;
}

/** What one request lends the keys half. */
export interface KeyRequest {
  body: string;
  /** One page of a listing, as the fake vault pages (maxresults, skip tokens, nextLink). */
  page: (kind: string, path: string, items: { key: string; json: unknown }[]) => unknown;
}

/** One key version inside the fake. */
export interface KeyVersionState {
  version: string;
  kty: string;
  keyOps: string[];
  /** Public members: n, e or crv, x, y. */
  public: Record<string, string>;
  /** The private key: a JWK with `d` (RSA, EC) or `k` (oct). */
  private: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  exportable?: boolean;
  releasePolicy?: { contentType?: string; immutable?: boolean; data?: string };
  tags?: Record<string, string>;
}

/** A key name's state. */
export interface KeyState extends Pending {
  name: string;
  versions: KeyVersionState[];
  deletedDate?: number;
  scheduledPurgeDate?: number;
  rotationPolicy?: Record<string, unknown>;
}

/** What tests can do with the keys directly. */
export interface FakeKeys {
  /** A copy of a key's state, or `undefined`. */
  key(name: string): KeyState | undefined;
  /** Adds a key version directly (real key material), returns it. */
  seedKey(name: string, kty: string, options?: SeedKeyOptions): Promise<KeyVersionState>;
  /** Every key (any status), as plain JSON. */
  exportState(): KeyState[];
  /** Replaces every key with `keys` (from {@link FakeKeys.exportState}). */
  importState(keys: KeyState[]): void;
}

/** Options of {@link FakeKeys.seedKey}. */
export interface SeedKeyOptions {
  keySize?: number;
  curve?: string;
  keyOps?: string[];
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  /** Import this key instead of generating one (a JWK with private members). */
  jwk?: Record<string, string>;
  /** The version id (a certificate's backing key has the certificate's). Default a new one. */
  version?: string;
}

const OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"];
const CURVES: Record<string, { bytes: number; web?: string }> = {
  "P-256": { bytes: 32, web: "P-256" },
  "P-384": { bytes: 48, web: "P-384" },
  "P-521": { bytes: 66, web: "P-521" },
  "P-256K": { bytes: 32 },
};
const NOBLE = { "P-256": p256, "P-384": p384, "P-521": p521, "P-256K": secp256k1 } as const;
const BACKUP_PREFIX = "KvfetchFakeVaultKeyBackupV1.";

// ---- durations -----------------------------------------------------------------------------

/**
 * Unix seconds `at` plus (`sign` -1: minus) an ISO 8601 duration of years, months, weeks and
 * days (`P1Y`, `P18M`, `P30D`, `P2W`, and a time part `PT…H…M…S`), calendar-wise in UTC; or
 * `undefined` when `duration` is not one.
 */
export function afterDuration(at: number, duration: string, sign: 1 | -1 = 1): number | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/
    .exec(duration);
  if (!m || duration === "P" || duration.endsWith("T")) return undefined;
  const [, y, mo, w, d, h, mi, se] = m.map((x) => Number(x ?? 0));
  const date = new Date(at * 1000);
  date.setUTCFullYear(date.getUTCFullYear() + sign * y!, date.getUTCMonth() + sign * mo!);
  date.setUTCDate(date.getUTCDate() + sign * (w! * 7 + d!));
  return Math.floor(date.getTime() / 1000) + sign * (h! * 3600 + mi! * 60 + se!);
}

// ---- bytes -----------------------------------------------------------------------------------

export function b64u(bytes: Uint8Array): string {
  return encodeBase64(bytes, true);
}

export function unb64u(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(
    atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)),
    (c) => c.charCodeAt(0),
  );
}

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const big = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
const bytesOf = (n: bigint, len: number) => {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 255n);
  return out;
};
function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const sha = async (bits: number, data: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await crypto.subtle.digest(`SHA-${bits}`, data));

// ---- RSA (RFC 8017) ----------------------------------------------------------------------------

const DIGEST_INFO: Record<number, string> = {
  32: "3031300d060960864801650304020105000420",
  48: "3041300d060960864801650304020205000430",
  64: "3051300d060960864801650304020305000440",
};
const hexBytes = (h: string) => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));

function rsaParts(v: KeyVersionState) {
  const nb = unb64u(v.public.n!);
  const n = big(nb);
  const k = nb[0] === 0 ? nb.length - 1 : nb.length;
  const modBits = n.toString(2).length;
  return {
    n,
    k,
    modBits,
    e: big(unb64u(v.public.e!)),
    d: v.private.d ? big(unb64u(v.private.d)) : 0n,
  };
}

async function mgf(seed: Uint8Array, len: number, bits: number) {
  let out = new Uint8Array();
  for (let c = 0; out.length < len; c++) {
    out = cat(
      out,
      await sha(
        bits,
        cat(seed, new Uint8Array([c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255])),
      ),
    );
  }
  return out.subarray(0, len);
}

async function pssEncode(digest: Uint8Array, emBits: number): Promise<Uint8Array> {
  const hLen = digest.length;
  const emLen = Math.ceil(emBits / 8);
  const salt = crypto.getRandomValues(new Uint8Array(hLen));
  const h = await sha(hLen * 8, cat(new Uint8Array(8), digest, salt));
  const db = cat(new Uint8Array(emLen - 2 * hLen - 2), new Uint8Array([1]), salt);
  const mask = await mgf(h, db.length, hLen * 8);
  const masked = db.map((b, i) => b ^ mask[i]!);
  masked[0]! &= 0xff >> (8 * emLen - emBits);
  return cat(masked, h, new Uint8Array([0xbc]));
}

async function pssVerify(digest: Uint8Array, em: Uint8Array, emBits: number): Promise<boolean> {
  const hLen = digest.length;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || em[emLen - 1] !== 0xbc) return false;
  const masked = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const mask = await mgf(h, masked.length, hLen * 8);
  const db = masked.map((b, i) => b ^ mask[i]!);
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const ps = emLen - 2 * hLen - 2;
  if (db.subarray(0, ps).some((b) => b !== 0) || db[ps] !== 1) return false;
  return same(
    h,
    await sha(hLen * 8, cat(new Uint8Array(8), digest, db.subarray(db.length - hLen))),
  );
}

async function rsaSign(v: KeyVersionState, alg: string, digest: Uint8Array): Promise<Uint8Array> {
  const { n, k, modBits, d } = rsaParts(v);
  let em: Uint8Array;
  if (alg.startsWith("RS")) {
    const t = cat(hexBytes(DIGEST_INFO[digest.length]!), digest);
    em = cat(
      new Uint8Array([0, 1]),
      new Uint8Array(k - t.length - 3).fill(255),
      new Uint8Array([0]),
      t,
    );
  } else {
    em = await pssEncode(digest, modBits - 1);
  }
  return bytesOf(powMod(big(em), d, n), k);
}

async function rsaVerify(v: KeyVersionState, alg: string, digest: Uint8Array, sig: Uint8Array) {
  const { n, k, modBits, e } = rsaParts(v);
  if (sig.length !== k || big(sig) >= n) return false;
  const m = powMod(big(sig), e, n);
  if (alg.startsWith("RS")) {
    const t = cat(hexBytes(DIGEST_INFO[digest.length]!), digest);
    const em = cat(
      new Uint8Array([0, 1]),
      new Uint8Array(k - t.length - 3).fill(255),
      new Uint8Array([0]),
      t,
    );
    return same(bytesOf(m, k), em);
  }
  const emLen = Math.ceil((modBits - 1) / 8);
  return await pssVerify(digest, bytesOf(m, emLen), modBits - 1);
}

function pkcs1Encrypt(v: KeyVersionState, data: Uint8Array): Uint8Array {
  const { n, k, e } = rsaParts(v);
  if (data.length > k - 11) throw new RangeError("too long");
  const ps = new Uint8Array(k - data.length - 3);
  for (let i = 0; i < ps.length; i++) {
    let b = 0;
    while (b === 0) b = crypto.getRandomValues(new Uint8Array(1))[0]!;
    ps[i] = b;
  }
  return bytesOf(powMod(big(cat(new Uint8Array([0, 2]), ps, new Uint8Array([0]), data)), e, n), k);
}

function pkcs1Decrypt(v: KeyVersionState, data: Uint8Array): Uint8Array {
  const { n, k, d } = rsaParts(v);
  if (data.length !== k) throw new RangeError("bad length");
  const em = bytesOf(powMod(big(data), d, n), k);
  const sep = em.indexOf(0, 2);
  if (em[0] !== 0 || em[1] !== 2 || sep < 10) throw new RangeError("bad padding");
  return em.subarray(sep + 1);
}

async function oaep(
  v: KeyVersionState,
  alg: string,
  data: Uint8Array<ArrayBuffer>,
  encrypt: boolean,
) {
  const hash = alg === "RSA-OAEP" ? "SHA-1" : "SHA-256";
  const jwk = encrypt ? { kty: "RSA", ...v.public } : { ...v.private };
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "RSA-OAEP", hash }, false, [
    encrypt ? "encrypt" : "decrypt",
  ]);
  return new Uint8Array(
    await (encrypt ? crypto.subtle.encrypt : crypto.subtle.decrypt).call(
      crypto.subtle,
      { name: "RSA-OAEP" },
      key,
      data,
    ),
  );
}

// ---- AES -----------------------------------------------------------------------------------------

async function aesKey(v: KeyVersionState, name: string, usages: KeyUsage[]) {
  return await crypto.subtle.importKey("raw", unb64u(v.private.k!), name, false, usages);
}

/** AES-CBC without padding, from Web Crypto's padded AES-CBC. */
async function cbcRaw(
  v: KeyVersionState,
  iv: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
  encrypt: boolean,
) {
  if (data.length % 16) throw new RangeError("CBC needs whole blocks");
  const key = await aesKey(v, "AES-CBC", ["encrypt", "decrypt"]);
  if (encrypt) {
    const out = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, data));
    return out.subarray(0, data.length); // drop the padding block
  }
  // Append the encryption of a full padding block chained on the last ciphertext block.
  const last = data.subarray(data.length - 16);
  const pad = new Uint8Array(16).fill(16).map((b, i) => b ^ last[i]!);
  const block = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, key, pad),
  ).subarray(0, 16);
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, cat(data, block)),
  );
}

// ---- the store ------------------------------------------------------------------------------------

/** Creates the keys half of a fake vault. */
export function fakeKeys(kit: KitWithRecord): {
  route(method: string, s: string[]): KeyRoute | "miss" | undefined;
  operate(route: KeyRoute, request: KeyRequest): Promise<KeyReply>;
  /** Purges the deleted keys whose scheduled purge date is at or before `seconds`. */
  purgeDue(seconds: number): void;
  /** Runs the rotation policies' `Rotate` actions that are due at `seconds`. */
  rotateDue(seconds: number): Promise<void>;
  api: FakeKeys;
} {
  /** The key that signs release answers, made on the first release. */
  let releaseSigning: Promise<{ key: CryptoKey; x5c: string }> | undefined;
  function releaseSigner(): Promise<{ key: CryptoKey; x5c: string }> {
    releaseSigning ??= (async () => {
      const keys = await generateCertificateKeyPair({ type: "RSA" });
      const now = kit.now();
      const der = await issueCertificate({
        publicKey: keys.publicKey,
        signingKey: keys.privateKey,
        subject: `CN=${new URL(kit.vaultUrl).hostname} key release`,
        notBefore: new Date(now - 86_400_000),
        notAfter: new Date(now + 365 * 86_400_000),
        extensions: { keyUsage: ["digitalSignature"] },
      });
      return { key: keys.privateKey, x5c: encodeBase64(der) };
    })();
    return releaseSigning;
  }

  const store = new Map<string, KeyState>();

  const bad = (message: string) => kit.error(400, "BadParameter", message);
  const notFound = (name: string) =>
    kit.error(
      404,
      "KeyNotFound",
      `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  const forbidden = (message: string) =>
    kit.error(403, "Forbidden", message, "KeyOperationForbidden");
  const conflict = (e: KeyState) =>
    e.status === "recovering"
      ? kit.error(
        409,
        "Conflict",
        `Key ${e.name} is currently being recovered.  Wait for recovery to complete before performing any other operation.`,
        "ObjectIsBeingRecovered",
      )
      : e.status === "deleting"
      ? kit.error(
        409,
        "Conflict",
        `Key ${e.name} is currently being deleted.`,
        "ObjectIsBeingDeleted",
      )
      : kit.error(
        409,
        "Conflict",
        `Key ${e.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
        "ObjectIsDeletedButRecoverable",
      );

  const latest = (e: KeyState) => e.versions[e.versions.length - 1]!;
  const kid = (e: KeyState, v: KeyVersionState) => `${kit.vaultUrl}/keys/${e.name}/${v.version}`;

  function jwkOf(e: KeyState, v: KeyVersionState) {
    return { kid: kid(e, v), kty: v.kty, key_ops: [...v.keyOps], ...v.public };
  }
  function attributes(v: KeyVersionState) {
    const a: Record<string, unknown> = { enabled: v.enabled };
    if (v.nbf !== undefined) a.nbf = v.nbf;
    if (v.exp !== undefined) a.exp = v.exp;
    a.created = v.created;
    a.updated = v.updated;
    a.recoveryLevel = kit.recoveryLevel;
    if (kit.softDelete) a.recoverableDays = kit.recoverableDays;
    if (v.exportable !== undefined) a.exportable = v.exportable;
    return a;
  }
  function bundle(e: KeyState, v: KeyVersionState) {
    const out: Record<string, unknown> = { key: jwkOf(e, v), attributes: attributes(v) };
    if (v.tags) out.tags = { ...v.tags };
    if (v.releasePolicy) {
      out.release_policy = {
        contentType: "application/json; charset=utf-8",
        immutable: false,
        ...v.releasePolicy,
      };
    }
    return out;
  }
  function item(e: KeyState, v: KeyVersionState, versioned: boolean) {
    const out: Record<string, unknown> = {
      kid: versioned ? kid(e, v) : `${kit.vaultUrl}/keys/${e.name}`,
      attributes: attributes(v),
    };
    if (v.tags) out.tags = { ...v.tags };
    return out;
  }
  function deleted(e: KeyState, asItem: boolean) {
    const rest = asItem ? item(e, latest(e), false) : bundle(e, latest(e));
    if (!kit.softDelete) return rest;
    return {
      recoveryId: `${kit.vaultUrl}/deletedkeys/${e.name}`,
      deletedDate: e.deletedDate,
      scheduledPurgeDate: e.scheduledPurgeDate,
      ...rest,
    };
  }

  function live(name: string, poll = false): KeyState {
    const e = store.get(name.toLowerCase());
    if (!e) throw notFound(name);
    kit.progress(e, poll ? "recovering" : undefined);
    if (e.status !== "active") throw notFound(name);
    return e;
  }
  function versionOf(e: KeyState, version: string | undefined): KeyVersionState {
    if (!version) return latest(e);
    const v = e.versions.find((x) => x.version === version.toLowerCase());
    if (!v) throw notFound(`${e.name}/${version}`);
    return v;
  }

  function json(text: string): Record<string, unknown> {
    try {
      const j = JSON.parse(text);
      if (j && typeof j == "object" && !Array.isArray(j)) return j;
    } catch {
      // below
    }
    throw bad("The request body must be a JSON object.");
  }
  function bytesField(
    j: Record<string, unknown>,
    field: string,
    required = true,
  ): Uint8Array<ArrayBuffer> | undefined {
    const value = j[field];
    if (value === undefined || value === null) {
      if (required) throw bad(`Property ${field} is required.`);
      return undefined;
    }
    if (typeof value !== "string") throw bad(`Property ${field} must be a base64url string.`);
    try {
      return unb64u(value);
    } catch {
      throw bad(`Property ${field} is not valid base64url.`);
    }
  }

  function readAttributes(j: Record<string, unknown>, v: Partial<KeyVersionState>) {
    const a = j.attributes as Record<string, unknown> | undefined;
    if (a !== undefined && a !== null) {
      if (typeof a !== "object") throw bad("Property attributes must be an object.");
      if (a.enabled !== undefined) v.enabled = a.enabled as boolean;
      for (const t of ["nbf", "exp"] as const) {
        if (a[t] === null) delete v[t];
        else if (a[t] !== undefined) {
          if (!Number.isInteger(a[t])) throw bad(`Attribute ${t} must be an integer.`);
          v[t] = a[t] as number;
        }
      }
      if (a.exportable !== undefined) v.exportable = a.exportable as boolean;
    }
    if (j.tags !== undefined && j.tags !== null) {
      const entries = Object.entries(j.tags as Record<string, unknown>);
      if (entries.length > 15 || entries.some(([, x]) => typeof x !== "string")) {
        throw bad("Invalid tags.");
      }
      v.tags = Object.fromEntries(entries) as Record<string, string>;
    }
    if (j.release_policy) v.releasePolicy = j.release_policy as KeyVersionState["releasePolicy"];
    if (j.key_ops !== undefined) {
      const ops = j.key_ops;
      if (!Array.isArray(ops) || ops.some((op) => !OPS.includes(op))) throw bad("Invalid key_ops.");
      v.keyOps = [...ops];
    }
  }

  async function generate(
    kty: string,
    size: number | undefined,
    curve: string | undefined,
    exponent?: number,
  ): Promise<{ public: Record<string, string>; private: Record<string, string> }> {
    const base = kty.replace("-HSM", "");
    if (base === "RSA") {
      const bits = size ?? 2048;
      if (![2048, 3072, 4096].includes(bits)) throw bad(`Invalid key size ${bits} for RSA.`);
      const e = exponent ?? 65537;
      const eb = bytesOf(BigInt(e), 4).filter((_, i, a) => a.slice(0, i + 1).some((x) => x));
      const pair = await crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: eb, hash: "SHA-256" },
        true,
        ["sign"],
      ) as CryptoKeyPair;
      const { alg: _, key_ops: __, ext: ___, ...jwk } = await crypto.subtle.exportKey(
        "jwk",
        pair.privateKey,
      );
      return { public: { n: jwk.n!, e: jwk.e! }, private: jwk as Record<string, string> };
    }
    if (base === "EC") {
      const crv = curve ?? "P-256";
      const c = CURVES[crv];
      if (!c) throw bad(`Invalid curve ${crv}.`);
      if (size !== undefined) throw bad("key_size does not apply to EC keys.");
      if (c.web) {
        const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: c.web }, true, [
          "sign",
        ]) as CryptoKeyPair;
        const { alg: _, key_ops: __, ext: ___, ...jwk } = await crypto.subtle.exportKey(
          "jwk",
          pair.privateKey,
        );
        return { public: { crv, x: jwk.x!, y: jwk.y! }, private: jwk as Record<string, string> };
      }
      const d = secp256k1.utils.randomSecretKey();
      const point = secp256k1.getPublicKey(d, false);
      const pub = { crv, x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) };
      return { public: pub, private: { kty: "EC", ...pub, d: b64u(d) } };
    }
    if (!kit.managedHsm) throw bad(`Key type ${kty} is only supported by Managed HSM.`);
    const bits = size ?? 256;
    if (![128, 192, 256].includes(bits)) throw bad(`Invalid key size ${bits} for oct.`);
    return {
      public: {},
      private: { kty: "oct", k: b64u(crypto.getRandomValues(new Uint8Array(bits / 8))) },
    };
  }

  function defaultOps(kty: string) {
    const base = kty.replace("-HSM", "");
    return base === "EC"
      ? ["sign", "verify"]
      : base === "RSA"
      ? ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
      : ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
  }

  function addVersion(name: string, v: KeyVersionState): KeyState {
    const k = name.toLowerCase();
    let e = store.get(k);
    if (e) {
      kit.progress(e);
      if (e.status !== "active") throw conflict(e);
    } else {
      e = { name, status: "active", versions: [], since: kit.now(), polls: 0 };
      store.set(k, e);
    }
    e.versions.push(v);
    return e;
  }

  async function create(name: string, j: Record<string, unknown>) {
    const kty = j.kty as string;
    if (!["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"].includes(kty)) {
      throw bad("Invalid kty.");
    }
    const material = await generate(
      kty,
      j.key_size as number | undefined,
      j.crv as string | undefined,
      j.public_exponent as number | undefined,
    );
    const t = kit.seconds();
    const v: KeyVersionState = {
      version: kit.newVersionId(),
      kty,
      keyOps: defaultOps(kty),
      ...material,
      enabled: true,
      created: t,
      updated: t,
    };
    readAttributes(j, v);
    if (v.exportable && !v.releasePolicy) throw bad("An exportable key needs a release policy.");
    const e = addVersion(name, v);
    return kit.reply(200, bundle(e, v));
  }

  function importKey(name: string, j: Record<string, unknown>) {
    const key = j.key as Record<string, unknown> | undefined;
    if (!key || typeof key !== "object") throw bad("Property key is required.");
    const kty = String(key.kty);
    const base = kty.replace("-HSM", "");
    let pub: Record<string, string>;
    if (base === "RSA") {
      if (typeof key.n !== "string" || typeof key.d !== "string") {
        throw bad("An RSA key to import needs n, e and d.");
      }
      pub = { n: key.n, e: String(key.e) };
    } else if (base === "EC") {
      if (typeof key.d !== "string" || !CURVES[String(key.crv)]) {
        throw bad("An EC key to import needs crv, x, y and d.");
      }
      pub = { crv: String(key.crv), x: String(key.x), y: String(key.y) };
    } else if (base === "oct") {
      if (!kit.managedHsm) throw bad("Key type oct is only supported by Managed HSM.");
      if (typeof key.k !== "string") throw bad("An oct key to import needs k.");
      pub = {};
    } else throw bad("Invalid kty.");
    const t = kit.seconds();
    const { key_ops, kid: _, ...priv } = key as Record<string, string>;
    const v: KeyVersionState = {
      version: kit.newVersionId(),
      kty: j.Hsm === true && !kty.endsWith("-HSM") ? `${kty}-HSM` : kty,
      keyOps: Array.isArray(key_ops) ? [...key_ops] : defaultOps(kty),
      public: pub,
      private: { ...priv, kty: base },
      enabled: true,
      created: t,
      updated: t,
    };
    readAttributes(j, v);
    const e = addVersion(name, v);
    return kit.reply(200, bundle(e, v));
  }

  /**
   * Refuses an operation the key's attributes forbid, as Key Vault does: a disabled key refuses
   * everything; outside its `nbf`…`exp` window a key still decrypts, unwraps and verifies (data
   * made while it was valid) but refuses to encrypt, wrap, sign or be released.
   */
  function usable(e: KeyState, v: KeyVersionState, op: string) {
    const refuse = (message: string, inner: string) => kit.error(403, "Forbidden", message, inner);
    if (!v.enabled) {
      throw refuse(`Operation ${op} is not allowed on a disabled key.`, "KeyDisabled");
    }
    const now = kit.seconds();
    const windowed = !["decrypt", "unwrapKey", "verify"].includes(op);
    if (windowed && v.nbf !== undefined && now < v.nbf) {
      throw refuse(
        `Operation ${op} is not allowed on a key that is not yet valid.`,
        "KeyNotYetValid",
      );
    }
    if (windowed && v.exp !== undefined && now >= v.exp) {
      throw refuse(`Operation ${op} is not allowed on an expired key.`, "KeyExpired");
    }
    if (op !== "release" && !v.keyOps.includes(op)) {
      throw forbidden(`Operation ${op} is not permitted on key ${e.name}.`);
    }
  }

  async function crypt(
    op: KeyOperationId,
    e: KeyState,
    v: KeyVersionState,
    j: Record<string, unknown>,
  ) {
    usable(e, v, op);
    const alg = String(j.alg);
    const base = v.kty.replace("-HSM", "");
    const id = kid(e, v);
    if (op === "sign" || op === "verify") {
      const digest = bytesField(j, op === "sign" ? "value" : "digest")!;
      const want = { "256": 32, "384": 48, "512": 64 }[alg.slice(2, 5)];
      if (!/^(RS|PS|ES)(256|384|512)$|^ES256K$/.test(alg) || digest.length !== want) {
        throw bad(`Invalid algorithm or digest for ${alg}.`);
      }
      if (base === "RSA" !== /^(RS|PS)/.test(alg)) {
        throw bad(`Algorithm ${alg} does not fit a ${v.kty} key.`);
      }
      if (base === "EC") {
        const crv = v.public.crv as keyof typeof NOBLE;
        const expected =
          { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "P-256K": "ES256K" }[crv];
        if (alg !== expected) throw bad(`Algorithm ${alg} does not fit curve ${crv}.`);
        const curve = NOBLE[crv];
        if (op === "sign") {
          const sig = curve.sign(digest, unb64u(v.private.d!), { prehash: false });
          return kit.reply(200, { kid: id, value: b64u(sig) });
        }
        const sig = bytesField(j, "value")!;
        const point = cat(new Uint8Array([4]), unb64u(v.public.x!), unb64u(v.public.y!));
        let ok = false;
        try {
          ok = curve.verify(sig, digest, point, { prehash: false, lowS: false });
        } catch {
          ok = false;
        }
        return kit.reply(200, { value: ok });
      }
      if (op === "sign") {
        return kit.reply(200, { kid: id, value: b64u(await rsaSign(v, alg, digest)) });
      }
      return kit.reply(200, { value: await rsaVerify(v, alg, digest, bytesField(j, "value")!) });
    }
    if (op === "release") {
      if (!v.exportable || !v.releasePolicy) {
        throw kit.error(400, "BadParameter", "The key is not exportable.");
      }
      if (typeof j.target !== "string" || !j.target) throw bad("Property target is required.");
      // A JWS signed by the vault's release key, its certificate in `x5c` (the released key is
      // in the clear: the emulator does not wrap it for an attested target as an HSM does).
      const signer = await releaseSigner();
      const text = (o: unknown) => b64u(new TextEncoder().encode(JSON.stringify(o)));
      const input = `${text({ alg: "RS256", typ: "JWT", x5c: [signer.x5c] })}.${
        text({ response: { key: { key: jwkOf(e, v) } }, nonce: j.nonce, iat: kit.seconds() })
      }`;
      const signature = await crypto.subtle.sign(
        "RSASSA-PKCS1-v1_5",
        signer.key,
        new TextEncoder().encode(input),
      );
      return kit.reply(200, { value: `${input}.${b64u(new Uint8Array(signature))}` });
    }
    const value = bytesField(j, "value")!;
    const forward = op === "encrypt" || op === "wrapKey";
    if (op === "wrapKey" || op === "unwrapKey") {
      if (!["RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "A128KW", "A192KW", "A256KW"].includes(alg)) {
        throw bad(`Algorithm ${alg} cannot wrap keys.`);
      }
    }
    try {
      if (base === "RSA") {
        if (alg === "RSA1_5") {
          return kit.reply(200, {
            kid: id,
            value: b64u(forward ? pkcs1Encrypt(v, value) : pkcs1Decrypt(v, value)),
          });
        }
        if (alg === "RSA-OAEP" || alg === "RSA-OAEP-256") {
          return kit.reply(200, { kid: id, value: b64u(await oaep(v, alg, value, forward)) });
        }
        throw bad(`Algorithm ${alg} does not fit an RSA key.`);
      }
      const m = /^A(128|192|256)(GCM|KW|CBC|CBCPAD)$/.exec(alg);
      if (base !== "oct" || !m || Number(m[1]) !== unb64u(v.private.k!).length * 8) {
        throw bad(`Algorithm ${alg} does not fit this ${v.kty} key.`);
      }
      const mode = m[2];
      if (mode === "GCM") {
        const aad = bytesField(j, "aad", false);
        const key = await aesKey(v, "AES-GCM", ["encrypt", "decrypt"]);
        if (forward) {
          const iv = crypto.getRandomValues(new Uint8Array(12));
          const out = new Uint8Array(
            await crypto.subtle.encrypt(
              { name: "AES-GCM", iv, ...(aad ? { additionalData: aad } : {}) },
              key,
              value,
            ),
          );
          const body: Record<string, unknown> = {
            kid: id,
            value: b64u(out.subarray(0, -16)),
            iv: b64u(iv),
            tag: b64u(out.subarray(-16)),
          };
          if (aad) body.aad = b64u(aad);
          return kit.reply(200, body);
        }
        const iv = bytesField(j, "iv")!;
        const tag = bytesField(j, "tag")!;
        const out = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv, ...(aad ? { additionalData: aad } : {}) },
          key,
          cat(value, tag),
        );
        return kit.reply(200, { kid: id, value: b64u(new Uint8Array(out)) });
      }
      if (mode === "KW") {
        const kw = await aesKey(v, "AES-KW", ["wrapKey", "unwrapKey"]);
        if (forward) {
          const inner = await crypto.subtle.importKey(
            "raw",
            value,
            { name: "HMAC", hash: "SHA-256" },
            true,
            ["sign"],
          );
          return kit.reply(200, {
            kid: id,
            value: b64u(new Uint8Array(await crypto.subtle.wrapKey("raw", inner, kw, "AES-KW"))),
          });
        }
        const inner = await crypto.subtle.unwrapKey(
          "raw",
          value,
          kw,
          "AES-KW",
          { name: "HMAC", hash: "SHA-256" },
          true,
          ["sign"],
        );
        return kit.reply(200, {
          kid: id,
          value: b64u(new Uint8Array(await crypto.subtle.exportKey("raw", inner))),
        });
      }
      const iv = bytesField(j, "iv")!;
      if (iv.length !== 16) throw bad("The iv must be 16 bytes.");
      if (mode === "CBC") {
        return kit.reply(200, {
          kid: id,
          value: b64u(await cbcRaw(v, iv, value, forward)),
          iv: b64u(iv),
        });
      }
      const key = await aesKey(v, "AES-CBC", ["encrypt", "decrypt"]);
      const out = new Uint8Array(
        await (forward ? crypto.subtle.encrypt : crypto.subtle.decrypt).call(
          crypto.subtle,
          { name: "AES-CBC", iv },
          key,
          value,
        ),
      );
      return kit.reply(200, { kid: id, value: b64u(out), iv: b64u(iv) });
    } catch (error) {
      if (error instanceof Error && "status" in error) throw error;
      throw bad(`The ${op} operation failed: ${(error as Error).name}.`);
    }
  }

  function route(method: string, s: string[]): KeyRoute | "miss" | undefined {
    const m = method.toUpperCase();
    if (s[0] === "rng" && s.length === 1) {
      return m === "POST" ? { operation: "GetRandomBytes" } : "miss";
    }
    if (s[0] === "keys") {
      if (s.length === 1 || (s.length === 2 && s[1] === "")) {
        return m === "GET" ? { operation: "GetKeys" } : "miss";
      }
      const name = s[1]!;
      if (s.length === 2) {
        if (name === "restore" && m === "POST") return { operation: "RestoreKey" };
        const op =
          ({ PUT: "ImportKey", GET: "GetKey", PATCH: "UpdateKey", DELETE: "DeleteKey" } as const)[
            m as "PUT"
          ];
        return op ? { operation: op, name } : "miss";
      }
      const third = s[2]!;
      if (s.length === 3) {
        if (third === "create" && m === "POST") return { operation: "CreateKey", name };
        if (third === "versions" && m === "GET") return { operation: "GetKeyVersions", name };
        if (third === "backup" && m === "POST") return { operation: "BackupKey", name };
        if (third === "rotate" && m === "POST") return { operation: "RotateKey", name };
        if (third === "rotationpolicy") {
          if (m === "GET") return { operation: "GetKeyRotationPolicy", name };
          if (m === "PUT") return { operation: "UpdateKeyRotationPolicy", name };
          return "miss";
        }
        if (m === "GET") return { operation: "GetKey", name, version: third };
        if (m === "PATCH") return { operation: "UpdateKey", name, version: third };
        return "miss";
      }
      if (s.length === 4) {
        const op = s[3]!.toLowerCase();
        const ops: Record<string, KeyOperationId> = {
          encrypt: "encrypt",
          decrypt: "decrypt",
          wrapkey: "wrapKey",
          unwrapkey: "unwrapKey",
          sign: "sign",
          verify: "verify",
          release: "release",
        };
        if (m === "POST" && ops[op]) return { operation: ops[op]!, name, version: third };
        if (m === "GET" && op === "attestation") {
          return { operation: "GetKeyAttestation", name, version: third };
        }
      }
      return "miss";
    }
    if (s[0] === "deletedkeys") {
      if (s.length === 1 || (s.length === 2 && s[1] === "")) {
        return m === "GET" ? { operation: "GetDeletedKeys" } : "miss";
      }
      const name = s[1]!;
      if (s.length === 2) {
        if (m === "GET") return { operation: "GetDeletedKey", name };
        if (m === "DELETE") return { operation: "PurgeDeletedKey", name };
        return "miss";
      }
      if (s.length === 3 && s[2] === "recover" && m === "POST") {
        return { operation: "RecoverDeletedKey", name };
      }
      return "miss";
    }
    return undefined;
  }

  async function operate(r: KeyRoute, request: KeyRequest): Promise<KeyReply> {
    const body = request.body;
    const name = r.name ?? "";
    if (r.name !== undefined && !/^[0-9a-zA-Z-]{1,127}$/.test(name)) {
      throw bad(`The request URI contains an invalid name: ${name}`);
    }
    switch (r.operation) {
      case "CreateKey":
        return await create(name, json(body));
      case "ImportKey":
        return importKey(name, json(body));
      case "GetKey": {
        const e = live(name, true);
        return kit.reply(200, bundle(e, versionOf(e, r.version)));
      }
      case "UpdateKey": {
        const j = json(body);
        const e = live(name);
        const v = versionOf(e, r.version);
        readAttributes(j, v);
        v.updated = kit.seconds();
        return kit.reply(200, bundle(e, v));
      }
      case "DeleteKey": {
        const e = store.get(name.toLowerCase());
        if (!e) throw notFound(name);
        kit.progress(e);
        if (e.status === "recovering") throw conflict(e);
        if (e.status !== "active") throw notFound(name);
        if (!kit.softDelete) {
          store.delete(name.toLowerCase());
          return kit.reply(200, bundle(e, latest(e)));
        }
        const t = kit.seconds();
        Object.assign(e, {
          status: "deleting",
          deletedDate: t,
          scheduledPurgeDate: t + kit.recoverableDays * 86400,
          since: kit.now(),
          polls: 0,
        });
        return kit.reply(200, deleted(e, false));
      }
      case "GetKeys": {
        const items = [...store.values()].filter((e) => e.status === "active").map((e) => ({
          key: e.name.toLowerCase(),
          json: item(e, latest(e), false),
        }));
        return kit.reply(200, request.page("keys", "/keys", items));
      }
      case "GetKeyVersions": {
        const e = store.get(name.toLowerCase());
        const items = !e || e.status !== "active"
          ? []
          : e.versions.map((v) => ({ key: v.version, json: item(e, v, true) }));
        return kit.reply(
          200,
          request.page(
            `keyversions:${name.toLowerCase()}`,
            `/keys/${e?.name ?? name}/versions`,
            items,
          ),
        );
      }
      case "GetDeletedKeys": {
        const items = [...store.values()].filter((e) => e.status === "deleted").map((e) => ({
          key: e.name.toLowerCase(),
          json: deleted(e, true),
        }));
        return kit.reply(200, request.page("deletedkeys", "/deletedkeys", items));
      }
      case "GetDeletedKey": {
        const e = store.get(name.toLowerCase());
        if (e) kit.progress(e, "deleting");
        if (!e || e.status !== "deleted") {
          throw kit.error(404, "KeyNotFound", `Deleted Key not found: ${name}`);
        }
        return kit.reply(200, deleted(e, false));
      }
      case "RecoverDeletedKey": {
        const e = store.get(name.toLowerCase());
        if (e) kit.progress(e);
        if (!e || e.status !== "deleted") {
          throw kit.error(404, "KeyNotFound", `Deleted Key not found: ${name}`);
        }
        Object.assign(e, { status: "recovering", since: kit.now(), polls: 0 });
        delete e.deletedDate;
        delete e.scheduledPurgeDate;
        return kit.reply(200, bundle(e, latest(e)));
      }
      case "PurgeDeletedKey": {
        const e = store.get(name.toLowerCase());
        if (e) kit.progress(e);
        if (!e || e.status !== "deleted") {
          throw kit.error(404, "KeyNotFound", `Deleted Key not found: ${name}`);
        }
        const refusal = kit.purgeRefusal();
        if (refusal) throw refusal;
        store.delete(name.toLowerCase());
        return kit.reply(204, null);
      }
      case "BackupKey": {
        const e = live(name);
        const blob = JSON.stringify({ name: e.name, versions: e.versions });
        return kit.reply(200, {
          value: b64u(
            new TextEncoder().encode(BACKUP_PREFIX + b64u(new TextEncoder().encode(blob))),
          ),
        });
      }
      case "RestoreKey": {
        const j = json(body);
        let data: { name: string; versions: KeyVersionState[] };
        try {
          const outer = new TextDecoder().decode(unb64u(String(j.value)));
          if (!outer.startsWith(BACKUP_PREFIX)) throw new Error();
          data = JSON.parse(new TextDecoder().decode(unb64u(outer.slice(BACKUP_PREFIX.length))));
        } catch {
          throw bad("Backup blob contains invalid or corrupt version.");
        }
        const existing = store.get(data.name.toLowerCase());
        if (existing) {
          kit.progress(existing);
          if (existing.status === "active") {
            throw kit.error(409, "Conflict", `Key ${existing.name} already exists.`);
          }
          throw conflict(existing);
        }
        const e: KeyState = {
          name: data.name,
          status: "active",
          versions: data.versions,
          since: kit.now(),
          polls: 0,
        };
        store.set(data.name.toLowerCase(), e);
        return kit.reply(200, bundle(e, latest(e)));
      }
      case "RotateKey": {
        const e = live(name);
        return kit.reply(200, bundle(e, await rotate(e)));
      }
      case "GetKeyRotationPolicy": {
        const e = live(name);
        return kit.reply(
          200,
          e.rotationPolicy ?? {
            id: `${kit.vaultUrl}/keys/${e.name}/rotationpolicy`,
            lifetimeActions: [{
              trigger: { timeBeforeExpiry: "P30D" },
              action: { type: "Notify" },
            }],
            attributes: {},
          },
        );
      }
      case "UpdateKeyRotationPolicy": {
        const e = live(name);
        const j = json(body);
        const actions = j.lifetimeActions;
        if (actions !== undefined && !Array.isArray(actions)) {
          throw bad("lifetimeActions must be an array.");
        }
        const expiry = (j.attributes as Record<string, unknown> | undefined)?.expiryTime;
        if (expiry !== undefined && afterDuration(0, String(expiry)) === undefined) {
          throw bad("Invalid expiryTime: an ISO 8601 duration such as P90D is expected.");
        }
        for (const a of (actions ?? []) as { trigger?: Record<string, unknown> }[]) {
          for (const t of ["timeAfterCreate", "timeBeforeExpiry"]) {
            const d = a?.trigger?.[t];
            if (d !== undefined && afterDuration(0, String(d)) === undefined) {
              throw bad(`Invalid ${t}: an ISO 8601 duration such as P90D is expected.`);
            }
          }
        }
        const t = kit.seconds();
        const created =
          (e.rotationPolicy?.attributes as Record<string, number> | undefined)?.created ?? t;
        e.rotationPolicy = {
          id: `${kit.vaultUrl}/keys/${e.name}/rotationpolicy`,
          lifetimeActions: actions ?? [],
          attributes: {
            ...(expiry === undefined ? {} : { expiryTime: expiry }),
            created,
            updated: t,
          },
        };
        return kit.reply(200, e.rotationPolicy);
      }
      case "GetRandomBytes": {
        if (!kit.managedHsm) {
          throw bad("Operation GetRandomBytes is only supported by Managed HSM.");
        }
        const count = json(body).count;
        if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 128) {
          throw bad("count must be 1 to 128.");
        }
        return kit.reply(200, {
          value: b64u(crypto.getRandomValues(new Uint8Array(count as number))),
        });
      }
      case "GetKeyAttestation": {
        if (!kit.managedHsm) throw bad("Key attestation is only supported by Managed HSM.");
        const e = live(name);
        const v = versionOf(e, r.version);
        const out = bundle(e, v) as { attributes: Record<string, unknown> };
        out.attributes.attestation = {
          certificatePemFile: b64u(
            new TextEncoder().encode(
              "-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n",
            ),
          ),
          privateKeyAttestation: b64u(new TextEncoder().encode("private-attestation")),
          publicKeyAttestation: b64u(new TextEncoder().encode("public-attestation")),
          version: "1.0",
        };
        return kit.reply(200, out);
      }
      default: {
        const e = live(name);
        return await crypt(r.operation, e, versionOf(e, r.version), json(body));
      }
    }
  }

  const api: FakeKeys = {
    exportState() {
      return [...store.values()].map((e) => structuredClone(e));
    },
    importState(keys) {
      store.clear();
      for (const k of keys) store.set(k.name.toLowerCase(), structuredClone(k));
    },
    key(name) {
      const e = store.get(name.toLowerCase());
      return e && structuredClone(e);
    },
    async seedKey(name, kty, options = {}) {
      const t = kit.seconds();
      let material: { public: Record<string, string>; private: Record<string, string> };
      if (options.jwk) {
        const j = options.jwk;
        material = {
          public: j.n ? { n: j.n, e: j.e! } : j.x ? { crv: j.crv!, x: j.x, y: j.y! } : {},
          private: { ...j },
        };
      } else {
        material = await generate(kty, options.keySize, options.curve);
      }
      const v: KeyVersionState = {
        version: options.version ?? kit.newVersionId(),
        kty,
        keyOps: options.keyOps ?? defaultOps(kty),
        ...material,
        enabled: options.enabled ?? true,
        created: t,
        updated: t,
      };
      if (options.nbf !== undefined) v.nbf = options.nbf;
      if (options.exp !== undefined) v.exp = options.exp;
      addVersion(name, v);
      return structuredClone(v);
    },
  };
  /** A new version of `e`'s key (the same type, size and curve); `exp` from the policy. */
  async function rotate(e: KeyState): Promise<KeyVersionState> {
    const old = latest(e);
    const base = old.kty.replace("-HSM", "");
    const size = base === "RSA"
      ? rsaParts(old).modBits
      : base === "oct"
      ? unb64u(old.private.k!).length * 8
      : undefined;
    const material = await generate(old.kty, size, old.public.crv);
    const t = kit.seconds();
    const v: KeyVersionState = {
      ...old,
      ...material,
      version: kit.newVersionId(),
      created: t,
      updated: t,
      keyOps: [...old.keyOps],
    };
    const expiry = (e.rotationPolicy?.attributes as Record<string, unknown> | undefined)
      ?.expiryTime;
    if (typeof expiry === "string") {
      const exp = afterDuration(t, expiry);
      if (exp !== undefined) v.exp = exp;
    }
    e.versions.push(v);
    return v;
  }

  /**
   * Runs the `Rotate` lifetime actions whose time has come (`timeAfterCreate` after the current
   * version's creation, or `timeBeforeExpiry` before its `exp`): one new version per key per
   * call. `Notify` actions are kept in the policy only (Event Grid is not emulated).
   */
  async function rotateDue(seconds: number): Promise<void> {
    for (const e of store.values()) {
      if (e.status !== "active" || !e.rotationPolicy) continue;
      const actions = e.rotationPolicy.lifetimeActions;
      if (!Array.isArray(actions)) continue;
      const v = latest(e);
      const due = actions.some(
        (a: { trigger?: Record<string, unknown>; action?: { type?: unknown } }) => {
          if (String(a?.action?.type).toLowerCase() !== "rotate") return false;
          const after = a.trigger?.timeAfterCreate;
          const before = a.trigger?.timeBeforeExpiry;
          if (typeof after === "string") {
            const at = afterDuration(v.created, after);
            if (at !== undefined && seconds >= at) return true;
          }
          if (typeof before === "string" && v.exp !== undefined) {
            const at = afterDuration(v.exp, before, -1);
            if (at !== undefined && seconds >= at) return true;
          }
          return false;
        },
      );
      if (due) await rotate(e);
    }
  }

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
  return { route, operate, purgeDue, rotateDue, api };
}

/** The kit as the fake vault builds it (one per request: `reply` knows the request). */
export type KitWithRecord = KeysKit;
