import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html, nothing, type TemplateResult } from 'lit';
import { expect, fn, userEvent, waitFor } from 'storybook/test';
import {
  createCrm,
  createMemoryStorage,
  StorageError,
  type Crm,
  type Customer360,
  type StoragePort,
  type UserRole,
} from '@crmkit/core';
import { DEMO_NOW, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-customer-360';
import { setCrmLocale, type CrmErrorEvent } from '@crmkit/elements';
import type { CrmCustomer360 } from '../packages/elements/src/customer-360/customer-360.component.js';
import type {
  CrmTaskCompleteEvent,
  CrmTaskCompletedEvent,
  CrmTaskReopenedEvent,
  CrmTimelineLoadMoreEvent,
} from '../packages/elements/src/customer-360/events.js';

interface CardArgs {
  /** The customer the card loads through the CRM. */
  customerId: string;
  /** `theme` of the surrounding `<crm-provider>`; unset, the page's colour scheme applies. */
  theme?: 'light' | 'dark';
  headingLevel: number;
  activityLimit: number;
  /** The roles that see personal data unmasked. */
  piiRoles: string;
  /** Sets `--crm-customer-360-timeline-max-height`: the timeline scrolls inside. */
  timelineHeight: string;
  onTaskComplete: (event: CrmTaskCompleteEvent) => void;
  onTaskCompleted: (event: CrmTaskCompletedEvent) => void;
  onTaskReopened: (event: CrmTaskReopenedEvent) => void;
  onLoadMore: (event: CrmTimelineLoadMoreEvent) => void;
  onError: (event: CrmErrorEvent) => void;
}

/** What the stories' loaders hand the render and play functions. */
interface Loaded {
  /** The CRM the card reads through `<crm-provider>`; absent in the presentational story. */
  crm?: Crm;
  /** Presentational story: the 360° view the host hands the card, and the host's own CRM behind it. */
  data?: Customer360;
  host?: Crm;
  /** How often the failing storage has failed. */
  outage?: { failures: number; remaining: number };
}

type Context = StoryContext<CardArgs>;
const loadedOf = (context: Pick<Context, 'loaded'>): Loaded => context.loaded as Loaded;
const localeOf = (context: Pick<Context, 'globals'>): string => String(context.globals['locale'] ?? 'en');

const NOW = new Date(DEMO_NOW);
/** The demo's richest customer: an organisation with a contact, six deals (two won, one open) and 16 activities. */
const CUSTOMER = 'cus-0004';
/** How many activities the demo data has for it. */
const ACTIVITIES = generateDemoData({ seed: 1 }).activities.filter((item) => item.customerId === CUSTOMER).length;
const OVERDUE_TASK = 'Call back about the renewal';

// ——— CRMs for the stories ———

const made: Crm[] = [];

async function demoStorage(): Promise<StoragePort> {
  const storage = createMemoryStorage({ now: () => NOW });
  await storage.importSnapshot(toStorageSnapshot(generateDemoData({ seed: 1 })));
  return storage;
}

async function crmOver(storage: StoragePort, role: UserRole = 'admin', id = 'usr-0001'): Promise<Crm> {
  const crm = await createCrm({ storage, actor: { id, role }, clock: () => NOW });
  made.push(crm);
  return crm;
}

/**
 * What the demo data lacks for this card: open tasks, consent (written straight to the storage the CRM was created
 * over), saved segments, lifecycle history, aggregates.
 */
async function enrich(crm: Crm, storage: StoragePort): Promise<void> {
  const related = { kind: 'customer', id: CUSTOMER } as const;
  await crm.tasks.create({ title: OVERDUE_TASK, type: 'call', dueAt: '2026-06-20T09:00:00Z', related });
  await crm.tasks.create({ title: 'Send the revised proposal', type: 'email', dueAt: '2026-07-05T09:00:00Z', related });
  for (const [purpose, status] of [
    ['marketing_email', 'granted'],
    ['sms', 'withdrawn'],
  ] as const) {
    await storage.put(
      'consents',
      {
        id: `consent-${purpose}`,
        subjectKind: 'customer',
        subjectId: CUSTOMER,
        purpose,
        legalBasis: 'consent',
        status,
        at: '2026-01-10T08:00:00.000Z',
      },
      { expectedVersion: 0 },
    );
  }
  await crm.segments.create({
    name: 'Newsletter readers',
    filter: { field: 'tags', op: 'hasAny', values: ['newsletter'] },
  });
  await crm.segments.create({ name: 'Repeat buyers', filter: { field: 'stats.wonDeals', op: 'gte', value: 2 } });
  const customer = await crm.customers.get(CUSTOMER);
  await crm.customers.setLifecycleStage(CUSTOMER, 'evangelist', { expectedVersion: customer.version });
  await crm.aggregates.refresh(CUSTOMER);
  await crm.aggregates.refreshRfm();
  await crm.aggregates.settled();
}

/** The demo CRM with the card's customer filled in, acting as `role`. */
async function storyCrm(role: UserRole = 'admin'): Promise<Crm> {
  const storage = await demoStorage();
  const admin = await crmOver(storage);
  await enrich(admin, storage);
  return role === 'admin' ? admin : crmOver(storage, role, 'usr-0099');
}

// ——— rendering ———

function renderWithCrm(args: CardArgs, context: Context): TemplateResult {
  const { crm } = loadedOf(context);
  return html`
    <crm-provider .crm=${crm} locale=${localeOf(context)} theme=${args.theme ?? nothing}>
      <crm-customer-360
        customer-id=${args.customerId}
        heading-level=${args.headingLevel}
        activity-limit=${args.activityLimit}
        pii-roles=${args.piiRoles}
        style=${`--crm-customer-360-timeline-max-height: ${args.timelineHeight}`}
        @crm-task-complete=${args.onTaskComplete}
        @crm-task-completed=${args.onTaskCompleted}
        @crm-task-reopened=${args.onTaskReopened}
        @crm-timeline-load-more=${args.onLoadMore}
        @crm-error=${args.onError}
      ></crm-customer-360>
    </crm-provider>
  `;
}

/**
 * The card with its data in `data` and no CRM. The story plays the host: it completes a task or reads the next
 * timeline page with its own CRM when the card asks, and hands the card the new view.
 */
function renderPresentational(args: CardArgs, context: Context): TemplateResult {
  const { data, host } = loadedOf(context);
  const completeTask = async (event: CrmTaskCompleteEvent) => {
    args.onTaskComplete(event);
    const card = event.currentTarget as CrmCustomer360;
    await host!.tasks.complete(event.detail.taskId, { expectedVersion: event.detail.expectedVersion });
    card.data = await host!.customers.view360(CUSTOMER, { activityLimit: args.activityLimit });
  };
  const loadMore = async (event: CrmTimelineLoadMoreEvent) => {
    args.onLoadMore(event);
    const card = event.currentTarget as CrmCustomer360;
    const current = card.data!;
    const next = await host!.customers.view360(CUSTOMER, {
      activityLimit: args.activityLimit,
      activitiesAfter: event.detail.after,
    });
    card.data = {
      ...current,
      timeline: { ...next.timeline, records: [...current.timeline.records, ...next.timeline.records] },
    };
  };
  return html`
    <crm-customer-360
      .data=${data}
      actor-role="manager"
      theme=${args.theme ?? nothing}
      heading-level=${args.headingLevel}
      pii-roles=${args.piiRoles}
      style=${`--crm-customer-360-timeline-max-height: ${args.timelineHeight}`}
      @crm-task-complete=${completeTask}
      @crm-timeline-load-more=${loadMore}
    ></crm-customer-360>
  `;
}

const meta: Meta<CardArgs> = {
  title: 'Elements/Customer 360',
  component: 'crm-customer-360',
  // A docs page: the element's properties, events, parts and custom properties from the custom-elements manifest.
  tags: ['autodocs'],
  args: {
    customerId: CUSTOMER,
    headingLevel: 2,
    activityLimit: 5,
    piiRoles: 'admin manager rep',
    timelineHeight: '20rem',
    onTaskComplete: fn(),
    onTaskCompleted: fn(),
    onTaskReopened: fn(),
    onLoadMore: fn(),
    onError: fn(),
  },
  argTypes: {
    theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] },
    headingLevel: { control: { type: 'number', min: 1, max: 6 } },
    activityLimit: { control: { type: 'number', min: 1, max: 200 } },
    timelineHeight: {
      description: 'Sets `--crm-customer-360-timeline-max-height` on the card (the stories’ own arg).',
    },
    onTaskComplete: { description: '`crm-task-complete`', table: { category: 'events' } },
    onTaskCompleted: { description: '`crm-task-completed`', table: { category: 'events' } },
    onTaskReopened: { description: '`crm-task-reopened`', table: { category: 'events' } },
    onLoadMore: { description: '`crm-timeline-load-more`', table: { category: 'events' } },
    onError: { description: '`crm-error`', table: { category: 'events' } },
  },
  // `@lit/localize` keeps one message locale per page: follow the toolbar even in stories without a provider, and
  // whatever locale the story before this one left behind.
  loaders: [async (context) => void (await setCrmLocale(localeOf(context)))],
  // The story's CRMs stop their background work when the story unmounts.
  beforeEach: () => () => {
    for (const crm of made.splice(0)) crm.dispose();
  },
  render: renderWithCrm,
};
export default meta;

