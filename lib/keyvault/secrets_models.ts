/**
 * The shapes of secrets: what Key Vault sends (valibot schemas) and what `SecretClient`
 * returns (plain objects with `Date`s), named as in `@azure/keyvault-secrets`.
 *
 * @module
 */

import * as v from "valibot";
import { fromUnix } from "./_names.ts";
import { parseIdentifier } from "./_identifier.ts";
import { must, succeeds } from "../http/json.ts";
import { decodeBase64 } from "../http/_base64.ts";

/**
 * The parts of a secret identifier.
 *
 * @example
 * ```ts
 * import type { KeyVaultSecretIdentifier } from "kvfetch/secrets";
 *
 * const id: KeyVaultSecretIdentifier = {
 *   sourceId: "https://myvault.vault.azure.net/secrets/db-password",
 *   vaultUrl: "https://myvault.vault.azure.net",
 *   name: "db-password",
 *   version: undefined,
 * };
 * console.log(id.name);
 * ```
 */
export interface KeyVaultSecretIdentifier {
  /** The identifier as given. */
  sourceId: string;
  /** The vault URL, e.g. `https://myvault.vault.azure.net`. */
  vaultUrl: string;
  /** The secret's name. */
  name: string;
  /** The version, when the identifier names one. */
  version?: string | undefined;
}

/**
 * Splits a secret identifier (`https://{vault}/secrets/{name}[/{version}]`, or a
 * `deletedsecrets` one) into its parts. Throws a `TypeError` for anything else.
 *
 * @example
 * ```ts
 * import { parseKeyVaultSecretIdentifier } from "kvfetch/secrets";
 *
 * const { vaultUrl, name, version } = parseKeyVaultSecretIdentifier(
 *   "https://myvault.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef",
 * );
 * console.log(vaultUrl, name, version);
 * ```
 */
export function parseKeyVaultSecretIdentifier(id: string): KeyVaultSecretIdentifier {
  return parseIdentifier(id, ["secrets", "deletedsecrets"], "secret");
}

/**
 * How deletion can be undone for a secret (Key Vault's `DeletionRecoveryLevel`).
 *
 * @example
 * ```ts
 * import type { DeletionRecoveryLevel } from "kvfetch/secrets";
 *
 * const level: DeletionRecoveryLevel = "Recoverable+Purgeable";
 * console.log(level);
 * ```
 */
export type DeletionRecoveryLevel =
  | "Purgeable"
  | "Recoverable+Purgeable"
  | "Recoverable"
  | "Recoverable+ProtectedSubscription"
  | "CustomizedRecoverable+Purgeable"
  | "CustomizedRecoverable"
  | "CustomizedRecoverable+ProtectedSubscription"
  | (string & Record<never, never>);

/**
 * A secret's metadata: everything but its value.
 *
 * @example
 * ```ts
 * import { SecretClient, type SecretProperties } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const tomorrow = new Date(Date.now() + 86_400_000);
 * await client.setSecret("db-password", "s3cret", { expiresOn: tomorrow });
 * const nextWeek = Date.now() + 7 * 86_400_000;
 * const expiresSoon = (p: SecretProperties) => (p.expiresOn?.getTime() ?? Infinity) < nextWeek;
 * for await (const properties of client.listPropertiesOfSecrets()) {
 *   console.log(properties.name, expiresSoon(properties)); // db-password true
 * }
 * ```
 */
export interface SecretProperties {
  /** The secret identifier, with its version. */
  id?: string | undefined;
  /** The vault URL. */
  vaultUrl: string;
  /** The secret's name. */
  name: string;
  /** The version. */
  version?: string | undefined;
  /** Whether the secret can be read. */
  enabled?: boolean | undefined;
  /** Not usable before this time. */
  notBefore?: Date | undefined;
  /** Not usable after this time. */
  expiresOn?: Date | undefined;
  /** When this version was created. */
  createdOn?: Date | undefined;
  /** When this version was last updated. */
  updatedOn?: Date | undefined;
  /** Days a deleted secret is kept before it is purged (7 to 90). */
  recoverableDays?: number | undefined;
  /** How deletion can be undone. */
  recoveryLevel?: DeletionRecoveryLevel | undefined;
  /** The content type, a free-form hint such as `text/plain`. */
  contentType?: string | undefined;
  /** Tags. */
  tags?: Record<string, string> | undefined;
  /** True when Key Vault manages this secret (the secret behind a certificate). */
  managed?: boolean | undefined;
  /** The key id, when this secret backs a certificate. */
  certificateKeyId?: string | undefined;
  /** The previous version of a certificate-backing secret, when Key Vault reports it. */
  previousVersion?: string | undefined;
}

