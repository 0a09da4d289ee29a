/**
 * The lifecycle Key Vault gives secrets, keys and certificates alike: delete (and wait until the
 * deleted item can be read), read a deleted item, recover (and wait until the item is back),
 * purge, back up and restore. A client names its collection, how it reads a bundle and how it
 * maps one; the paths, the waits, the checks and the backup format are written once, here.
 */

import * as v from "valibot";
import { need } from "../http/_check.ts";
import { operationSignal } from "../http/_official_options.ts";
import { decodeBase64, encodeBase64 } from "../http/_base64.ts";
import { must, succeeds } from "../http/json.ts";
import { lazy } from "../http/_lazy.ts";
import { checkName } from "./_names.ts";
import { pollOptions, type VaultOperations } from "./_operations.ts";
import type { OperationOptions, PollOptions } from "./options.ts";

/** `{ value }` of a backup: non-empty base64url that `decodeBase64` decodes (made on first use). */
const backupSchema = /* @__PURE__ */ lazy(() =>
  v.object({
    value: v.pipe(
      v.string(),
      must("base64url", succeeds((s: string) => /^[\w\-+/]+={0,2}$/.test(s) && decodeBase64(s))),
    ),
  })
);

/** Reads one bundle of the collection (validated by the client's schema). */
export type BundleReader<B> = (
  method: string,
  path: string,
  signal: AbortSignal | undefined,
  body?: unknown,
) => Promise<B>;

/** The soft-delete lifecycle of one collection (`secrets`, `keys` or `certificates`). */
export class SoftDeletable<B> {
  readonly #ops: VaultOperations;
  readonly #collection: string;
  readonly #what: string;
  readonly #bundle: BundleReader<B>;

  constructor(
    ops: VaultOperations,
    collection: "secrets" | "keys" | "certificates",
    bundle: BundleReader<B>,
  ) {
    this.#ops = ops;
    this.#collection = collection;
    this.#what = collection.slice(0, -1);
    this.#bundle = bundle;
  }

  /** `DELETE /{collection}/{name}`; waits (by default) until the deleted item can be read. */
  async delete<T extends { recoveryId?: string | undefined }>(
    name: string,
    options: PollOptions,
    map: (bundle: B) => T,
  ): Promise<T> {
    const poll = pollOptions(options);
    const path = `/${this.#collection}/${checkName(name)}`;
    const deleted = map(await this.#bundle("DELETE", path, poll.signal));
    // Without soft delete there is no recoveryId and nothing to wait for.
    return poll.wait && deleted.recoveryId
      ? await this.#ops.poll(
        `deletion of ${this.#what} ${name}`,
        `/deleted${this.#collection}/${name}`,
        poll,
        deleted,
      )
      : deleted;
  }

  /** `GET /deleted{collection}/{name}`. */
  async getDeleted<T>(name: string, options: OperationOptions, map: (bundle: B) => T): Promise<T> {
    const path = `/deleted${this.#collection}/${checkName(name)}`;
    return map(await this.#bundle("GET", path, operationSignal(options)));
  }

  /** `POST /deleted{collection}/{name}/recover`; waits (by default) until the item is back. */
  async recover<T>(name: string, options: PollOptions, map: (bundle: B) => T): Promise<T> {
    const poll = pollOptions(options);
    const path = `/deleted${this.#collection}/${checkName(name)}/recover`;
    const recovered = map(await this.#bundle("POST", path, poll.signal));
    return poll.wait
      ? await this.#ops.poll(
        `recovery of ${this.#what} ${name}`,
        `/${this.#collection}/${name}/`,
        poll,
        recovered,
      )
      : recovered;
  }

  /** `DELETE /deleted{collection}/{name}`. */
  async purge(name: string, options: OperationOptions): Promise<void> {
    const path = `/deleted${this.#collection}/${checkName(name)}`;
    await this.#ops.call("DELETE", path, operationSignal(options), undefined, [204, 200]);
  }

  /** `POST /{collection}/{name}/backup`: the backup's bytes. */
  async backup(name: string, options: OperationOptions): Promise<Uint8Array> {
    const path = `/${this.#collection}/${checkName(name)}/backup`;
    const { value } = await this.#ops.read("POST", path, backupSchema(), operationSignal(options));
    return decodeBase64(value);
  }

  /** `POST /{collection}/restore` of a backup made by {@link SoftDeletable.backup}. */
  async restore<T>(
    backup: Uint8Array,
    options: OperationOptions,
    map: (bundle: B) => T,
  ): Promise<T> {
    need(backup instanceof Uint8Array && backup.length, "backup", "must be a non-empty Uint8Array");
    const body = { value: encodeBase64(backup, true) };
    return map(
      await this.#bundle("POST", `/${this.#collection}/restore`, operationSignal(options), body),
    );
  }
}