type Story = StoryObj<CardArgs>;

// ——— helpers for the play functions ———

function cardIn(canvasElement: HTMLElement): CrmCustomer360 {
  const card = canvasElement.querySelector('crm-customer-360');
  if (!card) throw new Error('no <crm-customer-360> in the story');
  return card;
}

const shadow = (card: CrmCustomer360): ShadowRoot => card.shadowRoot!;
const text = (element: Element | null | undefined): string => element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const section = (card: CrmCustomer360, id: string): HTMLElement | null =>
  shadow(card).querySelector<HTMLElement>(`section.${id}`);
const activityCount = (card: CrmCustomer360): number => shadow(card).querySelectorAll('[part~="activity"]').length;

async function loadedCard(canvasElement: HTMLElement): Promise<CrmCustomer360> {
  const card = cardIn(canvasElement);
  await waitFor(() => expect(shadow(card).querySelector('.card')).not.toBeNull(), { timeout: 5000 });
  await card.settled();
  return card;
}

const openTaskTitles = (card: CrmCustomer360): string[] =>
  [...shadow(card).querySelectorAll('[part~="task"] .item-title > span:first-child')].map(text);
const completedTaskTitles = (card: CrmCustomer360): string[] =>
  [...shadow(card).querySelectorAll('[part~="completed-task"] .item-title > span:first-child')].map(text);

