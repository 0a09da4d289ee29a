/** What an error keeps of a server's answer: codes that look like codes, paths without body keys. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { send } from "../../lib/http/send.ts";
import { parseAzureErrorBody, responseError } from "../../lib/http/response_error.ts";
import { parseJson } from "../../lib/http/json.ts";
import { AuthenticationError, processTokenResponse, ResponseBodyError } from "../../mod.ts";
import { visible } from "../_entra.ts";
import { json, scriptedFetch } from "../_fetch.ts";

const azureError = (code: unknown, inner?: unknown) =>
  JSON.stringify({ error: { code, message: "m", innererror: { code: inner } } });

test("errorCode and innerErrorCode keep only values shaped like Azure codes", () => {
  for (const code of ["SecretNotFound", "Forbidden", "AKV10000", "Microsoft.KeyVault_x", "A"]) {
    const details = parseAzureErrorBody(azureError(code, code));
    assert.equal(details.errorCode, code);
    assert.equal(details.innerErrorCode, code);
  }
  const bad = [
    "",
    "has space",
    "1Starts-with-a-digit",
    "dash-ed",
    "<script>alert(1)</script>",
    "line\nbreak",
    "A".repeat(101),
    "Ünicode",
    "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi",
  ];
  for (const code of bad) {
    const details = parseAzureErrorBody(azureError(code, code));
    assert.equal(details.errorCode, undefined, JSON.stringify(code));
    assert.equal(details.innerErrorCode, undefined, JSON.stringify(code));
    assert.equal(details.serviceMessage, "m");
  }
  assert.equal(parseAzureErrorBody(azureError("A".repeat(100))).errorCode, "A".repeat(100));
});

const URL_ = "https://myvault.vault.azure.net/secrets/db";

test("responseError() cuts the values it is given out of the service message", async () => {
  const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.signature";
  const body = {
    error: {
      code: "Unauthorized",
      message: `Token ${token} (${token}) is not valid`,
    },
  };
  const result = await send({ method: "GET", url: URL_ }, {
    fetch: scriptedFetch(json(401, body)),
    retry: { maxRetries: 0 },
  });
  const error = await responseError(result, [token]);
  assert.equal(error.errorCode, "Unauthorized");
  assert.ok(!visible(error).includes(token), error.message);
  assert.match(error.message, /Token \[REDACTED\] \(\[REDACTED\]\) is not valid$/);
  // The default cuts nothing.
  const plain = await responseError(
    await send({ method: "GET", url: URL_ }, {
      fetch: scriptedFetch(json(401, body)),
      retry: { maxRetries: 0 },
    }),
  );
  assert.ok(plain.message.includes(token));
});

test("validation issue paths never carry keys the body chose", () => {
  const KEY = "db-password-is-hunter2";
  const Schema = v.object({
    value: v.array(v.object({
      attributes: v.nullish(v.object({ enabled: v.boolean() })),
      tags: v.nullish(v.record(v.string(), v.string())),
      meta: v.optional(v.record(v.string(), v.object({ n: v.number() }))),
    })),
    strict: v.optional(v.strictObject({ known: v.string() })),
    required: v.string(),
  });
  const body = {
    value: [
      { attributes: { enabled: true } },
      {
        attributes: { enabled: "yes" },
        tags: { [KEY]: 42 },
        meta: { [KEY]: { n: "x" } },
      },
    ],
    strict: { known: "k", [KEY]: 1 },
  };
  assert.throws(() => parseJson(body, Schema, "list", 200), (error: unknown) => {
    assert.ok(error instanceof ResponseBodyError);
    assert.deepEqual(error.issues.map((i) => i.path), [
      "value[1].attributes.enabled",
      "value[1].tags[key]",
      "value[1].meta[key].n",
      "strict[key]",
      "required", // missing: a declared key, kept
    ]);
    assert.ok(!visible(error).includes(KEY));
    assert.ok(!JSON.stringify(error.issues).includes(KEY));
    return true;
  });
});

const TOKEN_URL = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";

async function refusal(fields: Record<string, unknown>): Promise<AuthenticationError> {
  const result = await send({ method: "POST", url: TOKEN_URL }, {
    fetch: scriptedFetch(json(400, { error: "invalid_request", ...fields })),
    retry: { maxRetries: 0 },
  });
  try {
    await processTokenResponse(result, { now: Date.now() });
  } catch (error) {
    assert.ok(error instanceof AuthenticationError);
    return error;
  }
  throw new Error("no error");
}

test("traceId and correlationId are kept only as GUIDs, timestamp only as a timestamp", async () => {
  const good = await refusal({
    trace_id: "0d1b1f43-5d7c-4a2c-9b2e-6c0f5e2d2e00",
    correlation_id: "4F7A9A38-8F7A-4E8E-8F5C-2F3BD0A1C9AA",
    timestamp: "2026-11-28 12:00:00Z",
  });
  assert.equal(good.traceId, "0d1b1f43-5d7c-4a2c-9b2e-6c0f5e2d2e00");
  assert.equal(good.correlationId, "4F7A9A38-8F7A-4E8E-8F5C-2F3BD0A1C9AA");
  assert.equal(good.timestamp, "2026-11-28 12:00:00Z");
  assert.equal(
    (await refusal({ timestamp: "2026-11-28T12:00:00.1234567Z" })).timestamp,
    "2026-11-28T12:00:00.1234567Z",
  );
  assert.equal(
    (await refusal({ timestamp: "2026-11-28T12:00:00+01:00" })).timestamp,
    "2026-11-28T12:00:00+01:00",
  );
  for (
    const junk of [
      "",
      "not-a-guid",
      "0d1b1f43-5d7c-4a2c-9b2e-6c0f5e2d2e00 extra",
      "{0d1b1f43}",
      "x".repeat(500),
    ]
  ) {
    const bad = await refusal({ trace_id: junk, correlation_id: junk, timestamp: junk });
    assert.equal(bad.traceId, undefined, junk);
    assert.equal(bad.correlationId, undefined, junk);
    assert.equal(bad.timestamp, undefined, junk);
    assert.equal(bad.error, "invalid_request");
  }
  for (const junk of ["yesterday", "2026-11-28", "2026-11-28 12:00:00Z; drop", "12:00:00"]) {
    assert.equal((await refusal({ timestamp: junk })).timestamp, undefined, junk);
  }
});
