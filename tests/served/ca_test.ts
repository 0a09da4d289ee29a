/**
 * The served emulator's local CA is name-constrained: a real TLS client that trusts it accepts
 * the emulator's own leaf and refuses a certificate it issued for any other host.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:https";
import { connect } from "node:tls";
import type { AddressInfo } from "node:net";
import { createCa, issueLeaf } from "../../bin/_ca.ts";
import { generateCertificateKeyPair, issueCertificate } from "../../lib/testing/_x509.ts";
import { toPem } from "../../lib/auth/_pem.ts";

async function handshake(
  cert: string,
  key: string,
  ca: string,
  servername: string,
): Promise<string | undefined> {
  const server = createServer({ cert, key }, (_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port, ca, servername }, () => {
        socket.end();
        resolve(undefined);
      });
      socket.on("error", (e) => resolve(String(e)));
    });
  } finally {
    server.close();
  }
}

test("served CA: its leaf passes for a vault host; a leaf it signs for another host is refused", async () => {
  {
    const ca = { ...await createCa(), certPath: "", reused: false };
    const leaf = await issueLeaf(ca);
    assert.equal(
      await handshake(leaf.cert, leaf.key, ca.cert, "myvault.vault.azure.net"),
      undefined,
    );

    const keys = await generateCertificateKeyPair({ type: "EC" });
    const evil = await issueCertificate({
      publicKey: keys.publicKey,
      subject: "CN=bank.example",
      issuer: ca.issuer,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: { dnsNames: ["bank.example"], extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"] },
    });
    const evilKey = toPem(
      new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
      "PRIVATE KEY",
    );
    const refused = await handshake(toPem(evil, "CERTIFICATE"), evilKey, ca.cert, "bank.example");
    assert.ok(refused, "a certificate for another host must not verify");
  }
});
