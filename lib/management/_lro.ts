/**
 * The long-running-operation poller of every ARM call (PROTOCOL.md §2.4; ARM's
 * async-operations guide): one implementation for vault create, update, recover and purge and
 * resource group delete alike.
 *
 * 1. The first answer (`200`, `201`, `202`, `204`) ends the call when it is final: no
 *    `provisioningState`, or `Succeeded`, and not a `202`. `Failed`/`Canceled` is an
 *    {@link ArmOperationError}.
 * 2. Otherwise kvfetch polls `Azure-AsyncOperation` when the answer has one (`{status, error}`),
 *    else `Location` (`202` while running, then `200`/`204` with the result), else, for a `PUT`
 *    or `PATCH`, the resource itself until its `provisioningState` is terminal. Both URLs must
 *    be on the ARM endpoint's origin (`ERR_FOREIGN_OPERATION_URL` before anything is sent).
 * 3. Between polls it waits what `Retry-After` asks (else `pollIntervalMs`); a wait that would
 *    end past `maxWaitMs`, or a thousandth poll, ends with `ERR_OPERATION_TIMEOUT`. The
 *    caller's signal stops the wait and the polls at once.
 * 4. After `Azure-AsyncOperation` says `Succeeded`, a `PUT`/`PATCH` reads the resource for the
 *    result; so does a `Location` poll that ends without a body.
 */

import * as v from "valibot";
import { KvfetchError } from "../http/errors.ts";
import { readJson, tryReadJson } from "../http/json.ts";
import { retryAfterMs } from "../http/retry.ts";
import { type HttpResult, resultHead } from "../http/send.ts";
import { need } from "../http/_check.ts";
import { refuseOfficialOptions } from "../http/_official_options.ts";
import type { ArmErrorHintInput, ArmPipeline } from "./_arm_pipeline.ts";
import { ArmOperationError, readArmErrorFields } from "./errors.ts";
import type { ArmResponseInfo } from "./errors.ts";
import type { LroOptions } from "./options.ts";

/** At most this many polls per operation, whatever the clock says. */
const MAX_POLLS = 1000;

/** {@link LroOptions} after defaults and checks. */
export interface Lro {
  wait: boolean;
  interval: number;
  maxWait: number;
  signal?: AbortSignal | undefined;
  onResponse?: ((info: ArmResponseInfo) => void) | undefined;
}

/** Checks {@link LroOptions} and applies their defaults. */
export function lroOptions(options: LroOptions = {}): Lro {
  need(typeof options == "object" && options, "options", "must be an object");
  refuseOfficialOptions(options, "operation", ["onResponse"]);
  const { pollIntervalMs: interval = 2000, maxWaitMs: maxWait = 1_800_000 } = options;
  need(
    typeof interval == "number" && interval >= 0 && interval < Infinity,
    "pollIntervalMs",
    "must be a finite number >= 0",
    RangeError,
  );
  need(typeof maxWait == "number" && maxWait >= 0, "maxWaitMs", "must be >= 0", RangeError);
  need(
    options.onResponse === undefined || typeof options.onResponse == "function",
    "onResponse",
    "must be a function",
  );
  return {
    wait: options.waitForCompletion !== false,
    interval,
    maxWait,
    signal: options.signal,
    onResponse: options.onResponse,
  };
}

/** One long-running ARM call. */
export interface LroRequest<T> {
  method: "PUT" | "PATCH" | "POST" | "DELETE";
  url: URL;
  body?: unknown;
  /** The statuses the first answer may have. */
  expected: readonly number[];
  /** What is being done, for messages: `creation of vault my-vault`. */
  what: string;
  /** Builds the result from the response that carries it (`undefined`: no body to read). */
  result: (final: HttpResult | undefined) => Promise<T>;
  /** Advice for the message of an error of the first answer. */
  hint?: (error: ArmErrorHintInput) => string | undefined;
}

const OperationStatus = v.looseObject({ status: v.string(), error: v.optional(v.unknown()) });

/** The body of a result as an object, or `undefined` (empty, not JSON, not an object). */
async function bodyOf(result: HttpResult): Promise<Record<string, unknown> | undefined> {
  const json = await tryReadJson(result);
  return typeof json == "object" && json && !Array.isArray(json)
    ? json as Record<string, unknown>
    : undefined;
}

/** `properties.provisioningState` of a resource body, lower-cased. */
function stateOf(body: Record<string, unknown> | undefined): string | undefined {
  const state = (body?.properties as { provisioningState?: unknown } | undefined)
    ?.provisioningState;
  return typeof state == "string" ? state.toLowerCase() : undefined;
}

