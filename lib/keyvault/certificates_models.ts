/**
 * The shapes of certificates: what Key Vault sends (valibot schemas, made on first use) and
 * what `CertificateClient` returns (plain objects with `Date`s), named as in
 * `@azure/keyvault-certificates`; and the typed certificate policy with its checks.
 *
 * @module
 */

import * as v from "valibot";
import { need } from "../http/_check.ts";
import { fromUnix, toUnix } from "./_names.ts";
import { parseIdentifier } from "./_identifier.ts";
import { must, succeeds } from "../http/json.ts";
import { decodeBase64 } from "../http/_base64.ts";
import { lazy } from "../http/_lazy.ts";
import type { DeletionRecoveryLevel } from "./secrets_models.ts";

/**
 * The parts of a certificate identifier.
 *
 * @example
 * ```ts
 * import type { KeyVaultCertificateIdentifier } from "kvfetch/certificates";
 *
 * const id: KeyVaultCertificateIdentifier = {
 *   sourceId: "https://myvault.vault.azure.net/certificates/tls",
 *   vaultUrl: "https://myvault.vault.azure.net",
 *   name: "tls",
 *   version: undefined,
 * };
 * console.log(id.name);
 * ```
 */
export interface KeyVaultCertificateIdentifier {
  /** The identifier as given. */
  sourceId: string;
  /** The vault URL, e.g. `https://myvault.vault.azure.net`. */
  vaultUrl: string;
  /** The certificate's name. */
  name: string;
  /** The version, when the identifier names one. */
  version?: string | undefined;
}

/**
 * Splits a certificate identifier (`https://{vault}/certificates/{name}[/{version}]`, or a
 * `deletedcertificates` one) into its parts. Throws a `TypeError` for anything else.
 *
 * @example
 * ```ts
 * import { parseKeyVaultCertificateIdentifier } from "kvfetch/certificates";
 *
 * const { vaultUrl, name, version } = parseKeyVaultCertificateIdentifier(
 *   "https://myvault.vault.azure.net/certificates/tls/0123456789abcdef0123456789abcdef",
 * );
 * console.log(vaultUrl, name, version);
 * ```
 */
export function parseKeyVaultCertificateIdentifier(id: string): KeyVaultCertificateIdentifier {
  return parseIdentifier(id, ["certificates", "deletedcertificates"], "certificate");
}

/**
 * How Key Vault stores the certificate's secret: PKCS#12 (PFX) or PEM.
 *
 * @example
 * ```ts
 * import type { CertificateContentType } from "kvfetch/certificates";
 *
 * const pem: CertificateContentType = "application/x-pem-file";
 * console.log(pem);
 * ```
 */
export type CertificateContentType = "application/x-pkcs12" | "application/x-pem-file";

/**
 * The key types a certificate's key may have.
 *
 * @example
 * ```ts
 * import type { CertificateKeyType } from "kvfetch/certificates";
 *
 * const type: CertificateKeyType = "EC";
 * console.log(type);
 * ```
 */
export type CertificateKeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM";

/**
 * The curves of a certificate's EC key.
 *
 * @example
 * ```ts
 * import type { CertificateKeyCurveName } from "kvfetch/certificates";
 *
 * const curve: CertificateKeyCurveName = "P-256";
 * console.log(curve);
 * ```
 */
export type CertificateKeyCurveName = "P-256" | "P-384" | "P-521" | "P-256K";

/**
 * The X.509 key usages a policy can ask for.
 *
 * @example
 * ```ts
 * import type { KeyUsageType } from "kvfetch/certificates";
 *
 * const usages: KeyUsageType[] = ["digitalSignature", "keyEncipherment"];
 * console.log(usages);
 * ```
 */
export type KeyUsageType =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

/**
 * The issuer names Key Vault itself knows: `Self` (self-signed) and `Unknown` (you get a CSR,
 * have it signed elsewhere and complete it with `mergeCertificate`). Any other name is an
 * issuer created with `createIssuer`.
 *
 * @example
 * ```ts
 * import { WellKnownIssuer } from "kvfetch/certificates";
 *
 * console.log(WellKnownIssuer.Self, WellKnownIssuer.Unknown);
 * ```
 */
export const WellKnownIssuer = { Self: "Self", Unknown: "Unknown" } as const;

/**
 * The subject alternative names of a certificate.
 *
 * @example
 * ```ts
 * import type { SubjectAlternativeNames } from "kvfetch/certificates";
 *
 * const sans: SubjectAlternativeNames = { dnsNames: ["api.example.com", "www.example.com"] };
 * console.log(sans.dnsNames);
 * ```
 */
export interface SubjectAlternativeNames {
  /** Email addresses. */
  emails?: string[] | undefined;
  /** DNS names. */
  dnsNames?: string[] | undefined;
  /** User principal names. */
  userPrincipalNames?: string[] | undefined;
  /** URIs. */
  uris?: string[] | undefined;
  /** IP addresses. */
  ipAddresses?: string[] | undefined;
}

