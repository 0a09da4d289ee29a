/**
 * `deno task bench`: kvfetch against raw `fetch` and the official `@azure/keyvault-secrets` +
 * `@azure/identity`, on Deno and on Node, over loopback HTTPS. Writes `bench/RESULTS.md` and
 * `bench/results.json` (one section per `--label`, merged), or, with `--quick`, the same files
 * under `.ci/out/bench/quick/` only.
 *
 * Usage:
 *   deno task bench --label before --kvfetch /work/bench-base   # full run, by hand (~6 min)
 *   deno task bench --label after                               # the tree this script is in
 *   deno task bench --quick                                     # CI: tiny counts, < 60 s
 * Flags: `--kvfetch DIR` (default: this repository), `--rounds N`, `--warmup N`, `--seq N`,
 * `--conc N`, `--runtimes deno,node`, `--no-pin`; `--render` only re-renders RESULTS.md from
 * results.json. `KVFETCH_NO_SANDBOX=1` runs without the
 * loopback-only network namespace.
 *
 * How it measures, and why:
 * - The fake Entra + Key Vault (`scripts/bench/server.ts`) is a Node process of its own, so its
 *   CPU is never counted against a client. It speaks HTTPS (the official SDK refuses bearer
 *   tokens over http) with a leaf certificate for 127.0.0.1/localhost signed by a CA that this
 *   script makes with `openssl` in `.ci/out/bench/tls/`; clients trust it with `DENO_CERT` /
 *   `NODE_EXTRA_CA_CERTS`. HTTP/1.1 only (`node:https`), so every client speaks the same
 *   protocol (Deno's `fetch` would otherwise negotiate h2 and the SDK's `node:https` would not).
 * - Host names: the vault is `https://127.0.0.1:<port>` and its challenge names the real
 *   resource `https://vault.azure.net`. kvfetch gets `allowUnknownVaultHost` and
 *   `disableChallengeResourceVerification`, the SDK `disableChallengeResourceVerification`:
 *   each skips one string comparison, which distorts less than rerouting DNS or swapping the
 *   SDK's transport. The authority host is the same server (`https://127.0.0.1:<port>`), so
 *   MSAL (which has built-in metadata only for Microsoft hosts) makes one OpenID metadata GET
 *   before its first token request; the tables show it apart, as a bench artefact.
 * - Every measured process is fresh (`scripts/bench/client.ts`, run by Deno from source and by
 *   Node transpiled to `.ci/out/bench/node/client.mjs`), with a clean environment. Rounds
 *   alternate the implementations (kvfetch, raw, SDK, kvfetch, raw, SDK, …); each number is
 *   the median over rounds (the JSON keeps min and max, and every sample). CPU is
 *   `process.cpuUsage()` (user + system, all threads of the client process) over the measured
 *   calls, after a warm-up long enough for the JITs to settle (1,000 + 1,000 calls). Ratios
 *   (kvfetch over raw fetch or the SDK) are paired within a round, then the median is taken.
 * - This box has 2 cores and may be shared: the server is pinned to CPU 1 and the clients to
 *   CPU 0 (`taskset`; `--no-pin` to turn off), each throughput process waits (bounded) for the
 *   rest of the machine to be quiet first, and the report gives the background CPU measured
 *   (from /proc/stat, less the client's, the server's and this script's own).
 * - kvfetch on Deno is `<kvfetch>/mod.ts`; on Node, `<kvfetch>`'s npm build, made with that
 *   tree's `scripts/build_npm.ts` into `.ci/out/bench/kvfetch-npm/<hash of its sources>` (the
 *   tree under test is never written to). Third-party packages (valibot, the SDK) come from
 *   this tree's pins: deno.json/deno.lock on Deno, `scripts/matrix/package-lock.json` on Node;
 *   aws4fetch, for the import-cost reference only, from `scripts/bench/package-lock.json`.
 * - Round trips of a first call, and token requests for 1,000 calls across 10 clients (each
 *   with its own credential for one identity, all at once), are the server's request counts.
 * - Start → first secret: wall time from spawning the process to its `SECRET` line.
 * - Loopback only: the measurement runs in a new network namespace with only `lo` up (as the
 *   matrix tests do) after the set-up (npm installs, npm build, Deno's package cache) has run
 *   outside it. Every child has a timeout, the server exits by itself, and the whole run has a
 *   deadline.
 *
 * Targets are reported, never asserted; the run fails only when something breaks (a client
 * fails, a wrong secret, an unexpected request count, a timeout), so `--quick` in CI keeps the
 * bench from rotting.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- the same pinned compiler as scripts/_matrix.ts
import ts from "npm:typescript@~5.9.3";
import process from "node:process";
import {
  ensureDeps,
  loopbackOnly,
  mustRun,
  NODE_MODULES,
  OUT,
  ROOT,
  run,
  step,
} from "./_matrix.ts";
import type { ClientConfig, Impl, Phase } from "./bench/client.ts";

type Runtime = "deno" | "node";
type Mode = ClientConfig["mode"];

const BENCH = `${OUT}/bench`;
const EXTRA_LOCK_DIR = `${ROOT}scripts/bench`;
const EXTRA_DEPS = `${BENCH}/deps`;
const NODE_DIR = `${BENCH}/node`;
const TLS_DIR = `${BENCH}/tls`;

/** Everything the measuring (inner) process needs; written to a file by the set-up. */
interface Plan {
  quick: boolean;
  label: string;
  kvfetchDir: string;
  runtimes: Runtime[];
  rounds: number;
  warmup: number;
  seq: number;
  conc: number;
  concurrency: number;
  clients: number;
  callsPerClient: number;
  deadlineMs: number;
  measuredFile: string;
  /** Pin the server to CPU 1 and every client to CPU 0 (`taskset`), when there are 2+ CPUs. */
  pin: boolean;
  /** The most the quiet gate may wait in the whole run, ms (0: no gate). */
  quietBudgetMs: number;
}

/** Requests by kind, as the server counts them. */
interface Counts {
  token: number;
  metadata: number;
  probe: number;
  get: number;
  rejected: number;
  other: number;
  /** The server's CPU time so far, µs (not a request count). */
  cpuUs?: number;
}

/** What the inner process measured: one sample per process. */
interface Measured {
  throughput: {
    runtime: Runtime;
    impl: Impl;
    round: number;
    seq: Phase;
    conc: Phase;
    /** CPU of everything else on the machine while the process ran, in cores. */
    backgroundCores: number;
  }[];
  /** Time the quiet gate waited before throughput processes, and how often it gave up. */
  quiet: { waitedMs: number; gaveUp: number };
  start: {
    runtime: Runtime;
    impl: Impl;
    round: number;
    ms: number;
    importMs: number;
    firstCallMs: number;
    counts: Counts;
  }[];
  imports: { runtime: Runtime; impl: Impl; round: number; ms: number; rssBytes: number }[];
  tokens: { runtime: Runtime; impl: Impl; calls: number; counts: Counts }[];
}

/** A median with the range it came from. */
interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

type PhaseStats = Record<"cpuUsPerOp" | "opsPerSec" | "p50Ms" | "p99Ms", Stat>;

