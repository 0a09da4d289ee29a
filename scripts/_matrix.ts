/**
 * Shared plumbing for the runtime-matrix scripts (`test_node.ts`, `test_bun.ts`,
 * `test_workerd.ts`, `bundle_size.ts`): paths, timing, running commands, the npm tool and
 * test-dependency install (from the committed lockfile in `scripts/matrix/`), and compiling the
 * test suite with the library to ESM JavaScript with the TypeScript compiler API.
 *
 * Everything generated goes under `.ci/out/` (git-ignored).
 *
 * @module
 */
import ts from "npm:typescript@~5.9.3";

/** The repository root, with a trailing slash. */
export const ROOT: string = decodeURIComponent(new URL("../", import.meta.url).pathname);
/** Where generated files go (git-ignored). */
export const OUT: string = `${ROOT}.ci/out`;
/** The committed npm project (package.json + package-lock.json) with tools and test deps. */
export const LOCK_DIR: string = `${ROOT}scripts/matrix`;
/** Where that npm project is installed (`npm ci`). */
export const DEPS: string = `${OUT}/deps`;
/** `DEPS/node_modules`. */
export const NODE_MODULES: string = `${DEPS}/node_modules`;

/** Tools the matrix runs, pinned; they live in the same lockfile as the test dependencies. */
export const TOOLS: Readonly<Record<string, string>> = {
  bun: "1.4.5",
  esbuild: "0.28.2",
  workerd: "1.20261117.1",
};

const decoder = new TextDecoder();

/** Seconds since `start` (a `performance.now()` value), formatted. */
export function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)}s`;
}

/** Prints a step heading and returns a function that prints its duration. */
export function step(title: string): () => void {
  const start = performance.now();
  console.log(`\n== ${title}`);
  return () => console.log(`   (${title}: ${seconds(start)})`);
}

/** The result of {@link run}. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Stream the output to this process's stdout/stderr as well as capturing it. */
  echo?: boolean;
  /** Kill the child after this many ms. */
  timeoutMs?: number;
}

/** Runs a command, capturing its output (and echoing it when asked). */
export async function run(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    console.error(`!! ${cmd} ${args.join(" ")}: timed out after ${options.timeoutMs} ms, killing`);
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs);
  const collect = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    const parts: string[] = [];
    for await (const chunk of stream) {
      parts.push(decoder.decode(chunk, { stream: true }));
      if (options.echo) await sink.write(chunk);
    }
    return parts.join("");
  };
  const [stdout, stderr, status] = await Promise.all([
    collect(child.stdout, Deno.stdout),
    collect(child.stderr, Deno.stderr),
    child.status,
  ]);
  clearTimeout(timer);
  return { code: status.code, stdout, stderr };
}

/** Runs a command and throws (with its output) unless it exits 0. */
export async function mustRun(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** `deno.json`, parsed. */
export function denoConfig(): {
  version: string;
  exports: Record<string, string>;
  imports: Record<string, string>;
} {
  return JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
}

/** The npm packages of `deno.json#imports` (`npm:name@range`) as `{ name: range }`. */
export function npmImports(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const target of Object.values(denoConfig().imports)) {
    const match = /^npm:(@?[^@]+)@(.+)$/.exec(target);
    if (match) out[match[1]!] = match[2]!;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a < b ? -1 : 1));
}

/** The `dependencies` of `scripts/matrix/package.json`: deno.json's npm imports and the tools. */
export function expectedDependencies(): Record<string, string> {
  return { ...npmImports(), ...TOOLS };
}

function manifest(overrides: Record<string, string>): string {
  return JSON.stringify(
    {
      name: "kvfetch-ci-matrix",
      private: true,
      description: "Tools and test-only npm dependencies of the runtime matrix (scripts/*.ts). " +
        "Generated from deno.json#imports and deno.lock by " +
        "`deno run -A scripts/test_node.ts --update-lock`.",
      type: "module",
      dependencies: expectedDependencies(),
      // Transitive versions pinned to what deno.lock resolved: npm on Node 20 prefers older
      // releases whose `engines` allow Node 20, and the suite must test the SDK Deno tests.
      overrides: overrides,
    },
    null,
    2,
  ) + "\n";
}

