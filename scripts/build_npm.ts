/**
 * The npm build: dnt's job done with the TypeScript compiler API (dnt lives on JSR, which this
 * project's registries do not reach).
 *
 * 1. Takes every module reachable from the `deno.json#exports` entry points (`deno info --json`
 *    names them, and the TypeScript program must reach exactly the same set).
 * 2. Type-checks them with `lib: ["ES2022", "DOM"]`, `types: []` and the strict flags of
 *    `deno.json#compilerOptions`, and fails on any diagnostic.
 * 3. Emits one ESM `.js` and one `.d.ts` per module into `npm/` (target ES2022, `.ts` specifiers
 *    rewritten to `.js`, no runtime shims). Bare `jose` and `valibot` stay bare and become
 *    `dependencies` with the ranges of `deno.json#imports`.
 * 4. Bundles those `.js` files once more with esbuild into `npm/dist/`: one ES module per entry
 *    point plus shared chunks (code splitting keeps one copy of every class and cache across
 *    subpaths), `jose` and `valibot` left as imports. This is what `exports` points at and what
 *    the tarball ships (with the `.d.ts` files): Node loads a module in a few files instead of
 *    ~45, which cuts the import time and memory by two thirds. The per-module `.js` files stay
 *    in `npm/` for the runtime matrix, whose tests import internal modules; the bundles are
 *    those same files, concatenated.
 * 5. Writes `npm/package.json` from `deno.json`, copies README.md and LICENSE, and checks the
 *    output: no `node:` specifier, no triple-slash reference (so no Deno or Node types), every
 *    relative specifier ends in `.js` and names an emitted file.
 * 6. Bundles the served emulator's command (`bin/emulator.ts`, Node APIs, outside the library's
 *    graph) into `npm/bin/kvfetch-emulator.js` (platform node), importing the emulator from
 *    `../dist/lib/testing/mod.js`, and names it in `package.json#bin` (`npx kvfetch-emulator`).
 *    It is the one file of the package that uses `node:` modules.
 *
 * The output is deterministic: the same sources give byte-identical files.
 *
 * Usage: deno run -A scripts/build_npm.ts [--out DIR] [--quiet]
 *
 * @module
 */

// deno-lint-ignore no-import-prefix -- the build pins its own compiler, apart from Deno's.
import ts from "npm:typescript@~5.9.3";
// deno-lint-ignore no-import-prefix -- the same esbuild as the runtime matrix (scripts/matrix).
import * as esbuild from "npm:esbuild@0.28.2";

