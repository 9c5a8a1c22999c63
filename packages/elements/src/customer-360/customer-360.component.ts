import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import {
  convertTotals,
  CrmErrorCode,
  DEFAULT_LIFECYCLE_STAGES,
  maskAddress,
  maskEmail,
  maskPhone,
  type Activity,
  type Consent,
  type Contact,
  type Crm,
  type Customer360,
  type Deal,
  type ExchangeRateTable,
  type LifecycleStageDefinition,
  type Task,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { crmLabel, type CrmLabelKind, type CrmLabels } from '../internal/labels.js';
import { CrmQueryController, CrmQueryStatus } from '../internal/crm-query-controller.js';
import { announce } from '../internal/announce.js';
import { CrmErrorEvent } from '../internal/events.js';
import {
  formatCount,
  formatDay,
  formatDecimal,
  formatInstant,
  formatMoneyCached,
  formatTotal,
  localized,
} from '../internal/format.js';
import { elementLocale } from '../internal/locale.js';
import { phoneText, phonesFormatted } from '../internal/phone.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { crmMessages } from '../internal/messages.js';
import { componentStyles } from '../internal/component.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { formatAddress } from './address.js';
import { customer360Styles } from './customer-360.styles.js';
import {
  CrmTaskCompleteEvent,
  CrmTaskCompletedEvent,
  CrmTaskReopenedEvent,
  CrmTimelineLoadMoreEvent,
} from './events.js';
import { mailtoHref, safeHref, telHref } from './format.js';
import {
  affects360,
  compareActivities,
  load360,
  readTimelinePage,
  type Customer360Loaded,
  type Customer360Names,
  type TimelineMore,
  type TimelineReach,
} from './load.js';
import { customer360Messages as m } from './messages.js';

/** The roles that see personal data unmasked unless `pii-roles` says otherwise. */
export const DEFAULT_PII_ROLES: readonly string[] = Object.freeze(['admin', 'manager', 'rep']);

/** `pii-roles="admin manager"` (spaces or commas) ⇄ `['admin', 'manager']`. */
const rolesConverter = {
  fromAttribute: (value: string | null): readonly string[] =>
    value === null ? DEFAULT_PII_ROLES : value.split(/[\s,]+/).filter(Boolean),
  toAttribute: (value: readonly string[]): string => value.join(' '),
};

/** What one render shows, from storage or from the host's `data`. */
interface Shown {
  readonly view: Customer360;
  readonly names: Customer360Names;
  readonly lifecycleStages: readonly LifecycleStageDefinition[];
  /** The timeline as shown: the first page and every page loaded after it, newest first. */
  readonly activities: readonly Activity[];
  /** Where the next timeline page starts; absent at the end. */
  readonly after?: string;
  /**
   * What the timeline lists: the activities shown and the completed tasks among them (a completed task is its own
   * timeline entry), newest first.
   */
  readonly entries: readonly TimelineEntry[];
}

/** One entry of the timeline as shown: an activity, or a task at the instant it was completed. */
type TimelineEntry =
  | { readonly kind: 'activity'; readonly at: string; readonly activity: Activity }
  | { readonly kind: 'task'; readonly at: string; readonly task: Task };

/** A completion made on this card that "Undo" can still take back. */
interface Undoable {
  readonly taskId: string;
  readonly title: string;
  /** The task's version after completion: the undo refuses a task changed since. */
  readonly version: number;
}

/** Newest first; at one instant, completed tasks before activities, then by id descending (the core timeline's order). */
function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  const ka = a.kind === 'activity' ? `a:${a.activity.id}` : `t:${a.task.id}`;
  const kb = b.kind === 'activity' ? `a:${b.activity.id}` : `t:${b.task.id}`;
  return ka === kb ? 0 : ka < kb ? 1 : -1;
}

/**
 * The timeline as shown: the activities, and the recently completed tasks that fall among them — all of them once the
 * timeline has reached its end, else those at or after the oldest activity shown, so scrolling further never puts a
 * task above an activity already shown.
 */
function timelineEntries(activities: readonly Activity[], completed: readonly Task[], more: boolean): TimelineEntry[] {
  const oldest = activities[activities.length - 1];
  const entries: TimelineEntry[] = activities.map((activity) => ({
    kind: 'activity',
    at: activity.occurredAt,
    activity,
  }));
  for (const task of completed) {
    if (!task.completedAt) continue;
    if (more && oldest && task.completedAt < oldest.occurredAt) continue;
    if (more && !oldest) continue;
    entries.push({ kind: 'task', at: task.completedAt, task });
  }
  return entries.sort(compareEntries);
}

/** Per-render values the section renderers share. */
/**
 * An e-mail address that, when it must wrap, wraps before its `@` and dots (`zhang.wei` / `@example` / `.com`) rather
 * than mid-word: a `<wbr>` marks each place, and the value's `overflow-wrap: break-word` cuts a part only when it
 * alone is wider than the line.
 */
