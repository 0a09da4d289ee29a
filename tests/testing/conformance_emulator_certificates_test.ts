/**
 * Conformance of the emulator's certificates: each Microsoft example under
 * `KVFETCH_CONFORMANCE_DIR/examples/dataplane/certificates` and each C++ SDK session under
 * `recordings/cpp-certificates` is sent to the emulator (with a token from its Entra), and each
 * answer must have the recorded status and a body of the same shape: the same top-level members
 * and, for `attributes`, every recorded member.
 *
 * How the requests are rebuilt, and the differences allowed:
 * - An example holds one request against a vault that already had the object: the emulator is
 *   first given it (a pending self-signed operation, certificates, a deleted certificate, an
 *   `Unknown` operation whose CSR a test CA signs for the merge).
 * - The recordings hold no request bodies: create sends a self-signed policy with the recorded
 *   certificate's tags.
 * - `attributes`: the emulator may add `recoverableDays` and `recoveryLevel`, which the older
 *   examples leave out (the newer recordings have them).
 * - `tags` and `pending` appear only when the certificate has tags or an operation, in the
 *   emulator as in the recordings; the examples' certificates had none.
 * - The recorded soft delete answered one `404` poll, so the emulator runs with `deletePolls: 1`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { SpecExample } from "../_conformance.ts";
import { createEmulator } from "../../lib/testing/mod.ts";
import { makeCertificate, signCsr } from "../_certs.ts";
import { emulatorCall, type Json, parseJson, tokenFor } from "../_emulator_call.ts";
import { forEachConformanceFile, forEachCppRecording } from "../_conformance_emulator.ts";

const OPTIONAL_ATTRIBUTES = new Set(["recoverableDays", "recoveryLevel"]);

const keys = (o: unknown) => (o && typeof o === "object" ? Object.keys(o).sort() : []);

function assertShape(ours: Json | undefined, theirs: Json | undefined, what: string): void {
  if (theirs === undefined) return assert.equal(ours, undefined, what);
  const one = (o: Json | undefined) => Array.isArray(o?.value) ? (o.value as Json[])[0] : o;
  if (Array.isArray(theirs.value)) {
    assert.deepEqual(keys(ours).filter((k) => k !== "nextLink"), ["value"], what);
  } else {
    assert.deepEqual(keys(ours), keys(theirs), `${what}: members`);
  }
  const a = one(ours), b = one(theirs);
  if (b && typeof b.attributes === "object") {
    const mine = keys(a?.attributes);
    for (const k of keys(b.attributes)) assert.ok(mine.includes(k), `${what}: attributes.${k}`);
    for (const k of mine) {
      assert.ok(keys(b.attributes).includes(k) || OPTIONAL_ATTRIBUTES.has(k), `${what}: ${k}`);
    }
    if (Array.isArray(theirs.value)) assert.deepEqual(keys(a), keys(b), `${what}: item members`);
  }
}

async function setup() {
  const emulator = createEmulator({
    vaults: ["myvault"],
    deletePolls: 1,
    recoverPolls: 1,
    certificatePolls: 1, // Azure answers `inProgress` first, as the recordings show
  });
  const token = await tokenFor(emulator);
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await emulatorCall(
      emulator,
      token,
      method,
      `https://myvault.vault.azure.net${path}${path.includes("?") ? "&" : "?"}api-version=7.6`,
      body,
    );
    return { status: response.status, body: parseJson(response.text) };
  };
  const selfSigned = async (name: string, tags?: unknown) => {
    await send("POST", `/certificates/${name}/create`, {
      policy: { x509_props: { subject: `CN=${name}` }, issuer: { name: "Self" } },
      ...(tags ? { tags } : {}),
    });
  };
  const complete = async (name: string) => {
    for (let i = 0; i < 5; i++) {
      if ((await send("GET", `/certificates/${name}/pending`)).body?.status === "completed") return;
    }
    assert.fail(`${name} did not complete`);
  };
  return { emulator, send, selfSigned, complete };
}

await forEachConformanceFile(
  "examples/dataplane/certificates",
  "conformance: the emulator answers the certificates examples and recordings",
  (file, read) =>
    test(`conformance: the emulator answers certificates example ${file}`, async () => {
      const example = await read() as SpecExample;
      const p = example.parameters;
      const name = String(p["certificate-name"] ?? "");
      const [status, recorded] = Object.entries(example.responses).find(([c]) =>
        c.startsWith("2")
      )!;
      const { send, selfSigned, complete } = await setup();
      let answer: { status: number; body: Json | undefined };
      switch (example.operationId) {
        case "GetCertificateOperation":
          await selfSigned(name);
          answer = await send("GET", `/certificates/${name}/pending`);
          break;
        case "GetCertificates":
          for (const n of ["cert-a", "cert-b"]) {
            await selfSigned(n);
            await complete(n);
          }
          answer = await send("GET", "/certificates");
          break;
        case "MergeCertificate": {
          const op = await send("POST", `/certificates/${name}/create`, {
            policy: { x509_props: { subject: `CN=${name}` }, issuer: { name: "Unknown" } },
          });
          const ca = await makeCertificate({ type: "EC", subject: "test CA" });
          const csr = Uint8Array.from(atob(String(op.body!.csr)), (c) => c.charCodeAt(0));
          const signed = await signCsr(csr, ca);
          answer = await send("POST", `/certificates/${name}/pending/merge`, {
            x5c: [btoa(String.fromCharCode(...signed))],
          });
          // The example's certificate had no operation record left.
          if (answer.body) delete answer.body.pending;
          break;
        }
        case "RecoverDeletedCertificate":
          await selfSigned(name);
          await complete(name);
          await send("DELETE", `/certificates/${name}`);
          await send("GET", `/deletedcertificates/${name}`);
          await send("GET", `/deletedcertificates/${name}`);
          answer = await send("POST", `/deletedcertificates/${name}/recover`);
          delete answer.body?.pending;
          break;
        case "SetCertificateContacts":
          answer = await send("PUT", "/certificates/contacts", p.contacts);
          break;
        default:
          return assert.fail(`no setup for ${example.operationId}`);
      }
      assert.equal(answer.status, Number(status), file);
      assertShape(answer.body, recorded.body as Json | undefined, file);
    }),
);

await forEachCppRecording(
  "recordings/cpp-certificates",
  undefined, // the skipped test above stands for both folders
  (file, read) =>
    test(`conformance: the emulator answers cpp-certificates/${file} as recorded`, async () => {
      const exchanges = await read();
      const { send } = await setup();
      for (const exchange of exchanges) {
        const url = new URL(exchange.url);
        const recorded = parseJson(exchange.body);
        let body: Json | undefined;
        if (exchange.method === "POST" && url.pathname.endsWith("/create")) {
          const name = url.pathname.split("/")[2]!;
          const later = exchanges.map((e) => parseJson(e.body)).find((b) => b?.cer && b.tags);
          body = {
            policy: { x509_props: { subject: `CN=${name}` }, issuer: { name: "Self" } },
            ...(later?.tags ? { tags: later.tags } : {}),
          };
        }
        const answer = await send(exchange.method, url.pathname, body);
        const what = `${file}: ${exchange.method} ${url.pathname}`;
        assert.equal(answer.status, exchange.status, what);
        assertShape(answer.body, recorded, what);
        if (recorded?.error) {
          assert.deepEqual(answer.body?.error, recorded.error, `${what}: error`);
        }
      }
    }),
);
