// The 360° card shows people labels, never the codes stored (sources, channels, directions, lifecycle rules, lost
// reasons…), in English and in Simplified Chinese; and a task completed on it leaves a trace that "Undo" takes back.
import { expect, html, waitUntil } from '@open-wc/testing';
import { render } from 'lit';
import { sendKeys } from '@web/test-runner-commands';
import type { Crm } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-customer-360';
import { setCrmLocale, type CrmLabels } from '@crmkit/elements';
import type { CrmCustomer360 } from '../src/customer-360/customer-360.component.js';
import type { CrmTaskReopenedEvent } from '../src/customer-360/events.js';
import { openBackend, type TestStorage } from './crm-under-test.js';

const NOW = new Date('2026-07-01T04:00:00.000Z');
const crms: Crm[] = [];

async function setup(): Promise<{ crm: Crm; storage: TestStorage; customerId: string }> {
  // A memory storage and CRMs in the page, or on the test server (crm-under-test.ts).
  const backend = await openBackend({ clock: NOW, storageNow: NOW });
  const crm = await backend.open({ id: 'usr-1', role: 'admin' });
  crms.push(crm);
  const customer = await crm.customers.create({
    kind: 'organisation',
    name: 'Huadong Logistics',
    source: 'trade_show',
  });
  return { crm, storage: backend.storage, customerId: customer.id };
}

/**
 * Activities on channels the core stores as free codes, a rule-driven lifecycle change, a deal lost on price (the
 * last two written straight to the storage the CRM was created over, as the rules and an import would leave them).
 */
async function codes(crm: Crm, storage: TestStorage, customerId: string): Promise<void> {
  await crm.activities.log({
    type: 'email',
    direction: 'outbound',
    channel: 'email',
    subject: 'Quote',
    occurredAt: '2026-06-30T02:00:00Z',
    customerId,
  });
  await crm.activities.log({
    type: 'meeting',
    direction: 'inbound',
    channel: 'tencent_meeting',
    occurredAt: '2026-06-29T02:00:00Z',
    customerId,
  });
  await crm.activities.log({
    type: 'call',
    direction: 'outbound',
    channel: 'douyin_live',
    occurredAt: '2026-06-28T02:00:00Z',
    customerId,
  });
  await storage.put(
    'lifecycleChanges',
    {
      id: 'lc-1',
      customerId,
      from: 'lead',
      to: 'opportunity',
      ruleId: 'open-deal',
      trigger: 'deal.created',
      at: '2026-06-20T02:00:00.000Z',
      by: 'usr-1',
    },
    { expectedVersion: 0 },
  );
  const deal = await crm.deals.create({
    title: 'Cold-chain fleet',
    customerId,
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor: 1_000_00, currency: 'CNY' },
  });
  await storage.put(
    'deals',
    { ...deal, status: 'lost', lostReason: 'price', closedAt: '2026-06-25T02:00:00.000Z' },
    { expectedVersion: deal.version },
  );
}

function mount(crm: Crm, customerId: string, locale: string, labels?: CrmLabels): CrmCustomer360 {
  const container = document.createElement('div');
  document.body.append(container);
  render(
    html`<crm-provider .crm=${crm} locale=${locale} .labels=${labels}>
      <crm-customer-360 customer-id=${customerId}></crm-customer-360>
    </crm-provider>`,
    container,
  );
  return container.querySelector('crm-customer-360')!;
}

async function loaded(card: CrmCustomer360): Promise<void> {
  await waitUntil(() => card.shadowRoot?.querySelector('.card, [role="alert"]'), 'the card did not load', {
    timeout: 5000,
  });
  await card.settled();
}

const shadow = (card: CrmCustomer360): ShadowRoot => card.shadowRoot!;
const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const section = (card: CrmCustomer360, id: string): HTMLElement =>
  shadow(card).querySelector<HTMLElement>(`section.${id}`)!;
/** The codes stored above, as a person must never see them. */
const RAW = /trade_show|tencent_meeting|douyin_live|open-deal|Rule:|\bprice\b|\bemail\b|\boutbound\b|\binbound\b/;

describe('<crm-customer-360> labels', () => {
  afterEach(async () => {
    document.body.replaceChildren();
    for (const made of crms.splice(0)) made.dispose();
    await setCrmLocale('en');
  });

  it('shows labels, not codes, in English', async () => {
    const { crm, storage, customerId } = await setup();
    await codes(crm, storage, customerId);
    const card = mount(crm, customerId, 'en');
    await loaded(card);
    const all = text(shadow(card).querySelector('.card'));
    expect(all.match(RAW)?.[0] ?? '').to.equal('');
    expect(text(section(card, 'profile'))).to.include('Trade show');
    const timeline = [...section(card, 'timeline').querySelectorAll('[part~="activity"]')].map(text);
    expect(timeline[0]).to.include('Outbound · Email');
    expect(timeline[1]).to.include('Inbound · Tencent Meeting');
    expect(timeline[2]).to.include('Outbound · Douyin live');
    expect(text(section(card, 'lifecycle'))).to.include('A deal was opened');
    expect(text(section(card, 'deals'))).to.include('Reason: Price too high');
    await expect(card).to.be.accessible();
  });

  it('shows labels, not codes, in Simplified Chinese, with the host’s own labels first', async () => {
    const { crm, storage, customerId } = await setup();
    await codes(crm, storage, customerId);
    await setCrmLocale('zh-CN');
    const card = mount(crm, customerId, 'zh-CN', {
      channel: { douyin_live: { en: 'Douyin Live', 'zh-CN': '抖音直播' } },
    });
    await loaded(card);
    const all = text(shadow(card).querySelector('.card'));
    expect(all.match(RAW)?.[0] ?? '').to.equal('');
    expect(text(section(card, 'profile'))).to.include('展会');
    const timeline = [...section(card, 'timeline').querySelectorAll('[part~="activity"]')].map(text);
    expect(timeline[0]).to.include('我方发起 · 邮件');
    expect(timeline[1]).to.include('客户发起 · 腾讯会议');
    expect(timeline[2]).to.include('我方发起 · 抖音直播');
    expect(text(section(card, 'lifecycle'))).to.include('新建了商机');
    expect(text(section(card, 'deals'))).to.include('价格过高');
  });
});

