import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import crypto from "node:crypto";
import fc from "fast-check";
import * as jose from "jose";
import {
  fromCryptoKey,
  fromDerSignature,
  fromPem,
  type Jwk,
  type KeyVaultJwk,
  KvfetchError,
  parseKeyVaultJwk,
  thumbprint,
  thumbprintUri,
  toCryptoKey,
  toDerSignature,
  toJwks,
  toPem,
} from "../../mod.ts";
import { testKeyPair } from "../_keys.ts";

const EC_KEY: KeyVaultJwk = {
  kid: "https://myvault.vault.azure.net/keys/signer/f39e166fafbe48adba0b0b37407abf10",
  kty: "EC",
  key_ops: ["sign", "verify"],
  crv: "P-256",
  x: "jzCL9UZqe-39H92npu81o4H8xF5U_Ge4n4txPwMW66I",
  y: "MNQU_z4qr5NQUAhDFZb5IZH6CO_XjXTn2eb5UW-jEas",
};

const isCode = (code: string) => (e: unknown) => e instanceof KvfetchError && e.code === code;

test("parseKeyVaultJwk() maps a Key Vault EC-HSM key to a standard JWK", () => {
  const parsed = parseKeyVaultJwk({
    ...EC_KEY,
    kty: "EC-HSM",
    key_ops: ["sign", "verify", "export"],
  });
  assert.deepEqual(parsed.jwk, {
    kty: "EC",
    kid: EC_KEY.kid,
    crv: "P-256",
    x: EC_KEY.x,
    y: EC_KEY.y,
  });
  assert.deepEqual(parsed.keyOps, ["sign", "verify", "export"]);
  assert.equal(parsed.hsm, true);
  assert.equal(parsed.keyType, "EC");
  assert.equal(parsed.curve, "P-256");
  assert.equal(parsed.keySize, 256);
  assert.equal(parsed.isPrivate, false);
  assert.deepEqual(parsed.algorithms, ["ES256"]);
  assert.equal(parsed.keyVaultJwk.kty, "EC-HSM");
});

test("parseKeyVaultJwk() reads RSA keys: size, algorithms filtered by key_ops", async () => {
  const { publicJwk } = await testKeyPair("RSA");
  const parsed = parseKeyVaultJwk({ ...publicJwk, kty: "RSA-HSM", key_ops: ["sign", "verify"] });
  assert.equal(parsed.keySize, 2048);
  assert.deepEqual(parsed.algorithms, ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]);
  const all = parseKeyVaultJwk({ ...publicJwk, kty: "RSA" });
  assert.ok(all.algorithms.includes("RSA-OAEP-256") && all.algorithms.includes("PS512"));
  const enc = parseKeyVaultJwk({ ...publicJwk, kty: "RSA", key_ops: ["wrapKey"] });
  assert.deepEqual(enc.algorithms, ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"]);
});

test("parseKeyVaultJwk() reads symmetric keys with and without key material", () => {
  const hsm = parseKeyVaultJwk({
    kid: "https://h.managedhsm.azure.net/keys/a/1",
    kty: "oct-HSM",
    key_ops: ["encrypt"],
  });
  assert.equal(hsm.keySize, undefined);
  assert.ok(hsm.algorithms.includes("A128GCM") && hsm.algorithms.includes("A256CBCPAD"));
  const k = parseKeyVaultJwk({ kty: "oct", k: jose.base64url.encode(new Uint8Array(24)) }, {
    allowPrivate: true,
  });
  assert.equal(k.keySize, 192);
  assert.deepEqual(k.algorithms, ["A192GCM", "A192KW", "A192CBC", "A192CBCPAD"]);
});

test("parseKeyVaultJwk() refuses malformed keys with ERR_INVALID_JWK, naming the member only", () => {
  const secretish = "QUJDREVGR0hJSktMTU5PUA";
  const cases: [unknown, RegExp][] = [
    [null, /object/],
    [{ ...EC_KEY, kty: "OKP" }, /"kty" must be one of/],
    [{ ...EC_KEY, crv: "P-192" }, /"crv" must be one of/],
    [{ ...EC_KEY, x: "not base64url!" }, /"x" must be non-empty base64url/],
    [{ ...EC_KEY, x: `${EC_KEY.x}=` }, /"x" must be non-empty base64url/],
    [{ ...EC_KEY, x: "A" }, /"x" must be non-empty base64url/],
    [{ ...EC_KEY, y: undefined }, /needs "y"/],
    [{ ...EC_KEY, crv: "P-384" }, /"x" is 32 bytes; a P-384 coordinate is 48/],
    [{ ...EC_KEY, d: secretish }, /private member "d"/],
    [{ ...EC_KEY, n: "AQAB" }, /"n" does not belong to a EC key/],
    [{ kty: "RSA", e: "AQAB" }, /needs "n"/],
    [{ kty: "RSA", n: "AQAB", e: "AQAB" }, /too short/],
    [{ kty: "oct", k: secretish }, /private member "k"/],
    [{ ...EC_KEY, key_ops: ["sign", "sign"] }, /twice/],
    [{ ...EC_KEY, key_ops: "sign" }, /key_ops/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseKeyVaultJwk(value), (e: unknown) => {
      assert.ok(e instanceof KvfetchError, String(e));
      assert.equal(e.code, "ERR_INVALID_JWK");
      assert.match(e.message, message);
      assert.ok(!e.message.includes(secretish), "no key material in the message");
      return true;
    });
  }
  assert.throws(
    () =>
      parseKeyVaultJwk({ kty: "oct", k: jose.base64url.encode(new Uint8Array(20)) }, {
        allowPrivate: true,
      }),
    /an AES key is 16, 24 or 32/,
  );
});

