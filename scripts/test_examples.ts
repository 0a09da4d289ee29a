/**
 * Runs every example in `examples/` against the emulator, on the built npm package (as a user
 * gets it: `npm pack` of `npm/`, installed with `npm install`):
 *
 * - the served emulator from the package's bin (`kvfetch-emulator` on Node 20), with the
 *   official JS SDKs on Node (`tests/served/js_sdk_check.mjs`), `examples/deno` (Deno) and
 *   `examples/bun` (Bun) configured only by its environment block; the same bin on Bun;
 * - `examples/node` (TypeScript compiled with tsc, run on Node 20; the embedded emulator),
 *   `examples/testing` (`node --test`), and `examples/cloudflare-worker` (its test bundled with
 *   esbuild and run by `workerd test`, Node.js compatibility off).
 *
 * Usage: deno run -A scripts/test_examples.ts   (builds npm/ when it is missing)
 *
 * The last line is `examples: N passed, N failed`.
 *
 * @module
 */
import {
  bin,
  bundle,
  ensureDeps,
  loopbackOnly,
  mustRun,
  NODE_MODULES,
  nodeImports,
  OUT,
  ROOT,
  run,
  script,
  step,
} from "./_matrix.ts";
import { startServed } from "../tests/served/_served.ts";

const DIR = `${OUT}/examples`;
const FLAGS = ["no_nodejs_compat", "no_nodejs_compat_v2"];

await script("test_examples", async () => {
  let passed = 0;
  let failed = 0;
  const record = (name: string, ok: boolean, output: string) => {
    if (ok) passed++;
    else failed++;
    console.log(`   ${ok ? "ok  " : "FAIL"} ${name}`);
    if (!ok) console.log(output.split("\n").map((l) => `        ${l}`).join("\n"));
  };

  let done = step("install tools; build and pack the npm package");
  await ensureDeps();
  try {
    Deno.statSync(`${ROOT}npm/package.json`);
  } catch {
    await mustRun(Deno.execPath(), ["run", "-A", "scripts/build_npm.ts", "--quiet"]);
  }
  await Deno.remove(DIR, { recursive: true }).catch(() => {});
  const project = `${DIR}/project`;
  await Deno.mkdir(project, { recursive: true });
  const packed = await mustRun("npm", ["pack", `${ROOT}npm`, "--json", "--pack-destination", DIR]);
  const tarball = `${DIR}/${JSON.parse(packed.stdout)[0].filename}`;
  await Deno.writeTextFile(
    `${project}/package.json`,
    JSON.stringify({ name: "kvfetch-examples", private: true, type: "module" }),
  );
  await mustRun(
    "npm",
    ["install", tarball, "typescript@~5.9.3", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: project },
  );
  for (const name of ["deno", "node", "bun", "testing"]) {
    await mustRun("cp", ["-r", `${ROOT}examples/${name}`, `${project}/${name}`]);
  }
  done();

  done = step("the served emulator from the npm bin (node), the SDKs and examples through it");
  const served = await startServed(["node", `${project}/node_modules/.bin/kvfetch-emulator`]);
  try {
    const env = { ...served.env, NO_PROXY: "", no_proxy: "" };
    const sdk = `${DIR}/sdk`;
    await Deno.mkdir(sdk, { recursive: true });
    await Deno.copyFile(`${ROOT}tests/served/js_sdk_check.mjs`, `${sdk}/js_sdk_check.mjs`);
    await Deno.symlink(NODE_MODULES, `${sdk}/node_modules`);
    let r = await run("node", [`${sdk}/js_sdk_check.mjs`], { env, timeoutMs: 120_000 });
    record(
      "official JS SDKs on Node 20 via the npm bin's emulator",
      r.code === 0 && /js sdk check: \d+ passed/.test(r.stdout),
      r.stdout + r.stderr,
    );
    r = await run(Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      `${ROOT}examples/deno/main.ts`,
    ], { env, timeoutMs: 60_000 });
    record("examples/deno", r.code === 0 && /deno example: ok/.test(r.stdout), r.stdout + r.stderr);
    r = await run(bin("bun"), ["main.ts"], { cwd: `${project}/bun`, env, timeoutMs: 60_000 });
    record("examples/bun", r.code === 0 && /bun example: ok/.test(r.stdout), r.stdout + r.stderr);
  } finally {
    const code = await served.stop();
    record("the npm bin's emulator stops cleanly on SIGTERM", code === 0, served.output());
  }
  done();

  done = step("the npm bin's served emulator on Bun, examples/deno through it");
  const onBun = await startServed([bin("bun"), `${project}/node_modules/.bin/kvfetch-emulator`]);
  try {
    const r = await run(Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      `${ROOT}examples/deno/main.ts`,
    ], { env: { ...onBun.env, NO_PROXY: "", no_proxy: "" }, timeoutMs: 60_000 });
    record(
      "examples/deno via the emulator served by Bun",
      r.code === 0 && /deno example: ok/.test(r.stdout),
      r.stdout + r.stderr,
    );
  } finally {
    record(
      "the emulator on Bun stops cleanly on SIGTERM",
      await onBun.stop() === 0,
      onBun.output(),
    );
  }
  done();

  done = step("examples/node (tsc, Node 20) and examples/testing (node --test)");
  let r = await run(`${project}/node_modules/.bin/tsc`, ["-p", "."], { cwd: `${project}/node` });
  if (r.code === 0) {
    r = await run("node", ["dist/main.js"], { cwd: `${project}/node`, timeoutMs: 60_000 });
  }
  record("examples/node", r.code === 0 && /node example: ok/.test(r.stdout), r.stdout + r.stderr);
  r = await run("node", ["--test"], { cwd: `${project}/testing`, timeoutMs: 60_000 });
  record("examples/testing", r.code === 0 && /# pass 3/.test(r.stdout), r.stdout + r.stderr);
  done();

  done = step("examples/cloudflare-worker (workerd test, nodejs_compat off)");
  const worker = await bundle({
    entry: `${ROOT}examples/cloudflare-worker/test/worker_test.ts`,
    outfile: `${DIR}/worker/worker.js`,
    packageDir: `${ROOT}npm`,
  });
  const culprits = await nodeImports(worker);
  const compatibilityDate = (await mustRun("node", [
    "-p",
    "require('workerd').compatibilityDate",
  ], { cwd: `${OUT}/deps` })).stdout.trim();
  await Deno.writeTextFile(
    `${DIR}/worker/config.capnp`,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = ( services = [ (name = "example", worker = .w) ] );
const w :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = ${JSON.stringify(FLAGS)},
);
`,
  );
  const [cmd, args] = await loopbackOnly(bin("workerd"), ["test", `${DIR}/worker/config.capnp`]);
  r = await run(cmd, args, { cwd: `${DIR}/worker`, timeoutMs: 120_000 });
  record(
    "examples/cloudflare-worker",
    culprits.length === 0 && r.code === 0 &&
      /cloudflare-worker example: ok/.test(r.stdout + r.stderr),
    `${culprits.join("\n")}${r.stdout}${r.stderr}`,
  );
  done();

  console.log(`examples: ${passed} passed, ${failed} failed`);
  return failed === 0;
});
