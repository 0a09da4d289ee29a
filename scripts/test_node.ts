/**
 * The Node leg of the runtime matrix: compiles `tests/**` with the library (`mod.ts`, `lib/**`)
 * to ES2022 ESM under `.ci/out/node/` (TypeScript compiler API, `rewriteRelativeImportExtensions`),
 * installs the tools and test-only npm dependencies from the committed lockfile
 * (`scripts/matrix/`, `npm ci`), and runs the compiled suite with `node --test` in a
 * loopback-only network namespace. `KVFETCH_CONFORMANCE_DIR` is passed through.
 *
 * Usage:
 *   deno run -A scripts/test_node.ts                  # the suite against the source
 *   deno run -A scripts/test_node.ts --package npm    # against a built package's JavaScript
 *   deno run -A scripts/test_node.ts --update-lock    # regenerate scripts/matrix/ (deliberate)
 *
 * The last line is `node: N passed, N failed, N skipped`.
 *
 * @module
 */
import {
  type Exclusions,
  has,
  loopbackOnly,
  OUT,
  prepareSuite,
  run,
  script,
  step,
  updateLock,
} from "./_matrix.ts";

/** Tests that cannot run on Node 20, by exact name, with the reason. */
export const NODE_EXCLUSIONS: Exclusions = {};

/** Counts from a `node --test` TAP report. */
interface NodeCounts {
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
  cancelled: number;
  todo: number;
  failures: string[];
  skips: string[];
}

function parseTap(tap: string): NodeCounts {
  const count = (key: string) => {
    const all = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, "gm"))];
    return all.length ? Number(all[all.length - 1]![1]) : 0;
  };
  return {
    tests: count("tests"),
    pass: count("pass"),
    fail: count("fail"),
    skipped: count("skipped"),
    cancelled: count("cancelled"),
    todo: count("todo"),
    failures: [...tap.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => m[1]!),
    skips: [...tap.matchAll(/^\s*ok \d+ - (.*) # SKIP(.*)$/gm)].map((m) => `${m[1]} —${m[2]}`),
  };
}

await script("test_node", async () => {
  if (has("update-lock")) {
    await updateLock();
    return true;
  }
  const suite = await prepareSuite("node", NODE_EXCLUSIONS);

  const version = (await run("node", ["--version"])).stdout.trim();
  const done = step(`node --test (${version})`);
  const tapFile = `${OUT}/node/report.tap`;
  const [cmd, args] = await loopbackOnly("node", [
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tapFile}`,
    ...suite.testFiles,
  ]);
  const conformance = Deno.env.get("KVFETCH_CONFORMANCE_DIR");
  console.log(`   KVFETCH_CONFORMANCE_DIR=${conformance ?? "(unset: conformance tests skip)"}`);
  const result = await run(cmd, args, { cwd: suite.outDir, echo: true, timeoutMs: 600_000 });
  done();

  let tap = "";
  try {
    tap = await Deno.readTextFile(tapFile);
  } catch {
    // no report: the runner died early
  }
  const counts = parseTap(tap);
  console.log(`\n== node summary (${version}, ${suite.library})`);
  console.log(
    `   tests ${counts.tests} | pass ${counts.pass} | fail ${counts.fail} | skipped ${counts.skipped}` +
      ` | cancelled ${counts.cancelled} | todo ${counts.todo} | exit ${result.code}`,
  );
  for (const skip of counts.skips) console.log(`   skipped: ${skip}`);
  for (const failure of counts.failures) console.log(`   FAILED: ${failure}`);
  const ok = result.code === 0 && counts.tests > 0 && counts.fail === 0 && counts.cancelled === 0;
  console.log(
    `node: ${counts.pass} passed, ${
      counts.fail + counts.cancelled
    } failed, ${counts.skipped} skipped`,
  );
  return ok;
});
