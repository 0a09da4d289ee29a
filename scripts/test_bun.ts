/**
 * The Bun leg of the runtime matrix: the same compiled suite as `test_node.ts` (tests/** with
 * the library, ES2022 ESM, under `.ci/out/bun/`), run by `bun test` from the npm package `bun`
 * (pinned in `scripts/matrix/`) in a loopback-only network namespace. Bun's test runner
 * executes `node:test` files itself (`test`, `before`, `after`, `{ skip }`), so no other
 * runner is needed. `KVFETCH_CONFORMANCE_DIR` is passed through.
 *
 * Usage:
 *   deno run -A scripts/test_bun.ts                  # the suite against the source
 *   deno run -A scripts/test_bun.ts --package npm    # against a built package's JavaScript
 *
 * The last line is `bun: N passed, N failed, N skipped`.
 *
 * @module
 */
import { bin, type Exclusions, loopbackOnly, prepareSuite, run, script, step } from "./_matrix.ts";

/** Tests Bun cannot run, by exact name, with the reason. None at the moment. */
export const BUN_EXCLUSIONS: Exclusions = {};

/**
 * Bun's default per-test timeout is 5 s; `node --test` and `deno test` have none. The slowest
 * tests (RSA key generation, oidc-provider start-up) take about 1 s, so 60 s only catches hangs.
 */
const PER_TEST_TIMEOUT_MS = 60_000;

await script("test_bun", async () => {
  const suite = await prepareSuite("bun", BUN_EXCLUSIONS);

  const bun = bin("bun");
  const version = (await run(bun, ["--version"])).stdout.trim();
  const done = step(`bun test (bun ${version})`);
  const [cmd, args] = await loopbackOnly(bun, [
    "test",
    `--timeout=${PER_TEST_TIMEOUT_MS}`,
    // Absolute paths: bun test reads a bare argument as a name filter.
    ...suite.testFiles.map((f) => `${suite.outDir}/${f}`),
  ]);
  const conformance = Deno.env.get("KVFETCH_CONFORMANCE_DIR");
  console.log(`   KVFETCH_CONFORMANCE_DIR=${conformance ?? "(unset: conformance tests skip)"}`);
  const result = await run(cmd, args, { cwd: suite.outDir, echo: true, timeoutMs: 600_000 });
  done();

  // Bun's summary (stderr): " 257 pass", " 1 skip", " 0 fail", "Ran 258 tests across 20 files."
  const output = result.stdout + result.stderr;
  const count = (word: string) =>
    Number([...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm"))].at(-1)?.[1] ?? 0);
  const pass = count("pass");
  const fail = count("fail");
  const skip = count("skip");
  const todo = count("todo");
  const ran = /^Ran (\d+) tests? across (\d+) files?/m.exec(output);
  const failures = [
    ...new Set([...output.matchAll(/^\(fail\) (.*?)(?: \[[\d.]+m?s\])?$/gm)]
      .map((m) => m[1]!)),
  ];
  const skips = [...new Set([...output.matchAll(/^\(skip\) (.*)$/gm)].map((m) => m[1]!))];
  console.log(`\n== bun summary (bun ${version}, ${suite.library})`);
  console.log(
    `   ran ${ran?.[1] ?? "?"} tests in ${ran?.[2] ?? "?"} files | pass ${pass} | fail ${fail}` +
      ` | skip ${skip} | todo ${todo} | exit ${result.code}`,
  );
  for (const name of skips) {
    console.log(`   skipped: ${name}${BUN_EXCLUSIONS[name] ? ` — ${BUN_EXCLUSIONS[name]}` : ""}`);
  }
  for (const name of failures) console.log(`   FAILED: ${name}`);
  console.log(`bun: ${pass} passed, ${fail} failed, ${skip} skipped`);
  return result.code === 0 && fail === 0 && pass > 0;
});
