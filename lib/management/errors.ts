/**
 * The errors of Azure Resource Manager calls, and what every ARM response says about the
 * caller's remaining request quota.
 *
 * @module
 */

import * as v from "valibot";
import { KvfetchError, RestError, type RestErrorInit } from "../http/errors.ts";
import { ifShaped, redact } from "../http/_redact.ts";
import { stripQuery } from "../http/_url.ts";

/**
 * One entry of an ARM error's `details` (ARM's `ErrorDetail`): often the field-by-field reasons
 * of a `400` (`InvalidParameter` on `properties.softDeleteRetentionInDays`, …).
 *
 * @example Listing the fields ARM refused
 * ```ts
 * import type { ArmErrorDetail } from "kvfetch/management";
 *
 * const detail: ArmErrorDetail = {
 *   code: "InvalidParameter",
 *   message: "The retention must be between 7 and 90 days.",
 *   target: "properties.softDeleteRetentionInDays",
 * };
 * console.log(detail.target);
 * ```
 */
export interface ArmErrorDetail {
  /** The code, e.g. `InvalidParameter`. */
  code?: string | undefined;
  /** The message. */
  message?: string | undefined;
  /** What it is about, e.g. a property path. */
  target?: string | undefined;
  /** Nested details. */
  details?: ArmErrorDetail[] | undefined;
}

/**
 * What one ARM response said besides its body: status, ids to quote to Azure support, and the
 * caller's remaining request quota (`x-ms-ratelimit-remaining-*`).
 *
 * @example Slowing down when the write quota runs low
 * ```ts
 * import type { ArmResponseInfo } from "kvfetch/management";
 *
 * function lowOnWrites(info: ArmResponseInfo): boolean {
 *   return (info.rateLimits["subscription-writes"] ?? Infinity) < 50;
 * }
 * console.log(lowOnWrites({ status: 200, method: "PUT", url: "", rateLimits: {} }));
 * ```
 */
export interface ArmResponseInfo {
  /** The HTTP status. */
  status: number;
  /** The request method. */
  method: string;
  /** The request URL without its query. */
  url: string;
  /** `x-ms-request-id`. */
  requestId?: string | undefined;
  /** `x-ms-correlation-request-id`: one id for every request of an ARM operation. */
  correlationId?: string | undefined;
  /**
   * The remaining quota, by the header's suffix: `x-ms-ratelimit-remaining-subscription-reads: 11999`
   * becomes `{ "subscription-reads": 11999 }`. Only whole numbers are kept.
   */
  rateLimits: Readonly<Record<string, number>>;
}

const RATE_LIMIT = "x-ms-ratelimit-remaining-";
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The {@link ArmResponseInfo} of a response's status and headers. */
export function responseInfo(
  status: number,
  headers: Headers,
  method: string,
  url: string,
): ArmResponseInfo {
  const rateLimits: Record<string, number> = {};
  headers.forEach((value, name) => {
    if (name.startsWith(RATE_LIMIT) && /^\d{1,15}$/.test(value.trim())) {
      rateLimits[name.slice(RATE_LIMIT.length)] = Number(value);
    }
  });
  return {
    status,
    method,
    url: stripQuery(url),
    requestId: ifShaped(headers.get("x-ms-request-id"), GUID),
    correlationId: ifShaped(headers.get("x-ms-correlation-request-id"), GUID),
    rateLimits,
  };
}

/** What kvfetch returned, mapped to the response it came from. */
const infos = new WeakMap<object, ArmResponseInfo>();

/** Remembers the response `info` a result object came from (see {@link armResponseOf}). */
export function withInfo<T>(result: T, info: ArmResponseInfo): T {
  if (typeof result == "object" && result) infos.set(result, info);
  return result;
}

/**
 * The response an object returned by `VaultsClient` or `ResourceGroupsClient` came from: its
 * status, request ids and remaining request quota. `undefined` for any other object. Every
 * operation also takes an `onResponse` callback, which sees every response (polls included).
 *
 * @example Reading the remaining read quota after a call
 * ```ts
 * import { armResponseOf, VaultsClient } from "kvfetch/management";
 * import { createEmulator } from "kvfetch/testing";
 *
 * const emulator = createEmulator({ vaults: ["myvault"] });
 *
 * const vaults = new VaultsClient(
 *   emulator.subscriptionId,
 *   emulator.credential(),
 *   { fetch: emulator.fetch }, // against Azure: leave out fetch
 * );
 * async function remainingReads(): Promise<number | undefined> {
 *   const vault = await vaults.get("my-group", "my-vault");
 *   return armResponseOf(vault)?.rateLimits["subscription-reads"];
 * }
 * ```
 */
