import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html, nothing, type TemplateResult } from 'lit';
import { expect, fn, userEvent, waitFor } from 'storybook/test';
import { StorageError, createCrm, createMemoryStorage, type Crm } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-lead-form';
import { setCrmLocale } from '@crmkit/elements';
import type { CrmLeadForm } from '@crmkit/elements/crm-lead-form';
import type {
  CrmLeadCaptureFailedEvent,
  CrmLeadCapturedEvent,
  CrmLeadSubmitEvent,
} from '../packages/elements/src/lead-form/events.js';

interface LeadFormArgs {
  /** `fields`: which fields, in order. */
  fields: string;
  /** `required-fields`: besides the name, which must be filled in. */
  requiredFields: string;
  source: string;
  campaign?: string;
  /** `default-country`: where numbers without + are read. */
  defaultCountry?: string;
  /** `consent-purpose`: shows the consent checkbox. */
  consentPurpose?: string;
  consentRequired: boolean;
  revealDuplicateNames: boolean;
  keepValues: boolean;
  theme?: 'light' | 'dark';
  onCaptured: (event: CrmLeadCapturedEvent) => void;
  onCaptureFailed: (event: CrmLeadCaptureFailedEvent) => void;
  onSubmit: (event: CrmLeadSubmitEvent) => void;
}

/** What the loaders hand the render and play functions: the CRM, absent in presentational stories. */
interface Loaded {
  crm?: Crm;
}

type Context = StoryContext<LeadFormArgs>;
const loadedOf = (context: Pick<Context, 'loaded'>): Loaded => context.loaded as Loaded;
const localeOf = (context: Pick<Context, 'globals'>): string => String(context.globals['locale'] ?? 'en');

const made: Crm[] = [];

/** A CRM over an empty memory storage, acting as an admin; disposed when the story unmounts. */
async function storyCrm(): Promise<Crm> {
  const crm = await createCrm({ storage: createMemoryStorage(), actor: { id: 'usr-0001', role: 'admin' } });
  made.push(crm);
  return crm;
}

/** The element's attributes from the story's args. */
function leadForm(args: LeadFormArgs, extra: { presentational?: boolean; hideSubmit?: boolean; name?: string } = {}) {
  return html`<crm-lead-form
    name=${extra.name ?? nothing}
    fields=${args.fields}
    required-fields=${args.requiredFields}
    source=${args.source}
    campaign=${args.campaign ?? nothing}
    default-country=${args.defaultCountry ?? nothing}
    consent-purpose=${args.consentPurpose ?? nothing}
    ?consent-required=${args.consentRequired}
    ?reveal-duplicate-names=${args.revealDuplicateNames}
    ?keep-values=${args.keepValues}
    ?presentational=${extra.presentational ?? false}
    ?hide-submit=${extra.hideSubmit ?? false}
    duplicate-delay="300"
    @crm-lead-captured=${args.onCaptured}
    @crm-lead-capture-failed=${args.onCaptureFailed}
    @crm-lead-submit=${args.onSubmit}
  ></crm-lead-form>`;
}

/** The form inside a provider handing it the loaded CRM, in the toolbar's locale. */
function renderWithCrm(args: LeadFormArgs, context: Context): TemplateResult {
  return html`<crm-provider .crm=${loadedOf(context).crm} locale=${localeOf(context)} theme=${args.theme ?? nothing}>
    ${leadForm(args)}
  </crm-provider>`;
}

