import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys, sendMouse, resetMouse } from '@web/test-runner-commands';
import { html, render, type TemplateResult } from 'lit';
import {
  StorageError,
  ValidationError,
  type CaptureOptions,
  type Crm,
  type DuplicateQuery,
  type LeadCaptureInput,
} from '@crmkit/core';
import { setCrmLocale } from '@crmkit/elements';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-lead-form';
import type { CrmLeadForm } from '../src/lead-form/lead-form.component.js';
import type { CrmLeadCaptureFailedEvent, CrmLeadCapturedEvent, CrmLeadSubmitEvent } from '../src/lead-form/events.js';
import { openBackend, type TestBackend } from './crm-under-test.js';

// ——— helpers ———

const NOW = new Date('2025-03-01T09:00:00.000Z');

/** A memory storage with its CRMs' clock at {@link NOW}: in the page, or on the test server (crm-under-test.ts). */
const newBackend = (): Promise<TestBackend> => openBackend({ clock: NOW });

/** An admin's CRM over `backend` (a fresh one by default: pass one to read its storage back). */
async function newCrm(backend?: TestBackend): Promise<Crm> {
  return (backend ?? (await newBackend())).open({ id: 'usr-admin', role: 'admin' });
}

/** Renders `template` into a fresh container attached to the body and returns the first `<crm-lead-form>`. */
async function mount(template: TemplateResult): Promise<CrmLeadForm> {
  const container = document.createElement('div');
  document.body.append(container);
  render(template, container);
  const form = container.querySelector('crm-lead-form');
  if (!form) throw new Error('no <crm-lead-form> rendered');
  await form.updateComplete;
  return form;
}

const shadow = (form: CrmLeadForm): ShadowRoot => form.shadowRoot!;
const text = (element: Element | null | undefined): string => element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const control = (form: CrmLeadForm, field: string): HTMLInputElement =>
  shadow(form).querySelector<HTMLInputElement>(`#f-${field.replace('.', '-')}`)!;
const errorOf = (form: CrmLeadForm, field: string): string =>
  text(shadow(form).querySelector(`#f-${field.replace('.', '-')}-error`));
const summary = (form: CrmLeadForm): HTMLElement | null => shadow(form).querySelector<HTMLElement>('[part~="summary"]');
const summaryItems = (form: CrmLeadForm): string[] =>
  [...shadow(form).querySelectorAll('[part~="summary"] li')].map((item) => text(item));
const warning = (form: CrmLeadForm): string => text(shadow(form).querySelector('[part~="warning"]'));
const status = (form: CrmLeadForm): string => text(shadow(form).querySelector('[part~="status"]'));
const failure = (form: CrmLeadForm): string => text(shadow(form).querySelector('[part~="message"]'));
const submitButton = (form: CrmLeadForm): HTMLButtonElement =>
  shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!;

/** Types into a field as a user would: sets the value and fires `input`, then leaves the field. */
async function fill(form: CrmLeadForm, field: string, value: string): Promise<void> {
  const input = control(form, field);
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  input.blur();
  await form.updateComplete;
}

async function fillAll(form: CrmLeadForm, values: Record<string, string>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await fill(form, field, value);
}

