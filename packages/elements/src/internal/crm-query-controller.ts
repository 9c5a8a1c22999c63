import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import type { ChangeEvent, Crm } from '@crmkit/core';
import { crmContext } from './context.js';
import { CrmErrorEvent } from './events.js';

/** Where a `CrmQueryController` is; an `as const` object and a type of the same name, like `@lit/task`'s. */
export const CrmQueryStatus = {
  INITIAL: 'initial',
  PENDING: 'pending',
  COMPLETE: 'complete',
  ERROR: 'error',
} as const;
export type CrmQueryStatus = (typeof CrmQueryStatus)[keyof typeof CrmQueryStatus];

/**
 * What changed since the value a query last produced: the committed changes to its collections, in order. A query
 * may update `previous` with them instead of reading everything again.
 */
export interface CrmQueryUpdate<T> {
  readonly previous: T;
  readonly changes: readonly ChangeEvent[];
}

export interface CrmQueryOptions<T> {
  /**
   * Reads what the host shows. Pass `signal` on to anything that takes one; a stale load's result is dropped.
   * `update` is given when there is a previous value and only known changes happened since (not on the first load,
   * after `refresh()`, or with another CRM): a query may apply them rather than read everything again.
   */
  readonly query: (crm: Crm, signal: AbortSignal, update?: CrmQueryUpdate<T>) => Promise<T>;
  /** The storage collections the result depends on; a committed change to any of them re-runs the query. */
  readonly collections: readonly string[];
  /**
   * The CRM to use instead of the provider's, e.g. the host's own `crm` property for use without a provider. Read
   * on every run; return `undefined` to use the provider's.
   */
  readonly crm?: () => Crm | undefined;
  /**
   * Read on every update of the host; while it returns false the controller stays idle (no subscription, no loads),
   * e.g. while the host is handed its data through properties.
   */
  readonly enabled?: () => boolean;
}

type Host = ReactiveControllerHost & HTMLElement;

/**
 * Live data for an element: runs `query` once a CRM is available (from `<crm-provider>` or the `crm` option), runs
 * it again after committed changes to `collections` (all changes of one microtask batch make one re-run), aborts a
 * load that a newer one supersedes, and asks the host to update whenever `status`, `value` or `error` change.
 * While a re-run is pending, `value` keeps the previous result. A failed load sets `error` and dispatches
 * `crm-error` from the host.
 */
export class CrmQueryController<T> implements ReactiveController {
  status: CrmQueryStatus = CrmQueryStatus.INITIAL;
  value: T | undefined = undefined;
  error: unknown = undefined;

  protected readonly host: Host;
  private readonly options: CrmQueryOptions<T>;
  private readonly consumer: ContextConsumer<typeof crmContext, Host>;
  private subscribed?: { crm: Crm; unsubscribe: () => void };
  protected abort?: AbortController;
  private scheduled = false;
  private connected = false;
  /** Changes committed since `value` was read; cleared as far as a successful run has applied them. */
  protected changes: ChangeEvent[] = [];
  /** The next run must read everything: first load, `refresh()`, another CRM, or a failed run. */
  protected fullLoad = true;
  private readonly runs = new Set<Promise<void>>();
  /** A re-run was asked for while a hold (see {@link holds}) was in place. */
  private deferred = false;

  constructor(host: Host, options: CrmQueryOptions<T>) {
    this.host = host;
    this.options = options;
    this.consumer = new ContextConsumer(host, {
      context: crmContext,
      subscribe: true,
      callback: () => this.sync(),
    });
    host.addController(this);
  }

  /** The CRM queries run against: the `crm` option's, else the provider's. */
  get crm(): Crm | undefined {
    if (this.options.enabled?.() === false) return undefined;
    return this.options.crm?.() ?? this.consumer.value?.crm;
  }

  hostConnected(): void {
    this.connected = true;
    this.sync();
  }