const sectionHeadings = (card: CrmCustomer360): string[] =>
  [...shadow(card).querySelectorAll('section > [part~="section-heading"]')].map(text);

// ——— stories ———

/**
 * The seeded demo CRM, one organisation with its contacts, deals, 16 activities, two open tasks, consent, segments
 * and a lifecycle change. Complete a task and load more of the timeline by keyboard.
 */
export const Loaded: Story = {
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement, args }) => {
    const card = await loadedCard(canvasElement);
    await expect(text(shadow(card).querySelector('[part~="name"]'))).toBe('重庆金桥科技股份有限公司');
    await expect(sectionHeadings(card)).toEqual([
      'Profile',
      'Contacts',
      'Tasks',
      'Deals',
      'Activity timeline',
      'Value',
      'Lifecycle',
      'Segments',
      'Consent',
    ]);
    await expect(text(section(card, 'profile'))).toContain('info@jinqiao-keji.example');
    await expect(text(section(card, 'segments'))).toContain('Repeat buyers');
    // The timeline scrolls inside its 20rem: its end is out of view, so only the first page is loaded.
    await expect(activityCount(card)).toBe(5);
    await expect(shadow(card).querySelector('.timeline-scroll')?.getAttribute('tabindex')).toBe('0');

    // "Load more" by keyboard appends the next page.
    const more = shadow(card).querySelector<HTMLButtonElement>('[part~="load-more-button"]')!;
    more.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(activityCount(card)).toBe(10));
    await expect(args.onLoadMore).toHaveBeenCalledTimes(1);

    // Scrolling the timeline to its end loads the rest.
    const scroller = shadow(card).querySelector<HTMLElement>('.timeline-scroll')!;
    for (let scrolls = 0; scrolls < 10 && activityCount(card) < ACTIVITIES; scrolls++) {
      scroller.scrollTop = scroller.scrollHeight;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await card.settled();
    }
    await expect(activityCount(card)).toBe(ACTIVITIES);

    // Complete the overdue task by keyboard: it leaves the list, and focus stays among the tasks.
    const complete = shadow(card).querySelector<HTMLButtonElement>(
      `[part~="complete-button"][aria-label="Complete “${OVERDUE_TASK}”"]`,
    )!;
    complete.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(args.onTaskCompleted).toHaveBeenCalledTimes(1));
    await card.settled();
    await expect(openTaskTitles(card)).not.toContain(OVERDUE_TASK);
    await expect(completedTaskTitles(card)).toContain(OVERDUE_TASK);
    await expect(shadow(card).activeElement?.getAttribute('part')).toContain('complete-button');
  },
};