const meta: Meta<LeadFormArgs> = {
  title: 'Elements/Lead form',
  component: 'crm-lead-form',
  args: {
    fields: 'name,company,email,phone,message',
    requiredFields: 'name,email',
    source: 'web',
    defaultCountry: 'CN',
    consentPurpose: 'marketing_email',
    consentRequired: false,
    revealDuplicateNames: false,
    keepValues: false,
    onCaptured: fn(),
    onCaptureFailed: fn(),
    onSubmit: fn(),
  },
  argTypes: {
    theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] },
    consentPurpose: {
      control: 'select',
      options: [undefined, 'marketing_email', 'sms', 'phone', 'profiling', 'data_processing'],
    },
    onCaptured: { description: '`crm-lead-captured`', table: { category: 'events' } },
    onCaptureFailed: { description: '`crm-lead-capture-failed`', table: { category: 'events' } },
    onSubmit: { description: '`crm-lead-submit`', table: { category: 'events' } },
  },
  // `@lit/localize` keeps one message locale per page: follow the toolbar, whatever the story before left behind.
  loaders: [async (context) => void (await setCrmLocale(localeOf(context)))],
  // Each story's CRM stops its background work when the story unmounts.
  beforeEach: () => () => {
    for (const crm of made.splice(0)) crm.dispose();
  },
  render: renderWithCrm,
};
export default meta;

type Story = StoryObj<LeadFormArgs>;

// ——— helpers for the play functions ———

function formIn(canvasElement: HTMLElement): CrmLeadForm {
  const form = canvasElement.querySelector('crm-lead-form');
  if (!form) throw new Error('no <crm-lead-form> in the story');
  return form;
}

const shadow = (form: CrmLeadForm): ShadowRoot => form.shadowRoot!;
const text = (element: Element | null | undefined): string => element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const control = (form: CrmLeadForm, field: string): HTMLInputElement =>
  shadow(form).querySelector<HTMLInputElement>(`#f-${field}`)!;
const partText = (form: CrmLeadForm, part: string): string => text(shadow(form).querySelector(`[part~="${part}"]`));
const summaryItems = (form: CrmLeadForm): string[] =>
  [...shadow(form).querySelectorAll('[part~="summary"] li')].map((item) => text(item));

/** Types into the fields as a person would, one key at a time. */
async function typeInto(form: CrmLeadForm, values: Record<string, string>): Promise<void> {
  await form.updateComplete;
  for (const [field, value] of Object.entries(values)) {
    await userEvent.type(control(form, field), value);
  }
  await userEvent.tab();
  await form.updateComplete;
}

const LI_LEI = {
  name: 'Li Lei',
  company: 'Acme Ltd',
  email: 'li.lei@example.com',
  phone: '138 0013 8000',
  message: 'Please send me a quote for 20 seats.',
};

// ——— stories ———

/** Nothing typed yet: name and email required, the phone read in China, a marketing-email consent box. */
export const Empty: Story = {
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    await form.updateComplete;
    await expect([...shadow(form).querySelectorAll('[part~="label"]')].map(text)).toEqual([
      'Name *',
      'Company',
      'Email *',
      'Phone',
      'Message',
      'I agree to receive marketing emails.',
    ]);
    await expect(shadow(form).querySelector('[part~="summary"]')).toBeNull();
    await expect(text(shadow(form).querySelector('[part~="submit"]'))).toBe('Send');
  },
};

/** Every field filled in with valid details: no problem shown, no duplicate in the empty CRM. */
export const Filled: Story = {
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    await typeInto(form, LI_LEI);
    await userEvent.click(control(form, 'consent'));
    await form.settled();
    await expect(form.issues.size).toBe(0);
    await expect(shadow(form).querySelectorAll('[aria-invalid="true"]').length).toBe(0);
    await expect(partText(form, 'warning')).toBe('');
  },
};

/** A bad phone number and no email, submitted: the summary lists both and takes focus; each field says why. */
export const Invalid: Story = {
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement, args }) => {
    const form = formIn(canvasElement);
    await typeInto(form, { name: 'Li Lei', phone: '12345' });
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    const summary = await waitFor(() => {
      const found = shadow(form).querySelector<HTMLElement>('[part~="summary"]');
      expect(found).not.toBeNull();
      return found!;
    });
    await waitFor(() => expect(shadow(form).activeElement).toBe(summary));
    await expect(text(summary.querySelector('[role="heading"]'))).toBe('There are 2 problems with your details');
    await expect(summaryItems(form)).toEqual(['Email: This field is required.', 'Phone: Enter a valid phone number.']);
    await expect(control(form, 'phone').getAttribute('aria-invalid')).toBe('true');
    await expect(text(shadow(form).querySelector('#f-phone-error'))).toBe('Enter a valid phone number.');
    await expect(args.onCaptured).not.toHaveBeenCalled();
  },
};