/**
 * What Key Vault does at a point of a certificate's lifetime: renew it or e-mail the
 * contacts, at a percentage of its lifetime or a number of days before it expires (one of
 * the two).
 *
 * @example
 * ```ts
 * import type { LifetimeAction } from "kvfetch/certificates";
 *
 * const renew: LifetimeAction = { action: "AutoRenew", lifetimePercentage: 80 };
 * console.log(renew.action);
 * ```
 */
export interface LifetimeAction {
  /** `AutoRenew` or `EmailContacts`. */
  action: "AutoRenew" | "EmailContacts";
  /** At this percentage of the lifetime (1 to 99). */
  lifetimePercentage?: number | undefined;
  /** This many days before expiry (at least 1). */
  daysBeforeExpiry?: number | undefined;
}

/**
 * How Key Vault makes (and renews) a certificate. A policy needs a `subject` or
 * `subjectAlternativeNames` (or both); everything else has the service's defaults (RSA 2048,
 * PKCS#12, 12 months, renew at 80 %).
 *
 * @example A self-signed EC certificate stored as PEM
 * ```ts
 * import type { CertificatePolicy } from "kvfetch/certificates";
 *
 * const policy: CertificatePolicy = {
 *   issuerName: "Self",
 *   subject: "CN=api.example.com",
 *   subjectAlternativeNames: { dnsNames: ["api.example.com"] },
 *   keyType: "EC",
 *   keyCurveName: "P-256",
 *   contentType: "application/x-pem-file",
 *   validityInMonths: 12,
 *   lifetimeActions: [{ action: "AutoRenew", daysBeforeExpiry: 30 }],
 * };
 * console.log(policy.subject);
 * ```
 */
export interface CertificatePolicy {
  /** The policy's identifier (read-only). */
  id?: string | undefined;
  /** The X.500 subject, e.g. `CN=api.example.com`. */
  subject?: string | undefined;
  /** The subject alternative names. */
  subjectAlternativeNames?: SubjectAlternativeNames | undefined;
  /** `Self`, `Unknown` or the name of an issuer created with `createIssuer`. */
  issuerName?: string | undefined;
  /** The certificate type the issuer is asked for (e.g. `OV-SSL`). */
  certificateType?: string | undefined;
  /** Whether the certificate goes to a certificate-transparency log. */
  certificateTransparency?: boolean | undefined;
  /** The key type. */
  keyType?: CertificateKeyType | undefined;
  /** RSA key size: 2048, 3072 or 4096. */
  keySize?: number | undefined;
  /** EC curve. */
  keyCurveName?: CertificateKeyCurveName | undefined;
  /** Keep the same key when the certificate is renewed. */
  reuseKey?: boolean | undefined;
  /** Whether the private key can leave the vault (through the certificate's secret). */
  exportable?: boolean | undefined;
  /** How the certificate's secret is stored. */
  contentType?: CertificateContentType | undefined;
  /** Validity in months (1 to 1200). */
  validityInMonths?: number | undefined;
  /** What happens during the certificate's lifetime. */
  lifetimeActions?: LifetimeAction[] | undefined;
  /** X.509 key usages. */
  keyUsage?: KeyUsageType[] | undefined;
  /** Extended key usages, as OIDs (e.g. `1.3.6.1.5.5.7.3.1` for TLS servers). */
  enhancedKeyUsage?: string[] | undefined;
  /** Whether the policy is enabled. */
  enabled?: boolean | undefined;
  /** When the policy was created (read-only). */
  createdOn?: Date | undefined;
  /** When the policy was last updated (read-only). */
  updatedOn?: Date | undefined;
}

/**
 * A ready-made policy: self-signed, subject `cn=MyCert`, the service's defaults for the rest
 * (as `@azure/keyvault-certificates` has it).
 *
 * @example
 * ```ts
 * import { DefaultCertificatePolicy } from "kvfetch/certificates";
 *
 * const policy = { ...DefaultCertificatePolicy, subject: "CN=my-service" };
 * console.log(policy.issuerName);
 * ```
 */
export const DefaultCertificatePolicy: Readonly<CertificatePolicy> = {
  issuerName: "Self",
  subject: "cn=MyCert",
};

/**
 * A certificate's metadata.
 *
 * @example
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * import type { CertificateProperties } from "kvfetch/certificates";
 *
 * function expiresWithin(p: CertificateProperties, days: number): boolean {
 *   return p.expiresOn !== undefined && p.expiresOn.getTime() - Date.now() < days * 86_400_000;
 * }
 * await client.createCertificate("api-tls", { issuerName: "Self", subject: "CN=api" });
 * for await (const properties of client.listPropertiesOfCertificates()) {
 *   console.log(properties.name, expiresWithin(properties, 30)); // api-tls false
 * }
 * ```
 */
