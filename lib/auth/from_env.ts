/**
 * `credentialFromEnv()`: the right credential from the usual `AZURE_*` variables.
 *
 * @module
 */

import { refuseOfficialOptions } from "../http/_official_options.ts";
import type { HttpOptions } from "../http/send.ts";
import type { AzureCloud, AzureCloudName } from "./clouds.ts";
import { ClientAssertionCredential } from "./client_assertion.ts";
import { ClientCertificateCredential } from "./client_certificate.ts";
import { ClientSecretCredential } from "./client_secret.ts";
import { CredentialUnavailableError } from "./errors.ts";
import { ManagedIdentityCredential } from "./managed_identity.ts";
import type {
  AccessToken,
  ClientCredentialOptions,
  GetTokenOptions,
  TokenCredential,
} from "./types.ts";

/**
 * Options of {@link credentialFromEnv}.
 *
 * @example File access (certificate and federated-token paths) through a function of yours
 * ```ts
 * import { credentialFromEnv, type CredentialFromEnvOptions } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator();
 * const files: string[] = [];
 * const options: CredentialFromEnvOptions = {
 *   readFile: (path) => (files.push(path), Promise.resolve("")), // on Deno: Deno.readTextFile
 *   managedIdentity: false, // a missing service principal throws instead
 *   fetch: emulator.fetch, // against Azure: leave out fetch
 * };
 * const credential = credentialFromEnv(emulator.env, options);
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now(), files); // true []: a secret needs no file
 * ```
 */
export interface CredentialFromEnvOptions extends Omit<HttpOptions, "signal"> {
  /**
   * Reads a file as text, for `AZURE_CLIENT_CERTIFICATE_PATH` and
   * `AZURE_FEDERATED_TOKEN_FILE` (kvfetch itself never touches the file system):
   * `Deno.readTextFile`, or `(p) => fs.promises.readFile(p, "utf8")` on Node.
   */
  readFile?: (path: string) => Promise<string>;
  /**
   * Fall back to {@link ManagedIdentityCredential} when no service principal is configured.
   * @default true
   */
  managedIdentity?: boolean;
  /** The Azure cloud. `AZURE_AUTHORITY_HOST` still wins for the authority host. */
  cloud?: AzureCloudName | AzureCloud;
  /** See {@link ClientCredentialOptions.allowInsecureLoopback}. */
  allowInsecureLoopback?: boolean;
}

const SP_VARIABLES = [
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE",
] as const;

/**
 * Picks a credential from environment variables, the way `@azure/identity`'s
 * `EnvironmentCredential`, `WorkloadIdentityCredential` and `ManagedIdentityCredential` would,
 * in this order:
 *
 * | variables | credential |
 * |---|---|
 * | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` | {@link ClientSecretCredential} |
 * | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_CERTIFICATE` (PEM text, a kvfetch addition for platforms without files) or `AZURE_CLIENT_CERTIFICATE_PATH` (needs `readFile`); `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN` | {@link ClientCertificateCredential} |
 * | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE` (needs `readFile`) | {@link ClientAssertionCredential} |
 * | none of the above (`AZURE_CLIENT_ID` picks a user-assigned identity; `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` mean App Service) | {@link ManagedIdentityCredential} |
 *
 * `AZURE_AUTHORITY_HOST` and `AZURE_ADDITIONALLY_ALLOWED_TENANTS` (separated by `;`) apply to
 * the first three. A half-configured service principal throws a
 * {@link CredentialUnavailableError} naming the missing variables.
 *
 * @example Against the emulator (on Deno, pass `Deno.env.toObject()`; on Node, `process.env`)
 * ```ts
 * import { credentialFromEnv } from "kvfetch/auth";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator(); // its env holds AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
 * const credential = credentialFromEnv(emulator.env, { fetch: emulator.fetch });
 * const token = await credential.getToken("https://vault.azure.net/.default");
 * console.log(token!.expiresOnTimestamp > Date.now()); // true
 * ```
 *
 * @example A Cloudflare Worker's typed `Env` (bindings and other non-string values are skipped)
 * ```ts
 * import { credentialFromEnv } from "kvfetch/auth";
 * import { SecretClient } from "kvfetch/secrets";
 * import { createEmulator } from "kvfetch/testing";
 *
 * interface Env {
 *   AZURE_TENANT_ID: string;
 *   AZURE_CLIENT_ID: string;
 *   AZURE_CLIENT_SECRET: string;
 *   CACHE: { get(key: string): Promise<string | null> }; // e.g. a KV namespace binding
 * }
 * const emulator = createEmulator({ vaults: ["myvault"] });
 * const worker = {
 *   async fetch(_request: Request, env: Env): Promise<Response> {
 *     const credential = credentialFromEnv(env, { managedIdentity: false, fetch: emulator.fetch });
 *     const client = new SecretClient("https://myvault.vault.azure.net", credential, {
 *       fetch: emulator.fetch, // on Workers: leave it out
 *     });
 *     const secret = await client.setSecret("greeting", "hello");
 *     return new Response(secret.value);
 *   },
 * };
 * const env: Env = { ...emulator.env, CACHE: { get: () => Promise.resolve(null) } };
 * console.log(await (await worker.fetch(new Request("https://example.com"), env)).text()); // hello
 * ```
 *
 * @throws {CredentialUnavailableError} When a service principal is half configured, or none is
 *   and `managedIdentity` is `false`.
 * @throws {TypeError} When `env` is not an object, an option is invalid or an official-SDK
 *   option name is used, or a file variable is set without `readFile`.
 *
 * @param env The variables: `Deno.env.toObject()`, a Worker's `env` (typed or not; bindings
 *   and other non-string values are skipped), `process.env`.
 * @param options File access, the managed identity fallback, cloud and transport options.
 */
