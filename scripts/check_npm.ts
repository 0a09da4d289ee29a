/**
 * Checks on the npm artifact that `scripts/build_npm.ts` wrote to `npm/` (style rule 13: test
 * the artifact, not just the source).
 *
 * 1. `deno.json#exports` and `npm/package.json#exports` list the same subpaths, the package's
 *    version and dependency ranges match `deno.json`, and the output names no `node:` module and
 *    no ambient (Deno or Node) types.
 * 2. A second build into a temporary directory is byte-identical to `npm/` (determinism).
 * 3. `npm pack` ships exactly the files in `npm/`; the tarball installs into a temporary project;
 *    Node imports every subpath and finds the same runtime exports Deno sees in the source; the
 *    declarations type-check in a consumer with `module: NodeNext`, `lib: ["ES2022", "DOM"]`,
 *    `types: []` and `skipLibCheck: false`.
 * 4. `publint --strict` and are-the-types-wrong (`--profile esm-only`: the package is ESM-only
 *    on purpose) report nothing on the tarball.
 * 5. `deno publish --dry-run --allow-dirty` passes with no warning (JSR: no slow types).
 *
 * publint and attw come from the npm registry through `npx`, cached in `~/.npm/_npx`.
 *
 * Usage: deno run -A scripts/check_npm.ts [--keep]   (after `deno run -A scripts/build_npm.ts`)
 *
 * @module
 */

// deno-lint-ignore no-import-prefix -- the same compiler as the build, apart from Deno's.
import ts from "npm:typescript@~5.9.3";
import { NPM_NAME, readDenoConfig, ROOT, scanOutput } from "./build_npm.ts";

const PUBLINT = "publint@0.3";
const ATTW = "@arethetypeswrong/cli@0.18";

/** Names that must be exported from each subpath (besides matching what Deno sees). */
const KNOWN_EXPORTS: Record<string, string[]> = {
  ".": ["KvfetchError", "RestError", "ClientSecretCredential", "SecretClient"],
  "./auth": ["ClientSecretCredential", "ClientCertificateCredential"],
  "./secrets": ["SecretClient"],
  "./management": ["VaultsClient", "ResourceGroupsClient", "waitForDataPlane", "ArmError"],
  "./keys": ["KeyClient", "CryptographyClient", "signJwt", "verifyJwt"],
  "./jwk": ["parseKeyVaultJwk", "toCryptoKey", "toJwks", "toDerSignature"],
  "./certificates": ["CertificateClient", "publicCertificate", "CertificateOperationFailedError"],
  "./testing": ["createEmulator"],
};

const NPM_DIR = `${ROOT}/npm`;
const decoder = new TextDecoder();
const NPM_ENV = {
  NO_COLOR: "1",
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
  npm_config_prefer_offline: "true",
  npm_config_loglevel: "error",
};

interface Ran {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Ran> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ok: out.success,
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

function ranDetail(what: string, ran: Ran): string {
  return `${what} exited with ${ran.code}\n${(ran.stdout + ran.stderr).trim()}`;
}

/** Files under `dir`, relative, sorted. */
async function walk(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) files.push(...await walk(dir, rel));
    else files.push(rel);
  }
  return files.sort();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class CheckError extends Error {}

interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  summary: string;
}

async function step(name: string, body: () => Promise<string>): Promise<StepResult> {
  const start = performance.now();
  try {
    const summary = await body();
    return { name, ok: true, ms: performance.now() - start, summary };
  } catch (error) {
    const summary = error instanceof CheckError
      ? error.message
      : error instanceof Error
      ? error.stack ?? error.message
      : String(error);
    return { name, ok: false, ms: performance.now() - start, summary };
  }
}

function fail(message: string): never {
  throw new CheckError(message);
}

// ---------------------------------------------------------------------------------------------