/** The repository root (the directory that holds `deno.json`). */
export const ROOT: string = decodeURIComponent(new URL("../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** The npm package name (the JSR name in `deno.json` is scoped). */
export const NPM_NAME = "kvfetch";

/** The fields of `deno.json` the build reads. */
export interface DenoConfig {
  /** JSR name, e.g. `@kvfetch/kvfetch`. */
  name?: string;
  /** Package version. */
  version: string;
  /** SPDX license. */
  license: string;
  /** Subpath → module, e.g. `"./auth": "./lib/auth/mod.ts"`. */
  exports: Record<string, string>;
  /** Import map; npm dependencies are `npm:name@range`. */
  imports?: Record<string, string>;
  /** Compiler flags shared with `deno check`. */
  compilerOptions?: Record<string, unknown>;
}

/** What {@linkcode buildNpm} produced. */
export interface BuildResult {
  /** Absolute output directory. */
  outDir: string;
  /** Output files, relative to `outDir`, sorted. */
  files: string[];
  /** Source modules compiled, relative to the root, sorted. */
  modules: string[];
  /** npm dependencies and their ranges. */
  dependencies: Record<string, string>;
}

/** Reads and parses `deno.json`. */
export async function readDenoConfig(): Promise<DenoConfig> {
  return JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as DenoConfig;
}

/** `./lib/auth/mod.ts` → `./lib/auth/mod.js`: the emitted path of a module. */
function jsPath(tsPath: string): string {
  return tsPath.replace(/\.ts$/, ".js");
}

/** `./lib/auth/mod.ts` → `./dist/lib/auth/mod.js`: the bundled entry point of an export. */
function distPath(tsPath: string): string {
  return jsPath(tsPath).replace(/^\.\//, "./dist/");
}

/** Makes `npm/package.json` (key order is fixed, so the text is deterministic). */
export function packageJson(
  config: DenoConfig,
  dependencies: Record<string, string>,
  files: string[],
  bin: Record<string, string> = {},
): Record<string, unknown> {
  const exports: Record<string, Record<string, string>> = {};
  for (const [subpath, module] of Object.entries(config.exports)) {
    const js = distPath(module);
    exports[subpath] = { types: jsPath(module).replace(/\.js$/, ".d.ts"), import: js, default: js };
  }
  const root = exports["."];
  return {
    name: NPM_NAME,
    version: config.version,
    description: "Azure Key Vault secrets, vault management (ARM) and Microsoft Entra ID " +
      "credentials over fetch and Web Crypto: no Azure SDK, no Node built-ins; runs on Node, " +
      "Deno, Bun and Cloudflare Workers.",
    keywords: [
      "azure",
      "key-vault",
      "keyvault",
      "secrets",
      "azure-resource-manager",
      "entra-id",
      "azure-identity",
      "oauth2",
      "fetch",
      "webcrypto",
      "cloudflare-workers",
      "deno",
      "bun",
      "edge",
    ],
    // Placeholder until the project has a public home.
    repository: { type: "git", url: "git+https://github.com/kvfetch/kvfetch.git" },
    license: config.license,
    type: "module",
    sideEffects: false,
    engines: { node: ">=20" },
    exports,
    ...(root ? { main: root.import, types: root.types } : {}),
    ...(Object.keys(bin).length ? { bin } : {}),
    files,
    dependencies: Object.fromEntries(
      Object.entries(dependencies).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
    ),
  };
}

/** The package name of a bare specifier: `jose/errors` → `jose`, `@a/b/c` → `@a/b`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

interface GraphModule {
  specifier: string;
  kind?: string;
  local?: string;
  dependencies?: { specifier: string; code?: { specifier: string } }[];
}

interface Graph {
  modules: GraphModule[];
  npmPackages?: Record<string, { name: string; version: string; localPath?: string }>;
}

async function denoInfo(entry: string): Promise<Graph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${entry} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Graph;
}

/** The module graph: local modules, and npm packages by bare name with range and cache path. */
async function moduleGraph(config: DenoConfig): Promise<{
  modules: Set<string>;
  npm: Map<string, { range: string; localPath: string }>;
  /** Every npm package in the graph (transitive ones too), for type resolution only. */
  allNpm: Map<string, string>;
}> {
  const modules = new Set<string>();
  const npm = new Map<string, { range: string; localPath: string }>();
  const allNpm = new Map<string, string>();
  const problems = new Set<string>();
  const graphs = await Promise.all(Object.values(config.exports).map(denoInfo));
  for (const graph of graphs) {
    // The npm packages in the graph ("npm:/jose@6.2.18"), by name, with their cache paths.
    const cache = new Map<string, string>();
    for (const pkg of Object.values(graph.npmPackages ?? {})) {
      if (pkg.localPath) cache.set(`${pkg.name}@${pkg.version}`, pkg.localPath);
      if (pkg.localPath && !allNpm.has(pkg.name)) allNpm.set(pkg.name, pkg.localPath);
    }
    const inGraph = new Map<string, string | undefined>();
    for (const mod of graph.modules) {
      const m = mod.kind === "npm" &&
        mod.specifier.match(/^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/_]+)/);
      if (m) inGraph.set(m[1]!, cache.get(`${m[1]}@${m[2]}`));
    }
    for (const mod of graph.modules) {
      if (mod.kind === "npm" || mod.specifier.startsWith("npm:")) continue;
      if (mod.specifier.startsWith("node:")) continue; // reported where it is imported
      if (!mod.specifier.startsWith("file://") || !mod.local) {
        problems.add(`${mod.specifier}: only local modules and npm packages can be published`);
        continue;
      }
      const path = mod.local;
      if (!path.startsWith(`${ROOT}/`)) {
        problems.add(`${path}: outside the repository`);
        continue;
      }
      const rel = path.slice(ROOT.length + 1);
      if (!/\.ts$/.test(rel) || /\.d\.ts$/.test(rel)) problems.add(`${rel}: not a .ts module`);
      if (/^(tests|scripts|npm)\//.test(rel)) problems.add(`${rel}: reachable from an export`);
      modules.add(rel);
      for (const dep of mod.dependencies ?? []) {
        const spec = dep.specifier;
        if (spec.startsWith("./") || spec.startsWith("../")) {
          if (!spec.endsWith(".ts")) problems.add(`${rel}: "${spec}" should name a .ts file`);
          continue;
        }
        if (spec.startsWith("node:")) {
          problems.add(`${rel}: imports ${spec} (no Node built-ins)`);
          continue;
        }
        const name = packageOf(spec);
        const mapped = config.imports?.[name];
        const match = mapped?.match(/^npm:((?:@[^/@]+\/)?[^/@]+)@([^/]+)$/);
        if (!match || match[1] !== name) {
          problems.add(
            `${rel}: "${spec}" must map to "npm:${name}@<range>" in deno.json#imports ` +
              `(found ${JSON.stringify(mapped)})`,
          );
          continue;
        }
        const localPath = inGraph.get(name);
        if (!localPath) {
          problems.add(`${rel}: no cached copy of ${name}; run \`deno install\` first`);
          continue;
        }
        npm.set(name, { range: match[2]!, localPath });
      }
    }
  }
  if (problems.size) throw new Error(`module graph:\n  ${[...problems].join("\n  ")}`);
  for (const [name, { localPath }] of npm) allNpm.set(name, localPath);
  return { modules, npm, allNpm };
}

/** Compiler options: the strict flags of `deno.json` plus the npm output settings. */
function compilerOptions(config: DenoConfig, outDir: string): ts.CompilerOptions {
  const fromDeno = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, ROOT);
  if (fromDeno.errors.length) {
    throw new Error(ts.formatDiagnostics(fromDeno.errors, formatHost));
  }
  return {
    ...fromDeno.options,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    isolatedModules: true,
    rewriteRelativeImportExtensions: true,
    allowImportingTsExtensions: false,
    declaration: true,
    sourceMap: false,
    declarationMap: false,
    removeComments: false,
    noEmitOnError: true,
    newLine: ts.NewLineKind.LineFeed,
    rootDir: ROOT,
    outDir,
    skipLibCheck: false,
    forceConsistentCasingInFileNames: true,
  };
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => "\n",
};

/** `./x.ts` → `./x.js`; other specifiers are kept. */
function rewriteSpecifier(specifier: string): string {
  return /^\.\.?\//.test(specifier) ? specifier.replace(/\.ts$/, ".js") : specifier;
}

/**
 * `rewriteRelativeImportExtensions` rewrites the `.js` output only; declaration emit keeps
 * `./x.ts`. This transformer does the same rewrite in the `.d.ts` files (imports, re-exports and
 * `import("./x.ts")` types).
 */
function rewriteDeclarationSpecifiers(
  context: ts.TransformationContext,
): (node: ts.SourceFile | ts.Bundle) => ts.SourceFile | ts.Bundle {
  const { factory } = context;
  const literal = (node: ts.Expression): ts.Expression =>
    ts.isStringLiteral(node) && rewriteSpecifier(node.text) !== node.text
      ? factory.createStringLiteral(rewriteSpecifier(node.text))
      : node;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      return factory.updateImportDeclaration(
        node,
        node.modifiers,
        node.importClause,
        literal(node.moduleSpecifier),
        node.attributes,
      );
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      return factory.updateExportDeclaration(
        node,
        node.modifiers,
        node.isTypeOnly,
        node.exportClause,
        literal(node.moduleSpecifier),
        node.attributes,
      );
    }
    if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      return factory.updateImportTypeNode(
        node,
        factory.updateLiteralTypeNode(
          node.argument,
          literal(node.argument.literal) as ts.StringLiteral,
        ),
        node.attributes,
        node.qualifier,
        node.typeArguments?.map((t) => ts.visitNode(t, visit, ts.isTypeNode)!),
        node.isTypeOf,
      );
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (node) => ts.isSourceFile(node) ? ts.visitEachChild(node, visit, context) : node;
}

