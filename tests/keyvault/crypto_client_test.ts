/**
 * CryptographyClient against the fake vault, whose keys are real: what kvfetch does locally
 * (encrypt, wrap, verify) must agree with what the vault does with the private key.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import * as jose from "jose";
import {
  CryptographyClient,
  type EncryptionAlgorithm,
  KvfetchError,
  RestError,
  type SignatureAlgorithm,
  signJwt,
  toDerSignature,
  toPem,
  verifyJwt,
} from "../../mod.ts";
import { FAKE_VAULT_URL } from "../_fake_vault.ts";
import { FAKE_HSM_URL, keySetup } from "../_key_setup.ts";

const text = (s: string) => new TextEncoder().encode(s);
const sha = async (bits: number, data: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await crypto.webcrypto.subtle.digest(`SHA-${bits}`, data));
const isCode = (code: string) => (e: unknown) => e instanceof KvfetchError && e.code === code;

test("encrypt locally with RSA-OAEP and RSA-OAEP-256; the vault decrypts with the private key", async () => {
  const t = await keySetup();
  try {
    const key = await t.client.createRsaKey("enc");
    const client = new CryptographyClient(key, t.credential, t.options);
    for (const algorithm of ["RSA-OAEP", "RSA-OAEP-256"] as const) {
      const before = t.vault.requests.length;
      const plaintext = crypto.getRandomValues(
        new Uint8Array(algorithm === "RSA-OAEP" ? 214 : 190),
      );
      const encrypted = await client.encrypt({ algorithm, plaintext });
      assert.equal(encrypted.local, true);
      assert.equal(encrypted.keyID, key.id);
      assert.equal(t.vault.requests.length, before, "encrypting sent nothing");
      const decrypted = await client.decrypt({ algorithm, ciphertext: encrypted.result });
      assert.equal(decrypted.local, false);
      assert.deepEqual(decrypted.result, plaintext);
      // And the other way round: the vault encrypts (forced), the vault decrypts.
      const remote = await client.encrypt({ algorithm, plaintext }, { forceRemote: true });
      assert.equal(remote.local, false);
      assert.deepEqual(
        (await client.decrypt({ algorithm, ciphertext: remote.result })).result,
        plaintext,
      );
    }
    // RSA1_5: remote both ways (Web Crypto has no RSAES-PKCS1-v1_5).
    const old = await client.encrypt({ algorithm: "RSA1_5", plaintext: text("legacy") });
    assert.equal(old.local, false);
    assert.deepEqual(
      (await client.decrypt({ algorithm: "RSA1_5", ciphertext: old.result })).result,
      text("legacy"),
    );
    // Node agrees with the local ciphertext, decrypting with nothing but the vault's... not
    // possible: the private key stays in the vault. Instead node encrypts, the vault decrypts.
    const nodeCt = crypto.publicEncrypt(
      {
        key: toPem(key.key!),
        oaepHash: "sha256",
        padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
      },
      text("from node"),
    );
    const fromNode = await client.decrypt({
      algorithm: "RSA-OAEP-256",
      ciphertext: new Uint8Array(nodeCt),
    });
    assert.deepEqual(fromNode.result, text("from node"));
  } finally {
    await t.close();
  }
});

test("wrapKey locally, unwrapKey in the vault; A256KW in a Managed HSM", async () => {
  const t = await keySetup();
  try {
    const key = await t.client.createRsaKey("wrap");
    const client = new CryptographyClient(key, t.credential, t.options);
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const wrapped = await client.wrapKey("RSA-OAEP-256", dataKey);
    assert.equal(wrapped.local, true);
    const unwrapped = await client.unwrapKey("RSA-OAEP-256", wrapped.result);
    assert.deepEqual(unwrapped.result, dataKey);
    assert.equal(unwrapped.local, false);
  } finally {
    await t.close();
  }
  const h = await keySetup({ vaultUrl: FAKE_HSM_URL });
  try {
    await h.client.createOctKey("kek", { keySize: 256 });
    const client = h.client.getCryptographyClient("kek");
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const wrapped = await client.wrapKey("A256KW", dataKey);
    assert.equal(wrapped.result.length, 40);
    assert.equal(wrapped.local, false);
    assert.deepEqual((await client.unwrapKey("A256KW", wrapped.result)).result, dataKey);
    await assert.rejects(client.wrapKey("A256KW", new Uint8Array(12)), RangeError);
    await assert.rejects(client.wrapKey("A128KW", dataKey), /does not fit/);
  } finally {
    await h.close();
  }
});

test("AES-GCM, AES-CBC and AES-CBCPAD on an oct-HSM key, in the vault", async () => {
  const h = await keySetup({ vaultUrl: FAKE_HSM_URL });
  try {
    await h.client.createOctKey("aes", { keySize: 128 });
    const client = h.client.getCryptographyClient("aes");
    const aad = text("header");
    const gcm = await client.encrypt({
      algorithm: "A128GCM",
      plaintext: text("gcm secret"),
      additionalAuthenticatedData: aad,
    });
    assert.equal(gcm.iv?.length, 12);
    assert.equal(gcm.authenticationTag?.length, 16);
    const back = await client.decrypt({
      algorithm: "A128GCM",
      ciphertext: gcm.result,
      iv: gcm.iv,
      authenticationTag: gcm.authenticationTag,
      additionalAuthenticatedData: aad,
    });
    assert.deepEqual(back.result, text("gcm secret"));
    const iv = crypto.getRandomValues(new Uint8Array(16));
    const block = crypto.getRandomValues(new Uint8Array(32));
    const cbc = await client.encrypt({ algorithm: "A128CBC", plaintext: block, iv });
    assert.equal(cbc.result.length, 32, "no padding");
    assert.deepEqual(
      (await client.decrypt({ algorithm: "A128CBC", ciphertext: cbc.result, iv })).result,
      block,
    );
    const pad = await client.encrypt({ algorithm: "A128CBCPAD", plaintext: text("any length") });
    assert.equal(pad.iv?.length, 16, "a random IV was made");
    assert.deepEqual(
      (await client.decrypt({ algorithm: "A128CBCPAD", ciphertext: pad.result, iv: pad.iv }))
        .result,
      text("any length"),
    );
    const before = h.vault.requests.length;
    await assert.rejects(
      client.encrypt({ algorithm: "A128CBC", plaintext: text("not 16") }),
      RangeError,
    );
    await assert.rejects(
      client.decrypt({ algorithm: "A128GCM", ciphertext: gcm.result, iv: gcm.iv }),
      /authenticationTag/,
    );
    await assert.rejects(
      client.decrypt({
        algorithm: "A128GCM",
        ciphertext: gcm.result,
        iv: new Uint8Array(16),
        authenticationTag: gcm.authenticationTag,
      }),
      RangeError,
    );
    await assert.rejects(
      client.encrypt({ algorithm: "A128GCM", plaintext: text("x"), iv: new Uint8Array(12) }),
      /AES-CBC only/,
    );
    assert.equal(h.vault.requests.length, before, "bad input sent nothing");
  } finally {
    await h.close();
  }
});

test("sign in the vault; verify locally (RS/PS digests with BigInt, verifyData with Web Crypto) and remotely", async () => {
  const t = await keySetup();
  try {
    const rsa = await t.client.createRsaKey("rsa-sign");
    const keys: Record<string, Awaited<ReturnType<typeof t.client.createEcKey>>> = {
      RS: rsa,
      ES256: await t.client.createEcKey("p256"),
      ES384: await t.client.createEcKey("p384", { curve: "P-384" }),
      ES512: await t.client.createEcKey("p521", { curve: "P-521" }),
      ES256K: await t.client.createEcKey("k1", { curve: "P-256K" }),
    };
    const algs: SignatureAlgorithm[] = [
      "RS256",
      "RS384",
      "RS512",
      "PS256",
      "PS384",
      "PS512",
      "ES256",
      "ES384",
      "ES512",
      "ES256K",
    ];
    for (const alg of algs) {
      const key = keys[alg.startsWith("ES") ? alg : "RS"]!;
      const client = new CryptographyClient(key, t.credential, t.options);
      const data = text(`data for ${alg}`);
      const bits = alg === "ES256K" ? 256 : Number(alg.slice(2));
      const signed = await client.signData(alg, data);
      assert.equal(signed.local, false, `${alg}: signed in the vault`);
      const digest = await sha(bits, data);
      const viaData = await client.verifyData(alg, data, signed.result);
      assert.deepEqual(
        [viaData.result, viaData.local],
        [true, alg !== "ES256K"],
        `${alg}: verifyData`,
      );
      const viaDigest = await client.verify(alg, digest, signed.result);
      assert.deepEqual(
        [viaDigest.result, viaDigest.local],
        [true, /^(RS|PS)/.test(alg)],
        `${alg}: verify`,
      );
      const remote = await client.verify(alg, digest, signed.result, { forceRemote: true });
      assert.deepEqual([remote.result, remote.local], [true, false], `${alg}: remote verify`);
      const tampered = signed.result.slice();
      tampered[5]! ^= 1;
      assert.equal(
        (await client.verifyData(alg, data, tampered)).result,
        false,
        `${alg}: tampered`,
      );
      assert.equal(
        (await client.verify(alg, digest, tampered)).result,
        false,
        `${alg}: tampered digest`,
      );
      assert.equal(
        (await client.verify(alg, digest, tampered, { forceRemote: true })).result,
        false,
      );
      // node:crypto agrees (DER for ECDSA, PSS with salt = hash length).
      if (alg !== "ES256K") {
        const hash = `sha${bits}`;
        const pem = toPem(key.key!);
        const ok = alg.startsWith("ES")
          ? crypto.verify(hash, data, pem, toDerSignature(signed.result))
          : crypto.verify(
            hash,
            data,
            alg.startsWith("PS")
              ? { key: pem, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: bits / 8 }
              : pem,
            signed.result,
          );
        assert.ok(ok, `${alg}: node verifies the vault's signature`);
      }
    }
  } finally {
    await t.close();
  }
});

test("digest, plaintext and algorithm checks happen before any request", async () => {
  const t = await keySetup();
  try {
    const key = await t.client.createRsaKey("checks", {
      keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    });
    const client = new CryptographyClient(key, t.credential, t.options);
    const versioned = new CryptographyClient(key.id!, t.credential, t.options);
    const before = t.vault.requests.length;
    const cases: [() => Promise<unknown>, new (...a: never[]) => Error, RegExp][] = [
      [() => client.sign("RS256", new Uint8Array(48)), RangeError, /32 bytes for RS256 \(got 48\)/],
      [() => versioned.sign("PS512", new Uint8Array(32)), RangeError, /64 bytes/],
      [() => client.sign("ES256K", new Uint8Array(32)), TypeError, /does not fit/],
      [() => client.sign("HS256" as "RS256", new Uint8Array(32)), TypeError, /"algorithm"/],
      [
        () => client.encrypt({ algorithm: "RSA-OAEP-256", plaintext: new Uint8Array(191) }),
        RangeError,
        /at most 190/,
      ],
      [
        () => client.encrypt({ algorithm: "RSA1_5", plaintext: new Uint8Array(246) }),
        RangeError,
        /at most 245/,
      ],
      [
        () => client.encrypt({ algorithm: "RSA-OAEP", plaintext: new Uint8Array() }),
        TypeError,
        /non-empty/,
      ],
      [
        () => client.encrypt({ algorithm: "A128GCM", plaintext: text("x") }),
        TypeError,
        /does not fit/,
      ],
      [
        () => client.encrypt({ algorithm: "ROT13" as EncryptionAlgorithm, plaintext: text("x") }),
        TypeError,
        /"algorithm"/,
      ],
      [
        () => client.decrypt({ algorithm: "RSA-OAEP", ciphertext: new Uint8Array(100) }),
        RangeError,
        /256 bytes/,
      ],
      [() => client.signData("RS256", "text" as unknown as Uint8Array), TypeError, /"data"/],
      [
        () => client.verify("ES256", new Uint8Array(32), new Uint8Array(64)),
        TypeError,
        /does not fit/,
      ],
      [() => client.wrapKey("A256KW", new Uint8Array(32)), TypeError, /does not fit/],
    ];
    for (const [call, Type, message] of cases) {
      await assert.rejects(
        call(),
        (e: unknown) => e instanceof Type && message.test((e as Error).message),
        String(message),
      );
    }
    assert.equal(t.vault.requests.length, before, "nothing was sent");
  } finally {
    await t.close();
  }
});

test("key_ops and attributes that forbid an operation fail locally with ERR_KEY_OPERATION_FORBIDDEN", async () => {
  const t = await keySetup();
  try {
    const verifyOnly = await t.client.createEcKey("verify-only", { keyOps: ["verify"] });
    const disabled = await t.client.createEcKey("disabled", { enabled: false });
    const expired = await t.client.createEcKey("expired", {
      expiresOn: new Date(t.now() - 86_400_000),
    });
    const future = await t.client.createEcKey("future", {
      notBefore: new Date(t.now() + 86_400_000),
    });
    const before = t.vault.requests.length;
    const digest = new Uint8Array(32);
    for (
      const [key, message] of [[verifyOnly, /does not allow sign/], [disabled, /disabled/], [
        expired,
        /expired/,
      ], [future, /not valid before/]] as const
    ) {
      const client = new CryptographyClient(key, t.credential, t.options);
      await assert.rejects(
        client.sign("ES256", digest),
        (e: unknown) =>
          isCode("ERR_KEY_OPERATION_FORBIDDEN")(e) && message.test((e as Error).message),
      );
    }
    const client = new CryptographyClient(verifyOnly, t.credential, t.options);
    await assert.rejects(
      client.verifyData("ES256", text("x"), new Uint8Array(64)).then(() => {
        throw new Error("verify allowed");
      }),
      /verify allowed/,
    );
    assert.equal(t.vault.requests.length, before, "nothing was sent");
    // The vault refuses the same (its own check, reached through an id-only client).
    const raw = new CryptographyClient(disabled.id!, t.credential, {
      ...t.options,
      forceRemote: true,
    });
    await assert.rejects(
      raw.sign("ES256", digest),
      (e: unknown) => e instanceof RestError && e.status === 403,
    );
  } finally {
    await t.close();
  }
});

test("a versionless key id learns its version with one getKey; a 403 on getKey means remote only", async () => {
  const t = await keySetup();
  try {
    const key = await t.client.createRsaKey("latest");
    const client = new CryptographyClient(`${FAKE_VAULT_URL}/keys/latest`, t.credential, t.options);
    const mark = t.vault.requests.length;
    const encrypted = await client.encrypt({ algorithm: "RSA-OAEP-256", plaintext: text("x") });
    assert.equal(encrypted.local, true);
    await client.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: encrypted.result });
    const ops = t.vault.requests.slice(mark).filter((r) => r.status !== 401).map((r) =>
      `${r.method} ${new URL(r.url).pathname}`
    );
    assert.deepEqual(ops, [
      "GET /keys/latest/",
      `POST /keys/latest/${key.properties.version}/decrypt`,
    ]);
    // Allowed to use the key, not to read it: everything goes to the vault.
    const blind = new CryptographyClient(key.id!, t.credential, t.options);
    t.vault.failNext({ status: 403, when: (r) => r.method === "GET" });
    const remote = await blind.encrypt({ algorithm: "RSA-OAEP-256", plaintext: text("y") });
    assert.equal(remote.local, false);
    assert.deepEqual(
      (await blind.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: remote.result })).result,
      text("y"),
    );
    assert.throws(
      () => new CryptographyClient("https://myvault.vault.azure.net/secrets/x", t.credential),
      TypeError,
    );
  } finally {
    await t.close();
  }
});

test("signJwt() tokens verify with jose.jwtVerify and verifyJwt() for every RS, PS and ES algorithm", async () => {
  const t = await keySetup();
  try {
    const rsa = await t.client.createRsaKey("jwt-rsa");
    const ec: Record<string, Awaited<ReturnType<typeof t.client.createEcKey>>> = {
      ES256: await t.client.createEcKey("jwt-p256"),
      ES384: await t.client.createEcKey("jwt-p384", { curve: "P-384" }),
      ES512: await t.client.createEcKey("jwt-p521", { curve: "P-521" }),
    };
    const algs = [
      "RS256",
      "RS384",
      "RS512",
      "PS256",
      "PS384",
      "PS512",
      "ES256",
      "ES384",
      "ES512",
    ] as const;
    for (const alg of algs) {
      const key = alg.startsWith("ES") ? ec[alg]! : rsa;
      const signer = new CryptographyClient(key, t.credential, t.options);
      const token = await signJwt({ scope: "read" }, {
        key: signer,
        alg,
        issuer: "https://issuer.example",
        audience: "api",
        subject: "user-1",
        expiresIn: "10m",
        now: t.now,
      });
      const { payload, protectedHeader } = await jose.jwtVerify(
        token,
        await jose.importJWK(key.jwk as jose.JWK, alg),
        { issuer: "https://issuer.example", audience: "api", currentDate: new Date(t.now()) },
      );
      assert.deepEqual(protectedHeader, { alg, typ: "JWT", kid: key.id });
      assert.equal(payload.scope, "read");
      assert.equal(payload.exp, Math.floor(t.now() / 1000) + 600);
      const verified = await verifyJwt(token, key, {
        audience: "api",
        currentDate: new Date(t.now()),
      });
      assert.equal(verified.payload.sub, "user-1");
      const [h, p, s] = token.split(".");
      await assert.rejects(
        verifyJwt(`${h}.${p}x.${s}`, key, { currentDate: new Date(t.now()) }),
        isCode("ERR_INVALID_JWT"),
      );
    }
    // Defaults: alg from the key, kid the full id; a JWKS of the keys verifies them all.
    const token = await signJwt({}, {
      key: new CryptographyClient(ec.ES384!, t.credential, t.options),
      now: t.now,
    });
    assert.equal(jose.decodeProtectedHeader(token).alg, "ES384");
    await assert.rejects(
      verifyJwt(token, ec.ES256!, { currentDate: new Date(t.now()) }),
      isCode("ERR_INVALID_JWT"),
      "another key's token",
    );
    await assert.rejects(
      verifyJwt(token, ec.ES384!, {
        currentDate: new Date(t.now() + 86_400_000),
        maxTokenAge: "1h",
      }),
      isCode("ERR_INVALID_JWT"),
    );
    // ES256K signs in the vault, but cannot be verified locally.
    const k1 = await t.client.createEcKey("jwt-k1", { curve: "P-256K" });
    const k1Token = await signJwt({}, {
      key: new CryptographyClient(k1, t.credential, t.options),
      now: t.now,
    });
    assert.equal(jose.decodeProtectedHeader(k1Token).alg, "ES256K");
    await assert.rejects(
      verifyJwt(k1Token, k1, { algorithms: ["ES256K"] }),
      isCode("ERR_NOT_SUPPORTED_LOCALLY"),
    );
    await assert.rejects(
      signJwt([] as unknown as Record<string, unknown>, {
        key: new CryptographyClient(k1, t.credential),
      }),
      TypeError,
    );
    await assert.rejects(
      signJwt({}, { key: new CryptographyClient(k1, t.credential), header: { alg: "none" } }),
      /alg/,
    );
  } finally {
    await t.close();
  }
});
