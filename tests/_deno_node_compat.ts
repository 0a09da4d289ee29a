/**
 * Side-effect module: a small shim so the official Azure SDK (an npm package written for
 * Node) runs under `deno test` with the project's usual permissions. It is a no-op on Node
 * and Bun, and on Deno where the native behaviour is already right.
 *
 * It must be EVALUATED BEFORE `@azure/identity` (and so `@azure/msal-node` and `jsonwebtoken`,
 * which copies `createPrivateKey` out of `node:crypto` when it loads). `_azure_sdk.ts` imports
 * it first and re-exports the SDK classes, so tests that take the SDK from there are safe.
 */
import crypto from "node:crypto";

declare const Deno: unknown;

if (typeof Deno !== "undefined") {
  // `ClientCertificateCredential` hands MSAL the whole PEM (private key AND certificate
  //    blocks), and `jsonwebtoken` calls `createPrivateKey(pem)`. Node (OpenSSL) finds the key
  //    block in such a bundle; Deno 2.9's `createPrivateKey` only accepts a PEM whose first block
  //    is the key and that ends there ("error:1E08010C:DECODER routines::unsupported"), after
  //    which jsonwebtoken falls back to a secret key and fails with "secretOrPrivateKey must be
  //    an asymmetric key when using PS256". On failure, retry with just the private-key block.
  const native = crypto.createPrivateKey;
  const keyBlock =
    /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----\r?\n[\s\S]+?\r?\n-----END \1-----/;
  const patched = (key: unknown): crypto.KeyObject => {
    const call = native as (key: unknown) => crypto.KeyObject;
    try {
      return call(key);
    } catch (error) {
      const options = typeof key === "object" && key !== null && "key" in key
        ? key as { key: unknown; format?: string }
        : undefined;
      const pem = typeof key === "string"
        ? key
        : typeof options?.key === "string" && (options.format ?? "pem") === "pem"
        ? options.key
        : undefined;
      const block = pem?.match(keyBlock)?.[0];
      if (pem === undefined || block === undefined || block === pem.trim()) throw error;
      return call(typeof key === "string" ? block : { ...options, key: block });
    }
  };
  crypto.createPrivateKey = patched as typeof crypto.createPrivateKey;
}
