import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { readJson } from "../../lib/http/json.ts";
import { KvfetchError, ResponseBodyError } from "../../mod.ts";

const Secret = v.object({
  value: v.string(),
  id: v.pipe(v.string(), v.url()),
  attributes: v.object({ enabled: v.boolean(), exp: v.optional(v.number()) }),
  tags: v.optional(v.record(v.string(), v.string())),
});

const SECRET = "hunter2-Sup3r-S3cret-value";

function everythingVisible(error: unknown): string {
  const e = error as Record<string, unknown>;
  return [String(e.message), String(e.stack), JSON.stringify(e), ...Object.keys(e)].join("\n");
}

test("readJson() returns the validated body", async () => {
  const body = {
    value: SECRET,
    id: "https://v.vault.azure.net/secrets/a/0123456789abcdef0123456789abcdef",
    attributes: { enabled: true, exp: 1700000000 },
  };
  const out = await readJson(Response.json(body), Secret, "GET /secrets/a response");
  assert.deepEqual(out, body);
});

test("readJson() raises ERR_INVALID_JSON for malformed JSON without quoting it", async () => {
  const raw = `{"value":"${SECRET}", oops`;
  await assert.rejects(
    readJson(new Response(raw, { status: 200 }), Secret, "GET /secrets/a response"),
    (error: unknown) => {
      assert.ok(error instanceof ResponseBodyError);
      assert.ok(error instanceof KvfetchError);
      assert.equal(error.code, "ERR_INVALID_JSON");
      assert.equal(error.status, 200);
      assert.equal(error.cause, undefined);
      assert.match(error.message, /GET \/secrets\/a response is not valid JSON/);
      assert.ok(!everythingVisible(error).includes(SECRET));
      assert.ok(!everythingVisible(error).includes("oops"));
      return true;
    },
  );
});

test("readJson() raises ERR_INVALID_JSON for an empty body", async () => {
  await assert.rejects(
    readJson(new Response(null, { status: 200 }), Secret, "body"),
    (error: unknown) => error instanceof ResponseBodyError && error.code === "ERR_INVALID_JSON",
  );
});

test("readJson() raises ERR_INVALID_RESPONSE with sanitised issues, never the values", async () => {
  const body = {
    value: 42,
    id: SECRET, // not a URL: the check must fail without echoing it
    attributes: { enabled: SECRET },
    tags: { env: SECRET, n: 7 },
  };
  await assert.rejects(
    readJson(Response.json(body), Secret, "GET /secrets/a response"),
    (error: unknown) => {
      assert.ok(error instanceof ResponseBodyError);
      assert.equal(error.code, "ERR_INVALID_RESPONSE");
      assert.equal(error.name, "ResponseBodyError");
      assert.deepEqual(
        error.issues.map((i) => [i.path, i.received]),
        [["value", "number"], ["id", "string"], ["attributes.enabled", "string"], [
          "tags[key]",
          "number",
        ]],
      );
      assert.equal(error.issues[0]!.expected, "string");
      assert.equal(error.issues[1]!.check, "url");
      assert.match(
        error.message,
        /^GET \/secrets\/a response has an unexpected shape: at value expected string, received number \(and 3 more\)$/,
      );
      assert.ok(!everythingVisible(error).includes(SECRET), "no body value is copied");
      return true;
    },
  );
});

test("readJson() reports array indexes in issue paths", async () => {
  const List = v.object({ value: v.array(v.object({ id: v.string() })) });
  await assert.rejects(
    readJson(Response.json({ value: [{ id: "a" }, { id: null }] }), List, "list"),
    (error: unknown) =>
      error instanceof ResponseBodyError && error.issues[0]!.path === "value[1].id" &&
      error.issues[0]!.received === "null",
  );
});
