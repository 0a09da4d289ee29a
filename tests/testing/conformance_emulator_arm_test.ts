/**
 * Conformance of the emulator's ARM with the sessions the Azure management libraries for .NET
 * recorded (`KVFETCH_CONFORMANCE_DIR/recordings/arm-net`): each `/subscriptions/…` request is
 * sent to the emulator with its recorded body (the emulator plays the recorded tenant and
 * subscription), and each answer must have the recorded status and a body of the same shape
 * (the same top-level members and the same `properties` members).
 *
 * Differences allowed, and why:
 * - Microsoft Graph calls (`graph.windows.net`: applications, users) are not sent: the emulator
 *   has no Graph.
 * - A resource group deletion is followed through the emulator's own `Location`: the emulator
 *   finishes it in fewer polls than the recorded subscription did, so a recorded `202` poll may
 *   be answered `200`; every recorded `200` poll must be `200`.
 * - Listings are compared as a whole (the emulator's pages against the recorded ones, which
 *   `$skiptoken` pages of 2018-02-14 follow): the same vault names.
 * - The comparison leaves out `provisioningState` (the emulator's vault may be further along), and
 *   the members the emulator answers that API 2018-02-14 did not: `systemData`, and the vault
 *   flags `enableSoftDelete`, `softDeleteRetentionInDays`, `enableRbacAuthorization`,
 *   `publicNetworkAccess`, `enabledForDiskEncryption` and `enabledForTemplateDeployment` (the
 *   2018 service left out the `false` ones it was not sent). Every member of the recorded answer
 *   must be in the emulator's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulator } from "../../lib/testing/mod.ts";
import { emulatorCall, type Json, parseJson, SCOPES, tokenFor } from "../_emulator_call.ts";
import { followPages, forEachConformanceFile } from "../_conformance_emulator.ts";

interface NetEntry {
  RequestUri: string;
  RequestMethod: string;
  RequestBody: string | null;
  StatusCode: number;
  ResponseHeaders: Record<string, string[] | string>;
  ResponseBody: string | null;
}

const LATER = new Set([
  "provisioningState",
  "enableSoftDelete",
  "softDeleteRetentionInDays",
  "enableRbacAuthorization",
  "publicNetworkAccess",
  "enabledForDiskEncryption",
  "enabledForTemplateDeployment",
  "systemData",
]);

const members = (o: unknown, skip = new Set<string>()) =>
  o && typeof o === "object" ? Object.keys(o).filter((k) => !skip.has(k)).sort() : [];

function shape(body: Json | undefined): unknown {
  if (body === undefined) return undefined;
  return { top: members(body, LATER), properties: members(body.properties, LATER) };
}

const names = (body: Json | undefined) =>
  ((body?.value as Json[] | undefined) ?? []).map((v) => String(v.name));

await forEachConformanceFile(
  "recordings/arm-net",
  "conformance: the emulator replays arm-net",
  (file, read) =>
    test(`conformance: the emulator's ARM answers arm-net/${file} as recorded`, async () => {
      const entries = (await read() as { Entries: NetEntry[] }).Entries
        .filter((e) => e.RequestUri.includes("/subscriptions/"));
      const subscriptionId = /\/subscriptions\/([^/]+)/.exec(entries[0]!.RequestUri)![1]!;
      const tenant = /"tenantId":\s*"([^"]+)"/.exec(
        entries.map((e) => e.RequestBody ?? "").join(""),
      )?.[1];
      const emulator = createEmulator({
        subscriptionId,
        ...(tenant ? { tenantId: tenant } : {}),
      });
      const token = await tokenFor(emulator, SCOPES.arm);
      const send = (method: string, url: string, body?: string | null) =>
        emulatorCall(emulator, token, method, url, body);
      let operation: string | undefined;
      for (const [index, entry] of entries.entries()) {
        const url = new URL(entry.RequestUri, "https://management.azure.com");
        const what = `${file}: ${entry.RequestMethod} ${url.pathname}`;
        if (url.searchParams.has("$skiptoken")) continue; // folded into the first page
        if (url.pathname.includes("/operationresults/")) {
          assert.ok(operation, `${what}: a deletion was started`);
          const poll = await send("GET", operation);
          if (entry.StatusCode === 200) assert.equal(poll.status, 200, what);
          else assert.ok(poll.status === 202 || poll.status === 200, `${what}: ${poll.status}`);
          continue;
        }
        const response = await send(entry.RequestMethod, url.href, entry.RequestBody);
        const text = response.text;
        assert.equal(response.status, entry.StatusCode, `${what}: ${text}`);
        if (response.status === 202) operation = response.headers.get("location") ?? undefined;
        const recorded = parseJson(entry.ResponseBody);
        const answer = parseJson(text);
        if (Array.isArray(recorded?.value)) {
          const ours = await followPages(
            answer,
            async (link) => parseJson((await send("GET", link)).text),
            names,
          );
          const theirs = entries.filter((e, i) =>
            i === index ||
            (i > index && e.RequestMethod === "GET" &&
              new URL(e.RequestUri, "https://x").pathname === url.pathname &&
              e.RequestUri.includes("skiptoken"))
          ).flatMap((e) => names(parseJson(e.ResponseBody)));
          assert.deepEqual(ours.sort(), theirs.sort(), `${what}: the listing`);
          continue;
        }
        assert.deepEqual(shape(answer), shape(recorded), `${what}: body shape`);
      }
    }),
);