test("parseKeyVaultJwk() on arbitrary input throws nothing but ERR_INVALID_JWK", async () => {
  const { privateJwk } = await testKeyPair("P-256");
  const base = privateJwk as Record<string, unknown>;
  const member = fc.oneof(
    fc.string(),
    fc.base64String(),
    fc.constantFrom("P-256", "P-384", "P-521", "P-256K", "EC", "RSA", "oct", "EC-HSM"),
    fc.anything(),
  );
  const mutated = fc.record({
    drop: fc.subarray(Object.keys(base)),
    set: fc.dictionary(
      fc.constantFrom("kty", "crv", "x", "y", "d", "n", "e", "k", "key_ops", "kid"),
      member,
    ),
  }).map(({ drop, set }) => {
    const out: Record<string, unknown> = { ...base, ...set };
    for (const k of drop) delete out[k];
    return out;
  });
  fc.assert(
    fc.property(fc.oneof(fc.anything(), mutated), fc.boolean(), (value, allowPrivate) => {
      try {
        parseKeyVaultJwk(value, { allowPrivate });
      } catch (error) {
        assert.ok(isCode("ERR_INVALID_JWK")(error), String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test("toCryptoKey() and fromCryptoKey() round-trip valid keys (property)", async () => {
  const pairs = await Promise.all(
    (["RSA", "P-256", "P-384", "P-521"] as const).map((k) => testKeyPair(k)),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...pairs),
      fc.boolean(),
      fc.boolean(),
      fc.webUrl(),
      async (pair, usePrivate, hsm, kid) => {
        const source = usePrivate ? pair.privateJwk : pair.publicJwk;
        const keyVaultJwk = {
          ...source,
          kid,
          kty: `${source.kty}${hsm ? "-HSM" : ""}`,
          key_ops: ["sign", "verify"],
        } as KeyVaultJwk;
        const alg = pair.kind === "RSA"
          ? "PS256"
          : { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[pair.kind];
        const key = await toCryptoKey(keyVaultJwk, { alg, extractable: true });
        assert.deepEqual(key.usages, [usePrivate ? "sign" : "verify"]);
        const back = await fromCryptoKey(key, { hsm, keyOps: ["sign", "verify"] });
        const { alg: _, ext: __, key_ops: ___, ...members } = source;
        assert.deepEqual(back, { ...members, kty: keyVaultJwk.kty, key_ops: ["sign", "verify"] });
      },
    ),
    { numRuns: 24 },
  );
});

test("toCryptoKey() picks defaults, checks key_ops and refuses what Web Crypto lacks", async () => {
  const { publicJwk } = await testKeyPair("RSA");
  const verify = await toCryptoKey({ ...publicJwk, kty: "RSA" } as Jwk);
  assert.deepEqual([verify.algorithm.name, verify.usages], ["RSASSA-PKCS1-v1_5", ["verify"]]);
  const enc = await toCryptoKey({ ...publicJwk, kty: "RSA" } as Jwk, { usage: "encrypt" });
  assert.equal(enc.algorithm.name, "RSA-OAEP");
  assert.equal((enc.algorithm as RsaHashedKeyAlgorithm).hash.name, "SHA-256");
  // The public half of a sign-only key verifies.
  await toCryptoKey({ ...EC_KEY, key_ops: ["sign"] });
  await assert.rejects(
    toCryptoKey({ ...EC_KEY, key_ops: ["encrypt"] }),
    isCode("ERR_KEY_OPERATION_FORBIDDEN"),
  );
  await assert.rejects(
    toCryptoKey({ ...EC_KEY, crv: "P-256K" }),
    isCode("ERR_NOT_SUPPORTED_LOCALLY"),
  );
  await assert.rejects(
    toCryptoKey({ ...publicJwk, kty: "RSA" } as Jwk, { alg: "RSA1_5", usage: "encrypt" }),
    (e: unknown) =>
      isCode("ERR_NOT_SUPPORTED_LOCALLY")(e) && /use the vault/.test((e as Error).message),
  );
  await assert.rejects(toCryptoKey(EC_KEY, { alg: "RS256" }), TypeError);
  await assert.rejects(toCryptoKey(EC_KEY, { usage: "sign" }), TypeError);
  const k = jose.base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const aes = await toCryptoKey({ kty: "oct", k }, { alg: "A256KW", usage: "wrapKey" });
  assert.equal(aes.algorithm.name, "AES-KW");
  await assert.rejects(
    toCryptoKey({ kty: "oct", k }, { alg: "A256CBC" }),
    isCode("ERR_NOT_SUPPORTED_LOCALLY"),
  );
  await assert.rejects(toCryptoKey({ kty: "oct", k }, { alg: "A128GCM" }), TypeError);
});

test("thumbprint() and thumbprintUri() agree with jose (RFC 7638, RFC 9278)", async () => {
  for (const kind of ["RSA", "P-256", "P-521"] as const) {
    const { publicJwk, privateJwk } = await testKeyPair(kind);
    for (const hash of ["sha256", "sha384", "sha512"] as const) {
      assert.equal(
        await thumbprint({ ...publicJwk, kty: `${publicJwk.kty}-HSM` } as KeyVaultJwk, hash),
        await jose.calculateJwkThumbprint(publicJwk as jose.JWK, hash),
      );
    }
    assert.equal(await thumbprint(privateJwk as Jwk), await thumbprint(publicJwk as Jwk));
    assert.equal(
      await thumbprintUri(publicJwk as Jwk),
      await jose.calculateJwkThumbprintUri(publicJwk as jose.JWK),
    );
  }
  // RFC 7638 §3.1's example.
  assert.equal(
    await thumbprint({
      kty: "RSA",
      n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
      e: "AQAB",
    }),
    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
  );
});

test("toPem() writes SPKI that node:crypto reads back, P-256K included", async () => {
  for (const kind of ["RSA", "P-256", "P-384", "P-521"] as const) {
    const { publicJwk, privateJwk } = await testKeyPair(kind);
    const pem = toPem({ ...privateJwk, kty: `${privateJwk.kty}-HSM` } as KeyVaultJwk);
    const expected = crypto.createPublicKey({ key: publicJwk as crypto.JsonWebKey, format: "jwk" })
      .export({ type: "spki", format: "pem" });
    assert.equal(pem, expected, kind);
  }
  // P-256K is built by hand: check its structure (OID 1.3.132.0.10, an uncompressed point).
  const x = new Uint8Array(32).fill(1);
  const y = new Uint8Array(32).fill(2);
  const pem = toPem({
    kty: "EC",
    crv: "P-256K",
    x: jose.base64url.encode(x),
    y: jose.base64url.encode(y),
  });
  const der = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
  const hex = Buffer.from(der).toString("hex");
  assert.ok(hex.includes("06052b8104000a"), "secp256k1 OID");
  assert.ok(hex.endsWith(`04${Buffer.from(x).toString("hex")}${Buffer.from(y).toString("hex")}`));
  assert.throws(() => toPem({ kty: "oct-HSM" }), TypeError);
});

test("fromPem() reads SPKI, PKCS#1 and PKCS#8/SEC1 keys into importable JWKs", async () => {
  const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-384" });
  const rsaJwk = rsa.privateKey.export({ format: "jwk" });
  const ecJwk = ec.privateKey.export({ format: "jwk" });
  const pick = (jwk: Record<string, unknown>, members: string[]) =>
    Object.fromEntries(members.map((m) => [m, jwk[m]]));
  const rsaPublic = pick(rsaJwk, ["kty", "n", "e"]);
  const rsaPrivate = pick(rsaJwk, ["kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"]);
  const spki = (k: crypto.KeyObject) => k.export({ type: "spki", format: "pem" }) as string;
  assert.deepEqual(await fromPem(spki(rsa.publicKey)), rsaPublic);
  assert.deepEqual(
    await fromPem(rsa.publicKey.export({ type: "pkcs1", format: "pem" }) as string),
    rsaPublic,
  );
  for (const type of ["pkcs8", "pkcs1"] as const) {
    const pem = rsa.privateKey.export({ type, format: "pem" }) as string;
    assert.deepEqual(await fromPem(pem, { hsm: true }), { ...rsaPrivate, kty: "RSA-HSM" });
  }
  assert.deepEqual(await fromPem(spki(ec.publicKey)), pick(ecJwk, ["kty", "crv", "x", "y"]));
  for (const type of ["pkcs8", "sec1"] as const) {
    const pem = ec.privateKey.export({ type, format: "pem" }) as string;
    assert.deepEqual(
      await fromPem(pem, { keyOps: ["sign"] }),
      { ...pick(ecJwk, ["kty", "crv", "x", "y", "d"]), key_ops: ["sign"] },
    );
  }
  await assert.rejects(fromPem("not pem"), TypeError);
  await assert.rejects(
    fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
    TypeError,
  );
});

test("toJwks() publishes public keys that jose verifies against", async () => {
  const { privateJwk, publicJwk } = await testKeyPair("P-256", 1);
  const rsa = await testKeyPair("RSA");
  const kid = "https://myvault.vault.azure.net/keys/signer/0123456789abcdef0123456789abcdef";
  const jwks = toJwks([
    { key: { ...privateJwk, kid, kty: "EC-HSM", key_ops: ["sign", "verify"] } as KeyVaultJwk },
    { ...rsa.publicJwk, kid: "rsa-1", kty: "RSA" } as Jwk,
  ]);
  assert.deepEqual(jwks.keys[0], { ...publicJwk, kid, use: "sig", alg: "ES256" });
  assert.equal(jwks.keys[0]!.d, undefined);
  assert.equal(jwks.keys[1]!.key_ops, undefined);
  const token = await new jose.SignJWT({ sub: "x" })
    .setProtectedHeader({ alg: "ES256", kid })
    .sign(await jose.importJWK(privateJwk as jose.JWK, "ES256"));
  const { payload } = await jose.jwtVerify(
    token,
    jose.createLocalJWKSet(jwks as jose.JSONWebKeySet),
  );
  assert.equal(payload.sub, "x");
  assert.throws(() => toJwks([{ kty: "oct-HSM", kid: "a" }]), TypeError);
  assert.throws(() => toJwks([{ ...EC_KEY, kid: undefined }]), /no "kid"/);
  assert.throws(() => toJwks([EC_KEY, EC_KEY]), /repeats/);
});

test("toDerSignature()/fromDerSignature() round-trip with node:crypto", async () => {
  for (
    const [kind, alg, hash] of [["P-256", "ES256", "sha256"], ["P-384", "ES384", "sha384"], [
      "P-521",
      "ES512",
      "sha512",
    ]] as const
  ) {
    const { privateJwk, publicJwk } = await testKeyPair(kind);
    const data = new TextEncoder().encode(`message for ${alg}`);
    const nodePrivate = crypto.createPrivateKey({
      key: privateJwk as crypto.JsonWebKey,
      format: "jwk",
    });
    const nodePublic = crypto.createPublicKey({
      key: publicJwk as crypto.JsonWebKey,
      format: "jwk",
    });
    // Web Crypto (raw, like Key Vault) → DER → node verifies.
    const webKey = await crypto.webcrypto.subtle.importKey(
      "jwk",
      privateJwk,
      { name: "ECDSA", namedCurve: kind },
      false,
      ["sign"],
    );
    const raw = new Uint8Array(
      await crypto.webcrypto.subtle.sign(
        { name: "ECDSA", hash: `SHA-${hash.slice(3)}` },
        webKey,
        data,
      ),
    );
    assert.ok(
      crypto.verify(hash, data, nodePublic, toDerSignature(raw)),
      `${alg}: node verifies DER`,
    );
    // node (DER) → raw → matches node's own ieee-p1363 reading, and Web Crypto verifies it.
    const der = crypto.sign(hash, data, nodePrivate);
    const back = fromDerSignature(der, alg);
    assert.ok(crypto.verify(hash, data, { key: nodePublic, dsaEncoding: "ieee-p1363" }, back));
    assert.deepEqual(toDerSignature(back), new Uint8Array(der));
  }
});

test("signature converters: arbitrary bytes throw only ERR_INVALID_SIGNATURE; raw round-trips", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 160 }),
      fc.constantFrom("ES256", "ES384", "ES512", "P-256K"),
      (bytes, alg) => {
        for (const f of [() => fromDerSignature(bytes, alg), () => toDerSignature(bytes)]) {
          try {
            f();
          } catch (error) {
            assert.ok(isCode("ERR_INVALID_SIGNATURE")(error), String(error));
          }
        }
      },
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom(["ES256", 32], ["ES384", 48], ["ES512", 66]),
      fc.uint8Array({ minLength: 132, maxLength: 132 }),
      fc.nat(40),
      ([alg, size], bytes, zeros) => {
        const raw = bytes.slice(0, 2 * (size as number));
        raw.fill(0, 0, Math.min(zeros, size as number - 1)); // leading zeros in r
        raw[size as number - 1] ||= 1;
        raw[2 * (size as number) - 1] ||= 1;
        assert.deepEqual(fromDerSignature(toDerSignature(raw), alg as string), raw);
      },
    ),
    { numRuns: 1000 },
  );
  assert.throws(() => fromDerSignature(new Uint8Array([0x30, 0]), "ES999"), TypeError);
});
