import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseWwwAuthenticate,
  readClaimsChallenge,
  readKeyVaultChallenge,
} from "../../lib/http/challenge.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

test("readKeyVaultChallenge() reads Key Vault's real challenge", () => {
  assert.deepEqual(
    readKeyVaultChallenge(
      `Bearer authorization="https://login.windows.net/${TENANT}", resource="https://vault.azure.net"`,
    ),
    {
      authority: `https://login.windows.net/${TENANT}`,
      tenantId: TENANT,
      resource: "https://vault.azure.net",
      scope: "https://vault.azure.net/.default",
    },
  );
});

test("readKeyVaultChallenge() accepts authorization_uri and scope instead", () => {
  assert.deepEqual(
    readKeyVaultChallenge(
      `Bearer authorization_uri="https://login.microsoftonline.com/${TENANT}/oauth2/authorize", scope="https://managedhsm.azure.net/.default"`,
    ),
    {
      authority: `https://login.microsoftonline.com/${TENANT}/oauth2/authorize`,
      tenantId: TENANT,
      resource: "https://managedhsm.azure.net",
      scope: "https://managedhsm.azure.net/.default",
    },
  );
});

test("readKeyVaultChallenge() picks the Bearer challenge out of several", () => {
  const header = `Basic realm="x, y", PoP nonce="abc", Bearer ` +
    `resource=https://vault.azure.net, authorization=https://login.microsoftonline.com/${TENANT}`;
  const read = readKeyVaultChallenge(header);
  assert.ok(read && "tenantId" in read);
  assert.equal(read.tenantId, TENANT);
  assert.equal(read.scope, "https://vault.azure.net/.default");
});

test("readKeyVaultChallenge() builds the scope from the resource's origin, never its text", () => {
  const challenge = (resource: string, name = "resource") =>
    readKeyVaultChallenge(
      `Bearer authorization="https://login.windows.net/${TENANT}", ${name}="${resource}"`,
    );
  for (
    const [resource, origin] of [
      ["https://vault.azure.net/", "https://vault.azure.net"],
      ["https://VAULT.azure.net:443", "https://vault.azure.net"],
    ]
  ) {
    assert.deepEqual(challenge(resource!), {
      authority: `https://login.windows.net/${TENANT}`,
      tenantId: TENANT,
      resource: origin,
      scope: `${origin}/.default`,
    });
  }
  assert.equal(
    (challenge("https://vault.azure.net/.default", "scope") as { scope: string }).scope,
    "https://vault.azure.net/.default",
  );
  const refused: [string, string, RegExp][] = [
    ["https://user:pw@vault.azure.net", "resource", /userinfo/],
    ["https://vault.azure.net/other/.default", "resource", /path/],
    ["https://vault.azure.net/x", "resource", /path/],
    ["https://vault.azure.net?x=1", "resource", /path or query/],
    ["https://vault.azure.net https://evil.example", "resource", /one absolute URL/],
    ["https://vault.azure.net,https://evil.example", "resource", /one absolute URL|path/],
    ["vault.azure.net", "resource", /one absolute URL/],
    ["ftp://vault.azure.net", "resource", /one absolute URL/],
    ["https://vault.azure.net/evil/.default", "scope", /<resource>\/\.default/],
    ["https://a.net/.default https://b.net/.default", "scope", /one absolute URL/],
  ];
  for (const [value, name, reason] of refused) {
    const read = challenge(value, name);
    assert.ok(read && "refused" in read, `${name}=${value} is refused`);
    assert.match(read.refused, reason, `${name}=${value}`);
  }
});