const keep = Deno.args.includes("--keep");
const started = performance.now();
const config = await readDenoConfig();
const subpaths = Object.keys(config.exports);
const tmp = await Deno.makeTempDir({ prefix: "kvfetch-check-npm-" });
const results: StepResult[] = [];

/** 1. The package.json and the emitted files, statically. */
async function checkManifest(): Promise<string> {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(await Deno.readTextFile(`${NPM_DIR}/package.json`));
  } catch {
    fail(`no ${NPM_DIR}/package.json: run \`deno run -A scripts/build_npm.ts\` first`);
  }
  const problems: string[] = [];
  const npmSubpaths = Object.keys((pkg.exports ?? {}) as Record<string, unknown>);
  const onlyDeno = subpaths.filter((s) => !npmSubpaths.includes(s));
  const onlyNpm = npmSubpaths.filter((s) => !subpaths.includes(s));
  if (onlyDeno.length) problems.push(`exports only in deno.json: ${onlyDeno.join(", ")}`);
  if (onlyNpm.length) problems.push(`exports only in npm/package.json: ${onlyNpm.join(", ")}`);
  if (pkg.name !== NPM_NAME) problems.push(`name is ${pkg.name}, not ${NPM_NAME}`);
  if (pkg.version !== config.version) {
    problems.push(`version ${pkg.version} differs from deno.json's ${config.version}`);
  }
  if (pkg.license !== config.license) problems.push(`license ${pkg.license} ≠ ${config.license}`);
  for (const [name, range] of Object.entries((pkg.dependencies ?? {}) as Record<string, string>)) {
    const wanted = config.imports?.[name];
    if (wanted !== `npm:${name}@${range}`) {
      problems.push(`dependency ${name}@${range} differs from deno.json#imports (${wanted})`);
    }
  }
  const files = await walk(NPM_DIR);
  const texts = new Map<string, string>();
  for (const f of files) {
    // bin/ is the served emulator's command for Node: the one place node: modules belong.
    if (/\.(js|d\.ts)$/.test(f) && !f.startsWith("bin/")) {
      texts.set(f, await Deno.readTextFile(`${NPM_DIR}/${f}`));
    }
  }
  problems.push(...scanOutput(texts));
  if (problems.length) fail(problems.join("\n"));
  return `${subpaths.length} subpaths (${subpaths.join(" ")}) match; ${texts.size} .js/.d.ts ` +
    `files: no node: specifier, no triple-slash reference`;
}

