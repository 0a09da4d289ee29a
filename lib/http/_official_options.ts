/**
 * Option names of the official Azure SDK for JavaScript that kvfetch does not take.
 *
 * Code moved from `@azure/keyvault-secrets`, `@azure/identity` or `@azure/arm-keyvault` may
 * still pass them; an ignored `abortSignal` or `retryOptions` would silently change what the
 * program does, so each one is a `TypeError` that names what kvfetch takes instead. Options
 * kvfetch takes under the official name with the same meaning (`serviceVersion`,
 * `disableChallengeResourceVerification`, `authorityHost`, `additionallyAllowedTenants`) are
 * not listed.
 */

/**
 * Official names a client or credential constructor may have been given, each with the kvfetch
 * option to use instead ("" when kvfetch has none: it does that itself, or never).
 */
const CLIENT: Record<string, string> = {
  retryOptions: "retry",
  httpClient: "fetch",
  additionalPolicies: "fetch",
  allowInsecureConnection: "allowInsecureLoopback",
  userAgentOptions: "fetch",
  proxyOptions: "fetch",
  loggingOptions: "logger",
  telemetryOptions: "fetch",
  tracingOptions: "logger",
  redirectOptions: "",
  tlsOptions: "fetch",
  agent: "fetch",
  pipeline: "fetch",
  credentialScopes: "",
  disableInstanceDiscovery: "",
  tokenCachePersistenceOptions: "",
  abortSignal: "signal",
};

/** Official names an operation (a method call) may have been given. */
const OPERATION: Record<string, string> = {
  abortSignal: "signal",
  requestOptions: "signal",
  tracingOptions: "logger",
  onResponse: "logger",
  serializerOptions: "",
  updateIntervalInMs: "pollIntervalMs",
  intervalInMs: "pollIntervalMs",
  resumeFrom: "",
};

/**
 * Throws a `TypeError` naming the kvfetch replacement if `options` holds an official-SDK option
 * name kvfetch does not take. `kind` says which list applies; `own` lists the names the caller
 * itself takes (they are never refused, e.g. ARM operations take their own `onResponse`).
 */
export function refuseOfficialOptions(
  options: unknown,
  kind: "client" | "operation",
  own: readonly string[] = [],
): void {
  if (typeof options != "object" || options === null) return;
  const table = kind === "client" ? CLIENT : OPERATION;
  for (const name in table) {
    if (own.includes(name) || (options as Record<string, unknown>)[name] === undefined) continue;
    const use = table[name];
    throw new TypeError(
      `"${name}" is an option of the official Azure SDK that kvfetch does not take` +
        (use ? `; use "${use}" (see the README, "Migrating from the official Azure SDK")` : ""),
    );
  }
}

/**
 * The signal of per-operation options, after refusing official-SDK option names there: the
 * one place every Key Vault operation reads its `signal` from.
 */
export function operationSignal(
  options: { signal?: AbortSignal | undefined } | undefined,
): AbortSignal | undefined {
  refuseOfficialOptions(options, "operation");
  return options?.signal;
}
