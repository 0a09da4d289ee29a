/**
 * `ClientCertificateCredential`: an application authenticating with a certificate, by a JWT
 * client assertion signed with the certificate's private key (Web Crypto, through jose).
 *
 * @module
 */

import { encodeBase64 } from "../http/_base64.ts";
import { KvfetchError } from "../http/errors.ts";
import { ConfidentialClient } from "./_confidential_client.ts";
import { parseCertificatePem, type PrivateKeyInfo, toPem } from "./_pem.ts";
import { clientAssertion, type ClientAuthenticationContext } from "./token_endpoint.ts";
import { fingerprint } from "./token_cache.ts";
import type {
  AccessToken,
  ClientCredentialOptions,
  GetTokenOptions,
  TokenCredential,
} from "./types.ts";

/**
 * Options of {@link ClientCertificateCredential}.
 *
 * @example
 * ```ts
 * import type { ClientCertificateCredentialOptions } from "kvfetch/auth";
 *
 * const options: ClientCertificateCredentialOptions = {
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "00000000-0000-0000-0000-000000000001",
 *   certificate: "-----BEGIN CERTIFICATE-----\n…\n-----BEGIN PRIVATE KEY-----\n…",
 *   sendCertificateChain: true,
 * };
 * console.log(options.sendCertificateChain);
 * ```
 */
export interface ClientCertificateCredentialOptions extends ClientCredentialOptions {
  /**
   * PEM text holding the certificate (or its chain, leaf first or not) and its unencrypted
   * private key: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY`.
   */
  certificate: string;
  /**
   * Send the certificate chain (`x5c`) in the assertion, for subject-name/issuer
   * authentication (SN+I).
   * @default false
   */
  sendCertificateChain?: boolean;
  /**
   * How RSA assertions are signed: `PS256` with an `x5t#S256` (SHA-256) thumbprint, as Entra
   * ID recommends, or `RS256` with the legacy `x5t` (SHA-1) thumbprint for older tenants.
   * EC keys always use ES256, ES384 or ES512 with `x5t#S256`.
   * @default "PS256"
   */
  signingAlgorithm?: "PS256" | "RS256";
  /**
   * How long an assertion is valid, in seconds.
   * @default 600
   */
  assertionLifetimeSeconds?: number;
}

interface Signer {
  key: CryptoKey;
  alg: string;
  header: Record<string, unknown>;
}

/**
 * Authenticates an application (service principal) with a certificate. Works on every runtime
 * with Web Crypto, including Cloudflare Workers: pass the PEM text (from a secret binding, an
 * environment variable or a file you read yourself).
 *
 * The client assertion follows Microsoft's rules: `aud` = the token endpoint, `iss` = `sub` =
 * the client id, a random `jti`, `nbf` = `iat` = now, `exp` = now + 10 minutes.
 *
 * @example A token from the emulator's Entra ID (on Azure, leave out `fetch`)
 * ```ts
 * import { ClientCertificateCredential } from "kvfetch/auth";
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * // A certificate with its key, as PEM: here one made by an emulated vault.
 * const vault = createEmulator({ vaults: ["myvault"] });
 * const certificates = new CertificateClient(vault.vaultUrl("myvault"), vault.credential(), {
 *   fetch: vault.fetch,
 * });
 * await certificates.createCertificate("my-app", {
 *   issuerName: "Self",
 *   subject: "CN=my-app",
 *   contentType: "application/x-pem-file",
 * });
 * const { pem, privateKeyPem } = await certificates.downloadCertificate("my-app");
 *
 * // An Entra ID where the app has that certificate registered.
 * const clientId = "00000000-0000-0000-0000-000000000001";
 * const objectId = "00000000-0000-0000-0000-000000000002";
 * const entra = createEmulator({
 *   apps: [{ clientId, clientSecret: "unused", objectId, certificate: pem }],
 * });
 * const credential = new ClientCertificateCredential({
 *   tenantId: entra.tenantId,
 *   clientId,
 *   certificate: pem + privateKeyPem, // certificate + private key
 *   fetch: entra.fetch,
 * });
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true; never log token.token
 * ```
 */
export class ClientCertificateCredential implements TokenCredential {
  readonly #client: ConfidentialClient;
  #signer: Promise<Signer> | undefined;