/**
 * A completed task leaves a trace: it shows on the timeline ("Task done") and in the "Completed" list, and "Undo"
 * (offered after completing; kept here with `undo-duration="0"`) reopens it by keyboard, taking both back.
 */
export const CompleteAndUndo: Story = {
  render: (args, context) => html`
    <crm-provider .crm=${loadedOf(context).crm} locale=${localeOf(context)}>
      <crm-customer-360
        customer-id=${args.customerId}
        activity-limit=${args.activityLimit}
        undo-duration="0"
        @crm-task-completed=${args.onTaskCompleted}
        @crm-task-reopened=${args.onTaskReopened}
      ></crm-customer-360>
    </crm-provider>
  `,
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement, args }) => {
    const card = await loadedCard(canvasElement);
    const complete = shadow(card).querySelector<HTMLButtonElement>(
      `[part~="complete-button"][aria-label="Complete “${OVERDUE_TASK}”"]`,
    )!;
    complete.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(args.onTaskCompleted).toHaveBeenCalledTimes(1));
    await card.settled();
    await expect(completedTaskTitles(card)).toContain(OVERDUE_TASK);
    await expect(text(section(card, 'timeline')?.querySelector('[part~="timeline-task"]'))).toContain(OVERDUE_TASK);

    const undo = shadow(card).querySelector<HTMLButtonElement>('[part~="undo-button"]')!;
    await expect(undo.getAttribute('aria-label')).toBe(`Undo completing “${OVERDUE_TASK}”`);
    undo.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(args.onTaskReopened).toHaveBeenCalledTimes(1));
    await card.settled();
    await expect(openTaskTitles(card)).toContain(OVERDUE_TASK);
    await expect(completedTaskTitles(card)).not.toContain(OVERDUE_TASK);
    await expect(section(card, 'timeline')?.querySelector('[part~="timeline-task"]')).toBeNull();
    await expect(shadow(card).activeElement?.getAttribute('aria-label')).toBe(`Complete “${OVERDUE_TASK}”`);
  },
};

/**
 * Codes read as labels in both languages, with the host's own labels first: the provider's `labels` names a channel
 * crmkit does not know, and relabels a source.
 */