/** `name -> versions` of the npm packages in a lockfile's text (deno.lock or package-lock). */
function lockedVersions(kind: "deno" | "npm", text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, version: string) => {
    if (!out.has(name)) out.set(name, new Set());
    out.get(name)!.add(version);
  };
  const lock = JSON.parse(text);
  if (kind === "deno") {
    for (const key of Object.keys(lock.npm ?? {})) {
      const match = /^(@?[^@]+)@([^_]+)/.exec(key);
      if (match) add(match[1]!, match[2]!);
    }
  } else {
    for (const [key, value] of Object.entries(lock.packages ?? {})) {
      if (key) {
        add(
          key.slice(key.lastIndexOf("node_modules/") + 13),
          (value as { version: string }).version,
        );
      }
    }
  }
  return out;
}

/** Packages whose versions differ between deno.lock and the matrix's package-lock.json. */
function lockDrift(npmLock: string): { name: string; deno: string; npm: string }[] {
  const deno = lockedVersions("deno", Deno.readTextFileSync(`${ROOT}deno.lock`));
  const npm = lockedVersions("npm", npmLock);
  const drift = [];
  for (const [name, versions] of deno) {
    const other = npm.get(name);
    if (!other || versions.size !== 1) continue;
    const want = [...versions][0]!;
    if (other.size !== 1 || !other.has(want)) {
      drift.push({ name, deno: want, npm: [...other].join(" ") });
    }
  }
  return drift;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Regenerates `scripts/matrix/package.json` from `deno.json#imports` and {@link TOOLS},
 * refreshes its lockfile (`npm install --package-lock-only`) and pins, with `overrides`, every
 * transitive package that npm resolved differently from deno.lock. For a deliberate bump.
 */
export async function updateLock(): Promise<void> {
  const done = step("update scripts/matrix/package.json and package-lock.json");
  const overrides: Record<string, string> = {};
  for (let round = 1; round <= 5; round++) {
    await Deno.writeTextFile(`${LOCK_DIR}/package.json`, manifest(overrides));
    // A fresh resolution each round: an existing lockfile would keep what it had.
    await Deno.remove(`${LOCK_DIR}/package-lock.json`).catch(() => {});
    await mustRun("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], {
      cwd: LOCK_DIR,
    });
    const drift = lockDrift(await Deno.readTextFile(`${LOCK_DIR}/package-lock.json`));
    if (!drift.length) {
      done();
      return;
    }
    for (const { name, deno } of drift) overrides[name] = deno;
    console.log(`   round ${round}: pinning ${drift.map((d) => `${d.name}@${d.deno}`).join(", ")}`);
  }
  throw new Error("package-lock.json still differs from deno.lock after 5 rounds");
}

/**
 * Installs the committed npm project into `.ci/out/deps` with `npm ci` (skipped when the same
 * lockfile is already installed there). Fails when `scripts/matrix/` has drifted from
 * `deno.json#imports` or from the versions in deno.lock. Returns the `node_modules` path.
 */
export async function ensureDeps(): Promise<string> {
  const text = await Deno.readTextFile(`${LOCK_DIR}/package.json`);
  const lock = await Deno.readTextFile(`${LOCK_DIR}/package-lock.json`);
  const committed = JSON.parse(text);
  const hint = "run `deno run -A scripts/test_node.ts --update-lock` and commit scripts/matrix/";
  if (JSON.stringify(committed.dependencies) !== JSON.stringify(expectedDependencies())) {
    throw new Error(`scripts/matrix/package.json does not match deno.json#imports: ${hint}`);
  }
  const drift = lockDrift(lock);
  if (drift.length) {
    throw new Error(
      `scripts/matrix/package-lock.json differs from deno.lock (${
        drift.map((d) => `${d.name}: deno ${d.deno}, npm ${d.npm}`).join("; ")
      }): ${hint}`,
    );
  }
  const stamp = await sha256(text + lock);
  const stampFile = `${DEPS}/.installed`;
  if (exists(stampFile) && Deno.readTextFileSync(stampFile) === stamp) return NODE_MODULES;
  const done = step("npm ci (scripts/matrix/package-lock.json -> .ci/out/deps)");
  await Deno.mkdir(DEPS, { recursive: true });
  await Deno.writeTextFile(`${DEPS}/package.json`, text);
  await Deno.writeTextFile(`${DEPS}/package-lock.json`, lock);
  // Install scripts stay on: bun's postinstall links its platform binary into place.
  await mustRun("npm", ["ci", "--no-audit", "--no-fund"], { cwd: DEPS });
  await Deno.writeTextFile(stampFile, stamp);
  done();
  return NODE_MODULES;
}

