/**
 * JWTs signed by a Key Vault key (`signJwt`: the private key never leaves the vault) and
 * verified with its public key locally (`verifyJwt`).
 *
 * @module
 */

import { need } from "../http/_check.ts";
import { KvfetchError } from "../http/errors.ts";
import { toBase64url } from "../jwk/_bytes.ts";
import { toCryptoKey } from "../jwk/crypto_key.ts";
import { parseKeyVaultJwk } from "../jwk/parse.ts";
import {
  CURVE_ALGORITHM,
  hashOf,
  type Jwk,
  type KeyVaultJwk,
  type SignatureAlgorithm,
} from "../jwk/types.ts";
import { CryptographyClient } from "./crypto_client.ts";
import type { KeyVaultKey } from "./keys_models.ts";
import type { OperationOptions } from "./options.ts";

/**
 * Options of {@link signJwt}.
 *
 * @example
 * ```ts
 * import type { SignJwtOptions } from "kvfetch/keys";
 * import { CryptographyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 *
 * const options: SignJwtOptions = {
 *   key: new CryptographyClient(
 *     "https://myvault.vault.azure.net/keys/signer/0123456789abcdef0123456789abcdef",
 *     emulator.credential(),
 *     { fetch: emulator.fetch }, // against Azure: leave out fetch
 *   ),
 *   alg: "PS256",
 *   issuer: "https://issuer.example",
 *   expiresIn: "10m",
 * };
 * console.log(options.alg);
 * ```
 */
export interface SignJwtOptions extends OperationOptions {
  /** The vault key that signs. */
  key: CryptographyClient;
  /**
   * The algorithm.
   * @default by key: `ES256`/`ES384`/`ES512`/`ES256K` by curve, `RS256` for RSA
   */
  alg?: SignatureAlgorithm;
  /** More protected header members (`typ`, `kid`, `x5t`, …); `alg` cannot be changed here. */
  header?: Record<string, unknown>;
  /** Lifetime: seconds, or a span such as `"90s"`, `"10m"`, `"2h"`, `"1d"`: sets `exp`. */
  expiresIn?: number | string;
  /** Sets `nbf`: seconds from now (may be negative), or a span string. */
  notBefore?: number | string;
  /** Sets `iss`. */
  issuer?: string;
  /** Sets `sub`. */
  subject?: string;
  /** Sets `aud`. */
  audience?: string | string[];
  /** Sets `jti`. */
  jwtId?: string;
  /** The clock, in ms (for `iat`, `nbf`, `exp`). @default Date.now */
  now?: () => number;
}

const SPAN =
  /^(-?\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)$/i;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function seconds(value: number | string, option: string): number {
  if (typeof value == "number") {
    need(Number.isFinite(value), option, "must be a finite number of seconds", RangeError);
    return Math.floor(value);
  }
  const match = typeof value == "string" ? SPAN.exec(value.trim()) : null;
  need(match, option, 'must be seconds or a span such as "10m", "2h", "1d"');
  return Number(match![1]) * UNIT[match![2]![0]!.toLowerCase()]!;
}

const encodeJson = (value: unknown) => toBase64url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * Signs a JWT with a Key Vault key: builds the signing input, hashes it locally, has the vault
 * sign the digest (the private key never leaves the vault) and returns the compact JWS. `kid`
 * defaults to the key's full id (with its version), `typ` to `JWT`, `iat` to now. `jose.jwtVerify`
 * with the key's public JWK accepts it for RS256…PS512 and ES256…ES512.
 *
 * @example Signing an access token (against the emulator; on Azure, leave out `fetch`)
 * ```ts
 * import { KeyClient, signJwt } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch,
 * });
 * await keys.createEcKey("signer", { curve: "P-256" });
 * const key = keys.getCryptographyClient("signer");
 * const token = await signJwt({ scope: "read" }, { key, alg: "ES256", subject: "user-1", expiresIn: "15m" });
 * console.log(token.split(".").length); // 3
 * ```
 *
 * @param payload The claims (a plain object).
 * @param options The key, algorithm, header and registered claims.
 *
 * @throws {RestError} When the vault refuses to sign (`statusCode`, `errorCode`).
 * @throws {KvfetchError} `ERR_KEY_OPERATION_FORBIDDEN` when the key may not sign; network and
 *   credential failures as for every vault operation.
 * @throws {TypeError} When the payload or an option is invalid (nothing is sent).
 */
