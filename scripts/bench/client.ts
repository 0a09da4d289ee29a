/**
 * One measured bench process: one implementation (kvfetch, raw `fetch`, or the official
 * `@azure/keyvault-secrets` + `@azure/identity`), one mode, on whatever runtime runs it: Deno
 * (`deno run` of this file) or Node (transpiled to `.ci/out/bench/node/client.mjs` by
 * `scripts/bench.ts`). It only uses `fetch`, `performance` and `node:` built-ins both runtimes
 * have.
 *
 * The libraries are imported with computed specifiers (from the config), so nothing but this
 * file is loaded before the measurement starts and Deno does not prepare the other
 * implementations' module graphs at startup.
 *
 * Modes (the config is one JSON argument):
 * - `throughput`: one client, a first call, `warmup` sequential calls and `warmup` calls at the
 *   concurrency, then `seq` calls sequentially and `conc` calls at `concurrency`; CPU from
 *   `process.cpuUsage()` (user + system, the whole process) per op, ops/s, p50/p99 latency,
 *   and the process's whole CPU time (for the bench's background-load estimate).
 * - `start`: import, build a client, get one secret, print `SECRET <length>` at once (the bench
 *   times spawn → that line), then a JSON line with the in-process timings.
 * - `tokens`: `clients` client instances, each with its own credential for the same identity,
 *   each making `callsPerClient` sequential calls, all clients at once.
 * - `import`: the time and RSS added by importing the library (nothing else).
 *
 * Prints one JSON line (last line of stdout) and exits; exits non-zero on any failure or wrong
 * secret value, and after `maxMs` in any case.
 *
 * @module
 */
import process from "node:process";
import { setTimeout } from "node:timers";

/** Which implementation. `kvfetch-seeded` is kvfetch with the `challenge` option. */
export type Impl = "kvfetch" | "kvfetch-seeded" | "raw" | "sdk" | "aws4fetch" | "none";

/** The single JSON argument. */
export interface ClientConfig {
  impl: Impl;
  mode: "throughput" | "start" | "tokens" | "import";
  vaultUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  secretName: string;
  /** The value the server returns: every call is checked against it. */
  expected: string;
  /** Import specifiers for this runtime. */
  modules: { kvfetch: string; identity: string; keyvault: string; aws4fetch: string };
  warmup: number;
  seq: number;
  conc: number;
  concurrency: number;
  clients: number;
  callsPerClient: number;
  maxMs: number;
}

