/**
 * The bundle-size report: bundles small entry snippets that use kvfetch the way an app on
 * Workers would, with esbuild (ESM, platform neutral, conditions workerd,worker,browser,
 * target ES2022), and prints a markdown table of the bytes: unminified, minified, and minified
 * then gzip level 9. Fails when entry (a) is over its gzip budget (then it prints what
 * dominates, from esbuild's metafile) or when a bundle imports a Node built-in.
 *
 * Usage:
 *   deno run -A scripts/bundle_size.ts                  # kvfetch from the source
 *   deno run -A scripts/bundle_size.ts --package npm    # kvfetch from a built package
 *   deno run -A scripts/bundle_size.ts --breakdown      # what dominates, for every entry
 *
 * The table also goes to `.ci/out/size/report.md`.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import {
  type Bundle,
  bundle,
  ensureDeps,
  has,
  nodeImports,
  OUT,
  packageFlag,
  script,
  step,
  WEB_CONDITIONS,
} from "./_matrix.ts";

/**
 * THE size budget of entry (a), ClientSecretCredential + SecretClient.getSecret, in bytes of
 * gzip -9 output. Both numbers live here and nowhere else.
 *
 * - GZIP_TARGET_A, 8 KiB, is the goal set in issue 5: the official SDK's equivalent
 *   (`@azure/identity` + `@azure/keyvault-secrets`) is 30,982 bytes gzip in its browser build
 *   and fails to bundle at all with the `workerd` condition; aws4fetch, a signing-only fetch
 *   wrapper, is 2,939. It is reported on every run, but not yet met: (a) carries token
 *   acquisition and caching, the Key Vault challenge, retries, valibot validation and the whole
 *   SecretClient class (a class cannot be tree-shaken method by method); even with every long
 *   string removed it measured 10,554 bytes.
 * - GZIP_BUDGET_A, the enforced ceiling, is the measured size plus ~2.5 % headroom, so any
 *   growth fails CI. Lower it as the code shrinks; raise it only with a reason written here.
 *   History: 12,236 bytes on 2026-11-28 (after a size pass from 13,970); 12,303 with the
 *   challenge-cache fix; raised on 2026-12-01 to 15,190 measured by the core hardening issue:
 *   a response size cap with a streaming reader, per-try deadlines that hold against a fetch
 *   that ignores its signal, shared challenge probes whose failures and aborts are shared,
 *   per-transport caches, single-flight forced refreshes, the scope rebuilt from the verified
 *   resource, paging loop and page bounds, redaction of every encoded form of a secret, token
 *   lifetime and header-safety checks, messages that say which rule broke, and the lazily
 *   built response that keeps a call from reading its body twice. Raised on 2026-12-02 to
 *   16,400 (measured 16,287) for what a newcomer needs on the shared send path: the
 *   `User-Agent`, the `logger` hook with its URL redaction, `RestError.statusCode` and
 *   `toJSON`, and official-SDK option names refused with the kvfetch name.
 */
const GZIP_TARGET_A = 8_192;
const GZIP_BUDGET_A = 16_400;

/** One bundle to measure: an ES module that imports from `kvfetch[/…]` and uses it. */
interface Entry {
  id: string;
  what: string;
  code: string;
  budget?: number;
}

/** An entry snippet: imports `names` from `specifier` and exports a function running `body`. */
function use(names: string, specifier: string, body: string): string {
  const id = `use_${names.replace(/\W+/g, "_")}`;
  return `import { ${names} } from "${specifier}";
export const ${id} = (vault, credential, options, name) => ${body};
`;
}

function entry(id: string, what: string, code: string, budget?: number): Entry {
  return { id, what, code, budget };
}

// Each entry exports functions that use what they import, so that nothing is tree-shaken away.
const A = use("ClientSecretCredential", "kvfetch/auth", "new ClientSecretCredential(options)") +
  use("SecretClient", "kvfetch/secrets", "new SecretClient(vault, credential).getSecret(name)");