/** The email typed is already a lead's: after a pause in typing, a polite warning says so (not whose it is). */
export const DuplicateWarning: Story = {
  loaders: [
    async () => {
      const crm = await storyCrm();
      await crm.leads.capture({ name: 'Han Meimei', email: 'han.meimei@example.com' }, { source: 'referral' });
      return { crm };
    },
  ],
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    await typeInto(form, { name: 'Han M.', email: 'han.meimei@example.com' });
    await waitFor(() =>
      expect(partText(form, 'warning')).toBe(
        'A lead with this email address already exists. Sending these details again will be refused.',
      ),
    );
    await expect(shadow(form).querySelector('[part~="warning"]')?.getAttribute('role')).toBe('status');
  },
};

/** The CRM is still storing the lead (here it never finishes): "Sending…", the button busy, the fields read-only. */
export const Submitting: Story = {
  loaders: [
    async () => {
      const crm = await storyCrm();
      crm.leads.capture = () => new Promise<never>(() => undefined);
      return { crm };
    },
  ],
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    await typeInto(form, { name: 'Li Lei', email: 'li.lei@example.com' });
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    await waitFor(() => expect(partText(form, 'status')).toBe('Sending…'));
    await expect(shadow(form).querySelector('[part~="submit"]')?.getAttribute('aria-disabled')).toBe('true');
    await expect(control(form, 'name').readOnly).toBe(true);
  },
};

/** Storage refuses the write: the form says so, fires `crm-lead-capture-failed` and keeps everything typed. */
export const SubmitFailure: Story = {
  loaders: [
    async () => {
      const crm = await storyCrm();
      crm.leads.capture = () => Promise.reject(new StorageError('The storage engine is unavailable'));
      return { crm };
    },
  ],
  play: async ({ canvasElement, args }) => {
    const form = formIn(canvasElement);
    await typeInto(form, LI_LEI);
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    await waitFor(() => expect(partText(form, 'message')).toBe('Your details could not be sent. Please try again.'));
    await expect(args.onCaptureFailed).toHaveBeenCalledWith(
      expect.objectContaining({ detail: { code: 'CRM_STORAGE' } }),
    );
    await expect(control(form, 'email').value).toBe(LI_LEI.email);
    await expect(control(form, 'message').value).toBe(LI_LEI.message);
  },
};

/** Captured: `crm-lead-captured` (ids only), the lead in storage, the form cleared and a thank-you announced. */
export const Success: Story = {
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement, args, loaded }) => {
    const { crm } = loadedOf({ loaded });
    const form = formIn(canvasElement);
    await typeInto(form, LI_LEI);
    await userEvent.click(control(form, 'consent'));
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    await waitFor(() => expect(partText(form, 'status')).toBe('Thank you. Your details have been sent.'));
    await expect(args.onCaptured).toHaveBeenCalledTimes(1);
    const leads = (await crm!.leads.list()).records;
    await expect(leads.map((lead) => [lead.name, lead.phone])).toEqual([['Li Lei', '+8613800138000']]);
    await expect(leads[0]!.id).toBe(form.leadId);
    await expect(control(form, 'name').value).toBe('');
  },
};

