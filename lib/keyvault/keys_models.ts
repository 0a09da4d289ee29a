/**
 * The shapes of keys: what Key Vault sends (valibot schemas) and what `KeyClient` returns
 * (plain objects with `Date`s), named as in `@azure/keyvault-keys`.
 *
 * @module
 */

import * as v from "valibot";
import { fromUnix } from "./_names.ts";
import { parseIdentifier } from "./_identifier.ts";
import { must, succeeds } from "../http/json.ts";
import { decodeBase64 } from "../http/_base64.ts";
import { lazy } from "../http/_lazy.ts";
import { parseKeyVaultJwk } from "../jwk/parse.ts";
import type { Jwk, KeyOperation, KeyVaultJwk, KeyVaultKeyType } from "../jwk/types.ts";
import type { DeletionRecoveryLevel } from "./secrets_models.ts";

/**
 * The parts of a key identifier.
 *
 * @example
 * ```ts
 * import type { KeyVaultKeyIdentifier } from "kvfetch/keys";
 *
 * const id: KeyVaultKeyIdentifier = {
 *   sourceId: "https://myvault.vault.azure.net/keys/signer",
 *   vaultUrl: "https://myvault.vault.azure.net",
 *   name: "signer",
 *   version: undefined,
 * };
 * console.log(id.name);
 * ```
 */
export interface KeyVaultKeyIdentifier {
  /** The identifier as given. */
  sourceId: string;
  /** The vault URL, e.g. `https://myvault.vault.azure.net`. */
  vaultUrl: string;
  /** The key's name. */
  name: string;
  /** The version, when the identifier names one. */
  version?: string | undefined;
}

/**
 * Splits a key identifier (`https://{vault}/keys/{name}[/{version}]`, or a `deletedkeys` one)
 * into its parts. Throws a `TypeError` for anything else.
 *
 * @example
 * ```ts
 * import { parseKeyVaultKeyIdentifier } from "kvfetch/keys";
 *
 * const { vaultUrl, name, version } = parseKeyVaultKeyIdentifier(
 *   "https://myvault.vault.azure.net/keys/signer/0123456789abcdef0123456789abcdef",
 * );
 * console.log(vaultUrl, name, version);
 * ```
 */
export function parseKeyVaultKeyIdentifier(id: string): KeyVaultKeyIdentifier {
  return parseIdentifier(id, ["keys", "deletedkeys"], "key");
}

/**
 * A key's release policy (secure key release): who may export it, as a policy document.
 *
 * @example
 * ```ts
 * import type { KeyReleasePolicy } from "kvfetch/keys";
 *
 * const policy: KeyReleasePolicy = {
 *   encodedPolicy: new TextEncoder().encode(JSON.stringify({ version: "1.0.0", anyOf: [] })),
 *   immutable: false,
 * };
 * console.log(policy.immutable);
 * ```
 */
export interface KeyReleasePolicy {
  /** The policy's content type. @default "application/json; charset=utf-8" */
  contentType?: string | undefined;
  /** The policy document (UTF-8 JSON). */
  encodedPolicy?: Uint8Array | undefined;
  /** Whether the policy can no longer change. */
  immutable?: boolean | undefined;
}

/**
 * The attestation of a key kept in a Managed HSM.
 *
 * @example
 * ```ts
 * import type { KeyAttestation } from "kvfetch/keys";
 *
 * const attestation: KeyAttestation = { version: "1.0" };
 * console.log(attestation.version);
 * ```
 */
export interface KeyAttestation {
  /** The certificate used for attestation validation, PEM bytes. */
  certificatePemFile?: Uint8Array | undefined;
  /** The private key attestation. */
  privateKeyAttestation?: Uint8Array | undefined;
  /** The public key attestation. */
  publicKeyAttestation?: Uint8Array | undefined;
  /** The attestation format version. */
  version?: string | undefined;
}