export const HostLabels: Story = {
  render: (args, context) => html`
    <crm-provider
      .crm=${loadedOf(context).crm}
      locale=${localeOf(context)}
      .labels=${{ source: { wechat: { en: 'WeChat official account', 'zh-CN': '微信公众号' } } }}
    >
      <crm-customer-360 customer-id=${args.customerId} activity-limit=${args.activityLimit}></crm-customer-360>
    </crm-provider>
  `,
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement, globals }) => {
    const card = await loadedCard(canvasElement);
    const zh = localeOf({ globals }) === 'zh-CN';
    await expect(text(section(card, 'profile'))).toContain(zh ? '微信公众号' : 'WeChat official account');
    // The timeline's type, direction and channel lines: labels, never the stored codes.
    const meta = [...shadow(card).querySelectorAll('[part~="activity"]')].map(text).join(' ');
    await expect(meta).not.toMatch(/tencent_meeting|in_person|web_visit|\b(outbound|inbound)\b/);
    await expect(text(section(card, 'lifecycle'))).not.toContain('Rule:');
  },
};

/** The storage has not answered yet (it never will here): the card says it is loading. */
export const Loading: Story = {
  loaders: [
    async () => {
      const storage = await demoStorage();
      const stalled: StoragePort = { ...storage, get: () => new Promise<never>(() => undefined) };
      return { crm: await crmOver(stalled) };
    },
  ],
  play: async ({ canvasElement }) => {
    const card = cardIn(canvasElement);
    await waitFor(() => expect(text(shadow(card).querySelector('[role="status"]'))).toBe('Loading…'));
    await expect(shadow(card).querySelector('.card')).toBeNull();
  },
};

/** A customer with nothing yet: every list says so. */
export const Empty: Story = {
  args: { customerId: 'cus-new' },
  loaders: [
    async () => {
      const storage = createMemoryStorage({ now: () => NOW });
      const crm = await crmOver(storage);
      await storage.put(
        'customers',
        { id: 'cus-new', kind: 'person', name: 'Mei Lin', emails: [], phones: [], tags: [], lifecycleStage: 'lead' },
        { expectedVersion: 0 },
      );
      return { crm };
    },
  ],
  play: async ({ canvasElement }) => {
    const card = await loadedCard(canvasElement);
    await expect([...shadow(card).querySelectorAll('[part~="empty"]')].map(text)).toEqual([
      'No contacts yet.',
      'No open tasks.',
      'No open deals yet.',
      'No closed deals yet.',
      'No activities yet.',
      'No purchases yet.',
      'No stage changes yet.',
      'Not in any segment yet.',
      'No consent recorded yet.',
    ]);
  },
};

/** `customer-id` names no customer: the card says so and offers no retry. */
export const ErrorNotFound: Story = {
  args: { customerId: 'cus-9999' },
  loaders: [async () => ({ crm: await crmOver(await demoStorage()) })],
  play: async ({ canvasElement, args }) => {
    const card = cardIn(canvasElement);
    await waitFor(() =>
      expect(text(shadow(card).querySelector('[role="alert"]'))).toBe('This customer does not exist.'),
    );
    await expect(shadow(card).querySelector('button')).toBeNull();
    await expect(args.onError).toHaveBeenCalledWith(
      expect.objectContaining({ detail: expect.objectContaining({ operation: 'query' }) }),
    );
  },
};

/** The first read fails: the card offers Retry, which loads it. */
export const ErrorLoadFailed: Story = {
  loaders: [
    async () => {
      const storage = await demoStorage();
      const outage = { failures: 0, remaining: 1 };
      const failing: StoragePort = {
        ...storage,
        get: (collection, id) => {
          if (collection === 'customers' && outage.remaining > 0) {
            outage.remaining -= 1;
            outage.failures += 1;
            return Promise.reject(new StorageError('The storage engine is unavailable'));
          }
          return storage.get(collection, id);
        },
      } as StoragePort;
      return { outage, crm: await crmOver(failing) };
    },
  ],
  play: async ({ canvasElement, loaded }) => {
    const { outage } = loadedOf({ loaded });
    const card = cardIn(canvasElement);
    const retry = await waitFor(() => {
      const button = shadow(card).querySelector<HTMLButtonElement>('[part~="retry-button"]');
      expect(button).not.toBeNull();
      return button!;
    });
    await expect(text(shadow(card).querySelector('[role="alert"] p'))).toBe('Could not load the data.');
    await expect(outage!.failures).toBe(1);
    await userEvent.click(retry);
    await loadedCard(canvasElement);
  },
};