export async function signJwt(
  payload: Record<string, unknown>,
  options: SignJwtOptions,
): Promise<string> {
  need(
    typeof payload == "object" && payload && !Array.isArray(payload) &&
      !(payload instanceof Uint8Array),
    "payload",
    "must be a plain object of claims",
  );
  need(typeof options == "object" && options, "options", "must be an object");
  const { key, header = {} } = options;
  need(key instanceof CryptographyClient, "key", "must be a CryptographyClient");
  need(
    typeof header == "object" && header && !Array.isArray(header),
    "header",
    "must be an object",
  );
  let alg = options.alg;
  need(alg === undefined || typeof alg == "string", "alg", "must be a signature algorithm");
  let kid = key.keyID;
  try {
    const vaultKey = await key.getKey({ signal: options.signal });
    kid = vaultKey.id ?? kid;
    if (!alg && vaultKey.key) {
      const parsed = parseKeyVaultJwk(vaultKey.key);
      alg = parsed.keyType === "EC" ? CURVE_ALGORITHM[parsed.curve!] : "RS256";
    }
  } catch (error) {
    // Allowed to sign but not to read the key: a versioned id and an explicit alg still work.
    if (!(error instanceof KvfetchError && error.code === "ERR_KEY_OPERATION_FORBIDDEN" && alg)) {
      throw error;
    }
  }
  need(alg, "alg", "is needed when the key cannot be read");
  need(
    header.alg === undefined || header.alg === alg,
    "header",
    'must not set another "alg" (use the alg option)',
  );
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const claims: Record<string, unknown> = { ...payload };
  claims.iat ??= now;
  if (options.notBefore !== undefined) claims.nbf = now + seconds(options.notBefore, "notBefore");
  if (options.expiresIn !== undefined) claims.exp = now + seconds(options.expiresIn, "expiresIn");
  for (
    const [option, claim] of [["issuer", "iss"], ["subject", "sub"], ["jwtId", "jti"]] as const
  ) {
    const value = options[option];
    if (value !== undefined) {
      need(typeof value == "string", option, "must be a string");
      claims[claim] = value;
    }
  }
  if (options.audience !== undefined) claims.aud = options.audience;
  const protectedHeader = { alg, typ: "JWT", kid, ...header };
  const input = `${encodeJson(protectedHeader)}.${encodeJson(claims)}`;
  const digest = new Uint8Array(
    await crypto.subtle.digest(hashOf(alg!), new TextEncoder().encode(input)),
  );
  const { result } = await key.sign(alg!, digest, { signal: options.signal });
  return `${input}.${toBase64url(result)}`;
}

/**
 * Options of {@link verifyJwt}.
 *
 * @example
 * ```ts
 * import type { VerifyJwtOptions } from "kvfetch/keys";
 *
 * const options: VerifyJwtOptions = { issuer: "https://issuer.example", audience: "api", clockTolerance: 30 };
 * console.log(options.issuer);
 * ```
 */
export interface VerifyJwtOptions extends OperationOptions {
  /** The algorithms to accept. @default every signature algorithm the key can serve locally */
  algorithms?: SignatureAlgorithm[];
  /** The `iss` to require. */
  issuer?: string | string[];
  /** The `aud` to require. */
  audience?: string | string[];
  /** The `sub` to require. */
  subject?: string;
  /** Seconds of clock skew to tolerate, for `exp` and `nbf`. @default 0 */
  clockTolerance?: number;
  /** The oldest `iat` to accept, in seconds or a span string. */
  maxTokenAge?: number | string;
  /** Claims that must be present. */
  requiredClaims?: string[];
  /** The time to verify at. @default now */
  currentDate?: Date;
}