export interface CertificateProperties {
  /** The certificate identifier, with its version. */
  id?: string | undefined;
  /** The vault URL. */
  vaultUrl: string;
  /** The certificate's name. */
  name: string;
  /** The version. */
  version?: string | undefined;
  /** Whether the certificate can be used. */
  enabled?: boolean | undefined;
  /** Not valid before this time. */
  notBefore?: Date | undefined;
  /** Not valid after this time. */
  expiresOn?: Date | undefined;
  /** When this version was created. */
  createdOn?: Date | undefined;
  /** When this version was last updated. */
  updatedOn?: Date | undefined;
  /** Days a deleted certificate is kept before it is purged. */
  recoverableDays?: number | undefined;
  /** How deletion can be undone. */
  recoveryLevel?: DeletionRecoveryLevel | undefined;
  /** Tags. */
  tags?: Record<string, string> | undefined;
  /** The SHA-1 thumbprint of the certificate (`x5t`, as bytes). */
  x509Thumbprint?: Uint8Array | undefined;
  /** The same thumbprint as upper-case hex (how Windows and Azure portals show it). */
  x509ThumbprintString?: string | undefined;
}

/**
 * A certificate: its public part (`cer`), its ids and properties. The private key lives in the
 * secret `secretId` names (see `downloadCertificate`).
 *
 * @example
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * import type { KeyVaultCertificate } from "kvfetch/certificates";
 *
 * function describe(c: KeyVaultCertificate): string {
 *   return `${c.name} ${c.properties.version} (${c.cer?.length ?? 0} bytes of DER)`;
 * }
 * const policy = { issuerName: "Self", subject: "CN=api.example.com" };
 * const created = await client.createCertificate("api-tls", policy);
 * const version = await client.getCertificateVersion("api-tls", created.properties.version!);
 * console.log(describe(version));
 * ```
 */
export interface KeyVaultCertificate {
  /** The certificate's name. */
  name: string;
  /** The certificate identifier, with its version. */
  id?: string | undefined;
  /** The identifier of the key behind it (`/keys/{name}/{version}`). */
  keyId?: string | undefined;
  /** The identifier of the secret that holds the certificate and its key. */
  secretId?: string | undefined;
  /** The certificate, DER. */
  cer?: Uint8Array | undefined;
  /** The metadata. */
  properties: CertificateProperties;
}

/**
 * A certificate with its policy (what `getCertificate` returns).
 *
 * @example
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * import type { KeyVaultCertificateWithPolicy } from "kvfetch/certificates";
 *
 * function issuer(c: KeyVaultCertificateWithPolicy): string | undefined {
 *   return c.policy?.issuerName;
 * }
 * await client.createCertificate("api-tls", { issuerName: "Self", subject: "CN=api" });
 * console.log(issuer(await client.getCertificate("api-tls"))); // Self
 * ```
 */
export interface KeyVaultCertificateWithPolicy extends KeyVaultCertificate {
  /** The policy. */
  policy?: CertificatePolicy | undefined;
}

/**
 * A deleted certificate, kept until its scheduled purge date.
 *
 * @example
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * import type { DeletedCertificate } from "kvfetch/certificates";
 *
 * function purgeDay(c: DeletedCertificate): string | undefined {
 *   return c.scheduledPurgeDate?.toISOString().slice(0, 10);
 * }
 * await client.createCertificate("old-tls", { issuerName: "Self", subject: "CN=old" });
 * console.log(purgeDay(await client.deleteCertificate("old-tls"))); // 90 days from now
 * ```
 */
export interface DeletedCertificate extends KeyVaultCertificateWithPolicy {
  /** The id to recover it by: `https://{vault}/deletedcertificates/{name}`. */
  recoveryId?: string | undefined;
  /** When it was deleted. */
  deletedOn?: Date | undefined;
  /** When Key Vault will purge it. */
  scheduledPurgeDate?: Date | undefined;
}

/**
 * Azure's error in a failed certificate operation.
 *
 * @example
 * ```ts
 * import type { CertificateOperationError } from "kvfetch/certificates";
 *
 * const error: CertificateOperationError = { code: "BadParameter", message: "Issuer refused" };
 * console.log(error.code);
 * ```
 */
export interface CertificateOperationError {
  /** Azure's error code. */
  code?: string | undefined;
  /** Azure's message. */
  message?: string | undefined;
  /** The inner error, when there is one. */
  innerError?: CertificateOperationError | undefined;
}

/**
 * A pending (or finished) certificate creation: `GET /certificates/{name}/pending`.
 *
 * @example
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * import type { CertificateOperation } from "kvfetch/certificates";
 *
 * function waiting(op: CertificateOperation): boolean {
 *   return op.status === "inProgress";
 * }
 * const policy = { issuerName: "Unknown", subject: "CN=partner" };
 * await client.createCertificate("partner", policy, { waitForCompletion: false });
 * console.log(waiting(await client.getCertificateOperation("partner"))); // true: awaits a merge
 * ```
 */