/** One labelled run in results.json. */
interface RunRecord {
  label: string;
  date: string;
  quick: boolean;
  kvfetch: { dir: string; commit: string; dirty: boolean };
  bench: { commit: string };
  machine: { cpu: string; cores: number; memoryGiB: number; os: string };
  versions: Record<string, string>;
  params: Omit<Plan, "quick" | "label" | "kvfetchDir" | "measuredFile" | "deadlineMs">;
  throughput: Partial<
    Record<Runtime, Partial<Record<Impl, { seq: PhaseStats; conc: PhaseStats }>>>
  >;
  firstCall: Partial<Record<Runtime, Partial<Record<Impl, Counts & { roundTrips: number }>>>>;
  tokens: Partial<Record<Runtime, Partial<Record<Impl, Counts & { calls: number }>>>>;
  imports: Partial<Record<Runtime, Partial<Record<Impl, { ms: Stat; rssMB: Stat }>>>>;
  start: Partial<
    Record<Runtime, Partial<Record<Impl, { ms: Stat; importMs: Stat; firstCallMs: Stat }>>>
  >;
  /** kvfetch over raw fetch / over the SDK, paired within each round, then the median. */
  ratios: Partial<Record<Runtime, Partial<Record<RatioName, Stat>>>>;
  /** CPU of other processes during the throughput processes, in cores. */
  background: Stat;
  samples: Measured;
}

type RatioName = "rawSeq" | "rawConc" | "sdkSeq" | "sdkConc" | "start";

interface Results {
  schema: 1;
  runs: Record<string, RunRecord>;
}

// ---------------------------------------------------------------------------------------------
// Flags

function flag(name: string): string | undefined {
  const at = Deno.args.indexOf(`--${name}`);
  if (at === -1) return undefined;
  const value = Deno.args[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}

function absolute(path: string): string {
  return decodeURIComponent(new URL(path, `file://${Deno.cwd()}/`).pathname).replace(/\/+$/, "");
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Set-up (outside the sandbox: it may reach the npm registry)

const sha256 = async (bytes: Uint8Array<ArrayBuffer>) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

/** `npm ci` of scripts/bench/ (aws4fetch) into .ci/out/bench/deps, skipped when up to date. */
async function ensureExtraDeps(): Promise<void> {
  const text = Deno.readTextFileSync(`${EXTRA_LOCK_DIR}/package.json`) +
    Deno.readTextFileSync(`${EXTRA_LOCK_DIR}/package-lock.json`);
  const stamp = await sha256(new TextEncoder().encode(text));
  const stampFile = `${EXTRA_DEPS}/.installed`;
  if (exists(stampFile) && Deno.readTextFileSync(stampFile) === stamp) return;
  await Deno.mkdir(EXTRA_DEPS, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) {
    await Deno.copyFile(`${EXTRA_LOCK_DIR}/${f}`, `${EXTRA_DEPS}/${f}`);
  }
  await mustRun("npm", ["ci", "--no-audit", "--no-fund"], { cwd: EXTRA_DEPS });
  await Deno.writeTextFile(stampFile, stamp);
}

/** The sources an npm build depends on, hashed: the build is redone only when they change. */
async function treeHash(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of Deno.readDirSync(`${dir}/${rel}`)) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile) files.push(path);
    }
  };
  walk("lib");
  files.push("mod.ts", "deno.json", "scripts/build_npm.ts", "README.md");
  const parts: string[] = [];
  for (const file of files.sort()) {
    parts.push(file, exists(`${dir}/${file}`) ? await Deno.readTextFile(`${dir}/${file}`) : "");
  }
  return (await sha256(new TextEncoder().encode(parts.join("\0")))).slice(0, 16);
}

/** Builds `<dir>`'s npm package with its own build script into the scratch area (cached). */
async function buildKvfetchNpm(dir: string): Promise<string> {
  const out = `${BENCH}/kvfetch-npm/${await treeHash(dir)}`;
  if (exists(`${out}/package.json`)) return out;
  await Deno.remove(out, { recursive: true }).catch(() => {});
  // The build script only writes inside its own tree to npm/: build outside, then copy.
  const temp = await Deno.makeTempDir({ prefix: "kvfetch-bench-npm-" });
  try {
    await mustRun(
      Deno.execPath(),
      ["run", "-A", "scripts/build_npm.ts", "--out", `${temp}/package`, "--quiet"],
      { cwd: dir, timeoutMs: 180_000 },
    );
    await Deno.mkdir(`${BENCH}/kvfetch-npm`, { recursive: true });
    await mustRun("cp", ["-R", `${temp}/package`, out]);
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
  return out;
}

/** Type-strips the worker scripts to ESM JavaScript for Node. */
function transpile(source: string, target: string): void {
  const output = ts.transpileModule(Deno.readTextFileSync(source), {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: false,
    },
    fileName: source,
    reportDiagnostics: true,
  });
  if (output.diagnostics?.length) {
    throw new Error(
      `transpiling ${source}: ${
        output.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join(
          "; ",
        )
      }`,
    );
  }
  Deno.writeTextFileSync(target, output.outputText);
}

/**
 * `.ci/out/bench/node/`: client.mjs and server.mjs, and a node_modules with a copy of the
 * kvfetch build (a copy, so that its bare imports resolve here) and links to the installed
 * third-party packages.
 */
async function prepareNodeDir(kvfetchNpm: string): Promise<void> {
  await Deno.remove(NODE_DIR, { recursive: true }).catch(() => {});
  const modules = `${NODE_DIR}/node_modules`;
  await Deno.mkdir(`${modules}/@azure`, { recursive: true });
  transpile(`${ROOT}scripts/bench/client.ts`, `${NODE_DIR}/client.mjs`);
  transpile(`${ROOT}scripts/bench/server.ts`, `${NODE_DIR}/server.mjs`);
  await Deno.writeTextFile(`${NODE_DIR}/package.json`, '{ "private": true, "type": "module" }\n');
  await mustRun("cp", ["-R", kvfetchNpm, `${modules}/kvfetch`]);
  const manifest = JSON.parse(await Deno.readTextFile(`${kvfetchNpm}/package.json`));
  const links = [
    ...Object.keys(manifest.dependencies ?? {}),
    "@azure/identity",
    "@azure/keyvault-secrets",
  ];
  for (const name of links) {
    if (!exists(`${NODE_MODULES}/${name}`)) {
      throw new Error(`${name} is not installed in ${NODE_MODULES} (a new kvfetch dependency?)`);
    }
    const link = `${modules}/${name}`;
    await Deno.mkdir(link.slice(0, link.lastIndexOf("/")), { recursive: true }); // scopes
    await Deno.symlink(`${NODE_MODULES}/${name}`, link);
  }
  await Deno.symlink(`${EXTRA_DEPS}/node_modules/aws4fetch`, `${modules}/aws4fetch`);
}