/**
 * A key's metadata: everything but the key material.
 *
 * @example
 * ```ts
 * import { KeyClient, type KeyProperties } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const expiresOn = new Date(Date.now() + 90 * 86_400_000);
 * const { properties } = await keys.createRsaKey("data-key", { expiresOn, tags: { app: "api" } });
 * const p: KeyProperties = properties;
 * console.log(p.enabled, p.expiresOn! > new Date(), p.tags); // true true { app: "api" }
 * ```
 */
export interface KeyProperties {
  /** The key identifier, with its version. */
  id?: string | undefined;
  /** The vault URL. */
  vaultUrl: string;
  /** The key's name. */
  name: string;
  /** The version. */
  version?: string | undefined;
  /** Whether the key can be used. */
  enabled?: boolean | undefined;
  /** Not usable before this time. */
  notBefore?: Date | undefined;
  /** Not usable after this time. */
  expiresOn?: Date | undefined;
  /** When this version was created. */
  createdOn?: Date | undefined;
  /** When this version was last updated. */
  updatedOn?: Date | undefined;
  /** Days a deleted key is kept before it is purged. */
  recoverableDays?: number | undefined;
  /** How deletion can be undone. */
  recoveryLevel?: DeletionRecoveryLevel | undefined;
  /** Whether the private key can be exported (released). */
  exportable?: boolean | undefined;
  /** The release policy of an exportable key. */
  releasePolicy?: KeyReleasePolicy | undefined;
  /** The HSM platform the key is kept in. */
  hsmPlatform?: string | undefined;
  /** The key's attestation (Managed HSM, from `getKeyAttestation`). */
  attestation?: KeyAttestation | undefined;
  /** Tags. */
  tags?: Record<string, string> | undefined;
  /** True when Key Vault manages the key (the key of a certificate). */
  managed?: boolean | undefined;
}

/**
 * A key: its public JSON Web Key in Key Vault's form (`key`) and in the standard form
 * (`jwk`), and its properties.
 *
 * @example
 * ```ts
 * import { KeyClient, type KeyVaultKey } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * const key: KeyVaultKey = await keys.createEcKey("signer", { curve: "P-256", keyOps: ["sign"] });
 * console.log(key.name, key.keyType, key.keyOperations, key.jwk?.crv); // signer EC [ "sign" ] P-256
 * ```
 */
export interface KeyVaultKey {
  /** The key's name. */
  name: string;
  /** The key's full id, `https://{vault}/keys/{name}/{version}`. */
  id?: string | undefined;
  /** The JSON Web Key exactly as Key Vault sent it (public members only). */
  key?: KeyVaultJwk | undefined;
  /** The same key as a standard RFC 7517 JWK (`-HSM` stripped): for jose or Web Crypto. */
  jwk?: Jwk | undefined;
  /** The key type. */
  keyType?: KeyVaultKeyType | undefined;
  /** What the key may be used for. */
  keyOperations?: KeyOperation[] | undefined;
  /** The metadata. */
  properties: KeyProperties;
}

/**
 * A deleted key, kept until its scheduled purge date.
 *
 * @example
 * ```ts
 * import { type DeletedKey, KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const keys = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await keys.createRsaKey("old-key");
 * const deleted: DeletedKey = await keys.deleteKey("old-key"); // resolves once the delete is done
 * console.log(deleted.name, deleted.scheduledPurgeDate?.toISOString().slice(0, 10)); // in 90 days
 * ```
 */
export interface DeletedKey extends KeyVaultKey {
  /** The id to recover it by: `https://{vault}/deletedkeys/{name}`. */
  recoveryId?: string | undefined;
  /** When it was deleted. */
  deletedOn?: Date | undefined;
  /** When Key Vault will purge it. */
  scheduledPurgeDate?: Date | undefined;
  /** The metadata, with the deletion details repeated as `@azure/keyvault-keys` has them. */
  properties: KeyProperties & {
    recoveryId?: string | undefined;
    deletedOn?: Date | undefined;
    scheduledPurgeDate?: Date | undefined;
  };
}

/**
 * One action of a rotation policy: rotate or notify, some time after creation or before
 * expiry (ISO 8601 durations such as `P90D`, `P18M`).
 *
 * @example
 * ```ts
 * import type { KeyRotationLifetimeAction } from "kvfetch/keys";
 *
 * const action: KeyRotationLifetimeAction = { action: "Rotate", timeAfterCreate: "P90D" };
 * console.log(action.action);
 * ```
 */
