/**
 * Consumer type checks: the built npm package's declarations, as real projects see them, with
 * `skipLibCheck: false` (so kvfetch's own `.d.ts` files are checked too):
 *
 * - **Node**: `lib: ["es2023"]`, `types: ["node"]` (`@types/node` 26: `@types/bun` needs a recent one), NodeNext, no DOM lib;
 * - **Bun**: the tsconfig `bun init` writes (`lib: ["ESNext"]`, `module: "Preserve"`,
 *   `moduleResolution: "bundler"`, `@types/bun`), no DOM lib;
 * - **Workers**: `@cloudflare/workers-types`, no DOM lib, and a typed `Env` interface (no index
 *   signature) handed to `credentialFromEnv`;
 * - **Deno**: `deno check` of the same consumer through deno.json's import map.
 *
 * The consumer package is installed once under `.ci/out/check_types/` (pinned versions; later
 * runs install only the freshly packed kvfetch, from the npm cache when offline). Needs
 * `deno task build:npm` first (`deno task check:npm` runs both).
 *
 * `--typescript=X.Y.Z` checks with another TypeScript version (how the minimum in the README was
 * found). The last line is `check:types: N configurations, 0 errors` or the errors.
 *
 * Usage: deno run -A scripts/check_types.ts [--typescript=5.9.3]
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const NPM_DIR = `${ROOT}/npm`;
const WORK = `${ROOT}/.ci/out/check_types`;

const arg = Deno.args.find((a) => a.startsWith("--typescript="));
/** The TypeScript CI checks with. */
const TYPESCRIPT = arg?.slice("--typescript=".length) ?? "5.9.3";
const DEV_DEPENDENCIES = {
  typescript: TYPESCRIPT,
  "@types/node": "26.6.6",
  "@types/bun": "1.4.5",
  "@cloudflare/workers-types": "5.20261117.1",
};

/** Uses something from every subpath, so that each declaration file is reached and checked. */
const COMMON = `
import { credentialFromEnv, KvfetchError, RestError, SecretClient } from "kvfetch";
import { ClientSecretCredential } from "kvfetch/auth";
import { KeyClient } from "kvfetch/keys";
import { CertificateClient } from "kvfetch/certificates";
import { VaultsClient } from "kvfetch/management";
import { parseKeyVaultJwk, type WebCryptoKey } from "kvfetch/jwk";
import { createEmulator } from "kvfetch/testing";
import * as secrets from "kvfetch/secrets";

export async function main(env: { [name: string]: string | undefined }): Promise<void> {
  const emulator = createEmulator({ vaults: ["myvault"] });
  const client = new SecretClient(emulator.vaultUrl("myvault"), emulator.credential(), {
    fetch: emulator.fetch,
  });
  await client.setSecret("a", "b");
  const value: string | undefined = (await client.getSecret("a")).value;
  const raw: Response = await client.fetch("/secrets/a", { method: "GET", headers: { a: "b" } });
  try {
    await client.getSecret("missing");
  } catch (e) {
    if (e instanceof RestError && e.statusCode === 404) console.log(e.errorCode);
    else if (e instanceof KvfetchError) console.log(e.code);
  }
  const credential = new ClientSecretCredential({ tenantId: "t", clientId: "c", clientSecret: "s" });
  new KeyClient(emulator.vaultUrl("myvault"), credential);
  new CertificateClient(emulator.vaultUrl("myvault"), credential);
  new VaultsClient(emulator.subscriptionId, credentialFromEnv(env));
  const key: WebCryptoKey | undefined = undefined;
  console.log(key, value, raw.status, typeof parseKeyVaultJwk, typeof secrets.SecretClient);
}
`;

const WORKER = `
import { credentialFromEnv, SecretClient } from "kvfetch";
import "./common.ts";

interface Env {
  AZURE_TENANT_ID: string;
  AZURE_CLIENT_ID: string;
  AZURE_CLIENT_SECRET: string;
  MY_KV: KVNamespace;
}

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const client = new SecretClient("https://myvault.vault.azure.net", credentialFromEnv(env));
    const secret = await client.getSecret("db-password");
    return new Response(secret.properties.name);
  },
} satisfies ExportedHandler<Env>;
`;

const BASE = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
};