/** A throw-away CA and a leaf for 127.0.0.1 and localhost (RSA 2048, as Azure's). */
async function makeCertificates(): Promise<void> {
  await Deno.remove(TLS_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(TLS_DIR, { recursive: true });
  const openssl = (...args: string[]) => mustRun("openssl", args, { cwd: TLS_DIR });
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-days",
    "2",
    "-subj",
    "/CN=kvfetch bench CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  await openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
  );
  await Deno.writeTextFile(
    `${TLS_DIR}/leaf.ext`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n" +
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  await openssl(
    "x509",
    "-req",
    "-sha256",
    "-days",
    "2",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-extfile",
    "leaf.ext",
    "-out",
    "leaf.pem",
  );
}

// ---------------------------------------------------------------------------------------------
// Measuring (inside the sandbox)

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "00000000-0000-0000-0000-00000000b0b0";
const CLIENT_SECRET = "bench-client-secret-value";
const SECRET_NAME = "bench-secret";
const SECRET_VALUE =
  "Server=tcp:bench.database.windows.net,1433;User ID=app;Password=p@ss-0123456789";

const live = new Set<Deno.ChildProcess>();

function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** A clean environment: no proxy, no AZURE_* variables, only the CA to trust added. */
function childEnv(runtime: Runtime | "server"): Record<string, string> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    NO_COLOR: "1",
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
  for (const name of ["DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  if (runtime === "deno") {
    env.DENO_CERT = `${TLS_DIR}/ca.pem`;
    env.DENO_NO_UPDATE_CHECK = "1";
    env.DENO_NO_PROMPT = "1";
  } else if (runtime === "node") env.NODE_EXTRA_CA_CERTS = `${TLS_DIR}/ca.pem`;
  return env;
}

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
  /** ms from just before spawning to the first stdout chunk containing `mark`. */
  markMs: number | undefined;
}

/**
 * Runs a command with a timeout, timing the first appearance of `mark` on its stdout. `env`
 * replaces the environment; `"inherit"` keeps this process's (registry access for warm-ups).
 */
async function spawnTimed(
  cmd: string,
  args: string[],
  env: Record<string, string> | "inherit",
  timeoutMs: number,
  mark?: string,
): Promise<Spawned> {
  const decoder = new TextDecoder();
  const start = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    ...(env === "inherit" ? {} : { env, clearEnv: true }),
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  let markMs: number | undefined;
  const readStdout = async () => {
    let text = "";
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      if (mark !== undefined && markMs === undefined && text.includes(mark)) {
        markMs = performance.now() - start;
      }
    }
    return text;
  };
  const [stdout, stderr, status] = await Promise.all([
    readStdout(),
    new Response(child.stderr).text(),
    child.status,
  ]);
  clearTimeout(timer);
  live.delete(child);
  if (timedOut) {
    return { code: -1, stdout, stderr: `${stderr}\n(killed after ${timeoutMs} ms)`, markMs };
  }
  return { code: status.code, stdout, stderr, markMs };
}

interface Server {
  origin: string;
  control: string;
  child: Deno.ChildProcess;
  stderr: Promise<string>;
}

/** `cmd args` on one CPU, with `taskset`, when pinning. */
function pinned(plan: Plan, cpu: number, cmd: string, args: string[]): [string, string[]] {
  return plan.pin ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
}

async function startServer(plan: Plan, maxSeconds: number): Promise<Server> {
  const [cmd, args] = pinned(plan, 1, "node", [
    `${NODE_DIR}/server.mjs`,
    "--cert",
    `${TLS_DIR}/leaf.pem`,
    "--key",
    `${TLS_DIR}/leaf.key`,
    "--tenant",
    TENANT,
    "--client-id",
    CLIENT_ID,
    "--client-secret",
    CLIENT_SECRET,
    "--max-seconds",
    String(maxSeconds),
  ]);
  const child = new Deno.Command(cmd, {
    args,
    env: childEnv("server"),
    clearEnv: true,
    cwd: NODE_DIR,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child);
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 15_000);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  clearTimeout(deadline);
  if (!text.includes("\n")) throw new Error(`the bench server did not start:\n${await stderr}`);
  void (async () => {
    while (!(await reader.read()).done) {
      // drain
    }
  })();
  const ports = JSON.parse(text.slice(0, text.indexOf("\n")));
  return {
    origin: `https://127.0.0.1:${ports.port}`,
    control: `http://127.0.0.1:${ports.control}`,
    child,
    stderr,
  };
}