/** Problems in emitted text: `node:` specifiers, triple-slash references, bad relative paths. */
export function scanOutput(files: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [rel, text] of files) {
    if (!/\.(js|d\.ts)$/.test(rel)) continue;
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.referencedFiles) problems.push(`${rel}: /// <reference path="${ref}">`);
    for (const ref of info.typeReferenceDirectives) {
      problems.push(`${rel}: /// <reference types="${ref.fileName}"> (no ambient types allowed)`);
    }
    for (const ref of info.libReferenceDirectives) {
      problems.push(`${rel}: /// <reference lib="${ref.fileName}"> (no Deno or Node libs)`);
    }
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith("node:")) {
        problems.push(`${rel}: imports ${spec}`);
      } else if (spec.startsWith("./") || spec.startsWith("../")) {
        const target = new URL(spec, `file:///${rel}`).pathname.slice(1);
        if (!spec.endsWith(".js")) problems.push(`${rel}: "${spec}" does not end in .js`);
        else if (!files.has(target)) problems.push(`${rel}: "${spec}" names no emitted file`);
      }
    }
    // Belt and braces: a dynamic `import("node:x")` in a type or a string the scanner missed.
    if (/["'`]node:[a-z_/]+["'`]/.test(text) && !problems.some((p) => p.startsWith(rel))) {
      problems.push(`${rel}: contains a "node:" specifier`);
    }
  }
  return problems;
}