export interface CertificateOperation {
  /** The operation's identifier (`…/certificates/{name}/pending`). */
  id?: string | undefined;
  /** The vault URL. */
  vaultUrl: string;
  /** The certificate's name. */
  name: string;
  /** The issuer. */
  issuerName?: string | undefined;
  /** The certificate type asked of the issuer. */
  certificateType?: string | undefined;
  /** Whether the certificate goes to a certificate-transparency log. */
  certificateTransparency?: boolean | undefined;
  /** The certificate signing request (PKCS#10, DER), for an `Unknown` issuer to sign. */
  csr?: Uint8Array | undefined;
  /** Whether cancellation was asked for. */
  cancellationRequested?: boolean | undefined;
  /** `inProgress`, `completed`, `failed` or `cancelled`. */
  status?: "inProgress" | "completed" | "failed" | "cancelled" | (string & Record<never, never>);
  /** What the status means, in words. */
  statusDetails?: string | undefined;
  /** The error of a failed operation. */
  error?: CertificateOperationError | undefined;
  /** The certificate the operation made, once completed. */
  target?: string | undefined;
  /** The request's id at the issuer. */
  requestId?: string | undefined;
}

/**
 * A certificate contact: who Key Vault e-mails about expiring certificates.
 *
 * @example
 * ```ts
 * import type { CertificateContact } from "kvfetch/certificates";
 *
 * const contact: CertificateContact = { email: "pki@example.com", name: "PKI team" };
 * console.log(contact.email);
 * ```
 */
export interface CertificateContact {
  /** E-mail address. */
  email?: string | undefined;
  /** Name. */
  name?: string | undefined;
  /** Phone number. */
  phone?: string | undefined;
}

/**
 * An administrator of an issuer's organisation.
 *
 * @example
 * ```ts
 * import type { AdministratorContact } from "kvfetch/certificates";
 *
 * const admin: AdministratorContact = { firstName: "Ada", lastName: "L", email: "ada@example.com" };
 * console.log(admin.email);
 * ```
 */
export interface AdministratorContact {
  /** First name. */
  firstName?: string | undefined;
  /** Last name. */
  lastName?: string | undefined;
  /** E-mail address. */
  email?: string | undefined;
  /** Phone number. */
  phone?: string | undefined;
}

/**
 * An issuer's identity in a listing.
 *
 * @example
 * ```ts
 * import type { IssuerProperties } from "kvfetch/certificates";
 *
 * const issuer: IssuerProperties = { name: "digicert", provider: "DigiCert" };
 * console.log(issuer.provider);
 * ```
 */
export interface IssuerProperties {
  /** The issuer's identifier. */
  id?: string | undefined;
  /** The issuer's name. */
  name: string;
  /** The provider (e.g. `DigiCert`, `GlobalSign`). */
  provider?: string | undefined;
}

/**
 * A certificate issuer: a CA account Key Vault orders certificates from.
 *
 * @example
 * ```ts
 * import { CertificateClient } from "kvfetch/certificates";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new CertificateClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * import type { CertificateIssuer } from "kvfetch/certificates";
 *
 * function show(issuer: CertificateIssuer): string {
 *   return `${issuer.name} (${issuer.provider}, account ${issuer.accountId})`; // not the password
 * }
 * await client.createIssuer("my-ca", "DigiCert", { accountId: "acct-1", password: "api-key" });
 * console.log(show(await client.getIssuer("my-ca"))); // my-ca (DigiCert, account acct-1)
 * ```
 */
export interface CertificateIssuer extends IssuerProperties {
  /** The account id at the provider. */
  accountId?: string | undefined;
  /** The account password or API key. */
  password?: string | undefined;
  /** The organisation id at the provider. */
  organizationId?: string | undefined;
  /** The organisation's administrators. */
  administratorContacts?: AdministratorContact[] | undefined;
  /** Whether the issuer is enabled. */
  enabled?: boolean | undefined;
  /** When it was created. */
  createdOn?: Date | undefined;
  /** When it was last updated. */
  updatedOn?: Date | undefined;
}

// ---- checks of a policy (before any request) --------------------------------------------

const KEY_TYPES = ["RSA", "RSA-HSM", "EC", "EC-HSM"];
const CURVE_BITS: Record<string, number> = {
  "P-256": 256,
  "P-384": 384,
  "P-521": 521,
  "P-256K": 256,
};
const RSA_SIZES = [2048, 3072, 4096];
const CONTENT_TYPES = ["application/x-pkcs12", "application/x-pem-file"];
const KEY_USAGES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

const optional = (value: unknown, type: string, option: string) =>
  need(value === undefined || typeof value == type, option, `must be a ${type}`);

function strings(value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  need(
    Array.isArray(value) && value.every((s) => typeof s == "string" && s !== ""),
    option,
    "must be an array of non-empty strings",
  );
  return value as string[];
}

/**
 * Checks a policy and builds its wire form (`CertificatePolicy` of the REST API). `create`:
 * the policy of a new certificate, which needs a subject or SANs; an update may leave both out.
 */
