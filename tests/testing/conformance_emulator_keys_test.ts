/**
 * Conformance of the emulator's keys data plane: every C++ SDK recording under
 * `KVFETCH_CONFORMANCE_DIR/recordings/cpp-keys` is sent, request by request, to the emulator
 * (with a token from its Entra), and each answer must have the recorded status and a body of the
 * same shape (the same top-level members, the same `attributes` members, and the same members of
 * the JSON Web Key under `key`).
 *
 * How the requests are rebuilt, and the differences allowed:
 * - The recordings hold no request bodies. `create` sends the recorded key's `kty`, `crv`, size
 *   (the modulus length), `key_ops`, `attributes` (with `exportable`), `tags` and `release_policy`; `PATCH` its
 *   `attributes` and `tags`; import sends a fresh RSA key of the recorded size with the recorded
 *   `key_ops`; `rotationpolicy` sends the recorded policy. `encrypt`/`wrapKey` send 32 random
 *   bytes with `RSA-OAEP`; `decrypt`/`unwrapKey` send the emulator's own answer of the step
 *   before; `sign` sends a SHA-256 digest with the algorithm the key's type names (`RS256`,
 *   `ES256`, `ES256K`), `verify` that digest and the emulator's signature; `restore` sends the
 *   backup blob the emulator gave earlier in the same session.
 * - Version ids are the emulator's: a recorded version in a URL is replaced by the emulator's
 *   version of the same step.
 * - Managed HSM sessions (`*.managedhsm.azure.net`) run against an emulated pool
 *   (`managedHsms: ["redacted"]`); the C++ SDK's `//rng` path is sent as `/rng`. A restore of a blob made by another vault is left out of the session (blobs restore
 *   only into the emulator that made them), and `release` answers are compared by status only (the recorded
 *   token is Azure's attestation-service JWT, the emulator's a stand-in of the same kind).
 * - The imported key of `ImportKey` was recorded with a stray `crv` member beside its RSA members
 *   (the SDK sent it, the service echoed it); the emulator does not echo a member that does not
 *   belong to the key type, so `crv` is left out of that comparison.
 * - Paging: as in the secrets conformance test, a listing is compared as a whole (the recorded
 *   vault held other tests' keys).
 * - The recorded sessions' soft delete answered one `404` poll, so the emulator runs with
 *   `deletePolls: 1`; `RecoverOperationResumeToken` polled none (its delete completed before its
 *   first poll), so it runs with `deletePolls: 0`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator } from "../../lib/testing/mod.ts";
import { emulatorCall, type Json, parseJson, SCOPES, tokenFor } from "../_emulator_call.ts";
import { cppListing, cppSteps, forEachCppRecording, Versions } from "../_conformance_emulator.ts";

const members = (o: unknown, skip = new Set<string>()) =>
  o && typeof o === "object" ? Object.keys(o).filter((k) => !skip.has(k)).sort() : [];

function shape(body: Json | undefined, file: string): unknown {
  if (body === undefined) return undefined;
  if (Array.isArray(body.value)) return { list: members(body).filter((k) => k !== "nextLink") };
  const skipKey = file.includes("ImportKey") ? new Set(["crv"]) : new Set<string>();
  return {
    top: members(body),
    attributes: members(body.attributes),
    key: members(body.key, skipKey),
  };
}

const b64u = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const bitsOf = (n: string) => (atob(n.replace(/-/g, "+").replace(/_/g, "/")).length) * 8;

const listedNames = (body: Json | undefined): string[] =>
  ((body?.value as Json[] | undefined) ?? []).map((i) =>
    String(i.kid ?? i.recoveryId).split("/")[4]!
  );

function signAlg(key: Json): string {
  if (String(key.kty).startsWith("RSA")) return "RS256";
  return key.crv === "P-256K" ? "ES256K" : key.crv === "P-384" ? "ES384" : "ES256";
}

await forEachCppRecording(
  "recordings/cpp-keys",
  "conformance: the emulator replays cpp-keys",
  (file, read) =>
    test(`conformance: the emulator answers cpp-keys/${file} as recorded`, async () => {
      const exchanges = await read();
      const polls = exchanges.some((e) => e.method === "GET" && e.status === 404) ? 1 : 0;
      const emulator = createEmulator({
        vaults: ["redacted"],
        managedHsms: ["redacted"],
        deletePolls: polls,
      });
      const token = await tokenFor(emulator);
      const hsmToken = await tokenFor(emulator, SCOPES.managedHsm);
      const versions = new Versions("keys");
      const keysByName = new Map<string, Json>();
      let backup: string | undefined;
      let last: { op: string; alg: string; value: string; digest?: string } | undefined;
      const created = new Set<string>();
      const listing = cppListing({ emulator, token, exchanges, names: listedNames, created });
      // The `$skiptoken` pages are folded into their listing's first page.
      for (const { index, exchange, url, recorded } of cppSteps(exchanges)) {
        const hsm = url.hostname.endsWith(".managedhsm.azure.net");
        const path = versions.apply(url.pathname.replace(/^\/\/+/, "/"));
        if (path === "/keys/restore" && backup === undefined) continue; // another vault's blob
        const segments = path.split("/");
        const name = decodeURIComponent(segments[2] ?? "");
        const op = segments.at(-1)!;
        const key = (recorded?.key ?? {}) as Json;
        const attrs = (recorded?.attributes ?? {}) as Json;
        let body: Json | undefined;
        if (exchange.method === "POST" && op === "create") {
          created.add(name);
          body = { kty: key.kty ?? "RSA", key_ops: key.key_ops };
          if (typeof key.n === "string") body.key_size = bitsOf(key.n);
          if (key.crv !== undefined) body.crv = key.crv;
          const a: Json = {};
          for (const k of ["enabled", "nbf", "exp", "exportable"]) {
            if (attrs[k] !== undefined) a[k] = attrs[k];
          }
          body.attributes = a;
          if (recorded?.tags !== undefined) body.tags = recorded.tags;
          if (recorded?.release_policy !== undefined) {
            const { contentType: _, ...policy } = recorded.release_policy as Json;
            body.release_policy = policy;
          }
        } else if (exchange.method === "PUT" && segments.length === 3) {
          created.add(name);
          const pair = await crypto.subtle.generateKey(
            {
              name: "RSASSA-PKCS1-v1_5",
              modulusLength: typeof key.n === "string" ? bitsOf(key.n) : 2048,
              publicExponent: new Uint8Array([1, 0, 1]),
              hash: "SHA-256",
            },
            true,
            ["sign"],
          ) as CryptoKeyPair;
          const { alg: _, ext: __, key_ops: ___, ...jwk } = await crypto.subtle.exportKey(
            "jwk",
            pair.privateKey,
          );
          body = { key: { ...jwk, key_ops: key.key_ops } };
        } else if (exchange.method === "PATCH") {
          const a: Json = {};
          for (const k of ["enabled", "nbf", "exp"]) if (attrs[k] !== undefined) a[k] = attrs[k];
          body = { attributes: a };
          if (recorded?.tags !== undefined) body.tags = recorded.tags;
        } else if (exchange.method === "PUT" && op === "rotationpolicy") {
          body = { lifetimeActions: recorded?.lifetimeActions, attributes: {} };
          const expiry = (recorded?.attributes as Json | undefined)?.expiryTime;
          if (expiry !== undefined) body.attributes = { expiryTime: expiry };
        } else if (exchange.method === "POST" && path === "/keys/restore") {
          body = { value: backup };
        } else if (exchange.method === "POST" && (op === "encrypt" || op === "wrapKey")) {
          body = { alg: "RSA-OAEP", value: b64u(crypto.getRandomValues(new Uint8Array(32))) };
        } else if (exchange.method === "POST" && (op === "decrypt" || op === "unwrapKey")) {
          body = { alg: last!.alg, value: last!.value };
        } else if (exchange.method === "POST" && op === "sign") {
          const digest = new Uint8Array(
            await crypto.subtle.digest("SHA-256", crypto.getRandomValues(new Uint8Array(64))),
          );
          const alg = signAlg(keysByName.get(name.toLowerCase()) ?? {});
          body = { alg, value: b64u(digest) };
          last = { op, alg, value: "", digest: b64u(digest) };
        } else if (exchange.method === "POST" && op === "verify") {
          body = { alg: last!.alg, digest: last!.digest, value: last!.value };
        } else if (exchange.method === "POST" && op === "release") {
          body = { target: "attestation-token" };
        } else if (exchange.method === "POST" && path === "/rng") {
          body = {
            count: atob(String(recorded?.value).replace(/-/g, "+").replace(/_/g, "/")).length,
          };
        }
        const origin = hsm ? emulator.managedHsmUrl("redacted") : emulator.vaultUrl("redacted");
        const response = await emulatorCall(
          emulator,
          hsm ? hsmToken : token,
          exchange.method,
          `${origin}${path}?api-version=7.3`,
          body,
        );
        const what = `${exchange.method} ${url.pathname}`;
        const text = response.text;
        assert.equal(response.status, exchange.status, `${file}: ${what}: ${text}`);
        const answer = parseJson(text);
        if (path.endsWith("/backup")) backup = answer?.value as string;
        if (answer?.key !== undefined) keysByName.set(name.toLowerCase(), answer.key as Json);
        if (op === "encrypt" || op === "wrapKey") {
          last = { op, alg: "RSA-OAEP", value: String(answer?.value) };
        }
        if (op === "sign") last!.value = String(answer?.value);
        if (op === "verify") assert.equal(answer?.value, true, `${file}: ${what} verifies`);
        versions.note(
          (recorded?.key as Json | undefined)?.kid ?? recorded?.kid,
          (answer?.key as Json | undefined)?.kid ?? answer?.kid,
        );
        if (op === "release") continue; // status only (see the module comment)
        if (answer && Array.isArray(answer.value)) {
          await listing(index, answer, `${file}: ${what}`);
          continue;
        }
        assert.deepEqual(shape(answer, file), shape(recorded, file), `${file}: ${what} body shape`);
      }
    }),
);