/** Builds the npm package into `outDir` (replacing it). */
export async function buildNpm(
  outDir = `${ROOT}/npm`,
  log: (line: string) => void = console.log,
): Promise<BuildResult> {
  outDir = outDir.replace(/\/+$/, "");
  const inRepo = outDir.startsWith(`${ROOT}/`) ? outDir.slice(ROOT.length + 1) : undefined;
  if (
    outDir === "" || `${ROOT}/`.startsWith(`${outDir}/`) ||
    (inRepo !== undefined && !/^npm(\/|$)/.test(inRepo))
  ) {
    throw new Error(`refusing to build into ${outDir}`);
  }
  const config = await readDenoConfig();
  const { modules, npm, allNpm } = await moduleGraph(config);

  // Bare specifiers resolve, for types only, to the copies in Deno's npm cache, seen through a
  // temporary node_modules of symlinks so that package.json "exports" apply. The output keeps
  // them bare. Relative specifiers go through ordinary bundler resolution.
  const options = compilerOptions(config, outDir);
  const host = ts.createCompilerHost(options, true);
  host.getCurrentDirectory = () => ROOT;
  const shadow = await Deno.makeTempDir({ prefix: "kvfetch-build-npm-" });
  try {
    // Transitive packages too (e.g. @noble/hashes, whose types @noble/curves' types import).
    for (const [name, localPath] of allNpm) {
      const link = `${shadow}/node_modules/${name}`;
      await Deno.mkdir(link.slice(0, link.lastIndexOf("/")), { recursive: true });
      await Deno.symlink(localPath, link);
    }
    const moduleCache = ts.createModuleResolutionCache(ROOT, (f) => f, options);
    host.resolveModuleNameLiterals = (literals, containingFile, redirect, opts) =>
      literals.map(({ text: spec }) => {
        const bare = !spec.startsWith(".") && !spec.startsWith("/");
        if (bare && allNpm.has(packageOf(spec))) {
          return ts.resolveModuleName(spec, `${shadow}/index.ts`, opts, ts.sys);
        }
        return ts.resolveModuleName(spec, containingFile, opts, host, moduleCache, redirect);
      });
    return await compileAndWrite(config, options, host, modules, npm, outDir, log);
  } finally {
    await Deno.remove(shadow, { recursive: true });
  }
}

