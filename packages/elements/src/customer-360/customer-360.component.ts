import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import {
  DEFAULT_LIFECYCLE_STAGES,
  type Activity,
  type Crm,
  type Customer360,
  type ExchangeRateTable,
  type LifecycleStageDefinition,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { crmLabel, type CrmLabels } from '../internal/labels.js';
import { CrmQueryController, CrmQueryStatus } from '../internal/crm-query-controller.js';
import { renderLoadError } from '../internal/load-error.js';
import { elementLocale } from '../internal/locale.js';
import { phoneText, phonesFormatted } from '../internal/phone.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { crmMessages } from '../internal/messages.js';
import { componentStyles } from '../internal/component.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { customer360Styles } from './customer-360.styles.js';
import { renderDeals } from './deals.js';
import { renderLifecycle, renderSegments, stageLabel } from './lifecycle.js';
import { affects360, load360, type Customer360Loaded, type Customer360Names } from './load.js';
import { customer360Messages as m } from './messages.js';
import { renderConsents, renderContacts, renderProfile } from './profile.js';
import { section, type SectionContext, type Shown } from './section.js';
import { TaskActionsController } from './task-actions.js';
import { TimelinePagerController } from './timeline-pager.js';
import { renderTasks } from './tasks.js';
import { renderTimeline, timelineEntries } from './timeline.js';
import { renderValue } from './value.js';

/** The roles that see personal data unmasked unless `pii-roles` says otherwise. */
export const DEFAULT_PII_ROLES: readonly string[] = Object.freeze(['admin', 'manager', 'rep']);

/** `pii-roles="admin manager"` (spaces or commas) ⇄ `['admin', 'manager']`. */
const rolesConverter = {
  fromAttribute: (value: string | null): readonly string[] =>
    value === null ? DEFAULT_PII_ROLES : value.split(/[\s,]+/).filter(Boolean),
  toAttribute: (value: readonly string[]): string => value.join(' '),
};

/**
 * **With a CRM** (from `<crm-provider>` or the `crm` property) the card reads `crm.customers.view360(customer-id)`
 * — one call for everything, plus the owner's and the deal stages' names — and follows changes: an activity logged
 * or a deal moved anywhere (this tab, another tab, another user) shows without a reload. The timeline loads its
 * next page from `crm.activities.timeline` when its end scrolls into view, or with the "Load more" button. Each open
 * task has a "Complete" button that completes it with `crm.tasks.complete`, refusing a task changed meanwhile.
 *
 * **Presentational**: set `data` (a `Customer360`) and the card reads nothing; "Complete" and "Load more" are only
 * the `crm-task-complete` and `crm-timeline-load-more` events, for the host to act on and hand the card new `data`.
 *
 * **Personal data**: emails, phone numbers and street addresses are masked (`a***@example.com`,
 * `+86 *** **** 8000`) unless the acting user's role (the CRM's actor) is one of `pii-roles`. Masked values are never
 * links. Without any actor (no CRM, no provider) they are masked unless `actor-role` names an allowed role.
 *
 * **Phone numbers**, stored in E.164, show as people write them: international (`+86 138 0013 8000`), or national
 * (`138 0013 8000`) for numbers of the CRM's `defaultRegion`. The formatting rules load on demand the first time a
 * number is shown (until then it shows as stored); a `tel:` link keeps the E.164 number.
 *
 * **Completed tasks** leave a trace: a completed task shows on the timeline (at the instant it was completed) and in
 * a "Completed" list of the most recent ones. Right after completing a task on the card, an "Undo" button is offered
 * for `undo-duration` milliseconds (8 s by default); it reopens the task with `crm.tasks.reopen`, which takes it off
 * the timeline and the list again.
 *
 * **Labels**: every code the card shows (source, channel, direction, activity and task type, lifecycle stage and
 * rule, lost reason, consent purpose and legal basis) is labelled from crmkit's shared table in the current language,
 * after the host's own `labels` (the card's, else the provider's); an unknown code reads as words.
 *
 * **Keyboard**: every action is a native button or link. After completing a task, focus moves to the next task's
 * button; "Undo" is the first button of the tasks section, and after undoing, focus returns to the reopened task's
 * "Complete" button. Results are announced in a polite live region.
 *
 * @tag crm-customer-360
 * @summary Everything about one customer on one card: profile and contacts, lifecycle, value, segments, deals, the
 * activity timeline, open tasks and consent (客户360度视图).
 *
 * @event crm-task-complete - `CrmTaskCompleteEvent` (cancelable): the user asked to complete a task; nothing is written yet.
 * @event crm-task-completed - `CrmTaskCompletedEvent`: storage committed a task completed on this card.
 * @event crm-task-reopened - `CrmTaskReopenedEvent`: storage committed the "Undo" of a completion made on this card.
 * @event crm-timeline-load-more - `CrmTimelineLoadMoreEvent` (cancelable): the user asked for the next timeline page.
 * @event crm-error - `CrmErrorEvent`: loading (`query`), a timeline page (`load-more`), completing a task (`complete-task`) or undoing it (`reopen-task`) failed.
 *
 * @csspart base - The card's wrapper (also the loading and error boxes).
 * @csspart header - The name, kind and lifecycle badges.
 * @csspart name - The customer's name.
 * @csspart badge - A badge: the kind, the lifecycle stage (also `stage-badge`), a status.
 * @csspart masked-note - The note that some details are hidden.
 * @csspart sections - The grid of sections.
 * @csspart section - Every section; each also has its own part: `profile`, `contacts`, `lifecycle`, `value`, `segments`, `deals`, `timeline`, `tasks`, `consents`.
 * @csspart section-heading - A section's heading.
 * @csspart empty - The "none yet" text of an empty list.
 * @csspart contact - One contact.
 * @csspart deal - One deal.
 * @csspart activity - One activity on the timeline.
 * @csspart timeline-task - A completed task on the timeline.
 * @csspart task - One open task; `task-overdue` is added to overdue ones.
 * @csspart completed-task - One task in the "Completed" list.
 * @csspart undo - The "Completed … Undo" offer after completing a task on the card.
 * @csspart consent - One consent purpose.
 * @csspart segment - One segment chip.
 * @csspart tag - One tag chip.
 * @csspart button - Every button; also `complete-button`, `undo-button`, `load-more-button`, `retry-button`, `dismiss-button`.
 * @csspart message - A failure message (completing a task, loading more).
 *
 * @cssproperty --crm-customer-360-column-width - The narrowest a column of sections gets before the grid wraps. Default 20rem.
 * @cssproperty --crm-customer-360-timeline-max-height - Caps the timeline's height; it scrolls inside. Default none.
 * @cssproperty --crm-color-accent - Links, focus rings and the buttons.
 * @cssproperty --crm-color-danger - Overdue tasks, withdrawn consent and failure messages.
 * @cssproperty --crm-color-success - Won deals and granted consent.
 */
export class CrmCustomer360 extends LitElement {
  /** @internal */
  static override styles = [tokenStyles, componentStyles, customer360Styles];

  /** The customer to show, when the card reads through a CRM. */
  @property({ attribute: 'customer-id' }) customerId = '';

  /** The CRM to use instead of the provider's; a property only. */
  @property({ attribute: false }) crm?: Crm;

  /** Presentational use: the 360° view to show. Setting it stops the card reading storage. */
  @property({ attribute: false }) data?: Customer360;

  /** Presentational use: user names by id, and stage names by `pipelineId/stageId` or stage id. */
  @property({ attribute: false }) names?: Partial<Customer360Names>;

  /**
   * Presentational use: exchange rates into the provider's currency, dated, so the customer's value totals revenue in
   * other currencies. With a CRM, its own rates (`createCrm({ exchangeRates })`) apply.
   */
  @property({ attribute: false }) exchangeRates?: ExchangeRateTable;

  /** Presentational use: the lifecycle stages and their names; default `DEFAULT_LIFECYCLE_STAGES`. */
  @property({ attribute: false }) lifecycleStages?: readonly LifecycleStageDefinition[];

  /** The roles allowed to see emails, phone numbers and addresses unmasked (space- or comma-separated). */
  @property({ attribute: 'pii-roles', converter: rolesConverter }) piiRoles: readonly string[] = DEFAULT_PII_ROLES;

  /** The acting user's role when neither the `crm` property nor a provider gives an actor (presentational use). */
  @property({ attribute: 'actor-role' }) actorRole?: string;

  /** Activities per timeline page, 1–200. */
  @property({ type: Number, attribute: 'activity-limit' }) activityLimit = 20;

  /** Heading level of the customer's name; section headings are one level below, sub-lists two. */
  @property({ type: Number, attribute: 'heading-level' }) headingLevel = 2;

  /** BCP 47 locale; unset, the provider's, then the nearest `lang`. */
  @property() locale?: string;

  /** `light` or `dark` forces a colour scheme; unset, the page's applies. */
  @property({ reflect: true }) theme?: 'light' | 'dark';

  /**
   * The host's own labels of codes (sources, channels, rule ids…), before crmkit's shared table; unset, the
   * provider's `labels`. A property only.
   */
  @property({ attribute: false }) labels?: CrmLabels;

  /**
   * How long, in milliseconds, the "Undo" of a task completed on this card stays offered. `0` (or less) keeps it
   * until the next completion, the customer changes, or the user dismisses it.
   */
  @property({ type: Number, attribute: 'undo-duration' }) undoDuration = 8000;

  /**
   * Schedules the end of the "Undo" offer; returns a function that cancels it. `setTimeout` by default; a test or a
   * host with its own clock may replace it.
   */
  @property({ attribute: false }) scheduleUndoEnd: (end: () => void, ms: number) => () => void = (end, ms) => {
    const timer = setTimeout(end, ms);
    return () => clearTimeout(timer);
  };

  private shown?: Shown;
  private shownKey: readonly unknown[] = [];

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });

  /** @internal */
  readonly query: CrmQueryController<Customer360Loaded> = new CrmQueryController<Customer360Loaded>(this, {
    collections: [
      'customers',
      'contacts',
      'deals',
      'pipelines',
      'activities',
      'tasks',
      'lifecycleChanges',
      'customerStats',
      'segments',
      'consents',
      'users',
    ],
    query: async (crm, _signal, update) => {
      // Changes that cannot touch this customer (another customer's deal moving, say) keep the view as it is.
      if (update && !(await affects360(crm, this.customerId, update.previous, update.changes))) return update.previous;
      return load360(crm, this.customerId, {
        activityLimit: this.pageSize,
        ...(this.pager.reach ? { reach: this.pager.reach } : {}),
      });
    },
    crm: () => this.crm,
    enabled: () => !this.presentational && this.customerId !== '',
  });

  private readonly tasks = new TaskActionsController(this, {
    shown: () => this.shown,
    crm: () => (this.presentational ? undefined : this.query.crm),
    query: this.query as CrmQueryController<unknown>,
    undoDuration: () => this.undoDuration,
    scheduleUndoEnd: () => this.scheduleUndoEnd,
  });

  private readonly pager: TimelinePagerController = new TimelinePagerController(this, {
    shown: () => this.shown,
    customerId: () => this.customerId,
    crm: () => (this.presentational ? undefined : this.query.crm),
    pageSize: () => this.pageSize,
    locale: () => this.resolvedLocale,
    query: this.query as CrmQueryController<unknown>,
  });

  constructor() {
    super();
    updateOnCrmLocaleChange(this);
  }

  /** True when the host hands the card its data. */
  get presentational(): boolean {
    return this.data !== undefined;
  }

  /** Whether emails, phone numbers and addresses show unmasked for the acting user. */
  get piiVisible(): boolean {
    const role = this.actingRole;
    return role !== undefined && this.piiRoles.includes(role);
  }

  /** The activities the timeline shows now, newest first. */
  get timelineActivities(): readonly Activity[] {
    return this.shown?.activities ?? [];
  }

  /**
   * Resolves once loading, a timeline page and any task completion have settled and the card has rendered, with its
   * phone numbers formatted.
   */
  async settled(): Promise<void> {
    await this.query.settled();
    await Promise.all([this.tasks.settled(), this.pager.settled()]);
    await this.query.settled();
    await phonesFormatted();
    await this.updateComplete;
  }

  /**
   * Completes an open task as the user asked: announces the intent (`crm-task-complete`), then, with a CRM, writes
   * it with the version shown. Resolves when it has settled either way.
   */
  completeTask(taskId: string): Promise<void> {
    return this.tasks.complete(taskId);
  }

  /** Stops offering "Undo". */
  endUndo(): void {
    this.tasks.endUndo();
  }

  /**
   * Takes back the completion "Undo" offers: `crm.tasks.reopen` with the version completion left, so a task changed
   * since is not overwritten. The task is open again, off the timeline and the completed list, and keyboard focus
   * moves to its "Complete" button. Resolves when it has settled either way.
   */
  undoComplete(): Promise<void> {
    return this.tasks.undo();
  }

  /** The acting user's role: the CRM's actor (a missing role is core's default, `rep`), else `actor-role`. */
  private get actingRole(): string | undefined {
    const actor = this.crm?.actor ?? this.context.value?.actor ?? this.context.value?.crm?.actor;
    if (actor) return actor.role ?? 'rep';
    return this.actorRole || undefined;
  }

  private get pageSize(): number {
    const limit = Math.floor(Number(this.activityLimit));
    return Number.isFinite(limit) ? Math.min(200, Math.max(1, limit)) : 20;
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  private get level(): number {
    const level = Math.round(Number(this.headingLevel));
    return Number.isFinite(level) ? Math.min(6, Math.max(1, level)) : 2;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('customerId') || changed.has('activityLimit')) && !this.presentational) {
      this.pager.reset();
      this.tasks.dismiss();
      this.tasks.endUndo();
      if (this.hasUpdated) this.query.refresh();
    }
    const loaded = this.presentational ? undefined : this.query.value;
    this.pager.adopt(loaded);
    const key = this.presentational
      ? [this.data, this.names, this.lifecycleStages]
      : [loaded, this.pager.more, this.customerId];
    if (key.some((value, index) => value !== this.shownKey[index])) {
      this.shown = this.computeShown();
      this.shownKey = key;
    }
  }

  private computeShown(): Shown | undefined {
    if (this.data) {
      const data = this.data;
      return {
        view: data,
        names: { users: this.names?.users ?? {}, stages: this.names?.stages ?? {} },
        lifecycleStages: this.lifecycleStages ?? DEFAULT_LIFECYCLE_STAGES,
        activities: data.timeline.records,
        ...(data.timeline.next ? { after: data.timeline.next } : {}),
        entries: timelineEntries(data.timeline.records, data.tasks.completed ?? [], data.timeline.next !== undefined),
      };
    }
    const { moreFor: loaded, more } = this.pager;
    if (!loaded || loaded.view.customer.id !== this.customerId) return undefined;
    // `more` continues the first page from its own cursor: nothing to merge or de-duplicate.
    const activities = [...loaded.view.timeline.records, ...more.items];
    return {
      view: loaded.view,
      names: loaded.names,
      lifecycleStages: loaded.lifecycleStages,
      activities,
      ...(more.after ? { after: more.after } : {}),
      entries: timelineEntries(activities, loaded.view.tasks.completed ?? [], more.after !== undefined),
    };
  }

  protected override updated(): void {
    const scroller = this.renderRoot.querySelector<HTMLElement>('.timeline-scroll');
    if (scroller) {
      // A capped timeline that overflows must be reachable by keyboard to scroll it.
      const scrollable = scroller.scrollHeight > scroller.clientHeight + 1;
      if (scrollable !== scroller.hasAttribute('tabindex')) {
        if (scrollable) scroller.setAttribute('tabindex', '0');
        else scroller.removeAttribute('tabindex');
      }
    }
  }

  // ——— rendering ———

  override render(): TemplateResult {
    const shown = this.shown;
    if (!shown) {
      if (!this.presentational && this.customerId === '') {
        return html`<div part="base" class="state"><p>${m.noCustomer()}</p></div>`;
      }
      if (this.query.status === CrmQueryStatus.ERROR) {
        return renderLoadError(this.query.error, {
          notFound: m.notFound,
          retry: () => this.query.refresh(),
          base: true,
          buttonPart: 'button retry-button',
          buttonClass: 'action',
        });
      }
      return html`<div part="base" class="state" role="status">${crmMessages.loading()}</div>`;
    }
    const locale = this.resolvedLocale;
    const crm = this.query.crm;
    const region = crm?.defaultRegion;
    const ownLabels = this.labels ?? this.context.value?.labels;
    const context: SectionContext = {
      shown,
      locale,
      messagesLocale: resolveCrmLocale(locale),
      timeZone: this.context.value?.timeZone ?? crm?.timeZone,
      masked: !this.piiVisible,
      label: (kind, code) => crmLabel(kind, code, ownLabels),
      ownLabels,
      sublevel: (depth) => Math.min(6, this.level + depth),
      phone: (phone) => phoneText(this, phone, region),
      currency: crm?.currency ?? this.context.value?.currency ?? 'CNY',
      rates: crm?.exchangeRates ?? this.exchangeRates,
    };
    const { customer } = shown.view;
    const stage = stageLabel(context, shown.view.lifecycle.stage);
    const paging = { ...this.pager, loadMore: () => void this.pager.loadMore('button') };
    return html`<div part="base" class="card" role="region" aria-label=${m.label(customer.name)}>
      <div part="header" class="header">
        <div role="heading" aria-level=${this.level} part="name" class="name">${customer.name}</div>
        <p class="badges">
          <span part="badge" class="badge">${context.label('customerKind', customer.kind)}</span>
          <span part="badge stage-badge" class="badge stage" title=${m.lifecycleBadge(stage)}>${stage}</span>
        </p>
        ${context.masked ? html`<p part="masked-note" class="note">${m.masked()}</p>` : nothing}
      </div>
      <div part="sections" class="sections">
        ${section(context, 'profile', m.profile(), renderProfile(context))}
        ${section(context, 'contacts', m.contacts(), renderContacts(shown.view.contacts, context))}
        ${section(context, 'tasks', m.tasks(), renderTasks(context, this.tasks, this.actingRole !== 'viewer'))}
        ${section(context, 'deals', m.deals(), renderDeals(context))}
        ${section(context, 'timeline', m.timeline(), renderTimeline(context, paging))}
        ${section(context, 'value', m.value(), renderValue(context))}
        ${section(context, 'lifecycle', m.lifecycle(), renderLifecycle(context))}
        ${section(context, 'segments', m.segments(), renderSegments(context))}
        ${section(context, 'consents', m.consents(), renderConsents(shown.view.consents, context))}
      </div>
      <div class="visually-hidden announcement" role="status" aria-live="polite"></div>
    </div>`;
  }

  /**
   * Loads the next timeline page: announces the intent (`crm-timeline-load-more`), then, with a CRM, reads it from
   * `crm.activities.timeline` after the cursor shown (the view's `timeline.next`, then each page's `next`) and appends
   * it. Resolves when it has settled.
   */
  loadMore(via: 'button' | 'scroll' = 'button'): Promise<void> {
    return this.pager.loadMore(via);
  }
}
