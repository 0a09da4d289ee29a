/**
 * Runs the README's offline code blocks: every block fenced as ```` ```ts runnable ```` is
 * written to `.ci/out/readme/` and run with `deno run` through deno.json's import map, with no
 * permissions at all (so it cannot reach the network, the environment or the file system: the
 * blocks run against the embedded emulator); a block that imports `node:test` runs with
 * `deno test` instead. Every other `ts` block is type-checked only, by
 * `deno check --doc-only README.md` in `deno task check`.
 *
 * The last line is `readme: N runnable blocks passed` or the failures.
 *
 * Usage: deno run --allow-read --allow-write --allow-run scripts/run_readme.ts
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const OUT = `${ROOT}/.ci/out/readme`;

const readme = await Deno.readTextFile(`${ROOT}/README.md`);
const blocks: { line: number; code: string }[] = [];
const fence = /^```ts runnable\n([\s\S]*?)^```$/gm;
for (const match of readme.matchAll(fence)) {
  const line = readme.slice(0, match.index).split("\n").length;
  blocks.push({ line, code: match[1]! });
}
if (blocks.length === 0) {
  console.log("readme: no runnable blocks found");
  Deno.exit(1);
}

await Deno.mkdir(OUT, { recursive: true });
const failures: string[] = [];
await Promise.all(blocks.map(async ({ line, code }) => {
  const suite = /from "node:test"/.test(code);
  // deno.json excludes .ci/out/ and `deno test` honours that even for a named file: test
  // suites are written to a temporary directory instead.
  const file = suite
    ? `${await Deno.makeTempDir({ prefix: "kvfetch-readme-" })}/readme_line_${line}_test.ts`
    : `${OUT}/readme_line_${line}.ts`;
  await Deno.writeTextFile(file, code);
  const out = await new Deno.Command(Deno.execPath(), {
    // A block that is a test suite (node:test) runs as one: `deno run` would register its tests
    // and exit 0 without running them.
    args: [
      suite ? "test" : "run",
      "--no-prompt",
      "--config",
      `${ROOT}/deno.json`,
      file,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr);
    failures.push(`README.md line ${line}:\n${text}`);
  }
}));
if (failures.length) {
  console.error(failures.join("\n"));
  console.log(`readme: ${failures.length} of ${blocks.length} runnable blocks failed`);
  Deno.exit(1);
}
console.log(`readme: ${blocks.length} runnable blocks passed`);