async function control(server: Server, path: string, method = "GET"): Promise<Counts> {
  const response = await fetch(`${server.control}${path}`, {
    method,
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`control ${path}: HTTP ${response.status}`);
  return await response.json();
}

function fileUrl(path: string): string {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`).href;
}

/**
 * What the client imports, per runtime: kvfetch's source on Deno and its npm build on Node (in
 * `.ci/out/bench/node/node_modules`); the SDK through deno.json's `npm:` imports on Deno.
 */
function modulesFor(runtime: Runtime, kvfetchDir: string): ClientConfig["modules"] {
  return runtime === "deno"
    ? {
      kvfetch: fileUrl(`${kvfetchDir}/mod.ts`),
      identity: "@azure/identity",
      keyvault: "@azure/keyvault-secrets",
      aws4fetch: fileUrl(`${EXTRA_DEPS}/node_modules/aws4fetch/dist/aws4fetch.esm.mjs`),
    }
    : {
      kvfetch: "kvfetch",
      identity: "@azure/identity",
      keyvault: "@azure/keyvault-secrets",
      aws4fetch: "aws4fetch",
    };
}

/** Busy CPU time of the whole machine so far (all CPUs, from /proc/stat), µs; 0 if unknown. */
function machineBusyUs(): number {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n", 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal …, in USER_HZ (100/s) ticks
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1)
      .map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * 10_000;
  } catch {
    return 0;
  }
}

/** This (orchestrating) process's CPU time so far, µs. */
function selfCpuUs(): number {
  const cpu = process.cpuUsage();
  return cpu.user + cpu.system;
}

/**
 * Waits (in 500 ms looks, within what is left of the run's budget) until the rest of the
 * machine uses less than 0.2 of a core: another job on this 2-core box would skew the numbers.
 */
async function quietGate(plan: Plan, server: Server, quiet: Measured["quiet"]): Promise<void> {
  if (!plan.quietBudgetMs) return;
  for (;;) {
    const start = performance.now();
    const [busy, self, srv] = [
      machineBusyUs(),
      selfCpuUs(),
      (await control(server, "/counts")).cpuUs,
    ];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const srv2 = (await control(server, "/counts")).cpuUs;
    const wall = (performance.now() - start) * 1000;
    const other = machineBusyUs() - busy - (selfCpuUs() - self) - ((srv2 ?? 0) - (srv ?? 0));
    if (other / wall < 0.2) return;
    quiet.waitedMs += performance.now() - start;
    if (quiet.waitedMs >= plan.quietBudgetMs) {
      quiet.gaveUp++;
      return;
    }
  }
}

/** Runs one fresh client process and returns its last JSON line (and the mark time). */
async function client(
  plan: Plan,
  server: Server,
  runtime: Runtime,
  impl: Impl,
  mode: Mode,
): Promise<
  {
    result: Record<string, unknown>;
    counts: Counts;
    markMs: number | undefined;
    backgroundCores: number | undefined;
  }
> {
  const modules = modulesFor(runtime, plan.kvfetchDir);
  const timeoutMs = mode === "throughput" ? (plan.quick ? 45_000 : 120_000) : 45_000;
  const cfg: ClientConfig = {
    impl,
    mode,
    vaultUrl: server.origin,
    authorityHost: server.origin,
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    secretName: SECRET_NAME,
    expected: SECRET_VALUE,
    modules,
    warmup: plan.warmup,
    seq: plan.seq,
    conc: plan.conc,
    concurrency: plan.concurrency,
    clients: plan.clients,
    callsPerClient: plan.callsPerClient,
    maxMs: timeoutMs - 5_000,
  };
  const [cmd, args] = pinned(
    plan,
    0,
    ...(runtime === "deno"
      ? [Deno.execPath(), [
        "run",
        "-A",
        "--cached-only",
        `--config=${ROOT}deno.json`,
        `${ROOT}scripts/bench/client.ts`,
        JSON.stringify(cfg),
      ]]
      : ["node", [`${NODE_DIR}/client.mjs`, JSON.stringify(cfg)]]) as [string, string[]],
  );
  const serverCpu = (await control(server, "/reset", "POST")).cpuUs ?? 0;
  const [busy, self, start] = [machineBusyUs(), selfCpuUs(), performance.now()];
  const out = await spawnTimed(
    cmd,
    args,
    childEnv(runtime),
    timeoutMs,
    mode === "start" ? "SECRET " : undefined,
  );
  const wallUs = (performance.now() - start) * 1000;
  const [busyUs, selfUs] = [machineBusyUs() - busy, selfCpuUs() - self];
  const counts = await control(server, "/counts");
  const serverUs = (counts.cpuUs ?? 0) - serverCpu;
  delete counts.cpuUs;
  const what = `${runtime} ${impl} ${mode}`;
  if (out.code !== 0) {
    throw new Error(`${what} exited ${out.code}:\n${out.stderr.trim()}\n${out.stdout.trim()}`);
  }
  if (counts.rejected || counts.other) {
    throw new Error(`${what}: the server rejected requests: ${JSON.stringify(counts)}`);
  }
  const last = out.stdout.trim().split("\n").at(-1) ?? "";
  const result = JSON.parse(last);
  // What the rest of the machine used meanwhile (the client's own CPU from its report).
  const clientUs = typeof result.totalCpuUs === "number" ? result.totalCpuUs : undefined;
  const backgroundCores = clientUs === undefined || !busy
    ? undefined
    : Math.max(0, busyUs - selfUs - serverUs - clientUs) / wallUs;
  return { result, counts, markMs: out.markMs, backgroundCores };
}

/** Throws unless the server saw exactly the expected number of secret GETs. */
function expectGets(what: string, counts: Counts, gets: number): void {
  if (counts.get !== gets) {
    throw new Error(`${what}: expected ${gets} secret GETs, the server saw ${counts.get}`);
  }
}

const THROUGHPUT_IMPLS: Impl[] = ["kvfetch", "raw", "sdk"];
const START_IMPLS: Impl[] = ["raw", "kvfetch", "kvfetch-seeded", "sdk"];
const IMPORT_IMPLS: Impl[] = ["none", "kvfetch", "sdk", "aws4fetch"];
const TOKEN_IMPLS: Impl[] = ["kvfetch", "sdk"];

/** The measurement proper: every sample, in alternating order, each in a fresh process. */
async function measure(plan: Plan): Promise<Measured> {
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"]) {
    Deno.env.delete(name);
  }
  const started = performance.now();
  const server = await startServer(plan, Math.ceil(plan.deadlineMs / 1000) + 60);
  const measured: Measured = {
    throughput: [],
    quiet: { waitedMs: 0, gaveUp: 0 },
    start: [],
    imports: [],
    tokens: [],
  };
  const checkDeadline = () => {
    if (performance.now() - started > plan.deadlineMs) {
      throw new Error(`the bench ran past its ${plan.deadlineMs / 1000} s deadline`);
    }
  };
  try {
    for (let round = 1; round <= plan.rounds; round++) {
      const roundStart = performance.now();
      for (const runtime of plan.runtimes) {
        for (const impl of THROUGHPUT_IMPLS) {
          checkDeadline();
          await quietGate(plan, server, measured.quiet);
          const { result, counts, backgroundCores } = await client(
            plan,
            server,
            runtime,
            impl,
            "throughput",
          );
          expectGets(`${runtime} ${impl}`, counts, 1 + 2 * plan.warmup + plan.seq + plan.conc);
          const { seq, conc } = result as { seq: Phase; conc: Phase };
          measured.throughput.push({
            runtime,
            impl,
            round,
            seq,
            conc,
            backgroundCores: backgroundCores ?? 0,
          });
        }
      }
      for (const runtime of plan.runtimes) {
        for (const impl of START_IMPLS) {
          checkDeadline();
          const { result, counts, markMs } = await client(plan, server, runtime, impl, "start");
          expectGets(`${runtime} ${impl} start`, counts, 1);
          if (markMs === undefined) throw new Error(`${runtime} ${impl}: no SECRET line`);
          measured.start.push({
            runtime,
            impl,
            round,
            ms: markMs,
            importMs: result.importMs as number,
            firstCallMs: result.firstCallMs as number,
            counts,
          });
        }
      }
      for (const runtime of plan.runtimes) {
        for (const impl of IMPORT_IMPLS) {
          checkDeadline();
          const { result } = await client(plan, server, runtime, impl, "import");
          measured.imports.push({
            runtime,
            impl,
            round,
            ms: result.ms as number,
            rssBytes: result.rssBytes as number,
          });
        }
      }
      if (round === 1) {
        for (const runtime of plan.runtimes) {
          for (const impl of TOKEN_IMPLS) {
            checkDeadline();
            const { result, counts } = await client(plan, server, runtime, impl, "tokens");
            const calls = result.calls as number;
            expectGets(`${runtime} ${impl} tokens`, counts, calls);
            measured.tokens.push({ runtime, impl, calls, counts });
          }
        }
      }
      console.log(
        `   round ${round}/${plan.rounds}: ${
          ((performance.now() - roundStart) / 1000).toFixed(1)
        }s`,
      );
    }
  } finally {
    await control(server, "/shutdown", "POST").catch(() => {});
    const status = await Promise.race([
      server.child.status,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3_000)),
    ]);
    if (status === undefined) server.child.kill("SIGKILL");
    live.delete(server.child);
    killAll();
  }
  return measured;
}

// ---------------------------------------------------------------------------------------------
// Aggregating and reporting

function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

function phaseStats(phases: Phase[]): PhaseStats {
  return {
    cpuUsPerOp: stat(phases.map((p) => p.cpuUsPerOp)),
    opsPerSec: stat(phases.map((p) => p.opsPerSec)),
    p50Ms: stat(phases.map((p) => p.p50Ms)),
    p99Ms: stat(phases.map((p) => p.p99Ms)),
  };
}

function groups<T extends { runtime: Runtime; impl: Impl }>(
  items: T[],
): [Runtime, Impl, T[]][] {
  const out = new Map<string, [Runtime, Impl, T[]]>();
  for (const item of items) {
    const key = `${item.runtime} ${item.impl}`;
    if (!out.has(key)) out.set(key, [item.runtime, item.impl, []]);
    out.get(key)![2].push(item);
  }
  return [...out.values()];
}

function put<V>(
  table: Partial<Record<Runtime, Partial<Record<Impl, V>>>>,
  runtime: Runtime,
  impl: Impl,
  value: V,
): void {
  (table[runtime] ??= {})[impl] = value;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const out = await run("git", ["-C", dir, ...args]);
  return out.code === 0 ? out.stdout.trim() : "";
}

async function machine(): Promise<RunRecord["machine"]> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const kb = Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? 0);
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(kb / 1024 / 1024),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
  };
}

async function versions(): Promise<Record<string, string>> {
  const pkg = (name: string) =>
    JSON.parse(Deno.readTextFileSync(`${NODE_MODULES}/${name}/package.json`)).version as string;
  return {
    deno: Deno.version.deno,
    node: (await mustRun("node", ["--version"])).stdout.trim(),
    "@azure/identity": pkg("@azure/identity"),
    "@azure/keyvault-secrets": pkg("@azure/keyvault-secrets"),
    "@azure/msal-node": pkg("@azure/msal-node"),
    aws4fetch: JSON.parse(
      Deno.readTextFileSync(`${EXTRA_DEPS}/node_modules/aws4fetch/package.json`),
    ).version,
  };
}

async function record(plan: Plan, measured: Measured): Promise<RunRecord> {
  const rec: RunRecord = {
    label: plan.label,
    date: new Date().toISOString(),
    quick: plan.quick,
    kvfetch: {
      dir: plan.kvfetchDir,
      commit: await git(plan.kvfetchDir, "rev-parse", "--short=12", "HEAD"),
      dirty: (await git(plan.kvfetchDir, "status", "--porcelain", "--", "mod.ts", "lib")) !== "",
    },
    bench: { commit: await git(ROOT, "rev-parse", "--short=12", "HEAD") },
    machine: await machine(),
    versions: await versions(),
    params: {
      runtimes: plan.runtimes,
      rounds: plan.rounds,
      warmup: plan.warmup,
      seq: plan.seq,
      conc: plan.conc,
      concurrency: plan.concurrency,
      clients: plan.clients,
      callsPerClient: plan.callsPerClient,
      pin: plan.pin,
      quietBudgetMs: plan.quietBudgetMs,
    },
    throughput: {},
    ratios: {},
    background: stat(
      measured.throughput.length ? measured.throughput.map((t) => t.backgroundCores) : [0],
    ),
    firstCall: {},
    tokens: {},
    imports: {},
    start: {},
    samples: measured,
  };
  for (const [runtime, impl, items] of groups(measured.throughput)) {
    put(rec.throughput, runtime, impl, {
      seq: phaseStats(items.map((i) => i.seq)),
      conc: phaseStats(items.map((i) => i.conc)),
    });
  }
  for (const [runtime, impl, items] of groups(measured.start)) {
    put(rec.start, runtime, impl, {
      ms: stat(items.map((i) => i.ms)),
      importMs: stat(items.map((i) => i.importMs)),
      firstCallMs: stat(items.map((i) => i.firstCallMs)),
    });
    const c = items[0]!.counts;
    put(rec.firstCall, runtime, impl, {
      ...c,
      roundTrips: c.token + c.metadata + c.probe + c.get,
    });
  }
  for (const [runtime, impl, items] of groups(measured.imports)) {
    put(rec.imports, runtime, impl, {
      ms: stat(items.map((i) => i.ms)),
      rssMB: stat(items.map((i) => i.rssBytes / 1024 / 1024)),
    });
  }
  for (const item of measured.tokens) {
    put(rec.tokens, item.runtime, item.impl, { ...item.counts, calls: item.calls });
  }
  for (const runtime of plan.runtimes) rec.ratios[runtime] = pairedRatios(measured, runtime);
  return rec;
}

/**
 * kvfetch's number over raw fetch's (or the SDK's) in the same round, one ratio per round, as
 * a median with its range: pairing neighbours in time cancels most drift in the machine's
 * speed (this box is shared), which a ratio of two medians would not.
 */
function pairedRatios(m: Measured, runtime: Runtime): Partial<Record<RatioName, Stat>> {
  const out: Partial<Record<RatioName, Stat>> = {};
  const rounds = [...new Set(m.throughput.map((t) => t.round))];
  const pick = <T extends { runtime: Runtime; impl: Impl; round: number }>(
    items: T[],
    impl: Impl,
    round: number,
  ) => items.find((i) => i.runtime === runtime && i.impl === impl && i.round === round);
  const ratios = (values: (number | undefined)[]) => {
    const defined = values.filter((v): v is number => v !== undefined && isFinite(v));
    return defined.length ? stat(defined) : undefined;
  };
  for (const over of ["raw", "sdk"] as const) {
    for (const phase of ["seq", "conc"] as const) {
      const r = ratios(rounds.map((round) => {
        const a = pick(m.throughput, "kvfetch", round)?.[phase].cpuUsPerOp;
        const b = pick(m.throughput, over, round)?.[phase].cpuUsPerOp;
        return a === undefined || b === undefined ? undefined : a / b;
      }));
      if (r) out[`${over}${phase === "seq" ? "Seq" : "Conc"}`] = r;
    }
  }
  const start = ratios([...new Set(m.start.map((t) => t.round))].map((round) => {
    const a = pick(m.start, "kvfetch", round)?.ms;
    const b = pick(m.start, "raw", round)?.ms;
    return a === undefined || b === undefined ? undefined : a / b;
  }));
  if (start) out.start = start;
  return out;
}

const IMPL_NAMES: Record<Impl, string> = {
  kvfetch: "kvfetch",
  "kvfetch-seeded": "kvfetch, pre-seeded challenge",
  raw: "raw fetch",
  sdk: "official SDK",
  aws4fetch: "aws4fetch (reference)",
  none: "nothing (baseline)",
};
const RUNTIME_NAMES: Record<Runtime, string> = { deno: "Deno", node: "Node" };

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const ratio = (n: number | undefined) => n === undefined || !isFinite(n) ? "—" : `${f2(n)}×`;

/** One target: how to read it from a run, and its limit (none: reported only). */
interface Target {
  name: string;
  value: (r: RunRecord) => number | undefined;
  format: (n: number) => string;
  limit?: number;
}

function cpu(r: RunRecord, runtime: Runtime, impl: Impl, phase: "seq" | "conc") {
  return r.throughput[runtime]?.[impl]?.[phase].cpuUsPerOp.median;
}

/** The median of a paired ratio (see {@link pairedRatios}). */
function ratioOf(runtime: Runtime, name: RatioName) {
  return (r: RunRecord) => r.ratios[runtime]?.[name]?.median;
}
const cpuRatio = (runtime: Runtime, over: "raw" | "sdk", phase: "seq" | "conc") =>
  ratioOf(runtime, `${over}${phase === "seq" ? "Seq" : "Conc"}`);
const startRatio = (runtime: Runtime) => ratioOf(runtime, "start");

const TARGETS: Target[] = [
  {
    name: "Node CPU/op vs raw fetch, sequential",
    value: cpuRatio("node", "raw", "seq"),
    format: ratio,
    limit: 1.2,
  },
  {
    name: "Node CPU/op vs raw fetch, concurrency 32",
    value: cpuRatio("node", "raw", "conc"),
    format: ratio,
    limit: 1.2,
  },
  {
    name: "Deno CPU/op vs raw fetch, sequential",
    value: cpuRatio("deno", "raw", "seq"),
    format: ratio,
    limit: 1.5,
  },
  {
    name: "Deno CPU/op vs raw fetch, concurrency 32",
    value: cpuRatio("deno", "raw", "conc"),
    format: ratio,
    limit: 1.5,
  },
  {
    name: "Deno CPU/op vs official SDK, sequential",
    value: cpuRatio("deno", "sdk", "seq"),
    format: ratio,
    limit: 1.0,
  },
  {
    name: "Deno CPU/op vs official SDK, concurrency 32",
    value: cpuRatio("deno", "sdk", "conc"),
    format: ratio,
    limit: 1.0,
  },
  {
    name: "Node CPU/op vs official SDK, sequential (reported)",
    value: cpuRatio("node", "sdk", "seq"),
    format: ratio,
  },
  {
    name: "Node CPU/op vs official SDK, concurrency 32 (reported)",
    value: cpuRatio("node", "sdk", "conc"),
    format: ratio,
  },
  {
    name: "Node import of kvfetch, ms",
    value: (r) => r.imports.node?.kvfetch?.ms.median,
    format: (n) => `${f1(n)} ms`,
    limit: 25,
  },
  {
    name: "Node import of kvfetch, RSS added",
    value: (r) => r.imports.node?.kvfetch?.rssMB.median,
    format: (n) => `+${f1(n)} MB`,
    limit: 4,
  },
  {
    name: "Node start → first secret vs raw fetch",
    value: startRatio("node"),
    format: ratio,
    limit: 1.15,
  },
  {
    name: "Deno start → first secret vs raw fetch",
    value: startRatio("deno"),
    format: ratio,
    limit: 1.15,
  },
  {
    name: "Token requests, 1,000 calls across 10 clients (Node)",
    value: (r) => r.tokens.node?.kvfetch?.token,
    format: f0,
  },
];

function targetCell(t: Target, r: RunRecord): string {
  const v = t.value(r);
  if (v === undefined) return "—";
  if (t.limit === undefined) return t.format(v);
  return `${t.format(v)} ${v <= t.limit ? "met" : "**not met**"}`;
}

function limitText(t: Target): string {
  if (t.limit === undefined) return "reported";
  if (t.format === ratio) return `≤ ${f2(t.limit)}×`;
  return `≤ ${t.format(t.limit)}`;
}

function runOrder(results: Results): RunRecord[] {
  const rank = (label: string) => label === "before" ? 0 : label === "after" ? 1 : 2;
  return Object.values(results.runs).sort((a, b) =>
    rank(a.label) - rank(b.label) || (a.date < b.date ? -1 : 1)
  );
}

/** A Markdown table: the first `labels` columns left-aligned, the numbers right-aligned. */
function table(head: string[], rows: string[][], labels = 2): string {
  const align = head.map((_, i) => i < labels ? "---" : "--:");
  return [head, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function section(r: RunRecord): string {
  const out: string[] = [];
  const p = r.params;
  out.push(
    `## Run "${r.label}"`,
    "",
    `${r.date.slice(0, 16).replace("T", " ")} UTC · kvfetch \`${r.kvfetch.commit}\`${
      r.kvfetch.dirty ? " (with uncommitted changes)" : ""
    } from \`${r.kvfetch.dir}\` · bench \`${r.bench.commit}\` · ${r.machine.cores} cores ` +
      `(${r.machine.cpu}), ${r.machine.memoryGiB} GiB · Deno ${r.versions.deno}, Node ` +
      `${r.versions.node}, @azure/identity ${r.versions["@azure/identity"]}, ` +
      `@azure/keyvault-secrets ${r.versions["@azure/keyvault-secrets"]}` +
      `${r.quick ? " · **quick mode**" : ""}`,
    "",
    `${p.rounds} round${p.rounds === 1 ? "" : "s"}; per process: ${p.warmup} sequential + ` +
      `${p.warmup} concurrent warm-up calls, then ${p.seq} sequential and ${p.conc} at ` +
      `concurrency ${p.concurrency}. Medians over rounds; CPU is user + system time of the ` +
      "client process per getSecret; ratios are paired within each round, then the median." +
      (p.pin ? " Server pinned to CPU 1, clients to CPU 0." : ""),
    "",
    `Rest of the machine during the throughput processes: median ${f2(r.background.median)} ` +
      `cores (max ${f2(r.background.max)})` +
      (p.quietBudgetMs
        ? `; the quiet gate (< 0.2 cores before each one) waited ` +
          `${f1(r.samples.quiet.waitedMs / 1000)} s in all and gave up ${r.samples.quiet.gaveUp}×.`
        : "."),
    "",
    "### CPU per getSecret, throughput, latency",
    "",
  );
  const rows: string[][] = [];
  for (const runtime of p.runtimes) {
    for (const impl of THROUGHPUT_IMPLS) {
      const t = r.throughput[runtime]?.[impl];
      if (!t) continue;
      const cells = (s: PhaseStats) => [
        `${f1(s.cpuUsPerOp.median)} (${f0(s.cpuUsPerOp.min)}–${f0(s.cpuUsPerOp.max)})`,
        f0(s.opsPerSec.median),
        `${f2(s.p50Ms.median)} / ${f2(s.p99Ms.median)}`,
      ];
      rows.push([RUNTIME_NAMES[runtime], IMPL_NAMES[impl], ...cells(t.seq), ...cells(t.conc)]);
    }
  }
  out.push(
    table([
      "runtime",
      "implementation",
      "seq CPU µs/op (min–max)",
      "seq ops/s",
      "seq p50 / p99 ms",
      `c${p.concurrency} CPU µs/op (min–max)`,
      `c${p.concurrency} ops/s`,
      `c${p.concurrency} p50 / p99 ms`,
    ], rows),
    "",
  );
  const ratioRows: string[][] = [];
  const ranged = (s: Stat | undefined) =>
    s === undefined ? "—" : `${ratio(s.median)} (${f2(s.min)}–${f2(s.max)})`;
  for (const runtime of p.runtimes) {
    const x = r.ratios[runtime] ?? {};
    ratioRows.push([
      RUNTIME_NAMES[runtime],
      ranged(x.rawSeq),
      ranged(x.rawConc),
      ranged(x.sdkSeq),
      ranged(x.sdkConc),
    ]);
  }
  out.push(
    table(
      [
        "runtime",
        "kvfetch / raw, seq",
        "kvfetch / raw, c32",
        "kvfetch / SDK, seq",
        "kvfetch / SDK, c32",
      ],
      ratioRows,
      1,
    ),
    "",
    "### Round trips of the first call",
    "",
    "Requests the server saw for one process's first getSecret. The SDK's OpenID metadata GET " +
      "is MSAL's, for an authority host it has no built-in metadata for (this bench's); against " +
      "login.microsoftonline.com it does not happen.",
    "",
  );
  const firstRows: string[][] = [];
  for (const runtime of p.runtimes) {
    for (const impl of START_IMPLS) {
      const c = r.firstCall[runtime]?.[impl];
      if (!c) continue;
      firstRows.push([
        RUNTIME_NAMES[runtime],
        IMPL_NAMES[impl],
        f0(c.roundTrips),
        f0(c.probe),
        f0(c.metadata),
        f0(c.token),
        f0(c.get),
      ]);
    }
  }
  out.push(
    table(
      [
        "runtime",
        "implementation",
        "round trips",
        "401 probes",
        "metadata GETs",
        "token POSTs",
        "secret GETs",
      ],
      firstRows,
    ),
    "",
    `### Token requests: ${f0(p.clients * p.callsPerClient)} calls across ${p.clients} clients`,
    "",
    `${p.clients} client instances, each with its own credential for the same identity, ` +
      `${p.callsPerClient} sequential calls each, all clients at once, in one process.`,
    "",
  );
  const tokenRows: string[][] = [];
  for (const runtime of p.runtimes) {
    for (const impl of TOKEN_IMPLS) {
      const c = r.tokens[runtime]?.[impl];
      if (!c) continue;
      tokenRows.push([
        RUNTIME_NAMES[runtime],
        IMPL_NAMES[impl],
        f0(c.token),
        f0(c.probe),
        f0(c.metadata),
        f0(c.get),
      ]);
    }
  }
  out.push(
    table([
      "runtime",
      "implementation",
      "token POSTs",
      "401 probes",
      "metadata GETs",
      "secret GETs",
    ], tokenRows),
    "",
    "### Import cost",
    "",
    "A fresh process: the time of `await import()` and the RSS it added (raw fetch imports " +
      "nothing: 0). kvfetch is `mod.ts` on Deno and the npm build on Node; the SDK is " +
      "`@azure/identity` + `@azure/keyvault-secrets`.",
    "",
  );
  const importRows: string[][] = [];
  for (const runtime of p.runtimes) {
    for (const impl of IMPORT_IMPLS) {
      const c = r.imports[runtime]?.[impl];
      if (!c) continue;
      importRows.push([
        RUNTIME_NAMES[runtime],
        IMPL_NAMES[impl],
        `${f1(c.ms.median)} (${f1(c.ms.min)}–${f1(c.ms.max)})`,
        `${f1(c.rssMB.median)} (${f1(c.rssMB.min)}–${f1(c.rssMB.max)})`,
      ]);
    }
  }
  out.push(
    table(["runtime", "module", "import ms (min–max)", "RSS added MB (min–max)"], importRows),
    "",
    "### Start → first secret",
    "",
    "Wall time from spawning the process to its first secret on stdout (runtime start, " +
      "import, token, challenge, GET); in-process: the import, then the first call.",
    "",
  );
  const startRows: string[][] = [];
  for (const runtime of p.runtimes) {
    const raw = r.start[runtime]?.raw?.ms.median;
    for (const impl of START_IMPLS) {
      const s = r.start[runtime]?.[impl];
      if (!s) continue;
      startRows.push([
        RUNTIME_NAMES[runtime],
        IMPL_NAMES[impl],
        `${f1(s.ms.median)} (${f1(s.ms.min)}–${f1(s.ms.max)})`,
        raw === undefined ? "—" : ratio(s.ms.median / raw),
        f1(s.importMs.median),
        f1(s.firstCallMs.median),
      ]);
    }
  }
  out.push(
    table(
      ["runtime", "implementation", "ms (min–max)", "vs raw fetch", "import ms", "first call ms"],
      startRows,
    ),
    "",
  );
  return out.join("\n");
}

