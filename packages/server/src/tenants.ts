/**
 * Tenants and the CRMs acting in them. Each tenant has one storage, one `Crm` under the server's own admin actor,
 * and its change log; a request's CRM is derived from that one with `crm.as(actor)` and kept for the next request
 * of the same actor (by id and role, so a changed role gets a new CRM), up to a bound. A CRM pushed out of the bound
 * is disposed once no request or stream still uses it.
 *
 * A tenant whose opening fails is not kept: the next request tries again. With `idleMs`, a tenant that no request
 * has asked for in that long and that no request or stream holds is closed when a later request arrives (so an idle
 * server keeps what it has, and a busy one does not keep every tenant it ever served).
 *
 * @module
 */
import { createCrm, type CreateCrmOptions, type Crm, type CrmActor, type StoragePort } from '@crmkit/core';
import { ChangeLog } from './change-log.js';
import { HttpError, ServerErrorCode } from './errors.js';

/** A CRM in use by a request or stream: `release` when done with it. */
export interface Lease {
  readonly crm: Crm;
  release(): void;
}

/** One tenant's storage, CRMs and change log. */
export interface Tenant {
  readonly name: string;
  /** The CRM under the server's own admin actor: the source of the actor CRMs, and the change feed. */
  readonly system: Crm;
  readonly changes: ChangeLog;
  /** The CRM of `actor`, cached. */
  lease(actor: Readonly<Required<CrmActor>>): Promise<Lease>;
  /** Waits for the background work of every CRM of the tenant (whichever actor's write started it). */
  settled(): Promise<void>;
}

/** How tenants are opened and what their CRMs are. */
export interface TenantRegistryOptions {
  readonly open: (tenant: string) => Promise<StoragePort>;
  /** Whether `close` closes the storages (those `openStorage` opened), or leaves them to the host. */
  readonly closeStorages: boolean;
  readonly crm: Omit<CreateCrmOptions, 'storage' | 'actor'>;
  readonly systemActorId: string;
  /** How many actor CRMs each tenant keeps. */
  readonly actorCrms: number;
  /** How many batches each change log keeps. */
  readonly changeBatches: number;
  /** How long a tenant may go unused before it is closed; `undefined`: never. */
  readonly idleMs?: number | undefined;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

interface ActorEntry {
  readonly crm: Promise<Crm>;
  active: number;
  evicted: boolean;
}

/** Codes of failures opening a tenant that the client may be told of (503s): everything else is a 500. */
const TOLD = new Set(['CRM_STORAGE_UNAVAILABLE', 'CRM_SCHEMA_VERSION', 'CRM_UPGRADE_BLOCKED']);

/** The tenants of one handler. */
export class TenantRegistry {
  readonly #options: TenantRegistryOptions;
  readonly #tenants = new Map<string, Promise<TenantState>>();
  /** The tenants opened, and when each was last asked for. */
  readonly #opened = new Map<string, { readonly state: TenantState; usedAt: number }>();
  readonly #now: () => number;
  #sweptAt: number;

  constructor(options: TenantRegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#sweptAt = this.#now();
  }

  /** The tenant, opened on first use. */
  tenant(name: string): Promise<Tenant> {
    const now = this.#now();
    const opened = this.#opened.get(name);
    if (opened) opened.usedAt = now;
    this.#sweep(now, name);
    let opening = this.#tenants.get(name);
    if (!opening) {
      opening = this.#open(name);
      this.#tenants.set(name, opening);
      const started = opening;
      started.then(
        (state) => {
          if (this.#tenants.get(name) === started) this.#opened.set(name, { state, usedAt: this.#now() });
        },
        () => {
          if (this.#tenants.get(name) === started) this.#tenants.delete(name);
        },
      );
    }
    return opening;
  }

  /** Closes the tenants unused for `idleMs` that nothing holds, at most every quarter of it; never `asked`. */
  #sweep(now: number, asked: string): void {
    const idle = this.#options.idleMs;
    if (idle === undefined || now - this.#sweptAt < idle / 4) return;
    this.#sweptAt = now;
    for (const [name, { state, usedAt }] of this.#opened) {
      if (name === asked || now - usedAt < idle || state.inUse) continue;
      this.#opened.delete(name);
      this.#tenants.delete(name);
      void state.dispose().catch(() => undefined);
    }
  }

  /** Disposes every CRM, stops the change logs and closes the storages the registry owns. */
  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.#tenants.values());
    this.#tenants.clear();
    this.#opened.clear();
    await Promise.allSettled(
      opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value.dispose()] : [])),
    );
  }

  async #open(name: string): Promise<TenantState> {
    let storage: StoragePort | undefined;
    try {
      storage = await this.#options.open(name);
      const system = await createCrm({
        ...this.#options.crm,
        storage,
        actor: { id: this.#options.systemActorId, role: 'admin' },
      });
      return new TenantState(name, storage, system, this.#options);
    } catch (error) {
      if (storage && this.#options.closeStorages) await storage.close().catch(() => undefined);
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && TOLD.has(code)) throw error;
      // The host's configuration or its storage failed: nothing the client did, nothing to tell it.
      throw new HttpError(500, ServerErrorCode.internal, 'The tenant could not be opened', { cause: error });
    }
  }
}

