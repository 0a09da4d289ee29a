/**
 * Key pairs for tests, made once per process with Web Crypto and exported as JWKs (RSA 2048 and
 * the three NIST curves), so tests that need many keys share a small pool.
 */

/** A key pair as JWKs and as Web Crypto keys. */
export interface TestKeyPair {
  kind: "RSA" | "P-256" | "P-384" | "P-521";
  publicJwk: JsonWebKey;
  privateJwk: JsonWebKey;
}

const cache = new Map<string, Promise<TestKeyPair>>();

/** A key pair of `kind`; `index` picks one of several of the same kind. */
export function testKeyPair(kind: TestKeyPair["kind"], index = 0): Promise<TestKeyPair> {
  const key = `${kind}#${index}`;
  let pair = cache.get(key);
  if (!pair) {
    pair = (async () => {
      const algorithm = kind === "RSA"
        ? {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        }
        : { name: "ECDSA", namedCurve: kind };
      const { publicKey, privateKey } = await crypto.subtle.generateKey(algorithm, true, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      const strip = ({ alg: _, ext: __, key_ops: ___, ...jwk }: JsonWebKey) => jwk;
      return {
        kind,
        publicJwk: strip(await crypto.subtle.exportKey("jwk", publicKey)),
        privateJwk: strip(await crypto.subtle.exportKey("jwk", privateKey)),
      };
    })();
    cache.set(key, pair);
  }
  return pair;
}