export function policyToWire(policy: unknown, create: boolean): Record<string, unknown> {
  need(typeof policy == "object" && policy !== null, "policy", "must be an object");
  const p = policy as CertificatePolicy;
  optional(p.subject, "string", "policy.subject");
  const sans = p.subjectAlternativeNames;
  need(
    sans === undefined || (typeof sans == "object" && sans !== null),
    "policy.subjectAlternativeNames",
    "must be an object",
  );
  const wireSans = sans && {
    emails: strings(sans.emails, "policy.subjectAlternativeNames.emails"),
    dns_names: strings(sans.dnsNames, "policy.subjectAlternativeNames.dnsNames"),
    upns: strings(sans.userPrincipalNames, "policy.subjectAlternativeNames.userPrincipalNames"),
    uris: strings(sans.uris, "policy.subjectAlternativeNames.uris"),
    ipAddresses: strings(sans.ipAddresses, "policy.subjectAlternativeNames.ipAddresses"),
  };
  const hasSans = !!wireSans && Object.values(wireSans).some((list) => list?.length);
  if (create) {
    need(
      !!p.subject || hasSans,
      "policy",
      'needs a "subject" or at least one of "subjectAlternativeNames" (Key Vault requires one)',
    );
  }
  need(p.subject !== "", "policy.subject", "must not be empty");
  need(
    p.keyType === undefined || KEY_TYPES.includes(p.keyType),
    "policy.keyType",
    `must be one of ${KEY_TYPES.join(", ")}`,
    RangeError,
  );
  const ec = p.keyType?.startsWith("EC") || p.keyCurveName !== undefined;
  need(
    p.keyCurveName === undefined || p.keyCurveName in CURVE_BITS,
    "policy.keyCurveName",
    "must be P-256, P-384, P-521 or P-256K",
    RangeError,
  );
  need(
    p.keyCurveName === undefined || p.keyType === undefined || p.keyType.startsWith("EC"),
    "policy.keyCurveName",
    "is only for EC keys",
    RangeError,
  );
  if (p.keySize !== undefined) {
    need(
      ec ? p.keySize === CURVE_BITS[p.keyCurveName ?? "P-256"] : RSA_SIZES.includes(p.keySize),
      "policy.keySize",
      ec
        ? "must be the curve's size (256, 384 or 521) for an EC key"
        : "must be 2048, 3072 or 4096 for an RSA key",
      RangeError,
    );
  }
  optional(p.reuseKey, "boolean", "policy.reuseKey");
  optional(p.exportable, "boolean", "policy.exportable");
  optional(p.enabled, "boolean", "policy.enabled");
  optional(p.issuerName, "string", "policy.issuerName");
  optional(p.certificateType, "string", "policy.certificateType");
  optional(p.certificateTransparency, "boolean", "policy.certificateTransparency");
  need(
    p.contentType === undefined || CONTENT_TYPES.includes(p.contentType),
    "policy.contentType",
    "must be application/x-pkcs12 or application/x-pem-file",
    RangeError,
  );
  need(
    p.validityInMonths === undefined ||
      (Number.isInteger(p.validityInMonths) && p.validityInMonths >= 1 &&
        p.validityInMonths <= 1200),
    "policy.validityInMonths",
    "must be an integer from 1 to 1200",
    RangeError,
  );
  need(
    p.keyUsage === undefined ||
      (Array.isArray(p.keyUsage) && p.keyUsage.every((u) => KEY_USAGES.includes(u))),
    "policy.keyUsage",
    `must be an array of ${KEY_USAGES.join(", ")}`,
    RangeError,
  );
  const ekus = strings(p.enhancedKeyUsage, "policy.enhancedKeyUsage");
  need(
    !ekus || ekus.every((e) => /^\d+(\.\d+)+$/.test(e)),
    "policy.enhancedKeyUsage",
    "must be dotted OIDs such as 1.3.6.1.5.5.7.3.1",
  );
  need(
    p.lifetimeActions === undefined || Array.isArray(p.lifetimeActions),
    "policy.lifetimeActions",
    "must be an array",
  );
  const actions = p.lifetimeActions?.map((a, i) => {
    const option = `policy.lifetimeActions[${i}]`;
    need(typeof a == "object" && a !== null, option, "must be an object");
    need(
      a.action === "AutoRenew" || a.action === "EmailContacts",
      `${option}.action`,
      "must be AutoRenew or EmailContacts",
      RangeError,
    );
    need(
      (a.lifetimePercentage === undefined) !== (a.daysBeforeExpiry === undefined),
      option,
      'needs exactly one of "lifetimePercentage" and "daysBeforeExpiry"',
    );
    need(
      a.lifetimePercentage === undefined ||
        (Number.isInteger(a.lifetimePercentage) && a.lifetimePercentage >= 1 &&
          a.lifetimePercentage <= 99),
      `${option}.lifetimePercentage`,
      "must be an integer from 1 to 99",
      RangeError,
    );
    need(
      a.daysBeforeExpiry === undefined ||
        (Number.isInteger(a.daysBeforeExpiry) && a.daysBeforeExpiry >= 1),
      `${option}.daysBeforeExpiry`,
      "must be an integer of at least 1",
      RangeError,
    );
    return {
      trigger: {
        lifetime_percentage: a.lifetimePercentage,
        days_before_expiry: a.daysBeforeExpiry,
      },
      action: { action_type: a.action },
    };
  });
  const keyProps = {
    exportable: p.exportable,
    kty: p.keyType,
    key_size: p.keySize,
    reuse_key: p.reuseKey,
    crv: p.keyCurveName,
  };
  const x509 = {
    subject: p.subject,
    ekus,
    sans: hasSans ? wireSans : undefined,
    key_usage: p.keyUsage,
    validity_months: p.validityInMonths,
  };
  const issuer = {
    name: p.issuerName,
    cty: p.certificateType,
    cert_transparency: p.certificateTransparency,
  };
  const some = (o: Record<string, unknown>) =>
    Object.values(o).some((x) => x !== undefined) ? o : undefined;
  return {
    key_props: some(keyProps),
    secret_props: p.contentType ? { contentType: p.contentType } : undefined,
    x509_props: some(x509),
    lifetime_actions: actions,
    issuer: some(issuer),
    attributes: p.enabled === undefined ? undefined : { enabled: p.enabled },
  };
}

