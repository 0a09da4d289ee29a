/**
 * The `kvfetch/certificates` part of the workerd smoke suite (`./smoke.ts` runs it):
 * `CertificateClient` against tests/_fake_certificates.ts inside the worker, through an
 * in-worker fake `fetch` (nothing leaves the worker): create a self-signed PEM certificate
 * (polling the pending operation), download it (chain, `CryptoKey`, thumbprints) and check that
 * the key signs what the certificate's public key (imported by jose from the PEM) verifies; the
 * CSR + merge path with a CA made in the worker; a PKCS#12 secret's coded error.
 *
 * @module
 */
import { CertificateClient, publicCertificate } from "kvfetch/certificates";
import { KvfetchError, StaticTokenCredential } from "kvfetch";
import { importX509 } from "jose";
import { CERTS_VAULT_URL, fakeCertificates } from "../_fake_certificates.ts";
import { makeCertificate, signCsr } from "../_certs.ts";

type Check = (name: string, fn: () => Promise<void> | void) => Promise<void>;

class AssertionFailed extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

/** Runs the certificates checks with `check`. */
export async function runCertificatesSmoke(check: Check): Promise<void> {
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const now = () => clock;
  const sleep = (ms: number, signal?: AbortSignal) => {
    clock += ms;
    signal?.throwIfAborted();
    return Promise.resolve();
  };
  const fake = fakeCertificates({ now, pendingPolls: 1, defaultMaxResults: 1 });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== CERTS_VAULT_URL) {
      throw new TypeError(`fake fetch: no route for ${request.url}`);
    }
    return await fake.handler(request);
  };
  const credential = new StaticTokenCredential({
    token: "smoke-token",
    expiresOnTimestamp: clock + 3_600_000,
  }, { now });
  const client = new CertificateClient(CERTS_VAULT_URL, credential, { fetch, now, sleep });

  for (
    const [type, sign, verifyAlg] of [
      ["EC", { name: "ECDSA", hash: "SHA-256" }, "ES256"],
      ["RSA", { name: "RSASSA-PKCS1-v1_5" }, "RS256"],
    ] as const
  ) {
    await check(
      `certificates: create a self-signed ${type} PEM certificate, download it, sign and verify`,
      async () => {
        const name = `smoke-${type.toLowerCase()}`;
        const cert = await client.createCertificate(name, {
          issuerName: "Self",
          subject: `CN=${name}`,
          keyType: type,
          contentType: "application/x-pem-file",
        });
        assert(cert.policy?.issuerName === "Self", "policy comes back with the certificate");
        const d = await client.downloadCertificate(name);
        assert(d.privateKey?.type === "private", "a private CryptoKey");
        assert(d.privateKeyPem?.startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
        assert(d.chain.length === 1 && d.chainPem === d.pem, "the chain, DER and PEM");
        const pub = await publicCertificate(cert);
        assert(pub.x5t === d.x5t && pub["x5t#S256"] === d["x5t#S256"], "thumbprints agree");
        const data = new TextEncoder().encode("signed inside workerd");
        const signature = await crypto.subtle.sign(sign, d.privateKey, data);
        const key = await importX509(d.pem, verifyAlg) as CryptoKey;
        assert(await crypto.subtle.verify(sign, key, signature, data), "the certificate verifies");
      },
    );
  }

  await check(
    "certificates: CSR + merge with a CA made in the worker; listing across pages",
    async () => {
      const op = await client.createCertificate("smoke-csr", {
        issuerName: "Unknown",
        subject: "CN=smoke-csr",
        keyType: "EC",
        contentType: "application/x-pem-file",
      }, { waitForCompletion: false });
      const ca = await makeCertificate({ type: "EC", subject: "smoke CA" });
      const merged = await client.mergeCertificate("smoke-csr", [await signCsr(op.csr!, ca)]);
      assert(merged.name === "smoke-csr", "merged");
      const names: string[] = [];
      for await (const p of client.listPropertiesOfCertificates()) names.push(p.name);
      assert(names.join() === "smoke-csr,smoke-ec,smoke-rsa", `listed ${names.join()}`);
    },
  );

  await check("certificates: a PKCS#12 secret is ERR_PKCS12_NOT_SUPPORTED", async () => {
    await client.createCertificate("smoke-pfx", {
      issuerName: "Self",
      subject: "CN=pfx",
      keyType: "EC",
    });
    const error = await client.downloadCertificate("smoke-pfx").catch((e) => e);
    assert(
      error instanceof KvfetchError && error.code === "ERR_PKCS12_NOT_SUPPORTED",
      String(error),
    );
  });
}
