#!/usr/bin/env node
/**
 * `kvfetch-emulator` (`deno task emulator`, `npx kvfetch-emulator`): kvfetch's in-memory
 * Microsoft Entra ID + Azure Key Vault + Azure Resource Manager (`kvfetch/testing`'s
 * `createEmulator`) served over HTTPS on loopback, for the official Azure SDKs of any language.
 *
 * The port is an HTTPS proxy and an HTTPS server at once (see `./_server.ts`): clients set
 * `HTTPS_PROXY=http://127.0.0.1:PORT` and trust the printed CA, and keep Azure's real host
 * names, so no SDK needs an opt-out. On start it prints the CA's path, the trust recipes, an
 * environment block and, last, the line `kvfetch emulator ready on https://HOST:PORT`.
 *
 * Usage: kvfetch-emulator [--port N] [--host ADDR [--allow-remote]] [--state DIR]
 *   [--vault NAME]... [--seed FILE.json] [--fault SPEC]... [--access-control]
 *   [--env-out FILE] [--verbose]
 *
 * Runs on Deno (`deno run --allow-net --allow-read --allow-write --allow-env bin/emulator.ts`),
 * Node 20 and Bun.
 *
 * @module
 */
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { createEmulator, type Emulator, type EmulatorSnapshot } from "kvfetch/testing";
import { issueLeaf, loadOrCreateCa } from "./_ca.ts";
import { serve } from "./_server.ts";

const USAGE = `Usage: kvfetch-emulator [options]

Serves an in-memory Microsoft Entra ID + Azure Key Vault + Azure Resource Manager over HTTPS
on loopback: an HTTPS proxy (CONNECT) for Azure's real host names, and an HTTPS server.

Options:
  --port N            port to listen on (default 0: a free one, printed)
  --host ADDR         address to bind (default 127.0.0.1; loopback only unless --allow-remote)
  --allow-remote      allow a non-loopback --host (anyone who reaches it gets the emulator)
  --state DIR         keep the CA and the emulator's state in DIR (reloaded on start, saved
                      on shutdown); default: a temporary directory removed at exit
  --vault NAME        create a vault at start (repeatable; default "myvault" on a fresh state)
  --seed FILE.json    vaults, secrets and keys to create at start (on a fresh state):
                      {"vaults": {"myvault": {"secrets": {"name": "value"},
                                              "keys": {"name": {"kty": "RSA"}}}}}
  --fault SPEC        inject faults: throttle[=N][@SERVICE], server-error[=N[:STATUS]][@SERVICE],
                      drop[=N][@SERVICE], latency=MS[@SERVICE], dns=VAULT[:N]
                      (SERVICE: vault, arm, entra; repeatable)
  --access-control    enforce vault access policies (vaults made through ARM)
  --arm-retry-after S the Retry-After (seconds) of ARM's long-running operations (default 1:
                      some pollers treat 0 as absent and wait their own 30 s instead)
  --env-out FILE      also write the environment block to FILE
  --verbose           log every request (method, URL without query, status) to stderr
  --help              this text
`;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;
const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

interface SeedFile {
  vaults?: Record<string, {
    secrets?: Record<string, string | { value: string; contentType?: string; tags?: object }>;
    keys?: Record<string, { kty?: string; size?: number; crv?: string }>;
  }>;
}

function fail(message: string): never {
  process.stderr.write(`kvfetch-emulator: ${message}\n`);
  process.exit(2);
}

function applyFault(emulator: Emulator, spec: string): void {
  const m = /^([a-z-]+)(?:=([^@]+))?(?:@(vault|arm|entra))?$/.exec(spec);
  if (!m) fail(`--fault ${spec}: expected KIND[=VALUE][@SERVICE]`);
  const [, kind, value, service] = m;
  const opts = service ? { service: service as "vault" | "arm" | "entra" } : {};
  const int = (text: string | undefined, fallback: number) => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < 0) fail(`--fault ${spec}: ${text} is not a count`);
    return n;
  };
  switch (kind) {
    case "throttle":
      return emulator.faults.throttle(int(value, 1), opts);
    case "server-error": {
      const [count, status] = (value ?? "").split(":");
      return emulator.faults.serverError(int(count || undefined, 1), {
        ...opts,
        ...(status ? { status: int(status, 503) } : {}),
      });
    }
    case "drop":
      return emulator.faults.dropConnection(int(value, 1), opts);
    case "latency":
      return emulator.faults.latency(int(value, 0), opts);
    case "dns": {
      const [vault, count] = (value ?? "").split(":");
      if (!vault) fail(`--fault ${spec}: dns needs a vault name`);
      return emulator.faults.registeringDns(vault, int(count, 1));
    }
    default:
      fail(`--fault ${spec}: unknown kind ${kind}`);
  }
}