/** A tool's executable inside the installed deps. */
export function bin(name: string): string {
  return `${NODE_MODULES}/.bin/${name}`;
}

/** All files under `dir` (relative to ROOT) whose names end with `.ts`. */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of Deno.readDirSync(`${ROOT}${rel}`)) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Options of {@link compileSuite}. */
export interface CompileOptions {
  /** Output directory (emptied first). */
  outDir: string;
  /**
   * A built npm package (`npm/`): run the tests against its JavaScript instead of compiling
   * `mod.ts` and `lib/` from source. Its per-module tree (`mod.js`, `lib/…` at the package
   * root, beside the `dist/` bundles) mirrors the source layout.
   */
  packageDir?: string;
}

/** What {@link compileSuite} produced. */
export interface CompiledSuite {
  outDir: string;
  /** Compiled test files (`*_test.js`), relative to outDir. */
  testFiles: string[];
  /** Where the library JavaScript came from. */
  library: string;
}

/**
 * Compiles `tests/**` together with `mod.ts` and `lib/**` into `outDir` as ES2022 ESM with
 * `rewriteRelativeImportExtensions` (`../../mod.ts` becomes `../../mod.js`), writes a
 * `package.json` (`"type": "module"` and the test-only dependencies) and links `node_modules`
 * to the installed deps. Type errors are not fatal here (`deno check` owns them): only
 * syntax and emit errors are.
 */
export function compileSuite(options: CompileOptions): CompiledSuite {
  const outDir = options.outDir;
  try {
    Deno.removeSync(outDir, { recursive: true });
  } catch {
    // nothing to remove
  }
  Deno.mkdirSync(outDir, { recursive: true });
  const files = [
    ...(options.packageDir ? [] : ["mod.ts", ...tsFiles("lib")]),
    ...tsFiles("tests").filter((f) => !f.startsWith("tests/workerd/")),
  ].map((f) => `${ROOT}${f}`);
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    rewriteRelativeImportExtensions: true,
    allowImportingTsExtensions: true,
    rootDir: ROOT,
    outDir,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: [],
    skipLibCheck: true,
    noEmitOnError: false,
    declaration: false,
    sourceMap: false,
    strict: true,
  };
  // Only emitted, not type-checked: bare npm specifiers are left to the runtime's resolution.
  const program = ts.createProgram({ rootNames: files, options: compilerOptions });
  const syntactic = program.getSyntacticDiagnostics();
  if (syntactic.length) {
    throw new Error(ts.formatDiagnostics(syntactic, {
      getCanonicalFileName: (f: string) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    }));
  }
  const emitted: string[] = [];
  const fromSource: string[] = [];
  const result = program.emit(undefined, (fileName: string, text: string) => {
    if (options.packageDir && !fileName.startsWith(`${outDir}/tests/`)) {
      // A lib/ or bin/ module the package does not ship as such (reachable from no export,
      // imported by tests only, e.g. lib/testing/_x509.ts, bin/_ca.ts) comes from the source;
      // everything else from the package.
      const rel = fileName.slice(outDir.length + 1);
      if (!/^(lib|bin)\//.test(rel) || exists(`${options.packageDir}/${rel}`)) return;
      fromSource.push(rel);
    }
    Deno.mkdirSync(fileName.slice(0, fileName.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(fileName, text);
    emitted.push(fileName.slice(outDir.length + 1));
  });
  if (result.emitSkipped || result.diagnostics.length) {
    throw new Error(`TypeScript emit failed: ${
      ts.formatDiagnostics(result.diagnostics, {
        getCanonicalFileName: (f: string) => f,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => "\n",
      })
    }`);
  }
  let library = "source (mod.ts, lib/**, compiled here)";
  if (options.packageDir) {
    library = copyPackage(options.packageDir, outDir);
    if (fromSource.length) library += `; test-only from source: ${fromSource.join(", ")}`;
  }
  const missing = unresolvedImports(outDir, emitted.filter((f) => f.startsWith("tests/")));
  if (missing.length) {
    throw new Error(
      `compiled tests import files that do not exist (${library}):\n  ${missing.join("\n  ")}`,
    );
  }
  Deno.writeTextFileSync(
    `${outDir}/package.json`,
    JSON.stringify(
      {
        name: "kvfetch-compiled-tests",
        private: true,
        type: "module",
        dependencies: npmImports(),
      },
      null,
      2,
    ) + "\n",
  );
  Deno.symlinkSync(NODE_MODULES, `${outDir}/node_modules`);
  const testFiles = emitted.filter((f) => f.endsWith("_test.js")).sort();
  return { outDir, testFiles, library };
}

/** Relative imports of the given compiled files that name no file (`file: specifier`). */
function unresolvedImports(outDir: string, files: string[]): string[] {
  const missing: string[] = [];
  for (const file of files) {
    const text = Deno.readTextFileSync(`${outDir}/${file}`);
    const base = `${outDir}/${file.slice(0, file.lastIndexOf("/") + 1)}`;
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)) {
      if (!exists(new URL(match[1]!, `file://${base}`).pathname)) {
        missing.push(`${file}: ${match[1]}`);
      }
    }
  }
  return missing;
}