  hostUpdated(): void {
    // A host property feeding the `crm` or `enabled` option may have changed.
    if (this.options.crm || this.options.enabled) this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    // Changes are not followed while disconnected: the next connection reads everything.
    this.changes = [];
    this.fullLoad = true;
    this.subscribed?.unsubscribe();
    this.subscribed = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  /**
   * Runs the query again (say, after an argument of the host changed). Without arguments it reads everything; with
   * `changes` the host knows what it wrote (a move, say) and the query may update its previous value with them.
   */
  refresh(changes?: readonly ChangeEvent[]): void {
    if (changes) this.changes.push(...changes);
    else this.fullLoad = true;
    this.schedule();
  }

  /** Resolves once no load is scheduled or running, and nothing {@link holds} re-runs. */
  async settled(): Promise<void> {
    while (this.scheduled || this.runs.size > 0 || this.held()) {
      await Promise.all([...this.runs, ...this.holds()]);
    }
  }

  /** What re-runs wait for (a subclass's writes in flight); {@link resume} runs what waited. */
  protected holds(): readonly Promise<unknown>[] {
    return [];
  }

  private held(): boolean {
    return this.holds().length > 0;
  }

  /** True for a committed change the value already reflects, which need not be read. */
  protected known(_change: ChangeEvent): boolean {
    return false;
  }

  /** Runs what waited while a hold (see {@link holds}) was in place. */
  protected resume(): void {
    if (this.deferred) {
      this.deferred = false;
      this.schedule();
    }
  }

  /** Follows the current CRM: subscribes to its storage and loads when it is new. */
  private sync(): void {
    if (!this.connected) return;
    const crm = this.crm;
    if (crm === this.subscribed?.crm) return;
    this.subscribed?.unsubscribe();
    this.subscribed = undefined;
    if (!crm) {
      this.abort?.abort();
      return;
    }
    const watched = new Set(this.options.collections);
    const unsubscribe = crm.subscribe((events: readonly ChangeEvent[]) => {
      const relevant = events.filter((event) => watched.has(event.collection) && !this.known(event));
      if (relevant.length === 0) return;
      this.changes.push(...relevant);
      this.schedule();
    });
    this.subscribed = { crm, unsubscribe };
    this.fullLoad = true;
    this.schedule();
  }

  protected schedule(): void {
    if (this.held()) {
      this.deferred = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.connected) return;
      if (this.held()) {
        this.deferred = true;
        return;
      }
      const run = this.run();
      this.runs.add(run);
      void run.finally(() => this.runs.delete(run));
    });
  }

  private async run(): Promise<void> {
    const crm = this.crm;
    if (!crm) return;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.status = CrmQueryStatus.PENDING;
    this.host.requestUpdate();
    // Everything changed since the current value, as this run sees it; a newer run sees these and more.
    const applied = this.changes.length;
    const full = this.fullLoad || this.value === undefined;
    const update = full ? undefined : { previous: this.value as T, changes: this.changes.slice(0, applied) };
    try {
      // A superseded load settles at once, even if the query ignores its signal; its result is dropped.
      const value = await Promise.race([this.options.query(crm, abort.signal, update), whenAborted(abort.signal)]);
      if (abort !== this.abort || abort.signal.aborted) return;
      this.changes.splice(0, applied);
      if (full) this.fullLoad = false;
      this.value = value;
      this.error = undefined;
      this.status = CrmQueryStatus.COMPLETE;
    } catch (error) {
      if (abort !== this.abort || abort.signal.aborted) return;
      // Nothing is known about how far the failed run got: the next one reads everything.
      this.fullLoad = true;
      this.error = error;
      this.status = CrmQueryStatus.ERROR;
      this.host.dispatchEvent(new CrmErrorEvent({ error, operation: 'query' }));
    } finally {
      if (abort === this.abort) {
        this.abort = undefined;
        this.host.requestUpdate();
      }
    }
  }
}

/** A promise that rejects with the signal's reason once it aborts. */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