  /**
   * Creates the credential. Parses the PEM at once (a malformed or encrypted PEM throws a
   * `TypeError` here); the key is imported on first use.
   *
   * @param options The tenant, the application and its certificate.
   */
  constructor(options: ClientCertificateCredentialOptions) {
    const parsed = parseCertificatePem(options?.certificate);
    const algorithm = options.signingAlgorithm ?? "PS256";
    if (algorithm !== "PS256" && algorithm !== "RS256") {
      throw new TypeError('"signingAlgorithm" option must be "PS256" or "RS256"');
    }
    if (algorithm === "RS256" && parsed.key.type !== "RSA") {
      throw new TypeError(
        '"signingAlgorithm" RS256 needs an RSA key; this certificate has an EC key',
      );
    }
    const lifetime = options.assertionLifetimeSeconds ?? 600;
    if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > 3600) {
      throw new RangeError('"assertionLifetimeSeconds" option must be an integer from 60 to 3600');
    }
    const sendChain = options.sendCertificateChain === true;
    const signer = () =>
      this.#signer ??= prepareSigner(parsed.certificates, parsed.key, algorithm, sendChain);
    const assertion = async (context: ClientAuthenticationContext) => {
      const [{ key, alg, header }, { SignJWT }] = await Promise.all([
        signer(),
        import("./_jose.ts"),
      ]);
      const now = Math.floor(context.now / 1000);
      return await new SignJWT({})
        .setProtectedHeader({ ...header, alg, typ: "JWT" })
        .setIssuer(context.clientId)
        .setSubject(context.clientId)
        .setAudience(context.tokenEndpoint)
        .setJti(crypto.randomUUID())
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + lifetime)
        .sign(key);
    };
    let proof: Promise<string> | undefined;
    this.#client = new ConfidentialClient(
      "certificate",
      options,
      clientAssertion(assertion),
      () => proof ??= fingerprint(toPem(parsed.key.pkcs8, "PRIVATE KEY")),
    );
  }

  /**
   * Gets a token for `scopes`, from the cache when it holds a valid one.
   *
   * @param scopes One resource's `.default` scope, e.g. `https://vault.azure.net/.default`.
   * @param options Tenant, claims, CAE and cancellation.
   *
   * @throws {AuthenticationError} When Microsoft Entra ID refuses to issue a token (`error`,
   *   `errorCodes`).
   * @throws {CredentialUnavailableError} When the credential cannot work here.
   * @throws {KvfetchError} When the token endpoint cannot be reached (`ERR_NETWORK`, `ERR_TIMEOUT`).
   * @throws {TypeError} When the scopes or options are invalid.
   */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    return this.#client.getToken(scopes, options);
  }
}

const EC_ALG = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as const;

/**
 * Imports the key, finds the certificate it belongs to (the leaf, wherever it sits in the
 * chain) and computes the thumbprint header. A key that fits no certificate is an error here,
 * not a puzzling AADSTS700027 from Entra later.
 */
async function prepareSigner(
  certificates: Uint8Array<ArrayBuffer>[],
  info: PrivateKeyInfo,
  algorithm: "PS256" | "RS256",
  sendChain: boolean,
): Promise<Signer> {
  const alg = info.type === "RSA" ? algorithm : EC_ALG[info.curve!];
  // jose loads on first use: importing kvfetch costs nothing for credentials that never sign.
  const { CompactSign, compactVerify, importPKCS8, importX509 } = await import("./_jose.ts");
  let key: CryptoKey;
  try {
    key = await importPKCS8(toPem(info.pkcs8, "PRIVATE KEY"), alg);
  } catch (cause) {
    throw new KvfetchError(
      "ERR_INVALID_CERTIFICATE",
      `The certificate's private key cannot be imported for ${alg}`,
      { cause },
    );
  }
  const probe = await new CompactSign(new TextEncoder().encode("kvfetch key check"))
    .setProtectedHeader({ alg })
    .sign(key);
  let leaf: Uint8Array<ArrayBuffer> | undefined;
  for (const der of certificates) {
    try {
      await compactVerify(probe, await importX509(toPem(der, "CERTIFICATE"), alg));
      leaf = der;
      break;
    } catch {
      // Not this certificate's key (or another key type): try the next.
    }
  }
  if (!leaf) {
    throw new KvfetchError(
      "ERR_INVALID_CERTIFICATE",
      "The private key does not belong to any certificate in the PEM",
    );
  }
  const header: Record<string, unknown> = alg === "RS256"
    ? { x5t: encodeBase64(new Uint8Array(await crypto.subtle.digest("SHA-1", leaf)), true) }
    : {
      "x5t#S256": encodeBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", leaf)), true),
    };
  if (sendChain) {
    header.x5c = [leaf, ...certificates.filter((c) => c !== leaf)].map((der) => encodeBase64(der));
  }
  return { key, alg, header };
}