async function compileAndWrite(
  config: DenoConfig,
  options: ts.CompilerOptions,
  host: ts.CompilerHost,
  modules: Set<string>,
  npm: Map<string, { range: string; localPath: string }>,
  outDir: string,
  log: (line: string) => void,
): Promise<BuildResult> {
  const roots = Object.values(config.exports).map((p) => `${ROOT}/${p.replace(/^\.\//, "")}`);
  const program = ts.createProgram({ rootNames: roots, options, host });

  // The program must cover exactly the graph Deno sees.
  const compiled = new Set(
    program.getSourceFiles()
      .map((f) => f.fileName)
      .filter((f) =>
        f.startsWith(`${ROOT}/`) && !program.isSourceFileFromExternalLibrary(
          program.getSourceFile(f)!,
        ) && !program.isSourceFileDefaultLibrary(program.getSourceFile(f)!)
      )
      .map((f) => f.slice(ROOT.length + 1)),
  );
  const missing = [...modules].filter((m) => !compiled.has(m));
  const extra = [...compiled].filter((m) => !modules.has(m));
  if (missing.length || extra.length) {
    throw new Error(
      `the TypeScript program and deno info disagree:\n  only in deno info: ${missing}\n` +
        `  only in the program: ${extra}`,
    );
  }

  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) {
    throw new Error(
      `type errors (${diagnostics.length}):\n` +
        (Deno.noColor || !Deno.stderr.isTerminal()
          ? ts.formatDiagnostics(diagnostics, formatHost)
          : ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost)),
    );
  }

  const output = new Map<string, string>();
  const emit = program.emit(
    undefined,
    (fileName, text) => {
      if (!fileName.startsWith(`${outDir}/`)) {
        throw new Error(`emit outside ${outDir}: ${fileName}`);
      }
      output.set(fileName.slice(outDir.length + 1), text);
    },
    undefined,
    false,
    { afterDeclarations: [rewriteDeclarationSpecifiers] },
  );
  if (emit.emitSkipped || emit.diagnostics.length) {
    throw new Error(`emit failed:\n${ts.formatDiagnostics(emit.diagnostics, formatHost)}`);
  }

  const problems = scanOutput(output);
  for (const [subpath, module] of Object.entries(config.exports)) {
    const js = jsPath(module).replace(/^\.\//, "");
    if (!output.has(js)) problems.push(`export ${subpath}: ${js} was not emitted`);
    if (!output.has(js.replace(/\.js$/, ".d.ts"))) problems.push(`export ${subpath}: no .d.ts`);
  }
  if (problems.length) throw new Error(`output checks:\n  ${problems.join("\n  ")}`);

  const dependencies = Object.fromEntries(
    [...npm.keys()].sort().map((name) => [name, npm.get(name)!.range]),
  );
  for (const [name, text] of await bundle(config, output)) output.set(name, text);
  output.set(BIN_FILE, await bundleBin());
  // The tarball: the bundles and the declarations (the per-module .js are for the matrix only).
  const files = [
    "bin/",
    "dist/",
    ...new Set(
      [...output.keys()].filter((f) => f.endsWith(".d.ts")).map(
        (f) => f.includes("/") ? `${f.split("/")[0]}/**/*.d.ts` : f,
      ),
    ),
  ].sort();
  const pkg = packageJson(config, dependencies, files, { "kvfetch-emulator": `./${BIN_FILE}` });
  output.set("package.json", `${JSON.stringify(pkg, null, 2)}\n`);

  await Deno.remove(outDir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  const names = [...output.keys()].sort();
  for (const name of names) {
    const path = `${outDir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, output.get(name)!);
  }
  for (const name of ["README.md", "LICENSE"]) {
    await Deno.copyFile(`${ROOT}/${name}`, `${outDir}/${name}`);
    names.push(name);
  }
  names.sort();
  log(
    `build:npm: ${modules.size} modules → ${names.length} files in ${outDir} ` +
      `(${NPM_NAME}@${config.version}; dependencies ${
        Object.entries(dependencies).map(([n, r]) => `${n}@${r}`).join(", ")
      })`,
  );
  return { outDir, files: names, modules: [...modules].sort(), dependencies };
}

/**
 * Bundles the emitted per-module JavaScript (read from `output`, not from disk) into one ES
 * module per export plus shared chunks, under `dist/`. Deterministic: chunk names are content
 * hashes.
 */
async function bundle(
  config: DenoConfig,
  output: Map<string, string>,
): Promise<Map<string, string>> {
  const root = "/kvfetch-npm";
  const entryPoints = Object.values(config.exports).map((m) => `${root}/${jsPath(m).slice(2)}`);
  try {
    const result = await esbuild.build({
      entryPoints,
      outbase: root,
      outdir: `${root}/dist`,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      write: false,
      legalComments: "none",
      chunkNames: "chunks/[name]-[hash]",
      logLevel: "silent",
      plugins: [{
        name: "emitted-output",
        setup(build) {
          build.onResolve({ filter: /.*/ }, ({ path, importer, kind }) => {
            if (kind === "entry-point") return { path, namespace: "out" };
            if (!path.startsWith(".")) return { path, external: true }; // jose, valibot
            const dir = importer.slice(0, importer.lastIndexOf("/"));
            return { path: new URL(path, `file://${dir}/`).pathname, namespace: "out" };
          });
          build.onLoad({ filter: /.*/, namespace: "out" }, ({ path }) => {
            const text = output.get(path.slice(root.length + 1));
            if (text === undefined) throw new Error(`bundle: ${path} was not emitted`);
            return {
              contents: text,
              loader: "js",
              resolveDir: path.slice(0, path.lastIndexOf("/")),
            };
          });
        },
      }],
    });
    return new Map(
      result.outputFiles.map((f) => [f.path.slice(root.length + 1), f.text] as [string, string]),
    );
  } finally {
    await esbuild.stop();
  }
}

