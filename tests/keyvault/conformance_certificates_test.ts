/**
 * Conformance of `CertificateClient` with Microsoft's own data: the REST API spec examples
 * (`examples/dataplane/certificates/`) and the sessions the Azure SDK for C++ recorded against
 * real vaults (`recordings/cpp-certificates/`), read at run time from the folder named by
 * `KVFETCH_CONFORMANCE_DIR` (without it, one visibly skipped test stands in). The replayer is
 * the shared one (tests/_conformance.ts): each request kvfetch sends must be the next recorded
 * one (method, host, path, sorted query, and the JSON body where the data has it), and what
 * kvfetch returns is checked against the recorded response body.
 *
 * Allowed differences, on purpose:
 *
 * - `spec/OPERATIONS.tsv` lists no certificates operations, so the method and path template of
 *   each example's operation come from `spec/dataplane/certificates.json` itself.
 * - Reading the latest version: kvfetch sends `GET /certificates/{name}/` (the spec's template
 *   with an empty version, as for secrets and keys); the C++ SDK sends `GET
 *   /certificates/{name}`. Allowed for GET only (`latestVersionPath`), as in the other tests.
 * - The C++ tests wait for a deletion and then call `GetDeletedCertificate`, so the recording
 *   shows `GET /deletedcertificates/{name}` as 404, 200, 200; kvfetch polls to the first 200
 *   and the scenario then calls `getDeletedCertificate` for the second.
 * - The C++ recordings carry no request bodies (create's policy is not compared); the spec
 *   examples do, and MergeCertificate's and SetCertificateContacts' bodies are compared
 *   deep-equal with nothing excused.
 * - Example data that is not a real certificate: MergeCertificate's `x5c` and `cer`
 *   (`MII++cut+for+brevity++EPAQj8`) are placeholders; kvfetch passes the given bytes through
 *   and decodes `cer` as base64 without parsing X.509, so they replay as they are. Its `kid`
 *   and `sid` hold spaces (`https:// mykeyvault…`); kvfetch reports them as given.
 * - RecoverDeletedCertificate is a single exchange, so it runs with `waitForCompletion: false`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { CertificateClient, type CertificateClientOptions, RestError } from "../../mod.ts";
import { decodeBase64 } from "../../lib/http/_base64.ts";
import { recordingSleep } from "../_fetch.ts";
import {
  type CppRecording,
  credential,
  DIR,
  type Exchange,
  fromUnix,
  latestVersionPath,
  recordedExchanges,
  Replay,
  replaying,
  SEED,
  type SpecExample,
  str,
  testSpecExamples,
} from "../_conformance.ts";

interface Bundle {
  id: string;
  kid?: string;
  sid?: string;
  x5t?: string;
  cer?: string;
  attributes?: { enabled?: boolean; nbf?: number; exp?: number; created?: number };
  policy?: {
    key_props?: { kty?: string; key_size?: number; exportable?: boolean };
    secret_props?: { contentType?: string };
    x509_props?: { subject?: string; validity_months?: number };
    issuer?: { name?: string };
  };
  recoveryId?: string;
  deletedDate?: number;
}

const RECORDED_HOST = "REDACTED.vault.azure.net";

function context(vaultUrl: string, serviceVersion: string, replay: Replay) {
  const sleep = recordingSleep();
  const options: CertificateClientOptions = {
    fetch: replay.fetch,
    sleep,
    serviceVersion,
    challenge: SEED,
    retry: { maxRetries: 0 },
  };
  return { client: new CertificateClient(vaultUrl, credential(), options), replay, sleep };
}
type Ctx = ReturnType<typeof context>;

/** The certificate kvfetch returns matches the bundle it was answered with. */
function checkBundle(
  got: {
    name: string;
    cer?: Uint8Array | undefined;
    keyId?: string | undefined;
    secretId?: string | undefined;
    properties: {
      id?: string | undefined;
      enabled?: boolean | undefined;
      notBefore?: Date | undefined;
      expiresOn?: Date | undefined;
      x509Thumbprint?: Uint8Array | undefined;
    };
  },
  bundle: Bundle,
) {
  assert.equal(got.properties.id, bundle.id);
  assert.equal(got.name, new URL(bundle.id).pathname.split("/")[2]);
  assert.equal(got.keyId, bundle.kid);
  assert.equal(got.secretId, bundle.sid);
  if (bundle.cer) assert.deepEqual(got.cer, decodeBase64(bundle.cer));
  if (bundle.x5t) assert.deepEqual(got.properties.x509Thumbprint, decodeBase64(bundle.x5t));
  assert.equal(got.properties.enabled, bundle.attributes?.enabled);
  assert.deepEqual(got.properties.notBefore, fromUnix(bundle.attributes?.nbf));
  assert.deepEqual(got.properties.expiresOn, fromUnix(bundle.attributes?.exp));
}

