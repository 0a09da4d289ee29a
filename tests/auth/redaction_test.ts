/** A token endpoint that echoes the client secret, in any form it travelled in, never leaks it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthenticationError, ClientSecretCredential } from "../../mod.ts";
import { clearTokenCache } from "../../lib/auth/token_cache.ts";
import { redact } from "../../lib/http/_redact.ts";
import { scriptedFetch, type SeenRequest } from "../_fetch.ts";
import { visible } from "../_entra.ts";

// Characters where raw, encodeURIComponent and form encoding all differ.
const SECRET = "Zq8~kS3.cr3t_v4lue+with/odd=chars %!'()*&:é";
const CLIENT_ID = "00000000-0000-0000-0000-0000000000c1";
const form = (s: string) => new URLSearchParams([["", s]]).toString().slice(1);

/** Every shape the secret takes on the way to the token endpoint. */
function forms(request: SeenRequest): string[] {
  const list = [SECRET, encodeURIComponent(SECRET), form(SECRET)];
  const sentForm = /(?:^|&)client_secret=([^&]*)/.exec(request.body)?.[1];
  if (sentForm) list.push(sentForm);
  const authorization = request.headers.get("authorization");
  if (authorization) list.push(authorization, authorization.slice(6), atob(authorization.slice(6)));
  return list;
}

test("each form of the secret differs from the others (the test means something)", () => {
  const [raw, uri, formed] = [SECRET, encodeURIComponent(SECRET), form(SECRET)];
  assert.equal(new Set([raw, uri, formed]).size, 3);
  assert.ok(formed.includes("%7E") && formed.includes("+") && !formed.includes("%20"));
});

for (const authMethod of ["post", "basic"] as const) {
  test(`AuthenticationError never shows the client secret in any form (${authMethod})`, async () => {
    clearTokenCache();
    let seen: string[] = [];
    const fetch = scriptedFetch((request) => {
      seen = forms(request);
      const echo = seen.join(" | ");
      return Response.json({
        error: seen[0],
        error_description: `AADSTS7000215: Invalid client secret provided: ${echo}.\r\nTrace ID: x`,
        error_codes: [7000215],
        trace_id: echo,
        correlation_id: echo,
        timestamp: echo,
      }, { status: 401 });
    });
    const credential = new ClientSecretCredential({
      tenantId: "contoso.onmicrosoft.com",
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      authMethod,
      fetch,
    });
    await assert.rejects(credential.getToken("https://vault.azure.net/.default"), (error) => {
      assert.ok(error instanceof AuthenticationError);
      assert.ok(seen.length >= (authMethod === "basic" ? 6 : 4), String(seen.length));
      const shown = visible(error);
      for (const secret of seen) {
        assert.ok(!shown.includes(secret), `shows ${JSON.stringify(secret)}`);
      }
      assert.ok(!shown.includes(form(SECRET).slice(0, 12)), "not even a form-encoded prefix");
      assert.match(error.message, /Invalid client secret provided: \[REDACTED\]/);
      return true;
    });
  });
}

test("redact() cuts every form of each secret, longest first", () => {
  const token = "abc~def ghi";
  const text = `a ${token} b ${encodeURIComponent(token)} c ${form(token)} d ${token}~`;
  assert.equal(redact(text, [token]), "a [REDACTED] b [REDACTED] c [REDACTED] d [REDACTED]~");
  assert.equal(redact("x abc~ y", ["abc", "abc~"]), "x [REDACTED] y");
  assert.equal(redact("a short one", ["one"]), "a short one", "very short values are kept");
});
