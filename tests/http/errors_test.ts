import { test } from "node:test";
import assert from "node:assert/strict";
import { send } from "../../lib/http/send.ts";
import { parseAzureErrorBody, responseError } from "../../lib/http/response_error.ts";
import { KvfetchError, RestError } from "../../mod.ts";
import { json, scriptedFetch } from "../_fetch.ts";

const URL_ = "https://myvault.vault.azure.net/secrets/db?api-version=2025-07-01&$skiptoken=abc";

async function errorFor(response: Response): Promise<RestError> {
  const result = await send({ method: "GET", url: URL_ }, {
    fetch: scriptedFetch(response),
    retry: { maxRetries: 0 },
  });
  return await responseError(result);
}

test("responseError() reads a Key Vault 404 SecretNotFound", async () => {
  const error = await errorFor(json(404, {
    error: {
      code: "SecretNotFound",
      message: "A secret with (name/id) db was not found in this key vault. If you recently " +
        "deleted this secret you may be able to recover it using the correct recovery command.",
    },
  }, { "x-ms-request-id": "5f0a7c4e-0000-4000-8000-000000000001" }));
  assert.ok(error instanceof RestError);
  assert.ok(error instanceof KvfetchError);
  assert.equal(error.name, "RestError");
  assert.equal(error.code, "ERR_HTTP_STATUS");
  assert.equal(error.status, 404);
  assert.equal(error.errorCode, "SecretNotFound");
  assert.equal(error.innerErrorCode, undefined);
  assert.equal(error.requestId, "5f0a7c4e-0000-4000-8000-000000000001");
  assert.match(error.clientRequestId!, /^[0-9a-f-]{36}$/);
  assert.equal(error.attempts, 1);
  assert.equal(error.method, "GET");
  assert.equal(error.url, "https://myvault.vault.azure.net/secrets/db");
  assert.equal(
    error.message,
    "GET https://myvault.vault.azure.net/secrets/db failed with status 404 (SecretNotFound): " +
      "A secret with (name/id) db was not found in this key vault. If you recently deleted " +
      "this secret you may be able to recover it using the correct recovery command.",
  );
});

test("responseError() reads the innermost innererror code of a 409", async () => {
  const error = await errorFor(json(409, {
    error: {
      code: "Conflict",
      message: "Secret db is currently being recovered.  Please retry later.",
      innererror: { code: "ObjectIsBeingRecovered" },
    },
  }));
  assert.equal(error.errorCode, "Conflict");
  assert.equal(error.innerErrorCode, "ObjectIsBeingRecovered");
});

test("responseError() follows nested innererrors to the deepest code", () => {
  const details = parseAzureErrorBody(JSON.stringify({
    error: {
      code: "Forbidden",
      message: "The user, group or application does not have secrets get permission.",
      innererror: {
        code: "AccessDenied",
        innererror: { code: "ForbiddenByPolicy", innererror: { note: "no code here" } },
      },
    },
  }));
  assert.deepEqual(details, {
    errorCode: "Forbidden",
    serviceMessage: "The user, group or application does not have secrets get permission.",
    innerErrorCode: "ForbiddenByPolicy",
  });
});

test("responseError() reads the real 401 challenge body", async () => {
  const error = await errorFor(json(401, {
    error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." },
  }, {
    "www-authenticate":
      'Bearer authorization="https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"',
  }));
  assert.equal(error.status, 401);
  assert.equal(error.errorCode, "Unauthorized");
  assert.match(error.message, /AKV10000/);
});

test("responseError() reads an ARM error body", async () => {
  const error = await errorFor(json(409, {
    error: {
      code: "ConflictError",
      message: "A vault with the same name already exists in deleted state.",
    },
  }));
  assert.equal(error.errorCode, "ConflictError");
});

test("responseError() copes with a body that is not JSON or not Azure's shape", async () => {
  for (
    const response of [
      new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      new Response("", { status: 500 }),
      json(400, { error: "invalid_request" }),
      json(400, { error: null }),
      json(400, [1, 2]),
    ]
  ) {
    const error = await errorFor(response);
    assert.equal(error.status, response.status);
    assert.equal(error.errorCode, undefined);
    assert.match(error.message, new RegExp(`failed with status ${response.status}$`));
  }
});

test("RestError keeps the response non-enumerable and readable", async () => {
  const error = await errorFor(json(403, { error: { code: "Forbidden", message: "no" } }));
  assert.ok(!Object.keys(error).includes("response"));
  assert.ok(error.response instanceof Response);
  assert.deepEqual(await error.response!.json(), { error: { code: "Forbidden", message: "no" } });
  const serialised = JSON.stringify(error);
  assert.doesNotMatch(serialised, /Forbidden","message"/);
});

test("RestError and KvfetchError keep name and code through subclassing", () => {
  const base = new KvfetchError("ERR_NETWORK", "m", { cause: new Error("c") });
  assert.equal(base.name, "KvfetchError");
  assert.equal(base.code, "ERR_NETWORK");
  assert.equal((base.cause as Error).message, "c");
  assert.ok(!Object.keys(base).includes("name"));
  assert.match(String(base.stack), /KvfetchError: m/);
});
