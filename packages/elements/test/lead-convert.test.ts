import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { html, render, type TemplateResult } from 'lit';
import { ValidationError, type ConvertOptions, type Crm } from '@crmkit/core';
import { setCrmLocale } from '../src/internal/localize.js';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-lead-convert';
import type { CrmLeadConvert } from '../src/lead-convert/lead-convert.component.js';
import type { CrmLeadConvertFailedEvent, CrmLeadConvertedEvent } from '../src/lead-convert/events.js';
import { openBackend, type TestStorage } from './crm-under-test.js';

// ——— fixture ———

const NOW = new Date('2025-03-01T09:00:00.000Z');

interface Fixture {
  readonly crm: Crm;
  readonly storage: TestStorage;
  readonly users: { readonly ada: string; readonly wang: string; readonly li: string; readonly viewer: string };
  /** A lead that assignment gave to Wang Fang (not the acting user). */
  readonly leadId: string;
  /** A lead with no owner. */
  readonly unownedId: string;
}

/**
 * Users, then a CRM acting as the admin Ada, and two leads on the built-in pipeline (proposal needs a close date): over
 * a memory storage in the page, or on the test server (crm-under-test.ts).
 */
async function seed(): Promise<Fixture> {
  const backend = await openBackend({ clock: NOW });
  const setup = await backend.open({ id: 'usr-setup', role: 'admin' });
  const ada = (await setup.users.create({ name: 'Ada Admin', email: 'ada@example.com', role: 'admin' })).id;
  const wang = (await setup.users.create({ name: 'Wang Fang', email: 'wang@example.com' })).id;
  const li = (await setup.users.create({ name: 'Li Na', email: 'li@example.com' })).id;
  const viewer = (await setup.users.create({ name: 'Vic Viewer', email: 'vic@example.com', role: 'viewer' })).id;
  await setup.users.create({ name: 'Old Rep', email: 'old@example.com', active: false });
  setup.dispose();
  const crm = await backend.open({ id: ada, role: 'admin' });
  const lead = await crm.leads.create({
    name: 'Mei Lin',
    company: 'Aurora Harbour Hotels',
    email: 'mei.lin@aurora.example',
    source: 'referral',
    ownerId: wang,
  });
  const unowned = await crm.leads.create({ name: 'Zhou Min', email: 'zhou@example.com' });
  return { crm, storage: backend.storage, users: { ada, wang, li, viewer }, leadId: lead.id, unownedId: unowned.id };
}

async function mount(template: TemplateResult): Promise<CrmLeadConvert> {
  const container = document.createElement('div');
  document.body.append(container);
  render(template, container);
  const element = container.querySelector('crm-lead-convert');
  if (!element) throw new Error('no <crm-lead-convert> rendered');
  await waitUntil(() => ['complete', 'error'].includes(element.query.status), 'the lead did not load');
  await element.settled();
  return element;
}

const mountFor = (crm: Crm, leadId: string, locale = 'en-US'): Promise<CrmLeadConvert> =>
  mount(
    html`<crm-provider .crm=${crm} locale=${locale} currency="CNY">
      <crm-lead-convert lead-id=${leadId}></crm-lead-convert>
    </crm-provider>`,
  );

const shadow = (element: CrmLeadConvert): ShadowRoot => element.shadowRoot!;
const text = (node: Element | null | undefined): string => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const control = <T extends HTMLElement = HTMLInputElement>(element: CrmLeadConvert, field: string): T =>
  shadow(element).querySelector<T>(`#c-${field.replace('.', '-')}`)!;
const labelOf = (element: CrmLeadConvert, field: string): string =>
  text(shadow(element).querySelector(`label[for="c-${field.replace('.', '-')}"]`));
const hintOf = (element: CrmLeadConvert, field: string): string =>
  text(shadow(element).querySelector(`#c-${field.replace('.', '-')}-hint`));
const errorOf = (element: CrmLeadConvert, field: string): string =>
  text(shadow(element).querySelector(`#c-${field.replace('.', '-')}-error`));
const summaryItems = (element: CrmLeadConvert): string[] =>
  [...shadow(element).querySelectorAll('[part~="summary"] li')].map((item) => text(item));