test("readKeyVaultChallenge() returns undefined when no usable challenge is there", () => {
  for (
    const header of [
      null,
      "",
      'Basic realm="vault"',
      'Bearer resource="https://vault.azure.net"',
      `Bearer authorization="https://login.microsoftonline.com/${TENANT}"`,
      'Bearer authorization="not a url", resource="https://vault.azure.net"',
      'Bearer authorization="https://login.microsoftonline.com/", resource="https://vault.azure.net"',
      'Bearer authorization="https://login.microsoftonline.com/te%2Fnant", resource="https://vault.azure.net"',
    ]
  ) {
    assert.equal(readKeyVaultChallenge(header), undefined, String(header));
  }
});

test("parseWwwAuthenticate() keeps commas and escaped quotes inside quoted values", () => {
  assert.deepEqual(
    parseWwwAuthenticate('Bearer realm="a, b=c", error="x\\"y", scope=plain, Basic realm="z"')
      .map((c) => ({ scheme: c.scheme, params: { ...c.params } })),
    [
      { scheme: "Bearer", params: { realm: "a, b=c", error: 'x"y', scope: "plain" } },
      { scheme: "Basic", params: { realm: "z" } },
    ],
  );
});

test("readClaimsChallenge() decodes the CAE claims of an insufficient_claims challenge", () => {
  const header =
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In0sInhtc19jYWVlcnJvciI6eyJ2YWx1ZSI6IjEwMDEyIn19fQ=="';
  const { error, claims } = readClaimsChallenge(header);
  assert.equal(error, "insufficient_claims");
  assert.deepEqual(JSON.parse(claims!), {
    access_token: {
      nbf: { essential: true, value: "1726077595" },
      xms_caeerror: { value: "10012" },
    },
  });
  // URL-safe, unpadded base64 works too; junk claims are dropped.
  const urlSafe = btoa('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}')
    .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  assert.match(
    readClaimsChallenge(`Bearer error="insufficient_claims", claims="${urlSafe}"`).claims!,
    /acrs/,
  );
  assert.equal(
    readClaimsChallenge('Bearer error="insufficient_claims", claims="!!!"').claims,
    undefined,
  );
  assert.equal(readClaimsChallenge(`Bearer claims="${btoa("[1]")}"`).claims, undefined);
});

test("parseWwwAuthenticate() never throws, whatever the input (property)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 300 }), (header) => {
      const parsed = parseWwwAuthenticate(header);
      assert.ok(Array.isArray(parsed));
      readKeyVaultChallenge(header);
      readClaimsChallenge(header);
    }),
    { numRuns: 2000 },
  );
});

test("parseWwwAuthenticate() never throws on header-like input (property)", () => {
  const piece = fc.oneof(
    fc.constantFrom(
      "Bearer",
      "Basic",
      ",",
      " ",
      "=",
      '"',
      "\\",
      "authorization",
      "resource",
      "claims",
      "error",
      "scope",
      "https://",
      "/",
      "\t",
    ),
    fc.string({ maxLength: 8 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const header = parts.join("");
      parseWwwAuthenticate(header);
      readKeyVaultChallenge(header);
      readClaimsChallenge(header);
    }),
    { numRuns: 3000 },
  );
});

test("parseWwwAuthenticate() round-trips generated challenges (property)", () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/);
  const value = fc.string({ maxLength: 30 }).filter((s) => !/[\r\n]/.test(s));
  const challenge = fc.record({
    scheme: token,
    params: fc.uniqueArray(fc.tuple(token, value), {
      selector: ([k]) => k.toLowerCase(),
      minLength: 1,
      maxLength: 5,
    }),
  });
  fc.assert(
    fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (challenges) => {
      const header = challenges.map((c) =>
        `${c.scheme} ${
          c.params.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
            .join(", ")
        }`
      ).join(", ");
      const parsed = parseWwwAuthenticate(header);
      assert.equal(parsed.length, challenges.length, header);
      parsed.forEach((p, i) => {
        assert.equal(p.scheme, challenges[i]!.scheme);
        for (const [k, v] of challenges[i]!.params) assert.equal(p.params[k.toLowerCase()], v);
      });
    }),
    { numRuns: 1000 },
  );
});
