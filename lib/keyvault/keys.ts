/**
 * Key Vault keys: {@link KeyClient}, {@link CryptographyClient}, and JWTs signed in the vault
 * ({@link signJwt}, {@link verifyJwt}).
 *
 * Exported from the main `kvfetch` module entry point as well as from its subpath export
 * `kvfetch/keys`.
 *
 * @example Retrieve a JSON Web Key
 * ```ts
 * import { KeyClient } from "kvfetch/keys";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const client = new KeyClient("https://myvault.vault.azure.net", emulator.credential(), {
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * });
 * await client.createEcKey("signer", { curve: "P-256" });
 * const { jwk } = await client.getKey("signer"); // a standard JWK, for jose or Web Crypto
 * console.log(jwk?.kty, jwk?.crv); // EC P-256
 * ```
 *
 * @module
 */

export { KeyClient } from "./key_client.ts";
export type {
  CreateEcKeyOptions,
  CreateKeyOptions,
  CreateOctKeyOptions,
  CreateRsaKeyOptions,
  GetCryptographyClientOptions,
  GetKeyOptions,
  ImportKeyOptions,
  KeyAttributesOptions,
  KeyClientOptions,
  ReleaseKeyOptions,
  ReleaseKeyResult,
  UpdateKeyPropertiesOptions,
} from "./key_client.ts";
export { CryptographyClient } from "./crypto_client.ts";
export type {
  CryptographyClientOptions,
  CryptographyOptions,
  CryptographyResultBase,
  DecryptParameters,
  DecryptResult,
  EncryptParameters,
  EncryptResult,
  SignResult,
  VerifyResult,
  WrapResult,
} from "./crypto_client.ts";
export { signJwt, verifyJwt } from "./jwt.ts";
export type { SignJwtOptions, VerifiedJwt, VerifyJwtOptions } from "./jwt.ts";
export { parseKeyVaultKeyIdentifier } from "./keys_models.ts";
export type {
  DeletedKey,
  KeyAttestation,
  KeyProperties,
  KeyReleasePolicy,
  KeyRotationLifetimeAction,
  KeyRotationPolicy,
  KeyVaultKey,
  KeyVaultKeyIdentifier,
} from "./keys_models.ts";
export type {
  EncryptionAlgorithm,
  Jwk,
  KeyCurveName,
  KeyOperation,
  KeyVaultJwk,
  KeyVaultKeyType,
  KeyWrapAlgorithm,
  SignatureAlgorithm,
} from "../jwk/types.ts";
export type { ListOptions, OperationOptions, PollOptions, VaultClientOptions } from "./options.ts";