/** `{ enabled, nbf, exp }` attributes of a request, or undefined when none is set. */
export function attributesToWire(
  options: { enabled?: boolean | undefined; notBefore?: Date; expiresOn?: Date },
): Record<string, unknown> | undefined {
  optional(options.enabled, "boolean", "enabled");
  const a = {
    enabled: options.enabled,
    nbf: toUnix(options.notBefore, "notBefore"),
    exp: toUnix(options.expiresOn, "expiresOn"),
  };
  return Object.values(a).some((x) => x !== undefined) ? a : undefined;
}

// ---- schemas -----------------------------------------------------------------------------

/** Azure's error inside a certificate operation, as sent. */
export interface WireError {
  code?: string | null | undefined;
  message?: string | null | undefined;
  innererror?: WireError | null | undefined;
}

/** The schemas of certificates, made on first use. */
export const certificateSchemas = /* @__PURE__ */ lazy(() => {
  const Seconds = v.nullish(v.number());
  const Tags = v.nullish(v.record(v.string(), v.string()));
  const Base64 = v.pipe(
    v.string(),
    must("base64", succeeds((s: string) => /^[\w\-+/]+={0,2}$/.test(s) && decodeBase64(s))),
  );
  const CertificateId = v.pipe(
    v.string(),
    must("a certificate identifier", succeeds(parseKeyVaultCertificateIdentifier)),
  );
  const Strings = v.nullish(v.array(v.string()));

  const Attributes = v.object({
    enabled: v.nullish(v.boolean()),
    nbf: Seconds,
    exp: Seconds,
    created: Seconds,
    updated: Seconds,
    recoverableDays: Seconds,
    recoveryLevel: v.nullish(v.string()),
  });

  const Policy = v.object({
    id: v.nullish(v.string()),
    key_props: v.nullish(v.object({
      exportable: v.nullish(v.boolean()),
      kty: v.nullish(v.string()),
      key_size: Seconds,
      reuse_key: v.nullish(v.boolean()),
      crv: v.nullish(v.string()),
    })),
    secret_props: v.nullish(v.object({ contentType: v.nullish(v.string()) })),
    x509_props: v.nullish(v.object({
      subject: v.nullish(v.string()),
      ekus: Strings,
      sans: v.nullish(v.object({
        emails: Strings,
        dns_names: Strings,
        upns: Strings,
        uris: Strings,
        ipAddresses: Strings,
      })),
      key_usage: Strings,
      validity_months: Seconds,
    })),
    lifetime_actions: v.nullish(v.array(v.object({
      trigger: v.nullish(v.object({
        lifetime_percentage: Seconds,
        days_before_expiry: Seconds,
      })),
      action: v.nullish(v.object({ action_type: v.nullish(v.string()) })),
    }))),
    issuer: v.nullish(v.object({
      name: v.nullish(v.string()),
      cty: v.nullish(v.string()),
      cert_transparency: v.nullish(v.boolean()),
    })),
    attributes: v.nullish(Attributes),
  });

  /** A `CertificateBundle`, `DeletedCertificateBundle` or list item. */
  const CertificateBundleSchema = v.object({
    id: CertificateId,
    kid: v.nullish(v.string()),
    sid: v.nullish(v.string()),
    x5t: v.nullish(Base64),
    cer: v.nullish(Base64),
    policy: v.nullish(Policy),
    contentType: v.nullish(v.string()),
    attributes: v.nullish(Attributes),
    tags: Tags,
    recoveryId: v.nullish(v.string()),
    deletedDate: Seconds,
    scheduledPurgeDate: Seconds,
  });

  const ErrorSchema: v.GenericSchema<WireError> = v.object({
    code: v.nullish(v.string()),
    message: v.nullish(v.string()),
    innererror: v.nullish(v.lazy(() => ErrorSchema)),
  });

  const OperationSchema = v.object({
    id: v.pipe(
      v.string(),
      must("a certificate operation identifier", succeeds(parseOperationId)),
    ),
    issuer: v.nullish(v.object({
      name: v.nullish(v.string()),
      cty: v.nullish(v.string()),
      cert_transparency: v.nullish(v.boolean()),
    })),
    csr: v.nullish(Base64),
    cancellation_requested: v.nullish(v.boolean()),
    status: v.nullish(v.string()),
    status_details: v.nullish(v.string()),
    error: v.nullish(ErrorSchema),
    target: v.nullish(v.string()),
    request_id: v.nullish(v.string()),
  });

  const Contact = v.object({
    email: v.nullish(v.string()),
    name: v.nullish(v.string()),
    phone: v.nullish(v.string()),
  });
  const ContactsSchema = v.object({
    id: v.nullish(v.string()),
    contacts: v.nullish(v.array(Contact)),
  });

  const IssuerId = v.pipe(
    v.string(),
    must("a certificate issuer identifier", succeeds(parseIssuerId)),
  );
  const IssuerSchema = v.object({
    id: IssuerId,
    provider: v.nullish(v.string()),
    credentials: v.nullish(v.object({
      account_id: v.nullish(v.string()),
      pwd: v.nullish(v.string()),
    })),
    org_details: v.nullish(v.object({
      id: v.nullish(v.string()),
      admin_details: v.nullish(v.array(v.object({
        first_name: v.nullish(v.string()),
        last_name: v.nullish(v.string()),
        email: v.nullish(v.string()),
        phone: v.nullish(v.string()),
      }))),
    })),
    attributes: v.nullish(v.object({
      enabled: v.nullish(v.boolean()),
      created: Seconds,
      updated: Seconds,
    })),
  });
  const IssuerItemSchema = v.object({ id: IssuerId, provider: v.nullish(v.string()) });

  const BackupSchema = v.object({ value: Base64 });

  return {
    CertificateBundleSchema,
    PolicySchema: Policy,
    OperationSchema,
    ContactsSchema,
    IssuerSchema,
    IssuerItemSchema,
    BackupSchema,
  };
});

