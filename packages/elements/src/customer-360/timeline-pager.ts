/**
 * The 360° card's timeline beyond its first page, as a reactive controller: the pages loaded after it (from the
 * "Load more" button, or when the end of the timeline scrolls into view), how far down the timeline they reach (so a
 * live re-run reads as far), and what loading says when it fails.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Crm } from '@crmkit/core';
import { announce } from '../internal/announce.js';
import type { CrmQueryController } from '../internal/crm-query-controller.js';
import { CrmErrorEvent } from '../internal/events.js';
import { formatCount } from '../internal/format.js';
import { CrmTimelineLoadMoreEvent } from './events.js';
import {
  compareActivities,
  readTimelinePage,
  type Customer360Loaded,
  type TimelineMore,
  type TimelineReach,
} from './load.js';
import { customer360Messages as m } from './messages.js';
import type { Shown } from './section.js';

type Host = ReactiveControllerHost &
  HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment; readonly hasUpdated: boolean };

export interface TimelinePagerOptions {
  readonly shown: () => Shown | undefined;
  /** The customer the card is for now. */
  readonly customerId: () => string;
  /** The CRM to read pages from; `undefined` in presentational use, where loading more is only an event. */
  readonly crm: () => Crm | undefined;
  /** Activities per page. */
  readonly pageSize: () => number;
  readonly locale: () => string;
  /** The card's live query: read again when a page lands on a timeline a re-run replaced. */
  readonly query: CrmQueryController<unknown>;
}

export class TimelinePagerController implements ReactiveController {
  /** The pages loaded after the first, continuing its cursor. */
  more: TimelineMore = { items: [] };
  /** The loaded value `more` belongs to. */
  moreFor?: Customer360Loaded;
  /** The oldest activity shown beyond the first page and the cursor after it: a live re-run reads down to it. */
  reach?: TimelineReach;
  loading = false;
  /** Why the last page failed to load, in words; `''` when it did not. */
  error = '';

  private readonly host: Host;
  private readonly options: TimelinePagerOptions;
  /** Presentational use: the `after` already asked for by scrolling, so a visible sentinel asks once. */
  private requestedAfter?: string;
  private observer?: IntersectionObserver;
  private observed?: Element;
  private pages: Promise<unknown> = Promise.resolve();

  constructor(host: Host, options: TimelinePagerOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.host.hasUpdated) void this.host.updateComplete.then(() => this.observeSentinel());
  }

  hostUpdated(): void {
    this.observeSentinel();
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.observed = undefined;
  }

  /** Resolves once the page being loaded, if any, has landed. */
  settled(): Promise<unknown> {
    return this.pages;
  }

  /** Forgets the pages loaded (another customer, another page size). */
  reset(): void {
    this.more = { items: [] };
    this.moreFor = undefined;
    this.reach = undefined;
    this.error = '';
  }

  /** Takes the pages a new load of the card read (down to {@link reach}) as its own. */
  adopt(loaded: Customer360Loaded | undefined): void {
    if (loaded && loaded !== this.moreFor && loaded.view.customer.id === this.options.customerId()) {
      this.moreFor = loaded;
      this.more = loaded.more;
    }
  }

  /**
   * Loads the next timeline page: announces the intent (`crm-timeline-load-more`), then, with a CRM, reads it from
   * `crm.activities.timeline` after the cursor shown (the view's `timeline.next`, then each page's `next`) and appends
   * it. Resolves when it has settled.
   */
  async loadMore(via: 'button' | 'scroll' = 'button'): Promise<void> {
    const shown = this.options.shown();
    const after = shown?.after;
    if (!shown || after === undefined || this.loading) return;
    const crm = this.options.crm();
    if (via === 'scroll' && !crm && this.requestedAfter === after) return;
    const customerId = shown.view.customer.id;
    const host = this.host;
    if (!host.dispatchEvent(new CrmTimelineLoadMoreEvent({ customerId, after, shown: shown.activities.length, via }))) {
      return;
    }
    if (!crm) {
      this.requestedAfter = after;
      return;
    }
    const base = this.moreFor;
    this.loading = true;
    this.error = '';
    host.requestUpdate();
    const run = (async () => {
      try {
        const page = await readTimelinePage(crm, customerId, after, this.options.pageSize());
        const oldest = page.items[page.items.length - 1];
        if (oldest && (!this.reach || compareActivities(oldest, this.reach.last) > 0)) {
          this.reach = {
            last: { occurredAt: oldest.occurredAt, id: oldest.id },
            ...(page.after ? { after: page.after } : {}),
          };
        }
        if (this.moreFor !== base || this.options.customerId() !== customerId) {
          // A live re-run replaced the timeline meanwhile: the next one reads this page again, with the rest.
          if (this.options.customerId() === customerId) this.options.query.refresh();
          return;
        }
        this.more = { items: [...this.more.items, ...page.items], ...(page.after ? { after: page.after } : {}) };
        announce(host.renderRoot, m.loadedMore(formatCount(page.items.length, this.options.locale())));
      } catch (error) {
        this.error = m.loadMoreFailed();
        host.dispatchEvent(new CrmErrorEvent({ error, operation: 'load-more' }));
      } finally {
        this.loading = false;
        host.requestUpdate();
      }
      await host.updateComplete;
      // Still at the end of the timeline (a short page, a tall screen)? Observing anew reports it again.
      this.observeSentinel(true);
    })();
    this.pages = this.pages.then(() => run);
    await run;
  }

  private observeSentinel(again = false): void {
    if (!this.host.isConnected || typeof IntersectionObserver === 'undefined') return;
    const sentinel = this.host.renderRoot.querySelector('.sentinel') ?? undefined;
    if (sentinel === this.observed && !again) return;
    if (this.observed) this.observer?.unobserve(this.observed);
    this.observed = sentinel;
    if (!sentinel) return;
    this.observer ??= new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void this.loadMore('scroll');
      },
      { rootMargin: '0px 0px 240px 0px' },
    );
    this.observer.observe(sentinel);
  }
}