/** 2. A second build is byte-identical. */
async function checkDeterminism(): Promise<string> {
  const again = `${tmp}/rebuild`;
  const ran = await run(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}/scripts/build_npm.ts`,
    "--out",
    again,
    "--quiet",
  ]);
  if (!ran.ok) fail(ranDetail("the second build", ran));
  const [a, b] = await Promise.all([walk(NPM_DIR), walk(again)]);
  const differences: string[] = [];
  for (const f of new Set([...a, ...b])) {
    if (!a.includes(f)) differences.push(`only in the second build: ${f}`);
    else if (!b.includes(f)) differences.push(`only in npm/: ${f}`);
    else {
      const [x, y] = await Promise.all([
        Deno.readFile(`${NPM_DIR}/${f}`),
        Deno.readFile(`${again}/${f}`),
      ]);
      if (!sameBytes(x, y)) differences.push(`differs: ${f}`);
    }
  }
  if (differences.length) {
    fail(`two builds differ (is npm/ stale? rebuild it):\n${differences.join("\n")}`);
  }
  return `second build byte-identical to npm/ (${a.length} files)`;
}

/** 3. Pack, install, import from Node, type-check as a consumer; 4. publint and attw. */
async function checkPackage(): Promise<StepResult[]> {
  const out: StepResult[] = [];
  let tarball = "";
  out.push(
    await step("npm pack", async () => {
      const ran = await run("npm", ["pack", NPM_DIR, "--json", "--pack-destination", tmp], {
        cwd: tmp,
        env: NPM_ENV,
      });
      if (!ran.ok) fail(ranDetail("npm pack", ran));
      const [info] = JSON.parse(ran.stdout) as {
        filename: string;
        size: number;
        unpackedSize: number;
        files: { path: string }[];
      }[];
      if (!info) fail(`npm pack printed no package:\n${ran.stdout}`);
      tarball = `${tmp}/${info.filename}`;
      const packed = info.files.map((f) => f.path).sort();
      // The per-module .js beside dist/ serve the runtime matrix only; the tarball ships dist/.
      const local = (await walk(NPM_DIR)).filter((f) =>
        f.startsWith("dist/") || f.startsWith("bin/") || !f.endsWith(".js")
      );
      const missing = local.filter((f) => !packed.includes(f));
      const extra = packed.filter((f) => !local.includes(f));
      if (missing.length || extra.length) {
        fail(`the tarball and npm/ differ: not packed ${missing}; unexpected ${extra}`);
      }
      return `${info.filename}: ${packed.length} files, ${info.size} B packed, ` +
        `${info.unpackedSize} B unpacked`;
    }),
  );
  if (!out[0]!.ok) return out;

  const consumer = `${tmp}/consumer`;
  const install = step("npm install + node import + tsc", async () => {
    await Deno.mkdir(consumer);
    await Deno.writeTextFile(
      `${consumer}/package.json`,
      JSON.stringify({ name: "kvfetch-consumer", private: true, type: "module" }, null, 2),
    );
    const ran = await run("npm", ["install", tarball, "--no-audit", "--no-fund"], {
      cwd: consumer,
      env: NPM_ENV,
    });
    if (!ran.ok) fail(ranDetail("npm install", ran));

    // What Deno sees in the source, per subpath: the runtime exports and their kinds.
    const expected: Record<string, Record<string, string>> = {};
    for (const [subpath, module] of Object.entries(config.exports)) {
      const mod = await import(new URL(module, `file://${ROOT}/`).href);
      expected[subpath] = Object.fromEntries(
        Object.keys(mod).sort().map((k) => [k, typeof mod[k]]),
      );
      for (const name of KNOWN_EXPORTS[subpath] ?? []) {
        if (!(name in mod)) fail(`the source's ${subpath} does not export ${name}`);
      }
    }
    const program = `
      const expected = ${JSON.stringify(expected)};
      const known = ${JSON.stringify(KNOWN_EXPORTS)};
      const problems = [];
      const seen = new Map();
      for (const [subpath, names] of Object.entries(expected)) {
        const specifier = ${JSON.stringify(NPM_NAME)} + subpath.slice(1);
        const mod = await import(specifier);
        const got = Object.fromEntries(Object.keys(mod).sort().map((k) => [k, typeof mod[k]]));
        if (JSON.stringify(got) !== JSON.stringify(names)) {
          problems.push(specifier + ": exports " + JSON.stringify(got) + ", Deno sees " +
            JSON.stringify(names));
        }
        for (const name of known[subpath] ?? []) {
          if (typeof mod[name] !== "function") problems.push(specifier + ": no " + name);
        }
        // One module instance per class, whichever subpath it comes through.
        for (const [name, value] of Object.entries(mod)) {
          if (seen.has(name) && seen.get(name) !== value) {
            problems.push(name + " differs between subpaths");
          }
          seen.set(name, value);
        }
      }
      const { KvfetchError } = await import(${JSON.stringify(NPM_NAME)});
      const error = new KvfetchError("ERR_NETWORK", "offline");
      if (!(error instanceof Error) || error.code !== "ERR_NETWORK") problems.push("KvfetchError");
      if (problems.length) { console.error(problems.join("\\n")); process.exit(1); }
      console.log(Object.keys(expected).length + " subpaths, " + seen.size + " names, node " +
        process.version);
    `;
    const node = await run("node", ["--input-type=module", "-e", program], { cwd: consumer });
    if (!node.ok) fail(ranDetail("node", node));

    // The declarations, as a strict NodeNext consumer without Node or Deno types sees them.
    const source = Object.keys(config.exports).map((subpath, i) =>
      `import * as m${i} from "${NPM_NAME}${subpath.slice(1)}";\nexport { m${i} };\n`
    ).join("");
    await Deno.writeTextFile(`${consumer}/consumer.ts`, source);
    const tsProgram = ts.createProgram({
      rootNames: [`${consumer}/consumer.ts`],
      options: {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
        types: [],
        skipLibCheck: false,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
      },
    });
    const diagnostics = ts.getPreEmitDiagnostics(tsProgram);
    if (diagnostics.length) {
      fail(`consumer type errors:\n${
        ts.formatDiagnostics(diagnostics, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => consumer,
          getNewLine: () => "\n",
        })
      }`);
    }
    const dts = tsProgram.getSourceFiles().filter((f) =>
      f.fileName.includes(`/node_modules/${NPM_NAME}/`)
    ).length;
    return `installed; ${node.stdout.trim()}; tsc ${ts.version} NodeNext consumer: ` +
      `${dts} kvfetch .d.ts files, 0 errors`;
  });

  const publint = step("publint --strict", async () => {
    const ran = await run("npx", [
      "--yes",
      `--package=${PUBLINT}`,
      "--",
      "publint",
      "run",
      "--strict",
      tarball,
    ], {
      cwd: tmp,
      env: NPM_ENV,
    });
    const text = (ran.stdout + ran.stderr).trim();
    if (!ran.ok || !/All good!/.test(text)) fail(ranDetail("publint", ran));
    return text.split("\n").filter((l) => /Running publint|All good/.test(l)).join("; ");
  });

  const attw = step("attw --profile esm-only", async () => {
    const ran = await run(
      "npx",
      [
        "--yes",
        `--package=${ATTW}`,
        "--",
        "attw",
        tarball,
        "--profile",
        "esm-only",
        "--format",
        "table-flipped",
        "--no-emoji",
        "--no-color",
      ],
      { cwd: tmp, env: NPM_ENV },
    );
    if (!ran.ok) fail(ranDetail("attw", ran));
    return `${ATTW}: no problems for node16-esm and bundler ` +
      `(node10 and node16-cjs ignored: ESM-only)`;
  });

  out.push(...await Promise.all([install, publint, attw]));
  return out;
}

