// Phone numbers in the elements: the lead form checks them with core's normaliser (libphonenumber-js with its full
// metadata, loaded on demand), and the 360 card shows stored E.164 numbers formatted. The first test runs before the
// phone rules have loaded in this page.
import { expect, waitUntil } from '@open-wc/testing';
import { html, render, type TemplateResult } from 'lit';
import { createCrm, createMemoryStorage, type Crm, type CreateCrmOptions } from '@crmkit/core';
import { setCrmLocale } from '@crmkit/elements';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-lead-form';
import '@crmkit/elements/crm-customer-360';
import type { CrmLeadForm } from '../src/lead-form/lead-form.component.js';
import type { CrmCustomer360 } from '../src/customer-360/customer-360.component.js';
import type { CrmLeadSubmitEvent } from '../src/lead-form/events.js';
import { loadedPhoneNormaliser } from '../src/internal/phone.js';

const NOW = new Date('2026-03-02T08:00:00.000Z');

function mount<E extends Element>(template: TemplateResult, selector: string): E {
  const container = document.createElement('div');
  document.body.append(container);
  render(template, container);
  const element = container.querySelector<E>(selector);
  if (!element) throw new Error(`no ${selector} rendered`);
  return element;
}

const text = (element: Element | null | undefined): string => element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const shadow = (element: Element): ShadowRoot => element.shadowRoot!;
const control = (form: CrmLeadForm, field: string): HTMLInputElement =>
  shadow(form).querySelector<HTMLInputElement>(`#f-${field}`)!;
const errorOf = (form: CrmLeadForm, field: string): string => text(shadow(form).querySelector(`#f-${field}-error`));
const summaryItems = (form: CrmLeadForm): string[] =>
  [...shadow(form).querySelectorAll('[part~="summary"] li')].map((item) => text(item));
const submitButton = (form: CrmLeadForm): HTMLButtonElement =>
  shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!;

/** Types into a field (sets the value, fires `input`) without leaving it and without waiting. */
function type(form: CrmLeadForm, field: string, value: string): void {
  const input = control(form, field);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}

/** Leaves a field (fires `blur`: a page running beside another may not hold the focus to lose). */
function leave(form: CrmLeadForm, field: string): void {
  control(form, field).dispatchEvent(new Event('blur'));
}

function submissions(form: CrmLeadForm): CrmLeadSubmitEvent[] {
  const seen: CrmLeadSubmitEvent[] = [];
  form.addEventListener('crm-lead-submit', (event) => seen.push(event as CrmLeadSubmitEvent));
  return seen;
}

const crms: Crm[] = [];
async function newCrm(options: Partial<CreateCrmOptions> = {}): Promise<Crm> {
  const crm = await createCrm({
    storage: createMemoryStorage(),
    actor: { id: 'usr-admin', role: 'admin' },
    clock: () => NOW,
    ...options,
  });
  crms.push(crm);
  return crm;
}

afterEach(async () => {
  document.body.replaceChildren();
  for (const crm of crms.splice(0)) await crm.dispose();
  await setCrmLocale('en');
});

describe('<crm-lead-form> phone numbers', () => {
  it('a submit while the phone rules load waits for them and is sent once, however often Save is clicked', async () => {
    expect(loadedPhoneNormaliser(), 'this test runs before the phone rules load').to.equal(undefined);
    const form = mount<CrmLeadForm>(
      html`<crm-lead-form presentational default-country="CN" fields="name,phone"></crm-lead-form>`,
      'crm-lead-form',
    );
    await form.updateComplete;
    const sent = submissions(form);
    type(form, 'name', 'Li Lei');
    type(form, 'phone', '010-6552 9988');
    submitButton(form).click();
    submitButton(form).click();
    await form.settled();
    submitButton(form).click();
    await form.settled();
    expect(sent.map((event) => event.detail.lead.phone)).to.deep.equal(['+861065529988']);
  });

  it('shows the phone error for 138-0013-800 when the field is left', async () => {
    const form = mount<CrmLeadForm>(
      html`<crm-lead-form presentational default-country="CN"></crm-lead-form>`,
      'crm-lead-form',
    );
    await form.updateComplete;
    type(form, 'phone', '138-0013-800');
    leave(form, 'phone');
    await form.updateComplete;
    expect(errorOf(form, 'phone')).to.equal('Enter a valid phone number.');
    expect(control(form, 'phone').getAttribute('aria-invalid')).to.equal('true');
    expect(form.issues.get('phone')).to.deep.equal({ kind: 'phone' });

    type(form, 'phone', '13800138000');
    await form.updateComplete;
    expect(errorOf(form, 'phone')).to.equal('');
  });

  it('refuses 138-0013-800 on submit: the summary names the phone and nothing is captured', async () => {
    const crm = await newCrm();
    const form = mount<CrmLeadForm>(
      html`<crm-lead-form .crm=${crm} default-country="CN" fields="name,phone"></crm-lead-form>`,
      'crm-lead-form',
    );
    await form.updateComplete;
    type(form, 'name', 'Li Lei');
    type(form, 'phone', '138-0013-800');
    await form.submit();
    expect(summaryItems(form)).to.deep.equal(['Phone: Enter a valid phone number.']);
    expect(errorOf(form, 'phone')).to.equal('Enter a valid phone number.');
    expect(await crm.leads.count()).to.equal(0);

    type(form, 'phone', '0755-8888 6666');
    await form.submit();
    const { records } = await crm.leads.list();
    expect(records.map((lead) => lead.phone)).to.deep.equal(['+8675588886666']);
  });

  it('refuses 555-0100 in the US and says so in Chinese too', async () => {
    await setCrmLocale('zh-CN');
    const form = mount<CrmLeadForm>(
      html`<crm-lead-form presentational default-country="US"></crm-lead-form>`,
      'crm-lead-form',
    );
    await form.updateComplete;
    type(form, 'phone', '555-0100');
    leave(form, 'phone');
    await form.updateComplete;
    expect(errorOf(form, 'phone')).to.equal('请输入有效的电话号码。');
  });

  it('is valid to a host form once the number is checked, its value carrying the number in E.164', async () => {
    const host = mount<HTMLFormElement>(
      html`<form>
        <crm-lead-form name="lead" presentational hide-submit default-country="CN" fields="name,phone"></crm-lead-form>
      </form>`,
      'form',
    );
    const form = host.querySelector<CrmLeadForm>('crm-lead-form')!;
    await form.updateComplete;
    type(form, 'name', 'Li Lei');
    type(form, 'phone', '138 0013 8000');
    await form.updateComplete;
    expect(host.checkValidity()).to.equal(true);
    const value = JSON.parse(String(new FormData(host).get('lead'))) as { lead: { phone: string } };
    expect(value.lead.phone).to.equal('+8613800138000');
    type(form, 'phone', '138-0013-800');
    await form.updateComplete;
    expect(host.checkValidity()).to.equal(false);
  });
});

