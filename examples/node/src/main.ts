/**
 * A Node (ESM, TypeScript) program that uses kvfetch: a secret, an RSA key and a JWT signed
 * by the vault. With `AZURE_KEYVAULT_URL` and the `AZURE_*` credential variables it talks to
 * that vault; without them, to kvfetch's embedded emulator (`kvfetch/testing`), in process.
 * (Node 20's `fetch` does not honour `HTTPS_PROXY`, so the embedded emulator is the way to try
 * it on Node without Azure.)
 */
import {
  credentialFromEnv,
  CryptographyClient,
  type FetchLike,
  KeyClient,
  SecretClient,
  signJwt,
} from "kvfetch";
import { createEmulator } from "kvfetch/testing";

declare const process: { env: Record<string, string | undefined>; version: string };

let vaultUrl = process.env.AZURE_KEYVAULT_URL;
let env = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
);
let fetch: FetchLike | undefined;
if (!vaultUrl) {
  const emulator = createEmulator({ vaults: ["myvault"] });
  vaultUrl = emulator.vaultUrl("myvault");
  env = { ...emulator.env };
  fetch = emulator.fetch;
  console.log(`no AZURE_KEYVAULT_URL: using kvfetch's embedded emulator (${vaultUrl})`);
}
const options = fetch ? { fetch } : {};
const credential = credentialFromEnv(env, { managedIdentity: false, ...options });

const secrets = new SecretClient(vaultUrl, credential, options);
await secrets.setSecret("example-greeting", `hello from Node ${process.version}`);
console.log(`example-greeting = ${(await secrets.getSecret("example-greeting")).value}`);

const keys = new KeyClient(vaultUrl, credential, options);
const key = await keys.createRsaKey("example-signer", { keySize: 2048 });
const jwt = await signJwt({ sub: "example" }, {
  key: new CryptographyClient(key, credential, options),
  expiresIn: "10m",
});
console.log(`a JWT signed by ${key.name}: ${jwt.split(".").length} parts`);
console.log("node example: ok");