/**
 * Copies a built package's per-module tree over `outDir` (mod.js, lib/**): the JavaScript the
 * build emits one file per module, beside the `dist/` bundles that `exports` names (the bundles
 * are those same files concatenated; the tests import internal modules, so they need these).
 */
function copyPackage(packageDir: string, outDir: string): string {
  const pkg = JSON.parse(Deno.readTextFileSync(`${packageDir}/package.json`));
  const tree = `${packageDir}/`;
  if (!exists(`${tree}mod.js`)) throw new Error(`${tree}mod.js: missing (not a kvfetch build?)`);
  if (!exists(`${tree}lib`)) throw new Error(`${tree}lib: missing (the tests import lib/ paths)`);
  const copy = (from: string, to: string) => {
    for (const entry of Deno.readDirSync(from)) {
      if (entry.isDirectory) {
        Deno.mkdirSync(`${to}/${entry.name}`, { recursive: true });
        copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
      } else if (entry.name.endsWith(".js")) {
        Deno.copyFileSync(`${from}/${entry.name}`, `${to}/${entry.name}`);
      }
    }
  };
  Deno.copyFileSync(`${tree}mod.js`, `${outDir}/mod.js`);
  Deno.mkdirSync(`${outDir}/lib`, { recursive: true });
  copy(`${tree}lib`, `${outDir}/lib`);
  return `built package ${packageDir} (${pkg.name}@${pkg.version})`;
}