/** One phase of the `throughput` mode. */
export interface Phase {
  ops: number;
  concurrency: number;
  cpuUsPerOp: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

type Get = () => Promise<string>;
type MakeClient = () => Promise<Get>;
// deno-lint-ignore no-explicit-any -- the libraries are imported by computed specifier
type Module = any;

const API_VERSION = "2025-07-01";
const SCOPE = "https://vault.azure.net/.default";

async function implementation(cfg: ClientConfig): Promise<MakeClient> {
  const name = cfg.secretName;
  if (cfg.impl === "kvfetch" || cfg.impl === "kvfetch-seeded") {
    const kv: Module = await import(cfg.modules.kvfetch);
    const options = {
      // The vault is https://127.0.0.1:<port>: not a *.vault.azure.net host, and the challenge
      // resource (https://vault.azure.net) is not its parent domain.
      allowUnknownVaultHost: true,
      disableChallengeResourceVerification: true,
      ...(cfg.impl === "kvfetch-seeded"
        ? { challenge: { tenantId: cfg.tenantId, scope: SCOPE } }
        : {}),
    };
    return () => {
      const credential = new kv.ClientSecretCredential({
        tenantId: cfg.tenantId,
        clientId: cfg.clientId,
        clientSecret: cfg.clientSecret,
        authorityHost: cfg.authorityHost,
      });
      const client = new kv.SecretClient(cfg.vaultUrl, credential, options);
      return Promise.resolve(async () => (await client.getSecret(name)).value);
    };
  }
  if (cfg.impl === "sdk") {
    const identity: Module = await import(cfg.modules.identity);
    const secrets: Module = await import(cfg.modules.keyvault);
    return () => {
      const credential = new identity.ClientSecretCredential(
        cfg.tenantId,
        cfg.clientId,
        cfg.clientSecret,
        { authorityHost: cfg.authorityHost, disableInstanceDiscovery: true },
      );
      const client = new secrets.SecretClient(cfg.vaultUrl, credential, {
        disableChallengeResourceVerification: true,
      });
      return Promise.resolve(async () => (await client.getSecret(name)).value);
    };
  }
  if (cfg.impl === "raw") {
    // The floor: one token POST, then GETs with the header, JSON parsed, status checked.
    return async () => {
      const response = await fetch(`${cfg.authorityHost}/${cfg.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: cfg.clientId,
          client_secret: cfg.clientSecret,
          scope: SCOPE,
        }),
      });
      if (response.status !== 200) throw new Error(`token: HTTP ${response.status}`);
      const { access_token } = await response.json();
      const url = `${cfg.vaultUrl}/secrets/${name}?api-version=${API_VERSION}`;
      const headers = { authorization: `Bearer ${access_token}`, accept: "application/json" };
      return async () => {
        const r = await fetch(url, { headers });
        if (r.status !== 200) throw new Error(`get: HTTP ${r.status}`);
        return (await r.json()).value;
      };
    };
  }
  throw new Error(`${cfg.impl} cannot get secrets`);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function measure(cfg: ClientConfig, get: Get, ops: number, concurrency: number) {
  const latencies = new Float64Array(ops);
  let next = 0;
  let wrong = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < ops; i = next++) {
      const t = performance.now();
      const value = await get();
      latencies[i] = performance.now() - t;
      if (value !== cfg.expected) wrong++;
    }
  }));
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (wrong) throw new Error(`${wrong} of ${ops} calls returned a wrong value`);
  latencies.sort();
  return {
    ops,
    concurrency,
    cpuUsPerOp: (used.user + used.system) / ops,
    opsPerSec: ops / (wall / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  } satisfies Phase;
}

async function checked(cfg: ClientConfig, get: Get): Promise<string> {
  const value = await get();
  if (value !== cfg.expected) throw new Error(`wrong secret value: ${JSON.stringify(value)}`);
  return value;
}

async function main(cfg: ClientConfig): Promise<unknown> {
  if (cfg.mode === "import") {
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    if (cfg.impl === "kvfetch") await import(cfg.modules.kvfetch);
    else if (cfg.impl === "sdk") {
      await import(cfg.modules.identity);
      await import(cfg.modules.keyvault);
    } else if (cfg.impl === "aws4fetch") await import(cfg.modules.aws4fetch);
    else if (cfg.impl !== "none") throw new Error(`nothing to import for ${cfg.impl}`);
    const ms = performance.now() - start;
    return { ms, rssBytes: process.memoryUsage().rss - rss };
  }
  if (cfg.mode === "start") {
    const start = performance.now();
    const make = await implementation(cfg);
    const imported = performance.now();
    const get = await make();
    const value = await checked(cfg, get);
    const done = performance.now();
    process.stdout.write(`SECRET ${value.length}\n`);
    return { importMs: imported - start, firstCallMs: done - imported };
  }
  if (cfg.mode === "tokens") {
    const make = await implementation(cfg);
    const clients = await Promise.all(Array.from({ length: cfg.clients }, () => make()));
    await Promise.all(clients.map(async (get) => {
      for (let i = 0; i < cfg.callsPerClient; i++) await checked(cfg, get);
    }));
    return { calls: cfg.clients * cfg.callsPerClient };
  }
  const get = await (await implementation(cfg))();
  await checked(cfg, get);
  await measure(cfg, get, cfg.warmup, 1);
  await measure(cfg, get, cfg.warmup, cfg.concurrency);
  const seq = await measure(cfg, get, cfg.seq, 1);
  const conc = await measure(cfg, get, cfg.conc, cfg.concurrency);
  const total = process.cpuUsage();
  return { seq, conc, totalCpuUs: total.user + total.system };
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as ClientConfig;
setTimeout(() => {
  process.stderr.write(`client: ${cfg.impl} ${cfg.mode} still running after ${cfg.maxMs} ms\n`);
  process.exit(3);
}, cfg.maxMs).unref();
try {
  const result = await main(cfg);
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
} catch (error) {
  process.stderr.write(
    `client: ${cfg.impl} ${cfg.mode} failed: ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }\n`,
  );
  process.exit(1);
}