describe('<crm-customer-360> completed tasks', () => {
  afterEach(async () => {
    document.body.replaceChildren();
    for (const made of crms.splice(0)) made.dispose();
    await setCrmLocale('en');
  });

  it('logs a completed task on the timeline and the completed list, and Undo (by keyboard) takes it back', async () => {
    const { crm, customerId } = await setup();
    await crm.tasks.create({
      title: 'Send the quote',
      type: 'email',
      dueAt: '2026-07-02T02:00:00Z',
      related: { kind: 'customer', id: customerId },
    });
    const card = mount(crm, customerId, 'en');
    // The end of the offer is handed to the test, so nothing here depends on how long it lasts.
    const ends: (() => void)[] = [];
    card.scheduleUndoEnd = (end) => {
      ends.push(end);
      return () => undefined;
    };
    await loaded(card);
    expect(text(section(card, 'timeline'))).to.include('No activities yet.');

    shadow(card).querySelector<HTMLButtonElement>('button[part~="complete-button"]')!.click();
    await card.settled();
    expect(text(section(card, 'timeline'))).to.not.include('No activities yet.');
    const entry = section(card, 'timeline').querySelector('[part~="timeline-task"]');
    expect(text(entry?.querySelector('.activity-type'))).to.equal('Task done: Email');
    expect(text(entry?.querySelector('.activity-subject'))).to.equal('Send the quote');
    expect(
      [...section(card, 'tasks').querySelectorAll('[part~="completed-task"]')].map((item) => text(item)),
    ).to.have.length(1);
    expect(text(section(card, 'tasks').querySelector('[part~="completed-task"]'))).to.include('Send the quote');
    const undo = shadow(card).querySelector<HTMLButtonElement>('button[part~="undo-button"]');
    expect(undo?.getAttribute('aria-label')).to.equal('Undo completing “Send the quote”');
    await waitUntil(() => text(shadow(card).querySelector('.announcement')) !== '', 'nothing announced');
    expect(text(shadow(card).querySelector('.announcement'))).to.equal(
      'Completed “Send the quote”. Undo is available for a few seconds.',
    );
    expect(ends).to.have.length(1);
    // The Undo offer, the completed list and the task on the timeline pass axe.
    await expect(card).to.be.accessible();

    const reopened: string[] = [];
    card.addEventListener('crm-task-reopened', (event: CrmTaskReopenedEvent) => reopened.push(event.detail.taskId));
    undo!.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => reopened.length === 1, 'the task was not reopened');
    await card.settled();

    expect(text(section(card, 'timeline'))).to.include('No activities yet.');
    expect(section(card, 'tasks').querySelector('[part~="completed-task"]')).to.equal(null);
    expect(shadow(card).querySelector('button[part~="undo-button"]')).to.equal(null);
    const complete = shadow(card).querySelector<HTMLButtonElement>('button[part~="complete-button"]');
    expect(complete?.getAttribute('aria-label')).to.equal('Complete “Send the quote”');
    expect(shadow(card).activeElement === complete).to.equal(true);
    const [task] = (await crm.tasks.list()).records;
    expect([task?.status, task?.completedAt]).to.deep.equal(['open', undefined]);
  });

  it('stops offering Undo when its time is up, leaving the task completed', async () => {
    const { crm, customerId } = await setup();
    await crm.tasks.create({
      title: 'Call back',
      type: 'call',
      dueAt: '2026-07-02T02:00:00Z',
      related: { kind: 'customer', id: customerId },
    });
    const card = mount(crm, customerId, 'zh-CN');
    await setCrmLocale('zh-CN');
    const ends: [() => void, number][] = [];
    card.undoDuration = 5000;
    card.scheduleUndoEnd = (end, ms) => {
      ends.push([end, ms]);
      return () => undefined;
    };
    await loaded(card);
    await card.completeTask((await crm.tasks.list()).records[0]!.id);
    expect(text(shadow(card).querySelector('button[part~="undo-button"]'))).to.equal('撤销');
    expect(ends.map(([, ms]) => ms)).to.deep.equal([5000]);
    ends[0]![0]();
    await card.updateComplete;
    expect(shadow(card).querySelector('button[part~="undo-button"]')).to.equal(null);
    expect(text(section(card, 'tasks').querySelector('[part~="completed-task"]'))).to.include('Call back');
    expect(text(section(card, 'timeline'))).to.include('完成任务：电话');
  });
});