/** `--name value` or `--name=value` from `Deno.args`. */
export function flag(name: string): string | undefined {
  const args = Deno.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return args[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/**
 * `--package DIR` as an absolute path (relative paths are taken from the current directory),
 * or `undefined`. Fails when DIR has no package.json (build it first: `deno task build:npm`).
 */
export function packageFlag(): string | undefined {
  const dir = flag("package");
  if (dir === undefined) return undefined;
  const absolute = decodeURIComponent(new URL(dir, `file://${Deno.cwd()}/`).pathname)
    .replace(/\/+$/, "");
  if (!exists(`${absolute}/package.json`)) {
    throw new Error(`--package ${dir}: no package.json there (run \`deno task build:npm\` first)`);
  }
  return absolute;
}

/** Whether `--name` is present. */
export function has(name: string): boolean {
  return Deno.args.includes(`--${name}`);
}

/**
 * Tests one runtime cannot run, by exact test name, with the reason. The compiled suite gets
 * them as `{ skip: "<runtime>: <reason>" }`, so the runner reports them as skipped.
 */
export type Exclusions = Readonly<Record<string, string>>;

/**
 * Routes the compiled tests' `node:test` imports through a generated `_node_test.js` that
 * re-exports `node:test` with `test` (and `it`) wrapped to skip the excluded names. Fails when
 * an excluded name is no longer a test (a stale list).
 */
export function applyExclusions(
  suite: CompiledSuite,
  runtime: string,
  exclusions: Exclusions,
): void {
  const sources = suite.testFiles.map((f) => Deno.readTextFileSync(`${suite.outDir}/${f}`));
  const stale = Object.keys(exclusions).filter((name) =>
    !sources.some((text) => text.includes(JSON.stringify(name)))
  );
  if (stale.length) {
    throw new Error(`${runtime} exclusions name tests that do not exist: ${stale.join("; ")}`);
  }
  Deno.writeTextFileSync(
    `${suite.outDir}/_node_test.js`,
    `// Generated by scripts/_matrix.ts: node:test with the ${runtime} exclusions applied.
import * as nodeTest from "node:test";
export * from "node:test";
const exclusions = new Map(Object.entries(${JSON.stringify(exclusions, null, 2)}));
function skipping(register) {
  const wrapped = function (name, options, fn) {
    if (typeof name === "string" && exclusions.has(name)) {
      if (typeof options === "function") [options, fn] = [{}, options];
      return register(name, { ...options, skip: ${
      JSON.stringify(`${runtime}: `)
    } + exclusions.get(name) }, fn);
    }
    return register(name, options, fn);
  };
  return Object.assign(wrapped, register);
}
export const test = skipping(nodeTest.test);
export const it = skipping(nodeTest.it);
export default test;
`,
  );
  suite.testFiles.forEach((file, i) => {
    const depth = file.split("/").length - 1;
    const rel = `${"../".repeat(depth)}_node_test.js`;
    const text = sources[i]!.replaceAll(`from "node:test"`, `from "${rel}"`);
    Deno.writeTextFileSync(`${suite.outDir}/${file}`, text);
  });
}

let sandboxAvailable: boolean | undefined;

/**
 * Wraps a command so that it runs in a fresh network namespace with only loopback up
 * (`unshare --net`, as root): the tests cannot reach anything but 127.0.0.1/::1 even by
 * mistake. Without `unshare` (or its permission), the command runs as it is, with a warning.
 * `KVFETCH_NO_SANDBOX=1` turns it off.
 */
export async function loopbackOnly(cmd: string, args: string[]): Promise<[string, string[]]> {
  if (Deno.env.get("KVFETCH_NO_SANDBOX") === "1") return [cmd, args];
  if (sandboxAvailable === undefined) {
    const probe = await run("unshare", ["--net", "sh", "-c", "ip link set lo up"]).catch(() => ({
      code: -1,
    }));
    sandboxAvailable = probe.code === 0;
    console.log(
      sandboxAvailable
        ? "   loopback-only sandbox: a new network namespace with only lo (unshare --net)"
        : "   !! unshare --net is not available here: running without the loopback-only sandbox",
    );
  }
  if (!sandboxAvailable) return [cmd, args];
  return ["unshare", ["--net", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', cmd, ...args]];
}

/** Runs `main`, prints its total time and exits 1 (with the message) when it throws. */
export async function script(name: string, main: () => Promise<boolean>): Promise<never> {
  const start = performance.now();
  let ok = false;
  try {
    ok = await main();
  } catch (error) {
    console.error(`\n${name}: ${error instanceof Error ? error.message : error}`);
  }
  console.log(`\n${name}: ${ok ? "OK" : "FAILED"} in ${seconds(start)}`);
  Deno.exit(ok ? 0 : 1);
}

/** esbuild's metafile (the parts used here). */
export interface Metafile {
  inputs: Record<
    string,
    { bytes: number; imports: { path: string; kind: string; external?: boolean }[] }
  >;
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Options of {@link bundle}. */
export interface BundleOptions {
  /** The entry module (a path). */
  entry: string;
  /** The output file (`.js`); the metafile goes beside it (`.meta.json`). */
  outfile: string;
  minify?: boolean;
  /**
   * A built npm package directory (absolute): `kvfetch`, `kvfetch/auth`, … resolve to it
   * (through its `exports`). Without it they resolve to the source, as `deno.json#imports` maps them.
   */
  packageDir?: string;
}

/** What {@link bundle} produced. */
export interface Bundle {
  code: string;
  bytes: number;
  metafile: Metafile;
}

/** The conditions every web bundle here resolves with: a Cloudflare worker's. */
export const WEB_CONDITIONS = "workerd,worker,browser";

/**
 * Bundles `entry` with esbuild (ESM, platform neutral, conditions {@link WEB_CONDITIONS},
 * target ES2022) into `outfile`, leaving Node built-ins external (see {@link nodeImports}). Bare `kvfetch[/…]` imports go to the source (from
 * `deno.json#imports`, via a generated tsconfig `paths`) or to `packageDir`; jose, valibot and
 * the rest come from the installed deps (NODE_PATH).
 */
export async function bundle(options: BundleOptions): Promise<Bundle> {
  const dir = options.outfile.slice(0, options.outfile.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const nodePaths = [NODE_MODULES];
  const paths: Record<string, string[]> = {};
  if (options.packageDir) {
    // A node_modules-like folder holding only `kvfetch`, a link to the package.
    const linkDir = `${dir}/_package`;
    await Deno.remove(linkDir, { recursive: true }).catch(() => {});
    await Deno.mkdir(linkDir, { recursive: true });
    await Deno.symlink(options.packageDir, `${linkDir}/kvfetch`);
    nodePaths.unshift(linkDir);
  } else {
    for (const [specifier, target] of Object.entries(denoConfig().imports)) {
      if (specifier === "kvfetch" || specifier.startsWith("kvfetch/")) {
        paths[specifier] = [`${ROOT}${target.replace(/^\.\//, "")}`];
      }
    }
  }
  const tsconfig = `${options.outfile}.tsconfig.json`;
  await Deno.writeTextFile(tsconfig, JSON.stringify({ compilerOptions: { paths } }, null, 2));
  const metafilePath = options.outfile.replace(/\.js$/, "") + ".meta.json";
  const result = await run(bin("esbuild"), [
    options.entry,
    "--bundle",
    "--format=esm",
    "--platform=neutral",
    `--conditions=${WEB_CONDITIONS}`,
    "--main-fields=module,main",
    "--target=es2022",
    `--tsconfig=${tsconfig}`,
    // Node built-ins stay external rather than failing the build, so that nodeImports() can
    // list every one of them.
    ...[...await nodeBuiltins()].map((name) => `--external:${name}`),
    ...(options.minify ? ["--minify"] : []),
    "--legal-comments=none",
    "--log-level=warning",
    `--metafile=${metafilePath}`,
    `--outfile=${options.outfile}`,
  ], { env: { NODE_PATH: nodePaths.join(":") } });
  if (result.code !== 0) {
    throw new Error(`esbuild ${options.entry} failed:\n${result.stderr}`);
  }
  if (result.stderr.trim()) console.log(result.stderr.trimEnd());
  const code = await Deno.readTextFile(options.outfile);
  return {
    code,
    bytes: new TextEncoder().encode(code).byteLength,
    metafile: JSON.parse(await Deno.readTextFile(metafilePath)),
  };
}

let builtins: Set<string> | undefined;

/** Node's built-in module names (from `node` itself), with and without `node:`. */
export async function nodeBuiltins(): Promise<Set<string>> {
  if (!builtins) {
    const out = await mustRun("node", ["-p", "JSON.stringify(require('module').builtinModules)"]);
    builtins = new Set<string>();
    for (const name of JSON.parse(out.stdout) as string[]) {
      builtins.add(name);
      builtins.add(name.startsWith("node:") ? name : `node:${name}`);
    }
  }
  return builtins;
}

/**
 * Node built-ins a bundle still imports: every import esbuild recorded in the metafile, and
 * every static `import`/`export … from`, dynamic `import("…")` or `require("…")` of a literal
 * specifier left in the output. Returns `file: specifier` lines (empty when clean).
 */
export async function nodeImports(b: Bundle): Promise<string[]> {
  const names = await nodeBuiltins();
  const found = new Set<string>();
  for (const [file, input] of Object.entries(b.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.path.startsWith("node:") || names.has(imp.path)) found.add(`${file}: ${imp.path}`);
    }
  }
  const patterns = [
    /\b(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /require\s*\(\s*["']([^"']+)["']\s*\)/g, // also esbuild's __require("…")
  ];
  for (const pattern of patterns) {
    for (const match of b.code.matchAll(pattern)) {
      const spec = match[1]!;
      if (spec.startsWith("node:") || names.has(spec)) found.add(`(bundle output): ${spec}`);
    }
  }
  return [...found].sort();
}

/**
 * The shared first steps of the Node and Bun legs: install the pinned test dependencies, then
 * compile the suite (against the built package given by `--package`, if any) and mark the
 * runtime's exclusions.
 */
export async function prepareSuite(
  runtime: "node" | "bun",
  exclusions: Exclusions,
): Promise<CompiledSuite> {
  const packageDir = packageFlag();
  let done = step("install tools and test dependencies");
  await ensureDeps();
  done();
  done = step(
    `compile tests/** ${packageDir ? `(library from ${packageDir})` : "with the library"}`,
  );
  const suite = compileSuite({ outDir: `${OUT}/${runtime}`, packageDir });
  applyExclusions(suite, runtime, exclusions);
  console.log(`   ${suite.testFiles.length} test files; library: ${suite.library}`);
  done();
  return suite;
}