/** 5. JSR readiness. */
async function checkJsr(): Promise<string> {
  const ran = await run(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"]);
  const text = ran.stdout + ran.stderr;
  if (!ran.ok || /warning/i.test(text)) fail(ranDetail("deno publish --dry-run", ran));
  const files = text.split("\n").filter((l) => /^\s+file:\/\//.test(l)).length;
  const name = text.match(/Simulating publish of (\S+)/)?.[1] ?? config.name;
  return `${name}: no slow types, ${files} files, dry run complete`;
}

try {
  results.push(await step("exports + manifest + output scan", checkManifest));
  if (results[0]!.ok) {
    const [determinism, packaged, jsr] = await Promise.all([
      step("determinism (second build)", checkDeterminism),
      checkPackage(),
      step("deno publish --dry-run", checkJsr),
    ]);
    results.push(determinism, ...packaged, jsr);
  }
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else await Deno.remove(tmp, { recursive: true });
}

const failed = results.filter((r) => !r.ok);
for (const r of failed) console.error(`\n✗ ${r.name}:\n${r.summary}`);
console.log("\ncheck:npm summary (steps overlap; times are wall clock)");
for (const r of results) {
  console.log(
    `${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(34)} ${(r.ms / 1000).toFixed(1).padStart(5)} s  ${
      r.ok ? r.summary : "(see above)"
    }`,
  );
}
console.log(
  `${failed.length ? "FAILED" : "all passed"} in ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s`,
);
if (failed.length) Deno.exit(1);
