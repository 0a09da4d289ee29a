/**
 * The web-only check: everything reachable from the public entry points must run on the bare
 * web platform (Cloudflare Workers without nodejs_compat, browsers, Deno, Node, Bun).
 *
 * 1. No module in the graph has a `node:` specifier (`deno info --json`).
 * 2. The graph type-checks with `lib: ["esnext", "dom"]` and no Deno namespace, so a stray
 *    `Deno.*`, `process` or `Buffer` is a type error.
 *
 * Usage: deno run --allow-read --allow-write --allow-run --allow-env scripts/check_web.ts
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const entries: string[] = Object.values(config.exports as Record<string, string>);
const deno = Deno.execPath();

async function run(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const out = await new Deno.Command(deno, {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    ok: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

let failed = false;

// 1. The module graph names no Node built-in.
for (const entry of entries) {
  const info = await run(["info", "--json", entry]);
  if (!info.ok) {
    console.error(`deno info ${entry} failed:\n${info.stderr}`);
    Deno.exit(1);
  }
  const graph = JSON.parse(info.stdout) as {
    modules: { specifier: string; dependencies?: { specifier: string }[] }[];
  };
  for (const mod of graph.modules) {
    const culprits = (mod.dependencies ?? []).map((d) => d.specifier)
      .filter((s) => s.startsWith("node:"));
    for (const culprit of culprits) {
      console.error(
        `web-only check: ${mod.specifier} (reachable from ${entry}) imports ${culprit}`,
      );
      failed = true;
    }
  }
}

// 2. The graph type-checks against the web platform alone.
const webConfig = {
  imports: config.imports,
  compilerOptions: { ...config.compilerOptions, lib: ["esnext", "dom"] },
};
const tmp = await Deno.makeTempDir({ prefix: "kvfetch-web-check-" });
const webConfigPath = `${tmp}/deno.json`;
await Deno.writeTextFile(webConfigPath, JSON.stringify(webConfig, null, 2));
try {
  const check = await run(["check", "--quiet", "--no-lock", "--config", webConfigPath, ...entries]);
  if (!check.ok) {
    console.error(`web-only check: type errors without the Deno namespace:\n${check.stderr}`);
    failed = true;
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}

if (failed) Deno.exit(1);
console.log(
  `web-only check: ${entries.join(", ")} use no node: module and type-check with lib esnext+dom`,
);