/** The served emulator's command in the package. */
export const BIN_FILE = "bin/kvfetch-emulator.js";

/**
 * `bin/emulator.ts` as one Node ES module: its own helpers inlined, `kvfetch/testing` taken from
 * the package's bundle (one copy of the emulator), `node:` modules left as imports.
 */
async function bundleBin(): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [`${ROOT}/bin/emulator.ts`],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      legalComments: "none",
      logLevel: "silent",
      plugins: [{
        name: "kvfetch-testing",
        setup(build) {
          build.onResolve({ filter: /^kvfetch\/testing$/ }, () => ({
            path: "../dist/lib/testing/mod.js",
            external: true,
          }));
        },
      }],
    });
    const text = result.outputFiles[0]!.text;
    return text.startsWith("#!") ? text : `#!/usr/bin/env node\n${text}`;
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  let out = `${ROOT}/npm`;
  const at = args.indexOf("--out");
  if (at !== -1) {
    const value = args[at + 1];
    if (!value) throw new Error("--out needs a directory");
    out = value.startsWith("/") ? value : `${Deno.cwd()}/${value}`;
  }
  const quiet = args.includes("--quiet");
  try {
    await buildNpm(out, quiet ? () => {} : console.log);
  } catch (error) {
    console.error(`build:npm failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
