import { expect, html, waitUntil } from '@open-wc/testing';
import { render } from 'lit';
import { createCrm, createMemoryStorage, DEFAULT_PIPELINE_ID, type Crm, type ExchangeRateTable } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-pipeline-board';
import '@crmkit/elements/crm-customer-360';
import { setCrmLocale, type CrmPipelineBoard } from '@crmkit/elements';
import type { CrmCustomer360 } from '../src/customer-360/customer-360.component.js';
import { ignoreResizeObserverNotice } from './support.js';

// One money model in the elements: a total converts amounts in other currencies into the CRM's at its dated rates
// and says so; a currency without a rate is listed beside the total; no amount is ever dropped.

ignoreResizeObserverNotice();

const NOW = new Date('2026-06-30T04:00:00.000Z');
const RATES: ExchangeRateTable = { asOf: '2026-06-01', rates: { USD: 7 } };
const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const money = (major: number, currency: string, locale = 'en-US', options: Intl.NumberFormatOptions = {}) =>
  new Intl.NumberFormat(locale, { style: 'currency', currency, ...options }).format(major);
const compact = (major: number, currency: string, locale = 'en-US') =>
  money(major, currency, locale, { notation: 'compact', maximumFractionDigits: 1 });

async function crmWith(exchangeRates?: ExchangeRateTable): Promise<{ crm: Crm; customerId: string }> {
  const crm = await createCrm({
    storage: createMemoryStorage(),
    actor: { id: 'usr-admin', role: 'admin' },
    clock: () => NOW,
    currency: 'CNY',
    ...(exchangeRates ? { exchangeRates } : {}),
  });
  const customerId = (await crm.customers.create({ kind: 'organisation', name: 'Acme Ltd' })).id;
  const deal = (stageId: string, amountMinor: number, currency: string) =>
    crm.deals.create({
      title: `${stageId} ${currency}`,
      customerId,
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId,
      amount: { amountMinor, currency },
      ...(stageId === 'won' ? { status: 'won' as const, closedAt: '2026-06-10T04:00:00.000Z' } : {}),
    });
  await deal('opportunity', 1_000_00, 'CNY');
  await deal('opportunity', 100_00, 'USD');
  await deal('opportunity', 50_00, 'EUR');
  await deal('won', 2_000_00, 'CNY');
  await deal('won', 200_00, 'USD');
  await crm.aggregates.settled();
  return { crm, customerId };
}

function mount(template: unknown): HTMLElement {
  const container = document.createElement('div');
  document.body.append(container);
  render(template, container);
  return container;
}

async function board(crm: Crm): Promise<CrmPipelineBoard> {
  const container = mount(
    html`<crm-provider .crm=${crm} locale="en-US"
      ><crm-pipeline-board pipeline-id="default" closed-stages="expanded" .now=${NOW}></crm-pipeline-board
    ></crm-provider>`,
  );
  await setCrmLocale('en-US');
  const element = container.querySelector('crm-pipeline-board')!;
  await waitUntil(() => element.shownColumns.length > 0, 'the board did not load');
  await element.settled();
  return element;
}

const columnTotal = (element: CrmPipelineBoard, stageId: string) =>
  element.shadowRoot!.querySelector(`.column[data-stage-id="${stageId}"] .amounts dd`)!;

async function card(crm: Crm, customerId: string, locale = 'en-US'): Promise<CrmCustomer360> {
  const container = mount(
    html`<crm-provider .crm=${crm} locale=${locale}
      ><crm-customer-360 customer-id=${customerId}></crm-customer-360
    ></crm-provider>`,
  );
  await setCrmLocale(locale);
  const element = container.querySelector('crm-customer-360')!;
  await waitUntil(() => element.shadowRoot?.querySelector('[part~="value"] dl'), 'the card did not load');
  await element.updateComplete;
  return element;
}

function valueFacts(element: CrmCustomer360): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const fact of element.shadowRoot!.querySelectorAll('[part~="value"] .fact')) {
    facts[text(fact.querySelector('dt'))] = text(fact.querySelector('dd'));
  }
  return facts;
}

describe('totals across currencies', () => {
  afterEach(async () => {
    document.body.replaceChildren();
    await setCrmLocale('en');
  });

  it('the board converts a column into the CRM currency at its rates, lists a currency without a rate, and says so', async () => {
    const { crm } = await crmWith(RATES);
    const element = await board(crm);
    const total = columnTotal(element, 'opportunity');
    // ¥1 000 + $100 × 7 = ¥1 700; the euros have no rate and are listed, not dropped.
    expect(text(total)).to.equal(
      `≈ ${compact(1_700, 'CNY')} + ${compact(50, 'EUR')}, converted at exchange rates of ${new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date('2026-06-01T00:00:00Z'))}`,
    );
    expect(total.querySelector('[title]')?.getAttribute('title')).to.match(/^converted at exchange rates of /);
    // Won: ¥2 000 + $200 × 7.
    expect(text(columnTotal(element, 'won'))).to.match(
      new RegExp(`^≈ ${compact(3_400, 'CNY').replace(/[.$]/g, '\\$&')},`),
    );
    await crm.dispose();
  });

  it('without rates the board lists each currency, and never adds them up', async () => {
    const { crm } = await crmWith();
    const element = await board(crm);
    expect(text(columnTotal(element, 'opportunity'))).to.equal(
      [compact(1_000, 'CNY'), compact(100, 'USD'), compact(50, 'EUR')].join(' + '),
    );
    await crm.dispose();
  });

  it('the customer-360 value totals revenue in every currency, converted, with the rates’ day', async () => {
    const { crm, customerId } = await crmWith(RATES);
    const element = await card(crm, customerId);
    const facts = valueFacts(element);
    // ¥2 000 + $200 × 7 = ¥3 400 over two won deals: ¥1 700 each.
    expect(facts['Lifetime value']).to.match(
      new RegExp(
        `^≈ ${money(3_400, 'CNY', 'en-US', { minimumFractionDigits: 0 }).replace(/[.$]/g, '\\$&')} converted at exchange rates of `,
      ),
    );
    expect(facts['Average order value']).to.match(
      new RegExp(`^≈ ${money(1_700, 'CNY', 'en-US', { minimumFractionDigits: 0 }).replace(/[.$]/g, '\\$&')} `),
    );
    await crm.dispose();
  });

  it('without rates the customer-360 value shows every currency it earned, in zh-CN too', async () => {
    const { crm, customerId } = await crmWith();
    const element = await card(crm, customerId, 'zh-CN');
    const facts = valueFacts(element);
    const zh = (major: number, currency: string) => money(major, currency, 'zh-CN', { minimumFractionDigits: 0 });
    expect(facts['生命周期价值']).to.equal(`${zh(2_000, 'CNY')} + ${zh(200, 'USD')}`);
    await crm.dispose();
  });
});