const CERT = use(
  "ClientCertificateCredential",
  "kvfetch/auth",
  "new ClientCertificateCredential(options)",
);

const D = use("ClientSecretCredential", "kvfetch/auth", "new ClientSecretCredential(options)") +
  use(
    "VaultsClient",
    "kvfetch/management",
    "new VaultsClient(vault, credential).createOrUpdate(name, name, options)",
  );

const F = use("ClientSecretCredential", "kvfetch/auth", "new ClientSecretCredential(options)") +
  use(
    "CertificateClient",
    "kvfetch/certificates",
    "((c) => c.getCertificate(name).then(() => c.downloadCertificate(name)))" +
      "(new CertificateClient(vault, credential))",
  );

/** The entries, one line each. Add the next modules' entries here as they land. */
const ENTRIES: Entry[] = [
  entry("a", "ClientSecretCredential + SecretClient.getSecret", A, GZIP_BUDGET_A),
  entry("a/root", "(a), imported from the root `kvfetch`", A.replace(/kvfetch\/\w+/g, "kvfetch")),
  entry("b", "(a) + ClientCertificateCredential", A + CERT),
  entry(
    "c",
    "KeyClient.getKey + local verifyData (CryptographyClient)",
    use(
      "KeyClient, CryptographyClient",
      "kvfetch/keys",
      "new KeyClient(vault, credential).getKey(name).then((key) => " +
        "new CryptographyClient(key, credential).verifyData(options.alg, options.data, options.signature))",
    ),
  ),
  entry(
    "c/jwt",
    "(c) + signJwt and verifyJwt",
    use(
      "KeyClient, CryptographyClient, signJwt, verifyJwt",
      "kvfetch/keys",
      "new KeyClient(vault, credential).getKey(name).then((key) => " +
        "signJwt({}, { key: new CryptographyClient(key, credential) }).then((t) => verifyJwt(t, key)))",
    ),
  ),
  entry(
    "e",
    "parseKeyVaultJwk alone",
    use("parseKeyVaultJwk", "kvfetch/jwk", "parseKeyVaultJwk(options)"),
  ),
  entry("d", "ClientSecretCredential + VaultsClient.createOrUpdate", D),
  entry(
    "f",
    "ClientSecretCredential + CertificateClient.getCertificate + downloadCertificate",
    F,
  ),
  entry(
    "t",
    "createEmulator (kvfetch/testing; informational: test-only, with @noble/curves)",
    use("createEmulator", "kvfetch/testing", "createEmulator(options).fetch(vault)"),
  ),
];

/** For scale, in the printed table (gzip bytes, measured the same way). */
const REFERENCES = [
  "official SDK (a) (`@azure/identity` + `@azure/keyvault-secrets`, browser build): 30,982 B gzip; " +
  "with the `workerd` condition it does not bundle (109,658 B with Node built-ins left external)",
  "aws4fetch: 2,939 B gzip",
];

const DIR = `${OUT}/size`;

interface Row {
  entry: Entry;
  raw: number;
  minified: number;
  gzip: number;
  minifiedBundle: Bundle;
  culprits: string[];
}

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * What dominates a bundle, from esbuild's metafile: bytes in the minified output per area
 * (each npm package, and kvfetch's lib/http, lib/auth, lib/keyvault), then the largest parts.
 */
function breakdown(b: Bundle, limit = 12): string[] {
  const output = Object.values(b.metafile.outputs)[0]!;
  const total = output.bytes;
  const byPart = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const part = pkg
      ? `${pkg} (npm)`
      : path.replace(/^(\.\.\/)+/, "").replace(/^.*?\/lib\//, "lib/");
    const area = pkg ? part : /^lib\/[^/]+/.exec(part)?.[0] ?? "(entry)";
    byPart.set(part, (byPart.get(part) ?? 0) + bytesInOutput);
    byArea.set(area, (byArea.get(area) ?? 0) + bytesInOutput);
  }
  const line = ([part, bytes]: [string, number]) =>
    `     ${fmt(bytes).padStart(7)} B  ${(100 * bytes / total).toFixed(1).padStart(5)}%  ${part}`;
  const sorted = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]);
  return [
    `   by area (of ${fmt(total)} B minified):`,
    ...sorted(byArea).map(line),
    `   largest parts:`,
    ...sorted(byPart).slice(0, limit).map(line),
  ];
}

