/**
 * The error of a certificate operation that ended `failed` or `cancelled`.
 *
 * @module
 */

import { KvfetchError } from "../http/errors.ts";
import type { CertificateOperation, CertificateOperationError } from "./certificates_models.ts";

/**
 * A certificate creation that ended `failed` (the issuer refused, the CSR was bad, …) or
 * `cancelled` (`cancelCertificateOperation`). Its code is `ERR_OPERATION_FAILED`; `status` says
 * which, `error` is Azure's error of the operation, and `operation` the whole operation.
 *
 * @example Telling a cancelled creation from a failed one
 * ```ts
 * import { CertificateOperationFailedError } from "kvfetch/certificates";
 *
 * function explain(error: unknown): string {
 *   if (error instanceof CertificateOperationFailedError) {
 *     return error.status === "cancelled"
 *       ? `creation of ${error.operation.name} was cancelled`
 *       : `the issuer said ${error.error?.code}: ${error.error?.message}`;
 *   }
 *   return String(error);
 * }
 * console.log(explain(new Error("other")));
 * ```
 */
export class CertificateOperationFailedError extends KvfetchError {
  /** `failed` or `cancelled`. */
  readonly status: string;
  /** Azure's error of the operation (absent for a cancellation). */
  readonly error: CertificateOperationError | undefined;
  /** The operation as Key Vault last reported it. */
  readonly operation: CertificateOperation;

  /**
   * Creates the error from the finished operation.
   *
   * @param operation The operation, whose status is `failed` or `cancelled`.
   */
  constructor(operation: CertificateOperation) {
    const status = operation.status ?? "failed";
    const e = operation.error;
    const why = e ? `: ${e.code ?? "error"}${e.message ? ` (${e.message})` : ""}` : "";
    super(
      "ERR_OPERATION_FAILED",
      `The creation of certificate ${operation.name} ended ${status}${why}`,
    );
    this.status = status;
    this.error = e;
    this.operation = operation;
  }

  /**
   * `"CertificateOperationFailedError"`, from the prototype (a getter rather than a static
   * block, so that bundles that never use the class can drop it).
   */
  override get name(): string {
    return "CertificateOperationFailedError";
  }
}