type Driver = (ctx: Ctx, example: SpecExample, exchange: Exchange) => Promise<void>;

const EXAMPLE_DRIVERS: Record<string, Driver> = {
  async GetCertificateOperation(ctx, example) {
    const op = await ctx.client.getCertificateOperation(str(example, "certificate-name")!);
    const body = ctx.replay.json<Record<string, unknown>>();
    assert.equal(op.id, body.id);
    assert.equal(op.name, str(example, "certificate-name"));
    assert.equal(op.status, body.status);
    assert.equal(op.statusDetails, body.status_details);
    assert.equal(op.issuerName, (body.issuer as { name: string }).name);
    assert.equal(op.cancellationRequested, false);
    assert.equal(op.requestId, body.request_id);
    assert.deepEqual(op.csr, decodeBase64(String(body.csr)));
  },
  async GetCertificates(ctx) {
    const page = await ctx.client.listPropertiesOfCertificates().byPage().next();
    const body = ctx.replay.json<{ value: Bundle[]; nextLink: null }>();
    assert.equal(page.value.length, body.value.length);
    for (const [i, item] of body.value.entries()) {
      const got = page.value[i]!;
      assert.equal(got.id, item.id);
      assert.equal(got.version, undefined);
      assert.deepEqual(got.x509Thumbprint, decodeBase64(item.x5t!));
      assert.deepEqual(got.createdOn, fromUnix(item.attributes?.created));
    }
    assert.equal(page.value.continuationToken, undefined);
  },
  async MergeCertificate(ctx, example) {
    const x5c = (example.parameters.parameters as { x5c: string[] }).x5c;
    const cert = await ctx.client.mergeCertificate(
      str(example, "certificate-name")!,
      x5c.map(decodeBase64),
    );
    const body = ctx.replay.json<Bundle>();
    checkBundle(cert, body);
    assert.equal(cert.policy?.issuerName, "Unknown");
    assert.equal(cert.policy?.keySize, 2048);
    assert.equal(cert.policy?.exportable, false);
    assert.equal(cert.policy?.subject, "CN=Mycert1");
    assert.deepEqual(cert.policy?.lifetimeActions, [
      { action: "EmailContacts", lifetimePercentage: 80, daysBeforeExpiry: undefined },
    ]);
  },
  async RecoverDeletedCertificate(ctx, example) {
    const cert = await ctx.client.recoverDeletedCertificate(str(example, "certificate-name")!, {
      waitForCompletion: false,
    });
    checkBundle(cert, ctx.replay.json<Bundle>());
  },
  async SetCertificateContacts(ctx, example) {
    const { contacts } = example.parameters.contacts as {
      contacts: { email: string; name: string; phone: string }[];
    };
    const got = await ctx.client.setContacts(contacts);
    assert.deepEqual(got, contacts);
  },
};

interface Scenario {
  run(ctx: Ctx): Promise<void>;
  skipped: number[];
}