/** The error object of an operation status (`error`) or of a failed resource. */
const errorOf = (body: Record<string, unknown> | undefined): unknown =>
  body?.error ?? (body?.properties as { error?: unknown } | undefined)?.error;

const failed = (state: string | undefined) =>
  state === "failed" || state === "canceled" || state === "cancelled";
const terminal = (state: string | undefined) => state === "succeeded" || failed(state);

/** Runs a long-running ARM call to its end (or to its first answer without `wait`). */
export async function runLro<T>(arm: ArmPipeline, request: LroRequest<T>, lro: Lro): Promise<T> {
  const io = { signal: lro.signal, onResponse: lro.onResponse };
  const first = await arm.call(request.method, request.url, {
    ...io,
    body: request.body,
    expected: request.expected,
    hint: request.hint,
  });
  if (!lro.wait) return await request.result(first);

  const head = resultHead(first);
  const body = await bodyOf(first);
  const state = stateOf(body);
  const ended = (result: HttpResult, end: Record<string, unknown> | undefined, status: string) =>
    operationError(arm, request.what, result, errorOf(end), status);
  if (failed(state)) throw ended(first, body, state!);
  const header = (name: string, what: string) => {
    const value = head.headers.get(name);
    return value ? arm.link(value, what, request.url) : undefined;
  };
  // Both checked now: nothing is ever sent to a foreign origin.
  const asyncOperation = header("azure-asyncoperation", "Azure-AsyncOperation URL");
  let location = header("location", "Location URL");
  const onResource = request.method === "PUT" || request.method === "PATCH";
  const running = head.status === 202
    ? state !== "succeeded"
    : state !== undefined && !terminal(state);
  if (!running) return await request.result(head.status === 204 ? undefined : first);
  if (!asyncOperation && !location && !onResource) return await request.result(first);

  const { now, sleep } = arm.http;
  const start = now();
  let last = first;
  for (let polls = 1;; polls++) {
    const wait = retryAfterMs(resultHead(last).headers, now()) ?? lro.interval;
    if (now() - start + wait > lro.maxWait || polls > MAX_POLLS) {
      throw new KvfetchError(
        "ERR_OPERATION_TIMEOUT",
        `The ${request.what} did not finish within ${lro.maxWait} ms (${polls - 1} polls; ` +
          'Azure goes on with it): wait longer with "maxWaitMs", or pass ' +
          '"waitForCompletion: false"',
      );
    }
    await sleep(wait, lro.signal);
    if (asyncOperation) {
      last = await arm.call("GET", asyncOperation, { ...io, expected: [200, 201, 202] });
      const operation = await readJson(last, OperationStatus, "An Azure-AsyncOperation status");
      const status = operation.status.toLowerCase();
      if (failed(status)) throw ended(last, operation, status);
      if (status !== "succeeded") continue;
      return await request.result(onResource ? await arm.call("GET", request.url, io) : undefined);
    }
    if (location) {
      last = await arm.call("GET", location, { ...io, expected: [200, 201, 202, 204] });
      const { status, headers } = resultHead(last);
      if (status === 202) {
        const next = headers.get("location");
        if (next) location = arm.link(next, "Location URL", location);
        continue;
      }
      const final = status === 204 ? undefined : await bodyOf(last);
      if (failed(stateOf(final))) throw ended(last, final, stateOf(final)!);
      if (!onResource) return await request.result(final ? last : undefined);
      return await request.result(final ? last : await arm.call("GET", request.url, io));
    }
    last = await arm.call("GET", request.url, io);
    const resource = await bodyOf(last);
    const current = stateOf(resource);
    if (failed(current)) throw ended(last, resource, current!);
    if (current === undefined || current === "succeeded") return await request.result(last);
  }
}

/** The final response of an operation that must answer with a resource. */
export function bodied(final: HttpResult | undefined): HttpResult {
  if (!final) {
    throw new KvfetchError("ERR_INVALID_RESPONSE", "ARM ended the operation without the resource");
  }
  return final;
}

function operationError(
  arm: ArmPipeline,
  what: string,
  result: HttpResult,
  error: unknown,
  status: string,
): ArmOperationError {
  return new ArmOperationError({
    ...readArmErrorFields(error, arm.sensitive(result)),
    operationStatus: status[0]!.toUpperCase() + status.slice(1),
    what,
    info: arm.info(result),
  });
}