/** The element focused now, looking into shadow roots. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

function events<E extends Event>(target: EventTarget, type: string): E[] {
  const seen: E[] = [];
  target.addEventListener(type, (event) => seen.push(event as E));
  return seen;
}

const GOOD = {
  name: 'Li Lei',
  company: 'Acme Ltd',
  email: 'li.lei@example.com',
  phone: '+86 138 0013 8000',
};

describe('<crm-lead-form>', () => {
  let crm: Crm | undefined;
  afterEach(async () => {
    document.body.replaceChildren();
    crm?.dispose();
    crm = undefined;
    await setCrmLocale('en');
  });

  describe('a real pointer and keyboard', () => {
    afterEach(() => resetMouse());

    /** Clicks the middle of `element` with the mouse, as a person does: press, then release, at that spot. */
    async function clickOn(element: Element): Promise<void> {
      const box = element.getBoundingClientRect();
      await sendMouse({
        type: 'click',
        position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)],
      });
    }

    it('submits on the first click of Save right after typing a bad value: the field’s message waits for the click', async () => {
      const form = await mount(html`<crm-lead-form presentational fields="name,email,phone"></crm-lead-form>`);
      const submitted = events<CrmLeadSubmitEvent>(form, 'crm-lead-submit');
      control(form, 'email').focus();
      await sendKeys({ type: 'not-an-email' });
      await form.updateComplete;
      expect(errorOf(form, 'email')).to.equal('');
      await clickOn(shadow(form).querySelector('[part="submit"]')!);
      await form.updateComplete;
      // The click reached Save: the form was submitted, found the problems and lists them above the fields.
      expect(text(shadow(form).querySelector('.summary-title'))).to.equal('There are 2 problems with your details');
      expect(errorOf(form, 'email')).to.not.equal('');
      expect(submitted).to.have.length(0);

      // Mended, one click on Save (which did not move) hands the lead over.
      control(form, 'name').focus();
      await sendKeys({ type: 'Li Lei' });
      control(form, 'email').select();
      await sendKeys({ type: 'li@example.com' });
      await clickOn(shadow(form).querySelector('[part="submit"]')!);
      await form.updateComplete;
      expect(submitted.map((event) => event.detail.lead.email)).to.deep.equal(['li@example.com']);
    });

    it('still shows a field’s message when it is left for another field, by mouse or by Tab', async () => {
      const form = await mount(html`<crm-lead-form presentational fields="name,email"></crm-lead-form>`);
      control(form, 'email').focus();
      await sendKeys({ type: 'nope' });
      await clickOn(control(form, 'name'));
      await waitUntil(() => errorOf(form, 'email') !== '', 'no message after leaving by mouse', { timeout: 5000 });
      control(form, 'name').focus();
      await sendKeys({ type: 'x'.repeat(201) });
      await sendKeys({ press: 'Tab' });
      await form.updateComplete;
      expect(errorOf(form, 'name')).to.equal('Use at most 200 characters.');
    });
  });

  describe('fields', () => {
    it('shows the default fields in order, with labels, required marks and autocomplete', async () => {
      const form = await mount(html`<crm-lead-form></crm-lead-form>`);
      const fields = [...shadow(form).querySelectorAll<HTMLElement>('[part~="field"]')].map((f) => f.dataset['field']);
      expect(fields).to.deep.equal(['name', 'company', 'email', 'phone', 'message']);
      const labels = [...shadow(form).querySelectorAll('label')].map((label) => text(label));
      expect(labels).to.deep.equal(['Name *', 'Company', 'Email *', 'Phone', 'Message']);
      expect(control(form, 'name').required).to.equal(true);
      expect(control(form, 'company').required).to.equal(false);
      expect(control(form, 'email').type).to.equal('email');
      expect(control(form, 'phone').type).to.equal('tel');
      expect(control(form, 'phone').autocomplete).to.equal('tel');
      expect(control(form, 'message').tagName).to.equal('TEXTAREA');
      // Without a default country the phone field says a + is needed.
      expect(control(form, 'phone').getAttribute('aria-describedby')).to.equal('f-phone-hint');
      expect(text(shadow(form).querySelector('#f-phone-hint'))).to.equal('Include the country code, starting with +.');
      await expect(form).to.be.accessible();
    });

    it('takes its fields and required fields from attributes, always asking for a name', async () => {
      const form = await mount(
        html`<crm-lead-form
          fields="email, industry,phone,bogus,customFields.jobTitle"
          required-fields="phone"
          default-country="CN"
          .fieldLabels=${{ 'customFields.jobTitle': 'Job title' }}
        ></crm-lead-form>`,
      );
      const fields = [...shadow(form).querySelectorAll<HTMLElement>('[part~="field"]')].map((f) => f.dataset['field']);
      expect(fields).to.deep.equal(['name', 'email', 'industry', 'phone', 'customFields.jobTitle']);
      expect(control(form, 'name').required).to.equal(true);
      expect(control(form, 'email').required).to.equal(false);
      expect(control(form, 'phone').required).to.equal(true);
      expect(text(control(form, 'customFields.jobTitle').labels![0])).to.equal('Job title');
      // With a default country there is no hint.
      expect(shadow(form).querySelector('#f-phone-hint')).to.equal(null);
    });

    it('labels a custom field from its definition in the CRM, in the current language', async () => {
      crm = await newCrm();
      await crm.customFields.create({
        entity: 'lead',
        key: 'jobTitle',
        label: { en: 'Job title', 'zh-CN': '职位' },
        type: 'text',
        required: true,
        maxLength: 20,
      });
      const form = await mount(html`<crm-lead-form .crm=${crm} fields="name,customFields.jobTitle"></crm-lead-form>`);
      await waitUntil(() => text(control(form, 'customFields.jobTitle').labels![0]) === 'Job title *');
      await fill(form, 'customFields.jobTitle', 'x'.repeat(21));
      expect(errorOf(form, 'customFields.jobTitle')).to.equal('Use at most 20 characters.');
      await fillAll(form, { name: 'Li Lei', 'customFields.jobTitle': 'CTO' });
      const captured = events<CrmLeadCapturedEvent>(form, 'crm-lead-captured');
      await form.submit();
      expect(captured.length).to.equal(1);
      const lead = await crm.leads.get(captured[0]!.detail.leadId);
      expect(lead.customFields).to.deep.equal({ jobTitle: 'CTO' });
    });
  });

  describe('keyboard', () => {
    it('is completed and submitted with the keyboard alone, Tab moving through the fields in order', async () => {
      crm = await newCrm();
      const container = document.createElement('div');
      document.body.append(container);
      render(
        html`<button type="button" id="before">Before</button>
          <crm-lead-form .crm=${crm} consent-purpose="marketing_email"></crm-lead-form>`,
        container,
      );
      const form = container.querySelector('crm-lead-form')!;
      await form.updateComplete;
      const captured = events<CrmLeadCapturedEvent>(form, 'crm-lead-captured');
      container.querySelector<HTMLButtonElement>('#before')!.focus();

      const order: string[] = [];
      for (const [value] of [[GOOD.name], [GOOD.company], [GOOD.email], [GOOD.phone], ['Call me, please.']]) {
        await sendKeys({ press: 'Tab' });
        order.push(deepActive()!.id);
        await sendKeys({ type: value! });
      }
      await sendKeys({ press: 'Tab' });
      order.push(deepActive()!.id);
      await sendKeys({ press: 'Space' });
      await sendKeys({ press: 'Tab' });
      order.push(deepActive()!.id);
      expect(order).to.deep.equal(['f-name', 'f-company', 'f-email', 'f-phone', 'f-message', 'f-consent', '']);
      expect(deepActive()).to.equal(submitButton(form));
      await form.settled();
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => captured.length === 1, 'no crm-lead-captured');
      await form.settled();

      const lead = await crm.leads.get(captured[0]!.detail.leadId);
      expect(lead).to.include({
        name: 'Li Lei',
        company: 'Acme Ltd',
        email: 'li.lei@example.com',
        phone: '+8613800138000',
      });
      expect(lead.source).to.equal('web');
      expect(captured[0]!.detail.consentIds.length).to.equal(1);
      expect(status(form)).to.equal('Thank you. Your details have been sent.');
    });

    it('moves focus to the error summary on a failed submit; its entries focus their fields', async () => {
      const form = await mount(html`<crm-lead-form presentational></crm-lead-form>`);
      await fill(form, 'email', 'not-an-email');
      submitButton(form).focus();
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => summary(form) !== null);
      expect(shadow(form).activeElement).to.equal(summary(form));
      expect(text(summary(form)!.querySelector('[role="heading"]'))).to.equal('There are 2 problems with your details');
      expect(summaryItems(form)).to.deep.equal([
        'Name: This field is required.',
        'Email: Enter a valid email address, like name@example.com.',
      ]);
      await sendKeys({ press: 'Tab' });
      expect(text(deepActive())).to.equal('Name: This field is required.');
      await sendKeys({ press: 'Tab' });
      await sendKeys({ press: 'Enter' });
      expect(deepActive()).to.equal(control(form, 'email'));
    });
  });

  describe('validation', () => {
    it('shows localised messages for an invalid email and phone, beside each field, in English', async () => {
      const form = await mount(html`<crm-lead-form presentational></crm-lead-form>`);
      await fillAll(form, { name: 'Li Lei', email: 'li.lei@', phone: '12345' });
      expect(errorOf(form, 'email')).to.equal('Enter a valid email address, like name@example.com.');
      expect(errorOf(form, 'phone')).to.equal('Enter a valid phone number starting with + and the country code.');
      const email = control(form, 'email');
      expect(email.getAttribute('aria-invalid')).to.equal('true');
      expect(email.getAttribute('aria-describedby')).to.equal('f-email-error');
      expect(control(form, 'phone').getAttribute('aria-describedby')).to.equal('f-phone-hint f-phone-error');
      expect(control(form, 'name').getAttribute('aria-invalid')).to.equal('false');
      await expect(form).to.be.accessible();
    });

    it('shows the same messages in Simplified Chinese', async () => {
      await setCrmLocale('zh-CN');
      const form = await mount(html`<crm-lead-form presentational default-country="CN"></crm-lead-form>`);
      await fillAll(form, { name: '李雷', email: 'li.lei@', phone: '12345' });
      expect(errorOf(form, 'email')).to.equal('请输入有效的邮箱地址，例如 name@example.com。');
      expect(errorOf(form, 'phone')).to.equal('请输入有效的电话号码。');
      await form.submit();
      expect(summaryItems(form)).to.deep.equal([
        '邮箱：请输入有效的邮箱地址，例如 name@example.com。',
        '电话：请输入有效的电话号码。',
      ]);
      expect(text(summary(form)!.querySelector('[role="heading"]'))).to.equal('您填写的信息有 2 处问题');
      await expect(form).to.be.accessible();
    });

    it('reads a number without + in the default country and stores it in E.164', async () => {
      const form = await mount(html`<crm-lead-form presentational default-country="CN"></crm-lead-form>`);
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com', phone: '138 0013 8000' });
      expect(form.issues.size).to.equal(0);
      await expect(form).to.be.accessible();
      const submitted = events<CrmLeadSubmitEvent>(form, 'crm-lead-submit');
      await form.submit();
      expect(submitted[0]!.detail.lead.phone).to.equal('+8613800138000');
    });

    it('says when a value is too long, with the limit', async () => {
      const form = await mount(html`<crm-lead-form presentational></crm-lead-form>`);
      await fill(form, 'name', 'x'.repeat(201));
      expect(errorOf(form, 'name')).to.equal('Use at most 200 characters.');
      await setCrmLocale('zh-CN');
      await form.updateComplete;
      expect(errorOf(form, 'name')).to.equal('最多 200 个字符。');
    });

    it('shows a problem only once the field was left or the form submitted', async () => {
      const form = await mount(html`<crm-lead-form presentational></crm-lead-form>`);
      const email = control(form, 'email');
      email.value = 'bad';
      email.dispatchEvent(new Event('input'));
      await form.updateComplete;
      expect(errorOf(form, 'email')).to.equal('');
      expect(form.issues.get('email')).to.deep.equal({ kind: 'email' });
      email.dispatchEvent(new Event('blur'));
      await form.updateComplete;
      expect(errorOf(form, 'email')).to.equal('Enter a valid email address, like name@example.com.');
      // Fixing it clears the message as the person types.
      email.value = 'good@example.com';
      email.dispatchEvent(new Event('input'));
      await form.updateComplete;
      expect(errorOf(form, 'email')).to.equal('');
      expect(email.getAttribute('aria-invalid')).to.equal('false');
    });

    it('requires a ticked consent box when consent-required, with its own message', async () => {
      const form = await mount(
        html`<crm-lead-form presentational consent-purpose="marketing_email" consent-required></crm-lead-form>`,
      );
      expect(text(shadow(form).querySelector('[part~="consent"] label'))).to.equal(
        'I agree to receive marketing emails. *',
      );
      await fill(form, 'name', 'Li Lei');
      await fill(form, 'email', 'li@example.com');
      await form.submit();
      expect(summaryItems(form)).to.deep.equal(['Consent: Tick the box to give your consent.']);
      expect(errorOf(form, 'consent')).to.equal('Tick the box to give your consent.');
      expect(control(form, 'consent').getAttribute('aria-invalid')).to.equal('true');
      await expect(form).to.be.accessible();
    });
  });

  describe('duplicates', () => {
    it('warns politely, without the matched record, when the email is already a lead', async () => {
      crm = await newCrm();
      await crm.leads.capture({ name: 'Han Meimei', email: 'han@example.com' }, { source: 'referral' });
      const form = await mount(html`<crm-lead-form .crm=${crm} duplicate-delay="50"></crm-lead-form>`);
      await fill(form, 'email', 'HAN@example.com');
      await waitUntil(() => warning(form) !== '', 'no duplicate warning');
      expect(warning(form)).to.equal(
        'A lead with this email address already exists. Sending these details again will be refused.',
      );
      expect(warning(form)).not.to.contain('Han Meimei');
      const region = shadow(form).querySelector('[part~="warning"]')!;
      expect(region.getAttribute('role')).to.equal('status');
      expect(control(form, 'email').getAttribute('aria-describedby')).to.equal('duplicate');
      await expect(form).to.be.accessible();
      // Changing the email clears the warning.
      await fill(form, 'email', 'someone.else@example.com');
      await form.settled();
      expect(warning(form)).to.equal('');
    });

    it('names the matched record only with reveal-duplicate-names, and finds phone matches', async () => {
      crm = await newCrm();
      await crm.leads.capture({ name: 'Han Meimei', phone: '+86 139 0000 0000' }, { source: 'referral' });
      await setCrmLocale('zh-CN');
      const form = await mount(
        html`<crm-lead-form
          .crm=${crm}
          duplicate-delay="0"
          reveal-duplicate-names
          default-country="CN"
        ></crm-lead-form>`,
      );
      await fill(form, 'phone', '139 0000 0000');
      await waitUntil(() => warning(form) !== '', 'no duplicate warning');
      expect(warning(form)).to.equal('已存在使用此电话号码的线索。 已有记录：Han Meimei。');
    });

    it('waits for a pause in typing and drops a lookup a newer one superseded', async () => {
      crm = await newCrm();
      await crm.leads.capture({ name: 'Han Meimei', email: 'han@example.com' }, { source: 'referral' });
      const queries: DuplicateQuery[] = [];
      const findDuplicates = crm.leads.findDuplicates.bind(crm.leads);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      crm.leads.findDuplicates = async (query) => {
        queries.push(query as DuplicateQuery);
        const matches = await findDuplicates(query);
        // The first lookup (the known email) answers late, after the second.
        if (queries.length === 1) await gate;
        return matches;
      };
      const form = await mount(html`<crm-lead-form .crm=${crm} duplicate-delay="400"></crm-lead-form>`);
      // Typed in quick succession: only the last value is looked up.
      await fill(form, 'email', 'h@example.com');
      await fill(form, 'email', 'ha@example.com');
      await fill(form, 'email', 'han@example.com');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(queries).to.deep.equal([{ email: 'han@example.com' }]);
      // While that lookup is out, the person types another address, which has no duplicate.
      await fill(form, 'email', 'new@example.com');
      await form.settled();
      release();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(queries.length).to.equal(2);
      expect(warning(form)).to.equal('');
    });

    it('looks nothing up with duplicate-check="off" or without a CRM', async () => {
      crm = await newCrm();
      let calls = 0;
      crm.leads.findDuplicates = async () => {
        calls++;
        return [];
      };
      const off = await mount(
        html`<crm-lead-form .crm=${crm} duplicate-check="off" duplicate-delay="0"></crm-lead-form>`,
      );
      await fill(off, 'email', 'han@example.com');
      const presentational = await mount(
        html`<crm-lead-form .crm=${crm} presentational duplicate-delay="0"></crm-lead-form>`,
      );
      await fill(presentational, 'email', 'han@example.com');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(calls).to.equal(0);
    });
  });

  describe('submitting through the CRM', () => {
    it('captures the lead with source, campaign, consent and message, fires crm-lead-captured and resets', async () => {
      const backend = await newBackend();
      const { storage } = backend;
      crm = await newCrm(backend);
      const form = await mount(
        html`<crm-lead-form
          .crm=${crm}
          source="trade_show"
          campaign="Spring fair"
          consent-purpose="marketing_email"
          consent-version="v2"
        ></crm-lead-form>`,
      );
      const captured = events<CrmLeadCapturedEvent>(form, 'crm-lead-captured');
      await fillAll(form, { ...GOOD, message: 'Please call after 5pm.' });
      control(form, 'consent').click();
      await form.submit();

      expect(captured.length).to.equal(1);
      const detail = captured[0]!.detail;
      expect(Object.keys(detail).sort()).to.deep.equal(['activityId', 'consentIds', 'duplicates', 'leadId']);
      expect(detail.duplicates).to.equal(0);
      expect(captured[0]!.bubbles && captured[0]!.composed).to.equal(true);
      // No personal data in the event.
      // No personal data in the event. Ids are random hex: look for the phone as it could be carried, not for a digit
      // run an id may contain.
      expect(JSON.stringify(detail)).not.to.match(/Li Lei|example\.com|138\D?0013\D?8000|"phone/);

      const { records: leads } = await crm.leads.list();
      expect(leads.map((lead) => lead.id)).to.deep.equal([detail.leadId]);
      expect(leads[0]).to.include({ source: 'trade_show', campaign: 'Spring fair', phone: '+8613800138000' });
      const consents = await storage.query<Record<string, unknown>>('consents');
      expect(consents.records.map((consent) => consent.id)).to.deep.equal(detail.consentIds);
      expect(consents.records[0]).to.include({
        subjectKind: 'lead',
        subjectId: detail.leadId,
        purpose: 'marketing_email',
        legalBasis: 'consent',
        status: 'granted',
        textVersion: 'v2',
        source: 'trade_show',
      });
      const note = await crm.activities.get(detail.activityId!);
      expect(note).to.include({
        type: 'note',
        direction: 'inbound',
        body: 'Please call after 5pm.',
        leadId: detail.leadId,
      });

      expect(form.leadId).to.equal(detail.leadId);
      expect(control(form, 'name').value).to.equal('');
      expect(control(form, 'message').value).to.equal('');
      expect(control(form, 'consent').checked).to.equal(false);
      expect(status(form)).to.equal('Thank you. Your details have been sent.');
      expect(shadow(form).querySelector('[part~="status"]')!.getAttribute('role')).to.equal('status');
      await expect(form).to.be.accessible();
    });

    it('records no consent when the box is left unticked, and keeps values with keep-values', async () => {
      const backend = await newBackend();
      const { storage } = backend;
      crm = await newCrm(backend);
      const form = await mount(
        html`<crm-lead-form .crm=${crm} keep-values consent-purpose="marketing_email"></crm-lead-form>`,
      );
      const captured = events<CrmLeadCapturedEvent>(form, 'crm-lead-captured');
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com' });
      await form.submit();
      expect(captured[0]!.detail.consentIds).to.deep.equal([]);
      expect((await storage.query('consents')).records).to.deep.equal([]);
      expect(control(form, 'name').value).to.equal('Li Lei');
    });

    it('finds its CRM through <crm-provider>, and the lead shows up in storage without a reload', async () => {
      crm = await newCrm();
      const seen: string[] = [];
      const unsubscribe = crm.subscribe((changes) => seen.push(...changes.map((c) => c.collection)));
      const container = document.createElement('div');
      document.body.append(container);
      render(html`<crm-provider .crm=${crm}><crm-lead-form></crm-lead-form></crm-provider>`, container);
      const form = container.querySelector('crm-lead-form')!;
      await form.updateComplete;
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com' });
      await form.submit();
      // A remote CRM hears its own writes back through the server's change stream, once the write has answered.
      await waitUntil(() => seen.includes('leads'), 'no change to leads was heard', { timeout: 5000 });
      expect((await crm.leads.list()).records.map((lead) => lead.name)).to.deep.equal(['Li Lei']);
      unsubscribe();
    });

    it('keeps everything typed when capture fails, says so, and fires crm-lead-capture-failed with the code', async () => {
      crm = await newCrm();
      crm.leads.capture = async () => {
        throw new StorageError('The disk is full', { cause: new Error('quota') });
      };
      const form = await mount(html`<crm-lead-form .crm=${crm} consent-purpose="sms"></crm-lead-form>`);
      const failed = events<CrmLeadCaptureFailedEvent>(form, 'crm-lead-capture-failed');
      const captured = events<CrmLeadCapturedEvent>(form, 'crm-lead-captured');
      await fillAll(form, { ...GOOD, message: 'Hello' });
      control(form, 'consent').click();
      await form.submit();

      expect(failed.map((event) => event.detail)).to.deep.equal([{ code: 'CRM_STORAGE' }]);
      expect(captured.length).to.equal(0);
      expect(failure(form)).to.equal('Your details could not be sent. Please try again.');
      expect(shadow(form).querySelector('[part~="message"]')!.getAttribute('role')).to.equal('alert');
      expect(control(form, 'name').value).to.equal('Li Lei');
      expect(control(form, 'phone').value).to.equal('+86 138 0013 8000');
      expect(control(form, 'message').value).to.equal('Hello');
      expect(control(form, 'consent').checked).to.equal(true);
      expect(status(form)).to.equal('');
      await expect(form).to.be.accessible();
    });

    it('refuses a blocked duplicate with CRM_DUPLICATE and keeps the form filled', async () => {
      crm = await newCrm();
      await crm.leads.capture({ name: 'Han Meimei', email: 'han@example.com' }, { source: 'referral' });
      const form = await mount(html`<crm-lead-form .crm=${crm} duplicate-check="off"></crm-lead-form>`);
      const failed = events<CrmLeadCaptureFailedEvent>(form, 'crm-lead-capture-failed');
      await fillAll(form, { name: 'Han M.', email: 'han@example.com' });
      await form.submit();
      expect(failed.map((event) => event.detail.code)).to.deep.equal(['CRM_DUPLICATE']);
      expect(failure(form)).to.equal('These details match an existing record, so they were not added.');
      expect(control(form, 'email').value).to.equal('han@example.com');
      expect((await crm.leads.list()).records.length).to.equal(1);
    });

    it('maps a ValidationError from the CRM to the fields it names', async () => {
      crm = await newCrm();
      crm.leads.capture = async () => {
        throw new ValidationError([{ path: ['email'], message: 'Expected an email address' }], 'lead');
      };
      const form = await mount(html`<crm-lead-form .crm=${crm}></crm-lead-form>`);
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com' });
      await form.submit();
      expect(failure(form)).to.equal('Some details were not accepted. Check the marked fields.');
      expect(errorOf(form, 'email')).to.equal('Enter a valid email address, like name@example.com.');
      expect(summaryItems(form)).to.deep.equal(['Email: Enter a valid email address, like name@example.com.']);
      expect(shadow(form).activeElement).to.equal(summary(form));
      // Editing the field takes the CRM's objection back.
      await fill(form, 'email', 'li.lei@example.com');
      expect(errorOf(form, 'email')).to.equal('');
    });

    it('says "Sending…" while capture runs and ignores a second submit', async () => {
      crm = await newCrm();
      const capture = crm.leads.capture.bind(crm.leads);
      let calls = 0;
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      crm.leads.capture = async (input: LeadCaptureInput, options: CaptureOptions) => {
        calls++;
        await gate;
        return capture(input, options);
      };
      const form = await mount(html`<crm-lead-form .crm=${crm}></crm-lead-form>`);
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com' });
      const first = form.submit();
      await waitUntil(() => status(form) === 'Sending…');
      expect(submitButton(form).getAttribute('aria-disabled')).to.equal('true');
      expect(shadow(form).querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
      expect(control(form, 'name').readOnly).to.equal(true);
      await expect(form).to.be.accessible();
      submitButton(form).click();
      const second = form.submit();
      release();
      await Promise.all([first, second]);
      expect(calls).to.equal(1);
      expect(status(form)).to.equal('Thank you. Your details have been sent.');
    });
  });

  it('says the host’s own success message when success-message is set (a staff form)', async () => {
    crm = await newCrm();
    const form = await mount(
      html`<crm-lead-form .crm=${crm} fields="name,email" success-message="Lead saved."></crm-lead-form>`,
    );
    await fillAll(form, { name: 'Li Lei', email: 'li.lei@example.com' });
    await form.submit();
    expect(status(form)).to.equal('Lead saved.');
  });

  describe('presentational', () => {
    it('hands a valid submission to the host as crm-lead-submit, then announces success', async () => {
      const form = await mount(
        html`<crm-lead-form
          campaign="Launch"
          consent-purpose="data_processing"
          fields="name,email,phone,message"
        ></crm-lead-form>`,
      );
      const submitted = events<CrmLeadSubmitEvent>(form, 'crm-lead-submit');
      await fillAll(form, { name: ' Li Lei ', email: 'li@example.com', phone: '+86 138 0013 8000', message: 'Hi' });
      control(form, 'consent').click();
      await form.submit();
      expect(submitted.length).to.equal(1);
      expect(submitted[0]!.cancelable).to.equal(true);
      expect(submitted[0]!.detail).to.deep.equal({
        lead: { name: 'Li Lei', email: 'li@example.com', phone: '+8613800138000' },
        options: {
          source: 'web',
          campaign: 'Launch',
          consent: { purpose: 'data_processing', legalBasis: 'consent' },
        },
        message: 'Hi',
      });
      expect(Object.isFrozen(submitted[0]!.detail.lead)).to.equal(true);
      expect(status(form)).to.equal('Thank you. Your details have been sent.');
      expect(control(form, 'name').value).to.equal('');
    });

    it('stays filled when the host cancels, and shows a failure when its response rejects', async () => {
      const form = await mount(html`<crm-lead-form></crm-lead-form>`);
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com' });
      const cancel = (event: CrmLeadSubmitEvent) => event.preventDefault();
      form.addEventListener('crm-lead-submit', cancel);
      await form.submit();
      expect(control(form, 'name').value).to.equal('Li Lei');
      expect(status(form)).to.equal('');
      form.removeEventListener('crm-lead-submit', cancel);

      form.addEventListener('crm-lead-submit', (event) => event.respondWith(Promise.reject(new Error('offline'))));
      await form.submit();
      expect(failure(form)).to.equal('Your details could not be sent. Please try again.');
      expect(control(form, 'email').value).to.equal('li@example.com');
    });

    it('fires nothing while the form is invalid', async () => {
      const form = await mount(html`<crm-lead-form></crm-lead-form>`);
      const submitted = events<CrmLeadSubmitEvent>(form, 'crm-lead-submit');
      await fill(form, 'email', 'li@example.com');
      await form.submit();
      expect(submitted.length).to.equal(0);
      expect(summaryItems(form)).to.deep.equal(['Name: This field is required.']);
      await expect(form).to.be.accessible();
    });
  });

  describe('inside a host <form>', () => {
    async function mountInForm(extra: TemplateResult = html``): Promise<{ host: HTMLFormElement; form: CrmLeadForm }> {
      const container = document.createElement('div');
      document.body.append(container);
      render(
        html`<form id="host">
          <label>Newsletter <input name="newsletter" value="yes" /></label>
          <fieldset>
            <legend>Your details</legend>
            <crm-lead-form name="lead" hide-submit fields="name,email,phone"></crm-lead-form>
          </fieldset>
          ${extra}
          <button type="submit">Sign up</button>
        </form>`,
        container,
      );
      const form = container.querySelector('crm-lead-form')!;
      await form.updateComplete;
      return { host: container.querySelector<HTMLFormElement>('#host')!, form };
    }

    it('puts the submission as JSON into the host form data under its name', async () => {
      const { host, form } = await mountInForm();
      expect(form.form).to.equal(host);
      expect(submitButton(form)).to.equal(null);
      expect(new FormData(host).has('lead')).to.equal(false);
      await fillAll(form, { name: 'Li Lei', email: 'li@example.com', phone: '+86 138 0013 8000' });
      const value = new FormData(host).get('lead');
      expect(value).to.equal(form.value);
      expect(JSON.parse(value as string)).to.deep.equal({
        lead: { name: 'Li Lei', email: 'li@example.com', phone: '+8613800138000' },
        options: { source: 'web' },
      });
      expect(new FormData(host).get('newsletter')).to.equal('yes');
    });

    it('reports its validity to the host form and blocks its submission while invalid', async () => {
      const { host, form } = await mountInForm();
      let submits = 0;
      host.addEventListener('submit', (event) => {
        event.preventDefault();
        submits++;
      });
      expect(host.checkValidity()).to.equal(false);
      expect(form.checkValidity()).to.equal(false);
      expect(form.validity.valueMissing).to.equal(true);
      expect(form.validationMessage).to.equal('Name: This field is required.');
      // checkValidity alone shows nothing.
      expect(summary(form)).to.equal(null);
      expect(form.reportValidity()).to.equal(false);
      await form.updateComplete;
      expect(summary(form)).not.to.equal(null);
      host.reset();
      await form.updateComplete;

      host.requestSubmit();
      await form.updateComplete;
      expect(submits).to.equal(0);
      // The host's attempt shows every problem in the element.
      expect(summaryItems(form)).to.deep.equal(['Name: This field is required.', 'Email: This field is required.']);

      await fillAll(form, { name: 'Li Lei', email: 'li@example', phone: '123' });
      expect(form.validity.typeMismatch).to.equal(true);
      expect(host.checkValidity()).to.equal(false);
      await fillAll(form, { email: 'li@example.com', phone: '+86 138 0013 8000' });
      expect(form.validity.valid).to.equal(true);
      expect(host.checkValidity()).to.equal(true);
      host.requestSubmit();
      expect(submits).to.equal(1);
      // Enter in one of its fields submits the host form, as in any other field of it.
      control(form, 'phone').focus();
      await sendKeys({ press: 'Enter' });
      expect(submits).to.equal(2);
      await expect(host).to.be.accessible();
    });

    it('resets with the host form and follows a disabled fieldset', async () => {
      const { host, form } = await mountInForm();
      await fillAll(form, { name: 'Li Lei', email: 'bad' });
      await form.submit();
      expect(summary(form)).not.to.equal(null);
      host.reset();
      await form.updateComplete;
      expect(control(form, 'name').value).to.equal('');
      expect(control(form, 'email').value).to.equal('');
      expect(summary(form)).to.equal(null);
      expect(errorOf(form, 'email')).to.equal('');
      expect(new FormData(host).has('lead')).to.equal(false);

      host.querySelector('fieldset')!.disabled = true;
      await form.updateComplete;
      expect(control(form, 'name').disabled).to.equal(true);
      // A disabled control is barred from validation: the host form may submit.
      expect(host.checkValidity()).to.equal(true);
      host.querySelector('fieldset')!.disabled = false;
      await form.updateComplete;
      expect(control(form, 'name').disabled).to.equal(false);
    });
  });

  describe('themes, languages and hostile text', () => {
    it('has no axe violations in dark theme and in Simplified Chinese with a summary shown', async () => {
      await setCrmLocale('zh-CN');
      const form = await mount(
        html`<div style="background:#0d1117;color-scheme:dark">
          <crm-lead-form theme="dark" presentational consent-purpose="marketing_email" consent-required></crm-lead-form>
        </div>`,
      );
      expect(getComputedStyle(form).colorScheme).to.equal('dark');
      expect(text(control(form, 'name').labels![0])).to.equal('姓名 *');
      await fill(form, 'email', 'bad');
      await form.submit();
      expect(summaryItems(form).length).to.equal(3);
      await expect(form).to.be.accessible();
    });

    it('shows hostile strings in labels, the consent text and duplicate names as text only', async () => {
      crm = await newCrm();
      const hostile = '<img src=x onerror="window.__pwned=1">';
      await crm.leads.capture({ name: hostile, email: 'x@example.com' }, { source: 'web' });
      const form = await mount(
        html`<crm-lead-form
          .crm=${crm}
          duplicate-delay="0"
          reveal-duplicate-names
          consent-purpose="marketing_email"
          consent-label=${hostile}
          submit-label=${hostile}
          .fieldLabels=${{ name: hostile }}
        ></crm-lead-form>`,
      );
      await fill(form, 'email', 'x@example.com');
      await waitUntil(() => warning(form) !== '');
      expect(warning(form)).to.contain(hostile);
      expect(text(control(form, 'name').labels![0])).to.equal(`${hostile} *`);
      expect(text(submitButton(form))).to.equal(hostile);
      expect(shadow(form).querySelectorAll('img').length).to.equal(0);
      expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    });

    it('takes --crm-* tokens and exposes its parts', async () => {
      const form = await mount(html`<crm-lead-form style="--crm-color-danger: rgb(1, 2, 3)"></crm-lead-form>`);
      await form.submit();
      const error = shadow(form).querySelector('[part~="error"]')!;
      expect(getComputedStyle(error).color).to.equal('rgb(1, 2, 3)');
      const parts = new Set(
        [...shadow(form).querySelectorAll('[part]')].flatMap((element) => element.getAttribute('part')!.split(' ')),
      );
      for (const part of ['form', 'field', 'label', 'input', 'error', 'summary', 'submit', 'status', 'message']) {
        expect(parts.has(part), part).to.equal(true);
      }
    });
  });
});
