/** Whatever a vault sends, SecretClient fails with a coded error, never a bare TypeError. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseKeyVaultSecretIdentifier, ResponseBodyError, SecretClient } from "../../mod.ts";
import { clearCaches as clearChallengeCache } from "../../lib/http/caches.ts";
import { FAKE_TENANT_ID } from "../_fake_vault.ts";
import { visible } from "../_entra.ts";
import { json, scriptedFetch } from "../_fetch.ts";

const VAULT = "https://data.vault.azure.net";
const VALUE = "s3cret-value-that-must-not-leak";

/** A client whose vault answers every authorised request with `body`. */
function clientAnswering(body: unknown): SecretClient {
  clearChallengeCache();
  const fetch = scriptedFetch((req) =>
    req.headers.get("authorization") ? json(200, body) : json(401, {}, {
      "www-authenticate":
        `Bearer authorization="https://login.microsoftonline.com/${FAKE_TENANT_ID}", resource="https://vault.azure.net"`,
    })
  );
  return new SecretClient(VAULT, {
    getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }),
  }, { fetch, retry: { maxRetries: 0 } });
}

function invalidResponse(path: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ResponseBodyError, `${(error as Error)?.name}: ${error}`);
    assert.equal(error.code, "ERR_INVALID_RESPONSE");
    assert.equal(error.issues[0]!.path, path);
    assert.ok(!visible(error).includes(VALUE), error.message);
    assert.ok(!error.message.includes("%E0"), error.message);
    return true;
  };
}

const BAD_IDS = [
  `${VAULT}/keys/k/0123456789abcdef0123456789abcdef`, // another kind of object
  `${VAULT}/secrets`, // no name
  `${VAULT}/secrets/a/b/c`, // too many segments
  `${VAULT}/secrets/a?x=1`,
  `${VAULT}/secrets/%E0%A4%A`, // a malformed %-escape: decodeURIComponent throws URIError
  `${VAULT}/secrets/ok/%E0%A4%A`,
  "garbage",
];

test("a bundle whose id is not a secret identifier is ERR_INVALID_RESPONSE", async () => {
  for (const id of BAD_IDS) {
    const client = clientAnswering({ id, value: VALUE });
    await assert.rejects(client.getSecret("a"), invalidResponse("id"), id);
    await assert.rejects(client.setSecret("a", VALUE), invalidResponse("id"), id);
    await assert.rejects(client.getDeletedSecret("a"), invalidResponse("id"), id);
  }
});

test("one bad item in a list page is ERR_INVALID_RESPONSE naming the item", async () => {
  for (const id of BAD_IDS) {
    const client = clientAnswering({
      value: [{ id: `${VAULT}/secrets/fine` }, { id }],
      nextLink: null,
    });
    await assert.rejects(client.listPropertiesOfSecrets().next(), invalidResponse("value[1].id"));
    await assert.rejects(client.listDeletedSecrets().next(), invalidResponse("value[1].id"));
  }
});

test("a backup that is not base64url is ERR_INVALID_RESPONSE", async () => {
  for (const value of ["a", "abcde", "ab cd", "ab.cd", "", "%%%%", "ab=cd", "=abc"]) {
    const client = clientAnswering({ value });
    await assert.rejects(client.backupSecret("a"), invalidResponse("value"), value);
  }
  const ok = clientAnswering({ value: "AQID_-8" });
  assert.deepEqual([...await ok.backupSecret("a")], [1, 2, 3, 255, 239]);
});

test("parseKeyVaultSecretIdentifier() still throws TypeError at the caller's mistakes", () => {
  for (const id of BAD_IDS) {
    assert.throws(() => parseKeyVaultSecretIdentifier(id), TypeError, id);
  }
  assert.deepEqual(parseKeyVaultSecretIdentifier(`${VAULT}/deletedsecrets/a%2Db`), {
    sourceId: `${VAULT}/deletedsecrets/a%2Db`,
    vaultUrl: VAULT,
    name: "a-b",
    version: undefined,
  });
});

test("the identifier memo never answers for a narrower set of collections", async () => {
  const { parseIdentifier } = await import("../../lib/keyvault/_identifier.ts");
  const id = "https://myvault.vault.azure.net/deletedcertificates/tls";
  assert.equal(
    parseIdentifier(id, ["certificates", "deletedcertificates"], "certificate").name,
    "tls",
  );
  assert.throws(() => parseIdentifier(id, ["certificates"], "certificate operation"), TypeError);
  const first = parseIdentifier(id, ["certificates", "deletedcertificates"], "certificate");
  (first as { name: string }).name = "changed";
  assert.equal(parseIdentifier(id, ["certificates", "deletedcertificates"], "c").name, "tls");
});
