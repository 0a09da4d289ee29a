/**
 * Reads a JSON response body and checks its shape with a valibot schema.
 *
 * @module
 */

import * as v from "valibot";
import { KvfetchError } from "./errors.ts";
import { type HttpResult, resultHead, resultText } from "./send.ts";

/**
 * One reason a response body did not match its schema, without the offending value: bodies
 * hold secrets, so only the path, the expectation and the JS type received are kept.
 *
 * @example Reading the issues of a failed validation
 * ```ts
 * import { ResponseBodyError, type ValidationIssue } from "kvfetch";
 *
 * function explain(error: unknown): string[] {
 *   if (!(error instanceof ResponseBodyError)) return [];
 *   return error.issues.map((i: ValidationIssue) =>
 *     `${i.path}: expected ${i.expected}, got ${i.received}`
 *   );
 * }
 * console.log(explain(new Error("x")));
 * ```
 */
export interface ValidationIssue {
  /** Where in the body, e.g. `attributes.exp` or `value[2].id` (empty for the root). */
  path: string;
  /** What the schema expected, e.g. `string` or `"RSA" | "EC"`. */
  expected: string | null;
  /** The JavaScript type found there: `string`, `number`, `null`, `array`, `object`, … */
  received: string;
  /** What kind of check failed, e.g. `type`, `min_length`, `url`. */
  check: string;
}

/**
 * Raised when a response body is not what the operation expects: `ERR_INVALID_JSON` when it
 * is not JSON at all, `ERR_INVALID_RESPONSE` when it does not match the schema (with the
 * `issues`). Neither the message nor any property holds a value from the body.
 *
 * @example Telling a broken body from an HTTP error
 * ```ts
 * import { ResponseBodyError } from "kvfetch";
 *
 * const error = new ResponseBodyError("ERR_INVALID_JSON", "GET /secrets: body is not JSON", {
 *   status: 200,
 *   issues: [],
 * });
 * console.log(error.code, error.status);
 * ```
 */
export class ResponseBodyError extends KvfetchError {
  /** The status of the response whose body was wrong. */
  readonly status: number;
  /** The schema mismatches (empty for `ERR_INVALID_JSON`). */
  readonly issues: ValidationIssue[];

  /**
   * Creates the error.
   *
   * @param code `ERR_INVALID_JSON` or `ERR_INVALID_RESPONSE`.
   * @param message A message without any value from the body.
   * @param details The response status and the sanitised issues.
   */
  constructor(
    code: "ERR_INVALID_JSON" | "ERR_INVALID_RESPONSE",
    message: string,
    details: { status: number; issues: ValidationIssue[] },
  ) {
    super(code, message);
    this.status = details.status;
    this.issues = details.issues;
  }

  static {
    this.prototype.name = "ResponseBodyError";
  }
}

/**
 * Reads a result's body as JSON and validates it with `schema`, returning the schema's output.
 *
 * @param what Names the body in messages, e.g. `"GET /secrets/x response"`.
 */
export async function readJson<const S extends v.GenericSchema>(
  from: Response | HttpResult,
  schema: S,
  what: string,
): Promise<v.InferOutput<S>> {
  const isResponse = from instanceof Response;
  const text = await (isResponse ? from.text() : resultText(from));
  const response = isResponse ? from : resultHead(from);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The SyntaxError's message quotes the body, so it is not kept as the cause.
    const type = response.headers.get("content-type") ?? "no content type";
    throw new ResponseBodyError(
      "ERR_INVALID_JSON",
      `${what} is not valid JSON (status ${response.status}, ${type}, ${text.length} characters)`,
      { status: response.status, issues: [] },
    );
  }
  return parseJson(json, schema, what, response.status);
}

/**
 * A valibot check whose issue says what was `expected` (a sanitised issue keeps no message,
 * since messages may quote the body). For checks of server data that later code relies on.
 */
export const must = <T>(expected: string, ok: (value: T) => boolean): v.RawCheckAction<T> =>
  v.rawCheck<T>(({ dataset, addIssue }) => {
    if (dataset.typed && !ok(dataset.value)) addIssue({ expected });
  });

/** A predicate that holds when `f(x)` returns something truthy without throwing (for {@link must}). */
export const succeeds = <T>(f: (x: T) => unknown): (x: T) => boolean => (x: T): boolean => {
  try {
    return !!f(x);
  } catch {
    return false;
  }
};

/** Validates already-parsed JSON with `schema`; see {@link readJson}. */
export function parseJson<const S extends v.GenericSchema>(
  json: unknown,
  schema: S,
  what: string,
  status: number,
): v.InferOutput<S> {
  const result = v.safeParse(schema, json);
  if (result.success) return result.output;
  throw invalidBody(what, status, result.issues.map((i) => sanitiseIssue(schema as SchemaNode, i)));
}

/** The `ERR_INVALID_RESPONSE` error for sanitised `issues` (at least one); see {@link readJson}. */
export function invalidBody(
  what: string,
  status: number,
  issues: ValidationIssue[],
): ResponseBodyError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new ResponseBodyError(
    "ERR_INVALID_RESPONSE",
    `${what} has an unexpected shape: at ${first.path || "the root"} expected ` +
      `${first.expected ?? first.check}, received ${first.received}${more}`,
    { status, issues },
  );
}

/** The parts of a valibot schema an issue path is walked along. */
type SchemaNode = {
  entries?: Record<string, SchemaNode>;
  item?: SchemaNode;
  value?: SchemaNode;
  wrapped?: SchemaNode;
} | undefined;

/**
 * Keeps an issue's path, walking the schema along it: array indexes and keys the schema
 * declares stay; any key the body chose (of a record or map, or an unknown one) becomes `[key]`.
 */
function sanitiseIssue(schema: SchemaNode, issue: v.BaseIssue<unknown>): ValidationIssue {
  let path = "";
  let node = schema;
  for (const item of issue.path ?? []) {
    while (node?.wrapped) node = node.wrapped; // optional, nullish, nullable
    const key = (item as { key?: unknown }).key;
    if (item.type === "array" && typeof key === "number") {
      path += `[${key}]`;
      node = node?.item;
    } else if (typeof key === "string" && node?.entries && Object.hasOwn(node.entries, key)) {
      path += path ? `.${key}` : key;
      node = node.entries[key];
    } else {
      path += "[key]";
      node = node?.value; // a record's values
    }
  }
  return { path, expected: issue.expected, received: typeName(issue.input), check: issue.type };
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/**
 * Reads a body as JSON, or `undefined` when it is empty or not JSON: for error responses,
 * whose bodies are read for whatever details they may hold.
 */
export async function tryReadJson(from: Response | HttpResult): Promise<unknown> {
  try {
    return JSON.parse(await (from instanceof Response ? from.text() : resultText(from)));
  } catch {
    return undefined;
  }
}
