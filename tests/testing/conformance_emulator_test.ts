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
import { createEmulator } from "../../lib/testing/mod.ts";
import { emulatorCall, type Json, parseJson, tokenFor } from "../_emulator_call.ts";
import { cppListing, cppSteps, forEachCppRecording, Versions } from "../_conformance_emulator.ts";

const keys = (o: unknown) => (o && typeof o === "object" ? Object.keys(o).sort() : []);

/** The top-level and `attributes` members, `value` of a list replaced by its first item's. */
function shape(body: Json | undefined): unknown {
  if (body === undefined) return undefined;
  if (Array.isArray(body.value)) {
    return { list: keys(body).filter((k) => k !== "nextLink") };
  }
  return { top: keys(body), attributes: keys(body.attributes) };
}

const listedNames = (body: Json | undefined): string[] =>
  ((body?.value as Json[] | undefined) ?? []).map((i) =>
    String(i.id ?? i.recoveryId).split("/")[4]!
  );

await forEachCppRecording(
  "recordings/cpp-secrets",
  "conformance: the emulator replays cpp-secrets",
  (file, read) =>
    test(`conformance: the emulator answers cpp-secrets/${file} as recorded`, async () => {
      const emulator = createEmulator({ vaults: ["redacted"], deletePolls: 1, recoverPolls: 1 });
      const token = await tokenFor(emulator);
      const versions = new Versions("secrets");
      let backup: string | undefined;
      const exchanges = await read();
      const created = new Set<string>();
      const listing = cppListing({ emulator, token, exchanges, names: listedNames, created });
      // The `$skiptoken` pages are folded into their listing's first page.
      for (const { index, exchange, url, recorded } of cppSteps(exchanges)) {
        const path = versions.apply(url.pathname);
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
        const response = await emulatorCall(
          emulator,
          token,
          exchange.method,
          `https://redacted.vault.azure.net${path}?api-version=7.3`,
          body,
        );
        const what = `${exchange.method} ${url.pathname}`;
        assert.equal(response.status, exchange.status, `${file}: ${what}`);
        const answer = parseJson(response.text);
        if (path.endsWith("/backup")) backup = answer?.value as string;
        versions.note(recorded?.id, answer?.id);
        if (answer && Array.isArray(answer.value)) {
          // The whole listing: the emulator's pages, and the recorded ones.
          await listing(index, answer, `${file}: ${what}`);
          continue;
        }
        assert.deepEqual(shape(answer), shape(recorded), `${file}: ${what} body shape`);
      }
    }),
);