function breakable(text: string): TemplateResult {
  const parts = text.split(/(?=[@.])/);
  return html`${parts.map((part, index) => (index === 0 ? part : html`<wbr />${part}`))}`;
}

interface RenderContext {
  readonly locale: string;
  readonly messagesLocale: string;
  readonly timeZone: string | undefined;
  readonly masked: boolean;
}

/** Activity bodies longer than this are cut (the full text is a click away in the host's own view). */
const BODY_MAX = 600;

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

  @state() private more: TimelineMore = { items: [] };
  @state() private loadingMore = false;
  @state() private loadMoreError = '';
  @state() private completing: ReadonlySet<string> = new Set();
  @state() private taskError = '';
  /** The completion "Undo" would take back, while it is offered. */
  @state() private undoable?: Undoable;
  @state() private undoing = false;
  private cancelUndoEnd?: () => void;

  private shown?: Shown;
  private shownKey: readonly unknown[] = [];
  /** The loaded value `more` belongs to. */
  private moreFor?: Customer360Loaded;
  /** The oldest activity shown beyond the first page and the cursor after it: a live re-run reads down to it. */
  private reach?: TimelineReach;
  /** Presentational use: the `after` already asked for by scrolling, so a visible sentinel asks once. */
  private requestedAfter?: string;
  private observer?: IntersectionObserver;
  private observed?: Element;
  private work: Promise<unknown> = Promise.resolve();

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });

  /** @internal */
  readonly query = new CrmQueryController<Customer360Loaded>(this, {
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
        ...(this.reach ? { reach: this.reach } : {}),
      });
    },
    crm: () => this.crm,
    enabled: () => !this.presentational && this.customerId !== '',
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
    await this.work;
    await this.query.settled();
    await phonesFormatted();
    await this.updateComplete;
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

  /** The label of a code: the card's `labels`, else the provider's, then crmkit's shared table. */
  private label(kind: CrmLabelKind, code: string): string {
    return crmLabel(kind, code, this.labels ?? this.context.value?.labels);
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  private get level(): number {
    const level = Math.round(Number(this.headingLevel));
    return Number.isFinite(level) ? Math.min(6, Math.max(1, level)) : 2;
  }

  private sublevel(depth: number): number {
    return Math.min(6, this.level + depth);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) void this.updateComplete.then(() => this.observeSentinel());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.endUndo();
    this.observer?.disconnect();
    this.observer = undefined;
    this.observed = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('customerId') || changed.has('activityLimit')) && !this.presentational) {
      this.more = { items: [] };
      this.moreFor = undefined;
      this.reach = undefined;
      this.loadMoreError = '';
      this.taskError = '';
      this.endUndo();
      if (this.hasUpdated) this.query.refresh();
    }
    const loaded = this.presentational ? undefined : this.query.value;
    if (loaded && loaded !== this.moreFor && loaded.view.customer.id === this.customerId) {
      this.moreFor = loaded;
      this.more = loaded.more;
    }
    const key = this.presentational
      ? [this.data, this.names, this.lifecycleStages]
      : [loaded, this.more, this.customerId];
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
    const loaded = this.moreFor;
    if (!loaded || loaded.view.customer.id !== this.customerId) return undefined;
    // `more` continues the first page from its own cursor: nothing to merge or de-duplicate.
    const activities = [...loaded.view.timeline.records, ...this.more.items];
    return {
      view: loaded.view,
      names: loaded.names,
      lifecycleStages: loaded.lifecycleStages,
      activities,
      ...(this.more.after ? { after: this.more.after } : {}),
      entries: timelineEntries(activities, loaded.view.tasks.completed ?? [], this.more.after !== undefined),
    };
  }

  protected override updated(): void {
    this.observeSentinel();
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
      if (this.query.status === CrmQueryStatus.ERROR) return this.renderLoadError();
      return html`<div part="base" class="state" role="status">${crmMessages.loading()}</div>`;
    }
    const locale = this.resolvedLocale;
    const context: RenderContext = {
      locale,
      messagesLocale: resolveCrmLocale(locale),
      timeZone: this.context.value?.timeZone ?? this.query.crm?.timeZone,
      masked: !this.piiVisible,
    };
    const { customer } = shown.view;
    const stage = this.stageLabel(shown, shown.view.lifecycle.stage, context);
    return html`<div part="base" class="card" role="region" aria-label=${m.label(customer.name)}>
      <div part="header" class="header">
        <div role="heading" aria-level=${this.level} part="name" class="name">${customer.name}</div>
        <p class="badges">
          <span part="badge" class="badge">${this.label('customerKind', customer.kind)}</span>
          <span part="badge stage-badge" class="badge stage" title=${m.lifecycleBadge(stage)}>${stage}</span>
        </p>
        ${context.masked ? html`<p part="masked-note" class="note">${m.masked()}</p>` : nothing}
      </div>
      <div part="sections" class="sections">
        ${this.section('profile', m.profile(), this.renderProfile(shown, context))}
        ${this.section('contacts', m.contacts(), this.renderContacts(shown.view.contacts, context))}
        ${this.section('tasks', m.tasks(), this.renderTasks(shown, context))}
        ${this.section('deals', m.deals(), this.renderDeals(shown, context))}
        ${this.section('timeline', m.timeline(), this.renderTimeline(shown, context))}
        ${this.section('value', m.value(), this.renderValue(shown, context))}
        ${this.section('lifecycle', m.lifecycle(), this.renderLifecycle(shown, context))}
        ${this.section('segments', m.segments(), this.renderSegments(shown))}
        ${this.section('consents', m.consents(), this.renderConsents(shown.view.consents, context))}
      </div>
      <div class="visually-hidden announcement" role="status" aria-live="polite"></div>
    </div>`;
  }

  private renderLoadError(): TemplateResult {
    const notFound = (this.query.error as { code?: string } | undefined)?.code === CrmErrorCode.notFound;
    return html`<div part="base" class="state" role="alert">
      <p>${notFound ? m.notFound() : crmMessages.loadFailed()}</p>
      ${
        notFound
          ? nothing
          : html`<button type="button" part="button retry-button" class="action" @click=${() => this.query.refresh()}>
              ${crmMessages.retry()}
            </button>`
      }
    </div>`;
  }

  private section(id: string, title: string, body: TemplateResult): TemplateResult {
    return html`<section part="section ${id}" class="section ${id}" aria-labelledby="heading-${id}">
      <div
        role="heading"
        aria-level=${this.sublevel(1)}
        id="heading-${id}"
        part="section-heading"
        class="section-heading"
        tabindex="-1"
      >
        ${title}
      </div>
      ${body}
    </section>`;
  }

  private empty(text: string): TemplateResult {
    return html`<p part="empty" class="empty">${text}</p>`;
  }

  private renderEmails(emails: readonly string[], context: RenderContext): TemplateResult {
    return html`${emails.map((email) => {
      const href = context.masked ? undefined : mailtoHref(email);
      const text = breakable(context.masked ? maskEmail(email) : email);
      return html`<span class="value-item">${href ? html`<a href=${href}>${text}</a>` : text}</span>`;
    })}`;
  }

  private renderPhones(phones: readonly string[], context: RenderContext): TemplateResult {
    // Stored in E.164, shown as people write them (national in the CRM's region); the link keeps the E.164 number.
    const region = this.query.crm?.defaultRegion;
    return html`${phones.map((phone) => {
      const href = context.masked ? undefined : telHref(phone);
      const shown = phoneText(this, phone, region);
      const text = context.masked ? maskPhone(shown) : shown;
      return html`<span class="value-item">${href ? html`<a href=${href}>${text}</a>` : text}</span>`;
    })}`;
  }

  private renderProfile(shown: Shown, context: RenderContext): TemplateResult {
    const { customer } = shown.view;
    const address = customer.address && (context.masked ? maskAddress(customer.address) : customer.address);
    const addressText = address ? formatAddress(address, context.locale) : '';
    const website = safeHref(customer.website);
    const owner = customer.ownerId ? (shown.names.users[customer.ownerId] ?? customer.ownerId) : undefined;
    const fact = (label: string, value: unknown) =>
      html`<div class="fact">
        <dt>${label}</dt>
        <dd>${value}</dd>
      </div>`;
    return html`<dl class="facts">
      ${customer.emails.length > 0 ? fact(m.email(), this.renderEmails(customer.emails, context)) : nothing}
      ${customer.phones.length > 0 ? fact(m.phone(), this.renderPhones(customer.phones, context)) : nothing}
      ${customer.company ? fact(m.company(), customer.company) : nothing}
      ${
        customer.website
          ? fact(
              m.website(),
              website
                ? html`<a href=${website} target="_blank" rel="noopener noreferrer">${customer.website}</a>`
                : customer.website,
            )
          : nothing
      }
      ${addressText ? fact(m.address(), addressText) : nothing} ${owner ? fact(m.owner(), owner) : nothing}
      ${customer.source ? fact(m.source(), this.label('source', customer.source)) : nothing}
      ${
        customer.tags.length > 0
          ? fact(
              m.tags(),
              html`<ul class="chips">
                ${customer.tags.map((tag) => html`<li part="tag" class="chip">${tag}</li>`)}
              </ul>`,
            )
          : nothing
      }
    </dl>`;
  }

  private renderContacts(contacts: readonly Contact[], context: RenderContext): TemplateResult {
    if (contacts.length === 0) return this.empty(m.noContacts());
    const ordered = [...contacts].sort((a, b) => Number(b.primary) - Number(a.primary));
    return html`<ul class="items">
      ${ordered.map(
        (contact) =>
          html`<li part="contact" class="item">
            <div class="item-title">
              <span>${contact.name}</span>
              ${contact.primary ? html`<span part="badge" class="badge">${m.primary()}</span>` : nothing}
            </div>
            ${contact.title ? html`<div class="muted">${contact.title}</div>` : nothing}
            ${
              contact.emails.length > 0 || contact.phones.length > 0
                ? html`<div class="contact-points">
                    ${this.renderEmails(contact.emails, context)} ${this.renderPhones(contact.phones, context)}
                  </div>`
                : nothing
            }
          </li>`,
      )}
    </ul>`;
  }

  private stageLabel(shown: Shown, stageId: string, context: RenderContext): string {
    const stage = shown.lifecycleStages.find((candidate) => candidate.id === stageId);
    const own = this.labels ?? this.context.value?.labels;
    if (own?.lifecycleStage && Object.hasOwn(own.lifecycleStage, stageId)) return this.label('lifecycleStage', stageId);
    return localized(stage?.name, context.messagesLocale) ?? this.label('lifecycleStage', stageId);
  }

  private renderLifecycle(shown: Shown, context: RenderContext): TemplateResult {
    const { lifecycle } = shown.view;
    return html`<dl class="facts">
        <div class="fact">
          <dt>${m.currentStage()}</dt>
          <dd>${this.stageLabel(shown, lifecycle.stage, context)}</dd>
        </div>
      </dl>
      <div role="heading" aria-level=${this.sublevel(2)} id="heading-history" class="sub-heading">${m.history()}</div>
      ${
        lifecycle.history.length === 0
          ? this.empty(m.noHistory())
          : html`<ol class="items" aria-labelledby="heading-history">
              ${lifecycle.history.map(
                (change) =>
                  html`<li class="item">
                    <div>
                      ${m.stageChange(
                        this.stageLabel(shown, change.from, context),
                        this.stageLabel(shown, change.to, context),
                      )}
                    </div>
                    <div class="muted">
                      <time datetime=${change.at}>${formatInstant(change.at, context.locale, context.timeZone)}</time>
                      · ${this.label('lifecycleRule', change.ruleId)}
                    </div>
                  </li>`,
              )}
            </ol>`
      }`;
  }

  private renderValue(shown: Shown, context: RenderContext): TemplateResult {
    const { value } = shown.view;
    const { locale } = context;
    // One money model: revenue in other currencies converted into the CRM's at its dated rates (the rates' day shown
    // beside the figure); a currency without a rate listed apart, never left out.
    const crm = this.query.crm;
    const currency = crm?.currency ?? this.context.value?.currency ?? 'CNY';
    const rates = crm?.exchangeRates ?? this.exchangeRates;
    const lifetime = formatTotal(value.lifetimeValue, locale, currency, rates);
    // The average of everything won, in one currency when it all converts; else per currency, as stored.
    const all = convertTotals(value.lifetimeValue, currency, rates?.rates);
    const average =
      all.unconverted.length === 0 && value.wonDeals > 0
        ? formatTotal(
            [{ amountMinor: Math.round(all.total.amountMinor / value.wonDeals), currency }],
            locale,
            currency,
            undefined,
          )
        : formatTotal(value.averageOrderValue, locale, currency, undefined);
    const fact = (label: string, shownTotal: { text: string; ratesAsOf?: string | undefined }) =>
      html`<div class="fact">
        <dt>${label}</dt>
        <dd class="number">
          ${shownTotal.ratesAsOf === undefined ? shownTotal.text : `≈ ${shownTotal.text}`}
          ${
            shownTotal.ratesAsOf === undefined
              ? nothing
              : html`<span class="muted">${m.convertedAt(formatDay(shownTotal.ratesAsOf, locale))}</span>`
          }
        </dd>
      </div>`;
    const averageShown = {
      text: average.text,
      ratesAsOf: all.converted && all.unconverted.length === 0 ? lifetime.ratesAsOf : undefined,
    };
    const rfm = value.rfm;
    if (value.wonDeals === 0 && Object.keys(value.lifetimeValue).length === 0 && !rfm) {
      return this.empty(m.noPurchases());
    }
    return html`<dl class="facts metrics">
      ${value.wonDeals > 0 && lifetime.text ? fact(m.lifetimeValue(), lifetime) : nothing}
      ${value.wonDeals > 0 && average.text ? fact(m.averageOrderValue(), averageShown) : nothing}
      ${fact(m.purchaseFrequency(), { text: formatDecimal(value.purchaseFrequency, locale) })}
      ${fact(m.wonDeals(), { text: formatCount(value.wonDeals, locale) })}
      ${
        value.lastPurchaseAt
          ? fact(m.lastPurchase(), { text: formatInstant(value.lastPurchaseAt, locale, context.timeZone, false) })
          : nothing
      }
      ${
        rfm
          ? html`<div class="fact">
              <dt>${m.rfm()}</dt>
              <dd class="number">
                ${String(rfm.score)}
                <span class="muted"
                  >(${m.rfmDetail(formatCount(rfm.r, locale), formatCount(rfm.f, locale), formatCount(rfm.m, locale))})</span
                >
              </dd>
            </div>`
          : nothing
      }
    </dl>`;
  }

  private renderSegments(shown: Shown): TemplateResult {
    const { segments } = shown.view;
    if (segments.length === 0) return this.empty(m.noSegments());
    return html`<ul class="chips">
      ${segments.map((segment) => html`<li part="segment" class="chip">${segment.name}</li>`)}
    </ul>`;
  }

  private dealStage(shown: Shown, deal: Deal, context: RenderContext): string {
    const name = shown.names.stages[`${deal.pipelineId}/${deal.stageId}`] ?? shown.names.stages[deal.stageId];
    return localized(name, context.messagesLocale) ?? deal.stageId;
  }

  private renderDealList(
    deals: readonly Deal[],
    emptyText: string,
    headingId: string,
    shown: Shown,
    context: RenderContext,
  ): TemplateResult {
    if (deals.length === 0) return this.empty(emptyText);
    const { locale } = context;
    return html`<ul class="items" aria-labelledby=${headingId}>
      ${deals.map((deal) => {
        const status =
          deal.status === 'won'
            ? html`<span part="badge" class="badge success">${this.label('dealStatus', 'won')}</span>`
            : deal.status === 'lost'
              ? html`<span part="badge" class="badge danger">${this.label('dealStatus', 'lost')}</span>`
              : html`<span part="badge" class="badge">${this.dealStage(shown, deal, context)}</span>`;
        const when =
          deal.status === 'open'
            ? deal.expectedCloseDate
              ? m.expectedClose(formatDay(deal.expectedCloseDate, locale))
              : ''
            : deal.closedAt
              ? m.closedOn(formatInstant(deal.closedAt, locale, context.timeZone, false))
              : '';
        return html`<li part="deal" class="item" data-deal-id=${deal.id}>
          <div class="item-title">
            <span>${deal.title}</span>
            <span class="number">${formatMoneyCached(deal.amount, locale)}</span>
          </div>
          <div class="muted">${status} ${when}</div>
          ${
            deal.status === 'lost' && deal.lostReason
              ? html`<div class="muted">${m.lostReason(this.label('lostReason', deal.lostReason))}</div>`
              : nothing
          }
        </li>`;
      })}
    </ul>`;
  }

  private renderDeals(shown: Shown, context: RenderContext): TemplateResult {
    const { deals } = shown.view;
    return html`<div role="group" aria-labelledby="heading-open-deals" class="group">
        <div role="heading" aria-level=${this.sublevel(2)} id="heading-open-deals" class="sub-heading">
          ${m.openDeals()}
        </div>
        ${this.renderDealList(deals.open, m.noOpenDeals(), 'heading-open-deals', shown, context)}
      </div>
      <div role="group" aria-labelledby="heading-closed-deals" class="group">
        <div role="heading" aria-level=${this.sublevel(2)} id="heading-closed-deals" class="sub-heading">
          ${m.closedDeals()}
        </div>
        ${this.renderDealList(deals.closed, m.noClosedDeals(), 'heading-closed-deals', shown, context)}
      </div>`;
  }

  private renderTimeline(shown: Shown, context: RenderContext): TemplateResult {
    const entries = shown.entries;
    const more = shown.after !== undefined;
    return html`<div class="timeline-scroll" role="group" aria-labelledby="heading-timeline">
        ${
          entries.length === 0
            ? this.empty(m.noActivities())
            : html`<ol part="timeline" class="items timeline">
                ${entries.map((entry) =>
                  entry.kind === 'activity'
                    ? this.renderActivity(entry.activity, context)
                    : this.renderCompletedEntry(entry.task, context),
                )}
              </ol>`
        }
        ${more ? html`<div class="sentinel" aria-hidden="true"></div>` : nothing}
      </div>
      <div class="message-slot" role="alert">
        ${this.loadMoreError ? html`<p part="message" class="failure">${this.loadMoreError}</p>` : nothing}
      </div>
      ${
        more
          ? html`<button
              type="button"
              part="button load-more-button"
              class="action load-more"
              aria-disabled=${this.loadingMore ? 'true' : 'false'}
              @click=${() => void this.loadMore('button')}
            >
              ${this.loadingMore ? m.loadingMore() : m.loadMore()}
            </button>`
          : nothing
      }`;
  }

  private renderActivity(activity: Activity, context: RenderContext): TemplateResult {
    const body =
      activity.body && activity.body.length > BODY_MAX ? `${activity.body.slice(0, BODY_MAX)}…` : activity.body;
    const meta = [
      this.label('direction', activity.direction),
      activity.channel ? this.label('channel', activity.channel) : '',
    ]
      .filter(Boolean)
      .join(' · ');
    return html`<li part="activity" class="item activity" data-activity-id=${activity.id}>
      <div class="item-title">
        <span class="activity-type">${this.label('activityType', activity.type)}</span>
        <time datetime=${activity.occurredAt} class="muted"
          >${formatInstant(activity.occurredAt, context.locale, context.timeZone)}</time
        >
      </div>
      <div class="muted">
        ${meta}${
          activity.durationMinutes !== undefined
            ? ` · ${m.minutes(formatCount(activity.durationMinutes, context.locale))}`
            : ''
        }
      </div>
      ${activity.subject ? html`<div class="activity-subject">${activity.subject}</div>` : nothing}
      ${body ? html`<p class="activity-body">${body}</p>` : nothing}
    </li>`;
  }

  /** A completed task on the timeline, at the instant it was completed. */
  private renderCompletedEntry(task: Task, context: RenderContext): TemplateResult {
    const at = task.completedAt ?? task.dueAt;
    return html`<li part="timeline-task" class="item activity task-done" data-timeline-task-id=${task.id}>
      <div class="item-title">
        <span class="activity-type">${m.taskDone(this.label('taskType', task.type))}</span>
        <time datetime=${at} class="muted">${formatInstant(at, context.locale, context.timeZone)}</time>
      </div>
      <div class="activity-subject">${task.title}</div>
    </li>`;
  }

  private renderUndo(): TemplateResult | typeof nothing {
    const undoable = this.undoable;
    if (!undoable) return nothing;
    return html`<p part="undo" class="undo">
      <span>${m.completed(undoable.title)}</span>
      <button
        type="button"
        part="button undo-button"
        class="action"
        aria-label=${this.undoing ? m.undoing() : m.undoLabel(undoable.title)}
        aria-disabled=${this.undoing ? 'true' : 'false'}
        @click=${() => void this.undoComplete()}
      >
        ${this.undoing ? m.undoing() : m.undo()}
      </button>
    </p>`;
  }

  private renderCompleted(shown: Shown, context: RenderContext): TemplateResult | typeof nothing {
    const completed = shown.view.tasks.completed ?? [];
    if (completed.length === 0) return nothing;
    return html`<div role="group" aria-labelledby="heading-completed" class="group">
      <div role="heading" aria-level=${this.sublevel(2)} id="heading-completed" class="sub-heading">
        ${m.recentlyCompleted()} (${formatCount(completed.length, context.locale)})
      </div>
      <ul class="items" aria-labelledby="heading-completed">
        ${completed.map(
          (task) =>
            html`<li part="completed-task" class="item done" data-completed-task-id=${task.id}>
              <div class="item-title">
                <span>${task.title}</span>
                <span part="badge" class="badge">${this.label('taskType', task.type)}</span>
              </div>
              ${
                task.completedAt
                  ? html`<time datetime=${task.completedAt} class="muted"
                      >${m.completedOn(formatInstant(task.completedAt, context.locale, context.timeZone))}</time
                    >`
                  : nothing
              }
            </li>`,
        )}
      </ul>
    </div>`;
  }

  private renderTasks(shown: Shown, context: RenderContext): TemplateResult {
    const { open, overdue } = shown.view.tasks;
    const overdueIds = new Set(overdue.map((task) => task.id));
    const upcoming = open.filter((task) => !overdueIds.has(task.id));
    const canWrite = this.actingRole !== 'viewer';
    const list = (tasks: readonly Task[], headingId: string, late: boolean) =>
      html`<ul class="items" aria-labelledby=${headingId}>
        ${tasks.map((task) => this.renderTask(task, late, canWrite, context))}
      </ul>`;
    return html`${this.renderUndo()} ${open.length === 0 ? this.empty(m.noTasks()) : nothing}
      ${
        overdue.length > 0
          ? html`<div role="group" aria-labelledby="heading-overdue" class="group">
              <div role="heading" aria-level=${this.sublevel(2)} id="heading-overdue" class="sub-heading danger">
                ${m.overdue()} (${formatCount(overdue.length, context.locale)})
              </div>
              ${list(overdue, 'heading-overdue', true)}
            </div>`
          : nothing
      }
      ${
        upcoming.length > 0
          ? html`<div role="group" aria-labelledby="heading-upcoming" class="group">
              <div role="heading" aria-level=${this.sublevel(2)} id="heading-upcoming" class="sub-heading">
                ${m.upcoming()} (${formatCount(upcoming.length, context.locale)})
              </div>
              ${list(upcoming, 'heading-upcoming', false)}
            </div>`
          : nothing
      }
      ${this.renderCompleted(shown, context)}
      <div class="message-slot" role="alert">
        ${
          this.taskError
            ? html`<p part="message" class="failure">
                <span>${this.taskError}</span>
                <button type="button" part="button dismiss-button" class="action" @click=${() => (this.taskError = '')}>
                  ${m.dismiss()}
                </button>
              </p>`
            : nothing
        }
      </div>`;
  }

  private renderTask(task: Task, late: boolean, canWrite: boolean, context: RenderContext): TemplateResult {
    const busy = this.completing.has(task.id);
    return html`<li
      part=${late ? 'task task-overdue' : 'task'}
      class="item task ${late ? 'late' : ''} ${busy ? 'busy' : ''}"
      data-task-id=${task.id}
    >
      <div class="item-title">
        <span>${task.title}</span>
        <span part="badge" class="badge">${this.label('taskType', task.type)}</span>
      </div>
      <div class="task-row">
        <time datetime=${task.dueAt} class=${late ? 'danger' : 'muted'}
          >${m.due(formatInstant(task.dueAt, context.locale, context.timeZone))}</time
        >
        ${
          canWrite
            ? html`<button
                type="button"
                part="button complete-button"
                class="action"
                data-task-id=${task.id}
                aria-label=${busy ? m.completing() : m.completeLabel(task.title)}
                aria-disabled=${busy ? 'true' : 'false'}
                @click=${() => void this.completeTask(task.id)}
              >
                ${busy ? m.completing() : m.complete()}
              </button>`
            : nothing
        }
      </div>
    </li>`;
  }

  private renderConsents(consents: readonly Consent[], context: RenderContext): TemplateResult {
    if (consents.length === 0) return this.empty(m.noConsents());
    return html`<ul class="items">
      ${consents.map(
        (consent) =>
          html`<li part="consent" class="item" data-purpose=${consent.purpose}>
            <div class="item-title">
              <span>${this.label('consentPurpose', consent.purpose)}</span>
              <span part="badge" class="badge ${consent.status === 'granted' ? 'success' : 'danger'}"
                >${this.label('consentStatus', consent.status)}</span
              >
            </div>
            <div class="muted">
              ${m.consentDetail(
                this.label('legalBasis', consent.legalBasis),
                formatInstant(consent.at, context.locale, context.timeZone, false),
              )}
            </div>
          </li>`,
      )}
    </ul>`;
  }

  // ——— actions ———

  /**
   * Completes an open task as the user asked: announces the intent (`crm-task-complete`), then, with a CRM, writes
   * it with the version shown. Resolves when it has settled either way.
   */
  async completeTask(taskId: string): Promise<void> {
    const shown = this.shown;
    const task = shown?.view.tasks.open.find((candidate) => candidate.id === taskId);
    if (!shown || !task || this.completing.has(taskId)) return;
    const customerId = shown.view.customer.id;
    if (!this.dispatchEvent(new CrmTaskCompleteEvent({ taskId, customerId, expectedVersion: task.version }))) return;
    const crm = this.query.crm;
    if (this.presentational || !crm) return;
    const focusIndex = this.focusedTaskButton(taskId);
    this.taskError = '';
    this.completing = new Set(this.completing).add(taskId);
    const run = (async () => {
      try {
        const result = await crm.tasks.complete(taskId, { expectedVersion: task.version });
        this.query.refresh();
        await this.query.settled();
        this.offerUndo({ taskId, title: task.title, version: result.task.version });
        announce(this.renderRoot, m.completedUndo(task.title));
        this.dispatchEvent(
          new CrmTaskCompletedEvent({
            taskId,
            customerId,
            version: result.task.version,
            ...(result.next ? { nextTaskId: result.next.id } : {}),
          }),
        );
      } catch (error) {
        const code = (error as { code?: string } | null)?.code;
        this.taskError =
          code === CrmErrorCode.conflict
            ? m.completeConflict(task.title)
            : code === CrmErrorCode.permission
              ? m.completeForbidden()
              : m.completeFailed(task.title);
        if (code === CrmErrorCode.conflict) this.query.refresh();
        this.dispatchEvent(new CrmErrorEvent({ error, operation: 'complete-task' }));
      } finally {
        const completing = new Set(this.completing);
        completing.delete(taskId);
        this.completing = completing;
      }
      if (focusIndex !== undefined) await this.restoreTaskFocus(taskId, focusIndex);
    })();
    this.work = this.work.then(() => run);
    await run;
  }

  /** Offers "Undo" for a completion, for `undoDuration` ms (replacing an earlier offer). */
  private offerUndo(undoable: Undoable): void {
    this.endUndo();
    this.undoable = undoable;
    const ms = Number(this.undoDuration);
    if (Number.isFinite(ms) && ms > 0) {
      const cancel = this.scheduleUndoEnd(() => {
        if (this.undoable === undoable && !this.undoing) this.endUndo();
      }, ms);
      this.cancelUndoEnd = cancel;
    }
  }

  /** Stops offering "Undo". */
  endUndo(): void {
    this.cancelUndoEnd?.();
    this.cancelUndoEnd = undefined;
    this.undoable = undefined;
  }

  /**
   * Takes back the completion "Undo" offers: `crm.tasks.reopen` with the version completion left, so a task changed
   * since is not overwritten. The task is open again, off the timeline and the completed list, and keyboard focus
   * moves to its "Complete" button. Resolves when it has settled either way.
   */
  async undoComplete(): Promise<void> {
    const undoable = this.undoable;
    const crm = this.query.crm;
    const customerId = this.shown?.view.customer.id;
    if (!undoable || !crm || this.undoing || customerId === undefined) return;
    this.cancelUndoEnd?.();
    this.cancelUndoEnd = undefined;
    this.undoing = true;
    this.taskError = '';
    const run = (async () => {
      let reopened = false;
      try {
        const task = await crm.tasks.reopen(undoable.taskId, { expectedVersion: undoable.version });
        reopened = true;
        this.query.refresh();
        await this.query.settled();
        announce(this.renderRoot, m.reopened(undoable.title));
        this.dispatchEvent(new CrmTaskReopenedEvent({ taskId: task.id, customerId, version: task.version }));
      } catch (error) {
        this.taskError = m.reopenFailed(undoable.title);
        if ((error as { code?: string } | null)?.code === CrmErrorCode.conflict) this.query.refresh();
        this.dispatchEvent(new CrmErrorEvent({ error, operation: 'reopen-task' }));
      } finally {
        this.undoing = false;
        if (this.undoable === undoable) this.endUndo();
      }
      await this.updateComplete;
      const target = reopened
        ? this.renderRoot.querySelector<HTMLElement>(`button[data-task-id="${CSS.escape(undoable.taskId)}"]`)
        : null;
      (target ?? this.renderRoot.querySelector<HTMLElement>('#heading-tasks'))?.focus();
    })();
    this.work = this.work.then(() => run);
    await run;
  }

  /** The index among the Complete buttons of the task's button, when it has focus. */
  private focusedTaskButton(taskId: string): number | undefined {
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('button[data-task-id]')];
    const index = buttons.findIndex((button) => button.dataset['taskId'] === taskId);
    const active = (this.renderRoot as ShadowRoot).activeElement;
    return index >= 0 && buttons[index] === active ? index : undefined;
  }

  /** Keeps keyboard focus in the task list: on the same task if it stayed, else the next one, else the heading. */
  private async restoreTaskFocus(taskId: string, index: number): Promise<void> {
    await this.query.settled();
    await this.updateComplete;
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('button[data-task-id]')];
    const target =
      buttons.find((button) => button.dataset['taskId'] === taskId) ??
      buttons[Math.min(index, buttons.length - 1)] ??
      this.renderRoot.querySelector<HTMLElement>('#heading-tasks');
    target?.focus();
  }

  /**
   * Loads the next timeline page: announces the intent (`crm-timeline-load-more`), then, with a CRM, reads it from
   * `crm.activities.timeline` after the cursor shown (the view's `timeline.next`, then each page's `next`) and appends
   * it. Resolves when it has settled.
   */
  async loadMore(via: 'button' | 'scroll' = 'button'): Promise<void> {
    const shown = this.shown;
    const after = shown?.after;
    if (!shown || after === undefined || this.loadingMore) return;
    if (via === 'scroll' && this.presentational && this.requestedAfter === after) return;
    const customerId = shown.view.customer.id;
    if (!this.dispatchEvent(new CrmTimelineLoadMoreEvent({ customerId, after, shown: shown.activities.length, via }))) {
      return;
    }
    const crm = this.query.crm;
    if (this.presentational || !crm) {
      this.requestedAfter = after;
      return;
    }
    const base = this.moreFor;
    this.loadingMore = true;
    this.loadMoreError = '';
    const run = (async () => {
      try {
        const page = await readTimelinePage(crm, customerId, after, this.pageSize);
        const oldest = page.items[page.items.length - 1];
        if (oldest && (!this.reach || compareActivities(oldest, this.reach.last) > 0)) {
          this.reach = {
            last: { occurredAt: oldest.occurredAt, id: oldest.id },
            ...(page.after ? { after: page.after } : {}),
          };
        }
        if (this.moreFor !== base || this.customerId !== customerId) {
          // A live re-run replaced the timeline meanwhile: the next one reads this page again, with the rest.
          if (this.customerId === customerId) this.query.refresh();
          return;
        }
        this.more = { items: [...this.more.items, ...page.items], ...(page.after ? { after: page.after } : {}) };
        announce(this.renderRoot, m.loadedMore(formatCount(page.items.length, this.resolvedLocale)));
      } catch (error) {
        this.loadMoreError = m.loadMoreFailed();
        this.dispatchEvent(new CrmErrorEvent({ error, operation: 'load-more' }));
      } finally {
        this.loadingMore = false;
      }
      await this.updateComplete;
      // Still at the end of the timeline (a short page, a tall screen)? Observing anew reports it again.
      this.observeSentinel(true);
    })();
    this.work = this.work.then(() => run);
    await run;
  }

  private observeSentinel(again = false): void {
    if (!this.isConnected || typeof IntersectionObserver === 'undefined') return;
    const sentinel = this.renderRoot.querySelector('.sentinel') ?? undefined;
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