export function armResponseOf(result: object): ArmResponseInfo | undefined {
  return infos.get(result);
}

const AZURE_CODE = /^[A-Za-z][\w.]{0,99}$/;
/** Bounds on what is read of a hostile body: levels, entries per level, entries in all. */
const MAX_DEPTH = 8;
const MAX_DETAILS = 100;

const ErrorFields = v.looseObject({
  code: v.optional(v.unknown()),
  message: v.optional(v.unknown()),
  target: v.optional(v.unknown()),
  details: v.optional(v.unknown()),
});

/** Azure's `{"error": {...}}` fields, read leniently, codes kept only when shaped like codes. */
export interface ArmErrorFields {
  errorCode?: string | undefined;
  serviceMessage?: string | undefined;
  target?: string | undefined;
  details: ArmErrorDetail[];
}

/**
 * Reads an ARM error object (`{code, message, target, details}`) leniently: anything of another
 * shape is left out, `sensitive` values are cut out of the texts, and at most 8 levels and 100
 * details are read.
 */
export function readArmErrorFields(error: unknown, sensitive: string[]): ArmErrorFields {
  let budget = MAX_DETAILS;
  const text = (x: unknown) => typeof x == "string" ? redact(x, sensitive) : undefined;
  const read = (node: unknown, depth: number): ArmErrorFields => {
    const parsed = v.safeParse(ErrorFields, node);
    if (!parsed.success) return { details: [] };
    const { code, message, target, details } = parsed.output;
    const list: ArmErrorDetail[] = [];
    if (Array.isArray(details) && depth < MAX_DEPTH) {
      for (const item of details) {
        if (budget-- <= 0) break;
        const fields = read(item, depth + 1);
        list.push({
          code: fields.errorCode,
          message: fields.serviceMessage,
          target: fields.target,
          details: fields.details.length ? fields.details : undefined,
        });
      }
    }
    return {
      errorCode: ifShaped(text(code), AZURE_CODE),
      serviceMessage: text(message),
      target: text(target),
      details: list,
    };
  };
  return read(error, 0);
}

/**
 * What an {@link ArmError} is built from.
 *
 * @example An ArmError for a test double
 * ```ts
 * import { ArmError, type ArmErrorInit } from "kvfetch/management";
 *
 * const init: ArmErrorInit = {
 *   status: 409,
 *   method: "PUT",
 *   url: "https://management.azure.com/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v",
 *   errorCode: "ConflictError",
 *   info: { status: 409, method: "PUT", url: "", rateLimits: {} },
 *   softDeletedConflict: true,
 * };
 * console.log(new ArmError(init).softDeletedConflict);
 * ```
 */
export interface ArmErrorInit extends RestErrorInit {
  /** `error.target`. */
  target?: string | undefined;
  /** `error.details`. */
  details?: ArmErrorDetail[] | undefined;
  /** What the response said besides its body. */
  info: ArmResponseInfo;
  /** Advice appended to the message (e.g. how to free a name held by a soft-deleted vault). */
  hint?: string | undefined;
  /** The name is held by a soft-deleted vault (a `409`). */
  softDeletedConflict?: boolean | undefined;
}

/**
 * An ARM response with a status the operation did not expect: a {@link RestError} with ARM's
 * `details` and `target`, the correlation id and the remaining request quota.
 *
 * A `409` on creating a vault whose name a soft-deleted vault still holds has
 * `softDeletedConflict: true`, and its message says to recover the vault
 * (`VaultsClient.recover`) or purge it (`VaultsClient.purgeDeleted`).
 *
 * @example Freeing a name held by a soft-deleted vault
 * ```ts
 * import { ArmError } from "kvfetch/management";
 *
 * function mustPurgeFirst(error: unknown): boolean {
 *   return error instanceof ArmError && error.softDeletedConflict;
 * }
 * console.log(mustPurgeFirst(new Error("x")));
 * ```
 */
export class ArmError extends RestError {
  /** `error.target`. */
  readonly target: string | undefined;
  /** `error.details`, read leniently (at most 8 levels and 100 entries). */
  readonly details: ArmErrorDetail[];
  /** `x-ms-correlation-request-id`. */
  readonly correlationId: string | undefined;
  /** The remaining request quota, from `x-ms-ratelimit-remaining-*`. */
  readonly rateLimits: Readonly<Record<string, number>>;
  /** The name is held by a soft-deleted vault: recover or purge it first. */
  readonly softDeletedConflict: boolean;

