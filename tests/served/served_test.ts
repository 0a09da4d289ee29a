/**
 * The served emulator (`deno task emulator`) over real HTTPS, as child processes: it starts on a
 * free port with its ready line and environment block; the official JS SDKs (under Deno, and
 * under Node when the runtime matrix's dependencies are installed) and the official Python SDKs
 * (Debian's python3-azure, when `/usr/bin/python3` has them) pass their checks configured only
 * by that block; the proxy refuses hosts the emulator does not serve; a non-loopback bind is
 * refused; the state directory keeps the CA and the data across a restart.
 *
 * Deno only (it spawns processes): skipped, with the reason, elsewhere or without
 * `--allow-run`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  denoEmulatorCommand,
  removeDir,
  ROOT,
  runWith,
  type ServedEmulator,
  startServed,
  tempDir,
} from "./_served.ts";

const why = typeof Deno === "undefined"
  ? "Deno only: spawns the served emulator"
  : Deno.permissions.querySync({ name: "run" }).state !== "granted"
  ? "needs --allow-run (deno task test grants it)"
  : undefined;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const python = why ? undefined : exists("/usr/bin/python3")
  ? await runWith(
    [
      "/usr/bin/python3",
      "-c",
      "import azure.keyvault.secrets, azure.mgmt.keyvault, azure.mgmt.resource, azure.identity",
    ],
    {},
    30_000,
  )
  : { code: 1, output: "no /usr/bin/python3" };
const pythonWhy = why ??
  (python?.code === 0
    ? undefined
    : "the official Python SDKs are not installed (apt-get install python3-azure)");
const curl = why ? undefined : await runWith(["curl", "--version"], {}, 10_000).catch(() => ({
  code: 1,
  output: "",
}));
const curlWhy = curl?.code === 0 ? undefined : "needs curl";
const nodeModules = `${ROOT}.ci/out/deps/node_modules`;
const nodeWhy = why ??
  (["identity", "keyvault-secrets", "keyvault-keys", "arm-keyvault"].every((name) =>
      exists(`${nodeModules}/@azure/${name}`)
    )
    ? undefined
    : "the runtime matrix's npm dependencies are not installed (.ci/out/deps): scripts/test_examples.ts runs this on Node");

/** A test's name, with the reason it is skipped (Deno's report shows names, not reasons). */
function named(name: string, skipped: string | undefined): string {
  return skipped ? `${name} (skipped: ${skipped})` : name;
}

/** The variables a client process gets: the block, nothing of this process's proxy setup. */
function clientEnv(served: ServedEmulator): Record<string, string> {
  return { ...served.env, NO_PROXY: "", no_proxy: "" };
}