await script("bundle_size", async () => {
  const packageDir = packageFlag();
  let done = step("install tools");
  await ensureDeps();
  done();

  done = step(`bundle ${ENTRIES.length} entries (kvfetch from ${packageDir ?? "source"})`);
  await Deno.remove(DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(DIR, { recursive: true });
  const rows: Row[] = [];
  for (const entry of ENTRIES) {
    const file = `${DIR}/${entry.id.replace(/\W/g, "_")}`;
    await Deno.writeTextFile(`${file}.entry.js`, entry.code);
    const raw = await bundle({ entry: `${file}.entry.js`, outfile: `${file}.js`, packageDir });
    const min = await bundle({
      entry: `${file}.entry.js`,
      outfile: `${file}.min.js`,
      minify: true,
      packageDir,
    });
    const gzip = gzipSync(new TextEncoder().encode(min.code), { level: 9 }).byteLength;
    rows.push({
      entry,
      raw: raw.bytes,
      minified: min.bytes,
      gzip,
      minifiedBundle: min,
      culprits: await nodeImports(min),
    });
  }
  done();

  const table = [
    `Bundle sizes (esbuild, ESM, minified, conditions \`${WEB_CONDITIONS}\`, gzip -9; kvfetch from ${
      packageDir ?? "source"
    })`,
    "",
    "| entry | what | raw (B) | minified (B) | gzip (B) | budget (B) |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.entry.id} | ${r.entry.what} | ${fmt(r.raw)} | ${fmt(r.minified)} | ${fmt(r.gzip)} | ${
        r.entry.budget ? `${fmt(r.entry.budget)} ${r.gzip > r.entry.budget ? "OVER" : "ok"}` : ""
      } |`
    ),
    "",
    ...REFERENCES.map((line) => `For scale: ${line}.`),
  ].join("\n");
  console.log(`\n${table}`);
  await Deno.writeTextFile(`${DIR}/report.md`, table + "\n");

  let ok = true;
  for (const row of rows) {
    if (row.culprits.length) {
      ok = false;
      console.log(`\nFAIL (${row.entry.id}) imports Node built-ins: ${row.culprits.join(", ")}`);
    }
    const over = row.entry.budget !== undefined && row.gzip > row.entry.budget;
    if (over) {
      ok = false;
      console.log(
        `\nFAIL (${row.entry.id}) is ${fmt(row.gzip)} B gzip, over its budget of ${
          fmt(row.entry.budget!)
        } B (GZIP_BUDGET_A in scripts/bundle_size.ts). What dominates the minified bundle:`,
      );
    }
    if (over || has("breakdown")) {
      if (!over) console.log(`\n(${row.entry.id}) minified, by part:`);
      for (const line of breakdown(row.minifiedBundle)) console.log(line);
    }
  }
  const a = rows.find((r) => r.entry.id === "a")!;
  console.log(
    `\nbundle size: (a) ${fmt(a.gzip)} B gzip; target ${fmt(GZIP_TARGET_A)} B: ${
      a.gzip <= GZIP_TARGET_A ? "met" : `not met (${fmt(a.gzip - GZIP_TARGET_A)} B over)`
    }; enforced budget ${fmt(GZIP_BUDGET_A)} B: ${a.gzip <= GZIP_BUDGET_A ? "within" : "OVER"}`,
  );
  return ok;
});
