import { expect, html, waitUntil } from '@open-wc/testing';
import { render, type TemplateResult } from 'lit';
import { StorageError, type Activity, type Crm, type Customer360, type StoragePort, type UserRole } from '@crmkit/core';
import { DEMO_NOW, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { openBackend, type OpenCrmOptions, type TestBackend, type TestStorage } from './crm-under-test.js';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-customer-360';
import { setCrmLocale, type CrmErrorEvent } from '@crmkit/elements';
import type { CrmCustomer360 } from '../src/customer-360/customer-360.component.js';
import type {
  CrmTaskCompleteEvent,
  CrmTaskCompletedEvent,
  CrmTimelineLoadMoreEvent,
} from '../src/customer-360/events.js';

const NOW = new Date(DEMO_NOW);
/** The demo's richest customer: an organisation with a contact, six deals (two won, one open) and 16 activities. */
const CUSTOMER = 'cus-0004';
/** How many activities the demo data has for it. */
const ACTIVITIES = generateDemoData({ seed: 1 }).activities.filter((item) => item.customerId === CUSTOMER).length;
const OVERDUE_TASK = 'Call back about the renewal';
const UPCOMING_TASK = 'Send the revised proposal';
const SECOND_OVERDUE_TASK = 'Confirm the delivery address';

/** The demo data in a fresh storage, local or remote (crm-under-test.ts); its clock and its CRMs' at {@link NOW}. */
function demoBackend(): Promise<TestBackend> {
  return openBackend({ clock: NOW, storageNow: NOW, snapshot: toStorageSnapshot(generateDemoData({ seed: 1 })) });
}

const crms: Crm[] = [];
/** A CRM over the backend acting as `id` with `role`, its clock at {@link NOW}. */
async function crmOver(
  backend: TestBackend,
  role: UserRole = 'admin',
  id = 'usr-0001',
  options: OpenCrmOptions = {},
): Promise<Crm> {
  const crm = await backend.open({ id, role }, options);
  crms.push(crm);
  return crm;
}

/** Whether a request of a remote CRM is to the route of `view360` for {@link CUSTOMER}. */
const isView360 = (input: string): boolean => new URL(input).pathname.endsWith(`/customers/${CUSTOMER}/360`);

/**
 * What the demo data lacks for this card: open tasks, consent (written straight to the storage the CRM was created
 * over), saved segments, lifecycle history, aggregates.
 */
async function enrich(crm: Crm, storage: TestStorage, customerId = CUSTOMER): Promise<void> {
  const related = { kind: 'customer', id: customerId } as const;
  // The tasks are the customer's owner's (a rep, usr-0006 for the demo's cus-0004): a rep sees and changes only the
  // tasks assigned to them, and the tests below act as that rep on them.
  const assigneeId = (await crm.customers.get(customerId)).ownerId!;
  const task = { related, assigneeId } as const;
  await crm.tasks.create({ title: OVERDUE_TASK, type: 'call', dueAt: '2026-06-20T09:00:00Z', ...task });
  await crm.tasks.create({ title: SECOND_OVERDUE_TASK, type: 'email', dueAt: '2026-06-25T09:00:00Z', ...task });
  await crm.tasks.create({ title: UPCOMING_TASK, type: 'follow_up', dueAt: '2026-07-05T09:00:00Z', ...task });
  for (const [purpose, status] of [
    ['marketing_email', 'granted'],
    ['sms', 'withdrawn'],
  ] as const) {
    await storage.put(
      'consents',
      {
        id: `consent-${purpose}`,
        subjectKind: 'customer',
        subjectId: customerId,
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
  await crm.segments.create({ name: 'Enterprise', filter: { field: 'tags', op: 'hasAny', values: ['enterprise'] } });
  const customer = await crm.customers.get(customerId);
  await crm.customers.setLifecycleStage(customerId, 'evangelist', { expectedVersion: customer.version });
  await crm.aggregates.refresh(customerId);
  await crm.aggregates.refreshRfm();
  await crm.aggregates.settled();
}

/** All of the customer's activities, newest first (the timeline's order). */
async function allActivities(crm: Crm, customerId = CUSTOMER): Promise<Activity[]> {
  const page = await crm.activities.list({ where: { field: 'customerId', op: 'eq', value: customerId }, limit: 1000 });
  return page.records.sort((a, b) =>
    a.occurredAt !== b.occurredAt ? (a.occurredAt < b.occurredAt ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
}

/** Renders into a fresh container attached to the document (no open-wc fixture: the card observes its sentinel). */
function mount(template: TemplateResult, options: { spacer?: boolean } = {}): CrmCustomer360 {
  const container = document.createElement('div');
  document.body.append(container);
  render(
    options.spacer
      ? html`<div style="height: 4000px"></div>
          ${template}`
      : template,
    container,
  );
  return container.querySelector('crm-customer-360')!;
}

async function mountWithCrm(
  crm: Crm,
  attrs: { customerId?: string; activityLimit?: number; locale?: string; piiRoles?: string; spacer?: boolean } = {},
): Promise<CrmCustomer360> {
  const card = mount(
    html`<crm-provider .crm=${crm} locale=${attrs.locale ?? 'en'}>
      <crm-customer-360
        customer-id=${attrs.customerId ?? CUSTOMER}
        activity-limit=${attrs.activityLimit ?? 5}
        pii-roles=${attrs.piiRoles ?? 'admin manager rep'}
      ></crm-customer-360>
    </crm-provider>`,
    { spacer: attrs.spacer ?? true },
  );
  // The provider switches the page's messages to its locale; a catalogue loads on demand, and this resolves then.
  await setCrmLocale(attrs.locale ?? 'en');
  await loaded(card);
  return card;
}

async function loaded(card: CrmCustomer360): Promise<void> {
  await waitUntil(() => card.shadowRoot?.querySelector('.card, [role="alert"]'), 'the card did not load', {
    timeout: 5000,
  });
  await card.settled();
}

// Assertions compare strings, numbers and booleans, never DOM nodes: the runner serialises a failing assertion's
// values, and an element drags the whole CRM behind it, which stalls the run instead of failing the test.
const shadow = (card: CrmCustomer360): ShadowRoot => card.shadowRoot!;
const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const section = (card: CrmCustomer360, id: string): HTMLElement =>
  shadow(card).querySelector<HTMLElement>(`section.${id}`)!;
const timelineIds = (card: CrmCustomer360): string[] =>
  [...shadow(card).querySelectorAll<HTMLElement>('[part~="activity"]')].map((item) => item.dataset['activityId']!);
const completeButton = (card: CrmCustomer360, title: string): HTMLButtonElement | undefined =>
  [...shadow(card).querySelectorAll<HTMLButtonElement>('button[data-task-id]')].find((button) =>
    button.getAttribute('aria-label')?.includes(title),
  );

// Whole amounts show whole units (`CN¥236,000`), others their exact minor units, as crmkit's money formatting does.
const intlMoney = (amountMinor: number, currency: string, locale = 'en') =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    ...(amountMinor % 100 === 0 ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
  }).format(amountMinor / 100);

describe('<crm-customer-360>', () => {
  let backend: TestBackend;
  let crm: Crm;
  beforeEach(async () => {
    backend = await demoBackend();
    crm = await crmOver(backend);
    await enrich(crm, backend.storage);
  });
  afterEach(async () => {
    document.body.replaceChildren();
    for (const made of crms.splice(0)) made.dispose();
    await setCrmLocale('en');
  });

  it('renders every section from the demo data and passes axe', async () => {
    const card = await mountWithCrm(crm);
    const view = await crm.customers.view360(CUSTOMER, { activityLimit: 5 });
    const { customer } = view;
    expect(text(shadow(card).querySelector('[part~="name"]'))).to.equal(customer.name);
    expect(shadow(card).querySelector('[part~="name"]')!.getAttribute('aria-level')).to.equal('2');
    expect(text(shadow(card).querySelector('.stage'))).to.equal('Evangelist');

    const profile = section(card, 'profile');
    expect(text(profile)).to.contain(customer.emails[0]!);
    expect(text(profile)).to.contain(customer.phones[0]!);
    expect(text(profile)).to.contain(customer.company!);
    expect(text(profile)).to.contain(customer.address!.line1!);
    const owner = await crm.users.get(customer.ownerId!);
    expect(text(profile)).to.contain(owner.name);
    expect([...profile.querySelectorAll('[part~="tag"]')].map(text)).to.deep.equal(customer.tags);
    const website = profile.querySelector<HTMLAnchorElement>(`a[href="${customer.website}"]`);
    expect(website?.rel).to.equal('noopener noreferrer');
    expect(Boolean(profile.querySelector(`a[href="mailto:${customer.emails[0]}"]`))).to.equal(true);

    const contacts = section(card, 'contacts').querySelectorAll('[part~="contact"]');
    expect(contacts.length).to.equal(view.contacts.length);
    expect(contacts.length).to.be.greaterThan(0);
    expect(text(contacts[0])).to.contain('Primary contact');

    const lifecycle = section(card, 'lifecycle');
    expect(text(lifecycle)).to.contain('Customer to Evangelist');
    expect(text(lifecycle)).to.contain('Changed by hand');

    const value = section(card, 'value');
    for (const [currency, amount] of Object.entries(view.value.lifetimeValue)) {
      expect(text(value)).to.contain(intlMoney(amount, currency));
    }
    expect(text(value)).to.contain(`RFM score ${view.value.rfm!.score}`);

    expect([...section(card, 'segments').querySelectorAll('[part~="segment"]')].map(text).sort()).to.deep.equal([
      'Repeat buyers',
    ]);

    const deals = section(card, 'deals');
    expect(deals.querySelectorAll('[part~="deal"]').length).to.equal(view.deals.open.length + view.deals.closed.length);
    expect(text(deals)).to.contain('Quote / proposal'); // the open deal's stage, by name
    expect(text(deals)).to.contain('Lost');

    expect(timelineIds(card)).to.deep.equal(view.timeline.records.map((activity) => activity.id));
    expect(view.timeline.records.length).to.equal(5);

    const tasks = section(card, 'tasks');
    expect(text(tasks.querySelector('#heading-overdue'))).to.equal('Overdue (2)');
    expect(tasks.querySelectorAll('[part~="task-overdue"]').length).to.equal(2);
    expect(text(tasks.querySelector('#heading-upcoming'))).to.equal('Upcoming (1)');

    const consents = [...section(card, 'consents').querySelectorAll('[part~="consent"]')].map(text);
    expect(consents.some((line) => line.includes('Marketing email') && line.includes('Granted'))).to.equal(true);
    expect(consents.some((line) => line.includes('Text messages') && line.includes('Withdrawn'))).to.equal(true);

    // Sections are labelled regions.
    for (const region of shadow(card).querySelectorAll('section')) {
      const heading = shadow(card).getElementById(region.getAttribute('aria-labelledby')!);
      expect(heading?.getAttribute('aria-level')).to.equal('3');
    }
    await expect(card).to.be.accessible();
  });

  it('completes a task in place, announces it and keeps focus in the task list', async () => {
    const card = await mountWithCrm(crm);
    const intents: CrmTaskCompleteEvent[] = [];
    const done: CrmTaskCompletedEvent[] = [];
    card.addEventListener('crm-task-complete', (event) => intents.push(event));
    card.addEventListener('crm-task-completed', (event) => done.push(event));
    const button = completeButton(card, OVERDUE_TASK)!;
    const taskId = button.dataset['taskId']!;
    button.focus();
    button.click();
    await waitUntil(() => done.length === 1, 'the task was not completed', { timeout: 5000 });
    await card.settled();

    expect(intents[0]!.detail).to.deep.equal({ taskId, customerId: CUSTOMER, expectedVersion: 1 });
    expect((await crm.tasks.get(taskId)).status).to.equal('done');
    expect(Boolean(completeButton(card, OVERDUE_TASK))).to.equal(false);
    expect(text(section(card, 'tasks').querySelector('#heading-overdue'))).to.equal('Overdue (1)');
    await waitUntil(
      () => text(shadow(card).querySelector('[role="status"]')).includes(OVERDUE_TASK),
      'no announcement',
      {
        timeout: 5000,
      },
    );
    expect(text(shadow(card).querySelector('[role="status"]'))).to.equal(
      `Completed “${OVERDUE_TASK}”. Undo is available for a few seconds.`,
    );
    // Focus went to the next task's button, not to the page.
    expect((shadow(card).activeElement as HTMLElement | null)?.getAttribute('aria-label')).to.equal(
      `Complete “${SECOND_OVERDUE_TASK}”`,
    );
  });

  it('leaves a task open when the host cancels crm-task-complete', async () => {
    const card = await mountWithCrm(crm);
    card.addEventListener('crm-task-complete', (event) => event.preventDefault());
    const button = completeButton(card, UPCOMING_TASK)!;
    await card.completeTask(button.dataset['taskId']!);
    expect((await crm.tasks.get(button.dataset['taskId']!)).status).to.equal('open');
    expect(Boolean(completeButton(card, UPCOMING_TASK))).to.equal(true);
  });

  it('shows an error and the latest version when a task was changed elsewhere', async () => {
    // The card's CRM hears no changes, so it still shows version 1 when another user has written version 2.
    const card = await mountWithCrm(await crmOver(backend, 'admin', 'usr-0001', { deaf: true }));
    const taskId = completeButton(card, UPCOMING_TASK)!.dataset['taskId']!;
    const errors: CrmErrorEvent[] = [];
    card.addEventListener('crm-error', (event) => errors.push(event));
    const other = await crmOver(backend, 'rep', 'usr-0006');
    await other.tasks.snooze(taskId, '2026-07-01T09:00:00Z', { expectedVersion: 1 });

    await card.completeTask(taskId);
    await card.settled();
    expect(
      errors.map((event) => [event.detail.operation, (event.detail.error as { code?: string }).code]),
    ).to.deep.equal([['complete-task', 'CRM_CONFLICT']]);
    const alert = section(card, 'tasks').querySelector('[role="alert"]');
    expect(text(alert)).to.contain(`“${UPCOMING_TASK}” was changed elsewhere`);
    expect((await crm.tasks.get(taskId)).status).to.equal('open');
    await expect(card).to.be.accessible();

    // The card re-read the task: completing it again works.
    const completed: CrmTaskCompletedEvent[] = [];
    card.addEventListener('crm-task-completed', (event) => completed.push(event));
    await card.completeTask(taskId);
    expect(completed.map((event) => event.detail.version)).to.deep.equal([3]);
    expect((await crm.tasks.get(taskId)).status).to.equal('done');
    expect(text(section(card, 'tasks').querySelector('[role="alert"]'))).to.equal('');
  });

  it('"Load more" appends exactly the next page, without duplicates', async () => {
    const card = await mountWithCrm(crm, { activityLimit: 5 });
    const all = (await allActivities(crm)).map((activity) => activity.id);
    expect(all.length).to.equal(ACTIVITIES);
    expect(timelineIds(card)).to.deep.equal(all.slice(0, 5));
    const requests: CrmTimelineLoadMoreEvent[] = [];
    card.addEventListener('crm-timeline-load-more', (event) => requests.push(event));
    const button = shadow(card).querySelector<HTMLButtonElement>('[part~="load-more-button"]')!;
    button.click();
    await waitUntil(() => timelineIds(card).length > 5, 'no page was appended', { timeout: 5000 });
    await card.settled();
    expect(requests.map((event) => [event.detail.via, event.detail.shown])).to.deep.equal([['button', 5]]);
    // The page continues view360's own cursor.
    const view = await crm.customers.view360(CUSTOMER, { activityLimit: 5 });
    expect(requests[0]!.detail.after).to.equal(view.timeline.next);
    expect(timelineIds(card)).to.deep.equal(all.slice(0, 10));
    expect(new Set(timelineIds(card)).size).to.equal(10);
    await waitUntil(
      () => text(shadow(card).querySelector('.card > [role="status"]')) === '5 more activities loaded.',
      'no announcement',
      { timeout: 5000 },
    );
  });

  it('loads the next pages when the end of the timeline scrolls into view, until the end', async () => {
    // Intersection is reported by the browser's rendering steps, which a test page running beside another (the runner
    // opens two) may not get; a stand-in observer reports it instead, exactly as the browser would: once when
    // observing starts, then on every change.
    const observers: StandInObserver[] = [];
    class StandInObserver {
      readonly targets = new Set<Element>();
      constructor(readonly callback: IntersectionObserverCallback) {
        observers.push(this);
      }
      observe(target: Element): void {
        this.targets.add(target);
        this.report(target);
      }
      unobserve(target: Element): void {
        this.targets.delete(target);
      }
      disconnect(): void {
        this.targets.clear();
      }
      takeRecords(): IntersectionObserverEntry[] {
        return [];
      }
      /** Reports the target in view when the test has scrolled to it. */
      report(target: Element): void {
        const isIntersecting = scrolledTo.has(target);
        queueMicrotask(() => this.callback([{ target, isIntersecting } as IntersectionObserverEntry], this as never));
      }
    }
    const scrolledTo = new Set<Element>();
    const real = window.IntersectionObserver;
    window.IntersectionObserver = StandInObserver as unknown as typeof IntersectionObserver;
    try {
      const card = await mountWithCrm(crm, { activityLimit: 4 });
      const all = (await allActivities(crm)).map((activity) => activity.id);
      expect(timelineIds(card)).to.deep.equal(all.slice(0, 4));
      for (let scrolls = 0; scrolls < 20 && shadow(card).querySelector('.sentinel'); scrolls++) {
        const before = timelineIds(card).length;
        const sentinel = shadow(card).querySelector('.sentinel')!;
        scrolledTo.add(sentinel);
        for (const observer of observers) if (observer.targets.has(sentinel)) observer.report(sentinel);
        await waitUntil(() => timelineIds(card).length > before, 'scrolling to the end loaded nothing', {
          timeout: 5000,
        });
        await card.settled();
        expect(new Set(timelineIds(card)).size).to.equal(timelineIds(card).length);
      }
      expect(timelineIds(card)).to.deep.equal(all);
      expect(Boolean(shadow(card).querySelector('.sentinel'))).to.equal(false);
      expect(Boolean(shadow(card).querySelector('[part~="load-more-button"]'))).to.equal(false);
    } finally {
      window.IntersectionObserver = real;
    }
  });

  it('continues the timeline across activities that happened at the same instant', async () => {
    // Three activities at one instant straddle the first page's end: none is lost or shown twice.
    const at = '2026-06-29T12:00:00.000Z';
    for (const subject of ['Tie A', 'Tie B', 'Tie C']) {
      await crm.activities.log({ type: 'note', direction: 'internal', subject, occurredAt: at, customerId: CUSTOMER });
    }
    const card = await mountWithCrm(crm, { activityLimit: 2 });
    const all = (await allActivities(crm)).map((activity) => activity.id);
    while (shadow(card).querySelector('[part~="load-more-button"]')) {
      await card.loadMore('button');
    }
    expect(timelineIds(card)).to.deep.equal(all);
  });

  it('masks emails, phones and street addresses for a viewer, and shows them to a rep', async () => {
    const { customer, contacts } = await crm.customers.view360(CUSTOMER);
    const viewer = await crmOver(backend, 'viewer', 'usr-0099');
    const masked = await mountWithCrm(viewer);
    const profile = text(section(masked, 'profile'));
    expect(masked.piiVisible).to.equal(false);
    expect(profile).to.contain('i***@jinqiao-keji.example');
    expect(profile).to.contain('+86 ** **** 8024');
    expect(profile).to.contain('长***');
    expect(text(section(masked, 'contacts'))).to.contain('z***@jinqiao-keji.example');
    expect(text(shadow(masked).querySelector('[part~="masked-note"]'))).to.contain('hidden for your role');
    const everything = shadow(masked).innerHTML;
    for (const secret of [
      ...customer.emails,
      ...customer.phones,
      customer.address!.line1!,
      ...contacts.flatMap((contact) => [...contact.emails, ...contact.phones]),
    ]) {
      expect(everything, secret).not.to.contain(secret);
    }
    expect(Boolean(shadow(masked).querySelector('a[href^="mailto:"], a[href^="tel:"]'))).to.equal(false);
    // A viewer may not write: no Complete buttons.
    expect(Boolean(shadow(masked).querySelector('[part~="complete-button"]'))).to.equal(false);
    await expect(masked).to.be.accessible();

    document.body.replaceChildren();
    const rep = await crmOver(backend, 'rep', 'usr-0006');
    const shown = await mountWithCrm(rep);
    expect(shown.piiVisible).to.equal(true);
    expect(text(section(shown, 'profile'))).to.contain(customer.emails[0]!);
    expect(Boolean(shadow(shown).querySelector(`a[href="tel:${customer.phones[0]!.replace(/\s/g, '')}"]`))).to.equal(
      true,
    );
    expect(Boolean(shadow(shown).querySelector('[part~="masked-note"]'))).to.equal(false);
  });

  it('masks for a role missing from pii-roles', async () => {
    const rep = await crmOver(backend, 'rep', 'usr-0006');
    const card = await mountWithCrm(rep, { piiRoles: 'admin, manager' });
    expect(card.piiRoles).to.deep.equal(['admin', 'manager']);
    expect(card.piiVisible).to.equal(false);
    expect(text(section(card, 'profile'))).to.contain('i***@jinqiao-keji.example');
  });

  it('shows an activity logged and a deal won through another CRM on the same storage, without a reload', async () => {
    const card = await mountWithCrm(crm);
    const other = await crmOver(backend, 'rep', 'usr-0006');
    const logged = await other.activities.log({
      type: 'chat',
      channel: 'wechat',
      direction: 'inbound',
      subject: 'Asked about the renewal price',
      occurredAt: '2026-06-29T23:00:00.000Z',
      customerId: CUSTOMER,
    });
    await waitUntil(() => timelineIds(card)[0] === logged.id, 'the new activity did not show', { timeout: 5000 });
    expect(text(shadow(card).querySelector('[part~="activity"]'))).to.contain('Asked about the renewal price');

    const view = await crm.customers.view360(CUSTOMER);
    const open = view.deals.open[0]!;
    await other.deals.moveToStage(open.id, 'won', { expectedVersion: open.version });
    await waitUntil(
      () => !text(section(card, 'deals').querySelector('[role="group"]')).includes(open.title),
      'the won deal stayed open',
      { timeout: 5000 },
    );
    expect(text(section(card, 'deals'))).to.contain('No open deals yet.');
  });

  it('does not read its view again for changes to other customers, and does for its own', async () => {
    const card = await mountWithCrm(crm);
    let reads = 0;
    const view360 = crm.customers.view360.bind(crm.customers);
    crm.customers.view360 = (...args) => {
      reads += 1;
      return view360(...args);
    };
    const other = await crmOver(backend, 'rep', 'usr-0006');
    const stranger = (await other.customers.list({ where: { field: 'id', op: 'ne', value: CUSTOMER }, limit: 1 }))
      .records[0]!;
    // Another customer's activity and rename: the card's own records are untouched.
    await other.activities.log({
      type: 'call',
      direction: 'outbound',
      occurredAt: '2026-06-29T22:00:00.000Z',
      customerId: stranger.id,
    });
    // (Logging stamped the stranger's last activity: its version moved on.)
    const touched = await other.customers.get(stranger.id);
    // The card's CRM hears of the rename (a remote one through the change stream, later) before the card is judged.
    const heard = new Promise<void>((resolve) => {
      const stop = crm.subscribe((events) => {
        if (!events.some((event) => event.id === stranger.id && (event.version ?? 0) > touched.version)) return;
        stop();
        resolve();
      });
    });
    await other.customers.update(stranger.id, { name: 'Someone else' }, { expectedVersion: touched.version });
    await other.aggregates.settled();
    await heard;
    await card.settled();
    expect(reads).to.equal(0);
    // Its own customer's activity: read again, and shown.
    const logged = await other.activities.log({
      type: 'note',
      direction: 'internal',
      subject: 'Mine',
      occurredAt: '2026-06-29T22:30:00.000Z',
      customerId: CUSTOMER,
    });
    await waitUntil(() => timelineIds(card)[0] === logged.id, 'the new activity did not show', { timeout: 5000 });
    expect(reads).to.be.greaterThan(0);
  });

  it('keeps the pages it loaded when a live change re-runs the view', async () => {
    const card = await mountWithCrm(crm, { activityLimit: 5 });
    await card.loadMore('button');
    expect(timelineIds(card).length).to.equal(10);
    const other = await crmOver(backend, 'rep', 'usr-0006');
    const logged = await other.activities.log({
      type: 'note',
      direction: 'internal',
      subject: 'Live',
      occurredAt: '2026-06-29T23:30:00.000Z',
      customerId: CUSTOMER,
    });
    await waitUntil(() => timelineIds(card)[0] === logged.id, 'the new activity did not show', { timeout: 5000 });
    await card.settled();
    const all = (await allActivities(crm)).map((activity) => activity.id);
    expect(timelineIds(card)).to.deep.equal(all.slice(0, 11));
  });

  it('keeps the pages it loaded when they end among activities of one instant and a live change re-runs the view', async () => {
    const at = '2026-06-29T12:00:00.000Z';
    for (const subject of ['Tie A', 'Tie B', 'Tie C', 'Tie D', 'Tie E']) {
      await crm.activities.log({ type: 'note', direction: 'internal', subject, occurredAt: at, customerId: CUSTOMER });
    }
    const card = await mountWithCrm(crm, { activityLimit: 2 });
    await card.loadMore('button');
    const before = (await allActivities(crm)).map((activity) => activity.id);
    expect(timelineIds(card)).to.deep.equal(before.slice(0, 4));
    const other = await crmOver(backend, 'rep', 'usr-0006');
    const logged = await other.activities.log({
      type: 'note',
      direction: 'internal',
      subject: 'Live',
      occurredAt: '2026-06-29T23:30:00.000Z',
      customerId: CUSTOMER,
    });
    await waitUntil(() => timelineIds(card)[0] === logged.id, 'the new activity did not show', { timeout: 5000 });
    await card.settled();
    const all = (await allActivities(crm)).map((activity) => activity.id);
    // The same four activities, under the new one: the re-read pages stopped at the last tie shown.
    expect(timelineIds(card)).to.deep.equal(all.slice(0, 5));
    while (shadow(card).querySelector('[part~="load-more-button"]')) {
      await card.loadMore('button');
    }
    expect(timelineIds(card)).to.deep.equal(all);
  });

  it('speaks Simplified Chinese', async () => {
    const card = await mountWithCrm(crm, { locale: 'zh-CN' });
    await waitUntil(
      () => text(section(card, 'profile').querySelector('[role="heading"]')) === '客户资料',
      'not in zh-CN',
      {
        timeout: 5000,
      },
    );
    expect(text(shadow(card).querySelector('.stage'))).to.equal('推荐者');
    expect(text(section(card, 'lifecycle'))).to.contain('客户 变为 推荐者');
    expect(text(section(card, 'tasks').querySelector('#heading-overdue'))).to.equal('已逾期 (2)');
    expect(completeButton(card, OVERDUE_TASK)!.textContent!.trim()).to.equal('完成');
    expect(text(section(card, 'value'))).to.contain('¥');
    await expect(card).to.be.accessible();
  });

  it('renders hostile strings as text and links only http(s), mailto and tel URLs', async () => {
    const view = await crm.customers.view360(CUSTOMER);
    // The closing tag is split so that no HTML page inlining this module reads it as the end of its script.
    const hostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</${'script'}>`;
    const data: Customer360 = {
      ...view,
      customer: {
        ...view.customer,
        name: hostile,
        company: hostile,
        website: 'javascript:window.__pwned=3',
        tags: [hostile],
        emails: ['evil@example.com?bcc=everyone@example.com'],
      },
      contacts: view.contacts.map((contact) => ({ ...contact, name: hostile })),
      segments: [{ id: 'seg', name: hostile }],
    };
    const card = mount(html`<crm-customer-360 .data=${data} actor-role="admin"></crm-customer-360>`);
    await card.settled();
    expect(text(shadow(card).querySelector('[part~="name"]'))).to.equal(hostile);
    expect(Boolean(shadow(card).querySelector('img, script'))).to.equal(false);
    expect(Boolean(shadow(card).querySelector('a[href^="javascript"]'))).to.equal(false);
    expect(Boolean(section(card, 'profile').querySelector('a[href^="mailto:"]'))).to.equal(false);
    expect(text(section(card, 'profile'))).to.contain('javascript:window.__pwned=3');
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    await expect(card).to.be.accessible();
  });

  it('says a customer does not exist, without a retry', async () => {
    const card = await mountWithCrm(crm, { customerId: 'cus-nope' });
    const alert = shadow(card).querySelector('[role="alert"]');
    expect(text(alert)).to.equal('This customer does not exist.');
    expect(Boolean(shadow(card).querySelector('[part~="retry-button"]'))).to.equal(false);
    await expect(card).to.be.accessible();
  });

  it('offers Retry when loading fails, and loads on retry', async () => {
    // The first read of the customer fails: the page's storage is unavailable, or the server answers 503.
    const outage = { remaining: 1 };
    const failing = await crmOver(backend, 'admin', 'usr-0001', {
      storage: (storage) =>
        ({
          ...storage,
          get: (collection, id) =>
            collection === 'customers' && outage.remaining-- > 0
              ? Promise.reject(new StorageError('The storage engine is unavailable'))
              : storage.get(collection, id),
        }) as StoragePort,
      fetch: (send) => (input, init) =>
        isView360(input) && outage.remaining-- > 0
          ? Promise.resolve(new Response(null, { status: 503 }))
          : send(input, init),
    });
    const card = await mountWithCrm(failing);
    expect(text(shadow(card).querySelector('[role="alert"]'))).to.contain('Could not load the data.');
    await expect(card).to.be.accessible();
    shadow(card).querySelector<HTMLButtonElement>('[part~="retry-button"]')!.click();
    await waitUntil(() => shadow(card).querySelector('.card'), 'retry did not load', { timeout: 5000 });
    expect(text(shadow(card).querySelector('[part~="name"]'))).to.not.equal('');
  });

  it('says "none yet" in every empty section, and passes axe', async () => {
    const bare = await crm.customers.create({ kind: 'person', name: 'Nobody Yet' });
    const card = await mountWithCrm(crm, { customerId: bare.id });
    expect(text(section(card, 'contacts'))).to.contain('No contacts yet.');
    expect(text(section(card, 'deals'))).to.contain('No open deals yet.');
    expect(text(section(card, 'deals'))).to.contain('No closed deals yet.');
    expect(text(section(card, 'timeline'))).to.contain('No activities yet.');
    expect(text(section(card, 'tasks'))).to.contain('No open tasks.');
    expect(text(section(card, 'consents'))).to.contain('No consent recorded yet.');
    expect(text(section(card, 'value'))).to.contain('No purchases yet.');
    expect(text(section(card, 'lifecycle'))).to.contain('No stage changes yet.');
    expect(Boolean(shadow(card).querySelector('[part~="load-more-button"]'))).to.equal(false);
    await expect(card).to.be.accessible();
  });

  it('shows a loading state that passes axe', async () => {
    // Reads never answer: the page's storage stalls, or the request to the server never comes back.
    const stalledCrm = await crmOver(backend, 'admin', 'usr-0001', {
      storage: (storage) => ({ ...storage, get: () => new Promise<never>(() => undefined) }) as StoragePort,
      fetch: (send) => (input, init) => (isView360(input) ? new Promise<never>(() => undefined) : send(input, init)),
    });
    const card = mount(html`<crm-customer-360 .crm=${stalledCrm} customer-id=${CUSTOMER}></crm-customer-360>`);
    await waitUntil(() => text(shadow(card).querySelector('[role="status"]')) === 'Loading…', 'not loading', {
      timeout: 5000,
    });
    await expect(card).to.be.accessible();
  });

  it('in presentational use reads nothing and turns actions into events', async () => {
    const view = await crm.customers.view360(CUSTOMER, { activityLimit: 3 });
    // The queries the storage is asked, or, remotely, the requests for data (not the session, nor the change stream).
    const reads: string[] = [];
    const spyCrm = await crmOver(backend, 'admin', 'usr-0001', {
      storage: (storage) => ({
        ...storage,
        query: (...args: Parameters<StoragePort['query']>) => (reads.push(args[0]), storage.query(...args)),
      }),
      fetch: (send) => (input, init) => {
        if (!/\/(session|changes)$/.test(new URL(input).pathname)) reads.push(input);
        return send(input, init);
      },
    });
    const card = mount(
      html`<crm-provider .crm=${spyCrm}
        ><crm-customer-360 .data=${view} heading-level="4" customer-id=${CUSTOMER}></crm-customer-360
      ></crm-provider>`,
      { spacer: true },
    );
    await card.settled();
    expect(reads).to.deep.equal([]);
    expect(shadow(card).querySelector('[part~="name"]')!.getAttribute('aria-level')).to.equal('4');
    expect(timelineIds(card)).to.deep.equal(view.timeline.records.map((activity) => activity.id));

    const intents: CrmTaskCompleteEvent[] = [];
    card.addEventListener('crm-task-complete', (event) => intents.push(event));
    completeButton(card, OVERDUE_TASK)!.click();
    await card.settled();
    expect(intents.length).to.equal(1);
    expect((await crm.tasks.get(intents[0]!.detail.taskId)).status).to.equal('open');

    const more: CrmTimelineLoadMoreEvent[] = [];
    card.addEventListener('crm-timeline-load-more', (event) => more.push(event));
    shadow(card).querySelector<HTMLButtonElement>('[part~="load-more-button"]')!.click();
    await card.settled();
    expect(more.map((event) => event.detail)).to.deep.equal([
      { customerId: CUSTOMER, after: view.timeline.next, shown: 3, via: 'button' },
    ]);
    expect(reads).to.deep.equal([]);
    // The host appends the page: the card shows it.
    const next = await crm.customers.view360(CUSTOMER, { activityLimit: 3, activitiesAfter: view.timeline.next! });
    card.data = { ...view, timeline: { records: [...view.timeline.records, ...next.timeline.records] } };
    await card.settled();
    expect(timelineIds(card).length).to.equal(6);
    expect(Boolean(shadow(card).querySelector('[part~="load-more-button"]'))).to.equal(false);
  });
});