/**
 * A secret: its name, value and properties.
 *
 * @example
 * ```ts
 * import { type KeyVaultSecret, SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await client.setSecret("db-password", "s3cret", { contentType: "text/plain" });
 * const secret: KeyVaultSecret = await client.getSecret("db-password");
 * console.log(secret.name, secret.properties.contentType); // db-password text/plain (never the value)
 * ```
 */
export interface KeyVaultSecret {
  /** The secret's name. */
  name: string;
  /** The value. Absent where Key Vault does not return it (update, recover). */
  value?: string | undefined;
  /** The metadata. */
  properties: SecretProperties;
}

/**
 * A deleted secret, kept until its scheduled purge date.
 *
 * @example
 * ```ts
 * import { type DeletedSecret, SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new SecretClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await client.setSecret("old-password", "s3cret");
 * const deleted: DeletedSecret = await client.deleteSecret("old-password"); // once it is done
 * console.log(deleted.name, deleted.scheduledPurgeDate?.toISOString().slice(0, 10)); // in 90 days
 * ```
 */
export interface DeletedSecret extends KeyVaultSecret {
  /** The id to recover it by: `https://{vault}/deletedsecrets/{name}`. */
  recoveryId?: string | undefined;
  /** When it was deleted. */
  deletedOn?: Date | undefined;
  /** When Key Vault will purge it. */
  scheduledPurgeDate?: Date | undefined;
  /** The metadata, with the deletion details repeated as `@azure/keyvault-secrets` has them. */
  properties: SecretProperties & {
    recoveryId?: string | undefined;
    deletedOn?: Date | undefined;
    scheduledPurgeDate?: Date | undefined;
  };
}

const Seconds = v.nullish(v.number());

const Attributes = v.object({
  enabled: v.nullish(v.boolean()),
  nbf: Seconds,
  exp: Seconds,
  created: Seconds,
  updated: Seconds,
  recoverableDays: Seconds,
  recoveryLevel: v.nullish(v.string()),
});

const Tags = v.nullish(v.record(v.string(), v.string()));

/**
 * A `SecretBundle` (also `SecretItem`, which has no value) as Key Vault sends it. Its `id` is
 * checked to be a secret identifier, so mapping a validated bundle never throws.
 */
export const SecretBundleSchema = v.object({
  id: v.pipe(v.string(), must("a secret identifier", succeeds(parseKeyVaultSecretIdentifier))),
  value: v.nullish(v.string()),
  contentType: v.nullish(v.string()),
  attributes: v.nullish(Attributes),
  tags: Tags,
  kid: v.nullish(v.string()),
  managed: v.nullish(v.boolean()),
  previousVersion: v.nullish(v.string()),
  recoveryId: v.nullish(v.string()),
  deletedDate: Seconds,
  scheduledPurgeDate: Seconds,
});

/** A secret bundle as validated. */
export type SecretBundle = v.InferOutput<typeof SecretBundleSchema>;

/** `{ value }` of a backup: non-empty base64url that `decodeBase64` decodes. */
export const BackupSchema = v.object({
  value: v.pipe(
    v.string(),
    must("base64url", succeeds((s: string) => /^[\w\-+/]+={0,2}$/.test(s) && decodeBase64(s))),
  ),
});

/** Maps a bundle or list item to {@link SecretProperties}. */
export function toSecretProperties(bundle: SecretBundle): SecretProperties {
  const id = parseKeyVaultSecretIdentifier(bundle.id);
  const a = bundle.attributes ?? {};
  return {
    id: bundle.id,
    vaultUrl: id.vaultUrl,
    name: id.name,
    version: id.version,
    enabled: a.enabled ?? undefined,
    notBefore: fromUnix(a.nbf),
    expiresOn: fromUnix(a.exp),
    createdOn: fromUnix(a.created),
    updatedOn: fromUnix(a.updated),
    recoverableDays: a.recoverableDays ?? undefined,
    recoveryLevel: a.recoveryLevel ?? undefined,
    contentType: bundle.contentType ?? undefined,
    tags: bundle.tags ?? undefined,
    managed: bundle.managed ?? undefined,
    certificateKeyId: bundle.kid ?? undefined,
    previousVersion: bundle.previousVersion ?? undefined,
  };
}

/** Maps a bundle to a {@link KeyVaultSecret}. */
export function toSecret(bundle: SecretBundle): KeyVaultSecret {
  const properties = toSecretProperties(bundle);
  return { name: properties.name, value: bundle.value ?? undefined, properties };
}

/** Maps a deleted bundle or item to a {@link DeletedSecret}. */
export function toDeletedSecret(bundle: SecretBundle): DeletedSecret {
  const secret = toSecret(bundle);
  const deletion = {
    recoveryId: bundle.recoveryId ?? undefined,
    deletedOn: fromUnix(bundle.deletedDate),
    scheduledPurgeDate: fromUnix(bundle.scheduledPurgeDate),
  };
  return { ...secret, ...deletion, properties: { ...secret.properties, ...deletion } };
}