type Schemas = ReturnType<typeof certificateSchemas>;
/** A certificate bundle as validated. */
export type CertificateBundle = v.InferOutput<Schemas["CertificateBundleSchema"]>;
type WirePolicy = v.InferOutput<Schemas["PolicySchema"]>;
/** A certificate operation as validated. */
export type OperationBundle = v.InferOutput<Schemas["OperationSchema"]>;
/** An issuer bundle as validated. */
export type IssuerBundle = v.InferOutput<Schemas["IssuerSchema"]>;
/** Contacts as validated. */
export type ContactsBundle = v.InferOutput<Schemas["ContactsSchema"]>;

/** `https://{vault}/certificates/{name}/pending` → vault URL and name. */
function parseOperationId(id: string): { vaultUrl: string; name: string } {
  const parsed = parseIdentifier(id, ["certificates"], "certificate operation");
  if (parsed.version !== "pending") throw new TypeError("Not a certificate operation id");
  return { vaultUrl: parsed.vaultUrl, name: parsed.name };
}

/** `https://{vault}/certificates/issuers/{name}` → vault URL and name. */
function parseIssuerId(id: string): { vaultUrl: string; name: string } {
  const parsed = parseIdentifier(id, ["certificates"], "certificate issuer");
  if (parsed.name !== "issuers" || !parsed.version) {
    throw new TypeError("Not a certificate issuer id");
  }
  return { vaultUrl: parsed.vaultUrl, name: parsed.version };
}

const undef = <T>(x: T | null | undefined): T | undefined => x ?? undefined;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** Maps a bundle or list item to {@link CertificateProperties}. */
export function toCertificateProperties(bundle: CertificateBundle): CertificateProperties {
  const id = parseKeyVaultCertificateIdentifier(bundle.id);
  const a = bundle.attributes ?? {};
  const thumbprint = bundle.x5t ? decodeBase64(bundle.x5t) : undefined;
  return {
    id: bundle.id,
    vaultUrl: id.vaultUrl,
    name: id.name,
    version: id.version,
    enabled: undef(a.enabled),
    notBefore: fromUnix(a.nbf),
    expiresOn: fromUnix(a.exp),
    createdOn: fromUnix(a.created),
    updatedOn: fromUnix(a.updated),
    recoverableDays: undef(a.recoverableDays),
    recoveryLevel: undef(a.recoveryLevel),
    tags: undef(bundle.tags),
    x509Thumbprint: thumbprint,
    x509ThumbprintString: thumbprint && hex(thumbprint),
  };
}