const SCENARIOS: Record<string, Scenario> = {
  "KeyVaultCertificateClientTest.CreateCertificate.json": {
    async run(ctx) {
      const name = "CreateCertificate";
      const cert = await ctx.client.createCertificate(name, {
        issuerName: "Self",
        subject: "CN=xyz",
      }, {
        pollIntervalMs: 1000,
      });
      checkBundle(cert, ctx.replay.json<Bundle>());
      assert.equal(cert.policy?.subject, "CN=xyz");
      assert.equal(cert.policy?.contentType, "application/x-pkcs12");
      assert.deepEqual(ctx.sleep.waits, [1000, 1000]); // before each of the two recorded polls
      assert.equal(ctx.replay.last.request.url.includes(`/certificates/${name}/?`), true);
      const deleted = await ctx.client.deleteCertificate(name, { pollIntervalMs: 1000 });
      const deletedBody = ctx.replay.json<Bundle>(ctx.replay.served.at(-3)!);
      assert.equal(deleted.recoveryId, deletedBody.recoveryId);
      assert.deepEqual(deleted.deletedOn, fromUnix(deletedBody.deletedDate));
      const again = await ctx.client.getDeletedCertificate(name);
      assert.equal(again.recoveryId, deleted.recoveryId);
      await ctx.client.purgeDeletedCertificate(name);
      assert.equal(ctx.replay.last.record.status, 204);
    },
    skipped: [],
  },
  "KeyVaultCertificateClientTest.DeleteWrongCertificate.json": {
    async run(ctx) {
      const name = "DeleteWrongCertificate";
      const del = await ctx.client.deleteCertificate(name).catch((e) => e);
      assert.ok(del instanceof RestError);
      assert.equal(del.status, 404);
      assert.equal(del.errorCode, "CertificateNotFound");
      const rec = await ctx.client.recoverDeletedCertificate(name).catch((e) => e);
      assert.ok(rec instanceof RestError);
      assert.equal(rec.status, 404);
    },
    skipped: [],
  },
  "KeyVaultCertificateClientTest.GetCertificate.json": {
    async run(ctx) {
      const cert = await ctx.client.createCertificate("GetCertificate", {
        issuerName: "Self",
        subject: "CN=xyz",
      });
      checkBundle(cert, ctx.replay.json<Bundle>());
      assert.equal(cert.policy?.keyType, "RSA");
      assert.deepEqual(ctx.sleep.waits, [2000, 2000]); // the default interval
    },
    skipped: [],
  },
};

if (DIR === undefined) {
  test("conformance: certificates", { skip: "KVFETCH_CONFORMANCE_DIR is not set" }, () => {});
} else {
  const dir = DIR;
  const spec = JSON.parse(await readFile(`${dir}/spec/dataplane/certificates.json`, "utf8")) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const operations = new Map<string, { method: string; path: string }>();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId) operations.set(op.operationId, { method: method.toUpperCase(), path });
    }
  }
  const ALLOWED = latestVersionPath("certificates");

  test("conformance: certificates spec operations each map to a CertificateClient call", () => {
    const mapped = new Set([
      "GetCertificates",
      "DeleteCertificate",
      "GetCertificate",
      "UpdateCertificate",
      "BackupCertificate",
      "CreateCertificate",
      "ImportCertificate",
      "GetCertificateOperation",
      "UpdateCertificateOperation",
      "DeleteCertificateOperation",
      "MergeCertificate",
      "GetCertificatePolicy",
      "UpdateCertificatePolicy",
      "GetCertificateVersions",
      "GetCertificateContacts",
      "SetCertificateContacts",
      "DeleteCertificateContacts",
      "GetCertificateIssuers",
      "GetCertificateIssuer",
      "SetCertificateIssuer",
      "UpdateCertificateIssuer",
      "DeleteCertificateIssuer",
      "RestoreCertificate",
      "GetDeletedCertificates",
      "GetDeletedCertificate",
      "PurgeDeletedCertificate",
      "RecoverDeletedCertificate",
    ]);
    assert.deepEqual([...operations.keys()].filter((id) => !mapped.has(id)), []);
    assert.equal(operations.size, 27);
  });

  await testSpecExamples({
    collection: "certificates",
    dir,
    operations,
    drivers: EXAMPLE_DRIVERS,
    context,
    allowed: ALLOWED,
  });

  const recordingsDir = `${dir}/recordings/cpp-certificates`;
  for (const file of (await readdir(recordingsDir)).filter((f) => f.endsWith(".json")).sort()) {
    test(`conformance: certificates recording cpp-certificates/${file}`, async () => {
      const scenario = SCENARIOS[file];
      assert.ok(scenario, `no kvfetch scenario is written for recording ${file}`);
      const recording = JSON.parse(
        await readFile(`${recordingsDir}/${file}`, "utf8"),
      ) as CppRecording;
      const replay = new Replay(recordedExchanges(recording), undefined, ALLOWED);
      const ctx = context(`https://${RECORDED_HOST}`, "7.3", replay);
      await replaying(ctx.replay, () => scenario.run(ctx));
      assert.deepEqual(ctx.replay.skipped, scenario.skipped, "records skipped as exact repeats");
    });
  }
}
