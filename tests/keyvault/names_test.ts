/** Names, versions and tags are checked before any request, with messages that say what to do. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkName, checkTags, checkVersion } from "../../lib/keyvault/_names.ts";

function rejects(f: () => unknown, Type: typeof TypeError, message: RegExp, note: string) {
  assert.throws(f, (error: unknown) => {
    assert.ok(error instanceof Type, `${note}: ${error}`);
    assert.match((error as Error).message, message, note);
    return true;
  });
}

test("a rejected name says which rule it broke", () => {
  rejects(
    () => checkName(""),
    TypeError,
    /^"name" must be 1 to 127 characters \(got 0\)$/,
    "empty",
  );
  rejects(
    () => checkName("a".repeat(130)),
    TypeError,
    /^"name" must be 1 to 127 characters \(got 130\)$/,
    "long",
  );
  rejects(
    () => checkName("abc_def"),
    TypeError,
    /^"name" may only contain letters, digits and dashes \(found "_" at position 4\)$/,
    "underscore",
  );
  rejects(() => checkName("ab/c"), TypeError, /found "\/" at position 3/, "slash");
  rejects(() => checkName("a\nb"), TypeError, /found "\\n" at position 2/, "newline");
  rejects(() => checkName("x😀"), TypeError, /found "😀" at position 2/, "emoji");
  rejects(() => checkName(42), TypeError, /^"name" must be a string$/, "number");
  assert.equal(checkName("Db-Password-2"), "Db-Password-2");
  assert.equal(checkName("a".repeat(127)), "a".repeat(127));
});

test("a rejected name never echoes a long value", () => {
  const long = "secret-looking-" + "x".repeat(200) + "_";
  assert.throws(
    () => checkName(long),
    (error: unknown) => !(error as Error).message.includes("xxxx"),
  );
  const bad = "not allowed: " + "y".repeat(100);
  assert.throws(
    () => checkName(bad),
    (error: unknown) => !(error as Error).message.includes("yyyy"),
  );
});

test("a rejected version says to omit it for the latest version", () => {
  for (const version of ["latest", "abc", "0".repeat(33), "g".repeat(32), 42]) {
    rejects(
      () => checkVersion(version),
      TypeError,
      /^"version" must be 32 hexadecimal characters.*omit it.* for the latest version/,
      String(version),
    );
  }
  assert.equal(checkVersion(undefined), "");
  assert.equal(checkVersion(""), "");
  assert.equal(
    checkVersion("0123456789abcdef0123456789ABCDEF"),
    "0123456789abcdef0123456789ABCDEF",
  );
});

test("tags follow Key Vault's limits: 15 tags, names up to 512 characters, values up to 256", () => {
  const many = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));
  assert.deepEqual(checkTags(many(15)), many(15));
  rejects(
    () => checkTags(many(16)),
    RangeError,
    /^"tags" may hold at most 15 tags \(got 16\)$/,
    "16",
  );
  assert.ok(checkTags({ ["k".repeat(512)]: "v".repeat(256) }));
  rejects(
    () => checkTags({ ["k".repeat(513)]: "v" }),
    RangeError,
    /^"tags" names may be at most 512 characters \(got 513\)$/,
    "long name",
  );
  rejects(
    () => checkTags({ k: "v".repeat(257) }),
    RangeError,
    /^"tags" values may be at most 256 characters \(got 257\)$/,
    "long value",
  );
});

test("tags are a plain or null-prototype object of strings", () => {
  const bare = Object.create(null) as Record<string, string>;
  bare.env = "prod";
  assert.equal(checkTags(bare), bare);
  assert.deepEqual(checkTags({}), {});
  assert.equal(checkTags(undefined), undefined);
  class Tags {
    env = "prod";
  }
  for (const tags of [["a"], new Tags(), new Map([["a", "b"]]), null, "env=prod", 42, new Date()]) {
    rejects(() => checkTags(tags), TypeError, /^"tags" must be a plain object/, String(tags));
  }
  for (const [value, type] of [[1, "number"], [null, "null"], [true, "boolean"], [{}, "object"]]) {
    rejects(
      () => checkTags({ ok: "v", k: value }),
      TypeError,
      new RegExp(`^"tags" values must be strings \\(got ${type}\\)$`),
      String(type),
    );
  }
});