/** Maps a policy from the wire. */
export function toCertificatePolicy(p: WirePolicy): CertificatePolicy {
  const sans = p.x509_props?.sans;
  const list = <T>(x: T[] | null | undefined) => x ?? undefined;
  const policy: CertificatePolicy = {
    id: undef(p.id),
    subject: undef(p.x509_props?.subject),
    subjectAlternativeNames: sans
      ? {
        emails: list(sans.emails),
        dnsNames: list(sans.dns_names),
        userPrincipalNames: list(sans.upns),
        uris: list(sans.uris),
        ipAddresses: list(sans.ipAddresses),
      }
      : undefined,
    issuerName: undef(p.issuer?.name),
    certificateType: undef(p.issuer?.cty),
    certificateTransparency: undef(p.issuer?.cert_transparency),
    keyType: undef(p.key_props?.kty) as CertificateKeyType | undefined,
    keySize: undef(p.key_props?.key_size),
    keyCurveName: undef(p.key_props?.crv) as CertificateKeyCurveName | undefined,
    reuseKey: undef(p.key_props?.reuse_key),
    exportable: undef(p.key_props?.exportable),
    contentType: undef(p.secret_props?.contentType) as CertificateContentType | undefined,
    validityInMonths: undef(p.x509_props?.validity_months),
    lifetimeActions: p.lifetime_actions?.map((a) => ({
      action: (a.action?.action_type ?? "AutoRenew") as LifetimeAction["action"],
      lifetimePercentage: undef(a.trigger?.lifetime_percentage),
      daysBeforeExpiry: undef(a.trigger?.days_before_expiry),
    })),
    keyUsage: list(p.x509_props?.key_usage) as KeyUsageType[] | undefined,
    enhancedKeyUsage: list(p.x509_props?.ekus),
    enabled: undef(p.attributes?.enabled),
    createdOn: fromUnix(p.attributes?.created),
    updatedOn: fromUnix(p.attributes?.updated),
  };
  return policy;
}

/** Maps a bundle to a {@link KeyVaultCertificateWithPolicy}. */
export function toCertificate(bundle: CertificateBundle): KeyVaultCertificateWithPolicy {
  const properties = toCertificateProperties(bundle);
  const certificate: KeyVaultCertificateWithPolicy = {
    name: properties.name,
    id: bundle.id,
    keyId: undef(bundle.kid),
    secretId: undef(bundle.sid),
    cer: bundle.cer ? decodeBase64(bundle.cer) : undefined,
    properties,
  };
  if (bundle.policy) certificate.policy = toCertificatePolicy(bundle.policy);
  return certificate;
}

/** Maps a deleted bundle or item to a {@link DeletedCertificate}. */
export function toDeletedCertificate(bundle: CertificateBundle): DeletedCertificate {
  return {
    ...toCertificate(bundle),
    recoveryId: undef(bundle.recoveryId),
    deletedOn: fromUnix(bundle.deletedDate),
    scheduledPurgeDate: fromUnix(bundle.scheduledPurgeDate),
  };
}

function toOperationError(
  e: { code?: string | null; message?: string | null; innererror?: unknown } | null | undefined,
  depth = 0,
): CertificateOperationError | undefined {
  if (!e || depth > 32) return undefined;
  return {
    code: undef(e.code),
    message: undef(e.message),
    innerError: toOperationError(e.innererror as typeof e, depth + 1),
  };
}

/** Maps a certificate operation. */
export function toCertificateOperation(op: OperationBundle): CertificateOperation {
  const { vaultUrl, name } = parseOperationId(op.id);
  return {
    id: op.id,
    vaultUrl,
    name,
    issuerName: undef(op.issuer?.name),
    certificateType: undef(op.issuer?.cty),
    certificateTransparency: undef(op.issuer?.cert_transparency),
    csr: op.csr ? decodeBase64(op.csr) : undefined,
    cancellationRequested: undef(op.cancellation_requested),
    status: undef(op.status),
    statusDetails: undef(op.status_details),
    error: toOperationError(op.error),
    target: undef(op.target),
    requestId: undef(op.request_id),
  };
}

/** Maps an issuer bundle. */
export function toIssuer(bundle: IssuerBundle): CertificateIssuer {
  const { name } = parseIssuerId(bundle.id);
  return {
    id: bundle.id,
    name,
    provider: undef(bundle.provider),
    accountId: undef(bundle.credentials?.account_id),
    password: undef(bundle.credentials?.pwd),
    organizationId: undef(bundle.org_details?.id),
    administratorContacts: bundle.org_details?.admin_details?.map((a) => ({
      firstName: undef(a.first_name),
      lastName: undef(a.last_name),
      email: undef(a.email),
      phone: undef(a.phone),
    })),
    enabled: undef(bundle.attributes?.enabled),
    createdOn: fromUnix(bundle.attributes?.created),
    updatedOn: fromUnix(bundle.attributes?.updated),
  };
}

/** Maps an issuer list item. */
export function toIssuerProperties(
  item: { id: string; provider?: string | null },
): IssuerProperties {
  return { id: item.id, name: parseIssuerId(item.id).name, provider: undef(item.provider) };
}

/** Maps contacts. */
export function toContacts(bundle: ContactsBundle): CertificateContact[] {
  return (bundle.contacts ?? []).map((c) => ({
    email: undef(c.email),
    name: undef(c.name),
    phone: undef(c.phone),
  }));
}