export function credentialFromEnv(
  env: object,
  options: CredentialFromEnvOptions = {},
): TokenCredential {
  if (typeof env !== "object" || env === null) {
    throw new TypeError("credentialFromEnv() needs the environment variables as an object");
  }
  refuseOfficialOptions(options, "client");
  // Only string values count: a Worker's env also holds bindings (KV namespaces, queues).
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string") strings[name] = value;
  }
  const get = (name: string) => {
    const value = strings[name];
    return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
  };
  const { readFile, managedIdentity, ...rest } = options;
  const present = SP_VARIABLES.filter((name) => get(name));

  if (present.length === 0) {
    if (managedIdentity === false) {
      const missing = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"].filter((n) => !get(n));
      throw new CredentialUnavailableError(
        `credentialFromEnv(): no credential is configured. Set ${
          missing.length ? `${missing.join(" and ")} plus ` : ""
        }one of ${SP_VARIABLES.join(", ")}.`,
      );
    }
    const clientId = get("AZURE_CLIENT_ID");
    return new ManagedIdentityCredential({
      ...rest,
      env: strings,
      ...(clientId ? { clientId } : {}),
    });
  }

  const missing = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"].filter((n) => !get(n));
  if (missing.length) {
    throw new CredentialUnavailableError(
      `credentialFromEnv(): ${present[0]} is set, but ${missing.join(" and ")} ${
        missing.length > 1 ? "are" : "is"
      } missing`,
    );
  }
  const allowed = get("AZURE_ADDITIONALLY_ALLOWED_TENANTS");
  const common: ClientCredentialOptions = {
    ...rest,
    tenantId: get("AZURE_TENANT_ID")!,
    clientId: get("AZURE_CLIENT_ID")!,
    ...(get("AZURE_AUTHORITY_HOST") ? { authorityHost: get("AZURE_AUTHORITY_HOST")! } : {}),
    ...(allowed ? { additionallyAllowedTenants: allowed.split(";").map((t) => t.trim()) } : {}),
  };

  const secret = get("AZURE_CLIENT_SECRET");
  if (secret) return new ClientSecretCredential({ ...common, clientSecret: secret });

  const pem = get("AZURE_CLIENT_CERTIFICATE");
  const pemPath = get("AZURE_CLIENT_CERTIFICATE_PATH");
  if (pem || pemPath) {
    if (get("AZURE_CLIENT_CERTIFICATE_PASSWORD")) {
      throw new CredentialUnavailableError(
        "credentialFromEnv(): AZURE_CLIENT_CERTIFICATE_PASSWORD is set, but kvfetch does not " +
          "decrypt keys; store the certificate with an unencrypted key in a secret store",
      );
    }
    const sendCertificateChain = /^(1|true)$/i.test(
      get("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN") ?? "",
    );
    if (pem) {
      // Line breaks often arrive escaped when PEM text is put into a single variable.
      const certificate = pem.includes("\\n") && !pem.includes("\n")
        ? pem.replaceAll("\\n", "\n")
        : pem;
      return new ClientCertificateCredential({ ...common, certificate, sendCertificateChain });
    }
    const read = needReader(readFile, "AZURE_CLIENT_CERTIFICATE_PATH");
    let inner: Promise<ClientCertificateCredential> | undefined;
    return new DeferredCredential(() => {
      if (inner) return inner;
      const built = read(pemPath!).then((certificate) =>
        new ClientCertificateCredential({ ...common, certificate, sendCertificateChain })
      );
      // Keep only a success: a failed read (a secret mounted late) is tried again next time.
      built.catch(() => {
        if (inner === built) inner = undefined;
      });
      return inner = built;
    });
  }

  const tokenFile = get("AZURE_FEDERATED_TOKEN_FILE")!;
  const read = needReader(readFile, "AZURE_FEDERATED_TOKEN_FILE");
  return new ClientAssertionCredential({ ...common, getAssertion: fileReader(read, tokenFile) });
}

function needReader(
  readFile: ((path: string) => Promise<string>) | undefined,
  variable: string,
): (path: string) => Promise<string> {
  if (typeof readFile !== "function") {
    throw new TypeError(
      `credentialFromEnv(): ${variable} is set, so pass a "readFile" option ` +
        "(on Deno, readTextFile); kvfetch never reads files itself",
    );
  }
  return readFile;
}

/**
 * One function per (reader, path), so that credentials re-created from the same environment
 * share cached tokens (the cache tells assertion credentials apart by this function).
 */
const readers = new WeakMap<object, Map<string, () => Promise<string>>>();
function fileReader(read: (path: string) => Promise<string>, path: string): () => Promise<string> {
  let byPath = readers.get(read);
  if (!byPath) readers.set(read, byPath = new Map());
  let fn = byPath.get(path);
  if (!fn) byPath.set(path, fn = () => read(path));
  return fn;
}

/** A credential built on first use (after an asynchronous file read). */
class DeferredCredential implements TokenCredential {
  readonly #build: () => Promise<TokenCredential>;
  constructor(build: () => Promise<TokenCredential>) {
    this.#build = build;
  }
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const token = await (await this.#build()).getToken(scopes, options);
    if (!token) throw new CredentialUnavailableError("The credential returned no token");
    return token;
  }
}
