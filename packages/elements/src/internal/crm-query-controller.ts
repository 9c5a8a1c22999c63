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

export interface CrmQueryOptions<T> {
  /** Reads what the host shows. Pass `signal` on to anything that takes one; a stale load's result is dropped. */
  readonly query: (crm: Crm, signal: AbortSignal) => Promise<T>;
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

  private readonly host: Host;
  private readonly options: CrmQueryOptions<T>;
  private readonly consumer: ContextConsumer<typeof crmContext, Host>;
  private subscribed?: { crm: Crm; unsubscribe: () => void };
  private abort?: AbortController;
  private scheduled = false;
  private connected = false;
  private readonly runs = new Set<Promise<void>>();

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
    this.subscribed?.unsubscribe();
    this.subscribed = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  /** Runs the query again now (say, after an argument of the host changed). */
  refresh(): void {
    this.schedule();
  }

  /** Resolves once no load is scheduled or running. */
  async settled(): Promise<void> {
    while (this.scheduled || this.runs.size > 0) {
      await Promise.all([...this.runs]);
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
    const unsubscribe = crm.storage.subscribe((events: readonly ChangeEvent[]) => {
      if (events.some((event) => watched.has(event.collection))) this.schedule();
    });
    this.subscribed = { crm, unsubscribe };
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.connected) return;
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
    try {
      // A superseded load settles at once, even if the query ignores its signal; its result is dropped.
      const value = await Promise.race([this.options.query(crm, abort.signal), whenAborted(abort.signal)]);
      if (abort !== this.abort || abort.signal.aborted) return;
      this.value = value;
      this.error = undefined;
      this.status = CrmQueryStatus.COMPLETE;
    } catch (error) {
      if (abort !== this.abort || abort.signal.aborted) return;
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