/**
 * What {@link verifyJwt} returns.
 *
 * @example
 * ```ts
 * import { KeyClient, signJwt, type VerifiedJwt, verifyJwt } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const { jwk } = await keys.createEcKey("signer", { curve: "P-256" });
 * const key = keys.getCryptographyClient("signer");
 * const token = await signJwt({ scope: "read" }, { key, subject: "user-1", expiresIn: "15m" });
 * const verified: VerifiedJwt = await verifyJwt(token, jwk!);
 * console.log(verified.payload.sub, verified.protectedHeader.alg); // user-1 ES256
 * ```
 */
export interface VerifiedJwt {
  /** The claims. */
  payload: Record<string, unknown> & {
    iss?: string;
    sub?: string;
    aud?: string | string[];
    exp?: number;
    iat?: number;
  };
  /** The protected header. */
  protectedHeader: Record<string, unknown> & { alg: string; kid?: string };
}

/**
 * Verifies a JWT with a Key Vault key's public key, locally (jose's `jwtVerify`): no request
 * when given a key or a JWK; a `CryptographyClient` reads its key once. A `kid` in the token
 * must match the key's. `ES256K` tokens cannot be verified locally (`ERR_NOT_SUPPORTED_LOCALLY`).
 *
 * @example Verifying a token signed with `signJwt`
 * ```ts
 * import { KeyClient, signJwt, verifyJwt } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const { jwk } = await keys.createEcKey("signer", { curve: "P-256" });
 * const claims = { issuer: "https://issuer.example", audience: "api" };
 * const key = keys.getCryptographyClient("signer");
 * const token = await signJwt({ scope: "read" }, { key, alg: "ES256", ...claims });
 * const { payload } = await verifyJwt(token, jwk!, claims); // locally, no request
 * console.log(payload.scope); // read
 * ```
 *
 * @param token The compact JWT.
 * @param key The key: a `KeyVaultKey`, a JWK, or a `CryptographyClient`.
 * @param options Accepted algorithms and claim checks.
 * @throws {KvfetchError} `ERR_INVALID_JWT` (with jose's error as `cause`) when the token fails.
 */
export async function verifyJwt(
  token: string,
  key: KeyVaultKey | Jwk | KeyVaultJwk | CryptographyClient,
  options: VerifyJwtOptions = {},
): Promise<VerifiedJwt> {
  need(typeof token == "string" && token.length > 0, "token", "must be a compact JWT string");
  let source: unknown = key;
  if (key instanceof CryptographyClient) {
    source = (await key.getKey({ signal: options.signal })).key;
  } else if (key && typeof key == "object" && "properties" in key) source = key.key;
  const parsed = parseKeyVaultJwk(source, { allowPrivate: true });
  const algorithms = options.algorithms ??
    parsed.algorithms.filter((a) => /^(RS|PS|ES)(256|384|512)$/.test(a)) as SignatureAlgorithm[];
  const { jwtVerify } = await import("../jwk/_jose.ts");
  const { d: _, p: __, q: ___, dp: _a, dq: _b, qi: _c, ...publicJwk } = parsed.jwk;
  try {
    const result = await jwtVerify(token, async (header) => {
      if (header.kid !== undefined && publicJwk.kid !== undefined && header.kid !== publicJwk.kid) {
        throw new KvfetchError("ERR_INVALID_JWT", "The token's kid is not this key's");
      }
      return await toCryptoKey(publicJwk, { alg: header.alg, usage: "verify" });
    }, {
      algorithms,
      issuer: options.issuer,
      audience: options.audience,
      subject: options.subject,
      clockTolerance: options.clockTolerance,
      maxTokenAge: options.maxTokenAge,
      requiredClaims: options.requiredClaims,
      currentDate: options.currentDate,
    });
    return result as unknown as VerifiedJwt;
  } catch (error) {
    if (error instanceof KvfetchError) throw error;
    const reason = (error as { code?: string })?.code ?? "invalid";
    throw new KvfetchError("ERR_INVALID_JWT", `The JWT failed verification (${reason})`, {
      cause: error,
    });
  }
}
