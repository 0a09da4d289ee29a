/**
 * The state model of the fake Azure Resource Manager (`./_fake_arm.ts` is its HTTP side): resource
 * groups, key vaults, soft-deleted vaults and long-running operations, as plain objects, with
 * ARM's rules (global vault names, soft delete, purge, recover) and no HTTP in sight. Every
 * method either returns what ARM would answer or throws an {@link ArmFault} with ARM's status,
 * code and message. `snapshot()` serialises it all.
 *
 * Long-running operations advance per status check: a new vault stays `RegisteringDns` for
 * `registrationPolls` checks of its operation, a purge and a group deletion likewise. Dates come
 * from the injected clock.
 */

/** ARM's refusal: a status and ARM's `{"error": {code, message, target, details}}`. */
export class ArmFault extends Error {
  readonly status: number;
  readonly code: string;
  readonly target: string | undefined;
  readonly details: { code: string; message: string; target?: string }[] | undefined;
  constructor(
    status: number,
    code: string,
    message: string,
    extra: { target?: string; details?: { code: string; message: string; target?: string }[] } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = extra.target;
    this.details = extra.details;
  }
  /** The error body. */
  body(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.target !== undefined) error.target = this.target;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** What an operation is about. */
export type OperationKind = "vault" | "purge" | "group-delete";

/** A long-running operation. */
export interface OperationState {
  id: string;
  kind: OperationKind;
  subscriptionId: string;
  /** The vault or group name. */
  name: string;
  /** The location (vault operations). */
  location: string;
  status: "InProgress" | "Succeeded" | "Failed";
  /** Status checks still answered "running". */
  pollsLeft: number;
  startTime: number;
  endTime?: number;
  /** The error it fails with (see {@link ArmState.failNextOperation}). */
  error?: { status: number; code: string; message: string; details?: unknown[] };
  /** Polls answered so far. */
  polls: number;
}

/** A key vault inside the fake. */
export interface VaultState {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  /** The properties as ARM stores them (what was sent, plus ARM's defaults). */
  properties: Record<string, unknown>;
  provisioning: "RegisteringDns" | "Succeeded";
  createdAt: number;
  modifiedAt: number;
  /** The operation registering its DNS name, while it runs. */
  operation?: string;
  /** Data-plane requests still refused with `VaultRegisteringDns` after ARM says `Succeeded`. */
  dnsLag: number;
}

/** A soft-deleted vault. */
export interface DeletedVaultState {
  vault: VaultState;
  deletionDate: number;
  scheduledPurgeDate: number;
  /** The purge operation, while it runs. */
  purge?: string;
}

/** A resource group. */
export interface GroupState {
  subscriptionId: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  managedBy?: string;
  /** The deletion operation, while it runs. */
  deleting?: string;
}

/** A plain-JSON copy of an {@link ArmState}. */
export interface ArmSnapshot {
  groups: GroupState[];
  vaults: VaultState[];
  deleted: DeletedVaultState[];
  operations: OperationState[];
}

/** How the state behaves. */
export interface ArmStateOptions {
  /** The clock, in ms. Default `Date.now`. */
  now?: () => number;
  /** The DNS suffix of `vaultUri`s (another cloud's). Default `vault.azure.net`. */
  vaultDnsSuffix?: string;
  /** Status checks a new vault's operation answers "running". Default 2. */
  registrationPolls?: number;
  /** Status checks a purge answers "running". Default 1. */
  purgePolls?: number;
  /** Status checks a group deletion answers "running". Default 2. */
  groupDeletePolls?: number;
  /** Data-plane requests refused with `VaultRegisteringDns` after a new vault succeeds. Default 0. */
  dnsLag?: number;
  /** The principal named in `systemData`. */
  principal?: string;
  /** Where operation ids come from. Default `crypto.randomUUID`. */
  uuid?: () => string;
}

const DAY_MS = 86_400_000;
const VAULT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY = (...parts: string[]) => parts.map((p) => p.toLowerCase()).join("/");

/** ARM's date-time format, with seven fraction digits. */
export function armDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/** The resource id of a vault. */
export function vaultId(sub: string, group: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${name}`;
}

/** The state of a fake ARM: groups, vaults, deleted vaults, operations. */
export class ArmState {
  readonly now: () => number;
  readonly options: Required<Omit<ArmStateOptions, "now" | "uuid">>;
  readonly uuid: () => string;
  readonly groups = new Map<string, GroupState>();
  /** Vaults by lower-cased name: vault names are global. */
  readonly vaults = new Map<string, VaultState>();
  /** Deleted vaults by lower-cased name. */
  readonly deleted = new Map<string, DeletedVaultState>();
  readonly operations = new Map<string, OperationState>();
  #nextFailure: OperationState["error"] | undefined;
  #ids = 0;

  constructor(options: ArmStateOptions = {}) {
    this.now = options.now ?? Date.now;
    this.uuid = options.uuid ?? (() => crypto.randomUUID());
    this.options = {
      registrationPolls: options.registrationPolls ?? 2,
      purgePolls: options.purgePolls ?? 1,
      groupDeletePolls: options.groupDeletePolls ?? 2,
      dnsLag: options.dnsLag ?? 0,
      principal: options.principal ?? "kvfetch-tests@contoso.com",
      vaultDnsSuffix: options.vaultDnsSuffix ?? "vault.azure.net",
    };
  }

  /** The next operation started fails with this error (once). */
  failNextOperation(error: NonNullable<OperationState["error"]>): void {
    this.#nextFailure = error;
  }

  // ---- resource groups --------------------------------------------------------------------

  putGroup(
    sub: string,
    name: string,
    body: { location?: unknown; tags?: Record<string, string>; managedBy?: string },
  ): { group: GroupState; created: boolean } {
    if (typeof body.location != "string" || !body.location) {
      throw new ArmFault(
        400,
        "LocationRequired",
        "The location property is required for this definition.",
      );
    }
    const key = KEY(sub, name);
    const existing = this.groups.get(key);
    if (existing?.deleting) {
      throw new ArmFault(
        409,
        "ResourceGroupBeingDeleted",
        `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`,
      );
    }
    if (existing && existing.location !== body.location.toLowerCase()) {
      throw new ArmFault(
        409,
        "InvalidResourceGroupLocation",
        `Invalid resource group location '${body.location}'. The Resource group already exists in location '${existing.location}'.`,
      );
    }
    const group: GroupState = {
      subscriptionId: sub,
      name: existing?.name ?? name,
      location: body.location.toLowerCase(),
      tags: body.tags,
      managedBy: body.managedBy,
    };
    this.groups.set(key, group);
    return { group, created: !existing };
  }

  group(sub: string, name: string): GroupState {
    const group = this.groups.get(KEY(sub, name));
    if (!group) {
      throw new ArmFault(
        404,
        "ResourceGroupNotFound",
        `Resource group '${name}' could not be found.`,
      );
    }
    return group;
  }

  /** Starts deleting a group: its vaults are soft-deleted at once, the group when it ends. */
  startGroupDelete(sub: string, name: string): OperationState {
    const group = this.group(sub, name);
    if (group.deleting) return this.operations.get(group.deleting)!;
    for (const vault of this.vaultsOf(sub, name)) this.deleteVault(sub, name, vault.name);
    const op = this.#operation(
      "group-delete",
      sub,
      group.name,
      group.location,
      this.options.groupDeletePolls,
    );
    group.deleting = op.id;
    return op;
  }

  // ---- vaults -----------------------------------------------------------------------------

  /** Creates, updates or recovers a vault (`PUT`). */
  putVault(
    sub: string,
    groupName: string,
    name: string,
    body: Record<string, unknown>,
  ): { vault: VaultState; created: boolean; operation?: OperationState } {
    const group = this.group(sub, groupName);
    if (group.deleting) {
      throw new ArmFault(
        409,
        "ResourceGroupBeingDeleted",
        `The resource group '${groupName}' is being deleted.`,
      );
    }
    if (!VAULT_NAME.test(name)) {
      throw new ArmFault(
        400,
        "VaultNameNotValid",
        `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.`,
      );
    }
    const location = body.location;
    if (typeof location != "string" || !location) {
      throw new ArmFault(
        400,
        "LocationRequired",
        "The location property is required for this definition.",
      );
    }
    const properties = body.properties as Record<string, unknown> | undefined;
    if (typeof properties != "object" || !properties) {
      throw new ArmFault(400, "BadRequest", "The request is missing the 'properties' object.");
    }
    this.#checkProperties(properties, true);
    const key = name.toLowerCase();
    const existing = this.vaults.get(key);
    if (
      existing &&
      (existing.subscriptionId !== sub || KEY(existing.resourceGroup) !== KEY(groupName))
    ) {
      throw new ArmFault(409, "VaultAlreadyExists", `The vault name '${name}' is already in use.`);
    }
    const now = this.now();
    if (properties.createMode === "recover") {
      const deleted = this.deleted.get(key);
      if (!deleted || deleted.vault.subscriptionId !== sub) {
        throw new ArmFault(
          404,
          "ResourceNotFound",
          `No deleted vault named '${name}' was found in location '${location}'.`,
        );
      }
      if (deleted.purge) {
        throw new ArmFault(409, "Conflict", `The deleted vault '${name}' is being purged.`);
      }
      this.deleted.delete(key);
      const vault: VaultState = {
        ...deleted.vault,
        resourceGroup: group.name,
        provisioning: "RegisteringDns",
        modifiedAt: now,
        dnsLag: this.options.dnsLag,
      };
      return this.#register(vault);
    }
    if (this.deleted.has(key)) {
      throw new ArmFault(
        409,
        "ConflictError",
        "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
      );
    }
    const stored = {
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      ...withoutUndefined(properties),
      accessPolicies: properties.accessPolicies ?? [],
      enableSoftDelete: true,
      softDeleteRetentionInDays: properties.softDeleteRetentionInDays ?? 90,
      enableRbacAuthorization: properties.enableRbacAuthorization ?? false,
      vaultUri: `https://${name}.${this.options.vaultDnsSuffix}/`,
      publicNetworkAccess: properties.publicNetworkAccess ?? "Enabled",
    };
    delete (stored as Record<string, unknown>).createMode;
    delete (stored as Record<string, unknown>).provisioningState;
    if (existing) {
      existing.location = location.toLowerCase();
      existing.tags = (body.tags as Record<string, string> | undefined) ?? {};
      existing.properties = stored;
      existing.modifiedAt = now;
      return { vault: existing, created: false };
    }
    const vault: VaultState = {
      subscriptionId: sub,
      resourceGroup: group.name,
      name,
      location: location.toLowerCase(),
      tags: (body.tags as Record<string, string> | undefined) ?? {},
      properties: stored,
      provisioning: "RegisteringDns",
      createdAt: now,
      modifiedAt: now,
      dnsLag: this.options.dnsLag,
    };
    return this.#register(vault);
  }

  #register(vault: VaultState): { vault: VaultState; created: boolean; operation: OperationState } {
    this.vaults.set(vault.name.toLowerCase(), vault);
    const op = this.#operation(
      "vault",
      vault.subscriptionId,
      vault.name,
      vault.location,
      this.options.registrationPolls,
    );
    vault.operation = op.id;
    if (op.pollsLeft <= 0) this.#finish(op);
    return { vault, created: true, operation: op };
  }

  /** Changes some properties (`PATCH`). */
  patchVault(sub: string, group: string, name: string, body: Record<string, unknown>): VaultState {
    const vault = this.vault(sub, group, name);
    const properties = (body.properties ?? {}) as Record<string, unknown>;
    this.#checkProperties(properties, false);
    if (
      vault.properties.enablePurgeProtection === true && properties.enablePurgeProtection === false
    ) {
      throw new ArmFault(
        400,
        "BadRequest",
        "Purge protection cannot be disabled once it is enabled.",
      );
    }
    Object.assign(vault.properties, withoutUndefined(properties));
    if (body.tags !== undefined) vault.tags = body.tags as Record<string, string>;
    vault.modifiedAt = this.now();
    return vault;
  }

  vault(sub: string, group: string, name: string): VaultState {
    this.group(sub, group);
    const vault = this.vaults.get(name.toLowerCase());
    if (!vault || vault.subscriptionId !== sub || KEY(vault.resourceGroup) !== KEY(group)) {
      throw new ArmFault(
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.KeyVault/vaults/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    }
    return vault;
  }

  /** The vaults of a subscription (of one group when given), in creation order. */
  vaultsOf(sub: string, group?: string): VaultState[] {
    if (group !== undefined) this.group(sub, group);
    return [...this.vaults.values()].filter((v) =>
      v.subscriptionId === sub && (group === undefined || KEY(v.resourceGroup) === KEY(group))
    );
  }

  /** Deletes a vault: it becomes soft-deleted (`DELETE`, synchronous). */
  deleteVault(sub: string, group: string, name: string): boolean {
    const key = name.toLowerCase();
    const vault = this.vaults.get(key);
    this.group(sub, group);
    if (!vault || vault.subscriptionId !== sub || KEY(vault.resourceGroup) !== KEY(group)) {
      return false;
    }
    this.vaults.delete(key);
    const now = this.now();
    const days = Number(vault.properties.softDeleteRetentionInDays ?? 90);
    this.deleted.set(key, { vault, deletionDate: now, scheduledPurgeDate: now + days * DAY_MS });
    return true;
  }

  deletedOf(sub: string): DeletedVaultState[] {
    return [...this.deleted.values()].filter((d) => d.vault.subscriptionId === sub);
  }

  deletedVault(sub: string, location: string, name: string): DeletedVaultState {
    const deleted = this.deleted.get(name.toLowerCase());
    if (
      !deleted || deleted.vault.subscriptionId !== sub ||
      deleted.vault.location !== location.toLowerCase()
    ) {
      throw new ArmFault(
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.KeyVault/locations/${location}/deletedVaults/${name}' was not found.`,
      );
    }
    return deleted;
  }

  /** Starts purging a deleted vault. */
  startPurge(sub: string, location: string, name: string): OperationState {
    const deleted = this.deletedVault(sub, location, name);
    if (deleted.vault.properties.enablePurgeProtection === true) {
      // Azure's words; the vault goes by itself at its scheduled purge date (see `expire`).
      throw new ArmFault(409, "InvalidOperation", "Operation 'DeletedVaultPurge' is not allowed.");
    }
    if (deleted.purge) return this.operations.get(deleted.purge)!;
    const op = this.#operation(
      "purge",
      sub,
      deleted.vault.name,
      deleted.vault.location,
      this.options.purgePolls,
    );
    deleted.purge = op.id;
    if (op.pollsLeft <= 0) this.#finish(op);
    return op;
  }

  /** Adds, replaces or removes access policies. */
  updateAccessPolicy(
    sub: string,
    group: string,
    name: string,
    kind: string,
    policies: Record<string, unknown>[],
  ): VaultState {
    const vault = this.vault(sub, group, name);
    const current = (vault.properties.accessPolicies ?? []) as Record<string, unknown>[];
    const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.objectId).toLowerCase() === String(b.objectId).toLowerCase() &&
      String(a.tenantId).toLowerCase() === String(b.tenantId).toLowerCase() &&
      (a.applicationId ?? null) === (b.applicationId ?? null);
    const kinds = ["keys", "secrets", "certificates", "storage"];
    const merge = (a: Record<string, unknown>, b: Record<string, unknown>, add: boolean) => {
      const out: Record<string, unknown> = {};
      const pa = (a.permissions ?? {}) as Record<string, string[]>;
      const pb = (b.permissions ?? {}) as Record<string, string[]>;
      for (const k of kinds) {
        const have = pa[k] ?? [];
        const change = (pb[k] ?? []).map((p) => p.toLowerCase());
        const list = add
          ? [
            ...have,
            ...(pb[k] ?? []).filter((p) => !have.some((h) => h.toLowerCase() === p.toLowerCase())),
          ]
          : have.filter((h) => !change.includes(h.toLowerCase()));
        if (list.length || pa[k]) out[k] = list;
      }
      return { ...a, permissions: out };
    };
    let next: Record<string, unknown>[];
    if (kind === "replace") {
      next = policies;
    } else if (kind === "add") {
      next = [...current];
      for (const p of policies) {
        const at = next.findIndex((c) => same(c, p));
        if (at < 0) next.push(p);
        else next[at] = merge(next[at]!, p, true);
      }
    } else if (kind === "remove") {
      next = current.map((c) => {
        const p = policies.find((x) => same(c, x));
        return p ? merge(c, p, false) : c;
      }).filter((c) =>
        Object.values(c.permissions as Record<string, string[]>).some((list) => list.length)
      );
    } else {
      throw new ArmFault(400, "InvalidOperationKind", `The operation kind '${kind}' is not valid.`);
    }
    vault.properties.accessPolicies = next;
    vault.modifiedAt = this.now();
    return vault;
  }

  /** `checkNameAvailability`. */
  checkName(name: string): { nameAvailable: boolean; reason?: string; message?: string } {
    if (!VAULT_NAME.test(name)) {
      return {
        nameAvailable: false,
        reason: "AccountNameInvalid",
        message: `Vault name '${name}' is invalid. The name must be 3-24 alphanumeric characters.`,
      };
    }
    const key = name.toLowerCase();
    if (this.vaults.has(key) || this.deleted.has(key)) {
      return {
        nameAvailable: false,
        reason: "AlreadyExists",
        message:
          `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state.`,
      };
    }
    return { nameAvailable: true };
  }

  /**
   * What the vault's data plane does now: `missing` (no such vault), `registering` (the DNS name
   * is not there yet: `VaultRegisteringDns`) or `ready`. Counts down the DNS lag.
   */
  dataPlane(name: string): "missing" | "registering" | "ready" {
    const vault = this.vaults.get(name.toLowerCase());
    if (!vault) return "missing";
    if (vault.provisioning !== "Succeeded") return "registering";
    if (vault.dnsLag > 0) {
      vault.dnsLag--;
      return "registering";
    }
    return "ready";
  }

  // ---- operations -------------------------------------------------------------------------

  #operation(
    kind: OperationKind,
    sub: string,
    name: string,
    location: string,
    polls: number,
  ): OperationState {
    const op: OperationState = {
      id: `${kind}-${++this.#ids}-${this.uuid().slice(0, 8)}`,
      kind,
      subscriptionId: sub,
      name,
      location,
      status: "InProgress",
      pollsLeft: polls,
      startTime: this.now(),
      polls: 0,
    };
    if (this.#nextFailure) {
      op.error = this.#nextFailure;
      this.#nextFailure = undefined;
    }
    this.operations.set(op.id, op);
    return op;
  }

  operation(sub: string, id: string): OperationState {
    const op = this.operations.get(id);
    if (!op || op.subscriptionId !== sub) {
      throw new ArmFault(404, "OperationNotFound", `The operation '${id}' was not found.`);
    }
    return op;
  }

  /** One status check of an operation: advances it, and finishes it when its time has come. */
  poll(sub: string, id: string): OperationState {
    const op = this.operation(sub, id);
    if (op.status !== "InProgress") return op;
    op.polls++;
    if (--op.pollsLeft <= 0) this.#finish(op);
    return op;
  }

  /** Purges the deleted vaults whose scheduled purge date the clock has passed. */
  expire(): void {
    const now = this.now();
    for (const [key, d] of this.deleted) if (d.scheduledPurgeDate <= now) this.deleted.delete(key);
  }

  /** Finishes every running operation now. */
  settle(): void {
    for (const op of this.operations.values()) if (op.status === "InProgress") this.#finish(op);
  }

  #finish(op: OperationState): void {
    op.endTime = this.now();
    if (op.error) {
      op.status = "Failed";
      if (op.kind === "vault") this.vaults.delete(op.name.toLowerCase());
      return;
    }
    op.status = "Succeeded";
    if (op.kind === "vault") {
      const vault = this.vaults.get(op.name.toLowerCase());
      if (vault) {
        vault.provisioning = "Succeeded";
        vault.operation = undefined;
      }
    } else if (op.kind === "purge") {
      this.deleted.delete(op.name.toLowerCase());
    } else {
      this.groups.delete(KEY(op.subscriptionId, op.name));
    }
  }

  /** Replaces everything with a {@link ArmState.snapshot} (ids continue after its highest). */
  restore(snapshot: ArmSnapshot): void {
    const copy = structuredClone(snapshot);
    this.groups.clear();
    this.vaults.clear();
    this.deleted.clear();
    this.operations.clear();
    for (const g of copy.groups) this.groups.set(KEY(g.subscriptionId, g.name), g);
    for (const v of copy.vaults) this.vaults.set(v.name.toLowerCase(), v);
    for (const d of copy.deleted) this.deleted.set(d.vault.name.toLowerCase(), d);
    for (const o of copy.operations) this.operations.set(o.id, o);
    this.#ids = copy.operations.length + copy.vaults.length + copy.deleted.length + 1;
  }

  /** A plain-JSON copy of everything. */
  snapshot(): ArmSnapshot {
    return JSON.parse(JSON.stringify({
      groups: [...this.groups.values()],
      vaults: [...this.vaults.values()],
      deleted: [...this.deleted.values()],
      operations: [...this.operations.values()],
    }));
  }

  // ---- validation -------------------------------------------------------------------------

  #checkProperties(properties: Record<string, unknown>, full: boolean): void {
    const invalid = (target: string, message: string) =>
      new ArmFault(400, "BadRequest", "The request is invalid.", {
        details: [{ code: "InvalidParameter", target, message }],
      });
    if (properties.createMode === "recover") {
      if (!UUID.test(String(properties.tenantId))) {
        throw invalid("properties.tenantId", "The tenant id is not a valid GUID.");
      }
      return;
    }
    if (full || properties.tenantId !== undefined) {
      if (!UUID.test(String(properties.tenantId))) {
        throw invalid("properties.tenantId", "The tenant id is not a valid GUID.");
      }
    }
    if (full || properties.sku !== undefined) {
      const sku = properties.sku as { name?: unknown; family?: unknown } | undefined;
      if (
        !sku || !["standard", "premium"].includes(String(sku.name).toLowerCase()) ||
        sku.family !== "A"
      ) {
        throw invalid(
          "properties.sku",
          "The SKU must be { family: 'A', name: 'standard' | 'premium' }.",
        );
      }
    }
    const days = properties.softDeleteRetentionInDays;
    if (
      days !== undefined &&
      !(Number.isInteger(days) && (days as number) >= 7 && (days as number) <= 90)
    ) {
      throw invalid(
        "properties.softDeleteRetentionInDays",
        "The retention must be between 7 and 90 days.",
      );
    }
    if (properties.enableSoftDelete === false) {
      throw invalid("properties.enableSoftDelete", "Soft delete cannot be disabled.");
    }
  }
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}