const CONFIGS: Record<string, { compilerOptions: Record<string, unknown>; files: string[] }> = {
  node: {
    compilerOptions: {
      ...BASE,
      target: "es2022",
      lib: ["es2023"],
      module: "nodenext",
      moduleResolution: "nodenext",
      types: ["node"],
    },
    files: ["common.ts"],
  },
  bun: {
    // What `bun init` writes, with skipLibCheck turned off.
    compilerOptions: {
      ...BASE,
      lib: ["ESNext"],
      target: "ESNext",
      module: "Preserve",
      moduleDetection: "force",
      jsx: "react-jsx",
      allowJs: true,
      moduleResolution: "bundler",
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      noFallthroughCasesInSwitch: true,
      noImplicitOverride: true,
      types: ["bun"],
    },
    files: ["common.ts"],
  },
  workers: {
    compilerOptions: {
      ...BASE,
      target: "es2022",
      lib: ["es2022"],
      module: "es2022",
      moduleResolution: "bundler",
      allowImportingTsExtensions: true,
      types: ["@cloudflare/workers-types"],
    },
    files: ["worker.ts"],
  },
};

async function run(cmd: string, args: string[], cwd: string) {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, stdout: text(out.stdout), stderr: text(out.stderr) };
}

function fail(message: string): never {
  console.error(message);
  console.log("check:types: failed");
  Deno.exit(1);
}

const started = performance.now();
try {
  await Deno.stat(`${NPM_DIR}/package.json`);
} catch {
  fail("no npm/ build: run `deno task build:npm` first");
}
const work = TYPESCRIPT === "5.9.3" ? WORK : `${WORK}-ts${TYPESCRIPT}`;
await Deno.mkdir(work, { recursive: true });

// Pack the build and install it beside the pinned tools.
const packed = await run("npm", ["pack", NPM_DIR, "--json", "--pack-destination", work], work);
if (!packed.ok) fail(`npm pack failed:\n${packed.stderr}`);
const [info] = JSON.parse(packed.stdout) as { filename: string }[];
if (!info) fail(`npm pack printed no package:\n${packed.stdout}`);
await Deno.rename(`${work}/${info.filename}`, `${work}/kvfetch.tgz`);
const manifest = JSON.stringify(
  {
    name: "kvfetch-types-consumer",
    private: true,
    type: "module",
    devDependencies: { ...DEV_DEPENDENCIES, kvfetch: "file:kvfetch.tgz" },
  },
  null,
  2,
);
await Deno.writeTextFile(`${work}/package.json`, manifest);
// The tarball keeps its version: drop the installed copy so that npm takes the new one.
await Deno.remove(`${work}/node_modules/kvfetch`, { recursive: true }).catch(() => {});
const installed = await run("npm", [
  "install",
  "--prefer-offline",
  "--no-audit",
  "--no-fund",
  "--no-package-lock",
], work);
if (!installed.ok) fail(`npm install failed:\n${installed.stderr}`);

await Deno.writeTextFile(`${work}/common.ts`, COMMON);
await Deno.writeTextFile(`${work}/worker.ts`, WORKER);
const problems: string[] = [];
const results = await Promise.all(
  Object.entries(CONFIGS).map(async ([name, config]) => {
    await Deno.writeTextFile(`${work}/tsconfig.${name}.json`, JSON.stringify(config, null, 2));
    const tsc = await run("node", [
      `${work}/node_modules/typescript/bin/tsc`,
      "-p",
      `tsconfig.${name}.json`,
    ], work);
    if (!tsc.ok) problems.push(`${name} (tsc ${TYPESCRIPT}):\n${tsc.stdout}${tsc.stderr}`);
    return name;
  }),
);

// Deno: the same consumer, through deno.json's import map (the source, as JSR users get it).
const denoFile = `${work}/deno_consumer.ts`;
await Deno.writeTextFile(denoFile, COMMON);
const deno = await run(Deno.execPath(), [
  "check",
  "--config",
  `${ROOT}/deno.json`,
  denoFile,
], ROOT);
if (!deno.ok) problems.push(`deno check:\n${deno.stdout}${deno.stderr}`);

if (problems.length) fail(problems.join("\n"));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `check:types: ${results.length + 1} configurations (${results.join(", ")} with tsc ` +
    `${TYPESCRIPT}, deno), skipLibCheck false, 0 errors in ${seconds} s`,
);