const status = (element: CrmLeadConvert): string => text(shadow(element).querySelector('[part~="status"]'));
const failure = (element: CrmLeadConvert): string => text(shadow(element).querySelector('[part~="message"]'));

/** Types into a field as a user would: sets the value, fires `input` (or `change` for a select), then leaves it. */
async function fill(element: CrmLeadConvert, field: string, value: string): Promise<void> {
  const input = control<HTMLInputElement | HTMLSelectElement>(element, field);
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  input.blur();
  await element.updateComplete;
}

async function clickSubmit(element: CrmLeadConvert): Promise<void> {
  shadow(element).querySelector<HTMLButtonElement>('[part~="submit"]')!.click();
  await element.settled();
}

function events<E extends Event>(target: EventTarget, type: string): E[] {
  const seen: E[] = [];
  target.addEventListener(type, (event) => seen.push(event as E));
  return seen;
}

/** The element focused now, looking into shadow roots. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

describe('<crm-lead-convert>', () => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await seed();
  });
  afterEach(async () => {
    document.body.replaceChildren();
    fixture.crm.dispose();
    await setCrmLocale('en');
  });

  describe('the owner', () => {
    it('is preselected with the lead’s owner, who is named, and the deal goes to them', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      const owner = control<HTMLSelectElement>(element, 'ownerId');
      expect(labelOf(element, 'ownerId')).to.equal('Owner');
      expect(owner.value).to.equal(fixture.users.wang);
      expect(hintOf(element, 'ownerId')).to.equal('The deal goes to Wang Fang, who owns the lead.');
      expect(owner.getAttribute('aria-describedby')).to.contain('c-ownerId-hint');
      // Active users who can own deals, by name; not the viewer, not the inactive rep.
      expect([...owner.options].map((option) => option.textContent?.trim())).to.deep.equal([
        'Ada Admin',
        'Li Na',
        'Wang Fang',
      ]);

      await fill(element, 'expectedCloseDate', '2025-06-30');
      await fill(element, 'amount', '268000');
      await clickSubmit(element);
      const lead = await fixture.crm.leads.get(fixture.leadId);
      const deal = await fixture.crm.deals.get(lead.convertedDealId!);
      expect(deal.ownerId).to.equal(fixture.users.wang);
    });

    it('changed in the select, converts with the chosen owner and says so', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      const converted = events<CrmLeadConvertedEvent>(element, 'crm-lead-converted');
      await fill(element, 'ownerId', fixture.users.li);
      expect(hintOf(element, 'ownerId')).to.equal('The deal goes to Li Na.');
      await fill(element, 'ownerId', fixture.users.ada);
      expect(hintOf(element, 'ownerId')).to.equal('The deal goes to you (Ada Admin).');
      await fill(element, 'ownerId', fixture.users.li);
      await fill(element, 'expectedCloseDate', '2025-06-30');
      await fill(element, 'amount', '268000');
      await clickSubmit(element);

      expect(converted).to.have.length(1);
      const detail = converted[0]!.detail;
      const deal = await fixture.crm.deals.get(detail.dealId);
      expect(deal.ownerId).to.equal(fixture.users.li);
      expect(deal.title).to.equal('Aurora Harbour Hotels');
      expect(deal.amount).to.deep.equal({ amountMinor: 26_800_000, currency: 'CNY' });
      // Ids and flags only: no name, title or amount in the event.
      expect(detail).to.deep.equal({
        leadId: fixture.leadId,
        customerId: deal.customerId,
        contactId: detail.contactId,
        dealId: deal.id,
        pipelineId: deal.pipelineId,
        stageId: 'opportunity',
        ownerId: fixture.users.li,
        customerCreated: true,
        contactCreated: true,
      });
      // Ids and flags only (the deep-equal above lists every key): no name, title or amount. Ids are random hex, so
      // the amount is looked for as the event could carry it, not as a bare digit run an id may contain.
      expect(JSON.stringify(detail)).to.not.match(/Mei|Aurora|Li Na|268000|"amount/);
      expect(status(element)).to.equal(
        'Converted: the deal “Aurora Harbour Hotels” is in Opportunity, owned by Li Na.',
      );
    });

    it('is the acting user for a lead nobody owns', async () => {
      const element = await mountFor(fixture.crm, fixture.unownedId);
      expect(control<HTMLSelectElement>(element, 'ownerId').value).to.equal(fixture.users.ada);
      expect(hintOf(element, 'ownerId')).to.equal('The deal goes to you (Ada Admin).');
      expect(control(element, 'title').value).to.equal('Zhou Min');
    });
  });

  describe('stage gates', () => {
    it('marks the close date and amount required because the next stage’s gate reads them, and refuses without them', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      expect(control<HTMLSelectElement>(element, 'stageId').value).to.equal('opportunity');
      expect(control(element, 'expectedCloseDate').required).to.equal(true);
      expect(labelOf(element, 'expectedCloseDate')).to.equal('Expected close date *');
      expect(labelOf(element, 'amount')).to.equal('Amount *');
      expect(text(shadow(element).querySelector('form'))).to.contain(
        'Moving the deal on to Quote / proposal needs the marked fields, so they are asked for now.',
      );
      expect(element.requiredFields).to.have.members(['title', 'expectedCloseDate', 'amount']);

      const failed = events<CrmLeadConvertFailedEvent>(element, 'crm-lead-convert-failed');
      await clickSubmit(element);
      expect(summaryItems(element)).to.deep.equal([
        'Amount: Moving on to Quote / proposal needs this field.',
        'Expected close date: Moving on to Quote / proposal needs this field.',
      ]);
      expect(control(element, 'expectedCloseDate').getAttribute('aria-invalid')).to.equal('true');
      expect(errorOf(element, 'expectedCloseDate')).to.equal('Moving on to Quote / proposal needs this field.');
      expect(deepActive()?.classList.contains('summary')).to.equal(true);
      // Nothing was sent: the lead is still a lead.
      expect(failed).to.have.length(0);
      expect((await fixture.crm.leads.get(fixture.leadId)).status).to.equal('new');

      // An amount of 0 is typed but fails the gate's condition (amount above zero).
      await fill(element, 'amount', '0');
      expect(errorOf(element, 'amount')).to.equal('This value does not meet what Quote / proposal requires.');
    });

    it('converts with them, and the new deal then moves to the next stage without a gate refusal', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      await fill(element, 'title', 'Aurora — lobby relighting');
      await fill(element, 'amount', '268000.5');
      expect(hintOf(element, 'amount')).to.equal('Saved as CN¥268,000.50.');
      await fill(element, 'expectedCloseDate', '2025-06-30');
      expect(hintOf(element, 'expectedCloseDate')).to.equal('Closes on Jun 30, 2025.');
      await clickSubmit(element);

      const lead = await fixture.crm.leads.get(fixture.leadId);
      expect(lead.status).to.equal('converted');
      const deal = await fixture.crm.deals.get(lead.convertedDealId!);
      expect(deal.expectedCloseDate).to.equal('2025-06-30');
      expect(deal.amount.amountMinor).to.equal(26_800_050);
      const moved = await fixture.crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: deal.version });
      expect(moved.stageId).to.equal('proposal');
      // The form is gone; the success line took focus's place and says where the deal is.
      expect(shadow(element).querySelector('form')).to.equal(null);
      await expect(element).to.be.accessible();
    });

    it('asks for what a gate on the chosen stage reads that the base form lacks (a source, a custom field)', async () => {
      await fixture.crm.customFields.create({
        entity: 'deal',
        key: 'region',
        label: { en: 'Region', 'zh-CN': '大区' },
        type: 'text',
      });
      const strict = await fixture.crm.pipelines.create({
        name: { en: 'Strict', 'zh-CN': '严格' },
        stages: [
          {
            id: 'intake',
            name: { en: 'Intake', 'zh-CN': '接洽' },
            probability: 0.1,
            kind: 'open',
            gate: { requiredFields: ['customFields.region'] },
          },
          {
            id: 'qualify',
            name: { en: 'Qualify', 'zh-CN': '确认' },
            probability: 0.3,
            kind: 'open',
            gate: { requiredFields: ['source'] },
          },
          { id: 'done', name: { en: 'Done', 'zh-CN': '完成' }, probability: 1, kind: 'won' },
        ],
      });
      const element = await mount(
        html`<crm-provider .crm=${fixture.crm} locale="en-US" currency="CNY">
          <crm-lead-convert lead-id=${fixture.unownedId} pipeline-id=${strict.id}></crm-lead-convert>
        </crm-provider>`,
      );
      expect(labelOf(element, 'customFields.region')).to.equal('Region *');
      expect(labelOf(element, 'source')).to.equal('Source *');
      await clickSubmit(element);
      expect(summaryItems(element)).to.deep.equal([
        'Region: Intake needs this field.',
        'Source: Moving on to Qualify needs this field.',
      ]);
      await fill(element, 'customFields.region', 'north');
      await fill(element, 'source', 'trade_show');
      await clickSubmit(element);
      const lead = await fixture.crm.leads.get(fixture.unownedId);
      const deal = await fixture.crm.deals.get(lead.convertedDealId!);
      expect(deal.customFields['region']).to.equal('north');
      expect(deal.source).to.equal('trade_show');
      await fixture.crm.deals.moveToStage(deal.id, 'qualify', { expectedVersion: deal.version });
    });

    it('asks for the required custom fields of deals, labelled from their definitions, with a control of their type', async () => {
      await fixture.crm.customFields.create({
        entity: 'deal',
        key: 'channel',
        label: { en: 'Sales channel', 'zh-CN': '销售渠道' },
        type: 'select',
        options: [
          { value: 'direct', label: { en: 'Direct', 'zh-CN': '直销' } },
          { value: 'partner', label: { en: 'Partner', 'zh-CN': '合作伙伴' } },
        ],
        required: true,
      });
      await fixture.crm.customFields.create({
        entity: 'deal',
        key: 'seats',
        label: { en: 'Seats', 'zh-CN': '席位' },
        type: 'number',
        required: true,
      });
      const element = await mountFor(fixture.crm, fixture.leadId);
      expect(labelOf(element, 'customFields.channel')).to.equal('Sales channel *');
      await fill(element, 'amount', '100');
      await fill(element, 'expectedCloseDate', '2025-06-30');
      await clickSubmit(element);
      expect(summaryItems(element)).to.deep.equal([
        'Sales channel: This field is required.',
        'Seats: This field is required.',
      ]);
      const channel = control<HTMLSelectElement>(element, 'customFields.channel');
      expect([...channel.options].map((option) => option.text)).to.deep.equal(['', 'Direct', 'Partner']);
      await fill(element, 'customFields.channel', 'partner');
      await fill(element, 'customFields.seats', '12');
      await clickSubmit(element);
      const lead = await fixture.crm.leads.get(fixture.leadId);
      const deal = await fixture.crm.deals.get(lead.convertedDealId!);
      expect(deal.customFields).to.deep.equal({ channel: 'partner', seats: 12 });
    });
  });

  describe('errors from the CRM', () => {
    it('marks the fields a ValidationError names and names the ones the form does not ask for', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      fixture.crm.leads.convert = () =>
        Promise.reject(
          new ValidationError(
            [
              { path: ['deal', 'expectedCloseDate'], message: 'Expected a calendar date' },
              { path: ['customFields', 'tier'], message: 'Required' },
            ],
            'convert',
          ),
        );
      const failed = events<CrmLeadConvertFailedEvent>(element, 'crm-lead-convert-failed');
      await fill(element, 'amount', '100');
      await fill(element, 'expectedCloseDate', '2025-06-30');
      await clickSubmit(element);
      expect(failed.map((event) => event.detail)).to.deep.equal([{ leadId: fixture.leadId, code: 'CRM_VALIDATION' }]);
      expect(failure(element)).to.equal('Some details were not accepted: Expected close date, customFields.tier.');
      expect(summaryItems(element)).to.deep.equal(['Expected close date: This value is not accepted.']);
      expect(control(element, 'expectedCloseDate').getAttribute('aria-invalid')).to.equal('true');
      expect(deepActive()?.classList.contains('summary')).to.equal(true);
      // Typing in the field clears the CRM's objection to it.
      await fill(element, 'expectedCloseDate', '2025-07-01');
      expect(errorOf(element, 'expectedCloseDate')).to.equal('');
      await expect(element).to.be.accessible();
    });

    it('a required customer field the conversion needs is named, and the lead stays a lead', async () => {
      await fixture.crm.customFields.create({
        entity: 'customer',
        key: 'region',
        label: { en: 'Region', 'zh-CN': '大区' },
        type: 'text',
        required: true,
      });
      const element = await mountFor(fixture.crm, fixture.leadId);
      await fill(element, 'amount', '100');
      await fill(element, 'expectedCloseDate', '2025-06-30');
      await clickSubmit(element);
      expect(failure(element)).to.equal('Some details were not accepted: customFields.region.');
      expect((await fixture.crm.leads.get(fixture.leadId)).status).to.equal('new');
    });

    it('after a ConflictError shows the lead as it now is, keeps what was typed, and converts on the next try', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      const leads = fixture.crm.leads;
      const convert = leads.convert.bind(leads);
      let raced = false;
      // Someone reassigns the lead between the form's read and its conversion.
      leads.convert = async (id: string, options?: ConvertOptions) => {
        if (!raced) {
          raced = true;
          await leads.assign(id, { ownerId: fixture.users.li, expectedVersion: (await leads.get(id)).version });
        }
        return convert(id, options);
      };
      const failed = events<CrmLeadConvertFailedEvent>(element, 'crm-lead-convert-failed');
      await fill(element, 'title', 'Lobby relighting');
      await fill(element, 'amount', '5000');
      await fill(element, 'expectedCloseDate', '2025-06-30');
      await clickSubmit(element);
      expect(failed.map((event) => event.detail.code)).to.deep.equal(['CRM_CONFLICT']);
      expect(failure(element)).to.equal(
        'Someone changed this lead meanwhile. Its latest details are shown: check them and convert again.',
      );
      await element.settled();
      // The owner was not chosen here: it follows the lead's new owner. What was typed stays.
      expect(control<HTMLSelectElement>(element, 'ownerId').value).to.equal(fixture.users.li);
      expect(hintOf(element, 'ownerId')).to.equal('The deal goes to Li Na, who owns the lead.');
      expect(control(element, 'title').value).to.equal('Lobby relighting');
      await clickSubmit(element);
      const lead = await fixture.crm.leads.get(fixture.leadId);
      expect(lead.status).to.equal('converted');
      expect((await fixture.crm.deals.get(lead.convertedDealId!)).ownerId).to.equal(fixture.users.li);
    });

    it('a converted lead says so and offers no form', async () => {
      await fixture.crm.leads.convert(fixture.unownedId);
      const element = await mountFor(fixture.crm, fixture.unownedId);
      expect(shadow(element).querySelector('form')).to.equal(null);
      expect(text(shadow(element).querySelector('[part~="base"]'))).to.equal('This lead is converted already.');
    });

    it('an unknown lead says it no longer exists', async () => {
      const element = await mountFor(fixture.crm, 'lead-gone');
      expect(text(shadow(element).querySelector('[role="alert"]'))).to.equal('This lead no longer exists.');
    });
  });

  describe('keyboard and accessibility', () => {
    it('completes by keyboard alone: Tab through the fields, type, pick an owner with the arrows, Enter', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      const converted = events<CrmLeadConvertedEvent>(element, 'crm-lead-converted');
      await sendKeys({ press: 'Tab' });
      expect(deepActive()).to.equal(control(element, 'title'));
      await sendKeys({ press: 'End' });
      await sendKeys({ type: ' — lobby' });
      await sendKeys({ press: 'Tab' });
      expect(deepActive()).to.equal(control(element, 'amount'));
      await sendKeys({ type: '268000' });
      await sendKeys({ press: 'Tab' });
      expect(deepActive()).to.equal(control(element, 'currency'));
      await sendKeys({ press: 'Tab' });
      expect(deepActive()).to.equal(control(element, 'expectedCloseDate'));
      // Chromium's date input takes digits segment by segment (month, day, year in en-US).
      await sendKeys({ type: '06302025' });
      const typedDate = control(element, 'expectedCloseDate').value;
      expect(typedDate).to.match(/^2025-\d{2}-\d{2}$/);
      for (let presses = 0; deepActive() !== control(element, 'stageId'); presses++) {
        expect(presses).to.be.below(4, 'Tab leaves the date input');
        await sendKeys({ press: 'Tab' });
      }
      await sendKeys({ press: 'Tab' });
      expect(deepActive()).to.equal(control(element, 'ownerId'));
      // Wang Fang is preselected; ArrowUp picks Li Na (the names are in order: Ada, Li, Wang).
      await sendKeys({ press: 'ArrowUp' });
      await element.updateComplete;
      expect(hintOf(element, 'ownerId')).to.equal('The deal goes to Li Na.');
      await sendKeys({ press: 'Tab' });
      expect(deepActive()?.getAttribute('part')).to.equal('submit');
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => converted.length === 1, 'converted by keyboard');
      await element.settled();
      const deal = await fixture.crm.deals.get(converted[0]!.detail.dealId);
      expect(deal).to.include({ title: 'Aurora Harbour Hotels — lobby', ownerId: fixture.users.li });
      expect(deal.expectedCloseDate).to.equal(typedDate);
      expect(deepActive()).to.equal(shadow(element).querySelector('[part~="status"]'));
    });

    it('Enter in a text field submits; the summary’s buttons take focus to their field', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      control(element, 'title').focus();
      await sendKeys({ press: 'Enter' });
      await element.settled();
      expect(deepActive()?.classList.contains('summary')).to.equal(true);
      await sendKeys({ press: 'Tab' });
      await sendKeys({ press: 'Enter' });
      expect(deepActive()).to.equal(control(element, 'amount'));
    });

    it('has no axe violations: the form, the summary, and dark theme', async () => {
      const element = await mountFor(fixture.crm, fixture.leadId);
      await expect(element).to.be.accessible();
      await clickSubmit(element);
      await expect(element).to.be.accessible();
      element.theme = 'dark';
      await element.updateComplete;
      await expect(element).to.be.accessible();
    });
  });

  describe('in Simplified Chinese', () => {
    it('reads every string from the zh-CN catalogue, formats money and dates in Chinese, and has no axe violations', async () => {
      await setCrmLocale('zh-CN');
      const element = await mountFor(fixture.crm, fixture.leadId, 'zh-CN');
      expect(labelOf(element, 'title')).to.equal('商机名称 *');
      expect(labelOf(element, 'ownerId')).to.equal('负责人');
      expect(hintOf(element, 'ownerId')).to.equal('商机将交给线索负责人 Wang Fang。');
      expect(text(control<HTMLSelectElement>(element, 'stageId').selectedOptions[0])).to.equal('商机');
      expect(text(shadow(element).querySelector('[part~="submit"]'))).to.equal('转化为商机');
      await clickSubmit(element);
      expect(summaryItems(element)).to.deep.equal([
        '金额：推进到“报价/提案”阶段需要填写此项。',
        '预计成交日期：推进到“报价/提案”阶段需要填写此项。',
      ]);
      await fill(element, 'amount', '268000');
      expect(hintOf(element, 'amount')).to.equal('保存为 ¥268,000。');
      await fill(element, 'expectedCloseDate', '2025-06-30');
      expect(hintOf(element, 'expectedCloseDate')).to.equal('预计于 2025年6月30日 成交。');
      await expect(element).to.be.accessible();
      await clickSubmit(element);
      expect(status(element)).to.equal('已转化：商机“Aurora Harbour Hotels”位于“商机”阶段，负责人为 Wang Fang。');
    });
  });

  it('without a lead id says there is nothing to convert', async () => {
    const container = document.createElement('div');
    document.body.append(container);
    render(html`<crm-provider .crm=${fixture.crm}><crm-lead-convert></crm-lead-convert></crm-provider>`, container);
    const element = container.querySelector('crm-lead-convert')!;
    await element.updateComplete;
    expect(text(shadow(element).querySelector('[part~="base"]'))).to.equal('No lead to convert.');
  });
});
