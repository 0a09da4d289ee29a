/** A fake vault (with keys) on a loopback socket, and a KeyClient routed to it. */
import { type AccessToken, KeyClient, type KeyClientOptions } from "../mod.ts";
import { clearCaches } from "../lib/http/caches.ts";
import {
  FAKE_VAULT_URL,
  type FakeVault,
  fakeVault,
  type FakeVaultOptions,
  type RecordedRequest,
} from "./_fake_vault.ts";
import { routedFetch } from "./_route.ts";
import { serve } from "./_loopback.ts";

/** The default Managed HSM URL of the fake. */
export const FAKE_HSM_URL = "https://myhsm.managedhsm.azure.net";

/** What {@link keySetup} returns. */
export interface KeySetup {
  vault: FakeVault;
  client: KeyClient;
  credential: { getToken(): Promise<AccessToken> };
  options: KeyClientOptions;
  waits: number[];
  operations: () => RecordedRequest[];
  tick: (ms: number) => number;
  now: () => number;
  close: () => Promise<void>;
}

/** Starts a fake vault on a loopback socket and a client for it. */
export async function keySetup(
  vaultOptions: FakeVaultOptions = {},
  clientOptions: KeyClientOptions = {},
): Promise<KeySetup> {
  clearCaches();
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const vaultUrl = vaultOptions.vaultUrl ?? FAKE_VAULT_URL;
  const hsm = new URL(vaultUrl).hostname.endsWith(".managedhsm.azure.net");
  const vault = fakeVault({
    now: () => clock,
    ...(hsm ? { resource: "https://managedhsm.azure.net" } : {}),
    ...vaultOptions,
  });
  const server = await serve(vault.handler);
  const fetch = routedFetch({ [vaultUrl]: server.origin });
  let tokens = 0;
  const credential = {
    getToken(): Promise<AccessToken> {
      tokens++;
      return Promise.resolve({ token: `tok-${tokens}`, expiresOnTimestamp: clock + 3_600_000 });
    },
  };
  const waits: number[] = [];
  const options: KeyClientOptions = {
    fetch,
    now: () => clock,
    sleep: (ms, signal) => {
      waits.push(ms);
      clock += ms;
      signal?.throwIfAborted();
      return Promise.resolve();
    },
    ...clientOptions,
  };
  const client = new KeyClient(vaultUrl, credential, options);
  /** The requests that reached an operation (not the challenge probes). */
  const operations = () => vault.requests.filter((r) => r.status !== 401);
  return {
    vault,
    client,
    credential,
    options,
    waits,
    operations,
    tick: (ms: number) => (clock += ms),
    now: () => clock,
    close: () => server.close(),
  };
}