export interface KeyRotationLifetimeAction {
  /** `Rotate` or `Notify`. */
  action: "Rotate" | "Notify" | (string & Record<never, never>);
  /** When after creation, e.g. `P90D`. */
  timeAfterCreate?: string | undefined;
  /** When before expiry, e.g. `P30D`. */
  timeBeforeExpiry?: string | undefined;
}

/**
 * A key's rotation policy.
 *
 * @example
 * ```ts
 * import type { KeyRotationPolicy } from "kvfetch/keys";
 *
 * const policy: KeyRotationPolicy = {
 *   expiresIn: "P48M",
 *   lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P18M" }],
 * };
 * console.log(policy.expiresIn);
 * ```
 */
export interface KeyRotationPolicy {
  /** The policy's id, `https://{vault}/keys/{name}/rotationpolicy`. */
  id?: string | undefined;
  /** The actions. */
  lifetimeActions?: KeyRotationLifetimeAction[] | undefined;
  /** The lifetime of a new key version (ISO 8601 duration, at least `P28D`). */
  expiresIn?: string | undefined;
  /** When the policy was created. */
  createdOn?: Date | undefined;
  /** When the policy was last updated. */
  updatedOn?: Date | undefined;
}

/**
 * The schemas of keys, made on first use: `KeyBundleSchema` (a `KeyBundle`,
 * `DeletedKeyBundle` or list item, with `kid` instead of `key`; the key or the item's `kid` is
 * checked so that mapping never throws), `RotationPolicySchema` and `Base64Schema` (non-empty
 * base64 or base64url).
 */
export const keySchemas = /* @__PURE__ */ lazy(() => {
  const Seconds = v.nullish(v.number());
  const Tags = v.nullish(v.record(v.string(), v.string()));

  /** Non-empty base64 or base64url that `decodeBase64` decodes. */
  const Base64Schema = v.pipe(
    v.string(),
    must("base64url", succeeds((s: string) => /^[\w\-+/]+={0,2}$/.test(s) && decodeBase64(s))),
  );

  const isKeyId = succeeds(parseKeyVaultKeyIdentifier);
  const KeyId = v.pipe(v.string(), must("a key identifier", isKeyId));

  /** A JSON Web Key in a bundle: valid for `parseKeyVaultJwk`, with a key identifier as `kid`. */
  const JwkSchema = v.pipe(
    v.looseObject({ kid: KeyId }),
    must<{ kid: string }>("a JSON Web Key", succeeds((k: unknown) => parseKeyVaultJwk(k))),
  );

  const Attributes = v.object({
    enabled: v.nullish(v.boolean()),
    nbf: Seconds,
    exp: Seconds,
    created: Seconds,
    updated: Seconds,
    recoverableDays: Seconds,
    recoveryLevel: v.nullish(v.string()),
    exportable: v.nullish(v.boolean()),
    hsmPlatform: v.nullish(v.string()),
    attestation: v.nullish(v.object({
      certificatePemFile: v.nullish(Base64Schema),
      privateKeyAttestation: v.nullish(Base64Schema),
      publicKeyAttestation: v.nullish(Base64Schema),
      version: v.nullish(v.string()),
    })),
  });

  const ReleasePolicy = v.object({
    contentType: v.nullish(v.string()),
    immutable: v.nullish(v.boolean()),
    data: v.nullish(Base64Schema),
  });

  /**
   * A `KeyBundle`, `DeletedKeyBundle` or list item (`KeyItem`, with `kid` instead of `key`) as
   * Key Vault sends it; the key (or the item's `kid`) is checked so that mapping never throws.
   */
  const KeyBundleSchema = v.pipe(
    v.object({
      key: v.nullish(JwkSchema),
      kid: v.nullish(KeyId),
      attributes: v.nullish(Attributes),
      tags: Tags,
      managed: v.nullish(v.boolean()),
      release_policy: v.nullish(ReleasePolicy),
      recoveryId: v.nullish(v.string()),
      deletedDate: Seconds,
      scheduledPurgeDate: Seconds,
    }),
    must("a key or a kid", (b) => !!(b.key || b.kid)),
  );

  /** A `KeyRotationPolicy` as Key Vault sends it. */
  const RotationPolicySchema = v.object({
    id: v.nullish(v.string()),
    lifetimeActions: v.nullish(v.array(v.object({
      trigger: v.nullish(v.object({
        timeAfterCreate: v.nullish(v.string()),
        timeBeforeExpiry: v.nullish(v.string()),
      })),
      action: v.nullish(v.object({ type: v.nullish(v.string()) })),
    }))),
    attributes: v.nullish(v.object({
      expiryTime: v.nullish(v.string()),
      created: Seconds,
      updated: Seconds,
    })),
  });
  return { Base64Schema, KeyBundleSchema, RotationPolicySchema };
});