/** The toolbar's locale set to 简体中文: labels, messages and the summary in Chinese. */
export const SimplifiedChinese: Story = {
  // Off the docs page: the message language is page-wide.
  tags: ['!autodocs'],
  globals: { locale: 'zh-CN' },
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    await waitFor(() => expect(text(control(form, 'name').labels?.[0])).toBe('姓名 *'));
    await typeInto(form, { email: 'li.lei@' });
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    await waitFor(() =>
      expect(summaryItems(form)).toEqual([
        '姓名：此项为必填项。',
        '邮箱：请输入有效的邮箱地址，例如 name@example.com。',
      ]),
    );
    await expect(text(shadow(form).querySelector('[part~="summary"] [role="heading"]'))).toBe(
      '您填写的信息有 2 处问题',
    );
  },
};

/** `theme="dark"` on the provider, on a dark host page, with problems shown. */
export const Dark: Story = {
  args: { theme: 'dark', consentRequired: true },
  decorators: [
    (story) =>
      html`<div style="background: #0d1117; color: #e6edf3; color-scheme: dark; padding: 8px">${story()}</div>`,
  ],
  loaders: [async () => ({ crm: await storyCrm() })],
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    await form.updateComplete;
    await expect(getComputedStyle(form).colorScheme).toBe('dark');
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    await waitFor(() => expect(summaryItems(form).length).toBe(3));
  },
};

/**
 * In a host `<form>` with its own submit button (`hide-submit`): the element's value in the host's form data is the
 * submission as JSON, the host form will not submit while the element is invalid, and Reset clears it.
 */
export const InsideHostForm: Story = {
  args: { fields: 'name,email,phone', consentPurpose: undefined },
  render: (args) => {
    const onSubmit = (event: SubmitEvent) => {
      event.preventDefault();
      const host = event.target as HTMLFormElement;
      host.querySelector('output')!.value = String(new FormData(host).get('lead') ?? '');
    };
    return html`<form id="host" @submit=${onSubmit}>
      ${leadForm(args, { presentational: true, hideSubmit: true, name: 'lead' })}
      <p>
        <button type="submit">Sign up</button>
        <button type="reset">Reset</button>
      </p>
      <p>Sent: <output name="sent" aria-live="polite"></output></p>
    </form>`;
  },
  play: async ({ canvasElement }) => {
    const form = formIn(canvasElement);
    const host = canvasElement.querySelector<HTMLFormElement>('#host')!;
    const output = host.querySelector('output')!;
    await form.updateComplete;
    await expect(host.checkValidity()).toBe(false);
    await userEvent.click(host.querySelector<HTMLButtonElement>('button[type="submit"]')!);
    await expect(output.value).toBe('');
    await typeInto(form, { name: 'Li Lei', email: 'li.lei@example.com', phone: '138 0013 8000' });
    await expect(host.checkValidity()).toBe(true);
    await userEvent.click(host.querySelector<HTMLButtonElement>('button[type="submit"]')!);
    await expect(JSON.parse(output.value)).toEqual({
      lead: { name: 'Li Lei', email: 'li.lei@example.com', phone: '+8613800138000' },
      options: { source: 'web' },
    });
    await userEvent.click(host.querySelector<HTMLButtonElement>('button[type="reset"]')!);
    await form.updateComplete;
    await expect(control(form, 'name').value).toBe('');
  },
};

/** No CRM: a valid submit is a cancelable `crm-lead-submit` carrying the lead for the host to store. */
export const Presentational: Story = {
  render: (args) => leadForm(args),
  play: async ({ canvasElement, args }) => {
    const form = formIn(canvasElement);
    await typeInto(form, { name: 'Li Lei', email: 'li.lei@example.com' });
    await userEvent.click(shadow(form).querySelector<HTMLButtonElement>('[part~="submit"]')!);
    await waitFor(() => expect(args.onSubmit).toHaveBeenCalledTimes(1));
    await expect(args.onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        detail: { lead: { name: 'Li Lei', email: 'li.lei@example.com' }, options: { source: 'web' } },
      }),
    );
    await expect(partText(form, 'status')).toBe('Thank you. Your details have been sent.');
  },
};