/** 简体中文: messages, lifecycle stage names, dates and money in zh-CN. */
export const SimplifiedChinese: Story = {
  globals: { locale: 'zh-CN' },
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement }) => {
    const card = await loadedCard(canvasElement);
    await waitFor(() => expect(sectionHeadings(card)[0]).toBe('客户资料'));
    await expect(text(shadow(card).querySelector('.stage'))).toBe('推荐者');
    await expect(text(section(card, 'value'))).toContain('¥');
  },
};

/** `theme="dark"` on the provider, on a dark host page. */
export const Dark: Story = {
  args: { theme: 'dark' },
  loaders: [async () => ({ crm: await storyCrm() })],
  decorators: [
    (story) =>
      html`<div style="background: #0d1117; color: #e6edf3; color-scheme: dark; padding: 8px">${story()}</div>`,
  ],
  play: async ({ canvasElement }) => {
    const card = await loadedCard(canvasElement);
    await expect(getComputedStyle(card).colorScheme).toBe('dark');
  },
};

/** The acting user is a viewer: emails, phone numbers and street addresses are masked, and tasks are read-only. */
export const MaskedForViewer: Story = {
  loaders: [async () => ({ crm: await storyCrm('viewer') })],
  play: async ({ canvasElement }) => {
    const card = await loadedCard(canvasElement);
    const profile = text(section(card, 'profile'));
    await expect(profile).toContain('i***@jinqiao-keji.example');
    await expect(profile).toContain('+86 ** **** 8024');
    await expect(profile).not.toContain('info@jinqiao-keji.example');
    await expect(shadow(card).querySelector('a[href^="mailto:"], a[href^="tel:"]')).toBeNull();
    await expect(shadow(card).querySelector('[part~="complete-button"]')).toBeNull();
    await expect(text(shadow(card).querySelector('[part~="masked-note"]'))).toBe(
      'Some contact details are hidden for your role.',
    );
  },
};

/**
 * No CRM: the host hands the card a `Customer360` in `data`. "Complete" and "Load more" are events; the story,
 * playing the host, acts on them with its own CRM and hands the card the new view.
 */
export const Presentational: Story = {
  render: renderPresentational,
  loaders: [
    async () => {
      const host = await storyCrm();
      return { host, data: await host.customers.view360(CUSTOMER, { activityLimit: 5 }) };
    },
  ],
  play: async ({ canvasElement, args }) => {
    const card = cardIn(canvasElement);
    await card.settled();
    await expect(activityCount(card)).toBe(5);
    await userEvent.click(shadow(card).querySelector<HTMLButtonElement>('[part~="load-more-button"]')!);
    await waitFor(() => expect(activityCount(card)).toBe(10));
    await expect(args.onLoadMore).toHaveBeenCalledWith(
      expect.objectContaining({ detail: expect.objectContaining({ customerId: CUSTOMER, via: 'button' }) }),
    );
    await userEvent.click(shadow(card).querySelector<HTMLButtonElement>(`[aria-label="Complete “${OVERDUE_TASK}”"]`)!);
    await waitFor(() => expect(openTaskTitles(card)).not.toContain(OVERDUE_TASK));
    await expect(completedTaskTitles(card)).toContain(OVERDUE_TASK);
    await expect(args.onTaskComplete).toHaveBeenCalledTimes(1);
  },
};