function comparison(before: RunRecord, after: RunRecord): string {
  const rows: string[][] = [];
  const change = (a: number | undefined, b: number | undefined, fmt: (n: number) => string) =>
    a === undefined || b === undefined
      ? ["—", "—", "—"]
      : [fmt(a), fmt(b), `${b >= a ? "+" : ""}${f1((b / a - 1) * 100)}%`];
  for (const runtime of before.params.runtimes) {
    for (const phase of ["seq", "conc"] as const) {
      rows.push([
        `${RUNTIME_NAMES[runtime]} kvfetch CPU µs/op, ${phase === "seq" ? "sequential" : "c32"}`,
        ...change(
          cpu(before, runtime, "kvfetch", phase),
          cpu(after, runtime, "kvfetch", phase),
          f1,
        ),
      ]);
    }
    rows.push([
      `${RUNTIME_NAMES[runtime]} kvfetch import ms`,
      ...change(
        before.imports[runtime]?.kvfetch?.ms.median,
        after.imports[runtime]?.kvfetch?.ms.median,
        f1,
      ),
    ]);
    rows.push([
      `${RUNTIME_NAMES[runtime]} kvfetch import RSS MB`,
      ...change(
        before.imports[runtime]?.kvfetch?.rssMB.median,
        after.imports[runtime]?.kvfetch?.rssMB.median,
        f1,
      ),
    ]);
    rows.push([
      `${RUNTIME_NAMES[runtime]} kvfetch start → first secret ms`,
      ...change(
        before.start[runtime]?.kvfetch?.ms.median,
        after.start[runtime]?.kvfetch?.ms.median,
        f1,
      ),
    ]);
  }
  return [
    "## Before → after (kvfetch)",
    "",
    table(["measure", "before", "after", "change"], rows, 1),
    "",
  ].join("\n");
}