if (why) {
  test(named("served emulator", why), { skip: why }, () => {});
} else {
  test("served emulator: ready line, env block, the official JS SDKs under Deno", async () => {
    const served = await startServed(denoEmulatorCommand());
    try {
      assert.match(served.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
      for (
        const name of [
          "AZURE_TENANT_ID",
          "AZURE_CLIENT_ID",
          "AZURE_CLIENT_SECRET",
          "AZURE_AUTHORITY_HOST",
          "AZURE_SUBSCRIPTION_ID",
          "AZURE_KEYVAULT_URL",
          "HTTPS_PROXY",
          "NODE_EXTRA_CA_CERTS",
          "DENO_CERT",
          "REQUESTS_CA_BUNDLE",
        ]
      ) assert.ok(served.env[name], `${name} in the env block`);
      assert.match(served.output(), /NODE_EXTRA_CA_CERTS=.*\n[\s\S]*curl --proxy/);
      const result = await runWith([
        Deno.execPath(),
        "run",
        "--allow-net=127.0.0.1", // the proxy only: a request that skipped it would be refused
        "--allow-env",
        "--allow-read",
        "--allow-sys",
        `${ROOT}tests/served/js_sdk_check.mjs`,
      ], clientEnv(served));
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /js sdk check: \d+ passed/);
    } finally {
      assert.equal(await served.stop(), 0);
    }
  });

  test(
    named("served emulator: the official JS SDKs under Node", nodeWhy),
    { skip: nodeWhy ?? false },
    async () => {
      const served = await startServed(denoEmulatorCommand());
      const dir = await tempDir();
      try {
        const copy = await runWith(
          [
            "sh",
            "-c",
            `cp "$0" "$1/" && ln -s "$2" "$1/node_modules"`,
            `${ROOT}tests/served/js_sdk_check.mjs`,
            dir,
            nodeModules,
          ],
          {},
        );
        assert.equal(copy.code, 0, copy.output);
        const result = await runWith(["node", `${dir}/js_sdk_check.mjs`], clientEnv(served));
        assert.equal(result.code, 0, result.output);
        assert.match(result.output, /js sdk check: \d+ passed/);
      } finally {
        await removeDir(dir);
        assert.equal(await served.stop(), 0);
      }
    },
  );

  test(named("served emulator: the official Python SDKs (python3-azure)", pythonWhy), {
    skip: pythonWhy ?? false,
  }, async () => {
    const served = await startServed(denoEmulatorCommand(), ["--access-control"]);
    try {
      const result = await runWith(
        ["/usr/bin/python3", `${ROOT}tests/served/python_crosscheck.py`],
        clientEnv(served),
        180_000,
      );
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /python crosscheck: \d+ passed/);
    } finally {
      assert.equal(await served.stop(), 0);
    }
  });

  test(named("served emulator: the proxy refuses other hosts; TLS straight to the port", curlWhy), {
    skip: curlWhy ?? false,
  }, async () => {
    const served = await startServed(denoEmulatorCommand());
    try {
      const { HTTPS_PROXY: proxy, KVFETCH_EMULATOR_CA: ca } = served.env;
      const curl = (...args: string[]) =>
        runWith(["curl", "-sS", "--noproxy", "", "--cacert", ca!, ...args], {}, 30_000);
      const refused = await curl("--proxy", proxy!, "https://example.com/");
      assert.notEqual(refused.code, 0);
      assert.match(refused.output, /403|CONNECT/);
      const status = await curl(`${served.origin}/`);
      assert.equal(status.code, 0, status.output);
      assert.equal(JSON.parse(status.output).service, "kvfetch emulator");
      const pem = await curl(`${served.origin}/ca.pem`);
      assert.equal(pem.output, await Deno.readTextFile(ca!));
      const plain = await curl(`http://${new URL(served.origin).host}/`);
      assert.match(plain.output, /speaks TLS/);
    } finally {
      await served.stop();
    }
  });

  test(
    "served emulator: loopback only unless --allow-remote",
    async () => {
      const result = await runWith([...denoEmulatorCommand(), "--host", "0.0.0.0"], {}, 30_000);
      assert.equal(result.code, 2);
      assert.match(result.output, /not a loopback address/);
    },
  );

  test(named("served emulator: --state keeps the CA and the data across a restart", curlWhy), {
    skip: curlWhy ?? false,
  }, async () => {
    const state = await tempDir();
    try {
      const seed = `${state}/seed.json`;
      await runWith([
        "sh",
        "-c",
        `printf '%s' "$1" > "$0"`,
        seed,
        JSON.stringify({
          vaults: { seeded: { secrets: { hello: "world" }, keys: { signer: { kty: "EC" } } } },
        }),
      ], {});
      const first = await startServed(denoEmulatorCommand(), ["--state", state, "--seed", seed]);
      const ca = await Deno.readTextFile(`${state}/ca.pem`);
      assert.equal(await first.stop(), 0);
      const mode = await runWith([
        "stat",
        "-c",
        "%a",
        `${state}/ca-key.pem`,
        `${state}/emulator.json`,
      ], {});
      assert.equal(mode.output.trim(), "600\n600");
      const again = await startServed(denoEmulatorCommand(), ["--state", state]);
      try {
        assert.match(again.output(), /\(reused\)/);
        assert.equal(await Deno.readTextFile(`${state}/ca.pem`), ca);
        assert.equal(again.env.AZURE_KEYVAULT_URL, "https://seeded.vault.azure.net");
        const { HTTPS_PROXY: proxy, KVFETCH_EMULATOR_CA: caPath } = again.env;
        const token = await runWith(
          [
            "curl",
            "-sS",
            "--noproxy",
            "",
            "--proxy",
            proxy!,
            "--cacert",
            caPath!,
            `https://login.microsoftonline.com/${again.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
            "-d",
            `grant_type=client_credentials&client_id=${again.env.AZURE_CLIENT_ID}&client_secret=${again.env.AZURE_CLIENT_SECRET}&scope=https://vault.azure.net/.default`,
          ],
          {},
          30_000,
        );
        const accessToken = JSON.parse(token.output).access_token;
        const secret = await runWith(
          [
            "curl",
            "-sS",
            "--noproxy",
            "",
            "--proxy",
            proxy!,
            "--cacert",
            caPath!,
            "-H",
            `authorization: Bearer ${accessToken}`,
            "https://seeded.vault.azure.net/secrets/hello?api-version=7.6",
          ],
          {},
          30_000,
        );
        assert.equal(JSON.parse(secret.output).value, "world");
      } finally {
        assert.equal(await again.stop(), 0);
      }
    } finally {
      await removeDir(state);
    }
  });

  test("served emulator: the proxy's host list is what the emulator answers", async () => {
    // Imported at run time: bin/ is outside the suite the runtime matrix compiles.
    const hosts = await import(new URL("../../bin/_hosts.ts", import.meta.url).href) as {
      isServedHost(host: string): boolean;
      SERVED_NAMES: readonly string[];
    };
    const { createEmulator } = await import("../../lib/testing/mod.ts");
    const emulator = createEmulator({ vaults: ["myvault"] });
    const names = hosts.SERVED_NAMES.map((n) => n.replace("*", "myvault"));
    for (const name of names) {
      assert.ok(hosts.isServedHost(name), name);
      // Answered (any HTTP status), not refused as a network failure.
      const response = await emulator.fetch(`https://${name}/`);
      await response.body?.cancel();
    }
    for (
      const name of ["example.com", "vault.azure.net", "a.b.vault.azure.net", "169.254.169.254"]
    ) {
      assert.equal(hosts.isServedHost(name), false, name);
      await assert.rejects(emulator.fetch(`https://${name}/`), TypeError, name);
    }
  });

  test(named("served emulator: --fault flags reach the emulator", curlWhy), {
    skip: curlWhy ?? false,
  }, async () => {
    const served = await startServed(denoEmulatorCommand(), [
      "--fault",
      "server-error=1:500@entra",
    ]);
    try {
      const { HTTPS_PROXY: proxy, KVFETCH_EMULATOR_CA: ca } = served.env;
      const token = () =>
        runWith(
          [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--noproxy",
            "",
            "--proxy",
            proxy!,
            "--cacert",
            ca!,
            `https://login.microsoftonline.com/${served.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
            "-d",
            `grant_type=client_credentials&client_id=${served.env.AZURE_CLIENT_ID}&client_secret=${served.env.AZURE_CLIENT_SECRET}&scope=https://vault.azure.net/.default`,
          ],
          {},
          30_000,
        );
      assert.equal((await token()).output, "500");
      assert.equal((await token()).output, "200");
      const bad = await runWith([...denoEmulatorCommand(), "--fault", "meltdown"], {}, 30_000);
      assert.equal(bad.code, 2);
      assert.match(bad.output, /unknown kind meltdown/);
    } finally {
      await served.stop();
    }
  });
}
