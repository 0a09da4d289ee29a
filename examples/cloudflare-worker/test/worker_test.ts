/**
 * The Worker's test, run by `workerd test` (nodejs_compat off): the Worker with kvfetch's
 * embedded emulator as its `fetch`, a secret and an EC key in the vault, both routes checked,
 * and the JWKS verifies a JWT the vault signed.
 */
import { createEmulator } from "kvfetch/testing";
import { SecretClient } from "kvfetch/secrets";
import { CryptographyClient, KeyClient, signJwt } from "kvfetch";
import { createLocalJWKSet, jwtVerify } from "jose";
import { createWorker, type Env } from "../src/worker.ts";

function assert(condition: unknown, what: string): void {
  if (!condition) throw new Error(`worker example: ${what}`);
  console.log(`ok ${what}`);
}

export default {
  async test(): Promise<void> {
    const emulator = createEmulator({ vaults: ["workervault"] });
    const vaultUrl = emulator.vaultUrl("workervault");
    const options = { fetch: emulator.fetch };
    await new SecretClient(vaultUrl, emulator.credential(), options).setSecret("greeting", "hi");
    const keys = new KeyClient(vaultUrl, emulator.credential(), options);
    const key = await keys.createEcKey("signing-key", { curve: "P-256" });
    const env: Env = { ...emulator.env, AZURE_KEYVAULT_URL: vaultUrl };
    const worker = createWorker(options);

    const secret = await worker.fetch(new Request("https://worker.example/secret"), env);
    assert(secret.status === 200 && await secret.text() === "hi", "GET /secret");

    const jwks = await worker.fetch(
      new Request("https://worker.example/.well-known/jwks.json"),
      env,
    );
    const set = await jwks.json() as { keys: Record<string, unknown>[] };
    assert(set.keys.length === 1 && set.keys[0]!.crv === "P-256", "GET /.well-known/jwks.json");

    const jwt = await signJwt({ sub: "worker" }, {
      key: new CryptographyClient(key, emulator.credential(), options),
      expiresIn: "5m",
    });
    const verified = await jwtVerify(jwt, createLocalJWKSet(set as never));
    assert(verified.payload.sub === "worker", "the JWKS verifies the vault's JWT");
    assert(
      typeof (globalThis as { process?: unknown }).process === "undefined",
      "no nodejs_compat",
    );
    console.log("cloudflare-worker example: ok");
  },
};