/** A key bundle as validated. */
export type KeyBundle = v.InferOutput<ReturnType<typeof keySchemas>["KeyBundleSchema"]>;

const bytes = (text: string | null | undefined) => text ? decodeBase64(text) : undefined;

/** Maps a bundle or list item to {@link KeyProperties}. */
export function toKeyProperties(bundle: KeyBundle): KeyProperties {
  const kid = (bundle.key?.kid ?? bundle.kid)!;
  const id = parseKeyVaultKeyIdentifier(kid);
  const a = bundle.attributes ?? {};
  const policy = bundle.release_policy;
  const attestation = a.attestation;
  return {
    id: kid,
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
    exportable: a.exportable ?? undefined,
    releasePolicy: policy
      ? {
        contentType: policy.contentType ?? undefined,
        immutable: policy.immutable ?? undefined,
        encodedPolicy: bytes(policy.data),
      }
      : undefined,
    hsmPlatform: a.hsmPlatform ?? undefined,
    attestation: attestation
      ? {
        certificatePemFile: bytes(attestation.certificatePemFile),
        privateKeyAttestation: bytes(attestation.privateKeyAttestation),
        publicKeyAttestation: bytes(attestation.publicKeyAttestation),
        version: attestation.version ?? undefined,
      }
      : undefined,
    tags: bundle.tags ?? undefined,
    managed: bundle.managed ?? undefined,
  };
}

/** Maps a bundle to a {@link KeyVaultKey}. */
export function toKey(bundle: KeyBundle): KeyVaultKey {
  const properties = toKeyProperties(bundle);
  const key = bundle.key as KeyVaultJwk | undefined;
  if (!key) return { name: properties.name, id: properties.id, properties };
  const { jwk } = parseKeyVaultJwk(key);
  return {
    name: properties.name,
    id: properties.id,
    key,
    jwk,
    keyType: key.kty,
    keyOperations: key.key_ops as KeyOperation[] | undefined,
    properties,
  };
}

/** Maps a deleted bundle or item to a {@link DeletedKey}. */
export function toDeletedKey(bundle: KeyBundle): DeletedKey {
  const key = toKey(bundle);
  const deletion = {
    recoveryId: bundle.recoveryId ?? undefined,
    deletedOn: fromUnix(bundle.deletedDate),
    scheduledPurgeDate: fromUnix(bundle.scheduledPurgeDate),
  };
  return { ...key, ...deletion, properties: { ...key.properties, ...deletion } };
}

/** Maps a rotation policy. */
export function toRotationPolicy(
  policy: v.InferOutput<ReturnType<typeof keySchemas>["RotationPolicySchema"]>,
): KeyRotationPolicy {
  return {
    id: policy.id ?? undefined,
    lifetimeActions: policy.lifetimeActions?.map((a) => ({
      action: a.action?.type ?? "",
      timeAfterCreate: a.trigger?.timeAfterCreate ?? undefined,
      timeBeforeExpiry: a.trigger?.timeBeforeExpiry ?? undefined,
    })),
    expiresIn: policy.attributes?.expiryTime ?? undefined,
    createdOn: fromUnix(policy.attributes?.created),
    updatedOn: fromUnix(policy.attributes?.updated),
  };
}
