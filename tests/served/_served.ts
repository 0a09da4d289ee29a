/**
 * Starts the served emulator (`bin/emulator.ts`, or the npm package's bin) as a child process
 * on a free loopback port, waits (bounded) for its ready line and reads the environment block it
 * writes with `--env-out`. Deno only (the served tests and `scripts/test_examples.ts`).
 *
 * @module
 */

/** A running served emulator. */
export interface ServedEmulator {
  /** `https://127.0.0.1:PORT`. */
  origin: string;
  /** The environment block (`AZURE_*`, `HTTPS_PROXY`, the CA variables). */
  env: Record<string, string>;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then the exit code (bounded: SIGKILL after 10 s). */
  stop(): Promise<number>;
}

/** The repository root, with a trailing slash. */
export const ROOT: string = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** The command that runs `bin/emulator.ts` from the source with Deno. */
export function denoEmulatorCommand(): string[] {
  return [
    Deno.execPath(),
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-sys=osRelease",
    `${ROOT}bin/emulator.ts`,
  ];
}

/** Starts `command` plus `args` (and `--port 0 --env-out …`), resolves once it is ready. */
export async function startServed(
  command: string[],
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<ServedEmulator> {
  const dir = await tempDir();
  const envFile = `${dir}/emulator.env`;
  const child = new Deno.Command(command[0]!, {
    args: [...command.slice(1), "--port", "0", "--env-out", envFile, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  let ready: (origin: string) => void;
  const readyLine = new Promise<string>((resolve) => (ready = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const m = /^kvfetch emulator ready on (https:\/\/\S+)$/m.exec(text);
      if (m) ready(m[1]!);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the emulator was not ready in ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
  });
  const exited = child.status.then((s) => {
    throw new Error(`the emulator exited (${s.code}) before it was ready:\n${text}`);
  });
  let origin: string;
  try {
    origin = await Promise.race([readyLine, timeout, exited]);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
    await pumps.catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  exited.catch(() => {});
  const env: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(envFile)).split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return {
    origin,
    env,
    output: () => text,
    async stop(): Promise<number> {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const status = await child.status;
      clearTimeout(killer);
      await pumps.catch(() => {});
      await removeDir(dir);
      return status.code;
    },
  };
}

/** Runs a command with `env` added (bounded by `timeoutMs`); its exit code and output. */
export async function runWith(
  command: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

/** A new temporary directory (made by `mktemp`, so that the tests need no write permission). */
export async function tempDir(): Promise<string> {
  const made = await runWith(["mktemp", "-d", "-t", "kvfetch-served-XXXXXX"], {}, 10_000);
  if (made.code !== 0) throw new Error(`mktemp failed: ${made.output}`);
  return made.output.trim();
}

/** Removes a directory {@link tempDir} made. */
export async function removeDir(dir: string): Promise<void> {
  if (!/kvfetch-served-/.test(dir)) throw new Error(`not a temporary directory: ${dir}`);
  await runWith(["rm", "-rf", dir], {}, 10_000);
}
