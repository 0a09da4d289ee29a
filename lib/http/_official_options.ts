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

/** Official names a client or credential constructor may have been given. */
const CLIENT: Record<string, string> = {
  retryOptions:
    'use "retry": { maxRetries, retryDelayMs, maxRetryDelayMs } (times in milliseconds)',
  httpClient: 'use "fetch": any function with the signature of fetch',
  additionalPolicies: 'wrap "fetch" instead, or use the "logger" option to observe requests',
  allowInsecureConnection:
    'use "allowInsecureLoopback" (plain http to a loopback host only, e.g. an emulator)',
  userAgentOptions: 'kvfetch sends its own User-Agent; add headers by wrapping "fetch"',
  proxyOptions: 'pass a "fetch" that goes through the proxy (see the README, "Diagnostics")',
  loggingOptions: 'use the "logger" option',
  telemetryOptions: 'kvfetch sends its own User-Agent; add headers by wrapping "fetch"',
  tracingOptions: 'kvfetch has no tracing; use the "logger" option',
  redirectOptions: "kvfetch never follows redirects (a token must not leave its host)",
  tlsOptions: 'pass a "fetch" configured with the TLS settings',
  agent: 'pass a "fetch" that uses the agent (e.g. undici\'s fetch with a dispatcher)',
  pipeline: 'kvfetch has no pipeline; wrap "fetch" instead',
  credentialScopes: "kvfetch derives the scope from the vault's challenge or the cloud",
  disableInstanceDiscovery: "kvfetch never calls instance discovery",
  tokenCachePersistenceOptions: "kvfetch caches tokens in memory only",
  abortSignal: 'pass "signal" to each operation (clients and credentials take no signal)',
};

/** Official names an operation (a method call) may have been given. */
const OPERATION: Record<string, string> = {
  abortSignal: 'use "signal"',
  requestOptions:
    'use "signal" for cancellation and the client\'s "timeoutMs"; add headers by wrapping "fetch"',
  tracingOptions: 'kvfetch has no tracing; use the client\'s "logger" option',
  onResponse: 'use the client\'s "logger" option to observe responses',
  serializerOptions: "kvfetch has no serializer options",
  updateIntervalInMs: 'use "pollIntervalMs" (kvfetch waits for completion itself)',
  intervalInMs: 'use "pollIntervalMs" (kvfetch waits for completion itself)',
  resumeFrom: "kvfetch operations do not return pollers to resume",
};

/**
 * Throws a `TypeError` naming the kvfetch replacement if `options` holds an official-SDK option
 * name kvfetch does not take. `kind` says which list applies; `own` lists the names the caller
 * itself takes (they are never refused, e.g. ARM clients take `endpoint`, ARM operations take
 * their own `onResponse`).
 */
export function refuseOfficialOptions(
  options: unknown,
  kind: "client" | "operation",
  own: readonly string[] = [],
): void {
  if (typeof options != "object" || options === null) return;
  const table = kind === "client" ? CLIENT : OPERATION;
  for (const name in table) {
    if (own.includes(name)) continue;
    if ((options as Record<string, unknown>)[name] === undefined) continue;
    throw new TypeError(
      `"${name}" is an option of the official Azure SDK that kvfetch does not take: ` +
        table[name],
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
