/**
 * Turns an unexpected HTTP response into a {@link RestError}, reading Azure's error body.
 *
 * @module
 */

import * as v from "valibot";
import { RestError } from "./errors.ts";
import type { HttpResult } from "./send.ts";
import { ifShaped, redact } from "./_redact.ts";

/** What an Azure error code looks like (`SecretNotFound`, `Microsoft.KeyVault…`). */
const AZURE_CODE = /^[A-Za-z][\w.]{0,99}$/;

/** `{"error":{"code","message","innererror":{"code","innererror":{...}}}}`, as Azure sends it. */
const AzureErrorBody = v.object({
  error: v.object({
    code: v.nullish(v.string()),
    message: v.nullish(v.string()),
    innererror: v.nullish(v.unknown()),
  }),
});

const InnerError = v.object({ code: v.nullish(v.string()), innererror: v.nullish(v.unknown()) });

/** The parts of an Azure error body kvfetch reports. */
export interface AzureErrorDetails {
  /** `error.code`. */
  errorCode?: string | undefined;
  /** `error.message`. */
  serviceMessage?: string | undefined;
  /** The code of the innermost `innererror` that has one. */
  innerErrorCode?: string | undefined;
}

/**
 * Reads `error.code`, `error.message` and the innermost `innererror.code` from a body.
 * Anything else (not JSON, another shape) yields an empty result: an error body must never be
 * the reason an error cannot be reported. Codes are kept only when they look like Azure codes
 * (a letter, then up to 99 letters, digits, `_` and `.`); `sensitive` values are cut out of all
 * three fields.
 */
export function parseAzureErrorBody(text: string, sensitive: string[] = []): AzureErrorDetails {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = v.safeParse(AzureErrorBody, json);
  if (!parsed.success) return {};
  const { code, message } = parsed.output.error;
  let innerErrorCode: string | undefined;
  let inner: unknown = parsed.output.error.innererror;
  // Bounded: a hostile body could nest deeply.
  for (let depth = 0; depth < 32 && inner != null; depth++) {
    const level = v.safeParse(InnerError, inner);
    if (!level.success) break;
    if (level.output.code) innerErrorCode = level.output.code;
    inner = level.output.innererror;
  }
  const asCode = (c: string | null | undefined) => ifShaped(redact(c ?? "", sensitive), AZURE_CODE);
  return {
    errorCode: asCode(code),
    serviceMessage: redact(message ?? undefined, sensitive),
    innerErrorCode: asCode(innerErrorCode),
  };
}

/**
 * Builds the {@link RestError} for a response the operation did not expect. Reads (and so
 * releases) the body; the error keeps the response, readable again, as `error.response`.
 * `sensitive` values (such as the bearer token that was sent) are cut out of what the error
 * reports of the body.
 */
export async function responseError(
  result: HttpResult,
  sensitive: string[] = [],
): Promise<RestError> {
  const { response } = result;
  const kept = response.bodyUsed ? response : response.clone();
  let text = "";
  try {
    text = response.bodyUsed ? "" : await response.text();
  } catch {
    text = "";
  }
  return new RestError({
    status: response.status,
    method: result.method,
    url: result.url,
    ...parseAzureErrorBody(text, sensitive),
    requestId: response.headers.get("x-ms-request-id") ?? undefined,
    clientRequestId: result.clientRequestId,
    attempts: result.attempts,
    response: kept,
  });
}
