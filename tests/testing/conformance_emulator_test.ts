/**
 * Conformance of the emulator itself: every C++ SDK recording under
 * `KVFETCH_CONFORMANCE_DIR/recordings/cpp-secrets` is sent, request by request, to the emulator
 * (with a token from its Entra), and each answer must have the recorded status and a body of the
 * same shape (the same top-level members, and the same `attributes` members).
 *
 * How the requests are rebuilt, and the differences allowed:
 * - The recordings hold no request bodies: `PUT /secrets/{name}` sends the recorded response's
 *   `value`, `contentType` and `tags`; `PATCH` sends its `contentType`, `tags` and `attributes`
 *   (`enabled`, `nbf`, `exp`); `POST /secrets/restore` sends the backup blob the emulator gave
 *   earlier in the same session (blobs restore only into the emulator that made them).
 * - Version ids are the emulator's: a recorded version in a URL is replaced by the emulator's
 *   version of the same step.
 * - Paging: the emulator pages its own way (25 per page). A listing is compared as a whole: the
 *   first page request follows the emulator's `nextLink`s, and the recorded `$skiptoken` pages
 *   are folded into the recorded listing. The recorded vault also held other tests' secrets, so
 *   the emulator must list every name of this session that the recording lists, and (when the
 *   recording followed every page) no name the recording does not.
 * - The recorded sessions' soft delete and recovery each answered one `404` poll, so the
 *   emulator runs with `deletePolls: 1`, `recoverPolls: 1`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { type CppRecording, DIR, recordedExchanges } from "../_conformance.ts";
import { createEmulator } from "../../lib/testing/mod.ts";

type Json = Record<string, unknown>;

const parse = (text: string): Json | undefined => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

const keys = (o: unknown) => (o && typeof o === "object" ? Object.keys(o).sort() : []);

/** The top-level and `attributes` members, `value` of a list replaced by its first item's. */
function shape(body: Json | undefined): unknown {
  if (body === undefined) return undefined;
  if (Array.isArray(body.value)) {
    return { list: keys(body).filter((k) => k !== "nextLink") };
  }
  return { top: keys(body), attributes: keys(body.attributes) };
}

const versionOf = (id: unknown): string | undefined =>
  typeof id === "string" ? /\/secrets\/[^/]+\/([0-9a-f]{32})$/.exec(id)?.[1] : undefined;

const listedNames = (body: Json | undefined): string[] =>
  ((body?.value as Json[] | undefined) ?? []).map((i) =>
    String(i.id ?? i.recoveryId).split("/")[4]!
  );

if (DIR === undefined) {
  test("conformance: the emulator replays cpp-secrets", {
    skip: "KVFETCH_CONFORMANCE_DIR is not set",
  }, () => {});
} else {
  const dir = `${DIR}/recordings/cpp-secrets`;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".json")).sort()) {
    test(`conformance: the emulator answers cpp-secrets/${file} as recorded`, async () => {
      const recording = JSON.parse(await readFile(`${dir}/${file}`, "utf8")) as CppRecording;
      const emulator = createEmulator({ vaults: ["redacted"], deletePolls: 1, recoverPolls: 1 });
      const token = (await emulator.credential().getToken("https://vault.azure.net/.default"))!;
      const versions = new Map<string, string>();
      let backup: string | undefined;
      const exchanges = recordedExchanges(recording);
      const created = new Set<string>();
      for (const [index, exchange] of exchanges.entries()) {
        const url = new URL(exchange.url);
        if (url.searchParams.has("$skiptoken")) continue; // folded into the first page
        const recorded = parse(exchange.body);
        let path = url.pathname;
        for (const [from, to] of versions) path = path.replace(from, to);
        let body: Json | undefined;
        if (exchange.method === "PUT") {
          created.add(decodeURIComponent(path.split("/")[2]!));
          body = { value: recorded?.value ?? "secretValue" };
          if (recorded?.contentType !== undefined) body.contentType = recorded.contentType;
          if (recorded?.tags !== undefined) body.tags = recorded.tags;
        } else if (exchange.method === "PATCH") {
          const a = (recorded?.attributes ?? {}) as Json;
          body = { attributes: { enabled: a.enabled, nbf: a.nbf, exp: a.exp } };
          if (recorded?.contentType !== undefined) body.contentType = recorded.contentType;
          if (recorded?.tags !== undefined) body.tags = recorded.tags;
        } else if (exchange.method === "POST" && path.endsWith("/restore")) {
          body = { value: backup };
        }
        const response = await emulator.fetch(
          `https://redacted.vault.azure.net${path}?api-version=7.3`,
          {
            method: exchange.method,
            headers: {
              authorization: `Bearer ${token.token}`,
              ...(body ? { "content-type": "application/json" } : {}),
            },
            ...(body ? { body: JSON.stringify(body) } : {}),
          },
        );
        const what = `${exchange.method} ${url.pathname}`;
        assert.equal(response.status, exchange.status, `${file}: ${what}`);
        let answer = parse(await response.text());
        if (path.endsWith("/backup")) backup = answer?.value as string;
        const recordedVersion = versionOf(recorded?.id);
        const ourVersion = versionOf(answer?.id);
        if (recordedVersion && ourVersion) versions.set(recordedVersion, ourVersion);
        if (answer && Array.isArray(answer.value)) {
          // The whole listing: the emulator's pages, and the recorded ones.
          const ours = listedNames(answer);
          while (typeof answer?.nextLink === "string") {
            const next = await emulator.fetch(answer.nextLink, {
              headers: { authorization: `Bearer ${token.token}` },
            });
            answer = parse(await next.text());
            ours.push(...listedNames(answer));
          }
          const pages = exchanges.filter((e, i) =>
            e.method === "GET" && new URL(e.url).pathname === url.pathname &&
            (i === index || (i > index && new URL(e.url).searchParams.has("$skiptoken")))
          ).map((e) => parse(e.body));
          const theirs = pages.flatMap(listedNames);
          const complete = typeof pages[pages.length - 1]?.nextLink !== "string";
          // The recorded vault also held other tests' secrets: the emulator lists every name of
          // this session the recording lists, and (a complete recording) no other.
          const recordedSet = new Set(theirs);
          for (const name of complete ? ours : []) {
            assert.ok(recordedSet.has(name), `${file}: ${what} lists ${name}`);
          }
          for (const name of theirs.filter((n) => created.has(n))) {
            assert.ok(ours.includes(name), `${file}: ${what} misses ${name}`);
          }
          continue;
        }
        assert.deepEqual(shape(answer), shape(recorded), `${file}: ${what} body shape`);
      }
    });
  }
}
