/**
 * The certificates fake the client tests use is the emulator's vault (lib/testing/vault/), which
 * answers certificates, keys and secrets behind one challenge: this wrapper keeps the option
 * names the client tests were written with.
 */
import { type FakeVault, fakeVault, type RecordedRequest } from "../lib/testing/vault/vault.ts";

export const CERTS_VAULT_URL = "https://myvault.vault.azure.net";
export const CERTS_TENANT_ID = "6a1d3c8e-4b2f-4e7a-9c5d-0f1e2d3c4b5a";

/** How the fake is set up. */
export interface FakeCertificatesOptions {
  vaultUrl?: string;
  tenantId?: string;
  now?: () => number;
  /** Reads of a `Self` operation answered `inProgress` before it completes. Default 1. */
  pendingPolls?: number;
  /** 404s of `GET /deletedcertificates/{name}` after a delete. Default 1. */
  deleteDelayPolls?: number;
  /** 404s of `GET /certificates/{name}/` after a recover. Default 1. */
  recoverDelayPolls?: number;
  /** Page size without `maxresults`. Default 25. */
  defaultMaxResults?: number;
}

/** The fake: the vault's handler, what it saw, and the certificates' knobs. */
export interface FakeCertificates {
  handler: (request: Request) => Promise<Response>;
  readonly requests: RecordedRequest[];
  /** The whole vault (secrets, keys, certificates). */
  readonly vault: FakeVault;
  /** `knobs.pendingPolls` can be changed while the fake runs. */
  readonly state: { knobs: { pendingPolls: number } };
  /** The next read of `name`'s pending operation ends it `failed` with this error. */
  failOperation(name: string, error?: { code: string; message: string }): void;
}

/** Creates the fake. */
export function fakeCertificates(options: FakeCertificatesOptions = {}): FakeCertificates {
  const vault = fakeVault({
    vaultUrl: options.vaultUrl ?? CERTS_VAULT_URL,
    tenantId: options.tenantId ?? CERTS_TENANT_ID,
    ...(options.now ? { now: options.now } : {}),
    certificatePolls: options.pendingPolls ?? 1,
    deleteDelayPolls: options.deleteDelayPolls ?? 1,
    recoverDelayPolls: options.recoverDelayPolls ?? 1,
    ...(options.defaultMaxResults ? { defaultMaxResults: options.defaultMaxResults } : {}),
  });
  const control = vault.certificates;
  return {
    handler: vault.handler,
    requests: vault.requests,
    vault,
    state: {
      knobs: {
        get pendingPolls() {
          return control.pendingPolls;
        },
        set pendingPolls(value: number) {
          control.pendingPolls = value;
        },
      },
    },
    failOperation: (name, error) => control.failOperation(name, error),
  };
}