async function seedVaults(emulator: Emulator, seed: SeedFile): Promise<void> {
  const token = (await emulator.credential().getToken("https://vault.azure.net/.default"))!.token;
  const call = async (url: string, method: string, body: unknown) => {
    const response = await emulator.fetch(`${url}?api-version=7.6`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) fail(`--seed: ${method} ${url} answered ${response.status}`);
  };
  for (const [name, contents] of Object.entries(seed.vaults ?? {})) {
    const base = emulator.vaultUrl(name);
    for (const [secret, value] of Object.entries(contents.secrets ?? {})) {
      await call(`${base}/secrets/${secret}`, "PUT", typeof value === "string" ? { value } : value);
    }
    for (const [key, spec] of Object.entries(contents.keys ?? {})) {
      const kty = spec.kty ?? "RSA";
      await call(`${base}/keys/${key}/create`, "POST", {
        kty,
        ...(kty.startsWith("RSA") ? { key_size: spec.size ?? 2048 } : { crv: spec.crv ?? "P-256" }),
      });
    }
  }
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      args: process.argv.slice(2),
      options: {
        port: { type: "string", default: "0" },
        host: { type: "string", default: "127.0.0.1" },
        "allow-remote": { type: "boolean", default: false },
        state: { type: "string" },
        vault: { type: "string", multiple: true, default: [] },
        seed: { type: "string" },
        fault: { type: "string", multiple: true, default: [] },
        "access-control": { type: "boolean", default: false },
        "arm-retry-after": { type: "string", default: "1" },
        "env-out": { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${args.port}: not a port`);
  const host = args.host!;
  const armRetryAfter = Number(args["arm-retry-after"]);
  if (!Number.isInteger(armRetryAfter) || armRetryAfter < 0 || armRetryAfter > 60) {
    fail(`--arm-retry-after ${args["arm-retry-after"]}: 0-60 seconds`);
  }
  if (!LOOPBACK.test(host) && !args["allow-remote"]) {
    fail(
      `--host ${host} is not a loopback address: the emulator hands out tokens and secrets to ` +
        `anyone who reaches it; add --allow-remote if that is what you want`,
    );
  }
  for (const name of args.vault!) {
    if (!VAULT_NAME.test(name)) fail(`--vault ${name}: 3-24 letters, digits and hyphens`);
  }
  let seed: SeedFile = {};
  if (args.seed) {
    try {
      seed = JSON.parse(await readFile(args.seed, "utf8")) as SeedFile;
    } catch (error) {
      fail(`--seed ${args.seed}: ${error instanceof Error ? error.message : error}`);
    }
    for (const name of Object.keys(seed.vaults ?? {})) {
      if (!VAULT_NAME.test(name)) fail(`--seed: vault ${name}: 3-24 letters, digits and hyphens`);
    }
  }

  const ephemeral = args.state === undefined;
  const dir = args.state ?? await mkdtemp(`${tmpdir()}/kvfetch-emulator-`);
  const statePath = `${dir}/emulator.json`;
  const ca = await loadOrCreateCa(dir);
  const leaf = await issueLeaf(ca, LOOPBACK.test(host) ? [] : [host]);

  let state: EmulatorSnapshot | undefined;
  if (!ephemeral) {
    try {
      state = JSON.parse(await readFile(statePath, "utf8")) as EmulatorSnapshot;
    } catch {
      // no saved state yet
    }
  }
  const vaultNames = [...args.vault!, ...Object.keys(seed.vaults ?? {})];
  if (state === undefined && vaultNames.length === 0) vaultNames.push("myvault");
  const emulator = createEmulator({
    ...(state ? { state } : { vaults: [...new Set(vaultNames.map((v) => v.toLowerCase()))] }),
    accessControl: args["access-control"]!,
    armRetryAfter,
  });
  if (state === undefined) await seedVaults(emulator, seed);
  for (const spec of args.fault!) applyFault(emulator, spec);
  const arm = emulator.snapshot().arm as { vaults?: { name?: string }[] };
  const vaults = (arm.vaults ?? []).map((v) => String(v.name ?? "").toLowerCase()).filter(Boolean);

  const verbose = args.verbose!;
  let origin = "";
  const env = (): Record<string, string> => ({
    ...emulator.env,
    AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com",
    ...(vaults[0] ? { AZURE_KEYVAULT_URL: emulator.vaultUrl(vaults[0]) } : {}),
    HTTPS_PROXY: origin.replace(/^https:/, "http:"),
    NODE_EXTRA_CA_CERTS: ca.certPath,
    DENO_CERT: ca.certPath,
    REQUESTS_CA_BUNDLE: ca.certPath,
    KVFETCH_EMULATOR_CA: ca.certPath,
  });
  const served = await serve({
    host,
    port,
    tls: leaf,
    handler: emulator.fetch,
    local: (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/ca.pem") {
        return new Response(ca.cert, { headers: { "content-type": "application/x-pem-file" } });
      }
      if (path === "/") {
        return Response.json({
          service: "kvfetch emulator",
          env: env(),
          vaults: vaults.map((v) => emulator.vaultUrl(v)),
        });
      }
      return new Response("not found\n", { status: 404 });
    },
    ...(verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  const shown = host.includes(":") ? `[${host}]` : host;
  origin = `https://${shown}:${served.port}`;
  const proxy = `http://${shown}:${served.port}`;

  // The handlers first: a script may stop the emulator as soon as it reads the ready line.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      if (!ephemeral) {
        const text = JSON.stringify(emulator.snapshot());
        await writeFile(`${statePath}.tmp`, text, { mode: 0o600 });
        await rename(`${statePath}.tmp`, statePath);
      }
      await served.close();
      if (ephemeral) await rm(dir, { recursive: true, force: true });
      process.stdout.write(
        `kvfetch emulator stopped (${signal})${ephemeral ? "" : `; state saved to ${statePath}`}\n`,
      );
      process.exit(0);
    } catch (error) {
      process.stderr.write(`kvfetch-emulator: shutdown: ${error}\n`);
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  const block = Object.entries(env()).map(([k, v]) => `${k}=${v}`).join("\n");
  if (args["env-out"]) await writeFile(args["env-out"], `${block}\n`, { mode: 0o600 });
  const vaultUrl = vaults[0] ? emulator.vaultUrl(vaults[0]) : "https://myvault.vault.azure.net";
  process.stdout.write(
    [
      `kvfetch emulator: Microsoft Entra ID, Azure Key Vault and Azure Resource Manager, in memory`,
      `CA certificate: ${ca.certPath} (${ca.reused ? "reused" : "new"})`,
      `state: ${ephemeral ? "not kept (add --state DIR to keep it)" : statePath}`,
      `vaults: ${vaults.map((v) => emulator.vaultUrl(v)).join(" ") || "none"}`,
      ``,
      `Use it: set HTTPS_PROXY=${proxy} and trust the CA:`,
      `  Node      NODE_EXTRA_CA_CERTS=${ca.certPath}`,
      `  Deno      DENO_CERT=${ca.certPath}`,
      `  Python    REQUESTS_CA_BUNDLE=${ca.certPath}   (or SSL_CERT_FILE=${ca.certPath})`,
      `  curl      curl --proxy ${proxy} --cacert ${ca.certPath} ${vaultUrl}/secrets?api-version=7.6`,
      `  others    add ${ca.certPath} to the runtime's trust store (.NET, Java keytool, Go SSL_CERT_FILE)`,
      ``,
      `# environment (KEY=value${args["env-out"] ? `; also in ${args["env-out"]}` : ""})`,
      block,
      ``,
      `kvfetch emulator ready on ${origin}`,
      ``,
    ].join("\n"),
  );
}

await main();