class TenantState implements Tenant {
  readonly name: string;
  readonly system: Crm;
  readonly changes: ChangeLog;
  readonly #storage: StoragePort;
  readonly #options: TenantRegistryOptions;
  /** Actor CRMs, least recently used first. */
  readonly #actors = new Map<string, ActorEntry>();
  /** Leases not yet released, of every actor CRM (those pushed out of the bound included). */
  #active = 0;

  constructor(name: string, storage: StoragePort, system: Crm, options: TenantRegistryOptions) {
    this.name = name;
    this.#storage = storage;
    this.system = system;
    this.#options = options;
    // Logged from the tenant's opening on, so a stream can resume over a gap in which nobody was listening.
    this.changes = new ChangeLog((listener) => system.subscribe(listener), options.changeBatches);
  }

  async lease(actor: Readonly<Required<CrmActor>>): Promise<Lease> {
    const key = `${actor.role}\u0000${actor.id}`;
    let entry = this.#actors.get(key);
    if (entry) {
      this.#actors.delete(key);
    } else {
      const crm = this.system.as({ id: actor.id, role: actor.role });
      entry = { crm, active: 0, evicted: false };
      const created = entry;
      crm.catch(() => {
        if (this.#actors.get(key) === created) this.#actors.delete(key);
      });
    }
    this.#actors.set(key, entry);
    entry.active++;
    this.#active++;
    this.#evict();
    const held = entry;
    try {
      const crm = await held.crm;
      let released = false;
      return {
        crm,
        release: () => {
          if (released) return;
          released = true;
          this.#release(held);
        },
      };
    } catch (error) {
      this.#release(held);
      throw error;
    }
  }

  /** Whether a request or a stream holds one of the tenant's CRMs. */
  get inUse(): boolean {
    return this.#active > 0;
  }

  async settled(): Promise<void> {
    const crms = await Promise.allSettled([...this.#actors.values()].map((entry) => entry.crm));
    await Promise.all([
      this.system.settled(),
      ...crms.flatMap((result) => (result.status === 'fulfilled' ? [result.value.settled()] : [])),
    ]);
  }

  async dispose(): Promise<void> {
    this.changes.close();
    const entries = [...this.#actors.values()];
    this.#actors.clear();
    await Promise.allSettled(entries.map(async (entry) => (await entry.crm).dispose()));
    await this.system.dispose();
    if (this.#options.closeStorages) await this.#storage.close();
  }

  /** Pushes the least recently used CRMs out of the bound; each is disposed when nothing uses it any more. */
  #evict(): void {
    for (const [key, entry] of this.#actors) {
      if (this.#actors.size <= this.#options.actorCrms) break;
      this.#actors.delete(key);
      entry.evicted = true;
      if (entry.active === 0) disposeLater(entry);
    }
  }

  #release(entry: ActorEntry): void {
    entry.active--;
    this.#active--;
    if (entry.evicted && entry.active === 0) disposeLater(entry);
  }
}

function disposeLater(entry: ActorEntry): void {
  void entry.crm.then((crm) => crm.dispose()).catch(() => undefined);
}