function render(results: Results): string {
  const runs = runOrder(results);
  const out: string[] = [
    "# kvfetch benchmark",
    "",
    "Generated by `deno task bench` (scripts/bench.ts; its header says how and why it measures " +
    "as it does). Loopback HTTPS against a fake Entra + Key Vault in its own process; every " +
    "sample a fresh process; medians over alternating rounds. Targets are reported, never " +
    "asserted.",
    "",
    "Reproduce: `deno task bench --label before --kvfetch <pre-change checkout>`, then " +
    "`deno task bench --label after` (each label replaces its own section of " +
    "results.json; this file is rendered from all of them).",
    "",
    "## Targets",
    "",
    table(
      ["target", "limit", ...runs.map((r) => r.label)],
      TARGETS.map((t) => [t.name, limitText(t), ...runs.map((r) => targetCell(t, r))]),
    ),
    "",
  ];
  const before = results.runs.before;
  const after = results.runs.after;
  if (before && after) out.push(comparison(before, after));
  for (const r of runs) out.push(section(r));
  out.push(
    "## Caveats",
    "",
    "- Noise: CPU per op of one process varies by 10–20 % from process to process even on a " +
      "quiet machine (the min–max columns); the median of a full run still moves by up to " +
      "~10 % between two full runs, most at concurrency 32. Read smaller differences as noise.",
    "- 2 cores: the server process (pinned to one) and the client (the other) share the box; " +
      "at concurrency 32, ops/s and latency are partly the server's; CPU µs/op is the client's " +
      "alone.",
    "- CPU per op includes TLS on loopback (the same for every implementation of a runtime) " +
      "and the client's garbage collection. Sequential calls cost more CPU per op than " +
      "concurrent ones: each one wakes the event loop on its own.",
    "- The SDK runs on `node:https` (Deno's emulation of it on Deno); kvfetch and raw fetch on " +
      "the runtime's `fetch` (undici on Node). Node loads undici at the first `fetch()`, so " +
      "that cost falls in the first call and in start → first secret, not in the import.",
    "- The SDK's first call has one more round trip here than in production (MSAL's OpenID " +
      "metadata for a non-Microsoft authority host); its 401 probe is real.",
    "- Import cost is measured after a warm-up run (OS file cache and Deno's transpile and " +
      "code caches warm), so it is the steady-state cost of a process start.",
    "",
  );
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Main

async function inner(planFile: string): Promise<void> {
  const plan = JSON.parse(await Deno.readTextFile(planFile)) as Plan;
  const measured = await measure(plan);
  await Deno.writeTextFile(plan.measuredFile, JSON.stringify(measured, null, 2) + "\n");
}

/** Writes RESULTS.md (and formats both files) from results.json. */
async function writeReport(resultsDir: string, results: Results, format: boolean): Promise<string> {
  const resultsFile = `${resultsDir}/results.json`;
  await Deno.mkdir(resultsDir, { recursive: true });
  await Deno.writeTextFile(resultsFile, JSON.stringify(results, null, 2) + "\n");
  const markdown = render(results);
  await Deno.writeTextFile(`${resultsDir}/RESULTS.md`, markdown);
  // Committed files: keep them as `deno fmt --check` wants them (tables aligned).
  if (format) {
    await mustRun(Deno.execPath(), ["fmt", "--quiet", resultsFile, `${resultsDir}/RESULTS.md`]);
  }
  return markdown;
}

async function main(): Promise<boolean> {
  const quick = Deno.args.includes("--quick");
  if (Deno.args.includes("--render")) {
    // Only re-render bench/RESULTS.md from bench/results.json (after a change to this script).
    const dir = `${ROOT}bench`;
    await writeReport(dir, JSON.parse(await Deno.readTextFile(`${dir}/results.json`)), true);
    console.log(`   rendered ${dir}/RESULTS.md`);
    return true;
  }
  const label = flag("label") ?? (quick ? "quick" : "current");
  if (!/^[\w.-]+$/.test(label)) throw new Error(`--label ${label}: letters, digits, . _ - only`);
  const kvfetchDir = absolute(flag("kvfetch") ?? ROOT);
  if (!exists(`${kvfetchDir}/mod.ts`)) throw new Error(`--kvfetch ${kvfetchDir}: no mod.ts there`);
  const runtimes = (flag("runtimes") ?? "deno,node").split(",") as Runtime[];
  if (!runtimes.length || runtimes.some((r) => r !== "deno" && r !== "node")) {
    throw new Error("--runtimes takes deno, node or deno,node");
  }
  const rounds = Number(flag("rounds") ?? (quick ? 1 : 13));
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
    throw new Error("--rounds must be 1–50");
  }
  const resultsDir = quick ? `${BENCH}/quick` : `${ROOT}bench`;
  const plan: Plan = {
    quick,
    label,
    kvfetchDir,
    runtimes,
    rounds,
    warmup: Number(flag("warmup") ?? (quick ? 50 : 1000)),
    seq: Number(flag("seq") ?? (quick ? 200 : 3000)),
    conc: Number(flag("conc") ?? (quick ? 320 : 4800)),
    concurrency: 32,
    clients: 10,
    callsPerClient: 100,
    deadlineMs: quick ? 120_000 : 1_200_000,
    measuredFile: `${BENCH}/measured-${label}.json`,
    pin: !Deno.args.includes("--no-pin") && navigator.hardwareConcurrency >= 2,
    quietBudgetMs: quick ? 0 : 240_000,
  };
  for (
    const [name, value] of Object.entries({ warmup: plan.warmup, seq: plan.seq, conc: plan.conc })
  ) {
    if (!Number.isInteger(value) || value < 1 || value > 100_000) {
      throw new Error(`--${name} must be 1–100000`);
    }
  }

  let done = step("set up: dependencies, kvfetch npm build, worker scripts, certificates");
  await ensureDeps();
  await ensureExtraDeps();
  const kvfetchNpm = await buildKvfetchNpm(kvfetchDir);
  await prepareNodeDir(kvfetchNpm);
  await makeCertificates();
  console.log(`   kvfetch: ${kvfetchDir} (npm build ${kvfetchNpm.slice(BENCH.length + 1)})`);
  done();

  // Warm Deno's npm and transpile caches and the OS file cache (measured runs are offline).
  done = step("warm-up imports (not measured)");
  const planFile = `${BENCH}/plan-${label}.json`;
  await Deno.writeTextFile(planFile, JSON.stringify(plan, null, 2) + "\n");
  for (const runtime of runtimes) {
    for (const impl of IMPORT_IMPLS) {
      const cfg = {
        impl,
        mode: "import",
        maxMs: 110_000,
        modules: modulesFor(runtime, kvfetchDir),
      };
      const [cmd, args] = runtime === "deno"
        ? [Deno.execPath(), [
          "run",
          "-A",
          `--config=${ROOT}deno.json`,
          `${ROOT}scripts/bench/client.ts`,
          JSON.stringify(cfg),
        ]]
        : ["node", [`${NODE_DIR}/client.mjs`, JSON.stringify(cfg)]];
      const out = await spawnTimed(cmd, args, "inherit", 120_000);
      if (out.code !== 0) throw new Error(`warm-up ${runtime} ${impl}: ${out.stderr}`);
    }
  }
  done();

  done = step(
    `measure: ${rounds} round(s), ${runtimes.join(" + ")}, kvfetch / raw fetch / official SDK`,
  );
  await Deno.remove(plan.measuredFile).catch(() => {});
  const [cmd, args] = await loopbackOnly(Deno.execPath(), [
    "run",
    "-A",
    "--cached-only",
    `--config=${ROOT}deno.json`,
    `${ROOT}scripts/bench.ts`,
    "--inner",
    planFile,
  ]);
  const measuredRun = await run(cmd, args, { echo: true, timeoutMs: plan.deadlineMs + 60_000 });
  if (measuredRun.code !== 0) throw new Error(`the measurement failed (exit ${measuredRun.code})`);
  const measured = JSON.parse(await Deno.readTextFile(plan.measuredFile)) as Measured;
  done();

  done = step(`report: ${resultsDir}/RESULTS.md (label "${label}")`);
  const resultsFile = `${resultsDir}/results.json`;
  let results: Results = { schema: 1, runs: {} };
  if (exists(resultsFile)) results = JSON.parse(await Deno.readTextFile(resultsFile));
  results.runs[label] = await record(plan, measured);
  const markdown = await writeReport(resultsDir, results, !quick);
  const targets = markdown.slice(markdown.indexOf("## Targets"));
  console.log(targets.slice(0, targets.indexOf("\n## ", 5)));
  done();
  return true;
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      killAll();
      Deno.exit(130);
    });
  }
  const planFile = flag("inner");
  const started = performance.now();
  let ok = false;
  try {
    if (planFile) {
      await inner(planFile);
      ok = true;
    } else ok = await main();
  } catch (error) {
    console.error(`\nbench: ${error instanceof Error ? error.message : error}`);
  } finally {
    killAll();
  }
  if (!planFile) {
    console.log(
      `\nbench: ${ok ? "OK" : "FAILED"} in ${((performance.now() - started) / 1000).toFixed(1)}s`,
    );
  }
  Deno.exit(ok ? 0 : 1);
}