describe('<crm-customer-360> phone numbers', () => {
  async function cardFor(crm: Crm, customerId: string, piiRoles = 'admin manager rep'): Promise<CrmCustomer360> {
    const card = mount<CrmCustomer360>(
      html`<crm-provider .crm=${crm} locale="en">
        <crm-customer-360 customer-id=${customerId} pii-roles=${piiRoles}></crm-customer-360>
      </crm-provider>`,
      'crm-customer-360',
    );
    await waitUntil(() => card.shadowRoot?.querySelector('.card, [role="alert"]'), 'the card did not load');
    await card.settled();
    return card;
  }
  const section = (card: CrmCustomer360, id: string): string =>
    text(shadow(card).querySelector(`[part~="section"][part~="${id}"]`));

  it('shows +8613800138000 as +86 138 0013 8000, in the profile and for contacts; the link keeps E.164', async () => {
    const crm = await newCrm();
    const customer = await crm.customers.create({
      kind: 'organisation',
      name: 'Lanhai',
      phones: ['+8613800138000'],
    });
    await crm.contacts.create({ customerId: customer.id, name: 'Wang Fang', phones: ['+861065529988'] });
    const card = await cardFor(crm, customer.id);
    expect(section(card, 'profile')).to.contain('+86 138 0013 8000');
    expect(section(card, 'contacts')).to.contain('+86 10 6552 9988');
    const links = [...shadow(card).querySelectorAll('a[href^="tel:"]')];
    expect(links.map((link) => [link.getAttribute('href'), text(link)])).to.deep.equal([
      ['tel:+8613800138000', '+86 138 0013 8000'],
      ['tel:+861065529988', '+86 10 6552 9988'],
    ]);
  });

  it('shows numbers of the CRM’s region in national format, others in international format', async () => {
    const crm = await newCrm({ defaultRegion: 'CN' });
    const customer = await crm.customers.create({
      kind: 'person',
      name: 'Li Wei',
      phones: ['13800138000', '+1 650 253 0000'],
    });
    expect(customer.phones).to.deep.equal(['+8613800138000', '+16502530000']);
    const card = await cardFor(crm, customer.id);
    const profile = section(card, 'profile');
    expect(profile).to.contain('138 0013 8000');
    expect(profile).not.to.contain('+86 138');
    expect(profile).to.contain('+1 650 253 0000');
  });

  it('shows the number core masked for a role that may not see it, without masking it twice', async () => {
    const storage = createMemoryStorage();
    const crm = await newCrm({ storage, actor: { id: 'usr-viewer', role: 'viewer' } });
    const admin = await newCrm({ storage });
    const customer = await admin.customers.create({ kind: 'person', name: 'Li Wei', phones: ['+8613800138000'] });
    const card = await cardFor(crm, customer.id);
    const profile = section(card, 'profile');
    // Core masks what leaves it for a viewer (no `pii`): the card gets `+86*******8000` and shows it as it is.
    expect(profile).to.contain('+86*******8000');
    expect(shadow(card).innerHTML).not.to.contain('0013');
    expect(shadow(card).querySelector('a[href^="tel:"]')).to.equal(null);
  });
});