  /**
   * Creates the error.
   *
   * @param init The status, request, ARM error fields and response details.
   */
  constructor(init: ArmErrorInit) {
    const detail = init.errorCode ? ` (${init.errorCode})` : "";
    const why = init.serviceMessage ? `: ${init.serviceMessage}` : "";
    super({
      ...init,
      message: init.message ??
        `${init.method} ${stripQuery(init.url)} failed with status ${init.status}${detail}${why}` +
          (init.hint ? `. ${init.hint}` : ""),
    });
    this.target = init.target;
    this.details = init.details ?? [];
    this.correlationId = init.info.correlationId;
    this.rateLimits = init.info.rateLimits;
    this.softDeletedConflict = init.softDeletedConflict ?? false;
  }

  static {
    this.prototype.name = "ArmError";
  }
}

/**
 * What an {@link ArmOperationError} is built from.
 *
 * @example
 * ```ts
 * import { ArmOperationError, type ArmOperationErrorInit } from "kvfetch/management";
 *
 * const init: ArmOperationErrorInit = {
 *   operationStatus: "Failed",
 *   what: "purge of vault my-vault",
 *   errorCode: "InternalError",
 *   details: [],
 *   info: { status: 200, method: "GET", url: "", rateLimits: {} },
 * };
 * console.log(new ArmOperationError(init).message);
 * ```
 */
export interface ArmOperationErrorInit {
  /** The operation's `error.code`. */
  errorCode?: string | undefined;
  /** The operation's `error.message`. */
  serviceMessage?: string | undefined;
  /** The operation's `error.target`. */
  target?: string | undefined;
  /** The operation's `error.details`. */
  details: ArmErrorDetail[];
  /** The status the operation ended with: `Failed` or `Canceled`. */
  operationStatus: string;
  /** What was being done, e.g. `creation of vault my-vault`. */
  what: string;
  /** The response that reported the end. */
  info: ArmResponseInfo;
}

/**
 * A long-running ARM operation that ended `Failed` or `Canceled` (`ERR_OPERATION_FAILED`),
 * with the operation's error: ARM's code, message, target and details.
 *
 * @example Telling a failed operation from a refused request
 * ```ts
 * import { ArmError, ArmOperationError } from "kvfetch/management";
 *
 * function explain(error: unknown): string {
 *   if (error instanceof ArmOperationError) return `ended ${error.operationStatus}: ${error.errorCode}`;
 *   if (error instanceof ArmError) return `refused: ${error.status} ${error.errorCode}`;
 *   return String(error);
 * }
 * console.log(explain(new Error("x")));
 * ```
 */
export class ArmOperationError extends KvfetchError {
  /** `Failed` or `Canceled`. */
  readonly operationStatus: string;
  /** The operation's `error.code`. */
  readonly errorCode: string | undefined;
  /** The operation's `error.message`. */
  readonly serviceMessage: string | undefined;
  /** The operation's `error.target`. */
  readonly target: string | undefined;
  /** The operation's `error.details`. */
  readonly details: ArmErrorDetail[];
  /** The URL that reported the end (without its query). */
  readonly url: string;
  /** `x-ms-request-id` of that response. */
  readonly requestId: string | undefined;
  /** `x-ms-correlation-request-id` of that response. */
  readonly correlationId: string | undefined;
  /** The remaining request quota, from `x-ms-ratelimit-remaining-*`. */
  readonly rateLimits: Readonly<Record<string, number>>;

  /**
   * Creates the error.
   *
   * @param init The operation's end state and error.
   */
  constructor(init: ArmOperationErrorInit) {
    const code = init.errorCode ? ` (${init.errorCode})` : "";
    const why = init.serviceMessage ? `: ${init.serviceMessage}` : "";
    super("ERR_OPERATION_FAILED", `The ${init.what} ended ${init.operationStatus}${code}${why}`);
    this.operationStatus = init.operationStatus;
    this.errorCode = init.errorCode;
    this.serviceMessage = init.serviceMessage;
    this.target = init.target;
    this.details = init.details;
    this.url = init.info.url;
    this.requestId = init.info.requestId;
    this.correlationId = init.info.correlationId;
    this.rateLimits = init.info.rateLimits;
  }

  static {
    this.prototype.name = "ArmOperationError";
  }
}
