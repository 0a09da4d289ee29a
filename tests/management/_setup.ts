/** The fake ARM on a loopback socket, and kvfetch's ARM clients routed to it. */
import {
  type AccessToken,
  clearCaches,
  type GetTokenOptions,
  ResourceGroupsClient,
  type VaultCreateOrUpdateParameters,
  VaultsClient,
  type VaultsClientOptions,
} from "../../mod.ts";
import type { FakeArm } from "../_fake_arm.ts";
import type { Loopback } from "../_loopback.ts";
import type { RoutedFetch } from "../_route.ts";
import {
  FAKE_ARM_ENDPOINT,
  FAKE_ARM_TENANT_ID,
  FAKE_SUBSCRIPTION_ID,
  fakeArm,
  type FakeArmOptions,
} from "../_fake_arm.ts";
import { routedFetch } from "../_route.ts";
import { serve } from "../_loopback.ts";

export const SUB = FAKE_SUBSCRIPTION_ID;
export const TENANT = FAKE_ARM_TENANT_ID;
export const OBJECT_ID = "4349cdfe-57fa-4f82-b57b-836dc8c26769";
export const START = Date.UTC(2026, 10, 28, 12, 0, 0);

/** A JWT-shaped token (unsigned) whose claims name `tid`, as Entra's ARM tokens do. */
export function armToken(n: number, tid = TENANT): string {
  const part = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "none", typ: "JWT" })}.${
    part({ aud: "https://management.azure.com", tid, n })
  }.sig`;
}

/** The parameters the Python sample creates its vaults with. */
export function sampleParameters(location = "westus"): VaultCreateOrUpdateParameters {
  return {
    location,
    properties: {
      tenantId: TENANT,
      sku: { name: "standard" },
      accessPolicies: [{
        tenantId: TENANT,
        objectId: OBJECT_ID,
        permissions: {
          keys: ["encrypt", "decrypt", "wrapKey", "get"],
          secrets: ["get", "list", "set"],
        },
      }],
    },
  };
}

/** What {@link armSetup} sets up. */
export interface ArmSetup {
  arm: FakeArm;
  fetch: RoutedFetch;
  credential: {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken>;
  };
  http: {
    fetch: RoutedFetch;
    now: () => number;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  };
  vaults: VaultsClient;
  groups: ResourceGroupsClient;
  tokenCalls: { scopes: string[]; options: GetTokenOptions }[];
  waits: number[];
  server: Loopback;
  tick: (ms: number) => number;
  trail: (from?: number) => string[];
  close: () => Promise<void>;
}

/** The fake ARM, served; clients on a test clock whose sleeps advance it. */
export async function armSetup(
  fakeOptions: FakeArmOptions = {},
  clientOptions: VaultsClientOptions = {},
): Promise<ArmSetup> {
  clearCaches();
  let clock = START;
  const now = () => clock;
  const arm = fakeArm({ now, ...fakeOptions });
  const server = await serve(arm.handler);
  const fetch = routedFetch({ [FAKE_ARM_ENDPOINT]: server.origin });
  const tokenCalls: { scopes: string[]; options: GetTokenOptions }[] = [];
  const credential = {
    getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
      tokenCalls.push({ scopes: [scopes].flat(), options });
      return Promise.resolve({
        token: armToken(tokenCalls.length),
        expiresOnTimestamp: clock + 3_600_000,
      });
    },
  };
  const waits: number[] = [];
  const sleep = (ms: number, signal?: AbortSignal) => {
    waits.push(ms);
    clock += ms;
    signal?.throwIfAborted();
    return Promise.resolve();
  };
  const http = { fetch, now, sleep };
  const vaults = new VaultsClient(SUB, credential, { ...http, ...clientOptions });
  const groups = new ResourceGroupsClient(SUB, credential, http);
  return {
    arm,
    fetch,
    credential,
    http,
    vaults,
    groups,
    tokenCalls,
    waits,
    server,
    tick: (ms: number) => (clock += ms),
    /** The requests the fake saw since `from`, as `METHOD path status`. */
    trail: (from = 0) => arm.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`),
    close: () => server.close(),
  };
}
